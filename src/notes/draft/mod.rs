//! Draft questions generated from study notes (Markdown or plain text).
//!
//! `outline` turns a note into a section tree, `facts` finds term–definition
//! pairs, terms with facts under them, enumerations, numeric facts and plain
//! statements, and this module turns those into draft questions in the native
//! bank model (`status = draft`), each with its source file, heading path,
//! lines and a quality score. A draft is dropped, and the rule counted, when
//! its answer shows in the stem, two options are the same after
//! normalisation, a distractor is true according to the notes, fewer than
//! three distractors of the same category exist, or it fails bank validation.
//! The same input and seed always give the same output.

pub mod facts;
pub mod outline;
pub mod text;

use std::collections::{BTreeMap, BTreeSet, HashSet};

use rand::SeedableRng;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;

use crate::bank::model::{Bank, Blueprint, Choice, Difficulty, Generated, Kind, Pos, Question, Source, Status, Topic};
use facts::{Facts, Place, extract};
use outline::{Outline, decode, parse};
use text::{char_len, has_hangul, norm};

pub struct NoteInput {
    pub name: String,
    pub bytes: Vec<u8>,
}

#[derive(Debug, Clone)]
pub struct Options {
    pub seed: u64,
    /// Exam for sections whose headings carry no SAA/SOA tag.
    pub default_exam: String,
    /// Topic slug for the drafts; derived from the first file name when absent.
    pub topic: Option<String>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            seed: 1,
            default_exam: "saa-c03".into(),
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
        }
    }
}

#[derive(Debug, Clone)]
pub struct Draft {
    pub question: Question,
    pub file: String,
    /// The note lines the draft was built from.
    pub excerpt: String,
    pub kind: &'static str,
}

#[derive(Debug, Clone, Default)]
pub struct Report {
    pub drafts: usize,
    pub rejected: BTreeMap<Rule, usize>,
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

/// Domain keywords per exam, checked against the section path and the fact.
const DOMAINS: &[(&str, &str, &[&str])] = &[
    (
        "saa-c03",
        "secure",
        &[
            "iam",
            "kms",
            "암호",
            "보안",
            "security",
            "waf",
            "shield",
            "guardduty",
            "cognito",
            "sso",
            "secret",
            "acm",
            "인증",
            "macie",
            "inspector",
            "mfa",
            "encrypt",
            "policy",
            "정책",
            "권한",
        ],
    ),
    (
        "saa-c03",
        "cost",
        &[
            "비용",
            "요금",
            "가격",
            "cost",
            "pricing",
            "spot",
            "reserved",
            "savings",
            "절감",
            "budget",
            "billing",
            "청구",
            "glacier",
            "lifecycle",
            "수명 주기",
        ],
    ),
    (
        "saa-c03",
        "resilient",
        &[
            "multi-az",
            "multi az",
            "복제",
            "replica",
            "백업",
            "backup",
            "장애",
            "failover",
            "고가용",
            "내구",
            "durab",
            "auto scaling",
            "sqs",
            "sns",
            "재해",
            "snapshot",
            "스냅샷",
            "route 53",
            "decoupl",
            "결합",
        ],
    ),
    (
        "soa-c03",
        "monitoring",
        &[
            "cloudwatch",
            "지표",
            "metric",
            "경보",
            "alarm",
            "로그",
            "log",
            "dashboard",
            "대시보드",
            "eventbridge",
            "insights",
            "trusted advisor",
            "모니터링",
        ],
    ),
    (
        "soa-c03",
        "deployment",
        &[
            "cloudformation",
            "ssm",
            "systems manager",
            "ami",
            "image builder",
            "beanstalk",
            "배포",
            "deploy",
            "stackset",
            "automation",
            "자동화",
            "lambda",
            "template",
            "템플릿",
        ],
    ),
    (
        "soa-c03",
        "security",
        &[
            "iam",
            "kms",
            "암호",
            "보안",
            "security",
            "guardduty",
            "config",
            "cloudtrail",
            "secret",
            "acm",
            "인증",
            "mfa",
            "권한",
            "policy",
            "정책",
        ],
    ),
    (
        "soa-c03",
        "networking",
        &[
            "vpc",
            "서브넷",
            "subnet",
            "route 53",
            "dns",
            "cloudfront",
            "nat",
            "게이트웨이",
            "gateway",
            "direct connect",
            "vpn",
            "엔드포인트",
            "endpoint",
            "네트워크",
            "network",
            "elb",
            "load balancer",
        ],
    ),
    (
        "soa-c03",
        "reliability",
        &[
            "백업",
            "backup",
            "복원",
            "restore",
            "multi-az",
            "asg",
            "auto scaling",
            "failover",
            "스냅샷",
            "snapshot",
            "replica",
            "복제",
            "efs",
            "ebs",
            "s3",
        ],
    ),
];

fn default_domain(exam: &str) -> &'static str {
    if exam == "soa-c03" { "monitoring" } else { "performance" }
}

fn classify(exam: &str, path: &str, fact: &str) -> String {
    let path = path.to_lowercase();
    let fact = fact.to_lowercase();
    let mut best: Option<(usize, &str)> = None;
    for (e, domain, words) in DOMAINS.iter().filter(|(e, _, _)| *e == exam) {
        let _ = e;
        let score: usize = words
            .iter()
            .map(|w| 3 * usize::from(path.contains(w)) + usize::from(fact.contains(w)))
            .sum();
        if score > 0 && best.is_none_or(|(s, _)| score > s) {
            best = Some((score, domain));
        }
    }
    best.map_or_else(|| default_domain(exam).to_owned(), |(_, d)| d.to_owned())
}

