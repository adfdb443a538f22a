//! Accounts: registration, authentication with throttling, password changes
//! and roles. Knows nothing of HTTP.

pub mod password;
pub mod throttle;
mod types;

use sqlx::PgPool;
use time::OffsetDateTime;

pub use types::{DisplayName, Email, InputError, Password, Role, UserId};

use crate::db::{DbError, is_unique_violation};

/// A user as the rest of the app sees it: never carries the password hash.
#[derive(Debug, Clone)]
pub struct User {
    pub id: UserId,
    pub email: String,
    pub display_name: String,
    pub role: Role,
    pub locale: Option<String>,
    pub created_at: OffsetDateTime,
    /// Moves on when every session of the user must end (password or role
    /// change); tokens issued under an older epoch stop working.
    pub session_epoch: i32,
}

struct UserRow {
    id: UserId,
    email: String,
    display_name: String,
    role: String,
    locale: Option<String>,
    created_at: OffsetDateTime,
    session_epoch: i32,
}

impl TryFrom<UserRow> for User {
    type Error = DbError;
    fn try_from(r: UserRow) -> Result<Self, DbError> {
        Ok(User {
            id: r.id,
            email: r.email,
            display_name: r.display_name,
            role: Role::try_from(r.role.as_str())
                .map_err(|_| DbError::Corrupt(format!("user {} has unknown role {:?}", r.id, r.role)))?,
            locale: r.locale,
            created_at: r.created_at,
            session_epoch: r.session_epoch,
        })
    }
}

#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    #[error("an account with this email already exists")]
    EmailTaken,
    #[error("email or password is incorrect")]
    InvalidCredentials,
    #[error("too many failed logins; retry in {retry_after_secs} s")]
    Throttled { retry_after_secs: u64 },
    #[error("user not found")]
    NotFound,
    #[error(transparent)]
    Db(#[from] DbError),
    #[error(transparent)]
    Hash(#[from] password::HashError),
}

impl From<sqlx::Error> for AccountError {
    fn from(e: sqlx::Error) -> Self {
        AccountError::Db(e.into())
    }
}

pub struct NewUser {
    pub email: Email,
    pub display_name: DisplayName,
    pub password: Password,
    pub role: Role,
}

/// Signs the user out everywhere, inside the caller's transaction: their
/// session rows go, and the epoch that autosave tokens carry moves on. The
/// session store never re-creates a deleted session, so a request that was
/// in flight cannot bring one back.
async fn end_all_sessions(tx: &mut sqlx::PgConnection, id: UserId) -> Result<u64, AccountError> {
    sqlx::query!(
        "update users set session_epoch = session_epoch + 1 where id = $1",
        id as UserId
    )
    .execute(&mut *tx)
    .await?;
    Ok(
        sqlx::query!("delete from tower_sessions.session where user_id = $1", id as UserId)
            .execute(&mut *tx)
            .await?
            .rows_affected(),
    )
}

/// Moves the user's epoch on, so every autosave token issued so far stops
/// working (sign-out: the exam pages a signed-out browser still shows must not
/// keep saving). Sessions on other devices stay; their pages fall back to the
/// form post, which brings a fresh token.
pub async fn revoke_save_tokens(pool: &PgPool, id: UserId) -> Result<(), AccountError> {
    sqlx::query!(
        "update users set session_epoch = session_epoch + 1 where id = $1",
        id as UserId
    )
    .execute(pool)
    .await?;
    Ok(())
}

#[tracing::instrument(skip_all, fields(role = %new.role))]
pub async fn register(pool: &PgPool, new: NewUser) -> Result<User, AccountError> {
    let hash = password::hash(new.password).await?;
    let row = sqlx::query_as!(
        UserRow,
        r#"insert into users (id, email, display_name, password_hash, role) values ($1, $2, $3, $4, $5)
           returning id as "id: UserId", email, display_name, role, locale, created_at, session_epoch"#,
        UserId::new() as UserId,
        new.email.as_str(),
        new.display_name.as_str(),
        hash,
        new.role.as_str(),
    )
    .fetch_one(pool)
    .await
    .map_err(|e| {
        if is_unique_violation(&e, "users_email_key") {
            AccountError::EmailTaken
        } else {
            e.into()
        }
    })?;
    Ok(row.try_into()?)
}

/// Checks a login. Unknown emails run the same argon2 work as wrong passwords
/// and produce the same error. Failures are counted per email and per IP.
#[tracing::instrument(skip_all)]
pub async fn authenticate(pool: &PgPool, email: &str, candidate: String, ip: &str) -> Result<User, AccountError> {
    let email_key = email.trim().to_lowercase();
    let attempt = throttle::begin(pool, &email_key, ip).await?;

    let stored = sqlx::query!(
        r#"select id as "id: UserId", password_hash from users where lower(email) = $1"#,
        email_key
    )
    .fetch_optional(pool)
    .await?;
    let (id, hash) = match stored {
        Some(s) => (Some(s.id), Some(s.password_hash)),
        None => (None, None),
    };
    let ok = password::verify(candidate, hash).await?;
    match (ok, id) {
        (true, Some(id)) => {
            throttle::succeeded(pool, attempt, &email_key, ip).await?;
            find(pool, id).await?.ok_or(AccountError::NotFound)
        }
        // The attempt stays recorded: it was a failure.
        _ => Err(AccountError::InvalidCredentials),
    }
}

pub async fn find(pool: &PgPool, id: UserId) -> Result<Option<User>, AccountError> {
    let row = sqlx::query_as!(
        UserRow,
        r#"select id as "id: UserId", email, display_name, role, locale, created_at, session_epoch
           from users where id = $1"#,
        id as UserId
    )
    .fetch_optional(pool)
    .await?;
    Ok(row.map(User::try_from).transpose()?)
}

pub async fn find_by_email(pool: &PgPool, email: &Email) -> Result<Option<User>, AccountError> {
    let row = sqlx::query_as!(
        UserRow,
        r#"select id as "id: UserId", email, display_name, role, locale, created_at, session_epoch
           from users where lower(email) = $1"#,
        email.key()
    )
    .fetch_optional(pool)
    .await?;
    Ok(row.map(User::try_from).transpose()?)
}

pub async fn list(pool: &PgPool, role: Option<Role>) -> Result<Vec<User>, AccountError> {
    let rows = sqlx::query_as!(
        UserRow,
        r#"select id as "id: UserId", email, display_name, role, locale, created_at, session_epoch
           from users where $1::text is null or role = $1 order by created_at, email"#,
        role.map(Role::as_str)
    )
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().map(User::try_from).collect::<Result<_, _>>()?)
}

