//! The problem_reports table.

use sqlx::PgPool;
use time::OffsetDateTime;
use uuid::Uuid;

use super::{Kind, PER_DAY, PER_HOUR, ReportError, Seen, Status};
use crate::accounts::UserId;
use crate::db::DbError;

/// Files a report against the version the student was shown. Refused when the
/// student was never shown the question there, or has filed too many lately.
pub async fn file(
    pool: &PgPool,
    user: UserId,
    question: &str,
    seen: Seen,
    kind: Kind,
    body: &str,
) -> Result<Uuid, ReportError> {
    let (attempt, position) = match seen {
        Seen::Attempt { attempt, position } => (Some(attempt), Some(position)),
        Seen::Review => (None, None),
    };
    let version = sqlx::query_scalar!(
        r#"select coalesce(
             (select i.version from attempt_items i join attempts a on a.id = i.attempt_id
              where $3::uuid is not null and a.id = $3 and a.user_id = $1 and i.position = $4 and i.question_id = $2),
             (select l.version from review_log l where $3::uuid is null and l.user_id = $1 and l.question_id = $2
              order by l.id desc limit 1)) as version"#,
        user as UserId,
        question,
        attempt,
        position,
    )
    .fetch_one(pool)
    .await
    .map_err(DbError::from)?;
    let Some(version) = version else {
        return Err(ReportError::NotSeen);
    };
    let id = Uuid::new_v4();
    let filed = sqlx::query_scalar!(
        r#"insert into problem_reports (id, user_id, question_id, version, kind, body)
           select $1, $2, $3, $4, $5, $6
           where (select count(*) from problem_reports where user_id = $2 and created_at > now() - interval '1 hour') < $7
             and (select count(*) from problem_reports where user_id = $2 and created_at > now() - interval '1 day') < $8
           returning id"#,
        id,
        user as UserId,
        question,
        version,
        kind as Kind,
        body,
        PER_HOUR,
        PER_DAY,
    )
    .fetch_optional(pool)
    .await
    .map_err(DbError::from)?;
    filed.ok_or(ReportError::Throttled)
}

/// A report as the queue and the student's page show it.
#[derive(Debug, Clone)]
pub struct Report {
    pub id: Uuid,
    pub question_id: String,
    pub version: i32,
    pub kind: Kind,
    pub body: String,
    pub status: Status,
    pub answer: Option<String>,
    pub created_at: OffsetDateTime,
    pub student: String,
    pub stem: String,
}

/// The instructor's queue in one state, oldest first.
pub async fn queue(pool: &PgPool, status: Status) -> Result<Vec<Report>, DbError> {
    select(pool, Which::Status(status)).await
}

pub async fn one(pool: &PgPool, id: Uuid) -> Result<Option<Report>, DbError> {
    Ok(select(pool, Which::One(id)).await?.pop())
}

/// A student's own reports, newest first.
pub async fn mine(pool: &PgPool, user: UserId) -> Result<Vec<Report>, DbError> {
    select(pool, Which::Student(user)).await
}

/// Which reports to read: the instructors' queue (oldest first, so none waits
/// for ever), one report, or a student's own (newest first).
enum Which {
    Status(Status),
    One(Uuid),
    Student(UserId),
}

async fn select(pool: &PgPool, which: Which) -> Result<Vec<Report>, DbError> {
    let (status, id, user, limit) = match which {
        Which::Status(s) => (Some(s), None, None, 500),
        Which::One(id) => (None, Some(id), None, 1),
        Which::Student(u) => (None, None, Some(u), 200),
    };
    Ok(sqlx::query_as!(
        Report,
        r#"select r.id, r.question_id, r.version, r.kind as "kind: Kind", r.body, r.status as "status: Status",
                  r.answer, r.created_at, u.display_name as student, left(v.content->>'stem', 160) as "stem!"
           from problem_reports r join users u on u.id = r.user_id
           join question_versions v on v.question_id = r.question_id and v.version = r.version
           where ($1::text is null or r.status = $1) and ($2::uuid is null or r.id = $2)
             and ($3::uuid is null or r.user_id = $3)
           order by case when $1::text is not null then r.created_at end, r.created_at desc
           limit $4"#,
        status as Option<Status>,
        id,
        user as Option<UserId>,
        limit as i64,
    )
    .fetch_all(pool)
    .await?)
}

/// Accepts or rejects a report with an answer for the student. Returns false
/// for an unknown report.
pub async fn decide(pool: &PgPool, id: Uuid, by: UserId, status: Status, answer: &str) -> Result<bool, DbError> {
    let n = sqlx::query!(
        "update problem_reports set status = $2, answer = $3, answered_by = $4, answered_at = now() where id = $1",
        id,
        status as Status,
        answer,
        by as UserId,
    )
    .execute(pool)
    .await?
    .rows_affected();
    Ok(n == 1)
}
