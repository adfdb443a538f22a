//! Scoring: every question is all or nothing, as on the real exam, and the raw
//! score maps onto the blueprint's scaled range.

/// Right only when exactly the correct options are chosen; a partial or
/// excess selection, or none, is wrong.
pub fn is_correct(answer: &[char], selected: &[char]) -> bool {
    let mut a: Vec<char> = answer.to_vec();
    let mut s: Vec<char> = selected.to_vec();
    a.sort_unstable();
    a.dedup();
    s.sort_unstable();
    s.dedup();
    !s.is_empty() && a == s
}

/// Maps `raw` of `total` linearly onto `min..=max`, rounding to the nearest
/// point. AWS does not publish its own scaling (it equates exam forms), so
/// this is our documented, monotone stand-in.
pub fn scaled(raw: u32, total: u32, min: u32, max: u32) -> u32 {
    if total == 0 {
        return min;
    }
    let raw = raw.min(total);
    let span = f64::from(max - min);
    min + (span * f64::from(raw) / f64::from(total)).round() as u32
}

/// The share of questions that reaches `passing` on the linear scale that
/// [`scaled`] draws from `min` to `max`.
pub fn pass_share(passing: i32, min: i32, max: i32) -> f64 {
    if max <= min {
        return 1.0;
    }
    (f64::from(passing.clamp(min, max) - min) / f64::from(max - min)).clamp(0.0, 1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pass_share_is_where_the_passing_score_falls_on_the_scale() {
        assert!((pass_share(720, 100, 1000) - 620.0 / 900.0).abs() < 1e-12);
        assert_eq!(pass_share(100, 100, 1000), 0.0);
        // A degenerate scale can't be passed by a share below all of it.
        assert_eq!(pass_share(5, 5, 5), 1.0);
        // The share and the scale agree: scoring exactly the share reaches the mark.
        let total = 65;
        let needed = (pass_share(720, 100, 1000) * total as f64).ceil() as u32;
        assert!(scaled(needed, total, 100, 1000) >= 720);
        assert!(scaled(needed - 1, total, 100, 1000) < 720);
    }

    #[test]
    fn multiple_response_needs_exactly_the_right_set() {
        assert!(is_correct(&['a', 'c'], &['c', 'a']));
        assert!(!is_correct(&['a', 'c'], &['a']), "partial selection scores zero");
        assert!(
            !is_correct(&['a', 'c'], &['a', 'c', 'd']),
            "an extra option scores zero"
        );
        assert!(!is_correct(&['b'], &[]), "unanswered is wrong");
        assert!(is_correct(&['b'], &['b']));
    }

    #[test]
    fn scaling_is_monotone_and_spans_the_range() {
        assert_eq!(scaled(0, 65, 100, 1000), 100);
        assert_eq!(scaled(65, 65, 100, 1000), 1000);
        let mut last = 0;
        for raw in 0..=65 {
            let s = scaled(raw, 65, 100, 1000);
            assert!(s >= last);
            last = s;
        }
        // 45 of 65 (69 %) lands just above the 720 pass mark; 44 just below.
        assert_eq!(scaled(45, 65, 100, 1000), 723);
        assert_eq!(scaled(44, 65, 100, 1000), 709);
    }
}
