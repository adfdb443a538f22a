//! actix-session's `SessionStore` on top of tower-sessions-sqlx-store's
//! `PostgresStore`: tower-sessions is tower middleware and cannot wrap an actix
//! `App`, but its PostgreSQL store is what lets several app instances share
//! sessions through one database.

use std::collections::HashMap;
use std::str::FromStr;
use std::sync::Arc;

use actix_session::storage::{LoadError, SaveError, SessionKey, SessionStore, UpdateError};
use actix_web::cookie::time::Duration;
use serde_json::Value;
use sqlx::PgPool;
use time::OffsetDateTime;
use tokio::sync::{Mutex, mpsc, oneshot};
use tower_sessions_core::ExpiredDeletion;
use tower_sessions_core::session::{Id, Record};
use tower_sessions_core::session_store::SessionStore as TowerStore;
use tower_sessions_sqlx_store::PostgresStore;

/// The session key holding the signed-in user's id (a JSON string, as
/// actix-session stores every value).
pub const OWNER_KEY: &str = "user_id";

#[derive(Clone, Debug)]
pub struct PgSessionStore {
    inner: PostgresStore,
    pool: PgPool,
    /// Batches loads when set (see [`PgSessionStore::batched`]).
    loader: Option<mpsc::Sender<LoadJob>>,
}

/// Every request's first step is loading its session. Under a burst (a class
/// pressing Start at once) thousands of loads would each wait their turn for
/// a connection; the loader reads all that are waiting in one statement.
const LOAD_BATCH: usize = 256;
const LOAD_QUEUE: usize = 16_384;
/// The loader's own connections, so it never waits behind the requests.
const LOADERS: u32 = 2;

#[derive(Debug)]
struct LoadJob {
    id: String,
    done: oneshot::Sender<Result<Option<Vec<u8>>, ()>>,
}

type State = HashMap<String, String>;

impl PgSessionStore {
    /// A store that loads each session on its own.
    pub fn new(pool: PgPool) -> Self {
        Self {
            inner: PostgresStore::new(pool.clone()),
            pool,
            loader: None,
        }
    }

    /// A store whose loads are batched by background loaders on their own
    /// small pool; they end when the last clone of the store is dropped.
    /// Needs a Tokio runtime.
    pub fn batched(pool: PgPool) -> Self {
        let (tx, rx) = mpsc::channel(LOAD_QUEUE);
        let side = crate::db::side_pool(&pool, LOADERS);
        let rx = Arc::new(Mutex::new(rx));
        let loaders: Vec<_> = (0..LOADERS)
            .map(|_| tokio::spawn(load_batches(side.clone(), rx.clone())))
            .collect();
        tokio::spawn(async move {
            futures_util::future::join_all(loaders).await;
            side.close().await;
        });
        Self {
            loader: Some(tx),
            ..Self::new(pool)
        }
    }

    /// Loads through the loaders: the stored bytes of a live session.
    async fn load_batched(&self, queue: &mpsc::Sender<LoadJob>, id: &Id) -> Result<Option<Vec<u8>>, LoadError> {
        let (done, answer) = oneshot::channel();
        let job = LoadJob {
            id: id.to_string(),
            done,
        };
        let failed = || LoadError::Other(anyhow::anyhow!("loading the session failed"));
        queue.send(job).await.map_err(|_| failed())?;
        answer.await.map_err(|_| failed())?.map_err(|()| failed())
    }

    /// Records which user a session belongs to, so their sessions can be
    /// found (and ended) together. Only signed-in sessions pay for it.
    async fn tag_owner(&self, id: &Id, owner: Option<&String>) -> anyhow::Result<()> {
        if let Some(owner) = owner_of(owner) {
            sqlx::query!(
                "update tower_sessions.session set user_id = $2 where id = $1 and user_id is distinct from $2",
                id.to_string(),
                owner,
            )
            .execute(&self.pool)
            .await?;
        }
        Ok(())
    }

    /// Deletes expired session records; run periodically in the background.
    pub async fn delete_expired(&self) -> anyhow::Result<()> {
        self.inner.delete_expired().await.map_err(anyhow::Error::new)
    }
}

/// One loader: takes every load waiting (up to a batch), reads them in one
/// statement (the same row filter and encoding as `PostgresStore::load`),
/// and answers each.
async fn load_batches(pool: PgPool, rx: Arc<Mutex<mpsc::Receiver<LoadJob>>>) {
    loop {
        let batch = {
            let mut rx = rx.lock().await;
            let Some(first) = rx.recv().await else { return };
            let mut batch = vec![first];
            while batch.len() < LOAD_BATCH {
                let Ok(job) = rx.try_recv() else { break };
                batch.push(job);
            }
            batch
        };
        let ids: Vec<&str> = batch.iter().map(|j| j.id.as_str()).collect();
        let found = sqlx::query!(
            "select id, data from tower_sessions.session where id = any($1) and expiry_date > now()",
            &ids as &[&str],
        )
        .fetch_all(&pool)
        .await;
        match found {
            Ok(rows) => {
                let rows: HashMap<String, Vec<u8>> = rows.into_iter().map(|r| (r.id, r.data)).collect();
                // One session can be in a batch several times (a page and
                // its autosave, two tabs): each load gets its own copy.
                for job in batch {
                    let _ = job.done.send(Ok(rows.get(&job.id).cloned()));
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, sessions = batch.len(), "loading a batch of sessions failed");
                for job in batch {
                    let _ = job.done.send(Err(()));
                }
            }
        }
    }
}

