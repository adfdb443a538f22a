//! The kinds of question the generator makes, one file each. Every kind turns
//! facts of one category into [`Candidate`]s, or into the [`Rule`] that
//! stopped a candidate; `generate` then screens, numbers and validates them.

/// The Korean or the English wording, by the language of the note:
/// `ko_en!(ko; "노트 {}행"…, line; "Line {} …", line)`. Only the chosen one is formatted.
macro_rules! ko_en {
    ($ko:expr; $($k:expr),+; $($e:expr),+ $(,)?) => {
        if $ko { format!($($k),+) } else { format!($($e),+) }
    };
}

mod choose_two;
mod definition_to_term;
mod numeric;
mod term_to_definition;
mod true_of_section;
mod true_of_term;

use super::Rule;
use super::distractors::by_scope;
use super::facts::{Facts, Place, TermDef};
use super::outline::Outline;
use super::text::has_hangul;
use crate::bank::model::Difficulty;

crate::text_enum! {
    /// What a draft asks. Its name is counted in the generation report and
    /// stored with each draft of a batch.
    pub enum DraftKind {
        /// Which term do the notes describe this way?
        DefinitionToTerm => "definition-to-term",
        /// Which statement describes this term?
        TermToDefinition => "term-to-definition",
        /// Which of these is true of this term (a fact listed under it)?
        TrueOfTerm => "true-of-term",
        /// Which two items do the notes list under this name?
        ChooseTwo => "choose-two",
        /// Which value completes this statement?
        Numeric => "numeric",
        /// Which statement comes from this section?
        TrueOfSection => "true-of-section",
    }
}

/// One candidate question before it becomes a `Question`.
pub(super) struct Candidate {
    pub kind: DraftKind,
    pub stem: String,
    /// (text, rationale, correct)
    pub options: Vec<(String, String, bool)>,
    pub explanation: String,
    pub at: Place,
    pub quality: i32,
    pub difficulty: Difficulty,
    /// The fact the draft asks about, for classifying its domain.
    pub fact: String,
}

/// Every candidate from one note's facts. The order is fixed (each definition
/// asked both ways, then term facts, enumerations, numbers and statements),
/// since drafts are numbered and deduplicated in this order.
pub(super) fn candidates(
    o: &Outline,
    f: &Facts,
    all_numbers: &[(String, String, String)],
) -> Vec<Result<Candidate, Rule>> {
    let mut out = Vec::new();
    for d in &f.defs {
        let def = Definition::new(o, f, d);
        out.push(definition_to_term::candidate(&def));
        out.push(term_to_definition::candidate(&def));
    }
    for t in &f.term_facts {
        out.extend(true_of_term::candidates(o, f, t));
    }
    for e in &f.enums {
        out.push(choose_two::candidate(o, f, e));
    }
    out.extend(numeric::candidates(o, f, all_numbers));
    out.extend(true_of_section::candidates(o, f));
    out
}

/// What both definition kinds know of one term–definition pair.
struct Definition<'a> {
    file: &'a str,
    defs: &'a [TermDef],
    d: &'a TermDef,
    ko: bool,
    /// The other definitions in scope, nearest first: the distractors.
    siblings: Vec<(&'a TermDef, i32)>,
    /// Quality before the kind's own adjustment.
    quality: i32,
}

impl<'a> Definition<'a> {
    fn new(o: &'a Outline, f: &'a Facts, d: &'a TermDef) -> Self {
        let ko = has_hangul(&d.def) || has_hangul(&d.term);
        let siblings = by_scope(
            o,
            &d.at,
            f.defs
                .iter()
                .filter(|x| !std::ptr::eq(*x, d))
                .map(|x| (x, x.at.clone())),
        );
        let scope_bonus = siblings.iter().take(3).map(|(_, s)| *s).min().unwrap_or(0);
        let base = if d.from_sentence { 40 } else { 60 };
        let latin_bonus = if d.term.chars().any(|c| c.is_ascii_alphabetic()) {
            10
        } else {
            0
        };
        Definition {
            file: &o.file,
            defs: &f.defs,
            d,
            ko,
            siblings,
            quality: base + scope_bonus + latin_bonus,
        }
    }
}

impl Definition<'_> {
    /// A candidate about this definition, asked as `stem`, with one key. Both
    /// definition kinds are easy: the notes state the pair outright.
    fn candidate(
        &self,
        kind: DraftKind,
        (stem, explanation): (String, String),
        key: (String, String),
        distractors: Vec<(String, String)>,
        quality: i32,
    ) -> Candidate {
        Candidate {
            kind,
            stem,
            options: options(vec![key], distractors),
            explanation,
            at: self.d.at.clone(),
            quality,
            difficulty: Difficulty::Easy,
            fact: self.d.def.clone(),
        }
    }
}

/// The options of a candidate: the right ones first, then the distractors.
fn options(right: Vec<(String, String)>, wrong: Vec<(String, String)>) -> Vec<(String, String, bool)> {
    right
        .into_iter()
        .map(|(text, why)| (text, why, true))
        .chain(wrong.into_iter().map(|(text, why)| (text, why, false)))
        .collect()
}
