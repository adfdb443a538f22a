//! The review queue in PostgreSQL. Only questions that are live (published,
//! not retired) are ever served or counted, so retiring a question takes it
//! out of every queue, and a new version keeps the schedule (cards are keyed by
//! question id) while serving the new text.

use std::collections::HashMap;

use sqlx::{PgConnection, PgPool};
use time::{Date, OffsetDateTime};

use super::intake::{DEFAULT_NEW_PER_DAY, MAX_NEW_PER_DAY, spread};
use super::schedule::{CardState, DEFAULT_RETENTION, clamp_retention, review};
use crate::accounts::UserId;
use crate::bank::model::Question;
use crate::db::DbError;
use crate::exam::grading::is_correct;

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Settings {
    pub retention: f64,
    pub include_correct: bool,
    /// At most this many cards enter the queue a day; the rest wait.
    pub new_per_day: u32,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            retention: DEFAULT_RETENTION,
            include_correct: false,
            new_per_day: DEFAULT_NEW_PER_DAY,
        }
    }
}

async fn settings_on(conn: &mut PgConnection, user: UserId) -> Result<Settings, sqlx::Error> {
    let row = sqlx::query!(
        r#"select desired_retention::float8 as "retention!", include_correct, new_per_day
           from review_settings where user_id = $1"#,
        user as UserId
    )
    .fetch_optional(conn)
    .await?;
    Ok(row.map_or_else(Settings::default, |r| Settings {
        retention: r.retention,
        include_correct: r.include_correct,
        new_per_day: u32::try_from(r.new_per_day).unwrap_or(DEFAULT_NEW_PER_DAY),
    }))
}

pub async fn settings(pool: &PgPool, user: UserId) -> Result<Settings, DbError> {
    let mut conn = pool.acquire().await?;
    Ok(settings_on(&mut conn, user).await?)
}

pub async fn set_settings(pool: &PgPool, user: UserId, s: Settings) -> Result<(), DbError> {
    // `$2::float8` first, so the parameter is a float8 like `retention`, stored as a real.
    sqlx::query!(
        "insert into review_settings (user_id, desired_retention, include_correct, new_per_day)
         values ($1, $2::float8::real, $3, $4)
         on conflict (user_id) do update set desired_retention = $2::float8::real, include_correct = $3,
             new_per_day = $4, updated_at = now()",
        user as UserId,
        clamp_retention(s.retention),
        s.include_correct,
        s.new_per_day.clamp(1, MAX_NEW_PER_DAY) as i32,
    )
    .execute(pool)
    .await?;
    Ok(())
}

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

