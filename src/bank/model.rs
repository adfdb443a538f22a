//! The question bank's domain types, independent of any file format.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

pub use compact_str::CompactString;
use serde::{Deserialize, Serialize};

/// Where something came from in an input file, for error messages. The file
/// name is shared and line and column are 32-bit: every question and option
/// carries a position, and a 20 MB file holds tens of thousands of them.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Pos {
    pub file: Arc<str>,
    pub line: u32,
    pub column: u32,
}

impl Pos {
    /// Line 1, column 1 of `file`.
    pub fn start_of(file: impl Into<Arc<str>>) -> Self {
        Pos {
            file: file.into(),
            line: 1,
            column: 1,
        }
    }
}

impl fmt::Display for Pos {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file, self.line, self.column)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlueprintDomain {
    pub code: String,
    pub weight: u32,
    pub name_ko: String,
    pub name_en: String,
    /// Lower-case words that place a note section in this domain (notes generator).
    pub keywords: Vec<String>,
}

crate::text_enum! {
    /// Which sections of a notes file with tagged headings count as material
    /// for an exam.
    #[derive(Default)]
    pub enum TaggedNotes {
        /// Only sections tagged for the exam.
        #[default]
        TaggedSections => "tagged-sections",
        /// Every section.
        AllSections => "all-sections",
    }
}

/// How the notes generator and the coverage report find an exam's material
/// in study notes. Part of the blueprint so that no exam code is written in
/// the source.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NoteRules {
    /// Heading tags (as in `## [SAA] …`) that mark a section as this exam's.
    pub tags: Vec<String>,
    /// Notes that carry no tags at all are this exam's material.
    pub untagged_notes: bool,
    pub tagged_notes: TaggedNotes,
    /// Lower-case words in a section's heading path that mark it as this exam's.
    pub path_words: Vec<String>,
    /// The domain of a draft whose text names none of the domain keywords.
    pub default_domain: Option<String>,
}

