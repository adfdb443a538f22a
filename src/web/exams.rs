//! Taking exams and practice sets: choose, start, answer one question per
//! page, review, submit, results, the answer walkthrough and history.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{FromRequest, HttpResponse, web};
use askama::Template;
use askama_web::WebTemplate;
use uuid::Uuid;

use super::AppState;
use super::context::{PageCtx, SignedIn, set_flash};
use super::error::AppError;
use super::forms::{render_with_status, see_other};
use super::question_view::QuestionView;
use crate::accounts::User;
use crate::bank::catalog::ExamCatalog;
use crate::exam::assembly::Shortfall;
use crate::exam::store::{self, Feedback, Mode, SaveError, StartError, StartRequest};
use crate::exam::view::{self, ItemState, OwnedAttempt, Summary, Viewer};
use crate::exam::walk::Walk;
use crate::i18n::Lang;

/// Students see their own attempts; instructors may open anyone's results.
pub(super) fn reader(user: &User) -> Viewer {
    if user.role.at_least(crate::accounts::Role::Instructor) {
        Viewer::Staff
    } else {
        Viewer::Owner(user.id)
    }
}

/// The attempt as `viewer` may see it, closed first if its time ran out.
pub(super) async fn settled(state: &AppState, id: Uuid, viewer: Viewer) -> Result<OwnedAttempt, AppError> {
    let attempt = view::attempt_for(&state.pool, id, viewer)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(view::close_if_expired(&state.pool, attempt).await?)
}

#[derive(Template, WebTemplate)]
#[template(path = "exam/choose.html")]
pub struct ChoosePage {
    pub ctx: PageCtx,
    pub exams: std::sync::Arc<ExamCatalog>,
    pub open: Option<Summary>,
    pub shortfalls: Vec<Shortfall>,
}

async fn open_attempt(state: &AppState, user: &User) -> Result<Option<Summary>, AppError> {
    for s in view::history(&state.pool, user.id).await? {
        if s.is_open() {
            let a = settled(state, s.id, Viewer::Owner(user.id)).await?;
            return Ok(Some(a.into_summary()).filter(Summary::is_open));
        }
    }
    Ok(None)
}

pub async fn choose(auth: SignedIn, state: web::Data<AppState>) -> Result<ChoosePage, AppError> {
    let exams = state.catalog().await?;
    let open = open_attempt(&state, &auth.user).await?;
    Ok(ChoosePage {
        ctx: auth.ctx,
        exams,
        open,
        shortfalls: vec![],
    })
}

/// The practice limits the start form offers (docs/exams.md).
const MAX_PRACTICE_QUESTIONS: u32 = 200;
const MAX_MINUTES: u32 = 600;

