//! Any URL without a page.

use leptos::prelude::*;

use crate::components::error_view::ErrorView;
use crate::error::AppError;

#[component]
pub fn NotFound() -> impl IntoView {
    view! {
        <main id="main" class="page">
            <ErrorView error=AppError::NotFound />
        </main>
    }
}
