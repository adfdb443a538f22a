//! Builds and runs the application. Tests use the same path on port 0.

use std::net::TcpListener;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use actix_session::SessionMiddleware;
use actix_session::config::{PersistentSession, TtlExtensionPolicy};
use actix_web::cookie::SameSite;
use actix_web::dev::{Server, ServerHandle};
use actix_web::middleware::from_fn;
use actix_web::{App, HttpServer, web};
use sqlx::PgPool;
use tracing_actix_web::TracingLogger;

use crate::configuration::Settings;
use crate::exam::saver::{Saver, Writers};
use crate::exam::starter::Starter;
use crate::session_store::PgSessionStore;
use crate::web::{self as http, AppState, csrf, middleware};

/// How long a session lives after its last change.
const SESSION_TTL_DAYS: i64 = 14;
const SESSION_COOKIE: &str = "examdrill_session";
const PURGE_EVERY: Duration = Duration::from_secs(600);
const EXPIRE_EVERY: Duration = Duration::from_secs(15);
const KEEP_ALIVE: Duration = Duration::from_secs(75);

pub struct Application {
    port: u16,
    server: Server,
    pool: PgPool,
    writers: Writers,
    draining: Arc<AtomicBool>,
    drain: Duration,
    shutdown_timeout: Duration,
    stop: Arc<tokio::sync::Notify>,
    /// The purge and expiry loops, ended with the server.
    background: Vec<tokio::task::JoinHandle<()>>,
}

/// Starts the same drain and graceful stop as SIGTERM, for one instance
/// among several in a process (the cluster benchmark restarts them in turn).
#[derive(Clone)]
pub struct Stopper(Arc<tokio::sync::Notify>);

impl Stopper {
    pub fn stop(&self) {
        self.0.notify_one();
    }
}

impl Application {
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        let pool = crate::db::pool(&settings.database_url, settings.db_pool_size)?;
        crate::db::migrate(&pool).await?;
        if let Some(dir) = &settings.seed_bank {
            seed(&pool, dir).await?;
        }
        crate::accounts::password::warm_up();
        let listener = TcpListener::bind(&settings.bind)?;
        let port = listener.local_addr()?.port();
        let background = vec![spawn_purge_task(pool.clone()), spawn_expiry_task(pool.clone())];
        let (saver, mut writers) = Saver::spawn(pool.clone());
        let (starter, start_writers) = Starter::spawn(&pool);
        writers.extend(start_writers);
        let draining = Arc::new(AtomicBool::new(false));
        let (drain, shutdown_timeout) = (settings.drain, settings.shutdown_timeout);
        let server = run(listener, pool.clone(), settings, (saver, starter), draining.clone())?;
        Ok(Self {
            port,
            server,
            pool,
            writers,
            draining,
            drain,
            shutdown_timeout,
            stop: Arc::default(),
            background,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    pub fn handle(&self) -> ServerHandle {
        self.server.handle()
    }

    pub fn stopper(&self) -> Stopper {
        Stopper(self.stop.clone())
    }

    /// Serves until stopped. On SIGTERM, Ctrl-C or [`Stopper::stop`]: `/healthz` reports
    /// "draining" for the drain period while requests are still served, then
    /// the server stops accepting and gives in-flight requests the shutdown
    /// timeout; last, the answer writers write out what is queued.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let handle = self.server.handle();
        let (draining, drain, stop) = (self.draining.clone(), self.drain, self.stop.clone());
        let signals = tokio::spawn(async move {
            tokio::select! {
                _ = stop_signal() => {}
                _ = stop.notified() => {}
            }
            draining.store(true, Ordering::SeqCst);
            tracing::info!(
                drain_secs = drain.as_secs(),
                "stopping: draining before closing the listener"
            );
            tokio::time::sleep(drain).await;
            handle.stop(true).await;
        });
        let served = self.server.await;
        signals.abort();
        // Every save a student was told about is committed by now (its
        // request waited for it); this writes out any queued whose request went away.
        if !self.writers.finish(self.shutdown_timeout).await {
            tracing::warn!("the answer writers did not finish in time; unacknowledged saves may be lost");
        }
        // An instance stopped inside a longer-lived process (tests, the
        // cluster benchmark) must give its database connections back.
        for task in self.background {
            task.abort();
        }
        self.pool.close().await;
        tracing::info!("stopped");
        served
    }
}

async fn seed(pool: &PgPool, dir: &std::path::Path) -> anyhow::Result<()> {
    match crate::bank::seed::seed_if_empty(pool, dir).await? {
        Some(report) => tracing::info!(
            questions = report.added.len(),
            from = %dir.display(),
            "the bank was empty: loaded the shipped question bank"
        ),
        None => tracing::debug!("the bank already has content; not seeding"),
    }
    Ok(())
}

/// Deletes expired sessions, stale login failures and unconfirmed uploads in the background.
fn spawn_purge_task(pool: PgPool) -> tokio::task::JoinHandle<()> {
    let store = PgSessionStore::new(pool.clone());
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(PURGE_EVERY);
        loop {
            tick.tick().await;
            if let Err(e) = store.delete_expired().await {
                tracing::warn!(error = %e, "purging expired sessions failed; will retry");
            }
            if let Err(e) = crate::accounts::throttle::purge(&pool).await {
                tracing::warn!(error = %e, "purging login failures failed; will retry");
            }
            if let Err(e) = crate::bank::store::purge_uploads(&pool).await {
                tracing::warn!(error = %e, "purging unconfirmed uploads failed; will retry");
            }
        }
    })
}

