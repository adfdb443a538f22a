//! actix-session's `SessionStore` on top of tower-sessions-sqlx-store's
//! `PostgresStore`: tower-sessions is tower middleware and cannot wrap an actix
//! `App`, but its PostgreSQL store is what lets several app instances share
//! sessions through one database.

use std::collections::HashMap;
use std::str::FromStr;

use actix_session::storage::{LoadError, SaveError, SessionKey, SessionStore, UpdateError};
use actix_web::cookie::time::Duration;
use serde_json::Value;
use sqlx::PgPool;
use time::OffsetDateTime;
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
}

type State = HashMap<String, String>;

impl PgSessionStore {
    pub fn new(pool: PgPool) -> Self {
        Self {
            inner: PostgresStore::new(pool.clone()),
            pool,
        }
    }

    /// Records which user a session belongs to, so their sessions can be
    /// found (and ended) together. Only signed-in sessions pay for it.
    async fn tag_owner(&self, id: &Id, owner: Option<&String>) -> anyhow::Result<()> {
        let owner = owner.and_then(|v| serde_json::from_str::<uuid::Uuid>(v).ok());
        if let Some(owner) = owner {
            sqlx::query("update tower_sessions.session set user_id = $2 where id = $1 and user_id is distinct from $2")
                .bind(id.to_string())
                .bind(owner)
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
        let record = self
            .inner
            .load(&id)
            .await
            .map_err(|e| LoadError::Other(anyhow::Error::new(e)))?;
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
        let owner = state.get(OWNER_KEY).cloned();
        self.inner
            .save(&to_record(id, state, ttl))
            .await
            .map_err(|e| UpdateError::Other(anyhow::Error::new(e)))?;
        self.tag_owner(&id, owner.as_ref()).await.map_err(UpdateError::Other)?;
        Ok(key)
    }

    async fn update_ttl(&self, key: &SessionKey, ttl: &Duration) -> anyhow::Result<()> {
        let Some(id) = parse_key(key) else { return Ok(()) };
        if let Some(mut record) = self.inner.load(&id).await? {
            record.expiry_date = OffsetDateTime::now_utc() + *ttl;
            self.inner.save(&record).await?;
        }
        Ok(())
    }

    async fn delete(&self, key: &SessionKey) -> anyhow::Result<()> {
        if let Some(id) = parse_key(key) {
            self.inner.delete(&id).await?;
        }
        Ok(())
    }
}

/// Ends every session of a user, on every device (after a password change).
pub async fn end_sessions_of(pool: &PgPool, user: uuid::Uuid) -> Result<u64, crate::db::DbError> {
    Ok(sqlx::query("delete from tower_sessions.session where user_id = $1")
        .bind(user)
        .execute(pool)
        .await?
        .rows_affected())
}