fn exam_for(tags: &[String], path: &str, default_exam: &str) -> String {
    if tags.iter().any(|t| t == "SAA") {
        "saa-c03".into()
    } else if tags.iter().any(|t| t == "SOA" || t == "SYSOPS") || path.to_lowercase().contains("sysops") {
        "soa-c03".into()
    } else {
        default_exam.to_owned()
    }
}

/// One candidate question before it becomes a `Question`.
struct Candidate {
    kind: &'static str,
    stem: String,
    /// (text, rationale, correct)
    options: Vec<(String, String, bool)>,
    explanation: String,
    at: Place,
    quality: i32,
    difficulty: Difficulty,
    fact: String,
}

/// Picks up to `need` distractors from `pool` (text, rationale), skipping any
/// that normalise to the answer or to each other, and any `is_true` flags.
/// Returns the picks, or the rule that stopped it.
fn pick_distractors(
    answer: &str,
    pool: Vec<(String, String)>,
    need: usize,
    is_true: impl Fn(&str) -> bool,
) -> Result<Vec<(String, String)>, Rule> {
    let mut seen: HashSet<String> = HashSet::from([norm(answer)]);
    let mut out = Vec::new();
    let mut rejected_true = false;
    for (text, why) in pool {
        let n = norm(&text);
        // A misspelling of the answer or of another option ("Ahena" beside
        // "Athena") is the same option, not a distractor.
        if n.is_empty() || seen.iter().any(|s| near_duplicate(s, &n)) || char_len(&text) > 300 || text.contains("://") {
            continue;
        }
        if is_true(&text) {
            rejected_true = true;
            continue;
        }
        seen.insert(n);
        out.push((text, why));
        if out.len() == need {
            return Ok(out);
        }
    }
    Err(if rejected_true {
        Rule::DistractorTrue
    } else {
        Rule::TooFewDistractors
    })
}

/// Whether two normalised options are the same Latin-script name with a
/// typo ("Ahena" beside "Athena"): one edit apart, short, and with the same
/// digits, since "t2micro" and "t3micro" are different answers. Korean text
/// is left alone: one syllable turns "최소" into "최대".
fn near_duplicate(a: &str, b: &str) -> bool {
    if a == b {
        return true;
    }
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    let digits = |v: &[char]| v.iter().filter(|c| c.is_ascii_digit()).copied().collect::<Vec<char>>();
    let hangul = |v: &[char]| v.iter().any(|c| has_hangul(&c.to_string()));
    if a.len().min(b.len()) < 5
        || a.len().max(b.len()) > 30
        || a.len().abs_diff(b.len()) > 1
        || digits(&a) != digits(&b)
        || hangul(&a)
        || hangul(&b)
    {
        return false;
    }
    // Levenshtein distance, one row at a time.
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            cur[j + 1] = (prev[j] + usize::from(ca != cb)).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()] <= 1
}

/// The same-category scopes of a fact, closest first, with a quality bonus each:
/// the same parent item, the same section, the same level-2 section.
fn scopes(o: &Outline, a: &Place, b: &Place) -> Option<i32> {
    if a.sec == b.sec && a.parent == b.parent {
        Some(15)
    } else if a.sec == b.sec {
        Some(10)
    } else if o.top(a.sec) == o.top(b.sec) {
        Some(0)
    } else {
        None
    }
}

/// Candidates sorted by closeness of scope; `None`-scope ones are left out.
fn by_scope<T>(o: &Outline, at: &Place, items: impl Iterator<Item = (T, Place)>) -> Vec<(T, i32)> {
    let mut v: Vec<(T, i32)> = items.filter_map(|(t, p)| scopes(o, at, &p).map(|s| (t, s))).collect();
    v.sort_by_key(|(_, s)| -s);
    v
}

fn ko_or_en(ko: bool, k: String, e: String) -> String {
    if ko { k } else { e }
}

fn cut(s: &str, n: usize) -> String {
    if char_len(s) <= n {
        s.to_owned()
    } else {
        let mut t: String = s.chars().take(n).collect();
        t.push('…');
        t
    }
}

