//! Cross-cutting request handling: the request's language, security headers,
//! and templated pages for errors produced outside our handlers.

use std::cell::Cell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};
use std::time::Duration;

use actix_session::SessionExt;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::Payload;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::error::PayloadError;
use actix_web::http::ConnectionType;
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::{DefaultHeaders, Next};
use actix_web::web::Bytes;
use actix_web::{HttpMessage, HttpResponse, ResponseError, web};
use futures_util::{Stream, StreamExt};

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

/// Gives a request body a deadline. Without one, a client that sends headers
/// and then trickles (or never sends) its body holds a connection, a worker's
/// attention and a buffer for as long as it likes. A body that misses the
/// deadline ends the request with 408 and the connection is closed.
pub async fn body_deadline(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let limit = req
        .app_data::<web::Data<AppState>>()
        .map_or(DEFAULT_BODY_TIMEOUT, |s| s.body_timeout);
    let expired = Rc::new(Cell::new(false));
    let payload = Deadline {
        inner: req.take_payload(),
        sleep: Box::pin(tokio::time::sleep(limit)),
        expired: expired.clone(),
    };
    let boxed: Pin<Box<dyn Stream<Item = Result<Bytes, PayloadError>>>> = Box::pin(payload);
    req.set_payload(Payload::from(boxed));
    let lang = req
        .cookie(LANG_COOKIE)
        .and_then(|c| Lang::from_code(c.value()))
        .or_else(|| accept_language(req.request()))
        .unwrap_or_default();
    let res = next.call(req).await;
    if !expired.get() {
        return res.map(ServiceResponse::map_into_boxed_body);
    }
    tracing::debug!(
        timeout_secs = limit.as_secs(),
        "the client did not send its request body in time"
    );
    let mut page = error_page(lang, StatusCode::REQUEST_TIMEOUT, Some("error.408.body"));
    page.head_mut().set_connection_type(ConnectionType::Close);
    match res {
        Ok(res) => Ok(ServiceResponse::new(res.into_parts().0, page)),
        Err(_) => Err(actix_web::error::InternalError::from_response("request body deadline passed", page).into()),
    }
}

const DEFAULT_BODY_TIMEOUT: Duration = Duration::from_secs(60);

/// A request body that fails with a timeout once its deadline has passed.
struct Deadline {
    inner: Payload,
    sleep: Pin<Box<tokio::time::Sleep>>,
    expired: Rc<Cell<bool>>,
}

impl Stream for Deadline {
    type Item = Result<Bytes, PayloadError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        if let Poll::Ready(item) = Pin::new(&mut self.inner).poll_next(cx) {
            return Poll::Ready(item);
        }
        if self.sleep.as_mut().poll(cx).is_ready() {
            self.expired.set(true);
            return Poll::Ready(Some(Err(PayloadError::Io(std::io::Error::new(
                std::io::ErrorKind::TimedOut,
                "request body deadline passed",
            )))));
        }
        Poll::Pending
    }
}

/// Refuses, with a clear 400, any request whose path, query string or form
/// body holds bytes that are not UTF-8 or control characters (NUL, escape
/// sequences and the like). Form fields may hold line breaks and tabs (text
/// areas); paths and query strings may not. Handlers can then treat every
/// text value as printable.
pub async fn strict_text(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let mut clean =
        decoded_text_ok(req.path().as_bytes(), false) && decoded_text_ok(req.query_string().as_bytes(), false);
    let is_form = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("application/x-www-form-urlencoded"));
    if clean && is_form {
        let mut payload = req.take_payload();
        let mut body = actix_web::web::BytesMut::new();
        while let Some(chunk) = payload.next().await {
            let Ok(chunk) = chunk else {
                return Ok(req.into_response(super::error::AppError::ClientGone.error_response()));
            };
            if body.len() + chunk.len() > MAX_FORM_BYTES {
                let lang = req.extensions().get::<Lang>().copied().unwrap_or_default();
                return Ok(req.into_response(error_page(lang, StatusCode::PAYLOAD_TOO_LARGE, None)));
            }
            body.extend_from_slice(&chunk);
        }
        clean = decoded_text_ok(&body, true);
        req.set_payload(Payload::from(body.freeze()));
    }
    if clean {
        return next.call(req).await.map(ServiceResponse::map_into_boxed_body);
    }
    tracing::info!(path = %req.path(), "refused a request holding control characters or invalid UTF-8");
    let lang = req.extensions().get::<Lang>().copied().unwrap_or_default();
    Ok(req.into_response(error_page(lang, StatusCode::BAD_REQUEST, Some("error.control_chars"))))
}

/// The largest form body any page sends (the notes editor's text area).
pub const MAX_FORM_BYTES: usize = 256 * 1024;

/// Whether percent-encoded `raw` decodes to UTF-8 free of control characters;
/// `multiline` lets line breaks and tabs through.
fn decoded_text_ok(raw: &[u8], multiline: bool) -> bool {
    let plus_as_space: Vec<u8> = raw.iter().map(|&b| if b == b'+' { b' ' } else { b }).collect();
    match percent_encoding::percent_decode(&plus_as_space).decode_utf8() {
        Ok(text) => !text
            .chars()
            .any(|c| c.is_control() && !(multiline && matches!(c, '\n' | '\r' | '\t'))),
        Err(_) => false,
    }
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
    log_error(&res);
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

/// One log line per failed request, at the level its cause deserves: our own
/// errors log their cause chain where they are rendered; a client's mistake or
/// a client that went away is routine (info/debug); anything else from a
/// lower layer that ends in a 5xx is an error.
fn log_error<B>(res: &ServiceResponse<B>) {
    let Some(err) = res.response().error() else {
        return;
    };
    let status = res.status();
    match err.as_error::<super::error::AppError>() {
        Some(_) => {}
        None if status.is_server_error() => tracing::error!(error = %err, status = status.as_u16(), "request failed"),
        None if client_went_away(err) => tracing::debug!(error = %err, "the client stopped sending its request"),
        None => tracing::info!(error = %err, status = status.as_u16(), "refused a request"),
    }
}

fn client_went_away(err: &actix_web::Error) -> bool {
    let gone = |e: &PayloadError| matches!(e, PayloadError::Incomplete(_) | PayloadError::Io(_));
    err.as_error::<PayloadError>().is_some_and(gone)
        || matches!(
            err.as_error::<actix_web::error::UrlencodedError>(),
            Some(actix_web::error::UrlencodedError::Payload(e)) if gone(e)
        )
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
