//! Attempts in PostgreSQL: starting one, saving answers durably, and
//! finalizing (grading) it when submitted or when its time runs out.

use std::collections::HashMap;

use rand::Rng;
use rand::seq::SliceRandom;
use sqlx::PgPool;
use time::OffsetDateTime;
use uuid::Uuid;

use super::assembly::{Candidate, Shortfall, allocate, pick};
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

#[derive(Debug, Clone)]
pub struct StartRequest {
    pub user: UserId,
    pub exam: String,
    pub mode: Mode,
    pub feedback: Feedback,
    /// Practice only: how many questions (a full exam uses the blueprint's count).
    pub count: Option<usize>,
    /// Practice only: `None` is untimed; a full exam uses the blueprint's minutes.
    pub minutes: Option<u32>,
    /// Practice only: restrict to these domains (empty: all).
    pub domains: Vec<String>,
    /// Practice only: restrict to these topics (empty: all).
    pub topics: Vec<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("unknown exam {0}")]
    UnknownExam(String),
    #[error("the bank cannot fill this request")]
    Shortfall(Vec<Shortfall>),
    #[error(transparent)]
    Db(#[from] DbError),
}

impl From<sqlx::Error> for StartError {
    fn from(e: sqlx::Error) -> Self {
        StartError::Db(e.into())
    }
}

/// Minutes a student gets for `base` minutes, with their accommodation.
pub fn with_accommodation(base: u32, extra_minutes: u32, multiplier: f64) -> u32 {
    (f64::from(base) * multiplier.max(1.0)).ceil() as u32 + extra_minutes
}

/// The student's side of a start: their extra time and what they have seen.
struct StudentRow {
    epoch: Uuid,
    generation: i64,
    extra_minutes: i32,
    multiplier: f64,
    seen_ids: Vec<String>,
    seen_counts: Vec<i64>,
    /// The student's latest answer to it was wrong (skipping it is not).
    missed: Vec<bool>,
}

struct CandidateRow<'a> {
    id: &'a str,
    domain: &'a str,
    seen: i64,
    missed: bool,
    version: i32,
    option_keys: &'a str,
    single: bool,
}

/// Builds and stores an attempt in two round trips: one small query for the
/// student (accommodation, questions seen, the bank's generation), then one
/// insert statement. The bank side comes from the per-exam catalog, reloaded
/// only when the bank changed, so a crowd pressing Start is served quickly.
#[tracing::instrument(skip(pool, rng), fields(user = %req.user, exam = %req.exam))]
pub async fn start<R: Rng>(pool: &PgPool, req: &StartRequest, rng: &mut R) -> Result<Uuid, StartError> {
    let student = sqlx::query_as!(
        StudentRow,
        r#"with s as (
             select i.question_id, count(*) as seen,
                    coalesce((array_agg(i.correct order by a.started_at desc)
                        filter (where i.correct is not null and i.selected is not null))[1] = false, false) as missed
             from attempt_items i join attempts a on a.id = i.attempt_id
             where a.user_id = $1 group by i.question_id)
         select st.epoch, st.generation,
                coalesce(acc.extra_minutes, 0) as "extra_minutes!",
                coalesce(acc.multiplier::float8, 1.0) as "multiplier!",
                array(select question_id from s order by question_id) as "seen_ids!",
                array(select seen from s order by question_id) as "seen_counts!",
                array(select missed from s order by question_id) as "missed!"
         from bank_state st left join accommodations acc on acc.user_id = $1"#,
        req.user as UserId,
    )
    .fetch_one(pool)
    .await?;
    let data = super::catalog::exam(pool, &req.exam, student.epoch, student.generation)
        .await?
        .ok_or_else(|| StartError::UnknownExam(req.exam.clone()))?;
    let s = &*data;
    let (count, base_minutes) = match req.mode {
        Mode::Exam => (
            usize::try_from(s.questions).unwrap_or(0),
            Some(u32::try_from(s.minutes).unwrap_or(0)),
        ),
        Mode::Practice => (req.count.unwrap_or(10).clamp(1, 200), req.minutes),
    };
    let minutes = base_minutes.map(|base| {
        with_accommodation(
            base,
            u32::try_from(student.extra_minutes).unwrap_or(0),
            student.multiplier,
        )
    });
    let chosen = choose(s, req, &student, count, rng)?;
    let mut positions = Vec::with_capacity(chosen.len());
    let mut qids = Vec::with_capacity(chosen.len());
    let mut vers = Vec::with_capacity(chosen.len());
    let mut domains = Vec::with_capacity(chosen.len());
    let mut orders = Vec::with_capacity(chosen.len());
    let mut singles = Vec::with_capacity(chosen.len());
    for (i, c) in chosen.iter().enumerate() {
        positions.push(i as i32 + 1);
        qids.push(c.id.as_str());
        vers.push(c.version);
        domains.push(c.domain.as_str());
        orders.push(c.option_order.clone());
        singles.push(c.single);
    }
    let attempt = Uuid::new_v4();
    // One statement, so the attempt and its items appear together or not at all.
    sqlx::query!(
        "with a as (
            insert into attempts (id, user_id, exam, mode, feedback, deadline, question_count)
            values ($1, $2, $3, $4, $5,
                    case when $6::int is null then null else now() + make_interval(mins => $6) end, $7)
            returning id)
         insert into attempt_items (attempt_id, position, question_id, version, domain, option_order, single_choice)
         select a.id, u.* from a, unnest($8::int[], $9::text[], $10::int[], $11::text[], $12::text[], $13::bool[]) as u",
        attempt,
        req.user as UserId,
        req.exam,
        req.mode.as_str(),
        req.feedback.as_str(),
        minutes.map(|m| m as i32),
        chosen.len() as i32,
        &positions,
        &qids as &[&str],
        &vers,
        &domains as &[&str],
        &orders,
        &singles,
    )
    .execute(pool)
    .await?;
    Ok(attempt)
}

