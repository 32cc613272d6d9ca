//! `/best-time`: when the period's posts engaged best, by weekday and hour in the viewer's
//! time zone (kept in the URL as `tz`, so a shared link shows the same grid).

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_navigate, use_query_map};
use leptos_router::NavigateOptions;

use crate::api::accounts::list_accounts;
use crate::api::analytics::best_time;
use crate::components::dashboard::{DashboardData, DashboardFilters, QueryInput};
use crate::components::number::percent;
use crate::components::table::{csv, Column, CsvLink, TableScroll};
use crate::components::url_state::{best_time_query, with_params};
use crate::dto::{BestTime, HeatCell};
use crate::resource::resource;

const WEEKDAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

const COLUMNS: [Column<HeatCell>; 4] = [
    Column::text("Weekday", |c| {
        WEEKDAYS[usize::from(c.weekday % 7)].to_owned()
    }),
    Column::number("Hour", "Local hour the posts were published", |c| {
        format!("{:02}:00", c.hour)
    }),
    Column::number("Posts", "", |c| c.posts.to_string()),
    Column::number("Average engagement (by reach)", "", |c| {
        percent(c.average_engagement)
    }),
];

#[component]
pub fn BestTimePage() -> impl IntoView {
    let query = use_query_map();
    let data = resource(
        move || best_time_query(&query.read()),
        |q| async move { best_time(q?).await },
    );
    let accounts = resource(|| (), |_| list_accounts());
    // The server cannot know the viewer's zone: the browser adds it to the URL once.
    let navigate = use_navigate();
    Effect::new(move |_| {
        let q = query.read();
        if q.get("tz").is_none() {
            if let Some(tz) = browser_time_zone() {
                let to = with_params("/best-time", &q, &[("tz", Some(&tz))]);
                navigate(
                    &to,
                    NavigateOptions {
                        replace: true,
                        ..Default::default()
                    },
                );
            }
        }
    });
    view! {
        <Title text="Best time to post" />
        <h1>"Best time to post"</h1>
        <DashboardFilters
            accounts
            extra=|| view! { <QueryInput name="tz" label="Time zone" placeholder="Europe/Paris" /> }
        />
        <DashboardData accounts data render=|b| view! { <Heatmap b /> } />
    }
}

#[cfg(feature = "hydrate")]
fn browser_time_zone() -> Option<String> {
    let format = js_sys::Intl::DateTimeFormat::new(&js_sys::Array::new(), &js_sys::Object::new());
    js_sys::Reflect::get(&format.resolved_options(), &"timeZone".into())
        .ok()?
        .as_string()
}

#[cfg(not(feature = "hydrate"))]
fn browser_time_zone() -> Option<String> {
    None
}

#[component]
fn Heatmap(b: BestTime) -> impl IntoView {
    let BestTime { period, tz, cells } = b;
    let line = format!(
        "Posts published {} to {}, by local weekday and hour in {tz}. Darker = higher average engagement rate (by reach); the number is how many posts the cell averages.",
        period.from, period.to
    );
    if cells.is_empty() {
        return view! {
            <p class="period">{line}</p>
            <p class="empty-state">"No posts were published in this period."</p>
        }
        .into_any();
    }
    let best = cells
        .iter()
        .filter_map(|c| c.average_engagement)
        .fold(0.0_f64, f64::max);
    let cell_at = |day: u8, hour: u8| cells.iter().find(|c| c.weekday == day && c.hour == hour);
    let rows = (0..7u8)
        .map(|day| {
            let tds = (0..24u8)
                .map(|hour| match cell_at(day, hour) {
                    None => view! { <td class="heat empty"></td> }.into_any(),
                    Some(c) => {
                        let strength = c.average_engagement.map_or(0.0, |e| if best > 0.0 { e / best } else { 0.0 });
                        let title = format!(
                            "{} {:02}:00 — {} post{}, {}",
                            WEEKDAYS[usize::from(day)],
                            hour,
                            c.posts,
                            if c.posts == 1 { "" } else { "s" },
                            percent(c.average_engagement)
                        );
                        view! {
                            <td class="heat" title=title.clone() aria-label=title style=format!("--heat:{strength:.3}") data-posts=c.posts data-testid="heat-cell">
                                {c.posts}
                            </td>
                        }
                        .into_any()
                    }
                })
                .collect_view();
            view! {
                <tr>
                    <th scope="row">{WEEKDAYS[usize::from(day)]}</th>
                    {tds}
                </tr>
            }
        })
        .collect_view();
    let csv = csv(&COLUMNS, &cells);
    view! {
        <p class="period">{line}</p>
        <CsvLink name="best-time" csv />
        <TableScroll label="Posts and engagement by weekday and hour">
            <table class="heatmap" data-table="best-time">
                <thead>
                    <tr>
                        <th></th>
                        {(0..24).map(|h| view! { <th scope="col">{format!("{h:02}")}</th> }).collect_view()}
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </TableScroll>
    }
    .into_any()
}
