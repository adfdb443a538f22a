//! Importing from other quiz formats. Every format produces the same
//! [`Question`]s as the native one and goes through the same validation.
//! What a format has no field for comes from [`Defaults`], chosen by the
//! instructor (or given on the command line).

pub mod aiken;
pub mod category;
pub mod csv;
pub mod gift;
pub mod html;
pub mod moodle_export;
pub mod moodle_xml;
mod sink;

pub use sink::{Cancel, Read, Sink};

use compact_str::CompactString;

use self::category::{Category, CategoryMode};
use super::diagnostics::LineIndex;
use super::model::{Blueprint, Choice, Difficulty, Kind, Pos, Question, Source, Status};
use super::validate::normalize;

/// Values for fields a format cannot express.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Defaults {
    pub topic: String,
    pub exam: String,
    pub domain: String,
    pub difficulty: Difficulty,
    pub language: String,
    /// Where questions of a category that is not examdrill's own layout go.
    #[serde(default)]
    pub categories: CategoryMode,
}

impl Defaults {
    /// Defaults given on the command line, with the exam one of `blueprints`,
    /// the domain one of its domains and the language ko or en.
    pub fn checked(
        topic: String,
        exam: &str,
        domain: &str,
        language: &str,
        blueprints: &[Blueprint],
    ) -> Result<Self, String> {
        let codes: Vec<&str> = blueprints.iter().map(|b| b.code.as_str()).collect();
        let Some(bp) = blueprints.iter().find(|b| b.code == exam) else {
            return Err(format!(
                "--exam `{exam}` is not a known exam; the blueprints have: {}",
                codes.join(", ")
            ));
        };
        if !bp.has_domain(domain) {
            let domains: Vec<&str> = bp.domains.iter().map(|d| d.code.as_str()).collect();
            return Err(format!(
                "--domain `{domain}` is not a domain of {exam}; its domains are: {}",
                domains.join(", ")
            ));
        }
        if !matches!(language, "ko" | "en") {
            return Err(format!("--language `{language}` must be ko or en"));
        }
        Ok(Defaults {
            topic,
            exam: exam.to_owned(),
            domain: domain.to_owned(),
            difficulty: Difficulty::Medium,
            language: language.to_owned(),
            categories: CategoryMode::OneTopic,
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Native,
    Gift,
    Aiken,
    Csv,
    MoodleXml,
}

impl Format {
    /// Picks the format from the file name, looking at the text for `.txt`.
    pub fn detect(name: &str, text: &str) -> Format {
        let lower = name.to_lowercase();
        if lower.ends_with(".toml") {
            Format::Native
        } else if lower.ends_with(".gift") {
            Format::Gift
        } else if lower.ends_with(".aiken") {
            Format::Aiken
        } else if lower.ends_with(".csv") {
            Format::Csv
        } else if lower.ends_with(".xml") {
            Format::MoodleXml
        } else if text.lines().any(|l| l.trim_start().starts_with("ANSWER:")) {
            Format::Aiken
        } else {
            Format::Gift
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Format::Native => "examdrill TOML",
            Format::Gift => "GIFT",
            Format::Aiken => "Aiken",
            Format::Csv => "CSV",
            Format::MoodleXml => "Moodle XML",
        }
    }
}

/// A stable id for a question whose format has no id field: from its name when
/// it has one, else from its text, so re-importing the same file is idempotent.
/// A name that loses characters on the way to a slug (`C++`, `질문 1`) gets a
/// hash of the whole name, so `C++` and `C#` stay apart.
pub fn derived_id(topic: &str, name: Option<&str>, stem: &str) -> String {
    let name = name.map(str::trim).unwrap_or_default();
    let (slug, lossy) = ascii_slug(name, 60);
    if !slug.is_empty() && !lossy {
        return format!("{topic}-{slug}");
    }
    if !slug.is_empty() {
        return format!("{topic}-{slug}-{:06x}", fnv(name) & 0xff_ffff);
    }
    if !name.is_empty() {
        return format!("{topic}-{:012x}", fnv(name) & 0xffff_ffff_ffff);
    }
    format!("{topic}-{:012x}", fnv(&normalize(stem)) & 0xffff_ffff_ffff)
}

/// `name`'s ASCII letters and digits, lowercased, other runs made one `-`,
/// at most `max` characters; and whether characters other than separators
/// were dropped on the way.
pub(crate) fn ascii_slug(name: &str, max: usize) -> (String, bool) {
    let mut slug = String::new();
    let mut lossy = false;
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c.to_ascii_lowercase());
        } else {
            lossy |= !(c.is_whitespace() || c == '-' || c == '_' || c == '.');
            if !slug.is_empty() && !slug.ends_with('-') {
                slug.push('-');
            }
        }
    }
    let slug: String = slug.trim_matches('-').chars().take(max).collect();
    (slug.trim_end_matches('-').to_owned(), lossy)
}

