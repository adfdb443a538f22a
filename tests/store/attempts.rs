//! Attempts in the exam store: assembly by the blueprint, deadlines, saves,
//! grading, expiry and the group-commit saver.

use std::collections::{HashMap, HashSet};

use examdrill::exam::assembly::Shortfall;
use examdrill::exam::store::{Finish, SaveError, StartError, finalize, finalize_expired, save_answer, set_flag, start};
use rand::SeedableRng;
use rand::rngs::StdRng;
use uuid::Uuid;

use crate::common::TestApp;
use crate::common::bank::seeded;
use crate::common::exam::{
    exam_request, expire_attempt, item_questions, practice_request, register_student, set_deadline_ago, start_seeded,
};

async fn items(app: &TestApp, attempt: Uuid) -> Vec<(i32, String, String, String)> {
    sqlx::query_as(
        "select position, question_id, domain, option_order from attempt_items where attempt_id = $1 order by position",
    )
    .bind(attempt)
    .fetch_all(&app.pool)
    .await
    .unwrap()
}

/// The time an attempt allows, in minutes.
async fn minutes_allowed(app: &TestApp, attempt: Uuid) -> f64 {
    sqlx::query_scalar("select (extract(epoch from deadline - started_at) / 60)::float8 from attempts where id = $1")
        .bind(attempt)
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_full_exam_follows_the_blueprint_weights_and_time() {
    let app = seeded(25).await;
    let user = register_student(&app, "s@example.com").await;
    let id = start_seeded(&app, &exam_request(user), 1).await;
    let its = items(&app, id).await;
    assert_eq!(its.len(), 65);
    let mut per: HashMap<&str, usize> = HashMap::new();
    for (_, _, d, _) in &its {
        *per.entry(d.as_str()).or_default() += 1;
    }
    assert_eq!(
        per,
        HashMap::from([("secure", 19), ("resilient", 17), ("performance", 16), ("cost", 13)])
    );
    for (_, qid, _, order) in &its {
        let mut keys: Vec<char> = order.chars().collect();
        keys.sort_unstable();
        let expected = if qid.ends_with('0') || qid.ends_with('5') {
            "abcde"
        } else {
            "abcd"
        };
        assert_eq!(
            keys.into_iter().collect::<String>(),
            expected,
            "{qid}: the shown order is a permutation"
        );
    }
    let minutes = minutes_allowed(&app, id).await;
    assert!((minutes - 130.0).abs() < 0.1, "{minutes}");
}

#[tokio::test]
async fn repeat_attempts_prefer_questions_not_seen_yet() {
    let app = seeded(40).await;
    let user = register_student(&app, "r@example.com").await;
    let a = start_seeded(&app, &exam_request(user), 2).await;
    let b = start_seeded(&app, &exam_request(user), 3).await;
    let first: HashSet<String> = items(&app, a).await.into_iter().map(|i| i.1).collect();
    let second: HashSet<String> = items(&app, b).await.into_iter().map(|i| i.1).collect();
    assert_eq!(
        first.intersection(&second).count(),
        0,
        "40 per domain leaves enough unseen questions"
    );
}

#[tokio::test]
async fn accommodation_time_is_part_of_the_deadline() {
    let app = seeded(25).await;
    let user = register_student(&app, "a@example.com").await;
    sqlx::query("insert into accommodations (user_id, extra_minutes) values ($1, 30)")
        .bind(user)
        .execute(&app.pool)
        .await
        .unwrap();
    let id = start_seeded(&app, &exam_request(user), 4).await;
    let minutes = minutes_allowed(&app, id).await;
    assert!((minutes - 160.0).abs() < 0.1, "{minutes}");
}

#[tokio::test]
async fn a_request_the_bank_cannot_fill_says_what_is_missing_and_starts_nothing() {
    let app = seeded(10).await;
    let user = register_student(&app, "f@example.com").await;
    match start(&app.pool, &exam_request(user), &mut StdRng::seed_from_u64(5)).await {
        Err(StartError::Shortfall(s)) => {
            assert!(
                s.contains(&Shortfall {
                    domain: "secure".into(),
                    wanted: 19,
                    available: 10
                }),
                "{s:?}"
            );
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(app.count("select count(*) from attempts").await, 0);
}

#[tokio::test]
async fn grading_is_all_or_nothing_and_partial_selections_score_zero() {
    let app = seeded(25).await;
    let user = register_student(&app, "g@example.com").await;
    let id = start_seeded(&app, &exam_request(user), 6).await;
    let mut expected = 0;
    for (pos, qid) in item_questions(&app, id).await {
        let multiple = qid.ends_with('0') || qid.ends_with('5');
        let pick: &[char] = match (multiple, pos % 3) {
            (true, 0) => &['a', 'c'],
            (true, 1) => &['a'],
            (true, _) => &['a', 'c', 'd'],
            (false, 0) => &['b'],
            (false, 1) => &['c'],
            (false, _) => &[],
        };
        if pos % 3 == 0 {
            expected += 1;
        }
        save_answer(&app.pool, id, user, pos, pick).await.unwrap();
    }
    let outcome = finalize(&app.pool, id, Finish::Submitted).await.unwrap().unwrap();
    assert_eq!((outcome.raw, outcome.total), (expected, 65));
    assert_eq!(outcome.passed, outcome.scaled >= 720);
    // Submitting again changes nothing.
    assert!(finalize(&app.pool, id, Finish::Submitted).await.unwrap().is_none());
    let raw: i32 = sqlx::query_scalar("select raw_score from attempts where id = $1")
        .bind(id)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(raw as u32, expected);
}

#[tokio::test]
async fn saving_the_same_answer_twice_is_harmless_and_bad_keys_are_refused() {
    let app = seeded(25).await;
    let user = register_student(&app, "h@example.com").await;
    let id = start_seeded(&app, &exam_request(user), 7).await;
    save_answer(&app.pool, id, user, 1, &['b']).await.unwrap();
    save_answer(&app.pool, id, user, 1, &['b']).await.unwrap();
    assert_eq!(
        save_answer(&app.pool, id, user, 1, &['z']).await,
        Err(SaveError::BadOption)
    );
    assert_eq!(
        save_answer(&app.pool, id, user, 99, &['a']).await,
        Err(SaveError::NotFound)
    );
    let sel: Option<String> =
        sqlx::query_scalar("select selected from attempt_items where attempt_id = $1 and position = 1")
            .bind(id)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(sel.as_deref(), Some("b"));
    assert!(set_flag(&app.pool, id, user, 2, true).await.unwrap());
}

#[tokio::test]
async fn another_students_attempt_is_not_found() {
    let app = seeded(25).await;
    let owner = register_student(&app, "o@example.com").await;
    app.logout().await;
    let other = register_student(&app, "x@example.com").await;
    let id = start_seeded(&app, &exam_request(owner), 8).await;
    assert_eq!(
        save_answer(&app.pool, id, other, 1, &['a']).await,
        Err(SaveError::NotFound)
    );
    assert!(!set_flag(&app.pool, id, other, 1, true).await.unwrap());
}

#[tokio::test]
async fn a_late_answer_is_refused_and_closes_the_attempt() {
    let app = seeded(25).await;
    let user = register_student(&app, "l@example.com").await;
    let id = start_seeded(&app, &exam_request(user), 9).await;
    save_answer(&app.pool, id, user, 1, &['b']).await.unwrap();
    // Within the grace period an in-flight answer still counts.
    set_deadline_ago(&app, id, 5).await;
    save_answer(&app.pool, id, user, 2, &['b']).await.unwrap();
    expire_attempt(&app, id).await;
    assert_eq!(
        save_answer(&app.pool, id, user, 3, &['b']).await,
        Err(SaveError::TooLate)
    );
    let (reason, answered): (Option<String>, i64) = sqlx::query_as(
        "select a.finish_reason, (select count(*) from attempt_items i where i.attempt_id = a.id and i.selected is not null)
         from attempts a where a.id = $1",
    )
    .bind(id)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(reason.as_deref(), Some("expired"));
    assert_eq!(answered, 2, "the acknowledged answers are kept");
    assert_eq!(
        save_answer(&app.pool, id, user, 3, &['b']).await,
        Err(SaveError::Finished)
    );
}

#[tokio::test]
async fn an_abandoned_attempt_is_finalized_by_the_sweep() {
    let app = seeded(25).await;
    let user = register_student(&app, "z@example.com").await;
    let id = start_seeded(&app, &exam_request(user), 10).await;
    let fresh = start_seeded(&app, &exam_request(user), 11).await;
    save_answer(&app.pool, id, user, 1, &['b']).await.unwrap();
    expire_attempt(&app, id).await;
    assert_eq!(finalize_expired(&app.pool).await.unwrap(), 1);
    let rows: Vec<(Uuid, Option<String>, Option<i32>)> =
        sqlx::query_as("select id, finish_reason, raw_score from attempts order by started_at")
            .fetch_all(&app.pool)
            .await
            .unwrap();
    let done = rows.iter().find(|r| r.0 == id).unwrap();
    assert_eq!(done.1.as_deref(), Some("expired"));
    assert!(done.2.is_some());
    assert_eq!(
        rows.iter().find(|r| r.0 == fresh).unwrap().1,
        None,
        "a running attempt is left alone"
    );
}

/// Every instance of a cluster runs the expiry sweep; each expired attempt
/// must still be graded once, and its missed questions queued for review once.
#[tokio::test]
async fn several_instances_sweeping_at_once_grade_each_attempt_once() {
    let app = seeded(25).await;
    let mut expired = Vec::new();
    for i in 0..12 {
        let user = register_student(&app.sibling(), &format!("sweep{i}@example.com")).await;
        let id = start_seeded(&app, &exam_request(user), 100 + i).await;
        save_answer(&app.pool, id, user, 1, &['a']).await.unwrap();
        expired.push(id);
    }
    // All at once, just before the sweeps: registering takes long enough on a
    // busy machine that the app's own 15-second sweep could grade early ones.
    for &id in &expired {
        expire_attempt(&app, id).await;
    }
    // Separate pools, as separate processes would have.
    let mut sweeps = Vec::new();
    for _ in 0..4 {
        let pool = sqlx::PgPool::connect(&app.settings.database_url).await.unwrap();
        sweeps.push(tokio::spawn(async move { finalize_expired(&pool).await.unwrap() }));
    }
    let mut total = 0;
    for s in sweeps {
        total += s.await.unwrap();
    }
    assert_eq!(total, expired.len(), "the sweeps together finalized each attempt once");
    let graded: i64 =
        sqlx::query_scalar("select count(*) from attempts where finish_reason = 'expired' and raw_score is not null")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(graded as usize, expired.len());
    let twice: i64 = sqlx::query_scalar("select count(*) from review_cards where reps > 1")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(twice, 0, "no missed question was reviewed twice by two sweeps");
}

#[tokio::test]
async fn two_tabs_saving_at_once_lose_nothing() {
    let app = seeded(25).await;
    let user = register_student(&app, "t@example.com").await;
    let id = start_seeded(&app, &exam_request(user), 12).await;
    let tab = |positions: Vec<i32>| {
        let pool = app.pool.clone();
        tokio::spawn(async move {
            for p in positions {
                save_answer(&pool, id, user, p, &['a']).await.unwrap();
            }
        })
    };
    let (a, b) = (
        tab((1..=65).filter(|p| p % 2 == 0).collect()),
        tab((1..=65).filter(|p| p % 2 == 1).collect()),
    );
    a.await.unwrap();
    b.await.unwrap();
    let answered: i64 =
        sqlx::query_scalar("select count(*) from attempt_items where attempt_id = $1 and selected = 'a'")
            .bind(id)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(answered, 65);
}

#[tokio::test]
async fn a_start_after_a_bank_change_sees_the_change() {
    let app = seeded(25).await;
    let user = register_student(&app, "s@example.com").await;
    // The first start caches the bank for assembly.
    start_seeded(&app, &exam_request(user), 1).await;

    // Retire six secure questions (leaving exactly the 19 an exam needs) and edit another.
    for i in 0..6 {
        examdrill::bank::store::set_retired(&app.pool, &format!("secure-{i:03}"), true, None)
            .await
            .unwrap();
    }
    let mut bank = examdrill::bank::store::export(&app.pool, &["t".to_owned()])
        .await
        .unwrap();
    bank.questions.retain(|q| q.id == "secure-010");
    bank.questions[0].stem = "바뀐 문항".into();
    examdrill::bank::store::import(&app.pool, &bank, None, examdrill::bank::store::Mode::Add)
        .await
        .unwrap();

    app.logout().await;
    let user2 = register_student(&app, "t@example.com").await;
    let id = start_seeded(&app, &exam_request(user2), 2).await;
    let secure: Vec<(String, i32)> = sqlx::query_as(
        "select question_id, version from attempt_items where attempt_id = $1 and domain = 'secure' order by question_id",
    )
    .bind(id)
    .fetch_all(&app.pool)
    .await
    .unwrap();
    assert_eq!(secure.len(), 19);
    assert!(
        secure
            .iter()
            .all(|(q, _)| !(0..6).any(|i| *q == format!("secure-{i:03}"))),
        "retired questions are never served: {secure:?}"
    );
    assert!(
        secure.contains(&("secure-010".to_owned(), 2)),
        "the new version is served: {secure:?}"
    );
}

#[tokio::test]
async fn group_commit_writes_every_save_in_order_and_refuses_only_the_bad_ones() {
    use examdrill::exam::saver::Saver;
    let app = seeded(25).await;
    let user = register_student(&app, "g@example.com").await;
    app.logout().await;
    let other = register_student(&app, "g2@example.com").await;
    let id = start_seeded(&app, &exam_request(user), 21).await;
    let (saver, _writers) = Saver::spawn(app.pool.clone());
    // Every question at once, plus repeated clicks on question 1 (the last
    // must win), a key the question doesn't have, and a stranger's save.
    let mut saves = Vec::new();
    for p in 1..=65 {
        saves.push((user, p, 'a'));
    }
    for key in ['b', 'a', 'd', 'c'] {
        saves.push((user, 1, key));
    }
    saves.push((user, 2, 'z'));
    saves.push((other, 3, 'b'));
    let results = futures_util::future::join_all(saves.iter().map(|&(u, p, k)| {
        let saver = saver.clone();
        async move { saver.save(id, u, p, &[k], None).await }
    }))
    .await;
    let refused: Vec<_> = saves
        .iter()
        .zip(&results)
        .filter(|(_, r)| r.is_err())
        .map(|(s, r)| (s.1, s.2, *r))
        .collect();
    assert_eq!(
        refused,
        vec![(2, 'z', Err(SaveError::BadOption)), (3, 'b', Err(SaveError::NotFound))]
    );
    let stored: HashMap<i32, Option<String>> =
        sqlx::query_as("select position, selected from attempt_items where attempt_id = $1")
            .bind(id)
            .fetch_all(&app.pool)
            .await
            .unwrap()
            .into_iter()
            .collect();
    assert_eq!(stored.len(), 65);
    assert_eq!(stored[&1].as_deref(), Some("c"), "the last click on a question wins");
    assert!(
        (2..=65).all(|p| stored[&p].as_deref() == Some("a")),
        "every acknowledged save is stored: {stored:?}"
    );
    // Late saves in a batch are refused and close the attempt, as single saves do.
    expire_attempt(&app, id).await;
    assert_eq!(saver.save(id, user, 4, &['b'], None).await, Err(SaveError::TooLate));
    assert_eq!(saver.save(id, user, 4, &['b'], None).await, Err(SaveError::Finished));
}

#[tokio::test]
async fn the_question_versions_an_attempt_pinned_can_never_be_deleted() {
    let app = seeded(25).await;
    let user = register_student(&app, "p@example.com").await;
    let id = start_seeded(&app, &exam_request(user), 22).await;
    let (q, v): (String, i32) =
        sqlx::query_as("select question_id, version from attempt_items where attempt_id = $1 and position = 1")
            .bind(id)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    let refused = sqlx::query("delete from question_versions where question_id = $1 and version = $2")
        .bind(&q)
        .bind(v)
        .execute(&app.pool)
        .await
        .unwrap_err();
    assert!(refused.to_string().contains("permanent"), "{refused}");
    assert!(
        sqlx::query("delete from questions where id = $1")
            .bind(&q)
            .execute(&app.pool)
            .await
            .is_err(),
        "deleting the question would take its versions with it"
    );
    let kept: i64 =
        sqlx::query_scalar("select count(*) from question_versions where question_id = $1 and version = $2")
            .bind(&q)
            .bind(v)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(kept, 1, "the review page still has the version the student saw");
}

/// A multiple-answer question of the seeded bank ends in 0 or 5; the others
/// are single-answer with 'b' right.
fn single_answer(qid: &str) -> bool {
    !(qid.ends_with('0') || qid.ends_with('5'))
}

#[tokio::test]
async fn a_first_save_to_an_item_never_touched_is_stored_and_graded() {
    let app = seeded(25).await;
    let user = register_student(&app, "first@example.com").await;
    let id = start_seeded(&app, &exam_request(user), 8).await;
    let per_item_rows = || async {
        sqlx::query_scalar::<_, i64>("select count(*) from attempt_answers where attempt_id = $1")
            .bind(id)
            .fetch_one(&app.pool)
            .await
            .unwrap()
    };
    assert_eq!(per_item_rows().await, 0, "a start writes no per-item rows");
    let questions = item_questions(&app, id).await;
    let (pos, _) = questions.iter().rev().find(|(_, q)| single_answer(q)).unwrap().clone();
    let (flag_only, _) = questions.iter().find(|(p, _)| *p != pos).unwrap().clone();
    save_answer(&app.pool, id, user, pos, &['b']).await.unwrap();
    assert!(set_flag(&app.pool, id, user, flag_only, true).await.unwrap());
    let outcome = finalize(&app.pool, id, Finish::Submitted).await.unwrap().unwrap();
    assert_eq!((outcome.raw, outcome.total), (1, 65), "the one answer counts");
    let rows: Vec<(i32, Option<String>, Option<bool>, bool)> =
        sqlx::query_as("select position, selected, correct, flagged from attempt_items where attempt_id = $1")
            .bind(id)
            .fetch_all(&app.pool)
            .await
            .unwrap();
    assert_eq!(rows.len(), 65);
    for (p, selected, correct, flagged) in rows {
        if p == pos {
            assert_eq!((selected.as_deref(), correct), (Some("b"), Some(true)));
        } else {
            assert_eq!((selected, correct), (None, Some(false)), "position {p} was skipped");
        }
        assert_eq!(flagged, p == flag_only);
    }
    assert_eq!(per_item_rows().await, 65, "grading writes every item");
}

#[tokio::test]
async fn saves_racing_the_grade_are_either_graded_or_refused() {
    use examdrill::exam::saver::Saver;
    let app = seeded(25).await;
    let user = register_student(&app, "race@example.com").await;
    let id = start_seeded(&app, &exam_request(user), 9).await;
    let questions = item_questions(&app, id).await;
    let (saver, _writers) = Saver::spawn(app.pool.clone());
    let saves = futures_util::future::join_all(questions.iter().map(|(p, q)| {
        let saver = saver.clone();
        let p = *p;
        let right = single_answer(q);
        async move { (p, right, saver.save(id, user, p, &['b'], None).await) }
    }));
    let grade = async {
        tokio::task::yield_now().await;
        finalize(&app.pool, id, Finish::Submitted).await.unwrap().unwrap()
    };
    let (results, outcome) = tokio::join!(saves, grade);
    let acknowledged: Vec<(i32, bool)> = results
        .iter()
        .filter(|(_, _, r)| r.is_ok())
        .map(|(p, right, _)| (*p, *right))
        .collect();
    for (_, _, r) in &results {
        assert!(matches!(r, Ok(()) | Err(SaveError::Finished)), "{r:?}");
    }
    let expected = acknowledged.iter().filter(|(_, right)| *right).count() as u32;
    assert_eq!(outcome.raw, expected, "every acknowledged answer is in the grade");
    let stored: HashMap<i32, Option<String>> =
        sqlx::query_as("select position, selected from attempt_items where attempt_id = $1")
            .bind(id)
            .fetch_all(&app.pool)
            .await
            .unwrap()
            .into_iter()
            .collect();
    for (p, _) in &acknowledged {
        assert_eq!(stored[p].as_deref(), Some("b"), "acknowledged answer at {p}");
    }
}

/// When a class presses Start together, their starts are planned and written
/// as one batch. Each student still gets an attempt of their own, with their
/// own time, and one bad request in the batch fails alone.
#[tokio::test]
async fn starts_sharing_a_batch_each_get_their_own_attempt_and_fail_alone() {
    use examdrill::accounts::UserId;
    use examdrill::exam::store::start_many;
    let app = seeded(25).await;
    let extra = register_student(&app, "b1@example.com").await;
    app.logout().await;
    let plain = register_student(&app, "b2@example.com").await;
    sqlx::query("insert into accommodations (user_id, extra_minutes) values ($1, 30)")
        .bind(extra)
        .execute(&app.pool)
        .await
        .unwrap();
    let ghost = UserId(Uuid::new_v4());
    let unknown_exam = examdrill::exam::store::StartRequest {
        exam: "nope-c01".into(),
        ..exam_request(plain)
    };
    let reqs = vec![
        exam_request(extra),
        practice_request(plain, 5, vec!["no-such-topic".into()]),
        exam_request(ghost),
        unknown_exam,
        exam_request(plain),
    ];
    let results = start_many(&app.pool, &reqs, &mut StdRng::seed_from_u64(8)).await;
    assert_eq!(results.len(), 5);
    let (Ok(a), Ok(b)) = (&results[0], &results[4]) else {
        panic!("{results:?}")
    };
    assert!(matches!(results[1], Err(StartError::Shortfall(_))), "{:?}", results[1]);
    assert!(
        matches!(results[2], Err(StartError::Db(_))),
        "a student who no longer exists: {:?}",
        results[2]
    );
    assert!(
        matches!(results[3], Err(StartError::UnknownExam(_))),
        "{:?}",
        results[3]
    );
    assert_eq!(app.count("select count(*) from attempts").await, 2);
    let owner = |id: Uuid| {
        let pool = app.pool.clone();
        async move {
            sqlx::query_scalar::<_, Uuid>("select user_id from attempts where id = $1")
                .bind(id)
                .fetch_one(&pool)
                .await
                .unwrap()
        }
    };
    assert_eq!(owner(*a).await, extra.0);
    assert_eq!(owner(*b).await, plain.0);
    assert!(
        (minutes_allowed(&app, *a).await - 160.0).abs() < 0.1,
        "the accommodation applies to its student"
    );
    assert!(
        (minutes_allowed(&app, *b).await - 130.0).abs() < 0.1,
        "and only to them"
    );
    assert_eq!(items(&app, *a).await.len(), 65);
    assert_eq!(items(&app, *b).await.len(), 65);
}

/// Many concurrent starts through the group-commit starter: every caller is
/// answered with a committed attempt of their own.
#[tokio::test]
async fn a_crowd_pressing_start_through_the_starter_all_get_their_own_attempt() {
    use examdrill::exam::starter::Starter;
    let app = seeded(25).await;
    // Accounts made directly: the password work of 40 sign-ups is not what this is about.
    let students: Vec<examdrill::accounts::UserId> = sqlx::query_scalar(
        "insert into users (id, email, display_name, password_hash)
         select gen_random_uuid(), 'crowd' || g || '@example.com', 'Crowd', 'unused' from generate_series(1, 40) g
         returning id",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap()
    .into_iter()
    .map(examdrill::accounts::UserId)
    .collect();
    let (starter, _writers) = Starter::spawn(&app.pool);
    let results = futures_util::future::join_all(students.iter().map(|&u| {
        let starter = starter.clone();
        async move { (u, starter.start(exam_request(u)).await) }
    }))
    .await;
    let mut seen = HashSet::new();
    for (user, result) in results {
        let id = result.unwrap_or_else(|e| panic!("{user}: {e:?}"));
        assert!(seen.insert(id));
        let owner: Uuid = sqlx::query_scalar("select user_id from attempts where id = $1")
            .bind(id)
            .fetch_one(&app.pool)
            .await
            .unwrap();
        assert_eq!(owner, user.0, "the attempt answered to a student is theirs");
        assert_eq!(items(&app, id).await.len(), 65);
    }
    assert_eq!(app.count("select count(*) from attempts").await, 40);
}