fn owner_of(value: Option<&String>) -> Option<uuid::Uuid> {
    value.and_then(|v| serde_json::from_str::<uuid::Uuid>(v).ok())
}

fn parse_key(key: &SessionKey) -> Option<Id> {
    Id::from_str(key.as_ref()).ok()
}

fn to_key(id: Id) -> anyhow::Result<SessionKey> {
    SessionKey::try_from(id.to_string()).map_err(|e| anyhow::anyhow!("session key: {e}"))
}

/// actix-session already serialises each value to a JSON string; keep it as-is.
fn to_record(id: Id, state: State, ttl: &Duration) -> Record {
    Record {
        id,
        data: state.into_iter().map(|(k, v)| (k, Value::String(v))).collect(),
        expiry_date: OffsetDateTime::now_utc() + *ttl,
    }
}

fn from_record(record: Record) -> State {
    record
        .data
        .into_iter()
        .map(|(k, v)| match v {
            Value::String(s) => (k, s),
            other => (k, other.to_string()),
        })
        .collect()
}

impl SessionStore for PgSessionStore {
    async fn load(&self, key: &SessionKey) -> Result<Option<State>, LoadError> {
        // A cookie that doesn't parse as one of our ids simply has no session.
        let Some(id) = parse_key(key) else { return Ok(None) };
        let record = match &self.loader {
            Some(queue) => match self.load_batched(queue, &id).await? {
                Some(data) => {
                    Some(rmp_serde::from_slice::<Record>(&data).map_err(|e| LoadError::Deserialization(e.into()))?)
                }
                None => None,
            },
            None => self
                .inner
                .load(&id)
                .await
                .map_err(|e| LoadError::Other(anyhow::Error::new(e)))?,
        };
        Ok(record.map(from_record))
    }

    async fn save(&self, state: State, ttl: &Duration) -> Result<SessionKey, SaveError> {
        let owner = state.get(OWNER_KEY).cloned();
        let mut record = to_record(Id::default(), state, ttl);
        // `create` picks a fresh id if the random one is already taken.
        self.inner
            .create(&mut record)
            .await
            .map_err(|e| SaveError::Other(anyhow::Error::new(e)))?;
        self.tag_owner(&record.id, owner.as_ref())
            .await
            .map_err(SaveError::Other)?;
        to_key(record.id).map_err(SaveError::Other)
    }

    async fn update(&self, key: SessionKey, state: State, ttl: &Duration) -> Result<SessionKey, UpdateError> {
        let Some(id) = parse_key(&key) else {
            return self.save(state, ttl).await.map_err(|e| match e {
                SaveError::Serialization(e) => UpdateError::Serialization(e),
                SaveError::Other(e) => UpdateError::Other(e),
            });
        };
        let owner = owner_of(state.get(OWNER_KEY));
        let record = to_record(id, state, ttl);
        let data = rmp_serde::to_vec(&record).map_err(|e| UpdateError::Serialization(e.into()))?;
        // Only a live row is updated. A session that logout or a password
        // change deleted while this request ran stays deleted: the store's own
        // `save` is an upsert and would bring it back.
        let written = sqlx::query!(
            "update tower_sessions.session set data = $2, expiry_date = $3, user_id = $4
             where id = $1 and expiry_date > now()",
            id.to_string(),
            data,
            record.expiry_date,
            owner,
        )
        .execute(&self.pool)
        .await
        .map_err(|e| UpdateError::Other(e.into()))?
        .rows_affected();
        if written == 0 {
            tracing::info!("the session ended while the request ran; it is not re-created");
        }
        Ok(key)
    }

    async fn update_ttl(&self, key: &SessionKey, ttl: &Duration) -> anyhow::Result<()> {
        let Some(id) = parse_key(key) else { return Ok(()) };
        sqlx::query!(
            "update tower_sessions.session set expiry_date = $2 where id = $1 and expiry_date > now()",
            id.to_string(),
            OffsetDateTime::now_utc() + *ttl,
        )
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn delete(&self, key: &SessionKey) -> anyhow::Result<()> {
        if let Some(id) = parse_key(key) {
            self.inner.delete(&id).await?;
        }
        Ok(())
    }
}
