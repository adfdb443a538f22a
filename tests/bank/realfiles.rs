//! Real GIFT, Moodle XML and Aiken files we did not write, committed under
//! tests/fixtures/moodle (sources and licences in its SOURCES.md): every
//! question gets an outcome, and the multiple-choice and true/false ones
//! import with the keys this suite's own reading of the file
//! (tests/bank/counters.rs) expects.

use std::path::{Path, PathBuf};

use examdrill::bank::Question;
use examdrill::bank::load::{Loaded, Verdict};
use examdrill::bank::model::Kind;

use super::counters::{Figures, percent, quiz_files, run, run_all};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/moodle")
}

/// The folders gathered after the first two (gift-pegjs and tsugi-gift have
/// tests of their own in corpus.rs).
const SOURCES: [&str; 7] = [
    "pygiftparser",
    "gift-generator",
    "ruby-gift-parser",
    "fisdap-aiken",
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
        .find(|q| q.pos.line as usize == line)
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
    assert_eq!(all.len(), 34, "{:#?}", c.files);
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

fn reasons(loaded: &Loaded, line: usize) -> String {
    loaded
        .outcomes
        .iter()
        .filter(|o| o.pos.line as usize == line)
        .flat_map(|o| o.reasons.clone())
        .collect::<Vec<_>>()
        .join("; ")
}

#[test]
fn spot_checks_of_real_gift_questions() {
    // A file with CRLF and LF line ends mixed, `[html]` questions and a
    // matching item.
    let bytes = std::fs::read(root().join("gift-generator/example.gift")).unwrap();
    assert!(bytes.windows(2).any(|w| w == b"\r\n"), "the file keeps its CRLF lines");
    let (l, _) = load("gift-generator/example.gift");
    let q = at(&l, 1);
    assert_eq!(q.stem, "Who is *Indonesia's* 1st **president**?");
    assert_eq!(texts(q), ["Ir. Sukarno", "Moh. Hatta", "Sukarno Hatta", "Suharto"]);
    assert_eq!(q.answer, vec!['a']);
    assert_eq!(l.outcomes[1].verdict, Verdict::Skipped);
    assert!(l.outcomes[1].reasons[0].contains("matching"));

    // Partial credit in a missing-word question: the 100 % option is the key.
    let (l, _) = load("pygiftparser/single.gift");
    let q = at(&l, 22);
    assert_eq!(q.stem, "Jesus Christ was from _____ .");
    assert_eq!(texts(q), ["Jerusalem", "Bethlehem", "Galilee", "Nazareth"]);
    assert_eq!(q.answer, vec!['d']);
    assert_eq!(q.options[3].rationale, "Yes! That's right!");
    assert!(reasons(&l, 22).contains("partial credit on `b` (25%), `c` (50%)"));
    // A title split over two lines (`::Question title 7` / `:: Question {`).
    assert_eq!(at(&l, 2).stem, "Question");
    assert_eq!(texts(at(&l, 2))[0], "A correct answer");

    // A Moodle 3 GIFT export: `// question:` comments, categories, `[html]`,
    // escaped `\:` and `\=`, `\n`, general feedback and an image.
    let (l, _) = load("ruby-gift-parser/example-gift-multiple-choice.gift");
    let q = at(&l, 6);
    assert_eq!(q.stem, "Example 1\n\nTherefore:\n\nQuestion:");
    assert_eq!(q.answer, vec!['c']);
    assert_eq!(q.options[2].rationale, "Reason.");
    let q = at(&l, 29);
    assert_eq!(q.stem, "Image:\n\nFigure:");
    assert_eq!(texts(q), ["First.", "Second.", "Third “o”.", "Fourth.", "Fifth."]);
    assert_eq!(
        (q.answer.clone(), q.explanation.as_str()),
        (vec!['b'], "Generic comment!.")
    );
    assert!(reasons(&l, 29).contains("image `http://missing.png` is not imported"));

    // `{FALSE#wrong#right}`: the first feedback goes to the wrong option.
    let (l, _) = load("pygiftparser/trueFalse.gift");
    let q = at(&l, 9);
    assert_eq!((q.kind, q.answer.clone()), (Kind::TrueFalse, vec!['b']));
    assert_eq!(q.stem, "42 is the Absolute Answer to everything.");
    assert_eq!(q.options[0].rationale, "42is the Ultimate Answer.");
    assert_eq!(q.options[1].rationale, "You gave the right answer.");
}

#[test]
fn spot_checks_of_real_moodle_xml_questions() {
    // moodle-tools' extended multiple choice: per-option feedback, general
    // feedback and a 50 % option that becomes a distractor.
    let (l, _) = load("moodle-tools/multiple-choiceRef.xml");
    let q = at(&l, 52);
    assert_eq!(q.stem, "Extended format");
    assert_eq!(texts(q), ["Correct answer", "Partial answer", "Wrong answer"]);
    assert_eq!(q.answer, vec!['a']);
    assert_eq!(q.explanation, "General feedback");
    assert_eq!(q.options[1].rationale, "Feedback for option 2");
    assert!(reasons(&l, 52).contains("partial credit on `b` (50%)"));

    // True/false with the right answer `false`.
    let (l, _) = load("moodle-tools/true-falseRef.xml");
    let q = at(&l, 3);
    assert_eq!((q.kind, q.answer.clone()), (Kind::TrueFalse, vec!['b']));
    assert_eq!(texts(q), ["true", "false"]);
    assert_eq!(q.options[1].rationale, "Correct feedback");

    // Images embedded in the HTML as data: URIs: reported as warnings, the
    // text and the alt description kept; headings, code, lists and tables
    // become Markdown.
    let (l, _) = load("moodle-tools/markdownRef.xml");
    let q = at(&l, 3);
    assert_eq!(
        q.stem,
        "**Really important question!**\n\nPlease take a look at the rectangle below:\n\n\\[Blue rectangle PNG\\]\n\n```\n Code\n```\n\n**What is its color?**"
    );
    assert_eq!(q.answer, vec!['a']);
    assert_eq!(
        q.options[0].text,
        "The rectangle is *blue*, like the one below.\n\n\\[Blue rectangle SVG\\]"
    );
    assert!(q.options[5].text.contains("1. One\n2. Two") && q.options[5].text.contains("- One\n- Two"));
    assert!(q.options[7].text.contains("|  a |  b |"));
    let why = reasons(&l, 3);
    assert!(
        why.contains("image `embedded in the text, “Blue rectangle PNG”` is not imported"),
        "{why}"
    );

    // Multiple response: the options worth something are the keys.
    let (l, _) = load("moodlexml-to-json/test.xml");
    let q = at(&l, 124);
    assert_eq!(q.stem, "La velocidad media de un cuerpo...");
    assert_eq!((q.kind, q.answer.clone()), (Kind::Multiple, vec!['b', 'c']));
    assert_eq!(
        at(&l, 47).stem,
        "\u{ad}La primera Ley de Newton es la Ley de Acción-Reacción"
    );
    assert_eq!(at(&l, 47).answer, vec!['b']);
}

#[test]
fn spot_checks_of_real_aiken_questions() {
    let (l, _) = load("fisdap-aiken/aiken.txt");
    assert_eq!(l.bank.questions.len(), 3);
    let q = at(&l, 1);
    assert_eq!(q.stem, "17090 - Is this the first question?");
    assert_eq!(texts(q), ["no", "maybe", "YES!", "2"]);
    assert_eq!(q.answer, vec!['c']);
    let q = at(&l, 8);
    assert_eq!(texts(q), ["yes", "Storm the beach", "bloopers", "nope"]);
    assert_eq!(q.answer, vec!['a']);
    let q = at(&l, 15);
    assert_eq!(q.stem, "17095 - Last question, did you like Star Wars?");
    assert_eq!(q.answer, vec!['a']);

    // The converter's extended Aiken: its one plain Aiken question imports
    // (the type header is the first line of the stem, as Moodle would read it).
    let (l, _) = load("aiken-to-moodlexml/aiken.txt");
    let q = at(&l, 137);
    assert_eq!(texts(q), ["1 a 1", "N a N", "1 a N"]);
    assert_eq!(q.answer, vec!['c']);
}
