//! Weak-topic review: the queue filled by grading, mastery ranking on the
//! review page, the daily session's order and rescheduling, drills, settings,
//! and isolation between students.

use examdrill::accounts::UserId;
use examdrill::exam::store::{Finish, Mode, StartRequest, finalize, save_answer};
use uuid::Uuid;

use crate::common::bank::seed_saa_bank_with_topics;
use crate::common::exam::{attempt_id, item_questions, practice_request, register_student, start_seeded};
use crate::common::{PASSWORD, Page, TestApp, spawn_app};

async fn app_with_topics() -> TestApp {
    let app = spawn_app().await;
    seed_saa_bank_with_topics(&app, 20, true).await;
    app
}

/// Starts a practice set of `count` questions on one topic.
async fn practice_on(app: &TestApp, user: UserId, count: usize, topic: &str, seed: u64) -> Uuid {
    start_seeded(app, &practice_request(user, count, vec![topic.to_owned()]), seed).await
}

/// The seeded answer is "b" for single questions and "ac" for the multiple ones.
fn right_answer(qid: &str) -> Vec<char> {
    let n: u32 = qid.rsplit('-').next().and_then(|n| n.parse().ok()).unwrap_or(1);
    if n.is_multiple_of(5) { vec!['a', 'c'] } else { vec!['b'] }
}

/// Answers every item, wrongly where `wrong(question_id)` holds, and grades the attempt.
async fn answer_all(
    app: &TestApp,
    user: UserId,
    attempt: Uuid,
    mut wrong: impl FnMut(&str) -> bool,
) -> Vec<(String, bool)> {
    let mut out = vec![];
    for (pos, qid) in item_questions(app, attempt).await {
        let w = wrong(&qid);
        let choice = if w { vec!['d'] } else { right_answer(&qid) };
        save_answer(&app.pool, attempt, user, pos, &choice).await.unwrap();
        out.push((qid, w));
    }
    finalize(&app.pool, attempt, Finish::Submitted).await.unwrap();
    out
}