/// FNV-1a: small, stable across Rust versions.
pub(crate) fn fnv(s: &str) -> u64 {
    let mut h: u64 = 0xcbf29ce484222325;
    for b in s.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x100000001b3);
    }
    h
}

/// How a foreign text field is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextFormat {
    Markdown,
    Html,
    Plain,
    /// Moodle's auto-format: plain text that may hold HTML tags.
    Auto,
}

impl TextFormat {
    /// Moodle XML's `format` attribute.
    pub fn from_moodle(attr: Option<&str>) -> Self {
        match attr {
            Some("markdown") => Self::Markdown,
            Some("html") => Self::Html,
            Some("plain_text") => Self::Plain,
            _ => Self::Auto,
        }
    }

    /// The text as the bank stores it (Markdown), and the images it named.
    pub fn convert(self, text: &str) -> (String, Vec<String>) {
        let html = match self {
            Self::Html => true,
            Self::Auto => html::looks_like_html(text),
            Self::Markdown | Self::Plain => false,
        };
        if self == Self::Markdown {
            // Kept exactly, so examdrill's own exports come back unchanged.
            (text.to_owned(), Vec::new())
        } else if html && text.len() <= html::MAX_HTML_BYTES && html::nesting_within_limit(text) {
            html::to_markdown(text)
        } else {
            (text.trim().to_owned(), Vec::new())
        }
    }
}

/// An answer option as read from a foreign format.
pub struct RawOption {
    pub text: String,
    /// Moodle's grade for the option, in percent.
    pub weight: f64,
    pub feedback: Option<String>,
}

/// Builds a question from what a foreign format gave, filling the rest from `d`.
pub struct RawQuestion {
    pub name: Option<String>,
    pub stem: String,
    pub options: Vec<RawOption>,
    pub explanation: Option<String>,
    pub truefalse: bool,
    /// Moodle's "one answer only": the 100% option is the key.
    pub single: bool,
    pub format: TextFormat,
    pub warnings: Vec<String>,
    pub pos: Pos,
    pub file: CompactString,
    /// The category the file filed it under, if it names one.
    pub category: Option<Category>,
}

impl RawQuestion {
    pub fn new(name: Option<String>, file: &str, pos: Pos, format: TextFormat) -> Self {
        RawQuestion {
            name,
            stem: String::new(),
            options: Vec::new(),
            explanation: None,
            truefalse: false,
            single: true,
            format,
            warnings: Vec::new(),
            pos,
            file: file.into(),
            category: None,
        }
    }

    /// `text` in the question's format, as Markdown; images become warnings.
    pub fn text(&mut self, text: &str) -> String {
        let (md, images) = self.format.convert(text);
        for src in images {
            self.warnings.push(format!(
                "image `{src}` is not imported; the text keeps its description only"
            ));
        }
        md
    }

    pub fn set_stem(&mut self, text: &str) {
        self.stem = self.text(text);
    }

    pub fn set_explanation(&mut self, text: &str) {
        self.explanation = Some(self.text(text));
    }

    pub fn push_option(&mut self, text: &str, weight: f64, feedback: Option<&str>) {
        let text = self.text(text);
        let feedback = feedback.map(|f| self.text(f));
        self.options.push(RawOption { text, weight, feedback });
    }

