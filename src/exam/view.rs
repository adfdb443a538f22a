//! Read models for attempt pages.
//!
//! Everything that reads one attempt's questions takes an [`OwnedAttempt`],
//! which only [`attempt_for`] makes, and only after checking that the viewer
//! owns the attempt (or is staff). A handler cannot read another student's
//! items by forgetting a check: without the proof it cannot call the
//! functions at all. Reads never write; closing an attempt whose time ran out
//! is the separate, explicit [`close_if_expired`].

use sqlx::PgPool;
use time::OffsetDateTime;
use uuid::Uuid;

use super::store::{Feedback, Finish, GRACE_SECONDS, Mode, finalize};
use crate::accounts::UserId;
use crate::bank::model::Question;
use crate::db::DbError;

#[derive(Debug, Clone)]
pub struct Summary {
    pub id: Uuid,
    pub user_id: UserId,
    pub exam: String,
    pub mode: Mode,
    pub feedback: Feedback,
    pub started_at: OffsetDateTime,
    pub deadline: Option<OffsetDateTime>,
    pub submitted_at: Option<OffsetDateTime>,
    pub finish_reason: Option<Finish>,
    pub raw_score: Option<i32>,
    pub scaled_score: Option<i32>,
    pub passed: Option<bool>,
    pub question_count: i32,
    pub passing_score: i32,
    pub now: OffsetDateTime,
}

impl Summary {
    pub fn is_open(&self) -> bool {
        self.submitted_at.is_none()
    }

    /// Seconds left as the server sees it; `None` when untimed.
    pub fn remaining_secs(&self) -> Option<i64> {
        self.deadline.map(|d| (d - self.now).whole_seconds().max(0))
    }

    pub fn used_secs(&self) -> i64 {
        (self.submitted_at.unwrap_or(self.now) - self.started_at)
            .whole_seconds()
            .max(0)
    }

    pub fn feedback_each(&self) -> bool {
        self.feedback == Feedback::EachQuestion
    }

    pub fn ended_by_time(&self) -> bool {
        self.finish_reason == Some(Finish::Expired)
    }

    pub fn is_full_exam(&self) -> bool {
        self.mode == Mode::Exam
    }

    /// The share right, in whole percent, once graded. Practice sets and
    /// drills are reported this way only; a full exam also has its scaled
    /// score and outcome.
    pub fn percent_correct(&self) -> Option<i32> {
        let raw = self.raw_score?;
        Some(if self.question_count > 0 {
            (raw * 100 + self.question_count / 2) / self.question_count
        } else {
            0
        })
    }

    /// The countdown as `h:mm:ss`; `None` when untimed.
    pub fn clock(&self) -> Option<String> {
        self.remaining_secs()
            .map(|s| format!("{}:{:02}:{:02}", s / 3600, (s % 3600) / 60, s % 60))
    }

    /// Open, but past its deadline and the grace period.
    fn is_overdue(&self) -> bool {
        self.is_open()
            && self
                .deadline
                .is_some_and(|d| self.now > d + time::Duration::seconds(GRACE_SECONDS))
    }
}

/// Who is looking: a student sees only their own attempts; staff see any.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Viewer {
    Owner(UserId),
    Staff,
}

/// Proof that the viewer may read this attempt. Made only by [`attempt_for`].
#[derive(Debug, Clone)]
pub struct OwnedAttempt {
    summary: Summary,
}

impl OwnedAttempt {
    pub fn id(&self) -> Uuid {
        self.summary.id
    }

    pub fn summary(&self) -> &Summary {
        &self.summary
    }

    pub fn into_summary(self) -> Summary {
        self.summary
    }
}

async fn read_summary(pool: &PgPool, attempt: Uuid, owner: Option<UserId>) -> Result<Option<Summary>, DbError> {
    Ok(summaries(pool, Some(attempt), owner).await?.pop())
}

/// The attempts matching `attempt` and `owner` (either may be absent), newest first.
async fn summaries(pool: &PgPool, attempt: Option<Uuid>, owner: Option<UserId>) -> Result<Vec<Summary>, DbError> {
    Ok(sqlx::query_as!(
        Summary,
        r#"select a.id, a.user_id as "user_id: UserId", a.exam, a.mode as "mode: Mode",
                  a.feedback as "feedback: Feedback", a.started_at, a.deadline, a.submitted_at,
                  a.finish_reason as "finish_reason: Finish", a.raw_score, a.scaled_score, a.passed,
                  a.question_count, b.passing_score, now() as "now!"
           from attempts a join blueprints b on b.code = a.exam
           where ($1::uuid is null or a.id = $1) and ($2::uuid is null or a.user_id = $2)
           order by a.started_at desc"#,
        attempt,
        owner as Option<UserId>,
    )
    .fetch_all(pool)
    .await?)
}

