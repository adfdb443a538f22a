//! Draft questions generated from study notes (Markdown or plain text).
//!
//! `outline` turns a note into a section tree, `facts` finds term–definition
//! pairs, terms with facts under them, enumerations, numeric facts and plain
//! statements, `kinds` turns those into candidate questions (one file per
//! kind of question, see [`DraftKind`]), and this module screens, numbers and
//! validates them as draft questions in the native bank model
//! (`status = draft`), each with its source file, heading path, lines and a
//! quality score. A draft is dropped, and the rule counted, when its answer
//! shows in the stem, two options are the same after normalisation, a
//! distractor is true according to the notes, fewer than three distractors of
//! the same category exist, or it fails bank validation. `domains` picks each
//! draft's exam and domain. The same input and seed always give the same
//! output.

pub mod entities;
pub mod facts;
pub mod outline;
pub mod score;
pub mod text;

pub mod checks;
mod distractors;
mod domains;
mod kinds;

#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use rand::SeedableRng;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;

use crate::bank::model::{Bank, Blueprint, Choice, Generated, Kind, Pos, Question, Source, Status, Topic};
use domains::{classify, exam_for};
use entities::{Catalog, Linking};
use facts::{Facts, Place, extract};
pub use kinds::DraftKind;
use kinds::{Candidate, candidates};
use outline::{Outline, decode, parse};
use text::{cut, has_hangul, norm};

pub struct NoteInput {
    pub name: String,
    pub bytes: Vec<u8>,
}

#[derive(Debug, Clone)]
pub struct Options {
    pub seed: u64,
    /// Exam for sections that no blueprint's note rules claim; when absent,
    /// the blueprint that claims untagged notes, else the first.
    pub default_exam: Option<String>,
    /// Topic slug for the drafts; derived from the first file name when absent.
    pub topic: Option<String>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            seed: 1,
            default_exam: None,
            topic: None,
        }
    }
}

/// Why a candidate draft was dropped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Rule {
    AnswerInStem,
    DuplicateOptions,
    DistractorTrue,
    TooFewDistractors,
    DuplicateStem,
    Invalid,
    NotATerm,
    WrongCategory,
    LeakedAnswer,
    OptionInStem,
}

impl Rule {
    pub fn as_str(self) -> &'static str {
        match self {
            Rule::AnswerInStem => "answer appears in the stem",
            Rule::DuplicateOptions => "two options are the same after normalisation",
            Rule::DistractorTrue => "a distractor is true according to the notes",
            Rule::TooFewDistractors => "fewer than 3 distractors of the same category",
            Rule::DuplicateStem => "same stem as an earlier draft",
            Rule::Invalid => "fails bank validation",
            Rule::NotATerm => "the term is no AWS entity or concept (a fragment or a step)",
            Rule::WrongCategory => "a distractor is of another category than the key, or of its family",
            Rule::LeakedAnswer => "the stem gives the answer away in another form (name, units)",
            Rule::OptionInStem => "the stem names a distractor",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Draft {
    pub question: Question,
    pub file: String,
    /// The note lines the draft was built from.
    pub excerpt: String,
    pub kind: DraftKind,
    /// Corrections made against the catalog: typos fixed, numbers the notes
    /// get wrong replaced by AWS's.
    pub flags: Vec<String>,
    pub features: score::Features,
    /// Stable across runs and option order: how labels name this draft.
    pub fingerprint: String,
}

#[derive(Debug, Clone, Default)]
pub struct Report {
    pub drafts: usize,
    pub rejected: BTreeMap<Rule, usize>,
    /// Drafts per [`DraftKind`], by name.
    pub by_kind: BTreeMap<&'static str, usize>,
    /// Level-2 sections (or top-level headings in notes without H2s).
    pub sections: usize,
    pub sections_with_draft: usize,
    pub facts: BTreeMap<&'static str, usize>,
}

impl Report {
    pub fn coverage(&self) -> f64 {
        if self.sections == 0 {
            0.0
        } else {
            self.sections_with_draft as f64 / self.sections as f64
        }
    }
}

pub struct Generation {
    pub topic: Topic,
    pub drafts: Vec<Draft>,
    pub report: Report,
    pub warnings: Vec<String>,
    /// Files that could not be read at all.
    pub errors: Vec<String>,
}

impl Generation {
    pub fn bank(&self) -> Bank {
        Bank {
            blueprints: vec![],
            topics: vec![self.topic.clone()],
            questions: self.drafts.iter().map(|d| d.question.clone()).collect(),
        }
    }
}

fn slugify(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    let out: String = out.trim_matches('-').chars().take(40).collect();
    out.trim_matches('-').to_owned()
}

/// Generates drafts from note files. Never panics on any input: unreadable
/// files are reported in `errors`, everything else yields drafts and warnings.
pub fn generate(inputs: &[NoteInput], opts: &Options, blueprints: &[Blueprint]) -> Generation {
    let (outlines, warnings, errors) = read_notes(inputs);
    let names = inputs.iter().map(|i| i.name.as_str()).collect::<Vec<_>>().join(", ");
    let topic = draft_topic(topic_slug(inputs, opts), &names);
    let Some(default_exam) = default_blueprint(blueprints, opts.default_exam.as_deref()) else {
        let mut errors = errors;
        errors.push("no exam blueprint is loaded, so drafts have no exam to belong to".into());
        return Drafting::new(opts, blueprints, topic).finish(warnings, errors);
    };
    let all_facts: Vec<Facts> = outlines.iter().map(extract).collect();
    let all_numbers = numbers_with_units(&outlines, &all_facts);
    let mut warnings = warnings;
    let cat = match entities::catalog() {
        Ok(c) => Some(c),
        Err(e) => {
            warnings.push(format!("drafting without the service catalog: {e}"));
            None
        }
    };
    let mut run = Drafting::new(opts, blueprints, topic);
    for (o, f) in outlines.iter().zip(&all_facts) {
        let texts = o.sections.iter().flat_map(|s| s.blocks.iter().map(|b| b.text.as_str()));
        let lk = Linking::new(cat, texts);
        run.note(o, f, &all_numbers, default_exam, &lk);
    }
    run.finish(warnings, errors)
}

/// The blueprint named `code`, else the one that claims untagged notes, else the first.
fn default_blueprint<'b>(blueprints: &'b [Blueprint], code: Option<&str>) -> Option<&'b Blueprint> {
    code.and_then(|c| blueprints.iter().find(|b| b.code == c))
        .or_else(|| blueprints.iter().find(|b| b.notes.untagged_notes))
        .or_else(|| blueprints.first())
}

