//! Starting an attempt: the questions are picked from the per-exam catalog
//! and the whole question list is stored in the attempt's own row.

use std::collections::HashMap;

use rand::Rng;
use rand::seq::SliceRandom;
use sqlx::PgPool;
use uuid::Uuid;

use super::{Feedback, Mode};
use crate::accounts::UserId;
use crate::db::DbError;
use crate::exam::assembly::{Candidate, Shortfall, allocate, pick};

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
    /// A batch this start shared failed before its own row could be tried;
    /// the cause is logged once for the batch.
    #[error("starting failed with its batch")]
    BatchFailed,
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
    user_id: Uuid,
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

/// An attempt planned for a student, ready to be written.
struct Planned {
    id: Uuid,
    user: UserId,
    exam: String,
    mode: Mode,
    feedback: Feedback,
    minutes: Option<i32>,
    chosen: Vec<Chosen>,
}

/// Starts one attempt: [`start_many`] with a batch of one.
pub async fn start<R: Rng>(pool: &PgPool, req: &StartRequest, rng: &mut R) -> Result<Uuid, StartError> {
    start_many(pool, std::slice::from_ref(req), rng)
        .await
        .pop()
        .unwrap_or(Err(StartError::BatchFailed))
}

/// Builds and stores attempts for several students together, in two round
/// trips whatever their number: one query for every student's side
/// (accommodation, questions seen, the bank's generation), then one insert of
/// every attempt row. The bank side comes from the per-exam catalog, reloaded
/// only when the bank changed. When a crowd presses Start, this is what lets
/// PostgreSQL write the attempts in batches (see `exam::starter`).
///
/// Results are in the order of `reqs`; one student's shortfall or unknown
/// exam does not hold up the others.
#[tracing::instrument(skip_all, fields(starts = reqs.len()))]
pub async fn start_many<R: Rng>(pool: &PgPool, reqs: &[StartRequest], rng: &mut R) -> Vec<Result<Uuid, StartError>> {
    match plan_all(pool, reqs, rng).await {
        Ok(plans) => write_all(pool, plans).await,
        Err(e) if reqs.len() == 1 => vec![Err(StartError::Db(e))],
        Err(e) => {
            tracing::error!(error = ?e, starts = reqs.len(), "reading a batch of starting students failed");
            reqs.iter().map(|_| Err(StartError::BatchFailed)).collect()
        }
    }
}

async fn plan_all<R: Rng>(
    pool: &PgPool,
    reqs: &[StartRequest],
    rng: &mut R,
) -> Result<Vec<Result<Planned, StartError>>, DbError> {
    let users: Vec<Uuid> = reqs.iter().map(|r| r.user.0).collect();
    let students: HashMap<Uuid, StudentRow> = sqlx::query_as!(
        StudentRow,
        r#"with me as (select distinct u as user_id from unnest($1::uuid[]) u),
           s as (
             select a.user_id, i.question_id, count(*) as seen,
                    coalesce((array_agg(i.correct order by a.started_at desc)
                        filter (where i.correct is not null and i.selected is not null))[1] = false, false) as missed
             from attempt_items i join attempts a on a.id = i.attempt_id
             where a.user_id = any($1) group by a.user_id, i.question_id),
           seen as (
             select user_id, array_agg(question_id order by question_id) as ids,
                    array_agg(seen order by question_id) as counts, array_agg(missed order by question_id) as missed
             from s group by user_id)
         select me.user_id as "user_id!", st.epoch, st.generation,
                coalesce(acc.extra_minutes, 0) as "extra_minutes!",
                coalesce(acc.multiplier::float8, 1.0) as "multiplier!",
                coalesce(seen.ids, '{}') as "seen_ids!",
                coalesce(seen.counts, '{}') as "seen_counts!",
                coalesce(seen.missed, '{}') as "missed!"
         from me cross join bank_state st
         left join accommodations acc on acc.user_id = me.user_id
         left join seen on seen.user_id = me.user_id"#,
        &users,
    )
    .fetch_all(pool)
    .await?
    .into_iter()
    .map(|row| (row.user_id, row))
    .collect();
    let mut plans = Vec::with_capacity(reqs.len());
    for req in reqs {
        let Some(student) = students.get(&req.user.0) else {
            plans.push(Err(StartError::Db(DbError::Corrupt(
                "no row for a starting student".into(),
            ))));
            continue;
        };
        let plan = match crate::exam::catalog::exam(pool, &req.exam, student.epoch, student.generation).await? {
            None => Err(StartError::UnknownExam(req.exam.clone())),
            Some(data) => plan(&data, req, student, rng),
        };
        plans.push(plan);
    }
    Ok(plans)
}

/// Picks a student's questions and time; no I/O.
fn plan<R: Rng>(
    s: &crate::exam::catalog::ExamData,
    req: &StartRequest,
    student: &StudentRow,
    rng: &mut R,
) -> Result<Planned, StartError> {
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
    Ok(Planned {
        id: Uuid::new_v4(),
        user: req.user,
        exam: req.exam.clone(),
        mode: req.mode,
        feedback: req.feedback,
        minutes: minutes.map(|m| i32::try_from(m).unwrap_or(i32::MAX)),
        chosen: choose(s, req, student, count, rng)?,
    })
}

