//! `/posts`: the period's posts with every figure; sorted, filtered, searched and paged on
//! the server, all of it in the URL.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::api::analytics::posts;
use crate::components::dashboard::{
    accounts_resource, DashboardData, DashboardFilters, QueryInput, QuerySelect,
};
use crate::components::number::thousands;
use crate::components::pager::Pager;
use crate::components::posts_table::PostsTable;
use crate::components::url_state::posts_query;
use crate::dto::{PostKind, PostsPage};
use crate::resource::resource;

#[component]
pub fn PostsPage() -> impl IntoView {
    let query = use_query_map();
    let data = resource(
        move || posts_query(&query.read()),
        |q| async move { posts(q?).await },
    );
    let accounts = accounts_resource();
    let kinds = PostKind::ALL
        .iter()
        .map(|k| (k.as_str(), k.label()))
        .collect::<Vec<_>>();
    view! {
        <Title text="Posts" />
        <h1>"Posts"</h1>
        <DashboardFilters
            accounts
            keep=&["sort", "order"]
            extra=move || {
                view! {
                    <QuerySelect name="kind" label="Type" any="All types" options=kinds.clone() />
                    <QueryInput name="hashtag" label="Hashtag" placeholder="without #" />
                    <QueryInput name="search" label="Caption contains" />
                }
            }
        />
        <DashboardData accounts data render=|page| view! { <PostsBody page /> } />
    }
}

#[component]
fn PostsBody(page: PostsPage) -> impl IntoView {
    let PostsPage {
        period,
        posts,
        total,
        page,
        pages,
    } = page;
    let summary = format!(
        "{} posts published {} to {} (UTC).",
        thousands(total),
        period.from,
        period.to
    );
    if posts.is_empty() {
        let text = if total == 0 {
            "No posts match these filters in this period."
        } else {
            "This page is past the last one."
        };
        return view! {
            <p class="period">{summary}</p>
            <p class="empty-state">{text}</p>
            <Pager path="/posts" page pages />
        }
        .into_any();
    }
    view! {
        <p class="period">{summary}</p>
        <PostsTable name="posts" label="Posts" posts sortable=true reels=true />
        <Pager path="/posts" page pages />
    }
    .into_any()
}
