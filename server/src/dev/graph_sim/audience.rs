//! Lifetime account metrics (instagram-platform/api-reference/instagram-user/insights):
//! audience demographics (`follower_demographics`, `engaged_audience_demographics`,
//! `reached_audience_demographics`: `period=lifetime`, `metric_type=total_value`, one or more
//! of `age`, `gender`, `country`, `city` as `breakdown`, `timeframe` `this_week|this_month`,
//! top 45 results, nothing below 100 followers) and `online_followers` (an hour → count map
//! per day of the last 30, `{}` below 100 followers; airbytehq/airbyte user_insights fixtures).

use serde_json::{json, Value};

use super::data::Account;
use super::reply::Reply;
use super::rng::Rng;

pub const DEMOGRAPHICS: [&str; 3] = [
    "follower_demographics",
    "engaged_audience_demographics",
    "reached_audience_demographics",
];

const AGES: [&str; 7] = ["13-17", "18-24", "25-34", "35-44", "45-54", "55-64", "65+"];
const GENDERS: [&str; 3] = ["F", "M", "U"];
const COUNTRIES: [&str; 12] = [
    "US", "GB", "DE", "FR", "ES", "IT", "BR", "MX", "IN", "JP", "CA", "AU",
];
const CITIES: [&str; 10] = [
    "London, England",
    "New York, New York",
    "Paris, Île-de-France",
    "Berlin, Berlin",
    "Madrid, Comunidad de Madrid",
    "Tokyo, Tokyo",
    "São Paulo, São Paulo",
    "Mexico City, Distrito Federal",
    "Toronto, Ontario",
    "Sydney, New South Wales",
];
/// Meta returns the top 45 values of a breakdown.
const TOP: usize = 45;

fn values_of(breakdown: &str) -> Option<&'static [&'static str]> {
    match breakdown {
        "age" => Some(&AGES),
        "gender" => Some(&GENDERS),
        "country" => Some(&COUNTRIES),
        "city" => Some(&CITIES),
        _ => None,
    }
}

/// One demographics metric of an account with `followers` now, as `data[]` holds it; `Err`
/// with Meta's refusal for a bad request. The shape is the account's own; the counts grow with
/// its followers, so daily captures differ as a real audience's do.
pub fn demographics(
    account: &Account,
    followers: i64,
    metric: &str,
    breakdown: Option<&str>,
    timeframe: Option<&str>,
    total_value: bool,
) -> Result<Option<Value>, Reply> {
    if !total_value {
        return Err(Reply::bad_parameter(&format!(
            "(#100) The following metrics ({metric}) should be specified with parameter metric_type=total_value"
        )));
    }
    let Some(breakdown) = breakdown else {
        return Err(Reply::bad_parameter(
            "(#100) Demographic metrics need the breakdown parameter: age, gender, country or city",
        ));
    };
    let dims: Vec<&str> = breakdown.split(',').map(str::trim).collect();
    if dims.iter().any(|d| values_of(d).is_none()) {
        return Err(Reply::error(
            1,
            None,
            "OAuthException",
            "An unknown error has occurred.",
        ));
    }
    let timeframe = match timeframe.unwrap_or("this_month") {
        "this_week" => "THIS_WEEK",
        "this_month" => "THIS_MONTH",
        _ => {
            return Err(Reply::bad_parameter(
                "(#100) timeframe must be one of the following values: this_week, this_month",
            ))
        }
    };
    if followers < 100 {
        return Ok(None);
    }
    let mut rng = Rng::new(
        account.ig_user_id.len() as u64,
        &[6, account.followers_at_start as u64, metric.len() as u64],
    );
    let audience = followers as f64
        * if metric == "follower_demographics" {
            1.0
        } else {
            0.3
        };
    // Every combination of the asked dimensions, weighted, then the top 45.
    let mut rows: Vec<(Vec<&str>, i64)> = vec![(Vec::new(), 0)];
    for dim in &dims {
        let values = values_of(dim).expect("checked above");
        rows = rows
            .into_iter()
            .flat_map(|(keys, _)| {
                values.iter().map(move |v| {
                    let mut keys = keys.clone();
                    keys.push(*v);
                    (keys, 0)
                })
            })
            .collect();
    }
    for row in &mut rows {
        row.1 = (audience * rng.range(0.0, 2.0) / rows_len_hint(&dims)).round() as i64;
    }
    rows.retain(|(_, v)| *v > 0);
    rows.sort_by_key(|row| std::cmp::Reverse(row.1));
    rows.truncate(TOP);
    // Engaged and reached audiences name their timeframe as the first dimension (the v25
    // sample: ["timeframe","country"], ["LAST_90_DAYS","US"]); follower demographics do not.
    let with_timeframe = metric != "follower_demographics";
    let mut keys: Vec<&str> = dims.clone();
    if with_timeframe {
        keys.insert(0, "timeframe");
    }
    let results: Vec<Value> = rows
        .into_iter()
        .map(|(mut values, value)| {
            if with_timeframe {
                values.insert(0, timeframe);
            }
            json!({ "dimension_values": values, "value": value })
        })
        .collect();
    Ok(Some(json!({
        "name": metric,
        "period": "lifetime",
        "title": super::reply::title(metric),
        "description": "The demographic characteristics of the audience.",
        "total_value": { "breakdowns": [{ "dimension_keys": keys, "results": results }] },
        "id": format!("{}/insights/{metric}/lifetime", account.ig_user_id),
    })))
}

fn rows_len_hint(dims: &[&str]) -> f64 {
    dims.iter()
        .map(|d| values_of(d).map_or(1, <[_]>::len))
        .product::<usize>() as f64
}

/// `online_followers` for each day ending in `days`: how many followers were online each
/// hour, keys "0" to "23"; an empty map below 100 followers.
pub fn online_followers(account: &Account, days: &[(time::Date, String)]) -> Value {
    let values: Vec<Value> = days
        .iter()
        .map(|(day, end_time)| {
            let map: serde_json::Map<String, Value> = if account.followers_at_start < 100 {
                serde_json::Map::new()
            } else {
                let mut r = Rng::new(
                    account.followers_at_start as u64,
                    &[7, day.to_julian_day() as u64],
                );
                (0..24)
                    .map(|h| {
                        // Evenings are busier.
                        let shape = 0.3
                            + 0.7
                                * (((h as f64 - 20.0) / 24.0 * std::f64::consts::TAU).cos() + 1.0)
                                / 2.0;
                        let value =
                            (account.followers_at_start as f64 * 0.2 * shape * r.range(0.8, 1.2))
                                .round() as i64;
                        (h.to_string(), json!(value))
                    })
                    .collect()
            };
            json!({ "value": map, "end_time": end_time })
        })
        .collect();
    json!({
        "name": "online_followers",
        "period": "lifetime",
        "values": values,
        "title": "Online followers",
        "description": "Number of followers online by hour.",
        "id": format!("{}/insights/online_followers/lifetime", account.ig_user_id),
    })
}
