//! `/api/v1/`: read-only JSON for what the dashboard shows, for scripts holding a personal
//! API token (`Authorization: Bearer ila_…`). Each handler is one call: authenticate the token
//! into a reach (`TokensPort::authenticate`: its workspaces its owner still sees, and the rate
//! per token), read the query as the pages read their URL (`url_state`, the same names and
//! rules), call the same port as the page, answer JSON. Errors are JSON [`ApiError`]s with the
//! `AppError` kind and its status; 401s carry `WWW-Authenticate`, 429s `Retry-After`.
//!
//! The routes are described by `openapi.json` beside this file, served at
//! `/api/v1/openapi.json` and checked against real answers by `tests/api_v1.rs`.

use std::future::Future;

use app::backend::Backend;
use app::components::url_state;
use app::dto::{AccountId, DayPoint, MediaId, PeriodView, Reach};
use app::error::AppError;
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::Serialize;

use crate::state::AppState;

const OPENAPI: &str = include_str!("openapi.json");

type Pairs = Result<Query<Vec<(String, String)>>, QueryRejection>;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/openapi.json", get(openapi))
        .route("/api/v1/accounts", get(accounts))
        .route("/api/v1/accounts/{id}/insights", get(insights))
        .route("/api/v1/posts", get(posts))
        .route("/api/v1/posts/{id}", get(post))
        .route("/api/v1/hashtags", get(hashtags))
}

/// An error as the API answers it.
#[derive(Serialize)]
struct ApiError {
    /// The `AppError` variant: `Unauthenticated`, `NotFound`, `Invalid`, `RateLimited` …
    kind: String,
    message: String,
    /// The parameter an `Invalid` is about.
    field: Option<String>,
    retry_after_secs: Option<u64>,
}

fn error_response(error: AppError) -> Response {
    let kind = match serde_json::to_value(&error) {
        Ok(serde_json::Value::String(kind)) => kind,
        Ok(serde_json::Value::Object(map)) => map.keys().next().cloned().unwrap_or_default(),
        _ => String::new(),
    };
    let status = StatusCode::from_u16(error.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let body = ApiError {
        kind,
        message: error.to_string(),
        field: match &error {
            AppError::Invalid { field, .. } => field.clone(),
            _ => None,
        },
        retry_after_secs: error.retry_after_secs(),
    };
    let mut response = (status, Json(body)).into_response();
    let headers = response.headers_mut();
    if let Some(secs) = error.retry_after_secs() {
        headers.insert(header::RETRY_AFTER, HeaderValue::from(secs));
    }
    if status == StatusCode::UNAUTHORIZED {
        headers.insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Bearer realm=\"instalytics\""),
        );
    }
    response
}

/// The token after `Bearer `; `Unauthenticated` without one.
fn bearer(headers: &HeaderMap) -> Result<&str, AppError> {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .ok_or(AppError::Unauthenticated)
}

/// Authenticates, reads the query, runs `call` and answers its JSON or its error.
async fn answer<T, F, Fut>(state: &AppState, headers: &HeaderMap, query: Pairs, call: F) -> Response
where
    T: Serialize,
    F: FnOnce(Backend, Reach, Vec<(String, String)>) -> Fut,
    Fut: Future<Output = Result<T, AppError>>,
{
    let result = async {
        let reach = state.backend.tokens.authenticate(bearer(headers)?).await?;
        let Query(pairs) = query.map_err(|e| AppError::Malformed(e.body_text()))?;
        call(state.backend.clone(), reach, pairs).await
    }
    .await;
    match result {
        Ok(value) => Json(value).into_response(),
        Err(error) => error_response(error),
    }
}

fn id(path: Result<Path<i64>, PathRejection>) -> Result<i64, AppError> {
    path.map(|Path(id)| id)
        .map_err(|e| AppError::Malformed(e.body_text()))
}

async fn openapi() -> Response {
    ([(header::CONTENT_TYPE, "application/json")], OPENAPI).into_response()
}

async fn accounts(State(state): State<AppState>, headers: HeaderMap, query: Pairs) -> Response {
    answer(&state, &headers, query, |b, reach, pairs| async move {
        let workspace = url_state::workspace(&url_state::params(pairs))?;
        b.accounts.list(&reach, workspace).await
    })
    .await
}

/// An account's daily series over a period.
#[derive(Serialize)]
struct Insights {
    account: AccountId,
    period: PeriodView,
    days: Vec<DayPoint>,
}

async fn insights(
    State(state): State<AppState>,
    headers: HeaderMap,
    path: Result<Path<i64>, PathRejection>,
    query: Pairs,
) -> Response {
    answer(&state, &headers, query, |b, reach, pairs| async move {
        let account = AccountId(id(path)?);
        let mut period = url_state::period_query(&url_state::params(pairs))?;
        period.account = Some(account);
        let overview = b.analytics.overview(&reach, &period).await?;
        Ok(Insights {
            account,
            period: overview.period,
            days: overview.days,
        })
    })
    .await
}

async fn posts(State(state): State<AppState>, headers: HeaderMap, query: Pairs) -> Response {
    answer(&state, &headers, query, |b, reach, pairs| async move {
        let query = url_state::posts_query(&url_state::params(pairs))?;
        b.analytics.posts(&reach, &query).await
    })
    .await
}

async fn post(
    State(state): State<AppState>,
    headers: HeaderMap,
    path: Result<Path<i64>, PathRejection>,
    query: Pairs,
) -> Response {
    answer(&state, &headers, query, |b, reach, _| async move {
        b.analytics.post(&reach, MediaId(id(path)?)).await
    })
    .await
}

async fn hashtags(State(state): State<AppState>, headers: HeaderMap, query: Pairs) -> Response {
    answer(&state, &headers, query, |b, reach, pairs| async move {
        let query = url_state::period_query(&url_state::params(pairs))?;
        b.analytics.hashtags(&reach, &query).await
    })
    .await
}
