//! "Which statement describes this term?": a term as the stem, its definition
//! as the key, and the definitions of sibling terms as distractors.

use super::{Candidate, Definition, DraftKind};
use crate::notes::draft::Rule;
use crate::notes::draft::distractors::pick_distractors;
use crate::notes::draft::text::norm;

pub(super) fn candidate(def: &Definition<'_>) -> Result<Candidate, Rule> {
    let (d, ko, file) = (def.d, def.ko, def.file);
    let stem = ko_en!(
        ko;
        "노트에 따르면 {}에 대한 설명으로 옳은 것은 무엇입니까?", d.term;
        "According to the notes, which statement describes {}?", d.term
    );
    let pool: Vec<(String, String)> = def
        .siblings
        .iter()
        .map(|(x, _)| {
            (
                x.def.clone(),
                ko_en!(ko; "노트에서 {}에 대한 설명입니다.", x.term; "The notes say this of {}.", x.term),
            )
        })
        .collect();
    let term_n = norm(&d.term);
    let defs_of_term: Vec<String> = def
        .defs
        .iter()
        .filter(|x| norm(&x.term) == term_n)
        .map(|x| norm(&x.def))
        .collect();
    // Another definition of this term, or one that names it, may be true of it.
    let distractors = pick_distractors(&d.def, pool, 3, |t| {
        let n = norm(t);
        defs_of_term.contains(&n) || (term_n.chars().count() >= 2 && n.contains(&term_n))
    })?;
    let key = (
        d.def.clone(),
        ko_en!(ko; "노트 {}행의 설명입니다.", d.at.line; "This is what line {} of the notes says.", d.at.line),
    );
    let explanation = ko_en!(
        ko;
        "노트({file} {}행)에 따르면 {}: {}", d.at.line, d.term, d.def;
        "Per the notes ({file}, line {}), {}: {}", d.at.line, d.term, d.def
    );
    Ok(def.candidate(
        DraftKind::TermToDefinition,
        (stem, explanation),
        key,
        distractors,
        def.quality - 5,
    ))
}
