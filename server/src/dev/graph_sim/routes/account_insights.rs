//! The account's insights (`GET /{ig-user-id}/insights`): daily metrics as series or totals
//! over Meta's days, reach by week and 28 days, breakdowns, and the lifetime audience
//! metrics (see `audience`).

use std::collections::BTreeMap;

use serde_json::{json, Value};
use time::{Date, Duration, OffsetDateTime};

use super::params::metric_list;
use super::Call;
use crate::dev::graph_sim::audience;
use crate::dev::graph_sim::data::Account;
use crate::dev::graph_sim::days::Days;
use crate::dev::graph_sim::reply::{graph_time, split, title, Answer, Reply};

/// Account metrics that answer only with `metric_type=total_value`.
const TOTAL_ONLY: [&str; 13] = [
    "views",
    "profile_links_taps",
    "follows_and_unfollows",
    "reposts",
    "accounts_engaged",
    "total_interactions",
    "likes",
    "comments",
    "shares",
    "saves",
    "replies",
    "profile_views",
    "website_clicks",
];
const SERIES: [&str; 2] = ["reach", "follower_count"];
const MAX_WINDOW: Duration = Duration::days(30);

impl Call<'_> {
    /// `since`/`until` of an insights request; without them Meta answers yesterday and today
    /// (instagram-user/insights), and never more than 30 days.
    fn window(&self) -> Result<(OffsetDateTime, OffsetDateTime), Reply> {
        let until = self.time_param("until")?.unwrap_or(self.now);
        let since = self
            .time_param("since")?
            .unwrap_or(until - Duration::days(2));
        if until - since > MAX_WINDOW {
            return Err(Reply::bad_parameter(
                "(#100) There cannot be more than 30 days (2592000 s) between since and until",
            ));
        }
        Ok((since, until))
    }

    /// Days of the insights zone, complete ones only: a series reports each day ending after
    /// `since` and by `until`; a total (`whole`) the days lying wholly inside the window.
    fn reported_days(
        &self,
        days: &Days,
        since: OffsetDateTime,
        until: OffsetDateTime,
        whole: bool,
    ) -> Vec<Date> {
        let last = days.date_of(until.min(self.now));
        std::iter::successors(Some(days.date_of(since)), |d| d.next_day())
            .take_while(|d| *d <= last)
            .filter(|d| days.end(*d) <= self.now && days.end(*d) <= until)
            .filter(|d| {
                if whole {
                    days.start(*d) >= since
                } else {
                    days.end(*d) > since
                }
            })
            .collect()
    }

    /// Lifetime account metrics: demographics and `online_followers` (see `audience`).
    fn lifetime_insights(&self, account: &Account, metrics: &[&str]) -> Answer {
        if self.param("period") != Some("lifetime") {
            return Err(Reply::bad_parameter(
                "(#100) period must be one of the following values: lifetime",
            ));
        }
        let total = self.param("metric_type") == Some("total_value");
        let mut data = Vec::new();
        for metric in metrics {
            if *metric == "online_followers" {
                let (since, until) = self.window()?;
                let days = Days::new(&self.state.config.insights_zone);
                let ends: Vec<(Date, String)> = self
                    .reported_days(&days, since, until, false)
                    .into_iter()
                    .map(|d| (d, graph_time(days.end(d))))
                    .collect();
                data.push(audience::online_followers(account, &ends));
            } else if audience::DEMOGRAPHICS.contains(metric) {
                data.extend(audience::demographics(
                    account,
                    account.followers(self.state.config.start, self.now),
                    metric,
                    self.param("breakdown"),
                    self.param("timeframe"),
                    total,
                )?);
            } else {
                return Err(Reply::bad_parameter(&format!(
                    "(#100) {metric} does not support the lifetime period"
                )));
            }
        }
        Ok(Reply::json(json!({ "data": data })))
    }

    pub(super) fn account_insights(&self, account: &Account) -> Answer {
        let metrics = metric_list(self.param("metric").unwrap_or_default());
        if metrics.is_empty() {
            return Err(Reply::bad_parameter(
                "(#100) The parameter metric is required",
            ));
        }
        if metrics
            .iter()
            .any(|m| audience::DEMOGRAPHICS.contains(m) || *m == "online_followers")
        {
            return self.lifetime_insights(account, &metrics);
        }
        // Reach also comes by week and by 28 days, as a series (instagram-user/insights in
        // its v19–v22 form; Airbyte's user_insights still reads reach_week, reach_days_28).
        let period = self.param("period").unwrap_or_default();
        let window_days: i64 = match period {
            "day" => 1,
            "week" if metrics == ["reach"] => 7,
            "days_28" if metrics == ["reach"] => 28,
            _ => {
                return Err(Reply::bad_parameter(
                    "(#100) period must be one of the following values: day",
                ))
            }
        };
        let total = match self.param("metric_type").unwrap_or("time_series") {
            "total_value" => true,
            "time_series" => false,
            _ => return Err(Reply::bad_parameter(
                "(#100) metric_type must be one of the following values: time_series, total_value",
            )),
        };
        for (i, m) in metrics.iter().enumerate() {
            if *m == "impressions" {
                return Err(Reply::bad_parameter("(#100) Starting from version 22 and above, the impressions metric is no longer supported for the queried user. Please use views instead."));
            }
            if !TOTAL_ONLY.contains(m) && !SERIES.contains(m) {
                let valid = [&SERIES[..], &TOTAL_ONLY[..]].concat().join(", ");
                return Err(Reply::bad_parameter(&format!(
                    "(#100) metric[{i}] must be one of the following values: {valid}"
                )));
            }
        }
        let total_only: Vec<&str> = metrics
            .iter()
            .copied()
            .filter(|m| TOTAL_ONLY.contains(m))
            .collect();
        if !total && !total_only.is_empty() {
            return Err(Reply::bad_parameter(&format!(
                "(#100) The following metrics ({}) should be specified with parameter metric_type=total_value",
                total_only.join(",")
            )));
        }
        if total && metrics.contains(&"follower_count") {
            return Err(Reply::bad_parameter(
                "(#100) follower_count does not support the total_value metric_type",
            ));
        }
        let (since, until) = self.window()?;
        // Below 100 followers Meta has no follower metrics ("not available for IG users with
        // fewer than 100 followers", instagram-user/insights): the answer comes back empty.
        if metrics.contains(&"follower_count") && account.followers_at_start < 100 {
            return Ok(Reply::json(json!({ "data": [] })));
        }
        let days = Days::new(&self.state.config.insights_zone);
        let reported = self.reported_days(&days, since, until, total);
        let per_day: Vec<(Date, BTreeMap<&str, i64>)> = reported
            .iter()
            .map(|d| {
                // A week's or 28 days' unique reach: fewer than the days' sum.
                let mut values = account.day(*d);
                if window_days > 1 {
                    let reach = (1..window_days)
                        .filter_map(|back| d.checked_sub(Duration::days(back)))
                        .map(|day| account.day(day)["reach"])
                        .sum::<i64>()
                        + values["reach"];
                    values.insert("reach", reach * 6 / 10);
                }
                (*d, values)
            })
            .collect();
        // Breakdowns only with total_value (a series ignores them), each metric by the
        // dimensions its row of the table lists.
        let breakdowns: Vec<&str> = match (total, self.param("breakdown")) {
            (true, Some(b)) => metric_list(b),
            _ => Vec::new(),
        };
        for b in &breakdowns {
            if metrics.iter().any(|m| !account_breakdown_allowed(m, b)) {
                return Err(Reply::error(
                    1,
                    None,
                    "OAuthException",
                    "An unknown error has occurred.",
                ));
            }
        }
        let data: Vec<Value> = metrics
            .iter()
            .map(|m| {
                let mut item = json!({
                    "name": m, "period": period, "title": title(m),
                    "description": format!("Daily {}.", m.replace('_', " ")),
                    "id": format!("{}/insights/{m}/{period}", account.ig_user_id),
                });
                if total {
                    let value: i64 = per_day.iter().map(|(_, v)| v[*m]).sum();
                    item["total_value"] = json!({ "value": value });
                    if !breakdowns.is_empty() {
                        item["total_value"]["breakdowns"] = breakdowns
                            .iter()
                            .map(|b| json!({ "dimension_keys": [b], "results": split(value, account_dimension(b)) }))
                            .collect();
                    }
                } else {
                    item["values"] = per_day
                        .iter()
                        .map(|(d, v)| json!({ "value": v[*m], "end_time": graph_time(days.end(*d)) }))
                        .collect();
                }
                item
            })
            .collect();
        // `previous`/`next` fetch the window before and after (instagram-user/insights:
        // "The pagination cursors (previous and next) fetch the next time window").
        let span = until - since;
        let window = |from: OffsetDateTime, to: OffsetDateTime| {
            self.url_with(&[
                ("since", &from.unix_timestamp().to_string()),
                ("until", &to.unix_timestamp().to_string()),
            ])
        };
        Ok(Reply::json(json!({
            "data": data,
            "paging": {
                "previous": window(since - span, since),
                "next": window(until, until + span),
            }
        })))
    }
}

