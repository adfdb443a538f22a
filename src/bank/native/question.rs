//! One `[[questions]]` table of a native bank file, field by field.

use std::ops::Range;

use toml_edit::{Item, TableLike, Value};

use super::{GENERATED_FIELDS, OPTION_FIELDS, QUESTION_FIELDS, Reader, SOURCE_FIELDS, is_slug, span_of};
use crate::bank::model::{
    Choice, ChoiceEn, Difficulty, Domains, Generated, Kind, Question, QuestionEn, Source, Status,
};

pub(super) fn parse_question(
    r: &mut Reader<'_>,
    t: &dyn TableLike,
    at: Option<Range<usize>>,
    file_topic: Option<&str>,
) -> Option<Question> {
    let at = span_of(t, at);
    let what = match t.get("id").and_then(Item::as_str) {
        Some(id) => format!("question `{id}`"),
        None => "a question".to_owned(),
    };
    r.unknown_keys(t, &what, QUESTION_FIELDS);
    // Every field is read, and its problems reported, before any missing one
    // ends the question, so one pass reports them all.
    let id = parse_id(r, t, at.clone(), &what);
    let domains = parse_domains(r, t, at.clone(), &what);
    let topic = parse_question_topic(r, t, at.clone(), &what, file_topic);
    let difficulty = parse_difficulty(r, t, at.clone(), &what);
    let kind = parse_kind(r, t, at.clone(), &what);
    let language = parse_language(r, t, at.clone(), &what);
    let status = parse_status(r, t);
    let stem = r.string(t, at.clone(), &what, "stem");
    let explanation = r.string(t, at.clone(), &what, "explanation");
    let answer_raw = r.strings(t, at.clone(), &what, "answer");
    let source = parse_source(r, t, at.clone(), &what);
    let options = parse_options(r, t, at.clone(), &what);
    let generated = t.get("generated").and_then(|item| parse_generated(r, item));
    let references = match t.get("references") {
        Some(_) => r.strings(t, at.clone(), &what, "references"),
        None => Some(Vec::new()),
    };
    let en = parse_question_en(r, t, at.clone(), &what);
    let answer = answer_raw.map(|raw| parse_answer_keys(r, t, &raw));
    Some(Question {
        id: id?.into(),
        domains: domains?,
        topic: topic?.into(),
        difficulty: difficulty?,
        kind: kind?,
        language: language?.into(),
        status: status?,
        stem: stem?,
        explanation: explanation?,
        answer: answer?,
        options: options?,
        source: source?,
        references: references?,
        en: en.map(Box::new),
        generated: generated.map(Box::new),
        pos: r.pos(at),
    })
}

fn parse_id(r: &mut Reader<'_>, t: &dyn TableLike, at: Option<Range<usize>>, what: &str) -> Option<String> {
    let id = r.string(t, at, what, "id");
    if let Some(id) = &id
        && !is_slug(id)
    {
        r.err(
            t.get("id").and_then(Item::span),
            format!("id `{id}` may only use a-z, 0-9 and '-'"),
        );
    }
    id
}

/// `exams` and the `domain` table (exam → domain code). A listed exam without
/// a domain, or a domain for an unlisted exam, is reported; the domains are
/// returned when both fields are there and every domain is a string.
fn parse_domains(r: &mut Reader<'_>, t: &dyn TableLike, at: Option<Range<usize>>, what: &str) -> Option<Domains> {
    let exams = r.strings(t, at.clone(), what, "exams");
    let domain_item = r.item(t, at, what, "domain");
    let mut domains = Domains::new();
    let mut domains_ok = domain_item.is_some();
    if let Some(item) = domain_item {
        match r.table(item, "domain") {
            Some(dt) => {
                for (exam, v) in dt.iter() {
                    match v.as_str() {
                        Some(code) => {
                            domains.insert(exam.to_owned(), code.to_owned());
                        }
                        None => {
                            r.err(
                                v.span(),
                                format!("domain for `{exam}` must be a string such as \"secure\""),
                            );
                            domains_ok = false;
                        }
                    }
                }
            }
            None => domains_ok = false,
        }
    }
    if let (Some(exams), true) = (&exams, domains_ok) {
        check_exams_have_domains(r, t, exams, &domains);
    }
    (domains_ok && exams.is_some()).then_some(domains)
}