/// Reads the start form strictly: an unknown mode or feedback, or a number
/// out of range, is a 400 with a message, never a silent default.
fn parse_start(user: crate::accounts::UserId, form: &[(String, String)]) -> Result<StartRequest, AppError> {
    let get = |k: &str| form.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    let all = |k: &str| {
        form.iter()
            .filter(|(n, _)| n == k)
            .map(|(_, v)| v.clone())
            .collect::<Vec<_>>()
    };
    let mode = get("mode")
        .map_or(Some(Mode::Exam), Mode::parse)
        .ok_or(AppError::BadRequest("exam.bad_mode"))?;
    let feedback = get("feedback")
        .map_or(Some(Feedback::AtEnd), Feedback::parse)
        .ok_or(AppError::BadRequest("exam.bad_mode"))?;
    let number = |k: &str, max: u32| -> Result<Option<u32>, AppError> {
        match get(k).map(str::trim).filter(|v| !v.is_empty()) {
            None => Ok(None),
            Some(v) => match v.parse::<u32>() {
                Ok(n) if (1..=max).contains(&n) => Ok(Some(n)),
                _ => Err(AppError::BadRequest(if k == "minutes" {
                    "exam.bad_minutes"
                } else {
                    "exam.bad_count"
                })),
            },
        }
    };
    let count = number("count", MAX_PRACTICE_QUESTIONS)?;
    let timed = get("timed") == Some("on");
    let minutes = if timed { number("minutes", MAX_MINUTES)? } else { None };
    if timed && minutes.is_none() {
        return Err(AppError::BadRequest("exam.bad_minutes"));
    }
    let text_ok = |v: &String| v.len() <= 100 && !v.chars().any(char::is_control);
    let (domains, topics) = (all("domain"), all("topic"));
    if !domains.iter().chain(&topics).all(text_ok) || !get("exam").is_some_and(|e| text_ok(&e.to_owned())) {
        return Err(AppError::BadRequest("error.400.body"));
    }
    Ok(StartRequest {
        user,
        exam: get("exam").unwrap_or_default().to_owned(),
        mode,
        feedback: if mode == Mode::Practice {
            feedback
        } else {
            Feedback::AtEnd
        },
        count: count.map(|c| c as usize),
        minutes,
        domains,
        topics,
    })
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
    let req = parse_start(user, &form)?;
    // A practice set is at most as long as the real exam.
    if let Some(count) = req.count {
        let catalog = state.catalog().await?;
        let exam = catalog.exam(&req.exam).ok_or(AppError::NotFound)?;
        if count > usize::try_from(exam.questions).unwrap_or(0) {
            return Err(AppError::BadRequest("exam.bad_count"));
        }
    }
    let started = state.starter.start(req).await;
    match started {
        Ok(id) => Ok(see_other(&format!("/attempts/{id}/q/1"))),
        Err(StartError::Shortfall(shortfalls)) => {
            let auth = SignedIn::extract(&http).await?;
            let exams = state.catalog().await?;
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
        Err(e @ (StartError::Db(_) | StartError::BatchFailed)) => Err(e.into()),
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
    /// The review walk the student is stepping through, if any.
    pub walk: Option<Walk>,
    /// Whether next/previous lead anywhere within the walk (or the attempt).
    pub has_prev: bool,
    pub has_next: bool,
}

type HmacSha256 = hmac::Hmac<sha2::Sha256>;

fn save_mac(key: &[u8], attempt: Uuid, user: crate::accounts::UserId, epoch: i32) -> Option<HmacSha256> {
    use hmac::Mac;
    let mut mac = HmacSha256::new_from_slice(key).ok()?;
    mac.update(b"examdrill autosave\0");
    mac.update(attempt.as_bytes());
    mac.update(user.0.as_bytes());
    mac.update(&epoch.to_be_bytes());
    Some(mac)
}

/// `user.epoch.signature`: which user may save into `attempt`, under which
/// session epoch, signed with the app key. A password or role change moves
/// the epoch on, and the save statement refuses tokens of an older one.
pub fn save_token(key: &[u8], attempt: Uuid, user: &User) -> String {
    use base64::Engine;
    use hmac::Mac;
    let sig = save_mac(key, attempt, user.id, user.session_epoch)
        .map(|m| m.finalize().into_bytes().to_vec())
        .unwrap_or_default();
    format!(
        "{}.{}.{}",
        user.id.0,
        user.session_epoch,
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(sig)
    )
}

/// The user and epoch a save token speaks for, if its signature matches `attempt`.
fn verify_save_token(key: &[u8], attempt: Uuid, token: &str) -> Option<(crate::accounts::UserId, i32)> {
    use base64::Engine;
    use hmac::Mac;
    let mut parts = token.splitn(3, '.');
    let user = crate::accounts::UserId(parts.next()?.parse().ok()?);
    let epoch: i32 = parts.next()?.parse().ok()?;
    let sig = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(parts.next()?)
        .ok()?;
    save_mac(key, attempt, user, epoch)?.verify_slice(&sig).ok()?;
    Some((user, epoch))
}

#[derive(serde::Deserialize)]
pub struct QuestionQuery {
    #[serde(default, deserialize_with = "super::forms::blank_or")]
    original: Option<Original>,
    #[serde(default, deserialize_with = "super::forms::blank_or")]
    walk: Option<Walk>,
}

super::forms::form_enum! {
    /// The language whose original text the student asked to see.
    pub enum Original { En => "en" }
}

pub async fn question(
    auth: SignedIn,
    state: web::Data<AppState>,
    path: web::Path<(Uuid, i32)>,
    query: web::Query<QuestionQuery>,
) -> super::forms::PageOr<QuestionPage> {
    let (id, pos) = path.into_inner();
    let attempt = settled(&state, id, Viewer::Owner(auth.user.id)).await?;
    if !attempt.summary().is_open() {
        return Ok(super::forms::redirect(&format!("/attempts/{id}/result")));
    }
    let item = view::item(&state.pool, &attempt, pos)
        .await?
        .ok_or(AppError::NotFound)?;
    let nav = view::item_states(&state.pool, &attempt).await?;
    let walk = query.walk;
    let (has_prev, has_next) = match walk {
        Some(w) => (w.step(&nav, pos, false).is_some(), w.step(&nav, pos, true).is_some()),
        None => (pos > 1, pos < attempt.summary().question_count),
    };
    let page = QuestionPage {
        walk,
        has_prev,
        has_next,
        q: QuestionView::new(&item.question, &item.order, &item.selected),
        original: query.original == Some(Original::En),
        flagged: item.flagged,
        answered: !item.selected.is_empty(),
        locked: item.locked,
        correct: item.correct,
        item_position: pos,
        nav,
        save_token: save_token(&state.save_key, id, &auth.user),
        total: attempt.summary().question_count,
        attempt: attempt.into_summary(),
        ctx: auth.ctx,
    };
    Ok(actix_web::Either::Left(page))
}

fn choices(form: &[(String, String)]) -> Vec<char> {
    form.iter()
        .filter(|(k, _)| k == "choice")
        .filter_map(|(_, v)| v.chars().next())
        .collect()
}

/// The no-JavaScript path: the form post saves the choice and the flag, then
/// moves on: to the next or previous question (within a review walk, if the
/// student is on one), the review screen, or the same question in the other
/// UI language (the header's language button submits this form, so switching
/// language keeps the answer).
pub async fn answer(
    auth: SignedIn,
    session: Session,
    state: web::Data<AppState>,
    path: web::Path<(Uuid, i32)>,
    form: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let (id, pos) = path.into_inner();
    let user = auth.user.id;
    let attempt = view::attempt_for(&state.pool, id, Viewer::Owner(user))
        .await?
        .ok_or(AppError::NotFound)?;
    let field = |name: &str| form.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
    let chosen = choices(&form);
    let go = field("go").unwrap_or("next");
    let flagged = form.iter().any(|(k, v)| k == "flag" && v == "on");
    let walk = match field("walk").filter(|w| !w.is_empty()) {
        None => None,
        Some(w) => Some(w.parse::<Walk>().map_err(|()| AppError::BadRequest("error.400.body"))?),
    };
    let had_answer = field("answered").is_some();
    if !chosen.is_empty() || had_answer {
        match state.saver.save(id, user, pos, &chosen, None).await {
            Ok(()) | Err(SaveError::Locked) => {}
            Err(SaveError::TooLate) | Err(SaveError::Finished) => {
                set_flash(&session, "exam.time_up");
                return Ok(see_other(&format!("/attempts/{id}/result")));
            }
            Err(refused) => return Err(refused.into()),
        }
    }
    if !store::set_flag(&state.pool, id, user, pos, flagged).await? {
        return Err(AppError::NotFound);
    }
    let mut query = Vec::new();
    if form.iter().any(|(k, v)| k == "original" && v == "en") {
        query.push("original=en".to_owned());
    }
    if let Some(w) = walk {
        query.push(format!("walk={}", w.as_str()));
    }
    let query = if query.is_empty() {
        String::new()
    } else {
        format!("?{}", query.join("&"))
    };
    let total = attempt.summary().question_count;
    let review = format!("/attempts/{id}/review");
    let target = match go {
        "check" => {
            view::lock(&state.pool, &attempt, pos).await?;
            pos
        }
        "review" => return Ok(see_other(&review)),
        "prev" | "next" => {
            let forward = go == "next";
            match walk {
                Some(w) => {
                    let states = view::item_states(&state.pool, &attempt).await?;
                    match w.step(&states, pos, forward) {
                        Some(p) => p,
                        // The walk is over: back to the review screen.
                        None => return Ok(see_other(&review)),
                    }
                }
                None if forward => (pos + 1).min(total),
                None => (pos - 1).max(1),
            }
        }
        other => match other.strip_prefix("lang-") {
            Some(code) => {
                let lang = Lang::from_code(code).ok_or(AppError::BadRequest("error.400.body"))?;
                let mut resp = see_other(&format!("/attempts/{id}/q/{pos}{query}"));
                super::pages::use_language(&session, &state, lang, &mut resp).await?;
                return Ok(resp);
            }
            None => other.parse().unwrap_or(pos).clamp(1, total),
        },
    };
    Ok(see_other(&format!("/attempts/{id}/q/{target}{query}")))
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
        return AppError::NotFound.to_json();
    };
    let token = req
        .headers()
        .get("x-save-token")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let Some((user, epoch)) = verify_save_token(&state.save_key, id, token) else {
        return AppError::Forbidden.to_json();
    };
    let Some(pos) = form
        .iter()
        .find(|(k, _)| k == "position")
        .and_then(|(_, v)| v.parse::<i32>().ok())
    else {
        return AppError::BadRequest("error.400.body").to_json();
    };
    if let Some(flag) = form.iter().find(|(k, _)| k == "flag").map(|(_, v)| v == "on") {
        return match store::set_flag(&state.pool, id, user, pos, flag).await {
            Ok(true) => HttpResponse::NoContent().finish(),
            Ok(false) => AppError::NotFound.to_json(),
            Err(e) => AppError::from(e).to_json(),
        };
    }
    match state.saver.save(id, user, pos, &choices(&form), Some(epoch)).await {
        Ok(()) => HttpResponse::NoContent().finish(),
        Err(refused) => AppError::from(refused).to_json(),
    }
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

super::forms::form_enum! {
    /// Which questions the answer walkthrough lists.
    pub enum AnswerFilter { All => "all", Wrong => "wrong", Skipped => "skipped", Flagged => "flagged" }
}

#[derive(serde::Deserialize)]
pub struct AnswersQuery {
    #[serde(default, deserialize_with = "super::forms::blank_or")]
    filter: Option<AnswerFilter>,
    domain: Option<String>,
}

pub async fn answers(
    auth: SignedIn,
    state: web::Data<AppState>,
    path: web::Path<Uuid>,
    query: web::Query<AnswersQuery>,
) -> super::forms::PageOr<AnswersPage> {
    let id = path.into_inner();
    let owned = settled(&state, id, reader(&auth.user)).await?;
    if owned.summary().is_open() {
        return Ok(super::forms::redirect(&format!("/attempts/{id}/q/1")));
    }
    let filter = query.filter.unwrap_or(AnswerFilter::All);
    let domain = query.domain.clone().unwrap_or_default();
    let catalog = state.catalog().await?;
    let names = catalog
        .exam(&owned.summary().exam)
        .map(|e| e.domain_names(auth.ctx.lang))
        .unwrap_or_default();
    let items: Vec<WalkItem> = view::items(&state.pool, &owned)
        .await?
        .into_iter()
        .filter(|i| match filter {
            AnswerFilter::Wrong => i.answered_wrong(),
            AnswerFilter::Skipped => i.skipped(),
            AnswerFilter::Flagged => i.flagged,
            AnswerFilter::All => true,
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
    Ok(actix_web::Either::Left(AnswersPage {
        has_english: items.iter().any(|i| i.q.has_english),
        ctx: auth.ctx,
        attempt: owned.into_summary(),
        items,
        filter: filter.as_str().to_owned(),
        domain,
        domains: names,
    }))
}

/// The countdown/autosave script; no inline script anywhere, so CSP stays strict.
pub async fn script() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/javascript; charset=utf-8")
        .insert_header(("cache-control", "public, max-age=3600"))
        .body(include_str!("../../static/exam.js"))
}
