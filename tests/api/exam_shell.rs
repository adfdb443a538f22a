//! The exam shell modelled on the real test's delivery screen, over HTTP
//! without JavaScript: review walks, the submit confirmation, time warnings,
//! the language switch that keeps the answer; and honest data: skipped is not
//! wrong, the daily cap on new review cards, practice without pass/fail.

use crate::common::bank::seeded;
use crate::common::exam::{attempt_id, exam_in_progress, user_id};
use crate::common::{PASSWORD, TestApp};

/// Key `d` is never right in the seeded bank (answers are b, or a and c).
const WRONG: &str = "d";

async fn answer_wrong(app: &TestApp, base: &str, positions: &[i32]) {
    for pos in positions {
        let resp = app.answer(base, *pos, &[("choice", WRONG), ("go", "next")]).await;
        assert_eq!(resp.status, 303, "{}", resp.body);
    }
}

#[tokio::test]
async fn review_walks_step_through_just_their_questions() {
    let (app, base) = exam_in_progress("walker@example.com", "Walker").await;
    app.answer(&base, 1, &[("choice", WRONG), ("flag", "on"), ("go", "next")])
        .await;
    app.answer(&base, 3, &[("flag", "on"), ("go", "next")]).await;
    app.answer(&base, 4, &[("choice", WRONG), ("go", "next")]).await;

    let review = app.get(&format!("{base}/review")).await;
    assert_eq!(
        review.attr("#walk-flagged", "href").as_deref(),
        Some(format!("{base}/q/1?walk=flagged").as_str())
    );
    assert_eq!(
        review.attr("#walk-incomplete", "href").as_deref(),
        Some(format!("{base}/q/2?walk=incomplete").as_str())
    );
    assert_eq!(review.select_text("#review-list li").len(), 65);
    let first = &review.select_text("#line-1")[0];
    assert!(
        first.contains("답함") && first.contains("표시함") && first.contains("문항"),
        "{first}"
    );
    assert!(
        review.select_text("#timer").len() == 1,
        "the clock is on the review screen too"
    );

    // The flagged walk: 1 → 3 → back to the review screen; previous stays inside.
    let q1 = app.get(&format!("{base}/q/1?walk=flagged")).await;
    assert_eq!(q1.attr("input[name=walk]", "value").as_deref(), Some("flagged"));
    assert!(q1.select_text("#prev").is_empty(), "nothing flagged before 1");
    let next = app
        .answer(&base, 1, &[("flag", "on"), ("walk", "flagged"), ("go", "next")])
        .await;
    assert_eq!(next.location(), Some(format!("{base}/q/3?walk=flagged").as_str()));
    let prev = app
        .answer(&base, 3, &[("flag", "on"), ("walk", "flagged"), ("go", "prev")])
        .await;
    assert_eq!(prev.location(), Some(format!("{base}/q/1?walk=flagged").as_str()));
    let end = app
        .answer(&base, 3, &[("flag", "on"), ("walk", "flagged"), ("go", "next")])
        .await;
    assert_eq!(end.location(), Some(format!("{base}/review").as_str()));

    // The incomplete walk skips answered questions; answering one takes it out.
    let step = app
        .answer(&base, 2, &[("choice", WRONG), ("walk", "incomplete"), ("go", "next")])
        .await;
    assert_eq!(step.location(), Some(format!("{base}/q/3?walk=incomplete").as_str()));
    let step = app.answer(&base, 3, &[("walk", "incomplete"), ("go", "next")]).await;
    assert_eq!(step.location(), Some(format!("{base}/q/5?walk=incomplete").as_str()));
    let bad = app.answer(&base, 3, &[("walk", "sideways"), ("go", "next")]).await;
    assert_eq!(bad.status, 400);
}

async fn set_minutes_left(app: &TestApp, base: &str, minutes: i32) {
    sqlx::query("update attempts set deadline = now() + make_interval(mins => $2) where id = $1")
        .bind(attempt_id(base))
        .bind(minutes)
        .execute(&app.pool)
        .await
        .unwrap();
}

#[tokio::test]
async fn time_warnings_show_without_javascript_at_fifteen_and_five_minutes() {
    let (app, base) = exam_in_progress("clock@example.com", "Clock").await;
    let page = app.get(&format!("{base}/q/1")).await;
    assert_eq!(page.select_text("#time-warning"), vec![""]);
    assert_eq!(page.attr("#time-warning", "role").as_deref(), Some("alert"));
    set_minutes_left(&app, &base, 14).await;
    let page = app.get(&format!("{base}/q/2")).await;
    assert!(
        page.select_text("#time-warning")[0].contains("15분"),
        "{:?}",
        page.select_text("#time-warning")
    );
    set_minutes_left(&app, &base, 4).await;
    for path in ["q/2", "review", "submit"] {
        let page = app.get(&format!("{base}/{path}")).await;
        assert!(page.select_text("#time-warning")[0].contains("5분"), "{path}");
        assert_eq!(page.select_text("#timer").len(), 1, "{path} shows the clock");
    }
}

