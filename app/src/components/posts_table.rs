//! The table of posts the Overview (top posts) and the Posts page share, and its CSV.

use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_query_map;

use crate::components::number::{count, duration_ms, percent, skip_rate};
use crate::components::table::{csv, Column, CsvLink, TableScroll};
use crate::components::url_state::with_params;
use crate::dto::{PostKind, PostSort, PostSummary};

fn kind(post: &PostSummary) -> &'static str {
    PostKind::of(&post.product_type, post.media_type.as_deref()).map_or("Story", PostKind::label)
}

/// The first words of a caption, enough to recognise the post.
pub fn caption_start(caption: Option<&str>) -> String {
    const WORDS: usize = 12;
    let Some(caption) = caption.filter(|c| !c.trim().is_empty()) else {
        return "(no caption)".into();
    };
    let words: Vec<&str> = caption.split_whitespace().collect();
    if words.len() > WORDS {
        format!("{}…", words[..WORDS].join(" "))
    } else {
        words.join(" ")
    }
}

/// What identifies a post; the table shows these four together in its first cell.
const IDENTITY: usize = 4;

/// The reels' own figures, last: they are not sort keys (each page reads their newest values,
/// which are not kept with the post).
const REELS: usize = 3;

/// Every column, in CSV order. After the identity, one column per [`PostSort`], in
/// `PostSort::ALL`'s order: those headings sort the Posts page. Then the reels' figures.
pub const POST_COLUMNS: [Column<PostSummary>; IDENTITY + PostSort::ALL.len() + REELS] = [
    Column::text("Account", |p| format!("@{}", p.username)),
    Column::text("Type", |p| kind(p).to_owned()),
    Column::text("Caption", |p| caption_start(p.caption.as_deref())),
    Column::text("Hashtags", |p| p.hashtags.iter().map(|t| format!("#{t}")).collect::<Vec<_>>().join(" ")),
    Column::text("Published (UTC)", |p| p.published.clone()),
    Column::number("Likes", "", |p| count(p.likes)),
    Column::number("Comments", "", |p| count(p.comments)),
    Column::number("Saves", "", |p| count(p.saves)),
    Column::number("Shares", "", |p| count(p.shares)),
    Column::number("Reach", "Accounts that saw the post at least once", |p| count(p.reach)),
    Column::number("Views", "Times the post was shown (Meta's views)", |p| count(p.views)),
    Column::number(
        "Engagement (by reach)",
        "Likes + comments + saves + shares, divided by reach",
        |p| percent(p.engagement_by_reach),
    ),
    Column::number(
        "Engagement (by followers)",
        "Likes + comments + saves + shares, divided by the account's followers when measured",
        |p| percent(p.engagement_by_followers),
    ),
    Column::number(
        "Impact",
        "0–100: how this post's weighted engagement per reach ranks among its account's posts of the same kind",
        |p| p.impact.map_or_else(|| "—".to_owned(), |i| i.to_string()),
    ),
    Column::number("Avg watch", "Reels: how long a play lasted on average", |p| {
        duration_ms(p.depth.avg_watch_ms)
    }),
    Column::number("Watch time", "Reels: time watched over all plays", |p| {
        duration_ms(p.depth.total_watch_ms)
    }),
    Column::number("Skip rate", "Reels: share of plays skipped in the first 3 seconds", |p| {
        skip_rate(p.depth.skip_rate)
    }),
];

/// The sort key of each figure column, in order; `None` for the reels' figures.
fn sorts() -> impl Iterator<Item = Option<PostSort>> {
    PostSort::ALL
        .into_iter()
        .map(Some)
        .chain(std::iter::repeat(None))
}

/// Thumbnail, type badge, caption start and account, linking to the post's page.
#[component]
pub fn PostCell(post: PostSummary) -> impl IntoView {
    let kind = kind(&post);
    view! {
        <div class="post-cell">
            {post
                .thumbnail_url
                .clone()
                .map(|src| view! { <img class="thumb" src=src alt="" width="40" height="40" loading="lazy" /> })}
            <span class=format!("badge type-{}", kind.to_lowercase())>{kind}</span>
            <A href=format!("/posts/{}", post.id) attr:class="caption" attr:data-testid="post-link">
                {caption_start(post.caption.as_deref())}
            </A>
            <span class="hint">{format!(" @{}", post.username)}</span>
            {(!post.hashtags.is_empty())
                .then(|| {
                    view! {
                        <span class="tags">
                            {post.hashtags.iter().map(|t| format!("#{t}")).collect::<Vec<_>>().join(" ")}
                        </span>
                    }
                })}
        </div>
    }
}

