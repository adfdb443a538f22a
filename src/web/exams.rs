//! Taking exams and practice sets: choose, start, answer one question per
//! page, review, submit, results, the answer walkthrough and history.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{FromRequest, HttpResponse, web};
use askama::Template;
use askama_web::WebTemplate;
use rand::SeedableRng;
use uuid::Uuid;

use super::AppState;
use super::context::{PageCtx, SignedIn, set_flash};
use super::error::AppError;
use super::forms::{render_with_status, see_other};
use super::question_view::QuestionView;
use crate::accounts::User;
use crate::exam::assembly::Shortfall;
use crate::exam::store::{self, Feedback, Finish, Mode, SaveError, StartError, StartRequest};
use crate::exam::view::{self, ItemState, Summary};

/// Students see their own attempts; instructors may open anyone's.
fn owner_filter(user: &User) -> Option<crate::accounts::UserId> {
    (!user.role.at_least(crate::accounts::Role::Instructor)).then_some(user.id)
}

pub struct ExamChoice {
    pub code: String,
    pub name: String,
    pub questions: i32,
    pub minutes: i32,
    pub passing: i32,
    pub domains: Vec<(String, String)>,
}

#[derive(Template, WebTemplate)]
#[template(path = "exam/choose.html")]
pub struct ChoosePage {
    pub ctx: PageCtx,
    pub exams: Vec<ExamChoice>,
    pub open: Option<Summary>,
    pub shortfalls: Vec<Shortfall>,
}

async fn exam_choices(state: &AppState, ctx: &PageCtx) -> Result<Vec<ExamChoice>, AppError> {
    let en = ctx.lang == crate::i18n::Lang::En;
    let rows: Vec<(String, String, String, i32, i32, i32)> = sqlx::query_as(
        "select code, name_ko, name_en, questions, minutes, passing_score from blueprints order by code",
    )
    .fetch_all(&state.pool)
    .await?;
    let doms: Vec<(String, String, String, String)> =
        sqlx::query_as("select exam, code, name_ko, name_en from blueprint_domains order by exam, position")
            .fetch_all(&state.pool)
            .await?;
    Ok(rows
        .into_iter()
        .map(|(code, ko, en_name, questions, minutes, passing)| ExamChoice {
            domains: doms
                .iter()
                .filter(|d| d.0 == code)
                .map(|d| (d.1.clone(), if en { d.3.clone() } else { d.2.clone() }))
                .collect(),
            name: if en { en_name } else { ko },
            code,
            questions,
            minutes,
            passing,
        })
        .collect())
}

async fn open_attempt(state: &AppState, user: &User) -> Result<Option<Summary>, AppError> {
    for s in view::history(&state.pool, user.id).await? {
        if s.is_open() {
            // Re-read through `summary`, which closes it if its time ran out.
            return Ok(view::summary(&state.pool, s.id, Some(user.id))
                .await?
                .filter(Summary::is_open));
        }
    }
    Ok(None)
}

pub async fn choose(auth: SignedIn, state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    let exams = exam_choices(&state, &auth.ctx).await?;
    let open = open_attempt(&state, &auth.user).await?;
    render_with_status(
        &ChoosePage {
            ctx: auth.ctx,
            exams,
            open,
            shortfalls: vec![],
        },
        StatusCode::OK,
    )
}

