//! Fills a fresh database holding the shipped bank with ANSWERS graded
//! answers (default 1,000,000: full SAA-C03 exams of 65 questions from
//! simulated students), adds them to the item statistics, and times the
//! instructor's statistics page and its CSV over HTTP. Run: `scripts/bench-stats`
//! (or, with DATABASE_URL set, `cargo bench --bench stats`). Goal: the page in
//! under 300 ms.

use std::time::{Duration, Instant};

use actix_web::cookie::Key;
use examdrill::configuration::Settings;
use examdrill::startup::Application;
use sqlx::{Connection, Executor, PgConnection, PgPool};

const PASSWORD: &str = "bench-password-123";
const RUNS: usize = 15;

#[path = "common/mod.rs"]
mod common;
use common::{client, csrf_from};

/// Graded full exams straight in SQL: each simulated student (ability from a
/// normal distribution) sits 65 distinct live SAA questions and answers one
/// correctly with a logistic chance in ability minus a per-question difficulty.
async fn fill(pool: &PgPool, answers: usize) -> anyhow::Result<usize> {
    let exams = answers.div_ceil(65);
    let mut tx = pool.begin().await?;
    tx.execute(
        "create temp table bench_users on commit drop as
         select gen_random_uuid() as id, g from generate_series(0, 1999) g",
    )
    .await?;
    tx.execute(
        "insert into users (id, email, display_name, password_hash)
         select id, 'bench' || g || '@example.com', 'Bench', 'x' from bench_users",
    )
    .await?;
    tx.execute(
        "create temp table pool_q on commit drop as
         select q.id, q.current_version as version, e.domain, q.option_keys,
                (select string_agg(a, '') from jsonb_array_elements_text(v.content->'answer') a) as answer,
                (random() * 3 - 1.5) as difficulty
         from questions q join question_exams e on e.question_id = q.id and e.exam = 'saa-c03'
         join question_versions v on v.question_id = q.id and v.version = q.current_version
         where q.retired_at is null",
    )
    .await?;
    sqlx::query(
        "create temp table bench_attempts on commit drop as
         select gen_random_uuid() as id, u.id as user_id,
                sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random()) as ability,
                now() - (s.n % 90) * interval '1 day' as started_at
         from generate_series(1, $1) as s(n) join bench_users u on u.g = s.n % 2000",
    )
    .bind(exams as i32)
    .execute(&mut *tx)
    .await?;
    // The question list lives in the attempt's row and each graded item in
    // attempt_answers (the attempt_items view joins them), as grading leaves them.
    tx.execute(
        "create temp table bench_items on commit drop as
         select a.id as attempt_id, p.n, p.id as question_id, p.version, p.domain, p.option_keys,
                case when p.right then p.answer
                     else substr(translate(p.option_keys, p.answer, ''), 1 + (random() * 2)::int % greatest(length(translate(p.option_keys, p.answer, '')), 1), 1) end
                    as selected,
                p.right as correct, a.started_at + p.n * interval '80 seconds' * (0.5 + random()) as answered_at,
                length(p.answer) = 1 as single_choice
         from bench_attempts a
         cross join lateral (
             select q.*, row_number() over ()::int as n,
                    random() < 1 / (1 + exp(-(a.ability - q.difficulty) * 1.2)) as right
             from (select * from pool_q where a.id is not null order by random() limit 65) q
         ) p",
    )
    .await?;
    tx.execute(
        "insert into attempts (id, user_id, exam, mode, feedback, deadline, started_at, submitted_at,
                               finish_reason, question_count, raw_score,
                               question_ids, versions, domains, option_orders, single_choices)
         select a.id, a.user_id, 'saa-c03', 'exam', 'end', a.started_at + interval '130 minutes', a.started_at,
                a.started_at + interval '100 minutes', 'submitted', 65, i.raw,
                i.question_ids, i.versions, i.domains, i.option_orders, i.single_choices
         from bench_attempts a
         join (select attempt_id, count(*) filter (where correct)::int as raw,
                      array_agg(question_id order by n) as question_ids, array_agg(version order by n) as versions,
                      array_agg(domain order by n) as domains, array_agg(option_keys order by n) as option_orders,
                      array_agg(single_choice order by n) as single_choices
               from bench_items group by attempt_id) i on i.attempt_id = a.id",
    )
    .await?;
    tx.execute(
        "insert into attempt_answers (attempt_id, position, selected, correct, answered_at)
         select attempt_id, n, selected, correct, answered_at from bench_items",
    )
    .await?;
    tx.commit().await?;
    Ok(exams)
}

async fn instructor(base: &str, pool: &PgPool) -> anyhow::Result<reqwest::Client> {
    let c = client();
    let page = c.get(format!("{base}/register")).send().await?.text().await?;
    let r = c
        .post(format!("{base}/register"))
        .form(&[
            ("email", "teacher@example.com"),
            ("display_name", "Teacher"),
            ("password", PASSWORD),
            ("password_confirm", PASSWORD),
            ("csrf_token", csrf_from(&page).as_str()),
        ])
        .send()
        .await?;
    anyhow::ensure!(r.status() == 303, "registration: {}", r.status());
    sqlx::query("update users set role = 'instructor' where email = 'teacher@example.com'")
        .execute(pool)
        .await?;
    Ok(c)
}

