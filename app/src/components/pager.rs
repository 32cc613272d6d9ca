//! Previous/next links of a paged table, kept in the URL with the page's other parameters.

use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_query_map;

use crate::components::url_state::with_params;

#[component]
pub fn Pager(
    /// The page's path: `/posts`, `/stories`.
    path: &'static str,
    page: u32,
    pages: u32,
) -> impl IntoView {
    let query = use_query_map();
    let link = move |to: u32| with_params(path, &query.read(), &[("page", Some(&to.to_string()))]);
    view! {
        <nav class="pager" aria-label="Pages">
            {(page > 1).then(|| view! { <A href=link(page.min(pages + 1) - 1) attr:rel="prev">"← Previous"</A> })}
            <span>{format!("Page {page} of {pages}")}</span>
            {(page < pages).then(|| view! { <A href=link(page + 1) attr:rel="next">"Next →"</A> })}
        </nav>
    }
}
