//! Where reach and views came from, for the Overview's second row of cards: Meta's daily
//! `views` and `reach` broken down by format (`media_product_type`) and by followers or not
//! (`follower_type`, `follow_type`), summed over the accounts in scope. Views add up over a
//! period; reach counts unique accounts per day, so each value is a daily average, as on the
//! Reach card.

use std::collections::{BTreeMap, BTreeSet};

use app::dto::Share;
use time::Date;

use super::period::Period;
use crate::store::breakdowns::{Capture, SOURCES};

/// One value of a breakdown in the period and the previous one, and its share of the
/// breakdown's values in the period.
#[derive(Debug, PartialEq)]
pub(super) struct Source {
    /// `views_reel`, `reach_non_follower`, …
    pub key: String,
    pub label: String,
    pub help: String,
    pub value: Option<f64>,
    pub previous: Option<f64>,
    pub share: Option<f64>,
    /// What the share is of: "views by format", …
    pub whole: &'static str,
}

/// Meta's dimension values (instagram-user/insights) in the order cards show them, with their
/// names; values Meta adds later come after, under their own code.
const NAMES: [(&str, &str); 8] = [
    ("POST", "posts"),
    ("CAROUSEL_CONTAINER", "albums"),
    ("REEL", "reels"),
    ("STORY", "stories"),
    ("AD", "ads"),
    ("FOLLOWER", "followers"),
    ("NON_FOLLOWER", "non-followers"),
    ("UNKNOWN", "unknown"),
];

fn name(code: &str) -> String {
    NAMES.iter().find(|(c, _)| *c == code).map_or_else(
        || code.to_lowercase().replace('_', " "),
        |(_, n)| (*n).into(),
    )
}

fn order(code: &str) -> (usize, &str) {
    (
        NAMES
            .iter()
            .position(|(c, _)| *c == code)
            .unwrap_or(NAMES.len()),
        code,
    )
}

/// Each breakdown of [`SOURCES`]: its values by day, summed over the accounts.
pub(super) struct Sources {
    days: Vec<BTreeMap<Date, BTreeMap<String, i64>>>,
}

impl Sources {
    /// Captures Meta withheld (under 100 followers) add nothing; a captured day without a value
    /// (an empty breakdown) counts as zero for it.
    pub fn new(captures: &[Capture]) -> Self {
        let mut days = vec![BTreeMap::new(); SOURCES.len()];
        for c in captures {
            let Some(i) = SOURCES
                .iter()
                .position(|(m, b)| *m == c.metric && *b == c.breakdown)
            else {
                continue;
            };
            let Ok(shares) = &c.shares else { continue };
            let day: &mut BTreeMap<String, i64> = days[i].entry(c.date).or_default();
            for Share(keys, count) in shares {
                *day.entry(keys.join(",")).or_default() += count;
            }
        }
        Sources { days }
    }

    /// Breakdown `i`'s values in `p`: views summed, reach averaged over the days captured.
    /// Empty when no day of `p` was captured.
    fn figures(&self, i: usize, p: Period) -> BTreeMap<&str, f64> {
        let days: Vec<&BTreeMap<String, i64>> =
            self.days[i].range(p.from..=p.to).map(|(_, d)| d).collect();
        let mut sums: BTreeMap<&str, i64> = BTreeMap::new();
        for (key, value) in days.iter().flat_map(|d| d.iter()) {
            *sums.entry(key.as_str()).or_default() += value;
        }
        let per_day = SOURCES[i].0 == "reach";
        let days = days.len() as f64;
        sums.into_iter()
            .map(|(k, v)| (k, if per_day { v as f64 / days } else { v as f64 }))
            .collect()
    }

