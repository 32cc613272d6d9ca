//! `/posts/:id`: one post — its curves since publication from the snapshots (the time series
//! this product exists for), its figures, and its rank in its account.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use crate::api::analytics::post;
use crate::components::chart::{day_iso, LineChart, Series, XAxis};
use crate::components::error_view::ErrorView;
use crate::components::number::{count, duration_ms, figure, skip_rate, thousands};
use crate::components::posts_table::{caption_start, PostsTable};
use crate::components::table::{Column, DataTable};
use crate::dto::{MediaDepth, MediaId, PostDetail, SnapshotPoint};
use crate::error::AppError;
use crate::resource::resource;

#[component]
pub fn PostPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || {
        params
            .read()
            .get("id")
            .and_then(|id| id.parse::<MediaId>().ok())
            .ok_or(AppError::NotFound)
    };
    let data = resource(id, |id| async move { post(id?).await });
    view! {
        <Title text="Post" />
        <Transition fallback=|| view! { <p class="loading">"Loading post…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(detail) => view! { <PostBody detail /> }.into_any(),
                    Err(error) => view! { <ErrorView error /> }.into_any(),
                }
            })}
        </Transition>
    }
}

/// One metric of a snapshot.
type Metric = fn(&SnapshotPoint) -> Option<i64>;

/// A metric of the snapshots, as a chart line over hours since publication.
fn curve(name: &str, published: i64, snapshots: &[SnapshotPoint], value: Metric) -> Series {
    let points = snapshots
        .iter()
        .filter_map(|s| Some(((s.at - published) as f64 / 3_600.0, value(s)? as f64)))
        .collect();
    Series {
        name: name.into(),
        points,
    }
}

const SNAPSHOT_COLUMNS: [Column<SnapshotPoint>; 7] = [
    Column::text("Captured (UTC)", |s| utc_label(s.at)),
    Column::number("Likes", "", |s| count(s.likes)),
    Column::number("Comments", "", |s| count(s.comments)),
    Column::number("Saves", "", |s| count(s.saves)),
    Column::number("Shares", "", |s| count(s.shares)),
    Column::number("Reach", "", |s| count(s.reach)),
    Column::number("Views", "", |s| count(s.views)),
];

/// Unix seconds → `2026-03-05 14:00` (UTC).
fn utc_label(at: i64) -> String {
    let day = day_iso(at as f64);
    let secs = at.rem_euclid(crate::metrics::DAY);
    format!("{day} {:02}:{:02}", secs / 3_600, secs % 3_600 / 60)
}

#[component]
fn PostBody(detail: PostDetail) -> impl IntoView {
    let PostDetail {
        post,
        published_at,
        rank,
        ranked_among,
        mut snapshots,
    } = detail;
    let lines = |names: &[(&str, Metric)]| {
        names
            .iter()
            .map(|(n, f)| curve(n, published_at, &snapshots, *f))
            .collect::<Vec<_>>()
    };
    let story = post.product_type == "STORY";
    let audience = lines(&[("Reach", |s| s.reach), ("Views", |s| s.views)]);
    let (actions, actions_title) = if story {
        let lines = lines(&[
            ("Replies", |s| s.replies),
            ("Taps forward", |s| s.taps_forward),
            ("Exits", |s| s.exits),
        ]);
        (lines, "Replies, taps forward and exits over its 24 hours")
    } else {
        let lines = lines(&[
            ("Likes", |s| s.likes),
            ("Comments", |s| s.comments),
            ("Saves", |s| s.saves),
            ("Shares", |s| s.shares),
        ]);
        (lines, "Interactions since publication")
    };
    let reach_title = if story {
        "Reach and views over its 24 hours"
    } else {
        "Reach and views since publication"
    };
    snapshots.reverse();
    let title = if story {
        format!("Story of {}", post.published)
    } else {
        caption_start(post.caption.as_deref())
    };
    let ranked_by = if story {
        format!(" of the account's stories by reach ({})", count(post.reach))
    } else {
        format!(
            " of the account's posts by interactions ({})",
            thousands(post.interactions)
        )
    };
    view! {
        <h1 class="post-title">{title}</h1>
        <p class="period">
            {format!("@{} · published {} · ", post.username, post.published)}
            <strong data-rank=rank data-testid="post-rank">{format!("#{rank} of {ranked_among}")}</strong>
            {ranked_by}
            {post.permalink.clone().map(|href| view! { " · " <a href=href rel="external noopener" target="_blank">"Open on Instagram"</a> })}
        </p>
        {post.caption.clone().map(|c| view! { <p class="caption-full">{c}</p> })}
        <DepthFacts depth=post.depth.clone() />
        <PostsTable name="post" label="The post's figures" posts=vec![post] reels=true />
        <div class="charts">
            <LineChart attr:data-testid="post-reach-views-chart" title=reach_title series=audience x_axis=XAxis::Age y_label=|v| figure(Some(v)) />
            <LineChart attr:data-testid="post-interactions-chart" title=actions_title series=actions x_axis=XAxis::Age y_label=|v| figure(Some(v)) />
        </div>
        <details class="daily">
            <summary data-testid="snapshots-summary">{format!("Snapshots ({})", snapshots.len())}</summary>
            <DataTable name="snapshots" label="Snapshots" columns=&SNAPSHOT_COLUMNS rows=snapshots />
        </details>
    }
}

/// What only this post's type reports, where Meta reported it: the profile actions a feed post
/// or story led to, a reel's watch time and skip rate, a story's replies and taps.
#[component]
fn DepthFacts(depth: MediaDepth) -> impl IntoView {
    let counted = |v: Option<i64>| v.map(thousands);
    let timed = |v: Option<i64>| v.map(|ms| duration_ms(Some(ms)));
    let facts: Vec<(&str, &str, String)> = [
        ("follows", "Follows", counted(depth.follows)),
        (
            "profile-visits",
            "Profile visits",
            counted(depth.profile_visits),
        ),
        (
            "profile-activity",
            "Profile actions",
            counted(depth.profile_activity),
        ),
        ("avg-watch", "Average watch", timed(depth.avg_watch_ms)),
        ("watch-time", "Watch time", timed(depth.total_watch_ms)),
        (
            "skip-rate",
            "Skip rate",
            depth.skip_rate.map(|r| skip_rate(Some(r))),
        ),
        ("replies", "Replies", counted(depth.replies)),
        ("taps-forward", "Taps forward", counted(depth.taps_forward)),
        ("taps-back", "Taps back", counted(depth.taps_back)),
        ("exits", "Exits", counted(depth.exits)),
    ]
    .into_iter()
    .filter_map(|(id, label, value)| Some((id, label, value?)))
    .collect();
    (!facts.is_empty()).then(|| {
        view! {
            <dl class="facts" data-testid="post-depth">
                {facts
                    .into_iter()
                    .map(|(id, label, value)| {
                        view! {
                            <div>
                                <dt>{label}</dt>
                                <dd data-testid=format!("depth-{id}")>{value}</dd>
                            </div>
                        }
                    })
                    .collect_view()}
            </dl>
        }
    })
}
