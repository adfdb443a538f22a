//! Attempts in PostgreSQL: starting one (`start`), saving answers durably
//! (`save`), and finalizing (grading) it when submitted or when its time
//! runs out.
//!
//! An attempt's row holds its question list (ids, pinned versions, domains,
//! option orders); `attempt_answers` holds a row per item that was saved,
//! flagged or locked, and one per item once graded. The `attempt_items` view
//! joins the two, so readers see every item whether or not it was touched.

use sqlx::PgPool;
use time::OffsetDateTime;
use uuid::Uuid;

use super::grading::{is_correct, scaled};
use crate::accounts::UserId;
use crate::bank::model::Question;
use crate::db::DbError;

/// Answers already on their way when time runs out are still accepted for this long.
pub const GRACE_SECONDS: i64 = 10;

crate::text_enum! {
    /// A full exam (the blueprint's shape and time) or a practice set.
    pub enum Mode { Exam => "exam", Practice => "practice" }
}

crate::text_enum! {
    /// When the student sees whether an answer was right.
    pub enum Feedback { AtEnd => "end", EachQuestion => "each" }
}

mod save;
mod start;

pub use save::{PendingSave, SaveError, refusal, save_answer, save_answers, set_flag, valid_selection};
pub use start::{StartError, StartRequest, start, start_many, with_accommodation};

crate::text_enum! {
    /// How an attempt was closed.
    pub enum Finish { Submitted => "submitted", Expired => "expired" }
}

/// The outcome of a finished attempt. `scaled` and `passed` are stored only
/// for a full exam.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub raw: u32,
    pub total: u32,
    pub scaled: u32,
    pub passed: bool,
}

/// Grades and closes an attempt. Doing it twice (a double submit, the sweeper
/// racing a request) changes nothing: only the first one grades.
pub async fn finalize(pool: &PgPool, attempt: Uuid, how: Finish) -> Result<Option<Outcome>, DbError> {
    let mut tx = pool.begin().await?;
    let open = sqlx::query!(
        r#"select exam, user_id as "user_id: UserId", mode as "mode: Mode", now() as "now!"
           from attempts where id = $1 and submitted_at is null for update"#,
        attempt
    )
    .fetch_optional(&mut *tx)
    .await?;
    let Some(open) = open else {
        return Ok(None);
    };
    let items = sqlx::query!(
        r#"select i.position as "position!", i.selected, v.content
         from attempt_items i join question_versions v on v.question_id = i.question_id and v.version = i.version
         where i.attempt_id = $1"#,
        attempt
    )
    .fetch_all(&mut *tx)
    .await?;
    let mut positions = Vec::new();
    let mut correct = Vec::new();
    let mut graded = Vec::new();
    for item in items {
        let q: Question =
            serde_json::from_value(item.content).map_err(|e| DbError::Corrupt(format!("attempt {attempt}: {e}")))?;
        let chosen: Vec<char> = item.selected.as_deref().unwrap_or("").chars().collect();
        let right = is_correct(&q.answer, &chosen);
        positions.push(item.position);
        correct.push(right);
        // A skipped question scores zero but says nothing about what the
        // student knows, so it never reaches the review queue.
        if !chosen.is_empty() {
            graded.push((q.id.into_string(), right));
        }
    }
    // Every item gets its row now (an untouched one too), so a graded
    // attempt's answers are complete in attempt_answers.
    sqlx::query!(
        "insert into attempt_answers as s (attempt_id, position, correct)
         select $1, u.p, u.c from unnest($2::int[], $3::bool[]) as u(p, c)
         on conflict (attempt_id, position) do update set correct = excluded.correct",
        attempt,
        &positions,
        &correct,
    )
    .execute(&mut *tx)
    .await?;
    // Missed questions enter the review queue in the same transaction as the grade.
    crate::review::store::record_graded(&mut tx, open.user_id, &graded, open.now).await?;
    let scale = sqlx::query!(
        "select score_min, score_max, passing_score from blueprints where code = $1",
        open.exam
    )
    .fetch_one(&mut *tx)
    .await?;
    let raw = correct.iter().filter(|c| **c).count() as u32;
    let total = correct.len() as u32;
    let s = scaled(raw, total, scale.score_min.max(0) as u32, scale.score_max.max(0) as u32);
    let passed = s >= scale.passing_score.max(0) as u32;
    // Only a full exam has the real test's shape, so only it gets a scaled
    // score and an outcome; a practice set or drill is a share right.
    let full = open.mode == Mode::Exam;
    sqlx::query!(
        "update attempts set submitted_at = case when $2 = 'expired' then coalesce(deadline, now()) else now() end,
             finish_reason = $2, raw_score = $3, scaled_score = $4, passed = $5
         where id = $1",
        attempt,
        how.as_str(),
        raw as i32,
        full.then_some(s as i32),
        full.then_some(passed),
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    // Not counted into the item statistics here: every submit would upsert the
    // same few count rows and queue on their locks while holding a connection
    // when a class submits together. The background sweep counts graded
    // attempts in batches, and the statistics pages catch up before reading.
    Ok(Some(Outcome {
        raw,
        total,
        scaled: s,
        passed,
    }))
}

/// Finalizes every attempt whose time (and grace period) has run out; run in the background.
pub async fn finalize_expired(pool: &PgPool) -> Result<usize, DbError> {
    let ids = sqlx::query_scalar!(
        "select id from attempts where submitted_at is null and deadline is not null
           and now() > deadline + make_interval(secs => $1)",
        GRACE_SECONDS as f64
    )
    .fetch_all(pool)
    .await?;
    let mut n = 0;
    for id in ids {
        if finalize(pool, id, Finish::Expired).await?.is_some() {
            n += 1;
        }
    }
    Ok(n)
}

/// When an attempt ends, as the server sees it (for the countdown display).
pub async fn deadline(pool: &PgPool, attempt: Uuid, user: UserId) -> Result<Option<Option<OffsetDateTime>>, DbError> {
    Ok(sqlx::query_scalar!(
        "select deadline from attempts where id = $1 and user_id = $2",
        attempt,
        user as UserId
    )
    .fetch_optional(pool)
    .await?)
}

/// A student's extra time.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Accommodation {
    pub extra_minutes: u32,
    pub multiplier: f64,
}