/// Starts a full exam or a practice set from the choose page's forms.
/// A crowd presses Start at once, so the happy path reads only the user id
/// from the session; the page context is built only to show a shortfall.
pub async fn start(
    session: Session,
    http: actix_web::HttpRequest,
    state: web::Data<AppState>,
    form: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let Some(user) = super::context::session_user_id(&session) else {
        return Err(AppError::SignInRequired { next: "/exams".into() });
    };
    let get = |k: &str| form.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    let all = |k: &str| {
        form.iter()
            .filter(|(n, _)| n == k)
            .map(|(_, v)| v.clone())
            .collect::<Vec<_>>()
    };
    let mode = if get("mode") == Some("practice") {
        Mode::Practice
    } else {
        Mode::Exam
    };
    let req = StartRequest {
        user,
        exam: get("exam").unwrap_or("").to_owned(),
        mode,
        feedback: if mode == Mode::Practice && get("feedback") == Some("each") {
            Feedback::EachQuestion
        } else {
            Feedback::AtEnd
        },
        count: get("count").and_then(|c| c.parse().ok()),
        minutes: (get("timed") == Some("on"))
            .then(|| get("minutes").and_then(|m| m.parse().ok()))
            .flatten(),
        domains: all("domain"),
        topics: all("topic"),
    };
    let started = {
        let mut rng = rand::rngs::StdRng::from_entropy();
        store::start(&state.pool, &req, &mut rng).await
    };
    match started {
        Ok(id) => Ok(see_other(&format!("/attempts/{id}/q/1"))),
        Err(StartError::Shortfall(shortfalls)) => {
            let auth = SignedIn::extract(&http).await?;
            let exams = exam_choices(&state, &auth.ctx).await?;
            let open = open_attempt(&state, &auth.user).await?;
            render_with_status(
                &ChoosePage {
                    ctx: auth.ctx,
                    exams,
                    open,
                    shortfalls,
                },
                StatusCode::UNPROCESSABLE_ENTITY,
            )
        }
        Err(StartError::UnknownExam(_)) => Err(AppError::NotFound),
        Err(StartError::Db(e)) => Err(e.into()),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "exam/question.html")]
pub struct QuestionPage {
    pub ctx: PageCtx,
    pub attempt: Summary,
    pub item_position: i32,
    pub q: QuestionView,
    /// The student asked for the English original (kept across questions).
    pub original: bool,
    pub flagged: bool,
    /// Whether a choice is saved already, so clearing every box is saved too.
    pub answered: bool,
    pub locked: bool,
    pub correct: Option<bool>,
    pub nav: Vec<ItemState>,
    pub total: i32,
    /// Lets the page's script save answers to this attempt without a session lookup.
    pub save_token: String,
}

type HmacSha256 = hmac::Hmac<sha2::Sha256>;

fn save_mac(key: &[u8], attempt: Uuid, user: crate::accounts::UserId) -> Option<HmacSha256> {
    use hmac::Mac;
    let mut mac = HmacSha256::new_from_slice(key).ok()?;
    mac.update(b"examdrill autosave\0");
    mac.update(attempt.as_bytes());
    mac.update(user.0.as_bytes());
    Some(mac)
}

/// `user.signature`: which user may save into `attempt`, signed with the app key.
pub fn save_token(key: &[u8], attempt: Uuid, user: crate::accounts::UserId) -> String {
    use base64::Engine;
    use hmac::Mac;
    let sig = save_mac(key, attempt, user)
        .map(|m| m.finalize().into_bytes().to_vec())
        .unwrap_or_default();
    format!(
        "{}.{}",
        user.0,
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(sig)
    )
}

/// The user a save token speaks for, if its signature matches `attempt`.
fn verify_save_token(key: &[u8], attempt: Uuid, token: &str) -> Option<crate::accounts::UserId> {
    use base64::Engine;
    use hmac::Mac;
    let (user, sig) = token.split_once('.')?;
    let user = crate::accounts::UserId(user.parse().ok()?);
    let sig = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(sig).ok()?;
    save_mac(key, attempt, user)?.verify_slice(&sig).ok()?;
    Some(user)
}

impl QuestionPage {
    pub fn clock(&self) -> String {
        match self.attempt.remaining_secs() {
            Some(s) => format!("{}:{:02}:{:02}", s / 3600, (s % 3600) / 60, s % 60),
            None => String::new(),
        }
    }
}

fn parse_path(path: &(String, i32)) -> Result<(Uuid, i32), AppError> {
    Ok((path.0.parse().map_err(|_| AppError::NotFound)?, path.1))
}

