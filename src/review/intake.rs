//! The daily cap on new review cards. One exam with many wrong answers would
//! otherwise put all of them in today's queue; instead each day takes at most
//! the student's `new_per_day`, and the rest wait for the following days.

/// Default new cards a day, as the settings page offers it.
pub const DEFAULT_NEW_PER_DAY: u32 = 30;
/// The most new cards a day a student may ask for.
pub const MAX_NEW_PER_DAY: u32 = 500;

/// The day (0 = today) each of `n` new cards is introduced on, in order.
/// `taken[d]` is how many cards already count against day `d`; no day gets
/// more than `cap` (at least one a day, so every card finds a day).
pub fn spread(taken: &[i64], cap: u32, n: usize) -> Vec<u32> {
    let cap = i64::from(cap.max(1));
    let mut days = Vec::with_capacity(n);
    let mut day: u32 = 0;
    let mut used = taken.first().copied().unwrap_or(0);
    while days.len() < n {
        if used < cap {
            days.push(day);
            used += 1;
        } else {
            day += 1;
            used = taken.get(day as usize).copied().unwrap_or(0);
        }
    }
    days
}

#[cfg(test)]
mod tests {
    use super::spread;

    #[test]
    fn a_big_batch_is_spread_over_the_following_days() {
        let days = spread(&[], 30, 58);
        assert_eq!(days.iter().filter(|d| **d == 0).count(), 30);
        assert_eq!(days.iter().filter(|d| **d == 1).count(), 28);
    }

    #[test]
    fn cards_already_taken_today_count_against_the_cap() {
        assert_eq!(spread(&[29, 30, 2], 30, 3), vec![0, 2, 2]);
        assert_eq!(spread(&[40], 30, 1), vec![1], "a lowered cap never adds to a full day");
    }

    #[test]
    fn a_zero_cap_still_places_every_card() {
        assert_eq!(spread(&[], 0, 3), vec![0, 1, 2]);
    }
}
