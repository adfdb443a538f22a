//! Realistic pacing: STUDENTS (default 10,000) students at once, each at a
//! human pace. Every student signs in (the accounts are created in bulk in the
//! database beforehand, the sign-ins are real), then, during a paced run of
//! DURATION seconds (default 300):
//!
//! - arrives at a moment drawn uniformly in the first ARRIVAL seconds (default
//!   60) and starts a full exam;
//! - reads the question page, thinks for a time drawn uniformly between
//!   THINK_MIN and THINK_MAX seconds (default 20 and 120), and saves an answer;
//! - flags the question one time in ten, and one time in seven goes back to a
//!   question already seen (and may change its answer) instead of moving on;
//! - submits once the next think time would run past the end, and reads the
//!   result page.
//!
//! The scaling: a real exam lasts 130 minutes; this run keeps the real think
//! times and covers only its first DURATION seconds, so each student answers a
//! few questions (about (DURATION − ARRIVAL/2) / 70 s ≈ 3.8 by default) and
//! then submits. With 10,000 students that is about 145 saves and 165 page
//! reads a second, with 10,000 connections open.
//!
//! Prints p50/p95/p99 for pages and for saves separately (and per step), the
//! failed requests, each server process's peak memory (VmHWM from
//! /proc/<pid>/status: the instances run as separate processes, so the load
//! generator's own memory is not in it), and checks in the database that every
//! acknowledged answer is stored and every attempt was graded.
//!
//! Run: `scripts/bench-pacing` (one instance) or `TARGET=cluster
//! scripts/bench-pacing` (3 instances behind HAProxy).

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use rand::Rng;
use sqlx::{Connection, Executor, PgConnection};
use tokio::sync::Semaphore;

#[path = "common/mod.rs"]
mod common;
use common::*;

fn env_or(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|s| s.parse().ok()).unwrap_or(default)
}

struct Pacing {
    duration: Duration,
    arrival: Duration,
    think_min: f64,
    think_max: f64,
}

/// What a student was told was saved: (attempt path, position) → key.
type Acked = HashMap<(String, i32), char>;

#[derive(Default)]
struct Failures(AtomicUsize);

impl Failures {
    fn add(&self, what: &str, detail: impl std::fmt::Display) {
        // The first few say what went wrong; the rest are only counted.
        if self.0.fetch_add(1, Ordering::Relaxed) < 10 {
            eprintln!("{what} failed: {detail}");
        }
    }
}

/// A GET that a browser would retry once if the connection was closed under it.
async fn get_page(c: &reqwest::Client, url: &str) -> Result<(u16, String), reqwest::Error> {
    let r = match c.get(url).send().await {
        Ok(r) => r,
        Err(_) => c.get(url).send().await?,
    };
    let status = r.status().as_u16();
    Ok((status, r.text().await?))
}

/// Signs a student in; returns the client and the dashboard's CSRF token.
async fn sign_in(base: &str, i: usize) -> anyhow::Result<(reqwest::Client, String)> {
    let c = client();
    let (_, page) = get_page(&c, &format!("{base}/login")).await?;
    let email = format!("load{i}@example.com");
    let r = c
        .post(format!("{base}/login"))
        .form(&[
            ("email", email.as_str()),
            ("password", PASSWORD),
            ("csrf_token", csrf_from(&page).as_str()),
        ])
        .send()
        .await?;
    anyhow::ensure!(r.status() == 303, "login: HTTP {}", r.status());
    let (_, dash) = get_page(&c, &format!("{base}/dashboard")).await?;
    Ok((c, csrf_from(&dash)))
}

/// A question page's option keys and the attempt's autosave token.
fn read_question(html: &str) -> (Vec<char>, Option<String>) {
    let keys = html
        .match_indices("name=\"choice\" value=\"")
        .filter_map(|(i, m)| html[i + m.len()..].chars().next())
        .collect();
    let token = html.find("data-save-token=\"").map(|i| {
        let rest = &html[i + "data-save-token=\"".len()..];
        rest.split('"').next().unwrap_or("").to_owned()
    });
    (keys, token)
}

