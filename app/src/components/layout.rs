//! The signed-in frame: top navigation, the signed-in user, sign-out, and role gates.

use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_router::components::{Outlet, Redirect, A};
use leptos_router::hooks::{use_location, use_navigate, use_query_map};
use leptos_router::params::ParamsMap;

use crate::api::session::Logout;
use crate::api::shares::current_share;
use crate::api::workspaces::workspace_choices;
use crate::components::error_view::ErrorView;
use crate::components::url_state::{with_params, WORKSPACE_PARAM};
use crate::dto::{SessionUser, SharedView, WorkspaceChoice};
use crate::error::AppError;
use crate::resource::resource;
use crate::rules::is_dashboard_page;
use crate::state::use_auth;

/// Wraps every page that needs a signed-in user, or for the dashboard pages a share link's
/// visitor; anyone else goes to /login.
///
/// The page (`Outlet`) is deliberately *outside* the suspense that waits for the session: a
/// page creates its resources when it is built, and anything built inside a `Suspend` is
/// rebuilt — its owner disposed — whenever that `Suspend` re-runs. Pages built there lost
/// their request context mid-render on the server and hydrated against different data on
/// the client. Pages need no user to render; their server functions check the session.
#[component]
pub fn SignedInLayout() -> impl IntoView {
    let auth = use_auth();
    // Here, outside the suspense, for the reason above. Read again on each page change, so a
    // workspace made or renamed on the Workspaces page is in the switcher on the next page.
    let location = use_location();
    let workspaces = resource(move || location.pathname.get(), |_| workspace_choices());
    let shared = resource(|| (), |_| current_share());
    view! {
        <Transition fallback=|| view! { <header class="topbar"></header> }>
            {move || Suspend::new(async move {
                match auth.user.await {
                    Ok(Some(user)) => {
                        // Awaited with the user, in this one suspense: a second one nested
                        // in the bar broke hydration.
                        let choices = workspaces.await.unwrap_or_default();
                        view! { <TopNav user choices /> }.into_any()
                    }
                    Ok(None) => match shared.await {
                        Ok(Some(view)) => view! { <SharedNav view /> }.into_any(),
                        Ok(None) => view! { <Redirect path="/login" /> }.into_any(),
                        Err(AppError::NotFound) => view! { <LinkGone /> }.into_any(),
                        Err(error) => view! { <ErrorView error /> }.into_any(),
                    },
                    Err(error) => view! { <ErrorView error /> }.into_any(),
                }
            })}
        </Transition>
        <main id="main" class="page">
            <Outlet />
        </main>
        <footer class="footer">
            <a href="/privacy">"Privacy policy"</a>
        </footer>
    }
}

/// A link to `path` that keeps the workspace chosen: the pages that show accounts do.
fn keeping_workspace(
    query: Memo<ParamsMap>,
    path: &'static str,
) -> impl Fn() -> String + Send + Sync + Clone + 'static {
    move || match query.read().get(WORKSPACE_PARAM).filter(|w| !w.is_empty()) {
        Some(ws) => format!("{path}?{WORKSPACE_PARAM}={ws}"),
        None => path.to_owned(),
    }
}

/// The dashboard pages' links.
#[component]
fn DashboardLinks() -> impl IntoView {
    let query = use_query_map();
    let link = move |path| keeping_workspace(query, path);
    view! {
        <A href=link("/") exact=true>
            "Overview"
        </A>
        <A href=link("/posts")>"Posts"</A>
        <A href=link("/stories")>"Stories"</A>
        <A href=link("/hashtags")>"Hashtags"</A>
        <A href=link("/best-time")>"Best time"</A>
        <A href=link("/audience")>"Audience"</A>
    }
}

/// The top bar of a share link's visitor: the dashboard pages and what the link shows.
#[component]
fn SharedNav(view: SharedView) -> impl IntoView {
    view! {
        <header class="topbar">
            <a class="brand" href="/">
                "Instalytics"
            </a>
            <nav aria-label="Main">
                <DashboardLinks />
            </nav>
            <p class="shared-view" data-testid="shared-view">
                "Shared view: " <strong>{view.label}</strong> " · " {view.target}
                {view.expires.map(|at| format!(" · until {at}"))}
            </p>
        </header>
    }
}

/// A share link's visitor whose link expired or was revoked meanwhile.
#[component]
fn LinkGone() -> impl IntoView {
    view! {
        <header class="topbar">
            <span class="brand">"Instalytics"</span>
            <p class="shared-view" role="alert">
                "This shared link has expired or was revoked. Ask whoever sent it for a new one."
            </p>
        </header>
    }
}

