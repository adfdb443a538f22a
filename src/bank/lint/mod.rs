//! What a test-wise student could exploit in a bank: guessing strategies that
//! beat chance, and per-question surface cues. The thresholds are documented
//! in docs/question-bank-format.md ("Lint"); `Thresholds::exam_grade` is what
//! CI holds the shipped bank to. Foreign uploads get the same report as
//! warnings only.

use std::collections::{BTreeMap, HashSet};
use std::fmt;

use super::model::{Kind, Question};
use super::services::{Category, categories};
use super::validate::is_aws_doc_url;
use crate::markdown::leftover_markup;

/// Words that test-wise students learn to avoid in options.
pub const ABSOLUTE_WORDS: &[&str] = &[
    "항상",
    "반드시",
    "모든",
    "오직",
    "절대",
    "always",
    "never",
    "only",
    "must",
];

/// A rationale shorter than this cannot say why an option fails.
pub const MIN_RATIONALE_CHARS: usize = 60;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Strategy {
    Longest,
    Shortest,
    StemOverlap,
    AvoidAbsolute,
    FirstKey,
    LastKey,
}

impl Strategy {
    pub const ALL: [Strategy; 6] = [
        Self::Longest,
        Self::Shortest,
        Self::StemOverlap,
        Self::AvoidAbsolute,
        Self::FirstKey,
        Self::LastKey,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Self::Longest => "longest option",
            Self::Shortest => "shortest option",
            Self::StemOverlap => "most overlap with stem",
            Self::AvoidAbsolute => "avoid absolute words",
            Self::FirstKey => "first option",
            Self::LastKey => "last option",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum FlagKind {
    KeyUniquelyLongest,
    AbsoluteOnlyInDistractors,
    UnrenderedMarkup,
    MissingReference,
    InvalidReference,
    ShortRationale,
    NotExamShape,
    DistractorOfAnotherKind,
    OptionsDifferOnlyInCase,
}

impl FlagKind {
    pub fn name(self) -> &'static str {
        match self {
            Self::KeyUniquelyLongest => "key uniquely longest by >25%",
            Self::AbsoluteOnlyInDistractors => "absolute words only in distractors",
            Self::UnrenderedMarkup => "markup that does not render",
            Self::MissingReference => "no AWS documentation reference",
            Self::InvalidReference => "reference not on AWS documentation hosts",
            Self::ShortRationale => "rationale under 60 characters",
            Self::NotExamShape => "not exam shape",
            Self::DistractorOfAnotherKind => "a distractor shares no category with the key",
            Self::OptionsDifferOnlyInCase => "options that differ only in letter case",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Flag {
    pub question: String,
    pub kind: FlagKind,
    pub detail: String,
}

/// Expected hits of each strategy over a set of questions of one kind.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Tally {
    pub questions: usize,
    /// Expected number of exact hits per strategy (ties are split evenly).
    pub hits: BTreeMap<Strategy, f64>,
    /// Sum over questions of the chance of a blind guess.
    pub chance: f64,
    /// Questions where the key is uniquely the longest / shortest option.
    pub key_longest: usize,
    pub key_shortest: usize,
}

impl Tally {
    fn add(&mut self, q: &Question) {
        self.questions += 1;
        for s in Strategy::ALL {
            *self.hits.entry(s).or_default() += strategy_hit(q, s);
        }
        self.chance += 1.0 / choose(q.options.len(), q.answer.len()).max(1.0);
        let lens: Vec<(usize, bool)> = q.options.iter().map(|o| (chars(&o.text), is_key(q, o.key))).collect();
        if q.answer.len() == 1 {
            let key_len = lens.iter().find(|(_, k)| *k).map(|(l, _)| *l).unwrap_or(0);
            let others = lens.iter().filter(|(_, k)| !k).map(|(l, _)| *l);
            if others.clone().all(|l| l < key_len) {
                self.key_longest += 1;
            }
            if others.clone().all(|l| l > key_len) {
                self.key_shortest += 1;
            }
        }
    }

    pub fn accuracy(&self, s: Strategy) -> f64 {
        if self.questions == 0 {
            return 0.0;
        }
        self.hits.get(&s).copied().unwrap_or(0.0) / self.questions as f64
    }

    pub fn chance_rate(&self) -> f64 {
        if self.questions == 0 {
            0.0
        } else {
            self.chance / self.questions as f64
        }
    }

    /// The best strategy and its accuracy.
    pub fn best(&self) -> Option<(Strategy, f64)> {
        Strategy::ALL
            .into_iter()
            .map(|s| (s, self.accuracy(s)))
            .max_by(|a, b| a.1.total_cmp(&b.1))
    }

    pub fn share(&self, n: usize) -> f64 {
        if self.questions == 0 {
            0.0
        } else {
            n as f64 / self.questions as f64
        }
    }
}

/// Wilson score interval at 95 %, for a rate measured over `n` trials.
pub fn wilson95(p: f64, n: usize) -> (f64, f64) {
    if n == 0 {
        return (0.0, 1.0);
    }
    let z = 1.959_964_f64;
    let n = n as f64;
    let denom = 1.0 + z * z / n;
    let centre = (p + z * z / (2.0 * n)) / denom;
    let half = z * ((p * (1.0 - p) / n) + z * z / (4.0 * n * n)).sqrt() / denom;
    ((centre - half).max(0.0), (centre + half).min(1.0))
}

/// Single-answer and multiple-response tallies for one group of questions.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Group {
    pub single: Tally,
    pub multiple: Tally,
}

impl Group {
    fn add(&mut self, q: &Question) {
        match q.kind {
            Kind::Single => self.single.add(q),
            Kind::Multiple => self.multiple.add(q),
            // Two options: every strategy is a coin toss, nothing to learn.
            Kind::TrueFalse => {}
        }
    }
}

#[derive(Debug, Default)]
pub struct Report {
    pub overall: Group,
    pub by_topic: BTreeMap<String, Group>,
    pub flags: Vec<Flag>,
    pub rationale_chars: Vec<usize>,
}

impl Report {
    pub fn median_rationale(&self) -> usize {
        let mut v = self.rationale_chars.clone();
        v.sort_unstable();
        v.get(v.len() / 2).copied().unwrap_or(0)
    }

    pub fn count(&self, kind: FlagKind) -> usize {
        self.flags.iter().filter(|f| f.kind == kind).count()
    }
}

/// The limits a bank is held to. `exam_grade` is ITEM-WRITING.md in numbers.
#[derive(Debug, Clone, PartialEq)]
pub struct Thresholds {
    /// No strategy may beat this on single-answer questions (chance is 25 %).
    pub single_strategy_max: f64,
    /// No strategy may beat this multiple of chance on multiple-response questions.
    pub multiple_strategy_max_vs_chance: f64,
    pub key_longest_max: f64,
    pub key_shortest_min: f64,
    pub median_rationale_min: usize,
    /// Flags that must not occur at all.
    pub forbidden: Vec<FlagKind>,
    /// The largest share of questions with a distractor from another field. A
    /// keyword heuristic, so a few fair items are flagged; this caps the drift.
    pub other_kind_max: f64,
}

impl Thresholds {
    pub fn exam_grade() -> Self {
        Self {
            single_strategy_max: 0.33,
            multiple_strategy_max_vs_chance: 2.0,
            key_longest_max: 0.30,
            key_shortest_min: 0.15,
            median_rationale_min: 100,
            forbidden: vec![
                FlagKind::UnrenderedMarkup,
                FlagKind::MissingReference,
                FlagKind::InvalidReference,
                FlagKind::ShortRationale,
                FlagKind::NotExamShape,
            ],
            other_kind_max: 0.03,
        }
    }

    /// Every way the report breaks these limits, as sentences.
    pub fn breaches(&self, r: &Report) -> Vec<String> {
        let mut out = Vec::new();
        let s = &r.overall.single;
        if s.questions > 0 {
            for st in Strategy::ALL {
                let a = s.accuracy(st);
                if a > self.single_strategy_max {
                    out.push(format!(
                        "single answer: `{}` scores {:.1}% (limit {:.0}%)",
                        st.name(),
                        a * 100.0,
                        self.single_strategy_max * 100.0
                    ));
                }
            }
            let (lo, hi) = (s.share(s.key_longest), s.share(s.key_shortest));
            if lo > self.key_longest_max {
                out.push(format!(
                    "the key is the longest option in {:.1}% of single-answer questions (limit {:.0}%)",
                    lo * 100.0,
                    self.key_longest_max * 100.0
                ));
            }
            if hi < self.key_shortest_min {
                out.push(format!(
                    "the key is the shortest option in {:.1}% of single-answer questions (at least {:.0}%)",
                    hi * 100.0,
                    self.key_shortest_min * 100.0
                ));
            }
        }
        let m = &r.overall.multiple;
        if m.questions > 0 {
            let limit = m.chance_rate() * self.multiple_strategy_max_vs_chance;
            for st in Strategy::ALL {
                let a = m.accuracy(st);
                if a > limit {
                    out.push(format!(
                        "multiple response: `{}` scores {:.1}% (limit {:.1}%, twice chance)",
                        st.name(),
                        a * 100.0,
                        limit * 100.0
                    ));
                }
            }
        }
        if !r.rationale_chars.is_empty() && r.median_rationale() < self.median_rationale_min {
            out.push(format!(
                "median rationale is {} characters (at least {})",
                r.median_rationale(),
                self.median_rationale_min
            ));
        }
        let total = r.overall.single.questions + r.overall.multiple.questions;
        let other: HashSet<&str> = r
            .flags
            .iter()
            .filter(|f| f.kind == FlagKind::DistractorOfAnotherKind)
            .map(|f| f.question.as_str())
            .collect();
        if total > 0 && other.len() as f64 / total as f64 > self.other_kind_max {
            out.push(format!(
                "{} of {total} questions have a distractor from another field than the key and stem (limit {:.0}%)",
                other.len(),
                self.other_kind_max * 100.0
            ));
        }
        for k in &self.forbidden {
            let n = r.count(*k);
            if n > 0 {
                out.push(format!("{n} flag(s): {}", k.name()));
            }
        }
        out
    }
}

/// How `q` differs from the SAA/SOA item shape (4 options for a single
/// answer, at least 3 distractors for multiple response, no true/false), or
/// None. Imports are accepted in any shape Moodle accepts; this only warns.
pub fn not_exam_shape(q: &Question) -> Option<String> {
    let (opts, keys) = (q.options.len(), q.answer.len());
    match q.kind {
        Kind::Single if opts != 4 => Some(format!("{opts} options; the exam uses 4 for a single answer")),
        Kind::Multiple if opts < keys + 3 => Some(format!(
            "{opts} options for {keys} answers; the exam offers at least {}",
            keys + 3
        )),
        Kind::TrueFalse => Some("true/false; the exam has no true/false items".to_owned()),
        _ => None,
    }
}

/// Lints every question. `exam_shape` asks for the shipped banks' stricter
/// shape (4 options for a single answer) and for references.
pub fn lint<'a>(questions: impl IntoIterator<Item = &'a Question>, exam_shape: bool) -> Report {
    let mut r = Report::default();
    for q in questions {
        r.overall.add(q);
        r.by_topic.entry(q.topic.to_string()).or_default().add(q);
        flag_question(q, exam_shape, &mut r);
    }
    r
}

fn flag_question(q: &Question, exam_shape: bool, r: &mut Report) {
    let mut flag = |kind: FlagKind, detail: String| {
        r.flags.push(Flag {
            question: q.id.to_string(),
            kind,
            detail,
        })
    };
    if q.kind == Kind::Single
        && let Some(key) = q.options.iter().find(|o| is_key(q, o.key))
    {
        let key_len = chars(&key.text);
        let longest_other = q
            .options
            .iter()
            .filter(|o| o.key != key.key)
            .map(|o| chars(&o.text))
            .max()
            .unwrap_or(0);
        if key_len * 4 > longest_other * 5 {
            flag(
                FlagKind::KeyUniquelyLongest,
                format!("key {key_len} characters, longest distractor {longest_other}"),
            );
        }
    }
    if exam_shape && let Some(detail) = not_exam_shape(q) {
        flag(FlagKind::NotExamShape, detail);
    }
    // A foreign question may come without one; the shipped banks may not.
    if exam_shape && q.explanation.trim().is_empty() {
        flag(FlagKind::NotExamShape, "no explanation".to_owned());
    }
    let absolute: Vec<char> = q
        .options
        .iter()
        .filter(|o| has_absolute(&o.text) || o.en.as_ref().is_some_and(|e| has_absolute(&e.text)))
        .map(|o| o.key)
        .collect();
    if !absolute.is_empty() && absolute.iter().all(|k| !is_key(q, *k)) {
        flag(
            FlagKind::AbsoluteOnlyInDistractors,
            format!("options {}", absolute.iter().collect::<String>()),
        );
    }
    // Validation keeps them apart (`GB` and `Gb` are not the same unit), but
    // a student may read them as one: worth a look before publishing.
    for (i, a) in q.options.iter().enumerate() {
        let folded = crate::bank::validate::option_key(&a.text).to_lowercase();
        if let Some(b) = q.options[i + 1..]
            .iter()
            .find(|b| crate::bank::validate::option_key(&b.text).to_lowercase() == folded)
        {
            flag(
                FlagKind::OptionsDifferOnlyInCase,
                format!("options {} and {}: `{}` and `{}`", a.key, b.key, a.text, b.text),
            );
        }
    }
    for (option, detail) in distractors_of_another_kind(q) {
        flag(FlagKind::DistractorOfAnotherKind, format!("option {option}: {detail}"));
    }
    let mut texts: Vec<(&str, &str)> = vec![("stem", &q.stem), ("explanation", &q.explanation)];
    if let Some(en) = &q.en {
        texts.push(("stem_en", &en.stem));
        texts.push(("explanation_en", &en.explanation));
    }
    for o in &q.options {
        texts.push(("option", &o.text));
        texts.push(("rationale", &o.rationale));
        if let Some(en) = &o.en {
            texts.push(("option", &en.text));
            texts.push(("rationale", &en.rationale));
        }
    }
    for (what, text) in texts {
        if let Some(m) = leftover_markup(text) {
            flag(FlagKind::UnrenderedMarkup, format!("literal `{m}` in {what}"));
        }
    }
    if exam_shape && q.references.is_empty() {
        flag(FlagKind::MissingReference, String::new());
    }
    for url in q.references.iter().filter(|u| !is_aws_doc_url(u)) {
        flag(FlagKind::InvalidReference, url.clone());
    }
    for o in &q.options {
        let n = chars(&o.rationale);
        r.rationale_chars.push(n);
        if n < MIN_RATIONALE_CHARS {
            r.flags.push(Flag {
                question: q.id.to_string(),
                kind: FlagKind::ShortRationale,
                detail: format!("option {}: {n} characters", o.key),
            });
        }
    }
}

/// Distractors that name AWS services, none of which does any job that the
/// key's services or the stem's situation involve: ruled out without knowing
/// AWS. A distractor from a neighbouring field the stem brings up (placement
/// groups against enhanced networking) is fair; one from nowhere is not.
/// Options that name no service (a setting, a procedure) are not judged.
fn distractors_of_another_kind(q: &Question) -> Vec<(char, String)> {
    let kinds = |o: &super::model::Choice| {
        let mut k = categories(&o.text);
        if let Some(en) = &o.en {
            k.extend(categories(&en.text));
        }
        k
    };
    let key: std::collections::BTreeSet<Category> =
        q.options.iter().filter(|o| is_key(q, o.key)).flat_map(kinds).collect();
    if key.is_empty() {
        return Vec::new();
    }
    let mut situation = key.clone();
    situation.extend(categories(&q.stem));
    if let Some(en) = &q.en {
        situation.extend(categories(&en.stem));
    }
    let names = |set: &std::collections::BTreeSet<Category>| set.iter().map(|c| c.name()).collect::<Vec<_>>().join("/");
    q.options
        .iter()
        .filter(|o| !is_key(q, o.key))
        .filter_map(|o| {
            let d = kinds(o);
            let fields = |set: &std::collections::BTreeSet<Category>| {
                set.iter().map(|c| c.field()).collect::<std::collections::BTreeSet<_>>()
            };
            (!d.is_empty() && fields(&d).is_disjoint(&fields(&situation))).then(|| {
                (
                    o.key,
                    format!("{} against a {} key and stem", names(&d), names(&situation)),
                )
            })
        })
        .collect()
}

fn chars(s: &str) -> usize {
    s.chars().count()
}

fn is_key(q: &Question, key: char) -> bool {
    q.answer.contains(&key)
}

fn has_absolute(text: &str) -> bool {
    let lower = text.to_lowercase();
    lower.split(|c: char| !c.is_alphanumeric()).any(|w| {
        ABSOLUTE_WORDS
            .iter()
            .any(|a| w == *a || (!a.is_ascii() && w.starts_with(a)))
    })
}

fn tokens(s: &str) -> HashSet<String> {
    s.to_lowercase()
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.chars().count() > 1)
        .map(str::to_owned)
        .collect()
}

