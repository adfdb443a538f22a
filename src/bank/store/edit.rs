//! Saving one question from the editor: the same validation as an upload, then
//! a new immutable version written the way imports write theirs, under the
//! import lock, refusing to save over a version the editor was not opened on.

use sqlx::{PgPool, Postgres, Transaction};

use super::{validate_upload, write_versions};
use crate::accounts::{UserId, audit};
use crate::bank::diagnostics::Diagnostic;
use crate::bank::model::{Bank, Pool, Question, Topic};
use crate::db::DbError;

#[derive(Debug, thiserror::Error)]
pub enum EditError {
    /// Someone saved a newer version since the editor was opened.
    #[error("question was changed meanwhile; it is at version {current}")]
    Stale { current: i32 },
    #[error("a question with this id exists")]
    Taken,
    #[error("no such question")]
    NotFound,
    #[error("the question has {} problem(s)", .0.len())]
    Invalid(Vec<Diagnostic>),
    #[error(transparent)]
    Db(#[from] DbError),
}

impl From<sqlx::Error> for EditError {
    fn from(e: sqlx::Error) -> Self {
        EditError::Db(e.into())
    }
}

/// The problems bank validation finds in `q`, checked against the stored
/// blueprints and topics plus `extra_topics` (a notes batch's new topic).
pub async fn check_question(pool: &PgPool, q: &Question, extra_topics: &[Topic]) -> Result<Vec<Diagnostic>, DbError> {
    validate_upload(
        pool,
        &Bank {
            blueprints: vec![],
            topics: extra_topics.to_vec(),
            questions: vec![q.clone()],
        },
    )
    .await
}

async fn validated(pool: &PgPool, q: &Question) -> Result<serde_json::Value, EditError> {
    let problems = check_question(pool, q, &[]).await?;
    if !problems.is_empty() {
        return Err(EditError::Invalid(problems));
    }
    serde_json::to_value(q).map_err(|e| EditError::Db(DbError::Corrupt(format!("serialising {}: {e}", q.id))))
}

/// Edits and imports take the same lock, so their versions never interleave.
async fn lock(tx: &mut Transaction<'_, Postgres>) -> Result<(), sqlx::Error> {
    sqlx::query!("select pg_advisory_xact_lock(7401000001)")
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Saves `q` as the version after `base`, the one the editor was opened on.
/// Returns the question's version afterwards (`base` itself when nothing
/// changed). A retired question stays retired.
pub async fn save_edit(pool: &PgPool, q: &Question, base: i32, actor: UserId) -> Result<i32, EditError> {
    let content = validated(pool, q).await?;
    let mut tx = pool.begin().await?;
    lock(&mut tx).await?;
    let current = sqlx::query!(
        "select q.current_version, q.retired_at, v.content
         from questions q join question_versions v on v.question_id = q.id and v.version = q.current_version
         where q.id = $1 for update of q",
        q.id.as_str(),
    )
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(EditError::NotFound)?;
    if current.current_version != base {
        return Err(EditError::Stale {
            current: current.current_version,
        });
    }
    if current.content == content {
        return Ok(base);
    }
    let version = base + 1;
    // The pool is set only when a question is first written; an edit keeps it.
    write_versions(&mut tx, &[(q, version, content)], Some(actor), Pool::Full).await?;
    if let Some(at) = current.retired_at {
        // Writing a version revives a question (as a re-import should); an edit must not.
        sqlx::query!("update questions set retired_at = $2 where id = $1", q.id.as_str(), at)
            .execute(&mut *tx)
            .await?;
    }
    audit(
        &mut *tx,
        Some(actor),
        "question.edited",
        &q.id,
        serde_json::json!({ "version": version }),
    )
    .await?;
    tx.commit().await?;
    Ok(version)
}

/// Adds a new question as its version 1, as a pilot: it is served in practice
/// and drills until an instructor promotes it. Every new question written one
/// at a time (the editor's "new question") goes through here, so a rule for
/// new questions belongs in this one place.
pub async fn create_question(pool: &PgPool, q: &Question, actor: UserId) -> Result<(), EditError> {
    let content = validated(pool, q).await?;
    let mut tx = pool.begin().await?;
    lock(&mut tx).await?;
    let taken = sqlx::query_scalar!(
        r#"select exists(select 1 from questions where id = $1) as "e!""#,
        q.id.as_str()
    )
    .fetch_one(&mut *tx)
    .await?;
    if taken {
        return Err(EditError::Taken);
    }
    write_versions(&mut tx, &[(q, 1, content)], Some(actor), Pool::Pilot).await?;
    audit(
        &mut *tx,
        Some(actor),
        "question.created",
        &q.id,
        serde_json::json!({ "topic": q.topic }),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
