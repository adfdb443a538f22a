//! Reading uploaded question files off the request workers. Parsing is
//! linear and bounded, but a 5 MB file still takes a while; on a request
//! worker it would stall every other request that worker holds. So it runs
//! on the blocking pool, and a preview or confirmation gives up after
//! [`PARSE_LIMIT`] with a clear problem instead of waiting on it.

use std::sync::Arc;
use std::time::Duration;

use actix_web::web;

use crate::bank::Diagnostic;
use crate::bank::formats::category::Known;
use crate::bank::load::{Loaded, parse_upload_in};
use crate::bank::store::PendingUpload;

/// Longest an upload's files may take to read.
pub const PARSE_LIMIT: Duration = Duration::from_secs(20);

/// The upload's files read into a bank, or a problem saying why they could
/// not be (too slow, or the reader failed) and nothing of them imported.
/// `known` is what the bank already holds, where Moodle categories may point.
pub async fn parse_pending(upload: &Arc<PendingUpload>, known: Known) -> Loaded {
    parse_within(upload, known, PARSE_LIMIT).await
}

async fn parse_within(upload: &Arc<PendingUpload>, known: Known, limit: Duration) -> Loaded {
    let job_upload = Arc::clone(upload);
    let job = web::block(move || {
        parse_upload_in(
            job_upload.files.iter().map(|f| (f.name.as_str(), f.text.as_str())),
            job_upload.defaults.as_ref(),
            known,
        )
    });
    let problem = match tokio::time::timeout(limit, job).await {
        Ok(Ok(loaded)) => return loaded,
        Ok(Err(e)) => {
            tracing::error!(error = %e, "reading an upload failed");
            "these files could not be read; nothing of them is imported".to_owned()
        }
        Err(_) => {
            tracing::warn!(limit_secs = limit.as_secs_f64(), "reading an upload timed out");
            format!(
                "reading these files took longer than {} s; nothing of them is imported",
                limit.as_secs()
            )
        }
    };
    let file = upload.files.first().map_or("upload", |f| f.name.as_str());
    Loaded {
        diagnostics: vec![Diagnostic::in_file(file, problem)],
        files: upload.files.len(),
        ..Loaded::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bank::store::UploadedFile;

    fn upload(text: String) -> Arc<PendingUpload> {
        Arc::new(PendingUpload {
            files: vec![UploadedFile {
                name: "slow.gift".into(),
                text,
            }],
            defaults: None,
            mode: crate::bank::store::UploadMode::Add,
            as_pilots: false,
        })
    }

    #[actix_web::test]
    async fn a_file_that_takes_too_long_is_a_problem_not_a_wait() {
        let big = "Q? {=a ~b}\n\n".repeat(50_000);
        let loaded = parse_within(&upload(big), Known::default(), Duration::ZERO).await;
        assert_eq!(loaded.diagnostics.len(), 1);
        assert!(loaded.diagnostics[0].message.contains("took longer than"));
        assert!(loaded.bank.questions.is_empty());
    }
}
