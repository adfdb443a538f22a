//! "Which is true of A, not B?": two catalog entities the notes compare, in a
//! table with a column each (`| 항목 | 보안 그룹 | NACL |`) or as parallel
//! items with facts under each (in one section, or named as "A vs B"). The
//! key is a fact of A; the distractors are B's facts, so the pair itself is
//! what the question tests.

use std::collections::HashMap;

use super::{CATALOG_MARK, Candidate, DraftKind, catalog_pool, options};
use crate::bank::model::Difficulty;
use crate::notes::draft::Rule;
use crate::notes::draft::distractors::pick_distractors;
use crate::notes::draft::entities::Linking;
use crate::notes::draft::facts::{Facts, Place, TermFacts};
use crate::notes::draft::outline::{Block, BlockKind, Outline};
use crate::notes::draft::text::{has_hangul, norm};

pub(super) fn candidates(o: &Outline, f: &Facts, lk: &Linking<'_>) -> Vec<Result<Candidate, Rule>> {
    let mut out = Vec::new();
    if lk.cat.is_none() {
        return out;
    }
    for (si, sec) in o.sections.iter().enumerate() {
        let mut i = 0;
        while i < sec.blocks.len() {
            let b = &sec.blocks[i];
            if b.kind == BlockKind::Row && b.header {
                let rows: Vec<&Block> = sec.blocks[i + 1..]
                    .iter()
                    .take_while(|r| r.kind == BlockKind::Row && !r.header)
                    .collect();
                out.extend(from_table(o, si, b, &rows, lk));
                i += rows.len() + 1;
            } else {
                i += 1;
            }
        }
    }
    out.extend(from_items(o, f, lk));
    out
}

/// A fact of one side of a comparison, with the line it is on.
struct Side<'a> {
    entity: usize,
    facts: Vec<(String, usize)>,
    other: usize,
    other_facts: Vec<(String, usize)>,
    at: Place,
    file: &'a str,
}

fn from_table(
    o: &Outline,
    sec: usize,
    head: &Block,
    rows: &[&Block],
    lk: &Linking<'_>,
) -> Vec<Result<Candidate, Rule>> {
    if head.cells.len() != 3 || rows.len() < 3 {
        return vec![];
    }
    let (Some(a), Some(b)) = (lk.link(&head.cells[1]), lk.link(&head.cells[2])) else {
        return vec![];
    };
    if !lk.fits_beside(a, b) {
        return vec![];
    }
    let facts = |col: usize| -> Vec<(String, usize)> {
        rows.iter()
            .filter(|r| r.cells.len() == 3 && norm(&r.cells[1]) != norm(&r.cells[2]))
            .filter(|r| !r.cells[col].trim().is_empty() && !r.cells[0].trim().is_empty())
            .map(|r| (format!("{}: {}", r.cells[0].trim(), r.cells[col].trim()), r.line))
            .collect()
    };
    let last = rows.last().map_or(head.line, |r| r.line);
    let at = Place {
        sec,
        parent: None,
        line: head.line,
        last_line: last,
    };
    let (fa, fb) = (facts(1), facts(2));
    [(a, fa.clone(), b, fb.clone()), (b, fb, a, fa)]
        .into_iter()
        .map(|(entity, facts, other, other_facts)| {
            candidate(
                &Side {
                    entity,
                    facts,
                    other,
                    other_facts,
                    at: at.clone(),
                    file: &o.file,
                },
                lk,
            )
        })
        .collect()
}

