//! The review queue in PostgreSQL. Only questions that are live (published,
//! not retired) are ever served or counted, so retiring a question takes it
//! out of every queue, and a new version keeps the schedule (cards are keyed by
//! question id) while serving the new text.

use std::collections::HashMap;

use sqlx::{PgConnection, PgPool};
use time::OffsetDateTime;

use super::schedule::{CardState, DEFAULT_RETENTION, clamp_retention, review};
use crate::accounts::UserId;
use crate::bank::model::Question;
use crate::db::DbError;
use crate::exam::grading::is_correct;

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Settings {
    pub retention: f64,
    pub include_correct: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            retention: DEFAULT_RETENTION,
            include_correct: false,
        }
    }
}

async fn settings_on(conn: &mut PgConnection, user: UserId) -> Result<Settings, sqlx::Error> {
    let row: Option<(f64, bool)> =
        sqlx::query_as("select desired_retention::float8, include_correct from review_settings where user_id = $1")
            .bind(user)
            .fetch_optional(conn)
            .await?;
    Ok(
        row.map_or_else(Settings::default, |(retention, include_correct)| Settings {
            retention,
            include_correct,
        }),
    )
}

pub async fn settings(pool: &PgPool, user: UserId) -> Result<Settings, DbError> {
    let mut conn = pool.acquire().await?;
    Ok(settings_on(&mut conn, user).await?)
}

pub async fn set_settings(pool: &PgPool, user: UserId, s: Settings) -> Result<(), DbError> {
    sqlx::query(
        "insert into review_settings (user_id, desired_retention, include_correct) values ($1, $2::real, $3)
         on conflict (user_id) do update set desired_retention = $2::real, include_correct = $3, updated_at = now()",
    )
    .bind(user)
    .bind(clamp_retention(s.retention))
    .bind(s.include_correct)
    .execute(pool)
    .await?;
    Ok(())
}

#[derive(sqlx::FromRow)]
struct CardRow {
    question_id: String,
    due: OffsetDateTime,
    stability: f64,
    difficulty: f64,
    elapsed_days: i64,
    scheduled_days: i64,
    reps: i32,
    lapses: i32,
    state: i16,
    last_review: OffsetDateTime,
}

impl CardRow {
    fn state(&self) -> CardState {
        CardState {
            due: self.due,
            stability: self.stability,
            difficulty: self.difficulty,
            elapsed_days: self.elapsed_days,
            scheduled_days: self.scheduled_days,
            reps: self.reps,
            lapses: self.lapses,
            state: self.state,
            last_review: self.last_review,
        }
    }
}

const CARD_COLUMNS: &str =
    "question_id, due, stability, difficulty, elapsed_days, scheduled_days, reps, lapses, state, last_review";

async fn upsert(conn: &mut PgConnection, user: UserId, cards: &[(String, CardState)]) -> Result<(), sqlx::Error> {
    if cards.is_empty() {
        return Ok(());
    }
    let col = |f: fn(&CardState) -> f64| cards.iter().map(|(_, c)| f(c)).collect::<Vec<f64>>();
    let ids: Vec<&str> = cards.iter().map(|(q, _)| q.as_str()).collect();
    let due: Vec<OffsetDateTime> = cards.iter().map(|(_, c)| c.due).collect();
    let last: Vec<OffsetDateTime> = cards.iter().map(|(_, c)| c.last_review).collect();
    let elapsed: Vec<i64> = cards.iter().map(|(_, c)| c.elapsed_days).collect();
    let scheduled: Vec<i64> = cards.iter().map(|(_, c)| c.scheduled_days).collect();
    let reps: Vec<i32> = cards.iter().map(|(_, c)| c.reps).collect();
    let lapses: Vec<i32> = cards.iter().map(|(_, c)| c.lapses).collect();
    let states: Vec<i16> = cards.iter().map(|(_, c)| c.state).collect();
    sqlx::query(&format!(
        "insert into review_cards (user_id, {CARD_COLUMNS})
         select $1, * from unnest($2::text[], $3::timestamptz[], $4::float8[], $5::float8[], $6::int8[], $7::int8[],
                                  $8::int4[], $9::int4[], $10::int2[], $11::timestamptz[])
         on conflict (user_id, question_id) do update set
             due = excluded.due, stability = excluded.stability, difficulty = excluded.difficulty,
             elapsed_days = excluded.elapsed_days, scheduled_days = excluded.scheduled_days,
             reps = excluded.reps, lapses = excluded.lapses, state = excluded.state,
             last_review = excluded.last_review"
    ))
    .bind(user)
    .bind(&ids)
    .bind(&due)
    .bind(col(|c| c.stability))
    .bind(col(|c| c.difficulty))
    .bind(&elapsed)
    .bind(&scheduled)
    .bind(&reps)
    .bind(&lapses)
    .bind(&states)
    .bind(&last)
    .execute(conn)
    .await?;
    Ok(())
}

