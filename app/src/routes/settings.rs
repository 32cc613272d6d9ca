//! `/settings` (admin): product-wide settings.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::components::layout::AdminOnly;

#[component]
pub fn SettingsPage() -> impl IntoView {
    view! {
        <Title text="Settings" />
        <AdminOnly>
            <h1>"Settings"</h1>
            <p class="empty-state">
                "Polling and export settings appear here once accounts can be connected."
            </p>
        </AdminOnly>
    }
}
