//! Cross-cutting HTTP layers.

use app::error::AppError;
use axum::body::Body;
use axum::extract::Request;
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Router;
use leptos::server_fn::error::SERVER_FN_ERROR_HEADER;
use tower_http::set_header::SetResponseHeaderLayer;
use tracing::Span;

/// The request's log span: method and path only. The query string is left out on purpose —
/// it can carry the setup token or, later, OAuth codes.
pub fn request_span(req: &Request<Body>) -> Span {
    tracing::info_span!("http", method = %req.method(), path = %req.uri().path())
}

/// Refuses state-changing requests whose `Origin` names another site (CSRF defence on top of
/// SameSite=Lax). Requests without `Origin` come from non-browser clients and pass.
pub async fn same_origin_writes(req: Request, next: Next) -> Response {
    let safe = matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    if !safe {
        let origin = req
            .headers()
            .get(header::ORIGIN)
            .and_then(|v| v.to_str().ok());
        let host = req
            .headers()
            .get(header::HOST)
            .and_then(|v| v.to_str().ok());
        if let Some(origin) = origin {
            if !origin_matches_host(origin, host) {
                tracing::warn!(origin, "cross-origin write refused");
                return (StatusCode::FORBIDDEN, "Cross-origin request refused.").into_response();
            }
        }
    }
    next.run(req).await
}

/// A server function whose arguments cannot be read fails before our code runs, and
/// server_fn answers every such failure with 500. Its body is an [`AppError`]: the answer gets
/// that error's own status, so a malformed request reads as 400 rather than a server fault.
pub async fn server_fn_error_status(req: Request, next: Next) -> Response {
    let response = next.run(req).await;
    if response.status() != StatusCode::INTERNAL_SERVER_ERROR
        || !response.headers().contains_key(SERVER_FN_ERROR_HEADER)
    {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    // Error bodies are a few hundred bytes of JSON; anything longer is not one of ours.
    let Ok(bytes) = axum::body::to_bytes(body, 16 * 1024).await else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    if let Ok(error) = serde_json::from_slice::<AppError>(&bytes) {
        parts.status = StatusCode::from_u16(error.status()).unwrap_or(parts.status);
    }
    Response::from_parts(parts, Body::from(bytes))
}

fn origin_matches_host(origin: &str, host: Option<&str>) -> bool {
    let origin_host = origin
        .split_once("://")
        .map(|(_, rest)| rest.trim_end_matches('/'));
    matches!((origin_host, host), (Some(o), Some(h)) if o.eq_ignore_ascii_case(h))
}

/// Headers that cost nothing and close common holes; `no-referrer` also keeps the setup
/// link's token from leaking to any linked site.
pub fn with_security_headers(router: Router) -> Router {
    [
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::REFERRER_POLICY, "no-referrer"),
    ]
    .into_iter()
    .fold(router, |router, (name, value)| {
        router.layer(SetResponseHeaderLayer::if_not_present(
            name,
            HeaderValue::from_static(value),
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::origin_matches_host;

    #[test]
    fn origins_must_name_the_host_we_were_asked_as() {
        assert!(origin_matches_host(
            "http://127.0.0.1:3000",
            Some("127.0.0.1:3000")
        ));
        assert!(origin_matches_host(
            "https://IG.example.com",
            Some("ig.example.com")
        ));
        assert!(!origin_matches_host(
            "http://evil.test",
            Some("127.0.0.1:3000")
        ));
        assert!(!origin_matches_host(
            "http://127.0.0.1:3001",
            Some("127.0.0.1:3000")
        ));
        assert!(!origin_matches_host("null", Some("127.0.0.1:3000")));
        assert!(!origin_matches_host("http://127.0.0.1:3000", None));
    }
}