/// Pairs of items with facts under them, of the same category: neighbours in
/// one section, or a pair the notes set "A vs B".
fn from_items(o: &Outline, f: &Facts, lk: &Linking<'_>) -> Vec<Result<Candidate, Rule>> {
    let linked: Vec<(usize, &TermFacts)> = f
        .term_facts
        .iter()
        .filter_map(|t| lk.link(&t.term).map(|e| (e, t)))
        .collect();
    let mut by_entity: HashMap<usize, &TermFacts> = HashMap::new();
    for (e, t) in &linked {
        by_entity.entry(*e).or_insert(t);
    }
    let mut pairs: Vec<(usize, &TermFacts, usize, &TermFacts)> = Vec::new();
    for w in linked.windows(2) {
        let ((a, ta), (b, tb)) = (w[0], w[1]);
        if o.top(ta.at.sec) == o.top(tb.at.sec)
            && lk.fits_beside(a, b)
            && lk.entity(a).map(|x| &x.subcategory) == lk.entity(b).map(|x| &x.subcategory)
        {
            pairs.push((a, ta, b, tb));
        }
    }
    for (x, y, _) in &f.comparisons {
        if let (Some(a), Some(b)) = (lk.link(x), lk.link(y))
            && let (Some(ta), Some(tb)) = (by_entity.get(&a), by_entity.get(&b))
            && lk.fits_beside(a, b)
            && !pairs.iter().any(|p| p.0 == a && p.2 == b)
        {
            pairs.push((a, ta, b, tb));
        }
    }
    let mut out = Vec::new();
    for (a, ta, b, tb) in pairs {
        for (e, t, other, u) in [(a, ta, b, tb), (b, tb, a, ta)] {
            out.push(candidate(
                &Side {
                    entity: e,
                    facts: t.facts.clone(),
                    other,
                    other_facts: u.facts.clone(),
                    at: t.at.clone(),
                    file: &o.file,
                },
                lk,
            ));
        }
    }
    out
}

fn candidate(s: &Side<'_>, lk: &Linking<'_>) -> Result<Candidate, Rule> {
    let (Some(x), Some(y)) = (lk.entity(s.entity), lk.entity(s.other)) else {
        return Err(Rule::NotATerm);
    };
    let Some((fact, line)) = s.facts.first() else {
        return Err(Rule::TooFewDistractors);
    };
    let ko = has_hangul(fact) || s.other_facts.iter().any(|(t, _)| has_hangul(t));
    let own: Vec<String> = s.facts.iter().map(|(t, _)| norm(t)).collect();
    let mut pool: Vec<(String, String)> = s
        .other_facts
        .iter()
        .map(|(t, l)| {
            (
                t.clone(),
                ko_en!(ko; "노트 {l}행: {}에 해당하는 내용입니다.", y.name; "Line {l} of the notes: this is true of {}.", y.name),
            )
        })
        .collect();
    pool.extend(
        catalog_pool(lk, s.entity, ko, false)
            .into_iter()
            .filter(|(t, _)| *t != lk.blurb(s.other, ko)),
    );
    // A fact that names A, or that A has too, is no distractor.
    let names_a = |t: &str| {
        lk.cat
            .is_some_and(|c| c.mentions(t).iter().any(|m| c.related(m.entity, s.entity)))
    };
    let distractors = pick_distractors(fact, pool, 3, |t| own.contains(&norm(t)) || names_a(t))?;
    let from_catalog = distractors.iter().filter(|(_, w)| w.contains(CATALOG_MARK)).count();
    // Most distractors must come from B, or the pair is not what is tested.
    if from_catalog > 1 {
        return Err(Rule::TooFewDistractors);
    }
    let key = (
        fact.clone(),
        ko_en!(ko; "노트 {line}행: {}에 해당합니다.", x.name; "Line {line} of the notes: true of {}.", x.name),
    );
    let file = s.file;
    Ok(Candidate {
        kind: DraftKind::Contrast,
        stem: ko_en!(
            ko;
            "{}와(과) {}를 비교할 때, {}에 해당하는 설명은 무엇입니까?", x.name, y.name, x.name;
            "Comparing {} with {}, which statement is true of {}?", x.name, y.name, x.name
        ),
        options: options(vec![key], distractors),
        explanation: ko_en!(
            ko;
            "노트({file} {line}행)는 {}에 대해 \"{fact}\"라고 적습니다. 나머지는 {}에 대한 내용입니다.", x.name, y.name;
            "The notes ({file}, line {line}) say \"{fact}\" of {}; the other options describe {}.", x.name, y.name
        ),
        at: Place {
            line: *line,
            last_line: *line,
            ..s.at.clone()
        },
        quality: 70,
        difficulty: Difficulty::Medium,
        fact: fact.clone(),
        from_catalog,
    })
}
