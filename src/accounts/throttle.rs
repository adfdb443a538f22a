//! Login throttling, kept in PostgreSQL so that every app instance sharing the
//! database sees the same counts.
//!
//! Every attempt is recorded *before* the password is checked, by one
//! statement that also decides whether the attempt may proceed, under an
//! advisory lock on the account: forty concurrent guesses get five tries,
//! not forty. A correct password removes its own record afterwards.
//!
//! The limits (docs/security.md):
//! - per (account, address): [`MAX_PER_PAIR`] attempts in [`WINDOW_SECS`];
//! - per address, over all accounts: [`MAX_PER_IP`] (higher: one address may be a school's NAT);
//! - per account, over all addresses: [`MAX_PER_ACCOUNT`], a slow-down against
//!   distributed guessing that never applies to an address the account has
//!   signed in from before, so an attacker cannot lock the owner out.

use sqlx::PgPool;

use super::AccountError;

pub const MAX_PER_PAIR: i64 = 5;
pub const MAX_PER_IP: i64 = 20;
pub const MAX_PER_ACCOUNT: i64 = 50;
pub const WINDOW_SECS: i64 = 15 * 60;

/// A recorded attempt; it counts as a failure unless [`succeeded`] takes it back.
#[derive(Debug)]
pub struct Attempt {
    id: i64,
}

struct Decision {
    id: Option<i64>,
    retry_after: Option<f64>,
}

/// Records a login attempt if the limits allow it; refuses it otherwise.
pub async fn begin(pool: &PgPool, email_key: &str, ip: &str) -> Result<Attempt, AccountError> {
    let mut tx = pool.begin().await?;
    // Serialises attempts on one account, so counting and recording are one step.
    sqlx::query!(
        "select pg_advisory_xact_lock(hashtextextended('login:' || $1::text, 0))",
        email_key
    )
    .execute(&mut *tx)
    .await?;
    let d = sqlx::query_as!(
        Decision,
        "with w as (
            select count(*) filter (where email_key = $1 and ip = $2) as pair,
                   count(*) filter (where ip = $2) as by_ip,
                   count(*) filter (where email_key = $1) as by_account,
                   min(at) filter (where email_key = $1 and ip = $2) as oldest_pair,
                   min(at) filter (where ip = $2) as oldest_ip,
                   min(at) filter (where email_key = $1) as oldest_account
            from login_failures
            where (email_key = $1 or ip = $2) and at > now() - make_interval(secs => $3)
        ), known as (
            select exists (select 1 from login_known_addresses where email_key = $1 and ip = $2) as known
        ), ins as (
            insert into login_failures (email_key, ip)
            select $1, $2 from w, known
            where w.pair < $4 and w.by_ip < $5 and (known.known or w.by_account < $6)
            returning id
        )
        select (select id from ins) as id,
               extract(epoch from (case
                   when w.pair >= $4 then w.oldest_pair
                   when w.by_ip >= $5 then w.oldest_ip
                   else w.oldest_account end) + make_interval(secs => $3) - now())::float8 as retry_after
        from w",
        email_key,
        ip,
        WINDOW_SECS as f64,
        MAX_PER_PAIR,
        MAX_PER_IP,
        MAX_PER_ACCOUNT,
    )
    .fetch_one(&mut *tx)
    .await?;
    tx.commit().await?;
    match d.id {
        Some(id) => Ok(Attempt { id }),
        None => Err(AccountError::Throttled {
            retry_after_secs: d.retry_after.unwrap_or(WINDOW_SECS as f64).ceil().max(1.0) as u64,
        }),
    }
}

/// The password was right: the attempt does not count, the pair's earlier
/// failures are forgiven, and the address becomes a known one.
pub async fn succeeded(pool: &PgPool, attempt: Attempt, email_key: &str, ip: &str) -> Result<(), AccountError> {
    let mut tx = pool.begin().await?;
    sqlx::query!(
        "delete from login_failures where id = $1 or (email_key = $2 and ip = $3)",
        attempt.id,
        email_key,
        ip
    )
    .execute(&mut *tx)
    .await?;
    sqlx::query!(
        "insert into login_known_addresses (email_key, ip) values ($1, $2)
         on conflict (email_key, ip) do update set at = now()",
        email_key,
        ip
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Records a registration or password-change attempt from `ip` and refuses
/// it past `max` per window, in one statement under a per-address lock.
pub async fn limit_action(pool: &PgPool, action: &str, ip: &str, max: i64) -> Result<(), AccountError> {
    let mut tx = pool.begin().await?;
    sqlx::query!(
        "select pg_advisory_xact_lock(hashtextextended($1::text || ':' || $2::text, 0))",
        action,
        ip
    )
    .execute(&mut *tx)
    .await?;
    let d = sqlx::query_as!(
        Decision,
        "with w as (
            select count(*) as n, min(at) as oldest from action_attempts
            where action = $1 and ip = $2 and at > now() - make_interval(secs => $3)
        ), ins as (
            insert into action_attempts (action, ip) select $1, $2 from w where w.n < $4 returning id
        )
        select (select id from ins) as id,
               extract(epoch from (w.oldest + make_interval(secs => $3) - now()))::float8 as retry_after
        from w",
        action,
        ip,
        WINDOW_SECS as f64,
        max,
    )
    .fetch_one(&mut *tx)
    .await?;
    tx.commit().await?;
    match d.id {
        Some(_) => Ok(()),
        None => Err(AccountError::Throttled {
            retry_after_secs: d.retry_after.unwrap_or(WINDOW_SECS as f64).ceil().max(1.0) as u64,
        }),
    }
}

/// Drops attempts that can no longer count towards a limit.
pub async fn purge(pool: &PgPool) -> Result<u64, sqlx::Error> {
    let a = sqlx::query!(
        "delete from login_failures where at < now() - make_interval(secs => $1)",
        WINDOW_SECS as f64
    )
    .execute(pool)
    .await?;
    let b = sqlx::query!(
        "delete from action_attempts where at < now() - make_interval(secs => $1)",
        WINDOW_SECS as f64
    )
    .execute(pool)
    .await?;
    Ok(a.rows_affected() + b.rows_affected())
}
