//! The one way a page shows a failure; during SSR it also sets the HTTP status.

use leptos::prelude::*;

use crate::error::AppError;

#[component]
pub fn ErrorView(error: AppError) -> impl IntoView {
    #[cfg(feature = "ssr")]
    crate::auth::set_status(&error);
    let title = match &error {
        AppError::Unauthenticated => "Signed out",
        AppError::Forbidden => "Not allowed",
        AppError::NotFound => "Not found",
        AppError::Invalid { .. } | AppError::Conflict(_) => "Cannot do that",
        _ => "Something went wrong",
    };
    let sign_in = matches!(error, AppError::Unauthenticated)
        .then(|| view! { <a href="/login">"Sign in"</a> });
    view! {
        <section class="error-view" role="alert">
            <h1>{title}</h1>
            <p>{error.to_string()}</p>
            {sign_in}
        </section>
    }
}