/// Posts to the attempt's save endpoint as the page script does: a save that
/// got no answer at all is sent once more.
async fn post_save(c: &reqwest::Client, url: &str, token: &str, form: &[(&str, String)]) -> Option<u16> {
    for _ in 0..2 {
        if let Ok(r) = c.post(url).header("x-save-token", token).form(form).send().await {
            return Some(r.status().as_u16());
        }
    }
    None
}

/// One student's paced exam; returns what they were told was saved.
async fn take_exam(
    base: String,
    c: reqwest::Client,
    csrf: String,
    pacing: Arc<Pacing>,
    began: Instant,
    stats: Arc<Stats>,
    failures: Arc<Failures>,
) -> Acked {
    let mut acked = Acked::new();
    let end = began + pacing.duration;
    let arrive = rand::thread_rng().gen_range(0.0..pacing.arrival.as_secs_f64().max(0.001));
    tokio::time::sleep_until((began + Duration::from_secs_f64(arrive)).into()).await;
    let t0 = Instant::now();
    let r = c
        .post(format!("{base}/attempts"))
        .form(&[("exam", "saa-c03"), ("mode", "exam"), ("csrf_token", csrf.as_str())])
        .send()
        .await;
    let attempt = match r {
        Ok(r) if r.status() == 303 => r
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .trim_end_matches("/q/1")
            .to_owned(),
        Ok(r) => {
            failures.add("start", format!("HTTP {}", r.status()));
            return acked;
        }
        Err(e) => {
            failures.add("start", e);
            return acked;
        }
    };
    stats.record("start", t0).await;
    let mut token = String::new();
    let mut pos = 1;
    let mut furthest = 1;
    loop {
        let t0 = Instant::now();
        let keys = match get_page(&c, &format!("{base}{attempt}/q/{pos}")).await {
            Ok((200, html)) => {
                stats.record("question page", t0).await;
                let (keys, t) = read_question(&html);
                token = t.unwrap_or(token);
                keys
            }
            Ok((status, _)) => {
                failures.add("question page", format!("HTTP {status}"));
                Vec::new()
            }
            Err(e) => {
                failures.add("question page", e);
                Vec::new()
            }
        };
        let (think, flag, revisit) = {
            let mut rng = rand::thread_rng();
            (
                rng.gen_range(pacing.think_min..=pacing.think_max),
                rng.gen_bool(0.1),
                rng.gen_bool(1.0 / 7.0),
            )
        };
        if Instant::now() + Duration::from_secs_f64(think) > end {
            break;
        }
        tokio::time::sleep(Duration::from_secs_f64(think)).await;
        let pick = rand::thread_rng().gen_range(0..keys.len().max(1));
        if let Some(&key) = keys.get(pick) {
            let t0 = Instant::now();
            let form = [("position", pos.to_string()), ("choice", key.to_string())];
            match post_save(&c, &format!("{base}{attempt}/save"), &token, &form).await {
                Some(204) => {
                    stats.record("answer save", t0).await;
                    acked.insert((attempt.clone(), pos), key);
                }
                Some(status) => failures.add("answer save", format!("HTTP {status}")),
                None => failures.add("answer save", "no answer twice"),
            }
        }
        if flag {
            let t0 = Instant::now();
            let form = [("position", pos.to_string()), ("flag", "on".to_owned())];
            match post_save(&c, &format!("{base}{attempt}/save"), &token, &form).await {
                Some(204) => stats.record("flag", t0).await,
                Some(status) => failures.add("flag", format!("HTTP {status}")),
                None => failures.add("flag", "no answer twice"),
            }
        }
        pos = if revisit && furthest > 1 {
            rand::thread_rng().gen_range(1..furthest)
        } else {
            furthest = (furthest + 1).min(65);
            furthest
        };
    }
    let t0 = Instant::now();
    match c
        .post(format!("{base}{attempt}/submit"))
        .form(&[("csrf_token", csrf.as_str())])
        .send()
        .await
    {
        Ok(r) if r.status() == 303 => stats.record("submit", t0).await,
        Ok(r) => failures.add("submit", format!("HTTP {}", r.status())),
        Err(e) => failures.add("submit", e),
    }
    let t0 = Instant::now();
    match get_page(&c, &format!("{base}{attempt}/result")).await {
        Ok((200, _)) => stats.record("result page", t0).await,
        Ok((status, _)) => failures.add("result page", format!("HTTP {status}")),
        Err(e) => failures.add("result page", e),
    }
    acked
}

