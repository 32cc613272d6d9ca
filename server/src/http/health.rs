//! `GET /healthz`: 200 when the database answers, 503 otherwise (is the process alive).
//! `GET /readyz`: 200 once this instance can serve: the database answers and has every
//! migration this binary knows, and the master key opened (the server does not start
//! without it). Load balancers send traffic on `/readyz`.

use axum::extract::State;
use axum::http::StatusCode;
use sea_orm::DatabaseConnection;

use crate::db::{self, Schema};

pub async fn healthz(State(db): State<DatabaseConnection>) -> (StatusCode, &'static str) {
    match db.ping().await {
        Ok(()) => (StatusCode::OK, "ok"),
        Err(e) => {
            tracing::error!(error = %e, "health check: database unreachable");
            (StatusCode::SERVICE_UNAVAILABLE, "database unreachable")
        }
    }
}

pub async fn readyz(State(db): State<DatabaseConnection>) -> (StatusCode, String) {
    let not_ready = |why: String| (StatusCode::SERVICE_UNAVAILABLE, format!("not ready: {why}"));
    match db::schema(&db).await {
        Ok(Schema::Current(_)) => (
            StatusCode::OK,
            "ready: database migrated, master key opened".into(),
        ),
        Ok(Schema::Pending { count, .. }) => not_ready(format!("{count} migration(s) pending")),
        Ok(Schema::Newer(_)) => not_ready("a newer release migrated the database".into()),
        Err(e) => {
            tracing::error!(error = %e, "readiness check: database unreachable");
            not_ready("database unreachable".into())
        }
    }
}
