//! CSRF protection for every state-changing request. Forms carry the token
//! as the field `csrf_token`, scripts as the `X-CSRF-Token` header.
//!
//! A signed-in session holds its own random token, replaced at every sign-in.
//! Visitors without one get a token derived from a random nonce cookie and
//! the app key (a signed double-submit token), so an anonymous page view
//! never writes a session: pages keep working while the database refuses
//! writes, and a crawler does not fill the session table.

use actix_session::{Session, SessionExt};
use actix_web::HttpMessage;
use actix_web::body::{BoxBody, MessageBody};
use actix_web::cookie::{Cookie, SameSite};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{Method, header};
use actix_web::middleware::Next;
use actix_web::web::{Bytes, BytesMut};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use futures_util::StreamExt;
use hmac::Mac;
use rand::RngCore;

use super::error::AppError;

const SESSION_KEY: &str = "csrf";
pub const FORM_FIELD: &str = "csrf_token";
pub const HEADER: &str = "x-csrf-token";
use super::middleware::MAX_FORM_BYTES;
/// Uploads are buffered to find their token; a little above the largest upload
/// limit (the notes form) so the upload page can say precisely what was too big.
const MAX_MULTIPART_BYTES: usize = super::notes::MAX_NOTES_UPLOAD + 1024 * 1024;

const NONCE_COOKIE: &str = "examdrill_csrf";

/// The visitor's token when their session holds none, put in the request's
/// extensions by the middleware.
#[derive(Clone)]
struct VisitorToken(String);

fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

fn visitor_token(key: &[u8], nonce: &str) -> Option<String> {
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(key).ok()?;
    mac.update(b"examdrill csrf\0");
    mac.update(nonce.as_bytes());
    Some(URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes()))
}

/// The token this page's forms must carry. Reads only; never writes the session.
pub fn token(session: &Session, req: &actix_web::HttpRequest) -> Result<String, AppError> {
    if let Ok(Some(t)) = session.get::<String>(SESSION_KEY) {
        return Ok(t);
    }
    req.extensions()
        .get::<VisitorToken>()
        .map(|v| v.0.clone())
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("the CSRF middleware did not run")))
}

/// Gives a session that just signed in a fresh token of its own, so a token
/// seen before sign-in is worthless after it.
pub fn rotate(session: &Session) -> Result<(), AppError> {
    session.insert(SESSION_KEY, random_token())?;
    Ok(())
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
    let key = req
        .app_data::<actix_web::web::Data<super::AppState>>()
        .map(|s| s.save_key.clone())
        .unwrap_or_default();
    let cookie_nonce = req
        .cookie(NONCE_COOKIE)
        .map(|c| c.value().to_owned())
        .filter(|n| n.len() == 43 && URL_SAFE_NO_PAD.decode(n).is_ok());
    let new_nonce = cookie_nonce.is_none().then(random_token);
    let nonce = cookie_nonce.clone().or_else(|| new_nonce.clone()).unwrap_or_default();
    let visitor = visitor_token(&key, &nonce);
    if let Some(v) = &visitor {
        req.extensions_mut().insert(VisitorToken(v.clone()));
    }
    let set_nonce = |mut resp: ServiceResponse<BoxBody>| {
        if let Some(n) = &new_nonce {
            let secure = resp
                .request()
                .app_data::<actix_web::web::Data<super::AppState>>()
                .is_some_and(|s| s.cookie_secure);
            let cookie = Cookie::build(NONCE_COOKIE, n.clone())
                .path("/")
                .http_only(true)
                .secure(secure)
                .same_site(SameSite::Lax)
                .finish();
            if let Err(e) = resp.response_mut().add_cookie(&cookie) {
                tracing::warn!(error = %e, "could not set the CSRF nonce cookie");
            }
        }
        resp
    };
    if is_safe(req.method()) {
        return next
            .call(req)
            .await
            .map(ServiceResponse::map_into_boxed_body)
            .map(set_nonce);
    }
    // A session's own token wins; a visitor token counts only with the nonce
    // cookie it came from (a fresh nonce has no form that could carry it yet).
    let expected = req
        .get_session()
        .get::<String>(SESSION_KEY)
        .ok()
        .flatten()
        .or_else(|| cookie_nonce.as_ref().and(visitor));
    let mut supplied = req
        .headers()
        .get(HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);

    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let is_form = content_type.starts_with("application/x-www-form-urlencoded");
    let boundary = content_type
        .starts_with("multipart/form-data")
        .then(|| multipart_boundary(&content_type))
        .flatten();
    if supplied.is_none() && (is_form || boundary.is_some()) {
        // Read the body to find the field, then hand the same bytes on to the handler.
        let limit = if is_form { MAX_FORM_BYTES } else { MAX_MULTIPART_BYTES };
        let mut payload = req.take_payload();
        let mut body = BytesMut::new();
        while let Some(chunk) = payload.next().await {
            let Ok(chunk) = chunk else {
                let resp = actix_web::ResponseError::error_response(&AppError::ClientGone);
                return Ok(req.into_response(resp));
            };
            if body.len() + chunk.len() > limit {
                let lang = crate::i18n::Lang::current();
                return Ok(req.into_response(super::error::error_page(
                    lang,
                    actix_web::http::StatusCode::PAYLOAD_TOO_LARGE,
                    None,
                )));
            }
            body.extend_from_slice(&chunk);
        }
        let body: Bytes = body.freeze();
        supplied = match &boundary {
            Some(b) => multipart_field(&body, b, FORM_FIELD),
            None => serde_urlencoded::from_bytes::<Vec<(String, String)>>(&body)
                .ok()
                .and_then(|pairs| pairs.into_iter().find(|(k, _)| k == FORM_FIELD).map(|(_, v)| v)),
        };
        req.set_payload(actix_web::dev::Payload::from(body));
    }

    match (expected, supplied) {
        (Some(e), Some(s)) if constant_time_eq(e.as_bytes(), s.as_bytes()) => next
            .call(req)
            .await
            .map(ServiceResponse::map_into_boxed_body)
            .map(set_nonce),
        _ => {
            tracing::warn!(path = %req.path(), "rejected request without a valid CSRF token");
            let resp = actix_web::ResponseError::error_response(&AppError::Csrf);
            Ok(req.into_response(resp))
        }
    }
}