#[derive(serde::Deserialize)]
pub struct QuestionQuery {
    original: Option<String>,
}

pub async fn question(
    auth: SignedIn,
    state: web::Data<AppState>,
    path: web::Path<(String, i32)>,
    query: web::Query<QuestionQuery>,
) -> Result<HttpResponse, AppError> {
    let (id, pos) = parse_path(&path)?;
    let attempt = view::summary(&state.pool, id, Some(auth.user.id))
        .await?
        .ok_or(AppError::NotFound)?;
    if !attempt.is_open() {
        return Ok(see_other(&format!("/attempts/{id}/result")));
    }
    let item = view::item(&state.pool, id, pos).await?.ok_or(AppError::NotFound)?;
    let nav = view::item_states(&state.pool, id).await?;
    let page = QuestionPage {
        q: QuestionView::new(&item.question, &item.order, &item.selected),
        original: query.original.as_deref() == Some("en"),
        flagged: item.flagged,
        answered: !item.selected.is_empty(),
        locked: item.locked,
        correct: item.correct,
        total: attempt.question_count,
        item_position: pos,
        nav,
        save_token: save_token(&state.save_key, id, auth.user.id),
        attempt,
        ctx: auth.ctx,
    };
    render_with_status(&page, StatusCode::OK)
}

fn choices(form: &[(String, String)]) -> Vec<char> {
    form.iter()
        .filter(|(k, _)| k == "choice")
        .filter_map(|(_, v)| v.chars().next())
        .collect()
}

/// The no-JavaScript path: the form post saves the choice and the flag, then moves on.
pub async fn answer(
    auth: SignedIn,
    session: Session,
    state: web::Data<AppState>,
    path: web::Path<(String, i32)>,
    form: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let (id, pos) = parse_path(&path)?;
    let user = auth.user.id;
    let chosen = choices(&form);
    let go = form
        .iter()
        .find(|(k, _)| k == "go")
        .map(|(_, v)| v.as_str())
        .unwrap_or("next");
    let flagged = form.iter().any(|(k, v)| k == "flag" && v == "on");
    let original = if form.iter().any(|(k, v)| k == "original" && v == "en") {
        "?original=en"
    } else {
        ""
    };
    let had_answer = form.iter().any(|(k, _)| k == "answered");
    if !chosen.is_empty() || had_answer {
        match state.saver.save(id, user, pos, &chosen).await {
            Ok(()) | Err(SaveError::Locked) => {}
            Err(SaveError::TooLate) | Err(SaveError::Finished) => {
                set_flash(&session, "exam.time_up");
                return Ok(see_other(&format!("/attempts/{id}/result")));
            }
            Err(SaveError::NotFound) | Err(SaveError::BadOption) => return Err(AppError::NotFound),
            Err(SaveError::Db) => return Err(AppError::Unavailable(anyhow::anyhow!("saving an answer failed"))),
        }
    }
    if !store::set_flag(&state.pool, id, user, pos, flagged).await? {
        return Err(AppError::NotFound);
    }
    let total: i32 = sqlx::query_scalar("select question_count from attempts where id = $1")
        .bind(id)
        .fetch_one(&state.pool)
        .await?;
    let target = match go {
        "check" => {
            view::lock(&state.pool, id, user, pos).await?;
            pos
        }
        "prev" => (pos - 1).max(1),
        "review" => return Ok(see_other(&format!("/attempts/{id}/review"))),
        "next" => (pos + 1).min(total),
        n => n.parse().unwrap_or(pos).clamp(1, total),
    };
    Ok(see_other(&format!("/attempts/{id}/q/{target}{original}")))
}

