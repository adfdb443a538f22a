//! Rolling restart under load. INSTANCES (default 3) app instances share one
//! database and cookie key behind a real HAProxy, configured as
//! `scripts/cluster` configures it. STUDENTS (default 300) sign in and start
//! exams through it; then, for DURATION seconds (default 40), save workers
//! write answers as the page script does (an answer that got no reply is sent
//! again once, as the script retries) and page workers read question pages,
//! while the instances are restarted one at a time, each draining first.
//!
//! Prints save and page rates with p99 before, during and after the restart,
//! the lowest one-second save rate during it, every failed request, and checks
//! in the database that every acknowledged answer is there.
//!
//! Run: `scripts/bench-rolling`.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use actix_web::cookie::Key;
use examdrill::configuration::Settings;
use examdrill::startup::{Application, Stopper};
use sqlx::{Connection, Executor, PgConnection};
use tokio::sync::{Mutex, Semaphore};

#[path = "common/mod.rs"]
mod common;
use common::*;

fn env_or(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|s| s.parse().ok()).unwrap_or(default)
}

struct Instance {
    port: u16,
    stopper: Stopper,
    running: tokio::task::JoinHandle<std::io::Result<()>>,
}

async fn start_instance(settings: &Settings, port: u16) -> anyhow::Result<Instance> {
    let mut s = settings.clone();
    s.bind = format!("127.0.0.1:{port}");
    let app = Application::build(s).await?;
    let (port, stopper) = (app.port(), app.stopper());
    let running = tokio::spawn(app.run_until_stopped());
    Ok(Instance { port, stopper, running })
}

/// The body of a GET, or None on any failure (the student is not enrolled).
async fn page_text(c: &reqwest::Client, url: String) -> Option<String> {
    c.get(url).send().await.ok()?.text().await.ok()
}

/// Signs a student in through the proxy and starts a full exam; returns the
/// student with their attempt and save token.
async fn enrol(base: &str, i: usize) -> Option<Student> {
    let c = client();
    let page = page_text(&c, format!("{base}/login")).await?;
    let csrf = csrf_from(&page);
    let email = format!("load{i}@example.com");
    let r = c
        .post(format!("{base}/login"))
        .form(&[("email", email.as_str()), ("password", PASSWORD), ("csrf_token", &csrf)])
        .send()
        .await
        .ok()?;
    (r.status() == 303).then_some(())?;
    let dash = page_text(&c, format!("{base}/dashboard")).await?;
    let csrf = csrf_from(&dash);
    let r = c
        .post(format!("{base}/attempts"))
        .form(&[("exam", "saa-c03"), ("mode", "exam"), ("csrf_token", &csrf)])
        .send()
        .await
        .ok()?;
    let attempt = r
        .headers()
        .get("location")?
        .to_str()
        .ok()?
        .trim_end_matches("/q/1")
        .to_owned();
    let q1 = page_text(&c, format!("{base}{attempt}/q/1")).await?;
    let marker = "data-save-token=\"";
    let token = q1
        .find(marker)
        .map(|i| &q1[i + marker.len()..])?
        .split('"')
        .next()?
        .to_owned();
    Some(Student {
        client: c,
        csrf,
        attempt,
        keys: HashMap::new(),
        save_token: token,
    })
}

#[derive(Default)]
struct Tally {
    /// (ms since the load began, latency ms)
    saves: Mutex<Vec<(f64, f64)>>,
    pages: Mutex<Vec<(f64, f64)>>,
    acked: Mutex<HashMap<(String, i32), char>>,
    save_failures: AtomicUsize,
    page_failures: AtomicUsize,
    retries: AtomicUsize,
}