fn choose(n: usize, k: usize) -> f64 {
    if k > n {
        return 0.0;
    }
    (0..k).fold(1.0, |acc, i| acc * (n - i) as f64 / (i + 1) as f64)
}

/// The chance that picking the `n` best-scoring options (ties broken at
/// random) gives exactly the answer set.
fn top_n_hit(q: &Question, score: impl Fn(&super::model::Choice) -> f64) -> f64 {
    let n = q.answer.len();
    if n == 0 || n > q.options.len() {
        return 0.0;
    }
    let mut scores: Vec<(f64, bool)> = q.options.iter().map(|o| (score(o), is_key(q, o.key))).collect();
    scores.sort_by(|a, b| b.0.total_cmp(&a.0));
    let threshold = scores[n - 1].0;
    let above: Vec<bool> = scores.iter().filter(|s| s.0 > threshold).map(|s| s.1).collect();
    let tied: Vec<bool> = scores.iter().filter(|s| s.0 == threshold).map(|s| s.1).collect();
    let need = n - above.len();
    let keys_in_tie = tied.iter().filter(|k| **k).count();
    if above.iter().all(|k| *k) && keys_in_tie == need {
        1.0 / choose(tied.len(), need)
    } else {
        0.0
    }
}

fn strategy_hit(q: &Question, s: Strategy) -> f64 {
    let n = q.answer.len();
    match s {
        Strategy::Longest => top_n_hit(q, |o| chars(&o.text) as f64),
        Strategy::Shortest => top_n_hit(q, |o| -(chars(&o.text) as f64)),
        Strategy::StemOverlap => {
            let stem = tokens(&q.stem);
            top_n_hit(q, |o| tokens(&o.text).intersection(&stem).count() as f64)
        }
        Strategy::AvoidAbsolute => {
            let plain: Vec<bool> = q
                .options
                .iter()
                .filter(|o| !has_absolute(&o.text))
                .map(|o| is_key(q, o.key))
                .collect();
            let pool: Vec<bool> = if plain.len() >= n {
                plain
            } else {
                q.options.iter().map(|o| is_key(q, o.key)).collect()
            };
            if pool.iter().filter(|k| **k).count() == n {
                1.0 / choose(pool.len(), n)
            } else {
                0.0
            }
        }
        Strategy::FirstKey => f64::from(q.options.iter().take(n).all(|o| is_key(q, o.key))),
        Strategy::LastKey => f64::from(q.options.iter().rev().take(n).all(|o| is_key(q, o.key))),
    }
}

