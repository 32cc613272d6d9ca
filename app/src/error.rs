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
    #[error("Too many failed sign-ins. Wait {retry_after_secs} s before trying again.")]
    Throttled { retry_after_secs: u64 },
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

    pub fn status(&self) -> u16 {
        match self {
            Self::Malformed(_) => 400,
            Self::Unauthenticated | Self::BadCredentials => 401,
            Self::Forbidden => 403,
            Self::NotFound => 404,
            Self::Conflict(_) => 409,
            Self::Invalid { .. } => 422,
            Self::Throttled { .. } => 429,
            Self::Internal | Self::Transport(_) => 500,
        }
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            ServerFnErrorErr::Args(m) | ServerFnErrorErr::MissingArg(m) => Self::Malformed(m),
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
    fn throttled_message_says_how_long() {
        let m = AppError::Throttled {
            retry_after_secs: 8,
        }
        .to_string();
        assert!(m.contains("8 s"), "{m}");
    }
}
