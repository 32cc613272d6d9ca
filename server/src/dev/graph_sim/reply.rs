//! Answers as Meta shapes them: JSON bodies, the error envelope, the usage headers, and the
//! spellings every endpoint shares (times, insight titles, breakdown results).

use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};
use time::OffsetDateTime;

pub struct Reply {
    status: StatusCode,
    body: String,
    usage: Option<Usage>,
}

/// What the usage headers report for the call's token.
#[derive(Clone)]
pub struct Usage {
    pub percent: u32,
    pub regain_minutes: u32,
    pub business_id: String,
}

pub type Answer = Result<Reply, Reply>;

impl Reply {
    pub fn json(value: Value) -> Self {
        Self {
            status: StatusCode::OK,
            body: value.to_string(),
            usage: None,
        }
    }

    /// A body that is not JSON at all (the malformed-body fault).
    pub fn raw(status: StatusCode, body: &str) -> Self {
        Self {
            status,
            body: body.to_owned(),
            usage: None,
        }
    }

    /// Meta's envelope. Client errors come back as HTTP 400 and transient ones as 500 (Meta's
    /// https://developers.facebook.com/docs/graph-api/guides/error-handling documents codes,
    /// not statuses; clients must classify by code).
    pub fn error(code: i64, subcode: Option<i64>, kind: &str, message: &str) -> Self {
        Self::error_with(code, subcode, kind, message, json!({}))
    }

    /// The envelope with more keys (`error_data`, `error_user_title`, `error_user_msg`).
    pub fn error_with(
        code: i64,
        subcode: Option<i64>,
        kind: &str,
        message: &str,
        extra: Value,
    ) -> Self {
        let status = match code {
            1 | 2 => StatusCode::INTERNAL_SERVER_ERROR,
            _ => StatusCode::BAD_REQUEST,
        };
        let mut error = json!({
            "message": message,
            "type": kind,
            "code": code,
            "is_transient": matches!(code, 1 | 2),
            "fbtrace_id": format!("AsIm{:x}{:x}", code, message.len()),
        });
        if let Some(sub) = subcode {
            error["error_subcode"] = json!(sub);
        }
        if let (Some(error), Value::Object(extra)) = (error.as_object_mut(), extra) {
            error.extend(extra);
        }
        Self {
            status,
            body: json!({ "error": error }).to_string(),
            usage: None,
        }
    }

    /// Code 1, "reduce the amount of data", as reported: only `code` and `message`
    /// (keboola/ex-facebook-graph-api#68; the body carries no type or trace id).
    pub fn too_much_data() -> Self {
        Self {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            body: json!({ "error": {
                "code": 1,
                "message": "Please reduce the amount of data you're asking for, then retry your request",
            }})
            .to_string(),
            usage: None,
        }
    }

    pub fn bad_parameter(message: &str) -> Self {
        Self::error(100, None, "OAuthException", message)
    }

    /// "Media posted before business account conversion", as recorded by Airbyte
    /// (airbytehq/airbyte#1814) and Keboola (keboola/ex-facebook-graph-api#35): the same body
    /// for the media's own insights and for a media-edge page that expands them.
    pub fn posted_before_conversion() -> Self {
        Self::error_with(
            100,
            Some(2108006),
            "OAuthException",
            "Invalid parameter",
            json!({
                "error_data": { "blame_field_specs": [[""]] },
                "error_user_title": "Media posted before business account conversion",
                "error_user_msg": "The media was posted before the most recent time that the user's account was converted to a business account from a personal account.",
            }),
        )
    }

    pub fn no_such_object(id: &str) -> Self {
        Self::error(
            100,
            Some(33),
            "GraphMethodException",
            &format!(
                "Unsupported get request. Object with ID '{id}' does not exist, cannot be loaded due to \
                 missing permissions, or does not support this operation."
            ),
        )
    }

    /// An error raised by an expanded field, naming it in `error_data.blame_field_specs` as
    /// Meta does for nested failures (keboola/ex-facebook-graph-api#35) unless already named.
    pub fn with_blame(mut self, field: &str) -> Self {
        if let Ok(mut body) = serde_json::from_str::<Value>(&self.body) {
            if let Some(error) = body.get_mut("error").and_then(Value::as_object_mut) {
                error
                    .entry("error_data")
                    .or_insert_with(|| json!({ "blame_field_specs": [[field]] }));
                self.body = body.to_string();
            }
        }
        self
    }

    /// The body as JSON (for answers composed of other answers).
    pub fn json_body(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or(Value::Null)
    }

    pub fn with_usage(mut self, usage: Usage) -> Self {
        self.usage = Some(usage);
        self
    }
}

impl IntoResponse for Reply {
    fn into_response(self) -> Response {
        let mut res = (
            self.status,
            [("content-type", "application/json; charset=UTF-8")],
            self.body,
        )
            .into_response();
        if let Some(u) = self.usage {
            let app = json!({ "call_count": u.percent, "total_time": u.percent / 2, "total_cputime": u.percent / 3 });
            let buc = json!({ u.business_id: [{
                "type": "instagram",
                "call_count": u.percent,
                "total_cputime": u.percent / 3,
                "total_time": u.percent / 2,
                "estimated_time_to_regain_access": u.regain_minutes,
            }]});
            for (name, value) in [("x-app-usage", app), ("x-business-use-case-usage", buc)] {
                if let Ok(v) = HeaderValue::from_str(&value.to_string()) {
                    res.headers_mut().insert(name, v);
                }
            }
        }
        res
    }
}

/// A time as Meta writes it: UTC, with `+0000` for the offset.
pub fn graph_time(t: OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}+0000",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// An insight's `title`: its name in words, capitalised.
pub fn title(metric: &str) -> String {
    let mut t = metric.replace('_', " ");
    if let Some(first) = t.get_mut(0..1) {
        first.make_ascii_uppercase();
    }
    t
}

/// `total` shared out by `parts`, as breakdown results; the remainder goes to the first.
pub fn split(total: i64, parts: &[(&str, f64)]) -> Vec<Value> {
    let mut values: Vec<i64> = parts
        .iter()
        .map(|(_, f)| (total as f64 * f).floor() as i64)
        .collect();
    values[0] += total - values.iter().sum::<i64>();
    parts
        .iter()
        .zip(values)
        .map(|((key, _), value)| json!({ "dimension_values": [key], "value": value }))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn graph_time_has_metas_offset_spelling() {
        let t = OffsetDateTime::from_unix_timestamp(1_569_537_403).unwrap();
        assert_eq!(graph_time(t), "2019-09-26T22:36:43+0000");
    }
}
