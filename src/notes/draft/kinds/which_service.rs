//! "Which service fits?": a definition that ties a catalog service to a use
//! or a requirement ("… 할 때 사용", "used to …") becomes a short scenario;
//! the distractors are alternatives of the same subcategory (then category)
//! from the notes and the catalog, which do not meet it.

use super::{Candidate, Definition, DraftKind, catalog_pool};
use crate::notes::draft::Rule;
use crate::notes::draft::distractors::pick_distractors;
use crate::notes::draft::text::cut;

/// Words that tie a service to what it is for.
const USE_CUES_KO: &[&str] = &[
    "사용",
    "적합",
    "위해",
    "위한",
    "용도",
    "필요할",
    "경우",
    "할 때",
    "하는 데",
    "활용",
];
const USE_CUES_EN: &[&str] = &[
    "use ", "used ", "ideal", "suited", "suitable", "when you", "lets you", "allows", "enables", "for ",
];

fn ties_to_a_use(def: &str, ko: bool) -> bool {
    let low = def.to_lowercase();
    if ko {
        USE_CUES_KO.iter().any(|c| def.contains(c))
    } else {
        USE_CUES_EN.iter().any(|c| low.contains(c))
    }
}

/// `None` when the definition is no scenario (no catalog entity, or no use
/// named); the caller then asks it as a plain definition.
pub(super) fn candidate(def: &Definition<'_>) -> Option<Result<Candidate, Rule>> {
    let (d, ko, file) = (def.d, def.ko, def.file);
    let e = def.entity?;
    if !ties_to_a_use(&d.def, ko) {
        return None;
    }
    let feature = def.lk.entity(e).is_some_and(|x| x.parent.is_some());
    let what = match (ko, feature) {
        (true, false) => "어떤 AWS 서비스를 사용해야 합니까?",
        (true, true) => "어떤 AWS 서비스 또는 기능을 사용해야 합니까?",
        (false, false) => "Which AWS service should the company use?",
        (false, true) => "Which AWS service or feature should the company use?",
    };
    let stem = ko_en!(
        ko;
        "한 회사가 다음 요구 사항을 충족해야 합니다.\n\n> {}\n\n{what}", d.def;
        "A company needs the following:\n\n> {}\n\n{what}", d.def
    );
    let mut pool: Vec<(String, String)> = def
        .siblings
        .iter()
        .filter(|(x, _)| def.fits(&x.term))
        .map(|(x, _)| {
            (
                def.lk.display(&x.term),
                ko_en!(ko; "노트에서 {}은(는) 다른 용도입니다: {}", x.term, cut(&x.def, 120);
                    "The notes give {} another use: {}", x.term, cut(&x.def, 120)),
            )
        })
        .collect();
    pool.extend(catalog_pool(def.lk, e, ko, true));
    let same_def = |t: &str| def.index.also_defines(t, &d.def);
    let key_text = def.term_text();
    let distractors = match pick_distractors(&key_text, pool, 3, same_def) {
        Ok(x) => x,
        Err(rule) => return Some(Err(rule)),
    };
    let key = (
        key_text.clone(),
        ko_en!(ko; "노트 {}행: {}", d.at.line, cut(&d.def, 120); "Line {} of the notes: {}", d.at.line, cut(&d.def, 120)),
    );
    let explanation = ko_en!(
        ko;
        "노트({file} {}행)에 따르면 이 요구 사항에는 {}을(를) 씁니다: {}", d.at.line, key_text, d.def;
        "The notes ({file}, line {}) give this use to {}: {}", d.at.line, key_text, d.def
    );
    let mut c = def.candidate(
        DraftKind::WhichService,
        (stem, explanation),
        key,
        distractors,
        def.quality + 5,
    );
    c.difficulty = crate::bank::model::Difficulty::Medium;
    Some(Ok(c))
}
