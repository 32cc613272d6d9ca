//! Meta's required callbacks. Both arrive as a form POST carrying a `signed_request`, verified
//! with the app secret and refused when issued over a day ago (400) or already carried out
//! (409, remembered by digest), then make one call to the account service:
//! - data deletion: delete every account of that user with all its data, remember a
//!   confirmation code, answer `{url, confirmation_code}` (the URL is the public status page);
//! - deauthorize: the user removed the app, so disable their accounts (data kept until they
//!   ask for deletion, which Meta sends separately).

use app::error::AppError;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Form, Json};
use serde::Deserialize;
use serde_json::json;

use crate::clock::unix_now;
use crate::graph::signed_request::{self, Payload};
use crate::state::AppState;

#[derive(Deserialize)]
pub struct Signed {
    signed_request: String,
}

fn refuse(status: StatusCode, message: &str) -> Response {
    (status, Json(json!({ "error": message }))).into_response()
}

/// The verified payload, or the status and reason to refuse with.
fn verified(state: &AppState, form: &Signed) -> Result<Payload, (StatusCode, String)> {
    let secrets: Vec<&str> = state.meta.secrets.iter().map(|s| s.expose()).collect();
    if secrets.is_empty() {
        return Err((
            StatusCode::NOT_FOUND,
            "Meta callbacks need the app secret configured".into(),
        ));
    }
    signed_request::verify(&form.signed_request, &secrets)
        .and_then(|payload| signed_request::fresh(&payload, unix_now()).map(|()| payload))
        .map_err(|e| {
            tracing::warn!(error = %e, "Meta callback refused");
            (StatusCode::BAD_REQUEST, e.to_string())
        })
}

/// A replayed request is a 409 with the reason; anything else was logged where it happened.
fn failed(e: AppError) -> Response {
    match e {
        AppError::Conflict(why) => refuse(StatusCode::CONFLICT, &why),
        _ => refuse(StatusCode::INTERNAL_SERVER_ERROR, "internal error"),
    }
}

pub async fn data_deletion(State(state): State<AppState>, Form(form): Form<Signed>) -> Response {
    let payload = match verified(&state, &form) {
        Ok(p) => p,
        Err((status, why)) => return refuse(status, &why),
    };
    let request = signed_request::digest(&form.signed_request);
    match state
        .accounts
        .forget_meta_user(&payload.user_id, &request)
        .await
    {
        Ok(code) => Json(json!({
            "url": format!("{}/privacy/deletion/{code}", state.meta.public_url.trim_end_matches('/')),
            "confirmation_code": code,
        }))
        .into_response(),
        Err(e) => failed(e),
    }
}

pub async fn deauthorize(State(state): State<AppState>, Form(form): Form<Signed>) -> Response {
    let payload = match verified(&state, &form) {
        Ok(p) => p,
        Err((status, why)) => return refuse(status, &why),
    };
    let request = signed_request::digest(&form.signed_request);
    match state
        .accounts
        .deauthorize_meta_user(&payload.user_id, &request)
        .await
    {
        Ok(_) => Json(json!({ "success": true })).into_response(),
        Err(e) => failed(e),
    }
}
