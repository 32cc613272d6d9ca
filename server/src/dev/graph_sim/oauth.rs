//! The two logins' dialogs as far as a server sees them; each approves at once, as the first
//! user of its kind, and redirects with a single-use code.
//! - Business Login for Instagram
//!   (<https://developers.facebook.com/docs/instagram-platform/instagram-api-with-instagram-login/business-login>):
//!   the authorize page, and the code exchange at `api.instagram.com/oauth/access_token`.
//! - Facebook Login's dialog, `www.facebook.com/vNN.0/dialog/oauth`
//!   (<https://developers.facebook.com/docs/facebook-login/guides/advanced/manual-flow>), whose
//!   code is exchanged on graph.facebook.com (`routes/tokens.rs`).

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Query, State as AxState};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Form;
use serde_json::json;

use super::reply::Reply;
use super::rng::Rng;
use super::{lock, Flavour, State};

type Params = HashMap<String, String>;

pub async fn authorize(
    AxState(state): AxState<Arc<State>>,
    Query(params): Query<Params>,
) -> Response {
    let get = |name: &str| params.get(name).filter(|v| !v.is_empty());
    if get("response_type").map(String::as_str) != Some("code") {
        return (
            StatusCode::BAD_REQUEST,
            "Invalid request: client_id, redirect_uri and response_type=code are required",
        )
            .into_response();
    }
    approve(&state, &params, Flavour::InstagramLogin, "_")
}

/// Facebook Login's dialog: `client_id` and `redirect_uri` are required, `response_type`
/// defaults to `code` (manual-flow); the redirect ends in `#_=_`, which clients must ignore.
pub async fn facebook_dialog(
    AxState(state): AxState<Arc<State>>,
    Query(params): Query<Params>,
) -> Response {
    if params.get("response_type").is_some_and(|t| t != "code") {
        return (
            StatusCode::BAD_REQUEST,
            "This simulator's dialog answers response_type=code only",
        )
            .into_response();
    }
    approve(&state, &params, Flavour::FacebookLogin, "_=_")
}

/// Approves as the first user of `flavour`: a code for its accounts, sent to `redirect_uri`
/// with the `state` given.
fn approve(state: &State, params: &Params, flavour: Flavour, fragment: &str) -> Response {
    let get = |name: &str| params.get(name).filter(|v| !v.is_empty());
    let (Some(_client), Some(redirect)) = (get("client_id"), get("redirect_uri")) else {
        return (
            StatusCode::BAD_REQUEST,
            "Invalid request: client_id and redirect_uri are required",
        )
            .into_response();
    };
    let Some(user) = state
        .users
        .iter()
        .find(|u| state.accounts[u[0]].flavour == flavour)
    else {
        return (
            StatusCode::BAD_REQUEST,
            "No user of this login to sign in with",
        )
            .into_response();
    };
    let serial = state
        .issued
        .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let mut rng = Rng::new(state.config.seed, &[9, serial]);
    let code = format!("AQ{:016x}{:016x}", rng.next(), rng.next());
    lock(&state.codes).insert(code.clone(), user.clone());
    let mut target = reqwest::Url::parse(redirect).ok();
    let Some(url) = target.as_mut() else {
        return (StatusCode::BAD_REQUEST, "redirect_uri is not a URL").into_response();
    };
    url.query_pairs_mut().append_pair("code", &code);
    if let Some(s) = params.get("state") {
        url.query_pairs_mut().append_pair("state", s);
    }
    // Meta appends a fragment to the redirect; clients must cope.
    url.set_fragment(Some(fragment));
    (StatusCode::FOUND, [(header::LOCATION, url.to_string())]).into_response()
}

pub async fn exchange_code(
    AxState(state): AxState<Arc<State>>,
    Form(form): Form<Params>,
) -> Response {
    let field = |name: &str| form.get(name).filter(|v| !v.is_empty());
    let complete = ["client_id", "client_secret", "redirect_uri", "code"]
        .iter()
        .all(|f| field(f).is_some())
        && field("grant_type").map(String::as_str) == Some("authorization_code");
    if !complete {
        return oauth_error("Missing required parameter: client_id, client_secret, grant_type=authorization_code, redirect_uri and code");
    }
    let code = field("code").map(String::as_str).unwrap_or_default();
    let Some(accounts) = lock(&state.codes)
        .remove(code)
        .filter(|a| state.accounts[a[0]].flavour == Flavour::InstagramLogin)
    else {
        return oauth_error("This authorization code has been used or has expired");
    };
    let user_id = state.accounts[accounts[0]].ig_user_id.clone();
    let token = state.issue_token(accounts, Flavour::InstagramLogin);
    Reply::json(json!({
        "data": [{
            "access_token": token,
            "user_id": user_id,
            "permissions": "instagram_business_basic,instagram_business_manage_insights",
        }]
    }))
    .into_response()
}

/// api.instagram.com answers OAuth errors in its own flat shape, not the Graph envelope.
fn oauth_error(message: &str) -> Response {
    (
        StatusCode::BAD_REQUEST,
        axum::Json(
            json!({ "error_type": "OAuthException", "code": 400, "error_message": message }),
        ),
    )
        .into_response()
}
