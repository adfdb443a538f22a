//! The review area: weakest topics first, a topic's page with its summary and
//! the student's missed questions, topic drills, and the daily FSRS session.

use std::collections::HashMap;

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use askama_web::WebTemplate;
use serde::Deserialize;
use time::OffsetDateTime;

use super::AppState;
use super::context::{PageCtx, SignedIn, set_flash};
use super::error::{AppError, safe_next};
use super::forms::{render_with_status, see_other};
use super::question_view::QuestionView;
use crate::accounts::UserId;
use crate::bank::catalog::ExamInfo;
use crate::exam::store::{Feedback, Mode, StartError, StartRequest};
use crate::i18n::Lang;
use crate::markdown::render;
use crate::review::intake::{DEFAULT_NEW_PER_DAY, MAX_NEW_PER_DAY};
use crate::review::mastery::{self, Estimate, Trend};
use crate::review::plan::{mastery_for, time_zone, topic_names};
use crate::review::store::{self, Settings};

/// Reviews "due today" are counted to the end of the day where the student
/// most likely is: Korea for the Korean UI, UTC otherwise.
/// "in 10 minutes" / "10분 후", for when a question comes back.
pub fn in_words(lang: Lang, from: OffsetDateTime, to: OffsetDateTime) -> String {
    let secs = (to - from).whole_seconds().max(0);
    let (n, unit_ko, unit_en) = if secs < 3600 {
        ((secs + 59) / 60, "분", "minute")
    } else if secs < 86_400 {
        ((secs + 1800) / 3600, "시간", "hour")
    } else {
        ((secs + 43_200) / 86_400, "일", "day")
    };
    let n = n.max(1);
    match lang {
        Lang::Ko => format!("{n}{unit_ko} 후"),
        Lang::En => format!("in {n} {unit_en}{}", if n == 1 { "" } else { "s" }),
    }
}

/// One ranked row: a topic or a domain with its display name.
pub struct Row {
    pub key: String,
    pub name: String,
    pub est: Estimate,
}

impl Row {
    pub fn trend_key(&self) -> &'static str {
        match self.est.trend {
            Trend::Improving => "review.trend_up",
            Trend::Declining => "review.trend_down",
            Trend::Steady => "review.trend_steady",
            Trend::Unknown => "review.trend_unknown",
        }
    }
}

/// One bar of the per-domain chart, in SVG user units.
pub struct Bar {
    pub name: String,
    pub y: u32,
    pub width: f64,
    pub low_x: f64,
    pub high_x: f64,
    pub pct: u32,
    pub seen: usize,
    pub below: bool,
    pub enough: bool,
}

pub struct DomainChart {
    pub height: u32,
    pub pass_x: f64,
    pub pass_pct: u32,
    pub bars: Vec<Bar>,
}

const CHART_X: f64 = 200.0;
const CHART_W: f64 = 380.0;
const BAR_STEP: u32 = 34;

fn rows(estimates: Vec<Estimate>, names: &HashMap<String, String>) -> Vec<Row> {
    estimates
        .into_iter()
        .map(|est| Row {
            name: names.get(&est.key).cloned().unwrap_or_else(|| est.key.clone()),
            key: est.key.clone(),
            est,
        })
        .collect()
}

fn domain_chart(exam: &ExamInfo, lang: Lang, domains: &[Estimate]) -> DomainChart {
    let pass_share = exam.pass_share();
    let bars = exam
        .domains
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let est = domains.iter().find(|e| e.key == d.code);
            let (acc, low, high, seen, enough) = est.map_or((0.0, 0.0, 0.0, 0, false), |e| {
                (e.accuracy, e.low, e.high, e.seen, e.enough_data())
            });
            Bar {
                name: d.name.get(lang).to_owned(),
                y: 10 + BAR_STEP * i as u32,
                width: CHART_W * acc,
                low_x: CHART_X + CHART_W * low,
                high_x: CHART_X + CHART_W * high,
                pct: (acc * 100.0).round() as u32,
                seen,
                below: acc < pass_share,
                enough,
            }
        })
        .collect::<Vec<_>>();
    DomainChart {
        height: 20 + BAR_STEP * bars.len() as u32,
        pass_x: CHART_X + CHART_W * pass_share,
        pass_pct: (pass_share * 100.0).round() as u32,
        bars,
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "review/index.html")]
pub struct ReviewPage {
    pub ctx: PageCtx,
    pub exams: Vec<String>,
    pub exam: String,
    pub ranked: Vec<Row>,
    pub thin: Vec<Row>,
    pub chart: Option<DomainChart>,
    pub due_now: i64,
    pub due_today: i64,
    pub min_answers: usize,
}

