//! The instructor's item statistics over HTTP: the list worst first, its
//! filters, the CSV, the question page's figures, and who may see them.

use crate::common::TestApp;
use crate::common::bank::seeded;
use crate::common::stats::graded_exams;

/// Questions whose "key" the strong students disagree with.
const MISKEYED: [&str; 2] = ["secure-002", "cost-007"];

/// The seeded SAA bank, 45 graded full exams, and a signed-in instructor.
async fn graded_app() -> TestApp {
    let app = seeded(25).await;
    graded_exams(&app, 45, &MISKEYED).await;
    app.user_with_role("teacher@example.com", "instructor").await;
    app
}

#[tokio::test]
async fn the_list_puts_miskeyed_items_first_and_filters_by_domain_and_flag() {
    let app = graded_app().await;
    let page = app.get("/instructor/stats").await;
    assert_eq!(page.status, 200, "{}", page.body);
    let ids: Vec<String> = page
        .html()
        .select(&scraper::Selector::parse("#items tbody tr").unwrap())
        .filter_map(|tr| tr.value().attr("data-id").map(str::to_owned))
        .collect();
    assert_eq!(ids.len(), 100);
    let mut first_two = ids[..2].to_vec();
    first_two.sort();
    assert_eq!(first_two, vec!["cost-007", "secure-002"]);
    let first_flags = page.select_text("#items tbody tr:first-child .flags");
    assert!(first_flags[0].contains("음의 변별도"), "{first_flags:?}");
    assert_eq!(page.select_text("#reliability tbody tr").len(), 1);

    let cost = app.get("/instructor/stats?domain=cost").await;
    assert_eq!(cost.select_text("#items tbody tr").len(), 25);
    let negative = app.get("/instructor/stats?flag=negative").await;
    let rows = negative.select_text("#items tbody tr");
    assert_eq!(rows.len(), 2, "{rows:?}");

    for bad in ["exam=nope", "domain=nope", "topic=nope", "flag=nope", "page=0"] {
        assert_eq!(app.get(&format!("/instructor/stats?{bad}")).await.status, 400, "{bad}");
    }
}

#[tokio::test]
async fn the_csv_has_every_item_with_its_figures() {
    let app = graded_app().await;
    let resp = app
        .client
        .get(app.url("/instructor/stats.csv?exam=saa-c03"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert!(resp.headers()["content-type"].to_str().unwrap().starts_with("text/csv"));
    let body = resp.text().await.unwrap();
    let mut reader = csv::Reader::from_reader(body.as_bytes());
    let headers = reader.headers().unwrap().clone();
    assert_eq!(&headers[0], "question_id");
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 100);
    let col = |name: &str| headers.iter().position(|h| h == name).unwrap();
    let first = &rows[0];
    assert!(MISKEYED.contains(&&first[col("question_id")]));
    assert!(first[col("discrimination")].parse::<f64>().unwrap() < 0.0);
    assert!(first[col("flags")].contains("negative"));
    for r in &rows {
        let f: f64 = r[col("facility")].parse().unwrap();
        assert!((0.0..=1.0).contains(&f));
        assert!(r[col("answers")].parse::<i64>().unwrap() > 0);
    }
}

#[tokio::test]
async fn a_question_page_shows_its_statistics_and_distractors() {
    let app = graded_app().await;
    let page = app.get("/instructor/bank/questions/secure-002").await;
    assert_eq!(page.status, 200);
    let facility = page.select_text("#item-stats .facility");
    assert_eq!(facility.len(), 1, "one version in one exam");
    assert!(facility[0].parse::<f64>().is_ok(), "{facility:?}");
    assert!(page.select_text("#item-stats .discrimination")[0].starts_with('-'));
    // Options a–d and "no answer"; nobody chose c or d.
    assert_eq!(page.select_text("#item-stats .distractors tbody tr").len(), 5);
    assert_eq!(page.select_text("#item-stats .distractors tr.non-functional").len(), 2);
}

#[tokio::test]
async fn students_get_403_on_the_statistics() {
    let app = seeded(5).await;
    app.register("student@example.com", "Student", crate::common::PASSWORD)
        .await;
    for path in [
        "/instructor/stats",
        "/instructor/stats.csv",
        "/instructor/stats?flag=negative",
    ] {
        assert_eq!(app.get(path).await.status, 403, "{path}");
    }
}

#[tokio::test]
async fn a_question_without_graded_answers_says_so() {
    let app = seeded(5).await;
    app.user_with_role("teacher@example.com", "instructor").await;
    let page = app.get("/instructor/bank/questions/cost-001").await;
    assert_eq!(page.select_text("#item-stats p").len(), 1);
    let list = app.get("/instructor/stats").await;
    assert!(list.select_text("#items tbody tr").is_empty());
    assert!(list.select_text("#reliability").is_empty());
}
