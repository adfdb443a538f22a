//! When a question comes back: FSRS through the `rs-fsrs` crate (the
//! open-spaced-repetition reference implementation, default FSRS-5 weights).
//! A wrong answer is rated "Again", a right one "Good".

use chrono::{DateTime, Utc};
use rs_fsrs::{Card, FSRS, Parameters, Rating, State};
use time::OffsetDateTime;

pub const DEFAULT_RETENTION: f64 = 0.90;
pub const MIN_RETENTION: f64 = 0.70;
pub const MAX_RETENTION: f64 = 0.99;

/// A question's schedule for one student, as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct CardState {
    pub due: OffsetDateTime,
    pub stability: f64,
    pub difficulty: f64,
    pub elapsed_days: i64,
    pub scheduled_days: i64,
    pub reps: i32,
    pub lapses: i32,
    /// 0 new, 1 learning, 2 review, 3 relearning
    pub state: i16,
    pub last_review: OffsetDateTime,
}

fn to_chrono(t: OffsetDateTime) -> DateTime<Utc> {
    DateTime::from_timestamp(t.unix_timestamp(), t.nanosecond()).unwrap_or_default()
}

fn from_chrono(t: DateTime<Utc>) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp_nanos(
        i128::from(t.timestamp()) * 1_000_000_000 + i128::from(t.timestamp_subsec_nanos()),
    )
    .unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

fn state_code(s: State) -> i16 {
    match s {
        State::New => 0,
        State::Learning => 1,
        State::Review => 2,
        State::Relearning => 3,
    }
}

fn state_of(code: i16) -> State {
    match code {
        1 => State::Learning,
        2 => State::Review,
        3 => State::Relearning,
        _ => State::New,
    }
}

impl CardState {
    fn to_card(&self) -> Card {
        Card {
            due: to_chrono(self.due),
            stability: self.stability,
            difficulty: self.difficulty,
            elapsed_days: self.elapsed_days,
            scheduled_days: self.scheduled_days,
            reps: self.reps,
            lapses: self.lapses,
            state: state_of(self.state),
            last_review: to_chrono(self.last_review),
        }
    }

    fn from_card(c: &Card) -> Self {
        CardState {
            due: from_chrono(c.due),
            stability: c.stability,
            difficulty: c.difficulty,
            elapsed_days: c.elapsed_days,
            scheduled_days: c.scheduled_days,
            reps: c.reps,
            lapses: c.lapses,
            state: state_code(c.state),
            last_review: from_chrono(c.last_review),
        }
    }
}

/// Clamps a requested retention to what we offer.
pub fn clamp_retention(r: f64) -> f64 {
    if r.is_finite() {
        r.clamp(MIN_RETENTION, MAX_RETENTION)
    } else {
        DEFAULT_RETENTION
    }
}

/// The schedule after answering at `now`; `None` is a question never reviewed.
pub fn review(card: Option<&CardState>, now: OffsetDateTime, correct: bool, retention: f64) -> CardState {
    let fsrs = FSRS::new(Parameters {
        request_retention: clamp_retention(retention),
        ..Parameters::default()
    });
    let now_c = to_chrono(now);
    let card = card.map_or_else(
        || Card {
            due: now_c,
            last_review: now_c,
            ..Card::default()
        },
        CardState::to_card,
    );
    let rating = if correct { Rating::Good } else { Rating::Again };
    CardState::from_card(&fsrs.next(card, now_c, rating).card)
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;

    /// The rating sequence and intervals (days) of rs-fsrs's own reference
    /// test for the default parameters (`test_basic_scheduler_interval`),
    /// replayed through our stored form, so a conversion bug would show.
    #[test]
    fn intervals_match_the_fsrs_reference() {
        let ratings = [
            true, true, true, true, true, true, false, false, true, true, true, true, true,
        ];
        let expected = [0, 4, 15, 48, 136, 351, 0, 0, 7, 13, 24, 43, 77];
        let mut now = datetime!(2022-11-29 12:30 UTC);
        let mut card: Option<CardState> = None;
        let mut got = vec![];
        for correct in ratings {
            let next = review(card.as_ref(), now, correct, DEFAULT_RETENTION);
            got.push(next.scheduled_days);
            now = next.due;
            card = Some(next);
        }
        assert_eq!(got, expected);
    }

    #[test]
    fn a_wrong_answer_comes_back_the_same_day() {
        let now = datetime!(2026-11-23 09:00 UTC);
        let c = review(None, now, false, DEFAULT_RETENTION);
        assert!(c.due > now && c.due - now < time::Duration::hours(1), "{:?}", c.due);
        assert_eq!(c.state, 1, "learning");
    }

    #[test]
    fn higher_retention_means_shorter_intervals() {
        let now = datetime!(2026-11-23 09:00 UTC);
        let at = |retention: f64| {
            let mut card = review(None, now, true, retention);
            let mut t = card.due;
            for _ in 0..3 {
                card = review(Some(&card), t, true, retention);
                t = card.due;
            }
            card.scheduled_days
        };
        let relaxed = at(0.80);
        let strict = at(0.95);
        assert!(strict < relaxed, "0.95 → {strict} days, 0.80 → {relaxed} days");
    }

    #[test]
    fn stored_times_round_trip() {
        let t = datetime!(2026-11-23 09:00:01.123456 UTC);
        assert_eq!(from_chrono(to_chrono(t)), t);
    }
}