/// A question picked for a new attempt, with its option order drawn.
struct Chosen {
    id: String,
    domain: String,
    version: i32,
    option_order: String,
    single: bool,
}

/// Picks `count` questions for the student: by the blueprint's domain
/// weights, or for a topic drill unseen and missed ones first.
fn choose<R: Rng>(
    s: &super::catalog::ExamData,
    req: &StartRequest,
    student: &StudentRow,
    count: usize,
    rng: &mut R,
) -> Result<Vec<Chosen>, StartError> {
    let weights: Vec<(String, u32)> = s
        .domains
        .iter()
        .zip(&s.weights)
        .filter(|(d, _)| req.mode == Mode::Exam || req.domains.is_empty() || req.domains.contains(d))
        .map(|(d, w)| (d.clone(), u32::try_from(*w).unwrap_or(0)))
        .collect();
    let seen: HashMap<&str, (i64, bool)> = student
        .seen_ids
        .iter()
        .zip(student.seen_counts.iter().zip(&student.missed))
        .map(|(id, (n, m))| (id.as_str(), (*n, *m)))
        .collect();
    let topics: Option<&[String]> = (req.mode == Mode::Practice && !req.topics.is_empty()).then_some(&req.topics);
    let rows: Vec<CandidateRow> = s
        .entries
        .iter()
        .filter(|e| req.mode == Mode::Practice || e.kind != crate::bank::model::Kind::TrueFalse)
        // A pilot's statistics build up in practice; a full exam counts only proven items.
        .filter(|e| req.mode == Mode::Practice || e.pool == crate::bank::model::Pool::Full)
        .filter(|e| topics.is_none_or(|t| t.contains(&e.topic)))
        .map(|e| {
            let (n, m) = seen.get(e.id.as_str()).copied().unwrap_or((0, false));
            CandidateRow {
                id: &e.id,
                domain: &e.domain,
                seen: n,
                missed: m,
                version: e.version,
                option_keys: &e.option_keys,
                single: e.kind != crate::bank::model::Kind::Multiple,
            }
        })
        .collect();
    let missed: std::collections::HashSet<&str> = rows.iter().filter(|r| r.missed).map(|r| r.id).collect();
    let details: HashMap<&str, (i32, &str, bool)> = rows
        .iter()
        .map(|r| (r.id, (r.version, r.option_keys, r.single)))
        .collect();
    let candidates: Vec<Candidate> = rows
        .iter()
        .map(|r| Candidate {
            id: r.id.to_owned(),
            domain: r.domain.to_owned(),
            seen: u32::try_from(r.seen).unwrap_or(u32::MAX),
        })
        .collect();
    let chosen = if topics.is_some() {
        // Topic drills aren't shaped by the blueprint: unseen and last-answered-wrong
        // questions first, then the least seen, across the chosen topics.
        if candidates.len() < count {
            return Err(StartError::Shortfall(vec![Shortfall {
                domain: "*".into(),
                wanted: count,
                available: candidates.len(),
            }]));
        }
        let mut all = candidates;
        all.shuffle(rng);
        all.sort_by_key(|c| (!(c.seen == 0 || missed.contains(c.id.as_str())), c.seen));
        all.truncate(count);
        all.shuffle(rng);
        all
    } else {
        pick(&allocate(&weights, count), &candidates, rng).map_err(StartError::Shortfall)?
    };

    Ok(chosen
        .iter()
        .map(|c| {
            let (version, keys, single) = details.get(c.id.as_str()).copied().unwrap_or((0, "", true));
            let mut keys: Vec<char> = keys.chars().collect();
            keys.shuffle(rng);
            Chosen {
                id: c.id.clone(),
                domain: c.domain.clone(),
                version,
                option_order: keys.into_iter().collect(),
                single,
            }
        })
        .collect())
}

