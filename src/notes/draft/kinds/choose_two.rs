//! "Which two items do the notes list under this name? (Choose two.)": the
//! first two members of an enumeration as the keys, and members of other
//! enumerations (the nearest first) as distractors.

use std::collections::HashSet;

use super::{CATALOG_MARK, Candidate, DraftKind, catalog_pool, is_concept, options};
use crate::bank::model::Difficulty;
use crate::notes::draft::Rule;
use crate::notes::draft::distractors::{by_scope, pick_distractors, window};
use crate::notes::draft::entities::Linking;
use crate::notes::draft::facts::{Enumeration, Facts};
use crate::notes::draft::outline::Outline;
use crate::notes::draft::text::{has_hangul, norm};

pub(super) fn candidate(o: &Outline, f: &Facts, i: usize, lk: &Linking<'_>) -> Result<Candidate, Rule> {
    let e = &f.enums[i];
    // Two of four or more: with fewer, the list is too short to ask "which two".
    if e.members.len() < 4 {
        return Err(Rule::TooFewDistractors);
    }
    let file = &o.file;
    let ko = has_hangul(&e.name) || e.members.iter().any(|m| has_hangul(m));
    let linked: Vec<(usize, &String)> = e.members.iter().filter_map(|m| lk.link(m).map(|x| (x, m))).collect();
    // Keys are two entities when the list names them, else two concepts;
    // distractors are then of the same sort.
    let (keys_text, key_entities): (Vec<String>, Vec<usize>) = if linked.len() >= 2 {
        (
            linked.iter().take(2).map(|(_, m)| lk.display(m)).collect(),
            linked.iter().take(2).map(|(x, _)| *x).collect(),
        )
    } else {
        let concepts: Vec<String> = e
            .members
            .iter()
            .filter(|m| is_concept(m) && lk.link(m).is_none())
            .take(2)
            .cloned()
            .collect();
        if concepts.len() < 2 {
            return Err(Rule::NotATerm);
        }
        (concepts, vec![])
    };
    let fits = |d: &str| match (key_entities.first(), lk.link(d)) {
        (Some(&k), Some(x)) => key_entities.iter().all(|&k2| lk.fits_beside(k2, x)) && lk.fits_beside(k, x),
        (None, None) => is_concept(d),
        _ => false,
    };
    let mut members: HashSet<String> = e.members.iter().map(|m| norm(m)).collect();
    members.extend(e.members.iter().map(|m| norm(&lk.display(m))));
    let member_entities: Vec<usize> = linked.iter().map(|(x, _)| *x).collect();
    // Members of a list with the same name elsewhere are as true as this list's.
    let same_name: HashSet<String> = window(f.enums.len(), i)
        .map(|j| &f.enums[j])
        .filter(|x| norm(&x.name) == norm(&e.name))
        .flat_map(|x| x.members.iter().map(|m| norm(m)))
        .collect();
    let (pool, enum_bonus) = distractor_pool(o, f, i, ko);
    let mut pool: Vec<(String, String)> = pool
        .into_iter()
        .filter(|(d, _)| fits(d))
        .map(|(d, w)| (lk.display(&d), w))
        .collect();
    if let Some(&k) = key_entities.first() {
        pool.extend(catalog_pool(lk, k, ko, true).into_iter().filter(|(d, _)| {
            lk.link(d).is_some_and(|x| {
                key_entities.iter().all(|&k2| lk.fits_beside(k2, x))
                    && !member_entities.iter().any(|&m| lk.cat.is_some_and(|c| c.related(m, x)))
            })
        }));
    }
    let name_n = norm(&e.name);
    let distractors = pick_distractors(&keys_text[0], pool, 3, |d| {
        let n = norm(d);
        n == norm(&keys_text[1])
            || members.contains(&n)
            || same_name.contains(&n)
            || (n.chars().count() >= 2 && name_n.contains(&n))
    })?;
    let from_catalog = distractors.iter().filter(|(_, w)| w.contains(CATALOG_MARK)).count();
    let keys = keys_text
        .iter()
        .map(|m| {
            (
                m.clone(),
                ko_en!(ko; "노트에서 '{}'의 항목입니다.", e.name; "Listed under '{}'.", e.name),
            )
        })
        .collect();
    Ok(Candidate {
        kind: DraftKind::ChooseTwo,
        stem: ko_en!(
            ko;
            "다음 중 '{}'에 해당하는 것을 두 개 고르십시오.", e.name;
            "Which two of these are {}? (Choose two.)", e.name
        ),
        options: options(keys, distractors),
        explanation: ko_en!(
            ko;
            "노트({file} {}행)는 '{}'(으)로 {}을(를) 듭니다.", e.at.line, e.name, e.members.join(", ");
            "The notes ({file}, line {}) list under '{}': {}.", e.at.line, e.name, e.members.join(", ")
        ),
        at: e.at.clone(),
        quality: 60 + enum_bonus,
        difficulty: Difficulty::Medium,
        fact: e.members.join(", "),
        from_catalog,
    })
}

/// Members of the other enumerations, nearest enumerations first, then the
/// same kind of list anywhere in the note; and the quality bonus of the nearest.
fn distractor_pool(o: &Outline, f: &Facts, i: usize, ko: bool) -> (Vec<(String, String)>, i32) {
    let e = &f.enums[i];
    let mut others: Vec<(&Enumeration, i32)> = by_scope(
        o,
        &e.at,
        window(f.enums.len(), i).map(|j| (&f.enums[j], f.enums[j].at.clone())),
    );
    for j in window(f.enums.len(), i) {
        let x = &f.enums[j];
        if !others.iter().any(|(y, _)| std::ptr::eq(*y, x)) {
            others.push((x, -10));
        }
    }
    let enum_bonus = others.first().map_or(0, |(_, s)| *s);
    let mut pool: Vec<(String, String)> = Vec::new();
    for (x, _) in others {
        for m in &x.members {
            pool.push((
                m.clone(),
                ko_en!(ko; "노트에서 '{}'의 항목입니다.", x.name; "The notes list it under '{}'.", x.name),
            ));
        }
    }
    (pool, enum_bonus)
}
