//! Problem reports: the student's form and their list of outcomes, and the
//! instructor's queue with the question's statistics and an answer form.

use actix_session::Session;
use actix_web::{HttpResponse, web};
use askama::Template;
use askama_web::WebTemplate;
use serde::Deserialize;
use uuid::Uuid;

use super::AppState;
use super::context::{InstructorOnly, PageCtx, SignedIn, set_flash};
use super::error::AppError;
use super::forms::see_other;
use crate::reports::store::{self, Report};
use crate::reports::{Kind, ReportError, Seen, Status, bounded_text};

super::forms::form_enum! {
    pub enum KindField { WrongKey => "wrong_key", Outdated => "outdated", Unclear => "unclear", Typo => "typo", Other => "other" }
}

super::forms::form_enum! {
    pub enum StatusFilter { Open => "open", Accepted => "accepted", Rejected => "rejected" }
}

super::forms::form_enum! {
    pub enum Decision { Accepted => "accepted", Rejected => "rejected" }
}

fn kind(k: KindField) -> Kind {
    match k {
        KindField::WrongKey => Kind::WrongKey,
        KindField::Outdated => Kind::Outdated,
        KindField::Unclear => Kind::Unclear,
        KindField::Typo => Kind::Typo,
        KindField::Other => Kind::Other,
    }
}

#[derive(Deserialize)]
pub struct ReportForm {
    question: String,
    /// The attempt and position the question was shown at; absent for a
    /// review-session card.
    attempt: Option<Uuid>,
    position: Option<i32>,
    #[serde(deserialize_with = "super::forms::blank_or")]
    kind: Option<KindField>,
    #[serde(default)]
    text: String,
}

impl From<ReportError> for AppError {
    fn from(e: ReportError) -> Self {
        match e {
            ReportError::NotSeen => AppError::NotFound,
            ReportError::Throttled => AppError::Throttled { retry_after_secs: 3600 },
            ReportError::Db(db) => db.into(),
        }
    }
}

/// Files a report, then shows the student their reports.
pub async fn file(
    auth: SignedIn,
    session: Session,
    state: web::Data<AppState>,
    form: web::Form<ReportForm>,
) -> Result<HttpResponse, AppError> {
    let f = form.into_inner();
    let Some(k) = f.kind else {
        return Err(AppError::BadRequest("reports.kind_required"));
    };
    let Some(body) = bounded_text(&f.text) else {
        return Err(AppError::BadRequest("reports.too_long"));
    };
    let seen = match (f.attempt, f.position) {
        (Some(attempt), Some(position)) if position > 0 => Seen::Attempt { attempt, position },
        (None, None) => Seen::Review,
        _ => return Err(AppError::BadRequest("error.400.body")),
    };
    store::file(&state.pool, auth.user.id, f.question.trim(), seen, kind(k), &body).await?;
    set_flash(&session, "reports.filed");
    Ok(see_other("/reports"))
}

/// A report as pages print it.
pub struct ReportView {
    pub id: Uuid,
    pub question_id: String,
    pub version: i32,
    pub kind: &'static str,
    pub body: String,
    pub status: &'static str,
    pub status_code: &'static str,
    pub answer: String,
    pub date: String,
    pub student: String,
    pub stem: String,
}

impl ReportView {
    fn new(ctx: &PageCtx, r: Report) -> Self {
        ReportView {
            id: r.id,
            question_id: r.question_id,
            version: r.version,
            kind: ctx.t(&format!("reports.kind_{}", r.kind.as_str())),
            body: r.body,
            status: ctx.t(&format!("reports.status_{}", r.status.as_str())),
            status_code: r.status.as_str(),
            answer: r.answer.unwrap_or_default(),
            date: ctx.date(&r.created_at),
            student: r.student,
            stem: r.stem,
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "reports/mine.html")]
pub struct MinePage {
    pub ctx: PageCtx,
    pub reports: Vec<ReportView>,
}

pub async fn mine(auth: SignedIn, state: web::Data<AppState>) -> Result<MinePage, AppError> {
    let rows = store::mine(&state.pool, auth.user.id).await?;
    let reports = rows.into_iter().map(|r| ReportView::new(&auth.ctx, r)).collect();
    Ok(MinePage { ctx: auth.ctx, reports })
}

#[derive(Deserialize)]
pub struct QueueQuery {
    #[serde(default, deserialize_with = "super::forms::blank_or")]
    status: Option<StatusFilter>,
}

#[derive(Template, WebTemplate)]
#[template(path = "instructor/reports/queue.html")]
pub struct QueuePage {
    pub ctx: PageCtx,
    pub status: &'static str,
    pub reports: Vec<ReportView>,
}

pub async fn queue(
    auth: InstructorOnly,
    state: web::Data<AppState>,
    query: web::Query<QueueQuery>,
) -> Result<QueuePage, AppError> {
    let status = match query.status.unwrap_or(StatusFilter::Open) {
        StatusFilter::Open => Status::Open,
        StatusFilter::Accepted => Status::Accepted,
        StatusFilter::Rejected => Status::Rejected,
    };
    let rows = store::queue(&state.pool, status).await?;
    let reports = rows.into_iter().map(|r| ReportView::new(&auth.ctx, r)).collect();
    Ok(QueuePage {
        ctx: auth.ctx,
        status: status.as_str(),
        reports,
    })
}

#[derive(Template, WebTemplate)]
#[template(path = "instructor/reports/report.html")]
pub struct ReportPage {
    pub ctx: PageCtx,
    pub r: ReportView,
    pub q: super::bank::QuestionView,
    pub stats: Vec<super::stats::VersionStatsView>,
}

pub async fn report(
    auth: InstructorOnly,
    state: web::Data<AppState>,
    path: web::Path<Uuid>,
) -> Result<ReportPage, AppError> {
    let Some(r) = store::one(&state.pool, path.into_inner()).await? else {
        return Err(AppError::NotFound);
    };
    let versions = crate::bank::store::versions(&state.pool, &r.question_id).await?;
    let Some(seen) = versions.iter().find(|v| v.version == r.version) else {
        return Err(AppError::NotFound);
    };
    let q = super::bank::QuestionView::new(&seen.question, seen.version);
    let stats = super::stats::for_question(&state, &r.question_id)
        .await?
        .into_iter()
        .filter(|s| s.item.version == r.version)
        .collect();
    Ok(ReportPage {
        r: ReportView::new(&auth.ctx, r),
        ctx: auth.ctx,
        q,
        stats,
    })
}

#[derive(Deserialize)]
pub struct DecideForm {
    #[serde(deserialize_with = "super::forms::blank_or")]
    decision: Option<Decision>,
    #[serde(default)]
    answer: String,
}

pub async fn decide(
    auth: InstructorOnly,
    session: Session,
    state: web::Data<AppState>,
    path: web::Path<Uuid>,
    form: web::Form<DecideForm>,
) -> Result<HttpResponse, AppError> {
    let status = match form.decision {
        Some(Decision::Accepted) => Status::Accepted,
        Some(Decision::Rejected) => Status::Rejected,
        None => return Err(AppError::BadRequest("reports.decision_required")),
    };
    let Some(answer) = bounded_text(&form.answer) else {
        return Err(AppError::BadRequest("reports.too_long"));
    };
    let id = path.into_inner();
    if !store::decide(&state.pool, id, auth.user.id, status, &answer).await? {
        return Err(AppError::NotFound);
    }
    set_flash(&session, "reports.decided");
    Ok(see_other("/instructor/reports"))
}
