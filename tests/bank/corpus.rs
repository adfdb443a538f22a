//! Real GIFT files we did not write: the test suite of GIFT-grammar-PEG.js
//! (MIT, tests/fixtures/moodle/gift-pegjs), whose .json files are that
//! parser's reading of each .gift. Its question types are the independent
//! count; every question must get an outcome, and multiple-choice and
//! true/false questions must import with the keys that parser found.

use std::path::{Path, PathBuf};

use examdrill::bank::Question;
use examdrill::bank::load::{Verdict, parse_upload};
use serde_json::Value;

use super::counters::{Item, gift_items, quiz_files, run, run_all};
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

/// Dr. Chuck's course quizzes and parser fixtures from Tsugi (Apache-2.0,
/// tests/fixtures/moodle/tsugi-gift): GIFT as a teacher writes it, in `.txt`
/// and `.gift` files.
fn tsugi_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/moodle/tsugi-gift")
}

#[test]
fn teachers_gift_quizzes_import_with_the_keys_an_independent_reading_finds() {
    let mut files: Vec<PathBuf> = std::fs::read_dir(tsugi_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "gift" || x == "txt"))
        .collect();
    files.sort();
    let mut total = Figures::default();
    let mut report = Vec::new();
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap();
        let name = f.file_name().unwrap().to_str().unwrap();
        let loaded = parse_upload([(name, text.as_str())], Some(&defaults()));
        assert!(loaded.diagnostics.is_empty(), "{name}: {:#?}", loaded.diagnostics);
        let items = gift_items(&text);
        let want: std::collections::HashMap<usize, &Vec<char>> = items
            .iter()
            .filter_map(|(line, i)| match i {
                Item::Choice(k) => Some((*line, k)),
                Item::Other => None,
            })
            .collect();
        let n = |v: Verdict| loaded.outcomes.iter().filter(|o| o.verdict == v).count();
        // Matched by the line each question starts on, so a skip elsewhere
        // cannot shift a key onto the wrong question.
        let right_keys = loaded
            .bank
            .questions
            .iter()
            .filter(|q| want.get(&(q.pos.line as usize)).is_some_and(|k| q.answer == **k))
            .count();
        let fig = Figures {
            supported: want.len(),
            other: items.len() - want.len(),
            imported: n(Verdict::Imported),
            warned: n(Verdict::Warned),
            skipped: n(Verdict::Skipped),
            right_keys,
        };
        // Every item gets exactly one outcome, whatever it is.
        assert_eq!(
            fig.imported + fig.warned + fig.skipped,
            fig.supported + fig.other,
            "{name}: {fig:?}"
        );
        report.push(format!("{name}: {fig:?}"));
        for o in loaded.outcomes.iter().filter(|o| o.verdict == Verdict::Skipped) {
            report.push(format!("  skipped {}: {}", o.pos, o.reasons.join("; ")));
        }
        total.supported += fig.supported;
        total.other += fig.other;
        total.imported += fig.imported;
        total.warned += fig.warned;
        total.skipped += fig.skipped;
        total.right_keys += fig.right_keys;
    }
    println!("{}\ntotal: {total:?}", report.join("\n"));
    assert_eq!(files.len(), 19);
    assert!(
        total.right_keys * 100 >= total.supported * 95,
        "{total:?}\n{}",
        report.join("\n")
    );
}

#[test]
fn spot_checks_keys_and_texts_of_teachers_gift_quizzes() {
    let load = |file: &str| {
        let text = std::fs::read_to_string(tsugi_dir().join(file)).unwrap();
        parse_upload([(file, text.as_str())], Some(&defaults())).bank.questions
    };
    let texts = |q: &Question| q.options.iter().map(|o| o.text.clone()).collect::<Vec<_>>();
    let sql = load("04-SQL.txt");
    assert_eq!(sql[2].stem, "Which SQL command is used to create a new table?");
    assert_eq!(
        texts(&sql[2]),
        ["Correct Answer", "MAKE TABLE", "NEW TABLE", "BUILD TABLE"]
    );
    assert_eq!(sql[2].answer, vec!['a']);
    assert_eq!(sql[2].id, "fixture-formats-sql-q3");

    // HTML element names in a question about HTML are its text.
    let torture = load("chatgpt-torture.txt");
    let link = torture.iter().find(|q| q.id.ends_with("q03-mcq-htmlliketext")).unwrap();
    assert_eq!(texts(link), ["<a>", "<link>", "<href>", "<url>"]);
    assert_eq!(link.answer, vec!['a']);
    // `=~%50% Views`: the stray `=` is left out, the weighted options are the keys.
    let layers = torture
        .iter()
        .find(|q| q.id.ends_with("q09-multianswer-partialcredit"))
        .unwrap();
    assert_eq!(texts(layers), ["Views", "Templates", "Models", "DNS", "BIOS"]);
    assert_eq!(layers.answer, vec!['a', 'b', 'c']);

    let tf = load("example_true_false.gift");
    assert_eq!(tf.len(), 4);
    assert!(tf.iter().all(|q| q.kind == examdrill::bank::model::Kind::TrueFalse));
}

