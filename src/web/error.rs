//! The web layer's error type. Users see a translated page with a short
//! message; the cause chain goes to the log.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, ContentType};
use actix_web::{HttpResponse, ResponseError};
use askama::Template;

use crate::accounts::AccountError;
use crate::db::DbError;
use crate::exam::store::{SaveError, StartError};
use crate::i18n::Lang;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("not found")]
    NotFound,
    /// Input the edge refused; the key names the message shown to the user.
    #[error("bad request: {0}")]
    BadRequest(&'static str),
    /// The request is valid but the thing it acts on does not allow it now.
    #[error("conflict: {0}")]
    Conflict(&'static str),
    #[error("forbidden")]
    Forbidden,
    #[error("sign-in required")]
    SignInRequired { next: String },
    #[error("missing or wrong CSRF token")]
    Csrf,
    #[error("too many requests")]
    Throttled { retry_after_secs: u64 },
    #[error("database unavailable")]
    Unavailable(#[source] anyhow::Error),
    /// Too much work queued (password checks): come back shortly.
    #[error("busy")]
    Busy { retry_after_secs: u64 },
    #[error("internal error")]
    Internal(#[source] anyhow::Error),
    /// The client stopped sending its request part-way (closed the connection
    /// or missed the body deadline). Nothing is wrong on our side.
    #[error("the client stopped sending its request")]
    ClientGone,
}

impl AppError {
    pub fn internal(e: impl Into<anyhow::Error>) -> Self {
        AppError::Internal(e.into())
    }
}

impl From<DbError> for AppError {
    fn from(e: DbError) -> Self {
        match e {
            DbError::Unavailable(_) => AppError::Unavailable(e.into()),
            DbError::BadInput(ref cause) => {
                tracing::info!(error = %cause, "the database refused a value from the request");
                AppError::BadRequest("error.400.body")
            }
            other => AppError::Internal(other.into()),
        }
    }
}

impl From<SaveError> for AppError {
    fn from(e: SaveError) -> Self {
        match e {
            SaveError::NotFound => AppError::NotFound,
            SaveError::BadOption => AppError::BadRequest("exam.bad_option"),
            SaveError::Finished | SaveError::TooLate => AppError::Conflict("exam.time_up"),
            SaveError::Locked => AppError::Conflict("exam.locked"),
            SaveError::Revoked => AppError::Forbidden,
            SaveError::Db => AppError::Unavailable(anyhow::anyhow!("saving an answer failed")),
        }
    }
}

impl From<StartError> for AppError {
    fn from(e: StartError) -> Self {
        match e {
            StartError::UnknownExam(_) => AppError::NotFound,
            StartError::Shortfall(_) => AppError::Conflict("exam.shortfall"),
            StartError::Db(db) => db.into(),
            StartError::BatchFailed => AppError::Unavailable(anyhow::anyhow!("starting an attempt failed")),
        }
    }
}

impl From<AccountError> for AppError {
    fn from(e: AccountError) -> Self {
        match e {
            AccountError::Db(db) => db.into(),
            AccountError::Throttled { retry_after_secs } => AppError::Throttled { retry_after_secs },
            AccountError::Hash(crate::accounts::password::HashError::Busy) => AppError::Busy { retry_after_secs: 5 },
            AccountError::NotFound => AppError::NotFound,
            other => AppError::Internal(other.into()),
        }
    }
}

impl From<askama::Error> for AppError {
    fn from(e: askama::Error) -> Self {
        AppError::Internal(e.into())
    }
}

impl From<actix_session::SessionInsertError> for AppError {
    fn from(e: actix_session::SessionInsertError) -> Self {
        AppError::Internal(anyhow::anyhow!("session insert: {e}"))
    }
}

#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorPage {
    pub lang: Lang,
    pub status: u16,
    pub title: &'static str,
    pub body: &'static str,
}

impl ErrorPage {
    pub fn t(&self, key: &str) -> &'static str {
        self.lang.t(key)
    }
}

/// Renders the templated error page for `status`, with `body_key` as the message.
pub fn error_page(lang: Lang, status: StatusCode, body_key: Option<&str>) -> HttpResponse {
    let code = status.as_u16();
    let (title_key, default_body) = match code {
        400 | 403 | 404 | 405 | 408 | 413 | 429 | 500 | 503 => {
            (format!("error.{code}.title"), format!("error.{code}.body"))
        }
        _ => ("error.generic.title".to_owned(), "error.generic.body".to_owned()),
    };
    let page = ErrorPage {
        lang,
        status: code,
        title: lang.t(&title_key),
        body: lang.t(body_key.unwrap_or(&default_body)),
    };
    match page.render() {
        Ok(html) => HttpResponse::build(status).content_type(ContentType::html()).body(html),
        Err(e) => {
            tracing::error!(error = %e, "error page failed to render");
            HttpResponse::build(status)
                .content_type(ContentType::plaintext())
                .body(page.title)
        }
    }
}

fn log_chain(e: &AppError) {
    let mut chain = String::new();
    let mut cur: Option<&dyn std::error::Error> = Some(e);
    while let Some(err) = cur {
        if !chain.is_empty() {
            chain.push_str(": ");
        }
        chain.push_str(&err.to_string());
        cur = err.source();
    }
    tracing::error!(error.cause_chain = %chain, "request failed");
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        match self {
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::BadRequest(_) | AppError::ClientGone => StatusCode::BAD_REQUEST,
            AppError::Conflict(_) => StatusCode::CONFLICT,
            AppError::Forbidden | AppError::Csrf => StatusCode::FORBIDDEN,
            AppError::SignInRequired { .. } => StatusCode::SEE_OTHER,
            AppError::Throttled { .. } => StatusCode::TOO_MANY_REQUESTS,
            AppError::Unavailable(_) | AppError::Busy { .. } => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let lang = Lang::current();
        match self {
            AppError::SignInRequired { next } => {
                let location = format!("/login?next={}", urlencode(next));
                HttpResponse::SeeOther()
                    .insert_header((header::LOCATION, location))
                    .finish()
            }
            AppError::Csrf => error_page(lang, self.status_code(), Some("error.csrf.body")),
            AppError::Throttled { retry_after_secs } | AppError::Busy { retry_after_secs } => {
                let mut resp = error_page(lang, self.status_code(), None);
                if let Ok(v) = header::HeaderValue::from_str(&retry_after_secs.to_string()) {
                    resp.headers_mut().insert(header::RETRY_AFTER, v);
                }
                resp
            }
            AppError::Unavailable(_) | AppError::Internal(_) => {
                log_chain(self);
                error_page(lang, self.status_code(), None)
            }
            AppError::NotFound | AppError::Forbidden => error_page(lang, self.status_code(), None),
            AppError::ClientGone => {
                tracing::debug!("the client stopped sending its request");
                error_page(lang, self.status_code(), None)
            }
            AppError::BadRequest(key) | AppError::Conflict(key) => error_page(lang, self.status_code(), Some(key)),
        }
    }
}

impl AppError {
    /// The error as the exam page's script reads it: the status, and a
    /// message in the page's language under `error`.
    pub fn to_json(&self) -> HttpResponse {
        let lang = Lang::current();
        let key = match self {
            AppError::BadRequest(k) | AppError::Conflict(k) => *k,
            AppError::Unavailable(_) | AppError::Internal(_) => {
                log_chain(self);
                "exam.save_failed"
            }
            AppError::NotFound => "error.404.body",
            AppError::Throttled { .. } => "error.429.body",
            _ => "error.403.body",
        };
        HttpResponse::build(self.status_code()).json(serde_json::json!({ "error": lang.t(key) }))
    }
}

pub fn urlencode(s: &str) -> String {
    serde_urlencoded::to_string([("", s)])
        .map(|q| q.trim_start_matches('=').to_owned())
        .unwrap_or_default()
}

/// Only same-site paths may be redirect targets, so `?next=` can't send users
/// elsewhere. Browsers drop tabs and newlines from a `Location` and read `\`
/// as `/`, so `/\t/evil.example` and `/\\evil` are other sites too: a path
/// must start with exactly one `/` and hold no backslash, whitespace or
/// control character anywhere.
pub fn safe_next(next: Option<&str>) -> &str {
    match next {
        Some(n)
            if n.starts_with('/')
                && !n.starts_with("//")
                && !n.chars().any(|c| c == '\\' || c.is_whitespace() || c.is_control()) =>
        {
            n
        }
        _ => "/dashboard",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redirects_stay_on_site() {
        assert_eq!(safe_next(Some("/account/password")), "/account/password");
        assert_eq!(safe_next(Some("//evil.example")), "/dashboard");
        assert_eq!(safe_next(Some("https://evil.example")), "/dashboard");
        assert_eq!(safe_next(Some("/\\evil.example")), "/dashboard");
        assert_eq!(safe_next(None), "/dashboard");
        for evil in [
            "/\t/evil.example",
            "/\n/evil",
            "/ /evil",
            "/a\\b",
            "/\u{0}x",
            "https:evil",
            "%2f%2fevil",
        ] {
            assert_eq!(safe_next(Some(evil)), "/dashboard", "{evil:?}");
        }
        assert_eq!(safe_next(Some("/review?exam=saa-c03#x")), "/review?exam=saa-c03#x");
    }
}
