//! "Which statement describes this term?": a term as the stem, its definition
//! as the key, and the definitions of sibling terms of the same category as
//! distractors, then (for a catalog entity) the catalog's descriptions of
//! its alternatives.

use super::{Candidate, Definition, DraftKind, catalog_pool, is_concept};
use crate::notes::draft::Rule;
use crate::notes::draft::distractors::pick_distractors;
use crate::notes::draft::text::norm;

pub(super) fn candidate(def: &Definition<'_>) -> Result<Candidate, Rule> {
    let (d, ko, file) = (def.d, def.ko, def.file);
    if def.entity.is_none() && !is_concept(&d.term) {
        return Err(Rule::NotATerm);
    }
    // "0 to 15 minutes." says what value, not what the term is: as an
    // option among other bare values it is a guess, not a question.
    if d.def.split_whitespace().count() <= 4 && d.def.chars().any(|c| c.is_ascii_digit()) {
        return Err(Rule::NotATerm);
    }
    let term = def.term_text();
    let stem = ko_en!(
        ko;
        "{}에 대한 설명으로 옳은 것은 무엇입니까?", term;
        "Which statement describes {}?", term
    );
    let mut pool: Vec<(String, String)> = def
        .siblings
        .iter()
        .filter(|(x, _)| def.fits(&x.term))
        .map(|(x, _)| {
            (
                x.def.clone(),
                ko_en!(ko; "노트에서 {}에 대한 설명입니다.", x.term; "The notes say this of {}.", x.term),
            )
        })
        .collect();
    if let Some(e) = def.entity {
        pool.extend(catalog_pool(def.lk, e, ko, false));
    }
    let term_n = norm(&d.term);
    let defs_of_term = def.index.defs_of(&d.term);
    // Another definition of this term, or one that names it, may be true of it.
    let names_key = |t: &str| match (def.entity, def.lk.cat) {
        (Some(k), Some(c)) => c.mentions(t).iter().any(|m| c.related(m.entity, k)),
        _ => false,
    };
    let distractors = pick_distractors(&d.def, pool, 3, |t| {
        let n = norm(t);
        defs_of_term.contains(&n) || (term_n.chars().count() >= 2 && n.contains(&term_n)) || names_key(t)
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
