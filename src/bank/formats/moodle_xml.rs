//! Moodle XML: `multichoice` and `truefalse` questions in (and out again,
//! through [`super::moodle_export`]). examdrill's own fields (topic, exams,
//! source, …) travel as `examdrill-…` tags, so an export imports back unchanged.

use quick_xml::Reader;
use quick_xml::events::Event;

use super::category::{Category, CategoryPath};
use super::{Defaults, RawOption, RawQuestion, Sink, TextFormat};
use crate::bank::diagnostics::{Diagnostic, LineIndex};
use crate::bank::model::{Difficulty, Domains, Question, Source, Status};
use crate::bank::native::is_slug;

#[derive(Debug, Default)]
struct Element {
    name: String,
    attrs: Vec<(String, String)>,
    text: String,
    children: Vec<Element>,
    offset: usize,
}

impl Element {
    fn attr(&self, name: &str) -> Option<&str> {
        self.attrs.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }
    fn child(&self, name: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.name == name)
    }
    fn children<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Element> + 'a {
        self.children.iter().filter(move |c| c.name == name)
    }
    /// The format and raw `<text>` of a child such as `<questiontext>`.
    fn field(&self, name: &str) -> Option<(TextFormat, String)> {
        self.child(name).map(Element::own_text)
    }

    /// This element's `<text>` in its format; the Markdown examdrill's own
    /// export keeps beside the HTML, when there is one, since it is exact.
    fn own_text(&self) -> (TextFormat, String) {
        if let Some(md) = self.child("examdrill-md") {
            return (TextFormat::Markdown, md.text.clone());
        }
        let t = self.child("text").map(|t| t.text.clone()).unwrap_or_default();
        (TextFormat::from_moodle(self.attr("format")), t)
    }
}

/// Moodle XML nests about six deep (quiz, question, answer, feedback, text);
/// anything far deeper is not a question file, and refusing it keeps the tree
/// (and dropping it) cheap.
pub const MAX_DEPTH: usize = 64;

/// Builds the element tree iteratively. DTDs are refused outright: Moodle
/// never writes one, and they are how entity bombs and external entities come in.
/// Each `<question>` directly under the top `<quiz>` goes to `on_question`
/// as soon as it is closed, and is not kept in the tree: memory holds one
/// question's elements at a time, not the whole file's. When `on_question`
/// returns false the reading stops there, with None.
fn parse_tree(text: &str, on_question: &mut dyn FnMut(Element) -> bool) -> Result<Option<Element>, (usize, String)> {
    let mut reader = Reader::from_str(text);
    let mut stack: Vec<Element> = vec![Element::default()];
    loop {
        let offset = reader.buffer_position() as usize;
        match reader.read_event() {
            Err(e) => return Err((reader.error_position() as usize, e.to_string())),
            Ok(Event::Eof) => break,
            Ok(Event::DocType(_)) => {
                return Err((
                    offset,
                    "a <!DOCTYPE> declaration is not allowed (Moodle XML has none; DTD entities are refused)"
                        .to_owned(),
                ));
            }
            Ok(Event::Start(e)) => {
                if stack.len() > MAX_DEPTH {
                    return Err((
                        offset,
                        format!("elements are nested more than {MAX_DEPTH} deep; Moodle XML needs fewer than 10"),
                    ));
                }
                let el = element(&e, offset).map_err(|m| (offset, m))?;
                stack.push(el);
            }
            Ok(Event::Empty(e)) => {
                let el = element(&e, offset).map_err(|m| (offset, m))?;
                if let Some(parent) = stack.last_mut() {
                    parent.children.push(el);
                }
            }
            Ok(Event::End(_)) => {
                let done = stack.pop().ok_or((offset, "unbalanced closing tag".to_owned()))?;
                if stack.len() == 2 && stack[1].name == "quiz" && done.name == "question" {
                    if !on_question(done) {
                        return Ok(None);
                    }
                    continue;
                }
                match stack.last_mut() {
                    Some(parent) => parent.children.push(done),
                    None => return Err((offset, "unbalanced closing tag".to_owned())),
                }
            }
            Ok(Event::Text(t)) => {
                // HTML entities (`&eacute;`) are accepted as well as XML's five:
                // hand-edited Moodle files use them, and they cannot expand.
                let s = t
                    .unescape_with(quick_xml::escape::resolve_html5_entity)
                    .map_err(|e| (offset, e.to_string()))?;
                if let Some(cur) = stack.last_mut() {
                    cur.text.push_str(&s);
                }
            }
            Ok(Event::CData(c)) => {
                if let Some(cur) = stack.last_mut() {
                    cur.text.push_str(&String::from_utf8_lossy(&c));
                }
            }
            Ok(_) => {}
        }
    }
    if stack.len() != 1 {
        return Err((
            text.len(),
            "the document ends before all elements are closed".to_owned(),
        ));
    }
    stack.pop().map(Some).ok_or((0, "empty document".to_owned()))
}

