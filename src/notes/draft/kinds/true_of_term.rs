//! "Which of these is true of X?": a fact listed under a term as the key, and
//! facts listed under sibling terms as distractors. Up to two per term.

use std::collections::HashSet;

use super::{Candidate, DraftKind, options};
use crate::bank::model::Difficulty;
use crate::notes::draft::Rule;
use crate::notes::draft::distractors::{by_scope, pick_distractors};
use crate::notes::draft::facts::{Facts, Place, TermFacts};
use crate::notes::draft::outline::Outline;
use crate::notes::draft::text::{has_hangul, norm};

pub(super) fn candidates(o: &Outline, f: &Facts, t: &TermFacts) -> Vec<Result<Candidate, Rule>> {
    let ko = has_hangul(&t.term) || t.facts.iter().any(|(x, _)| has_hangul(x));
    let siblings = by_scope(
        o,
        &t.at,
        f.term_facts
            .iter()
            .filter(|x| !std::ptr::eq(*x, t))
            .map(|x| (x, x.at.clone())),
    );
    t.facts
        .iter()
        .take(2)
        .map(|(fact, line)| candidate(&o.file, t, ko, &siblings, fact, *line))
        .collect()
}

fn candidate(
    file: &str,
    t: &TermFacts,
    ko: bool,
    siblings: &[(&TermFacts, i32)],
    fact: &str,
    line: usize,
) -> Result<Candidate, Rule> {
    let own: HashSet<String> = t.facts.iter().map(|(x, _)| norm(x)).collect();
    let term_n = norm(&t.term);
    let pool: Vec<(String, String)> = siblings
        .iter()
        .flat_map(|(x, _)| {
            x.facts.iter().take(2).map(move |(ft, fl)| {
                (
                    ft.clone(),
                    ko_en!(ko; "노트 {fl}행에서 {}에 대한 내용입니다.", x.term; "Line {fl} of the notes says this of {}.", x.term),
                )
            })
        })
        .collect();
    let bonus = siblings.iter().take(3).map(|(_, s)| *s).min().unwrap_or(0);
    // The term's own facts, and any that name the term, may be true of it.
    let distractors = pick_distractors(fact, pool, 3, |d| {
        own.contains(&norm(d)) || (term_n.chars().count() >= 2 && norm(d).contains(&term_n))
    })?;
    let key = (
        fact.to_owned(),
        ko_en!(ko; "노트 {line}행에서 {} 아래에 적힌 내용입니다.", t.term; "Listed under {} on line {line}.", t.term),
    );
    Ok(Candidate {
        kind: DraftKind::TrueOfTerm,
        stem: ko_en!(
            ko;
            "노트에 따르면 다음 중 {}에 해당하는 내용은 무엇입니까?", t.term;
            "According to the notes, which of these is true of {}?", t.term
        ),
        options: options(vec![key], distractors),
        explanation: ko_en!(
            ko;
            "노트({file} {line}행)는 {} 항목 아래에 \"{}\"라고 적습니다. \
             나머지 보기는 같은 절의 다른 항목에 대한 내용입니다.",
            t.term,
            fact;
            "The notes ({file}, line {line}) list \"{}\" under {}; \
             the other options belong to sibling items.",
            fact,
            t.term
        ),
        at: Place {
            sec: t.at.sec,
            parent: t.at.parent,
            line,
            last_line: line,
        },
        quality: 55 + bonus,
        difficulty: Difficulty::Medium,
        fact: fact.to_owned(),
    })
}
