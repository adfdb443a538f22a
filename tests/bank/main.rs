//! The native bank format: loading, validation and error positions, on
//! fixtures written for these tests.

use std::path::{Path, PathBuf};

mod categories;
mod corpus;
mod counters;
mod formats;
mod moodle;
mod realfiles;
mod robust;
mod shipped;

use examdrill::bank::{Kind, load_paths};

fn fixture(p: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/bank")
        .join(p)
}

fn blueprints() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("question_bank/blueprints")
}

/// (line, column, message fragment) of every diagnostic in `file`.
fn problems(file: &str) -> Vec<(u32, u32, String)> {
    let loaded = load_paths(&[fixture(file)], Some(&blueprints()));
    loaded
        .diagnostics
        .iter()
        .map(|d| (d.pos.line, d.pos.column, d.message.clone()))
        .collect()
}

fn has(problems: &[(u32, u32, String)], line: u32, column: u32, fragment: &str) -> bool {
    problems
        .iter()
        .any(|(l, c, m)| *l == line && *c == column && m.contains(fragment))
}

#[test]
fn a_valid_file_loads_with_no_problems() {
    let loaded = load_paths(&[fixture("valid")], Some(&blueprints()));
    assert!(loaded.diagnostics.is_empty(), "{:#?}", loaded.diagnostics);
    assert_eq!(
        loaded.bank.blueprints.len(),
        2,
        "shipped blueprints are used when the paths hold none"
    );
    assert_eq!(loaded.bank.topics.len(), 1);
    let qs = &loaded.bank.questions;
    assert_eq!(qs.len(), 2);
    assert_eq!(qs[0].topic, "fixture-vpc-basics", "questions inherit the file's topic");
    assert_eq!(qs[0].domains.get("soa-c03"), Some("networking"));
    assert_eq!(qs[1].kind, Kind::Multiple);
    assert_eq!(qs[1].answer, vec!['a', 'c']);
    assert_eq!(qs[1].options.len(), 5, "inline option tables are accepted too");
}

#[test]
fn every_problem_is_reported_in_one_pass_with_its_position() {
    let p = problems("invalid/many-problems.toml");
    let expect = [
        (8, 1, "unknown field `colour` in [topic]"),
        (11, 1, "is `single` but has 2 correct answers"),
        (25, 5, "options `a` and `d` say the same thing"),
        (32, 14, "difficulty `impossible` must be easy, medium or hard"),
        (29, 1, "question id `broken-001` is already used at"),
        (29, 1, "unknown domain `galaxy` of saa-c03"),
        (29, 1, "answer `z` is not one of its option keys"),
        (29, 1, "stem is empty"),
        (
            49,
            10,
            "exam `dva-c02` is listed in `exams` but has no entry in `domain`",
        ),
        (47, 1, "missing field `difficulty`"),
        (50, 8, "field `kind` must be a string, found integer"),
    ];
    for (line, col, fragment) in expect {
        assert!(
            has(&p, line, col, fragment),
            "expected {line}:{col} {fragment:?} among {p:#?}"
        );
    }
    assert_eq!(p.len(), expect.len(), "no unexpected problems: {p:#?}");
}

#[test]
fn broken_toml_is_reported_at_the_error() {
    let p = problems("invalid/not-toml.toml");
    assert_eq!(p.len(), 1, "{p:?}");
    // The parser notices the unterminated string at the end of the line.
    assert_eq!((p[0].0, p[0].1), (1, 18));
    assert!(p[0].2.starts_with("not valid TOML"), "{p:?}");
}

#[test]
fn duplicate_ids_across_files_point_at_both() {
    let dir = std::env::temp_dir().join(format!("examdrill-bank-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let text = std::fs::read_to_string(fixture("valid/vpc-basics.toml")).unwrap();
    std::fs::write(dir.join("a.toml"), &text).unwrap();
    let renamed_topic = text.replace("slug = \"fixture-vpc-basics\"", "slug = \"fixture-vpc-copy\"");
    std::fs::write(dir.join("b.toml"), renamed_topic).unwrap();
    let loaded = load_paths(std::slice::from_ref(&dir), Some(&blueprints()));
    let msgs: Vec<String> = loaded.diagnostics.iter().map(ToString::to_string).collect();
    assert_eq!(msgs.len(), 2, "{msgs:#?}");
    assert!(
        msgs[0].contains("b.toml:14:1: question id `fixture-vpc-001` is already used at"),
        "{msgs:#?}"
    );
    assert!(msgs[0].ends_with("a.toml:14:1"), "{msgs:#?}");
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn a_question_without_any_topic_is_refused() {
    let dir = std::env::temp_dir().join(format!("examdrill-bank-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let text = std::fs::read_to_string(fixture("valid/vpc-basics.toml")).unwrap();
    let without_topic = &text[text.find("[[questions]]").unwrap()..];
    std::fs::write(dir.join("q.toml"), without_topic).unwrap();
    let loaded = load_paths(std::slice::from_ref(&dir), Some(&blueprints()));
    assert!(
        loaded.diagnostics.iter().any(|d| d.message.contains("has no topic")),
        "{:#?}",
        loaded.diagnostics
    );
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn the_shipped_blueprints_match_the_exam_guides() {
    let loaded = load_paths(&[blueprints()], None);
    assert!(loaded.diagnostics.is_empty(), "{:#?}", loaded.diagnostics);
    let saa = loaded.bank.blueprint("saa-c03").unwrap();
    assert_eq!((saa.questions, saa.minutes, saa.passing_score), (65, 130, 720));
    let w: Vec<_> = saa.domains.iter().map(|d| (d.code.as_str(), d.weight)).collect();
    assert_eq!(
        w,
        [("secure", 30), ("resilient", 26), ("performance", 24), ("cost", 20)]
    );
    let soa = loaded.bank.blueprint("soa-c03").unwrap();
    assert_eq!((soa.questions, soa.minutes, soa.passing_score), (65, 130, 720));
    let w: Vec<_> = soa.domains.iter().map(|d| (d.code.as_str(), d.weight)).collect();
    assert_eq!(
        w,
        [
            ("monitoring", 22),
            ("reliability", 22),
            ("deployment", 22),
            ("security", 16),
            ("networking", 18)
        ]
    );
}
