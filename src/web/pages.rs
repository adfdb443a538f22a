//! The start page, the dashboard, the language switch, health and static assets.

use actix_session::Session;
use actix_web::cookie::{Cookie, SameSite};
use actix_web::{HttpResponse, web};
use askama::Template;
use askama_web::WebTemplate;
use serde::Deserialize;

use super::AppState;
use super::context::{LANG_COOKIE, PageCtx, SESSION_LANG, SignedIn, session_user_id};
use super::error::{AppError, safe_next};
use super::forms::see_other;
use crate::accounts::{self, User};
use crate::i18n::Lang;

#[derive(Template, WebTemplate)]
#[template(path = "home.html")]
pub struct HomePage {
    pub ctx: PageCtx,
}

pub async fn home(ctx: PageCtx) -> super::forms::PageOr<HomePage> {
    if ctx.signed_in() {
        return Ok(super::forms::redirect("/dashboard"));
    }
    Ok(actix_web::Either::Left(HomePage { ctx }))
}

#[derive(Template, WebTemplate)]
#[template(path = "dashboard.html")]
pub struct DashboardPage {
    pub ctx: PageCtx,
    pub user: User,
    /// Every attempt still open, each linked.
    pub open: Vec<crate::exam::view::Summary>,
    /// Full exams and practice are reported apart: only full exams pass or fail.
    pub latest_exam: Option<crate::exam::view::Summary>,
    pub latest_practice: Option<crate::exam::view::Summary>,
    pub plan: crate::review::plan::StudyPlan,
}

pub async fn dashboard(auth: SignedIn, state: web::Data<AppState>) -> Result<DashboardPage, AppError> {
    let open = crate::exam::view::open_attempts(&state.pool, auth.user.id).await?;
    let history = crate::exam::view::history(&state.pool, auth.user.id).await?;
    let latest = |full: bool| {
        history
            .iter()
            .find(|s| !s.is_open() && s.is_full_exam() == full)
            .cloned()
    };
    let (latest_exam, latest_practice) = (latest(true), latest(false));
    let catalog = state.catalog().await?;
    let plan = crate::review::plan::study_plan(&state.pool, &catalog, auth.user.id, auth.ctx.lang).await?;
    Ok(DashboardPage {
        ctx: auth.ctx,
        user: auth.user,
        open,
        latest_exam,
        latest_practice,
        plan,
    })
}

#[derive(Deserialize)]
pub struct LangForm {
    lang: String,
    next: Option<String>,
}

/// Switches the UI language; a signed-in user's choice is saved to their account.
pub async fn switch_language(
    session: Session,
    state: web::Data<AppState>,
    form: web::Form<LangForm>,
) -> Result<HttpResponse, AppError> {
    let lang = Lang::from_code(&form.lang).unwrap_or_default();
    let mut resp = see_other(safe_next(form.next.as_deref()));
    use_language(&session, &state, lang, &mut resp).await?;
    Ok(resp)
}

/// Makes `lang` the UI language from the response on: the cookie, and for a
/// signed-in user the session and their account.
pub async fn use_language(
    session: &Session,
    state: &AppState,
    lang: Lang,
    resp: &mut HttpResponse,
) -> Result<(), AppError> {
    if let Some(user_id) = session_user_id(session) {
        accounts::set_locale(&state.pool, user_id, lang.code()).await?;
        session.insert(SESSION_LANG, lang.code())?;
    }
    let cookie = Cookie::build(LANG_COOKIE, lang.code())
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(state.cookie_secure)
        .max_age(actix_web::cookie::time::Duration::days(365))
        .finish();
    resp.add_cookie(&cookie).map_err(AppError::internal)?;
    Ok(())
}

pub async fn healthz(state: web::Data<AppState>) -> HttpResponse {
    use crate::db::Health;
    if state.draining.load(std::sync::atomic::Ordering::SeqCst) {
        // Still serving, but about to stop: the load balancer should move on.
        return HttpResponse::ServiceUnavailable().json(serde_json::json!({ "status": "draining" }));
    }
    let (status, database) = match crate::db::health(&state.pool).await {
        Health::Ok => ("ok", "ok"),
        // Pages still render, but nothing can be saved: not healthy for a load balancer.
        Health::ReadOnly => ("degraded", "read-only"),
        Health::WritesFailing => ("degraded", "writes-failing"),
        Health::Unreachable => ("unavailable", "unreachable"),
    };
    let body = serde_json::json!({ "status": status, "database": database });
    if status == "ok" {
        HttpResponse::Ok().json(body)
    } else {
        HttpResponse::ServiceUnavailable().json(body)
    }
}

/// Static files are compiled in, so the binary runs from any directory.
pub async fn stylesheet() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/css; charset=utf-8")
        .insert_header(("cache-control", "public, max-age=3600"))
        .body(include_str!("../../static/style.css"))
}

pub async fn not_found() -> Result<HttpResponse, AppError> {
    Err(AppError::NotFound)
}
