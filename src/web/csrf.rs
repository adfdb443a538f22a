//! Synchroniser-token CSRF protection for every state-changing request.
//! The token lives in the server-side session; forms carry it as the field
//! `csrf_token`, scripts as the `X-CSRF-Token` header.

use actix_session::{Session, SessionExt};
use actix_web::HttpMessage;
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{Method, header};
use actix_web::middleware::Next;
use actix_web::web::{Bytes, BytesMut};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use futures_util::StreamExt;
use rand::RngCore;

use super::error::AppError;

const SESSION_KEY: &str = "csrf";
pub const FORM_FIELD: &str = "csrf_token";
pub const HEADER: &str = "x-csrf-token";
/// Forms are small; bigger uploads (multipart) must send the header instead.
const MAX_FORM_BYTES: usize = 256 * 1024;

/// Returns the session's token, creating one on first use.
pub fn ensure_token(session: &Session) -> Result<String, AppError> {
    if let Ok(Some(t)) = session.get::<String>(SESSION_KEY) {
        return Ok(t);
    }
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    let token = URL_SAFE_NO_PAD.encode(bytes);
    session.insert(SESSION_KEY, &token)?;
    Ok(token)
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn is_safe(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS | Method::TRACE)
}

/// Rejects unsafe requests whose token is missing or wrong with 403.
pub async fn middleware(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    if is_safe(req.method()) {
        return next.call(req).await.map(ServiceResponse::map_into_boxed_body);
    }
    let expected = req.get_session().get::<String>(SESSION_KEY).ok().flatten();
    let mut supplied = req
        .headers()
        .get(HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);

    let is_form = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("application/x-www-form-urlencoded"));
    if supplied.is_none() && is_form {
        // Read the body to find the field, then hand the same bytes on to the handler.
        let mut payload = req.take_payload();
        let mut body = BytesMut::new();
        while let Some(chunk) = payload.next().await {
            let chunk = chunk?;
            if body.len() + chunk.len() > MAX_FORM_BYTES {
                return Ok(req.into_response(super::error::error_page(
                    crate::i18n::Lang::current(),
                    actix_web::http::StatusCode::PAYLOAD_TOO_LARGE,
                    None,
                )));
            }
            body.extend_from_slice(&chunk);
        }
        let body: Bytes = body.freeze();
        supplied = serde_urlencoded::from_bytes::<Vec<(String, String)>>(&body)
            .ok()
            .and_then(|pairs| pairs.into_iter().find(|(k, _)| k == FORM_FIELD).map(|(_, v)| v));
        req.set_payload(actix_web::dev::Payload::from(body));
    }

    match (expected, supplied) {
        (Some(e), Some(s)) if constant_time_eq(e.as_bytes(), s.as_bytes()) => {
            next.call(req).await.map(ServiceResponse::map_into_boxed_body)
        }
        _ => {
            tracing::warn!(path = %req.path(), "rejected request without a valid CSRF token");
            let resp = actix_web::ResponseError::error_response(&AppError::Csrf);
            Ok(req.into_response(resp))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_comparison_needs_exact_match() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"abcd"));
        assert!(!constant_time_eq(b"", b"a"));
    }
}
