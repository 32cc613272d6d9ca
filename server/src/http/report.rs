//! `GET /report.pdf?<the Overview's query>`: "Download PDF report" on the Overview, the same
//! document the scheduled reports attach, for the selection the page shows. Signed-in users
//! and share link visitors read what their session may read, as the page does.

use app::auth::reach_of;
use app::components::url_state;
use app::error::AppError;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use tower_sessions::Session;

use super::share::plain_page;
use crate::report::email::html_text;
use crate::report::{pdf::pdf, Report};
use crate::state::AppState;

pub async fn download(
    State(state): State<AppState>,
    session: Session,
    query: Result<Query<Vec<(String, String)>>, QueryRejection>,
) -> Response {
    let b = &state.backend;
    let built = async {
        let reach = reach_of(&session, b).await?;
        let Query(pairs) = query.map_err(|e| AppError::Malformed(e.body_text()))?;
        let period = url_state::period_query(&url_state::params(pairs))?;
        Report::build(
            b.analytics.as_ref(),
            &state.db,
            &reach,
            &period,
            &state.meta.public_url,
        )
        .await
    }
    .await;
    let report = match built {
        Ok(report) => report,
        Err(e) => {
            let status = StatusCode::from_u16(e.status()).unwrap_or(StatusCode::BAD_REQUEST);
            return plain_page(status, "No report", &html_text(&e.to_string()));
        }
    };
    match pdf(&report) {
        Ok(bytes) => {
            let disposition = format!("attachment; filename=\"{}\"", report.file_name());
            let mut response = bytes.into_response();
            let headers = response.headers_mut();
            headers.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/pdf"),
            );
            if let Ok(value) = HeaderValue::from_str(&disposition) {
                headers.insert(header::CONTENT_DISPOSITION, value);
            }
            headers.insert(
                header::CACHE_CONTROL,
                HeaderValue::from_static("private, no-store"),
            );
            response
        }
        Err(e) => {
            tracing::error!(error = %e, "report PDF failed");
            plain_page(
                StatusCode::INTERNAL_SERVER_ERROR,
                "No report",
                "The PDF could not be made; the server's log says why.",
            )
        }
    }
}
