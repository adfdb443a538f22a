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
/// single-row insert. The bank side comes from the per-exam catalog, reloaded
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
    let data = crate::exam::catalog::exam(pool, &req.exam, student.epoch, student.generation)
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
    let mut qids = Vec::with_capacity(chosen.len());
    let mut vers = Vec::with_capacity(chosen.len());
    let mut domains = Vec::with_capacity(chosen.len());
    let mut orders = Vec::with_capacity(chosen.len());
    let mut singles = Vec::with_capacity(chosen.len());
    for c in &chosen {
        qids.push(c.id.as_str());
        vers.push(c.version);
        domains.push(c.domain.as_str());
        orders.push(c.option_order.clone());
        singles.push(c.single);
    }
    let attempt = Uuid::new_v4();
    // One row: the question list travels with the attempt, and an item's own
    // row waits for its first save.
    sqlx::query!(
        "insert into attempts (id, user_id, exam, mode, feedback, deadline, question_count,
                               question_ids, versions, domains, option_orders, single_choices)
         values ($1, $2, $3, $4, $5,
                 case when $6::int is null then null else now() + make_interval(mins => $6) end, $7,
                 $8::text[], $9::int[], $10::text[], $11::text[], $12::bool[])",
        attempt,
        req.user as UserId,
        req.exam,
        req.mode.as_str(),
        req.feedback.as_str(),
        minutes.map(|m| m as i32),
        chosen.len() as i32,
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