/// Signs every student in: argon2 work, bounded as a login form's crowd would
/// be by the server's blocking threads; not part of the paced figures.
async fn sign_in_all(base: &str, students: usize) -> anyhow::Result<Vec<(reqwest::Client, String)>> {
    let stats = Arc::new(Stats::default());
    let gate = Arc::new(Semaphore::new(16));
    let t = Instant::now();
    let mut tasks = Vec::with_capacity(students);
    for i in 0..students {
        let (gate, base, stats) = (gate.clone(), base.to_owned(), stats.clone());
        tasks.push(tokio::spawn(async move {
            let _permit = gate.acquire().await.ok()?;
            let t0 = Instant::now();
            let signed = sign_in(&base, i).await;
            if let Err(e) = &signed {
                eprintln!("sign-in {i} failed: {e}");
            }
            stats.record("login", t0).await;
            signed.ok()
        }));
    }
    let mut roster = Vec::with_capacity(students);
    for t in tasks {
        if let Some(s) = t.await? {
            roster.push(s);
        }
    }
    let login_wall = t.elapsed();
    if let Some(samples) = stats.0.lock().await.get_mut("login") {
        report("login", samples, login_wall);
    }
    anyhow::ensure!(
        roster.len() == students,
        "only {} of {students} signed in",
        roster.len()
    );
    Ok(roster)
}

/// How many acknowledged answers the database lacks (or holds differently),
/// and how many attempts there are and were graded.
async fn check_stored(pool: &sqlx::PgPool, acked: &Acked) -> anyhow::Result<(usize, i64, i64)> {
    let rows: Vec<(uuid::Uuid, i32, Option<String>)> =
        sqlx::query_as("select attempt_id, position, selected from attempt_answers")
            .fetch_all(pool)
            .await?;
    let stored: HashMap<(String, i32), Option<String>> = rows
        .into_iter()
        .map(|(a, p, s)| ((format!("/attempts/{a}"), p), s))
        .collect();
    let missing = acked
        .iter()
        .filter(|(k, v)| stored.get(*k).and_then(|s| s.as_deref()) != Some(v.to_string().as_str()))
        .count();
    let (attempts, graded): (i64, i64) =
        sqlx::query_as("select count(*), count(*) filter (where submitted_at is not null) from attempts")
            .fetch_one(pool)
            .await?;
    Ok((missing, attempts, graded))
}