/// The files kept outside the repository for their licences (GPL Moodle
/// fixtures and others, listed in tests/fixtures/moodle/SOURCES.md): run with
/// `EXAMDRILL_CORPUS=/path/to/corpus cargo test --test bank outside_corpus -- --nocapture`.
/// Every file must give a result, and every question its own outcome.
#[test]
fn the_outside_corpus_gives_every_file_a_result() {
    let Some(root) = std::env::var_os("EXAMDRILL_CORPUS") else {
        println!("EXAMDRILL_CORPUS not set: the outside corpus is not checked");
        return;
    };
    let root = PathBuf::from(root);
    let c = run_all(&root, &quiz_files(&root));
    println!("{}", c.report.join("\n"));
    for (name, f) in &c.files {
        // A file of categories only has nothing to report.
        assert!(
            f.supported + f.other == 0 || f.outcomes() + f.file_problems > 0,
            "{name}: no result"
        );
    }
    // A whole-file refusal only for a file that is truly not what its name says.
    for (name, f) in c.files.iter().filter(|(_, f)| f.file_problems > 0) {
        assert!(
            OUTSIDE_NOT_THAT_FORMAT.iter().any(|(n, _)| n == name),
            "{name}: refused whole: {f:?}"
        );
    }
    let counted: Vec<String> = c
        .files
        .iter()
        .filter(|(_, f)| f.file_problems == 0 && f.outcomes() != f.supported + f.other)
        .map(|(name, f)| format!("{name}: counted {}, outcomes {}", f.supported + f.other, f.outcomes()))
        .collect();
    println!("outcomes that differ from the independent count: {counted:#?}");
    outside_spot_checks(&root);
}

/// Outside files refused whole, and why that is right.
const OUTSIDE_NOT_THAT_FORMAT: [(&str, &str); 6] = [
    (
        "exemplesmoodlexml/MultipleChoiceQuestion.xml",
        "`type=multichoice` unquoted, `<text>` never closed: not XML",
    ),
    (
        "exemplesmoodlexml/PairMatchingQuestion.xml",
        "`<shuffleanswers>` never closed: not XML",
    ),
    (
        "moodlexml-json-converter/exemple.xml",
        "a JSON-style glossary, no <quiz>",
    ),
    (
        "moodlexml-json-converter/rightxmlwrongmoodle.xml",
        "well-formed XML with no <quiz>",
    ),
    (
        "moodlexml-json-converter/wrongxml.xml",
        "a converter's broken-XML test input",
    ),
    ("nettest-ru/11.xml", "a NetTest file in windows-1251, not UTF-8"),
];

/// Exact texts and keys of outside files with what the committed ones lack:
/// Cyrillic in a CRLF file, and a UTF-8 byte-order mark.
fn outside_spot_checks(root: &Path) {
    let bytes = |f: &str| std::fs::read(root.join(f)).ok();
    if let Some(b) = bytes("bsuir-pm/questions.gift") {
        assert!(b.windows(2).any(|w| w == b"\r\n"));
        let (_, loaded, _) = run("questions.gift", b);
        let q = loaded.bank.questions.iter().find(|q| q.pos.line == 2).unwrap();
        assert_eq!(q.stem, "Что предлагает Стандарт управления проектом?");
        assert_eq!(q.options.len(), 5);
        assert_eq!(
            q.options[4].text,
            "Основу для понимания управления проектом и как это обеспечивает намеченные конечные результаты"
        );
        assert_eq!(q.answer, vec!['e']);
    }
    if let Some(b) = bytes("ukr-moodlexml/2Tasks.txt") {
        assert!(b.starts_with(b"\xef\xbb\xbf"));
        let (_, loaded, _) = run("2Tasks.txt", b);
        let first = &loaded.outcomes[0];
        assert_eq!((first.pos.line, first.pos.column), (1, 1), "{first:?}");
        assert!(first.reasons[0].contains("description"), "{first:?}");
    }
}
