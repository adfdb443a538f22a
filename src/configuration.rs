//! Settings, read from environment variables by the CLI (see README) and
//! built directly by tests.

use std::path::{Path, PathBuf};

use actix_web::cookie::Key;
use anyhow::Context;
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;

#[derive(Clone)]
pub struct Settings {
    pub bind: String,
    pub database_url: String,
    pub db_pool_size: u32,
    pub cookie_key: Key,
    pub cookie_secure: bool,
    pub data_dir: PathBuf,
    /// Bank files to load when the database holds no bank at all (first run).
    pub seed_bank: Option<PathBuf>,
    /// Reverse proxies whose `X-Forwarded-For` header is believed.
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// How long a client may take to send a request body before it gets a 408.
    pub body_timeout: std::time::Duration,
    /// How long an upload's files may take to read before the reading is
    /// stopped and the instructor told so.
    pub upload_parse_limit: std::time::Duration,
    /// On SIGTERM, how long `/healthz` says "draining" before the server stops
    /// accepting, so a load balancer moves new requests elsewhere first.
    pub drain: std::time::Duration,
    /// Then how long in-flight requests (and the saves they wait on) may take.
    pub shutdown_timeout: std::time::Duration,
}

impl std::fmt::Debug for Settings {
    // Hand-written so the database password and the cookie key never reach a log.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Settings")
            .field("bind", &self.bind)
            .field("db_pool_size", &self.db_pool_size)
            .field("cookie_secure", &self.cookie_secure)
            .field("data_dir", &self.data_dir)
            .field("seed_bank", &self.seed_bank)
            .field("trusted_proxies", &self.trusted_proxies)
            .field("body_timeout", &self.body_timeout)
            .field("upload_parse_limit", &self.upload_parse_limit)
            .field("drain", &self.drain)
            .field("shutdown_timeout", &self.shutdown_timeout)
            .finish_non_exhaustive()
    }
}

const KEY_FILE: &str = "cookie.key";

/// Uses the configured key, or the one stored in the data directory, or makes
/// and stores a new one, so sessions survive restarts without configuration.
pub fn load_or_create_cookie_key(configured: Option<&str>, data_dir: &Path) -> anyhow::Result<Key> {
    if let Some(b64) = configured.filter(|s| !s.trim().is_empty()) {
        let bytes = B64
            .decode(b64.trim())
            .context("EXAMDRILL_COOKIE_KEY is not valid base64")?;
        return Key::try_from(bytes.as_slice())
            .map_err(|_| anyhow::anyhow!("EXAMDRILL_COOKIE_KEY must decode to at least 64 bytes"));
    }
    let path = data_dir.join(KEY_FILE);
    if path.exists() {
        let text = std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
        let bytes = B64
            .decode(text.trim())
            .with_context(|| format!("{} is not valid base64", path.display()))?;
        return Key::try_from(bytes.as_slice())
            .map_err(|_| anyhow::anyhow!("{} holds fewer than 64 bytes", path.display()));
    }
    std::fs::create_dir_all(data_dir).with_context(|| format!("creating {}", data_dir.display()))?;
    let key = Key::generate();
    write_private(&path, &B64.encode(key.master()))?;
    tracing::info!(path = %path.display(), "generated a new cookie key");
    Ok(key)
}

fn write_private(path: &Path, contents: &str) -> anyhow::Result<()> {
    use std::io::Write;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts
        .open(path)
        .with_context(|| format!("creating {}", path.display()))?;
    f.write_all(contents.as_bytes())?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_key_is_stored_and_reused() {
        let dir = std::env::temp_dir().join(format!("examdrill-key-{}", uuid::Uuid::new_v4()));
        let a = load_or_create_cookie_key(None, &dir).unwrap();
        let b = load_or_create_cookie_key(None, &dir).unwrap();
        assert_eq!(a.master(), b.master());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn configured_key_must_be_long_enough() {
        let dir = std::env::temp_dir();
        assert!(load_or_create_cookie_key(Some(&B64.encode([1u8; 16])), &dir).is_err());
        let k = load_or_create_cookie_key(Some(&B64.encode([7u8; 64])), &dir).unwrap();
        assert_eq!(k.master(), &[7u8; 64]);
    }
}