/// Writes the planned attempts in one statement. If it fails, each is tried
/// alone, so whatever made it fail (a student deleted meanwhile) fails only
/// that student's start.
async fn write_all(pool: &PgPool, plans: Vec<Result<Planned, StartError>>) -> Vec<Result<Uuid, StartError>> {
    let ready: Vec<&Planned> = plans.iter().filter_map(|p| p.as_ref().ok()).collect();
    let batch_failed = match insert(pool, &ready).await {
        Ok(()) => false,
        Err(e) if ready.len() > 1 => {
            tracing::warn!(error = %e, starts = ready.len(), "a batch of starts failed; writing each alone");
            true
        }
        Err(e) => {
            let mut e = Some(DbError::from(e));
            return plans
                .into_iter()
                .map(|p| p.and_then(|_| Err(e.take().map_or(StartError::BatchFailed, StartError::Db))))
                .collect();
        }
    };
    let mut out = Vec::with_capacity(plans.len());
    for p in plans {
        out.push(match p {
            Ok(p) if batch_failed => match insert(pool, &[&p]).await {
                Ok(()) => Ok(p.id),
                Err(e) => Err(StartError::Db(e.into())),
            },
            Ok(p) => Ok(p.id),
            Err(e) => Err(e),
        });
    }
    out
}

/// One row per attempt: the question list travels with the attempt, and an
/// item's own row waits for its first save. The lists go as flat arrays with
/// each attempt's offset and length, so any batch size is the same prepared
/// statement.
async fn insert(pool: &PgPool, plans: &[&Planned]) -> Result<(), sqlx::Error> {
    if plans.is_empty() {
        return Ok(());
    }
    let n = plans.len();
    let (mut ids, mut users, mut exams, mut modes, mut feedbacks) = (
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
    );
    let (mut minutes, mut offsets, mut counts) = (Vec::with_capacity(n), Vec::with_capacity(n), Vec::with_capacity(n));
    let items: usize = plans.iter().map(|p| p.chosen.len()).sum();
    let (mut qids, mut vers, mut domains, mut orders, mut singles) = (
        Vec::with_capacity(items),
        Vec::with_capacity(items),
        Vec::with_capacity(items),
        Vec::with_capacity(items),
        Vec::with_capacity(items),
    );
    for p in plans {
        ids.push(p.id);
        users.push(p.user.0);
        exams.push(p.exam.as_str());
        modes.push(p.mode.as_str());
        feedbacks.push(p.feedback.as_str());
        minutes.push(p.minutes);
        offsets.push(i32::try_from(qids.len()).unwrap_or(i32::MAX));
        counts.push(i32::try_from(p.chosen.len()).unwrap_or(i32::MAX));
        for c in &p.chosen {
            qids.push(c.id.as_str());
            vers.push(c.version);
            domains.push(c.domain.as_str());
            orders.push(c.option_order.as_str());
            singles.push(c.single);
        }
    }
    sqlx::query!(
        "insert into attempts (id, user_id, exam, mode, feedback, deadline, question_count,
                               question_ids, versions, domains, option_orders, single_choices)
         select r.id, r.user_id, r.exam, r.mode, r.feedback,
                case when r.minutes is null then null else now() + make_interval(mins => r.minutes) end, r.n,
                ($9::text[])[r.o + 1 : r.o + r.n], ($10::int[])[r.o + 1 : r.o + r.n],
                ($11::text[])[r.o + 1 : r.o + r.n], ($12::text[])[r.o + 1 : r.o + r.n],
                ($13::bool[])[r.o + 1 : r.o + r.n]
         from unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::text[], $6::int[], $7::int[], $8::int[])
              as r (id, user_id, exam, mode, feedback, minutes, o, n)",
        &ids,
        &users,
        &exams as &[&str],
        &modes as &[&str],
        &feedbacks as &[&str],
        &minutes as &[Option<i32>],
        &offsets,
        &counts,
        &qids as &[&str],
        &vers,
        &domains as &[&str],
        &orders as &[&str],
        &singles,
    )
    .execute(pool)
    .await?;
    Ok(())
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
    s: &crate::exam::catalog::ExamData,
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
            id: r.id,
            domain: r.domain,
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
        all.sort_by_key(|c| (!(c.seen == 0 || missed.contains(c.id)), c.seen));
        all.truncate(count);
        all.shuffle(rng);
        all
    } else {
        pick(&allocate(&weights, count), &candidates, rng).map_err(StartError::Shortfall)?
    };

    Ok(chosen
        .iter()
        .map(|c| {
            let (version, keys, single) = details.get(c.id).copied().unwrap_or((0, "", true));
            let mut keys: Vec<char> = keys.chars().collect();
            keys.shuffle(rng);
            Chosen {
                id: c.id.to_owned(),
                domain: c.domain.to_owned(),
                version,
                option_order: keys.into_iter().collect(),
                single,
            }
        })
        .collect())
}
