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
mod contrast;
mod definition_to_term;
mod entity_cloze;
mod numeric;
mod term_to_definition;
mod true_of_term;
mod which_service;

use super::Rule;
use super::distractors::{by_scope, window};
use super::entities::Linking;
use super::facts::{Facts, Place, TermDef};
use super::outline::Outline;
use super::text::{char_len, has_hangul, norm};
use crate::bank::model::Difficulty;
use std::collections::HashMap;

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
        /// Which statement comes from this section? Retired: it tested memory
        /// of the notes, not AWS; kept so stored batches still read.
        TrueOfSection => "true-of-section",
        /// A requirement as a short scenario: which service fits?
        WhichService => "which-service",
        /// Two entities the notes compare: which statement is true of one, not the other?
        Contrast => "contrast",
        /// A default value or behaviour, with its value blanked out.
        DefaultValue => "default-value",
        /// A sentence about a service with the service's name blanked out.
        EntityCloze => "entity-cloze",
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
    /// Distractors drawn from the catalog rather than the notes.
    pub from_catalog: usize,
}

/// Every candidate from one note's facts. The order is fixed (each definition
/// asked both ways, then term facts, enumerations, numbers and statements),
/// since drafts are numbered and deduplicated in this order.
pub(super) fn candidates(
    o: &Outline,
    f: &Facts,
    all_numbers: &[(String, String, String)],
    lk: &Linking<'_>,
) -> Vec<Result<Candidate, Rule>> {
    let mut out = Vec::new();
    let index = DefIndex::new(f, lk);
    for i in 0..f.defs.len() {
        let def = Definition::new(o, f, i, lk, &index);
        // A service defined by what it is for reads as a scenario; the same
        // definition is not asked twice the same way.
        match which_service::candidate(&def) {
            Some(c) => out.push(c),
            None => out.push(definition_to_term::candidate(&def)),
        }
        out.push(term_to_definition::candidate(&def));
    }
    for i in 0..f.term_facts.len() {
        out.extend(true_of_term::candidates(o, f, i, lk));
    }
    out.extend(contrast::candidates(o, f, lk));
    for i in 0..f.enums.len() {
        out.push(choose_two::candidate(o, f, i, lk));
    }
    out.extend(numeric::candidates(o, f, all_numbers));
    out.extend(entity_cloze::candidates(o, f, lk));
    out
}

/// Console steps and actions a note-taker writes ("보안그룹 선택", "Click
/// Create"): not a concept an exam asks about.
const ACTION_ENDINGS: &[&str] = &[
    "선택",
    "클릭",
    "입력",
    "생성",
    "이동",
    "설정",
    "확인",
    "체크",
    "누르기",
    "실행",
    "추가",
    "삭제",
    "연결",
    "접속",
    "만들기",
    "하기",
];
const ACTION_STARTS: &[&str] = &[
    "click", "select", "choose", "go to", "open", "create", "enter", "navigate",
];

/// A term that names no catalog entity is still a term when it reads as a
/// concept: a short noun phrase, not a console step, a version or a number
/// with a unit, and with letters in it.
pub(super) fn is_concept(term: &str) -> bool {
    let t = term.trim();
    let low = t.to_lowercase();
    let words = t.split_whitespace().count();
    let letters = t.chars().filter(|c| c.is_alphabetic()).count();
    // A lone lower-case English word ("services", "commands") is a word, not a name.
    let plain_word = words == 1 && t.chars().all(|c| c.is_ascii_lowercase());
    !plain_word
        && (1..=4).contains(&words)
        && char_len(t) <= 30
        && letters * 2 >= char_len(t)
        && !t.chars().next().is_some_and(|c| c.is_ascii_digit())
        && !ACTION_ENDINGS.iter().any(|e| t.ends_with(e))
        && !ACTION_STARTS.iter().any(|s| low.starts_with(s))
}

/// The note's definitions looked up both ways, built once per note so that
/// checking a distractor against them takes constant time.
struct DefIndex {
    /// Normalised definition → the normalised names of terms it defines.
    terms_of: HashMap<String, Vec<String>>,
    /// Normalised term → its normalised definitions.
    defs_of: HashMap<String, Vec<String>>,
}

