//! Attempt history with a progress chart per exam, drawn on the server as SVG.

use actix_web::web;
use askama::Template;
use askama_web::WebTemplate;

use super::AppState;
use super::context::{PageCtx, SignedIn};
use super::error::AppError;
use crate::exam::view::{self, Summary};

/// One exam's line chart of scaled scores over time, with the pass mark.
pub struct Chart {
    pub exam: String,
    pub width: u32,
    pub height: u32,
    /// `x,y` pairs for the polyline.
    pub points: String,
    pub dots: Vec<(f64, f64, i32)>,
    pub pass_y: f64,
    pub passing: i32,
}

const W: f64 = 600.0;
const H: f64 = 220.0;
const PAD: f64 = 30.0;

fn y_of(score: f64) -> f64 {
    // 100..1000 onto the plot's height, higher scores further up.
    PAD + (H - 2.0 * PAD) * (1.0 - (score - 100.0) / 900.0)
}

/// Builds charts from finished attempts (oldest first), one per exam.
pub fn charts(attempts: &[Summary]) -> Vec<Chart> {
    let mut exams: Vec<&str> = attempts.iter().map(|a| a.exam.as_str()).collect();
    exams.sort_unstable();
    exams.dedup();
    exams
        .into_iter()
        .map(|exam| {
            let mut scored: Vec<&Summary> = attempts
                .iter()
                .filter(|a| a.exam == exam && a.scaled_score.is_some())
                .collect();
            scored.sort_by_key(|a| a.started_at);
            let n = scored.len();
            let step = if n > 1 { (W - 2.0 * PAD) / (n - 1) as f64 } else { 0.0 };
            let dots: Vec<(f64, f64, i32)> = scored
                .iter()
                .enumerate()
                .map(|(i, a)| {
                    let s = a.scaled_score.unwrap_or(100);
                    (PAD + step * i as f64, y_of(f64::from(s)), s)
                })
                .collect();
            let points = dots
                .iter()
                .map(|(x, y, _)| format!("{x:.1},{y:.1}"))
                .collect::<Vec<_>>()
                .join(" ");
            let passing = scored.first().map(|a| a.passing_score).unwrap_or(720);
            Chart {
                exam: exam.to_uppercase(),
                width: W as u32,
                height: H as u32,
                points,
                dots,
                pass_y: y_of(f64::from(passing)),
                passing,
            }
        })
        .collect()
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
