//! A fresh install is useful at once: the shipped bank loads into an empty
//! database, and never over a bank somebody has changed (that half is in
//! `tests/store/first_run.rs`).

use crate::common::bank::shipped_bank;
use crate::common::{PASSWORD, spawn_app_with};

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
    let base = app.start_attempt(&[("exam", "soa-c03"), ("mode", "exam")]).await;
    let q1 = app.get(&format!("{base}/q/1")).await;
    assert_eq!(q1.status, 200);
    assert_eq!(q1.select_text(".navigator li").len(), 65);
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
