//! `GET /healthz`: 200 when the database answers, 503 otherwise (for load balancers and tests).

use axum::extract::State;
use axum::http::StatusCode;
use sea_orm::DatabaseConnection;

pub async fn healthz(State(db): State<DatabaseConnection>) -> (StatusCode, &'static str) {
    match db.ping().await {
        Ok(()) => (StatusCode::OK, "ok"),
        Err(e) => {
            tracing::error!(error = %e, "health check: database unreachable");
            (StatusCode::SERVICE_UNAVAILABLE, "database unreachable")
        }
    }
}
