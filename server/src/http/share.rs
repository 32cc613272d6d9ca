//! Share links in the browser: `/s/<id>.<secret>` opens one, and a visitor who opened one
//! sees the dashboard pages only.
//!
//! Opening a good link puts its id (never its secret) in a fresh session and redirects to the
//! page it was made from; the dashboard's server functions then read what the link shows
//! (`app::auth::as_dashboard_reader`), checking on every request that it is still good. A
//! wrong, expired or revoked link answers a plain 404 page, the same for each.

use app::auth::{ClientAddr, SHARE_LINK_KEY, USER_ID_KEY};
use app::error::AppError;
use axum::extract::{Path, Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::Extension;
use tower_sessions::Session;

use crate::state::AppState;

/// The signed-in pages that are not dashboard pages: a share link's visitor gets 404 there.
const MEMBERS_ONLY: [&str; 9] = [
    "/accounts",
    "/api-tokens",
    "/sync-log",
    "/users",
    "/workspaces",
    "/settings",
    "/settings/notifications",
    "/notifications",
    "/share-links",
];

pub(super) fn plain_page(status: StatusCode, title: &str, text: &str) -> Response {
    let body = format!(
        "<!doctype html><html lang=\"en\"><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width\"><title>{title}</title>\
         <h1>{title}</h1><p>{text}</p></html>"
    );
    (status, Html(body)).into_response()
}

fn not_found() -> Response {
    plain_page(
        StatusCode::NOT_FOUND,
        "This link does not work",
        "It may have expired or been revoked. Ask whoever sent it for a new one.",
    )
}

pub async fn open(
    State(state): State<AppState>,
    Path(token): Path<String>,
    Extension(ClientAddr(addr)): Extension<ClientAddr>,
    session: Session,
) -> Response {
    match state.backend.shares.open(&token, addr).await {
        Ok((id, to)) => {
            let started = async {
                session.cycle_id().await?;
                session.insert(SHARE_LINK_KEY, id.0).await?;
                session.save().await
            };
            match started.await {
                Ok(()) => Redirect::to(&to).into_response(),
                Err(e) => {
                    tracing::error!(error = %e, "session store failure");
                    StatusCode::INTERNAL_SERVER_ERROR.into_response()
                }
            }
        }
        Err(AppError::RateLimited { retry_after_secs }) => {
            let mut page = plain_page(
                StatusCode::TOO_MANY_REQUESTS,
                "Too many requests",
                &format!("Wait {retry_after_secs} s, then open the link again."),
            );
            page.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(retry_after_secs));
            page
        }
        Err(AppError::NotFound) => not_found(),
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

/// A visitor who opened a share link and is not signed in gets 404 on the pages that are
/// not dashboard pages (their server functions refuse such a visitor anyway).
pub async fn dashboard_pages_only(session: Session, req: Request, next: Next) -> Response {
    let path = req.uri().path();
    if MEMBERS_ONLY.contains(&path) {
        let visitor = matches!(session.get::<i64>(USER_ID_KEY).await, Ok(None))
            && matches!(session.get::<i64>(SHARE_LINK_KEY).await, Ok(Some(_)));
        if visitor {
            return plain_page(
                StatusCode::NOT_FOUND,
                "Not found",
                "A shared link shows the dashboard pages only.",
            );
        }
    }
    next.run(req).await
}
