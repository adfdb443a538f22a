//! The shipped banks: they validate, have no repeated stems, give every topic
//! a study summary, and cite note sections that exist. (The per-domain
//! minimums join these once the banks are complete.)

use std::collections::{HashMap, HashSet};
use std::path::Path;

use examdrill::bank::validate::normalize;
use examdrill::bank::{Bank, load_paths};
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
