//! Mastery estimates with honest uncertainty.
//!
//! Each graded answer is weighted by its age (half-life [`HALF_LIFE_DAYS`]),
//! so recent answers count more. The weighted share of right answers and the
//! weighted count give a Wilson score interval at 90 % confidence; its centre
//! (the share pulled towards 50 % by the amount of evidence) ranks topics, and
//! its width is the uncertainty shown. Fewer than [`MIN_ANSWERS`] answers is
//! "not enough data": such topics are listed apart, never ranked.
//! See `docs/review.md`.

use std::collections::BTreeMap;

/// Answers this many days old count half as much as today's.
pub const HALF_LIFE_DAYS: f64 = 30.0;
/// Below this many answers a topic is not ranked.
pub const MIN_ANSWERS: usize = 5;
/// z for a two-sided 90 % interval.
const Z: f64 = 1.645;
/// How many recent answers the trend compares against the ones before them.
const TREND_WINDOW: usize = 5;

/// One graded answer, oldest first in the input.
#[derive(Debug, Clone)]
pub struct Answer {
    /// What the estimate is grouped by: a topic slug or a domain code.
    pub key: String,
    pub correct: bool,
    pub age_days: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trend {
    Improving,
    Steady,
    Declining,
    /// Too few answers to compare two windows.
    Unknown,
}

#[derive(Debug, Clone)]
pub struct Estimate {
    pub key: String,
    /// Answers seen (unweighted).
    pub seen: usize,
    pub right: usize,
    /// Weighted share right, 0..=1.
    pub accuracy: f64,
    /// Ranking value: the Wilson centre.
    pub score: f64,
    pub low: f64,
    pub high: f64,
    pub trend: Trend,
}

impl Estimate {
    pub fn enough_data(&self) -> bool {
        self.seen >= MIN_ANSWERS
    }

    pub fn accuracy_pct(&self) -> u32 {
        (self.accuracy * 100.0).round() as u32
    }

    pub fn low_pct(&self) -> u32 {
        (self.low * 100.0).round() as u32
    }

    pub fn high_pct(&self) -> u32 {
        (self.high * 100.0).round() as u32
    }

