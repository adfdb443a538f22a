//! The session store's purge of expired records.

use crate::common::{PASSWORD, spawn_app};

#[tokio::test]
async fn the_purge_removes_expired_session_records() {
    let app = spawn_app().await;
    app.register("ahn@example.com", "Ahn", PASSWORD).await;
    app.sibling().register("bae@example.com", "Bae", PASSWORD).await;
    sqlx::query("update tower_sessions.session set expiry_date = now() - interval '1 minute' where id = (select id from tower_sessions.session limit 1)")
        .execute(&app.pool)
        .await
        .unwrap();
    examdrill::session_store::PgSessionStore::new(app.pool.clone())
        .delete_expired()
        .await
        .unwrap();
    let (total, expired): (i64, i64) =
        sqlx::query_as("select count(*), count(*) filter (where expiry_date <= now()) from tower_sessions.session")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(expired, 0);
    assert_eq!(total, 1);
}
