//! What a request asks for, read from its query string: field and metric lists, `limit`,
//! `since`/`until` in every form Meta takes, and the URLs of the pages around it.

use std::collections::BTreeMap;

use time::{Date, Duration, OffsetDateTime};

use super::Call;
use crate::dev::graph_sim::reply::Reply;

/// Splits `a,b,insights.metric(x,y),children{id}` at the commas outside brackets.
pub(super) fn split_fields(fields: &str) -> Vec<&str> {
    let (mut out, mut depth, mut start) = (Vec::new(), 0i32, 0);
    for (i, c) in fields.char_indices() {
        match c {
            '(' | '{' => depth += 1,
            ')' | '}' => depth -= 1,
            ',' if depth == 0 => {
                out.push(fields[start..i].trim());
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(fields[start..].trim());
    out.into_iter().filter(|f| !f.is_empty()).collect()
}

/// A field's modifiers, `.metric(a,b).breakdown(x)` → {metric: "a,b", breakdown: "x"}; text
/// that is not a modifier ends the list.
pub(super) fn modifiers(mut spec: &str) -> BTreeMap<&str, &str> {
    let mut out = BTreeMap::new();
    while let Some(rest) = spec.strip_prefix('.') {
        let Some((name, tail)) = rest.split_once('(') else {
            break;
        };
        let Some((args, after)) = tail.split_once(')') else {
            break;
        };
        out.insert(name, args);
        spec = after;
    }
    out
}

pub(super) fn metric_list(text: &str) -> Vec<&str> {
    text.split(',')
        .map(str::trim)
        .filter(|m| !m.is_empty())
        .collect()
}

impl Call<'_> {
    /// `limit`: a number, clamped to Meta's 100 (default `default`).
    pub(super) fn limit(&self, default: usize) -> Result<usize, Reply> {
        match self.param("limit") {
            None => Ok(default),
            Some(l) => l
                .parse::<usize>()
                .map(|l| l.clamp(1, 100))
                .map_err(|_| Reply::bad_parameter("(#100) Param limit must be a number")),
        }
    }

    /// `since`/`until`: unix seconds or a date/time Meta can parse (graph-api/results,
    /// "Time-based Pagination": "a Unix timestamp or a strtotime data value").
    pub(super) fn time_param(&self, name: &str) -> Result<Option<OffsetDateTime>, Reply> {
        self.param(name)
            .map(|v| {
                parse_time(v, self.now).ok_or_else(|| {
                    Reply::bad_parameter(&format!(
                        "(#100) Param {name} must be a unix timestamp or a date/time string"
                    ))
                })
            })
            .transpose()
    }

    /// This call's URL with some parameters replaced: how Meta builds `paging` URLs.
    pub(super) fn url_with(&self, replaced: &[(&str, &str)]) -> String {
        let mut params = self.params.clone();
        for (name, value) in replaced {
            params.insert((*name).to_owned(), (*value).to_owned());
        }
        let query: Vec<String> = params
            .iter()
            .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
            .collect();
        format!("{}/{}?{}", self.root, self.path, query.join("&"))
    }
}

/// Unix seconds, RFC 3339 (`+00:00` or Meta's `+0000`), a date-time without zone (UTC), or a
/// bare date (its UTC midnight).
fn parse_time(text: &str, now: OffsetDateTime) -> Option<OffsetDateTime> {
    use time::format_description::well_known::Rfc3339;
    use time::macros::format_description;
    let text = text.trim();
    if let Ok(unix) = text.parse::<i64>() {
        return OffsetDateTime::from_unix_timestamp(unix).ok();
    }
    if let Ok(t) = crate::graph::models::parse_graph_time(text) {
        return Some(t);
    }
    if let Ok(t) = OffsetDateTime::parse(text, &Rfc3339) {
        return Some(t);
    }
    let naive = format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]");
    if let Ok(t) = time::PrimitiveDateTime::parse(text, naive) {
        return Some(t.assume_utc());
    }
    let spaced = format_description!("[year]-[month]-[day] [hour]:[minute]:[second]");
    if let Ok(t) = time::PrimitiveDateTime::parse(text, spaced) {
        return Some(t.assume_utc());
    }
    let date = format_description!("[year]-[month]-[day]");
    if let Ok(d) = Date::parse(text, date) {
        return Some(d.midnight().assume_utc());
    }
    relative_time(text, now)
}

/// strtotime's words and offsets: `now`, `today`, `yesterday`, `tomorrow`, `-7 days`,
/// `+1 week`, `3 hours ago` (the media and insights references take "strtotime data values").
fn relative_time(text: &str, now: OffsetDateTime) -> Option<OffsetDateTime> {
    let today = now.date().midnight().assume_utc();
    let lower = text.to_ascii_lowercase();
    match lower.as_str() {
        "now" => return Some(now),
        "today" | "midnight" => return Some(today),
        "yesterday" => return Some(today - Duration::days(1)),
        "tomorrow" => return Some(today + Duration::days(1)),
        _ => {}
    }
    let (body, ago) = match lower.strip_suffix(" ago") {
        Some(body) => (body.trim(), true),
        None => (lower.trim(), false),
    };
    let (number, unit) = body.split_once(' ')?;
    let n: i32 = number.trim_start_matches('+').parse().ok()?;
    let unit = match unit.trim().trim_end_matches('s') {
        "sec" | "second" => Duration::seconds(1),
        "min" | "minute" => Duration::minutes(1),
        "hour" => Duration::hours(1),
        "day" => Duration::days(1),
        "week" => Duration::weeks(1),
        "month" => Duration::days(30),
        "year" => Duration::days(365),
        _ => return None,
    };
    let offset = unit * n;
    Some(if ago { now - offset } else { now + offset })
}

fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modifiers_are_read_in_order_and_junk_ends_them() {
        let m = modifiers(".metric(navigation,reach).breakdown(story_navigation_action_type)");
        assert_eq!(m.get("metric"), Some(&"navigation,reach"));
        assert_eq!(m.get("breakdown"), Some(&"story_navigation_action_type"));
        assert!(modifiers("{reach}").is_empty());
        assert_eq!(modifiers(".metric(reach").get("metric"), None);
    }

    #[test]
    fn fields_split_outside_brackets_only() {
        assert_eq!(
            split_fields("id,caption,insights.metric(reach,views),children{id,media_url}"),
            [
                "id",
                "caption",
                "insights.metric(reach,views)",
                "children{id,media_url}"
            ]
        );
        assert_eq!(split_fields(""), Vec::<&str>::new());
    }
}