/// Writes cards. `introduced` is the day a new card counts against the daily
/// cap (`None`: today); an existing card keeps its day.
async fn upsert(
    conn: &mut PgConnection,
    user: UserId,
    cards: &[(String, CardState)],
    introduced: &[Option<Date>],
) -> Result<(), sqlx::Error> {
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
    let stability = col(|c| c.stability);
    let difficulty = col(|c| c.difficulty);
    let days: Vec<Option<Date>> = (0..cards.len()).map(|i| introduced.get(i).copied().flatten()).collect();
    sqlx::query!(
        "insert into review_cards (user_id, question_id, due, stability, difficulty, elapsed_days, scheduled_days,
                                   reps, lapses, state, last_review, introduced_on)
         select $1::uuid, u.q, u.due, u.s, u.d, u.e, u.sch, u.reps, u.lapses, u.st, u.lr, coalesce(u.day, current_date)
         from unnest($2::text[], $3::timestamptz[], $4::float8[], $5::float8[], $6::int8[], $7::int8[],
                     $8::int4[], $9::int4[], $10::int2[], $11::timestamptz[], $12::date[])
              as u(q, due, s, d, e, sch, reps, lapses, st, lr, day)
         on conflict (user_id, question_id) do update set
             due = excluded.due, stability = excluded.stability, difficulty = excluded.difficulty,
             elapsed_days = excluded.elapsed_days, scheduled_days = excluded.scheduled_days,
             reps = excluded.reps, lapses = excluded.lapses, state = excluded.state,
             last_review = excluded.last_review",
        user as UserId,
        &ids as &[&str],
        &due,
        &stability,
        &difficulty,
        &elapsed,
        &scheduled,
        &reps,
        &lapses,
        &states,
        &last,
        &days as &[Option<Date>],
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Today in the student's time zone, when tomorrow starts there, and how
/// many cards already count against today and each later day.
struct Intake {
    today: Date,
    tomorrow: OffsetDateTime,
    taken: Vec<i64>,
}

async fn intake(conn: &mut PgConnection, user: UserId) -> Result<Intake, sqlx::Error> {
    let locale = sqlx::query_scalar!("select locale from users where id = $1", user as UserId)
        .fetch_optional(&mut *conn)
        .await?
        .flatten();
    let lang = locale
        .as_deref()
        .and_then(crate::i18n::Lang::from_code)
        .unwrap_or_default();
    let tz = super::plan::time_zone(lang);
    let row = sqlx::query!(
        r#"select (now() at time zone $1)::date as "today!",
                  (date_trunc('day', now() at time zone $1) + interval '1 day') at time zone $1 as "tomorrow!""#,
        tz,
    )
    .fetch_one(&mut *conn)
    .await?;
    let counts = sqlx::query!(
        r#"select introduced_on - $2::date as "offset!", count(*) as "n!" from review_cards
           where user_id = $1 and introduced_on >= $2 group by introduced_on"#,
        user as UserId,
        row.today,
    )
    .fetch_all(&mut *conn)
    .await?;
    let mut taken = vec![0; counts.iter().map(|c| c.offset + 1).max().unwrap_or(0).max(0) as usize];
    for c in counts {
        if let Some(slot) = usize::try_from(c.offset).ok().and_then(|i| taken.get_mut(i)) {
            *slot = c.n;
        }
    }
    Ok(Intake {
        today: row.today,
        tomorrow: row.tomorrow,
        taken,
    })
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
    let existing = sqlx::query_as!(
        CardRow,
        "select question_id, due, stability, difficulty, elapsed_days, scheduled_days, reps, lapses, state, last_review
         from review_cards where user_id = $1 and question_id = any($2)",
        user as UserId,
        &ids as &[&str],
    )
    .fetch_all(&mut *conn)
    .await?;
    let existing: HashMap<&str, CardState> = existing.iter().map(|r| (r.question_id.as_str(), r.state())).collect();
    let mut updates: Vec<(String, CardState)> = vec![];
    let mut new: Vec<(String, CardState)> = vec![];
    for (q, correct) in graded {
        match existing.get(q.as_str()) {
            Some(card) => updates.push((q.clone(), review(Some(card), now, *correct, s.retention))),
            None if !correct || s.include_correct => new.push((q.clone(), review(None, now, *correct, s.retention))),
            None => {}
        }
    }
    upsert(conn, user, &updates, &[]).await?;
    if new.is_empty() {
        return Ok(());
    }
    // New cards beyond today's cap wait: each counts against a later day and
    // is not due before that day starts.
    let day = intake(conn, user).await?;
    let mut introduced = Vec::with_capacity(new.len());
    let offsets = spread(&day.taken, s.new_per_day, new.len());
    for ((_, card), offset) in new.iter_mut().zip(offsets) {
        introduced.push(Some(day.today + time::Duration::days(i64::from(offset))));
        if offset > 0 {
            let starts = day.tomorrow + time::Duration::days(i64::from(offset) - 1);
            card.due = card.due.max(starts);
        }
    }
    upsert(conn, user, &new, &introduced).await
}

/// How many live questions in a student's queue are due.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DueCounts {
    pub now: i64,
    /// By the end of today in the student's time zone.
    pub today: i64,
}

