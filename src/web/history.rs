//! Attempt history with progress charts drawn on the server as SVG: full
//! exams (scaled score, with the pass mark) apart from practice sets and
//! drills (share correct), one chart per exam.

use actix_web::web;
use askama::Template;
use askama_web::WebTemplate;

use super::AppState;
use super::context::{PageCtx, SignedIn};
use super::error::AppError;
use crate::exam::view::{self, Summary};

/// One labelled tick on the vertical axis.
pub struct Tick {
    pub y: f64,
    pub label: i32,
}

/// A point: where it is drawn, its value, and the attempt's date.
pub struct Dot {
    pub x: f64,
    pub y: f64,
    pub value: i32,
    pub started_at: time::OffsetDateTime,
}

/// One exam's line chart, for full exams or for practice.
pub struct Chart {
    pub exam: String,
    pub full: bool,
    /// The first chart of its kind (full exams, practice): it gets the heading.
    pub first_of_kind: bool,
    pub width: u32,
    pub height: u32,
    /// `x,y` pairs for the polyline.
    pub points: String,
    pub dots: Vec<Dot>,
    pub ticks: Vec<Tick>,
    /// The pass mark's height and score; full exams only.
    pub pass: Option<(f64, i32)>,
    pub left: f64,
    pub right: f64,
    pub bottom: f64,
}

const W: f64 = 600.0;
const H: f64 = 240.0;
const LEFT: f64 = 48.0;
const RIGHT: f64 = 40.0;
const TOP: f64 = 16.0;
const BOTTOM: f64 = 36.0;

/// `value` in `min..=max` onto the plot's height, higher values further up.
fn y_of(value: f64, min: f64, max: f64) -> f64 {
    TOP + (H - TOP - BOTTOM) * (1.0 - (value - min) / (max - min))
}

fn chart(exam: &str, full: bool, scored: &[(&Summary, i32)]) -> Chart {
    let (min, max, step) = if full { (100.0, 1000.0, 300) } else { (0.0, 100.0, 25) };
    let n = scored.len();
    let span = W - LEFT - RIGHT;
    // One attempt sits in the middle rather than on the axis.
    let x_at = |i: usize| {
        if n > 1 {
            LEFT + span * i as f64 / (n - 1) as f64
        } else {
            LEFT + span / 2.0
        }
    };
    let dots: Vec<Dot> = scored
        .iter()
        .enumerate()
        .map(|(i, (a, v))| Dot {
            x: x_at(i),
            y: y_of(f64::from(*v), min, max),
            value: *v,
            started_at: a.started_at,
        })
        .collect();
    let points = dots
        .iter()
        .map(|d| format!("{:.1},{:.1}", d.x, d.y))
        .collect::<Vec<_>>()
        .join(" ");
    let ticks = (min as i32..=max as i32)
        .step_by(step)
        .map(|v| Tick {
            y: y_of(f64::from(v), min, max),
            label: v,
        })
        .collect();
    let pass = full.then(|| {
        let passing = scored.first().map(|(a, _)| a.passing_score).unwrap_or(720);
        (y_of(f64::from(passing), min, max), passing)
    });
    Chart {
        exam: exam.to_uppercase(),
        full,
        first_of_kind: false,
        width: W as u32,
        height: H as u32,
        points,
        dots,
        ticks,
        pass,
        left: LEFT,
        right: W - RIGHT,
        bottom: H - BOTTOM,
    }
}

/// Builds charts from attempts: per exam, one of full exams' scaled scores
/// and one of practice sets' share correct (oldest first), each only when
/// there is something to draw.
pub fn charts(attempts: &[Summary]) -> Vec<Chart> {
    let mut exams: Vec<&str> = attempts.iter().map(|a| a.exam.as_str()).collect();
    exams.sort_unstable();
    exams.dedup();
    let mut out = vec![];
    for full in [true, false] {
        for exam in &exams {
            let mut scored: Vec<(&Summary, i32)> = attempts
                .iter()
                .filter(|a| a.exam == *exam && a.is_full_exam() == full && !a.is_open())
                .filter_map(|a| {
                    let v = if full { a.scaled_score } else { a.percent_correct() };
                    v.map(|v| (a, v))
                })
                .collect();
            scored.sort_by_key(|(a, _)| a.started_at);
            if !scored.is_empty() {
                let mut c = chart(exam, full, &scored);
                c.first_of_kind = out.last().is_none_or(|prev: &Chart| prev.full != full);
                out.push(c);
            }
        }
    }
    out
}

#[derive(Template, WebTemplate)]
#[template(path = "exam/history.html")]
pub struct HistoryPage {
    pub ctx: PageCtx,
    pub attempts: Vec<Summary>,
    pub charts: Vec<Chart>,
}

pub async fn history(auth: SignedIn, state: web::Data<AppState>) -> Result<HistoryPage, AppError> {
    let attempts = view::history(&state.pool, auth.user.id).await?;
    let charts = charts(&attempts);
    Ok(HistoryPage {
        ctx: auth.ctx,
        attempts,
        charts,
    })
}
