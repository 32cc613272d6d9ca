//! `/`: how the connected accounts did in a period, compared with the period before. All of
//! its state (account, range) is in the URL, so a link shows a colleague the same view.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_location, use_query_map};

use crate::api::analytics::overview;
use crate::components::chart::{daily, day_label, day_x, LineChart, XAxis};
use crate::components::dashboard::{accounts_resource, DashboardData, DashboardFilters};
use crate::components::number::{count, figure, kpi_value, signed_percent};
use crate::components::posts_table::PostsTable;
use crate::components::table::{Column, DataTable};
use crate::components::url_state::period_query;
use crate::dto::{Coverage, DayPoint, Kpi, Overview, PeriodView, PostSummary};
use crate::resource::resource;

#[component]
pub fn OverviewPage() -> impl IntoView {
    let query = use_query_map();
    let location = use_location();
    let data = resource(
        move || period_query(&query.read()),
        |q| async move { overview(q?).await },
    );
    let accounts = accounts_resource();
    view! {
        <Title text="Overview" />
        <h1>"Overview"</h1>
        // The same document the scheduled reports attach, for this selection (a plain
        // download, past the router).
        <p class="report-link">
            <a href=move || report_href(&location.search.get()) download rel="external">
                "Download PDF report"
            </a>
        </p>
        // The pickers and the figures are siblings, not nested: each boundary waits for its
        // own data, and the figures' transition keeps the old numbers while new ones load.
        <DashboardFilters accounts />
        <DashboardData accounts data render=|o| view! { <OverviewBody o /> } />
    }
}

/// `/report.pdf` with the page's query (`search` has no `?`).
fn report_href(search: &str) -> String {
    if search.is_empty() {
        "/report.pdf".into()
    } else {
        format!("/report.pdf?{search}")
    }
}

#[component]
fn OverviewBody(o: Overview) -> impl IntoView {
    let Overview {
        period,
        kpis,
        sources,
        days,
        top_posts,
    } = o;
    view! {
        <PeriodLine period />
        <KpiCards kpis label="Key figures" />
        <div class="charts">
            <LineChart
                attr:data-testid="followers-chart"
                title="Followers"
                series=vec![daily("Followers", &days, |d| d.followers)]
                x_axis=XAxis::Dates
                y_label=|v| figure(Some(v))
            />
            <LineChart
                attr:data-testid="reach-views-chart"
                title="Daily reach and views"
                series=vec![daily("Reach", &days, |d| d.reach), daily("Views", &days, |d| d.views)]
                x_axis=XAxis::Dates
                y_label=|v| figure(Some(v))
            />
        </div>
        // Below the charts, which stay in the first screenful.
        <KpiCards kpis=sources label="Where views and reach came from" />
        <TopPosts posts=top_posts />
        <DailyTable days />
    }
}

#[component]
fn PeriodLine(period: PeriodView) -> impl IntoView {
    view! {
        <p class="period">
            {format!(
                "{} to {} ({} days, UTC), compared with {} to {}.",
                period.from,
                period.to,
                period.days,
                period.previous_from,
                period.previous_to,
            )}
        </p>
    }
}

/// A grid of cards, named for screen readers; nothing when there are none.
#[component]
fn KpiCards(kpis: Vec<Kpi>, label: &'static str) -> impl IntoView {
    (!kpis.is_empty()).then(|| {
        view! {
            <ul class="kpis" aria-label=label>
                {kpis.into_iter().map(|kpi| view! { <KpiCard kpi /> }).collect_view()}
            </ul>
        }
    })
}

/// One figure with its change. "—" whenever a number is unknown or undefined.
#[component]
fn KpiCard(kpi: Kpi) -> impl IntoView {
    let show = |v: Option<f64>| kpi_value(kpi.unit, v);
    let direction = match kpi.change {
        Some(c) if c > 0.0 => "up",
        Some(c) if c < 0.0 => "down",
        _ => "flat",
    };
    view! {
        <li
            class="kpi card"
            data-kpi=kpi.key.clone()
            data-testid=format!("kpi-{}", kpi.key.replace('_', "-"))
            title=kpi.help.clone()
        >
            <h2>{kpi.label.clone()}</h2>
            <p class="kpi-value" data-testid="kpi-value">{show(kpi.value)}</p>
            {match uncovered(&kpi.coverage) {
                None => {
                    view! {
                        <p class=format!("kpi-change {direction}")>
                            {signed_percent(kpi.change)} <span class="hint">{format!(" vs {}", show(kpi.previous))}</span>
                        </p>
                    }
                        .into_any()
                }
                Some((text, why)) => {
                    view! {
                        <p class="kpi-change flat" title=why data-testid="kpi-uncovered">
                            {text}
                        </p>
                    }
                        .into_any()
                }
            }}
        </li>
    }
}

/// Why a card shows no change, in a few words and (its tooltip) a sentence; `None` when the
/// previous period is covered.
pub fn uncovered(coverage: &Coverage) -> Option<(String, &'static str)> {
    const WHY: &str = "The previous period starts before the data collected for this figure, \
        so a change would compare with days that were never collected.";
    match coverage {
        Coverage::Full => None,
        Coverage::From(date) => {
            let day = day_x(date).map_or_else(|| date.clone(), day_label);
            Some((format!("no comparison: data starts {day}"), WHY))
        }
        Coverage::Nothing => Some(("no comparison: no data collected yet".into(), WHY)),
    }
}

#[component]
fn TopPosts(posts: Vec<PostSummary>) -> impl IntoView {
    if posts.is_empty() {
        return view! {
            <section>
                <h2>"Top posts"</h2>
                <p class="empty-state">"No posts were published in this period."</p>
            </section>
        }
        .into_any();
    }
    view! {
        <section>
            <h2>"Top posts"</h2>
            <p class="hint">"The period's posts with the most interactions (likes, comments, saves and shares)."</p>
            <PostsTable name="top-posts" label="Top posts" posts />
        </section>
    }
    .into_any()
}

/// The daily figures behind the cards and charts, as a table anyone can read (and download).
const DAY_COLUMNS: [Column<DayPoint>; 4] = [
    Column::text("Day", |d| d.date.clone()),
    Column::number("Followers", "Followers at the end of the day", |d| {
        count(d.followers)
    }),
    Column::number("Reach", "Accounts reached that day", |d| {
        reported(d, d.reach)
    }),
    Column::number("Views", "Times content was shown that day", |d| {
        reported(d, d.views)
    }),
];

/// Meta reports a day only once it is over in its zone, often later.
fn reported(day: &DayPoint, value: Option<i64>) -> String {
    if day.pending {
        "not yet reported".into()
    } else {
        count(value)
    }
}

#[component]
fn DailyTable(mut days: Vec<DayPoint>) -> impl IntoView {
    days.reverse();
    view! {
        <details class="daily">
            <summary>"Daily figures"</summary>
            <DataTable name="daily" label="Daily figures" columns=&DAY_COLUMNS rows=days />
        </details>
    }
}
