//! The Instalytics web app: pages, components and server functions, compiled twice — for the
//! server (`ssr`) and for the browser (`hydrate`).

pub mod api;
pub mod components;
pub mod dto;
pub mod error;
pub mod ids;
pub mod metrics;
pub mod resource;
pub mod routes;
pub mod rules;
pub mod state;

#[cfg(feature = "ssr")]
pub mod auth;
#[cfg(feature = "ssr")]
pub mod backend;

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, HashedStylesheet, MetaTags, Title};
use leptos_router::components::{ParentRoute, Route, Router, Routes};
use leptos_router::{path, Lazy, SsrMode};

use crate::components::layout::SignedInLayout;
use crate::routes::{lazy, not_found, overview};

/// The HTML document around the app; only rendered on the server.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <meta name="color-scheme" content="light dark" />
                // No favicon yet: an empty data URL spares every page a 404.
                <link rel="icon" href="data:," />
                // Named with its content hash (cargo-leptos `hash-files`), as the scripts are.
                <HashedStylesheet id="leptos" options=options.clone() />
                <AutoReload options=options.clone() />
                <HydrationScripts options />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    state::provide_auth();

    // Async SSR: the server resolves the session before the first byte, so redirects and
    // 401/403 statuses are real HTTP answers rather than client-side fix-ups.
    view! {
        <Title formatter=|page: String| format!("{page} · Instalytics") />
        <Router>
            <Routes fallback=not_found::NotFound>
                <Route path=path!("/login") view={Lazy::<lazy::Login>::new()} ssr=SsrMode::Async />
                <Route path=path!("/setup") view={Lazy::<lazy::Setup>::new()} ssr=SsrMode::Async />
                <Route path=path!("/privacy") view={Lazy::<lazy::Privacy>::new()} ssr=SsrMode::Async />
                <Route
                    path=path!("/privacy/deletion/:code")
                    view={Lazy::<lazy::DeletionStatus>::new()}
                    ssr=SsrMode::Async
                />
                <ParentRoute path=path!("") view=SignedInLayout ssr=SsrMode::Async>
                    // The Overview is in the main module: it is the page opened first.
                    <Route path=path!("/") view=overview::OverviewPage ssr=SsrMode::Async />
                    <Route path=path!("/posts") view={Lazy::<lazy::Posts>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/posts/:id") view={Lazy::<lazy::Post>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/stories") view={Lazy::<lazy::Stories>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/hashtags") view={Lazy::<lazy::Hashtags>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/best-time") view={Lazy::<lazy::BestTime>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/audience") view={Lazy::<lazy::Audience>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/accounts") view={Lazy::<lazy::Accounts>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/sync-log") view={Lazy::<lazy::SyncLog>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/users") view={Lazy::<lazy::Users>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/workspaces") view={Lazy::<lazy::Workspaces>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/share-links") view={Lazy::<lazy::ShareLinks>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/api-tokens") view={Lazy::<lazy::ApiTokens>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/settings") view={Lazy::<lazy::Settings>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/settings/notifications") view={Lazy::<lazy::Notifications>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/notifications") view={Lazy::<lazy::NotificationLog>::new()} ssr=SsrMode::Async />
                </ParentRoute>
            </Routes>
        </Router>
    }
}