#[derive(Deserialize)]
pub struct ExamQuery {
    exam: Option<String>,
}

pub async fn index(
    auth: SignedIn,
    state: web::Data<AppState>,
    query: web::Query<ExamQuery>,
) -> super::forms::PageOr<ReviewPage> {
    let user = auth.user.id;
    let lang = auth.ctx.lang;
    let exams = store::exams_answered(&state.pool, user).await?;
    let exam = match &query.exam {
        Some(e) if exams.contains(e) => e.clone(),
        Some(_) => return Err(AppError::NotFound),
        None => exams.first().cloned().unwrap_or_default(),
    };
    let store::DueCounts {
        now: due_now,
        today: due_today,
    } = store::due_counts(&state.pool, user, time_zone(lang)).await?;
    let (mut ranked, mut thin, mut chart) = (vec![], vec![], None);
    let catalog = state.catalog().await?;
    if let Some(info) = catalog.exam(&exam) {
        let m = mastery_for(&state.pool, user, &exam).await?;
        let names = topic_names(&state.pool, lang).await?;
        let (r, t) = mastery::rank(m.topics);
        ranked = rows(r, &names);
        thin = rows(t, &names);
        chart = Some(domain_chart(info, lang, &m.domains));
    }
    Ok(actix_web::Either::Left(ReviewPage {
        ctx: auth.ctx,
        exams,
        exam,
        ranked,
        thin,
        chart,
        due_now,
        due_today,
        min_answers: mastery::MIN_ANSWERS,
    }))
}

pub struct MissedView {
    pub q: QuestionView,
    pub wrong: i64,
    pub seen: i64,
    pub last_correct: bool,
    pub queued: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "review/topic.html")]
pub struct TopicPage {
    pub ctx: PageCtx,
    pub slug: String,
    pub name: String,
    pub summary: String,
    pub exams: Vec<String>,
    pub size: i64,
    pub estimate: Option<Estimate>,
    pub missed: Vec<MissedView>,
    pub shortfall: Option<(usize, usize)>,
    pub default_count: i64,
}

async fn topic_page(
    state: &AppState,
    ctx: PageCtx,
    user: UserId,
    slug: &str,
    shortfall: Option<(usize, usize)>,
) -> Result<TopicPage, AppError> {
    let lang = ctx.lang;
    let topic = crate::bank::store::topic_overview(&state.pool, slug)
        .await?
        .ok_or(AppError::NotFound)?;
    let mut estimate = None;
    for exam in &topic.exams {
        let m = mastery_for(&state.pool, user, exam).await?;
        if let Some(e) = m.topics.into_iter().find(|e| e.key == slug) {
            estimate = Some(e);
            break;
        }
    }
    let missed = store::missed(&state.pool, user, slug)
        .await?
        .into_iter()
        .map(|m| MissedView {
            q: QuestionView::new(&m.question, &[], &[]),
            wrong: m.wrong,
            seen: m.seen,
            last_correct: m.last_correct,
            queued: m.queued,
        })
        .collect();
    Ok(TopicPage {
        ctx,
        slug: slug.to_owned(),
        name: topic.name.get(lang).to_owned(),
        summary: render(topic.summary.get(lang)),
        exams: topic.exams,
        default_count: topic.size.min(10),
        size: topic.size,
        estimate,
        missed,
        shortfall,
    })
}

pub async fn topic(auth: SignedIn, state: web::Data<AppState>, path: web::Path<String>) -> Result<TopicPage, AppError> {
    topic_page(&state, auth.ctx, auth.user.id, &path, None).await
}

