//! Uploads kept between the preview and the instructor's confirmation.

use sqlx::PgPool;

use crate::accounts::UserId;
use crate::bank::formats::Defaults;
use crate::bank::formats::category::Known;
use crate::db::DbError;

/// An uploaded file kept until the instructor confirms its import.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct UploadedFile {
    pub name: String,
    pub text: String,
}

crate::text_enum! {
    /// How an upload treats the topics it names. `Add` adds and updates and
    /// never retires; `Replace` also retires what the upload lacks, and is
    /// accepted only for native topic files ([`replace_allowed`]).
    pub enum UploadMode { Add => "add", Replace => "replace" }
}

/// An upload waiting for confirmation.
#[derive(Debug, Clone)]
pub struct PendingUpload {
    pub files: Vec<UploadedFile>,
    pub defaults: Option<Defaults>,
    pub mode: UploadMode,
    /// Questions new to the bank join the pilot pool.
    pub as_pilots: bool,
}

impl PendingUpload {
    /// The import this upload asks for; `commit` false previews it.
    pub fn options(&self, commit: bool) -> super::Options {
        super::Options {
            retire_missing: self.mode == UploadMode::Replace,
            commit,
            pool: if self.as_pilots {
                crate::bank::model::Pool::Pilot
            } else {
                crate::bank::model::Pool::Full
            },
            record: Some((self.file_names(), self.mode)),
        }
    }

    pub fn file_names(&self) -> String {
        self.files
            .iter()
            .map(|f| f.name.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// The exams, domains and topics the bank holds, where an upload's Moodle
/// categories may point.
pub async fn placement_known(pool: &PgPool) -> Result<Known, DbError> {
    let (blueprints, topics) = super::known(pool).await?;
    Ok(Known::new(&blueprints, topics.into_iter().map(|t| t.slug)))
}

/// Replacing a topic is offered only for native topic files: a foreign file
/// (GIFT, Aiken, CSV, Moodle XML) may skip questions it cannot express, and
/// replacing would retire their earlier versions. Blueprint files may come along.
pub fn replace_allowed(files: &[UploadedFile]) -> bool {
    let native = |f: &UploadedFile| crate::bank::load::native_kind(&f.name, &f.text);
    files.iter().all(|f| native(f).is_some())
        && files
            .iter()
            .any(|f| native(f) == Some(crate::bank::load::NativeKind::Topic))
}

pub async fn save_upload(pool: &PgPool, user: UserId, upload: &PendingUpload) -> Result<uuid::Uuid, DbError> {
    let id = uuid::Uuid::new_v4();
    let files = serde_json::to_value(&upload.files).map_err(|e| DbError::Corrupt(e.to_string()))?;
    let defaults = serde_json::to_value(&upload.defaults).map_err(|e| DbError::Corrupt(e.to_string()))?;
    sqlx::query!(
        "insert into bank_uploads (id, user_id, files, defaults, mode, as_pilots) values ($1, $2, $3, $4, $5, $6)",
        id,
        user as UserId,
        files,
        defaults,
        upload.mode as UploadMode,
        upload.as_pilots,
    )
    .execute(pool)
    .await?;
    Ok(id)
}

/// An upload, only for the user who made it.
pub async fn load_upload(pool: &PgPool, id: uuid::Uuid, user: UserId) -> Result<Option<PendingUpload>, DbError> {
    let row = sqlx::query!(
        r#"select files, defaults, mode as "mode: UploadMode", as_pilots from bank_uploads where id = $1 and user_id = $2"#,
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
        mode: row.mode,
        as_pilots: row.as_pilots,
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
