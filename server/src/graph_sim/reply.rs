//! Answers as Meta shapes them: JSON bodies, the error envelope, and the usage headers.

use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};

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

    /// Meta's envelope. Client errors come back as HTTP 400 and transient ones as 500
    /// (the exact status mapping is unverified in the reference; clients must classify by code).
    pub fn error(code: i64, subcode: Option<i64>, kind: &str, message: &str) -> Self {
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
        Self {
            status,
            body: json!({ "error": error }).to_string(),
            usage: None,
        }
    }

    pub fn bad_parameter(message: &str) -> Self {
        Self::error(100, None, "OAuthException", message)
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