/// Grades attempts whose time ran out, whether or not the student is still there,
/// and adds any graded attempt not yet in the item statistics.
fn spawn_expiry_task(pool: PgPool) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(EXPIRE_EVERY);
        loop {
            tick.tick().await;
            match crate::exam::store::finalize_expired(&pool).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(attempts = n, "finalized expired attempts"),
                Err(e) => tracing::warn!(error = %e, "finalizing expired attempts failed; will retry"),
            }
            match crate::stats::store::catch_up(&pool).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(attempts = n, "added graded attempts to the item statistics"),
                Err(e) => tracing::warn!(error = %e, "updating the item statistics failed; will retry"),
            }
        }
    })
}

/// SIGTERM (a service manager, a rolling deploy) or Ctrl-C.
async fn stop_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = term.recv() => {}
                    _ = tokio::signal::ctrl_c() => {}
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, "cannot listen for SIGTERM; stopping on Ctrl-C only");
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

fn run(
    listener: TcpListener,
    pool: PgPool,
    settings: Settings,
    (saver, starter): (Saver, Starter),
    draining: Arc<AtomicBool>,
) -> anyhow::Result<Server> {
    let state = web::Data::new(AppState {
        pool: pool.clone(),
        cookie_secure: settings.cookie_secure,
        save_key: settings.cookie_key.signing().to_vec(),
        saver,
        starter,
        draining,
        catalog: Default::default(),
        trusted_proxies: settings.trusted_proxies.clone(),
        body_timeout: settings.body_timeout,
        upload_parse_limit: settings.upload_parse_limit,
    });
    let store = PgSessionStore::batched(pool);
    let key = settings.cookie_key.clone();
    let secure = settings.cookie_secure;
    let server = HttpServer::new(move || {
        let sessions = SessionMiddleware::builder(store.clone(), key.clone())
            .cookie_name(SESSION_COOKIE.to_owned())
            .cookie_http_only(true)
            .cookie_same_site(SameSite::Lax)
            .cookie_secure(secure)
            .session_lifecycle(
                PersistentSession::default()
                    .session_ttl(actix_web::cookie::time::Duration::days(SESSION_TTL_DAYS))
                    .session_ttl_extension_policy(TtlExtensionPolicy::OnStateChanges),
            )
            .build();
        // Listed innermost first: a request meets TracingLogger first.
        App::new()
            .app_data(state.clone())
            .app_data(web::FormConfig::default().limit(middleware::MAX_FORM_BYTES))
            // Autosave authenticates with its signed token (which also stands in
            // for the CSRF token), so it skips the session lookup entirely.
            .service(
                web::resource("/attempts/{id}/save")
                    .route(web::post().to(http::exams::autosave))
                    .wrap(from_fn(middleware::language)),
            )
            .service(
                web::scope("")
                    .configure(http::routes)
                    .default_service(web::to(http::pages::not_found))
                    .wrap(from_fn(middleware::strict_text))
                    .wrap(from_fn(csrf::middleware))
                    .wrap(from_fn(middleware::language))
                    .wrap(sessions),
            )
            .wrap(from_fn(middleware::error_pages))
            .wrap(from_fn(middleware::body_deadline))
            .wrap(middleware::security_headers())
            .wrap(TracingLogger::default())
    })
    // Students pause between questions for longer than actix's 5 s default;
    // a closed idle connection means a new handshake per page, and a request
    // racing the close fails in clients that don't retry.
    .keep_alive(KEEP_ALIVE)
    // `run_until_stopped` handles the signals, so that it can drain first.
    .disable_signals()
    .shutdown_timeout(settings.shutdown_timeout.as_secs())
    .listen(listener)?
    .run();
    Ok(server)
}
