//! `/stories`: every story of the period with its final figures — kept after Meta drops a
//! story's insights at 24 hours — sorted and paged on the server, all of it in the URL.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::api::analytics::stories;
use crate::components::dashboard::{
    accounts_resource, DashboardData, DashboardFilters, QuerySelect,
};
use crate::components::number::{count, percent, thousands};
use crate::components::pager::Pager;
use crate::components::posts_table::{heading, PostCell};
use crate::components::table::{csv, Column, CsvLink, TableScroll};
use crate::components::url_state::stories_query;
use crate::dto::{PostSummary, StoriesPage, StorySort};
use crate::metrics::story_completion;
use crate::resource::resource;

/// Shown on the completion rate's heading: how it is worked out.
const COMPLETION_HELP: &str =
    "Views that did not end with the viewer leaving Stories: (views − exits) / views";

const COLUMNS: [Column<PostSummary>; 9] = [
    Column::text("Published (UTC)", |s| s.published.clone()),
    Column::text("Account", |s| format!("@{}", s.username)),
    Column::number("Reach", "Accounts that saw the story", |s| count(s.reach)),
    Column::number("Views", "Times the story was shown", |s| count(s.views)),
    Column::number(
        "Replies",
        "Replies sent (Meta reports none in the EU and Japan)",
        |s| count(s.depth.replies),
    ),
    Column::number("Taps forward", "Taps to the next story", |s| {
        count(s.depth.taps_forward)
    }),
    Column::number("Taps back", "Taps to the previous story", |s| {
        count(s.depth.taps_back)
    }),
    Column::number("Exits", "Times a viewer left Stories from this one", |s| {
        count(s.depth.exits)
    }),
    Column::number("Completion rate", COMPLETION_HELP, |s| {
        percent(story_completion(s.views, s.depth.exits))
    }),
];

#[component]
pub fn StoriesPage() -> impl IntoView {
    let query = use_query_map();
    let data = resource(
        move || stories_query(&query.read()),
        |q| async move { stories(q?).await },
    );
    let accounts = accounts_resource();
    let sorts: Vec<(&'static str, &'static str)> = StorySort::ALL[1..]
        .iter()
        .map(|s| (s.as_str(), s.label()))
        .collect();
    view! {
        <Title text="Stories" />
        <h1>"Stories"</h1>
        <DashboardFilters
            accounts
            extra=move || {
                view! { <QuerySelect name="sort" label="Sort by" any="Newest" options=sorts.clone() /> }
            }
        />
        <DashboardData accounts data render=|page| view! { <StoriesBody page /> } />
    }
}

#[component]
fn StoriesBody(page: StoriesPage) -> impl IntoView {
    let StoriesPage {
        period,
        stories,
        total,
        page,
        pages,
    } = page;
    let summary = format!(
        "{} stories published {} to {} (UTC), each with its last figures before Meta dropped them.",
        thousands(total),
        period.from,
        period.to
    );
    if stories.is_empty() {
        let text = if total == 0 {
            "No story was collected in this period."
        } else {
            "This page is past the last one."
        };
        return view! {
            <p class="period">{summary}</p>
            <p class="empty-state">{text}</p>
            <Pager path="/stories" page pages />
        }
        .into_any();
    }
    let csv = csv(&COLUMNS, &stories);
    view! {
        <p class="period">{summary}</p>
        <CsvLink name="stories" csv />
        <TableScroll label="Stories">
            <table class="data-table posts-table" data-table="stories" data-testid="stories-table">
                <thead>
                    <tr>
                        <th scope="col">"Story"</th>
                        {COLUMNS.iter().map(heading).collect_view()}
                    </tr>
                </thead>
                <tbody>
                    {stories
                        .into_iter()
                        .map(|story| {
                            let id = story.id;
                            let cells = COLUMNS
                                .iter()
                                .map(|c| {
                                    let name = c.label.to_lowercase().replace(['(', ')'], "");
                                    let cell = format!("story-{}", name.replace(' ', "-"));
                                    view! { <td class=c.class() data-testid=cell>{(c.text)(&story)}</td> }
                                })
                                .collect_view();
                            view! {
                                <tr data-post-id=id.0 data-testid="story-row">
                                    <td>
                                        <PostCell post=story />
                                    </td>
                                    {cells}
                                </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
            </table>
        </TableScroll>
        <Pager path="/stories" page pages />
    }
    .into_any()
}
