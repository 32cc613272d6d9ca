//! `/best-time`: when the period's posts engaged best, by weekday and hour in the viewer's
//! time zone (kept in the URL as `tz`, so a shared link shows the same grid).

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_navigate, use_query_map};
use leptos_router::NavigateOptions;

use crate::api::analytics::best_time;
use crate::components::chart::compact;
use crate::components::dashboard::{
    accounts_resource, DashboardData, DashboardFilters, QueryInput,
};
use crate::components::number::{figure, percent};
use crate::components::table::{csv, Column, CsvLink, TableScroll};
use crate::components::url_state::{best_time_query, with_params};
use crate::dto::{BestTime, HeatCell, OnlineCell, PeriodView};
use crate::resource::resource;

const WEEKDAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

/// `Mon` … `Sun` for 0 … 6.
fn weekday(day: u8) -> &'static str {
    WEEKDAYS[usize::from(day % 7)]
}

/// `08:00` for 8.
fn hour(hour: u8) -> String {
    format!("{hour:02}:00")
}

const COLUMNS: [Column<HeatCell>; 4] = [
    Column::text("Weekday", |c| weekday(c.weekday).to_owned()),
    Column::number("Hour", "Local hour the posts were published", |c| {
        hour(c.hour)
    }),
    Column::number("Posts", "", |c| c.posts.to_string()),
    Column::number("Average engagement (by reach)", "", |c| {
        percent(c.average_engagement)
    }),
];

const ONLINE_COLUMNS: [Column<OnlineCell>; 4] = [
    Column::text("Weekday", |c| weekday(c.weekday).to_owned()),
    Column::number("Hour", "Local hour", |c| hour(c.hour)),
    Column::number("Followers online (average)", "", |c| {
        figure(Some(c.average))
    }),
    Column::number("Days", "Captured days averaged", |c| c.days.to_string()),
];

#[component]
pub fn BestTimePage() -> impl IntoView {
    let query = use_query_map();
    let data = resource(
        move || best_time_query(&query.read()),
        |q| async move { best_time(q?).await },
    );
    let accounts = accounts_resource();
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
    let query = use_query_map();
    let online = move || query.read().get("show").as_deref() == Some("online");
    let link =
        move |show: Option<&str>| with_params("/best-time", &query.read(), &[("show", show)]);
    let BestTime {
        period,
        tz,
        cells,
        online: hours,
    } = b;
    view! {
        <div class="toggle" role="group" aria-label="What the grid shows">
            <a href=move || link(None) aria-current=move || (!online()).then_some("true")>
                "When your posts engaged"
            </a>
            <a href=move || link(Some("online")) aria-current=move || online().then_some("true")>
                "When your followers are online"
            </a>
        </div>
        {move || {
            if online() {
                online_grid(&period, &tz, hours.clone()).into_any()
            } else {
                posts_grid(&period, &tz, cells.clone()).into_any()
            }
        }}
    }
}

fn posts_grid(period: &PeriodView, tz: &str, cells: Vec<HeatCell>) -> impl IntoView {
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
    let grid = grid("Posts and engagement by weekday and hour", |day, at| {
        let c = cells.iter().find(|c| c.weekday == day && c.hour == at)?;
        let strength = c
            .average_engagement
            .map_or(0.0, |e| if best > 0.0 { e / best } else { 0.0 });
        let title = format!(
            "{} {} — {} post{}, {}",
            weekday(day),
            hour(at),
            c.posts,
            if c.posts == 1 { "" } else { "s" },
            percent(c.average_engagement)
        );
        Some((strength, c.posts.to_string(), title))
    });
    let csv = csv(&COLUMNS, &cells);
    view! {
        <p class="period">{line}</p>
        <CsvLink name="best-time" csv />
        {grid}
    }
    .into_any()
}

fn online_grid(period: &PeriodView, tz: &str, hours: Vec<OnlineCell>) -> impl IntoView {
    let line = format!(
        "Followers online {} to {}, by local weekday and hour in {tz}, averaged over the days captured. Darker = more followers online.",
        period.from, period.to
    );
    if hours.is_empty() {
        return view! {
            <p class="period">{line}</p>
            <p class="empty-state" data-testid="online-empty">
                "No followers-online figures for this period: Meta gives them for the last 30 days, for accounts with at least 100 followers, and the poller keeps them from the first sync on."
            </p>
        }
        .into_any();
    }
    let most = hours.iter().map(|c| c.average).fold(0.0_f64, f64::max);
    let grid = grid("Followers online by weekday and hour", |day, at| {
        let c = hours.iter().find(|c| c.weekday == day && c.hour == at)?;
        let title = format!(
            "{} {} — {} followers online on average ({} day{})",
            weekday(day),
            hour(at),
            figure(Some(c.average)),
            c.days,
            if c.days == 1 { "" } else { "s" },
        );
        let strength = if most > 0.0 { c.average / most } else { 0.0 };
        Some((strength, compact(c.average), title))
    });
    let csv = csv(&ONLINE_COLUMNS, &hours);
    view! {
        <p class="period">{line}</p>
        <CsvLink name="followers-online" csv />
        {grid}
    }
    .into_any()
}

/// A weekday × hour table; `cell` gives a cell's tint (0–1), its text and its description.
fn grid(
    label: &'static str,
    cell: impl Fn(u8, u8) -> Option<(f64, String, String)>,
) -> impl IntoView {
    let rows = (0..7u8)
        .map(|day| {
            let tds = (0..24u8)
                .map(|hour| match cell(day, hour) {
                    None => view! { <td class="heat empty"></td> }.into_any(),
                    Some((strength, text, title)) => {
                        view! {
                            <td class="heat" title=title.clone() aria-label=title style=format!("--heat:{strength:.3}") data-testid="heat-cell">
                                {text}
                            </td>
                        }
                        .into_any()
                    }
                })
                .collect_view();
            view! {
                <tr>
                    <th scope="row">{weekday(day)}</th>
                    {tds}
                </tr>
            }
        })
        .collect_view();
    view! {
        <TableScroll label>
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
}
