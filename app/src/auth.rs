//! Server-side access control every server function goes through: [`as_admin`], [`as_user`]
//! or [`public`] name the access level first, check it, hand over the backend and set the
//! answer's status, so a server function is one call and a missing check stands out.
//!
//! The session (tower-sessions, stored in our database) holds only the user id; the user's
//! role is re-read on each call so that a demotion or deletion takes effect immediately.

use std::future::Future;
use std::net::IpAddr;

use axum::http::{header, HeaderMap, HeaderValue};
use axum::Extension;
use leptos::prelude::use_context;
use leptos_axum::ResponseOptions;
use tower_sessions::cookie::Cookie;
use tower_sessions::Session;

use crate::backend::{backend, Backend};
use crate::dto::{Reach, SessionUser, ShareLinkId, SharedView, UserId};
use crate::error::AppError;

/// The session key holding the signed-in user's id (also read by the OAuth routes).
pub const USER_ID_KEY: &str = "user_id";

/// The session key holding the share link a visitor opened (set by the server's `/s/`
/// route).
pub const SHARE_LINK_KEY: &str = "share_link";

fn session_failure(e: impl std::fmt::Display) -> AppError {
    tracing::error!(error = %e, "session store failure");
    AppError::Internal
}

async fn session() -> Result<Session, AppError> {
    leptos_axum::extract::<Session>()
        .await
        .map_err(session_failure)
}

/// A value the session keeps under `key` (server-side; the cookie holds only the session id).
pub async fn session_value<T: serde::de::DeserializeOwned>(
    key: &str,
) -> Result<Option<T>, AppError> {
    session().await?.get(key).await.map_err(session_failure)
}

/// Forgets the session's value under `key`.
pub async fn forget_session_value(key: &str) -> Result<(), AppError> {
    session()
        .await?
        .remove_value(key)
        .await
        .map(drop)
        .map_err(session_failure)
}

pub async fn current_user() -> Result<Option<SessionUser>, AppError> {
    user_of(&session().await?, &backend()?).await
}

/// The user `session` belongs to, re-read from the backend; also used by the plain axum
/// routes (OAuth), which have a session but no Leptos context.
pub async fn user_of(
    session: &Session,
    backend: &Backend,
) -> Result<Option<SessionUser>, AppError> {
    match session
        .get::<i64>(USER_ID_KEY)
        .await
        .map_err(session_failure)?
    {
        Some(id) => backend.auth.session_user(UserId(id)).await,
        None => Ok(None),
    }
}

/// The admin `session` belongs to: `Unauthenticated` signed out, `Forbidden` for a viewer.
pub async fn admin_of(session: &Session, backend: &Backend) -> Result<SessionUser, AppError> {
    admin(user_of(session, backend).await?)
}

fn admin(user: Option<SessionUser>) -> Result<SessionUser, AppError> {
    match user {
        Some(user) if user.is_admin() => Ok(user),
        Some(_) => Err(AppError::Forbidden),
        None => Err(AppError::Unauthenticated),
    }
}

pub async fn require_user() -> Result<SessionUser, AppError> {
    current_user().await?.ok_or(AppError::Unauthenticated)
}

pub async fn require_admin() -> Result<SessionUser, AppError> {
    admin(current_user().await?)
}

/// Binds the session to `user` under a fresh id (no session fixation).
pub async fn start_session(user: &SessionUser) -> Result<(), AppError> {
    let session = session().await?;
    session.cycle_id().await.map_err(session_failure)?;
    session
        .insert(USER_ID_KEY, user.id.0)
        .await
        .map_err(session_failure)?;
    // Saved here, not only by the session layer after the answer, so that a store failure
    // (a full disk) is this sign-in's error; the layer then skips its save (it never saves
    // on a 5xx) instead of answering 500 with an empty body. On success it saves once more.
    session.save().await.map_err(session_failure)
}

/// The current session's id, if it has one yet.
pub async fn session_id() -> Result<Option<String>, AppError> {
    Ok(session().await?.id().map(|id| id.to_string()))
}

/// Deletes the session server-side and expires the cookie.
pub async fn end_session() -> Result<(), AppError> {
    session().await?.flush().await.map_err(session_failure)
}

/// The client's address, as the server's middleware found it (the peer, or the address a
/// trusted proxy forwarded for) and put on the request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClientAddr(pub IpAddr);

pub async fn client_ip() -> Result<IpAddr, AppError> {
    let Extension(ClientAddr(addr)) = leptos_axum::extract::<Extension<ClientAddr>>()
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "no client address; serve with the client_addr layer");
            AppError::Internal
        })?;
    Ok(addr)
}

/// The cookie that marks a browser a user has signed in from (see the server's
/// `auth::device`).
pub const DEVICE_COOKIE: &str = "instalytics_device";

