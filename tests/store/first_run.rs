//! The first-run seeding of the shipped bank, called directly.

use crate::common::bank::{seeded, shipped_bank};

#[tokio::test]
async fn seeding_leaves_a_bank_that_already_has_content_alone() {
    let app = seeded(5).await;
    let size = || app.count("select count(*) from questions");
    let before = size().await;
    let again = examdrill::bank::seed::seed_if_empty(&app.pool, &shipped_bank())
        .await
        .expect("seed check");
    assert!(again.is_none(), "an existing bank must not be overwritten");
    assert_eq!(size().await, before);
}
