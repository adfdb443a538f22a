//! Cross-cutting request handling: the request's language, security headers,
//! and templated pages for errors produced outside our handlers.

use actix_session::SessionExt;
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::{DefaultHeaders, Next};
use actix_web::{HttpMessage, HttpResponse, ResponseError, web};

use super::AppState;
use super::context::{LANG_COOKIE, SESSION_LANG};
use super::error::error_page;
use crate::i18n::Lang;

/// Decides the language (the signed-in user's choice, the switcher's cookie,
/// then Accept-Language, then Korean)
/// and makes it current for everything downstream, error pages included.
pub async fn language(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let from_session = req
        .get_session()
        .get::<String>(SESSION_LANG)
        .ok()
        .flatten()
        .and_then(|c| Lang::from_code(&c));
    let from_cookie = req.cookie(LANG_COOKIE).and_then(|c| Lang::from_code(c.value()));
    let lang = from_session
        .or(from_cookie)
        .or_else(|| accept_language(req.request()))
        .unwrap_or_default();
    req.extensions_mut().insert(lang);
    lang.scope(next.call(req)).await
}

fn accept_language(req: &actix_web::HttpRequest) -> Option<Lang> {
    req.headers()
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .and_then(Lang::from_accept_language)
}

/// Security headers on every response. No inline script is ever served, so the
/// CSP needs no nonce.
pub fn security_headers() -> DefaultHeaders {
    DefaultHeaders::new()
        .add((
            header::CONTENT_SECURITY_POLICY,
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
             object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'",
        ))
        .add((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .add((header::REFERRER_POLICY, "same-origin"))
        .add((header::X_FRAME_OPTIONS, "DENY"))
        // Pages show results, answers and other students' data: no shared or
        // browser cache may keep them. Static assets set their own policy.
        .add((header::CACHE_CONTROL, "no-store"))
}

/// Errors raised by actix itself or by the session layer come with a bare body;
/// give them the same templated page as our own errors. A bare 500 while the
/// database is unreachable becomes a 503, since that is what it is.
pub async fn error_pages(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let state = req.app_data::<web::Data<AppState>>().cloned();
    let early_lang = req
        .cookie(LANG_COOKIE)
        .and_then(|c| Lang::from_code(c.value()))
        .or_else(|| accept_language(req.request()))
        .unwrap_or_default();
    // Inner layers (the session store, for one) may fail with an error instead of
    // a response; turn it into our page, as a 503 when the database is the cause.
    let res = match next.call(req).await {
        Ok(res) => res,
        Err(e) => {
            let reachable = match &state {
                Some(state) => crate::db::is_reachable(&state.pool).await,
                None => true,
            };
            tracing::error!(error = %e, database_reachable = reachable, "request failed outside a handler");
            let status = if reachable {
                StatusCode::INTERNAL_SERVER_ERROR
            } else {
                StatusCode::SERVICE_UNAVAILABLE
            };
            return Err(PageError {
                lang: early_lang,
                status,
            }
            .into());
        }
    };
    let status = res.status();
    let bare = !res.headers().contains_key(header::CONTENT_TYPE)
        || res
            .headers()
            .get(header::CONTENT_TYPE)
            .is_some_and(|ct| ct.as_bytes().starts_with(b"text/plain"));
    if !(status.is_client_error() || status.is_server_error()) || !bare {
        return Ok(res.map_into_boxed_body());
    }
    let lang = res
        .request()
        .extensions()
        .get::<Lang>()
        .copied()
        .or_else(|| accept_language(res.request()))
        .unwrap_or_default();
    let mut status = status;
    if status == StatusCode::INTERNAL_SERVER_ERROR {
        if let Some(state) = &state
            && !crate::db::is_reachable(&state.pool).await
        {
            status = StatusCode::SERVICE_UNAVAILABLE;
        }
        tracing::error!(status = status.as_u16(), "request failed outside a handler");
    }
    // Keep what inner layers set that still matters: the session cookie and Retry-After.
    let kept: Vec<_> = res
        .headers()
        .iter()
        .filter(|(name, _)| **name == header::SET_COOKIE || **name == header::RETRY_AFTER)
        .map(|(n, v)| (n.clone(), v.clone()))
        .collect();
    let (http_req, _) = res.into_parts();
    let mut page = PageError { lang, status }.error_response();
    for (name, value) in kept {
        page.headers_mut().append(name, value);
    }
    Ok(ServiceResponse::new(http_req, page))
}

/// A templated error page for a failure that has no handler error of its own.
#[derive(Debug)]
struct PageError {
    lang: Lang,
    status: StatusCode,
}

impl std::fmt::Display for PageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.status)
    }
}

impl ResponseError for PageError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        let mut page = error_page(self.lang, self.status, None);
        if self.status == StatusCode::SERVICE_UNAVAILABLE {
            page.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
        }
        page
    }
}