#[tokio::test]
async fn switching_language_without_javascript_keeps_the_answer() {
    let (app, base) = exam_in_progress("bilingual@example.com", "Bi").await;
    let q2 = app.get(&format!("{base}/q/2")).await;
    // The language button belongs to the answer form.
    assert_eq!(q2.attr("#lang-switch", "form").as_deref(), Some("answer-form"));
    assert_eq!(q2.attr("#lang-switch", "value").as_deref(), Some("lang-en"));
    let key = q2.option_values()[2].clone();
    let resp = app.answer(&base, 2, &[("choice", &key), ("go", "lang-en")]).await;
    assert_eq!(resp.location(), Some(format!("{base}/q/2").as_str()));
    let again = app.get(&format!("{base}/q/2")).await;
    assert_eq!(again.attr("html", "lang").as_deref(), Some("en"));
    assert_eq!(
        again.attr("input[name=choice][checked]", "value").as_deref(),
        Some(key.as_str())
    );
    // The Korean question keeps its own language inside the English page.
    assert_eq!(again.attr("#stem .orig-main", "lang").as_deref(), Some("ko"));
    assert!(again.select_text("#choose-hint")[0].starts_with("Choose"));
    let bad = app.answer(&base, 2, &[("go", "lang-xx")]).await;
    assert_eq!(bad.status, 400);
}

#[tokio::test]
async fn skipped_questions_are_not_wrong_anywhere() {
    let (app, base) = exam_in_progress("skipper@example.com", "Skipper").await;
    answer_wrong(&app, &base, &[1, 2, 3]).await;
    app.submit(&base).await;
    let user = user_id(&app, "skipper@example.com").await;

    let cards: i64 = sqlx::query_scalar("select count(*) from review_cards where user_id = $1")
        .bind(user)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(
        cards, 3,
        "only the three wrong answers enter the queue, not the 62 skipped"
    );
    let result = app.get(&format!("{base}/result")).await;
    assert_eq!(result.select_text("#skipped"), vec!["62"]);
    let walk = app.get(&format!("{base}/answers?filter=wrong")).await;
    assert_eq!(walk.select_text(".walk-item").len(), 3);
    let skipped = app.get(&format!("{base}/answers?filter=skipped")).await;
    assert_eq!(skipped.select_text(".walk-item").len(), 62);
    assert!(skipped.select_text(".walk-item h2")[0].contains("건너뜀"));
    // Mastery counts three answers, not 65.
    let review = app.get("/review").await;
    let seen: usize = review.select_text("#thin-topics li, #weak-topics tbody tr").len();
    assert!(seen >= 1);
    assert!(
        !review.body.contains("(0/62)") && !review.body.contains("/65)"),
        "skipped questions are not counted as answers"
    );
}

#[tokio::test]
async fn new_review_cards_are_capped_per_day() {
    let (app, base) = exam_in_progress("capped@example.com", "Capped").await;
    let bad = app
        .post(
            "/review/settings",
            "/review/settings",
            &[("retention", "90"), ("new_per_day", "0")],
        )
        .await;
    assert_eq!(bad.status, 422);
    assert_eq!(bad.select_text(".error-summary li").len(), 1);
    let ok = app
        .post(
            "/review/settings",
            "/review/settings",
            &[("retention", "90"), ("new_per_day", "5")],
        )
        .await;
    assert_eq!(ok.status, 303);
    assert_eq!(
        app.get("/review/settings")
            .await
            .attr("#new-per-day", "value")
            .as_deref(),
        Some("5")
    );
    answer_wrong(&app, &base, &[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]).await;
    app.submit(&base).await;
    let user = user_id(&app, "capped@example.com").await;
    // The student's day is Korea's (the Korean UI); later days' cards are not due yet.
    let (total, today, early): (i64, i64, i64) = sqlx::query_as(
        "select count(*), count(*) filter (where introduced_on = (now() at time zone 'Asia/Seoul')::date),
                count(*) filter (where introduced_on > (now() at time zone 'Asia/Seoul')::date and due <= now())
         from review_cards where user_id = $1",
    )
    .bind(user)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(total, 12, "every miss is kept");
    assert_eq!(today, 5, "but only five come today");
    assert_eq!(early, 0, "the rest wait for their day");
    let days: Vec<i64> = sqlx::query_scalar(
        "select count(*) from review_cards where user_id = $1 group by introduced_on order by introduced_on",
    )
    .bind(user)
    .fetch_all(&app.pool)
    .await
    .unwrap();
    assert_eq!(days, vec![5, 5, 2]);
}

