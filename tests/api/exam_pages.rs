//! Taking an exam over HTTP: the question pages without JavaScript, autosave,
//! practice with feedback, history, resuming, and the instructor's view.

use crate::common::bank::seeded;
use crate::common::exam::{attempt_id, exam_in_progress, expire_attempt, user_id};
use crate::common::{PASSWORD, TestApp};

#[tokio::test]
async fn a_student_takes_and_submits_a_full_exam_without_javascript() {
    let (app, base) = exam_in_progress("taker@example.com", "Taker").await;

    let q1 = app.get(&format!("{base}/q/1")).await;
    assert_eq!(q1.status, 200);
    assert_eq!(q1.select_text(".navigator li").len(), 65);
    assert!(q1.attr("#timer", "data-remaining").unwrap().parse::<i64>().unwrap() > 129 * 60);
    let order = q1.option_values();
    assert_eq!(
        app.get(&format!("{base}/q/1"))
            .await
            .body
            .matches("name=\"choice\"")
            .count(),
        order.len()
    );
    assert_eq!(
        app.get(&format!("{base}/q/1")).await.option_values(),
        order,
        "a reload shows the same order"
    );

    // Answer question 1 and flag it, moving on with the form (no JS).
    let resp = app
        .answer(&base, 1, &[("choice", &order[0]), ("flag", "on"), ("go", "next")])
        .await;
    assert_eq!(resp.location(), Some(format!("{base}/q/2").as_str()));
    let q1 = app.get(&format!("{base}/q/1")).await;
    assert_eq!(
        q1.attr("input[name=choice][checked]", "value").as_deref(),
        Some(order[0].as_str())
    );
    assert!(q1.attr("#flag", "checked").is_some());
    assert!(
        q1.attr(".navigator li:first-child button", "class")
            .unwrap()
            .contains("flagged")
    );

    let review = app.get(&format!("{base}/review")).await;
    assert_eq!(review.select_text("#review-list li.unanswered").len(), 64);
    assert_eq!(review.select_text("#review-list li.flagged .pos"), vec!["1"]);
    assert_eq!(review.select_text("#count-unanswered"), vec!["64"]);
    // Submitting asks first, with the counts, and works without JavaScript.
    assert_eq!(
        review.attr("#submit", "href").as_deref(),
        Some(format!("{base}/submit").as_str())
    );
    let confirm = app.get(&format!("{base}/submit")).await;
    assert_eq!(confirm.status, 200);
    assert_eq!(confirm.select_text("#confirm-unanswered"), vec!["64"]);
    assert_eq!(confirm.select_text("#confirm-flagged"), vec!["1"]);

    let submitted = app.submit(&base).await;
    assert_eq!(submitted.location(), Some(format!("{base}/result").as_str()));
    let result = app.get(&format!("{base}/result")).await;
    assert!(result.select_text("#raw")[0].ends_with("/ 65"));
    assert_eq!(result.select_text("#domains tbody tr").len(), 4);
    assert!(result.select_text("#outcome")[0].contains("불합격"));
    // A second submit changes nothing.
    let again = app
        .post_raw(
            &format!("{base}/submit"),
            &[("csrf_token", &app.csrf_token("/dashboard").await)],
        )
        .await;
    assert_eq!(again.status, 303);

    // The 64 unanswered questions are skipped, not wrong.
    let walk = app.get(&format!("{base}/answers?filter=skipped")).await;
    assert_eq!(walk.select_text(".walk-item").len(), 64);
    let wrong = app.get(&format!("{base}/answers?filter=wrong")).await;
    assert!(wrong.select_text(".walk-item").len() <= 1);
    assert!(!walk.select_text(".walk-item .explanation").is_empty());
    // Students see the note section they can look up, not an internal file name.
    let source = &walk.select_text(".walk-item .source")[0];
    assert!(source.ends_with(": h") && !source.contains(".txt"), "{source}");
}