    /// Half the interval's width, in percentage points.
    pub fn margin_pct(&self) -> u32 {
        ((self.high - self.low) * 50.0).round() as u32
    }
}

fn weight(age_days: f64) -> f64 {
    0.5_f64.powf(age_days.max(0.0) / HALF_LIFE_DAYS)
}

/// Wilson score interval for `p` observed over an effective sample of `n`:
/// (centre, low, high).
pub fn wilson(p: f64, n: f64) -> (f64, f64, f64) {
    if n <= 0.0 {
        return (0.5, 0.0, 1.0);
    }
    let z2 = Z * Z;
    let denom = 1.0 + z2 / n;
    let centre = (p + z2 / (2.0 * n)) / denom;
    let half = Z / denom * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt();
    (centre, (centre - half).max(0.0), (centre + half).min(1.0))
}

fn trend(answers: &[&Answer]) -> Trend {
    if answers.len() < 2 * TREND_WINDOW {
        return Trend::Unknown;
    }
    let share = |xs: &[&Answer]| xs.iter().filter(|a| a.correct).count() as f64 / xs.len() as f64;
    let n = answers.len();
    let recent = share(&answers[n - TREND_WINDOW..]);
    let before = share(&answers[n - 2 * TREND_WINDOW..n - TREND_WINDOW]);
    // One answer of five either way is noise; two is a change.
    if recent - before >= 0.39 {
        Trend::Improving
    } else if before - recent >= 0.39 {
        Trend::Declining
    } else {
        Trend::Steady
    }
}

/// Estimates per key. The input must be oldest first (for the trend).
pub fn estimate(answers: &[Answer]) -> Vec<Estimate> {
    let mut groups: BTreeMap<&str, Vec<&Answer>> = BTreeMap::new();
    for a in answers {
        groups.entry(a.key.as_str()).or_default().push(a);
    }
    groups
        .into_iter()
        .map(|(key, xs)| {
            let total: f64 = xs.iter().map(|a| weight(a.age_days)).sum();
            let right_w: f64 = xs.iter().filter(|a| a.correct).map(|a| weight(a.age_days)).sum();
            let accuracy = if total > 0.0 { right_w / total } else { 0.0 };
            let (score, low, high) = wilson(accuracy, total);
            Estimate {
                key: key.to_owned(),
                seen: xs.len(),
                right: xs.iter().filter(|a| a.correct).count(),
                accuracy,
                score,
                low,
                high,
                trend: trend(&xs),
            }
        })
        .collect()
}

/// Splits estimates into (ranked weakest first, not enough data).
pub fn rank(estimates: Vec<Estimate>) -> (Vec<Estimate>, Vec<Estimate>) {
    let (mut ranked, thin): (Vec<Estimate>, Vec<Estimate>) = estimates.into_iter().partition(Estimate::enough_data);
    ranked.sort_by(|a, b| a.score.total_cmp(&b.score).then_with(|| a.key.cmp(&b.key)));
    (ranked, thin)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn history(key: &str, results: &[bool], age_days: f64) -> Vec<Answer> {
        results
            .iter()
            .map(|c| Answer {
                key: key.into(),
                correct: *c,
                age_days,
            })
            .collect()
    }

    #[test]
    fn one_right_answer_is_not_mastery() {
        let e = &estimate(&history("s3", &[true], 0.0))[0];
        assert!(!e.enough_data());
        assert!(e.low < 0.5, "one answer leaves the lower bound low: {}", e.low);
        assert!(e.high - e.low > 0.5, "and the interval wide");
    }

    #[test]
    fn weakest_topic_ranks_first_and_thin_topics_are_set_apart() {
        let mut all = history("vpc", &[false, false, true, false, false, true], 1.0);
        all.extend(history("s3", &[true, true, true, false, true, true], 1.0));
        all.extend(history("iam", &[true, true, true, true, true, true, true, true], 1.0));
        all.extend(history("kms", &[false, false], 1.0));
        let (ranked, thin) = rank(estimate(&all));
        let order: Vec<&str> = ranked.iter().map(|e| e.key.as_str()).collect();
        assert_eq!(order, vec!["vpc", "s3", "iam"]);
        assert_eq!(thin.len(), 1);
        assert_eq!(thin[0].key, "kms", "two wrong answers are not enough to rank");
    }

    #[test]
    fn more_evidence_narrows_the_interval_and_outranks_a_lucky_streak() {
        // 5 of 5 right versus 48 of 50 right: the long record is the surer one.
        let mut all = history("short", &[true; 5], 0.0);
        let mut long = vec![true; 48];
        long.extend([false, false]);
        all.extend(history("long", &long, 0.0));
        let est = estimate(&all);
        let short = est.iter().find(|e| e.key == "short").unwrap();
        let long = est.iter().find(|e| e.key == "long").unwrap();
        assert!(long.high - long.low < short.high - short.low);
        let (ranked, _) = rank(est);
        assert_eq!(
            ranked[0].key, "short",
            "the short streak is less certain, so it ranks weaker"
        );
    }

    #[test]
    fn recent_answers_count_more_than_old_ones() {
        // Wrong long ago, right lately, versus the reverse.
        let mut learned = history("learned", &[false; 6], 120.0);
        learned.extend(history("learned", &[true; 6], 0.0));
        let mut forgot = history("forgot", &[true; 6], 120.0);
        forgot.extend(history("forgot", &[false; 6], 0.0));
        let mut all = learned;
        all.extend(forgot);
        let est = estimate(&all);
        let l = est.iter().find(|e| e.key == "learned").unwrap();
        let f = est.iter().find(|e| e.key == "forgot").unwrap();
        assert!(l.accuracy > 0.8, "{}", l.accuracy);
        assert!(f.accuracy < 0.2, "{}", f.accuracy);
        assert_eq!(l.trend, Trend::Improving);
        assert_eq!(f.trend, Trend::Declining);
    }

    #[test]
    fn trend_needs_two_windows() {
        let e = &estimate(&history("x", &[true, false, true, true, false, true], 0.0))[0];
        assert_eq!(e.trend, Trend::Unknown);
        let e = &estimate(&history(
            "y",
            &[true, false, true, false, true, false, true, false, true, false],
            0.0,
        ))[0];
        assert_eq!(e.trend, Trend::Steady);
    }

    #[test]
    fn wilson_matches_the_textbook_value() {
        // 8 of 10 at z = 1.645 (90 %): centre 0.7361, interval 0.5408 .. 0.9314.
        let (c, lo, hi) = wilson(0.8, 10.0);
        assert!((c - 0.7361).abs() < 0.0005, "{c}");
        assert!((lo - 0.5408).abs() < 0.0005, "{lo}");
        assert!((hi - 0.9314).abs() < 0.0005, "{hi}");
    }
}
