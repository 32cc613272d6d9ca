//! The signed-in frame: top navigation, the signed-in user, sign-out, and role gates.

use leptos::prelude::*;
use leptos_router::components::{Outlet, Redirect, A};

use crate::components::error_view::ErrorView;
use crate::dto::SessionUser;
use crate::error::AppError;
use crate::state::use_auth;

/// Wraps every page that needs a signed-in user; anonymous visitors go to /login.
#[component]
pub fn SignedInLayout() -> impl IntoView {
    let auth = use_auth();
    view! {
        <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match auth.user.await {
                    Ok(Some(user)) => {
                        provide_context(user.clone());
                        view! {
                            <TopNav user />
                            <main id="main" class="page">
                                <Outlet />
                            </main>
                            <footer class="footer">
                                <a href="/privacy">"Privacy policy"</a>
                            </footer>
                        }
                            .into_any()
                    }
                    Ok(None) => view! { <Redirect path="/login" /> }.into_any(),
                    Err(error) => {
                        view! {
                            <main class="page">
                                <ErrorView error />
                            </main>
                        }
                            .into_any()
                    }
                }
            })}
        </Transition>
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
                <ActionForm action=auth.logout>
                    <button type="submit" class="link-button">
                        "Sign out"
                    </button>
                </ActionForm>
            </div>
        </header>
    }
}

/// Renders its children for admins and a 403 for everyone else. The server functions behind
/// the children check the role again: this only keeps viewers from a page of errors.
#[component]
pub fn AdminOnly(children: ChildrenFn) -> impl IntoView {
    let admin = use_context::<SessionUser>().is_some_and(|u| u.is_admin());
    move || {
        if admin {
            children().into_any()
        } else {
            view! { <ErrorView error=AppError::Forbidden /> }.into_any()
        }
    }
}
