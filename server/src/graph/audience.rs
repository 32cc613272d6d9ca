//! Insights by a dimension, read once a day per account: who the followers and the engaged
//! audience are (`follower_demographics`, `engaged_audience_demographics` by age and gender,
//! country, city), when followers are online (`online_followers`, an hour → count map per
//! day), and the daily account metrics Meta breaks down ([`ACCOUNT_BREAKDOWNS`]).
//!
//! Meta keeps these only as "now" (demographics) or for the last 30 days (online followers),
//! returns the top 45 values of a breakdown, and nothing for accounts under 100 followers or
//! engagements (instagram-platform/api-reference/instagram-user/insights). What Meta withholds
//! is kept as "not available" with the reason, never as zeros.

pub use app::dto::{
    Share, ENGAGED_DEMOGRAPHICS, FOLLOWER_DEMOGRAPHICS, FOLLOWS_AND_UNFOLLOWS, ONLINE_FOLLOWERS,
    PROFILE_LINKS_TAPS,
};
use time::{Date, Duration, OffsetDateTime};
use tracing::instrument;

use super::account_insights::day_of;
use super::client::GraphClient;
use super::errors::GraphError;
use super::models::{Insight, Page};

/// The audiences and breakdowns read each day: three calls per audience.
pub const DEMOGRAPHICS: [&str; 2] = [FOLLOWER_DEMOGRAPHICS, ENGAGED_DEMOGRAPHICS];
pub const BREAKDOWNS: [&str; 3] = ["age,gender", "country", "city"];
/// `online_followers`' one "breakdown": the hour of the day, "0" to "23", stored with the
/// hour's start (unix seconds).
pub const HOUR: &str = "hour";

/// Daily account metrics by a dimension (instagram-user/insights, `metric_type=total_value`
/// with `breakdown`): each call asks the metrics that share the breakdown, for one of Meta's
/// days.
pub const ACCOUNT_BREAKDOWNS: [(&[&str], &str); 4] = [
    (&["reach", "views"], "media_product_type"),
    (&["reach", FOLLOWS_AND_UNFOLLOWS], "follow_type"),
    (&["views"], "follower_type"),
    (&[PROFILE_LINKS_TAPS], "contact_button_type"),
];

/// What Meta answered for one metric and breakdown on one day.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AudienceCapture {
    pub date: Date,
    pub metric: &'static str,
    pub breakdown: &'static str,
    /// The values, or why there are none.
    pub shares: Result<Vec<Share>, String>,
}

/// Meta's rule for an empty answer, in the words the dashboard shows.
pub fn withheld(metric: &str) -> String {
    match metric {
        ENGAGED_DEMOGRAPHICS => {
            "Meta gives no engaged-audience demographics for fewer than 100 engagements in the \
             period"
        }
        _ => "Meta gives no audience figures for accounts with fewer than 100 followers",
    }
    .into()
}

impl GraphClient {
    /// Today's demographics of both audiences by each breakdown, and the hours followers
    /// were online on the days Meta reports up to `now`. A refusal of one metric (a permission
    /// this token lacks, say) is that metric's "not available", not the sync's failure;
    /// an invalid token or a rate limit fails it as any call would.
    #[instrument(skip(self), err(level = "debug"))]
    pub async fn audience(
        &self,
        ig_user_id: &str,
        now: OffsetDateTime,
    ) -> Result<Vec<AudienceCapture>, GraphError> {
        let path = format!("{ig_user_id}/insights");
        let today = now.date();
        let mut out = Vec::new();
        for metric in DEMOGRAPHICS {
            for breakdown in BREAKDOWNS {
                let mut params = vec![
                    ("metric", metric),
                    ("period", "lifetime"),
                    ("metric_type", "total_value"),
                    ("breakdown", breakdown),
                ];
                // The engaged audience is counted over a timeframe (v20+: this_week or
                // this_month); the followers are who follows now.
                if metric != FOLLOWER_DEMOGRAPHICS {
                    params.push(("timeframe", "this_month"));
                }
                let answer = self
                    .get::<Page<Insight>>(self.url(self.base(), &path, &params)?)
                    .await;
                out.push(AudienceCapture {
                    date: today,
                    metric,
                    breakdown,
                    shares: refusal_or(answer, |page| breakdown_shares(&page, metric))?,
                });
            }
        }
        // The last two reported days: today's is usually not reported yet, and a day missed
        // (the server was down) is read again the next day.
        let (since, until) = (
            (now - Duration::days(2)).unix_timestamp().to_string(),
            now.unix_timestamp().to_string(),
        );
        let answer = self
            .get::<Page<Insight>>(self.url(
                self.base(),
                &path,
                &[
                    ("metric", ONLINE_FOLLOWERS),
                    ("period", "lifetime"),
                    ("since", &since),
                    ("until", &until),
                ],
            )?)
            .await;
        match refusal_or(answer, |page| Ok(online_days(&page)))? {
            Ok(days) => out.extend(days.into_iter().map(|(date, shares)| AudienceCapture {
                date,
                metric: ONLINE_FOLLOWERS,
                breakdown: HOUR,
                shares,
            })),
            Err(reason) => out.push(AudienceCapture {
                date: today,
                metric: ONLINE_FOLLOWERS,
                breakdown: HOUR,
                shares: Err(reason),
            }),
        }
        Ok(out)
    }
}

