use super::*;

fn cell(total: i32, shown: i64, correct: i64) -> ScoreCell {
    ScoreCell {
        items: 10,
        total,
        shown,
        correct,
    }
}

#[test]
fn point_biserial_is_the_correlation_with_the_rest_score() {
    // (item correct, attempt total) for six attempts.
    let data = [(true, 9), (true, 8), (false, 7), (true, 5), (false, 3), (false, 2)];
    let mut m = Moments::default();
    for (x, t) in data {
        m.add(x, f64::from(t));
    }
    let xs: Vec<f64> = data.iter().map(|d| if d.0 { 1.0 } else { 0.0 }).collect();
    let rest: Vec<f64> = data
        .iter()
        .map(|d| f64::from(d.1) - if d.0 { 1.0 } else { 0.0 })
        .collect();
    let n = xs.len() as f64;
    let (mx, mr) = (xs.iter().sum::<f64>() / n, rest.iter().sum::<f64>() / n);
    let cov: f64 = xs.iter().zip(&rest).map(|(x, r)| (x - mx) * (r - mr)).sum();
    let sx: f64 = xs.iter().map(|x| (x - mx).powi(2)).sum::<f64>().sqrt();
    let sr: f64 = rest.iter().map(|r| (r - mr).powi(2)).sum::<f64>().sqrt();
    let expected = cov / (sx * sr);
    let got = point_biserial(&m).expect("both vary");
    assert!((got - expected).abs() < 1e-12, "{got} vs {expected}");
}

#[test]
fn an_item_everyone_answers_alike_has_no_discrimination() {
    let m = Moments::from_cells(&[cell(3, 5, 5), cell(8, 5, 5)]);
    assert_eq!(point_biserial(&m), None);
    assert_eq!(facility(&m), Some(1.0));
}

#[test]
fn small_samples_fall_back_to_the_upper_and_lower_groups() {
    let scores: Vec<ScoreCount> = (0..=10)
        .map(|t| ScoreCount {
            items: 10,
            total: t,
            n: 1,
        })
        .collect();
    let cut = cutoffs(&scores).expect("a spread of scores");
    // ceil(0.27 · 11) = 3 attempts per group: scores 0–2 and 8–10.
    assert_eq!(cut.group(10, 2), Group::Lower);
    assert_eq!(cut.group(10, 3), Group::Middle);
    assert_eq!(cut.group(10, 8), Group::Upper);
    let cells: Vec<ScoreCell> = (0..=10).map(|t| cell(t, 1, i64::from(t >= 5))).collect();
    let d = discrimination(&cells, &cells, Some(&cut)).expect("both groups answered");
    assert_eq!(d.method, Method::UpperLower);
    assert!((d.value - 1.0).abs() < 1e-12);
    assert_eq!(d.n, 6);
}

#[test]
fn everyone_on_one_score_gives_no_groups() {
    assert_eq!(
        cutoffs(&[ScoreCount {
            items: 10,
            total: 6,
            n: 40
        }]),
        None
    );
}

#[test]
fn the_median_time_comes_from_the_histogram() {
    assert_eq!(median_seconds(&[]), None);
    // 1 answer in 0–5 s, 3 in 10–15 s, 1 in 55–60 s.
    assert_eq!(median_seconds(&[(11, 1), (0, 1), (2, 3)]), Some(12.5));
}

#[test]
fn rarely_chosen_wrong_options_are_non_functional() {
    let shown = [cell(9, 50, 45), cell(2, 50, 10)];
    let chosen = [
        OptionCell {
            items: 10,
            total: 9,
            option: "a".into(),
            chosen: 45,
        },
        OptionCell {
            items: 10,
            total: 9,
            option: "b".into(),
            chosen: 5,
        },
        OptionCell {
            items: 10,
            total: 2,
            option: "a".into(),
            chosen: 10,
        },
        OptionCell {
            items: 10,
            total: 2,
            option: "b".into(),
            chosen: 36,
        },
        OptionCell {
            items: 10,
            total: 2,
            option: "c".into(),
            chosen: 2,
        },
        OptionCell {
            items: 10,
            total: 2,
            option: "".into(),
            chosen: 2,
        },
    ];
    let cut = Cutoffs { lower: 0.3, upper: 0.8 };
    let shares = distractors(&['a', 'b', 'c', 'd'], &['a'], &shown, &chosen, Some(&cut));
    let nf: Vec<Option<char>> = shares.iter().filter(|s| s.non_functional).map(|s| s.key).collect();
    assert_eq!(nf, vec![Some('c'), Some('d')]);
    let b = &shares[1];
    assert!((b.share - 0.41).abs() < 1e-12);
    assert_eq!(b.upper, Some(0.1));
    assert_eq!(b.lower, Some(0.72));
    assert_eq!(shares[4].key, None);
    assert!((shares[4].share - 0.02).abs() < 1e-12);
    let flat = non_functional(
        &['a', 'b', 'c', 'd'],
        &['a'],
        100.0,
        &[(Some('a'), 55.0), (Some('b'), 41.0), (Some('c'), 2.0)],
    );
    assert_eq!(flat, vec!['c', 'd']);
}

#[test]
fn flags_follow_the_thresholds() {
    assert_eq!(flags(Some(0.5), Some(-0.2), 0, 0), vec![Flag::NegativeDiscrimination]);
    assert_eq!(
        flags(Some(0.97), Some(0.1), 1, 0),
        vec![Flag::WeakDiscrimination, Flag::TooEasy, Flag::NonFunctionalDistractor]
    );
    assert_eq!(
        flags(Some(0.19), Some(0.3), 0, 2),
        vec![Flag::TooHard, Flag::OpenReports]
    );
    assert!(flags(Some(0.6), Some(0.35), 0, 0).is_empty());
}

#[test]
fn kr20_and_sem() {
    let alpha = kr20(10.0, 2.0, 5.0).expect("positive variance");
    assert!((alpha - 10.0 / 9.0 * 0.6).abs() < 1e-12);
    assert!((sem(2.0, 0.75) - 1.0).abs() < 1e-12);
    assert_eq!(kr20(1.0, 0.2, 1.0), None);
}
