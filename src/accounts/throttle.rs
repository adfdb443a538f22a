//! Login throttling, kept in PostgreSQL so that every app instance sharing the
//! database sees the same counts.

use sqlx::PgPool;

use super::AccountError;

/// Failures per account within [`WINDOW_SECS`] before further attempts are refused.
pub const MAX_PER_ACCOUNT: i64 = 5;
/// Failures per client IP within [`WINDOW_SECS`]; higher, since one IP may be a shared NAT.
pub const MAX_PER_IP: i64 = 20;
pub const WINDOW_SECS: i64 = 15 * 60;

pub async fn check(pool: &PgPool, email_key: &str, ip: &str) -> Result<(), AccountError> {
    // Oldest failure in the window decides when the caller may retry.
    let (by_email, by_ip, oldest_email, oldest_ip): (i64, i64, Option<f64>, Option<f64>) = sqlx::query_as(
        "select
            count(*) filter (where email_key = $1),
            count(*) filter (where ip = $2),
            extract(epoch from (min(at) filter (where email_key = $1) + make_interval(secs => $3) - now()))::float8,
            extract(epoch from (min(at) filter (where ip = $2) + make_interval(secs => $3) - now()))::float8
         from login_failures
         where (email_key = $1 or ip = $2) and at > now() - make_interval(secs => $3)",
    )
    .bind(email_key)
    .bind(ip)
    .bind(WINDOW_SECS as f64)
    .fetch_one(pool)
    .await?;
    let wait = if by_email >= MAX_PER_ACCOUNT {
        oldest_email
    } else if by_ip >= MAX_PER_IP {
        oldest_ip
    } else {
        return Ok(());
    };
    Err(AccountError::Throttled {
        retry_after_secs: wait.unwrap_or(WINDOW_SECS as f64).ceil().max(1.0) as u64,
    })
}

pub async fn record_failure(pool: &PgPool, email_key: &str, ip: &str) -> Result<(), AccountError> {
    sqlx::query("insert into login_failures (email_key, ip) values ($1, $2)")
        .bind(email_key)
        .bind(ip)
        .execute(pool)
        .await?;
    Ok(())
}

pub async fn clear(pool: &PgPool, email_key: &str) -> Result<(), AccountError> {
    sqlx::query("delete from login_failures where email_key = $1")
        .bind(email_key)
        .execute(pool)
        .await?;
    Ok(())
}

/// Drops failures that can no longer count towards a limit.
pub async fn purge(pool: &PgPool) -> Result<u64, sqlx::Error> {
    let r = sqlx::query("delete from login_failures where at < now() - make_interval(secs => $1)")
        .bind(WINDOW_SECS as f64)
        .execute(pool)
        .await?;
    Ok(r.rows_affected())
}