#[tokio::test]
async fn the_autosave_endpoint_commits_answers_and_refuses_late_ones() {
    let (app, base) = exam_in_progress("js@example.com", "Js").await;
    let page = app.get(&format!("{base}/q/3")).await;
    let key = page.option_values()[1].clone();
    let token = page.save_token();
    let form = |pos| [("position", pos), ("choice", key.as_str())];
    assert_eq!(app.autosave(&base, &token, &form("3")).await.status(), 204);
    assert_eq!(
        app.autosave(&base, &token, &form("3")).await.status(),
        204,
        "saving twice is harmless"
    );
    let checked = app
        .get(&format!("{base}/q/3"))
        .await
        .attr("input[name=choice][checked]", "value");
    assert_eq!(checked.as_deref(), Some(key.as_str()));

    expire_attempt(&app, attempt_id(&base)).await;
    let late = app.autosave(&base, &token, &form("4")).await;
    assert_eq!(late.status(), 409);
    assert!(late.text().await.unwrap().contains("시간이 끝났습니다"));
    // The page now shows the result, graded with the answer that was acknowledged.
    let q = app.get(&format!("{base}/q/4")).await;
    assert_eq!(q.location(), Some(format!("{base}/result").as_str()));
}

#[tokio::test]
async fn another_students_attempt_is_not_found() {
    let (app, base) = exam_in_progress("one@example.com", "One").await;
    app.logout().await;
    app.register("two@example.com", "Two", PASSWORD).await;
    assert_eq!(app.get(&format!("{base}/q/1")).await.status, 404);
    assert_eq!(app.get(&format!("{base}/result")).await.status, 404);
    let token = app.csrf_token("/dashboard").await;
    let resp = app
        .post_raw(
            &format!("{base}/q/1"),
            &[("csrf_token", &token), ("choice", "a"), ("go", "next")],
        )
        .await;
    assert_eq!(resp.status, 404);
}

#[tokio::test]
async fn practice_with_feedback_after_each_question_locks_and_explains() {
    let app = seeded(25).await;
    app.register("p@example.com", "P", PASSWORD).await;
    let base = app
        .start_attempt(&[
            ("exam", "saa-c03"),
            ("mode", "practice"),
            ("count", "5"),
            ("feedback", "each"),
            ("domain", "cost"),
        ])
        .await;
    let q1 = app.get(&format!("{base}/q/1")).await;
    assert_eq!(q1.select_text(".navigator li").len(), 5);
    assert!(
        q1.attr("#timer", "data-remaining").is_none(),
        "untimed practice has no clock"
    );
    let key = q1.option_values()[0].clone();
    app.answer(&base, 1, &[("choice", &key), ("go", "check")]).await;
    let checked = app.get(&format!("{base}/q/1")).await;
    assert_eq!(checked.select_text(".feedback h2").len(), 1);
    assert_eq!(
        checked.select_text(".option .rationale").len(),
        checked.option_values().len()
    );
    assert!(
        checked.attr("input[name=choice]", "disabled").is_some(),
        "the answer is locked"
    );
    let domains: Vec<String> = sqlx::query_scalar("select distinct domain from attempt_items")
        .fetch_all(&app.pool)
        .await
        .unwrap();
    assert_eq!(domains, vec!["cost"]);
}

#[tokio::test]
async fn a_request_the_bank_cannot_fill_is_explained_on_the_page() {
    let app = seeded(10).await;
    app.register("short@example.com", "Short", PASSWORD).await;
    let resp = app
        .post("/exams", "/attempts", &[("exam", "saa-c03"), ("mode", "exam")])
        .await;
    assert_eq!(resp.status, 422);
    let lines = resp.select_text("#shortfall li");
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("secure") && l.contains("19") && l.contains("10")),
        "{lines:?}"
    );
}

#[tokio::test]
async fn the_dashboard_offers_to_resume_an_exam_in_progress() {
    let (app, base) = exam_in_progress("resume@example.com", "Resume").await;
    let dash = app.get("/dashboard").await;
    assert_eq!(
        dash.attr("#resume a", "href").as_deref(),
        Some(format!("{base}/q/1").as_str())
    );
}

async fn finish_exam(app: &TestApp) -> String {
    let base = app.start_exam().await;
    app.submit(&base).await;
    base
}

#[tokio::test]
async fn history_lists_attempts_and_charts_scores_against_the_pass_mark() {
    let app = seeded(40).await;
    app.register("hist@example.com", "Hist", PASSWORD).await;
    finish_exam(&app).await;
    finish_exam(&app).await;
    let page = app.get("/history").await;
    assert_eq!(page.select_text("#attempts tbody tr").len(), 2);
    assert_eq!(page.select_text("svg circle.score-dot").len(), 2);
    assert_eq!(page.select_text("svg .pass-label"), vec!["720"]);
    assert!(page.select_text("script").is_empty(), "the chart needs no script");
}