/// The outline of every readable input, the warnings, and one error per
/// unreadable file.
fn read_notes(inputs: &[NoteInput]) -> (Vec<Outline>, Vec<String>, Vec<String>) {
    let mut warnings = Vec::new();
    let mut errors = Vec::new();
    let mut outlines = Vec::new();
    for input in inputs {
        match decode(&input.name, &input.bytes, &mut warnings) {
            Ok(text) => outlines.push(parse(&input.name, &text)),
            Err(e) => errors.push(e.to_string()),
        }
    }
    (outlines, warnings, errors)
}

/// The chosen topic slug if it is one, else `notes-` and the first file's name.
fn topic_slug(inputs: &[NoteInput], opts: &Options) -> String {
    let first = inputs.first().map(|i| i.name.as_str()).unwrap_or("notes");
    let stem = std::path::Path::new(first)
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    opts.topic
        .clone()
        .filter(|s| crate::bank::native::is_slug(s))
        .unwrap_or_else(|| {
            let s = slugify(&stem);
            format!("notes-{}", if s.is_empty() { "draft".into() } else { s })
        })
}

/// The topic the drafts join; its domains are filled in once the drafts are made.
fn draft_topic(slug: String, names: &str) -> Topic {
    Topic {
        slug,
        name_ko: format!("노트 초안: {}", cut(names, 80)),
        name_en: format!("Drafts from notes: {}", cut(names, 80)),
        domains: vec![],
        summary_ko: format!(
            "{} 에서 자동으로 만든 초안 문항입니다. 강사가 검토한 뒤 게시합니다.",
            cut(names, 200)
        ),
        summary_en: format!(
            "Draft questions generated from {}; an instructor reviews them before publishing.",
            cut(names, 200)
        ),
        pos: Pos::default(),
    }
}

/// Every value with a unit across all notes, once each with the first file
/// that has it: numeric distractors of the same kind.
/// At most this many values per unit: enough for plausible distractors, and
/// it keeps picking them linear in the size of the notes.
const VALUES_PER_UNIT: usize = 48;

fn numbers_with_units(outlines: &[Outline], all_facts: &[Facts]) -> Vec<(String, String, String)> {
    let mut all_numbers: Vec<(String, String, String)> = Vec::new();
    let mut seen: HashSet<(String, String)> = HashSet::new();
    let mut per_unit: HashMap<String, usize> = HashMap::new();
    for (o, f) in outlines.iter().zip(all_facts) {
        for x in &f.numbers {
            let n = per_unit.entry(x.unit.clone()).or_default();
            if *n < VALUES_PER_UNIT && seen.insert((x.value.clone(), x.unit.clone())) {
                *n += 1;
                all_numbers.push((x.value.clone(), x.unit.clone(), o.file.clone()));
            }
        }
    }
    all_numbers
}

