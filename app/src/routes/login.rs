//! `/login`: sign in with username and password.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Redirect;

use crate::api::session::Login;
use crate::components::form::{last_error, FormAlert, TextField};
use crate::state::use_auth;

#[component]
pub fn LoginPage() -> impl IntoView {
    let auth = use_auth();
    let login = auth.signing_in::<Login>();
    let error = last_error(login);
    let pending = login.pending();
    view! {
        <Title text="Sign in" />
        <Transition>
            {move || Suspend::new(async move {
                matches!(auth.user.await, Ok(Some(_))).then(|| view! { <Redirect path="/" /> })
            })}
        </Transition>
        <main id="main" class="auth-card">
            <h1>"Sign in to Instalytics"</h1>
            <ActionForm action=login>
                <TextField
                    form="login"
                    name="username"
                    label="Username"
                    autocomplete="username"
                    error
                />
                <TextField
                    form="login"
                    name="password"
                    label="Password"
                    kind="password"
                    autocomplete="current-password"
                    error
                />
                <FormAlert error />
                <button type="submit" disabled=pending>
                    "Sign in"
                </button>
            </ActionForm>
            // Meta requires the privacy policy to be reachable without an account.
            <p class="auth-footer">
                <a href="/privacy">"Privacy policy"</a>
            </p>
        </main>
    }
}
