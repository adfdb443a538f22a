//! The native TOML format (docs/question-bank-format.md). Parsing keeps going
//! after a problem so that one pass reports all of them, each with its position.

use std::collections::BTreeMap;
use std::ops::Range;

use toml_edit::{ImDocument, Item, TableLike, Value};

use super::diagnostics::{Diagnostic, LineIndex};
use super::model::{
    Blueprint, BlueprintDomain, Choice, ChoiceEn, Difficulty, Generated, Kind, Pos, Question, QuestionEn, Source,
    Status, Topic,
};

/// What one bank file holds.
#[derive(Debug, Default)]
pub struct BankFile {
    pub topic: Option<Topic>,
    pub questions: Vec<Question>,
}

struct Reader<'a> {
    idx: LineIndex<'a>,
    diags: &'a mut Vec<Diagnostic>,
}

impl Reader<'_> {
    fn pos(&self, span: Option<Range<usize>>) -> Pos {
        match span {
            Some(r) => self.idx.pos(r.start),
            None => self.idx.file_pos(),
        }
    }

    fn err(&mut self, span: Option<Range<usize>>, message: impl Into<String>) {
        let pos = self.pos(span);
        self.diags.push(Diagnostic {
            pos,
            message: message.into(),
        });
    }

    /// Reports keys that are not in `known`.
    fn unknown_keys(&mut self, table: &dyn TableLike, what: &str, known: &[&str]) {
        let unknown: Vec<(String, Option<Range<usize>>)> = table
            .iter()
            .filter(|(k, _)| !known.contains(k))
            .map(|(k, _)| (k.to_owned(), table.get_key_value(k).and_then(|(key, _)| key.span())))
            .collect();
        for (k, span) in unknown {
            self.err(
                span,
                format!("unknown field `{k}` in {what}; expected one of: {}", known.join(", ")),
            );
        }
    }

    fn item<'t>(
        &mut self,
        table: &'t dyn TableLike,
        at: Option<Range<usize>>,
        what: &str,
        key: &str,
    ) -> Option<&'t Item> {
        match table.get(key) {
            Some(item) => Some(item),
            None => {
                self.err(at, format!("missing field `{key}` in {what}"));
                None
            }
        }
    }

    fn string(&mut self, table: &dyn TableLike, at: Option<Range<usize>>, what: &str, key: &str) -> Option<String> {
        let item = self.item(table, at, what, key)?;
        self.as_string(item, key)
    }

    fn as_string(&mut self, item: &Item, key: &str) -> Option<String> {
        match item.as_str() {
            Some(s) => Some(s.to_owned()),
            None => {
                self.err(
                    item.span(),
                    format!("field `{key}` must be a string, found {}", item.type_name()),
                );
                None
            }
        }
    }

    fn opt_string(&mut self, table: &dyn TableLike, key: &str) -> Option<String> {
        let item = table.get(key)?;
        self.as_string(item, key)
    }

    fn uint(&mut self, table: &dyn TableLike, at: Option<Range<usize>>, what: &str, key: &str) -> Option<u32> {
        let item = self.item(table, at, what, key)?;
        match item.as_integer().and_then(|i| u32::try_from(i).ok()) {
            Some(n) => Some(n),
            None => {
                self.err(item.span(), format!("field `{key}` must be a non-negative integer"));
                None
            }
        }
    }

    fn strings(
        &mut self,
        table: &dyn TableLike,
        at: Option<Range<usize>>,
        what: &str,
        key: &str,
    ) -> Option<Vec<String>> {
        let item = self.item(table, at, what, key)?;
        let Some(arr) = item.as_array() else {
            self.err(
                item.span(),
                format!("field `{key}` must be a list of strings, found {}", item.type_name()),
            );
            return None;
        };
        let mut out = Vec::new();
        let mut ok = true;
        for v in arr.iter() {
            match v.as_str() {
                Some(s) => out.push(s.to_owned()),
                None => {
                    self.err(
                        v.span(),
                        format!("field `{key}` must contain only strings, found {}", v.type_name()),
                    );
                    ok = false;
                }
            }
        }
        ok.then_some(out)
    }

    fn table<'t>(&mut self, item: &'t Item, key: &str) -> Option<&'t dyn TableLike> {
        match item.as_table_like() {
            Some(t) => Some(t),
            None => {
                self.err(
                    item.span(),
                    format!("field `{key}` must be a table, found {}", item.type_name()),
                );
                None
            }
        }
    }
}