/// The value of the request's device cookie, if it has one.
pub async fn device_cookie() -> Result<Option<String>, AppError> {
    let headers = leptos_axum::extract::<HeaderMap>().await.map_err(|e| {
        tracing::error!(error = %e, "request headers unavailable");
        AppError::Internal
    })?;
    Ok(headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(Cookie::split_parse)
        .filter_map(Result::ok)
        .find(|c| c.name() == DEVICE_COOKIE)
        .map(|c| c.value().to_owned()))
}

/// Adds `set_cookie` (a whole `Set-Cookie` value) to the answer.
pub fn set_cookie(set_cookie: &str) -> Result<(), AppError> {
    let value = HeaderValue::from_str(set_cookie).map_err(|e| {
        tracing::error!(error = %e, "a Set-Cookie value that is no header value");
        AppError::Internal
    })?;
    let options = use_context::<ResponseOptions>().ok_or_else(|| {
        tracing::error!("no ResponseOptions: not inside a server function");
        AppError::Internal
    })?;
    options.append_header(header::SET_COOKIE, value);
    Ok(())
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
        if let Some(secs) = error.retry_after_secs() {
            options.insert_header(header::RETRY_AFTER, HeaderValue::from(secs));
        }
    }
}

/// A server function's result, with the HTTP status set from its error.
pub fn respond<T>(result: Result<T, AppError>) -> Result<T, AppError> {
    if let Err(e) = &result {
        set_status(e);
    }
    result
}

/// Runs `call` for a signed-in admin (401 signed out, 403 for a viewer).
pub async fn as_admin<T, F>(call: impl FnOnce(Backend, SessionUser) -> F) -> Result<T, AppError>
where
    F: Future<Output = Result<T, AppError>>,
{
    checked(require_admin(), call).await
}

/// Runs `call` for anyone signed in (401 signed out).
pub async fn as_user<T, F>(call: impl FnOnce(Backend, SessionUser) -> F) -> Result<T, AppError>
where
    F: Future<Output = Result<T, AppError>>,
{
    checked(require_user(), call).await
}

/// Runs `call` for anyone signed in (401 signed out) with what they may see: the dashboard's
/// reads, which must keep to the reader's workspaces.
pub async fn as_reader<T, F>(call: impl FnOnce(Backend, Reach) -> F) -> Result<T, AppError>
where
    F: Future<Output = Result<T, AppError>>,
{
    checked(require_user(), |b, user| async move {
        let reach = b.workspaces.reach(&user).await?;
        call(b, reach).await
    })
    .await
}

/// Runs `call` with what the caller may see of the dashboard pages: a signed-in user's
/// workspaces, or else the share link the visitor opened (401 for anyone else; 404 once the
/// link expired or was revoked).
pub async fn as_dashboard_reader<T, F>(
    call: impl FnOnce(Backend, Reach) -> F,
) -> Result<T, AppError>
where
    F: Future<Output = Result<T, AppError>>,
{
    respond(
        async {
            let b = backend()?;
            let reach = reach_of(&session().await?, &b).await?;
            call(b, reach).await
        }
        .await,
    )
}

/// What the session may read of the dashboard: its user's reach, or its share link's;
/// `Unauthenticated` for neither.
pub async fn reach_of(session: &Session, b: &Backend) -> Result<Reach, AppError> {
    match user_of(session, b).await? {
        Some(user) => b.workspaces.reach(&user).await,
        None => match share_link_of(session).await? {
            Some(id) => b.shares.visit(id).await,
            None => Err(AppError::Unauthenticated),
        },
    }
}

/// The share link `session` opened, if any (the session holds its id only).
async fn share_link_of(session: &Session) -> Result<Option<ShareLinkId>, AppError> {
    Ok(session
        .get::<i64>(SHARE_LINK_KEY)
        .await
        .map_err(session_failure)?
        .map(ShareLinkId))
}

/// What the share link this visitor opened shows (`NotFound` once it expired or was
/// revoked); `None` without one, or when signed in. The session is read first: a signed-in
/// page load, which has no link, costs no database read here.
pub async fn shared_view() -> Result<Option<SharedView>, AppError> {
    let session = session().await?;
    let Some(id) = share_link_of(&session).await? else {
        return Ok(None);
    };
    let b = backend()?;
    if user_of(&session, &b).await?.is_some() {
        return Ok(None);
    }
    b.shares.view(id).await.map(Some)
}

/// Runs `call` for the user `check` lets through, and sets the answer's status.
async fn checked<T, F>(
    check: impl Future<Output = Result<SessionUser, AppError>>,
    call: impl FnOnce(Backend, SessionUser) -> F,
) -> Result<T, AppError>
where
    F: Future<Output = Result<T, AppError>>,
{
    respond(
        async {
            let user = check.await?;
            call(backend()?, user).await
        }
        .await,
    )
}

/// Runs `call` for anyone, signed in or not: sign-in, setup and the public privacy pages.
pub async fn public<T, F>(call: impl FnOnce(Backend) -> F) -> Result<T, AppError>
where
    F: Future<Output = Result<T, AppError>>,
{
    respond(async { call(backend()?).await }.await)
}
