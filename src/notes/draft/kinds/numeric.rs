//! "Which value completes this statement?": a statement with its value blanked
//! out, the value as the key, and as distractors values with the same unit
//! from elsewhere in the notes, then multiples of the value.

use std::collections::HashMap;

use super::{Candidate, DraftKind, options};
use crate::bank::model::Difficulty;
use crate::notes::draft::Rule;
use crate::notes::draft::distractors::pick_distractors;
use crate::notes::draft::facts::{Facts, Numeric};
use crate::notes::draft::outline::Outline;
use crate::notes::draft::text::{has_hangul, norm};

/// One candidate per numeric fact. `all_numbers` holds every (value, unit,
/// file) of all the notes.
pub(super) fn candidates(
    o: &Outline,
    f: &Facts,
    all_numbers: &[(String, String, String)],
) -> Vec<Result<Candidate, Rule>> {
    // A value is true for a statement when the notes state that same
    // statement with it: (blanked statement, value with unit), normalised.
    let mut contexts: HashMap<String, Vec<String>> = HashMap::new();
    for m in &f.numbers {
        contexts
            .entry(norm(&blank(m)))
            .or_default()
            .push(norm(&format!("{}{}", m.value, m.unit)));
    }
    f.numbers
        .iter()
        .map(|n| candidate(&o.file, n, &contexts, all_numbers))
        .collect()
}

fn candidate(
    file: &str,
    n: &Numeric,
    contexts: &HashMap<String, Vec<String>>,
    all_numbers: &[(String, String, String)],
) -> Result<Candidate, Rule> {
    let ko = has_hangul(&n.sentence);
    let blanked = blank(n);
    let context = norm(&blanked);
    let (pool, from_notes) = distractor_pool(n, ko, all_numbers);
    let answer = with_unit(&n.value, &n.unit);
    let truths: &[String] = contexts.get(&context).map_or(&[], Vec::as_slice);
    // A value the sentence itself shows elsewhere would be a giveaway or true.
    let distractors = pick_distractors(&answer, pool, 3, |d| {
        truths.contains(&norm(d)) || context.contains(&norm(d))
    })?;
    let key = (
        answer,
        ko_en!(ko; "노트 {}행의 값입니다.", n.at.line; "The value on line {} of the notes.", n.at.line),
    );
    let low = n.sentence.to_lowercase();
    let default = ["기본", "디폴트", "default"].iter().any(|w| low.contains(w));
    Ok(Candidate {
        kind: if default {
            DraftKind::DefaultValue
        } else {
            DraftKind::Numeric
        },
        stem: match (default, ko) {
            (true, true) => format!("다음 기본값 설명에서 빈칸에 들어갈 값은 무엇입니까?\n\n> {blanked}"),
            (true, false) => format!("Which value completes this statement of a default?\n\n> {blanked}"),
            (false, true) => format!("다음 설명에서 빈칸에 들어갈 값은 무엇입니까?\n\n> {blanked}"),
            (false, false) => format!("Which value completes this statement?\n\n> {blanked}"),
        },
        options: options(vec![key], distractors),
        explanation: ko_en!(
            ko;
            "노트({file} {}행) 원문: {}", n.at.line, n.sentence;
            "The notes ({file}, line {}): {}", n.at.line, n.sentence
        ),
        at: n.at.clone(),
        quality: 50 + if from_notes >= 3 { 10 } else { 0 },
        difficulty: Difficulty::Medium,
        fact: n.sentence.clone(),
        from_catalog: 0,
    })
}

/// The statement with its value blanked out. The blank takes the value and
/// its unit, since the options carry the unit.
fn blank(m: &Numeric) -> String {
    let c: Vec<char> = m.sentence.chars().collect();
    let mut end = (m.start + m.value.chars().count()).min(c.len());
    let unit: Vec<char> = m.unit.chars().collect();
    let skip = usize::from(c.get(end) == Some(&' ') && c[end + 1..].starts_with(&unit));
    if c[end + skip..].starts_with(&unit) {
        end += skip + unit.len();
    }
    c[..m.start]
        .iter()
        .chain(['_', '_', '_', '_'].iter())
        .chain(c[end..].iter())
        .collect()
}

/// Plausible wrong values with the unit, nearest in size first: the values
/// elsewhere in the notes (ahead of multiples on a tie), then multiples of
/// this value; and how many came from the notes.
fn distractor_pool(n: &Numeric, ko: bool, all_numbers: &[(String, String, String)]) -> (Vec<(String, String)>, usize) {
    let value: f64 = n.value.replace(',', "").parse().unwrap_or(0.0);
    let integer = !n.value.contains('.');
    let mut pool: Vec<(String, String)> = Vec::new();
    let mut from_notes = 0;
    for (v, _, _) in all_numbers.iter().filter(|(v, u, _)| *u == n.unit && *v != n.value) {
        pool.push((
            with_unit(v, &n.unit),
            ko_en!(
                ko;
                "노트의 다른 곳에 나오는 값으로, 이 문장의 값은 아닙니다.";
                "A value from elsewhere in the notes, not this statement's."
            ),
        ));
        from_notes += 1;
    }
    // "Nines" (99.999999999 %): other counts of nines, since multiples of
    // such a value read as the same digits.
    if let Some(tail) = n.value.strip_prefix("99.")
        && !tail.is_empty()
        && tail.chars().all(|c| c == '9')
    {
        let nines = tail.len() + 2;
        for k in [
            nines.saturating_sub(2),
            nines + 2,
            nines.saturating_sub(1),
            nines + 1,
            nines.saturating_sub(3),
        ] {
            if k >= 3 && k != nines {
                pool.push((
                    format!("99.{}{}", "9".repeat(k - 2), n.unit),
                    ko_en!(ko; "9의 개수가 노트의 값과 다릅니다."; "A different number of nines."),
                ));
            }
        }
    }
    for factor in [2.0, 0.5, 10.0, 0.1, 3.0] {
        let v = value * factor;
        if v <= 0.0 || (integer && (v - v.round()).abs() > 1e-9) || (n.unit == "%" && v > 100.0) {
            continue;
        }
        pool.push((
            with_unit(&format_like(&n.value, v), &n.unit),
            ko_en!(ko; "노트의 값과 다릅니다."; "Not the value in the notes."),
        ));
    }
    // Prefer values from the notes, nearest in size first.
    let distance = |option: &str| -> f64 {
        let p: f64 = option
            .trim_end_matches(n.unit.as_str())
            .trim()
            .replace(',', "")
            .parse()
            .unwrap_or(f64::MAX);
        (p.max(1e-9) / value.max(1e-9)).ln().abs()
    };
    pool.sort_by(|a, b| distance(&a.0).total_cmp(&distance(&b.0)));
    (pool, from_notes)
}

/// A value and its unit as an option: English words take a space
/// ("15 days"), symbols and Korean units do not ("30일", "99.9%", "16GB").
fn with_unit(value: &str, unit: &str) -> String {
    if unit.chars().count() > 2 && unit.chars().all(|c| c.is_ascii_lowercase()) {
        format!("{value} {unit}")
    } else {
        format!("{value}{unit}")
    }
}

/// `v` written like `original`: an integer when it has no decimal point, with
/// thousands separators when it has a comma.
fn format_like(original: &str, v: f64) -> String {
    if original.contains('.') {
        return format!("{v}");
    }
    let i = v.round() as i64;
    if !original.contains(',') {
        return i.to_string();
    }
    let s = i.to_string();
    let mut out = String::new();
    for (k, c) in s.chars().enumerate() {
        if k > 0 && (s.len() - k).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}
