//! `/posts`: every collected post with its metrics.

use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn PostsPage() -> impl IntoView {
    view! {
        <Title text="Posts" />
        <h1>"Posts"</h1>
        <p class="empty-state">
            "No posts collected yet: they appear after the first sync of a connected account."
        </p>
    }
}
