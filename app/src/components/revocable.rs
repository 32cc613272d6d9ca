//! What the lists of access grants (share links, API tokens) and other lists with a button
//! per row show alike: their heading row, when each expires, and the button that revokes it
//! after asking.

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

/// The heading row of a list whose last column holds each row's button (`action`, named for
/// screen readers only).
#[component]
pub fn ListHead(columns: &'static [&'static str], action: &'static str) -> impl IntoView {
    view! {
        <thead>
            <tr>
                {columns.iter().map(|c| view! { <th scope="col">{*c}</th> }).collect_view()}
                <th scope="col">
                    <span class="visually-hidden">{action}</span>
                </th>
            </tr>
        </thead>
    }
}

/// "Revoke" (or `label`): asks `question` first, then calls `revoke`.
#[component]
pub fn RevokeButton(
    question: String,
    revoke: Callback<()>,
    #[prop(default = "Revoke")] label: &'static str,
) -> impl IntoView {
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
            {label}
        </button>
    }
}