impl Default for Accommodation {
    fn default() -> Self {
        Accommodation {
            extra_minutes: 0,
            multiplier: 1.0,
        }
    }
}

pub async fn accommodation(pool: &PgPool, user: UserId) -> Result<Accommodation, DbError> {
    let row = sqlx::query!(
        r#"select extra_minutes, multiplier::float8 as "multiplier!" from accommodations where user_id = $1"#,
        user as UserId
    )
    .fetch_optional(pool)
    .await?;
    Ok(row.map_or_else(Accommodation::default, |r| Accommodation {
        extra_minutes: u32::try_from(r.extra_minutes).unwrap_or(0),
        multiplier: r.multiplier,
    }))
}

/// Sets a student's extra time for attempts started from now on, recording who did it.
pub async fn set_accommodation(
    pool: &PgPool,
    user: UserId,
    extra_minutes: u32,
    multiplier: f64,
    actor: UserId,
) -> Result<(), DbError> {
    let mut tx = pool.begin().await?;
    // `$3::float8` first, so the parameter is a float8 and not a numeric (which needs a decimal crate).
    sqlx::query!(
        "insert into accommodations (user_id, extra_minutes, multiplier, set_by) values ($1, $2, $3::float8::numeric, $4)
         on conflict (user_id) do update set extra_minutes = $2, multiplier = $3::float8::numeric, set_by = $4, updated_at = now()",
        user as UserId,
        extra_minutes as i32,
        multiplier,
        actor as UserId,
    )
    .execute(&mut *tx)
    .await?;
    crate::accounts::audit(
        &mut *tx,
        Some(actor),
        "student.accommodation",
        &user.to_string(),
        serde_json::json!({ "extra_minutes": extra_minutes, "multiplier": multiplier }),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accommodations_extend_the_time() {
        assert_eq!(with_accommodation(130, 0, 1.0), 130);
        assert_eq!(
            with_accommodation(130, 30, 1.0),
            160,
            "AWS's +30 minutes for non-native speakers"
        );
        assert_eq!(with_accommodation(130, 0, 1.5), 195);
        assert_eq!(
            with_accommodation(130, 0, 0.5),
            130,
            "a multiplier never shortens the exam"
        );
    }
}
