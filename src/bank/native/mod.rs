//! The native TOML format (docs/question-bank-format.md). Parsing keeps going
//! after a problem so that one pass reports all of them, each with its position.

use std::ops::Range;

use toml_edit::{ImDocument, Item, TableLike};

use super::diagnostics::{Diagnostic, LineIndex};
use super::model::{Pos, Question, Topic};

mod blueprint;
mod question;

pub use blueprint::parse_blueprint;
use question::parse_question;

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