/// One generation run: the drafts so far, the stems already asked, and the report.
struct Drafting<'a> {
    opts: &'a Options,
    blueprints: &'a [Blueprint],
    topic: Topic,
    report: Report,
    drafts: Vec<Draft>,
    stems: HashSet<String>,
    /// Candidates that passed screening so far: numbers the drafts and seeds
    /// their option shuffles (a draft that then fails validation keeps its number).
    n: usize,
    domains_used: BTreeSet<(String, String)>,
}

impl<'a> Drafting<'a> {
    fn new(opts: &'a Options, blueprints: &'a [Blueprint], topic: Topic) -> Self {
        Drafting {
            opts,
            blueprints,
            topic,
            report: Report::default(),
            drafts: Vec::new(),
            stems: HashSet::new(),
            n: 0,
            domains_used: BTreeSet::new(),
        }
    }

    /// Drafts from one note, counting its facts, rejections and covered sections.
    fn note(
        &mut self,
        o: &Outline,
        f: &Facts,
        all_numbers: &[(String, String, String)],
        default_exam: &Blueprint,
        lk: &Linking<'_>,
    ) {
        count_facts(&mut self.report, f);
        let top_level = if o.sections.iter().any(|s| s.level == 2) { 2 } else { 1 };
        let tops: BTreeSet<usize> = (0..o.sections.len())
            .filter(|&i| o.sections[i].level == top_level)
            .collect();
        self.report.sections += tops.len();
        let mut covered: BTreeSet<usize> = BTreeSet::new();
        for c in candidates(o, f, all_numbers, lk) {
            match c.and_then(|c| self.draft(o, c, default_exam, lk)) {
                Ok(top) => {
                    covered.insert(top);
                }
                Err(rule) => *self.report.rejected.entry(rule).or_default() += 1,
            }
        }
        self.report.sections_with_draft += covered.iter().filter(|t| tops.contains(t)).count();
    }

    /// Screens a candidate and keeps it as a draft if it validates; returns
    /// the level-2 section it covers.
    fn draft(&mut self, o: &Outline, c: Candidate, default_exam: &Blueprint, lk: &Linking<'_>) -> Result<usize, Rule> {
        let mut c = c;
        let flags = match lk.cat {
            Some(cat) => amend(cat, o, &mut c)?,
            None => vec![],
        };
        screen(&c, &mut self.stems)?;
        self.n += 1;
        let (question, exam, domain) = self.question(o, &c, default_exam);
        let check = Bank {
            blueprints: self.blueprints.to_vec(),
            topics: vec![self.topic.clone()],
            questions: vec![question.clone()],
        };
        if !crate::bank::validate::validate(&check).is_empty() {
            return Err(Rule::Invalid);
        }
        self.domains_used.insert((exam, domain));
        *self.report.by_kind.entry(c.kind.as_str()).or_default() += 1;
        let features = features(&c, lk, flags.len(), o.sections[c.at.sec].level);
        let mut question = question;
        if let Some(g) = question.generated.as_mut() {
            g.quality = score::score(&features);
        }
        self.drafts.push(Draft {
            excerpt: excerpt(o, &c.at),
            file: o.file.clone(),
            kind: c.kind,
            fingerprint: score::fingerprint(&question),
            question,
            flags,
            features,
        });
        Ok(o.top(c.at.sec))
    }

    /// The candidate as draft number `n`, options shuffled by the seed; with
    /// its exam and domain.
    fn question(&self, o: &Outline, c: &Candidate, default_exam: &Blueprint) -> (Question, String, String) {
        let n = self.n;
        let slug = &self.topic.slug;
        let mut rng = StdRng::seed_from_u64(self.opts.seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ n as u64);
        let mut shuffled = c.options.clone();
        shuffled.shuffle(&mut rng);
        let (options, answer) = lettered(&shuffled);
        let path = o.path(c.at.sec);
        let blueprint = exam_for(self.blueprints, o.tags(c.at.sec), &path, default_exam);
        let domain = classify(blueprint, &path, &c.fact);
        let exam = blueprint.code.clone();
        let heading = if o.sections[c.at.sec].level > 0 {
            o.sections[c.at.sec].title.clone()
        } else {
            o.file.clone()
        };
        let language = if has_hangul(&c.stem) { "ko" } else { "en" };
        let question = Question {
            id: compact_str::format_compact!("{slug}-{n:04}"),
            domains: crate::bank::model::Domains::from([(exam.clone(), domain.clone())]),
            topic: slug.as_str().into(),
            difficulty: c.difficulty,
            kind: if answer.len() > 1 { Kind::Multiple } else { Kind::Single },
            language: language.into(),
            status: Status::Draft,
            stem: c.stem.clone(),
            explanation: c.explanation.clone(),
            answer,
            options,
            source: Source {
                file: o.file.as_str().into(),
                heading: heading.into(),
            },
            references: Vec::new(),
            en: None,
            generated: Some(Box::new(Generated {
                path: if path.is_empty() { o.file.clone() } else { path },
                lines: [c.at.line as u32, c.at.last_line.max(c.at.line) as u32],
                quality: c.quality.clamp(0, 100) as u8,
            })),
            pos: Pos::default(),
        };
        (question, exam, domain)
    }