#[tokio::test]
async fn an_instructor_grants_extra_time_and_sees_a_students_results() {
    let app = seeded(25).await;
    app.register("learner@example.com", "Learner", PASSWORD).await;
    let base = finish_exam(&app).await;
    let learner = user_id(&app, "learner@example.com").await;
    app.logout().await;

    app.user_with_role("coach@example.com", "instructor").await;
    let page_url = format!("/instructor/students/{learner}");
    let page = app.get(&page_url).await;
    assert_eq!(page.select_text("#student-attempts tbody tr").len(), 1);
    assert_eq!(
        app.get(&format!("{base}/result")).await.status,
        200,
        "instructors read any student's result"
    );
    let resp = app
        .post(&page_url, &format!("{page_url}/accommodation"), &[("preset", "esl30")])
        .await;
    assert_eq!(resp.status, 303);
    assert_eq!(
        app.get(&page_url).await.attr("#extra_minutes", "value").as_deref(),
        Some("30")
    );
    let bad = app
        .post(
            &page_url,
            &format!("{page_url}/accommodation"),
            &[("extra_minutes", "5"), ("multiplier", "0.5")],
        )
        .await;
    assert_eq!(bad.status, 303);
    assert_eq!(app.get(&page_url).await.select_text(".flash").len(), 1);
    app.logout().await;

    app.login("learner@example.com", PASSWORD).await;
    let base = app.start_exam().await;
    let secs: i64 = app
        .get(&format!("{base}/q/1"))
        .await
        .attr("#timer", "data-remaining")
        .unwrap()
        .parse()
        .unwrap();
    assert!(secs > 159 * 60 && secs <= 160 * 60, "{secs}");
}

#[tokio::test]
async fn a_student_cannot_open_the_instructor_student_page() {
    let app = seeded(25).await;
    app.register("nosy@example.com", "Nosy", PASSWORD).await;
    let me = user_id(&app, "nosy@example.com").await;
    assert_eq!(app.get(&format!("/instructor/students/{me}")).await.status, 403);
}

#[tokio::test]
async fn an_exam_resumes_after_an_app_restart_with_every_answer() {
    let (app, base) = exam_in_progress("restart@example.com", "Restart").await;
    let q2 = app.get(&format!("{base}/q/2")).await;
    let key = q2.option_values()[2].clone();
    app.answer(&base, 2, &[("choice", &key), ("go", "next")]).await;
    let app = app.restart().await;
    let q2 = app.get(&format!("{base}/q/2")).await;
    assert_eq!(q2.status, 200);
    assert_eq!(
        q2.attr("input[name=choice][checked]", "value").as_deref(),
        Some(key.as_str())
    );
}

#[tokio::test]
async fn autosave_needs_the_pages_signed_token_for_that_attempt_and_user() {
    let (app, base) = exam_in_progress("one@example.com", "One").await;
    let page = app.get(&format!("{base}/q/1")).await;
    let key = page.option_values()[0].clone();
    let token = page.save_token();
    let form = [("position", "1"), ("choice", key.as_str())];
    let save = |token: String| {
        let (app, base) = (&app, &base);
        async move { app.autosave_cookieless(base, &token, &form).await }
    };
    assert_eq!(save(String::new()).await, 403, "no token");
    let (user, sig) = token.split_once('.').unwrap();
    let other_user = format!("{}.{sig}", uuid::Uuid::new_v4());
    assert_eq!(save(other_user).await, 403, "the signature binds the user");
    let mut bent = sig.to_owned();
    bent.replace_range(0..1, if sig.starts_with('A') { "B" } else { "A" });
    assert_eq!(save(format!("{user}.{bent}")).await, 403, "a forged signature");
    let saved: Option<String> = sqlx::query_scalar("select selected from attempt_items where position = 1")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(saved, None, "nothing was written");
    // The right token works even from a client without the session cookie.
    assert_eq!(save(token.clone()).await, 204);

    // A token for one attempt does not open another.
    app.logout().await;
    app.register("two@example.com", "Two", PASSWORD).await;
    let other = app.start_exam().await;
    let status = app
        .autosave_cookieless(&other, &token, &[("position", "1"), ("choice", "a")])
        .await;
    assert_eq!(status, 403);
}
