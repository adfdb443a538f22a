//! The end of an attempt: the review screen (every question with its state,
//! and the walks through all, flagged or incomplete ones), the submit
//! confirmation, submitting, and the result.

use actix_web::{HttpResponse, web};
use askama::Template;
use askama_web::WebTemplate;
use uuid::Uuid;

use super::AppState;
use super::context::{PageCtx, SignedIn};
use super::error::AppError;
use super::exams::{reader, settled};
use super::forms::{PageOr, redirect, see_other};
use crate::exam::store::{self, Finish};
use crate::exam::view::{self, ReviewLine, Summary, Viewer};
use crate::exam::walk::{self, Counts, Walk};

/// A walk the review screen offers, with where it starts (`None`: nothing to walk).
pub struct WalkLink {
    pub walk: Walk,
    pub first: Option<i32>,
    pub count: usize,
}

#[derive(Template, WebTemplate)]
#[template(path = "exam/review.html")]
pub struct ReviewPage {
    pub ctx: PageCtx,
    pub attempt: Summary,
    pub lines: Vec<ReviewLine>,
    pub counts: Counts,
    pub walks: Vec<WalkLink>,
}

pub async fn review(auth: SignedIn, state: web::Data<AppState>, path: web::Path<Uuid>) -> PageOr<ReviewPage> {
    let id = path.into_inner();
    let attempt = settled(&state, id, Viewer::Owner(auth.user.id)).await?;
    if !attempt.summary().is_open() {
        return Ok(redirect(&format!("/attempts/{id}/result")));
    }
    let lines = view::review_lines(&state.pool, &attempt).await?;
    let states: Vec<_> = lines.iter().map(|l| l.state.clone()).collect();
    let walks = [Walk::All, Walk::Flagged, Walk::Incomplete]
        .into_iter()
        .map(|w| WalkLink {
            walk: w,
            first: w.first(&states),
            count: w.positions(&states).len(),
        })
        .collect();
    Ok(actix_web::Either::Left(ReviewPage {
        ctx: auth.ctx,
        attempt: attempt.into_summary(),
        counts: walk::counts(&states),
        lines,
        walks,
    }))
}

#[derive(Template, WebTemplate)]
#[template(path = "exam/confirm.html")]
pub struct ConfirmPage {
    pub ctx: PageCtx,
    pub attempt: Summary,
    pub counts: Counts,
}

/// "Submit?" with the counts of unanswered and flagged questions; the
/// review screen's submit button leads here, so it works without JavaScript.
pub async fn confirm(auth: SignedIn, state: web::Data<AppState>, path: web::Path<Uuid>) -> PageOr<ConfirmPage> {
    let id = path.into_inner();
    let attempt = settled(&state, id, Viewer::Owner(auth.user.id)).await?;
    if !attempt.summary().is_open() {
        return Ok(redirect(&format!("/attempts/{id}/result")));
    }
    let states = view::item_states(&state.pool, &attempt).await?;
    Ok(actix_web::Either::Left(ConfirmPage {
        ctx: auth.ctx,
        attempt: attempt.into_summary(),
        counts: walk::counts(&states),
    }))
}

pub async fn submit(
    auth: SignedIn,
    state: web::Data<AppState>,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    // Only the owner submits; a second submit finds it closed and changes nothing.
    let attempt = view::attempt_for(&state.pool, id, Viewer::Owner(auth.user.id))
        .await?
        .ok_or(AppError::NotFound)?;
    store::finalize(&state.pool, attempt.id(), Finish::Submitted).await?;
    Ok(see_other(&format!("/attempts/{id}/result")))
}

pub struct DomainRow {
    pub name: String,
    pub right: i64,
    pub total: i64,
    pub percent: i64,
}

#[derive(Template, WebTemplate)]
#[template(path = "exam/result.html")]
pub struct ResultPage {
    pub ctx: PageCtx,
    pub attempt: Summary,
    pub domains: Vec<DomainRow>,
    pub counts: Counts,
}

impl ResultPage {
    pub fn used(&self) -> String {
        let s = self.attempt.used_secs();
        format!("{}:{:02}:{:02}", s / 3600, (s % 3600) / 60, s % 60)
    }
}

pub async fn result(auth: SignedIn, state: web::Data<AppState>, path: web::Path<Uuid>) -> PageOr<ResultPage> {
    let id = path.into_inner();
    let owned = settled(&state, id, reader(&auth.user)).await?;
    if owned.summary().is_open() {
        return Ok(redirect(&format!("/attempts/{id}/q/1")));
    }
    let catalog = state.catalog().await?;
    let names = catalog
        .exam(&owned.summary().exam)
        .map(|e| e.domain_names(auth.ctx.lang))
        .unwrap_or_default();
    let domains = view::domain_results(&state.pool, &owned)
        .await?
        .into_iter()
        .map(|r| DomainRow {
            name: names
                .iter()
                .find(|n| n.0 == r.domain)
                .map(|n| n.1.clone())
                .unwrap_or(r.domain),
            percent: if r.total > 0 {
                (r.right * 100 + r.total / 2) / r.total
            } else {
                0
            },
            right: r.right,
            total: r.total,
        })
        .collect();
    let states = view::item_states(&state.pool, &owned).await?;
    Ok(actix_web::Either::Left(ResultPage {
        ctx: auth.ctx,
        attempt: owned.into_summary(),
        domains,
        counts: walk::counts(&states),
    }))
}
