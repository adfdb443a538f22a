//! Item statistics from graded answers, as classical test theory (and
//! Moodle's quiz statistics report) defines them: facility, discrimination,
//! distractor shares, time on item, and per exam KR-20 and the standard error
//! of measurement. Knows nothing of HTTP; the figures are pure functions of
//! the count tables that `store` keeps, so the simulation test drives the
//! same code as the pages.

pub mod store;

/// Below this many answers a figure is shown with an uncertainty note, and
/// discrimination falls back from the point-biserial to the 27 % groups.
pub const SMALL_SAMPLE: i64 = 30;
/// The classical share of students in each of the upper and lower groups.
pub const GROUP_SHARE: f64 = 0.27;
/// A distractor chosen by fewer than this share of students does no work.
pub const NON_FUNCTIONAL: f64 = 0.05;

/// How many attempts with one raw score showed an item, and how many of them
/// answered it correctly: one row of `item_score_counts`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScoreCell {
    /// Questions in the attempt.
    pub items: i32,
    /// The attempt's raw score (this item included).
    pub total: i32,
    pub shown: i64,
    pub correct: i64,
}

/// Sums over attempts of the item score x (0 or 1) and the attempt's total
/// t, from which the item–rest correlation follows without the answers.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Moments {
    pub n: f64,
    pub sx: f64,
    pub st: f64,
    pub st2: f64,
    pub sxt: f64,
}

impl Moments {
    pub fn add(&mut self, correct: bool, total: f64) {
        self.add_cell(1.0, if correct { 1.0 } else { 0.0 }, total);
    }

    /// Adds `shown` attempts with total `total`, `correct` of them right.
    pub fn add_cell(&mut self, shown: f64, correct: f64, total: f64) {
        self.n += shown;
        self.sx += correct;
        self.st += shown * total;
        self.st2 += shown * total * total;
        self.sxt += correct * total;
    }

    pub fn from_cells(cells: &[ScoreCell]) -> Self {
        let mut m = Moments::default();
        for c in cells {
            m.add_cell(c.shown as f64, c.correct as f64, f64::from(c.total));
        }
        m
    }
}

/// The share of attempts that answered the item correctly.
pub fn facility(m: &Moments) -> Option<f64> {
    (m.n > 0.0).then(|| m.sx / m.n)
}

/// The corrected item–total point-biserial: the correlation between the item
/// score and the rest of the attempt's score (the total without this item),
/// so an item is not correlated with itself.
pub fn point_biserial(m: &Moments) -> Option<f64> {
    if m.n < 2.0 {
        return None;
    }
    // The rest score r = t - x; with x in {0, 1}, x² = x.
    let sr = m.st - m.sx;
    let sr2 = m.st2 - 2.0 * m.sxt + m.sx;
    let sxr = m.sxt - m.sx;
    let p = m.sx / m.n;
    let mean_r = sr / m.n;
    let var_x = p * (1.0 - p);
    let var_r = sr2 / m.n - mean_r * mean_r;
    let cov = sxr / m.n - p * mean_r;
    if var_x <= 1e-12 || var_r <= 1e-12 {
        return None;
    }
    Some((cov / (var_x * var_r).sqrt()).clamp(-1.0, 1.0))
}

/// Graded attempts with one raw score: one row of `exam_score_counts`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScoreCount {
    pub items: i32,
    pub total: i32,
    pub n: i64,
}

fn fraction(items: i32, total: i32) -> f64 {
    if items <= 0 {
        0.0
    } else {
        f64::from(total) / f64::from(items)
    }
}

/// Score cut-offs (as a share of the attempt's questions) for the lower and
/// upper 27 % of attempts. Attempts tied on a cut-off score join its group,
/// so with coarse scores a group can be somewhat larger than 27 %.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Cutoffs {
    pub lower: f64,
    pub upper: f64,
}