/// The attempt, if the viewer may see it. Reads only.
pub async fn attempt_for(pool: &PgPool, attempt: Uuid, viewer: Viewer) -> Result<Option<OwnedAttempt>, DbError> {
    let owner = match viewer {
        Viewer::Owner(u) => Some(u),
        Viewer::Staff => None,
    };
    Ok(read_summary(pool, attempt, owner)
        .await?
        .map(|summary| OwnedAttempt { summary }))
}

/// Grades and closes the attempt if its time (plus grace) ran out, and
/// returns it as it now stands. The background sweep does the same for
/// attempts nobody looks at.
pub async fn close_if_expired(pool: &PgPool, attempt: OwnedAttempt) -> Result<OwnedAttempt, DbError> {
    if !attempt.summary.is_overdue() {
        return Ok(attempt);
    }
    finalize(pool, attempt.id(), Finish::Expired).await?;
    match read_summary(pool, attempt.id(), None).await? {
        Some(summary) => Ok(OwnedAttempt { summary }),
        None => Err(DbError::Corrupt(format!(
            "attempt {} vanished while closing",
            attempt.id()
        ))),
    }
}

/// Every attempt of a user, newest first.
pub async fn history(pool: &PgPool, user: UserId) -> Result<Vec<Summary>, DbError> {
    summaries(pool, None, Some(user)).await
}

/// Every attempt of the user still open, newest first, after closing the
/// ones whose time ran out (so the dashboard links only what can be resumed).
pub async fn open_attempts(pool: &PgPool, user: UserId) -> Result<Vec<Summary>, DbError> {
    let mut open = vec![];
    for summary in history(pool, user).await?.into_iter().filter(Summary::is_open) {
        let attempt = close_if_expired(pool, OwnedAttempt { summary }).await?;
        if attempt.summary.is_open() {
            open.push(attempt.summary);
        }
    }
    Ok(open)
}

#[derive(Debug, Clone)]
pub struct ItemState {
    pub position: i32,
    pub domain: String,
    pub flagged: bool,
    pub answered: bool,
    pub correct: Option<bool>,
}

pub async fn item_states(pool: &PgPool, attempt: &OwnedAttempt) -> Result<Vec<ItemState>, DbError> {
    Ok(sqlx::query_as!(
        ItemState,
        r#"select position as "position!", domain as "domain!", flagged as "flagged!",
                  selected is not null as "answered!", correct
           from attempt_items where attempt_id = $1 order by position"#,
        attempt.id(),
    )
    .fetch_all(pool)
    .await?)
}

/// One item with the exact question version it was built from.
#[derive(Debug, Clone)]
pub struct Item {
    pub position: i32,
    pub domain: String,
    pub question: Question,
    pub order: Vec<char>,
    pub selected: Vec<char>,
    pub flagged: bool,
    pub locked: bool,
    pub correct: Option<bool>,
}

impl Item {
    /// Left without an answer: scored zero, but never counted as a wrong
    /// answer in review, mastery or the walkthrough.
    pub fn skipped(&self) -> bool {
        self.selected.is_empty()
    }

    /// Answered, and graded wrong.
    pub fn answered_wrong(&self) -> bool {
        !self.skipped() && self.correct == Some(false)
    }
}

struct ItemRow {
    position: i32,
    domain: String,
    content: serde_json::Value,
    option_order: String,
    selected: Option<String>,
    flagged: bool,
    locked: bool,
    correct: Option<bool>,
}

fn to_item(r: ItemRow) -> Result<Item, DbError> {
    let question: Question =
        serde_json::from_value(r.content).map_err(|e| DbError::Corrupt(format!("attempt item {}: {e}", r.position)))?;
    Ok(Item {
        position: r.position,
        domain: r.domain,
        question,
        order: r.option_order.chars().collect(),
        selected: r.selected.unwrap_or_default().chars().collect(),
        flagged: r.flagged,
        locked: r.locked,
        correct: r.correct,
    })
}

pub async fn item(pool: &PgPool, attempt: &OwnedAttempt, position: i32) -> Result<Option<Item>, DbError> {
    // The same columns as `items` reads.
    let row = sqlx::query_as!(
        ItemRow,
        r#"select i.position as "position!", i.domain as "domain!", v.content, i.option_order as "option_order!",
                i.selected, i.flagged as "flagged!", i.locked as "locked!", i.correct
         from attempt_items i join question_versions v on v.question_id = i.question_id and v.version = i.version
         where i.attempt_id = $1 and i.position = $2"#,
        attempt.id(),
        position,
    )
    .fetch_optional(pool)
    .await?;
    row.map(to_item).transpose()
}

