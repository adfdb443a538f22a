//! "Which two items do the notes list under this name? (Choose two.)": the
//! first two members of an enumeration as the keys, and members of other
//! enumerations (the nearest first) as distractors.

use std::collections::HashSet;

use super::{Candidate, DraftKind, options};
use crate::bank::model::Difficulty;
use crate::notes::draft::Rule;
use crate::notes::draft::distractors::{by_scope, pick_distractors};
use crate::notes::draft::facts::{Enumeration, Facts};
use crate::notes::draft::outline::Outline;
use crate::notes::draft::text::{has_hangul, norm};

pub(super) fn candidate(o: &Outline, f: &Facts, e: &Enumeration) -> Result<Candidate, Rule> {
    let file = &o.file;
    let ko = has_hangul(&e.name) || e.members.iter().any(|m| has_hangul(m));
    let members: HashSet<String> = e.members.iter().map(|m| norm(m)).collect();
    // Members of a list with the same name elsewhere are as true as this list's.
    let same_name: HashSet<String> = f
        .enums
        .iter()
        .filter(|x| norm(&x.name) == norm(&e.name))
        .flat_map(|x| x.members.iter().map(|m| norm(m)))
        .collect();
    let (pool, enum_bonus) = distractor_pool(o, f, e, ko);
    let name_n = norm(&e.name);
    let distractors = pick_distractors(&e.members[0], pool, 3, |d| {
        let n = norm(d);
        members.contains(&n) || same_name.contains(&n) || (n.chars().count() >= 2 && name_n.contains(&n))
    })?;
    let keys = e
        .members
        .iter()
        .take(2)
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
            "노트에서 '{}'(으)로 든 항목을 두 개 고르십시오.", e.name;
            "Which two items do the notes list under '{}'? (Choose two.)", e.name
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
    })
}

/// Members of the other enumerations, nearest enumerations first, then the
/// same kind of list anywhere in the note; and the quality bonus of the nearest.
fn distractor_pool(o: &Outline, f: &Facts, e: &Enumeration, ko: bool) -> (Vec<(String, String)>, i32) {
    let mut others: Vec<(&Enumeration, i32)> = by_scope(
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
