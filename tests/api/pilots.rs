//! Pilot items: imported as pilots, served in practice and drills but never
//! in a full exam, badged for instructors only, and promoted into the
//! full-exam pool.

use crate::common::bank::{fixture, seed_saa_bank_with_topics};
use crate::common::exam::{exam_request, item_questions, practice_request, register_student, start_seeded};
use crate::common::stats::graded_exams;
use crate::common::{TestApp, spawn_app};

const PILOTS: [&str; 2] = ["fixture-vpc-001", "fixture-vpc-002"];

/// The seeded SAA bank (19 questions per domain, each domain its own topic),
/// plus the fixture VPC topic (secure domain) uploaded as pilots by an instructor.
async fn app_with_pilots() -> TestApp {
    let app = spawn_app().await;
    seed_saa_bank_with_topics(&app, 19, true).await;
    app.user_with_role("teacher@example.com", "instructor").await;
    let vpc = fixture("valid/vpc-basics.toml");
    let resp = app
        .upload_form(
            "/instructor/bank/upload",
            &[("as_pilots", "true")],
            &[("vpc.toml", vpc.as_bytes())],
        )
        .await;
    let url = resp.location().unwrap().to_owned();
    let preview = app.get(&url).await;
    assert_eq!(preview.select_text("#upload-mode .pilot").len(), 1, "{}", preview.body);
    app.post(&url, &format!("{url}/confirm"), &[]).await;
    app
}

async fn pools(app: &TestApp) -> Vec<(String, String)> {
    sqlx::query_as("select id, pool from questions where id like 'fixture-%' order by id")
        .fetch_all(&app.pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn pilots_serve_practice_and_drills_but_never_full_exams_until_promoted() {
    let app = app_with_pilots().await;
    assert_eq!(
        pools(&app).await,
        vec![
            ("fixture-vpc-001".to_owned(), "pilot".to_owned()),
            ("fixture-vpc-002".to_owned(), "pilot".to_owned())
        ]
    );
    let student = register_student(&app.sibling(), "pupil@example.com").await;

    // Full exams never serve them. The secure domain takes 19 questions from
    // the 19 seeded ones; were the 2 pilots candidates, the least-seen rule
    // would pick those the first exam left out in the second.
    for seed in 0..4 {
        let exam = start_seeded(&app, &exam_request(student), seed).await;
        let ids: Vec<String> = item_questions(&app, exam).await.into_iter().map(|(_, id)| id).collect();
        assert_eq!(ids.len(), 65);
        assert!(ids.iter().all(|id| !id.starts_with("fixture-")), "seed {seed}: {ids:?}");
    }

    // A drill on the topic that holds only pilots serves them.
    let drill = start_seeded(
        &app,
        &practice_request(student, 2, vec!["fixture-vpc-basics".into()]),
        1,
    )
    .await;
    let mut served: Vec<String> = item_questions(&app, drill)
        .await
        .into_iter()
        .map(|(_, id)| id)
        .collect();
    served.sort();
    assert_eq!(served, PILOTS);

    // The instructor sees the badge and promotes one pilot.
    let q = "/instructor/bank/questions/fixture-vpc-001";
    assert_eq!(app.get(q).await.select_text("#pilot-badge").len(), 1);
    let listed = app.get("/instructor/bank?pool=pilot").await;
    assert_eq!(
        listed.select_text("#questions tbody tr td:first-child a"),
        PILOTS.to_vec()
    );
    let promoted = app.post(q, &format!("{q}/promote"), &[]).await;
    assert_eq!(promoted.status, 303, "{}", promoted.body);
    let page = app.get(q).await;
    assert!(page.select_text("#pilot-badge").is_empty());
    assert!(page.select_text("#promote-button").is_empty());
    let again = app.post(q, &format!("{q}/promote"), &[]).await;
    assert_eq!(again.status, 409, "a full-pool question cannot be promoted");

    // Seen once (in the drill) against four times for every seeded secure
    // question, it is the least seen, so the next full exam includes it; the
    // other pilot still never.
    let exam = start_seeded(&app, &exam_request(student), 99).await;
    let ids: Vec<String> = item_questions(&app, exam).await.into_iter().map(|(_, id)| id).collect();
    assert!(ids.contains(&"fixture-vpc-001".to_owned()), "{ids:?}");
    assert!(!ids.contains(&"fixture-vpc-002".to_owned()));
}

#[tokio::test]
async fn students_are_not_told_an_item_is_a_pilot() {
    let app = app_with_pilots().await;
    app.logout().await;
    app.register("pupil@example.com", "Pupil", crate::common::PASSWORD)
        .await;
    let base = app
        .start_attempt(&[
            ("exam", "saa-c03"),
            ("mode", "practice"),
            ("count", "2"),
            ("topic", "fixture-vpc-basics"),
        ])
        .await;
    for pos in 1..=2 {
        let page = app.get(&format!("{base}/q/{pos}")).await;
        assert_eq!(page.status, 200);
        let text = page.body.to_lowercase();
        assert!(!text.contains("pilot") && !text.contains("파일럿"), "{}", page.body);
    }
}

#[tokio::test]
async fn the_statistics_filter_to_pilots_and_mark_those_ready_to_judge() {
    let app = spawn_app().await;
    crate::common::bank::seed_saa_bank(&app, 25).await;
    graded_exams(&app, 45, &[]).await;
    // Two items become pilots after they were answered (as if demoted for a rewrite).
    sqlx::query("update questions set pool = 'pilot' where id in ('cost-003', 'secure-004')")
        .execute(&app.pool)
        .await
        .unwrap();
    app.user_with_role("teacher@example.com", "instructor").await;
    let page = app.get("/instructor/stats?pool=pilot").await;
    assert_eq!(page.status, 200, "{}", page.body);
    let rows: Vec<(String, i64, bool)> = page
        .html()
        .select(&scraper::Selector::parse("#items tbody tr").unwrap())
        .map(|tr| {
            let id = tr.value().attr("data-id").unwrap().to_owned();
            let answers = tr
                .select(&scraper::Selector::parse(".answers").unwrap())
                .next()
                .unwrap()
                .text()
                .collect::<String>();
            let n: i64 = answers.split_whitespace().next().unwrap().parse().unwrap();
            let ready = tr.select(&scraper::Selector::parse(".badge.ready").unwrap()).count() == 1;
            (id, n, ready)
        })
        .collect();
    let mut ids: Vec<&str> = rows.iter().map(|r| r.0.as_str()).collect();
    ids.sort();
    assert_eq!(ids, vec!["cost-003", "secure-004"]);
    for (id, n, ready) in &rows {
        assert_eq!(*ready, *n >= 30, "{id}: {n} answers");
    }
    let body = app.get("/instructor/stats.csv?pool=pilot").await.body;
    let mut reader = csv::Reader::from_reader(body.as_bytes());
    let pool = reader.headers().unwrap().iter().position(|h| h == "pool").unwrap();
    let pools: Vec<String> = reader.records().map(|r| r.unwrap()[pool].to_owned()).collect();
    assert_eq!(pools, vec!["pilot", "pilot"]);
    let full = app.get("/instructor/stats?pool=full").await;
    let full_ids: Vec<String> = full
        .html()
        .select(&scraper::Selector::parse("#items tbody tr").unwrap())
        .filter_map(|tr| tr.value().attr("data-id").map(str::to_owned))
        .collect();
    assert!(!full_ids.is_empty());
    assert!(full_ids.iter().all(|id| id != "cost-003" && id != "secure-004"));
}
