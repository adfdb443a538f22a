//! Problem reports: a student reports a problem with the exact question
//! version they were shown, an instructor accepts or rejects it with an
//! answer, and the student sees the outcome. Knows nothing of HTTP.

pub mod store;

/// Reports one student may file per hour, and per day.
pub const PER_HOUR: i64 = 5;
pub const PER_DAY: i64 = 20;
/// The longest report text and instructor answer, in characters.
pub const MAX_TEXT: usize = 2000;

crate::text_enum! {
    /// What is wrong with the question.
    pub enum Kind {
        WrongKey => "wrong_key",
        Outdated => "outdated",
        Unclear => "unclear",
        Typo => "typo",
        Other => "other",
    }
}

crate::text_enum! {
    /// Where a report stands.
    pub enum Status { Open => "open", Accepted => "accepted", Rejected => "rejected" }
}

/// Where the student saw the question, so the version is the one they were
/// shown, never one they name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Seen {
    /// An item of one of the student's attempts (walkthrough, drill feedback).
    Attempt { attempt: uuid::Uuid, position: i32 },
    /// The student's latest review of the question (review session).
    Review,
}

/// Text of at most [`MAX_TEXT`] characters, trimmed.
pub fn bounded_text(s: &str) -> Option<String> {
    let t = s.trim();
    (t.chars().count() <= MAX_TEXT).then(|| t.to_owned())
}

#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("the student was not shown that question")]
    NotSeen,
    #[error("too many reports")]
    Throttled,
    #[error(transparent)]
    Db(#[from] crate::db::DbError),
}