fn element(e: &quick_xml::events::BytesStart<'_>, offset: usize) -> Result<Element, String> {
    let name = String::from_utf8_lossy(e.name().as_ref()).into_owned();
    let mut attrs = Vec::new();
    for a in e.attributes() {
        let a = a.map_err(|e| e.to_string())?;
        let v = a.unescape_value().map_err(|e| e.to_string())?.into_owned();
        attrs.push((String::from_utf8_lossy(a.key.as_ref()).into_owned(), v));
    }
    Ok(Element {
        name,
        attrs,
        offset,
        ..Default::default()
    })
}

/// Moodle's question types we do not import, by the name an instructor knows.
fn unsupported_name(qtype: &str) -> &str {
    match qtype {
        "shortanswer" => "short answer",
        "numerical" => "numerical",
        "matching" | "randomsamatch" => "matching",
        "essay" => "essay",
        "description" => "description",
        "multianswer" => "embedded answers (cloze)",
        "calculated" | "calculatedsimple" | "calculatedmulti" => "calculated",
        "ddwtos" | "gapselect" | "ddimageortext" | "ddmarker" => "drag-and-drop",
        other => other,
    }
}

pub fn parse(file: &str, text: &str, d: &Defaults, sink: &mut Sink) {
    let idx = LineIndex::new(file, text);
    // The category named last files the questions after it.
    let mut current: Option<Category> = None;
    let mut each = |q: Element| {
        if sink.stop() {
            return false;
        }
        let kind = q.attr("type").unwrap_or("");
        match kind {
            "category" => current = Some(category_of(&q)),
            "multichoice" | "truefalse" => {
                let at = Place {
                    file,
                    idx: &idx,
                    category: current.as_ref(),
                };
                if let Some(q) = one_question(&q, kind, &at, d, sink) {
                    sink.accept(q);
                }
            }
            "" => sink.skip(
                idx.pos(q.offset),
                "this <question> has no type=\"…\" attribute, so it is not a Moodle XML question",
            ),
            other => sink.skip(
                idx.pos(q.offset),
                format!(
                    "unsupported Moodle XML question type \"{}\" (`{other}`); only multiple choice and true/false are imported",
                    unsupported_name(other)
                ),
            ),
        }
        true
    };
    let root = parse_tree(text, &mut each);
    let error = match root {
        Err((off, msg)) => Some(Diagnostic {
            pos: idx.pos(off),
            message: format!("not valid XML: {msg}"),
        }),
        // Stopped: the sink knows, and says so for the whole file.
        Ok(None) => None,
        Ok(Some(root)) if root.child("quiz").is_none() => Some(Diagnostic {
            pos: idx.file_pos(),
            message: "no <quiz> element; this is not Moodle XML".into(),
        }),
        Ok(Some(_)) => None,
    };
    if let Some(e) = error {
        // Nothing of a broken file imports, so nothing of it is reported
        // question by question either.
        sink.errors.push(e);
        sink.discard_questions();
    }
}