fn check_exams_have_domains(r: &mut Reader<'_>, t: &dyn TableLike, exams: &[String], domains: &Domains) {
    let span = t.get("domain").and_then(Item::span);
    for e in exams {
        if !domains.contains_key(e) {
            r.err(
                span.clone(),
                format!("exam `{e}` is listed in `exams` but has no entry in `domain`"),
            );
        }
    }
    for e in domains.keys() {
        if !exams.iter().any(|x| x == e) {
            r.err(
                span.clone(),
                format!("`domain` names exam `{e}`, which is not listed in `exams`"),
            );
        }
    }
    if exams.is_empty() {
        r.err(
            t.get("exams").and_then(Item::span),
            "`exams` must name at least one exam",
        );
    }
}

/// The question's own `topic`, else the file's [topic].
fn parse_question_topic(
    r: &mut Reader<'_>,
    t: &dyn TableLike,
    at: Option<Range<usize>>,
    what: &str,
    file_topic: Option<&str>,
) -> Option<String> {
    match r.opt_string(t, "topic") {
        Some(s) => Some(s),
        None => match file_topic {
            Some(s) => Some(s.to_owned()),
            None => {
                r.err(
                    at,
                    format!("{what} has no topic: add `topic = \"…\"` or a [topic] table to the file"),
                );
                None
            }
        },
    }
}

/// `difficulty`. A bad one is reported and then stood in for (medium), so the
/// question still gets the remaining checks in this same pass.
fn parse_difficulty(r: &mut Reader<'_>, t: &dyn TableLike, at: Option<Range<usize>>, what: &str) -> Option<Difficulty> {
    r.string(t, at, what, "difficulty").map(|s| {
        Difficulty::parse(&s).unwrap_or_else(|| {
            r.err(
                t.get("difficulty").and_then(Item::span),
                format!("difficulty `{s}` must be easy, medium or hard"),
            );
            Difficulty::Medium
        })
    })
}

/// `language`. A bad one is reported and kept, so the question still gets
/// the remaining checks in this same pass.
fn parse_language(r: &mut Reader<'_>, t: &dyn TableLike, at: Option<Range<usize>>, what: &str) -> Option<String> {
    r.string(t, at, what, "language").map(|s| {
        if s != "ko" && s != "en" {
            r.err(
                t.get("language").and_then(Item::span),
                format!("language `{s}` must be ko or en"),
            );
        }
        s
    })
}

fn parse_kind(r: &mut Reader<'_>, t: &dyn TableLike, at: Option<Range<usize>>, what: &str) -> Option<Kind> {
    r.string(t, at, what, "kind").and_then(|s| {
        let k = Kind::parse(&s);
        if k.is_none() {
            r.err(
                t.get("kind").and_then(Item::span),
                format!("kind `{s}` must be single, multiple or truefalse"),
            );
        }
        k
    })
}

/// `status`, published when absent.
fn parse_status(r: &mut Reader<'_>, t: &dyn TableLike) -> Option<Status> {
    match r.opt_string(t, "status") {
        None => Some(Status::Published),
        Some(s) => {
            let st = Status::parse(&s);
            if st.is_none() {
                r.err(
                    t.get("status").and_then(Item::span),
                    format!("status `{s}` must be published or draft"),
                );
            }
            st
        }
    }
}

fn parse_source(r: &mut Reader<'_>, t: &dyn TableLike, at: Option<Range<usize>>, what: &str) -> Option<Source> {
    r.item(t, at, what, "source").and_then(|item| {
        let st = r.table(item, "source")?;
        r.unknown_keys(st, "`source`", SOURCE_FIELDS);
        let sat = item.span();
        let file = r.string(st, sat.clone(), "`source`", "file");
        let heading = r.string(st, sat, "`source`", "heading");
        Some(Source {
            file: file?.into(),
            heading: heading?.into(),
        })
    })
}

/// `stem_en` and `explanation_en`: both or neither.
fn parse_question_en(
    r: &mut Reader<'_>,
    t: &dyn TableLike,
    at: Option<Range<usize>>,
    what: &str,
) -> Option<QuestionEn> {
    match (r.opt_string(t, "stem_en"), r.opt_string(t, "explanation_en")) {
        (Some(stem), Some(explanation)) => Some(QuestionEn { stem, explanation }),
        (None, None) => None,
        (Some(_), None) | (None, Some(_)) => {
            r.err(
                at,
                format!("{what} has only half of its English original: give both `stem_en` and `explanation_en`"),
            );
            None
        }
    }
}

