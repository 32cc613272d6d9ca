//! What the profile led people to do, for the Overview's cards: profile link taps (by contact
//! button), follows and unfollows (`follows_and_unfollows` by `follow_type`: `FOLLOWER` are
//! the accounts that followed, `NON_FOLLOWER` those that unfollowed or left Instagram), each a
//! daily capture summed over a period.

use std::collections::BTreeMap;

use app::dto::{Share, FOLLOWS_AND_UNFOLLOWS, PROFILE_LINKS_TAPS};
use time::Date;

use super::period::Period;
use crate::store::breakdowns::Capture;

/// One day's actions over the accounts in scope; `None` where no account reported one.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(super) struct DayActions {
    pub link_taps: Option<i64>,
    pub follows: Option<i64>,
    pub unfollows: Option<i64>,
}

/// The daily actions of the accounts in scope.
#[derive(Debug, Default)]
pub(super) struct Actions {
    by_date: BTreeMap<Date, DayActions>,
}

fn plus(sum: &mut Option<i64>, value: i64) {
    *sum = Some(sum.unwrap_or(0) + value);
}

impl Actions {
    /// Days Meta withheld (under 100 followers) add nothing.
    pub fn new(captures: &[Capture]) -> Self {
        let mut by_date: BTreeMap<Date, DayActions> = BTreeMap::new();
        for c in captures {
            let Ok(shares) = &c.shares else { continue };
            let day = by_date.entry(c.date).or_default();
            for Share(keys, count) in shares {
                let slot = match (c.metric.as_str(), keys.first().map(String::as_str)) {
                    (PROFILE_LINKS_TAPS, _) => &mut day.link_taps,
                    (FOLLOWS_AND_UNFOLLOWS, Some("FOLLOWER")) => &mut day.follows,
                    (FOLLOWS_AND_UNFOLLOWS, Some("NON_FOLLOWER")) => &mut day.unfollows,
                    _ => continue,
                };
                plus(slot, *count);
            }
            // A day with a capture but no taps (an empty breakdown) had none.
            if c.metric == PROFILE_LINKS_TAPS {
                plus(&mut day.link_taps, 0);
            }
        }
        Actions { by_date }
    }

    /// The period's sums; `None` where no day of it reported that action.
    pub fn sums(&self, p: Period) -> DayActions {
        let mut total = DayActions::default();
        for day in self.by_date.range(p.from..=p.to).map(|(_, d)| d) {
            for (sum, value) in [
                (&mut total.link_taps, day.link_taps),
                (&mut total.follows, day.follows),
                (&mut total.unfollows, day.unfollows),
            ] {
                if let Some(v) = value {
                    plus(sum, v);
                }
            }
        }
        total
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn capture(account_id: i64, date: Date, metric: &str, shares: &[(&str, i64)]) -> Capture {
        Capture {
            account_id,
            date,
            metric: metric.into(),
            breakdown: String::new(),
            shares: Ok(shares
                .iter()
                .map(|(k, n)| Share(vec![(*k).to_owned()], *n))
                .collect()),
        }
    }

    #[test]
    fn days_sum_over_buttons_and_accounts_and_withheld_days_add_nothing() {
        let d1 = date!(2026 - 12 - 01);
        let d2 = date!(2026 - 12 - 02);
        let captures = [
            capture(1, d1, PROFILE_LINKS_TAPS, &[("EMAIL", 3), ("CALL", 2)]),
            capture(2, d1, PROFILE_LINKS_TAPS, &[("TEXT", 1)]),
            capture(
                1,
                d1,
                FOLLOWS_AND_UNFOLLOWS,
                &[("FOLLOWER", 9), ("NON_FOLLOWER", 4)],
            ),
            capture(1, d2, PROFILE_LINKS_TAPS, &[]),
            capture(
                2,
                d2,
                FOLLOWS_AND_UNFOLLOWS,
                &[("FOLLOWER", 1), ("UNKNOWN", 7)],
            ),
            Capture {
                shares: Err("not available".into()),
                ..capture(3, d1, FOLLOWS_AND_UNFOLLOWS, &[])
            },
        ];
        let actions = Actions::new(&captures);
        let both = actions.sums(Period { from: d1, to: d2 });
        assert_eq!(
            both,
            DayActions {
                link_taps: Some(6),
                follows: Some(10),
                unfollows: Some(4),
            }
        );
        let second = actions.sums(Period { from: d2, to: d2 });
        assert_eq!((second.link_taps, second.unfollows), (Some(0), None));
    }
}
