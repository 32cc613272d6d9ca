//! `AppError`: the one error type that crosses the wire.
//!
//! Internal failures (database, crypto, HTTP) are logged in full on the server and reach the
//! browser only as [`AppError::Internal`], so no detail of the machinery leaks into a page.

use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    #[error("Please sign in.")]
    Unauthenticated,
    #[error("This needs the admin role.")]
    Forbidden,
    /// Bad input; `field` names the form field the message belongs next to.
    #[error("{message}")]
    Invalid {
        field: Option<String>,
        message: String,
    },
    /// Deliberately the same for an unknown user and a wrong password.
    #[error("Wrong username or password.")]
    BadCredentials,
    /// Too many failures, or every password-hashing slot busy (a flood): either way, wait.
    #[error("Too many sign-in attempts right now. Wait {retry_after_secs} s before trying again.")]
    Throttled { retry_after_secs: u64 },
    /// Too many requests from one address or through one share link or token.
    #[error("Too many requests right now. Wait {retry_after_secs} s before trying again.")]
    RateLimited { retry_after_secs: u64 },
    #[error("{0}")]
    Conflict(String),
    #[error("Not found.")]
    NotFound,
    /// The request's arguments could not be read (missing, mistyped): a client bug or a
    /// hand-made request, never something a form lets a user type.
    #[error("Malformed request: {0}")]
    Malformed(String),
    #[error("Something went wrong on the server; it has been logged.")]
    Internal,
    /// The request never reached our code, or its answer could not be read.
    #[error("The request failed: {0}")]
    Transport(String),
}

impl AppError {
    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        Self::Invalid {
            field: Some(field.to_owned()),
            message: message.into(),
        }
    }

    /// The message for a form field, if this error belongs next to that field.
    pub fn for_field(&self, name: &str) -> Option<String> {
        match self {
            Self::Invalid {
                field: Some(f),
                message,
            } if f == name => Some(message.clone()),
            _ => None,
        }
    }

    /// True when the error is about one field rather than the whole form.
    pub fn is_field_error(&self) -> bool {
        matches!(self, Self::Invalid { field: Some(_), .. })
    }

    /// Seconds to wait before trying again, for the answer's `Retry-After`.
    pub fn retry_after_secs(&self) -> Option<u64> {
        match self {
            Self::Throttled { retry_after_secs } | Self::RateLimited { retry_after_secs } => {
                Some(*retry_after_secs)
            }
            _ => None,
        }
    }

    pub fn status(&self) -> u16 {
        match self {
            Self::Malformed(_) => 400,
            Self::Unauthenticated | Self::BadCredentials => 401,
            Self::Forbidden => 403,
            Self::NotFound => 404,
            Self::Conflict(_) => 409,
            Self::Invalid { .. } => 422,
            Self::Throttled { .. } | Self::RateLimited { .. } => 429,
            Self::Internal | Self::Transport(_) => 500,
        }
    }
}

/// Parser messages quote the offending value, which can be a whole 64 KiB body: keep the
/// start, enough to say what was wrong, so an error stays small (and is not an echo service).
const MALFORMED_MAX_CHARS: usize = 300;

fn malformed(message: String) -> AppError {
    match message.char_indices().nth(MALFORMED_MAX_CHARS) {
        Some((cut, _)) => AppError::Malformed(format!("{}…", &message[..cut])),
        None => AppError::Malformed(message),
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            ServerFnErrorErr::Args(m) | ServerFnErrorErr::MissingArg(m) => malformed(m),
            // On the server this is a request body that cannot be read (not UTF-8, or chunked
            // past the body limit): the client's fault, not a 500. In the browser the same
            // error means the answer was unreadable, which stays a transport failure.
            #[cfg(feature = "ssr")]
            ServerFnErrorErr::Deserialization(m) => malformed(m),
            other => Self::Transport(other.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_errors_are_found_by_name_only() {
        let e = AppError::invalid("password", "too short");
        assert_eq!(e.for_field("password").as_deref(), Some("too short"));
        assert_eq!(e.for_field("username"), None);
        assert!(e.is_field_error());
        assert!(!AppError::BadCredentials.is_field_error());
    }

    #[test]
    fn statuses_distinguish_who_and_what() {
        assert_eq!(AppError::Unauthenticated.status(), 401);
        assert_eq!(AppError::Forbidden.status(), 403);
        assert_eq!(
            AppError::Throttled {
                retry_after_secs: 2
            }
            .status(),
            429
        );
        assert_eq!(AppError::invalid("x", "y").status(), 422);
        assert_eq!(AppError::Malformed("id".into()).status(), 400);
    }

    #[test]
    fn malformed_requests_are_not_echoed_whole() {
        let value = "é".repeat(60_000);
        let e = AppError::from_server_fn_error(ServerFnErrorErr::Args(format!(
            "unknown variant `{value}`"
        )));
        let AppError::Malformed(m) = &e else {
            panic!("{e:?}")
        };
        assert!(m.starts_with("unknown variant `éé"), "{m}");
        assert_eq!(m.chars().count(), MALFORMED_MAX_CHARS + 1, "{m}");
        assert_eq!(e.status(), 400);
    }

    #[cfg(feature = "ssr")]
    #[test]
    fn unreadable_request_bodies_are_client_errors() {
        let e = AppError::from_server_fn_error(ServerFnErrorErr::Deserialization(
            "invalid utf-8 sequence of 1 bytes from index 0".into(),
        ));
        assert_eq!(e.status(), 400, "{e:?}");
        let e = AppError::from_server_fn_error(ServerFnErrorErr::Serialization("x".into()));
        assert_eq!(e.status(), 500, "an answer we cannot encode is ours: {e:?}");
    }

    #[test]
    fn throttled_message_says_how_long() {
        let m = AppError::Throttled {
            retry_after_secs: 8,
        }
        .to_string();
        assert!(m.contains("8 s"), "{m}");
    }
}