impl fmt::Display for Report {
    /// Flags first, then topics, and the whole-bank figures last, so a
    /// `| tail` shows the verdict.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for fl in &self.flags {
            writeln!(f, "{}: {} {}", fl.question, fl.kind.name(), fl.detail)?;
        }
        for (topic, g) in &self.by_topic {
            if let Some((s, a)) = g.single.best() {
                writeln!(
                    f,
                    "topic {topic}: {} single, best strategy `{}` {:.0}%, key longest {:.0}%, shortest {:.0}%",
                    g.single.questions,
                    s.name(),
                    a * 100.0,
                    g.single.share(g.single.key_longest) * 100.0,
                    g.single.share(g.single.key_shortest) * 100.0
                )?;
            }
        }
        let mut counts: BTreeMap<FlagKind, usize> = BTreeMap::new();
        for fl in &self.flags {
            *counts.entry(fl.kind).or_default() += 1;
        }
        for (k, n) in counts {
            writeln!(f, "flagged: {n} × {}", k.name())?;
        }
        for (label, t) in [
            ("single answer", &self.overall.single),
            ("multiple response", &self.overall.multiple),
        ] {
            if t.questions == 0 {
                continue;
            }
            let figures: Vec<String> = Strategy::ALL
                .into_iter()
                .map(|s| {
                    let a = t.accuracy(s);
                    let (lo, hi) = wilson95(a, t.questions);
                    format!("{} {:.1}% [{:.0}–{:.0}]", s.name(), a * 100.0, lo * 100.0, hi * 100.0)
                })
                .collect();
            writeln!(
                f,
                "{label} ({} questions, chance {:.1}%): {}",
                t.questions,
                t.chance_rate() * 100.0,
                figures.join("; ")
            )?;
        }
        let s = &self.overall.single;
        writeln!(
            f,
            "key is the longest option in {:.1}% and the shortest in {:.1}% of single-answer questions; \
             median rationale {} characters",
            s.share(s.key_longest) * 100.0,
            s.share(s.key_shortest) * 100.0,
            self.median_rationale()
        )
    }
}

mod summary;
pub use summary::{Severity, Summary};

#[cfg(test)]
mod tests;
