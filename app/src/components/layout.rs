//! The signed-in frame: top navigation, the signed-in user, sign-out, and role gates.

use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_router::components::{Outlet, Redirect, A};

use crate::api::session::Logout;
use crate::components::error_view::ErrorView;
use crate::dto::SessionUser;
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
    view! {
        <Transition fallback=|| view! { <header class="topbar"></header> }>
            {move || Suspend::new(async move {
                match auth.user.await {
                    Ok(Some(user)) => view! { <TopNav user /> }.into_any(),
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
fn TopNav(user: SessionUser) -> impl IntoView {
    let auth = use_auth();
    let admin = user.is_admin();
    view! {
        <header class="topbar">
            <a class="brand" href="/">
                "Instalytics"
            </a>
            <nav aria-label="Main">
                <A href="/" exact=true>
                    "Overview"
                </A>
                <A href="/posts">"Posts"</A>
                <A href="/stories">"Stories"</A>
                <A href="/hashtags">"Hashtags"</A>
                <A href="/best-time">"Best time"</A>
                <A href="/audience">"Audience"</A>
                <A href="/accounts">"Accounts"</A>
                <A href="/sync-log">"Sync log"</A>
                {admin.then(|| view! { <A href="/users">"Users"</A> })}
                {admin.then(|| view! { <A href="/settings">"Settings"</A> })}
            </nav>
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