/// Times RUNS requests (after one to warm up) and prints the median, p90 and worst.
async fn time_get(c: &reqwest::Client, url: &str, label: &str) -> anyhow::Result<Duration> {
    let mut times = Vec::new();
    let mut bytes = 0;
    for run in 0..=RUNS {
        let t0 = Instant::now();
        let r = c.get(url).send().await?;
        anyhow::ensure!(r.status() == 200, "{label}: {}", r.status());
        bytes = r.bytes().await?.len();
        if run > 0 {
            times.push(t0.elapsed());
        }
    }
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    println!(
        "{label}: median {:.0} ms, p90 {:.0} ms, worst {:.0} ms ({RUNS} runs, {:.0} kB)",
        ms(times[RUNS / 2]),
        ms(times[RUNS * 9 / 10]),
        ms(times[RUNS - 1]),
        bytes as f64 / 1e3
    );
    Ok(times[RUNS / 2])
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    if !std::env::args().any(|a| a == "--bench") {
        println!("stats benchmark: skipped (run it with `scripts/bench-stats`)");
        return Ok(());
    }
    let answers: usize = std::env::var("ANSWERS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1_000_000);
    let server =
        std::env::var("DATABASE_URL").map_err(|_| anyhow::anyhow!("set DATABASE_URL (scripts/bench-stats does)"))?;
    let db = format!("examdrill_stats_{}", uuid::Uuid::new_v4().simple());
    let mut admin = PgConnection::connect(&server).await?;
    admin.execute(format!("create database \"{db}\"").as_str()).await?;
    let url = format!("{}/{db}", server.rsplit_once('/').map(|(p, _)| p).unwrap_or(&server));
    // Filled and counted before the app starts, so its background sweep does
    // not count the attempts this benchmark times counting.
    let pool = examdrill::db::pool(&url, 8)?;
    examdrill::db::migrate(&pool).await?;
    let bank = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("question_bank");
    examdrill::bank::seed::seed_if_empty(&pool, &bank).await?;

    let t = Instant::now();
    let exams = fill(&pool, answers).await?;
    println!(
        "filled {exams} graded full exams ({} answers) in {:.1} s",
        exams * 65,
        t.elapsed().as_secs_f64()
    );
    // Grading adds one attempt at a time; time that for a few attempts first.
    let ids: Vec<uuid::Uuid> = sqlx::query_scalar("select id from attempts order by id limit 20")
        .fetch_all(&pool)
        .await?;
    let mut one = Vec::new();
    for id in &ids {
        let t0 = Instant::now();
        examdrill::stats::store::count_attempts(&pool, &[*id]).await?;
        one.push(t0.elapsed());
    }
    one.sort();
    println!(
        "adding one graded attempt to the counts (what grading does): median {:.1} ms, worst {:.1} ms",
        one[one.len() / 2].as_secs_f64() * 1e3,
        one[one.len() - 1].as_secs_f64() * 1e3
    );
    let t = Instant::now();
    let swept = examdrill::stats::store::catch_up(&pool).await?;
    println!(
        "the sweep counted the other {swept} attempts in {:.1} s",
        t.elapsed().as_secs_f64()
    );
    pool.execute("analyze").await?;
    for table in [
        "item_score_counts",
        "item_option_counts",
        "item_time_counts",
        "exam_score_counts",
    ] {
        let n: i64 = sqlx::query_scalar(&format!("select count(*) from {table}"))
            .fetch_one(&pool)
            .await?;
        println!("  {table}: {n} rows");
    }
    let graded: i64 = sqlx::query_scalar("select count(*) from attempt_items")
        .fetch_one(&pool)
        .await?;
    println!("graded answers in attempt_items: {graded}");

    let t0 = Instant::now();
    let items = examdrill::stats::store::list(&pool, &Default::default()).await?;
    println!(
        "stats::store::list alone: {} items in {:.0} ms",
        items.len(),
        t0.elapsed().as_secs_f64() * 1e3
    );

    let settings = Settings {
        bind: "127.0.0.1:0".into(),
        database_url: url,
        db_pool_size: 8,
        cookie_key: Key::generate(),
        cookie_secure: false,
        data_dir: std::env::temp_dir(),
        seed_bank: None,
        trusted_proxies: Vec::new(),
        body_timeout: Duration::from_secs(60),
        drain: Duration::ZERO,
        shutdown_timeout: Duration::from_secs(30),
        upload_parse_limit: Duration::from_secs(20),
    };
    let app = Application::build(settings).await?;
    let base = format!("http://127.0.0.1:{}", app.port());
    let handle = app.handle();
    tokio::spawn(app.run_until_stopped());
    let c = instructor(&base, &pool).await?;
    time_get(
        &c,
        &format!("{base}/instructor/stats.csv?flag=negative"),
        "GET /instructor/stats.csv?flag=negative (first)",
    )
    .await?;
    let page = time_get(&c, &format!("{base}/instructor/stats"), "GET /instructor/stats").await?;
    time_get(
        &c,
        &format!("{base}/instructor/stats?exam=saa-c03&domain=secure&flag=distractor"),
        "GET /instructor/stats (filtered)",
    )
    .await?;
    let csv = time_get(&c, &format!("{base}/instructor/stats.csv"), "GET /instructor/stats.csv").await?;
    time_get(
        &c,
        &format!("{base}/instructor/stats.csv?flag=negative"),
        "GET /instructor/stats.csv?flag=negative",
    )
    .await?;
    let worst = items.first().map(|i| i.question_id.clone()).unwrap_or_default();
    time_get(
        &c,
        &format!("{base}/instructor/bank/questions/{worst}"),
        "GET a question page with its statistics",
    )
    .await?;
    println!(
        "stats benchmark: {} graded answers; page median {:.0} ms, CSV median {:.0} ms; goal page < 300 ms: {}",
        graded,
        page.as_secs_f64() * 1e3,
        csv.as_secs_f64() * 1e3,
        if page < Duration::from_millis(300) {
            "met"
        } else {
            "NOT met"
        }
    );
    handle.stop(true).await;
    pool.close().await;
    admin
        .execute(format!("drop database \"{db}\" with (force)").as_str())
        .await?;
    Ok(())
}
