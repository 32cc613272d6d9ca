//! `/accounts`: connected Instagram accounts and their sync status.

use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn AccountsPage() -> impl IntoView {
    view! {
        <Title text="Accounts" />
        <h1>"Accounts"</h1>
        <p class="empty-state">"No Instagram account is connected yet."</p>
    }
}