/// The JavaScript path: saves as soon as a choice changes; answers 204 once committed.
/// It is the hottest path, so it skips the session: the page hands its script
/// a token signed for this attempt and user, which also serves as the CSRF
/// token (a cross-site page cannot read it). The save itself still checks
/// that the attempt belongs to that user and is open.
pub async fn autosave(
    req: actix_web::HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
    form: web::Form<Vec<(String, String)>>,
) -> HttpResponse {
    let Ok(id) = path.parse::<Uuid>() else {
        return HttpResponse::NotFound().finish();
    };
    let token = req
        .headers()
        .get("x-save-token")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let Some(user) = verify_save_token(&state.save_key, id, token) else {
        return HttpResponse::Forbidden().finish();
    };
    let Some(pos) = form
        .iter()
        .find(|(k, _)| k == "position")
        .and_then(|(_, v)| v.parse::<i32>().ok())
    else {
        return HttpResponse::BadRequest().json(serde_json::json!({ "error": "position missing" }));
    };
    let lang = crate::i18n::Lang::current();
    if let Some(flag) = form.iter().find(|(k, _)| k == "flag").map(|(_, v)| v == "on") {
        return match store::set_flag(&state.pool, id, user, pos, flag).await {
            Ok(true) => HttpResponse::NoContent().finish(),
            Ok(false) => HttpResponse::NotFound().finish(),
            Err(_) => {
                HttpResponse::ServiceUnavailable().json(serde_json::json!({ "error": lang.t("exam.save_failed") }))
            }
        };
    }
    match state.saver.save(id, user, pos, &choices(&form)).await {
        Ok(()) => HttpResponse::NoContent().finish(),
        Err(SaveError::TooLate) | Err(SaveError::Finished) => {
            HttpResponse::Conflict().json(serde_json::json!({ "error": lang.t("exam.time_up") }))
        }
        Err(SaveError::Locked) => HttpResponse::Conflict().json(serde_json::json!({ "error": lang.t("exam.locked") })),
        Err(SaveError::NotFound) | Err(SaveError::BadOption) => HttpResponse::NotFound().finish(),
        Err(SaveError::Db) => {
            HttpResponse::ServiceUnavailable().json(serde_json::json!({ "error": lang.t("exam.save_failed") }))
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "exam/review.html")]
pub struct ReviewPage {
    pub ctx: PageCtx,
    pub attempt: Summary,
    pub unanswered: Vec<i32>,
    pub flagged: Vec<i32>,
}

pub async fn review(
    auth: SignedIn,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let id: Uuid = path.parse().map_err(|_| AppError::NotFound)?;
    let attempt = view::summary(&state.pool, id, Some(auth.user.id))
        .await?
        .ok_or(AppError::NotFound)?;
    if !attempt.is_open() {
        return Ok(see_other(&format!("/attempts/{id}/result")));
    }
    let states = view::item_states(&state.pool, id).await?;
    let unanswered = states.iter().filter(|s| !s.answered).map(|s| s.position).collect();
    let flagged = states.iter().filter(|s| s.flagged).map(|s| s.position).collect();
    render_with_status(
        &ReviewPage {
            ctx: auth.ctx,
            attempt,
            unanswered,
            flagged,
        },
        StatusCode::OK,
    )
}

pub async fn submit(
    auth: SignedIn,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let id: Uuid = path.parse().map_err(|_| AppError::NotFound)?;
    // Only the owner submits; a second submit finds it closed and changes nothing.
    view::summary(&state.pool, id, Some(auth.user.id))
        .await?
        .ok_or(AppError::NotFound)?;
    store::finalize(&state.pool, id, Finish::Submitted).await?;
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
}

impl ResultPage {
    pub fn used(&self) -> String {
        let s = self.attempt.used_secs();
        format!("{}:{:02}:{:02}", s / 3600, (s % 3600) / 60, s % 60)
    }
}

async fn domain_names(state: &AppState, exam: &str, en: bool) -> Result<Vec<(String, String)>, AppError> {
    let rows: Vec<(String, String, String)> =
        sqlx::query_as("select code, name_ko, name_en from blueprint_domains where exam = $1")
            .bind(exam)
            .fetch_all(&state.pool)
            .await?;
    Ok(rows
        .into_iter()
        .map(|(c, ko, e)| (c, if en { e } else { ko }))
        .collect())
}

pub async fn result(
    auth: SignedIn,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let id: Uuid = path.parse().map_err(|_| AppError::NotFound)?;
    let attempt = view::summary(&state.pool, id, owner_filter(&auth.user))
        .await?
        .ok_or(AppError::NotFound)?;
    if attempt.is_open() {
        return Ok(see_other(&format!("/attempts/{id}/q/1")));
    }
    let names = domain_names(&state, &attempt.exam, auth.ctx.lang == crate::i18n::Lang::En).await?;
    let domains = view::domain_results(&state.pool, id)
        .await?
        .into_iter()
        .map(|(code, right, total)| DomainRow {
            name: names.iter().find(|n| n.0 == code).map(|n| n.1.clone()).unwrap_or(code),
            percent: if total > 0 {
                (right * 100 + total / 2) / total
            } else {
                0
            },
            right,
            total,
        })
        .collect();
    render_with_status(
        &ResultPage {
            ctx: auth.ctx,
            attempt,
            domains,
        },
        StatusCode::OK,
    )
}

pub struct WalkItem {
    pub position: i32,
    pub domain: String,
    pub q: QuestionView,
    pub correct: bool,
    pub flagged: bool,
    pub unanswered: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "exam/answers.html")]