pub fn cutoffs(scores: &[ScoreCount]) -> Option<Cutoffs> {
    let mut sorted: Vec<(f64, i64)> = scores
        .iter()
        .filter(|s| s.n > 0)
        .map(|s| (fraction(s.items, s.total), s.n))
        .collect();
    sorted.sort_by(|a, b| a.0.total_cmp(&b.0));
    let n: i64 = sorted.iter().map(|s| s.1).sum();
    if n < 2 {
        return None;
    }
    let need = (GROUP_SHARE * n as f64).ceil() as i64;
    let pick = |iter: &mut dyn Iterator<Item = &(f64, i64)>| {
        let mut seen = 0;
        for &(f, k) in iter {
            seen += k;
            if seen >= need {
                return Some(f);
            }
        }
        None
    };
    let lower = pick(&mut sorted.iter())?;
    let upper = pick(&mut sorted.iter().rev())?;
    // One score shared by everyone leaves no groups to compare.
    (upper > lower).then_some(Cutoffs { lower, upper })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Group {
    Lower,
    Middle,
    Upper,
}

impl Cutoffs {
    pub fn group(&self, items: i32, total: i32) -> Group {
        let f = fraction(items, total);
        if f >= self.upper {
            Group::Upper
        } else if f <= self.lower {
            Group::Lower
        } else {
            Group::Middle
        }
    }
}

/// Attempts and correct answers in the upper and lower 27 % groups.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Groups {
    pub upper_n: f64,
    pub upper_correct: f64,
    pub lower_n: f64,
    pub lower_correct: f64,
}

impl Groups {
    pub fn from_cells(cells: &[ScoreCell], cut: &Cutoffs) -> Self {
        let mut g = Groups::default();
        for c in cells {
            match cut.group(c.items, c.total) {
                Group::Upper => {
                    g.upper_n += c.shown as f64;
                    g.upper_correct += c.correct as f64;
                }
                Group::Lower => {
                    g.lower_n += c.shown as f64;
                    g.lower_correct += c.correct as f64;
                }
                Group::Middle => {}
            }
        }
        g
    }

    /// The upper–lower discrimination index D: facility in the upper group
    /// minus facility in the lower group.
    pub fn index(&self) -> Option<f64> {
        (self.upper_n > 0.0 && self.lower_n > 0.0)
            .then(|| self.upper_correct / self.upper_n - self.lower_correct / self.lower_n)
    }
}