    /// Which options are keys: in a one-answer question the 100% option(s),
    /// partial-credit options becoming distractors with a warning; otherwise
    /// every option worth something. None, with the reason, when nothing is.
    fn keys(&mut self) -> Result<Vec<bool>, String> {
        let full = |w: f64| w >= 99.99;
        let keys: Vec<bool> = if self.single && !self.truefalse {
            let partial: Vec<String> = self
                .options
                .iter()
                .zip('a'..='z')
                .filter(|(o, _)| o.weight > 0.0 && !full(o.weight))
                .map(|(o, k)| format!("`{k}` ({}%)", o.weight))
                .collect();
            if !partial.is_empty() {
                self.warnings.push(format!(
                    "partial credit on {} is not kept: read as wrong option(s), the 100% option is the key",
                    partial.join(", ")
                ));
            }
            self.options.iter().map(|o| full(o.weight)).collect()
        } else {
            self.options.iter().map(|o| o.weight > 0.0).collect()
        };
        match keys.iter().filter(|k| **k).count() {
            0 => Err("no option is marked right (worth 100%, or more than 0% in multiple response)".to_owned()),
            n if n > 1 && self.single && !self.truefalse => {
                self.warnings.push(format!(
                    "{n} options are each fully right; read as multiple response (choose all {n})"
                ));
                Ok(keys)
            }
            _ => Ok(keys),
        }
    }

    /// The question, with its warnings reported to `sink`; None (and the
    /// question skipped) when it has no key.
    pub fn finish(mut self, d: &Defaults, sink: &mut Sink) -> Option<Question> {
        let keys = match self.keys() {
            Ok(k) => k,
            Err(reason) => {
                sink.skip(self.pos.clone(), reason);
                return None;
            }
        };
        let correct = keys.iter().filter(|k| **k).count();
        let kind = if self.truefalse {
            Kind::TrueFalse
        } else if correct > 1 {
            Kind::Multiple
        } else {
            Kind::Single
        };
        let options: Vec<Choice> = std::mem::take(&mut self.options)
            .into_iter()
            .zip('a'..='z')
            .map(|(o, key)| Choice {
                key,
                text: o.text.into(),
                // No feedback stays no feedback: the pages say so themselves,
                // and an export writes it back empty.
                rationale: o
                    .feedback
                    .filter(|f| !f.trim().is_empty())
                    .map(Into::into)
                    .unwrap_or_default(),
                en: None,
                pos: self.pos.clone(),
            })
            .collect();
        let answer = keys
            .iter()
            .zip('a'..='z')
            .filter(|(k, _)| **k)
            .map(|(_, c)| c)
            .collect();
        let id = sink.unique_id(derived_id(&d.topic, self.name.as_deref(), &self.stem).into());
        for w in self.warnings.drain(..) {
            sink.warn(w);
        }
        // Converted text is built by pushing; a file holds tens of thousands.
        self.stem.shrink_to_fit();
        let mut explanation = self.explanation.filter(|e| !e.trim().is_empty()).unwrap_or_default();
        explanation.shrink_to_fit();
        Some(Question {
            id,
            domains: sink.placing(d),
            topic: d.topic.as_str().into(),
            difficulty: d.difficulty,
            kind,
            language: d.language.as_str().into(),
            status: Status::Published,
            explanation,
            stem: self.stem,
            answer,
            options,
            source: Source {
                file: self.file,
                heading: "—".into(),
            },
            references: Vec::new(),
            en: None,
            generated: None,
            pos: self.pos,
        })
    }
}

/// Small helper shared by the line-based formats.
pub(crate) struct Lines<'a> {
    pub idx: LineIndex<'a>,
    pub sink: &'a mut Sink,
}

impl Lines<'_> {
    pub fn at(&self, offset: usize) -> Pos {
        self.idx.pos(offset)
    }
    /// This question is skipped, for the reason given.
    pub fn err(&mut self, offset: usize, message: impl Into<String>) {
        let pos = self.idx.pos(offset);
        self.sink.skip(pos, message);
    }
}