/// Posts with every figure. With `sortable`, the figure headings are links that sort by
/// that column (a second click flips the direction), kept in the URL. With `reels`, the
/// reels' own figures follow (the Overview's short list leaves them to the Posts page).
#[component]
pub fn PostsTable(
    /// The download's file name.
    name: &'static str,
    /// What the table holds: its frame's name.
    label: &'static str,
    posts: Vec<PostSummary>,
    #[prop(optional)] sortable: bool,
    #[prop(optional)] reels: bool,
) -> impl IntoView {
    let shown = if reels {
        &POST_COLUMNS[..]
    } else {
        &POST_COLUMNS[..IDENTITY + PostSort::ALL.len()]
    };
    let figures = &shown[IDENTITY..];
    let headings: Vec<AnyView> = figures
        .iter()
        .zip(sorts())
        .map(|(c, sort)| match sort.filter(|_| sortable) {
            Some(sort) => view! { <SortHeading column=c sort /> }.into_any(),
            None => heading(c),
        })
        .collect();
    let cell_ids: Vec<String> = figures
        .iter()
        .zip(sorts())
        .map(|(c, sort)| {
            let name = sort.map_or_else(|| c.label.to_lowercase(), |s| s.as_str().to_owned());
            format!("post-{}", name.replace(['_', ' '], "-"))
        })
        .collect();
    // The Stories table has the same frame; it is not shared through one component because
    // the Overview's table would then pull the Stories page's code into the main WASM module
    // (measured: +42 KB).
    let csv = csv(shown, &posts);
    view! {
        <CsvLink name csv />
        <TableScroll label>
            <table class="data-table posts-table" data-table=name data-testid=format!("{name}-table")>
                <thead>
                    <tr>
                        <th scope="col">"Post"</th>
                        {headings}
                    </tr>
                </thead>
                <tbody>
                    {posts
                        .into_iter()
                        .map(|post| {
                            let id = post.id;
                            let cells = figures
                                .iter()
                                .zip(&cell_ids)
                                .map(|(c, cell)| {
                                    view! { <td class=c.class() data-testid=cell.clone()>{(c.text)(&post)}</td> }
                                })
                                .collect_view();
                            view! {
                                <tr data-post-id=id.0 data-testid="post-row">
                                    <td>
                                        <PostCell post />
                                    </td>
                                    {cells}
                                </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
            </table>
        </TableScroll>
    }
}

/// A plain column heading, its tooltip saying what the number is.
pub fn heading(c: &'static Column<PostSummary>) -> AnyView {
    view! { <th scope="col" class=c.class() title=c.help>{c.label}</th> }.into_any()
}

#[component]
fn SortHeading(column: &'static Column<PostSummary>, sort: PostSort) -> impl IntoView {
    let query = use_query_map();
    let state = move || {
        let q = query.read();
        let current: PostSort = q
            .get("sort")
            .and_then(|s| s.parse().ok())
            .unwrap_or_default();
        let ascending = q.get("order").as_deref() == Some("asc");
        (current == sort).then_some(ascending)
    };
    let href = move || {
        // First click: highest (newest) first; on the sorted column, the other way round.
        let order = if state() == Some(false) {
            "asc"
        } else {
            "desc"
        };
        with_params(
            "/posts",
            &query.read(),
            &[
                ("sort", Some(sort.as_str())),
                ("order", Some(order)),
                ("page", None),
            ],
        )
    };
    let aria = move || match state() {
        Some(true) => "ascending",
        Some(false) => "descending",
        None => "none",
    };
    let arrow = move || match state() {
        Some(true) => " ▲",
        Some(false) => " ▼",
        None => "",
    };
    view! {
        <th
            scope="col"
            class=column.class()
            title=column.help
            aria-sort=aria
            data-sort=sort.as_str()
            data-testid=format!("sort-{}", sort.as_str().replace('_', "-"))
        >
            <A href=href>{column.label} {arrow}</A>
        </th>
    }
}

#[cfg(test)]
mod tests {
    use super::caption_start;

    #[test]
    fn captions_are_cut_at_twelve_words() {
        assert_eq!(caption_start(None), "(no caption)");
        assert_eq!(caption_start(Some("  ")), "(no caption)");
        assert_eq!(
            caption_start(Some("Sunset  at\nthe pier #sea")),
            "Sunset at the pier #sea"
        );
        let long = (1..=20)
            .map(|i| i.to_string())
            .collect::<Vec<_>>()
            .join(" ");
        assert_eq!(caption_start(Some(&long)), "1 2 3 4 5 6 7 8 9 10 11 12…");
    }
}