/// Which account metric breaks down by which dimension (instagram-user/insights, v25 table).
fn account_breakdown_allowed(metric: &str, breakdown: &str) -> bool {
    match breakdown {
        "media_product_type" => matches!(
            metric,
            "reach" | "views" | "likes" | "comments" | "saves" | "shares" | "total_interactions"
        ),
        "follow_type" => matches!(metric, "reach" | "follows_and_unfollows"),
        "follower_type" => metric == "views",
        "contact_button_type" => metric == "profile_links_taps",
        _ => false,
    }
}

/// A dimension's values (instagram-user/insights) and the share each gets here.
fn account_dimension(breakdown: &str) -> &'static [(&'static str, f64)] {
    match breakdown {
        "media_product_type" => &[
            ("POST", 0.45),
            ("REEL", 0.3),
            ("CAROUSEL_CONTAINER", 0.15),
            ("STORY", 0.08),
            ("AD", 0.02),
        ],
        "follow_type" | "follower_type" => &[("FOLLOWER", 0.55), ("NON_FOLLOWER", 0.45)],
        _ => &[
            ("BOOK_NOW", 0.1),
            ("CALL", 0.2),
            ("DIRECTION", 0.2),
            ("EMAIL", 0.2),
            ("TEXT", 0.2),
            ("UNDEFINED", 0.1),
        ],
    }
}