impl NoteRules {
    pub fn claims_tag(&self, tags: &[String]) -> bool {
        tags.iter().any(|t| self.tags.iter().any(|m| m.eq_ignore_ascii_case(t)))
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Blueprint {
    pub code: String,
    pub name_ko: String,
    pub name_en: String,
    pub questions: u32,
    pub minutes: u32,
    pub passing_score: u32,
    pub score_min: u32,
    pub score_max: u32,
    pub domains: Vec<BlueprintDomain>,
    pub notes: NoteRules,
}

impl Blueprint {
    pub fn has_domain(&self, code: &str) -> bool {
        self.domains.iter().any(|d| d.code == code)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Topic {
    pub slug: String,
    pub name_ko: String,
    pub name_en: String,
    /// (exam code, domain code) pairs this topic feeds.
    pub domains: Vec<(String, String)>,
    pub summary_ko: String,
    pub summary_en: String,
    pub pos: Pos,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Difficulty {
    Easy,
    Medium,
    Hard,
}

impl Difficulty {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "easy" => Some(Self::Easy),
            "medium" => Some(Self::Medium),
            "hard" => Some(Self::Hard),
            _ => None,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Easy => "easy",
            Self::Medium => "medium",
            Self::Hard => "hard",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Single,
    Multiple,
    /// Two options, true and false; only imports from GIFT and Moodle XML produce it.
    TrueFalse,
}

impl Kind {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "single" => Some(Self::Single),
            "multiple" => Some(Self::Multiple),
            "truefalse" => Some(Self::TrueFalse),
            _ => None,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Single => "single",
            Self::Multiple => "multiple",
            Self::TrueFalse => "truefalse",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Published,
    Draft,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Published => "published",
            Self::Draft => "draft",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "published" => Some(Self::Published),
            "draft" => Some(Self::Draft),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Choice {
    pub key: char,
    pub text: CompactString,
    pub rationale: CompactString,
    /// The English original of `text` and `rationale`, when the question has
    /// one (boxed: most questions have none, and an import holds many).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub en: Option<Box<ChoiceEn>>,
    #[serde(skip)]
    pub pos: Pos,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChoiceEn {
    pub text: String,
    pub rationale: String,
}

/// The English original of a Korean question, as the real exam offers it to
/// candidates who sit a translated exam. Options carry theirs in [`Choice::en`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuestionEn {
    pub stem: String,
    pub explanation: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Source {
    pub file: CompactString,
    pub heading: CompactString,
}

/// Where a generated draft came from and how good the generator thinks it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Generated {
    /// The heading path in the note, outermost first, joined with " > ".
    pub path: String,
    /// First and last line of the note text the draft was built from.
    pub lines: [u32; 2],
    /// 0–100; higher is more likely to be publishable as is.
    pub quality: u8,
}

/// Exam code → domain code, ordered by exam, with a map's interface. A
/// question has one or two, so they are a sorted slice rather than a
/// `BTreeMap`, whose every node holds room for eleven; the codes are short
/// enough to be kept inline, and the slice is shared by clones, so the
/// questions of one import that share their placing share one allocation:
/// a 20 MB import holds tens of thousands of questions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Domains(Arc<[(CompactString, CompactString)]>);

impl Default for Domains {
    fn default() -> Self {
        Domains(Arc::new([]))
    }
}

type DomainPairs<'a> = std::iter::Map<
    std::slice::Iter<'a, (CompactString, CompactString)>,
    fn(&'a (CompactString, CompactString)) -> (&'a str, &'a str),
>;

impl Domains {
    pub fn new() -> Self {
        Self::default()
    }
    /// Sets the domain for `exam`, returning the one it replaces.
    pub fn insert(
        &mut self,
        exam: impl Into<CompactString>,
        domain: impl Into<CompactString>,
    ) -> Option<CompactString> {
        let (exam, domain) = (exam.into(), domain.into());
        // Copied on write: a question has one or two pairs.
        let mut pairs = self.0.to_vec();
        let replaced = match pairs.binary_search_by(|(e, _)| e.as_str().cmp(&exam)) {
            Ok(i) => Some(std::mem::replace(&mut pairs[i].1, domain)),
            Err(i) => {
                pairs.insert(i, (exam, domain));
                None
            }
        };
        self.0 = pairs.into();
        replaced
    }
    pub fn get(&self, exam: &str) -> Option<&str> {
        self.0.iter().find(|(e, _)| e == exam).map(|(_, d)| d.as_str())
    }
    pub fn contains_key(&self, exam: &str) -> bool {
        self.get(exam).is_some()
    }
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(|(e, _)| e.as_str())
    }
    pub fn values(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(|(_, d)| d.as_str())
    }
    pub fn iter(&self) -> DomainPairs<'_> {
        self.0.iter().map(|(e, d)| (e.as_str(), d.as_str()))
    }
    pub fn len(&self) -> usize {
        self.0.len()
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl<'a> IntoIterator for &'a Domains {
    type Item = (&'a str, &'a str);
    type IntoIter = DomainPairs<'a>;
    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

impl<E: Into<CompactString>, D: Into<CompactString>> FromIterator<(E, D)> for Domains {
    fn from_iter<I: IntoIterator<Item = (E, D)>>(iter: I) -> Self {
        let mut pairs: Vec<(CompactString, CompactString)> = Vec::new();
        for (e, c) in iter {
            let (e, c) = (e.into(), c.into());
            match pairs.binary_search_by(|(x, _)| x.cmp(&e)) {
                Ok(i) => pairs[i].1 = c,
                Err(i) => pairs.insert(i, (e, c)),
            }
        }
        Domains(pairs.into())
    }
}

impl<E: Into<CompactString>, D: Into<CompactString>, const N: usize> From<[(E, D); N]> for Domains {
    fn from(pairs: [(E, D); N]) -> Self {
        pairs.into_iter().collect()
    }
}

impl Serialize for Domains {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut m = s.serialize_map(Some(self.0.len()))?;
        for (e, d) in self.0.iter() {
            m.serialize_entry(e, d)?;
        }
        m.end()
    }
}

impl<'de> Deserialize<'de> for Domains {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(BTreeMap::<CompactString, CompactString>::deserialize(d)?
            .into_iter()
            .collect())
    }
}

/// A question as stored in an immutable version (positions are not part of it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Question {
    pub id: CompactString,
    /// Exam code → domain code in that exam's blueprint.
    pub domains: Domains,
    pub topic: CompactString,
    pub difficulty: Difficulty,
    pub kind: Kind,
    pub language: CompactString,
    pub status: Status,
    pub stem: String,
    pub explanation: String,
    pub answer: Vec<char>,
    pub options: Vec<Choice>,
    pub source: Source,
    /// Official AWS documentation pages that support the key.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub references: Vec<String>,
    /// The English original; complete for every option when present.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub en: Option<Box<QuestionEn>>,
    /// Set on drafts made from notes; absent from hand-written questions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub generated: Option<Box<Generated>>,
    #[serde(skip)]
    pub pos: Pos,
}

impl Question {
    pub fn exams(&self) -> impl Iterator<Item = &str> {
        self.domains.keys()
    }

    /// True when the question and every option carry an English original.
    pub fn has_english(&self) -> bool {
        self.en.is_some() && self.options.iter().all(|o| o.en.is_some())
    }
}

/// Everything loaded from a set of bank files.
#[derive(Debug, Default)]
pub struct Bank {
    pub blueprints: Vec<Blueprint>,
    pub topics: Vec<Topic>,
    pub questions: Vec<Question>,
}

impl Bank {
    pub fn blueprint(&self, code: &str) -> Option<&Blueprint> {
        self.blueprints.iter().find(|b| b.code == code)
    }
}
crate::text_column!(Kind);

crate::text_enum! {
    /// Which attempts may serve a live question: every one, or (a pilot) only
    /// practice sets and drills, until an instructor promotes it.
    pub enum Pool { Full => "full", Pilot => "pilot" }
}
