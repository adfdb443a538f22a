//! The instructor's student list: per student the last full exam's score,
//! how many attempts, and the weakest domain, sortable by each column.

use std::cmp::Ordering;

use sqlx::PgPool;
use time::OffsetDateTime;

use crate::accounts::UserId;
use crate::db::DbError;

/// A domain needs this many answered questions before it can be the weakest.
pub const MIN_DOMAIN_ANSWERS: i64 = 5;

/// One student's line.
#[derive(Debug, Clone)]
pub struct StudentLine {
    pub id: UserId,
    pub display_name: String,
    pub email: String,
    pub created_at: OffsetDateTime,
    /// The scaled score of the last submitted full exam, and whether it passed.
    pub last_exam: Option<i32>,
    pub last_passed: Option<bool>,
    pub attempts: i64,
    /// (exam, domain code, percent right) of the domain with the lowest
    /// share right among answered questions; skipped ones don't count.
    pub weakest: Option<(String, String, i32)>,
}

struct Row {
    id: UserId,
    display_name: String,
    email: String,
    created_at: OffsetDateTime,
    last_exam: Option<i32>,
    last_passed: Option<bool>,
    attempts: i64,
    weakest_exam: Option<String>,
    weakest_domain: Option<String>,
    weakest_pct: Option<i32>,
}

/// The column the list is sorted by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortBy {
    Name,
    LastExam,
    Attempts,
    Weakest,
}

impl std::str::FromStr for SortBy {
    type Err = ();
    fn from_str(s: &str) -> Result<Self, ()> {
        match s {
            "name" => Ok(SortBy::Name),
            "last_exam" => Ok(SortBy::LastExam),
            "attempts" => Ok(SortBy::Attempts),
            "weakest" => Ok(SortBy::Weakest),
            _ => Err(()),
        }
    }
}

impl SortBy {
    pub const ALL: [SortBy; 4] = [SortBy::Name, SortBy::LastExam, SortBy::Attempts, SortBy::Weakest];

    pub fn as_str(self) -> &'static str {
        match self {
            SortBy::Name => "name",
            SortBy::LastExam => "last_exam",
            SortBy::Attempts => "attempts",
            SortBy::Weakest => "weakest",
        }
    }

    /// Students without the value sort last; scores lowest first, attempts
    /// most first, so whoever needs attention comes first.
    fn compare(self, a: &StudentLine, b: &StudentLine) -> Ordering {
        let by_name = || a.display_name.to_lowercase().cmp(&b.display_name.to_lowercase());
        let missing_last = |x: Option<i32>, y: Option<i32>| match (x, y) {
            (Some(x), Some(y)) => x.cmp(&y),
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (None, None) => Ordering::Equal,
        };
        match self {
            SortBy::Name => by_name(),
            SortBy::LastExam => missing_last(a.last_exam, b.last_exam).then_with(by_name),
            SortBy::Attempts => b.attempts.cmp(&a.attempts).then_with(by_name),
            SortBy::Weakest => {
                missing_last(a.weakest.as_ref().map(|w| w.2), b.weakest.as_ref().map(|w| w.2)).then_with(by_name)
            }
        }
    }
}

/// Every student with their figures, sorted by `sort`.
pub async fn students(pool: &PgPool, sort: SortBy) -> Result<Vec<StudentLine>, DbError> {
    let rows = sqlx::query_as!(
        Row,
        r#"select u.id as "id: UserId", u.display_name, u.email, u.created_at,
                  last.scaled_score as "last_exam?", last.passed as "last_passed?",
                  (select count(*) from attempts a where a.user_id = u.id) as "attempts!",
                  weak.exam as "weakest_exam?", weak.domain as "weakest_domain?", weak.pct as "weakest_pct?"
           from users u
           left join lateral (
               select a.scaled_score, a.passed from attempts a
               where a.user_id = u.id and a.mode = 'exam' and a.submitted_at is not null
               order by a.submitted_at desc limit 1) last on true
           left join lateral (
               select a.exam, i.domain,
                      (100 * count(*) filter (where i.correct) / count(*))::int as pct
               from attempt_items i join attempts a on a.id = i.attempt_id
               where a.user_id = u.id and a.submitted_at is not null and i.selected is not null
               group by a.exam, i.domain having count(*) >= $1
               order by 3, 1, 2 limit 1) weak on true
           where u.role = 'student'"#,
        MIN_DOMAIN_ANSWERS,
    )
    .fetch_all(pool)
    .await?;
    let mut lines: Vec<StudentLine> = rows
        .into_iter()
        .map(|r| StudentLine {
            id: r.id,
            display_name: r.display_name,
            email: r.email,
            created_at: r.created_at,
            last_exam: r.last_exam,
            last_passed: r.last_passed,
            attempts: r.attempts,
            weakest: match (r.weakest_exam, r.weakest_domain, r.weakest_pct) {
                (Some(e), Some(d), Some(p)) => Some((e, d, p)),
                _ => None,
            },
        })
        .collect();
    lines.sort_by(|a, b| sort.compare(a, b));
    Ok(lines)
}
