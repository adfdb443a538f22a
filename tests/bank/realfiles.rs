//! Real GIFT, Moodle XML and Aiken files we did not write, committed under
//! tests/fixtures/moodle (sources and licences in its SOURCES.md): every
//! question gets an outcome, and the multiple-choice and true/false ones
//! import with the keys this suite's own reading of the file
//! (tests/bank/counters.rs) expects.

use std::path::{Path, PathBuf};

use examdrill::bank::Question;
use examdrill::bank::load::{Loaded, Verdict};

use super::counters::{Figures, percent, quiz_files, run, run_all};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/moodle")
}

/// The folders gathered after the first two (gift-pegjs and tsugi-gift have
/// tests of their own in corpus.rs).
const SOURCES: [&str; 5] = [
    "pygiftparser",
    "gift-generator",
    "aiken-to-moodlexml",
    "moodlexml-to-json",
    "moodle-tools",
];

fn load(path: &str) -> (Loaded, Vec<String>) {
    let p = root().join(path);
    let name = p.file_name().unwrap().to_string_lossy().into_owned();
    let (_, loaded, notes) = run(&name, std::fs::read(&p).unwrap());
    (loaded, notes)
}

fn texts(q: &Question) -> Vec<&str> {
    q.options.iter().map(|o| o.text.as_str()).collect()
}

/// The question that starts on `line`.
fn at(loaded: &Loaded, line: usize) -> &Question {
    loaded
        .bank
        .questions
        .iter()
        .find(|q| q.pos.line == line)
        .unwrap_or_else(|| panic!("no question imported at line {line}: {:#?}", loaded.outcomes))
}

/// Files that are not in the format their name or content suggests, with
/// why: they must still give a result, but no reading of the format can
/// count their questions.
const NOT_THAT_FORMAT: [(&str, &str); 1] = [(
    "aiken-to-moodlexml/aiken.txt",
    "that converter's own extended Aiken: type headers (`multichoice`, `essay`), `Answer: C, D` lines, numbered options; \
     only three questions are Aiken as Moodle reads it",
)];

#[test]
fn real_files_give_every_question_an_outcome_and_mc_tf_their_keys() {
    let all: Vec<PathBuf> = SOURCES.iter().flat_map(|s| quiz_files(&root().join(s))).collect();
    let odd = |p: &PathBuf| NOT_THAT_FORMAT.iter().any(|(f, _)| p.ends_with(f));
    let files: Vec<PathBuf> = all.iter().filter(|p| !odd(p)).cloned().collect();
    let c = run_all(&root(), &files);
    println!("{}", c.report.join("\n"));
    assert_eq!(all.len(), 32, "{:#?}", c.files);
    for (file, why) in NOT_THAT_FORMAT {
        let path = root().join(file);
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let (f, _, notes) = run(&name, std::fs::read(&path).unwrap());
        println!("{file} (not that format: {why}): {f:?}\n{}", notes.join("\n"));
        assert!(f.outcomes() > 0 && f.file_problems == 0, "{file}: {f:?}");
    }
    for (name, f) in &c.files {
        // Each file is read whole (no file-level failure), and each item of
        // it gets exactly one outcome.
        assert_eq!(f.file_problems, 0, "{name}: {f:?}");
        assert_eq!(f.outcomes(), f.supported + f.other, "{name}: {f:?}");
    }
    let t: &Figures = &c.total;
    assert!(
        t.right_keys * 100 >= t.supported * 95,
        "{:.1} % of MC/TF import with the right keys: {t:?}",
        percent(t.right_keys, t.supported)
    );
    for (format, f) in &c.per_format {
        assert!(f.supported > 0, "{format}: no MC/TF question in the corpus");
    }
}
