//! A media's lifetime insights (`GET /{media-id}/insights`, and `insights.metric(…)`
//! expanded on the media node and edges), their breakdowns, and Meta's refusals.

use serde_json::{json, Value};

use super::params::metric_list;
use super::Call;
use crate::dev::graph_sim::data::{Account, Post, Product};
use crate::dev::graph_sim::reply::{split, title, Answer, Reply};
use crate::dev::graph_sim::support;

impl Call<'_> {
    /// `GET /{media-id}/insights?metric=…[&breakdown=…]`.
    pub(super) fn media_insights_edge(&self, account: &Account, id: &str, token: &str) -> Answer {
        let post = self.find_post(account, id)?;
        let mut data = self.media_insights(
            &post,
            token,
            &metric_list(self.param("metric").unwrap_or_default()),
        )?;
        if let Some(breakdown) = self.param("breakdown") {
            media_breakdown(&mut data, breakdown)?;
        }
        Ok(Reply::json(json!({ "data": data })))
    }

    /// Lifetime metrics of one media, or the refusal that fails the whole request.
    pub(super) fn media_insights(
        &self,
        post: &Post,
        token: &str,
        metrics: &[&str],
    ) -> Result<Vec<Value>, Reply> {
        if metrics.is_empty() {
            return Err(Reply::bad_parameter(
                "(#100) The parameter metric is required",
            ));
        }
        if self.state.faults.insights_revoked(token) {
            return Err(self.no_permission());
        }
        if post.pre_conversion {
            return Err(Reply::posted_before_conversion());
        }
        for metric in metrics {
            support::check(post.product, post.media_type, metric)
                .map_err(|m| Reply::bad_parameter(&m))?;
            if self
                .state
                .faults
                .rejects([post.media_type, post.product.api_name()], metric)
            {
                return Err(Reply::bad_parameter(&format!(
                    "(#100) The metric {metric} is not supported for this media type"
                )));
            }
        }
        let values = post.metrics(self.now);
        if values.is_empty() {
            return Ok(Vec::new());
        }
        if post.product == Product::Story && values["reach"] < 5 {
            return Err(Reply::error(
                10,
                None,
                "OAuthException",
                "(#10) Not enough viewers for the media to show insights",
            ));
        }
        Ok(metrics
            .iter()
            .map(|m| {
                // EU and Japanese stories report no replies (instagram-media/insights).
                let value = if *m == "replies" && self.state.config.replies_always_zero {
                    0
                } else {
                    values.get(m).copied().unwrap_or(0)
                };
                json!({
                    "name": m,
                    "period": "lifetime",
                    "values": [{ "value": value }],
                    "title": title(m),
                    "description": format!("The {} of this media.", m.replace('_', " ")),
                    "id": format!("{}/insights/{m}/lifetime", post.id),
                })
            })
            .collect())
    }
}

/// A media metric broken down (instagram-media/insights): `profile_activity` by `action_type`
/// and a story's `navigation` by `story_navigation_action_type`, with the lower-case values
/// Meta's samples show. Any other pair: "An unknown error has occurred." (same page).
pub(super) fn media_breakdown(data: &mut [Value], breakdown: &str) -> Result<(), Reply> {
    let parts: &[(&str, f64)] = match breakdown {
        "action_type" => &[
            ("bio_link_clicked", 0.4),
            ("call", 0.1),
            ("direction", 0.1),
            ("email", 0.2),
            ("text", 0.2),
        ],
        "story_navigation_action_type" => &[
            ("tap_forward", 0.75),
            ("tap_back", 0.15),
            ("tap_exit", 0.05),
            ("swipe_forward", 0.05),
        ],
        _ => &[],
    };
    let metric = match breakdown {
        "action_type" => "profile_activity",
        _ => "navigation",
    };
    if parts.is_empty() || data.iter().any(|m| m["name"] != metric) {
        return Err(Reply::error(
            1,
            None,
            "OAuthException",
            "An unknown error has occurred.",
        ));
    }
    for item in data {
        let total = item["values"][0]["value"].as_i64().unwrap_or(0);
        item["total_value"] = json!({ "value": total, "breakdowns": [{
            "dimension_keys": [breakdown],
            "results": split(total, parts),
        }]});
    }
    Ok(())
}
