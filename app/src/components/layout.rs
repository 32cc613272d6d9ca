//! The signed-in frame: top navigation, the signed-in user, sign-out, and role gates.

use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_router::components::{Outlet, Redirect, A};
use leptos_router::hooks::{use_location, use_navigate, use_query_map};

use crate::api::session::Logout;
use crate::api::workspaces::workspace_choices;
use crate::components::error_view::ErrorView;
use crate::components::url_state::{with_params, WORKSPACE_PARAM};
use crate::dto::{SessionUser, WorkspaceChoice};
use crate::resource::resource;
use crate::state::use_auth;

/// Wraps every page that needs a signed-in user; anonymous visitors go to /login.
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
                    Ok(None) => view! { <Redirect path="/login" /> }.into_any(),
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

#[component]
fn TopNav(user: SessionUser, choices: Vec<WorkspaceChoice>) -> impl IntoView {
    let auth = use_auth();
    let admin = user.is_admin();
    let query = use_query_map();
    // The pages that show accounts keep the workspace chosen.
    let link = move |path: &'static str| {
        move || match query.read().get(WORKSPACE_PARAM).filter(|w| !w.is_empty()) {
            Some(ws) => format!("{path}?{WORKSPACE_PARAM}={ws}"),
            None => path.to_owned(),
        }
    };
    view! {
        <header class="topbar">
            <a class="brand" href="/">
                "Instalytics"
            </a>
            <nav aria-label="Main">
                <A href=link("/") exact=true>
                    "Overview"
                </A>
                <A href=link("/posts")>"Posts"</A>
                <A href=link("/stories")>"Stories"</A>
                <A href=link("/hashtags")>"Hashtags"</A>
                <A href=link("/best-time")>"Best time"</A>
                <A href=link("/audience")>"Audience"</A>
                <A href=link("/accounts")>"Accounts"</A>
                <A href=link("/sync-log")>"Sync log"</A>
                {admin.then(|| view! { <A href="/workspaces">"Workspaces"</A> })}
                {admin.then(|| view! { <A href="/users">"Users"</A> })}
                {admin.then(|| view! { <A href="/settings">"Settings"</A> })}
            </nav>
            {(choices.len() > 1).then(|| view! { <WorkspaceSwitcher choices /> })}
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