#[derive(Deserialize)]
pub struct DrillForm {
    exam: String,
    count: String,
}

/// Starts a practice set of this topic, unseen and missed questions first,
/// with feedback after each question.
pub async fn drill(
    auth: SignedIn,
    state: web::Data<AppState>,
    path: web::Path<String>,
    form: web::Form<DrillForm>,
) -> Result<HttpResponse, AppError> {
    let slug = path.into_inner();
    let count = form.count.trim().parse::<usize>().unwrap_or(10).clamp(1, 65);
    let req = StartRequest {
        user: auth.user.id,
        exam: form.exam.clone(),
        mode: Mode::Practice,
        feedback: Feedback::EachQuestion,
        count: Some(count),
        minutes: None,
        domains: vec![],
        topics: vec![slug.clone()],
    };
    let started = state.starter.start(req).await;
    match started {
        Ok(id) => Ok(see_other(&format!("/attempts/{id}/q/1"))),
        Err(StartError::Shortfall(s)) => {
            let (wanted, available) = s.first().map_or((count, 0), |s| (s.wanted, s.available));
            let page = topic_page(&state, auth.ctx, auth.user.id, &slug, Some((wanted, available))).await?;
            render_with_status(&page, StatusCode::UNPROCESSABLE_ENTITY)
        }
        Err(StartError::UnknownExam(_)) => Err(AppError::NotFound),
        Err(e @ (StartError::Db(_) | StartError::BatchFailed)) => Err(e.into()),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "review/session.html")]
pub struct SessionPage {
    pub ctx: PageCtx,
    /// The question on screen, if one is due or was just answered.
    pub q: Option<QuestionView>,
    /// Set once answered: right or wrong.
    pub result: Option<bool>,
    pub next_in: String,
    pub due_now: i64,
    pub due_today: i64,
    /// When nothing is due: when the next one is.
    pub upcoming: Option<String>,
}

fn empty_session(ctx: PageCtx) -> SessionPage {
    SessionPage {
        ctx,
        q: None,
        result: None,
        next_in: String::new(),
        due_now: 0,
        due_today: 0,
        upcoming: None,
    }
}

pub async fn session(auth: SignedIn, state: web::Data<AppState>) -> Result<SessionPage, AppError> {
    let user = auth.user.id;
    let lang = auth.ctx.lang;
    let store::DueCounts {
        now: due_now,
        today: due_today,
    } = store::due_counts(&state.pool, user, time_zone(lang)).await?;
    let mut page = empty_session(auth.ctx);
    page.due_now = due_now;
    page.due_today = due_today;
    match store::next_due(&state.pool, user).await? {
        Some(item) => {
            page.q = Some(QuestionView::new(&item.question, &[], &[]));
        }
        None => {
            let now = OffsetDateTime::now_utc();
            page.upcoming = store::queue(&state.pool, user, 1)
                .await?
                .first()
                .map(|u| in_words(lang, now, u.due));
        }
    }
    Ok(page)
}

/// Grades a review answer and shows the feedback with when it comes back.
pub async fn session_answer(
    auth: SignedIn,
    session: Session,
    state: web::Data<AppState>,
    form: web::Form<Vec<(String, String)>>,
) -> super::forms::PageOr<SessionPage> {
    let user = auth.user.id;
    let lang = auth.ctx.lang;
    let qid = form
        .iter()
        .find(|(k, _)| k == "question")
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    let chosen: Vec<char> = form
        .iter()
        .filter(|(k, _)| k == "choice")
        .filter_map(|(_, v)| v.chars().next())
        .collect();
    if chosen.is_empty() {
        set_flash(&session, "review.choose_first");
        return Ok(super::forms::redirect("/review/session"));
    }
    let done = match store::answer(&state.pool, user, &qid, &chosen).await {
        Ok(done) => done,
        Err(store::ReviewError::NotDue) => {
            set_flash(&session, "review.not_due");
            return Ok(super::forms::redirect("/review/session"));
        }
        Err(store::ReviewError::BadOption) => return Err(AppError::NotFound),
        Err(store::ReviewError::Db(e)) => return Err(e.into()),
    };
    let store::DueCounts {
        now: due_now,
        today: due_today,
    } = store::due_counts(&state.pool, user, time_zone(lang)).await?;
    let page = SessionPage {
        q: Some(QuestionView::new(&done.question, &[], &done.selected)),
        result: Some(done.correct),
        next_in: in_words(lang, OffsetDateTime::now_utc(), done.next_due),
        due_now,
        due_today,
        upcoming: None,
        ctx: auth.ctx,
    };
    Ok(actix_web::Either::Left(page))
}