impl GraphClient {
    /// The account's daily metrics by each dimension of [`ACCOUNT_BREAKDOWNS`], for each of
    /// Meta's days given by its `(date, start, end)`: four calls a day. Kept because Meta
    /// answers a breakdown for the last 30 days only. A refused call is its metrics' "not
    /// available" for that day.
    #[instrument(skip(self, days), err(level = "debug"))]
    pub async fn account_breakdowns(
        &self,
        ig_user_id: &str,
        days: &[(Date, OffsetDateTime, OffsetDateTime)],
    ) -> Result<Vec<AudienceCapture>, GraphError> {
        let path = format!("{ig_user_id}/insights");
        let mut out = Vec::new();
        for (date, start, end) in days {
            let (since, until) = (
                start.unix_timestamp().to_string(),
                end.unix_timestamp().to_string(),
            );
            for (metrics, breakdown) in ACCOUNT_BREAKDOWNS {
                let answer = self
                    .get::<Page<Insight>>(self.url(
                        self.base(),
                        &path,
                        &[
                            ("metric", &metrics.join(",")),
                            ("period", "day"),
                            ("metric_type", "total_value"),
                            ("breakdown", breakdown),
                            ("since", &since),
                            ("until", &until),
                        ],
                    )?)
                    .await;
                let read = refusal_or(answer, Ok)?;
                for metric in metrics.iter().copied() {
                    // An empty breakdown is a day without any (no taps, say): zero, not
                    // withheld; a metric left out is not reported.
                    let shares = read.as_ref().map_err(Clone::clone).and_then(|page| {
                        breakdown_of(page, metric)
                            .ok_or_else(|| "Meta reported no values for this day".to_owned())
                    });
                    out.push(AudienceCapture {
                        date: *date,
                        metric,
                        breakdown,
                        shares,
                    });
                }
            }
        }
        Ok(out)
    }
}

/// A metric's answer, or Meta's refusal of it as its "not available" reason; any other
/// failure is the caller's.
fn refusal_or<T>(
    answer: Result<Page<Insight>, GraphError>,
    read: impl FnOnce(Page<Insight>) -> Result<T, String>,
) -> Result<Result<T, String>, GraphError> {
    match answer {
        Ok(page) => Ok(read(page)),
        Err(GraphError::BadRequest { message, .. }) => Ok(Err(format!("Meta refused: {message}"))),
        Err(e) => Err(e),
    }
}

/// The values of one demographics answer; "not available" when Meta left the metric out or
/// empty.
fn breakdown_shares(page: &Page<Insight>, metric: &str) -> Result<Vec<Share>, String> {
    breakdown_of(page, metric)
        .filter(|shares| !shares.is_empty())
        .ok_or_else(|| withheld(metric))
}

/// A metric's values by its breakdown, without the `timeframe` dimension Meta puts first for
/// the engaged audience; `None` when the metric or its breakdown is not in the answer.
fn breakdown_of(page: &Page<Insight>, metric: &str) -> Option<Vec<Share>> {
    let breakdown = page
        .data
        .iter()
        .find(|i| i.name == metric)
        .and_then(|i| i.total_value.as_ref())
        .and_then(|t| t.breakdowns.first())?;
    let skip =
        usize::from(breakdown.dimension_keys.first().map(String::as_str) == Some("timeframe"));
    Some(
        breakdown
            .results
            .iter()
            .filter_map(|r| {
                let count = r
                    .value
                    .as_i64()
                    .or_else(|| r.value.as_f64().map(|f| f.round() as i64))?;
                Some(Share(r.dimension_values.get(skip..)?.to_vec(), count))
            })
            .collect(),
    )
}