pub struct AnswersPage {
    pub ctx: PageCtx,
    pub attempt: Summary,
    pub items: Vec<WalkItem>,
    pub filter: String,
    pub domain: String,
    pub domains: Vec<(String, String)>,
    pub has_english: bool,
}

#[derive(serde::Deserialize)]
pub struct AnswersQuery {
    filter: Option<String>,
    domain: Option<String>,
}

pub async fn answers(
    auth: SignedIn,
    state: web::Data<AppState>,
    path: web::Path<String>,
    query: web::Query<AnswersQuery>,
) -> Result<HttpResponse, AppError> {
    let id: Uuid = path.parse().map_err(|_| AppError::NotFound)?;
    let attempt = view::summary(&state.pool, id, owner_filter(&auth.user))
        .await?
        .ok_or(AppError::NotFound)?;
    if attempt.is_open() {
        return Ok(see_other(&format!("/attempts/{id}/q/1")));
    }
    let filter = query.filter.clone().unwrap_or_else(|| "all".into());
    let domain = query.domain.clone().unwrap_or_default();
    let names = domain_names(&state, &attempt.exam, auth.ctx.lang == crate::i18n::Lang::En).await?;
    let items: Vec<WalkItem> = view::items(&state.pool, id)
        .await?
        .into_iter()
        .filter(|i| match filter.as_str() {
            "wrong" => i.correct != Some(true),
            "flagged" => i.flagged,
            _ => true,
        })
        .filter(|i| domain.is_empty() || i.domain == domain)
        .map(|i| WalkItem {
            position: i.position,
            domain: names
                .iter()
                .find(|n| n.0 == i.domain)
                .map(|n| n.1.clone())
                .unwrap_or_else(|| i.domain.clone()),
            q: QuestionView::new(&i.question, &i.order, &i.selected),
            correct: i.correct == Some(true),
            flagged: i.flagged,
            unanswered: i.selected.is_empty(),
        })
        .collect();
    render_with_status(
        &AnswersPage {
            has_english: items.iter().any(|i| i.q.has_english),
            ctx: auth.ctx,
            attempt,
            items,
            filter,
            domain,
            domains: names,
        },
        StatusCode::OK,
    )
}

/// The countdown/autosave script; no inline script anywhere, so CSP stays strict.
pub async fn script() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/javascript; charset=utf-8")
        .insert_header(("cache-control", "public, max-age=3600"))
        .body(include_str!("../../static/exam.js"))
}