impl DefIndex {
    fn new(f: &Facts, lk: &Linking<'_>) -> Self {
        let mut terms_of: HashMap<String, Vec<String>> = HashMap::new();
        let mut defs_of: HashMap<String, Vec<String>> = HashMap::new();
        for x in &f.defs {
            terms_of
                .entry(norm(&x.def))
                .or_default()
                .push(norm(&lk.display(&x.term)));
            defs_of.entry(norm(&x.term)).or_default().push(norm(&x.def));
        }
        DefIndex { terms_of, defs_of }
    }

    /// Whether the notes define `term` (as shown in an option) as `def` too.
    fn also_defines(&self, term: &str, def: &str) -> bool {
        self.terms_of.get(&norm(def)).is_some_and(|v| v.contains(&norm(term)))
    }

    fn defs_of(&self, term: &str) -> &[String] {
        self.defs_of.get(&norm(term)).map_or(&[], Vec::as_slice)
    }
}

/// What both definition kinds know of one term–definition pair.
struct Definition<'a> {
    file: &'a str,
    index: &'a DefIndex,
    lk: &'a Linking<'a>,
    /// The catalog entity the term names.
    entity: Option<usize>,
    d: &'a TermDef,
    ko: bool,
    /// The other definitions in scope, nearest first: the distractors.
    siblings: Vec<(&'a TermDef, i32)>,
    /// Quality before the kind's own adjustment.
    quality: i32,
}

impl<'a> Definition<'a> {
    fn new(o: &'a Outline, f: &'a Facts, i: usize, lk: &'a Linking<'a>, index: &'a DefIndex) -> Self {
        let d = &f.defs[i];
        let ko = has_hangul(&d.def) || has_hangul(&d.term);
        let entity = lk.link(&d.term);
        let siblings = by_scope(
            o,
            &d.at,
            window(f.defs.len(), i).map(|j| (&f.defs[j], f.defs[j].at.clone())),
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
            index,
            lk,
            entity,
            d,
            ko,
            siblings,
            quality: base + scope_bonus + latin_bonus + if entity.is_some() { 10 } else { 0 },
        }
    }

    /// Whether a sibling's term may stand beside this one: an entity of the
    /// same category (not of the same family) beside an entity, a concept
    /// that names no entity beside a concept.
    fn fits(&self, term: &str) -> bool {
        match (self.entity, self.lk.link(term)) {
            (Some(k), Some(e)) => self.lk.fits_beside(k, e),
            (None, None) => is_concept(term),
            _ => false,
        }
    }

    /// The term as an option: the catalog's name for an entity.
    fn term_text(&self) -> String {
        self.lk.display(&self.d.term)
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
        let from_catalog = distractors.iter().filter(|(_, why)| why.contains(CATALOG_MARK)).count();
        Candidate {
            from_catalog,
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

/// Rationales of distractors drawn from the catalog carry this mark, so the
/// drafts can count them.
pub(super) const CATALOG_MARK: &str = "(AWS)";

/// Distractors from the catalog for key entity `e`: the alternatives'
/// names, or their one-line descriptions, with the description as rationale.
pub(super) fn catalog_pool(lk: &Linking<'_>, e: usize, ko: bool, names: bool) -> Vec<(String, String)> {
    lk.alternatives(e, 12)
        .into_iter()
        .filter_map(|a| {
            let x = lk.entity(a)?;
            let blurb = lk.blurb(a, ko);
            let text = if names { x.name.clone() } else { blurb.clone() };
            Some((text, format!("{}: {blurb} {CATALOG_MARK}", x.name)))
        })
        .collect()
}

/// The options of a candidate: the right ones first, then the distractors.
fn options(right: Vec<(String, String)>, wrong: Vec<(String, String)>) -> Vec<(String, String, bool)> {
    right
        .into_iter()
        .map(|(text, why)| (text, why, true))
        .chain(wrong.into_iter().map(|(text, why)| (text, why, false)))
        .collect()
}