fn multipart_boundary(content_type: &str) -> Option<String> {
    content_type.split(';').find_map(|p| {
        let p = p.trim();
        p.strip_prefix("boundary=").map(|b| b.trim_matches('"').to_owned())
    })
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// The value of the plain (non-file) part called `name` in a multipart body.
fn multipart_field(body: &[u8], boundary: &str, name: &str) -> Option<String> {
    let delim = format!("--{boundary}");
    let wanted = format!(" name=\"{name}\"");
    let mut rest = body;
    while let Some(start) = find(rest, delim.as_bytes()) {
        rest = &rest[start + delim.len()..];
        let end = find(rest, delim.as_bytes()).unwrap_or(rest.len());
        let part = &rest[..end];
        if let Some(h) = find(part, b"\r\n\r\n") {
            let headers = String::from_utf8_lossy(&part[..h]);
            let is_it = headers
                .lines()
                .any(|l| l.to_ascii_lowercase().starts_with("content-disposition") && l.contains(&wanted));
            if is_it {
                let value = &part[h + 4..];
                let value = value.strip_suffix(b"\r\n").unwrap_or(value);
                return String::from_utf8(value.to_vec()).ok();
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_token_in_a_multipart_body_but_not_a_file_named_like_it() {
        let body = "--XyZ\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\ntok123\r\n\
                    --XyZ\r\nContent-Disposition: form-data; name=\"files\"; filename=\"a.toml\"\r\n\
                    Content-Type: application/toml\r\n\r\nx = 1\r\n--XyZ--\r\n";
        assert_eq!(
            multipart_field(body.as_bytes(), "XyZ", "csrf_token").as_deref(),
            Some("tok123")
        );
        let sneaky = "--B\r\nContent-Disposition: form-data; name=\"f\"; filename=\"csrf_token\"\r\n\r\nzzz\r\n--B--";
        assert_eq!(multipart_field(sneaky.as_bytes(), "B", "csrf_token"), None);
        assert_eq!(
            multipart_boundary("multipart/form-data; boundary=\"abc\""),
            Some("abc".to_owned())
        );
    }

    #[test]
    fn token_comparison_needs_exact_match() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"abcd"));
        assert!(!constant_time_eq(b"", b"a"));
    }
}