/// (stability, reps) of a user's review card.
async fn schedule(app: &TestApp, user: UserId, question: &str) -> (f64, i32) {
    sqlx::query_as("select stability, reps from review_cards where user_id = $1 and question_id = $2")
        .bind(user)
        .bind(question)
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

/// Makes every card of the user due an hour ago.
async fn make_all_due(app: &TestApp, user: UserId) {
    sqlx::query("update review_cards set due = now() - interval '1 hour' where user_id = $1")
        .bind(user)
        .execute(&app.pool)
        .await
        .unwrap();
}

async fn cards(app: &TestApp, user: UserId) -> Vec<String> {
    sqlx::query_scalar("select question_id from review_cards where user_id = $1 order by question_id")
        .bind(user)
        .fetch_all(&app.pool)
        .await
        .unwrap()
}

/// A full exam where every secure question is missed and everything else is right.
async fn exam_missing_secure(app: &TestApp, email: &str) -> (UserId, Vec<(String, bool)>) {
    let user = register_student(app, email).await;
    let req = StartRequest {
        mode: Mode::Exam,
        ..practice_request(user, 65, vec![])
    };
    let id = start_seeded(app, &req, 3).await;
    let answered = answer_all(app, user, id, |q| q.starts_with("secure-")).await;
    (user, answered)
}

#[tokio::test]
async fn missed_questions_enter_the_queue_and_the_weakest_topic_ranks_first() {
    let app = app_with_topics().await;
    let (user, answered) = exam_missing_secure(&app, "s@example.com").await;
    let mut missed: Vec<String> = answered.iter().filter(|(_, w)| *w).map(|(q, _)| q.clone()).collect();
    missed.sort();
    assert_eq!(missed.len(), 19);
    assert_eq!(
        cards(&app, user).await,
        missed,
        "exactly the missed questions are queued"
    );

    let page = app.get("/review").await;
    assert_eq!(page.status, 200);
    let topics = page.select_text("#weak-topics tbody tr td a.topic-link");
    assert_eq!(topics.len(), 4, "{topics:?}");
    assert_eq!(topics[0], "주제 secure-topic", "the all-wrong topic is the weakest");
    assert!(
        page.body.contains("<svg class=\"domain-chart\""),
        "a per-domain chart is drawn"
    );
    assert!(page.body.contains("class=\"pass-line\""), "with the pass line");

    let dash = app.get("/dashboard").await;
    let plan = dash.select_text("#plan-weakest li a");
    assert_eq!(plan.first().map(String::as_str), Some("주제 secure-topic"));
    assert_eq!(
        dash.select_text("#plan-due"),
        vec!["19"],
        "every missed question is due today"
    );
}

#[tokio::test]
async fn a_topic_with_few_answers_is_not_ranked() {
    let app = app_with_topics().await;
    let user = register_student(&app, "s@example.com").await;
    let id = practice_on(&app, user, 3, "cost-topic", 1).await;
    answer_all(&app, user, id, |_| true).await;
    let page = app.get("/review").await;
    assert!(
        page.select_text("#weak-topics tbody tr").is_empty(),
        "three answers rank nothing"
    );
    assert_eq!(page.select_text("#thin-topics li a"), vec!["주제 cost-topic"]);
}

#[tokio::test]
async fn the_session_serves_the_most_overdue_first_and_reschedules_it() {
    let app = app_with_topics().await;
    let (user, _) = exam_missing_secure(&app, "s@example.com").await;
    let queued = cards(&app, user).await;
    // Make three of them overdue by different amounts.
    for (i, q) in queued.iter().take(3).enumerate() {
        sqlx::query(
            "update review_cards set due = now() - make_interval(days => $3) where user_id = $1 and question_id = $2",
        )
        .bind(user)
        .bind(q)
        .bind(i as i32 + 1)
        .execute(&app.pool)
        .await
        .unwrap();
    }
    let oldest = &queued[2];
    let page = app.get("/review/session").await;
    assert_eq!(
        page.attr(r#"input[name="question"]"#, "value").as_deref(),
        Some(oldest.as_str())
    );
    assert_eq!(page.select_text("#due-now"), vec!["3"]);

    let right: String = right_answer(oldest).into_iter().collect();
    let mut form: Vec<(&str, &str)> = vec![("question", oldest.as_str())];
    let chars: Vec<String> = right.chars().map(String::from).collect();
    for c in &chars {
        form.push(("choice", c.as_str()));
    }
    let fb = app.post("/review/session", "/review/session", &form).await;
    assert_eq!(fb.status, 200);
    assert!(fb.select_text("#feedback-heading")[0].contains("정답"), "{}", fb.body);
    assert!(
        !fb.select_text("#next-review strong").is_empty(),
        "says when it comes back"
    );
    let (due_later, logged): (bool, i64) = sqlx::query_as(
        "select (select due > now() from review_cards where user_id = $1 and question_id = $2),
                (select count(*) from review_log where user_id = $1 and question_id = $2 and correct)",
    )
    .bind(user)
    .bind(oldest)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert!(due_later && logged == 1);

    // A double submit changes nothing and moves on.
    let again = app.post("/review/session", "/review/session", &form).await;
    assert_eq!(again.status, 303);
    let logged: i64 = sqlx::query_scalar("select count(*) from review_log where user_id = $1")
        .bind(user)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(logged, 1);
    let next = app.get("/review/session").await;
    assert_eq!(
        next.attr(r#"input[name="question"]"#, "value").as_deref(),
        Some(queued[1].as_str())
    );
}

#[tokio::test]
async fn dropped_and_retired_questions_leave_the_queue_and_new_versions_keep_it() {
    let app = app_with_topics().await;
    let (user, _) = exam_missing_secure(&app, "s@example.com").await;
    make_all_due(&app, user).await;
    let queued = cards(&app, user).await;

    let dropped = app
        .post(
            "/review/session",
            &format!("/review/cards/{}/drop", queued[0]),
            &[("next", "/review/session")],
        )
        .await;
    assert_eq!(dropped.location(), Some("/review/session"));
    assert!(!cards(&app, user).await.contains(&queued[0]));

    examdrill::bank::store::set_retired(&app.pool, &queued[1], true, None)
        .await
        .unwrap();
    let page = app.get("/review/session").await;
    assert_eq!(
        page.select_text("#due-now"),
        vec!["17"],
        "19 minus one dropped and one retired"
    );
    assert_ne!(
        page.attr(r#"input[name="question"]"#, "value").as_deref(),
        Some(queued[1].as_str())
    );

    // A new version of a queued question keeps its schedule and serves the new text.
    let target = page.attr(r#"input[name="question"]"#, "value").unwrap();
    let before = schedule(&app, user, &target).await;
    let mut bank = examdrill::bank::store::export(&app.pool, &["secure-topic".to_owned()])
        .await
        .unwrap();
    for q in bank.questions.iter_mut().filter(|q| q.id == target) {
        q.stem = "새 버전의 문항 본문".into();
    }
    bank.questions.retain(|q| q.id != queued[1]);
    examdrill::bank::store::import(&app.pool, &bank, None, examdrill::bank::store::Mode::Apply)
        .await
        .unwrap();
    let after = schedule(&app, user, &target).await;
    assert_eq!(before, after);
    let page = app.get("/review/session").await;
    assert!(page.body.contains("새 버전의 문항 본문"), "{}", page.body);
}

#[tokio::test]
async fn review_data_never_leaks_between_students() {
    let app = app_with_topics().await;
    let (alice, _) = exam_missing_secure(&app, "alice@example.com").await;
    make_all_due(&app, alice).await;
    let alice_cards = cards(&app, alice).await;
    app.logout().await;

    app.register("bob@example.com", "Bob", PASSWORD).await;
    let review = app.get("/review").await;
    assert!(review.select_text("#weak-topics tbody tr").is_empty());
    assert_eq!(review.select_text("#due-now"), vec!["0"]);
    let session = app.get("/review/session").await;
    assert!(session.attr(r#"input[name="question"]"#, "value").is_none());
    let topic = app.get("/review/topics/secure-topic").await;
    assert!(
        topic.select_text("article.missed").is_empty(),
        "Bob sees none of Alice's misses"
    );
    // Bob can neither drop nor answer Alice's cards.
    app.post(
        "/review/session",
        &format!("/review/cards/{}/drop", alice_cards[0]),
        &[],
    )
    .await;
    let answered = app
        .post(
            "/review/session",
            "/review/session",
            &[("question", alice_cards[1].as_str()), ("choice", "b")],
        )
        .await;
    assert_eq!(answered.status, 303);
    assert_eq!(cards(&app, alice).await, alice_cards);
    assert_eq!(app.count("select count(*) from review_log").await, 0);
}

/// Asks the secure topic's page for a drill of `count` questions.
async fn secure_drill(app: &TestApp, count: &str) -> Page {
    app.post(
        "/review/topics/secure-topic",
        "/review/topics/secure-topic/drill",
        &[("exam", "saa-c03"), ("count", count)],
    )
    .await
}

#[tokio::test]
async fn a_topic_page_shows_the_summary_the_misses_and_a_drill_of_unseen_and_missed_first() {
    let app = app_with_topics().await;
    let user = register_student(&app, "s@example.com").await;
    // Ten questions of the topic: five missed, five right.
    let id = practice_on(&app, user, 10, "secure-topic", 9).await;
    let mut n = 0;
    let answered = answer_all(&app, user, id, |_| {
        n += 1;
        n % 2 == 0
    })
    .await;
    let right: Vec<&String> = answered.iter().filter(|(_, w)| !*w).map(|(q, _)| q).collect();

    let page = app.get("/review/topics/secure-topic").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("<strong>핵심</strong>"), "the summary is rendered");
    assert_eq!(page.select_text("article.missed").len(), 5);
    let sources = page.select_text("article.missed .source");
    assert_eq!(sources.len(), 5, "each miss shows its source");
    assert!(sources.iter().all(|s| s.ends_with(": h")), "{sources:?}");

    let started = secure_drill(&app, "10").await;
    assert_eq!(started.status, 303);
    let drill = attempt_id(started.location().unwrap());
    let items: Vec<String> = sqlx::query_scalar("select question_id from attempt_items where attempt_id = $1")
        .bind(drill)
        .fetch_all(&app.pool)
        .await
        .unwrap();
    assert_eq!(items.len(), 10);
    assert!(items.iter().all(|q| q.starts_with("secure-")));
    assert!(
        items.iter().all(|q| !right.contains(&q)),
        "questions answered right wait until unseen and missed ones are used: {items:?}"
    );
    let feedback: String = sqlx::query_scalar("select feedback from attempts where id = $1")
        .bind(drill)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(feedback, "each");

    let short = secure_drill(&app, "30").await;
    assert_eq!(short.status, 422);
    assert!(!short.select_text("#drill-shortfall").is_empty());
}

#[tokio::test]
async fn retention_setting_is_validated_and_right_answers_can_be_queued() {
    let app = app_with_topics().await;
    let user = register_student(&app, "s@example.com").await;
    let bad = app
        .post("/review/settings", "/review/settings", &[("retention", "50")])
        .await;
    assert_eq!(bad.status, 422);
    assert!(bad.body.contains("aria-invalid=\"true\""));
    let ok = app
        .post(
            "/review/settings",
            "/review/settings",
            &[("retention", "95"), ("include_correct", "on")],
        )
        .await;
    assert_eq!(ok.status, 303);
    let page = app.get("/review/settings").await;
    assert_eq!(page.attr("#retention", "value").as_deref(), Some("95"));

    let id = practice_on(&app, user, 4, "cost-topic", 2).await;
    answer_all(&app, user, id, |_| false).await;
    assert_eq!(
        cards(&app, user).await.len(),
        4,
        "right answers enter the queue when asked for"
    );
}

#[tokio::test]
async fn a_review_card_can_be_reported_against_the_version_reviewed() {
    let app = app_with_topics().await;
    let (user, _) = exam_missing_secure(&app, "s@example.com").await;
    make_all_due(&app, user).await;
    let page = app.get("/review/session").await;
    let q = page.attr(r#"input[name="question"]"#, "value").expect("a card");
    let fb = app
        .post(
            "/review/session",
            "/review/session",
            &[("question", q.as_str()), ("choice", "a")],
        )
        .await;
    assert_eq!(fb.status, 200);
    assert_eq!(fb.select_text(".report-problem summary").len(), 1);
    let filed = app
        .post(
            "/review/session",
            "/reports",
            &[("question", q.as_str()), ("kind", "unclear"), ("text", "모호합니다")],
        )
        .await;
    assert_eq!(filed.status, 303, "{}", filed.body);
    let (reported, reviewed): (i32, i32) = sqlx::query_as(
        "select (select version from problem_reports), (select max(version) from review_log where question_id = $1)",
    )
    .bind(&q)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(reported, reviewed);
    // A question the student never reviewed or saw cannot be reported this way.
    let never = app
        .post(
            "/review/session",
            "/reports",
            &[("question", "no-such-question"), ("kind", "typo"), ("text", "")],
        )
        .await;
    assert_eq!(never.status, 404);
}
