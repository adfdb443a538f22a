//! Parses and checks a generated 20 MB GIFT file (once more with a Moodle
//! category every thousand questions, placed one topic per category) and a
//! 20 MB single-line Moodle XML file, each in its own child process so each peak resident size
//! is its own, and prints time and peak memory against the goals (under 3 s,
//! under 5x the file size). Run: `scripts/bench-foreign`.

use std::fmt::Write as _;
use std::time::Instant;

use examdrill::bank::formats::Defaults;
use examdrill::bank::formats::category::CategoryMode;
use examdrill::bank::load::{Verdict, parse_upload};
use examdrill::bank::model::Difficulty;

const TARGET_BYTES: usize = 20 * 1024 * 1024;

/// `categories`: a `$CATEGORY:` line before every thousandth question, so
/// about 60 categories, each its own topic in "one topic per category" mode.
fn gift(categories: bool) -> String {
    let mut s = String::with_capacity(TARGET_BYTES + 1024);
    let mut i = 0;
    while s.len() < TARGET_BYTES {
        if categories && i % 1000 == 0 {
            let _ = write!(s, "$CATEGORY: $course$/top/AWS/Unit {}\n\n", i / 1000);
        }
        let _ = write!(
            s,
            "// 문항 {i}\n::q{i}::[html]<p>VPC {i}에서 <b>응답 트래픽</b> 규칙이 필요 없는 방화벽은?</p>{{\n\
             =보안 그룹#상태 저장입니다.\n~네트워크 ACL#상태 비저장입니다.\n~%50%라우팅 테이블 {i}\n~인터넷 게이트웨이\n\
             ####보안 그룹은 상태 저장 방화벽입니다\\: 응답은 자동 허용됩니다.\n}}\n\n"
        );
        i += 1;
    }
    s
}

/// One line, no newline anywhere: the case that used to be quadratic.
fn xml() -> String {
    let mut s = String::with_capacity(TARGET_BYTES + 1024);
    s.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?><quiz>");
    let mut i = 0;
    while s.len() < TARGET_BYTES {
        let _ = write!(
            s,
            "<question type=\"multichoice\"><name><text>q{i}</text></name>\
             <questiontext format=\"html\"><text><![CDATA[<p>VPC {i}에서 <b>응답</b> 규칙이 필요 없는 방화벽은?</p><ul><li>하나</li><li>둘</li></ul>]]></text></questiontext>\
             <generalfeedback format=\"html\"><text>보안 그룹은 상태 저장 방화벽입니다 &amp; 응답은 자동 허용됩니다.</text></generalfeedback>\
             <single>true</single><shuffleanswers>1</shuffleanswers>\
             <answer fraction=\"100\" format=\"html\"><text>보안 그룹</text><feedback format=\"html\"><text>맞습니다.</text></feedback></answer>\
             <answer fraction=\"0\" format=\"html\"><text>네트워크 ACL</text><feedback format=\"html\"><text>상태 비저장입니다.</text></feedback></answer>\
             <answer fraction=\"0\" format=\"html\"><text>라우팅 테이블 {i}</text></answer>\
             <answer fraction=\"0\" format=\"html\"><text>인터넷 게이트웨이</text></answer></question>"
        );
        i += 1;
    }
    s.push_str("</quiz>");
    s
}

/// Peak resident set of this process, in bytes (Linux).
fn peak_rss() -> usize {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches(" kB").trim().parse::<usize>().ok())
        })
        .map_or(0, |kb| kb * 1024)
}

fn measure(format: &str) {
    let (name, text) = match format {
        "gift" => ("bench.gift", gift(false)),
        "gift-categories" => ("bench-categories.gift", gift(true)),
        _ => ("bench.xml", xml()),
    };
    let categories = if format == "gift-categories" {
        CategoryMode::PerCategory
    } else {
        CategoryMode::OneTopic
    };
    let d = Defaults {
        topic: "bench-topic".into(),
        exam: "saa-c03".into(),
        domain: "secure".into(),
        difficulty: Difficulty::Medium,
        language: "ko".into(),
        categories,
    };
    let start = Instant::now();
    let loaded = parse_upload([(name, text.as_str())], Some(&d));
    let elapsed = start.elapsed().as_secs_f64();
    let peak = peak_rss();
    let mb = |b: usize| b as f64 / (1024.0 * 1024.0);
    let n = |v: Verdict| loaded.outcomes.iter().filter(|o| o.verdict == v).count();
    println!(
        "{name}: {:.1} MB, {} question(s) ({} imported, {} warned, {} skipped), {} file problem(s); \
         parse+check {elapsed:.2} s (goal < 3 s), peak RSS {:.0} MB = {:.1}x the file (goal < 5x)",
        mb(text.len()),
        loaded.bank.questions.len(),
        n(Verdict::Imported),
        n(Verdict::Warned),
        n(Verdict::Skipped),
        loaded.diagnostics.len(),
        mb(peak),
        peak as f64 / text.len() as f64,
    );
    if !loaded.categories.is_empty() {
        println!(
            "  {} categories, {} new topic(s)",
            loaded.categories.len(),
            loaded.bank.topics.len()
        );
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    // `cargo test --all-targets` also runs bench binaries; only measure under `cargo bench`.
    if let Some(i) = args.iter().position(|a| a == "--child") {
        measure(args.get(i + 1).map_or("gift", String::as_str));
        return;
    }
    if !args.iter().any(|a| a == "--bench") {
        println!("foreign-format benchmark: skipped (run it with `cargo bench --bench foreign`)");
        return;
    }
    let Ok(me) = std::env::current_exe() else {
        eprintln!("cannot find this benchmark's executable");
        std::process::exit(1);
    };
    for format in ["gift", "gift-categories", "xml"] {
        match std::process::Command::new(&me).args(["--child", format]).status() {
            Ok(s) if s.success() => {}
            other => {
                eprintln!("{format}: the measuring process failed: {other:?}");
                std::process::exit(1);
            }
        }
    }
}