    fn finish(mut self, warnings: Vec<String>, errors: Vec<String>) -> Generation {
        self.report.drafts = self.drafts.len();
        self.topic.domains = self.domains_used.into_iter().collect();
        Generation {
            topic: self.topic,
            drafts: self.drafts,
            report: self.report,
            warnings,
            errors,
        }
    }
}

fn count_facts(report: &mut Report, f: &Facts) {
    *report.facts.entry("term-definition").or_default() += f.defs.len();
    *report.facts.entry("term-facts").or_default() += f.term_facts.len();
    *report.facts.entry("enumeration").or_default() += f.enums.len();
    *report.facts.entry("numeric").or_default() += f.numbers.len();
    *report.facts.entry("comparison").or_default() += f.comparisons.len();
    *report.facts.entry("statement").or_default() += f.statements.len();
}

/// Drops a candidate whose answer shows in its stem, whose options repeat
/// after normalisation, or whose stem was asked before; else records the stem.
fn screen(c: &Candidate, stems: &mut HashSet<String>) -> Result<(), Rule> {
    let answers: Vec<&String> = c.options.iter().filter(|x| x.2).map(|x| &x.0).collect();
    let stem_n = norm(&c.stem);
    if answers.iter().any(|a| {
        let a = norm(a);
        !a.is_empty() && stem_n.contains(&a)
    }) {
        return Err(Rule::AnswerInStem);
    }
    let opt_norms: HashSet<String> = c.options.iter().map(|x| norm(&x.0)).collect();
    if opt_norms.len() != c.options.len() || opt_norms.contains("") {
        return Err(Rule::DuplicateOptions);
    }
    if !stems.insert(stem_n) {
        return Err(Rule::DuplicateStem);
    }
    Ok(())
}

/// The options keyed a, b, c… in their order, and the keys of the right ones.
fn lettered(options: &[(String, String, bool)]) -> (Vec<Choice>, Vec<char>) {
    let keys = ['a', 'b', 'c', 'd', 'e', 'f'];
    let choices = options
        .iter()
        .zip(keys)
        .map(|((text, why, _), key)| Choice {
            key,
            text: text.as_str().into(),
            rationale: why.as_str().into(),
            en: None,
            pos: Pos::default(),
        })
        .collect();
    let answer = options.iter().zip(keys).filter(|(x, _)| x.2).map(|(_, k)| k).collect();
    (choices, answer)
}

