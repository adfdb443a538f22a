//! Item statistics over real graded attempts: what grading adds to the count
//! tables, what the sweep adds, and the figures read back from them.

use examdrill::stats::store::{ItemReport, ListFilter, catch_up, count_attempts, list, question, reliability};
use examdrill::stats::{Flag, Method};

use crate::common::TestApp;
use crate::common::bank::seeded;
use crate::common::stats::graded_exams;

const STUDENTS: usize = 60;

/// The corrected point-biserial of one question, straight from attempt_items.
async fn direct_point_biserial(app: &TestApp, qid: &str) -> f64 {
    let rows: Vec<(bool, i32)> = sqlx::query_as(
        "select i.correct, a.raw_score from attempt_items i join attempts a on a.id = i.attempt_id
         where i.question_id = $1 and a.submitted_at is not null",
    )
    .bind(qid)
    .fetch_all(&app.pool)
    .await
    .expect("answers");
    let xs: Vec<f64> = rows.iter().map(|r| f64::from(u8::from(r.0))).collect();
    let rest: Vec<f64> = rows.iter().map(|r| f64::from(r.1) - f64::from(u8::from(r.0))).collect();
    let n = xs.len() as f64;
    let (mx, mr) = (xs.iter().sum::<f64>() / n, rest.iter().sum::<f64>() / n);
    let cov: f64 = xs.iter().zip(&rest).map(|(x, r)| (x - mx) * (r - mr)).sum();
    let vx: f64 = xs.iter().map(|x| (x - mx).powi(2)).sum();
    let vr: f64 = rest.iter().map(|r| (r - mr).powi(2)).sum();
    cov / (vx * vr).sqrt()
}

fn by_id<'a>(items: &'a [ItemReport], id: &str) -> &'a ItemReport {
    items.iter().find(|i| i.question_id == id).expect("listed")
}

#[tokio::test]
async fn grading_adds_each_attempt_to_the_statistics_once() {
    let app = seeded(25).await;
    let ids = graded_exams(&app, STUDENTS, &[]).await;
    // Grading leaves the counting to the sweep; the list catches up first.
    let items = list(&app.pool, &ListFilter::default()).await.unwrap();
    assert_eq!(count_attempts(&app.pool, &ids).await.unwrap(), 0, "counted twice");
    assert_eq!(catch_up(&app.pool).await.unwrap(), 0);
    assert_eq!(items.len(), 100, "every question was shown");
    let shown: i64 = items.iter().map(|i| i.shown).sum();
    assert_eq!(shown, 65 * STUDENTS as i64);

    let q = by_id(&items, "secure-001");
    let (n, right): (i64, i64) = sqlx::query_as(
        "select count(*), count(*) filter (where correct) from attempt_items where question_id = 'secure-001'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(q.shown, n);
    assert!((q.facility.unwrap() - right as f64 / n as f64).abs() < 1e-12);
    let d = q.discrimination.expect("a discrimination");
    if n >= 30 {
        assert_eq!(d.method, Method::PointBiserial);
        let direct = direct_point_biserial(&app, "secure-001").await;
        assert!((d.value - direct).abs() < 1e-9, "{} vs {direct}", d.value);
    }
    // Nobody ever chose c or d of a single-answer question.
    assert_eq!(q.non_functional, vec!['c', 'd']);
    assert!(q.flags.contains(&Flag::NonFunctionalDistractor));
    assert!(q.median_seconds.is_some());

    // Worst first.
    let sev: Vec<u32> = items.iter().map(|i| i.severity()).collect();
    assert!(sev.windows(2).all(|w| w[0] >= w[1]), "{sev:?}");

    let rel = reliability(&app.pool).await.unwrap();
    assert_eq!(rel.len(), 1);
    assert_eq!(rel[0].exam, "saa-c03");
    assert_eq!(rel[0].attempts, STUDENTS as i64);
    assert_eq!(rel[0].items, 65);
    let alpha = rel[0].alpha.expect("alpha");
    assert!(alpha > 0.5 && alpha < 1.0, "{alpha}");
}

#[tokio::test]
async fn the_sweep_counts_what_grading_missed_exactly_as_grading_does() {
    let app = seeded(25).await;
    graded_exams(&app, STUDENTS, &[]).await;
    let before = list(&app.pool, &ListFilter::default()).await.unwrap();
    let one = question(&app.pool, "cost-003").await.unwrap();
    for table in [
        "item_score_counts",
        "item_option_counts",
        "item_time_counts",
        "exam_score_counts",
    ] {
        sqlx::query(&format!("delete from {table}"))
            .execute(&app.pool)
            .await
            .unwrap();
    }
    sqlx::query("update attempts set stats_counted = false")
        .execute(&app.pool)
        .await
        .unwrap();
    let counted: i64 = sqlx::query_scalar("select count(*) from item_score_counts")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(counted, 0);

    // The list catches up first (grading leaves counting to the sweep), so
    // run the sweep itself to see that it counts every attempt once.
    assert_eq!(catch_up(&app.pool).await.unwrap(), STUDENTS as u64);
    assert_eq!(list(&app.pool, &ListFilter::default()).await.unwrap(), before);
    assert_eq!(question(&app.pool, "cost-003").await.unwrap(), one);
}

#[tokio::test]
async fn the_list_filters_by_domain_topic_and_flag() {
    let app = seeded(25).await;
    graded_exams(&app, STUDENTS, &[]).await;
    let cost = ListFilter {
        domain: Some("cost".into()),
        ..Default::default()
    };
    let items = list(&app.pool, &cost).await.unwrap();
    assert_eq!(items.len(), 25);
    assert!(
        items
            .iter()
            .all(|i| i.domain == "cost" && i.question_id.starts_with("cost-"))
    );
    let none = ListFilter {
        topic: Some("no-such-topic".into()),
        ..Default::default()
    };
    assert!(list(&app.pool, &none).await.unwrap().is_empty());
    let flagged = ListFilter {
        flag: Some(Flag::NonFunctionalDistractor),
        ..Default::default()
    };
    let items = list(&app.pool, &flagged).await.unwrap();
    assert!(!items.is_empty());
    assert!(items.iter().all(|i| i.flags.contains(&Flag::NonFunctionalDistractor)));

    // The question page's figures match the list's for the same version.
    let listed = list(&app.pool, &ListFilter::default()).await.unwrap();
    let detail = question(&app.pool, "resilient-004").await.unwrap();
    assert_eq!(detail.len(), 1);
    let from_list = by_id(&listed, "resilient-004");
    assert_eq!(detail[0].item.shown, from_list.shown);
    assert_eq!(detail[0].item.facility, from_list.facility);
    assert_eq!(detail[0].item.non_functional, from_list.non_functional);
    let (a, b) = (
        detail[0].item.discrimination.unwrap(),
        from_list.discrimination.unwrap(),
    );
    assert_eq!(a.method, b.method);
    assert!((a.value - b.value).abs() < 1e-9);
    assert_eq!(detail[0].options.len(), 5, "a to d and no answer");
}
