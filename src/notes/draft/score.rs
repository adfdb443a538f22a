//! The quality score of a draft: a feature vector and a logistic score from
//! weights kept as data (`score-weights.toml`), so they can be refitted to
//! reviewers' labels without touching code. `evaluate` measures how well a
//! score separates JUNK from the rest on a labelled set (ROC AUC) and finds
//! the lowest threshold whose approvals are at least 90 % USABLE or EDIT.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use sha2::{Digest, Sha256};

use crate::bank::model::Question;

const WEIGHTS: &str = include_str!("score-weights.toml");

/// What the score looks at, per draft.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Features {
    pub kind: &'static str,
    /// The key names a catalog entity.
    pub entity_key: bool,
    /// Distractors that name entities of the key's subcategory.
    pub same_subcategory: usize,
    /// Distractors drawn from the catalog rather than the notes.
    pub from_catalog: usize,
    pub stem_chars: usize,
    /// Longest option over shortest, in characters: a key much longer than
    /// the rest is a cue.
    pub length_ratio: f64,
    /// Corrections made (typos, numbers contradicting the catalog).
    pub flags: usize,
    /// Heading depth of the section the draft came from (0: no heading).
    pub section_level: u8,
    /// The kind's own estimate, 0–100.
    pub base: i32,
}

impl Features {
    /// The features as named numbers, the form the weights file uses.
    pub fn named(&self) -> Vec<(String, f64)> {
        vec![
            (format!("kind.{}", self.kind), 1.0),
            ("entity_key".into(), f64::from(u8::from(self.entity_key))),
            ("same_subcategory".into(), self.same_subcategory as f64),
            ("from_catalog".into(), self.from_catalog as f64),
            ("stem_chars_100".into(), self.stem_chars as f64 / 100.0),
            ("length_ratio".into(), self.length_ratio.min(10.0)),
            ("flags".into(), self.flags as f64),
            ("no_heading".into(), f64::from(u8::from(self.section_level == 0))),
            ("base_100".into(), f64::from(self.base) / 100.0),
        ]
    }

    pub fn describe(&self) -> String {
        self.named()
            .iter()
            .map(|(k, v)| format!("{k}={}", (v * 100.0).round() / 100.0))
            .collect::<Vec<_>>()
            .join(" ")
    }
}

#[derive(serde::Deserialize)]
struct WeightsFile {
    intercept: f64,
    weights: BTreeMap<String, f64>,
    /// Bulk approval threshold, as measured by `examdrill notes score-eval`.
    approve_at: u8,
}

fn weights() -> Option<&'static WeightsFile> {
    static W: OnceLock<Option<WeightsFile>> = OnceLock::new();
    W.get_or_init(|| toml::from_str(WEIGHTS).ok()).as_ref()
}

/// The score, 0–100: the logistic of the weighted features.
pub fn score(f: &Features) -> u8 {
    let Some(w) = weights() else {
        return f.base.clamp(0, 100) as u8;
    };
    let z = w.intercept
        + f.named()
            .iter()
            .map(|(k, v)| w.weights.get(k).copied().unwrap_or(0.0) * v)
            .sum::<f64>();
    (100.0 / (1.0 + (-z).exp())).round().clamp(0.0, 100.0) as u8
}

/// The score from which drafts may be approved in bulk.
pub fn approval_threshold() -> u8 {
    weights().map_or(80, |w| w.approve_at)
}

/// A stable short name for a draft, independent of option order and draft
/// number: the grader's labels refer to drafts by it.
pub fn fingerprint(q: &Question) -> String {
    let mut options: Vec<String> = q
        .options
        .iter()
        .map(|o| format!("{}{}", if q.answer.contains(&o.key) { "*" } else { "" }, o.text))
        .collect();
    options.sort();
    let mut h = Sha256::new();
    h.update(q.stem.as_bytes());
    for o in options {
        h.update([0u8]);
        h.update(o.as_bytes());
    }
    h.finalize().iter().take(6).map(|b| format!("{b:02x}")).collect()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Label {
    Usable,
    Edit,
    Junk,
}

impl Label {
    pub fn parse(s: &str) -> Option<Label> {
        match s.trim().to_ascii_uppercase().as_str() {
            "USABLE" => Some(Label::Usable),
            "EDIT" => Some(Label::Edit),
            "JUNK" => Some(Label::Junk),
            _ => None,
        }
    }
}

/// ROC AUC of "not JUNK" over JUNK (ties count half), and the lowest score
/// threshold at which drafts scoring at least that are ≥ 90 % USABLE or EDIT
/// (`None` when no threshold reaches it).
pub fn evaluate(scored: &[(u8, Label)]) -> (Option<f64>, Option<u8>) {
    let good: Vec<u8> = scored.iter().filter(|x| x.1 != Label::Junk).map(|x| x.0).collect();
    let junk: Vec<u8> = scored.iter().filter(|x| x.1 == Label::Junk).map(|x| x.0).collect();
    let auc = (!good.is_empty() && !junk.is_empty()).then(|| {
        // Counting by score value keeps this linear in the labels.
        let mut junk_at = [0usize; 101];
        for &j in &junk {
            junk_at[usize::from(j.min(100))] += 1;
        }
        let mut below = [0usize; 102];
        for s in 0..=100 {
            below[s + 1] = below[s] + junk_at[s];
        }
        let wins: f64 = good
            .iter()
            .map(|&g| {
                let g = usize::from(g.min(100));
                below[g] as f64 + junk_at[g] as f64 / 2.0
            })
            .sum();
        wins / (good.len() * junk.len()) as f64
    });
    let threshold = (0..=100u8).find(|&t| {
        let above: Vec<&(u8, Label)> = scored.iter().filter(|x| x.0 >= t).collect();
        !above.is_empty() && above.iter().filter(|x| x.1 != Label::Junk).count() * 10 >= above.len() * 9
    });
    (auc, threshold)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auc_and_threshold_follow_the_labels() {
        let perfect = [
            (90, Label::Usable),
            (80, Label::Edit),
            (30, Label::Junk),
            (20, Label::Junk),
        ];
        assert_eq!(evaluate(&perfect), (Some(1.0), Some(31)));
        let inverted = [(10, Label::Usable), (90, Label::Junk)];
        assert_eq!(evaluate(&inverted).0, Some(0.0));
        let tied = [(50, Label::Usable), (50, Label::Junk)];
        assert_eq!(evaluate(&tied).0, Some(0.5));
        assert!(weights().is_some(), "the weights file parses");
    }
}
