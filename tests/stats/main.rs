//! A simulation with known truth: 2,000 students answer a 65-item form under
//! a two-parameter logistic model with known discriminations, three items
//! carry a wrong key, and the statistics must recover what was planted.
//! Everything is seeded, so a run always sees the same students.

use examdrill::stats::{self, Cutoffs, Method, Moments, OptionCell, ScoreCell, ScoreCount};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

const STUDENTS: usize = 2_000;
const ITEMS: usize = 65;
/// Items whose key names a distractor: strong students "miss" them.
const MISKEYED: [usize; 3] = [7, 31, 52];
const KEYS: [char; 4] = ['a', 'b', 'c', 'd'];

struct Item {
    /// True discrimination (a) and difficulty (b) of the 2PL model.
    a: f64,
    b: f64,
    /// How attractive each distractor (b, c, d) is to a student who does not
    /// know the answer; 'a' is the true answer.
    pull: [f64; 3],
}

struct Sim {
    items: Vec<Item>,
    /// Which option each student chose for each item.
    chosen: Vec<[char; ITEMS]>,
    /// The probability, under the model, that each student chose the keyed option.
    expected: Vec<[f64; ITEMS]>,
}

fn normal(rng: &mut StdRng) -> f64 {
    // Box–Muller, so the test needs no distribution crate.
    let u1: f64 = rng.gen_range(f64::EPSILON..1.0);
    let u2: f64 = rng.gen_range(0.0..1.0);
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

fn keyed(item: usize) -> char {
    // A miskeyed item names distractor 'b' as its answer.
    if MISKEYED.contains(&item) { 'b' } else { 'a' }
}

fn simulate(seed: u64) -> Sim {
    let mut rng = StdRng::seed_from_u64(seed);
    let items: Vec<Item> = (0..ITEMS)
        .map(|_| Item {
            a: rng.gen_range(0.2..2.5),
            b: rng.gen_range(-1.5..1.5),
            // One distractor in three is barely plausible.
            pull: [
                rng.gen_range(0.2..1.0),
                rng.gen_range(0.2..1.0),
                rng.gen_range(0.0..0.12),
            ],
        })
        .collect();
    let mut chosen = Vec::with_capacity(STUDENTS);
    let mut expected = Vec::with_capacity(STUDENTS);
    for _ in 0..STUDENTS {
        let theta = normal(&mut rng);
        let mut row = ['a'; ITEMS];
        let mut exp = [0.0; ITEMS];
        for (i, item) in items.iter().enumerate() {
            let p = 1.0 / (1.0 + (-item.a * (theta - item.b)).exp());
            let total_pull: f64 = item.pull.iter().sum();
            let pick_b = item.pull[0] / total_pull;
            exp[i] = if keyed(i) == 'a' { p } else { (1.0 - p) * pick_b };
            row[i] = if rng.gen_bool(p) {
                'a'
            } else {
                let mut x = rng.gen_range(0.0..total_pull);
                let mut pick = 'd';
                for (k, w) in ['b', 'c', 'd'].into_iter().zip(item.pull) {
                    if x < w {
                        pick = k;
                        break;
                    }
                    x -= w;
                }
                pick
            };
        }
        chosen.push(row);
        expected.push(exp);
    }
    Sim {
        items,
        chosen,
        expected,
    }
}

impl Sim {
    fn correct(&self, s: usize, i: usize) -> bool {
        self.chosen[s][i] == keyed(i)
    }

    fn total(&self, s: usize) -> i32 {
        (0..ITEMS).filter(|&i| self.correct(s, i)).count() as i32
    }

    /// What `item_score_counts` would hold for one item after every attempt was graded.
    fn score_cells(&self, i: usize) -> Vec<ScoreCell> {
        let mut by_total = vec![(0i64, 0i64); ITEMS + 1];
        for s in 0..STUDENTS {
            let t = self.total(s) as usize;
            by_total[t].0 += 1;
            by_total[t].1 += i64::from(self.correct(s, i));
        }
        by_total
            .into_iter()
            .enumerate()
            .filter(|(_, c)| c.0 > 0)
            .map(|(t, (shown, correct))| ScoreCell {
                items: ITEMS as i32,
                total: t as i32,
                shown,
                correct,
            })
            .collect()
    }

    fn option_cells(&self, i: usize) -> Vec<OptionCell> {
        let mut out: Vec<OptionCell> = Vec::new();
        for s in 0..STUDENTS {
            let (total, option) = (self.total(s), self.chosen[s][i].to_string());
            match out.iter_mut().find(|c| c.total == total && c.option == option) {
                Some(c) => c.chosen += 1,
                None => out.push(OptionCell {
                    items: ITEMS as i32,
                    total,
                    option,
                    chosen: 1,
                }),
            }
        }
        out
    }

    fn exam_scores(&self) -> Vec<ScoreCount> {
        let mut n = vec![0i64; ITEMS + 1];
        for s in 0..STUDENTS {
            n[self.total(s) as usize] += 1;
        }
        n.into_iter()
            .enumerate()
            .filter(|(_, n)| *n > 0)
            .map(|(t, n)| ScoreCount {
                items: ITEMS as i32,
                total: t as i32,
                n,
            })
            .collect()
    }
}

/// Ranks with ties sharing their mean rank.
fn ranks(v: &[f64]) -> Vec<f64> {
    let mut idx: Vec<usize> = (0..v.len()).collect();
    idx.sort_by(|&a, &b| v[a].total_cmp(&v[b]));
    let mut r = vec![0.0; v.len()];
    let mut i = 0;
    while i < idx.len() {
        let mut j = i;
        while j + 1 < idx.len() && v[idx[j + 1]] == v[idx[i]] {
            j += 1;
        }
        for k in i..=j {
            r[idx[k]] = (i + j) as f64 / 2.0;
        }
        i = j + 1;
    }
    r
}

fn pearson(x: &[f64], y: &[f64]) -> f64 {
    let n = x.len() as f64;
    let (mx, my) = (x.iter().sum::<f64>() / n, y.iter().sum::<f64>() / n);
    let cov: f64 = x.iter().zip(y).map(|(a, b)| (a - mx) * (b - my)).sum();
    let vx: f64 = x.iter().map(|a| (a - mx).powi(2)).sum();
    let vy: f64 = y.iter().map(|b| (b - my).powi(2)).sum();
    cov / (vx * vy).sqrt()
}

fn spearman(x: &[f64], y: &[f64]) -> f64 {
    pearson(&ranks(x), &ranks(y))
}

/// KR-20 straight from the response matrix, written without the library:
/// k/(k−1) · (1 − Σ p_i q_i / var(total)), population variances.
fn reference_kr20(sim: &Sim) -> f64 {
    let n = STUDENTS as f64;
    let k = ITEMS as f64;
    let sum_pq: f64 = (0..ITEMS)
        .map(|i| {
            let p = (0..STUDENTS).filter(|&s| sim.correct(s, i)).count() as f64 / n;
            p * (1.0 - p)
        })
        .sum();
    let totals: Vec<f64> = (0..STUDENTS).map(|s| f64::from(sim.total(s))).collect();
    let mean = totals.iter().sum::<f64>() / n;
    let var = totals.iter().map(|t| (t - mean).powi(2)).sum::<f64>() / n;
    k / (k - 1.0) * (1.0 - sum_pq / var)
}

struct Computed {
    discrimination: Vec<f64>,
    facility: Vec<f64>,
    flags: Vec<Vec<stats::Flag>>,
    non_functional: Vec<usize>,
}

fn compute(sim: &Sim) -> Computed {
    let cut: Option<Cutoffs> = stats::cutoffs(&sim.exam_scores());
    let mut out = Computed {
        discrimination: vec![],
        facility: vec![],
        flags: vec![],
        non_functional: vec![],
    };
    for i in 0..ITEMS {
        let cells = sim.score_cells(i);
        let d = stats::discrimination(&cells, &cells, cut.as_ref()).expect("2,000 attempts give a figure");
        assert_eq!(d.method, Method::PointBiserial);
        let p = stats::facility(&Moments::from_cells(&cells)).expect("shown to everyone");
        let shares = stats::distractors(&KEYS, &[keyed(i)], &cells, &sim.option_cells(i), cut.as_ref());
        let nf = shares.iter().filter(|s| s.non_functional).count();
        out.flags.push(stats::flags(Some(p), Some(d.value), nf, 0));
        out.discrimination.push(d.value);
        out.facility.push(p);
        out.non_functional.push(nf);
    }
    out
}

#[test]
fn statistics_recover_a_simulated_population() {
    let sim = simulate(0x17_2026);
    let got = compute(&sim);

    // Discrimination ranks the correctly keyed items as their true a does; a
    // wrong key turns an item's true discrimination around.
    let good: Vec<usize> = (0..ITEMS).filter(|i| !MISKEYED.contains(i)).collect();
    let truth: Vec<f64> = good.iter().map(|&i| sim.items[i].a).collect();
    let computed: Vec<f64> = good.iter().map(|&i| got.discrimination[i]).collect();
    let rho_good = spearman(&truth, &computed);
    let signed_truth: Vec<f64> = (0..ITEMS)
        .map(|i| {
            if MISKEYED.contains(&i) {
                -sim.items[i].a
            } else {
                sim.items[i].a
            }
        })
        .collect();
    let rho_all = spearman(&signed_truth, &got.discrimination);

    let facility_error = (0..ITEMS)
        .map(|i| {
            let simulated = sim.expected.iter().map(|e| e[i]).sum::<f64>() / STUDENTS as f64;
            (got.facility[i] - simulated).abs()
        })
        .fold(0.0, f64::max);

    let scores = sim.exam_scores();
    let facilities: Vec<(f64, i64)> = got.facility.iter().map(|&p| (p, STUDENTS as i64)).collect();
    let rel = stats::reliability("sim", ITEMS as i32, &scores, &facilities).expect("scores exist");
    let alpha = rel.alpha.expect("variance is positive");
    let reference = reference_kr20(&sim);

    println!(
        "simulation: spearman (62 keyed items) = {rho_good:.3}, spearman (65, miskeyed as -a) = {rho_all:.3}, \
         max facility error = {facility_error:.4}, KR-20 = {alpha:.4} (reference {reference:.4}), SEM = {:.2}",
        rel.sem.unwrap_or(f64::NAN)
    );
    assert!(rho_good >= 0.8, "spearman over the keyed items {rho_good}");
    assert!(rho_all >= 0.8, "spearman over all items {rho_all}");
    for i in MISKEYED {
        assert!(got.discrimination[i] < 0.0, "item {i}: {}", got.discrimination[i]);
        assert!(got.flags[i].contains(&stats::Flag::NegativeDiscrimination), "item {i}");
    }
    for &i in &good {
        assert!(
            !got.flags[i].contains(&stats::Flag::NegativeDiscrimination),
            "item {i} {}",
            got.discrimination[i]
        );
    }
    assert!(facility_error <= 0.03, "facility off by {facility_error}");
    assert!(
        (alpha - reference).abs() < 1e-9,
        "KR-20 {alpha} vs reference {reference}"
    );
    // The barely plausible distractor is non-functional on most items.
    let flagged = got.non_functional.iter().filter(|n| **n > 0).count();
    assert!(
        flagged >= ITEMS / 2,
        "only {flagged} items have a non-functional distractor"
    );
}
