//! "Connect with Instagram" (Business Login for Instagram, reference §5.1): `/oauth/instagram/
//! start` sends an admin to Instagram with a random `state` kept in their session; the
//! callback checks that state, trades the code for a short-lived token and that for a 60-day
//! one (server-side, with the app secret), checks it like a pasted token, and returns to the
//! Accounts page saying what happened. Codes and tokens never reach a log or the browser.

use app::dto::{Flavour, SessionUser};
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use rand::RngCore;
use serde::Deserialize;
use subtle::ConstantTimeEq;
use tower_sessions::Session;

use crate::clock::unix_now;
use crate::graph::oauth::CodeExchange;
use crate::graph::{AccessToken, GraphClient};
use crate::state::AppState;

const STATE_KEY: &str = "oauth_state";
const SCOPES: &str = "instagram_business_basic,instagram_business_manage_insights";

#[derive(Debug, Deserialize)]
pub struct Callback {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
    error_description: Option<String>,
}

/// The signed-in admin, or the response that turns anyone else away.
async fn admin(state: &AppState, session: &Session) -> Result<SessionUser, Response> {
    let id = session
        .get::<i64>(app::auth::USER_ID_KEY)
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "session store failure");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        })?;
    let user = match id {
        Some(id) => state
            .backend
            .auth
            .session_user(id)
            .await
            .map_err(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response())?,
        None => None,
    };
    match user {
        Some(user) if user.is_admin() => Ok(user),
        Some(_) => Err((StatusCode::FORBIDDEN, "Only admins connect accounts.").into_response()),
        None => Err(Redirect::to("/login").into_response()),
    }
}

fn back_to_accounts(param: &str, value: &str) -> Response {
    let query: String = url_encode(param, value);
    Redirect::to(&format!("/accounts?{query}")).into_response()
}

fn url_encode(name: &str, value: &str) -> String {
    let mut url = reqwest::Url::parse("http://x/").expect("static URL");
    url.query_pairs_mut().append_pair(name, value);
    url.query().unwrap_or_default().to_owned()
}

pub async fn start(State(state): State<AppState>, session: Session) -> Response {
    if let Err(refused) = admin(&state, &session).await {
        return refused;
    }
    let Some(app) = state.oauth.as_deref() else {
        return (StatusCode::NOT_FOUND, "Instagram OAuth is not configured.").into_response();
    };
    let mut nonce = [0u8; 24];
    rand::rngs::OsRng.fill_bytes(&mut nonce);
    let csrf = URL_SAFE_NO_PAD.encode(nonce);
    if let Err(e) = session.insert(STATE_KEY, &csrf).await {
        tracing::error!(error = %e, "session store failure");
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    }
    let Ok(mut url) = reqwest::Url::parse(&app.authorize_url) else {
        return (
            StatusCode::INTERNAL_SERVER_ERROR,
            "The Instagram authorize URL is invalid.",
        )
            .into_response();
    };
    url.query_pairs_mut()
        .append_pair("client_id", &app.app_id)
        .append_pair("redirect_uri", &app.redirect_uri)
        .append_pair("response_type", "code")
        .append_pair("scope", SCOPES)
        .append_pair("state", &csrf);
    Redirect::to(url.as_str()).into_response()
}

pub async fn callback(
    State(state): State<AppState>,
    session: Session,
    Query(params): Query<Callback>,
) -> Response {
    if let Err(refused) = admin(&state, &session).await {
        return refused;
    }
    let Some(app) = state.oauth.as_deref() else {
        return (StatusCode::NOT_FOUND, "Instagram OAuth is not configured.").into_response();
    };
    // The state is single use whatever happens next.
    let expected = session.remove::<String>(STATE_KEY).await.ok().flatten();
    let state_ok = matches!((&expected, &params.state),
        (Some(e), Some(got)) if bool::from(e.as_bytes().ct_eq(got.as_bytes())));
    if !state_ok {
        tracing::warn!("OAuth callback with a missing or foreign state refused");
        return back_to_accounts(
            "oauth_error",
            "That Instagram sign-in was not started from this page (or was already used). Start again.",
        );
    }
    if let Some(error) = params.error {
        let why = params.error_description.unwrap_or(error);
        return back_to_accounts(
            "oauth_error",
            &format!("Instagram did not grant access: {why}"),
        );
    }
    let Some(code) = params.code.filter(|c| !c.is_empty()) else {
        return back_to_accounts("oauth_error", "Instagram returned no authorization code.");
    };
    // Meta appends `#_` to the code in some redirects.
    let code = code.trim_end_matches("#_");
    match connect(&state, app, code).await {
        Ok(username) => back_to_accounts("connected", &username),
        Err(message) => back_to_accounts("oauth_error", &message),
    }
}

async fn connect(
    state: &AppState,
    app: &crate::state::OAuthApp,
    code: &str,
) -> Result<String, String> {
    let service = &state.accounts;
    let grant = CodeExchange {
        token_url: &app.token_url,
        app_id: &app.app_id,
        app_secret: app.secret.expose(),
        redirect_uri: &app.redirect_uri,
    }
    .exchange(&service.http, code)
    .await
    .map_err(|e| {
        tracing::warn!(error = %e, "OAuth code exchange failed");
        format!("Instagram refused the sign-in code: {e}")
    })?;
    let short = GraphClient::new(
        service.http.clone(),
        service.graph.clone(),
        crate::graph::Flavour::InstagramLogin,
        grant.access_token,
    );
    let long = short.long_lived(app.secret.expose()).await.map_err(|e| {
        tracing::warn!(error = %e, "long-lived token exchange failed");
        format!("Instagram refused the long-lived token exchange: {e}")
    })?;
    let token: AccessToken = long.access_token;
    let row = service
        .connect_token(
            Flavour::InstagramLogin,
            token.expose(),
            Some(grant.user_id),
            long.expires_in,
            unix_now(),
        )
        .await
        .map_err(|e| e.for_field("token").unwrap_or_else(|| e.to_string()))?;
    Ok(row.username)
}
