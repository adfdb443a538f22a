//! Writes questions as Moodle XML that Moodle itself imports as the author
//! meant: HTML in CDATA (`format="html"`), the question's id as its name,
//! `$course$/top/<exam>/<domain>/<topic>` categories, Moodle's grades
//! (100/0 for one answer; for N answers 100/N each and -100 for a wrong one,
//! so a student who ticks everything scores nothing, as examdrill grades),
//! penalty, hidden, single and shuffle flags, general and per-answer feedback.
//!
//! examdrill stores Markdown. Where the HTML would not read back as exactly
//! the same Markdown, the source rides along in an `<examdrill-md>` element
//! beside the `<text>` (Moodle reads only `<text>`), and examdrill's own
//! fields (topic, exams, source, …) in `examdrill-…` tags, so an export
//! imports back into examdrill unchanged.

use std::fmt::Write as _;

use quick_xml::escape::escape;

use super::html;
use crate::bank::model::{Bank, Kind, Question, Status};
use crate::markdown::render;

/// Moodle's default penalty for another try: a third for multiple choice,
/// everything for true/false.
const PENALTY_MULTICHOICE: &str = "0.3333333";
const PENALTY_TRUEFALSE: &str = "1.0000000";

/// `s` as CDATA, split where it holds the sequence that would end it.
fn cdata(s: &str) -> String {
    format!("<![CDATA[{}]]>", s.replace("]]>", "]]]]><![CDATA[>"))
}

/// A Moodle text field (`<questiontext>`, `<feedback>`, …) holding `md`.
fn field(out: &mut String, indent: &str, element: &str, md: &str) {
    let _ = write!(out, "{indent}<{element} format=\"html\">");
    text(out, md);
    let _ = writeln!(out, "</{element}>");
}

/// `<text>` with the HTML for `md`, and the Markdown itself when the HTML
/// would read back differently.
fn text(out: &mut String, md: &str) {
    if md.is_empty() {
        out.push_str("<text></text>");
        return;
    }
    let html = render(md);
    let _ = write!(out, "<text>{}</text>", cdata(&html));
    if html::to_markdown(&html).0 != md {
        let _ = write!(out, "<examdrill-md>{}</examdrill-md>", escape(md));
    }
}

/// The category a question is filed under in Moodle.
fn category(q: &Question) -> String {
    let (exam, domain) = q.domains.iter().next().unwrap_or(("examdrill", "questions"));
    format!("$course$/top/{exam}/{domain}/{}", q.topic)
}

/// Moodle's `fraction` for each option: 100 for the key of a one-answer
/// question, 100/N for each of N keys (to Moodle's 7 digits), and -100 for a
/// wrong option of a multiple-response one.
fn fractions(q: &Question) -> Vec<String> {
    let n = q.answer.len().max(1) as f64;
    q.options
        .iter()
        .map(|o| match (q.kind, q.answer.contains(&o.key)) {
            (Kind::Multiple, true) => format!("{}", (100.0 / n * 100_000.0).round() / 100_000.0),
            (Kind::Multiple, false) => "-100".to_owned(),
            (_, true) => "100".to_owned(),
            (_, false) => "0".to_owned(),
        })
        .collect()
}

/// A true/false option as Moodle names it (`true`/`false`), so Moodle does
/// not fall back to guessing by order; any other text is kept.
fn truefalse_text(text: &str) -> Option<&'static str> {
    match text.trim().to_lowercase().as_str() {
        "true" => Some("true"),
        "false" => Some("false"),
        _ => None,
    }
}

fn question(out: &mut String, q: &Question) {
    let truefalse = q.kind == Kind::TrueFalse;
    let qtype = if truefalse { "truefalse" } else { "multichoice" };
    let _ = writeln!(out, "  <question type=\"{qtype}\">");
    let _ = writeln!(out, "    <name><text>{}</text></name>", escape(&q.id));
    field(out, "    ", "questiontext", &q.stem);
    field(out, "    ", "generalfeedback", &q.explanation);
    out.push_str("    <defaultgrade>1.0000000</defaultgrade>\n");
    let penalty = if truefalse {
        PENALTY_TRUEFALSE
    } else {
        PENALTY_MULTICHOICE
    };
    let _ = writeln!(out, "    <penalty>{penalty}</penalty>");
    let hidden = u8::from(q.status == Status::Draft);
    let _ = writeln!(out, "    <hidden>{hidden}</hidden>");
    let _ = writeln!(out, "    <idnumber>{}</idnumber>", escape(&q.id));
    if !truefalse {
        let _ = writeln!(out, "    <single>{}</single>", q.kind == Kind::Single);
        out.push_str("    <shuffleanswers>true</shuffleanswers>\n");
        out.push_str("    <answernumbering>abc</answernumbering>\n");
    }
    for (o, fraction) in q.options.iter().zip(fractions(q)) {
        let _ = write!(out, "    <answer fraction=\"{fraction}\" format=\"html\">");
        match truefalse_text(&o.text).filter(|_| truefalse) {
            Some(word) => {
                let _ = write!(out, "<text>{word}</text>");
                if word != o.text {
                    let _ = write!(out, "<examdrill-md>{}</examdrill-md>", escape(&o.text));
                }
            }
            None => text(out, &o.text),
        }
        out.push_str("\n      ");
        field(out, "", "feedback", &o.rationale);
        out.push_str("    </answer>\n");
    }
    tags(out, q);
    out.push_str("  </question>\n");
}

fn tags(out: &mut String, q: &Question) {
    let mut tags = vec![
        format!("examdrill-id:{}", q.id),
        format!("examdrill-topic:{}", q.topic),
        format!("examdrill-difficulty:{}", q.difficulty.as_str()),
        format!("examdrill-language:{}", q.language),
        format!("examdrill-status:{}", q.status.as_str()),
        format!("examdrill-source-file:{}", q.source.file),
        format!("examdrill-source-heading:{}", q.source.heading),
    ];
    tags.extend(q.domains.iter().map(|(e, d)| format!("examdrill-domain:{e}={d}")));
    tags.extend(q.references.iter().map(|r| format!("examdrill-reference:{r}")));
    out.push_str("    <tags>\n");
    for t in tags {
        let _ = writeln!(out, "      <tag><text>{}</text></tag>", escape(&t));
    }
    out.push_str("    </tags>\n");
}

/// The bank's questions as one Moodle XML file, a category question before
/// each run of questions filed under the same category.
pub fn export(bank: &Bank) -> String {
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<quiz>\n");
    let mut current: Option<String> = None;
    for q in &bank.questions {
        let cat = category(q);
        if current.as_deref() != Some(cat.as_str()) {
            let _ = writeln!(
                out,
                "  <question type=\"category\">\n    <category><text>{}</text></category>\n    \
                 <info format=\"html\"><text></text></info>\n  </question>",
                escape(&cat)
            );
            current = Some(cat);
        }
        question(&mut out, q);
    }
    out.push_str("</quiz>\n");
    out
}
