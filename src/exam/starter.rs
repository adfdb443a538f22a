//! Group commit for starts. When a class presses Start in the same second,
//! starts that arrive while a batch is being written wait for the next one
//! and are planned and written together: one query reads every student's
//! history and one statement inserts every attempt. PostgreSQL then writes a
//! few large batches instead of thousands of single rows, each waiting for
//! a pool connection of its own, and each caller still hears back only once
//! its attempt is committed.

use rand::SeedableRng;
use rand::rngs::StdRng;
use sqlx::PgPool;
use std::sync::Arc;

use tokio::sync::{Mutex, mpsc, oneshot};
use uuid::Uuid;

use super::store::{StartError, StartRequest, start_many};

/// Starts per batch at most; a larger crowd simply takes several batches.
const MAX_BATCH: usize = 128;
/// Writers, each with at most one batch in flight; while one writes, the
/// others fill theirs.
const WRITERS: usize = 2;
/// Waiting starts before callers are told to retry rather than queue forever.
const QUEUE: usize = 16_384;

struct Job {
    req: StartRequest,
    done: oneshot::Sender<Result<Uuid, StartError>>,
}

/// A handle to the background start writers; cheap to clone.
#[derive(Clone)]
pub struct Starter {
    queue: mpsc::Sender<Job>,
}

impl Starter {
    /// Starts the writers on the current Tokio runtime; they end once every
    /// handle is gone and the queue is written out.
    pub fn spawn(pool: &PgPool) -> (Self, Vec<tokio::task::JoinHandle<()>>) {
        // Their own connections: a batch never queues behind the requests
        // waiting for the main pool (the very crowd it is starting).
        let pool = crate::db::side_pool(pool, WRITERS as u32);
        let (queue, rx) = mpsc::channel(QUEUE);
        // The writers take turns filling a batch from the one queue, so a
        // batch holds whatever arrived while the other writer was writing.
        let rx = Arc::new(Mutex::new(rx));
        let writers: Vec<_> = (0..WRITERS)
            .map(|_| tokio::spawn(writer(pool.clone(), rx.clone())))
            .collect();
        // Their connections go back once the last batch is written, so a
        // stopped instance leaves nothing open.
        let done = tokio::spawn(async move {
            futures_util::future::join_all(writers).await;
            pool.close().await;
        });
        (Self { queue }, vec![done])
    }

    /// Plans and stores an attempt; returns its id once it is committed.
    pub async fn start(&self, req: StartRequest) -> Result<Uuid, StartError> {
        let (done, answer) = oneshot::channel();
        if self.queue.send(Job { req, done }).await.is_err() {
            tracing::error!("the start writers have stopped");
            return Err(StartError::BatchFailed);
        }
        answer.await.unwrap_or_else(|_| {
            tracing::error!("a start writer dropped a start without answering");
            Err(StartError::BatchFailed)
        })
    }
}

async fn writer(pool: PgPool, rx: Arc<Mutex<mpsc::Receiver<Job>>>) {
    let mut rng = StdRng::from_entropy();
    loop {
        let batch = {
            let mut rx = rx.lock().await;
            let Some(first) = rx.recv().await else { return };
            let mut batch = vec![first];
            while batch.len() < MAX_BATCH {
                let Ok(job) = rx.try_recv() else { break };
                batch.push(job);
            }
            batch
        };
        let (reqs, replies): (Vec<StartRequest>, Vec<_>) = batch.into_iter().map(|j| (j.req, j.done)).unzip();
        let results = start_many(&pool, &reqs, &mut rng).await;
        for (reply, result) in replies.into_iter().zip(results) {
            // The caller may have gone away; its attempt is committed regardless
            // and shows as the open attempt on the dashboard.
            let _ = reply.send(result);
        }
    }
}
