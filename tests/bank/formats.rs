//! GIFT, Aiken, CSV and Moodle XML: parsing, defaults, positions of problems,
//! and the Moodle XML round trip.

use std::path::{Path, PathBuf};

use examdrill::bank::formats::{Defaults, moodle_xml};
use examdrill::bank::load::{Outcome, Verdict, parse_upload};
use examdrill::bank::model::{Bank, Difficulty, Kind, Pos, Topic};
use examdrill::bank::validate::validate;
use examdrill::bank::{Diagnostic, Question, load_paths};

fn fixture(p: &str) -> (String, String) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/bank/formats")
        .join(p);
    (p.to_owned(), std::fs::read_to_string(path).unwrap())
}

pub fn defaults() -> Defaults {
    Defaults {
        topic: "fixture-formats".into(),
        exam: "saa-c03".into(),
        domain: "secure".into(),
        difficulty: Difficulty::Medium,
        language: "ko".into(),
        categories: Default::default(),
    }
}

fn parse(p: &str) -> (Vec<Question>, Vec<Diagnostic>) {
    let (name, text) = fixture(p);
    let loaded = parse_upload([(name.as_str(), text.as_str())], Some(&defaults()));
    let mut d = loaded.diagnostics;
    d.extend(skipped(&loaded.outcomes));
    (loaded.bank.questions, d)
}

/// Skipped questions as diagnostics: where, and why.
pub fn skipped(outcomes: &[Outcome]) -> Vec<Diagnostic> {
    outcomes
        .iter()
        .filter(|o| o.verdict == Verdict::Skipped)
        .map(|o| Diagnostic {
            pos: o.pos.clone(),
            message: o.reasons.join("; "),
        })
        .collect()
}

/// Validation problems of `questions` against the shipped blueprints and a fixture topic.
fn problems(questions: Vec<Question>) -> Vec<Diagnostic> {
    let bp: Vec<PathBuf> = vec![Path::new(env!("CARGO_MANIFEST_DIR")).join("question_bank/blueprints")];
    let mut bank = Bank {
        blueprints: load_paths(&bp, None).bank.blueprints,
        ..Default::default()
    };
    bank.topics.push(Topic {
        slug: "fixture-formats".into(),
        name_ko: "형식".into(),
        name_en: "Formats".into(),
        domains: vec![("saa-c03".into(), "secure".into())],
        summary_ko: "요약".into(),
        summary_en: "Summary".into(),
        pos: Pos::default(),
    });
    bank.questions = questions;
    validate(&bank)
}

fn lines(d: &[Diagnostic]) -> Vec<(u32, String)> {
    d.iter().map(|d| (d.pos.line, d.message.clone())).collect()
}

#[test]
fn gift_multiple_choice_weights_and_true_false() {
    let (qs, d) = parse("valid.gift");
    assert!(d.is_empty(), "{d:#?}");
    assert_eq!(qs.len(), 3);
    assert_eq!(qs[0].id, "fixture-formats-sg-stateful");
    assert_eq!(qs[0].stem, "응답 트래픽 규칙이 **따로 필요 없는** 방화벽은?");
    assert_eq!((qs[0].kind, qs[0].answer.clone()), (Kind::Single, vec!['a']));
    assert_eq!(qs[0].options[0].rationale, "상태 저장이라 응답이 자동 허용됩니다.");
    assert_eq!(
        qs[0].options[2].rationale, "",
        "no feedback stays empty; the pages say so themselves"
    );
    assert_eq!(qs[0].explanation, "보안 그룹은 상태 저장 방화벽입니다.");
    assert_eq!((qs[1].kind, qs[1].answer.clone()), (Kind::Multiple, vec!['a', 'b']));
    assert_eq!(qs[2].kind, Kind::TrueFalse);
    assert_eq!(
        qs[2].stem, "S3 버킷 이름은 전역에서 고유하다: 참인가?",
        "escapes are undone"
    );
    assert_eq!(qs[2].answer, vec!['a']);
    assert!(problems(qs).is_empty());
}

#[test]
fn gift_types_we_do_not_support_are_named_with_their_line() {
    let (qs, d) = parse("unsupported.gift");
    assert_eq!(qs.len(), 1, "missing word is multiple choice with a blank");
    assert_eq!(qs[0].stem, "보안 그룹은 _____ 방화벽이다.");
    assert_eq!(qs[0].answer, vec!['a']);
    let got = lines(&d);
    for (line, name) in [(1, "essay"), (3, "numerical"), (5, "matching"), (11, "short answer")] {
        assert!(
            got.iter()
                .any(|(l, m)| *l == line && m.contains(&format!("unsupported GIFT question type \"{name}"))),
            "{line} {name}: {got:#?}"
        );
    }
    assert_eq!(got.len(), 4);
}

