//! Shared test harness: the real app on port 0 against a fresh database per
//! test (dropped afterwards), driven over HTTP.
#![allow(dead_code)]

pub mod bank;
pub mod exam;
pub mod proxy;
pub mod stats;

use std::sync::{LazyLock, Once};

use actix_web::cookie::Key;
use actix_web::dev::ServerHandle;
use examdrill::configuration::Settings;
use examdrill::startup::Application;
use scraper::{Html, Selector};
use sqlx::{Connection, Executor, PgConnection, PgPool};

static TRACING: Once = Once::new();

/// The server the suite creates its databases on (scripts/test sets it up).
pub static SERVER_URL: LazyLock<String> = LazyLock::new(|| {
    std::env::var("DATABASE_URL")
        .expect("DATABASE_URL must point at a PostgreSQL server; run the suite through scripts/test")
});

pub fn url_with_db(base: &str, db: &str) -> String {
    let (prefix, _) = base.rsplit_once('/').expect("DATABASE_URL has no database path");
    format!("{prefix}/{db}")
}

pub fn url_with_port(url: &str, port: u16) -> String {
    // postgres://user@host:PORT/db → same with another port
    let (scheme_auth, rest) = url.split_once('@').expect("DATABASE_URL has no user@");
    let (_hostport, db) = rest.split_once('/').expect("DATABASE_URL has no database");
    format!("{scheme_auth}@127.0.0.1:{port}/{db}")
}

pub struct TestApp {
    pub address: String,
    pub port: u16,
    pub pool: PgPool,
    pub db_name: String,
    pub settings: Settings,
    pub client: reqwest::Client,
    handle: ServerHandle,
    /// Only the original handle drops the database; siblings and restarted
    /// predecessors leave it alone.
    owns_db: bool,
}

pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("http client")
}

