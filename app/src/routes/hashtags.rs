//! `/hashtags`: how the period's posts did, hashtag by hashtag.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::api::analytics::hashtags;
use crate::components::dashboard::{accounts_resource, DashboardData, DashboardFilters};
use crate::components::number::{figure, percent, thousands};
use crate::components::posts_table::caption_start;
use crate::components::table::{Column, DataTable};
use crate::components::url_state::period_query;
use crate::dto::{HashtagRow, Hashtags};
use crate::resource::resource;

const COLUMNS: [Column<HashtagRow>; 5] = [
    Column::text("Hashtag", |r| format!("#{}", r.tag)),
    Column::number("Posts", "Posts of the period using it", |r| {
        thousands(r.posts)
    }),
    Column::number(
        "Average reach",
        "Mean reach of those posts (posts without reach left out)",
        |r| figure(r.average_reach),
    ),
    Column::number(
        "Average engagement (by reach)",
        "Mean of the posts' interactions divided by reach",
        |r| percent(r.average_engagement),
    ),
    Column::text("Best post", |r| {
        r.best_post.as_ref().map_or_else(
            || "—".to_owned(),
            |p| {
                format!(
                    "{} ({})",
                    caption_start(p.caption.as_deref()),
                    percent(p.engagement_by_reach)
                )
            },
        )
    }),
];

#[component]
pub fn HashtagsPage() -> impl IntoView {
    let query = use_query_map();
    let data = resource(
        move || period_query(&query.read()),
        |q| async move { hashtags(q?).await },
    );
    let accounts = accounts_resource();
    view! {
        <Title text="Hashtags" />
        <h1>"Hashtags"</h1>
        <DashboardFilters accounts />
        <DashboardData accounts data render=|h| view! { <HashtagsBody h /> } />
    }
}

#[component]
fn HashtagsBody(h: Hashtags) -> impl IntoView {
    let Hashtags { period, rows } = h;
    let line = format!(
        "Posts published {} to {} (UTC), by the hashtags in their captions.",
        period.from, period.to
    );
    if rows.is_empty() {
        return view! {
            <p class="period">{line}</p>
            <p class="empty-state">"No post of this period has a hashtag."</p>
        }
        .into_any();
    }
    view! {
        <p class="period">{line}</p>
        <DataTable name="hashtags" label="Hashtags" columns=&COLUMNS rows />
    }
    .into_any()
}
