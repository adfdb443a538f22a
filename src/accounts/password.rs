//! Password hashing: argon2id with the OWASP-recommended parameters
//! (m = 19 MiB, t = 2, p = 1), always on a blocking thread.

use std::sync::LazyLock;

use argon2::password_hash::{Output, ParamsString, PasswordHash, PasswordHasher, SaltString, rand_core::OsRng};
use argon2::{Algorithm, Argon2, Block, Params, Version};

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

fn params() -> Params {
    // The parameters are constants known to be valid, so this cannot fail at run time.
    Params::new(19 * 1024, 2, 1, None).unwrap_or_default()
}

fn hasher() -> Argon2<'static> {
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params())
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

/// Argon2's working memory (19 MiB a run), kept and reused. Allocating it per
/// run let glibc keep every freed block in some thread's heap: a burst of
/// 1,000 logins left the process at ~900 MB although only two hashes ever ran
/// at once (`scripts/bench-logins`). Returning it to the OS on each free
/// instead made every hash pay for 19 MiB of fresh pages (2.5× slower). The
/// semaphore caps the runs, so this pool never holds more buffers than
/// permits.
static MEMORY: std::sync::Mutex<Vec<Vec<Block>>> = std::sync::Mutex::new(Vec::new());

fn with_memory<T>(blocks: usize, run: impl FnOnce(&mut [Block]) -> T) -> T {
    let mut buf = MEMORY.lock().ok().and_then(|mut pool| pool.pop()).unwrap_or_default();
    if buf.len() < blocks {
        buf.resize(blocks, Block::default());
    }
    let out = run(&mut buf[..blocks]);
    if let Ok(mut pool) = MEMORY.lock() {
        pool.push(buf);
    }
    out
}

/// The PHC string of `password` under `argon` with `salt`, computed in pooled memory.
fn hash_pooled(argon: &Argon2<'_>, params: &Params, password: &[u8], salt: &SaltString) -> Result<String, HashError> {
    let mut salt_buf = [0u8; 64];
    let salt_bytes = salt.as_salt().decode_b64(&mut salt_buf).map_err(HashError::Hash)?;
    let mut out = [0u8; Params::DEFAULT_OUTPUT_LEN];
    with_memory(params.block_count(), |mem| {
        argon.hash_password_into_with_memory(password, salt_bytes, &mut out, mem)
    })
    .map_err(|e| HashError::Hash(e.into()))?;
    let phc = PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(params).map_err(HashError::Hash)?,
        salt: Some(salt.as_salt()),
        hash: Some(Output::new(&out).map_err(HashError::Hash)?),
    };
    Ok(phc.to_string())
}

/// Whether `candidate` matches the PHC string `stored`, with the parameters
/// the stored hash was made with, computed in pooled memory.
fn verify_pooled(candidate: &[u8], stored: &PasswordHash<'_>) -> Result<bool, HashError> {
    let fail = |e: argon2::password_hash::Error| HashError::Hash(e);
    let algorithm = Algorithm::try_from(stored.algorithm).map_err(fail)?;
    let version = stored
        .version
        .map(Version::try_from)
        .transpose()
        .map_err(|e| HashError::Hash(e.into()))?
        .unwrap_or_default();
    let params = Params::try_from(stored).map_err(fail)?;
    let (Some(salt), Some(expected)) = (stored.salt, stored.hash) else {
        return Ok(false);
    };
    let mut salt_buf = [0u8; 64];
    let salt_bytes = salt.decode_b64(&mut salt_buf).map_err(fail)?;
    let mut out = vec![0u8; expected.len()];
    let argon = Argon2::new(algorithm, version, params.clone());
    with_memory(params.block_count(), |mem| {
        argon.hash_password_into_with_memory(candidate, salt_bytes, &mut out, mem)
    })
    .map_err(|e| HashError::Hash(e.into()))?;
    // Output's equality is constant-time.
    Ok(Output::new(&out).map_err(fail)? == expected)
}

pub async fn hash(password: Password) -> Result<String, HashError> {
    let span = tracing::Span::current();
    let _permit = permit().await?;
    tokio::task::spawn_blocking(move || {
        let _enter = span.enter();
        let salt = SaltString::generate(&mut OsRng);
        hash_pooled(&hasher(), &params(), password.expose().as_bytes(), &salt)
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
        let ok = verify_pooled(candidate.as_bytes(), &parsed)?;
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

    /// Hashes stored before the memory pool (made by the argon2 crate itself,
    /// with other parameters too) still verify, and ours verify in the crate.
    #[tokio::test]
    async fn pooled_hashing_agrees_with_the_argon2_crate() {
        use argon2::password_hash::PasswordVerifier;
        let salt = SaltString::generate(&mut OsRng);
        let old = hasher().hash_password(b"an older password", &salt).unwrap().to_string();
        assert!(verify("an older password".into(), Some(old.clone())).await.unwrap());
        assert!(!verify("an older passwore".into(), Some(old)).await.unwrap());
        let smaller = Argon2::new(
            Algorithm::Argon2id,
            Version::V0x13,
            Params::new(8 * 1024, 3, 1, None).unwrap(),
        );
        let other = smaller.hash_password(b"other params", &salt).unwrap().to_string();
        assert!(verify("other params".into(), Some(other)).await.unwrap());
        let ours = hash(Password::parse("made in the pool".into()).unwrap()).await.unwrap();
        let parsed = PasswordHash::new(&ours).unwrap();
        assert!(hasher().verify_password(b"made in the pool", &parsed).is_ok());
    }

    #[tokio::test]
    async fn unknown_user_never_verifies() {
        assert!(!verify(String::new(), None).await.unwrap());
    }
}
