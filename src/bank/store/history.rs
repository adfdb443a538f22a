//! The upload history: each confirmed upload with the questions it retired,
//! undoing one upload's retirements, and restoring many questions at once.

use sqlx::{PgPool, Postgres, Transaction};
use time::OffsetDateTime;
use uuid::Uuid;

use super::{ImportReport, UploadMode};
use crate::accounts::{UserId, audit};
use crate::db::DbError;

/// One confirmed upload, as the history lists it.
#[derive(Debug, Clone)]
pub struct ImportRecord {
    pub id: Uuid,
    pub created_at: OffsetDateTime,
    pub by: Option<String>,
    pub files: String,
    pub mode: UploadMode,
    pub added: i32,
    pub changed: i32,
    pub retired: i32,
    /// Of the questions it retired, how many are still retired by it.
    pub still_retired: i64,
    pub undone_at: Option<OffsetDateTime>,
}

/// A question an upload retired.
#[derive(Debug, Clone)]
pub struct Retirement {
    pub id: String,
    pub stem: String,
    /// Still retired by that upload (not restored since, nor retired again later).
    pub still_retired: bool,
}

/// Records a confirmed upload and what it retired, inside its import.
pub(super) async fn record(
    tx: &mut Transaction<'_, Postgres>,
    actor: Option<UserId>,
    files: &str,
    mode: UploadMode,
    report: &ImportReport,
) -> Result<Uuid, sqlx::Error> {
    let id = Uuid::new_v4();
    let count = |v: &Vec<String>| i32::try_from(v.len()).unwrap_or(i32::MAX);
    sqlx::query!(
        "insert into bank_imports (id, user_id, files, mode, added, changed, retired) values ($1, $2, $3, $4, $5, $6, $7)",
        id,
        actor as Option<UserId>,
        files,
        mode as UploadMode,
        count(&report.added),
        count(&report.changed),
        count(&report.retired),
    )
    .execute(&mut **tx)
    .await?;
    sqlx::query!(
        "insert into bank_import_retirements (import_id, question_id) select $1, unnest($2::text[])",
        id,
        &report.retired,
    )
    .execute(&mut **tx)
    .await?;
    Ok(id)
}

/// The latest confirmed uploads, newest first.
pub async fn imports(pool: &PgPool, limit: i64) -> Result<Vec<ImportRecord>, DbError> {
    Ok(sqlx::query_as!(
        ImportRecord,
        r#"select i.id, i.created_at, u.display_name as "by?", i.files, i.mode as "mode: UploadMode",
                  i.added, i.changed, i.retired, i.undone_at,
                  (select count(*) from bank_import_retirements r join questions q on q.id = r.question_id
                   where r.import_id = i.id and q.retired_at = i.created_at) as "still_retired!"
           from bank_imports i left join users u on u.id = i.user_id
           order by i.created_at desc limit $1"#,
        limit,
    )
    .fetch_all(pool)
    .await?)
}

/// One confirmed upload and the questions it retired, in id order.
pub async fn import_record(pool: &PgPool, id: Uuid) -> Result<Option<(ImportRecord, Vec<Retirement>)>, DbError> {
    let record = sqlx::query_as!(
        ImportRecord,
        r#"select i.id, i.created_at, u.display_name as "by?", i.files, i.mode as "mode: UploadMode",
                  i.added, i.changed, i.retired, i.undone_at,
                  (select count(*) from bank_import_retirements r join questions q on q.id = r.question_id
                   where r.import_id = i.id and q.retired_at = i.created_at) as "still_retired!"
           from bank_imports i left join users u on u.id = i.user_id where i.id = $1"#,
        id,
    )
    .fetch_optional(pool)
    .await?;
    let Some(record) = record else { return Ok(None) };
    let retired = sqlx::query_as!(
        Retirement,
        r#"select q.id, left(v.content->>'stem', 200) as "stem!", q.retired_at is not distinct from i.created_at as "still_retired!"
           from bank_import_retirements r
           join bank_imports i on i.id = r.import_id
           join questions q on q.id = r.question_id
           join question_versions v on v.question_id = q.id and v.version = q.current_version
           where r.import_id = $1 order by q.id"#,
        id,
    )
    .fetch_all(pool)
    .await?;
    Ok(Some((record, retired)))
}

/// The stems of the given questions' current versions (cut to 200
/// characters), in id order, for a preview's list of retirements.
pub async fn stems(pool: &PgPool, ids: &[String]) -> Result<Vec<(String, String)>, DbError> {
    let rows = sqlx::query!(
        r#"select q.id, left(v.content->>'stem', 200) as "stem!"
           from questions q join question_versions v on v.question_id = q.id and v.version = q.current_version
           where q.id = any($1) order by q.id"#,
        ids,
    )
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().map(|r| (r.id, r.stem)).collect())
}

/// Restores the questions `import` retired that are still retired by it, in
/// one statement; a question restored or retired again since is left alone.
/// Returns their ids, or `None` when there is no such upload.
pub async fn undo_retirements(pool: &PgPool, import: Uuid, actor: UserId) -> Result<Option<Vec<String>>, DbError> {
    let mut tx = pool.begin().await?;
    let exists = sqlx::query_scalar!(
        "update bank_imports set undone_at = now() where id = $1 returning id",
        import
    )
    .fetch_optional(&mut *tx)
    .await?;
    if exists.is_none() {
        return Ok(None);
    }
    let restored = sqlx::query_scalar!(
        "update questions q set retired_at = null, updated_at = now()
         from bank_import_retirements r join bank_imports i on i.id = r.import_id
         where r.import_id = $1 and q.id = r.question_id and q.retired_at = i.created_at
         returning q.id",
        import
    )
    .fetch_all(&mut *tx)
    .await?;
    audit(
        &mut *tx,
        Some(actor),
        "bank.import_undone",
        &import.to_string(),
        serde_json::json!({ "restored": restored }),
    )
    .await?;
    tx.commit().await?;
    Ok(Some(restored))
}

/// Restores the given questions that are retired; returns the ids restored.
pub async fn restore_many(pool: &PgPool, ids: &[String], actor: UserId) -> Result<Vec<String>, DbError> {
    let mut tx = pool.begin().await?;
    let restored = sqlx::query_scalar!(
        "update questions set retired_at = null, updated_at = now()
         where id = any($1) and retired_at is not null returning id",
        ids,
    )
    .fetch_all(&mut *tx)
    .await?;
    if !restored.is_empty() {
        audit(
            &mut *tx,
            Some(actor),
            "question.restored",
            "bulk",
            serde_json::json!({ "ids": restored }),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(restored)
}
