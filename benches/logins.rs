//! Memory under a login storm: LOGINS (default 1,000) different students
//! press "Sign in" at the same moment against the release binary running as
//! its own process, on 127.0.0.1. Password hashing is memory-hard (argon2id,
//! 19 MiB a hash), so unbounded concurrency would take gigabytes; the app
//! bounds it. Prints the server's resident memory before, at peak (VmHWM) and
//! after, with the outcome and latency of every sign-in. A client that gets
//! 503 waits for Retry-After and tries again, as a person would.
//!
//! Run: `scripts/bench-logins` (or `cargo bench --bench logins` with DATABASE_URL set).

use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use examdrill::accounts::{self, DisplayName, Email, NewUser, Password, Role};
use sqlx::{Connection, Executor, PgConnection, PgPool};
use tokio::sync::Barrier;

const PASSWORD: &str = "login-storm-password";
/// The issue's goal for the app's resident memory during the storm.
const GOAL_MB: f64 = 300.0;

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Resident and peak resident memory of `pid`, in MB.
fn memory_mb(pid: u32) -> (f64, f64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|kb| kb.parse::<f64>().ok())
            .map_or(0.0, |kb| kb / 1024.0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

fn pct(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn csrf_token(html: &str) -> Option<String> {
    let at = html.find("name=\"csrf_token\" value=\"")? + "name=\"csrf_token\" value=\"".len();
    html[at..].split('"').next().map(str::to_owned)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    if !std::env::args().any(|a| a == "--bench") {
        println!("logins benchmark: skipped (run it with `scripts/bench-logins`)");
        return Ok(());
    }
    let logins: usize = std::env::var("LOGINS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1000);
    let server_url =
        std::env::var("DATABASE_URL").map_err(|_| anyhow::anyhow!("set DATABASE_URL (scripts/bench-logins does)"))?;
    let db = format!("examdrill_bench_logins_{}", uuid::Uuid::new_v4().simple());
    PgConnection::connect(&server_url)
        .await?
        .execute(format!(r#"create database "{db}""#).as_str())
        .await?;
    let (prefix, _) = server_url
        .rsplit_once('/')
        .ok_or_else(|| anyhow::anyhow!("DATABASE_URL has no database"))?;
    let url = format!("{prefix}/{db}");

    let pool = PgPool::connect(&url).await?;
    examdrill::db::migrate(&pool).await?;
    // One real registration gives a real argon2id hash; the other students share it.
    accounts::register(
        &pool,
        NewUser {
            email: Email::parse("student0@example.com")?,
            display_name: DisplayName::parse("Student 0")?,
            password: Password::parse(PASSWORD.to_owned())?,
            role: Role::Student,
        },
    )
    .await?;
    sqlx::query(
        "insert into users (id, email, display_name, password_hash)
         select gen_random_uuid(), 'student' || n || '@example.com', 'Student ' || n, u.password_hash
         from generate_series(1, $1) n, users u where u.email = 'student0@example.com'",
    )
    .bind(logins as i32)
    .execute(&pool)
    .await?;

    let port = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
    let data_dir = std::env::temp_dir().join(&db);
    let child = Command::new(env!("CARGO_BIN_EXE_examdrill"))
        .args([
            "--database-url",
            &url,
            "serve",
            "--bind",
            &format!("127.0.0.1:{port}"),
            "--no-seed",
        ])
        .env("EXAMDRILL_DATA_DIR", &data_dir)
        // Each simulated student arrives from their own address, as through a
        // proxy; from one address the login throttle would (rightly) stop them.
        .env("EXAMDRILL_TRUSTED_PROXIES", "127.0.0.1")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()?;
    let pid = child.id();
    let server = Server(child);
    let base = format!("http://127.0.0.1:{port}");
    let probe = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(30);
    while probe.get(format!("{base}/healthz")).send().await.is_err() {
        anyhow::ensure!(Instant::now() < deadline, "the server did not start");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let (idle, _) = memory_mb(pid);

    // Every student opens the sign-in page first, then all press the button together.
    let barrier = Arc::new(Barrier::new(logins + 1));
    let mut tasks = Vec::with_capacity(logins);
    for n in 0..logins {
        let barrier = barrier.clone();
        let base = base.clone();
        tasks.push(tokio::spawn(async move {
            let forwarded = format!("10.{}.{}.{}", n / 65536, (n / 256) % 256, n % 256);
            let client = reqwest::Client::builder()
                .cookie_store(true)
                .redirect(reqwest::redirect::Policy::none())
                .timeout(Duration::from_secs(300))
                .build()
                .expect("client");
            let page = client
                .get(format!("{base}/login"))
                .header("x-forwarded-for", &forwarded)
                .send()
                .await
                .and_then(|r| r.error_for_status());
            let token = match page {
                Ok(r) => r.text().await.ok().as_deref().and_then(csrf_token),
                Err(_) => None,
            };
            barrier.wait().await;
            let token = token.unwrap_or_default();
            let email = format!("student{n}@example.com");
            let started = Instant::now();
            let mut busy = 0u32;
            loop {
                let resp = client
                    .post(format!("{base}/login"))
                    .header("x-forwarded-for", &forwarded)
                    .form(&[
                        ("email", email.as_str()),
                        ("password", PASSWORD),
                        ("csrf_token", token.as_str()),
                    ])
                    .send()
                    .await;
                match resp {
                    Ok(r) if r.status() == 503 => {
                        busy += 1;
                        let wait = r
                            .headers()
                            .get("retry-after")
                            .and_then(|v| v.to_str().ok())
                            .and_then(|v| v.parse().ok())
                            .unwrap_or(5);
                        tokio::time::sleep(Duration::from_secs(wait)).await;
                    }
                    Ok(r) => return (r.status().as_u16(), started.elapsed(), busy),
                    Err(_) => return (0, started.elapsed(), busy),
                }
            }
        }));
    }
    barrier.wait().await;
    let (pages_open, _) = memory_mb(pid);
    let storm = Instant::now();
    let sampler = tokio::spawn(async move {
        let mut peak_rss: f64 = 0.0;
        loop {
            let (rss, _) = memory_mb(pid);
            peak_rss = peak_rss.max(rss);
            tokio::time::sleep(Duration::from_millis(20)).await;
            if rss == 0.0 {
                return peak_rss;
            }
        }
    });
    let mut outcomes = Vec::with_capacity(logins);
    for t in tasks {
        outcomes.push(t.await?);
    }
    let wall = storm.elapsed();
    let (_, hwm) = memory_mb(pid);
    tokio::time::sleep(Duration::from_secs(5)).await;
    let (after, _) = memory_mb(pid);
    sampler.abort();

    let signed_in = outcomes.iter().filter(|o| o.0 == 303).count();
    let other: Vec<u16> = outcomes.iter().filter(|o| o.0 != 303).map(|o| o.0).collect();
    let retried = outcomes.iter().filter(|o| o.2 > 0).count();
    let mut ms: Vec<f64> = outcomes.iter().map(|o| o.1.as_secs_f64() * 1e3).collect();
    ms.sort_by(f64::total_cmp);
    println!(
        "{logins} concurrent sign-ins against the release binary (pid {pid}), {} cores",
        num_cpus()
    );
    println!(
        "signed in {signed_in}/{logins}; answered 503 + Retry-After at least once: {retried}; other outcomes: {other:?}"
    );
    println!(
        "sign-in latency incl. waits: p50 {:.0} ms  p99 {:.0} ms  max {:.0} ms; all done in {:.1} s",
        pct(&ms, 0.5),
        pct(&ms, 0.99),
        ms.last().copied().unwrap_or(0.0),
        wall.as_secs_f64()
    );
    println!(
        "server RSS: idle {idle:.0} MB, {pages_open:.0} MB with {logins} sign-in pages open, peak {hwm:.0} MB (VmHWM), 5 s after {after:.0} MB; goal < {GOAL_MB:.0} MB: {}",
        if hwm < GOAL_MB { "met" } else { "NOT met" }
    );

    drop(server);
    pool.close().await;
    let _ = std::fs::remove_dir_all(&data_dir);
    PgConnection::connect(&server_url)
        .await?
        .execute(format!(r#"drop database if exists "{db}" with (force)"#).as_str())
        .await?;
    Ok(())
}

fn num_cpus() -> usize {
    std::thread::available_parallelism().map_or(1, usize::from)
}
