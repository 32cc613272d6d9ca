//! The axum router: Leptos pages and server functions, static files, health, and the layers
//! every request passes (trace log, body limit, compression, cache lifetimes, request metrics,
//! security headers, origin check, session).

mod api_v1;
mod client_addr;
mod health;
mod meta;
pub mod metrics;
mod middleware;
mod oauth;
mod report;
mod session_touch;
mod share;
mod static_files;

use std::time::Duration;

use app::{shell, App};
use axum::routing::{get, post};
use axum::Router;
use leptos::prelude::provide_context;
use leptos_axum::{generate_route_list, LeptosRoutes};
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use tower_http::LatencyUnit;
use tower_sessions::cookie::SameSite;
use tower_sessions::{Expiry, SessionManagerLayer};

use crate::config::ServeArgs;
use crate::state::AppState;
use crate::store::sessions::DbSessionStore;

/// Server-function bodies are small forms; anything bigger is refused with 413.
pub const MAX_BODY_BYTES: usize = 64 * 1024;
pub const SESSION_COOKIE: &str = "instalytics_session";

pub fn router(state: AppState, args: &ServeArgs) -> Router {
    let sessions = SessionManagerLayer::new(DbSessionStore::new(state.db.clone()))
        .with_name(SESSION_COOKIE)
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_secure(args.secure_cookies)
        // The idle expiry slides forward through session_touch, at most once a minute.
        .with_always_save(false)
        .with_expiry(Expiry::OnInactivity(time::Duration::days(i64::from(
            args.session_idle_days,
        ))));

    let routes = generate_route_list(App);
    let backend = state.backend.clone();
    let policy = middleware::WebPolicy::new(args);
    // Renders and server functions get the backend; pages also get the nonce that their
    // answer's Content Security Policy names.
    let provide_backend = move || {
        provide_context(backend.clone());
        middleware::provide_request_nonce();
    };
    let options = state.leptos_options.clone();
    let pkg = static_files::PkgPrefix::new(&options.site_pkg_dir);
    let router = Router::new()
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/oauth/instagram/start", get(oauth::instagram_start))
        .route("/oauth/instagram/callback", get(oauth::instagram_callback))
        .route("/oauth/facebook/start", get(oauth::facebook_start))
        .route("/oauth/facebook/callback", get(oauth::facebook_callback))
        .route("/meta/data-deletion", post(meta::data_deletion))
        .route("/meta/deauthorize", post(meta::deauthorize))
        .route("/s/{token}", get(share::open))
        .route("/report.pdf", get(report::download))
        .merge(api_v1::routes())
        .leptos_routes_with_context(&state, routes, provide_backend.clone(), move || {
            shell(options.clone())
        })
        .fallback(leptos_axum::file_and_error_handler_with_context::<
            AppState,
            _,
        >(provide_backend, shell))
        .with_state(state)
        .layer(axum::middleware::from_fn(share::dashboard_pages_only))
        .layer(axum::middleware::from_fn(session_touch::touch_signed_in))
        .layer(sessions)
        .layer(axum::middleware::from_fn_with_state(
            args.trusted_proxies.clone().into(),
            client_addr::client_addr,
        ))
        .layer(axum::middleware::from_fn(
            middleware::server_fn_error_status,
        ))
        .layer(axum::middleware::from_fn_with_state(
            policy.clone(),
            middleware::same_origin_writes,
        ));
    middleware::with_security_headers(router, &policy)
        .layer(axum::middleware::from_fn(metrics::count))
        .layer(axum::middleware::from_fn_with_state(
            pkg,
            static_files::cache_control,
        ))
        // Outside the layers that read a body (server-function errors), which need plain bytes.
        .layer(static_files::compression())
        .layer(RequestBodyLimitLayer::new(MAX_BODY_BYTES))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(middleware::request_span)
                .on_response(
                    DefaultOnResponse::new()
                        .level(tracing::Level::INFO)
                        .latency_unit(LatencyUnit::Micros),
                ),
        )
        .layer(tower_http::timeout::TimeoutLayer::with_status_code(
            axum::http::StatusCode::REQUEST_TIMEOUT,
            Duration::from_secs(30),
        ))
}