/// The path a `<question type="category">` names: Moodle writes it in
/// `<category><text>`, some older files straight in `<category>`.
fn category_of(q: &Element) -> Category {
    let c = q.child("category");
    let text = c.and_then(|c| c.child("text")).or(c).map_or("", |t| t.text.as_str());
    CategoryPath::parse(text)
}

/// Where in which file a question is, and the category it is filed under.
struct Place<'a> {
    file: &'a str,
    idx: &'a LineIndex<'a>,
    category: Option<&'a Category>,
}

fn one_question(q: &Element, kind: &str, at: &Place<'_>, d: &Defaults, sink: &mut Sink) -> Option<Question> {
    let tags: Vec<String> = q
        .child("tags")
        .map(|t| {
            t.children("tag")
                .filter_map(|t| t.child("text"))
                .map(|t| t.text.trim().to_owned())
                .collect()
        })
        .unwrap_or_default();
    let tag = |k: &str| {
        tags.iter()
            .find_map(|t| t.strip_prefix(&format!("examdrill-{k}:")).map(str::to_owned))
    };
    let pos = at.idx.pos(q.offset);
    let id = tag("id");
    if let Some(id) = &id
        && !is_slug(id)
    {
        sink.skip(
            pos,
            format!("id `{id}` must be lowercase letters, digits and hyphens, like a native question id"),
        );
        return None;
    }
    let name = q
        .child("name")
        .and_then(|n| n.child("text"))
        .map(|t| t.text.trim().to_owned())
        .filter(|n| !n.is_empty());
    let mut raw = RawQuestion::new(name, at.file, pos, TextFormat::Auto);
    if let Some((format, text)) = q.field("questiontext") {
        raw.format = format;
        raw.set_stem(&text);
    }
    if let Some((format, text)) = q.field("generalfeedback") {
        raw.format = format;
        raw.set_explanation(&text);
    }
    raw.truefalse = kind == "truefalse";
    raw.single = q
        .child("single")
        .is_none_or(|s| matches!(s.text.trim(), "true" | "1" | ""));
    for a in q.children("answer") {
        let weight: f64 = a.attr("fraction").and_then(|f| f.trim().parse().ok()).unwrap_or(0.0);
        // Answer and feedback each have their own format; each is converted
        // once, here (converting Markdown again would escape its markup).
        let (format, text) = a.own_text();
        raw.format = format;
        let text = raw.text(&text);
        let feedback = a.field("feedback").map(|(f, t)| {
            raw.format = f;
            raw.text(&t)
        });
        raw.options.push(RawOption { text, weight, feedback });
    }
    raw.category = at.category.cloned();
    // examdrill's own tags say more than a category, and win over it.
    let mut local = sink.place(&raw, d).into_owned();
    if let Some(t) = tag("topic") {
        local.topic = t;
    }
    if let Some(l) = tag("language") {
        local.language = l;
    }
    if let Some(df) = tag("difficulty").as_deref().and_then(Difficulty::parse) {
        local.difficulty = df;
    }
    let mut question = raw.finish(&local, sink)?;
    if let Some(id) = id {
        question.id = id.into();
    }
    let domains: Domains = tags
        .iter()
        .filter_map(|t| t.strip_prefix("examdrill-domain:"))
        .filter_map(|p| p.split_once('=').map(|(e, d)| (e.to_owned(), d.to_owned())))
        .collect();
    if !domains.is_empty() {
        question.domains = domains;
    }
    // Moodle's hidden flag: a question kept out of new quizzes, as a draft is.
    let hidden = q.child("hidden").is_some_and(|h| h.text.trim() == "1");
    match tag("status").as_deref() {
        Some("draft") => question.status = Status::Draft,
        Some("published") => {}
        _ if hidden => question.status = Status::Draft,
        _ => {}
    }
    question.references = tags
        .iter()
        .filter_map(|t| t.strip_prefix("examdrill-reference:"))
        .map(str::to_owned)
        .collect();
    if let (Some(file), Some(heading)) = (tag("source-file"), tag("source-heading")) {
        question.source = Source {
            file: file.into(),
            heading: heading.into(),
        };
    }
    Some(question)
}

pub use super::moodle_export::export;
