//! "Which service completes this statement?": a note sentence whose subject
//! is a catalog entity, with the name blanked out; the distractors are
//! alternatives of the same subcategory (then category). It reaches
//! sections that hold only running text, as prose notes do.

use std::collections::HashMap;

use super::{Candidate, DraftKind, catalog_pool, options};
use crate::bank::model::Difficulty;
use crate::notes::draft::Rule;
use crate::notes::draft::distractors::pick_distractors;
use crate::notes::draft::entities::Linking;
use crate::notes::draft::facts::Facts;
use crate::notes::draft::outline::Outline;
use crate::notes::draft::text::has_hangul;

/// At most this many per section, so that one long section does not crowd the rest.
const PER_SECTION: usize = 2;

pub(super) fn candidates(o: &Outline, f: &Facts, lk: &Linking<'_>) -> Vec<Result<Candidate, Rule>> {
    let Some(cat) = lk.cat else { return vec![] };
    let mut per_section: HashMap<usize, usize> = HashMap::new();
    let mut out = Vec::new();
    for s in &f.statements {
        let count = per_section.entry(s.at.sec).or_default();
        if *count >= PER_SECTION {
            continue;
        }
        let ms = cat.mentions(&s.text);
        // The subject opens the sentence, and no other entity is named: the
        // sentence is about this one alone.
        let [m] = ms.as_slice() else { continue };
        if m.start != 0 || m.typo {
            continue;
        }
        let chars: Vec<char> = s.text.chars().collect();
        let rest: String = chars[m.end..].iter().collect();
        if rest.split_whitespace().count() < 4 || !is_subject(&rest) {
            continue;
        }
        *count += 1;
        let ko = has_hangul(&s.text);
        let name = cat.entities[m.entity].name.clone();
        let mut pool = catalog_pool(lk, m.entity, ko, true);
        pool.retain(|(t, _)| *t != name);
        let distractors = match pick_distractors(&name, pool, 3, |_| false) {
            Ok(d) => d,
            Err(r) => {
                out.push(Err(r));
                continue;
            }
        };
        let from_catalog = distractors.len();
        let blanked = format!("____{rest}");
        let file = &o.file;
        out.push(Ok(Candidate {
            kind: DraftKind::EntityCloze,
            stem: ko_en!(
                ko;
                "다음 설명의 빈칸에 들어갈 것으로 알맞은 것은 무엇입니까?\n\n> {blanked}";
                "Which of these completes the statement?\n\n> {blanked}"
            ),
            options: options(
                vec![(
                    name.clone(),
                    ko_en!(ko; "노트 {}행: {}", s.at.line, s.text; "Line {} of the notes: {}", s.at.line, s.text),
                )],
                distractors,
            ),
            explanation: ko_en!(
                ko;
                "노트({file} {}행): {}", s.at.line, s.text;
                "The notes ({file}, line {}): {}", s.at.line, s.text
            ),
            at: s.at.clone(),
            quality: 55,
            difficulty: Difficulty::Medium,
            fact: s.text.clone(),
            from_catalog,
        }));
    }
    out
}

/// The name is the sentence's subject: a subject particle follows it
/// ("S3는 …", not "SQS 메시지를 처리하는 …"), or in English a verb does.
fn is_subject(rest: &str) -> bool {
    const KO: &[&str] = &["은 ", "는 ", "이 ", "가 "];
    const EN: &[&str] = &[
        " is ",
        " are ",
        " can ",
        " provides ",
        " lets ",
        " supports ",
        " runs ",
        " stores ",
        " offers ",
        " keeps ",
        " sends ",
        " makes ",
        " gives ",
    ];
    KO.iter().chain(EN).any(|p| rest.starts_with(p))
}
