//! Importing from other quiz formats. Every format produces the same
//! [`Question`]s as the native one and goes through the same validation.
//! What a format has no field for comes from [`Defaults`], chosen by the
//! instructor (or given on the command line).

pub mod aiken;
pub mod csv;
pub mod gift;
pub mod moodle_xml;

use std::collections::BTreeMap;

use super::diagnostics::{Diagnostic, LineIndex};
use super::model::{Choice, Difficulty, Kind, Pos, Question, Source, Status};
use super::validate::normalize;

/// Values for fields a format cannot express.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Defaults {
    pub topic: String,
    pub exam: String,
    pub domain: String,
    pub difficulty: Difficulty,
    pub language: String,
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

/// The explanation used when a format carries none.
pub fn default_explanation(language: &str) -> &'static str {
    if language == "en" {
        "No explanation was provided with this imported question."
    } else {
        "가져온 문항에 해설이 없습니다."
    }
}

pub fn default_rationale(language: &str, correct: bool) -> &'static str {
    match (language == "en", correct) {
        (true, true) => "Correct.",
        (true, false) => "Incorrect.",
        (false, true) => "정답입니다.",
        (false, false) => "오답입니다.",
    }
}

/// A stable id for a question whose format has no id field: from its name when
/// it has one, else from its text, so re-importing the same file is idempotent.
pub fn derived_id(topic: &str, name: Option<&str>, stem: &str) -> String {
    let slug: String = name
        .map(|n| {
            n.chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() {
                        c.to_ascii_lowercase()
                    } else {
                        '-'
                    }
                })
                .collect::<String>()
                .split('-')
                .filter(|s| !s.is_empty())
                .collect::<Vec<_>>()
                .join("-")
        })
        .unwrap_or_default();
    if !slug.is_empty() {
        return format!("{topic}-{slug}");
    }
    // FNV-1a over the normalised stem: small, stable across Rust versions.
    let mut h: u64 = 0xcbf29ce484222325;
    for b in normalize(stem).bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x100000001b3);
    }
    format!("{topic}-{:012x}", h & 0xffff_ffff_ffff)
}

/// An answer option as read from a foreign format.
pub struct RawOption {
    pub text: String,
    pub correct: bool,
    pub feedback: Option<String>,
}

/// Builds a question from what a foreign format gave, filling the rest from `d`.
pub struct RawQuestion {
    pub name: Option<String>,
    pub stem: String,
    pub options: Vec<RawOption>,
    pub explanation: Option<String>,
    pub truefalse: bool,
    pub pos: Pos,
    pub file: String,
}

impl RawQuestion {
    pub fn into_question(self, d: &Defaults) -> Question {
        let correct = self.options.iter().filter(|o| o.correct).count();
        let kind = if self.truefalse {
            Kind::TrueFalse
        } else if correct > 1 {
            Kind::Multiple
        } else {
            Kind::Single
        };
        let options: Vec<Choice> = self
            .options
            .iter()
            .zip('a'..='z')
            .map(|(o, key)| Choice {
                key,
                text: o.text.clone(),
                rationale: o
                    .feedback
                    .clone()
                    .filter(|f| !f.trim().is_empty())
                    .unwrap_or_else(|| default_rationale(&d.language, o.correct).to_owned()),
                en: None,
                pos: self.pos.clone(),
            })
            .collect();
        let answer = self
            .options
            .iter()
            .zip('a'..='z')
            .filter(|(o, _)| o.correct)
            .map(|(_, k)| k)
            .collect();
        Question {
            id: derived_id(&d.topic, self.name.as_deref(), &self.stem),
            domains: BTreeMap::from([(d.exam.clone(), d.domain.clone())]),
            topic: d.topic.clone(),
            difficulty: d.difficulty,
            kind,
            language: d.language.clone(),
            status: Status::Published,
            explanation: self
                .explanation
                .filter(|e| !e.trim().is_empty())
                .unwrap_or_else(|| default_explanation(&d.language).to_owned()),
            stem: self.stem,
            answer,
            options,
            source: Source {
                file: self.file,
                heading: "—".to_owned(),
            },
            references: Vec::new(),
            en: None,
            generated: None,
            pos: self.pos,
        }
    }
}

/// Small helper shared by the line-based formats.
pub(crate) struct Lines<'a> {
    pub idx: LineIndex<'a>,
    pub diags: &'a mut Vec<Diagnostic>,
}

impl Lines<'_> {
    pub fn at(&self, offset: usize) -> Pos {
        self.idx.pos(offset)
    }
    pub fn err(&mut self, offset: usize, message: impl Into<String>) {
        let pos = self.idx.pos(offset);
        self.diags.push(Diagnostic {
            pos,
            message: message.into(),
        });
    }
}