/// Percentiles over several steps together.
fn merged(all: &HashMap<&'static str, Vec<f64>>, steps: &[&str]) -> Vec<f64> {
    steps.iter().filter_map(|s| all.get(s)).flatten().copied().collect()
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    if !std::env::args().any(|a| a == "--bench") {
        println!("pacing benchmark: skipped (run it with `scripts/bench-pacing`)");
        return Ok(());
    }
    let students = env_or("STUDENTS", 10_000) as usize;
    let pacing = Arc::new(Pacing {
        duration: Duration::from_secs(env_or("DURATION", 300)),
        arrival: Duration::from_secs(env_or("ARRIVAL", 60)),
        think_min: env_or("THINK_MIN", 20) as f64,
        think_max: env_or("THINK_MAX", 120) as f64,
    });
    anyhow::ensure!(pacing.think_min <= pacing.think_max, "THINK_MIN above THINK_MAX");
    let server =
        std::env::var("DATABASE_URL").map_err(|_| anyhow::anyhow!("set DATABASE_URL (scripts/bench-pacing does)"))?;
    let db = format!("examdrill_pacing_{}", uuid::Uuid::new_v4().simple());
    let mut admin = PgConnection::connect(&server).await?;
    admin.execute(format!("create database \"{db}\"").as_str()).await?;
    let url = format!("{}/{db}", server.rsplit_once('/').map(|(p, _)| p).unwrap_or(&server));
    let target = servers::Target::from_env()?;
    let servers = servers::Servers::launch(target, &url, 16).await?;
    let base = servers.base.clone();
    let pool = sqlx::postgres::PgPoolOptions::new()
        .max_connections(4)
        .connect(&url)
        .await?;
    seed(&pool, students).await?;
    println!(
        "pacing: {students} students, {} at {base}; run {} s, arrivals over {} s, think {}-{} s",
        target.describe(),
        pacing.duration.as_secs(),
        pacing.arrival.as_secs(),
        pacing.think_min,
        pacing.think_max
    );

    let stats = Arc::new(Stats::default());
    let roster = sign_in_all(&base, students).await?;
    let rss_after_login: Vec<u64> = servers.rss_kib();

    let failures = Arc::new(Failures::default());
    let began = Instant::now();
    let mut tasks = Vec::with_capacity(students);
    for (c, csrf) in roster {
        tasks.push(tokio::spawn(take_exam(
            base.clone(),
            c,
            csrf,
            pacing.clone(),
            began,
            stats.clone(),
            failures.clone(),
        )));
    }
    let mut acked = Acked::new();
    for t in tasks {
        acked.extend(t.await?);
    }
    let wall = began.elapsed();

    println!("\n== paced run: {:.0} s ==", wall.as_secs_f64());
    let mut all = std::mem::take(&mut *stats.0.lock().await);
    for step in ["start", "question page", "answer save", "flag", "submit", "result page"] {
        if let Some(samples) = all.get_mut(step) {
            report(step, samples, wall);
        }
    }
    let (_, pages_p99) = report(
        "PAGES (question+result)",
        &mut merged(&all, &["question page", "result page"]),
        wall,
    );
    let (_, saves_p99) = report("SAVES (answer+flag)", &mut merged(&all, &["answer save", "flag"]), wall);
    let failed = failures.0.load(Ordering::Relaxed);
    println!("failed requests: {failed}");

    let peak: Vec<u64> = servers.peak_rss_kib();
    let mib = |v: &[u64]| {
        v.iter()
            .map(|k| format!("{} MiB", k / 1024))
            .collect::<Vec<_>>()
            .join(", ")
    };
    println!(
        "server RSS after sign-in: {}; peak (VmHWM) per instance: {}; sum of peaks {} MiB",
        mib(&rss_after_login),
        mib(&peak),
        peak.iter().sum::<u64>() / 1024
    );

    let (missing, attempts, graded) = check_stored(&pool, &acked).await?;
    println!(
        "acknowledged answers checked in the database: {}; missing or different: {missing}; attempts {attempts}, graded {graded}",
        acked.len()
    );
    let peak_sum_mib = peak.iter().sum::<u64>() as f64 / 1024.0;
    let verdict = |ok: bool| if ok { "met" } else { "NOT met" };
    println!(
        "goals: pages p99 {pages_p99:.1} ms < 200 ({}); saves p99 {saves_p99:.1} ms < 50 ({}); RSS {peak_sum_mib:.0} MiB < 1024 ({}); lost {missing} ({})",
        verdict(pages_p99 < 200.0),
        verdict(saves_p99 < 50.0),
        verdict(peak_sum_mib < 1024.0),
        verdict(missing == 0),
    );

    drop(servers);
    pool.close().await;
    admin
        .execute(format!("drop database \"{db}\" with (force)").as_str())
        .await
        .ok();
    anyhow::ensure!(missing == 0, "acknowledged answers are missing");
    Ok(())
}
