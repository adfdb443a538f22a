//! The PostgreSQL pool, migrations and the storage error type.

use std::time::Duration;

use sqlx::PgPool;
use sqlx::postgres::PgPoolOptions;

/// The connection pool every layer shares; the web layer names it through
/// here so that it never depends on sqlx itself.
pub type Pool = PgPool;

pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// Builds a pool that connects on demand, so the app starts and keeps running
/// while the database is away, and recovers by itself when it returns.
pub fn pool(database_url: &str, max_connections: u32) -> Result<PgPool, sqlx::Error> {
    PgPoolOptions::new()
        .max_connections(max_connections)
        .acquire_timeout(Duration::from_secs(3))
        .connect_lazy(database_url)
}

/// A small pool beside `main`, with the same settings, for background writers:
/// under a burst every request waits for a connection of the main pool in
/// turn, and a writer's batch must not wait behind all of them.
pub fn side_pool(main: &PgPool, max_connections: u32) -> PgPool {
    PgPoolOptions::new()
        .max_connections(max_connections)
        .acquire_timeout(Duration::from_secs(3))
        .connect_lazy_with((*main.connect_options()).clone())
}

pub async fn migrate(pool: &PgPool) -> Result<(), sqlx::migrate::MigrateError> {
    MIGRATOR.run(pool).await
}

/// The storage layer's error: either the database can't be reached right now
/// (a 503 for users), or something is genuinely wrong (a logged 500).
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("database unavailable")]
    Unavailable(#[source] sqlx::Error),
    #[error("database error")]
    Query(#[source] sqlx::Error),
    /// The database refused a value (SQLSTATE class 22: a NUL byte in text, a
    /// number out of range): the request's fault, not the server's.
    #[error("the database refused a value")]
    BadInput(#[source] sqlx::Error),
    #[error("stored data is inconsistent: {0}")]
    Corrupt(String),
}

impl From<sqlx::Error> for DbError {
    fn from(e: sqlx::Error) -> Self {
        if is_connectivity(&e) {
            DbError::Unavailable(e)
        } else if matches!(&e, sqlx::Error::Database(db) if db.code().is_some_and(|c| c.starts_with("22"))) {
            DbError::BadInput(e)
        } else {
            DbError::Query(e)
        }
    }
}

pub fn is_connectivity(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) | sqlx::Error::Tls(_) => true,
        // 57P01 admin_shutdown, 57P03 cannot_connect_now, 08xxx connection exceptions.
        sqlx::Error::Database(db) => db
            .code()
            .is_some_and(|c| c == "57P01" || c == "57P03" || c.starts_with("08")),
        _ => false,
    }
}

pub fn is_unique_violation(e: &sqlx::Error, constraint: &str) -> bool {
    matches!(e, sqlx::Error::Database(db)
        if db.code().as_deref() == Some("23505") && db.constraint() == Some(constraint))
}

/// True when a trivial query succeeds within a short time.
pub async fn is_reachable(pool: &PgPool) -> bool {
    matches!(
        tokio::time::timeout(
            Duration::from_secs(2),
            sqlx::query_scalar!("select 1 as alive").fetch_one(pool)
        )
        .await,
        Ok(Ok(_))
    )
}

/// What `/healthz` reports about the database.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Health {
    /// Answers and takes writes.
    Ok,
    /// Answers, but refuses writes (read-only transaction or a standby).
    ReadOnly,
    /// Refuses writes for another reason (disk full, permissions…).
    WritesFailing,
    Unreachable,
}

/// Writes one row to prove the database takes writes, within two seconds.
pub async fn health(pool: &PgPool) -> Health {
    let write = sqlx::query!(
        "insert into health_probe (id, checked_at) values (1, now())
         on conflict (id) do update set checked_at = excluded.checked_at",
    )
    .execute(pool);
    match tokio::time::timeout(Duration::from_secs(2), write).await {
        Ok(Ok(_)) => Health::Ok,
        Ok(Err(sqlx::Error::Database(e))) if e.code().as_deref() == Some("25006") => Health::ReadOnly,
        Ok(Err(sqlx::Error::Database(e))) => {
            tracing::warn!(error = %e, "the health check's write failed");
            Health::WritesFailing
        }
        Ok(Err(_)) | Err(_) => Health::Unreachable,
    }
}

/// A closed set stored as a `text` column: one `as_str`/`parse` pair per enum,
/// and sqlx encodes and decodes it through them, so a row that holds a value
/// outside the set is a decode error where it is read, never a stray string.
#[macro_export]
macro_rules! text_enum {
    ($(#[$meta:meta])* $vis:vis enum $name:ident { $($(#[$vmeta:meta])* $variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        $vis enum $name { $($(#[$vmeta])* $variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            pub fn parse(s: &str) -> Option<Self> {
                match s { $($text => Some($name::$variant),)+ _ => None }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        $crate::text_column!($name);
    };
}

/// Stores an enum that already has `as_str` and `parse` as a `text` column.
#[macro_export]
macro_rules! text_column {
    ($name:ty) => {
        impl sqlx::Type<sqlx::Postgres> for $name {
            fn type_info() -> sqlx::postgres::PgTypeInfo {
                <&str as sqlx::Type<sqlx::Postgres>>::type_info()
            }
            fn compatible(ty: &sqlx::postgres::PgTypeInfo) -> bool {
                <&str as sqlx::Type<sqlx::Postgres>>::compatible(ty)
            }
        }

        impl<'q> sqlx::Encode<'q, sqlx::Postgres> for $name {
            fn encode_by_ref(
                &self,
                buf: &mut sqlx::postgres::PgArgumentBuffer,
            ) -> Result<sqlx::encode::IsNull, sqlx::error::BoxDynError> {
                <&str as sqlx::Encode<sqlx::Postgres>>::encode(self.as_str(), buf)
            }
        }

        impl<'r> sqlx::Decode<'r, sqlx::Postgres> for $name {
            fn decode(value: sqlx::postgres::PgValueRef<'r>) -> Result<Self, sqlx::error::BoxDynError> {
                let s = <&str as sqlx::Decode<sqlx::Postgres>>::decode(value)?;
                Self::parse(s).ok_or_else(|| format!("`{s}` is not a {}", stringify!($name)).into())
            }
        }
    };
}