fn span_of(t: &dyn TableLike, fallback: Option<Range<usize>>) -> Option<Range<usize>> {
    // The first key's span points inside the table, good enough for "missing field" messages.
    t.iter()
        .next()
        .and_then(|(k, _)| t.get_key_value(k).and_then(|(key, _)| key.span()))
        .or(fallback)
}

fn parse_document<'a>(r: &mut Reader<'a>, text: &'a str) -> Option<ImDocument<&'a str>> {
    match ImDocument::parse(text) {
        Ok(doc) => Some(doc),
        Err(e) => {
            let msg = e.message().trim().to_owned();
            r.err(e.span(), format!("not valid TOML: {msg}"));
            None
        }
    }
}

const TOPIC_FIELDS: &[&str] = &["slug", "name_ko", "name_en", "domains", "summary_ko", "summary_en"];
const QUESTION_FIELDS: &[&str] = &[
    "id",
    "exams",
    "domain",
    "topic",
    "difficulty",
    "kind",
    "language",
    "status",
    "stem",
    "explanation",
    "answer",
    "source",
    "options",
    "generated",
    "references",
    "stem_en",
    "explanation_en",
];
const OPTION_FIELDS: &[&str] = &["key", "text", "rationale", "text_en", "rationale_en"];
const SOURCE_FIELDS: &[&str] = &["file", "heading"];
const GENERATED_FIELDS: &[&str] = &["path", "lines", "quality"];

/// Parses one topic/question file. Problems are appended to `diags`; whatever
/// parsed cleanly is returned so later checks can still run on it.
pub fn parse_bank_file(file: &str, text: &str, diags: &mut Vec<Diagnostic>) -> BankFile {
    let mut r = Reader {
        idx: LineIndex::new(file, text),
        diags,
    };
    let Some(doc) = parse_document(&mut r, text) else {
        return BankFile::default();
    };
    let root = doc.as_table();
    r.unknown_keys(root, "the file", &["topic", "questions"]);

    let topic = root.get("topic").and_then(|item| {
        let t = r.table(item, "topic")?;
        parse_topic(&mut r, t, item.span())
    });

    let mut questions = Vec::new();
    if let Some(item) = root.get("questions") {
        match item.as_array_of_tables() {
            Some(aot) => {
                for t in aot.iter() {
                    if let Some(q) = parse_question(&mut r, t, t.span(), topic.as_ref().map(|t| t.slug.as_str())) {
                        questions.push(q);
                    }
                }
            }
            None => r.err(item.span(), "`questions` must be written as [[questions]] tables"),
        }
    }
    if topic.is_none() && questions.is_empty() && !root.contains_key("topic") {
        r.err(None, "the file holds neither a [topic] table nor any [[questions]]");
    }
    BankFile { topic, questions }
}

fn parse_topic(r: &mut Reader<'_>, t: &dyn TableLike, at: Option<Range<usize>>) -> Option<Topic> {
    let at = span_of(t, at);
    r.unknown_keys(t, "[topic]", TOPIC_FIELDS);
    let slug = r.string(t, at.clone(), "[topic]", "slug");
    let name_ko = r.string(t, at.clone(), "[topic]", "name_ko");
    let name_en = r.string(t, at.clone(), "[topic]", "name_en");
    let domains = r.strings(t, at.clone(), "[topic]", "domains");
    let summary_ko = r.string(t, at.clone(), "[topic]", "summary_ko");
    let summary_en = r.string(t, at.clone(), "[topic]", "summary_en");
    let mut pairs = Vec::new();
    if let Some(domains) = &domains {
        for d in domains {
            match d.split_once('/') {
                Some((e, c)) if !e.is_empty() && !c.is_empty() => pairs.push((e.to_owned(), c.to_owned())),
                _ => r.err(
                    t.get("domains").and_then(Item::span),
                    format!("topic domain `{d}` must look like `exam/domain`, e.g. `saa-c03/secure`"),
                ),
            }
        }
    }
    if let Some(slug) = &slug
        && !is_slug(slug)
    {
        r.err(
            t.get("slug").and_then(Item::span),
            format!("slug `{slug}` may only use a-z, 0-9 and '-'"),
        );
    }
    Some(Topic {
        slug: slug?,
        name_ko: name_ko?,
        name_en: name_en?,
        domains: pairs,
        summary_ko: summary_ko?,
        summary_en: summary_en?,
        pos: r.pos(at),
    })
}

