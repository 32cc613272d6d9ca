//! Meta's error envelope and what each error means for us (https://developers.facebook.com/docs/graph-api/guides/error-handling, https://developers.facebook.com/docs/graph-api/overview/rate-limiting).
//!
//! Classification is by `error.code`, not HTTP status: Meta answers most errors with 400.
//! Source of the table: Meta's graph-api/guides/error-handling ("Error Codes" and
//! "Authentication Error Subcodes") and graph-api/overview/rate-limiting.

use std::time::Duration;

use serde::Deserialize;

use super::redact;

#[derive(Clone, Debug, Deserialize, PartialEq)]
pub struct Envelope {
    pub error: ErrorBody,
}

#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
pub struct ErrorBody {
    #[serde(default)]
    pub message: String,
    #[serde(rename = "type", default)]
    pub kind: Option<String>,
    #[serde(default)]
    pub code: i64,
    #[serde(default)]
    pub error_subcode: Option<i64>,
    #[serde(default)]
    pub error_user_title: Option<String>,
    #[serde(default)]
    pub is_transient: Option<bool>,
    /// Present on nested-field failures, e.g. `{"blame_field_specs":[[""]]}`.
    #[serde(default)]
    pub error_data: Option<serde_json::Value>,
    #[serde(default)]
    pub fbtrace_id: Option<String>,
}

#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum GraphError {
    /// 190 (any subcode), 102, or an OAuthException without a subcode that no other row
    /// explains: the token expired, was revoked or is invalid; the user must log in again.
    #[error("access token rejected (subcode {subcode:?}): {message}")]
    TokenInvalid {
        subcode: Option<i64>,
        message: String,
    },
    /// 10 and 200–299: a permission is missing (or, for stories, too few viewers).
    #[error("permission missing (code {code}): {message}")]
    Permission { code: i64, message: String },
    /// 4, 17, 32, 613, 80002 (throttling), 341 (app limit) and 368 (temporary policy block):
    /// back off until `retry_after` (from the usage headers) has passed; nothing is broken.
    #[error("rate limited (code {code}), access returns in {retry_after:?}")]
    RateLimited {
        code: i64,
        retry_after: Option<Duration>,
        message: String,
    },
    /// 100: an invalid parameter, typically a metric the media does not support.
    #[error("rejected request (code 100, subcode {subcode:?}): {message}")]
    BadRequest {
        subcode: Option<i64>,
        message: String,
    },
    /// Code 1 "Please reduce the amount of data you're asking for": the same request fails
    /// again, a smaller page may not (keboola/ex-facebook-graph-api#68 halves `limit`).
    #[error("Meta asks for less data per request: {0}")]
    TooMuchData(String),
    /// 1, 2, 5xx, timeouts, broken connections: worth retrying.
    #[error("transient Graph API failure: {0}")]
    Transient(String),
    /// A success status whose body is not what the API documents.
    #[error("unreadable Graph API response: {0}")]
    Decode(String),
    #[error("Graph API error {code}: {message}")]
    Other { code: i64, message: String },
    /// An answer larger than any the API sends ([`super::transport::BODY_LIMIT`]): refused
    /// part-read, and not retried (the same request would bring the same answer).
    #[error("a Graph API answer larger than {} MiB was refused", limit >> 20)]
    TooLarge { limit: usize },
    /// A listing whose `next` does not end ([`super::transport::MAX_PAGES`]) or comes back to
    /// a cursor already followed. `edge` is the path asked for, without the query.
    #[error("paging of {edge} did not end: {why}")]
    EndlessPaging {
        edge: String,
        why: super::transport::Endless,
    },
}

const RATE_LIMIT_CODES: [i64; 7] = [4, 17, 32, 613, 80002, 341, 368];
/// Subcode of "Media posted before business account conversion": no insights, ever.
pub const POSTED_BEFORE_CONVERSION: i64 = 2108006;

impl GraphError {
    pub fn is_transient(&self) -> bool {
        matches!(self, GraphError::Transient(_))
    }

    /// Its kind and Meta's code where it has one, as `/metrics` counts it.
    pub fn metric(&self) -> (&'static str, Option<i64>) {
        match self {
            GraphError::TokenInvalid { .. } => ("token_invalid", Some(190)),
            GraphError::Permission { code, .. } => ("permission", Some(*code)),
            GraphError::RateLimited { code, .. } => ("rate_limited", Some(*code)),
            GraphError::BadRequest { .. } => ("bad_request", Some(100)),
            GraphError::TooMuchData(_) => ("too_much_data", Some(1)),
            GraphError::Transient(_) => ("transient", None),
            GraphError::Decode(_) => ("decode", None),
            GraphError::Other { code, .. } => ("other", Some(*code)),
            GraphError::TooLarge { .. } => ("too_large", None),
            GraphError::EndlessPaging { .. } => ("endless_paging", None),
        }
    }

