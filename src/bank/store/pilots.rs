//! Pilot questions: served in practice sets and drills only, until an
//! instructor promotes them to the full-exam pool (or retires them).

use sqlx::PgPool;

use crate::accounts::{UserId, audit};
use crate::bank::model::Pool;
use crate::db::DbError;

/// The pool a question serves, or `None` when there is no such question.
pub async fn pool_of(pool: &PgPool, id: &str) -> Result<Option<Pool>, DbError> {
    Ok(
        sqlx::query_scalar!(r#"select pool as "pool: Pool" from questions where id = $1"#, id)
            .fetch_optional(pool)
            .await?,
    )
}

/// Moves a pilot into the full-exam pool. Returns false when `id` is not a pilot.
pub async fn promote(pool: &PgPool, id: &str, actor: UserId) -> Result<bool, DbError> {
    let mut tx = pool.begin().await?;
    let n = sqlx::query!(
        "update questions set pool = 'full', updated_at = now() where id = $1 and pool = 'pilot'",
        id
    )
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if n == 0 {
        return Ok(false);
    }
    audit(&mut *tx, Some(actor), "question.promoted", id, serde_json::json!({})).await?;
    tx.commit().await?;
    Ok(true)
}
