//! Which exam and domain a draft belongs to. Both come from the blueprints'
//! note rules: the exam from the section's tags or heading path (or the chosen
//! default), the domain from the keywords in the section path and the fact.

use crate::bank::model::Blueprint;

/// The domain of `exam` whose keywords show most in the section path (weighted
/// three to one) and the fact; the exam's default domain when none shows.
pub(super) fn classify(exam: &Blueprint, path: &str, fact: &str) -> String {
    let path = path.to_lowercase();
    let fact = fact.to_lowercase();
    let mut best: Option<(usize, &str)> = None;
    for d in &exam.domains {
        let score: usize = d
            .keywords
            .iter()
            .map(|w| 3 * usize::from(path.contains(w.as_str())) + usize::from(fact.contains(w.as_str())))
            .sum();
        if score > 0 && best.is_none_or(|(s, _)| score > s) {
            best = Some((score, &d.code));
        }
    }
    best.map(|(_, d)| d)
        .or(exam.notes.default_domain.as_deref())
        .or_else(|| exam.domains.first().map(|d| d.code.as_str()))
        .unwrap_or_default()
        .to_owned()
}

/// The blueprint whose tags the section carries, else the first whose path
/// words show in the heading path, else `default`.
pub(super) fn exam_for<'b>(
    blueprints: &'b [Blueprint],
    tags: &[String],
    path: &str,
    default: &'b Blueprint,
) -> &'b Blueprint {
    let path = path.to_lowercase();
    blueprints
        .iter()
        .find(|b| b.notes.claims_tag(tags))
        .or_else(|| {
            blueprints
                .iter()
                .find(|b| b.notes.path_words.iter().any(|w| path.contains(w.as_str())))
        })
        .unwrap_or(default)
}