    /// Maps an error answer. `regain_access` comes from the same answer's usage headers.
    pub fn classify(status: u16, body: ErrorBody, regain_access: Option<Duration>) -> Self {
        let message = redact::url(&body.message);
        match body.code {
            190 | 102 => GraphError::TokenInvalid {
                subcode: body.error_subcode,
                message,
            },
            10 | 200..=299 => GraphError::Permission {
                code: body.code,
                message,
            },
            code if RATE_LIMIT_CODES.contains(&code) => GraphError::RateLimited {
                code,
                retry_after: regain_access,
                message,
            },
            100 => GraphError::BadRequest {
                subcode: body.error_subcode,
                message,
            },
            1 if message.to_lowercase().contains("reduce the amount of data") => {
                GraphError::TooMuchData(message)
            }
            1 | 2 => GraphError::Transient(message),
            _ if status >= 500 || body.is_transient == Some(true) => GraphError::Transient(message),
            // "OAuthException: if no subcode is present, the login status or access token has
            // expired, been revoked, or is otherwise invalid" (error-handling guide).
            _ if body.kind.as_deref() == Some("OAuthException") && body.error_subcode.is_none() => {
                GraphError::TokenInvalid {
                    subcode: None,
                    message,
                }
            }
            code => GraphError::Other { code, message },
        }
    }

    /// An error answer that is not Meta's envelope (a proxy's HTML page, say).
    pub fn unparsed(status: u16, body: &str) -> Self {
        let snippet: String = redact::url(body).chars().take(200).collect();
        if status >= 500 {
            GraphError::Transient(format!("HTTP {status}: {snippet}"))
        } else {
            GraphError::Other {
                code: i64::from(status),
                message: snippet,
            }
        }
    }

    /// An answer that was not read whole.
    pub fn from_body(err: super::transport::BodyError) -> Self {
        match err {
            super::transport::BodyError::TooLarge { limit } => GraphError::TooLarge { limit },
            super::transport::BodyError::Transport(e) => Self::from_transport(e),
        }
    }

    /// A failure below HTTP. `reqwest` prints URLs, so they are stripped first.
    pub fn from_transport(err: reqwest::Error) -> Self {
        let (timeout, decode) = (err.is_timeout(), err.is_decode());
        let text = redact::url(&err.without_url().to_string());
        if timeout {
            GraphError::Transient(format!("timed out: {text}"))
        } else if decode {
            GraphError::Decode(text)
        } else {
            GraphError::Transient(text)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(code: i64, subcode: Option<i64>) -> ErrorBody {
        ErrorBody {
            message: format!("(#{code}) something"),
            kind: Some("OAuthException".into()),
            code,
            error_subcode: subcode,
            fbtrace_id: Some("AbC".into()),
            ..ErrorBody::default()
        }
    }

    #[test]
    fn every_row_of_the_design_table_maps_to_its_kind() {
        assert!(matches!(
            GraphError::classify(400, body(190, Some(463)), None),
            GraphError::TokenInvalid {
                subcode: Some(463),
                ..
            }
        ));
        for code in [10, 200, 299] {
            assert!(
                matches!(
                    GraphError::classify(400, body(code, None), None),
                    GraphError::Permission { .. }
                ),
                "{code}"
            );
        }
        for (code, subcode) in [(190, None), (190, Some(460)), (190, Some(492)), (102, None)] {
            assert!(
                matches!(
                    GraphError::classify(400, body(code, subcode), None),
                    GraphError::TokenInvalid { .. }
                ),
                "{code}/{subcode:?}"
            );
        }
        for code in [4, 17, 32, 613, 80002, 341, 368] {
            let wait = Some(Duration::from_secs(60));
            assert_eq!(
                GraphError::classify(400, body(code, None), wait),
                GraphError::RateLimited {
                    code,
                    retry_after: wait,
                    message: format!("(#{code}) something")
                }
            );
        }
        assert!(matches!(
            GraphError::classify(400, body(100, Some(33)), None),
            GraphError::BadRequest {
                subcode: Some(33),
                ..
            }
        ));
        assert!(GraphError::classify(500, body(1, None), None).is_transient());
        assert!(GraphError::classify(500, body(2, None), None).is_transient());
        assert!(GraphError::classify(503, body(9999, None), None).is_transient());
        let mut less = body(1, None);
        less.message =
            "Please reduce the amount of data you're asking for, then retry your request".into();
        assert!(matches!(
            GraphError::classify(500, less, None),
            GraphError::TooMuchData(_)
        ));
        // An OAuthException with no subcode that no row explains means the token is gone.
        assert!(matches!(
            GraphError::classify(400, body(9999, None), None),
            GraphError::TokenInvalid { subcode: None, .. }
        ));
        let mut other = body(9999, Some(1));
        other.kind = Some("GraphMethodException".into());
        assert!(matches!(
            GraphError::classify(400, other, None),
            GraphError::Other { code: 9999, .. }
        ));
    }

    #[test]
    fn the_documented_envelope_parses() {
        let json = r#"{"error":{"message":"Error validating access token: Session has expired on Tuesday, 01-Jul-25 10:00:00 PDT.","type":"OAuthException","code":190,"error_subcode":463,"fbtrace_id":"AWswcVwbcqfgrSgjG80MtqJ"}}"#;
        let env: Envelope = serde_json::from_str(json).unwrap();
        assert_eq!(env.error.code, 190);
        assert_eq!(env.error.error_subcode, Some(463));
        assert_eq!(env.error.kind.as_deref(), Some("OAuthException"));
    }

    #[test]
    fn messages_never_carry_a_token() {
        let mut b = body(100, None);
        b.message = "bad next url https://x/?access_token=IGAAsecret".into();
        assert!(!GraphError::classify(400, b, None)
            .to_string()
            .contains("IGAAsecret"));
        assert!(
            !GraphError::unparsed(502, "<html>https://x/?access_token=IGAAsecret")
                .to_string()
                .contains("IGAAsecret")
        );
    }
}
