//! Reading uploaded question files off the request workers. Parsing is
//! linear and bounded, but a 5 MB file still takes a while; on a request
//! worker it would stall every other request that worker holds. So it runs
//! on the blocking pool, and a preview or confirmation gives up after the
//! configured limit (20 s unless set) with a clear problem instead of
//! waiting on it. Giving up also cancels the reader, which stops at its next
//! question, so a blocking thread does not go on reading for nobody.

use std::sync::Arc;
use std::time::Duration;

use actix_web::web;

use crate::bank::Diagnostic;
use crate::bank::formats::Cancel;
use crate::bank::formats::category::Known;
use crate::bank::load::{Loaded, parse_upload_with};
use crate::bank::store::PendingUpload;

/// How long a cancelled reader is waited for: it stops between two
/// questions, so in a few milliseconds.
const STOP_GRACE: Duration = Duration::from_secs(5);

/// The upload's files read into a bank, or a problem saying why they could
/// not be (too slow, or the reader failed) and nothing of them imported.
/// `known` is what the bank already holds, where Moodle categories may point.
pub async fn parse_pending(upload: &Arc<PendingUpload>, known: Known, limit: Duration) -> Loaded {
    match read_within(upload, known, limit, STOP_GRACE).await {
        Reading::Done(loaded) => *loaded,
        Reading::Failed => problem(
            upload,
            "these files could not be read; nothing of them is imported".to_owned(),
        ),
        Reading::TimedOut { stopped } => {
            if stopped {
                tracing::warn!(
                    limit_secs = limit.as_secs_f64(),
                    "reading an upload timed out and was stopped"
                );
            } else {
                tracing::error!(
                    limit_secs = limit.as_secs_f64(),
                    "reading an upload timed out and did not stop when cancelled"
                );
            }
            problem(
                upload,
                format!(
                    "reading these files took longer than {} s; nothing of them is imported",
                    limit.as_secs_f64()
                ),
            )
        }
    }
}

enum Reading {
    Done(Box<Loaded>),
    Failed,
    /// Given up after the limit; `stopped` when the cancelled reader then
    /// ended within the grace it was given.
    TimedOut {
        stopped: bool,
    },
}

async fn read_within(upload: &Arc<PendingUpload>, known: Known, limit: Duration, grace: Duration) -> Reading {
    let cancel = Cancel::new();
    let (job_upload, job_cancel) = (Arc::clone(upload), cancel.clone());
    let mut job = std::pin::pin!(web::block(move || {
        parse_upload_with(
            job_upload.files.iter().map(|f| (f.name.as_str(), f.text.as_str())),
            job_upload.defaults.as_ref(),
            known,
            Some(&job_cancel),
        )
    }));
    match tokio::time::timeout(limit, job.as_mut()).await {
        Ok(Ok(loaded)) => Reading::Done(Box::new(loaded)),
        Ok(Err(e)) => {
            tracing::error!(error = %e, "reading an upload failed");
            Reading::Failed
        }
        Err(_) => {
            cancel.cancel();
            Reading::TimedOut {
                stopped: tokio::time::timeout(grace, job).await.is_ok(),
            }
        }
    }
}

fn problem(upload: &PendingUpload, message: String) -> Loaded {
    let file = upload.files.first().map_or("upload", |f| f.name.as_str());
    Loaded {
        diagnostics: vec![Diagnostic::in_file(file, message)],
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
        let loaded = parse_pending(&upload(big), Known::default(), Duration::ZERO).await;
        assert_eq!(loaded.diagnostics.len(), 1);
        assert!(loaded.diagnostics[0].message.contains("took longer than"));
        assert!(loaded.bank.questions.is_empty());
    }

    /// The reader given up on stops: it ends within half the time a whole
    /// read of the file takes, which it could not if it read on.
    #[actix_web::test]
    async fn a_timed_out_reader_stops_instead_of_reading_on() {
        let big = Arc::new(upload("::q:: Q? {=a ~b ~c ~d}\n\n".repeat(60_000)));
        let started = std::time::Instant::now();
        let Reading::Done(whole) = read_within(&big, Known::default(), Duration::from_secs(600), Duration::ZERO).await
        else {
            panic!("a read with ten minutes to go did not finish");
        };
        let full = started.elapsed();
        assert_eq!(whole.bank.questions.len(), 60_000);
        let started = std::time::Instant::now();
        let reading = read_within(&big, Known::default(), Duration::from_millis(20), full / 2).await;
        assert!(
            matches!(reading, Reading::TimedOut { stopped: true }),
            "the cancelled reader was still reading {:?} after the limit (a whole read takes {full:?})",
            started.elapsed()
        );
    }
}