/// Feeds a graded attempt into the student's queue, inside the grading
/// transaction: wrong answers always enter (rated Again); right answers
/// reschedule questions already queued (Good), and enter new only when the
/// student asked for that.
pub async fn record_graded(
    conn: &mut PgConnection,
    user: UserId,
    graded: &[(String, bool)],
    now: OffsetDateTime,
) -> Result<(), sqlx::Error> {
    if graded.is_empty() {
        return Ok(());
    }
    let s = settings_on(conn, user).await?;
    let ids: Vec<&str> = graded.iter().map(|(q, _)| q.as_str()).collect();
    let existing: Vec<CardRow> = sqlx::query_as(&format!(
        "select {CARD_COLUMNS} from review_cards where user_id = $1 and question_id = any($2)"
    ))
    .bind(user)
    .bind(&ids)
    .fetch_all(&mut *conn)
    .await?;
    let existing: HashMap<&str, CardState> = existing.iter().map(|r| (r.question_id.as_str(), r.state())).collect();
    let updates: Vec<(String, CardState)> = graded
        .iter()
        .filter_map(|(q, correct)| match existing.get(q.as_str()) {
            Some(card) => Some((q.clone(), review(Some(card), now, *correct, s.retention))),
            None if !correct || s.include_correct => Some((q.clone(), review(None, now, *correct, s.retention))),
            None => None,
        })
        .collect();
    upsert(conn, user, &updates).await
}

/// (due now, due by the end of today in `tz`).
pub async fn due_counts(pool: &PgPool, user: UserId, tz: &str) -> Result<(i64, i64), DbError> {
    Ok(sqlx::query_as(
        "select count(*) filter (where c.due <= now()),
                count(*) filter (where c.due < (date_trunc('day', now() at time zone $2) + interval '1 day') at time zone $2)
         from review_cards c join questions q on q.id = c.question_id
         where c.user_id = $1 and q.retired_at is null and q.status = 'published'",
    )
    .bind(user)
    .bind(tz)
    .fetch_one(pool)
    .await?)
}

/// A question waiting in the queue, in its current version.
#[derive(Debug, Clone)]
pub struct Queued {
    pub question: Question,
    pub version: i32,
    pub due: OffsetDateTime,
    pub reps: i32,
}

fn parse(id: &str, content: serde_json::Value) -> Result<Question, DbError> {
    serde_json::from_value(content).map_err(|e| DbError::Corrupt(format!("question {id}: {e}")))
}

const QUEUED: &str = "select c.question_id, v.version, v.content, c.due, c.reps
    from review_cards c
    join questions q on q.id = c.question_id and q.retired_at is null and q.status = 'published'
    join question_versions v on v.question_id = q.id and v.version = q.current_version";

