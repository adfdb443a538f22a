//! Register, log in, log out, change password.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use askama_web::WebTemplate;
use serde::Deserialize;

use super::AppState;
use super::context::{PageCtx, SESSION_LANG, SESSION_USER, SignedIn, set_flash};
use super::error::{AppError, safe_next};
use super::forms::{FieldErrors, render_with_status, see_other};
use crate::accounts::{self, AccountError, DisplayName, Email, NewUser, Password, Role};

#[derive(Template, WebTemplate)]
#[template(path = "accounts/register.html")]
pub struct RegisterPage {
    pub ctx: PageCtx,
    pub email: String,
    pub display_name: String,
    pub errors: FieldErrors,
}

#[derive(Deserialize)]
pub struct RegisterForm {
    email: String,
    display_name: String,
    password: String,
    password_confirm: String,
}

pub async fn register_form(ctx: PageCtx) -> super::forms::PageOr<RegisterPage> {
    if ctx.signed_in() {
        return Ok(super::forms::redirect("/dashboard"));
    }
    Ok(actix_web::Either::Left(RegisterPage {
        ctx,
        email: String::new(),
        display_name: String::new(),
        errors: FieldErrors::default(),
    }))
}

/// Sign-ups per client address per throttle window (15 minutes): a whole
/// class behind one school NAT still fits.
const REGISTRATIONS_PER_ADDRESS: i64 = 60;
/// Password-change attempts per client address per window.
const PASSWORD_CHANGES_PER_ADDRESS: i64 = 10;

