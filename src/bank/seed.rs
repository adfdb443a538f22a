//! The first run: a fresh database gets the shipped bank, so the app has
//! something to practise before anyone imports anything. A bank that holds
//! anything at all (an instructor's upload, a retired question) is never
//! touched.

use std::path::Path;

use sqlx::PgPool;

use super::store::{self, ImportError, ImportReport, Mode};
use crate::db::DbError;

#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    #[error("the shipped bank in {dir} has problems:\n{problems}")]
    Invalid { dir: String, problems: String },
    #[error(transparent)]
    Db(#[from] DbError),
}

/// Imports the bank files under `dir` when the database has no blueprints and
/// no questions. Returns what was imported, or `None` when it left the bank's
/// questions alone.
pub async fn seed_if_empty(pool: &PgPool, dir: &Path) -> Result<Option<ImportReport>, SeedError> {
    let empty = sqlx::query_scalar!(
        r#"select not exists (select 1 from blueprints) and not exists (select 1 from questions) as "empty!""#
    )
    .fetch_one(pool)
    .await
    .map_err(DbError::from)?;
    let loaded = super::load_paths(&[dir.to_path_buf()], None);
    if !empty {
        // A bank stored before blueprints carried note rules gets the shipped ones.
        for b in &loaded.bank.blueprints {
            if store::fill_note_rules(pool, b).await? {
                tracing::info!(exam = %b.code, "gave a stored blueprint the shipped note rules");
            }
        }
        return Ok(None);
    }
    let invalid = |problems: Vec<String>| SeedError::Invalid {
        dir: dir.display().to_string(),
        problems: problems.join("\n"),
    };
    if !loaded.diagnostics.is_empty() {
        return Err(invalid(loaded.diagnostics.iter().map(ToString::to_string).collect()));
    }
    match store::import(pool, &loaded.bank, None, Mode::Apply).await {
        Ok(report) => Ok(Some(report)),
        Err(ImportError::Invalid(d)) => Err(invalid(d.iter().map(ToString::to_string).collect())),
        Err(ImportError::Db(e)) => Err(e.into()),
    }
}
