//! "Which statement comes from this section?": a statement that names the
//! section's subject as the key, and statements from sibling sections that do
//! not as distractors. Up to two per section of level 2 or deeper.

use std::collections::{BTreeMap, BTreeSet, HashSet};

use super::{Candidate, DraftKind, options};
use crate::bank::model::Difficulty;
use crate::notes::draft::Rule;
use crate::notes::draft::distractors::pick_distractors;
use crate::notes::draft::facts::{Facts, Statement};
use crate::notes::draft::outline::Outline;
use crate::notes::draft::text::{has_hangul, norm};

pub(super) fn candidates(o: &Outline, f: &Facts) -> Vec<Result<Candidate, Rule>> {
    let mut section_norms: BTreeMap<usize, HashSet<String>> = BTreeMap::new();
    for x in &f.statements {
        section_norms.entry(x.at.sec).or_default().insert(norm(&x.text));
    }
    let empty = HashSet::new();
    let mut per_section: BTreeMap<usize, usize> = BTreeMap::new();
    let mut out = Vec::new();
    for s in &f.statements {
        let count = per_section.entry(s.at.sec).or_default();
        if *count >= 2 || o.sections[s.at.sec].level < 2 {
            continue;
        }
        let keys = title_keys(&o.sections[s.at.sec].title);
        if keys.is_empty() || !mentions(&keys, &s.text) {
            continue;
        }
        *count += 1;
        // Any statement of the section itself is true of it.
        let own = section_norms.get(&s.at.sec).unwrap_or(&empty);
        out.push(candidate(o, f, s, &keys, own));
    }
    out
}

/// The words of a section title that name its subject: three or more
/// characters with a Latin letter, exam tags and filler words left out.
fn title_keys(title: &str) -> Vec<String> {
    title
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.chars().count() >= 3 && w.chars().any(|c| c.is_ascii_alphabetic()))
        .map(|w| w.to_lowercase())
        .filter(|w| {
            !matches!(
                w.as_str(),
                "saa" | "dva" | "ccp" | "sap" | "soa" | "overview" | "the" | "and" | "for"
            )
        })
        .collect()
}

fn mentions(keys: &[String], text: &str) -> bool {
    let low = text.to_lowercase();
    keys.iter().any(|k| low.contains(k.as_str()))
}

fn candidate(o: &Outline, f: &Facts, s: &Statement, keys: &[String], own: &HashSet<String>) -> Result<Candidate, Rule> {
    let file = &o.file;
    let sec = &o.sections[s.at.sec];
    let ko = has_hangul(&s.text);
    let pool = distractor_pool(o, f, s, keys, ko);
    let distractors = pick_distractors(&s.text, pool, 3, |d| mentions(keys, d) || own.contains(&norm(d)))?;
    let key = (
        s.text.clone(),
        ko_en!(ko; "노트 {}행의 내용입니다.", s.at.line; "Line {} of the notes.", s.at.line),
    );
    Ok(Candidate {
        kind: DraftKind::TrueOfSection,
        stem: ko_en!(
            ko;
            "다음 중 노트의 '{}' 절에 적힌 내용은 무엇입니까?", sec.title;
            "Which statement comes from the notes' section '{}'?", sec.title
        ),
        options: options(vec![key], distractors),
        explanation: ko_en!(
            ko;
            "노트({file} {}행)의 '{}' 절: {}", s.at.line, sec.title, s.text;
            "The notes ({file}, line {}), section '{}': {}", s.at.line, sec.title, s.text
        ),
        at: s.at.clone(),
        quality: 40,
        difficulty: Difficulty::Medium,
        fact: s.text.clone(),
    })
}

/// One statement from each sibling section, nearest first: neighbours in a
/// note tend to share a subject, which makes them plausible, and every
/// section gets its own set instead of the first siblings' lines.
fn distractor_pool(o: &Outline, f: &Facts, s: &Statement, keys: &[String], ko: bool) -> Vec<(String, String)> {
    let sec = &o.sections[s.at.sec];
    let mut siblings: Vec<&Statement> = f
        .statements
        .iter()
        .filter(|x| {
            x.at.sec != s.at.sec && o.sections[x.at.sec].parent == sec.parent && o.sections[x.at.sec].level == sec.level
        })
        .collect();
    siblings.sort_by_key(|x| (x.at.sec.abs_diff(s.at.sec), x.at.sec, x.at.line));
    let mut used_secs: BTreeSet<usize> = BTreeSet::new();
    siblings
        .into_iter()
        .filter(|x| !mentions(keys, &x.text) && used_secs.insert(x.at.sec))
        .take(12)
        .map(|x| {
            (
                x.text.clone(),
                ko_en!(
                    ko;
                    "노트의 '{}' 절 내용입니다.", o.sections[x.at.sec].title;
                    "From the section '{}'.", o.sections[x.at.sec].title
                ),
            )
        })
        .collect()
}