#[test]
fn aiken_questions_and_their_problems() {
    let (qs, d) = parse("valid.aiken");
    assert!(d.is_empty(), "{d:#?}");
    assert_eq!(qs.len(), 2);
    assert_eq!(qs[1].answer, vec!['c']);
    assert_eq!(qs[1].options[2].text, "99.999999999%");
    assert!(problems(qs).is_empty());

    let (qs, d) = parse("invalid.aiken");
    assert!(qs.is_empty());
    let got = lines(&d);
    assert_eq!(got.len(), 2, "{got:#?}");
    assert_eq!(got[0].0, 1);
    assert!(got[0].1.contains("no `ANSWER:` line"));
    assert_eq!(got[1].0, 8);
    assert!(got[1].1.contains("`ANSWER: E` names no option"));
}

#[test]
fn csv_rows_with_documented_columns() {
    let (qs, d) = parse("valid.csv");
    assert!(d.is_empty(), "{d:#?}");
    assert_eq!(qs.len(), 2);
    assert_eq!(qs[0].id, "csv-sg-001");
    assert_eq!(qs[0].domains.len(), 2);
    assert_eq!(qs[0].options.len(), 4, "empty option columns are skipped");
    assert_eq!(qs[0].source.heading, "보안 그룹 (Security Group)");
    assert!(qs[1].id.starts_with("fixture-formats-"), "{}", qs[1].id);
    assert_eq!((qs[1].kind, qs[1].answer.clone()), (Kind::Multiple, vec!['a', 'b']));
    assert!(problems(qs).is_empty());
}

#[test]
fn csv_problems_point_at_row_and_column() {
    let (_, d) = parse("invalid.csv");
    assert_eq!(d.len(), 1, "{d:#?}");
    assert_eq!((d[0].pos.line, d[0].pos.column), (1, 8));
    assert!(d[0].message.contains("unknown column `colour`"));

    let (qs, d) = parse("invalid-answer.csv");
    assert_eq!(qs.len(), 1, "the row with the bad answer is skipped, the other imports");
    assert_eq!(d.len(), 1, "{d:#?}");
    assert_eq!((d[0].pos.line, d[0].pos.column), (3, 7));
    assert!(d[0].message.contains("answer `bb`"));
}

#[test]
fn the_csv_template_parses_cleanly() {
    let text = examdrill::bank::formats::csv::template();
    let loaded = parse_upload([("template.csv", text.as_str())], Some(&defaults()));
    assert!(loaded.diagnostics.is_empty(), "{:#?}", loaded.diagnostics);
    assert_eq!(loaded.bank.questions.len(), 1);
}

#[test]
fn moodle_xml_multichoice_truefalse_and_unsupported_types() {
    let (qs, d) = parse("mixed.xml");
    assert_eq!(qs.len(), 2);
    assert_eq!(
        qs[0].stem, "응답 트래픽 규칙이 **따로 필요 없는** 방화벽은?",
        "HTML becomes Markdown"
    );
    assert_eq!(qs[0].id, "fixture-formats-sg-stateful");
    assert_eq!(qs[1].kind, Kind::TrueFalse);
    assert_eq!(d.len(), 1, "{d:#?}");
    assert_eq!((d[0].pos.line, d[0].pos.column), (20, 3));
    assert!(
        d[0].message
            .contains("unsupported Moodle XML question type \"short answer\" (`shortanswer`)")
    );
    assert!(problems(qs).is_empty());
}

#[test]
fn broken_xml_is_reported_with_a_position() {
    let loaded = parse_upload(
        [("bad.xml", "<quiz>\n  <question type=\"multichoice\">\n</quiz>\n")],
        Some(&defaults()),
    );
    assert_eq!(loaded.diagnostics.len(), 1, "{:#?}", loaded.diagnostics);
    assert!(loaded.diagnostics[0].message.starts_with("not valid XML"));
    assert_eq!(loaded.diagnostics[0].pos.line, 3);
}

#[test]
fn foreign_formats_without_defaults_ask_for_topic_and_exam() {
    let (name, text) = fixture("valid.aiken");
    let loaded = parse_upload([(name.as_str(), text.as_str())], None);
    assert!(
        loaded
            .diagnostics
            .iter()
            .any(|d| d.message.contains("choose them on the upload form"))
    );
}

#[test]
fn moodle_xml_export_imports_back_unchanged() {
    let paths: Vec<PathBuf> = vec![Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/bank/valid")];
    let original = load_paths(&paths, None).bank;
    let xml = moodle_xml::export(&original);
    let back = parse_upload([("export.xml", xml.as_str())], None);
    assert!(back.diagnostics.is_empty(), "{:#?}", back.diagnostics);
    let json = |qs: &[Question]| serde_json::to_value(qs).unwrap();
    assert_eq!(json(&back.bank.questions), json(&original.questions));
}
