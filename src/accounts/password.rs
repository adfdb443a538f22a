//! Password hashing: argon2id with the OWASP-recommended parameters
//! (m = 19 MiB, t = 2, p = 1), always on a blocking thread.

use std::sync::LazyLock;

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString, rand_core::OsRng};
use argon2::{Algorithm, Argon2, Params, Version};

use super::Password;

#[derive(Debug, thiserror::Error)]
pub enum HashError {
    #[error("password hashing failed: {0}")]
    Hash(argon2::password_hash::Error),
    #[error("hashing task failed")]
    Join(#[from] tokio::task::JoinError),
    #[error("too many password checks are waiting")]
    Busy,
}

/// Each argon2 run holds 19 MiB. Running more of them at once than there are
/// cores makes nothing faster and lets a burst of logins take gigabytes, so
/// they queue for one of these permits.
static HASHING: LazyLock<tokio::sync::Semaphore> = LazyLock::new(|| {
    let cores = std::thread::available_parallelism().map_or(2, std::num::NonZeroUsize::get);
    tokio::sync::Semaphore::new(cores)
});

/// How long a request waits for a permit before it is told to come back.
const QUEUE_WAIT: std::time::Duration = std::time::Duration::from_secs(20);

async fn permit() -> Result<tokio::sync::SemaphorePermit<'static>, HashError> {
    match tokio::time::timeout(QUEUE_WAIT, HASHING.acquire()).await {
        Ok(Ok(p)) => Ok(p),
        _ => Err(HashError::Busy),
    }
}

fn hasher() -> Argon2<'static> {
    // The parameters are constants known to be valid, so this cannot fail at run time.
    let params = Params::new(19 * 1024, 2, 1, None).unwrap_or_default();
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// A hash of a random password, verified against when the email is unknown so
/// that a miss costs the same work as a wrong password.
static DUMMY_HASH: LazyLock<String> = LazyLock::new(|| {
    let salt = SaltString::generate(&mut OsRng);
    let random = uuid::Uuid::new_v4().to_string();
    hasher()
        .hash_password(random.as_bytes(), &salt)
        .map(|h| h.to_string())
        .unwrap_or_default()
});

/// Computes the dummy hash ahead of the first login so its cost doesn't land on a request.
pub fn warm_up() {
    LazyLock::force(&DUMMY_HASH);
}

pub async fn hash(password: Password) -> Result<String, HashError> {
    let span = tracing::Span::current();
    let _permit = permit().await?;
    tokio::task::spawn_blocking(move || {
        let _enter = span.enter();
        let salt = SaltString::generate(&mut OsRng);
        hasher()
            .hash_password(password.expose().as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(HashError::Hash)
    })
    .await?
}

/// Checks `candidate` against `stored`, or against the dummy hash when there is
/// no stored hash; in that case the answer is always `false`.
pub async fn verify(candidate: String, stored: Option<String>) -> Result<bool, HashError> {
    let span = tracing::Span::current();
    let _permit = permit().await?;
    tokio::task::spawn_blocking(move || {
        let _enter = span.enter();
        let known = stored.is_some();
        let phc = stored.unwrap_or_else(|| DUMMY_HASH.clone());
        let parsed = PasswordHash::new(&phc).map_err(HashError::Hash)?;
        let ok = hasher().verify_password(candidate.as_bytes(), &parsed).is_ok();
        Ok(known && ok)
    })
    .await?
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_are_argon2id_and_verify() {
        let h = hash(Password::parse("correct horse battery".into()).unwrap())
            .await
            .unwrap();
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{h}");
        assert!(verify("correct horse battery".into(), Some(h.clone())).await.unwrap());
        assert!(!verify("wrong horse battery".into(), Some(h)).await.unwrap());
    }

    #[tokio::test]
    async fn unknown_user_never_verifies() {
        assert!(!verify(String::new(), None).await.unwrap());
    }
}