#[derive(Deserialize)]
pub struct DropForm {
    next: Option<String>,
}

pub async fn drop_card(
    auth: SignedIn,
    session: Session,
    state: web::Data<AppState>,
    path: web::Path<String>,
    form: web::Form<DropForm>,
) -> Result<HttpResponse, AppError> {
    if store::drop_card(&state.pool, auth.user.id, &path).await? {
        set_flash(&session, "review.dropped");
    }
    Ok(see_other(safe_next(form.next.as_deref())))
}

#[derive(Template, WebTemplate)]
#[template(path = "review/settings.html")]
pub struct SettingsPage {
    pub ctx: PageCtx,
    pub retention_pct: u32,
    pub include_correct: bool,
    pub new_per_day: u32,
    pub max_new_per_day: u32,
    pub retention_error: bool,
    pub cap_error: bool,
}

pub async fn settings(auth: SignedIn, state: web::Data<AppState>) -> Result<SettingsPage, AppError> {
    let s = store::settings(&state.pool, auth.user.id).await?;
    Ok(SettingsPage {
        ctx: auth.ctx,
        retention_pct: (s.retention * 100.0).round() as u32,
        include_correct: s.include_correct,
        new_per_day: s.new_per_day,
        max_new_per_day: MAX_NEW_PER_DAY,
        retention_error: false,
        cap_error: false,
    })
}

#[derive(Deserialize)]
pub struct SettingsForm {
    retention: String,
    include_correct: Option<String>,
    /// Absent from older forms: then the saved cap stays.
    new_per_day: Option<String>,
}

pub async fn save_settings(
    auth: SignedIn,
    session: Session,
    state: web::Data<AppState>,
    form: web::Form<SettingsForm>,
) -> Result<HttpResponse, AppError> {
    let include_correct = form.include_correct.as_deref() == Some("on");
    let pct = form.retention.trim().trim_end_matches('%').trim().parse::<u32>().ok();
    let pct = pct.filter(|p| (70..=99).contains(p));
    let cap = match form.new_per_day.as_deref().map(str::trim) {
        None => Some(store::settings(&state.pool, auth.user.id).await?.new_per_day),
        Some(v) => v.parse::<u32>().ok().filter(|n| (1..=MAX_NEW_PER_DAY).contains(n)),
    };
    let (Some(pct), Some(new_per_day)) = (pct, cap) else {
        return render_with_status(
            &SettingsPage {
                ctx: auth.ctx,
                retention_pct: pct.unwrap_or(90),
                include_correct,
                new_per_day: cap.unwrap_or(DEFAULT_NEW_PER_DAY),
                max_new_per_day: MAX_NEW_PER_DAY,
                retention_error: pct.is_none(),
                cap_error: cap.is_none(),
            },
            StatusCode::UNPROCESSABLE_ENTITY,
        );
    };
    store::set_settings(
        &state.pool,
        auth.user.id,
        Settings {
            retention: f64::from(pct) / 100.0,
            include_correct,
            new_per_day,
        },
    )
    .await?;
    set_flash(&session, "review.settings_saved");
    Ok(see_other("/review/settings"))
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;

    #[test]
    fn intervals_read_naturally() {
        let t = datetime!(2026-11-23 09:00 UTC);
        assert_eq!(in_words(Lang::En, t, t + time::Duration::minutes(10)), "in 10 minutes");
        assert_eq!(in_words(Lang::Ko, t, t + time::Duration::days(4)), "4일 후");
        assert_eq!(in_words(Lang::En, t, t + time::Duration::hours(1)), "in 1 hour");
        assert_eq!(in_words(Lang::En, t, t), "in 1 minute");
    }
}