pub async fn items(pool: &PgPool, attempt: &OwnedAttempt) -> Result<Vec<Item>, DbError> {
    // The same columns as `item` reads.
    let rows = sqlx::query_as!(
        ItemRow,
        r#"select i.position as "position!", i.domain as "domain!", v.content, i.option_order as "option_order!",
                i.selected, i.flagged as "flagged!", i.locked as "locked!", i.correct
         from attempt_items i join question_versions v on v.question_id = i.question_id and v.version = i.version
         where i.attempt_id = $1 order by i.position"#,
        attempt.id(),
    )
    .fetch_all(pool)
    .await?;
    rows.into_iter().map(to_item).collect()
}

/// Locks an answered item in feedback-after-each-question practice and grades it.
pub async fn lock(pool: &PgPool, attempt: &OwnedAttempt, position: i32) -> Result<bool, DbError> {
    let Some(it) = item(pool, attempt, position).await? else {
        return Ok(false);
    };
    let correct = super::grading::is_correct(&it.question.answer, &it.selected);
    let n = sqlx::query!(
        "update attempt_answers s set locked = true, correct = $4 from attempts a
         where a.id = s.attempt_id and a.id = $1 and a.user_id = $2 and s.position = $3
           and a.feedback = 'each' and a.submitted_at is null and s.selected is not null",
        attempt.id(),
        attempt.summary().user_id as UserId,
        position,
        correct,
    )
    .execute(pool)
    .await?
    .rows_affected();
    Ok(n == 1)
}

/// How a finished attempt went in one domain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DomainResult {
    pub domain: String,
    pub right: i64,
    pub total: i64,
}

/// Per-domain results of a finished attempt, in blueprint order.
pub async fn domain_results(pool: &PgPool, attempt: &OwnedAttempt) -> Result<Vec<DomainResult>, DbError> {
    Ok(sqlx::query_as!(
        DomainResult,
        r#"select i.domain as "domain!", count(*) filter (where i.correct) as "right!", count(*) as "total!"
           from attempt_items i join attempts a on a.id = i.attempt_id
           left join blueprint_domains d on d.exam = a.exam and d.code = i.domain
           where i.attempt_id = $1 group by i.domain, d.position order by d.position"#,
        attempt.id(),
    )
    .fetch_all(pool)
    .await?)
}

/// One line of the exam's review screen: the question's state and the start
/// of its stem, in the question's language.
#[derive(Debug, Clone)]
pub struct ReviewLine {
    pub state: ItemState,
    pub stem_start: String,
    /// `ko` or `en`: the language of the stem.
    pub lang: &'static str,
}

struct ReviewRow {
    position: i32,
    domain: String,
    flagged: bool,
    answered: bool,
    correct: Option<bool>,
    stem: String,
    language: String,
}

/// Every question of an attempt for the review screen, in order.
pub async fn review_lines(pool: &PgPool, attempt: &OwnedAttempt) -> Result<Vec<ReviewLine>, DbError> {
    let rows = sqlx::query_as!(
        ReviewRow,
        r#"select i.position as "position!", i.domain as "domain!", i.flagged as "flagged!",
                  i.selected is not null as "answered!", i.correct,
                  coalesce(v.content->>'stem', '') as "stem!", coalesce(v.content->>'language', 'ko') as "language!"
           from attempt_items i join question_versions v on v.question_id = i.question_id and v.version = i.version
           where i.attempt_id = $1 order by i.position"#,
        attempt.id(),
    )
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| ReviewLine {
            stem_start: stem_start(&r.stem, STEM_START_CHARS),
            lang: if r.language == "en" { "en" } else { "ko" },
            state: ItemState {
                position: r.position,
                domain: r.domain,
                flagged: r.flagged,
                answered: r.answered,
                correct: r.correct,
            },
        })
        .collect())
}

/// How much of a stem the review screen shows.
pub const STEM_START_CHARS: usize = 70;

/// The first `max` characters of a Markdown stem as plain text, on one line,
/// with an ellipsis when cut. Counts characters, never bytes (Korean text).
pub fn stem_start(markdown: &str, max: usize) -> String {
    let plain: String = markdown
        .chars()
        .filter(|c| !matches!(c, '*' | '`' | '#' | '_' | '>'))
        .collect();
    let words: Vec<&str> = plain.split_whitespace().collect();
    let line = words.join(" ");
    if line.chars().count() <= max {
        return line;
    }
    let cut: String = line.chars().take(max).collect();
    format!("{}…", cut.trim_end())
}

#[cfg(test)]
mod tests {
    use super::stem_start;

    #[test]
    fn stem_starts_are_plain_and_cut_by_characters() {
        assert_eq!(stem_start("**S3** bucket\n\npolicy", 70), "S3 bucket policy");
        let ko = "한국어 문제의 지문은 바이트가 아니라 글자 수로 자릅니다";
        let cut = stem_start(ko, 5);
        assert_eq!(cut, "한국어 문…");
    }
}