#[tokio::test]
async fn practice_sets_show_percent_correct_without_pass_or_fail() {
    let app = seeded(25).await;
    app.register("drill@example.com", "Drill", PASSWORD).await;
    let base = app
        .start_attempt(&[("exam", "saa-c03"), ("mode", "practice"), ("count", "4")])
        .await;
    answer_wrong(&app, &base, &[1]).await;
    app.submit(&base).await;
    let result = app.get(&format!("{base}/result")).await;
    assert_eq!(result.select_text("#percent"), vec!["0%"]);
    assert!(result.select_text("#outcome").is_empty(), "no pass/fail for practice");
    assert!(result.select_text("#scaled").is_empty(), "no scaled score for practice");
    assert!(!result.select_text("#score")[0].contains("불합격"));
    let (scaled, passed): (Option<i32>, Option<bool>) =
        sqlx::query_as("select scaled_score, passed from attempts where id = $1")
            .bind(attempt_id(&base))
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!((scaled, passed), (None, None));
    let history = app.get("/history").await;
    assert!(history.select_text("#chart-SAA-C03-exam").is_empty());
    assert_eq!(history.select_text("#chart-SAA-C03-practice circle.score-dot").len(), 1);
    assert!(!history.select_text("#attempts")[0].contains("불합격"));
    let dash = app.get("/dashboard").await;
    assert!(dash.select_text("#latest").is_empty());
    assert!(dash.select_text("#latest-practice")[0].contains("0%"));
}

#[tokio::test]
async fn the_dashboard_links_every_attempt_in_progress() {
    let (app, first) = exam_in_progress("two-open@example.com", "Two").await;
    let second = app
        .start_attempt(&[("exam", "saa-c03"), ("mode", "practice"), ("count", "3")])
        .await;
    let dash = app.get("/dashboard").await;
    let links = dash.html();
    let sel = scraper::Selector::parse("#resume a").unwrap();
    let hrefs: Vec<&str> = links.select(&sel).filter_map(|a| a.value().attr("href")).collect();
    assert_eq!(hrefs.len(), 2);
    assert!(hrefs.contains(&format!("{first}/q/1").as_str()));
    assert!(hrefs.contains(&format!("{second}/q/1").as_str()));
}

#[tokio::test]
async fn the_instructor_sees_scores_attempts_and_the_weakest_domain_sorted() {
    let app = seeded(25).await;
    app.register("alpha@example.com", "Alpha", PASSWORD).await;
    let base = app.start_exam().await;
    // Twenty wrong answers put at least five in some domain.
    answer_wrong(&app, &base, &(1..=20).collect::<Vec<_>>()).await;
    app.submit(&base).await;
    app.logout().await;
    app.register("bravo@example.com", "Bravo", PASSWORD).await;
    for _ in 0..2 {
        let base = app
            .start_attempt(&[("exam", "saa-c03"), ("mode", "practice"), ("count", "3")])
            .await;
        app.submit(&base).await;
    }
    app.logout().await;
    app.user_with_role("coach@example.com", "instructor").await;

    let by_attempts = app.get("/instructor/students?sort=attempts").await;
    assert_eq!(by_attempts.status, 200);
    let names = by_attempts.select_text("#students tbody tr td:first-child");
    assert_eq!(names, vec!["Bravo", "Alpha"]);
    let by_score = app.get("/instructor/students?sort=last_exam").await;
    let rows = by_score.select_text("#students tbody tr");
    assert!(rows[0].contains("Alpha") && rows[0].contains("불합격"), "{rows:?}");
    let weakest = by_score.select_text("#students tbody tr:first-child .weakest");
    assert!(
        weakest[0].contains("SAA-C03") && weakest[0].ends_with("(0%)"),
        "{weakest:?}"
    );
    assert_eq!(
        by_score.select_text("#students tbody tr:nth-child(2) .last-exam"),
        vec!["—"]
    );
    assert_eq!(
        by_score.attr("th[aria-sort] a", "id").as_deref(),
        Some("sort-last_exam")
    );
    assert_eq!(app.get("/instructor/students?sort=shoe_size").await.status, 400);
}