/// The most overdue question, if any is due.
pub async fn next_due(pool: &PgPool, user: UserId) -> Result<Option<Queued>, DbError> {
    let row: Option<(String, i32, serde_json::Value, OffsetDateTime, i32)> = sqlx::query_as(&format!(
        "{QUEUED} where c.user_id = $1 and c.due <= now() order by c.due, c.question_id limit 1"
    ))
    .bind(user)
    .fetch_optional(pool)
    .await?;
    row.map(|(id, version, content, due, reps)| {
        Ok(Queued {
            question: parse(&id, content)?,
            version,
            due,
            reps,
        })
    })
    .transpose()
}

/// The whole queue in due order (for the session page's "coming up" list).
pub async fn queue(pool: &PgPool, user: UserId, limit: i64) -> Result<Vec<(String, String, OffsetDateTime)>, DbError> {
    Ok(sqlx::query_as(
        "select c.question_id, q.topic, c.due from review_cards c
         join questions q on q.id = c.question_id and q.retired_at is null and q.status = 'published'
         where c.user_id = $1 order by c.due, c.question_id limit $2",
    )
    .bind(user)
    .bind(limit)
    .fetch_all(pool)
    .await?)
}

#[derive(Debug, thiserror::Error)]
pub enum ReviewError {
    /// Not in the queue, not due yet (e.g. a double submit), or retired.
    #[error("this question is not due for review")]
    NotDue,
    #[error("that option is not part of this question")]
    BadOption,
    #[error(transparent)]
    Db(#[from] DbError),
}

impl From<sqlx::Error> for ReviewError {
    fn from(e: sqlx::Error) -> Self {
        ReviewError::Db(e.into())
    }
}

/// The outcome of one review answer.
#[derive(Debug, Clone)]
pub struct Reviewed {
    pub question: Question,
    pub selected: Vec<char>,
    pub correct: bool,
    pub next_due: OffsetDateTime,
    pub scheduled_days: i64,
}

/// Grades a review answer, reschedules the question and logs the answer, in
/// one transaction. Answering a question that is not due (a double submit)
/// changes nothing.
pub async fn answer(
    pool: &PgPool,
    user: UserId,
    question_id: &str,
    selected: &[char],
) -> Result<Reviewed, ReviewError> {
    let mut tx = pool.begin().await?;
    let row: Option<CardRow> = sqlx::query_as(&format!(
        "select {} from review_cards c
         join questions q on q.id = c.question_id and q.retired_at is null and q.status = 'published'
         where c.user_id = $1 and c.question_id = $2 and c.due <= now() for update of c",
        CARD_COLUMNS
            .split(", ")
            .map(|c| format!("c.{c}"))
            .collect::<Vec<_>>()
            .join(", ")
    ))
    .bind(user)
    .bind(question_id)
    .fetch_optional(&mut *tx)
    .await?;
    let card = row.ok_or(ReviewError::NotDue)?;
    let (version, content, now): (i32, serde_json::Value, OffsetDateTime) = sqlx::query_as(
        "select v.version, v.content, now() from questions q
         join question_versions v on v.question_id = q.id and v.version = q.current_version where q.id = $1",
    )
    .bind(question_id)
    .fetch_one(&mut *tx)
    .await?;
    let question = parse(question_id, content)?;
    let mut chosen: Vec<char> = selected.to_vec();
    chosen.sort_unstable();
    chosen.dedup();
    if chosen.iter().any(|k| !question.options.iter().any(|o| o.key == *k)) {
        return Err(ReviewError::BadOption);
    }
    let correct = is_correct(&question.answer, &chosen);
    let s = settings_on(&mut tx, user).await?;
    let next = review(Some(&card.state()), now, correct, s.retention);
    upsert(&mut tx, user, &[(question_id.to_owned(), next.clone())]).await?;
    sqlx::query(
        "insert into review_log (user_id, question_id, version, selected, correct, scheduled_days, next_due)
         values ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(user)
    .bind(question_id)
    .bind(version)
    .bind(chosen.iter().collect::<String>())
    .bind(correct)
    .bind(next.scheduled_days)
    .bind(next.due)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(Reviewed {
        question,
        selected: chosen,
        correct,
        next_due: next.due,
        scheduled_days: next.scheduled_days,
    })
}

/// Takes a question out of the student's queue. Answering it wrong later
/// puts it back.
pub async fn drop_card(pool: &PgPool, user: UserId, question_id: &str) -> Result<bool, DbError> {
    let n = sqlx::query("delete from review_cards where user_id = $1 and question_id = $2")
        .bind(user)
        .bind(question_id)
        .execute(pool)
        .await?
        .rows_affected();
    Ok(n == 1)
}

/// A graded answer for mastery: (topic, domain, correct, age in days), oldest first.
pub async fn graded_answers(
    pool: &PgPool,
    user: UserId,
    exam: &str,
) -> Result<Vec<(String, String, bool, f64)>, DbError> {
    Ok(sqlx::query_as(
        "select topic, domain, correct, extract(epoch from now() - at)::float8 / 86400 from (
             select q.topic, i.domain, i.correct, coalesce(i.answered_at, a.submitted_at) as at
             from attempt_items i join attempts a on a.id = i.attempt_id join questions q on q.id = i.question_id
             where a.user_id = $1 and a.exam = $2 and a.submitted_at is not null and i.correct is not null
             union all
             select q.topic, e.domain, r.correct, r.reviewed_at
             from review_log r join questions q on q.id = r.question_id
             join question_exams e on e.question_id = r.question_id and e.exam = $2
             where r.user_id = $1) x
         order by at",
    )
    .bind(user)
    .bind(exam)
    .fetch_all(pool)
    .await?)
}

/// Exams the student has graded answers in, most answers first.
pub async fn exams_answered(pool: &PgPool, user: UserId) -> Result<Vec<String>, DbError> {
    Ok(sqlx::query_scalar(
        "select a.exam from attempts a join attempt_items i on i.attempt_id = a.id
         where a.user_id = $1 and a.submitted_at is not null
         group by a.exam order by count(*) desc, a.exam",
    )
    .bind(user)
    .fetch_all(pool)
    .await?)
}

/// A question the student has answered wrong at least once, in its current version.
#[derive(Debug, Clone)]
pub struct Missed {
    pub question: Question,
    pub wrong: i64,
    pub seen: i64,
    pub last_correct: bool,
    pub queued: bool,
}

/// The student's missed questions in a topic: still-wrong ones first.
pub async fn missed(pool: &PgPool, user: UserId, topic: &str) -> Result<Vec<Missed>, DbError> {
    let rows: Vec<(String, serde_json::Value, i64, i64, bool, bool)> = sqlx::query_as(
        "with ans as (
             select i.question_id, i.correct, coalesce(i.answered_at, a.submitted_at) as at
             from attempt_items i join attempts a on a.id = i.attempt_id
             where a.user_id = $1 and a.submitted_at is not null and i.correct is not null
             union all
             select question_id, correct, reviewed_at from review_log where user_id = $1)
         select q.id, v.content, count(*) filter (where not ans.correct), count(*),
                (array_agg(ans.correct order by ans.at desc))[1],
                exists (select 1 from review_cards c where c.user_id = $1 and c.question_id = q.id)
         from ans join questions q on q.id = ans.question_id and q.topic = $2 and q.retired_at is null
         join question_versions v on v.question_id = q.id and v.version = q.current_version
         group by q.id, v.content
         having count(*) filter (where not ans.correct) > 0
         order by 5, 3 desc, q.id",
    )
    .bind(user)
    .bind(topic)
    .fetch_all(pool)
    .await?;
    rows.into_iter()
        .map(|(id, content, wrong, seen, last_correct, queued)| {
            Ok(Missed {
                question: parse(&id, content)?,
                wrong,
                seen,
                last_correct,
                queued,
            })
        })
        .collect()
}