fn candidates(o: &Outline, f: &Facts, all_numbers: &[(String, String, String)]) -> Vec<Result<Candidate, Rule>> {
    let mut out = Vec::new();
    let file = &o.file;

    // Definition → term, and term → definition.
    for d in &f.defs {
        let ko = has_hangul(&d.def) || has_hangul(&d.term);
        let sibs = by_scope(
            o,
            &d.at,
            f.defs
                .iter()
                .filter(|x| !std::ptr::eq(*x, d))
                .map(|x| (x, x.at.clone())),
        );
        let scope_bonus = sibs.iter().take(3).map(|(_, s)| *s).min().unwrap_or(0);
        let base = if d.from_sentence { 40 } else { 60 };
        let latin_bonus = if d.term.chars().any(|c| c.is_ascii_alphabetic()) {
            10
        } else {
            0
        };
        let same_def = |t: &str| {
            f.defs
                .iter()
                .any(|x| norm(&x.term) == norm(t) && norm(&x.def) == norm(&d.def))
        };
        // def → term
        let stem = ko_or_en(
            ko,
            format!("노트의 설명에 해당하는 용어는 무엇입니까?\n\n> {}", d.def),
            format!("Which term do the notes describe this way?\n\n> {}", d.def),
        );
        let pool: Vec<(String, String)> = sibs
            .iter()
            .map(|(x, _)| {
                (
                    x.term.clone(),
                    ko_or_en(
                        ko,
                        format!("노트에서 {}은(는) 다른 설명을 가집니다: {}", x.term, cut(&x.def, 120)),
                        format!("The notes describe {} differently: {}", x.term, cut(&x.def, 120)),
                    ),
                )
            })
            .collect();
        out.push(pick_distractors(&d.term, pool, 3, same_def).map(|ds| {
            Candidate {
                kind: "definition-to-term",
                options: std::iter::once((
                    d.term.clone(),
                    ko_or_en(
                        ko,
                        format!("노트 {}행의 정의와 일치합니다.", d.at.line),
                        format!("Matches the definition on line {} of the notes.", d.at.line),
                    ),
                    true,
                ))
                .chain(ds.into_iter().map(|(t, r)| (t, r, false)))
                .collect(),
                explanation: ko_or_en(
                    ko,
                    format!(
                        "노트({file} {}행)는 {}을(를) 이렇게 정리합니다: {}",
                        d.at.line, d.term, d.def
                    ),
                    format!("The notes ({file}, line {}) define {} as: {}", d.at.line, d.term, d.def),
                ),
                stem,
                at: d.at.clone(),
                quality: base + scope_bonus + latin_bonus,
                difficulty: Difficulty::Easy,
                fact: d.def.clone(),
            }
        }));
        // term → definition
        let stem = ko_or_en(
            ko,
            format!("노트에 따르면 {}에 대한 설명으로 옳은 것은 무엇입니까?", d.term),
            format!("According to the notes, which statement describes {}?", d.term),
        );
        let pool: Vec<(String, String)> = sibs
            .iter()
            .map(|(x, _)| {
                (
                    x.def.clone(),
                    ko_or_en(
                        ko,
                        format!("노트에서 {}에 대한 설명입니다.", x.term),
                        format!("The notes say this of {}.", x.term),
                    ),
                )
            })
            .collect();
        let term_n = norm(&d.term);
        let defs_of_term: Vec<String> = f
            .defs
            .iter()
            .filter(|x| norm(&x.term) == term_n)
            .map(|x| norm(&x.def))
            .collect();
        out.push(
            pick_distractors(&d.def, pool, 3, |t| {
                let n = norm(t);
                defs_of_term.contains(&n) || (term_n.chars().count() >= 2 && n.contains(&term_n))
            })
            .map(|ds| Candidate {
                kind: "term-to-definition",
                options: std::iter::once((
                    d.def.clone(),
                    ko_or_en(
                        ko,
                        format!("노트 {}행의 설명입니다.", d.at.line),
                        format!("This is what line {} of the notes says.", d.at.line),
                    ),
                    true,
                ))
                .chain(ds.into_iter().map(|(t, r)| (t, r, false)))
                .collect(),
                explanation: ko_or_en(
                    ko,
                    format!("노트({file} {}행)에 따르면 {}: {}", d.at.line, d.term, d.def),
                    format!("Per the notes ({file}, line {}), {}: {}", d.at.line, d.term, d.def),
                ),
                stem,
                at: d.at.clone(),
                quality: base - 5 + scope_bonus + latin_bonus,
                difficulty: Difficulty::Easy,
                fact: d.def.clone(),
            }),
        );
    }

    // Which is true of X: X's fact against sibling terms' facts attributed to X.
    for t in &f.term_facts {
        let ko = has_hangul(&t.term) || t.facts.iter().any(|(x, _)| has_hangul(x));
        let own: HashSet<String> = t.facts.iter().map(|(x, _)| norm(x)).collect();
        let sibs = by_scope(
            o,
            &t.at,
            f.term_facts
                .iter()
                .filter(|x| !std::ptr::eq(*x, t))
                .map(|x| (x, x.at.clone())),
        );
        let term_n = norm(&t.term);
        for (fact, line) in t.facts.iter().take(2) {
            let pool: Vec<(String, String)> = sibs
                .iter()
                .flat_map(|(x, _)| {
                    x.facts.iter().take(2).map(move |(ft, fl)| {
                        (
                            ft.clone(),
                            ko_or_en(
                                ko,
                                format!("노트 {fl}행에서 {}에 대한 내용입니다.", x.term),
                                format!("Line {fl} of the notes says this of {}.", x.term),
                            ),
                        )
                    })
                })
                .collect();
            let bonus = sibs.iter().take(3).map(|(_, s)| *s).min().unwrap_or(0);
            out.push(
                pick_distractors(fact, pool, 3, |d| own.contains(&norm(d)) || (term_n.chars().count() >= 2 && norm(d).contains(&term_n)))
                    .map(|ds| Candidate {
                        kind: "true-of-term",
                        stem: ko_or_en(
                            ko,
                            format!("노트에 따르면 다음 중 {}에 해당하는 내용은 무엇입니까?", t.term),
                            format!("According to the notes, which of these is true of {}?", t.term),
                        ),
                        options: std::iter::once((
                            fact.clone(),
                            ko_or_en(ko, format!("노트 {line}행에서 {} 아래에 적힌 내용입니다.", t.term), format!("Listed under {} on line {line}.", t.term)),
                            true,
                        ))
                        .chain(ds.into_iter().map(|(x, r)| (x, r, false)))
                        .collect(),
                        explanation: ko_or_en(
                            ko,
                            format!("노트({file} {line}행)는 {} 항목 아래에 \"{}\"라고 적습니다. 나머지 보기는 같은 절의 다른 항목에 대한 내용입니다.", t.term, fact),
                            format!("The notes ({file}, line {line}) list \"{}\" under {}; the other options belong to sibling items.", fact, t.term),
                        ),
                        at: Place {
                            sec: t.at.sec,
                            parent: t.at.parent,
                            line: *line,
                            last_line: *line,
                        },
                        quality: 55 + bonus,
                        difficulty: Difficulty::Medium,
                        fact: fact.clone(),
                    }),
            );
        }
    }

    // Choose two members of an enumeration.
    for e in &f.enums {
        let ko = has_hangul(&e.name) || e.members.iter().any(|m| has_hangul(m));
        let members: HashSet<String> = e.members.iter().map(|m| norm(m)).collect();
        let same_name: HashSet<String> = f
            .enums
            .iter()
            .filter(|x| norm(&x.name) == norm(&e.name))
            .flat_map(|x| x.members.iter().map(|m| norm(m)))
            .collect();
        let mut pool: Vec<(String, String)> = Vec::new();
        // Nearest enumerations first, then the same kind of list anywhere in the note.
        let mut others: Vec<(&facts::Enumeration, i32)> = by_scope(
            o,
            &e.at,
            f.enums
                .iter()
                .filter(|x| !std::ptr::eq(*x, e))
                .map(|x| (x, x.at.clone())),
        );
        for x in f.enums.iter().filter(|x| !std::ptr::eq(*x, e)) {
            if !others.iter().any(|(y, _)| std::ptr::eq(*y, x)) {
                others.push((x, -10));
            }
        }
        let enum_bonus = others.first().map_or(0, |(_, s)| *s);
        for (x, _) in others {
            for m in &x.members {
                pool.push((
                    m.clone(),
                    ko_or_en(
                        ko,
                        format!("노트에서 '{}'의 항목입니다.", x.name),
                        format!("The notes list it under '{}'.", x.name),
                    ),
                ));
            }
        }
        let name_n = norm(&e.name);
        let picked = pick_distractors(&e.members[0], pool, 3, |d| {
            let n = norm(d);
            members.contains(&n) || same_name.contains(&n) || (n.chars().count() >= 2 && name_n.contains(&n))
        });
        out.push(picked.map(|ds| {
            let right: Vec<&String> = e.members.iter().take(2).collect();
            Candidate {
                kind: "choose-two",
                stem: ko_or_en(
                    ko,
                    format!("노트에서 '{}'(으)로 든 항목을 두 개 고르십시오.", e.name),
                    format!("Which two items do the notes list under '{}'? (Choose two.)", e.name),
                ),
                options: right
                    .iter()
                    .map(|m| {
                        (
                            (*m).clone(),
                            ko_or_en(
                                ko,
                                format!("노트에서 '{}'의 항목입니다.", e.name),
                                format!("Listed under '{}'.", e.name),
                            ),
                            true,
                        )
                    })
                    .chain(ds.into_iter().map(|(x, r)| (x, r, false)))
                    .collect(),
                explanation: ko_or_en(
                    ko,
                    format!(
                        "노트({file} {}행)는 '{}'(으)로 {}을(를) 듭니다.",
                        e.at.line,
                        e.name,
                        e.members.join(", ")
                    ),
                    format!(
                        "The notes ({file}, line {}) list under '{}': {}.",
                        e.at.line,
                        e.name,
                        e.members.join(", ")
                    ),
                ),
                at: e.at.clone(),
                quality: 60 + enum_bonus,
                difficulty: Difficulty::Medium,
                fact: e.members.join(", "),
            }
        }));
    }

    // Numeric facts with plausible numbers. A value is true for a statement
    // when the notes state that same statement with it.
    // The blank takes the value and its unit, since the options carry the unit.
    let blank = |m: &facts::Numeric| -> String {
        let c: Vec<char> = m.sentence.chars().collect();
        let mut end = (m.start + m.value.chars().count()).min(c.len());
        let unit: Vec<char> = m.unit.chars().collect();
        let skip = usize::from(c.get(end) == Some(&' ') && c[end + 1..].starts_with(&unit));
        if c[end + skip..].starts_with(&unit) {
            end += skip + unit.len();
        }
        c[..m.start]
            .iter()
            .chain(['_', '_', '_', '_'].iter())
            .chain(c[end..].iter())
            .collect()
    };
    let number_contexts: Vec<(String, String)> = f
        .numbers
        .iter()
        .map(|m| (norm(&blank(m)), norm(&format!("{}{}", m.value, m.unit))))
        .collect();
    for n in &f.numbers {
        let ko = has_hangul(&n.sentence);
        let blanked = blank(n);
        let context = norm(&blanked);
        let value: f64 = n.value.replace(',', "").parse().unwrap_or(0.0);
        let integer = !n.value.contains('.');
        let fmt = |v: f64| -> String {
            if integer {
                let i = v.round() as i64;
                if n.value.contains(',') {
                    let s = i.to_string();
                    let mut out = String::new();
                    for (k, c) in s.chars().enumerate() {
                        if k > 0 && (s.len() - k).is_multiple_of(3) {
                            out.push(',');
                        }
                        out.push(c);
                    }
                    out
                } else {
                    i.to_string()
                }
            } else {
                format!("{v}")
            }
        };
        let mut pool: Vec<(String, String)> = Vec::new();
        let mut from_notes = 0;
        for (v, u, _) in all_numbers.iter().filter(|(v, u, _)| *u == n.unit && *v != n.value) {
            let _ = u;
            pool.push((
                format!("{v}{}", n.unit),
                ko_or_en(
                    ko,
                    "노트의 다른 곳에 나오는 값으로, 이 문장의 값은 아닙니다.".into(),
                    "A value from elsewhere in the notes, not this statement's.".into(),
                ),
            ));
            from_notes += 1;
        }
        let mut generated = 0;
        for factor in [2.0, 0.5, 10.0, 0.1, 3.0] {
            let v = value * factor;
            if v <= 0.0 || (integer && (v - v.round()).abs() > 1e-9) || (n.unit == "%" && v > 100.0) {
                continue;
            }
            generated += 1;
            pool.push((
                format!("{}{}", fmt(v), n.unit),
                ko_or_en(ko, "노트의 값과 다릅니다.".into(), "Not the value in the notes.".into()),
            ));
        }
        let _ = generated;
        // Prefer values from the notes, nearest in size first.
        pool.sort_by(|a, b| {
            let pa: f64 =
                a.0.trim_end_matches(n.unit.as_str())
                    .replace(',', "")
                    .parse()
                    .unwrap_or(f64::MAX);
            let pb: f64 =
                b.0.trim_end_matches(n.unit.as_str())
                    .replace(',', "")
                    .parse()
                    .unwrap_or(f64::MAX);
            let da = (pa.max(1e-9) / value.max(1e-9)).ln().abs();
            let db = (pb.max(1e-9) / value.max(1e-9)).ln().abs();
            da.total_cmp(&db)
        });
        let answer = format!("{}{}", n.value, n.unit);
        let truths: Vec<String> = number_contexts
            .iter()
            .filter(|(c, _)| *c == context)
            .map(|(_, v)| v.clone())
            .collect();
        out.push(
            // A value the sentence itself shows elsewhere would be a giveaway or true.
            pick_distractors(&answer, pool, 3, |d| {
                truths.contains(&norm(d)) || context.contains(&norm(d))
            })
            .map(|ds| Candidate {
                kind: "numeric",
                stem: ko_or_en(
                    ko,
                    format!("노트의 다음 내용에서 빈칸에 들어갈 값은 무엇입니까?\n\n> {blanked}"),
                    format!("Which value completes this statement from the notes?\n\n> {blanked}"),
                ),
                options: std::iter::once((
                    answer.clone(),
                    ko_or_en(
                        ko,
                        format!("노트 {}행의 값입니다.", n.at.line),
                        format!("The value on line {} of the notes.", n.at.line),
                    ),
                    true,
                ))
                .chain(ds.into_iter().map(|(x, r)| (x, r, false)))
                .collect(),
                explanation: ko_or_en(
                    ko,
                    format!("노트({file} {}행) 원문: {}", n.at.line, n.sentence),
                    format!("The notes ({file}, line {}): {}", n.at.line, n.sentence),
                ),
                at: n.at.clone(),
                quality: 50 + if from_notes >= 3 { 10 } else { 0 },
                difficulty: Difficulty::Medium,
                fact: n.sentence.clone(),
            }),
        );
    }

    // Which statement belongs to this section, against statements from sibling sections.
    let mut per_section: BTreeMap<usize, usize> = BTreeMap::new();
    let mut section_norms: BTreeMap<usize, HashSet<String>> = BTreeMap::new();
    for x in &f.statements {
        section_norms.entry(x.at.sec).or_default().insert(norm(&x.text));
    }
    let empty = HashSet::new();
    for s in &f.statements {
        let count = per_section.entry(s.at.sec).or_default();
        if *count >= 2 || o.sections[s.at.sec].level < 2 {
            continue;
        }
        let sec = &o.sections[s.at.sec];
        let ko = has_hangul(&s.text);
        let keys: Vec<String> = sec
            .title
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| w.chars().count() >= 3 && w.chars().any(|c| c.is_ascii_alphabetic()))
            .map(|w| w.to_lowercase())
            .filter(|w| {
                !matches!(
                    w.as_str(),
                    "saa" | "dva" | "ccp" | "sap" | "soa" | "overview" | "the" | "and" | "for"
                )
            })
            .collect();
        let mentions_key = |t: &str| {
            let low = t.to_lowercase();
            keys.iter().any(|k| low.contains(k.as_str()))
        };
        if keys.is_empty() || !mentions_key(&s.text) {
            continue;
        }
        *count += 1;
        let own = section_norms.get(&s.at.sec).unwrap_or(&empty);
        let parent = sec.parent;
        // One statement from each sibling section, nearest first: neighbours in
        // a note tend to share a subject, which makes them plausible, and
        // every section gets its own set instead of the first siblings' lines.
        let mut siblings: Vec<&facts::Statement> = f
            .statements
            .iter()
            .filter(|x| {
                x.at.sec != s.at.sec && o.sections[x.at.sec].parent == parent && o.sections[x.at.sec].level == sec.level
            })
            .collect();
        siblings.sort_by_key(|x| (x.at.sec.abs_diff(s.at.sec), x.at.sec, x.at.line));
        let mut used_secs: BTreeSet<usize> = BTreeSet::new();
        let pool: Vec<(String, String)> = siblings
            .into_iter()
            .filter(|x| !mentions_key(&x.text) && used_secs.insert(x.at.sec))
            .take(12)
            .map(|x| {
                (
                    x.text.clone(),
                    ko_or_en(
                        ko,
                        format!("노트의 '{}' 절 내용입니다.", o.sections[x.at.sec].title),
                        format!("From the section '{}'.", o.sections[x.at.sec].title),
                    ),
                )
            })
            .collect();
        out.push(
            pick_distractors(&s.text, pool, 3, |d| mentions_key(d) || own.contains(&norm(d))).map(|ds| Candidate {
                kind: "true-of-section",
                stem: ko_or_en(
                    ko,
                    format!("다음 중 노트의 '{}' 절에 적힌 내용은 무엇입니까?", sec.title),
                    format!("Which statement comes from the notes' section '{}'?", sec.title),
                ),
                options: std::iter::once((
                    s.text.clone(),
                    ko_or_en(
                        ko,
                        format!("노트 {}행의 내용입니다.", s.at.line),
                        format!("Line {} of the notes.", s.at.line),
                    ),
                    true,
                ))
                .chain(ds.into_iter().map(|(x, r)| (x, r, false)))
                .collect(),
                explanation: ko_or_en(
                    ko,
                    format!("노트({file} {}행)의 '{}' 절: {}", s.at.line, sec.title, s.text),
                    format!(
                        "The notes ({file}, line {}), section '{}': {}",
                        s.at.line, sec.title, s.text
                    ),
                ),
                at: s.at.clone(),
                quality: 40,
                difficulty: Difficulty::Medium,
                fact: s.text.clone(),
            }),
        );
    }
    out
}