#[derive(Debug, Clone, Copy, thiserror::Error, PartialEq, Eq)]
pub enum SaveError {
    #[error("no such attempt or question")]
    NotFound,
    #[error("the attempt is already finished")]
    Finished,
    #[error("time is up")]
    TooLate,
    #[error("this answer is locked")]
    Locked,
    #[error("that option is not part of this question")]
    BadOption,
    #[error("the autosave token was revoked (signed out, password or role changed)")]
    Revoked,
    #[error("database error")]
    Db,
}

fn db_err(e: sqlx::Error) -> SaveError {
    tracing::error!(error = %e, "saving an answer failed");
    SaveError::Db
}

/// The stored form of a selection: option keys sorted, without repeats.
fn selection(selected: &[char]) -> String {
    let mut keys: Vec<char> = selected.to_vec();
    keys.sort_unstable();
    keys.dedup();
    keys.into_iter().collect()
}

/// Saves one choice on its own (the writers in `saver` batch them; this is
/// the same statement with a batch of one). Saving the same choice twice is
/// harmless. Late saves (past the deadline and the grace period) are refused,
/// and the attempt is finalized on the spot.
pub async fn save_answer(
    pool: &PgPool,
    attempt: Uuid,
    user: UserId,
    position: i32,
    selected: &[char],
) -> Result<(), SaveError> {
    if !valid_selection(selected) {
        return Err(SaveError::BadOption);
    }
    let save = PendingSave {
        attempt,
        user,
        position,
        selected: selected.to_vec(),
        epoch: None,
    };
    if save_answers(pool, std::slice::from_ref(&save)).await? == [true] {
        return Ok(());
    }
    Err(refusal(pool, &save).await)
}

/// One answer waiting in a group commit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingSave {
    pub attempt: Uuid,
    pub user: UserId,
    pub position: i32,
    pub selected: Vec<char>,
    /// The session epoch an autosave token was issued under; `None` for a
    /// save made through a live session (already checked by the session).
    pub epoch: Option<i32>,
}

/// What the edge may hand to the writers: option keys are single lowercase
/// letters, at most 26 of them. Anything else never reaches a batch, so one
/// hostile save cannot fail the saves it would have shared a statement with.
pub fn valid_selection(selected: &[char]) -> bool {
    selected.len() <= 26 && selected.iter().all(char::is_ascii_lowercase)
}

