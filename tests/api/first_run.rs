//! A fresh install is useful at once: the shipped bank loads into an empty
//! database, and never over a bank somebody has changed.

use std::path::PathBuf;

use crate::common::{PASSWORD, spawn_app_with};

fn shipped_bank() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("question_bank")
}

#[tokio::test]
async fn a_first_run_loads_the_shipped_bank_so_a_new_student_can_start_an_exam() {
    let app = spawn_app_with(|mut s| {
        s.seed_bank = Some(shipped_bank());
        s
    })
    .await;
    app.register("first@example.com", "First", PASSWORD).await;
    let exams = app.get("/exams").await;
    assert_eq!(exams.status, 200);
    let names = exams.select_text(".exam-card h2");
    assert_eq!(names.len(), 2, "{names:?}");
    assert!(exams.select_text("#no-exams").is_empty());
    let started = app
        .post("/exams", "/attempts", &[("exam", "soa-c03"), ("mode", "exam")])
        .await;
    assert_eq!(started.status, 303, "{}", started.body);
    let q1 = app.get(started.location().unwrap()).await;
    assert_eq!(q1.status, 200);
    assert_eq!(q1.select_text(".navigator li").len(), 65);
}

#[tokio::test]
async fn seeding_leaves_a_bank_that_already_has_content_alone() {
    let app = crate::attempts::seeded(5).await;
    let size = || async {
        sqlx::query_scalar::<_, i64>("select count(*) from questions")
            .fetch_one(&app.pool)
            .await
            .unwrap()
    };
    let before = size().await;
    let again = examdrill::bank::seed::seed_if_empty(&app.pool, &shipped_bank())
        .await
        .expect("seed check");
    assert!(again.is_none(), "an existing bank must not be overwritten");
    assert_eq!(size().await, before);
}

#[tokio::test]
async fn an_empty_bank_page_says_why_there_is_nothing_to_start() {
    let app = spawn_app_with(|s| s).await;
    app.register("early@example.com", "Early", PASSWORD).await;
    let exams = app.get("/exams").await;
    assert_eq!(exams.status, 200);
    assert_eq!(exams.select_text("#no-exams").len(), 1);
    // Students are not told to run server commands.
    assert!(!exams.body.contains("bank import"));
}
