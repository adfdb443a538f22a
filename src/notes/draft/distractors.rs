//! Picking distractors: the nearest facts of the same category first, never
//! one that normalises to the answer or another option, or that the notes
//! say is true as well.

use std::collections::HashSet;

use super::Rule;
use super::facts::Place;
use super::outline::Outline;
use super::text::{char_len, has_hangul, norm};

/// Picks up to `need` distractors from `pool` (text, rationale), skipping any
/// that normalise to the answer or to each other, and any `is_true` flags.
/// Returns the picks, or the rule that stopped it.
pub(super) fn pick_distractors(
    answer: &str,
    pool: Vec<(String, String)>,
    need: usize,
    is_true: impl Fn(&str) -> bool,
) -> Result<Vec<(String, String)>, Rule> {
    let mut seen: HashSet<String> = HashSet::from([norm(answer)]);
    let mut out = Vec::new();
    let mut rejected_true = false;
    for (text, why) in pool {
        let n = norm(&text);
        // A misspelling of the answer or of another option ("Ahena" beside
        // "Athena") is the same option, not a distractor.
        if n.is_empty() || seen.iter().any(|s| near_duplicate(s, &n)) || char_len(&text) > 300 || text.contains("://") {
            continue;
        }
        if is_true(&text) {
            rejected_true = true;
            continue;
        }
        seen.insert(n);
        out.push((text, why));
        if out.len() == need {
            return Ok(out);
        }
    }
    Err(if rejected_true {
        Rule::DistractorTrue
    } else {
        Rule::TooFewDistractors
    })
}

/// Whether two normalised options are the same Latin-script name with a
/// typo ("Ahena" beside "Athena"): one edit apart, short, and with the same
/// digits, since "t2micro" and "t3micro" are different answers. Korean text
/// is left alone: one syllable turns "최소" into "최대".
pub(super) fn near_duplicate(a: &str, b: &str) -> bool {
    if a == b {
        return true;
    }
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    let digits = |v: &[char]| v.iter().filter(|c| c.is_ascii_digit()).copied().collect::<Vec<char>>();
    let hangul = |v: &[char]| v.iter().any(|c| has_hangul(&c.to_string()));
    if a.len().min(b.len()) < 5
        || a.len().max(b.len()) > 30
        || a.len().abs_diff(b.len()) > 1
        || digits(&a) != digits(&b)
        || hangul(&a)
        || hangul(&b)
    {
        return false;
    }
    // Levenshtein distance, one row at a time.
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            cur[j + 1] = (prev[j] + usize::from(ca != cb)).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()] <= 1
}

/// The same-category scopes of a fact, closest first, with a quality bonus each:
/// the same parent item, the same section, the same level-2 section.
fn scopes(o: &Outline, a: &Place, b: &Place) -> Option<i32> {
    if a.sec == b.sec && a.parent == b.parent {
        Some(15)
    } else if a.sec == b.sec {
        Some(10)
    } else if o.top(a.sec) == o.top(b.sec) {
        Some(0)
    } else {
        None
    }
}

/// How many facts either side of a fact are looked at for its distractors:
/// same-scope siblings sit close by in a note, and a fixed window keeps the
/// generator linear in the size of the notes.
pub(super) const WINDOW: usize = 40;

/// The indices within [`WINDOW`] of `i` in a list of `len`, `i` left out.
pub(super) fn window(len: usize, i: usize) -> impl Iterator<Item = usize> {
    (i.saturating_sub(WINDOW)..len.min(i + WINDOW + 1)).filter(move |&j| j != i)
}

/// Candidates sorted by closeness of scope; `None`-scope ones are left out.
pub(super) fn by_scope<T>(o: &Outline, at: &Place, items: impl Iterator<Item = (T, Place)>) -> Vec<(T, i32)> {
    let mut v: Vec<(T, i32)> = items.filter_map(|(t, p)| scopes(o, at, &p).map(|s| (t, s))).collect();
    v.sort_by_key(|(_, s)| -s);
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_misspelt_copy_of_an_option_is_not_another_option() {
        assert!(near_duplicate("athena", "ahena"));
        assert!(!near_duplicate("t2micro", "t3micro"), "digits differ");
        assert!(
            !near_duplicate("groupminsize", "groupmaxsize"),
            "two edits: different metrics"
        );
        assert!(!near_duplicate("gp2", "gp3"));
        assert!(!near_duplicate(
            &norm("첫째 항목의 정의 문장 하나"),
            &norm("셋째 항목의 정의 문장 하나")
        ));
    }
}