crate::text_enum! {
    /// Which discrimination figure was computed.
    pub enum Method { PointBiserial => "point-biserial", UpperLower => "upper-lower" }
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Discrimination {
    pub value: f64,
    pub method: Method,
    /// Attempts behind the figure.
    pub n: i64,
}

/// The point-biserial over full exams when there are enough of them, else the
/// 27 % groups over every graded attempt.
pub fn discrimination_from(full: &Moments, groups: &Groups) -> Option<Discrimination> {
    if full.n >= SMALL_SAMPLE as f64
        && let Some(value) = point_biserial(full)
    {
        return Some(Discrimination {
            value,
            method: Method::PointBiserial,
            n: full.n as i64,
        });
    }
    groups.index().map(|value| Discrimination {
        value,
        method: Method::UpperLower,
        n: (groups.upper_n + groups.lower_n) as i64,
    })
}

/// [`discrimination_from`] over count cells: `full` from full exams, `all`
/// from every graded attempt.
pub fn discrimination(full: &[ScoreCell], all: &[ScoreCell], cut: Option<&Cutoffs>) -> Option<Discrimination> {
    let groups = cut.map(|c| Groups::from_cells(all, c)).unwrap_or_default();
    discrimination_from(&Moments::from_cells(full), &groups)
}

/// The wrong options chosen by under 5 % of the `shown` attempts (an option
/// nobody chose has no entry in `chosen`).
pub fn non_functional(keys: &[char], answer: &[char], shown: f64, chosen: &[(Option<char>, f64)]) -> Vec<char> {
    if shown <= 0.0 {
        return Vec::new();
    }
    keys.iter()
        .copied()
        .filter(|k| !answer.contains(k))
        .filter(|k| {
            let n: f64 = chosen.iter().filter(|c| c.0 == Some(*k)).map(|c| c.1).sum();
            n / shown < NON_FUNCTIONAL
        })
        .collect()
}

/// Seconds per bucket of `item_time_counts`.
pub const TIME_BUCKET_SECONDS: i32 = 5;

/// The median seconds on an item from its time histogram (the middle of the
/// bucket the median falls in).
pub fn median_seconds(buckets: &[(i16, i64)]) -> Option<f64> {
    let mut sorted = buckets.to_vec();
    sorted.sort_unstable();
    let n: i64 = sorted.iter().map(|b| b.1).sum();
    if n == 0 {
        return None;
    }
    let half = (n + 1) / 2;
    let mut seen = 0;
    for (bucket, k) in sorted {
        seen += k;
        if seen >= half {
            return Some((f64::from(bucket) + 0.5) * f64::from(TIME_BUCKET_SECONDS));
        }
    }
    None
}

/// KR-20 (Cronbach's α for items scored 0/1): k/(k−1) · (1 − Σpq / σ²).
/// `sum_pq` and `variance` are population figures (divided by n).
pub fn kr20(k: f64, sum_pq: f64, variance: f64) -> Option<f64> {
    (k > 1.0 && variance > 0.0).then(|| k / (k - 1.0) * (1.0 - sum_pq / variance))
}

/// The standard error of measurement, in raw-score points.
pub fn sem(sd: f64, alpha: f64) -> f64 {
    sd * (1.0 - alpha).max(0.0).sqrt()
}

/// Mean and population variance of total scores.
pub fn score_spread(scores: &[ScoreCount]) -> Option<(f64, f64)> {
    let n: f64 = scores.iter().map(|s| s.n as f64).sum();
    if n <= 0.0 {
        return None;
    }
    let mean = scores.iter().map(|s| s.n as f64 * f64::from(s.total)).sum::<f64>() / n;
    let var = scores
        .iter()
        .map(|s| s.n as f64 * (f64::from(s.total) - mean).powi(2))
        .sum::<f64>()
        / n;
    Some((mean, var))
}

/// An exam's reliability over its full-exam attempts.
#[derive(Debug, Clone, PartialEq)]
pub struct Reliability {
    pub exam: String,
    pub attempts: i64,
    pub items: i32,
    pub mean: f64,
    pub sd: f64,
    pub alpha: Option<f64>,
    pub sem: Option<f64>,
}

/// KR-20 and SEM for attempts of `items` questions. Forms are drawn at random
/// from a pool, so Σpq is the expected sum over one form: `items` times the
/// mean of p·q over every question shown, weighted by how often it was shown.
/// For a fixed form (every item shown to everyone) this is the textbook Σpq.
pub fn reliability(exam: &str, items: i32, scores: &[ScoreCount], facilities: &[(f64, i64)]) -> Option<Reliability> {
    let (mean, var) = score_spread(scores)?;
    let attempts = scores.iter().map(|s| s.n).sum();
    let shown: f64 = facilities.iter().map(|f| f.1 as f64).sum();
    let alpha = (shown > 0.0)
        .then(|| facilities.iter().map(|(p, n)| p * (1.0 - p) * *n as f64).sum::<f64>() / shown)
        .and_then(|mean_pq| kr20(f64::from(items), f64::from(items) * mean_pq, var));
    let sd = var.sqrt();
    Some(Reliability {
        exam: exam.to_owned(),
        attempts,
        items,
        mean,
        sd,
        alpha,
        sem: alpha.map(|a| sem(sd, a)),
    })
}

crate::text_enum! {
    /// Why an item is listed as a problem.
    pub enum Flag {
        NegativeDiscrimination => "negative",
        WeakDiscrimination => "weak",
        TooEasy => "easy",
        TooHard => "hard",
        NonFunctionalDistractor => "distractor",
        OpenReports => "reports",
    }
}

impl Flag {
    /// How much the flag weighs when ranking items worst first.
    pub fn weight(self) -> u32 {
        match self {
            Flag::NegativeDiscrimination => 8,
            Flag::OpenReports => 4,
            Flag::WeakDiscrimination => 3,
            Flag::TooEasy | Flag::TooHard => 2,
            Flag::NonFunctionalDistractor => 1,
        }
    }
}

/// The flags that follow from an item's figures.
pub fn flags(facility: Option<f64>, disc: Option<f64>, non_functional: usize, open_reports: i64) -> Vec<Flag> {
    let mut out = Vec::new();
    match disc {
        Some(d) if d < 0.0 => out.push(Flag::NegativeDiscrimination),
        Some(d) if d <= 0.1 => out.push(Flag::WeakDiscrimination),
        _ => {}
    }
    match facility {
        Some(p) if p > 0.95 => out.push(Flag::TooEasy),
        Some(p) if p < 0.20 => out.push(Flag::TooHard),
        _ => {}
    }
    if non_functional > 0 {
        out.push(Flag::NonFunctionalDistractor);
    }
    if open_reports > 0 {
        out.push(Flag::OpenReports);
    }
    out
}

/// One option's share of the students shown the item, overall and within the
/// upper and lower groups.
#[derive(Debug, Clone, PartialEq)]
pub struct OptionShare {
    /// The option key, or `None` for "left unanswered".
    pub key: Option<char>,
    pub correct: bool,
    pub share: f64,
    pub upper: Option<f64>,
    pub lower: Option<f64>,
    /// A wrong option chosen by under 5 %.
    pub non_functional: bool,
}

/// How often one option was chosen by attempts with one score: one row of
/// `item_option_counts` (`option` is empty for no answer).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OptionCell {
    pub items: i32,
    pub total: i32,
    pub option: String,
    pub chosen: i64,
}