/// A new password from its field and its confirmation field, with an error
/// against the right field when it breaks the policy or the two differ.
fn new_password(
    errors: &mut FieldErrors,
    (field, value): (&'static str, &str),
    (confirm_field, confirm): (&'static str, &str),
) -> Option<Password> {
    let password = errors.check(field, Password::parse(value.to_owned()))?;
    if value != confirm {
        errors.add(confirm_field, "err.password_mismatch");
        return None;
    }
    Some(password)
}

/// Counts `action` for the client's address and refuses it over `limit` in the window.
async fn limit_per_address(state: &AppState, req: &HttpRequest, action: &str, limit: i64) -> Result<(), AppError> {
    Ok(accounts::throttle::limit_action(&state.pool, action, &state.client_addr(req), limit).await?)
}

#[tracing::instrument(skip_all)]
pub async fn register(
    req: HttpRequest,
    ctx: PageCtx,
    session: Session,
    state: web::Data<AppState>,
    form: web::Form<RegisterForm>,
) -> Result<HttpResponse, AppError> {
    // Each sign-up costs an argon2 hash; one address cannot make thousands.
    limit_per_address(&state, &req, "register", REGISTRATIONS_PER_ADDRESS).await?;
    let form = form.into_inner();
    let mut errors = FieldErrors::default();
    let email = errors.check("email", Email::parse(&form.email));
    let display_name = errors.check("display_name", DisplayName::parse(&form.display_name));
    let password = new_password(
        &mut errors,
        ("password", &form.password),
        ("password_confirm", &form.password_confirm),
    );
    let (Some(email), Some(display_name), Some(password), true) = (email, display_name, password, errors.is_empty())
    else {
        return render_with_status(
            &RegisterPage {
                ctx,
                email: form.email,
                display_name: form.display_name,
                errors,
            },
            StatusCode::UNPROCESSABLE_ENTITY,
        );
    };
    let new = NewUser {
        email,
        display_name,
        password,
        role: Role::Student,
    };
    match accounts::register(&state.pool, new).await {
        Ok(user) => {
            session.renew();
            session.insert(SESSION_USER, user.id)?;
            super::csrf::rotate(&session)?;
            session.insert(SESSION_LANG, ctx.lang.code())?;
            accounts::set_locale(&state.pool, user.id, ctx.lang.code()).await?;
            tracing::info!(user_id = %user.id, "registered");
            Ok(see_other("/dashboard"))
        }
        Err(AccountError::EmailTaken) => {
            errors.add("email", "err.email_taken");
            render_with_status(
                &RegisterPage {
                    ctx,
                    email: form.email,
                    display_name: form.display_name,
                    errors,
                },
                StatusCode::UNPROCESSABLE_ENTITY,
            )
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "accounts/login.html")]
pub struct LoginPage {
    pub ctx: PageCtx,
    pub email: String,
    pub next: String,
    /// Message key of a form-level error (wrong credentials, throttled).
    pub error: Option<&'static str>,
    pub retry_after: Option<u64>,
}

impl LoginPage {
    pub fn error_text(&self) -> Option<&'static str> {
        self.error.map(|k| self.ctx.t(k))
    }
}

#[derive(Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

pub async fn login_form(ctx: PageCtx, query: web::Query<NextQuery>) -> super::forms::PageOr<LoginPage> {
    let next = safe_next(query.next.as_deref()).to_owned();
    if ctx.signed_in() {
        return Ok(super::forms::redirect(&next));
    }
    Ok(actix_web::Either::Left(LoginPage {
        ctx,
        email: String::new(),
        next,
        error: None,
        retry_after: None,
    }))
}

#[derive(Deserialize)]
pub struct LoginForm {
    email: String,
    password: String,
    next: Option<String>,
}

#[tracing::instrument(skip_all)]
pub async fn login(
    ctx: PageCtx,
    req: HttpRequest,
    session: Session,
    state: web::Data<AppState>,
    form: web::Form<LoginForm>,
) -> Result<HttpResponse, AppError> {
    let LoginForm { email, password, next } = form.into_inner();
    let next = safe_next(next.as_deref()).to_owned();
    let ip = state.client_addr(&req);
    match accounts::authenticate(&state.pool, &email, password, &ip).await {
        Ok(user) => {
            // A fresh session id at login defeats session fixation.
            session.renew();
            session.insert(SESSION_USER, user.id)?;
            super::csrf::rotate(&session)?;
            match user.locale.as_deref() {
                Some(saved) => session.insert(SESSION_LANG, saved)?,
                None => accounts::set_locale(&state.pool, user.id, ctx.lang.code()).await?,
            }
            tracing::info!(user_id = %user.id, "logged in");
            Ok(see_other(&next))
        }
        Err(AccountError::InvalidCredentials) => render_with_status(
            &LoginPage {
                ctx,
                email,
                next,
                error: Some("login.failed"),
                retry_after: None,
            },
            StatusCode::UNAUTHORIZED,
        ),
        Err(AccountError::Throttled { retry_after_secs }) => {
            let mut resp = render_with_status(
                &LoginPage {
                    ctx,
                    email,
                    next,
                    error: Some("login.throttled"),
                    retry_after: Some(retry_after_secs),
                },
                StatusCode::TOO_MANY_REQUESTS,
            )?;
            if let Ok(v) = HeaderValue::from_str(&retry_after_secs.to_string()) {
                resp.headers_mut().insert(header::RETRY_AFTER, v);
            }
            Ok(resp)
        }
        Err(e) => Err(e.into()),
    }
}

/// Deletes the session record server-side, so a copy of the old cookie is worthless.
pub async fn logout(session: Session, state: web::Data<AppState>) -> HttpResponse {
    let user = super::context::session_user_id(&session);
    session.purge();
    if let Some(user) = user {
        // Signing out must not wait on, or fail with, the token revocation.
        if let Err(e) = accounts::revoke_save_tokens(&state.pool, user).await {
            tracing::warn!(error = %e, "could not revoke autosave tokens at sign-out");
        }
    }
    see_other("/")
}

#[derive(Template, WebTemplate)]
#[template(path = "accounts/password.html")]
pub struct PasswordPage {
    pub ctx: PageCtx,
    pub errors: FieldErrors,
}

pub async fn password_form(auth: SignedIn) -> Result<PasswordPage, AppError> {
    Ok(PasswordPage {
        ctx: auth.ctx,
        errors: FieldErrors::default(),
    })
}

#[derive(Deserialize)]
pub struct PasswordForm {
    current: String,
    new: String,
    confirm: String,
}

#[tracing::instrument(skip_all, fields(user_id = %auth.user.id))]
pub async fn change_password(
    req: HttpRequest,
    auth: SignedIn,
    session: Session,
    state: web::Data<AppState>,
    form: web::Form<PasswordForm>,
) -> Result<HttpResponse, AppError> {
    // Someone at an unlocked computer must not be able to guess the current password.
    limit_per_address(&state, &req, "password", PASSWORD_CHANGES_PER_ADDRESS).await?;
    let form = form.into_inner();
    let mut errors = FieldErrors::default();
    let new = new_password(&mut errors, ("new", &form.new), ("confirm", &form.confirm));
    let (Some(new), true) = (new, errors.is_empty()) else {
        return render_with_status(
            &PasswordPage { ctx: auth.ctx, errors },
            StatusCode::UNPROCESSABLE_ENTITY,
        );
    };
    match accounts::change_password(&state.pool, auth.user.id, form.current, new).await {
        Ok(()) => {
            // Every session of the account ended with the change (a lost phone,
            // a shared computer); this browser signs in again under a fresh id.
            session.renew();
            super::csrf::rotate(&session)?;
            set_flash(&session, "password.changed");
            Ok(see_other("/dashboard"))
        }
        Err(AccountError::InvalidCredentials) => {
            errors.add("current", "err.current_password_wrong");
            render_with_status(
                &PasswordPage { ctx: auth.ctx, errors },
                StatusCode::UNPROCESSABLE_ENTITY,
            )
        }
        Err(e) => Err(e.into()),
    }
}