pub fn is_slug(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

fn parse_question(
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
        id: id?,
        domains: domains?,
        topic: topic?,
        difficulty: difficulty?,
        kind: kind?,
        language: language?,
        status: status?,
        stem: stem?,
        explanation: explanation?,
        answer: answer?,
        options: options?,
        source: source?,
        references: references?,
        en,
        generated,
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
fn parse_domains(
    r: &mut Reader<'_>,
    t: &dyn TableLike,
    at: Option<Range<usize>>,
    what: &str,
) -> Option<BTreeMap<String, String>> {
    let exams = r.strings(t, at.clone(), what, "exams");
    let domain_item = r.item(t, at, what, "domain");
    let mut domains = BTreeMap::new();
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

fn check_exams_have_domains(
    r: &mut Reader<'_>,
    t: &dyn TableLike,
    exams: &[String],
    domains: &BTreeMap<String, String>,
) {
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
        if !exams.contains(e) {
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
            file: file?,
            heading: heading?,
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
                text,
                rationale,
                en,
                pos: r.pos(oat),
            }),
            _ => ok = false,
        }
    }
    ok.then_some(out)
}

/// Parses a blueprint file.
pub fn parse_blueprint(file: &str, text: &str, diags: &mut Vec<Diagnostic>) -> Option<Blueprint> {
    let mut r = Reader {
        idx: LineIndex::new(file, text),
        diags,
    };
    let doc = parse_document(&mut r, text)?;
    let root = doc.as_table();
    let what = "the blueprint";
    r.unknown_keys(
        root,
        what,
        &[
            "code",
            "name_ko",
            "name_en",
            "questions",
            "minutes",
            "passing_score",
            "score_min",
            "score_max",
            "domains",
        ],
    );
    let at = span_of(root, None);
    let code = r.string(root, at.clone(), what, "code");
    let name_ko = r.string(root, at.clone(), what, "name_ko");
    let name_en = r.string(root, at.clone(), what, "name_en");
    let questions = r.uint(root, at.clone(), what, "questions");
    let minutes = r.uint(root, at.clone(), what, "minutes");
    let passing_score = r.uint(root, at.clone(), what, "passing_score");
    let score_min = r.uint(root, at.clone(), what, "score_min");
    let score_max = r.uint(root, at.clone(), what, "score_max");
    let mut domains = Vec::new();
    if let Some(item) = r.item(root, at.clone(), what, "domains") {
        match item.as_array_of_tables() {
            Some(aot) => {
                for t in aot.iter() {
                    let dat = span_of(t, t.span());
                    r.unknown_keys(t, "a blueprint domain", &["code", "weight", "name_ko", "name_en"]);
                    let d = (
                        r.string(t, dat.clone(), "a blueprint domain", "code"),
                        r.uint(t, dat.clone(), "a blueprint domain", "weight"),
                        r.string(t, dat.clone(), "a blueprint domain", "name_ko"),
                        r.string(t, dat.clone(), "a blueprint domain", "name_en"),
                    );
                    if let (Some(code), Some(weight), Some(name_ko), Some(name_en)) = d {
                        domains.push(BlueprintDomain {
                            code,
                            weight,
                            name_ko,
                            name_en,
                        });
                    }
                }
            }
            None => r.err(item.span(), "`domains` must be written as [[domains]] tables"),
        }
    }
    let total: u32 = domains.iter().map(|d| d.weight).sum();
    if !domains.is_empty() && total != 100 {
        r.err(
            root.get("domains").and_then(Item::span),
            format!("domain weights add up to {total}, not 100"),
        );
    }
    if let (Some(min), Some(max), Some(pass)) = (score_min, score_max, passing_score)
        && !(min < max && (min..=max).contains(&pass))
    {
        r.err(
            root.get("passing_score").and_then(Item::span),
            "passing_score must lie between score_min and score_max",
        );
    }
    Some(Blueprint {
        code: code?,
        name_ko: name_ko?,
        name_en: name_en?,
        questions: questions?,
        minutes: minutes?,
        passing_score: passing_score?,
        score_min: score_min?,
        score_max: score_max?,
        domains,
    })
}
