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

/// For optional query and form fields that name one of a closed set: absent
/// or blank is `None`; any other value must parse, or the extractor refuses
/// the request with a 400 instead of quietly falling back to a default.
pub fn blank_or<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: std::str::FromStr,
{
    use serde::Deserialize;
    let raw: Option<String> = Option::deserialize(d)?;
    match raw.as_deref().map(str::trim) {
        None | Some("") => Ok(None),
        Some(v) => v
            .parse()
            .map(Some)
            .map_err(|_| serde::de::Error::custom(format!("unknown value {v:?}"))),
    }
}

/// Defines a closed set parsed from a query or form value.
macro_rules! form_enum {
    ($(#[$meta:meta])* $vis:vis enum $name:ident { $($variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        $vis enum $name { $($variant),+ }

        impl $name {
            #[allow(dead_code)]
            pub fn as_str(self) -> &'static str {
                match self { $(Self::$variant => $text),+ }
            }
        }

        impl std::str::FromStr for $name {
            type Err = ();
            fn from_str(s: &str) -> Result<Self, ()> {
                match s { $($text => Ok(Self::$variant),)+ _ => Err(()) }
            }
        }
    };
}
pub(crate) use form_enum;

/// A handler's answer: its page, or a redirect instead of it.
pub type PageOr<T> = Result<actix_web::Either<T, HttpResponse>, AppError>;

/// The redirect branch of a [`PageOr`].
pub fn redirect<T>(location: &str) -> actix_web::Either<T, HttpResponse> {
    actix_web::Either::Right(see_other(location))
}

/// POST-redirect-GET.
pub fn see_other(location: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, location))
        .finish()
}
