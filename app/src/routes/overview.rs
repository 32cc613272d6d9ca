//! `/`: the overview of connected accounts' performance.

use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn OverviewPage() -> impl IntoView {
    view! {
        <Title text="Overview" />
        <h1>"Overview"</h1>
        <p class="empty-state">
            "No Instagram account is connected yet. Once an admin connects one on the "
            <a href="/accounts">"Accounts"</a>
            " page, followers, reach and engagement appear here."
        </p>
    }
}
