//! "Which term do the notes describe this way?": a definition as the stem, its
//! term as the key, and the terms of sibling definitions as distractors.

use super::{Candidate, Definition, DraftKind};
use crate::notes::draft::Rule;
use crate::notes::draft::distractors::pick_distractors;
use crate::notes::draft::text::{cut, norm};

pub(super) fn candidate(def: &Definition<'_>) -> Result<Candidate, Rule> {
    let (d, ko, file) = (def.d, def.ko, def.file);
    // A sibling with this same definition is a right answer too.
    let same_def = |t: &str| {
        def.defs
            .iter()
            .any(|x| norm(&x.term) == norm(t) && norm(&x.def) == norm(&d.def))
    };
    let stem = ko_en!(
        ko;
        "노트의 설명에 해당하는 용어는 무엇입니까?\n\n> {}", d.def;
        "Which term do the notes describe this way?\n\n> {}", d.def
    );
    let pool: Vec<(String, String)> = def
        .siblings
        .iter()
        .map(|(x, _)| {
            (
                x.term.clone(),
                ko_en!(
                    ko;
                    "노트에서 {}은(는) 다른 설명을 가집니다: {}", x.term, cut(&x.def, 120);
                    "The notes describe {} differently: {}", x.term, cut(&x.def, 120)
                ),
            )
        })
        .collect();
    let distractors = pick_distractors(&d.term, pool, 3, same_def)?;
    let key = (
        d.term.clone(),
        ko_en!(ko; "노트 {}행의 정의와 일치합니다.", d.at.line; "Matches the definition on line {} of the notes.", d.at.line),
    );
    let explanation = ko_en!(
        ko;
        "노트({file} {}행)는 {}을(를) 이렇게 정리합니다: {}", d.at.line, d.term, d.def;
        "The notes ({file}, line {}) define {} as: {}", d.at.line, d.term, d.def
    );
    Ok(def.candidate(
        DraftKind::DefinitionToTerm,
        (stem, explanation),
        key,
        distractors,
        def.quality,
    ))
}
