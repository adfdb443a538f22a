//! Helpers for server-rendered forms: per-field errors and responses.

use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use actix_web::http::header::{self, ContentType};
use askama::Template;

use super::error::AppError;
use crate::accounts::InputError;

/// Errors keyed by form field; each value is a message key.
#[derive(Debug, Default)]
pub struct FieldErrors(Vec<(&'static str, &'static str)>);

impl FieldErrors {
    pub fn add(&mut self, field: &'static str, message_key: &'static str) {
        self.0.push((field, message_key));
    }

    /// Records the error of a failed parse against `field` and yields the value if it parsed.
    pub fn check<T>(&mut self, field: &'static str, parsed: Result<T, InputError>) -> Option<T> {
        match parsed {
            Ok(v) => Some(v),
            Err(e) => {
                self.add(field, e.message_key());
                None
            }
        }
    }

    pub fn get(&self, field: &str) -> Option<&'static str> {
        self.0.iter().find(|(f, _)| *f == field).map(|&(_, m)| m)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Fields in error, in the order they were found (for the summary list).
    pub fn fields(&self) -> impl Iterator<Item = (&'static str, &'static str)> + '_ {
        self.0.iter().copied()
    }
}

pub fn render_with_status<T: Template>(page: &T, status: StatusCode) -> Result<HttpResponse, AppError> {
    let html = page.render()?;
    Ok(HttpResponse::build(status).content_type(ContentType::html()).body(html))
}

/// A multipart body that could not be read: a client that stopped sending is
/// no fault of ours (logged at debug); anything else is a malformed request.
pub fn multipart_error(e: actix_multipart::MultipartError) -> AppError {
    match e {
        actix_multipart::MultipartError::Payload(_) => AppError::ClientGone,
        other => {
            tracing::info!(error = %other, "refused a malformed multipart body");
            AppError::BadRequest("error.multipart")
        }
    }
}

/// The largest page number a listing accepts; far beyond any real listing,
/// small enough that offsets never overflow.
pub const MAX_PAGE: i64 = 1_000_000;

/// A 1-based page number from the query string.
pub fn page_number(page: Option<i64>) -> Result<i64, AppError> {
    match page {
        None => Ok(1),
        Some(p) if (1..=MAX_PAGE).contains(&p) => Ok(p),
        Some(_) => Err(AppError::BadRequest("error.bad_page")),
    }
}

/// POST-redirect-GET.
pub fn see_other(location: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, location))
        .finish()
}
