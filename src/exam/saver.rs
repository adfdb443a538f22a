//! Group commit for answer saves. Saves that arrive while others are being
//! written share the next statement and commit, so under load PostgreSQL
//! flushes its log once per batch instead of once per click. Each caller
//! still hears back only after its own answer is committed, so an
//! acknowledged answer is as durable as with one commit per save.

use std::collections::HashSet;
use std::hash::{Hash, Hasher};
use std::sync::Arc;

use sqlx::PgPool;
use tokio::sync::{mpsc, oneshot};
use uuid::Uuid;

use super::store::{PendingSave, SaveError, refusal, save_answers};
use crate::accounts::UserId;

/// Saves per statement at most; larger bursts simply take several batches.
const MAX_BATCH: usize = 256;
/// Writers, each with its own queue and at most one batch in flight; while
/// one commits, the others fill and write theirs.
const WRITERS: usize = 4;
/// Waiting saves before callers are told to retry rather than queue forever.
const QUEUE: usize = 16_384;

struct Job {
    save: PendingSave,
    done: oneshot::Sender<Result<(), SaveError>>,
}

/// A handle to the background writers; cheap to clone.
#[derive(Clone)]
pub struct Saver {
    /// One queue per writer. A question always goes to the same writer, so
    /// two saves for it are written in the order they arrived.
    queues: Arc<[mpsc::Sender<Job>]>,
}

/// The running writers. Each ends once every [`Saver`] handle is gone and its
/// queue is written out.
pub struct Writers(Vec<tokio::task::JoinHandle<()>>);

impl Writers {
    /// Adds other background writers to wait for at shutdown.
    pub fn extend(&mut self, more: Vec<tokio::task::JoinHandle<()>>) {
        self.0.extend(more);
    }

    /// Waits, at most `limit`, for the writers to write what is queued and end.
    /// Returns whether they all did.
    pub async fn finish(self, limit: std::time::Duration) -> bool {
        let all = futures_util::future::join_all(self.0);
        tokio::time::timeout(limit, all).await.is_ok()
    }
}

impl Saver {
    /// Starts the writers on the current Tokio runtime.
    pub fn spawn(pool: PgPool) -> (Self, Writers) {
        let (queues, tasks): (Vec<mpsc::Sender<Job>>, Vec<_>) = (0..WRITERS)
            .map(|_| {
                let (queue, rx) = mpsc::channel(QUEUE);
                (queue, tokio::spawn(writer(pool.clone(), rx)))
            })
            .unzip();
        (Self { queues: queues.into() }, Writers(tasks))
    }

    /// Saves a choice and returns once it is committed (or refused).
    pub async fn save(
        &self,
        attempt: Uuid,
        user: UserId,
        position: i32,
        selected: &[char],
        epoch: Option<i32>,
    ) -> Result<(), SaveError> {
        if !super::store::valid_selection(selected) {
            return Err(SaveError::BadOption);
        }
        let (done, answer) = oneshot::channel();
        let save = PendingSave {
            attempt,
            user,
            position,
            selected: selected.to_vec(),
            epoch,
        };
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        (attempt, position).hash(&mut hasher);
        let Some(queue) = usize::try_from(hasher.finish() % WRITERS as u64)
            .ok()
            .and_then(|i| self.queues.get(i))
        else {
            return Err(SaveError::Db);
        };
        if queue.send(Job { save, done }).await.is_err() {
            tracing::error!("the answer writers have stopped");
            return Err(SaveError::Db);
        }
        answer.await.unwrap_or_else(|_| {
            tracing::error!("an answer writer dropped a save without answering");
            Err(SaveError::Db)
        })
    }
}

async fn writer(pool: PgPool, mut rx: mpsc::Receiver<Job>) {
    // A second save for a question already in this batch waits for the next
    // batch, so the later click is written after the earlier one and wins.
    let mut held: Option<Job> = None;
    loop {
        let first = match held.take() {
            Some(job) => job,
            None => match rx.recv().await {
                Some(job) => job,
                None => return,
            },
        };
        let mut keys = HashSet::from([(first.save.attempt, first.save.position)]);
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            let Ok(job) = rx.try_recv() else { break };
            if keys.insert((job.save.attempt, job.save.position)) {
                batch.push(job);
            } else {
                held = Some(job);
                break;
            }
        }
        write(&pool, batch).await;
    }
}

async fn write(pool: &PgPool, batch: Vec<Job>) {
    let saves: Vec<PendingSave> = batch.iter().map(|j| j.save.clone()).collect();
    match save_answers(pool, &saves).await {
        Ok(written) => {
            for (job, ok) in batch.into_iter().zip(written) {
                let result = if ok {
                    Ok(())
                } else {
                    Err(refusal(pool, &job.save).await)
                };
                // The caller may have gone away; its answer is committed regardless.
                let _ = job.done.send(result);
            }
        }
        // One statement failed for all: retry each save alone, so whatever
        // made it fail is refused on its own and the others are written.
        Err(_) if batch.len() > 1 => {
            for job in batch {
                let result = match save_answers(pool, std::slice::from_ref(&job.save)).await {
                    Ok(w) if w == [true] => Ok(()),
                    Ok(_) => Err(refusal(pool, &job.save).await),
                    Err(e) => Err(e),
                };
                let _ = job.done.send(result);
            }
        }
        Err(e) => {
            for job in batch {
                let _ = job.done.send(Err(e));
            }
        }
    }
}
