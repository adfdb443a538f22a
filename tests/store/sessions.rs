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

/// Loads that arrive together are read in one batch; the same session loaded
/// several times at once (two tabs, a page beside its autosave) is found
/// every time, and a session that is gone is not.
#[tokio::test]
async fn batched_loads_find_the_same_session_every_time_it_is_asked_for() {
    use actix_session::storage::{SessionKey, SessionStore};
    let app = spawn_app().await;
    let store = examdrill::session_store::PgSessionStore::batched(app.pool.clone());
    let state = std::collections::HashMap::from([("k".to_owned(), "\"v\"".to_owned())]);
    let ttl = actix_web::cookie::time::Duration::days(1);
    let key = store.save(state.clone(), &ttl).await.unwrap();
    let other = store.save(state.clone(), &ttl).await.unwrap();
    store.delete(&other).await.unwrap();
    let missing = SessionKey::try_from("x".repeat(22)).unwrap();
    let keys: Vec<&SessionKey> = (0..20)
        .map(|i| match i % 4 {
            0 => &other,
            1 => &missing,
            _ => &key,
        })
        .collect();
    let loaded = futures_util::future::join_all(keys.iter().map(|k| store.load(k))).await;
    for (k, l) in keys.iter().zip(loaded) {
        let l = l.unwrap();
        if **k == key {
            assert_eq!(l.as_ref(), Some(&state), "the live session, every time");
        } else {
            assert_eq!(l, None, "a deleted or unknown session");
        }
    }
}
