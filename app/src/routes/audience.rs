//! `/audience`: who the followers and the engaged audience are (age and gender, countries,
//! cities), as Meta counted them on a captured day, side by side, and what changed since an
//! earlier day. Meta keeps no history of these; the poller captures them daily.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::api::analytics::audience;
use crate::components::chart::day_x;
use crate::components::dashboard::{
    accounts_resource, DashboardData, DashboardFilters, QueryInput,
};
use crate::components::number::{count, percent};
use crate::components::table::{Column, DataTable};
use crate::components::url_state::audience_query;
use crate::dto::{Audience, AudienceBreakdown, AudienceShare, AudienceSide};
use crate::resource::resource;

#[component]
pub fn AudiencePage() -> impl IntoView {
    let query = use_query_map();
    let data = resource(
        move || audience_query(&query.read()),
        |q| async move { audience(q?).await },
    );
    let accounts = accounts_resource();
    view! {
        <Title text="Audience" />
        <h1>"Audience"</h1>
        <DashboardFilters
            accounts
            without_period=true
            extra=|| {
                view! {
                    <QueryInput name="date" label="Day" date=true />
                    <QueryInput name="since" label="Compare with" date=true />
                }
            }
        />
        <DashboardData accounts data render=|a| view! { <AudienceBody a /> } />
    }
}

#[component]
fn AudienceBody(a: Audience) -> impl IntoView {
    let Some(date) = a.date.clone() else {
        return view! {
            <p class="empty-state" data-testid="audience-empty">
                "No audience has been captured yet. Meta gives demographics only as they are \
                 today, so the poller reads them once a day from the first sync on."
            </p>
        }
        .into_any();
    };
    let compared = a.since.is_some();
    let line = match &a.since {
        Some(since) => format!(
            "As Meta counted it on {}, compared with {}.",
            long_day(&date),
            long_day(since)
        ),
        None => format!(
            "As Meta counted it on {}. {} captured days; pick an earlier one to see what changed.",
            long_day(&date),
            a.days.len()
        ),
    };
    view! {
        <p class="period-line" data-testid="audience-day">{line}</p>
        <div class="audience-sides">
            <Side
                title="Followers"
                note="Who follows the accounts."
                testid="audience-followers"
                side=a.followers
                compared
            />
            <Side
                title="Engaged audience"
                note="Who liked, commented, saved, shared or replied this month."
                testid="audience-engaged"
                side=a.engaged
                compared
            />
        </div>
    }
    .into_any()
}

/// `2026-12-06` → `Dec 6, 2026`.
fn long_day(date: &str) -> String {
    match day_x(date) {
        Some(x) => format!("{}, {}", crate::components::chart::day_label(x), &date[..4]),
        None => date.to_owned(),
    }
}

#[component]
fn Side(
    title: &'static str,
    note: &'static str,
    testid: &'static str,
    side: AudienceSide,
    compared: bool,
) -> impl IntoView {
    view! {
        <section class="audience-side card" data-testid=testid>
            <h2>{title}</h2>
            <p class="hint">{note}</p>
            <h3>"Age and gender"</h3>
            <Withheld b=side.age_gender.clone() />
            <Bars rows=age_gender_rows(&side.age_gender) />
            <h3>"Top countries"</h3>
            <Places b=side.country name="countries" label="Countries" compared />
            <h3>"Top cities"</h3>
            <Places b=side.city name="cities" label="Cities" compared />
        </section>
    }
}

/// Meta's reason when a breakdown has no values, and how many accounts lack it otherwise.
#[component]
fn Withheld(b: AudienceBreakdown) -> impl IntoView {
    match (b.unavailable, b.missing) {
        (Some(reason), _) => Some(view! { <p class="empty-state" data-testid="audience-unavailable">{format!("Not available: {reason}.")}</p> }.into_any()),
        (None, 0) => None,
        (None, n) => Some(view! { <p class="hint">{format!("{n} of the accounts shown have no figures for this (fewer than 100 followers, or not captured that day).")}</p> }.into_any()),
    }
}

