//! Business Login for Instagram
//! (<https://developers.facebook.com/docs/instagram-platform/instagram-api-with-instagram-login/business-login>),
//! as far as a server sees it: the authorize page (here it approves at once, as the first
//! Instagram Login account), and the code exchange at `api.instagram.com/oauth/access_token`.
//! Codes are single use.

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
    let (Some(_client), Some(redirect), Some("code")) = (
        get("client_id"),
        get("redirect_uri"),
        get("response_type").map(String::as_str),
    ) else {
        return (
            StatusCode::BAD_REQUEST,
            "Invalid request: client_id, redirect_uri and response_type=code are required",
        )
            .into_response();
    };
    let Some(account) = state
        .accounts
        .iter()
        .position(|a| a.flavour == Flavour::InstagramLogin)
    else {
        return (
            StatusCode::BAD_REQUEST,
            "No Instagram Login account to sign in with",
        )
            .into_response();
    };
    let serial = state
        .issued
        .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let mut rng = Rng::new(state.config.seed, &[9, serial]);
    let code = format!("AQ{:016x}{:016x}", rng.next(), rng.next());
    lock(&state.codes).insert(code.clone(), account);
    let mut target = reqwest::Url::parse(redirect).ok();
    let Some(url) = target.as_mut() else {
        return (StatusCode::BAD_REQUEST, "redirect_uri is not a URL").into_response();
    };
    url.query_pairs_mut().append_pair("code", &code);
    if let Some(s) = params.get("state") {
        url.query_pairs_mut().append_pair("state", s);
    }
    // Meta appends `#_` to the redirect; clients must cope.
    url.set_fragment(Some("_"));
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
    let Some(account) = lock(&state.codes).remove(code) else {
        return oauth_error("This authorization code has been used or has expired");
    };
    let token = state.issue_token(account, Flavour::InstagramLogin);
    Reply::json(json!({
        "data": [{
            "access_token": token,
            "user_id": state.accounts[account].ig_user_id,
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
