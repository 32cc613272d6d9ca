//! Daily account insights.
//!
//! Meta labels a daily value by the end of its day (`end_time`): midnight in Pacific time
//! (`…T07:00:00+0000` in summer, `T08:00` in winter) or in the account's zone, never UTC
//! midnight, and reports complete days only (instagram-platform/api-reference/instagram-user/
//! insights; airbytehq/airbyte#74006). A value is filed under the date of `end_time − 12 h`,
//! right for any offset within ±12 h, and the day's `total_value` metrics are asked over the
//! same boundaries. A day Meta has not reported yet stays empty ("not yet reported"), never 0.

use time::{Date, Duration, OffsetDateTime};
use tracing::instrument;

use super::client::GraphClient;
use super::errors::GraphError;
use super::models::{Insight, Page};

/// Account metrics that only answer with `metric_type=total_value`, one day per call.
pub const DAILY_TOTALS: [&str; 4] = [
    "views",
    "accounts_engaged",
    "total_interactions",
    "profile_views",
];

/// One day of account insights; absent values were not reported (yet).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccountDay {
    pub date: Date,
    /// Where Meta's day starts and ends, once reported: what a call about that day alone
    /// asks as `since` and `until`.
    pub window: Option<(OffsetDateTime, OffsetDateTime)>,
    pub reach: Option<i64>,
    pub follower_delta: Option<i64>,
    pub views: Option<i64>,
    pub accounts_engaged: Option<i64>,
    pub total_interactions: Option<i64>,
    pub profile_views: Option<i64>,
}

impl AccountDay {
    /// A day Meta has not reported (yet).
    pub fn unreported(date: Date) -> Self {
        Self {
            date,
            window: None,
            reach: None,
            follower_delta: None,
            views: None,
            accounts_engaged: None,
            total_interactions: None,
            profile_views: None,
        }
    }
}

/// The calendar day a daily value belongs to, whatever the zone Meta counted it in.
pub fn day_of(end_time: OffsetDateTime) -> Date {
    (end_time - Duration::hours(12)).date()
}

/// Where each reported day starts: the previous day's end when it is a day (23–25 h, daylight
/// saving included) before, else 24 h before this day's end.
fn day_windows(ends: &[OffsetDateTime]) -> Vec<(OffsetDateTime, OffsetDateTime)> {
    ends.iter()
        .enumerate()
        .map(|(i, end)| {
            let start = i
                .checked_sub(1)
                .map(|p| ends[p])
                .filter(|prev| {
                    (*end - *prev) >= Duration::hours(23) && (*end - *prev) <= Duration::hours(25)
                })
                .unwrap_or(*end - Duration::days(1));
            (start, *end)
        })
        .collect()
}

impl GraphClient {
    /// Account insights for each day in `days` (ascending, at most a few weeks apart): one
    /// series call for reach, one for follower growth, one total-value call per reported day.
    #[instrument(skip(self, days), err(level = "debug"))]
    pub async fn account_days(
        &self,
        ig_user_id: &str,
        days: &[Date],
    ) -> Result<Vec<AccountDay>, GraphError> {
        let (Some(first), Some(last)) = (days.first(), days.last()) else {
            return Ok(Vec::new());
        };
        let path = format!("{ig_user_id}/insights");
        // Wide enough for any zone within ±12 h; Meta returns complete days only.
        let since = first.midnight().assume_utc() - Duration::hours(12);
        let until = last.next_day().unwrap_or(*last).midnight().assume_utc() + Duration::hours(12);
        let mut reach = self.series(&path, "reach", since, until).await?;
        reach.retain(|(end, _)| days.contains(&day_of(*end)));
        reach.sort_by_key(|(end, _)| *end);
        // follower_count alone: Meta omits or refuses it below 100 followers, which must not
        // cost the day's reach.
        let followers = match self.series(&path, "follower_count", since, until).await {
            Ok(points) => points,
            Err(e @ GraphError::BadRequest { .. }) => {
                tracing::info!(error = %e, "no follower growth for this account");
                Vec::new()
            }
            Err(e) => return Err(e),
        };
        let ends: Vec<OffsetDateTime> = reach.iter().map(|(end, _)| *end).collect();
        let mut out: Vec<AccountDay> = days.iter().map(|d| AccountDay::unreported(*d)).collect();
        for ((start, end), (_, value)) in day_windows(&ends).into_iter().zip(&reach) {
            let date = day_of(end);
            let Some(day) = out.iter_mut().find(|d| d.date == date) else {
                continue;
            };
            day.window = Some((start, end));
            day.reach = Some(*value);
            day.follower_delta = followers
                .iter()
                .find(|(e, _)| day_of(*e) == date)
                .map(|(_, v)| *v);
            let (since, until) = (
                start.unix_timestamp().to_string(),
                end.unix_timestamp().to_string(),
            );
            let (totals, _) = self
                .dropping_refused(&DAILY_TOTALS, |asked| {
                    self.url(
                        self.base(),
                        &path,
                        &[
                            ("metric", &asked.join(",")),
                            ("period", "day"),
                            ("metric_type", "total_value"),
                            ("since", &since),
                            ("until", &until),
                        ],
                    )
                })
                .await?;
            let total = |name: &str| {
                totals
                    .data
                    .iter()
                    .find(|i| i.name == name)
                    .and_then(Insight::total)
            };
            day.views = total("views");
            day.accounts_engaged = total("accounts_engaged");
            day.total_interactions = total("total_interactions");
            day.profile_views = total("profile_views");
        }
        Ok(out)
    }

    /// A daily `time_series` metric's `(end_time, value)` points between `since` and `until`.
    async fn series(
        &self,
        path: &str,
        metric: &str,
        since: OffsetDateTime,
        until: OffsetDateTime,
    ) -> Result<Vec<(OffsetDateTime, i64)>, GraphError> {
        let (since, until) = (
            since.unix_timestamp().to_string(),
            until.unix_timestamp().to_string(),
        );
        let page: Page<Insight> = self
            .get(self.url(
                self.base(),
                path,
                &[
                    ("metric", metric),
                    ("period", "day"),
                    ("metric_type", "time_series"),
                    ("since", &since),
                    ("until", &until),
                ],
            )?)
            .await?;
        Ok(page
            .data
            .iter()
            .find(|i| i.name == metric)
            .map(Insight::series)
            .unwrap_or_default())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn values_are_filed_under_the_day_they_end() {
        use time::macros::date;
        for (end, day) in [
            // Pacific midnight, summer and winter.
            (datetime!(2026-08-01 07:00 UTC), date!(2026 - 07 - 31)),
            (datetime!(2026-12-02 08:00 UTC), date!(2026 - 12 - 01)),
            // Tokyo midnight (UTC+9) and UTC midnight.
            (datetime!(2026-12-01 15:00 UTC), date!(2026 - 12 - 01)),
            (datetime!(2026-12-02 00:00 UTC), date!(2026 - 12 - 01)),
        ] {
            assert_eq!(day_of(end), day, "{end}");
        }
    }

    #[test]
    fn day_windows_follow_daylight_saving() {
        // 2026-11-01: Pacific clocks go back, so that day lasts 25 h.
        let ends = [
            datetime!(2026-11-01 07:00 UTC),
            datetime!(2026-11-02 08:00 UTC),
        ];
        let w = day_windows(&ends);
        assert_eq!(w[0], (datetime!(2026-10-31 07:00 UTC), ends[0]));
        assert_eq!(w[1], (ends[0], ends[1]));
    }
}
