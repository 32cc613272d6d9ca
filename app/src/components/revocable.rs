//! What the lists of access grants (share links, API tokens) show alike: when each expires,
//! and the button that revokes it after asking.

use leptos::prelude::*;

use crate::components::form::confirm;

/// "never", the moment it expires, or "expired <moment>".
pub fn expiry(expires: &Option<String>, expired: bool) -> String {
    match (expires, expired) {
        (Some(at), true) => format!("expired {at}"),
        (Some(at), false) => at.clone(),
        (None, _) => "never".to_owned(),
    }
}

/// The last use, or "never".
pub fn last_use(last_used: Option<String>) -> String {
    last_used.unwrap_or_else(|| "never".to_owned())
}

/// "Revoke": asks `question` first, then calls `revoke`.
#[component]
pub fn RevokeButton(question: String, revoke: Callback<()>) -> impl IntoView {
    view! {
        <button
            type="button"
            class="danger"
            on:click=move |_| {
                if confirm(&question) {
                    revoke.run(());
                }
            }
        >
            "Revoke"
        </button>
    }
}
