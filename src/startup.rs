//! Builds and runs the application. Tests use the same path on port 0.

use std::net::TcpListener;
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
        spawn_purge_task(pool.clone());
        spawn_expiry_task(pool.clone());
        let server = run(listener, pool.clone(), settings)?;
        Ok(Self { port, server, pool })
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

    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
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
fn spawn_purge_task(pool: PgPool) {
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
    });
}

/// Grades attempts whose time ran out, whether or not the student is still there,
/// and adds any graded attempt not yet in the item statistics.
fn spawn_expiry_task(pool: PgPool) {
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
    });
}

fn run(listener: TcpListener, pool: PgPool, settings: Settings) -> anyhow::Result<Server> {
    let state = web::Data::new(AppState {
        pool: pool.clone(),
        cookie_secure: settings.cookie_secure,
        save_key: settings.cookie_key.signing().to_vec(),
        saver: crate::exam::saver::Saver::spawn(pool.clone()),
        catalog: Default::default(),
        trusted_proxies: settings.trusted_proxies.clone(),
        body_timeout: settings.body_timeout,
    });
    let store = PgSessionStore::new(pool);
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
    .listen(listener)?
    .run();
    Ok(server)
}