/// Changes a password after checking the current one.
#[tracing::instrument(skip_all, fields(user_id = %id))]
pub async fn change_password(pool: &PgPool, id: UserId, current: String, new: Password) -> Result<(), AccountError> {
    let stored = sqlx::query_scalar!("select password_hash from users where id = $1", id as UserId)
        .fetch_optional(pool)
        .await?;
    let stored = stored.ok_or(AccountError::NotFound)?;
    if !password::verify(current, Some(stored)).await? {
        return Err(AccountError::InvalidCredentials);
    }
    let hash = password::hash(new).await?;
    let mut tx = pool.begin().await?;
    sqlx::query!(
        "update users set password_hash = $2, updated_at = now() where id = $1",
        id as UserId,
        hash
    )
    .execute(&mut *tx)
    .await?;
    let ended = end_all_sessions(&mut tx, id).await?;
    tracing::info!(sessions = ended, "password changed; ended the account's sessions");
    audit(
        &mut *tx,
        Some(id),
        "user.password_changed",
        &id.to_string(),
        serde_json::json!({}),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Sets a user's role; `actor` is `None` when done from the command line.
#[tracing::instrument(skip(pool))]
pub async fn set_role(pool: &PgPool, actor: Option<UserId>, target: UserId, role: Role) -> Result<(), AccountError> {
    let mut tx = pool.begin().await?;
    let old = sqlx::query_scalar!("select role from users where id = $1 for update", target as UserId)
        .fetch_optional(&mut *tx)
        .await?;
    let old = old.ok_or(AccountError::NotFound)?;
    sqlx::query!(
        "update users set role = $2, updated_at = now() where id = $1",
        target as UserId,
        role.as_str()
    )
    .execute(&mut *tx)
    .await?;
    // Sessions carry what the role allowed when they were made; end them.
    if old != role.as_str() {
        end_all_sessions(&mut tx, target).await?;
    }
    audit(
        &mut *tx,
        actor,
        "user.role_changed",
        &target.to_string(),
        serde_json::json!({ "from": old, "to": role.as_str() }),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

pub async fn set_locale(pool: &PgPool, id: UserId, locale: &str) -> Result<(), AccountError> {
    sqlx::query!(
        "update users set locale = $2, updated_at = now() where id = $1",
        id as UserId,
        locale
    )
    .execute(pool)
    .await?;
    Ok(())
}

/// Appends to the audit trail inside the caller's transaction.
pub async fn audit(
    conn: impl sqlx::PgExecutor<'_>,
    actor: Option<UserId>,
    action: &str,
    target: &str,
    detail: serde_json::Value,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "insert into audit_log (actor_id, action, target, detail) values ($1, $2, $3, $4)",
        actor as Option<UserId>,
        action,
        target,
        detail
    )
    .execute(conn)
    .await?;
    Ok(())
}