/// The answer's option keys; a value that is not a single character is
/// reported and left out.
fn parse_answer_keys(r: &mut Reader<'_>, t: &dyn TableLike, raw: &[String]) -> Vec<char> {
    let mut answer = Vec::new();
    let span = t.get("answer").and_then(Item::span);
    for a in raw {
        let mut chars = a.chars();
        match (chars.next(), chars.next()) {
            (Some(c), None) => answer.push(c),
            _ => r.err(
                span.clone(),
                format!("answer `{a}` must be a single option key such as \"b\""),
            ),
        }
    }
    answer
}

/// The optional `generated = { path, lines = [first, last], quality }` of a draft.
fn parse_generated(r: &mut Reader<'_>, item: &Item) -> Option<Generated> {
    let gt = r.table(item, "generated")?;
    r.unknown_keys(gt, "`generated`", GENERATED_FIELDS);
    let at = item.span();
    let path = r.string(gt, at.clone(), "`generated`", "path");
    let quality = r.uint(gt, at.clone(), "`generated`", "quality");
    if quality.is_some_and(|q| q > 100) {
        r.err(gt.get("quality").and_then(Item::span), "`quality` must be 0–100");
    }
    let lines = r.item(gt, at, "`generated`", "lines").and_then(|li| {
        let nums: Option<Vec<u32>> = li
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|v| v.as_integer().and_then(|i| u32::try_from(i).ok()))
                    .collect()
            })
            .and_then(|v: Vec<Option<u32>>| v.into_iter().collect());
        match nums.as_deref() {
            Some([a, b]) if a <= b => Some([*a, *b]),
            _ => {
                r.err(li.span(), "`lines` must be [first, last] line numbers");
                None
            }
        }
    });
    Some(Generated {
        path: path?,
        lines: lines?,
        quality: u8::try_from(quality?.min(100)).ok()?,
    })
}

fn parse_options(r: &mut Reader<'_>, t: &dyn TableLike, at: Option<Range<usize>>, what: &str) -> Option<Vec<Choice>> {
    let item = r.item(t, at, what, "options")?;
    let tables: Vec<(&dyn TableLike, Option<Range<usize>>)> = if let Some(aot) = item.as_array_of_tables() {
        aot.iter().map(|t| (t as &dyn TableLike, t.span())).collect()
    } else if let Some(arr) = item.as_array() {
        let mut v = Vec::new();
        for val in arr.iter() {
            match val {
                Value::InlineTable(it) => v.push((it as &dyn TableLike, it.span())),
                other => r.err(other.span(), "each option must be a table with key, text and rationale"),
            }
        }
        v
    } else {
        r.err(item.span(), "`options` must be written as [[questions.options]] tables");
        return None;
    };
    let mut out = Vec::new();
    let mut ok = true;
    for (ot, span) in tables {
        let oat = span_of(ot, span);
        r.unknown_keys(ot, "an option", OPTION_FIELDS);
        let key = r.string(ot, oat.clone(), "an option", "key").and_then(|k| {
            let mut cs = k.chars();
            match (cs.next(), cs.next()) {
                (Some(c), None) if c.is_ascii_lowercase() => Some(c),
                _ => {
                    r.err(
                        ot.get("key").and_then(Item::span),
                        format!("option key `{k}` must be one lowercase letter"),
                    );
                    None
                }
            }
        });
        let text = r.string(ot, oat.clone(), "an option", "text");
        let rationale = r.string(ot, oat.clone(), "an option", "rationale");
        let en = match (r.opt_string(ot, "text_en"), r.opt_string(ot, "rationale_en")) {
            (Some(text), Some(rationale)) => Some(ChoiceEn { text, rationale }),
            (None, None) => None,
            (Some(_), None) | (None, Some(_)) => {
                r.err(
                    oat.clone(),
                    "an option has only half of its English original: give both `text_en` and `rationale_en`",
                );
                None
            }
        };
        match (key, text, rationale) {
            (Some(key), Some(text), Some(rationale)) => out.push(Choice {
                key,
                text: text.into(),
                rationale: rationale.into(),
                en: en.map(Box::new),
                pos: r.pos(oat),
            }),
            _ => ok = false,
        }
    }
    ok.then_some(out)
}
