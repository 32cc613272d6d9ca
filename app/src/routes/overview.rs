//! `/`: how the connected accounts did in a period, compared with the period before. All of
//! its state (account, range) is in the URL, so a link shows a colleague the same view.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Form;
use leptos_router::hooks::use_query_map;

use crate::api::accounts::list_accounts;
use crate::api::analytics::overview;
use crate::components::error_view::ErrorView;
use crate::components::number::{figure, percent, signed_percent, thousands};
use crate::components::url_state::{period_query, RANGES};
use crate::dto::{DayPoint, Kpi, KpiUnit, Overview, PeriodView, PostSummary};

#[component]
pub fn OverviewPage() -> impl IntoView {
    let query = use_query_map();
    let data = Resource::new(
        move || period_query(&query.read()),
        |q| async move { overview(q?).await },
    );
    let accounts = Resource::new(|| (), |_| list_accounts());
    view! {
        <Title text="Overview" />
        <h1>"Overview"</h1>
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match accounts.await {
                    Ok(list) if list.is_empty() => {
                        view! {
                            <p class="empty-state">
                                "No Instagram account is connected yet. Once an admin connects one on the "
                                <a href="/accounts">"Accounts"</a>
                                " page, followers, reach and engagement appear here."
                            </p>
                        }
                            .into_any()
                    }
                    Ok(list) => {
                        let choices: Vec<(i64, String)> = list
                            .into_iter()
                            .map(|a| (a.id, a.username))
                            .collect();
                        view! {
                            <PeriodForm choices />
                            <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
                                {move || Suspend::new(async move {
                                    match data.await {
                                        Ok(o) => view! { <OverviewBody o /> }.into_any(),
                                        Err(error) => view! { <ErrorView error /> }.into_any(),
                                    }
                                })}
                            </Transition>
                        }
                            .into_any()
                    }
                    Err(error) => view! { <ErrorView error /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// Account and range pickers. A GET form: submitting changes the URL (client-side once
/// hydrated), and the URL is what the figures are read from.
#[component]
fn PeriodForm(choices: Vec<(i64, String)>) -> impl IntoView {
    let query = use_query_map();
    let current = move |name: &str| query.read().get(name).unwrap_or_default();
    let range = move || {
        Some(current("range"))
            .filter(|r| !r.is_empty())
            .unwrap_or_else(|| "30".into())
    };
    view! {
        <Form method="GET" action="" attr:class="inline-form filters" attr:id="period-form">
            <div class="field">
                <label for="period-account">"Account"</label>
                <select id="period-account" name="account">
                    <option value="">"All accounts"</option>
                    {choices
                        .into_iter()
                        .map(|(id, name)| {
                            view! {
                                <option value=id selected=move || current("account") == id.to_string()>
                                    {format!("@{name}")}
                                </option>
                            }
                        })
                        .collect_view()}
                </select>
            </div>
            <div class="field">
                <label for="period-range">"Period"</label>
                <select id="period-range" name="range">
                    {RANGES
                        .into_iter()
                        .map(|(value, label)| {
                            view! {
                                <option value=value selected=move || range() == value>
                                    {label}
                                </option>
                            }
                        })
                        .collect_view()}
                </select>
            </div>
            <div class="field">
                <label for="period-from">"From"</label>
                <input id="period-from" type="date" name="from" value=move || current("from") />
            </div>
            <div class="field">
                <label for="period-to">"To"</label>
                <input id="period-to" type="date" name="to" value=move || current("to") />
            </div>
            <button type="submit">"Show"</button>
        </Form>
    }
}

#[component]
fn OverviewBody(o: Overview) -> impl IntoView {
    let Overview {
        period,
        kpis,
        days,
        top_posts,
    } = o;
    view! {
        <PeriodLine period />
        <ul class="kpis">
            {kpis.into_iter().map(|kpi| view! { <KpiCard kpi /> }).collect_view()}
        </ul>
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

/// One figure with its change. "—" whenever a number is unknown or undefined.
#[component]
fn KpiCard(kpi: Kpi) -> impl IntoView {
    let show = |v: Option<f64>| match kpi.unit {
        KpiUnit::Count => figure(v),
        KpiUnit::Rate => percent(v),
    };
    let direction = match kpi.change {
        Some(c) if c > 0.0 => "up",
        Some(c) if c < 0.0 => "down",
        _ => "flat",
    };
    view! {
        <li class="kpi card" data-kpi=kpi.key.clone() title=kpi.help.clone()>
            <h2>{kpi.label.clone()}</h2>
            <p class="kpi-value">{show(kpi.value)}</p>
            <p class=format!("kpi-change {direction}")>
                {signed_percent(kpi.change)} <span class="hint">{format!(" vs {}", show(kpi.previous))}</span>
            </p>
        </li>
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
            <table class="data-table top-posts">
                <thead>
                    <tr>
                        <th scope="col">"Post"</th>
                        <th scope="col">"Published"</th>
                        <th scope="col" class="num">"Interactions"</th>
                        <th scope="col" class="num">"Reach"</th>
                        <th scope="col" class="num" title="Interactions divided by reach">
                            "Engagement (by reach)"
                        </th>
                    </tr>
                </thead>
                <tbody>
                    {posts.into_iter().map(|post| view! { <TopPostRow post /> }).collect_view()}
                </tbody>
            </table>
        </section>
    }
    .into_any()
}

/// The first words of a caption, enough to recognise the post.
fn caption_start(caption: Option<&str>) -> String {
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

#[component]
fn TopPostRow(post: PostSummary) -> impl IntoView {
    let kind = post.product_type.to_lowercase();
    view! {
        <tr data-post-id=post.id>
            <td>
                <div class="post-cell">
                    {post
                        .thumbnail_url
                        .clone()
                        .map(|src| view! { <img class="thumb" src=src alt="" width="40" height="40" loading="lazy" /> })}
                    <span class=format!("badge type-{kind}")>{kind.clone()}</span>
                    <span class="caption">{caption_start(post.caption.as_deref())}</span>
                    <span class="hint">{format!(" @{}", post.username)}</span>
                </div>
            </td>
            <td>{post.published}</td>
            <td class="num">{thousands(post.interactions)}</td>
            <td class="num">{post.reach.map_or_else(|| "—".to_owned(), thousands)}</td>
            <td class="num">{percent(post.engagement_by_reach)}</td>
        </tr>
    }
}

/// The daily figures behind the cards, as a table anyone (and any screen reader) can read.
#[component]
fn DailyTable(days: Vec<DayPoint>) -> impl IntoView {
    let cell = |v: Option<i64>| v.map_or_else(|| "—".to_owned(), thousands);
    view! {
        <details class="daily">
            <summary>"Daily figures"</summary>
            <table class="data-table">
                <thead>
                    <tr>
                        <th scope="col">"Day"</th>
                        <th scope="col" class="num">"Followers"</th>
                        <th scope="col" class="num">"Reach"</th>
                        <th scope="col" class="num">"Views"</th>
                    </tr>
                </thead>
                <tbody>
                    {days
                        .into_iter()
                        .rev()
                        .map(|d| {
                            view! {
                                <tr>
                                    <td>{d.date}</td>
                                    <td class="num">{cell(d.followers)}</td>
                                    <td class="num">{cell(d.reach)}</td>
                                    <td class="num">{cell(d.views)}</td>
                                </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
            </table>
        </details>
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