/// The note lines a draft was built from, at most twelve.
fn excerpt(o: &Outline, at: &Place) -> String {
    let first = at.line.max(1);
    let last = at.last_line.max(first).min(first + 11);
    (first..=last)
        .filter_map(|l| o.lines.get(l - 1))
        .map(|l| cut(l, 300))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Corrects a candidate against the catalog, or stops it: typos in names
/// become the canonical name; a number in the stem or a key that contradicts
/// the catalog becomes AWS's (flagged, and said in the explanation); a
/// distractor of another category or of the key's family, or a stem that
/// names the key under another name or states its quantity in other units,
/// stops the candidate. Returns the flags.
fn amend(cat: &Catalog, o: &Outline, c: &mut Candidate) -> Result<Vec<String>, Rule> {
    let mut flags: Vec<String> = Vec::new();
    let fix = |s: &mut String, flags: &mut Vec<String>| {
        let (fixed, fixes) = cat.fix_typos(s);
        for (wrong, right) in fixes {
            let f = format!("typo: {wrong} → {right}");
            if !flags.contains(&f) {
                flags.push(f);
            }
        }
        *s = fixed;
    };
    fix(&mut c.stem, &mut flags);
    fix(&mut c.explanation, &mut flags);
    for opt in &mut c.options {
        fix(&mut opt.0, &mut flags);
    }
    let context = format!("{}\n{}\n{}", c.fact, c.stem, o.path(c.at.sec));
    let ko = text::has_hangul(&c.stem);
    let mut notes: Vec<String> = Vec::new();
    // What precedes the blank of a numeric stem precedes the key's value.
    let blank_before: String = match c.stem.find("____") {
        Some(at) => {
            let head: Vec<char> = c.stem[..at].chars().collect();
            head[head.len().saturating_sub(8)..].iter().collect()
        }
        None => String::new(),
    };
    let correct = |s: &mut String, notes: &mut Vec<String>| {
        let chars: Vec<char> = s.chars().collect();
        for (start, value, unit) in facts::numbers_in(s) {
            let before: String = if start == 0 {
                blank_before.clone()
            } else {
                chars[start.saturating_sub(8)..start].iter().collect()
            };
            if let Some(x) = checks::contradiction(cat, &context, &before, &value, &unit) {
                let said = format!("{value}{unit}");
                let aws = match &x.aws_note {
                    Some(n) => format!("{} ({n})", x.aws_value),
                    None => x.aws_value.clone(),
                };
                notes.push(if ko {
                    format!(
                        "노트에는 {said}로 적혀 있으나 AWS 문서의 {} {}은(는) {aws}입니다.",
                        x.entity, x.what
                    )
                } else {
                    format!("The notes say {said}; AWS documents {aws} for {} {}.", x.entity, x.what)
                });
                *s = s
                    .replacen(&said, &x.aws_value, 1)
                    .replacen(&format!("{value} {unit}"), &x.aws_value, 1);
            }
        }
    };
    correct(&mut c.stem, &mut notes);
    let mut swaps: Vec<(String, String)> = Vec::new();
    for opt in c.options.iter_mut().filter(|x| x.2) {
        let before = opt.0.clone();
        correct(&mut opt.0, &mut notes);
        if before != opt.0 {
            swaps.push((text::norm(&opt.0), before));
        }
    }
    // A distractor that is AWS's value becomes the notes' value instead: the
    // notes' mistake is a plausible wrong answer, AWS's is the key now.
    for opt in c.options.iter_mut().filter(|x| !x.2) {
        if let Some((_, old)) = swaps.iter().find(|(new, _)| *new == text::norm(&opt.0)) {
            opt.0 = old.clone();
        }
    }
    for n in notes {
        c.explanation.push_str(&format!("\n\n{n}"));
        flags.push(n);
    }
    let keys: Vec<usize> = c
        .options
        .iter()
        .filter(|x| x.2)
        .filter_map(|x| cat.link_term(&x.0))
        .collect();
    for (text, _, right) in &c.options {
        if *right {
            if checks::entity_leak(cat, &c.stem, text)
                || checks::unit_leak(&c.stem, text)
                || checks::nines_leak(&c.stem, text)
            {
                return Err(Rule::LeakedAnswer);
            }
        } else if let Some(e) = cat.link_term(text)
            && cat.mentions(&c.stem).iter().any(|m| m.entity == e)
        {
            return Err(Rule::OptionInStem);
        } else if let Some(e) = cat.link_term(text)
            && keys
                .iter()
                .any(|&k| cat.related(k, e) || cat.entities[k].category != cat.entities[e].category)
        {
            return Err(Rule::WrongCategory);
        }
    }
    Ok(flags)
}

/// The draft's features for the quality score.
fn features(c: &Candidate, lk: &Linking<'_>, flags: usize, section_level: u8) -> score::Features {
    let key = c.options.iter().find(|x| x.2).and_then(|x| lk.link(&x.0));
    let sub = key.and_then(|k| lk.entity(k)).map(|e| e.subcategory.clone());
    let same_subcategory = c
        .options
        .iter()
        .filter(|x| !x.2)
        .filter(|x| {
            lk.link(&x.0)
                .and_then(|e| lk.entity(e))
                .is_some_and(|e| Some(&e.subcategory) == sub.as_ref())
        })
        .count();
    let lens: Vec<usize> = c.options.iter().map(|x| text::char_len(&x.0).max(1)).collect();
    let (min, max) = (
        lens.iter().min().copied().unwrap_or(1),
        lens.iter().max().copied().unwrap_or(1),
    );
    score::Features {
        kind: c.kind.as_str(),
        entity_key: key.is_some(),
        same_subcategory,
        from_catalog: c.from_catalog,
        stem_chars: text::char_len(&c.stem),
        length_ratio: max as f64 / min as f64,
        flags,
        section_level,
        base: c.quality,
    }
}
