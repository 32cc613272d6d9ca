//! Server-side session helpers every server function starts with.
//!
//! The session (tower-sessions, stored in our database) holds only the user id; the user's
//! role is re-read on each call so that a demotion or deletion takes effect immediately.

use std::net::{IpAddr, SocketAddr};

use axum::extract::ConnectInfo;
use leptos::prelude::use_context;
use leptos_axum::ResponseOptions;
use tower_sessions::Session;

use crate::backend::backend;
use crate::dto::SessionUser;
use crate::error::AppError;

/// The session key holding the signed-in user's id (also read by the OAuth routes).
pub const USER_ID_KEY: &str = "user_id";

fn session_failure(e: impl std::fmt::Display) -> AppError {
    tracing::error!(error = %e, "session store failure");
    AppError::Internal
}

async fn session() -> Result<Session, AppError> {
    leptos_axum::extract::<Session>()
        .await
        .map_err(session_failure)
}

pub async fn current_user() -> Result<Option<SessionUser>, AppError> {
    let session = session().await?;
    let Some(id) = session
        .get::<i64>(USER_ID_KEY)
        .await
        .map_err(session_failure)?
    else {
        return Ok(None);
    };
    backend()?.auth.session_user(id).await
}

pub async fn require_user() -> Result<SessionUser, AppError> {
    current_user().await?.ok_or(AppError::Unauthenticated)
}

pub async fn require_admin() -> Result<SessionUser, AppError> {
    let user = require_user().await?;
    if user.is_admin() {
        Ok(user)
    } else {
        Err(AppError::Forbidden)
    }
}

/// Binds the session to `user` under a fresh id (no session fixation).
pub async fn start_session(user: &SessionUser) -> Result<(), AppError> {
    let session = session().await?;
    session.cycle_id().await.map_err(session_failure)?;
    session
        .insert(USER_ID_KEY, user.id)
        .await
        .map_err(session_failure)
}

/// The current session's id, if it has one yet.
pub async fn session_id() -> Result<Option<String>, AppError> {
    Ok(session().await?.id().map(|id| id.to_string()))
}

/// Deletes the session server-side and expires the cookie.
pub async fn end_session() -> Result<(), AppError> {
    session().await?.flush().await.map_err(session_failure)
}

pub async fn client_ip() -> Result<IpAddr, AppError> {
    let ConnectInfo(addr) = leptos_axum::extract::<ConnectInfo<SocketAddr>>()
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "no peer address; serve with connect info");
            AppError::Internal
        })?;
    Ok(addr.ip())
}

/// Sets the response's HTTP status from `error`, so clients and logs see 401/403/422… not 500.
pub fn set_status(error: &AppError) {
    if let Some(options) = use_context::<ResponseOptions>() {
        // A signed-out page load is redirected to /login by the layout while the page's own
        // server functions answer 401 in the same request: the redirect must win.
        let redirecting = options
            .0
            .read()
            .is_ok_and(|parts| parts.status.is_some_and(|s| s.is_redirection()));
        if redirecting {
            return;
        }
        let status = axum::http::StatusCode::from_u16(error.status())
            .unwrap_or(axum::http::StatusCode::INTERNAL_SERVER_ERROR);
        options.set_status(status);
    }
}

/// A server function's result, with the HTTP status set from its error.
pub fn respond<T>(result: Result<T, AppError>) -> Result<T, AppError> {
    if let Err(e) = &result {
        set_status(e);
    }
    result
}