pub async fn due_counts(pool: &PgPool, user: UserId, tz: &str) -> Result<DueCounts, DbError> {
    Ok(sqlx::query_as!(
        DueCounts,
        r#"select count(*) filter (where c.due <= now()) as "now!",
                  count(*) filter (where c.due < (date_trunc('day', now() at time zone $2) + interval '1 day') at time zone $2)
                      as "today!"
           from review_cards c join questions q on q.id = c.question_id
           where c.user_id = $1 and q.retired_at is null and q.status = 'published'"#,
        user as UserId,
        tz,
    )
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

/// The most overdue question, if any is due.
pub async fn next_due(pool: &PgPool, user: UserId) -> Result<Option<Queued>, DbError> {
    let row = sqlx::query!(
        "select c.question_id, v.version, v.content, c.due, c.reps
         from review_cards c
         join questions q on q.id = c.question_id and q.retired_at is null and q.status = 'published'
         join question_versions v on v.question_id = q.id and v.version = q.current_version
         where c.user_id = $1 and c.due <= now() order by c.due, c.question_id limit 1",
        user as UserId,
    )
    .fetch_optional(pool)
    .await?;
    row.map(|r| {
        Ok(Queued {
            question: parse(&r.question_id, r.content)?,
            version: r.version,
            due: r.due,
            reps: r.reps,
        })
    })
    .transpose()
}

/// A question waiting in the queue, by id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Upcoming {
    pub question_id: String,
    pub topic: String,
    pub due: OffsetDateTime,
}

/// The whole queue in due order (for the session page's "coming up" list).
pub async fn queue(pool: &PgPool, user: UserId, limit: i64) -> Result<Vec<Upcoming>, DbError> {
    Ok(sqlx::query_as!(
        Upcoming,
        "select c.question_id, q.topic, c.due from review_cards c
         join questions q on q.id = c.question_id and q.retired_at is null and q.status = 'published'
         where c.user_id = $1 order by c.due, c.question_id limit $2",
        user as UserId,
        limit,
    )
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
    let row = sqlx::query_as!(
        CardRow,
        "select c.question_id, c.due, c.stability, c.difficulty, c.elapsed_days, c.scheduled_days, c.reps, c.lapses,
                c.state, c.last_review
         from review_cards c
         join questions q on q.id = c.question_id and q.retired_at is null and q.status = 'published'
         where c.user_id = $1 and c.question_id = $2 and c.due <= now() for update of c",
        user as UserId,
        question_id,
    )
    .fetch_optional(&mut *tx)
    .await?;
    let card = row.ok_or(ReviewError::NotDue)?;
    let current = sqlx::query!(
        r#"select v.version, v.content, now() as "now!" from questions q
           join question_versions v on v.question_id = q.id and v.version = q.current_version where q.id = $1"#,
        question_id,
    )
    .fetch_one(&mut *tx)
    .await?;
    let (version, now) = (current.version, current.now);
    let question = parse(question_id, current.content)?;
    let mut chosen: Vec<char> = selected.to_vec();
    chosen.sort_unstable();
    chosen.dedup();
    if chosen.iter().any(|k| !question.options.iter().any(|o| o.key == *k)) {
        return Err(ReviewError::BadOption);
    }
    let correct = is_correct(&question.answer, &chosen);
    let s = settings_on(&mut tx, user).await?;
    let next = review(Some(&card.state()), now, correct, s.retention);
    upsert(&mut tx, user, &[(question_id.to_owned(), next.clone())], &[]).await?;
    sqlx::query!(
        "insert into review_log (user_id, question_id, version, selected, correct, scheduled_days, next_due)
         values ($1, $2, $3, $4, $5, $6, $7)",
        user as UserId,
        question_id,
        version,
        chosen.iter().collect::<String>(),
        correct,
        next.scheduled_days,
        next.due,
    )
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
    let n = sqlx::query!(
        "delete from review_cards where user_id = $1 and question_id = $2",
        user as UserId,
        question_id,
    )
    .execute(pool)
    .await?
    .rows_affected();
    Ok(n == 1)
}

/// A graded answer, from an exam or a review, for mastery.
#[derive(Debug, Clone, PartialEq)]
pub struct GradedAnswer {
    pub topic: String,
    pub domain: String,
    pub correct: bool,
    pub age_days: f64,
}

/// The student's graded answers in `exam`, oldest first. A skipped question
/// is no answer at all, so it is left out.
pub async fn graded_answers(pool: &PgPool, user: UserId, exam: &str) -> Result<Vec<GradedAnswer>, DbError> {
    Ok(sqlx::query_as!(
        GradedAnswer,
        r#"select topic as "topic!", domain as "domain!", correct as "correct!",
                  extract(epoch from now() - at)::float8 / 86400 as "age_days!" from (
             select q.topic, i.domain, i.correct, coalesce(i.answered_at, a.submitted_at) as at
             from attempt_items i join attempts a on a.id = i.attempt_id join questions q on q.id = i.question_id
             where a.user_id = $1 and a.exam = $2 and a.submitted_at is not null and i.correct is not null
               and i.selected is not null
             union all
             select q.topic, e.domain, r.correct, r.reviewed_at
             from review_log r join questions q on q.id = r.question_id
             join question_exams e on e.question_id = r.question_id and e.exam = $2
             where r.user_id = $1) x
         order by at"#,
        user as UserId,
        exam,
    )
    .fetch_all(pool)
    .await?)
}

/// Exams the student has graded answers in, most answers first.
pub async fn exams_answered(pool: &PgPool, user: UserId) -> Result<Vec<String>, DbError> {
    Ok(sqlx::query_scalar!(
        "select a.exam from attempts a join attempt_items i on i.attempt_id = a.id
         where a.user_id = $1 and a.submitted_at is not null and i.selected is not null
         group by a.exam order by count(*) desc, a.exam",
        user as UserId,
    )
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
/// Questions only ever skipped are not missed.
pub async fn missed(pool: &PgPool, user: UserId, topic: &str) -> Result<Vec<Missed>, DbError> {
    let rows = sqlx::query!(
        r#"with ans as (
             select i.question_id, i.correct, coalesce(i.answered_at, a.submitted_at) as at
             from attempt_items i join attempts a on a.id = i.attempt_id
             where a.user_id = $1 and a.submitted_at is not null and i.correct is not null
               and i.selected is not null
             union all
             select question_id, correct, reviewed_at from review_log where user_id = $1)
         select q.id, v.content, count(*) filter (where not ans.correct) as "wrong!", count(*) as "seen!",
                (array_agg(ans.correct order by ans.at desc))[1] as "last_correct!",
                exists (select 1 from review_cards c where c.user_id = $1 and c.question_id = q.id) as "queued!"
         from ans join questions q on q.id = ans.question_id and q.topic = $2 and q.retired_at is null
         join question_versions v on v.question_id = q.id and v.version = q.current_version
         group by q.id, v.content
         having count(*) filter (where not ans.correct) > 0
         order by 5, 3 desc, q.id"#,
        user as UserId,
        topic,
    )
    .fetch_all(pool)
    .await?;
    rows.into_iter()
        .map(|r| {
            Ok(Missed {
                question: parse(&r.id, r.content)?,
                wrong: r.wrong,
                seen: r.seen,
                last_correct: r.last_correct,
                queued: r.queued,
            })
        })
        .collect()
}