/// Saves several answers in one statement and one commit (group commit).
/// Returns, per input, whether it was written; a `false` must be explained
/// with [`refusal`]. Two saves for the same question must not share a call,
/// since which one would win is unspecified.
pub async fn save_answers(pool: &PgPool, saves: &[PendingSave]) -> Result<Vec<bool>, SaveError> {
    let attempts: Vec<Uuid> = saves.iter().map(|s| s.attempt).collect();
    let users: Vec<Uuid> = saves.iter().map(|s| s.user.0).collect();
    let positions: Vec<i32> = saves.iter().map(|s| s.position).collect();
    let selected: Vec<String> = saves.iter().map(|s| selection(&s.selected)).collect();
    let epochs: Vec<Option<i32>> = saves.iter().map(|s| s.epoch).collect();
    let written = sqlx::query_scalar!(
        r#"update attempt_items i set selected = nullif(b.sel, ''), answered_at = now()
         from attempts a, users u,
              unnest($1::uuid[], $2::uuid[], $3::int[], $4::text[], $6::int[])
                  with ordinality as b(att, usr, pos, sel, epoch, n)
         where a.id = b.att and a.user_id = b.usr and u.id = a.user_id
           and (b.epoch is null or u.session_epoch = b.epoch)
           and i.attempt_id = a.id and i.position = b.pos
           and a.submitted_at is null
           and (a.deadline is null or now() <= a.deadline + make_interval(secs => $5))
           and not i.locked
           and translate(b.sel, i.option_order, '') = ''
           and (not i.single_choice or length(b.sel) <= 1)
         returning b.n as "n!""#,
        &attempts,
        &users,
        &positions,
        &selected,
        GRACE_SECONDS as f64,
        &epochs as &[Option<i32>],
    )
    .fetch_all(pool)
    .await
    .map_err(db_err)?;
    let mut ok = vec![false; saves.len()];
    for n in written {
        if let Some(slot) = usize::try_from(n - 1).ok().and_then(|i| ok.get_mut(i)) {
            *slot = true;
        }
    }
    Ok(ok)
}

/// What stood in a refused save's way.
struct Refusal {
    revoked: bool,
    finished: bool,
    overdue: bool,
    locked: bool,
}

/// Why a save wrote nothing, for a clear message. A save that came too late
/// closes the attempt on the spot.
pub async fn refusal(pool: &PgPool, save: &PendingSave) -> SaveError {
    let why = sqlx::query_as!(
        Refusal,
        r#"select $5::int is not null and u.session_epoch <> $5 as "revoked!",
                  a.submitted_at is not null as "finished!",
                  a.deadline is not null and now() > a.deadline + make_interval(secs => $4) as "overdue!",
                  i.locked
           from attempts a join attempt_items i on i.attempt_id = a.id join users u on u.id = a.user_id
           where a.id = $1 and a.user_id = $2 and i.position = $3"#,
        save.attempt,
        save.user as UserId,
        save.position,
        GRACE_SECONDS as f64,
        save.epoch,
    )
    .fetch_optional(pool)
    .await;
    match why {
        Err(e) => db_err(e),
        Ok(None) => SaveError::NotFound,
        Ok(Some(r)) if r.revoked => SaveError::Revoked,
        Ok(Some(r)) if r.finished => SaveError::Finished,
        Ok(Some(r)) if r.overdue => match finalize(pool, save.attempt, Finish::Expired).await {
            Ok(_) => SaveError::TooLate,
            Err(_) => SaveError::Db,
        },
        Ok(Some(r)) if r.locked => SaveError::Locked,
        Ok(Some(_)) => SaveError::BadOption,
    }
}

/// Flags or unflags a question for review.
pub async fn set_flag(
    pool: &PgPool,
    attempt: Uuid,
    user: UserId,
    position: i32,
    flagged: bool,
) -> Result<bool, DbError> {
    let n = sqlx::query!(
        "update attempt_items i set flagged = $4 from attempts a
         where a.id = i.attempt_id and a.id = $1 and a.user_id = $2 and i.position = $3 and a.submitted_at is null",
        attempt,
        user as UserId,
        position,
        flagged,
    )
    .execute(pool)
    .await?
    .rows_affected();
    Ok(n == 1)
}

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
        "select i.position, i.selected, v.content
         from attempt_items i join question_versions v on v.question_id = i.question_id and v.version = i.version
         where i.attempt_id = $1",
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
            graded.push((q.id, right));
        }
    }
    sqlx::query!(
        "update attempt_items i set correct = u.c
         from unnest($2::int[], $3::bool[]) as u(p, c) where i.attempt_id = $1 and i.position = u.p",
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
    // Outside the grade's transaction: a failure here costs the grade nothing,
    // and the background sweep counts the attempt later.
    if let Err(e) = crate::stats::store::count_attempts(pool, &[attempt]).await {
        tracing::warn!(error = %e, "adding a graded attempt to the item statistics failed; the sweep will retry");
    }
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
