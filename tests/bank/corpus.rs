//! Real GIFT files we did not write: the test suite of GIFT-grammar-PEG.js
//! (MIT, tests/fixtures/moodle/gift-pegjs), whose .json files are that
//! parser's reading of each .gift. Its question types are the independent
//! count; every question must get an outcome, and multiple-choice and
//! true/false questions must import with the keys that parser found.

use std::path::{Path, PathBuf};

use examdrill::bank::Question;
use examdrill::bank::load::{Verdict, parse_upload};
use serde_json::Value;

use super::formats::defaults;

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/moodle/gift-pegjs")
}

/// The other parser's questions, categories left out.
fn expected(gift: &Path) -> Vec<Value> {
    let json = std::fs::read_to_string(gift.with_extension("json")).unwrap();
    let v: Value = serde_json::from_str(&json).unwrap();
    v.as_array()
        .unwrap()
        .iter()
        .filter(|q| q["type"] != "Category")
        .cloned()
        .collect()
}

/// Keys as the other parser sees them: `isCorrect`, or a positive weight
/// when no option is fully right; `isTrue` for true/false.
fn expected_keys(q: &Value) -> Vec<char> {
    if q["type"] == "TF" {
        return vec![if q["isTrue"] == true { 'a' } else { 'b' }];
    }
    let choices = q["choices"].as_array().unwrap();
    let full: Vec<char> = choices
        .iter()
        .zip('a'..)
        .filter(|(c, _)| c["isCorrect"] == true && c["weight"].as_f64().is_none_or(|w| w >= 100.0))
        .map(|(_, k)| k)
        .collect();
    if !full.is_empty() {
        return full;
    }
    choices
        .iter()
        .zip('a'..)
        .filter(|(c, _)| c["weight"].as_f64().is_some_and(|w| w > 0.0))
        .map(|(_, k)| k)
        .collect()
}

#[derive(Debug, Default, PartialEq)]
struct Figures {
    supported: usize,
    other: usize,
    imported: usize,
    warned: usize,
    skipped: usize,
    right_keys: usize,
}

fn figures(gift: &Path) -> (Figures, Vec<Question>) {
    let text = std::fs::read_to_string(gift).unwrap();
    let name = gift.file_name().unwrap().to_str().unwrap();
    let loaded = parse_upload([(name, text.as_str())], Some(&defaults()));
    assert!(loaded.diagnostics.is_empty(), "{name}: {:#?}", loaded.diagnostics);
    let want = expected(gift);
    let supported: Vec<&Value> = want.iter().filter(|q| q["type"] == "MC" || q["type"] == "TF").collect();
    let n = |v: Verdict| loaded.outcomes.iter().filter(|o| o.verdict == v).count();
    let qs = loaded.bank.questions;
    // Compared in order only when the counts line up, so a miss elsewhere in
    // the file cannot make a key look right.
    let right_keys = if qs.len() == supported.len() {
        qs.iter()
            .zip(&supported)
            .filter(|(q, w)| q.answer == expected_keys(w))
            .count()
    } else {
        0
    };
    let f = Figures {
        supported: supported.len(),
        other: want.len() - supported.len(),
        imported: n(Verdict::Imported),
        warned: n(Verdict::Warned),
        skipped: n(Verdict::Skipped),
        right_keys,
    };
    (f, qs)
}

#[test]
fn every_question_of_the_real_files_gets_an_outcome_and_mc_tf_import_with_their_keys() {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "gift"))
        .collect();
    files.sort();
    let mut total = Figures::default();
    let mut report = Vec::new();
    for f in &files {
        let (fig, _) = figures(f);
        let name = f.file_name().unwrap().to_string_lossy().into_owned();
        // Per file: every MC/TF question imports with the other parser's
        // keys, every other question is skipped, nothing is lost.
        assert_eq!(fig.imported + fig.warned, fig.supported, "{name}: {fig:?}");
        assert_eq!(fig.skipped, fig.other, "{name}: {fig:?}");
        assert_eq!(fig.right_keys, fig.supported, "{name}: {fig:?}");
        report.push(format!("{name}: {fig:?}"));
        total.supported += fig.supported;
        total.other += fig.other;
        total.imported += fig.imported;
        total.warned += fig.warned;
        total.skipped += fig.skipped;
        total.right_keys += fig.right_keys;
    }
    println!("{}\ntotal: {total:?}", report.join("\n"));
    assert_eq!(files.len(), 51);
    assert_eq!((total.supported, total.other), (48, 52), "{total:?}");
    assert_eq!(
        total.imported + total.warned + total.skipped,
        total.supported + total.other,
        "one outcome per question:\n{}",
        report.join("\n")
    );
    assert!(
        total.right_keys * 100 >= total.supported * 95,
        "{total:?}\n{}",
        report.join("\n")
    );
}

#[test]
fn spot_checks_keys_and_texts_of_real_gift_questions() {
    let (_, qs) = figures(&dir().join("mc1.gift"));
    assert_eq!(qs[0].stem, "Who's buried in Grant's tomb?");
    let texts: Vec<&str> = qs[0].options.iter().map(|o| o.text.as_str()).collect();
    assert_eq!(texts, ["Grant", "Jefferson", "no one"]);
    assert_eq!(qs[0].answer, vec!['c']);

    let (_, qs) = figures(&dir().join("escapeAll.gift"));
    assert_eq!(
        qs[0].stem,
        "Which of the following is NOT a control character for the GIFT import format?"
    );
    let texts: Vec<&str> = qs[0].options.iter().map(|o| o.text.as_str()).collect();
    assert_eq!(texts, ["~", "=", "#", "{", "}", ":", "\\"]);
    assert_eq!(qs[0].answer, vec!['g']);
    assert_eq!(qs[0].options[0].rationale, "~ is a control character.");
    assert!(qs[0].options[6].rationale.starts_with("Correct! \\ (backslash) is not"));

    // `{FALSE#…#…}`: the first feedback is for the wrong answer (True), the
    // second for the right one (False), as Moodle's own importer reads it.
    let (_, qs) = figures(&dir().join("TFTwoFeedback.gift"));
    assert_eq!(qs[0].answer, vec!['b']);
    assert_eq!(qs[0].options[0].rationale, "feedback for true");
    assert_eq!(qs[0].options[1].rationale, "feedback for false");
}
