//! What the load benchmarks share: the seeded bank and students, a
//! hand-written keep-alive client for saves, and latency reporting.
#![allow(dead_code)]

pub mod servers;

use std::collections::HashMap;
use std::time::{Duration, Instant};

use sqlx::PgPool;
use tokio::sync::Mutex;

pub const PASSWORD: &str = "load-test-password";

#[derive(Default)]
pub struct Stats(pub Mutex<HashMap<&'static str, Vec<f64>>>);

impl Stats {
    pub async fn record(&self, step: &'static str, since: Instant) {
        self.0
            .lock()
            .await
            .entry(step)
            .or_default()
            .push(since.elapsed().as_secs_f64() * 1e3);
    }
}

pub fn pct(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

pub fn report(step: &str, samples: &mut [f64], wall: Duration) -> (f64, f64) {
    samples.sort_by(f64::total_cmp);
    let rate = samples.len() as f64 / wall.as_secs_f64();
    let p99 = pct(samples, 0.99);
    println!(
        "{step:<22} n={:>6}  {:>8.1}/s  p50 {:>7.1} ms  p95 {:>7.1} ms  p99 {:>7.1} ms  max {:>7.1} ms",
        samples.len(),
        rate,
        pct(samples, 0.5),
        pct(samples, 0.95),
        p99,
        samples.last().copied().unwrap_or(0.0)
    );
    (rate, p99)
}

pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .pool_max_idle_per_host(1)
        .build()
        .expect("client")
}

/// A minimal HTTP/1.1 keep-alive client for the save phase: one request at a
/// time, like a browser tab's ordered autosaves.
pub struct RawConn {
    pub host: String,
    pub stream: tokio::net::TcpStream,
    pub buf: Vec<u8>,
}

impl RawConn {
    pub async fn connect(addr: &str) -> anyhow::Result<Self> {
        let stream = tokio::net::TcpStream::connect(addr).await?;
        stream.set_nodelay(true)?;
        Ok(Self {
            host: addr.to_owned(),
            stream,
            buf: Vec::with_capacity(1024),
        })
    }

    /// Posts a form and returns the status once the whole response is read.
    pub async fn post(&mut self, path: &str, token: &str, body: &str) -> anyhow::Result<u16> {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let request = format!(
            "POST {path} HTTP/1.1\r\nHost: {}\r\nX-Save-Token: {token}\r\n\
             Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{body}",
            self.host,
            body.len()
        );
        self.stream.write_all(request.as_bytes()).await?;
        self.buf.clear();
        loop {
            if let Some(end) = self.buf.windows(4).position(|w| w == b"\r\n\r\n") {
                let head = std::str::from_utf8(&self.buf[..end])?;
                let status: u16 = head
                    .get(9..12)
                    .and_then(|s| s.parse().ok())
                    .ok_or_else(|| anyhow::anyhow!("bad status line: {head}"))?;
                let length: usize = head
                    .lines()
                    .filter_map(|l| l.split_once(':'))
                    .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
                    .and_then(|(_, v)| v.trim().parse().ok())
                    .unwrap_or(0);
                while self.buf.len() < end + 4 + length {
                    if self.stream.read_buf(&mut self.buf).await? == 0 {
                        anyhow::bail!("connection closed mid-body");
                    }
                }
                return Ok(status);
            }
            if self.stream.read_buf(&mut self.buf).await? == 0 {
                anyhow::bail!("connection closed");
            }
        }
    }
}

pub fn csrf_from(html: &str) -> String {
    let marker = "name=\"csrf_token\" value=\"";
    html.find(marker)
        .map(|i| &html[i + marker.len()..])
        .and_then(|rest| rest.split('"').next())
        .unwrap_or_default()
        .to_owned()
}

pub struct Student {
    pub client: reqwest::Client,
    pub csrf: String,
    pub attempt: String,
    /// option keys per position, read from the question pages
    pub keys: HashMap<i32, Vec<char>>,
    /// The page's signed autosave token.
    pub save_token: String,
}

pub async fn seed(pool: &PgPool, students: usize) -> anyhow::Result<()> {
    use examdrill::bank::model::Domains;
    use examdrill::bank::model::*;
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut bank = examdrill::bank::load_paths(&[root.join("question_bank/blueprints")], None).bank;
    bank.topics.push(Topic {
        slug: "load".into(),
        name_ko: "부하".into(),
        name_en: "Load".into(),
        domains: vec![],
        summary_ko: "요약".into(),
        summary_en: "Summary".into(),
        pos: Pos::default(),
    });
    for domain in ["secure", "resilient", "performance", "cost"] {
        for i in 0..60 {
            bank.questions.push(Question {
                id: format!("load-{domain}-{i:03}").into(),
                domains: Domains::from([("saa-c03".to_owned(), domain.to_owned())]),
                topic: "load".into(),
                difficulty: Difficulty::Medium,
                kind: Kind::Single,
                language: "ko".into(),
                status: Status::Published,
                stem: format!("{domain} 부하 시험 문항 {i}: 가장 알맞은 것은?"),
                explanation: "해설".into(),
                answer: vec!['b'],
                options: ['a', 'b', 'c', 'd']
                    .iter()
                    .map(|k| Choice {
                        key: *k,
                        text: format!("보기 {k}").into(),
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
    examdrill::bank::store::import(pool, &bank, None, examdrill::bank::store::Mode::Apply).await?;
    let hash = examdrill::accounts::password::hash(
        examdrill::accounts::Password::parse(PASSWORD.into()).map_err(|e| anyhow::anyhow!("{e}"))?,
    )
    .await?;
    let emails: Vec<String> = (0..students).map(|i| format!("load{i}@example.com")).collect();
    sqlx::query(
        "insert into users (id, email, display_name, password_hash, role)
         select gen_random_uuid(), e, 'Load', $2, 'student' from unnest($1::text[]) as e",
    )
    .bind(&emails)
    .bind(&hash)
    .execute(pool)
    .await?;
    Ok(())
}

/// PostgreSQL's own rate for an equivalent durable single-row upsert.
pub fn pgbench(server_url: &str, db: &str, clients: usize, seconds: u32) -> anyhow::Result<f64> {
    let bin = std::env::var("PGBENCH").unwrap_or_else(|_| "pgbench".into());
    let script = std::env::temp_dir().join("examdrill-pgbench.sql");
    std::fs::write(
        &script,
        "\\set a random(1, 100000)\n\\set p random(1, 65)\n\
         insert into bench_answers (a, p, v) values (:a, :p, 'b') on conflict (a, p) do update set v = excluded.v, at = now();\n",
    )?;
    let rest = server_url.trim_start_matches("postgres://");
    let (user, hostport) = rest.split_once('@').unwrap_or(("postgres", rest));
    let hostport = hostport.split('/').next().unwrap_or("127.0.0.1:5432");
    let (host, port) = hostport.split_once(':').unwrap_or((hostport, "5432"));
    let out = std::process::Command::new(&bin)
        .args(["-h", host, "-p", port, "-U", user, "-n", "-M", "prepared", "-f"])
        .arg(&script)
        .args(["-c", &clients.to_string(), "-j", "2", "-T", &seconds.to_string(), db])
        .output()?;
    let text = String::from_utf8_lossy(&out.stdout);
    let tps = text
        .lines()
        .find(|l| l.starts_with("tps"))
        .and_then(|l| l.split('=').nth(1))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse::<f64>().ok())
        .ok_or_else(|| anyhow::anyhow!("pgbench said: {text}{}", String::from_utf8_lossy(&out.stderr)))?;
    Ok(tps)
}