/// Each reported day's hour → followers online; a day with an empty map is "not available".
fn online_days(page: &Page<Insight>) -> Vec<(Date, Result<Vec<Share>, String>)> {
    let Some(insight) = page.data.iter().find(|i| i.name == ONLINE_FOLLOWERS) else {
        return Vec::new();
    };
    insight
        .values
        .iter()
        .filter_map(|v| {
            let end = v.end_time?;
            let date = day_of(end);
            // The keys are the hours of the day that ends at `end_time`, in that day's zone
            // (Pacific time unless the account has its own); each hour is kept with its start,
            // so any viewer's zone can place it. A day with a clock change is off by an hour
            // after the change.
            let start = (end - Duration::days(1)).unix_timestamp();
            let mut hours: Vec<(u8, i64)> = v
                .value
                .as_object()
                .into_iter()
                .flatten()
                .filter_map(|(hour, n)| {
                    Some((hour.parse::<u8>().ok().filter(|h| *h < 24)?, n.as_i64()?))
                })
                .collect();
            hours.sort_unstable();
            let shares = if hours.is_empty() {
                Err(withheld(ONLINE_FOLLOWERS))
            } else {
                Ok(hours
                    .into_iter()
                    .map(|(h, n)| {
                        let at = start + i64::from(h) * 3_600;
                        Share(vec![h.to_string(), at.to_string()], n)
                    })
                    .collect())
            };
            Some((date, shares))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(json: &str) -> Page<Insight> {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn demographics_read_as_meta_documents_them() {
        // graph-examples §5.4: follower_demographics by age and gender (no timeframe, no
        // total_value.value), and the engaged audience with its timeframe dimension first.
        let followers = page(
            r#"{"data":[{"name":"follower_demographics","period":"lifetime","title":"Follower demographics","description":"d","total_value":{"breakdowns":[{"dimension_keys":["age","gender"],"results":[{"dimension_values":["18-24","F"],"value":10},{"dimension_values":["18-24","M"],"value":7}]}]},"id":"1/insights/follower_demographics/lifetime"}]}"#,
        );
        assert_eq!(
            breakdown_shares(&followers, "follower_demographics"),
            Ok(vec![
                Share(vec!["18-24".into(), "F".into()], 10),
                Share(vec!["18-24".into(), "M".into()], 7)
            ])
        );
        let engaged = page(
            r#"{"data":[{"name":"engaged_audience_demographics","period":"lifetime","total_value":{"breakdowns":[{"dimension_keys":["timeframe","country"],"results":[{"dimension_values":["LAST_90_DAYS","US"],"value":2}]}]}}]}"#,
        );
        assert_eq!(
            breakdown_shares(&engaged, "engaged_audience_demographics"),
            Ok(vec![Share(vec!["US".into()], 2)])
        );
        // Under 100 followers Meta leaves the metric out: not available, never zeros.
        let reason = breakdown_shares(&page(r#"{"data":[]}"#), "follower_demographics");
        assert!(reason.unwrap_err().contains("100 followers"));
    }

    #[test]
    fn a_day_without_taps_is_zero_not_withheld() {
        // graph-examples §5.2's shape, one metric with values and one with none that day.
        let p = page(
            r#"{"data":[{"name":"reach","period":"day","total_value":{"value":224,"breakdowns":[{"dimension_keys":["media_product_type"],"results":[{"dimension_values":["POST"],"value":124},{"dimension_values":["REEL"],"value":100}]}]}},{"name":"profile_links_taps","period":"day","total_value":{"value":0,"breakdowns":[{"dimension_keys":["contact_button_type"],"results":[]}]}}]}"#,
        );
        assert_eq!(
            breakdown_of(&p, "reach").unwrap()[1],
            Share(vec!["REEL".into()], 100)
        );
        assert_eq!(breakdown_of(&p, "profile_links_taps"), Some(Vec::new()));
        assert_eq!(breakdown_of(&p, "views"), None, "not in the answer");
    }

    #[test]
    fn online_followers_are_filed_by_day() {
        // graph-examples §5.5; an empty map below 100 followers.
        let p = page(
            r#"{"data":[{"name":"online_followers","period":"lifetime","values":[{"value":{"0":12,"1":8,"23":30},"end_time":"2026-12-04T08:00:00+0000"},{"value":{},"end_time":"2026-12-05T08:00:00+0000"}]}]}"#,
        );
        let days = online_days(&p);
        assert_eq!(days.len(), 2);
        assert_eq!(days[0].0, time::macros::date!(2026 - 12 - 03));
        let hours = days[0].1.as_ref().unwrap();
        // Hour 23 of the day that ended 2026-12-04 08:00 UTC starts 2026-12-04 07:00 UTC.
        assert_eq!(hours[2], Share(vec!["23".into(), "1796367600".into()], 30));
        assert!(days[1].1.is_err());
    }
}
