//! "Which of these is true of X?": a fact listed under a term as the key, and
//! facts listed under sibling terms as distractors. Up to two per term.

use std::collections::HashSet;

use super::{CATALOG_MARK, Candidate, DraftKind, catalog_pool, is_concept, options};
use crate::bank::model::Difficulty;
use crate::notes::draft::Rule;
use crate::notes::draft::distractors::{by_scope, pick_distractors, window};
use crate::notes::draft::entities::Linking;
use crate::notes::draft::facts::{Facts, Place, TermFacts};
use crate::notes::draft::outline::Outline;
use crate::notes::draft::text::{has_hangul, norm};

pub(super) fn candidates(o: &Outline, f: &Facts, i: usize, lk: &Linking<'_>) -> Vec<Result<Candidate, Rule>> {
    let t = &f.term_facts[i];
    let ko = has_hangul(&t.term) || t.facts.iter().any(|(x, _)| has_hangul(x));
    let entity = lk.link(&t.term);
    // Facts under a bare concept ("자동 방법") make options that only the
    // notes' reader can place; only a catalog entity is asked this way.
    if entity.is_none() {
        return vec![Err(Rule::NotATerm)];
    }
    // Siblings of the same kind only: entities of the same category beside
    // an entity, concepts beside a concept.
    let fits = |x: &TermFacts| match (entity, lk.link(&x.term)) {
        (Some(k), Some(e)) => lk.fits_beside(k, e),
        (None, None) => is_concept(&x.term),
        _ => false,
    };
    let siblings = by_scope(
        o,
        &t.at,
        window(f.term_facts.len(), i)
            .map(|j| &f.term_facts[j])
            .filter(|x| fits(x))
            .map(|x| (x, x.at.clone())),
    );
    let extra = entity.map(|e| catalog_pool(lk, e, ko, false)).unwrap_or_default();
    let names_key = |d: &str| match (entity, lk.cat) {
        (Some(k), Some(c)) => c.mentions(d).iter().any(|m| c.related(m.entity, k)),
        _ => false,
    };
    let term = lk.display(&t.term);
    t.facts
        .iter()
        .take(2)
        .map(|(fact, line)| {
            let ctx = Ctx {
                file: &o.file,
                t,
                term: &term,
                ko,
                siblings: &siblings,
                extra: &extra,
                names_key: &names_key,
            };
            candidate(&ctx, fact, *line)
        })
        .collect()
}

struct Ctx<'a> {
    file: &'a str,
    t: &'a TermFacts,
    term: &'a str,
    ko: bool,
    siblings: &'a [(&'a TermFacts, i32)],
    extra: &'a [(String, String)],
    names_key: &'a dyn Fn(&str) -> bool,
}

fn candidate(ctx: &Ctx<'_>, fact: &str, line: usize) -> Result<Candidate, Rule> {
    let (file, t, ko, siblings) = (ctx.file, ctx.t, ctx.ko, ctx.siblings);
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
        .chain(ctx.extra.iter().cloned())
        .collect();
    let bonus = siblings.iter().take(3).map(|(_, s)| *s).min().unwrap_or(0);
    // The term's own facts, and any that name the term, may be true of it.
    let distractors = pick_distractors(fact, pool, 3, |d| {
        own.contains(&norm(d)) || (term_n.chars().count() >= 2 && norm(d).contains(&term_n)) || (ctx.names_key)(d)
    })?;
    let from_catalog = distractors.iter().filter(|(_, w)| w.contains(CATALOG_MARK)).count();
    let key = (
        fact.to_owned(),
        ko_en!(ko; "노트 {line}행에서 {} 아래에 적힌 내용입니다.", t.term; "Listed under {} on line {line}.", t.term),
    );
    Ok(Candidate {
        kind: DraftKind::TrueOfTerm,
        stem: ko_en!(
            ko;
            "다음 중 {}에 해당하는 내용은 무엇입니까?", ctx.term;
            "Which of these is true of {}?", ctx.term
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
        from_catalog,
    })
}