async fn save_worker(
    w: usize,
    workers: usize,
    roster: Arc<Vec<Student>>,
    addr: String,
    tally: Arc<Tally>,
    (begin, end): (Instant, Instant),
) -> anyhow::Result<()> {
    let own: Vec<&Student> = roster.iter().skip(w).step_by(workers).collect();
    let mut conn = RawConn::connect(&addr).await?;
    let (mut n, mut times, mut mine) = (0usize, Vec::new(), HashMap::new());
    while Instant::now() < end && !own.is_empty() {
        let s = own[n % own.len()];
        let pos = (n / own.len()) as i32 % 65 + 1;
        let key = ['a', 'b', 'c', 'd'][n % 4];
        n += 1;
        let path = format!("{}/save", s.attempt);
        let body = format!("position={pos}&choice={key}");
        let t0 = Instant::now();
        let status = match conn.post(&path, &s.save_token, &body).await {
            Ok(status) => Some(status),
            Err(_) => {
                // No reply: the page script sends the same save again.
                tally.retries.fetch_add(1, Ordering::Relaxed);
                conn = RawConn::connect(&addr).await?;
                conn.post(&path, &s.save_token, &body).await.ok()
            }
        };
        if status == Some(204) {
            times.push((begin.elapsed().as_secs_f64() * 1e3, t0.elapsed().as_secs_f64() * 1e3));
            mine.insert((s.attempt.clone(), pos), key);
        } else {
            tally.save_failures.fetch_add(1, Ordering::Relaxed);
            eprintln!("save failed: {status:?}");
            conn = RawConn::connect(&addr).await?;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    tally.saves.lock().await.extend(times);
    tally.acked.lock().await.extend(mine);
    Ok(())
}

async fn page_worker(
    w: usize,
    roster: Arc<Vec<Student>>,
    base: String,
    tally: Arc<Tally>,
    (begin, end): (Instant, Instant),
) {
    let mut times = Vec::new();
    let mut n = w;
    while Instant::now() < end {
        let s = &roster[n % roster.len()];
        let pos = n % 65 + 1;
        n += 7;
        let t0 = Instant::now();
        let status = match s.client.get(format!("{base}{}/q/{pos}", s.attempt)).send().await {
            Ok(r) => {
                let status = r.status().as_u16();
                if r.text().await.is_ok() {
                    Ok(status)
                } else {
                    Err("body cut off".to_owned())
                }
            }
            Err(e) => Err(e.to_string()),
        };
        if status == Ok(200) {
            times.push((begin.elapsed().as_secs_f64() * 1e3, t0.elapsed().as_secs_f64() * 1e3));
        } else {
            tally.page_failures.fetch_add(1, Ordering::Relaxed);
            eprintln!("page failed: {status:?}");
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    tally.pages.lock().await.extend(times);
}

/// Rate and p99 of the samples whose start falls in [from, to) ms.
fn window(name: &str, samples: &[(f64, f64)], from: f64, to: f64) {
    let mut lat: Vec<f64> = samples
        .iter()
        .filter(|(t, _)| *t >= from && *t < to)
        .map(|(_, l)| *l)
        .collect();
    report(name, &mut lat, Duration::from_secs_f64(((to - from) / 1e3).max(0.001)));
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    if !std::env::args().any(|a| a == "--bench") {
        println!("rolling-restart benchmark: skipped (run it with `scripts/bench-rolling`)");
        return Ok(());
    }
    let students = env_or("STUDENTS", 300) as usize;
    let instances = env_or("INSTANCES", 3) as usize;
    let duration = Duration::from_secs(env_or("DURATION", 40));
    let server = std::env::var("DATABASE_URL").map_err(|_| anyhow::anyhow!("set DATABASE_URL"))?;
    let db = format!("examdrill_rolling_{}", uuid::Uuid::new_v4().simple());
    let mut admin = PgConnection::connect(&server).await?;
    admin.execute(format!("create database \"{db}\"").as_str()).await?;
    let url = format!("{}/{db}", server.rsplit_once('/').map(|(p, _)| p).unwrap_or(&server));
    let settings = Settings {
        bind: "127.0.0.1:0".into(),
        database_url: url,
        db_pool_size: 16,
        cookie_key: Key::generate(),
        cookie_secure: false,
        data_dir: std::env::temp_dir(),
        seed_bank: None,
        trusted_proxies: vec![std::net::Ipv4Addr::LOCALHOST.into()],
        body_timeout: Duration::from_secs(60),
        drain: Duration::from_secs(2),
        shutdown_timeout: Duration::from_secs(30),
        upload_parse_limit: Duration::from_secs(20),
    };
    let mut running = Vec::new();
    for _ in 0..instances {
        running.push(start_instance(&settings, 0).await?);
    }
    let pool = sqlx::PgPool::connect(&settings.database_url).await?;
    seed(&pool, students).await?;
    let ports: Vec<u16> = running.iter().map(|i| i.port).collect();
    let proxy = servers::haproxy(&ports)?;
    let (front, socket) = (proxy.front, proxy.socket.clone());
    servers::wait_up(&socket, instances).await?;
    let base = format!("http://127.0.0.1:{front}");
    println!("rolling restart: {students} students, {instances} instances {ports:?} behind HAProxy {base}");

    let gate = Arc::new(Semaphore::new(16));
    let mut tasks = Vec::new();
    for i in 0..students {
        let (gate, base) = (gate.clone(), base.clone());
        tasks.push(tokio::spawn(async move {
            let _permit = gate.acquire().await.ok()?;
            enrol(&base, i).await
        }));
    }
    let mut roster = Vec::new();
    for t in tasks {
        roster.extend(t.await?);
    }
    anyhow::ensure!(
        roster.len() == students,
        "only {} of {students} started an exam",
        roster.len()
    );
    let roster = Arc::new(roster);

    let tally = Arc::new(Tally::default());
    let begin = Instant::now();
    let end = begin + duration;
    let mut workers = Vec::new();
    let save_workers = env_or("SAVE_WORKERS", 64) as usize;
    for w in 0..save_workers {
        let args = (roster.clone(), format!("127.0.0.1:{front}"), tally.clone());
        workers.push(tokio::spawn(save_worker(
            w,
            save_workers,
            args.0,
            args.1,
            args.2,
            (begin, end),
        )));
    }
    let mut pages = Vec::new();
    for w in 0..16 {
        pages.push(tokio::spawn(page_worker(
            w,
            roster.clone(),
            base.clone(),
            tally.clone(),
            (begin, end),
        )));
    }

    // A quarter in, restart the instances one at a time.
    tokio::time::sleep(duration / 4).await;
    let restart_from = begin.elapsed().as_secs_f64() * 1e3;
    for i in 0..running.len() {
        let t = Instant::now();
        let old = &running[i];
        let port = old.port;
        old.stopper.stop();
        let old = running.remove(i);
        old.running.await??;
        running.insert(i, start_instance(&settings, port).await?);
        servers::wait_up(&socket, instances).await?;
        println!(
            "instance i{} on port {port} restarted and back in rotation in {:.1} s",
            i + 1,
            t.elapsed().as_secs_f64()
        );
    }
    let restart_to = begin.elapsed().as_secs_f64() * 1e3;

    for w in workers {
        w.await??;
    }
    for p in pages {
        p.await?;
    }
    let total = begin.elapsed().as_secs_f64() * 1e3;
    let saves = std::mem::take(&mut *tally.saves.lock().await);
    let page_samples = std::mem::take(&mut *tally.pages.lock().await);
    println!("\n== answer saves (rate over the window, latency of acknowledged saves) ==");
    window("saves before", &saves, 0.0, restart_from);
    window("saves during restart", &saves, restart_from, restart_to);
    window("saves after", &saves, restart_to, total);
    println!("== question pages ==");
    window("pages before", &page_samples, 0.0, restart_from);
    window("pages during restart", &page_samples, restart_from, restart_to);
    window("pages after", &page_samples, restart_to, total);
    let mut per_second: HashMap<u64, usize> = HashMap::new();
    for (t, _) in &saves {
        *per_second.entry((*t / 1e3) as u64).or_default() += 1;
    }
    let during: Vec<usize> = ((restart_from / 1e3).ceil() as u64..(restart_to / 1e3).floor() as u64)
        .map(|s| per_second.get(&s).copied().unwrap_or(0))
        .collect();
    let before_rate = saves.iter().filter(|(t, _)| *t < restart_from).count() as f64 / (restart_from / 1e3);
    println!(
        "restart took {:.1} s; lowest one-second save rate during it {} /s (before: {:.0} /s)",
        (restart_to - restart_from) / 1e3,
        during.iter().min().copied().unwrap_or(0),
        before_rate
    );
    println!(
        "failed requests seen by students: {} saves, {} pages; saves sent again after no reply: {}",
        tally.save_failures.load(Ordering::Relaxed),
        tally.page_failures.load(Ordering::Relaxed),
        tally.retries.load(Ordering::Relaxed)
    );

    let acked = std::mem::take(&mut *tally.acked.lock().await);
    let rows: Vec<(uuid::Uuid, i32, Option<String>)> =
        sqlx::query_as("select attempt_id, position, selected from attempt_items")
            .fetch_all(&pool)
            .await?;
    let stored: HashMap<(String, i32), Option<String>> = rows
        .into_iter()
        .map(|(a, p, s)| ((format!("/attempts/{a}"), p), s))
        .collect();
    let missing = acked
        .iter()
        .filter(|(k, v)| stored.get(*k).and_then(|s| s.as_deref()) != Some(v.to_string().as_str()))
        .count();
    println!(
        "acknowledged answers checked in the database: {}; missing or different: {missing}",
        acked.len()
    );

    for i in &running {
        i.stopper.stop();
    }
    for i in running {
        let _ = i.running.await;
    }
    pool.close().await;
    admin
        .execute(format!("drop database \"{db}\" with (force)").as_str())
        .await
        .ok();
    anyhow::ensure!(missing == 0, "acknowledged answers are missing");
    Ok(())
}
