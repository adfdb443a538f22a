//! Hostile and awkward files: deep nesting, entity bombs, external entities,
//! invalid UTF-8, byte-order marks, CRLF and empty files. Each gives a clear
//! problem at the right place, never a crash.

use examdrill::bank::formats::{Cancel, csv};
use examdrill::bank::load::{parse_upload, parse_upload_until};

use super::formats::{defaults, skipped};

/// File-level problems and skipped questions.
fn problems(name: &str, text: &str) -> Vec<String> {
    let loaded = parse_upload([(name, text)], Some(&defaults()));
    let mut d = loaded.diagnostics;
    d.extend(skipped(&loaded.outcomes));
    d.iter().map(ToString::to_string).collect()
}

#[test]
fn deeply_nested_xml_is_refused_with_the_limit_named() {
    // 150,000 levels killed the CLI by stack overflow before the limit.
    let depth = 150_000;
    let text = format!("<quiz>{}{}</quiz>", "<a>".repeat(depth), "</a>".repeat(depth));
    let p = problems("deep.xml", &text);
    assert_eq!(p.len(), 1, "{p:#?}");
    assert!(p[0].contains("nested more than 64 deep"), "{p:#?}");
}

#[test]
fn dtds_entity_bombs_and_external_entities_are_refused() {
    let laughs = r#"<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>
<quiz><question type="truefalse"><questiontext><text>&lol2;</text></questiontext></question></quiz>"#;
    let xxe = r#"<?xml version="1.0"?>
<!DOCTYPE foo [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<quiz><question type="truefalse"><questiontext><text>&xxe;</text></questiontext></question></quiz>"#;
    for (name, text) in [("laughs.xml", laughs), ("xxe.xml", xxe)] {
        let p = problems(name, text);
        assert_eq!(p.len(), 1, "{p:#?}");
        assert!(
            p[0].starts_with(&format!("{name}:2:1: not valid XML: a <!DOCTYPE>")),
            "{p:#?}"
        );
    }
    // An undeclared entity is an error, never an empty string or a file read.
    let p = problems(
        "undeclared.xml",
        "<quiz><question type=\"truefalse\">&xxe;</question></quiz>",
    );
    assert!(p[0].contains("not valid XML"), "{p:#?}");
}

#[test]
fn empty_files_are_an_error_in_every_format() {
    for name in ["e.gift", "e.xml", "e.aiken", "e.csv", "e.toml"] {
        let p = problems(name, "\u{feff} \r\n");
        assert_eq!(p, vec![format!("{name}:1:1: the file is empty")]);
    }
}

#[test]
fn a_bom_and_crlf_leave_positions_in_characters_on_the_right_line() {
    let gift = "\u{feff}::첫 문제::맞나요? {T}\r\n\r\n// 주석\r\n한글 {=a ~b ~c #x";
    let p = problems("bom.gift", gift);
    assert_eq!(p.len(), 1, "{p:#?}");
    assert!(p[0].starts_with("bom.gift:4:4: "), "{p:#?}");
    let loaded = parse_upload([("bom.gift", gift)], Some(&defaults()));
    assert_eq!(loaded.bank.questions[0].stem, "맞나요?");

    let csv = "\u{feff}stem,a,b,answer\r\n\"two\r\nlines\",x,y,a\r\nthird row,x,y\r\n";
    let p = problems("crlf.csv", csv);
    assert_eq!(p.len(), 1, "{p:#?}");
    assert!(
        p[0].starts_with("crlf.csv:4:"),
        "the fourth line is short of a field: {p:#?}"
    );
}

/// A read given up on (an upload past its time limit) stops at the reader's
/// next question, in every format, and nothing of the file imports.
#[test]
fn a_cancelled_read_stops_with_a_problem_in_every_format() {
    let cancel = Cancel::new();
    cancel.cancel();
    let gift = "::a:: A? {=x ~y}\n\n".repeat(3);
    let aiken = "A?\nA. x\nB. y\nANSWER: A\n\nB?\nA. x\nB. y\nANSWER: B\n";
    let xml = format!(
        "<quiz>{}</quiz>",
        "<question type=\"truefalse\"><questiontext><text>T?</text></questiontext>\
         <answer fraction=\"100\"><text>true</text></answer><answer fraction=\"0\"><text>false</text></answer></question>"
            .repeat(3)
    );
    let csv = csv::template();
    for (name, text) in [
        ("q.gift", gift.as_str()),
        ("q.aiken", aiken),
        ("q.xml", &xml),
        ("q.csv", &csv),
    ] {
        // The same file reads normally when nobody cancels.
        assert!(
            !parse_upload([(name, text)], Some(&defaults()))
                .bank
                .questions
                .is_empty(),
            "{name}"
        );
        let loaded = parse_upload_until([(name, text)], Some(&defaults()), Some(&cancel));
        let messages: Vec<String> = loaded.diagnostics.iter().map(ToString::to_string).collect();
        assert_eq!(messages, vec![format!("{name}:1:1: {}", Cancel::MESSAGE)]);
        assert!(loaded.bank.questions.is_empty(), "{name}");
        assert!(loaded.outcomes.is_empty(), "{name}");
    }
}
