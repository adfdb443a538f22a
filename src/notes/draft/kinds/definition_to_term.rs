//! "Which term does this describe?": a definition as the stem, its term as
//! the key, and as distractors the terms of sibling definitions of the same
//! category, then (for a catalog entity) alternatives from the catalog.

use super::{Candidate, Definition, DraftKind, catalog_pool, is_concept};
use crate::notes::draft::Rule;
use crate::notes::draft::distractors::pick_distractors;
use crate::notes::draft::text::cut;

pub(super) fn candidate(def: &Definition<'_>) -> Result<Candidate, Rule> {
    let (d, ko, file) = (def.d, def.ko, def.file);
    if def.entity.is_none() && !is_concept(&d.term) {
        return Err(Rule::NotATerm);
    }
    // A sibling with this same definition is a right answer too.
    let same_def = |t: &str| def.index.also_defines(t, &d.def);
    let stem = ko_en!(
        ko;
        "다음 설명에 해당하는 것은 무엇입니까?\n\n> {}", d.def;
        "Which of these does the following describe?\n\n> {}", d.def
    );
    let mut pool: Vec<(String, String)> = def
        .siblings
        .iter()
        .filter(|(x, _)| def.fits(&x.term))
        .map(|(x, _)| {
            (
                def.lk.display(&x.term),
                ko_en!(
                    ko;
                    "{}은(는) 다른 것입니다: {}", x.term, cut(&x.def, 120);
                    "{} is something else: {}", x.term, cut(&x.def, 120)
                ),
            )
        })
        .collect();
    if let Some(e) = def.entity {
        pool.extend(catalog_pool(def.lk, e, ko, true));
    }
    let key_text = def.term_text();
    let distractors = pick_distractors(&key_text, pool, 3, same_def)?;
    let key = (
        key_text,
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
