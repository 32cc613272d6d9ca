//! `/setup?token=…`: the one-time link the server logs on first run, to create the first admin.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Redirect;
use leptos_router::hooks::use_query_map;

use crate::api::session::{setup_status, CompleteSetup};
use crate::components::error_view::ErrorView;
use crate::components::form::{last_error, FormAlert, TextField};
use crate::resource::resource;
use crate::rules::{PASSWORD_HINT, USERNAME_HINT};
use crate::state::use_auth;

#[component]
pub fn SetupPage() -> impl IntoView {
    let auth = use_auth();
    let query = use_query_map();
    let token = move || query.read().get("token").unwrap_or_default();
    let open = resource(token, setup_status);
    let setup = auth.signing_in::<CompleteSetup>();
    let error = last_error(setup);
    view! {
        <Title text="First-run setup" />
        <main id="main" class="auth-card">
            <h1>"Create the first admin"</h1>
            <Transition fallback=|| view! { <p class="loading">"Checking the link…"</p> }>
                {move || Suspend::new(async move {
                    if matches!(auth.user.await, Ok(Some(_))) {
                        return view! { <Redirect path="/" /> }.into_any();
                    }
                    match open.await {
                        Ok(true) => {
                            view! {
                                <ActionForm action=setup>
                                    <input type="hidden" name="token" value=token />
                                    <TextField
                                        form="setup"
                                        name="username"
                                        label="Username"
                                        autocomplete="username"
                                        hint=USERNAME_HINT
                                        error
                                    />
                                    <TextField
                                        form="setup"
                                        name="password"
                                        label="Password"
                                        kind="password"
                                        autocomplete="new-password"
                                        hint=PASSWORD_HINT
                                        error
                                    />
                                    <FormAlert error />
                                    <button type="submit">"Create admin"</button>
                                </ActionForm>
                            }
                                .into_any()
                        }
                        Ok(false) => {
                            view! {
                                <p class="form-alert" role="alert">
                                    "This setup link is not valid any more: an admin exists, or the server restarted and printed a new link."
                                </p>
                                <a href="/login">"Sign in"</a>
                            }
                                .into_any()
                        }
                        Err(error) => view! { <ErrorView error /> }.into_any(),
                    }
                })}
            </Transition>
        </main>
    }
}