/// Ages in their natural order, each split into women, men and unspecified.
fn age_gender_rows(b: &AudienceBreakdown) -> Vec<(String, i64)> {
    let mut rows: Vec<(&AudienceShare, String)> = b
        .rows
        .iter()
        .filter_map(|s| match s.keys.as_slice() {
            [age, gender] => Some((s, format!("{age} · {}", gender_name(gender)))),
            _ => None,
        })
        .collect();
    rows.sort_by(|(a, _), (b, _)| a.keys.cmp(&b.keys));
    rows.into_iter()
        .map(|(s, label)| (label, s.value))
        .collect()
}

fn gender_name(code: &str) -> &str {
    match code {
        "F" => "women",
        "M" => "men",
        "U" => "unspecified",
        other => other,
    }
}

/// Horizontal bars, each as long as its share of the largest.
#[component]
fn Bars(rows: Vec<(String, i64)>) -> impl IntoView {
    let max = rows.iter().map(|r| r.1).max().unwrap_or(0).max(1) as f64;
    view! {
        <ul class="bars" data-testid="audience-bars">
            {rows
                .into_iter()
                .map(|(label, value)| {
                    let width = format!("width:{:.1}%", value as f64 / max * 100.0);
                    view! {
                        <li class="bar-row">
                            <span class="bar-label">{label}</span>
                            <span class="bar-track"><span class="bar" style=width></span></span>
                            <span class="bar-value num">{count(Some(value))}</span>
                        </li>
                    }
                })
                .collect_view()}
        </ul>
    }
}

/// One country or city: its count, its share of the values Meta listed, and the change.
#[derive(Clone)]
struct Place {
    name: String,
    value: i64,
    share: f64,
    change: Option<String>,
}

const PLACE: Column<Place> = Column::text("Place", |p| p.name.clone());
const PEOPLE: Column<Place> = Column::number("People", "", |p| count(Some(p.value)));
const SHARE: Column<Place> =
    Column::number("Share", "Of the values Meta lists (its top 45)", |p| {
        percent(Some(p.share))
    });
const CHANGE: Column<Place> = Column::number(
    "Change",
    "Since the day compared with; new: not among Meta's values then",
    |p| p.change.clone().unwrap_or_default(),
);
const PLACES: [Column<Place>; 3] = [PLACE, PEOPLE, SHARE];
const PLACES_COMPARED: [Column<Place>; 4] = [PLACE, PEOPLE, SHARE, CHANGE];

#[component]
fn Places(
    b: AudienceBreakdown,
    name: &'static str,
    label: &'static str,
    compared: bool,
) -> impl IntoView {
    let total: i64 = b.rows.iter().map(|s| s.value).sum();
    let places: Vec<Place> = b
        .rows
        .iter()
        .map(|s| Place {
            name: s.keys.join(", "),
            value: s.value,
            share: s.value as f64 / total.max(1) as f64,
            change: compared.then(|| change(s)),
        })
        .collect();
    let bars: Vec<(String, i64)> = places
        .iter()
        .take(10)
        .map(|p| (p.name.clone(), p.value))
        .collect();
    let columns: &'static [Column<Place>] = if compared { &PLACES_COMPARED } else { &PLACES };
    view! {
        <Withheld b=b.clone() />
        {(!places.is_empty()).then(|| view! {
            <Bars rows=bars />
            <details>
                <summary>{format!("All {} {}", places.len(), label.to_lowercase())}</summary>
                <DataTable name label columns rows=places />
            </details>
        })}
    }
}

/// `+12`, `−3`, `0` or `new`.
fn change(s: &AudienceShare) -> String {
    match s.before {
        None => "new".into(),
        Some(before) => {
            let d = s.value - before;
            if d < 0 {
                format!("\u{2212}{}", count(Some(-d)))
            } else if d > 0 {
                format!("+{}", count(Some(d)))
            } else {
                "0".into()
            }
        }
    }
}
