//! The exam's review screen, as on the real test's delivery screen: every
//! question with its state, and walks through all, flagged or incomplete
//! questions, where next and previous stay within the walk. Also the time
//! warnings the exam shell shows at 15 and 5 minutes left.

use super::view::{ItemState, Summary};

/// Which questions a review walk steps through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Walk {
    All,
    Flagged,
    Incomplete,
}

impl std::str::FromStr for Walk {
    type Err = ();
    fn from_str(s: &str) -> Result<Self, ()> {
        match s {
            "all" => Ok(Walk::All),
            "flagged" => Ok(Walk::Flagged),
            "incomplete" => Ok(Walk::Incomplete),
            _ => Err(()),
        }
    }
}

impl Walk {
    pub fn as_str(self) -> &'static str {
        match self {
            Walk::All => "all",
            Walk::Flagged => "flagged",
            Walk::Incomplete => "incomplete",
        }
    }

    /// The walk's name on screen.
    pub fn label_key(self) -> &'static str {
        match self {
            Walk::All => "exam.walk_all",
            Walk::Flagged => "exam.walk_flagged",
            Walk::Incomplete => "exam.walk_incomplete",
        }
    }

    pub fn includes(self, s: &ItemState) -> bool {
        match self {
            Walk::All => true,
            Walk::Flagged => s.flagged,
            Walk::Incomplete => !s.answered,
        }
    }

    /// The positions in this walk, as the states stand now (answering a
    /// question in the incomplete walk takes it out of the walk).
    pub fn positions(self, states: &[ItemState]) -> Vec<i32> {
        states.iter().filter(|s| self.includes(s)).map(|s| s.position).collect()
    }

    /// The next (or previous) question of the walk after `from`; `None` at
    /// the walk's end, where the student goes back to the review screen.
    pub fn step(self, states: &[ItemState], from: i32, forward: bool) -> Option<i32> {
        let walk = self.positions(states);
        if forward {
            walk.into_iter().find(|p| *p > from)
        } else {
            walk.into_iter().rev().find(|p| *p < from)
        }
    }

    /// Where the walk starts.
    pub fn first(self, states: &[ItemState]) -> Option<i32> {
        self.positions(states).first().copied()
    }
}

/// What the review screen and the submit confirmation count.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Counts {
    pub total: usize,
    pub answered: usize,
    pub unanswered: usize,
    pub flagged: usize,
}

pub fn counts(states: &[ItemState]) -> Counts {
    let answered = states.iter().filter(|s| s.answered).count();
    Counts {
        total: states.len(),
        answered,
        unanswered: states.len() - answered,
        flagged: states.iter().filter(|s| s.flagged).count(),
    }
}

/// A warning the exam shell shows (and announces) as time runs low.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeWarning {
    FifteenMinutes,
    FiveMinutes,
}

/// Seconds left at which each warning starts.
pub const FIRST_WARNING_SECS: i64 = 15 * 60;
pub const LAST_WARNING_SECS: i64 = 5 * 60;

impl TimeWarning {
    /// The warning for `remaining` seconds left, if any; an untimed attempt has none.
    pub fn at(remaining: Option<i64>) -> Option<TimeWarning> {
        match remaining? {
            s if s <= LAST_WARNING_SECS => Some(TimeWarning::FiveMinutes),
            s if s <= FIRST_WARNING_SECS => Some(TimeWarning::FifteenMinutes),
            _ => None,
        }
    }

    pub fn message_key(self) -> &'static str {
        match self {
            TimeWarning::FifteenMinutes => "exam.warn_15",
            TimeWarning::FiveMinutes => "exam.warn_5",
        }
    }
}

impl Summary {
    /// The time warning the server shows on this page load.
    pub fn time_warning(&self) -> Option<TimeWarning> {
        TimeWarning::at(self.remaining_secs())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state(position: i32, answered: bool, flagged: bool) -> ItemState {
        ItemState {
            position,
            domain: "d".into(),
            flagged,
            answered,
            correct: None,
        }
    }

    #[test]
    fn walks_step_only_through_their_questions() {
        let states = vec![
            state(1, true, false),
            state(2, false, true),
            state(3, true, false),
            state(4, true, true),
            state(5, false, false),
        ];
        assert_eq!(Walk::Flagged.positions(&states), vec![2, 4]);
        assert_eq!(Walk::Flagged.step(&states, 2, true), Some(4));
        assert_eq!(
            Walk::Flagged.step(&states, 4, true),
            None,
            "the end leads back to review"
        );
        assert_eq!(Walk::Flagged.step(&states, 4, false), Some(2));
        assert_eq!(Walk::Incomplete.step(&states, 2, true), Some(5));
        assert_eq!(Walk::Incomplete.first(&states), Some(2));
        assert_eq!(Walk::All.step(&states, 2, true), Some(3));
        let c = counts(&states);
        assert_eq!((c.answered, c.unanswered, c.flagged), (3, 2, 2));
    }

    #[test]
    fn warnings_start_at_fifteen_and_five_minutes() {
        assert_eq!(TimeWarning::at(None), None);
        assert_eq!(TimeWarning::at(Some(15 * 60 + 1)), None);
        assert_eq!(TimeWarning::at(Some(15 * 60)), Some(TimeWarning::FifteenMinutes));
        assert_eq!(TimeWarning::at(Some(5 * 60 + 1)), Some(TimeWarning::FifteenMinutes));
        assert_eq!(TimeWarning::at(Some(5 * 60)), Some(TimeWarning::FiveMinutes));
        assert_eq!(TimeWarning::at(Some(0)), Some(TimeWarning::FiveMinutes));
    }
}