    /// One card per value given in the period or the previous one.
    pub fn cards(&self, period: Period) -> Vec<Source> {
        let mut cards = Vec::new();
        for (i, &(metric, breakdown)) in SOURCES.iter().enumerate() {
            let now = self.figures(i, period);
            let before = self.figures(i, period.previous());
            let captured = |figures: &BTreeMap<&str, f64>, key: &str| {
                (!figures.is_empty()).then(|| figures.get(key).copied().unwrap_or(0.0))
            };
            let total: f64 = now.values().sum();
            let mut keys: Vec<&str> = now
                .keys()
                .chain(before.keys())
                .copied()
                .collect::<BTreeSet<_>>()
                .into_iter()
                .collect();
            keys.sort_by_key(|k| order(k));
            let by_format = breakdown == "media_product_type";
            for key in keys {
                let value = captured(&now, key);
                let who = name(key);
                let (label, help, whole) = match (metric, by_format) {
                    ("views", true) => (
                        format!("Views: {who}"),
                        format!("Times your {who} were shown during the period (Meta's views by format)."),
                        "views by format",
                    ),
                    ("views", false) => (
                        format!("Views by {who}"),
                        format!("Times content was shown to {who} during the period."),
                        "views",
                    ),
                    (_, true) => (
                        format!("Reach: {who}"),
                        format!("Accounts your {who} reached per day, averaged over the days Meta reported. An account reached by several formats counts in each."),
                        "reach by format",
                    ),
                    (_, false) => (
                        format!("Reach among {who}"),
                        format!("Accounts reached per day that were {who}, averaged over the days Meta reported."),
                        "daily reach",
                    ),
                };
                cards.push(Source {
                    key: format!("{metric}_{}", key.to_lowercase()),
                    label,
                    help,
                    value,
                    previous: captured(&before, key),
                    share: value.filter(|_| total > 0.0).map(|v| v / total),
                    whole,
                });
            }
        }
        cards
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn capture(account_id: i64, date: Date, pair: usize, shares: &[(&str, i64)]) -> Capture {
        let (metric, breakdown) = SOURCES[pair];
        Capture {
            account_id,
            date,
            metric: metric.into(),
            breakdown: breakdown.into(),
            shares: Ok(shares
                .iter()
                .map(|(k, n)| Share(vec![(*k).to_owned()], *n))
                .collect()),
        }
    }

    fn card<'a>(cards: &'a [Source], key: &str) -> &'a Source {
        cards.iter().find(|c| c.key == key).expect(key)
    }

    #[test]
    fn views_add_up_reach_is_averaged_and_values_keep_meta_order() {
        let views_format = 0;
        let reach_follow = 3;
        let (d1, d2, before) = (
            date!(2026 - 12 - 01),
            date!(2026 - 12 - 02),
            date!(2026 - 11 - 30),
        );
        let captures = [
            capture(1, d1, views_format, &[("REEL", 30), ("POST", 10)]),
            capture(2, d1, views_format, &[("REEL", 20), ("NEW_THING", 5)]),
            capture(1, d2, views_format, &[]),
            capture(1, before, views_format, &[("REEL", 40)]),
            capture(
                1,
                d1,
                reach_follow,
                &[("NON_FOLLOWER", 60), ("FOLLOWER", 40)],
            ),
            capture(1, d2, reach_follow, &[("FOLLOWER", 20)]),
            Capture {
                shares: Err("withheld".into()),
                ..capture(3, d2, reach_follow, &[])
            },
        ];
        let cards = Sources::new(&captures).cards(Period { from: d1, to: d2 });
        let keys: Vec<&str> = cards.iter().map(|c| c.key.as_str()).collect();
        assert_eq!(
            keys,
            [
                "views_post",
                "views_reel",
                "views_new_thing",
                "reach_follower",
                "reach_non_follower"
            ]
        );
        // Views: reels 30 + 20 of 65; before (11-30 alone) 40.
        let reels = card(&cards, "views_reel");
        assert_eq!((reels.value, reels.previous), (Some(50.0), Some(40.0)));
        assert_eq!(reels.share, Some(50.0 / 65.0));
        assert_eq!(reels.label, "Views: reels");
        // Posts had no views before, though that day was captured: zero, not unknown.
        assert_eq!(card(&cards, "views_post").previous, Some(0.0));
        assert_eq!(card(&cards, "views_new_thing").label, "Views: new thing");
        // Reach: (40 + 20) / 2 followers, (60 + 0) / 2 non-followers; nothing before.
        let followers = card(&cards, "reach_follower");
        assert_eq!((followers.value, followers.previous), (Some(30.0), None));
        assert_eq!(followers.share, Some(0.5));
        assert_eq!(
            card(&cards, "reach_non_follower").label,
            "Reach among non-followers"
        );
    }
}