/// "Share" on a dashboard page (admins): to the Share links page, with this page, its
/// period and its workspace or account to make a link of.
#[component]
fn ShareThisPage() -> impl IntoView {
    let location = use_location();
    let query = use_query_map();
    let href = move || {
        let path = location.pathname.get();
        let query = query.read();
        // The page's own query without what the link fixes itself.
        let rest = with_params("", &query, &[(WORKSPACE_PARAM, None), ("account", None)]);
        with_params(
            "/share-links",
            &Default::default(),
            &[
                ("path", Some(path.as_str())),
                ("query", Some(rest.trim_start_matches('?'))),
                (WORKSPACE_PARAM, query.get(WORKSPACE_PARAM).as_deref()),
                ("account", query.get("account").as_deref()),
            ],
        )
    };
    view! {
        <Show when=move || is_dashboard_page(&location.pathname.get())>
            <a class="share-link" href=href data-testid="share-this-page">
                "Share"
            </a>
        </Show>
    }
}

#[component]
fn TopNav(user: SessionUser, choices: Vec<WorkspaceChoice>) -> impl IntoView {
    let auth = use_auth();
    let admin = user.is_admin();
    let query = use_query_map();
    let link = move |path| keeping_workspace(query, path);
    view! {
        <header class="topbar">
            <a class="brand" href="/">
                "Instalytics"
            </a>
            <nav aria-label="Main">
                <DashboardLinks />
                <A href=link("/accounts")>"Accounts"</A>
                <A href=link("/sync-log")>"Sync log"</A>
                {admin.then(|| view! { <A href="/workspaces">"Workspaces"</A> })}
                {admin.then(|| view! { <A href="/share-links">"Share links"</A> })}
                {admin.then(|| view! { <A href="/users">"Users"</A> })}
                <A href="/api-tokens">"API tokens"</A>
                {admin.then(|| view! { <A href="/notifications">"Notifications"</A> })}
                {admin.then(|| view! { <A href="/settings">"Settings"</A> })}
            </nav>
            {(choices.len() > 1).then(|| view! { <WorkspaceSwitcher choices /> })}
            {admin.then(|| view! { <ShareThisPage /> })}
            <div class="whoami">
                <span class="user" data-role=user.role.as_str()>
                    {user.username.clone()}
                    <small>{user.role.as_str()}</small>
                </span>
                // A plain form (it works before the app loads, too) rather than `ActionForm`,
                // whose form-decoding code would be in every page's download.
                <form
                    method="post"
                    action=Logout::url()
                    on:submit=move |ev| {
                        ev.prevent_default();
                        auth.logout.dispatch(Logout {});
                    }
                >
                    <button type="submit" class="link-button">
                        "Sign out"
                    </button>
                </form>
            </div>
        </header>
    }
}

/// The workspace choice, kept in the URL (`?ws=`): choosing one reloads the page's figures
/// for its accounts, and the account filter, which may name another's, is dropped.
#[component]
fn WorkspaceSwitcher(choices: Vec<WorkspaceChoice>) -> impl IntoView {
    let query = use_query_map();
    let location = use_location();
    let current = move || query.read().get(WORKSPACE_PARAM).unwrap_or_default();
    let switch = move |ev| {
        let ws = event_target_value(&ev);
        let to = with_params(
            &location.pathname.get_untracked(),
            &query.get_untracked(),
            &[
                (WORKSPACE_PARAM, Some(ws.as_str()).filter(|w| !w.is_empty())),
                ("account", None),
                ("page", None),
            ],
        );
        use_navigate()(&to, Default::default());
    };
    view! {
        <div class="workspace-switcher">
            <label for="workspace-switcher" class="visually-hidden">"Workspace"</label>
            <select id="workspace-switcher" on:change=switch>
                <option value="">"All workspaces"</option>
                {choices
                    .into_iter()
                    .map(|w| {
                        let value = w.id.to_string();
                        let selected = {
                            let value = value.clone();
                            move || current() == value
                        };
                        view! { <option value=value selected=selected>{w.name}</option> }
                    })
                    .collect_view()}
            </select>
        </div>
    }
}

/// Renders its children for admins and nothing for anyone else: controls a viewer has no use
/// for. The server functions behind them check the role again. The children are rebuilt
/// when the session changes, so they must not create resources (see `SignedInLayout`).
#[component]
pub fn ForAdmins(children: ChildrenFn) -> impl IntoView {
    let auth = use_auth();
    view! {
        <Suspense>
            {move || {
                let children = children.clone();
                Suspend::new(async move {
                    if auth.is_admin().await { children().into_any() } else { ().into_any() }
                })
            }}
        </Suspense>
    }
}
