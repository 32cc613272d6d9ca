//! Slides a signed-in session's idle expiry forward at most once a minute.
//!
//! Saving the session on every request (tower-sessions' `always_save`) costs a database write
//! per page and server-function call, and on SQLite those writes queue behind the poller's.
//! Instead the session is only marked changed when its last touch is a minute old; the idle
//! expiry (days) cannot tell the difference.

use axum::extract::Request;
use axum::middleware::Next;
use axum::response::Response;
use tower_sessions::Session;

use app::auth::USER_ID_KEY;

use crate::clock::unix_now;

const TOUCHED_AT_KEY: &str = "touched_at";
/// How stale a session's last save may be before a request saves it again.
pub const TOUCH_EVERY_SECS: i64 = 60;

/// Whether a session last saved at `touched` must be saved again at `now`.
fn due(touched: Option<i64>, now: i64) -> bool {
    touched.is_none_or(|at| now - at >= TOUCH_EVERY_SECS || at > now)
}

pub async fn touch_signed_in(req: Request, next: Next) -> Response {
    if let Some(session) = req.extensions().get::<Session>().cloned() {
        // Anonymous sessions are never written: a visitor must not cost a database row.
        if let Ok(Some(_)) = session.get::<i64>(USER_ID_KEY).await {
            let now = unix_now();
            let touched = session.get::<i64>(TOUCHED_AT_KEY).await.ok().flatten();
            if due(touched, now) {
                if let Err(e) = session.insert(TOUCHED_AT_KEY, now).await {
                    tracing::warn!(error = %e, "cannot touch the session");
                }
            }
        }
    }
    next.run(req).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_session_is_saved_again_once_a_minute() {
        assert!(due(None, 1_000), "never touched");
        assert!(!due(Some(1_000), 1_000));
        assert!(!due(Some(1_000), 1_059));
        assert!(due(Some(1_000), 1_060));
        assert!(
            due(Some(2_000), 1_000),
            "a clock set back does not freeze it"
        );
    }
}
