//! Imports one generated native file of 5,000 questions into a fresh database
//! and prints how long each stage took, end to end (read → parse → validate →
//! one committed transaction). Run: `scripts/bench-import` (or, with
//! DATABASE_URL set, `cargo bench --bench import`). Goal: under 2 s.

use std::fmt::Write as _;
use std::time::Instant;

use examdrill::bank::load::read_paths;
use examdrill::bank::store::{Mode, import};
use examdrill::bank::validate::validate;
use sqlx::{Connection, Executor, PgConnection};

const QUESTIONS: usize = 5_000;

fn generate(n: usize) -> String {
    let mut s = String::from(
        "[topic]\nslug = \"bench-topic\"\nname_ko = \"벤치마크\"\nname_en = \"Benchmark\"\n\
         domains = [\"saa-c03/secure\"]\nsummary_ko = \"요약\"\nsummary_en = \"Summary\"\n\n",
    );
    for i in 0..n {
        let multiple = i % 7 == 0;
        let _ = write!(
            s,
            "[[questions]]\nid = \"bench-{i:05}\"\nexams = [\"saa-c03\", \"soa-c03\"]\n\
             domain = {{ saa-c03 = \"secure\", soa-c03 = \"security\" }}\ndifficulty = \"medium\"\n\
             kind = \"{}\"\nlanguage = \"ko\"\nanswer = {}\n\
             source = {{ file = \"002_3150f65406e0565b.txt\", heading = \"[SAA/DVA] KMS Overview\" }}\n\
             stem = \"\"\"\n회사 {i}는 KMS 키 정책을 검토하고 있습니다. 최소 권한을 지키려면 무엇을 해야 합니까? 문항 번호 {i}.\n\"\"\"\n\
             explanation = \"\"\"\n키 정책과 IAM 정책이 함께 평가됩니다. 설명 {i}.\n\"\"\"\n",
            if multiple { "multiple" } else { "single" },
            if multiple { "[\"a\", \"c\"]" } else { "[\"b\"]" },
        );
        let keys: &[char] = if multiple {
            &['a', 'b', 'c', 'd', 'e']
        } else {
            &['a', 'b', 'c', 'd']
        };
        for k in keys {
            let _ = write!(
                s,
                "\n[[questions.options]]\nkey = \"{k}\"\ntext = \"보기 {k} (문항 {i})\"\nrationale = \"보기 {k}의 근거입니다.\"\n"
            );
        }
        s.push('\n');
    }
    s
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    // `cargo test --all-targets` also runs bench binaries; only measure under `cargo bench`.
    if !std::env::args().any(|a| a == "--bench") {
        println!("import benchmark: skipped (run it with `cargo bench --bench import`)");
        return Ok(());
    }
    let server =
        std::env::var("DATABASE_URL").map_err(|_| anyhow::anyhow!("set DATABASE_URL (scripts/bench-import does)"))?;
    let db = format!("examdrill_bench_{}", uuid::Uuid::new_v4().simple());
    let mut admin = PgConnection::connect(&server).await?;
    admin.execute(format!("create database \"{db}\"").as_str()).await?;
    let url = format!("{}/{db}", server.rsplit_once('/').map(|(p, _)| p).unwrap_or(&server));
    let pool = examdrill::db::pool(&url, 4)?;
    examdrill::db::migrate(&pool).await?;

    let dir = std::env::temp_dir().join(format!("examdrill-bench-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir)?;
    let file = dir.join("bench.toml");
    let text = generate(QUESTIONS);
    std::fs::write(&file, &text)?;
    let blueprints = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("question_bank/blueprints");

    let mut runs = Vec::new();
    for run in 0..3 {
        let t0 = Instant::now();
        let loaded = read_paths(&[file.clone(), blueprints.clone()], None, None);
        let t_parse = t0.elapsed();
        let problems = validate(&loaded.bank);
        anyhow::ensure!(
            problems.is_empty() && loaded.diagnostics.is_empty(),
            "generated bank is invalid"
        );
        let t_validate = t0.elapsed();
        let report = import(&pool, &loaded.bank, None, Mode::Apply).await?;
        let total = t0.elapsed();
        println!(
            "run {run}: {} questions, {:.1} MB; parse {:.0} ms, validate {:.0} ms, import {:.0} ms, total {:.0} ms ({} added, {} unchanged)",
            loaded.bank.questions.len(),
            text.len() as f64 / 1e6,
            t_parse.as_secs_f64() * 1e3,
            (t_validate - t_parse).as_secs_f64() * 1e3,
            (total - t_validate).as_secs_f64() * 1e3,
            total.as_secs_f64() * 1e3,
            report.added.len(),
            report.unchanged,
        );
        runs.push((report.added.len(), total));
    }
    let first = runs[0].1.as_secs_f64();
    println!(
        "import benchmark: first (fresh) import of {QUESTIONS} questions took {first:.2} s end to end; goal < 2 s: {}",
        if first < 2.0 { "met" } else { "NOT met" }
    );
    pool.close().await;
    admin
        .execute(format!("drop database \"{db}\" with (force)").as_str())
        .await?;
    std::fs::remove_dir_all(dir)?;
    Ok(())
}
