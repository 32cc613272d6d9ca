//! "Connect with Instagram" (Business Login for Instagram,
//! https://developers.facebook.com/docs/instagram-platform/instagram-api-with-instagram-login/business-login)
//! and "Connect with Facebook" (Facebook Login's manual flow,
//! https://developers.facebook.com/docs/facebook-login/guides/advanced/manual-flow):
//! `/oauth/{login}/start` sends an admin to the login's dialog with a random `state` kept in
//! their session; the callback checks that state and hands the code on. Instagram's is
//! connected at once ([`AccountService::connect_oauth`]); Facebook's token is kept sealed in
//! the session ([`AccountService::facebook_oauth`]) and the Accounts page lists the user's
//! accounts to pick. Either way the callback returns to the Accounts page saying what
//! happened. Codes and tokens never reach a log or the browser.
//!
//! [`AccountService::connect_oauth`]: crate::services::accounts::AccountService::connect_oauth
//! [`AccountService::facebook_oauth`]: crate::services::accounts::AccountService::facebook_oauth

use app::api::accounts::PENDING_LOGIN_KEY;
use app::dto::{Flavour, SessionUser};
use app::error::AppError;
use app::routes::accounts::OAuthError;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use rand::RngCore;
use serde::Deserialize;
use subtle::ConstantTimeEq;
use tower_sessions::Session;

use crate::state::AppState;

const STATE_KEY: &str = "oauth_state";

#[derive(Debug, Deserialize)]
pub struct Callback {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
}

/// The signed-in admin, or the response that turns anyone else away.
async fn admin(state: &AppState, session: &Session) -> Result<SessionUser, Response> {
    app::auth::admin_of(session, &state.backend)
        .await
        .map_err(|e| match e {
            AppError::Unauthenticated => Redirect::to("/login").into_response(),
            AppError::Forbidden => {
                (StatusCode::FORBIDDEN, "Only admins connect accounts.").into_response()
            }
            _ => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
        })
}

fn not_configured() -> Response {
    (StatusCode::NOT_FOUND, "This sign-in is not configured.").into_response()
}

fn back_to_accounts(param: &str, value: &str) -> Response {
    let query: String = url_encode(param, value);
    Redirect::to(&format!("/accounts?{query}")).into_response()
}

/// Back to the Accounts page with a failure's code; the page has the words for it
/// ([`OAuthError::message`]). Nothing Instagram or the URL said travels along.
fn failed(error: OAuthError) -> Response {
    back_to_accounts("oauth_error", error.code())
}

/// Which step of [`AccountService::connect_oauth`] refused: its errors name the `code` when
/// Instagram's token endpoints refused, the `token` when reading the account with it failed.
///
/// [`AccountService::connect_oauth`]: crate::services::accounts::AccountService::connect_oauth
fn connect_failure(error: &AppError) -> OAuthError {
    match error {
        AppError::Invalid { field: Some(f), .. } if f == "code" => OAuthError::Exchange,
        AppError::Invalid { field: Some(f), .. } if f == "token" => OAuthError::Account,
        _ => OAuthError::Failed,
    }
}

fn url_encode(name: &str, value: &str) -> String {
    let mut url = reqwest::Url::parse("http://x/").expect("static URL");
    url.query_pairs_mut().append_pair(name, value);
    url.query().unwrap_or_default().to_owned()
}

pub async fn instagram_start(state: State<AppState>, session: Session) -> Response {
    start(state, session, Flavour::InstagramLogin).await
}

pub async fn facebook_start(state: State<AppState>, session: Session) -> Response {
    start(state, session, Flavour::FacebookLogin).await
}

async fn start(State(state): State<AppState>, session: Session, login: Flavour) -> Response {
    if let Err(refused) = admin(&state, &session).await {
        return refused;
    }
    let mut nonce = [0u8; 24];
    rand::rngs::OsRng.fill_bytes(&mut nonce);
    let csrf = URL_SAFE_NO_PAD.encode(nonce);
    let url = match state.accounts.oauth_authorize_url(login, &csrf) {
        None => return not_configured(),
        Some(Err(_)) => return StatusCode::INTERNAL_SERVER_ERROR.into_response(),
        Some(Ok(url)) => url,
    };
    if let Err(e) = session.insert(STATE_KEY, &csrf).await {
        tracing::error!(error = %e, "session store failure");
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    }
    Redirect::to(&url).into_response()
}

/// The callback's checks, the same for both logins: an admin, the login configured, the
/// session's own single-use `state`, access granted and a code. Returns the code.
async fn checked_code(
    state: &AppState,
    session: &Session,
    params: Callback,
    login: Flavour,
) -> Result<String, Response> {
    admin(state, session).await?;
    if !state.backend.accounts.oauth_logins().has(login) {
        return Err(not_configured());
    }
    // The state is single use whatever happens next.
    let expected = session.remove::<String>(STATE_KEY).await.ok().flatten();
    let state_ok = matches!((&expected, &params.state),
        (Some(e), Some(got)) if bool::from(e.as_bytes().ct_eq(got.as_bytes())));
    if !state_ok {
        tracing::warn!("OAuth callback with a missing or foreign state refused");
        return Err(failed(OAuthError::State));
    }
    if params.error.is_some() {
        // The reason (`error_description`) is free text from the URL: not logged.
        tracing::info!(login = login.as_str(), "access was not granted");
        return Err(failed(OAuthError::Denied));
    }
    let Some(code) = params.code.filter(|c| !c.is_empty()) else {
        return Err(failed(OAuthError::NoCode));
    };
    // Meta appends `#_` (Instagram) or `#_=_` (Facebook) to some redirects.
    Ok(code
        .trim_end_matches("#_=_")
        .trim_end_matches("#_")
        .to_owned())
}

pub async fn instagram_callback(
    State(state): State<AppState>,
    session: Session,
    Query(params): Query<Callback>,
) -> Response {
    let code = match checked_code(&state, &session, params, Flavour::InstagramLogin).await {
        Ok(code) => code,
        Err(answer) => return answer,
    };
    match state.accounts.connect_oauth(&code).await {
        Ok(username) => back_to_accounts("connected", &username),
        Err(e) => {
            tracing::warn!(error = %e, "connecting through Instagram's OAuth failed");
            failed(connect_failure(&e))
        }
    }
}

/// Keeps the Facebook login's token (sealed) in the session and sends the admin to pick the
/// accounts to connect.
pub async fn facebook_callback(
    State(state): State<AppState>,
    session: Session,
    Query(params): Query<Callback>,
) -> Response {
    let code = match checked_code(&state, &session, params, Flavour::FacebookLogin).await {
        Ok(code) => code,
        Err(answer) => return answer,
    };
    let sealed = match state.accounts.facebook_oauth(&code).await {
        Ok(sealed) => sealed,
        Err(e) => {
            tracing::warn!(error = %e, "Facebook's OAuth failed");
            return failed(connect_failure(&e));
        }
    };
    if let Err(e) = session.insert(PENDING_LOGIN_KEY, sealed).await {
        tracing::error!(error = %e, "session store failure");
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    }
    back_to_accounts("pick", "facebook")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connect_failures_map_to_the_step_that_refused() {
        let refused = |field: &str| AppError::invalid(field, "Instagram refused: x");
        assert_eq!(connect_failure(&refused("code")), OAuthError::Exchange);
        assert_eq!(connect_failure(&refused("token")), OAuthError::Account);
        assert_eq!(connect_failure(&AppError::Internal), OAuthError::Failed);
    }
}
