//! Uploads kept between the preview and the instructor's confirmation.

use sqlx::PgPool;

use crate::accounts::UserId;
use crate::bank::formats::Defaults;
use crate::db::DbError;

/// An uploaded file kept until the instructor confirms its import.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct UploadedFile {
    pub name: String,
    pub text: String,
}

/// An upload waiting for confirmation.
#[derive(Debug, Clone)]
pub struct PendingUpload {
    pub files: Vec<UploadedFile>,
    pub defaults: Option<Defaults>,
}

pub async fn save_upload(pool: &PgPool, user: UserId, upload: &PendingUpload) -> Result<uuid::Uuid, DbError> {
    let id = uuid::Uuid::new_v4();
    let files = serde_json::to_value(&upload.files).map_err(|e| DbError::Corrupt(e.to_string()))?;
    let defaults = serde_json::to_value(&upload.defaults).map_err(|e| DbError::Corrupt(e.to_string()))?;
    sqlx::query!(
        "insert into bank_uploads (id, user_id, files, defaults) values ($1, $2, $3, $4)",
        id,
        user as UserId,
        files,
        defaults,
    )
    .execute(pool)
    .await?;
    Ok(id)
}

/// An upload, only for the user who made it.
pub async fn load_upload(pool: &PgPool, id: uuid::Uuid, user: UserId) -> Result<Option<PendingUpload>, DbError> {
    let row = sqlx::query!(
        "select files, defaults from bank_uploads where id = $1 and user_id = $2",
        id,
        user as UserId,
    )
    .fetch_optional(pool)
    .await?;
    let Some(row) = row else { return Ok(None) };
    let corrupt = |e: serde_json::Error| DbError::Corrupt(format!("upload {id}: {e}"));
    Ok(Some(PendingUpload {
        files: serde_json::from_value(row.files).map_err(corrupt)?,
        defaults: row
            .defaults
            .map(serde_json::from_value)
            .transpose()
            .map_err(corrupt)?
            .flatten(),
    }))
}

pub async fn delete_upload(pool: &PgPool, id: uuid::Uuid) -> Result<(), DbError> {
    sqlx::query!("delete from bank_uploads where id = $1", id)
        .execute(pool)
        .await?;
    Ok(())
}

/// Drops uploads nobody confirmed within a day.
pub async fn purge_uploads(pool: &PgPool) -> Result<u64, sqlx::Error> {
    Ok(
        sqlx::query!("delete from bank_uploads where created_at < now() - interval '1 day'")
            .execute(pool)
            .await?
            .rows_affected(),
    )
}
