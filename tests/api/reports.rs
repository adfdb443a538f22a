//! Problem reports: a student reports the version they were shown, the
//! instructor answers from the queue, and the student sees the outcome.

use uuid::Uuid;

use crate::common::bank::seeded;
use crate::common::exam::attempt_id;
use crate::common::{PASSWORD, TestApp};

/// A student who sat a full exam and submitted it, on the walkthrough page.
async fn student_after_exam() -> (TestApp, String) {
    let app = seeded(25).await;
    app.register("student@example.com", "Student", PASSWORD).await;
    let base = app.start_exam().await;
    app.answer(&base, 1, &[("choice", "a"), ("go", "next")]).await;
    let done = app.submit(&base).await;
    assert_eq!(done.status, 303, "{}", done.body);
    (app, base)
}

/// The question id at `position` of the attempt under `base`.
async fn question_at(app: &TestApp, base: &str, position: i32) -> (String, i32) {
    sqlx::query_as("select question_id, version from attempt_items where attempt_id = $1 and position = $2")
        .bind(attempt_id(base))
        .bind(position)
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

async fn report(app: &TestApp, base: &str, question: &str, position: &str, text: &str) -> crate::common::Page {
    let attempt = attempt_id(base).to_string();
    app.post(
        "/dashboard",
        "/reports",
        &[
            ("question", question),
            ("attempt", &attempt),
            ("position", position),
            ("kind", "wrong_key"),
            ("text", text),
        ],
    )
    .await
}

#[tokio::test]
async fn a_report_reaches_the_queue_and_the_student_sees_the_answer() {
    let (app, base) = student_after_exam().await;
    let walk = app.get(&format!("{base}/answers")).await;
    assert_eq!(walk.select_text("#item-1 .report-problem summary").len(), 1);
    let (qid, version) = question_at(&app, &base, 1).await;
    let filed = report(&app, &base, &qid, "1", "정답은 C입니다").await;
    assert_eq!(filed.status, 303, "{}", filed.body);
    assert_eq!(filed.location(), Some("/reports"));
    let mine = app.get("/reports").await;
    assert_eq!(mine.select_text("#my-reports .status"), vec!["처리 중"]);
    let stored: (String, i32) = sqlx::query_as("select question_id, version from problem_reports")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(stored, (qid.clone(), version), "tied to the version shown");

    let teacher = app.sibling();
    teacher.user_with_role("teacher@example.com", "instructor").await;
    let queue = teacher.get("/instructor/reports").await;
    assert_eq!(queue.select_text("#reports tbody tr").len(), 1);
    // The item's statistics carry the open report.
    let flagged = teacher.get("/instructor/stats?flag=reports").await;
    assert_eq!(flagged.status, 200);
    let rows = flagged.select_text("#items tbody tr");
    assert_eq!(rows.len(), 1, "{rows:?}");
    let id: Uuid = sqlx::query_scalar("select id from problem_reports")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let page = teacher.get(&format!("/instructor/reports/{id}")).await;
    assert_eq!(page.status, 200);
    assert_eq!(page.select_text("#item-stats .facility").len(), 1);
    let decided = teacher
        .post(
            &format!("/instructor/reports/{id}"),
            &format!("/instructor/reports/{id}"),
            &[("decision", "accepted"), ("answer", "맞습니다. 고쳤습니다.")],
        )
        .await;
    assert_eq!(decided.status, 303, "{}", decided.body);
    assert!(
        teacher
            .get("/instructor/reports")
            .await
            .select_text("#reports tbody tr")
            .is_empty()
    );
    assert_eq!(
        teacher
            .get("/instructor/reports?status=accepted")
            .await
            .select_text("#reports tbody tr")
            .len(),
        1
    );
    assert!(
        teacher
            .get("/instructor/stats?flag=reports")
            .await
            .select_text("#items tbody tr")
            .is_empty()
    );

    let mine = app.get("/reports").await;
    assert_eq!(mine.select_text("#my-reports .status"), vec!["수용됨"]);
    assert_eq!(mine.select_text("#my-reports .answer"), vec!["맞습니다. 고쳤습니다."]);
}

#[tokio::test]
async fn a_student_reports_only_what_they_were_shown_and_not_too_often() {
    let (app, base) = student_after_exam().await;
    let (qid, _) = question_at(&app, &base, 1).await;
    let (other, _) = question_at(&app, &base, 2).await;
    assert_eq!(
        report(&app, &base, &other, "1", "x").await.status,
        404,
        "not the question at position 1"
    );
    let stranger = app.sibling();
    stranger.register("other@example.com", "Other", PASSWORD).await;
    assert_eq!(
        report(&stranger, &base, &qid, "1", "x").await.status,
        404,
        "not their attempt"
    );
    let bad_kind = app
        .post(
            &format!("{base}/answers"),
            "/reports",
            &[("question", qid.as_str()), ("kind", "nope"), ("text", "x")],
        )
        .await;
    assert_eq!(bad_kind.status, 400);
    for n in 0..5 {
        assert_eq!(report(&app, &base, &qid, "1", &format!("report {n}")).await.status, 303);
    }
    assert_eq!(report(&app, &base, &qid, "1", "one too many").await.status, 429);
    assert_eq!(app.count("select count(*) from problem_reports").await, 5);
}

#[tokio::test]
async fn students_get_403_on_the_report_queue() {
    let (app, base) = student_after_exam().await;
    let (qid, _) = question_at(&app, &base, 1).await;
    report(&app, &base, &qid, "1", "x").await;
    let id: Uuid = sqlx::query_scalar("select id from problem_reports")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    for path in ["/instructor/reports".to_owned(), format!("/instructor/reports/{id}")] {
        assert_eq!(app.get(&path).await.status, 403, "{path}");
    }
    let post = app
        .post(
            "/reports",
            &format!("/instructor/reports/{id}"),
            &[("decision", "accepted"), ("answer", "")],
        )
        .await;
    assert_eq!(post.status, 403);
}
