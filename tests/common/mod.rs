//! Shared test harness: the real app on port 0 against a fresh database per
//! test (dropped afterwards), driven over HTTP.
#![allow(dead_code)]

pub mod proxy;

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
        self.post(
            "/register",
            "/register",
            &[
                ("email", email),
                ("display_name", name),
                ("password", password),
                ("password_confirm", password),
            ],
        )
        .await
    }

    pub async fn login(&self, email: &str, password: &str) -> Page {
        self.post("/login", "/login", &[("email", email), ("password", password)])
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
        let token = self.csrf_token("/instructor/bank/upload").await;
        let mut form = reqwest::multipart::Form::new().text("csrf_token", token);
        for (name, text) in files {
            form = form.part(
                "files",
                reqwest::multipart::Part::bytes(text.as_bytes().to_vec()).file_name(name.to_string()),
            );
        }
        Self::page(
            self.client
                .post(self.url("/instructor/bank/upload"))
                .multipart(form)
                .send()
                .await
                .expect("upload"),
        )
        .await
    }
}

/// Imports the blueprints and `per_domain` generated SAA questions per domain
/// (every 5th a "choose two" whose answer is a and c; the others' answer is b).
pub async fn seed_saa_bank(app: &TestApp, per_domain: usize) {
    seed_saa_bank_with_topics(app, per_domain, false).await;
}

/// Like [`seed_saa_bank`]; with `topic_per_domain` each domain's questions
/// form their own topic, `<domain>-topic`.
pub async fn seed_saa_bank_with_topics(app: &TestApp, per_domain: usize, topic_per_domain: bool) {
    use examdrill::bank::model::{Choice, Difficulty, Kind, Pos, Question, Source, Status, Topic};
    use examdrill::bank::store::{Mode as ImportMode, import};
    use examdrill::bank::{Bank, load_paths};
    use std::collections::BTreeMap;
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut bank: Bank = load_paths(&[root.join("question_bank/blueprints")], None).bank;
    let topic_of = |domain: &str| {
        if topic_per_domain {
            format!("{domain}-topic")
        } else {
            "t".to_owned()
        }
    };
    let mut slugs: Vec<String> = ["secure", "resilient", "performance", "cost"]
        .iter()
        .map(|d| topic_of(d))
        .collect();
    slugs.dedup();
    for slug in slugs {
        bank.topics.push(Topic {
            name_ko: format!("주제 {slug}"),
            name_en: format!("Topic {slug}"),
            summary_ko: format!("{slug} 요약: **핵심** 내용"),
            summary_en: format!("Summary of {slug}"),
            slug,
            domains: vec![],
            pos: Pos::default(),
        });
    }
    for domain in ["secure", "resilient", "performance", "cost"] {
        for i in 0..per_domain {
            let multiple = i % 5 == 0;
            let keys: Vec<char> = if multiple {
                vec!['a', 'b', 'c', 'd', 'e']
            } else {
                vec!['a', 'b', 'c', 'd']
            };
            bank.questions.push(Question {
                id: format!("{domain}-{i:03}"),
                domains: BTreeMap::from([("saa-c03".to_owned(), domain.to_owned())]),
                topic: topic_of(domain),
                difficulty: Difficulty::Medium,
                kind: if multiple { Kind::Multiple } else { Kind::Single },
                language: "ko".into(),
                status: Status::Published,
                stem: format!("{domain} 문항 {i}"),
                explanation: "해설".into(),
                answer: if multiple { vec!['a', 'c'] } else { vec!['b'] },
                options: keys
                    .iter()
                    .map(|k| Choice {
                        key: *k,
                        text: format!("보기 {k}"),
                        rationale: "근거".into(),
                        en: None,
                        pos: Pos::default(),
                    })
                    .collect(),
                source: Source {
                    file: "n.txt".into(),
                    heading: "h".into(),
                },
                references: Vec::new(),
                en: None,
                generated: None,
                pos: Pos::default(),
            });
        }
    }
    import(&app.pool, &bank, None, ImportMode::Apply)
        .await
        .expect("seed bank");
}
