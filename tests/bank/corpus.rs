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

/// Dr. Chuck's course quizzes and parser fixtures from Tsugi (Apache-2.0,
/// tests/fixtures/moodle/tsugi-gift): GIFT as a teacher writes it, in `.txt`
/// and `.gift` files.
fn tsugi_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/moodle/tsugi-gift")
}

/// What a GIFT item is, told apart by this test's own reading of the format
/// (not the importer's): the answer block's shape decides.
#[derive(Debug, PartialEq)]
enum Item {
    /// Multiple choice or true/false, with the keys a reader expects.
    Choice(Vec<char>),
    Other,
}

/// Byte offset of the first `c` not preceded by a backslash.
fn unescaped(s: &str, c: char) -> Option<usize> {
    let mut prev = ' ';
    for (i, ch) in s.char_indices() {
        if ch == c && prev != '\\' {
            return Some(i);
        }
        prev = if prev == '\\' && ch == '\\' { ' ' } else { ch };
    }
    None
}

/// The file's items, each with the line it starts on: blank lines separate
/// them; `//` comments and `$CATEGORY` lines are none.
fn independent_items(text: &str) -> Vec<(usize, Item)> {
    let mut items = Vec::new();
    let mut cur = String::new();
    let mut start = 0;
    let mut lines: Vec<&str> = text.lines().collect();
    lines.push("");
    for (n, line) in lines.into_iter().enumerate() {
        let t = line.trim();
        if t.starts_with("//") || t.starts_with("$CATEGORY") {
            continue;
        }
        if !t.is_empty() {
            if cur.is_empty() {
                start = n + 1;
            }
            cur.push_str(line);
            cur.push('\n');
            continue;
        }
        if cur.trim().is_empty() {
            continue;
        }
        items.push((start, classify_item(&cur)));
        cur.clear();
    }
    items
}

fn classify_item(item: &str) -> Item {
    let Some(open) = unescaped(item, '{') else {
        return Item::Other;
    };
    let Some(len) = unescaped(&item[open..], '}') else {
        return Item::Other;
    };
    let block = item[open + 1..open + len].trim();
    let head = block.split('#').next().unwrap_or("").trim();
    match head {
        "T" | "TRUE" => return Item::Choice(vec!['a']),
        "F" | "FALSE" => return Item::Choice(vec!['b']),
        _ => {}
    }
    if block.is_empty() || block.starts_with('#') || unescaped(block, '~').is_none() {
        return Item::Other;
    }
    // Answers start at each unescaped `=` or `~`; feedback after `#` is not an answer.
    let mut answers: Vec<(char, String)> = Vec::new();
    let mut prev = ' ';
    for ch in block.chars() {
        if (ch == '=' || ch == '~') && prev != '\\' {
            answers.push((ch, String::new()));
        } else if let Some(last) = answers.last_mut() {
            last.1.push(ch);
        }
        prev = ch;
    }
    // An answer with no text (`~=right`, `=~%50%x`, or `~#00ff00` whose `#`
    // starts feedback) is no option; Moodle leaves such answers out too.
    answers.retain(|(_, t)| !t.split('#').next().unwrap_or("").trim().is_empty());
    if answers.len() < 2 {
        return Item::Other;
    }
    let weight = |t: &str| {
        t.trim()
            .strip_prefix('%')
            .and_then(|r| r.split('%').next())
            .and_then(|w| w.parse::<f64>().ok())
    };
    let full: Vec<char> = answers
        .iter()
        .zip('a'..)
        .filter(|((m, t), _)| *m == '=' && weight(t).is_none_or(|w| w >= 100.0))
        .map(|(_, k)| k)
        .collect();
    if !full.is_empty() {
        return Item::Choice(full);
    }
    Item::Choice(
        answers
            .iter()
            .zip('a'..)
            .filter(|((_, t), _)| weight(t).is_some_and(|w| w > 0.0))
            .map(|(_, k)| k)
            .collect(),
    )
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
        let items = independent_items(&text);
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

/// Questions in a file by this test's own count: `<question type=…>` other
/// than categories in Moodle XML, `ANSWER:` lines in Aiken, items in GIFT.
fn independent_count(name: &str, text: &str) -> usize {
    if name.ends_with(".xml") {
        text.matches("<question type=").count() - text.matches("<question type=\"category\"").count()
    } else if text.lines().any(|l| l.trim_start().starts_with("ANSWER:")) {
        text.lines().filter(|l| l.trim_start().starts_with("ANSWER:")).count()
    } else {
        independent_items(text).len()
    }
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
    let mut files = Vec::new();
    let mut dirs = vec![PathBuf::from(root)];
    while let Some(d) = dirs.pop() {
        for e in std::fs::read_dir(d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                dirs.push(p);
            } else if p
                .extension()
                .is_some_and(|x| ["gift", "txt", "xml", "aiken"].iter().any(|e| x == *e))
            {
                files.push(p);
            }
        }
    }
    files.sort();
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap();
        let name = f.file_name().unwrap().to_str().unwrap();
        let loaded = parse_upload([(name, text.as_str())], Some(&defaults()));
        let n = |v: Verdict| loaded.outcomes.iter().filter(|o| o.verdict == v).count();
        let (imported, warned, skipped) = (n(Verdict::Imported), n(Verdict::Warned), n(Verdict::Skipped));
        let counted = independent_count(name, &text);
        println!(
            "{}: counted {counted}, imported {imported}, warned {warned}, skipped {skipped}, file problems {}",
            f.display(),
            loaded.diagnostics.len()
        );
        // A file of categories only has nothing to report.
        let results = imported + warned + skipped + loaded.diagnostics.len();
        assert!(counted == 0 || results > 0, "{name}: no result");
    }
}