async fn create_database() -> String {
    let db_name = format!("examdrill_test_{}", uuid::Uuid::new_v4().simple());
    let mut conn = PgConnection::connect(&SERVER_URL)
        .await
        .expect("connect to the test server");
    conn.execute(format!(r#"create database "{db_name}""#).as_str())
        .await
        .expect("create test database");
    db_name
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(|s| s).await
}

/// Like [`spawn_app`], letting the test adjust the settings (e.g. route the
/// database through a proxy).
pub async fn spawn_app_with(adjust: impl FnOnce(Settings) -> Settings) -> TestApp {
    TRACING.call_once(|| {
        if std::env::var("TEST_LOG").is_ok() {
            examdrill::telemetry::init(examdrill::telemetry::LogFormat::Plain, "debug");
        }
    });
    let db_name = create_database().await;
    let settings = adjust(Settings {
        bind: "127.0.0.1:0".into(),
        database_url: url_with_db(&SERVER_URL, &db_name),
        db_pool_size: 8,
        cookie_key: Key::generate(),
        cookie_secure: false,
        data_dir: std::env::temp_dir(),
        seed_bank: None,
        trusted_proxies: Vec::new(),
        body_timeout: std::time::Duration::from_secs(60),
        upload_parse_limit: std::time::Duration::from_secs(20),
        drain: std::time::Duration::ZERO,
        shutdown_timeout: std::time::Duration::from_secs(30),
    });
    start(settings, db_name, client()).await
}

async fn start(settings: Settings, db_name: String, client: reqwest::Client) -> TestApp {
    let app = Application::build(settings.clone()).await.expect("build app");
    let port = app.port();
    let pool = PgPool::connect(&url_with_db(&SERVER_URL, &db_name))
        .await
        .expect("test pool");
    let handle = app.handle();
    tokio::spawn(app.run_until_stopped());
    TestApp {
        address: format!("http://127.0.0.1:{port}"),
        port,
        pool,
        db_name,
        settings,
        client,
        handle,
        owns_db: true,
    }
}

pub struct Page {
    pub status: reqwest::StatusCode,
    pub headers: reqwest::header::HeaderMap,
    pub body: String,
}

impl Page {
    pub fn html(&self) -> Html {
        Html::parse_document(&self.body)
    }

    pub fn select_text(&self, css: &str) -> Vec<String> {
        let sel = Selector::parse(css).expect("selector");
        self.html()
            .select(&sel)
            .map(|e| e.text().collect::<String>().trim().to_owned())
            .collect()
    }

    pub fn attr(&self, css: &str, attr: &str) -> Option<String> {
        let sel = Selector::parse(css).expect("selector");
        self.html()
            .select(&sel)
            .next()
            .and_then(|e| e.value().attr(attr).map(str::to_owned))
    }

    pub fn location(&self) -> Option<&str> {
        self.headers.get("location").and_then(|v| v.to_str().ok())
    }

    pub fn set_cookie(&self, name: &str) -> Option<String> {
        self.headers
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|c| c.starts_with(&format!("{name}=")))
            .map(str::to_owned)
    }
}

pub const SESSION_COOKIE: &str = "examdrill_session";

/// The fields of the registration form, filled in correctly.
pub fn registration<'a>(email: &'a str, name: &'a str, password: &'a str) -> [(&'a str, &'a str); 4] {
    [
        ("email", email),
        ("display_name", name),
        ("password", password),
        ("password_confirm", password),
    ]
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    pub async fn page(resp: reqwest::Response) -> Page {
        let status = resp.status();
        let headers = resp.headers().clone();
        let body = resp.text().await.expect("body");
        Page { status, headers, body }
    }

    pub async fn get(&self, path: &str) -> Page {
        Self::page(self.client.get(self.url(path)).send().await.expect("GET")).await
    }

    /// The CSRF token embedded in the page at `path` (GET with this client's session).
    pub async fn csrf_token(&self, path: &str) -> String {
        self.get(path)
            .await
            .attr(r#"input[name="csrf_token"]"#, "value")
            .expect("page has a CSRF token")
    }

    /// Posts a form with no CSRF token added.
    pub async fn post_raw(&self, path: &str, form: &[(&str, &str)]) -> Page {
        Self::page(self.client.post(self.url(path)).form(form).send().await.expect("POST")).await
    }

    /// Posts a form the way the browser would: with the token of the page it came from.
    pub async fn post(&self, from_page: &str, path: &str, form: &[(&str, &str)]) -> Page {
        let token = self.csrf_token(from_page).await;
        let mut fields: Vec<(&str, &str)> = form.to_vec();
        fields.push(("csrf_token", &token));
        self.post_raw(path, &fields).await
    }

    pub async fn register(&self, email: &str, name: &str, password: &str) -> Page {
        self.post("/register", "/register", &registration(email, name, password))
            .await
    }

    pub async fn login(&self, email: &str, password: &str) -> Page {
        self.post("/login", "/login", &[("email", email), ("password", password)])
            .await
    }

    /// Changes the signed-in user's password through the form.
    pub async fn change_password(&self, current: &str, new: &str) -> Page {
        self.post(
            "/account/password",
            "/account/password",
            &[("current", current), ("new", new), ("confirm", new)],
        )
        .await
    }

    pub async fn logout(&self) -> Page {
        self.post("/dashboard", "/logout", &[]).await
    }

    /// Registers a user and gives them `role` directly in the database.
    pub async fn user_with_role(&self, email: &str, role: &str) {
        let p = self.register(email, "Test User", PASSWORD).await;
        assert_eq!(p.status, 303, "registration failed: {}", p.body);
        sqlx::query("update users set role = $1 where lower(email) = lower($2)")
            .bind(role)
            .bind(email)
            .execute(&self.pool)
            .await
            .expect("set role");
    }

    /// Stops this server and starts a new one on the same database and cookie
    /// key, keeping this client's cookies.
    pub async fn restart(mut self) -> TestApp {
        self.handle.stop(true).await;
        let mut settings = self.settings.clone();
        settings.bind = "127.0.0.1:0".into();
        self.owns_db = false;
        start(settings, self.db_name.clone(), self.client.clone()).await
    }

    /// A second instance of the app on the same database with the same
    /// settings (so the same cookie key), as a cluster runs them.
    pub async fn another_instance(&self) -> TestApp {
        let mut settings = self.settings.clone();
        settings.bind = "127.0.0.1:0".into();
        let mut other = start(settings, self.db_name.clone(), client()).await;
        other.owns_db = false;
        other
    }

    /// A visitor (fresh cookie jar) who reaches this app through `address`, a proxy in front of it.
    pub fn through(&self, address: &str) -> TestApp {
        let mut v = self.sibling();
        v.address = address.to_owned();
        v
    }

    /// Another visitor of the same running app, with an empty cookie jar.
    pub fn sibling(&self) -> TestApp {
        TestApp {
            address: self.address.clone(),
            port: self.port,
            pool: self.pool.clone(),
            db_name: self.db_name.clone(),
            settings: self.settings.clone(),
            client: client(),
            handle: self.handle.clone(),
            owns_db: false,
        }
    }
}

pub const PASSWORD: &str = "correct-horse-battery";

impl Drop for TestApp {
    fn drop(&mut self) {
        if !self.owns_db {
            return;
        }
        let db = self.db_name.clone();
        // Drop can't await; a short-lived runtime on its own thread does the cleanup.
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            rt.block_on(async move {
                if let Ok(mut conn) = PgConnection::connect(&SERVER_URL).await {
                    let _ = conn
                        .execute(format!(r#"drop database if exists "{db}" with (force)"#).as_str())
                        .await;
                }
            });
        })
        .join();
    }
}

impl TestApp {
    /// Uploads bank files through the instructor form, as a browser would.
    pub async fn upload(&self, files: &[(&str, &str)]) -> Page {
        let files: Vec<(&str, &[u8])> = files.iter().map(|(name, text)| (*name, text.as_bytes())).collect();
        self.upload_form("/instructor/bank/upload", &[], &files).await
    }

    /// Posts a multipart form of `fields` and `files` (name, bytes) to the form at
    /// `path`, with that page's CSRF token.
    pub async fn upload_form(&self, path: &str, fields: &[(&str, &str)], files: &[(&str, &[u8])]) -> Page {
        let token = self.csrf_token(path).await;
        let mut form = reqwest::multipart::Form::new().text("csrf_token", token);
        for (name, value) in fields {
            form = form.text(name.to_string(), value.to_string());
        }
        for (name, bytes) in files {
            form = form.part(
                "files",
                reqwest::multipart::Part::bytes(bytes.to_vec()).file_name(name.to_string()),
            );
        }
        Self::page(
            self.client
                .post(self.url(path))
                .multipart(form)
                .send()
                .await
                .expect("upload"),
        )
        .await
    }

    /// Uploads bank files and confirms the import from the preview.
    pub async fn import_upload(&self, files: &[(&str, &str)]) {
        let resp = self.upload(files).await;
        assert_eq!(resp.status, 303, "{}", resp.body);
        let url = resp.location().expect("preview location").to_owned();
        let confirmed = self.post(&url, &format!("{url}/confirm"), &[]).await;
        assert_eq!(confirmed.status, 303, "{}", confirmed.body);
    }

    /// The single number a `select count(*) …` statement returns.
    pub async fn count(&self, sql: &str) -> i64 {
        sqlx::query_scalar(sql).fetch_one(&self.pool).await.expect("count")
    }

    /// GET with one extra request header.
    pub async fn get_with(&self, path: &str, header: &str, value: &str) -> Page {
        Self::page(
            self.client
                .get(self.url(path))
                .header(header, value)
                .send()
                .await
                .expect("GET"),
        )
        .await
    }
}

/// The `name=value` part of a Set-Cookie header.
pub fn cookie_value(set_cookie: &str) -> String {
    set_cookie.split(';').next().unwrap_or_default().to_owned()
}