fn excerpt(o: &Outline, at: &Place) -> String {
    let first = at.line.max(1);
    let last = at.last_line.max(first).min(first + 11);
    (first..=last)
        .filter_map(|l| o.lines.get(l - 1))
        .map(|l| cut(l, 300))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Generates drafts from note files. Never panics on any input: unreadable
/// files are reported in `errors`, everything else yields drafts and warnings.
pub fn generate(inputs: &[NoteInput], opts: &Options, blueprints: &[Blueprint]) -> Generation {
    let mut warnings = Vec::new();
    let mut errors = Vec::new();
    let mut outlines = Vec::new();
    for input in inputs {
        match decode(&input.name, &input.bytes, &mut warnings) {
            Ok(text) => outlines.push(parse(&input.name, &text)),
            Err(e) => errors.push(e.to_string()),
        }
    }
    let first = inputs.first().map(|i| i.name.as_str()).unwrap_or("notes");
    let stem = std::path::Path::new(first)
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let slug = opts
        .topic
        .clone()
        .filter(|s| crate::bank::native::is_slug(s))
        .unwrap_or_else(|| {
            let s = slugify(&stem);
            format!("notes-{}", if s.is_empty() { "draft".into() } else { s })
        });
    let names = inputs.iter().map(|i| i.name.as_str()).collect::<Vec<_>>().join(", ");

    let mut report = Report::default();
    let mut drafts: Vec<Draft> = Vec::new();
    let mut stems: HashSet<String> = HashSet::new();
    let mut n = 0usize;
    let all_facts: Vec<Facts> = outlines.iter().map(extract).collect();
    // Every value with a unit across all notes: numeric distractors of the same kind.
    let mut all_numbers: Vec<(String, String, String)> = Vec::new();
    for (o, f) in outlines.iter().zip(&all_facts) {
        for x in &f.numbers {
            if !all_numbers.iter().any(|(v, u, _)| *v == x.value && *u == x.unit) {
                all_numbers.push((x.value.clone(), x.unit.clone(), o.file.clone()));
            }
        }
    }
    let mut domains_used: BTreeSet<(String, String)> = BTreeSet::new();
    let mut topic = Topic {
        slug: slug.clone(),
        name_ko: format!("노트 초안: {}", cut(&names, 80)),
        name_en: format!("Drafts from notes: {}", cut(&names, 80)),
        domains: vec![],
        summary_ko: format!(
            "{} 에서 자동으로 만든 초안 문항입니다. 강사가 검토한 뒤 게시합니다.",
            cut(&names, 200)
        ),
        summary_en: format!(
            "Draft questions generated from {}; an instructor reviews them before publishing.",
            cut(&names, 200)
        ),
        pos: Pos::default(),
    };
    for (o, f) in outlines.iter().zip(&all_facts) {
        *report.facts.entry("term-definition").or_default() += f.defs.len();
        *report.facts.entry("term-facts").or_default() += f.term_facts.len();
        *report.facts.entry("enumeration").or_default() += f.enums.len();
        *report.facts.entry("numeric").or_default() += f.numbers.len();
        *report.facts.entry("comparison").or_default() += f.comparisons.len();
        *report.facts.entry("statement").or_default() += f.statements.len();
        let top_level = if o.sections.iter().any(|s| s.level == 2) { 2 } else { 1 };
        let tops: Vec<usize> = (0..o.sections.len())
            .filter(|&i| o.sections[i].level == top_level)
            .collect();
        report.sections += tops.len();
        let mut covered: BTreeSet<usize> = BTreeSet::new();
        for c in candidates(o, f, &all_numbers) {
            let c = match c {
                Ok(c) => c,
                Err(rule) => {
                    *report.rejected.entry(rule).or_default() += 1;
                    continue;
                }
            };
            let answers: Vec<&String> = c.options.iter().filter(|x| x.2).map(|x| &x.0).collect();
            let stem_n = norm(&c.stem);
            if answers.iter().any(|a| {
                let a = norm(a);
                !a.is_empty() && stem_n.contains(&a)
            }) {
                *report.rejected.entry(Rule::AnswerInStem).or_default() += 1;
                continue;
            }
            let opt_norms: HashSet<String> = c.options.iter().map(|x| norm(&x.0)).collect();
            if opt_norms.len() != c.options.len() || opt_norms.contains("") {
                *report.rejected.entry(Rule::DuplicateOptions).or_default() += 1;
                continue;
            }
            if !stems.insert(stem_n) {
                *report.rejected.entry(Rule::DuplicateStem).or_default() += 1;
                continue;
            }
            n += 1;
            let mut rng = StdRng::seed_from_u64(opts.seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ n as u64);
            let mut opts_shuffled = c.options;
            opts_shuffled.shuffle(&mut rng);
            let keys = ['a', 'b', 'c', 'd', 'e', 'f'];
            let options: Vec<Choice> = opts_shuffled
                .iter()
                .zip(keys)
                .map(|((text, why, _), key)| Choice {
                    key,
                    text: text.clone(),
                    rationale: why.clone(),
                    en: None,
                    pos: Pos::default(),
                })
                .collect();
            let answer: Vec<char> = opts_shuffled
                .iter()
                .zip(keys)
                .filter(|(x, _)| x.2)
                .map(|(_, k)| k)
                .collect();
            let path = o.path(c.at.sec);
            let exam = exam_for(o.tags(c.at.sec), &path, &opts.default_exam);
            let domain = classify(&exam, &path, &c.fact);
            let top = o.top(c.at.sec);
            let heading = if o.sections[c.at.sec].level > 0 {
                o.sections[c.at.sec].title.clone()
            } else {
                o.file.clone()
            };
            let language = if has_hangul(&c.stem) { "ko" } else { "en" };
            let question = Question {
                id: format!("{slug}-{n:04}"),
                domains: BTreeMap::from([(exam.clone(), domain.clone())]),
                topic: slug.clone(),
                difficulty: c.difficulty,
                kind: if answer.len() > 1 { Kind::Multiple } else { Kind::Single },
                language: language.into(),
                status: Status::Draft,
                stem: c.stem,
                explanation: c.explanation,
                answer,
                options,
                source: Source {
                    file: o.file.clone(),
                    heading,
                },
                references: Vec::new(),
                en: None,
                generated: Some(Generated {
                    path: if path.is_empty() { o.file.clone() } else { path },
                    lines: [c.at.line as u32, c.at.last_line.max(c.at.line) as u32],
                    quality: c.quality.clamp(0, 100) as u8,
                }),
                pos: Pos::default(),
            };
            let check = Bank {
                blueprints: blueprints.to_vec(),
                topics: vec![topic.clone()],
                questions: vec![question.clone()],
            };
            if !crate::bank::validate::validate(&check).is_empty() {
                *report.rejected.entry(Rule::Invalid).or_default() += 1;
                continue;
            }
            domains_used.insert((exam, domain));
            covered.insert(top);
            *report.by_kind.entry(c.kind).or_default() += 1;
            drafts.push(Draft {
                excerpt: excerpt(o, &c.at),
                file: o.file.clone(),
                kind: c.kind,
                question,
            });
        }
        report.sections_with_draft += covered.iter().filter(|t| tops.contains(t)).count();
    }
    report.drafts = drafts.len();
    topic.domains = domains_used.into_iter().collect();
    Generation {
        topic,
        drafts,
        report,
        warnings,
        errors,
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    fn blueprints() -> Vec<Blueprint> {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("question_bank/blueprints");
        crate::bank::load_paths(&[dir], None).bank.blueprints
    }

    fn run(name: &str, text: &str, seed: u64) -> Generation {
        let input = NoteInput {
            name: name.into(),
            bytes: text.as_bytes().to_vec(),
        };
        generate(
            &[input],
            &Options {
                seed,
                ..Options::default()
            },
            &blueprints(),
        )
    }

    const NOTE: &str = "\
## [SAA] EBS 볼륨 유형
- gp3 : 범용 SSD로 기본 3,000 IOPS를 제공하는 볼륨
- io2 : 고성능 데이터베이스용 프로비저닝된 IOPS SSD 볼륨
- st1 : 순차 처리량이 큰 작업에 맞춘 HDD 볼륨
- sc1 : 자주 읽지 않는 데이터를 위한 가장 저렴한 HDD 볼륨
## [SAA] S3 스토리지 클래스
- **Standard-IA** 자주 읽지 않지만 빠르게 꺼내야 하는 데이터
- **One Zone-IA** 한 AZ에만 저장해 더 저렴한 클래스
- **Glacier Deep Archive** 가장 저렴한 장기 보관 클래스
- **Intelligent-Tiering** 접근 패턴에 따라 자동으로 계층을 옮기는 클래스
Standard-IA의 최소 저장 기간은 30일이다.
";

    #[test]
    fn definitions_become_questions_with_sibling_distractors_and_sources() {
        let g = run("ebs.md", NOTE, 1);
        let q = g
            .drafts
            .iter()
            .map(|d| &d.question)
            .find(|q| q.stem.contains("기본 3,000 IOPS"))
            .expect("a definition → term draft for gp3");
        let texts: Vec<&str> = q.options.iter().map(|o| o.text.as_str()).collect();
        let mut sorted = texts.clone();
        sorted.sort_unstable();
        assert_eq!(
            sorted,
            vec!["gp3", "io2", "sc1", "st1"],
            "distractors are sibling terms"
        );
        let right = q.options.iter().find(|o| q.answer.contains(&o.key)).unwrap();
        assert_eq!(right.text, "gp3");
        let generated = q.generated.as_ref().unwrap();
        assert_eq!(generated.path, "[SAA] EBS 볼륨 유형");
        assert_eq!(generated.lines, [2, 2]);
        assert_eq!(q.source.heading, "[SAA] EBS 볼륨 유형");
        assert_eq!(q.status, Status::Draft);
        assert!(
            q.explanation.contains("범용 SSD"),
            "the explanation states the supporting fact"
        );
        assert!(
            g.drafts
                .iter()
                .all(|d| d.question.options.iter().all(|o| !o.rationale.is_empty()))
        );
    }

    #[test]
    fn every_kind_appears_and_every_draft_validates() {
        let g = run("n.md", NOTE, 1);
        for kind in ["definition-to-term", "term-to-definition", "numeric", "choose-two"] {
            assert!(g.report.by_kind.contains_key(kind), "{kind}: {:?}", g.report.by_kind);
        }
        let mut bank = g.bank();
        bank.blueprints = blueprints();
        assert!(crate::bank::validate::validate(&bank).is_empty());
        let two = g.drafts.iter().find(|d| d.kind == "choose-two").unwrap();
        assert_eq!(two.question.answer.len(), 2);
        assert!(two.question.options.len() >= 5);
        let num = g.drafts.iter().find(|d| d.kind == "numeric").unwrap();
        assert!(num.question.stem.contains("____") && !num.question.stem.contains("30일"));
    }

    #[test]
    fn same_input_and_seed_give_the_same_drafts() {
        let a = run("n.md", NOTE, 7);
        let b = run("n.md", NOTE, 7);
        let c = run("n.md", NOTE, 8);
        let keys = |g: &Generation| {
            g.drafts
                .iter()
                .map(|d| (d.question.id.clone(), d.question.answer.clone()))
                .collect::<Vec<_>>()
        };
        assert_eq!(keys(&a), keys(&b));
        assert_ne!(keys(&a), keys(&c), "the seed shuffles option order");
    }

    #[test]
    fn a_term_named_in_its_own_definition_is_not_asked() {
        let note = "## T\n- EBS : EBS는 블록 스토리지이다\n- EFS : 공유 파일 시스템 서비스\n- S3 : 객체 스토리지 서비스이다\n- FSx : 관리형 파일 시스템 서비스\n";
        let g = run("t.md", note, 1);
        assert!(g.report.rejected.get(&Rule::AnswerInStem).copied().unwrap_or(0) >= 1);
        assert!(
            !g.drafts
                .iter()
                .any(|d| d.kind == "definition-to-term" && d.question.stem.contains("EBS는 블록"))
        );
    }

    #[test]
    fn a_misspelt_copy_of_an_option_is_not_another_option() {
        assert!(near_duplicate("athena", "ahena"));
        assert!(!near_duplicate("t2micro", "t3micro"), "digits differ");
        assert!(
            !near_duplicate("groupminsize", "groupmaxsize"),
            "two edits: different metrics"
        );
        assert!(!near_duplicate("gp2", "gp3"));
        assert!(!near_duplicate(
            &norm("첫째 항목의 정의 문장 하나"),
            &norm("셋째 항목의 정의 문장 하나")
        ));
    }

    #[test]
    fn too_few_siblings_means_no_draft() {
        let g = run(
            "t.md",
            "## T\n- EBS : 블록 스토리지 서비스\n- EFS : 공유 파일 시스템 서비스\n",
            1,
        );
        assert!(
            g.drafts
                .iter()
                .all(|d| !d.kind.starts_with("definition") && !d.kind.starts_with("term"))
        );
        assert!(g.report.rejected.get(&Rule::TooFewDistractors).copied().unwrap_or(0) >= 2);
    }

    #[test]
    fn a_distractor_true_by_the_notes_is_never_offered() {
        // io1 and io2 share the same fact; asking "which is true of io1" may not offer io2's copy of it.
        let note = "## T\n- io1\n  - 최대 64,000 IOPS를 제공한다\n- io2\n  - 최대 64,000 IOPS를 제공한다\n- gp2\n  - 최대 16,000 IOPS를 제공한다\n- st1\n  - 최대 500 IOPS를 제공한다\n- sc1\n  - 최대 250 IOPS를 제공한다\n";
        let g = run("t.md", note, 1);
        for d in g.drafts.iter().filter(|d| d.kind == "true-of-term") {
            let texts: Vec<String> = d.question.options.iter().map(|o| norm(&o.text)).collect();
            let unique: HashSet<&String> = texts.iter().collect();
            assert_eq!(unique.len(), texts.len(), "{:?}", d.question);
        }
        assert!(
            g.drafts
                .iter()
                .any(|d| d.kind == "true-of-term" && d.question.stem.contains("io1"))
        );
    }

    #[test]
    fn a_sibling_definition_that_names_the_term_is_not_a_distractor() {
        // B2's definition mentions A1, so it may be true of A1 as well: with it
        // gone only two distractors are left, and no term → definition draft for A1.
        let note = "## T\n- A1 : 처음 항목의 정의 문장\n- B2 : A1과 함께 쓰는 다른 정의\n- C3 : 별도 항목의 정의 문장\n- D4 : 마지막 항목의 정의 문장\n";
        let g = run("t.md", note, 1);
        assert!(
            g.report.rejected.get(&Rule::DistractorTrue).copied().unwrap_or(0) >= 1,
            "{:?}",
            g.report.rejected
        );
        assert!(
            !g.drafts
                .iter()
                .any(|d| d.kind == "term-to-definition" && d.question.stem.contains("A1"))
        );
    }

    #[test]
    fn particles_after_terms_do_not_hide_the_answer() {
        // "S3를" in the definition still names S3, so "definition → S3" is dropped.
        let note = "## T\n- S3 : S3를 쓰는 객체 저장소\n- EBS : 블록 단위 저장 장치\n- EFS : 네트워크 파일 시스템\n- FSx : 관리형 윈도 파일 서버\n";
        let g = run("t.md", note, 1);
        assert!(
            !g.drafts
                .iter()
                .any(|d| d.kind == "definition-to-term" && d.question.stem.contains("S3를"))
        );
    }

    #[test]
    fn unreadable_files_are_reported_not_fatal() {
        let g = generate(
            &[
                NoteInput {
                    name: "x.bin".into(),
                    bytes: vec![0, 1, 2, 3, 0, 0],
                },
                NoteInput {
                    name: "ok.md".into(),
                    bytes: NOTE.as_bytes().to_vec(),
                },
            ],
            &Options::default(),
            &blueprints(),
        );
        assert_eq!(g.errors.len(), 1);
        assert!(g.errors[0].contains("binary"));
        assert!(!g.drafts.is_empty());
    }
}