/// The distractor analysis: every option in `keys` (even one nobody chose)
/// and the unanswered share, split by the upper and lower groups.
pub fn distractors(
    keys: &[char],
    answer: &[char],
    shown: &[ScoreCell],
    chosen: &[OptionCell],
    cut: Option<&Cutoffs>,
) -> Vec<OptionShare> {
    let group_of = |items, total| cut.map_or(Group::Middle, |c| c.group(items, total));
    let mut n = [0i64; 3];
    for c in shown {
        n[group_index(group_of(c.items, c.total))] += c.shown;
    }
    let all: i64 = n.iter().sum();
    let share = |part: i64, of: i64| if of > 0 { part as f64 / of as f64 } else { 0.0 };
    let row = |key: Option<char>| {
        let mut k = [0i64; 3];
        for c in chosen.iter().filter(|c| c.option.chars().next() == key) {
            k[group_index(group_of(c.items, c.total))] += c.chosen;
        }
        let correct = key.is_some_and(|k| answer.contains(&k));
        let overall = share(k.iter().sum(), all);
        OptionShare {
            key,
            correct,
            share: overall,
            upper: (cut.is_some() && n[2] > 0).then(|| share(k[2], n[2])),
            lower: (cut.is_some() && n[0] > 0).then(|| share(k[0], n[0])),
            non_functional: key.is_some() && !correct && all > 0 && overall < NON_FUNCTIONAL,
        }
    };
    let mut out: Vec<OptionShare> = keys.iter().map(|&k| row(Some(k))).collect();
    out.push(row(None));
    out
}

fn group_index(g: Group) -> usize {
    match g {
        Group::Lower => 0,
        Group::Middle => 1,
        Group::Upper => 2,
    }
}

#[cfg(test)]
mod tests;
