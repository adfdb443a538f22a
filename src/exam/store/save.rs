//! Saving answers and flags durably. An item's row in attempt_answers is
//! written by its first save or flag (an upsert); the question list it is
//! checked against is the attempt's own.

use sqlx::PgPool;
use uuid::Uuid;

use super::{Finish, GRACE_SECONDS, finalize};
use crate::accounts::UserId;
use crate::db::DbError;

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
    // An item's row is created by its first save (the insert) and rewritten
    // by later ones, unless locked. The attempt's row is key-share locked:
    // grading holds it for update, so a save racing the grade waits, sees the
    // attempt submitted and is refused, rather than acknowledged but ungraded.
    let written = sqlx::query!(
        r#"insert into attempt_answers as s (attempt_id, position, selected, answered_at)
         select a.id, b.pos, nullif(b.sel, ''), now()
         from unnest($1::uuid[], $2::uuid[], $3::int[], $4::text[], $6::int[]) as b(att, usr, pos, sel, epoch)
         join attempts a on a.id = b.att and a.user_id = b.usr
         join users u on u.id = a.user_id
         where (b.epoch is null or u.session_epoch = b.epoch)
           and a.submitted_at is null
           and (a.deadline is null or now() <= a.deadline + make_interval(secs => $5))
           and b.pos between 1 and cardinality(a.option_orders)
           and translate(b.sel, a.option_orders[b.pos], '') = ''
           and (not a.single_choices[b.pos] or length(b.sel) <= 1)
         for key share of a
         on conflict (attempt_id, position) do update
             set selected = excluded.selected, answered_at = excluded.answered_at
             where not s.locked
         returning s.attempt_id, s.position"#,
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
    // A batch never holds two saves for one question, so (attempt, position) names one input.
    let index: std::collections::HashMap<(Uuid, i32), usize> = saves
        .iter()
        .enumerate()
        .map(|(i, s)| ((s.attempt, s.position), i))
        .collect();
    let mut ok = vec![false; saves.len()];
    for row in written {
        if let Some(slot) = index.get(&(row.attempt_id, row.position)).and_then(|&i| ok.get_mut(i)) {
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
                  i.locked as "locked!"
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
        "insert into attempt_answers as s (attempt_id, position, flagged)
         select a.id, $3, $4 from attempts a
         where a.id = $1 and a.user_id = $2 and a.submitted_at is null and $3 between 1 and cardinality(a.question_ids)
         on conflict (attempt_id, position) do update set flagged = excluded.flagged",
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
