//! The shipped banks: they validate, meet the per-domain minimums and the
//! multiple-response share, have no repeated stems, give every topic a study
//! summary, and cite note sections that exist.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use examdrill::bank::validate::normalize;
use examdrill::bank::{Bank, Kind, load_paths};
use examdrill::notes::NoteIndex;

fn shipped() -> Bank {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("question_bank");
    let loaded = load_paths(&[root], None);
    let problems: Vec<String> = loaded.diagnostics.iter().map(ToString::to_string).collect();
    assert!(
        problems.is_empty(),
        "the shipped bank has problems:\n{}",
        problems.join("\n")
    );
    loaded.bank
}

#[test]
fn no_two_shipped_questions_share_a_stem() {
    let bank = shipped();
    let mut seen: HashMap<String, &str> = HashMap::new();
    for q in &bank.questions {
        if let Some(other) = seen.insert(normalize(&q.stem), &q.id) {
            panic!("{} and {other} have the same stem", q.id);
        }
    }
}

#[test]
fn every_shipped_topic_has_summaries_of_study_length() {
    let bank = shipped();
    let used: HashSet<&str> = bank.questions.iter().map(|q| q.topic.as_str()).collect();
    for t in bank.topics.iter().filter(|t| used.contains(t.slug.as_str())) {
        let en_words = t.summary_en.split_whitespace().count();
        assert!(
            (150..=400).contains(&en_words),
            "{}: English summary has {en_words} words",
            t.slug
        );
        // Korean runs ~2.5 characters a word-equivalent; require a comparable length.
        let ko_chars = t.summary_ko.chars().filter(|c| !c.is_whitespace()).count();
        assert!(
            ko_chars >= 250,
            "{}: Korean summary has only {ko_chars} characters",
            t.slug
        );
    }
}

fn check_exam(exam: &str, minimums: &[(&str, usize)]) {
    let bank = shipped();
    let mut counts: HashMap<&str, usize> = HashMap::new();
    let (mut total, mut multiple) = (0usize, 0usize);
    for q in &bank.questions {
        if let Some(d) = q.domains.get(exam) {
            *counts.entry(d).or_default() += 1;
            total += 1;
            multiple += usize::from(q.kind == Kind::Multiple);
        }
    }
    for (domain, min) in minimums {
        let n = counts.get(domain).copied().unwrap_or(0);
        assert!(n >= *min, "{exam}/{domain}: {n} questions, the minimum is {min}");
    }
    let share = multiple as f64 / total.max(1) as f64;
    assert!(
        (0.10..=0.20).contains(&share),
        "{exam}: {multiple} of {total} are multiple response ({:.1} %)",
        share * 100.0
    );
}

#[test]
fn the_soa_bank_meets_its_minimums_and_multiple_response_share() {
    check_exam(
        "soa-c03",
        &[
            ("monitoring", 72),
            ("reliability", 72),
            ("deployment", 72),
            ("security", 52),
            ("networking", 59),
        ],
    );
}

#[test]
fn the_saa_bank_meets_its_minimums_and_multiple_response_share() {
    check_exam(
        "saa-c03",
        &[("secure", 120), ("resilient", 102), ("performance", 96), ("cost", 78)],
    );
}

#[test]
fn every_source_names_an_existing_note_section() {
    let notes_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/notes");
    let Ok(index) = NoteIndex::load(&notes_dir) else {
        println!(
            "skipped: the notes are not at {} (they live outside the repository)",
            notes_dir.display()
        );
        return;
    };
    let bank = shipped();
    let mut bad = Vec::new();
    for q in &bank.questions {
        match index.note(&q.source.file) {
            None => bad.push(format!("{}: no note file {}", q.id, q.source.file)),
            Some(note) if note.find(&q.source.heading).is_none() => bad.push(format!(
                "{}: {} has no heading {:?}",
                q.id, q.source.file, q.source.heading
            )),
            Some(_) => {}
        }
    }
    assert!(bad.is_empty(), "{}", bad.join("\n"));
}

#[test]
fn every_shipped_question_has_an_english_original_and_aws_references() {
    let bank = shipped();
    let missing_en: Vec<&str> = bank
        .questions
        .iter()
        .filter(|q| !q.has_english())
        .map(|q| q.id.as_str())
        .collect();
    assert!(missing_en.is_empty(), "no English original: {missing_en:?}");
    let missing_refs: Vec<&str> = bank
        .questions
        .iter()
        .filter(|q| q.references.is_empty())
        .map(|q| q.id.as_str())
        .collect();
    assert!(
        missing_refs.is_empty(),
        "no AWS documentation reference: {missing_refs:?}"
    );
}

/// A student who knows no AWS must score near chance with every surface
/// strategy; the thresholds are ITEM-WRITING.md in numbers.
#[test]
fn the_shipped_bank_cannot_be_passed_by_guessing_strategies() {
    use examdrill::bank::lint::{Thresholds, lint};
    let bank = shipped();
    for exam in ["saa-c03", "soa-c03"] {
        let report = lint(bank.questions.iter().filter(|q| q.domains.contains_key(exam)), true);
        let breaches = Thresholds::exam_grade().breaches(&report);
        assert!(breaches.is_empty(), "{exam}:\n{}", breaches.join("\n"));
    }
}
