//! `/sync-log`: the poller's job log, newest first, filtered by account and outcome through
//! the query string (a plain GET form, so filters are links that can be shared).

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::api::accounts::list_accounts;
use crate::api::sync_log::{sync_runs, SYNC_LOG_LIMIT};
use crate::components::error_view::ErrorView;
use crate::components::number::thousands;
use crate::dto::{SyncOutcome, SyncRunView};
use crate::error::AppError;

/// A filter from the query string: absent, valid, or a value that makes no sense.
fn filter<T: std::str::FromStr>(raw: Option<String>, what: &str) -> Result<Option<T>, AppError> {
    match raw.filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(v) => v
            .parse()
            .map(Some)
            .map_err(|_| AppError::invalid(what, format!("Unknown {what} filter {v:?}."))),
    }
}

#[component]
pub fn SyncLogPage() -> impl IntoView {
    let query = use_query_map();
    let account = move || filter::<i64>(query.read().get("account"), "account");
    let outcome = move || filter::<SyncOutcome>(query.read().get("outcome"), "outcome");
    let runs = Resource::new(
        move || (account(), outcome()),
        |(account, outcome)| async move { sync_runs(account?, outcome?).await },
    );
    let accounts = Resource::new(|| (), |_| list_accounts());
    let chosen_account = move || account().ok().flatten();
    let chosen_outcome = move || outcome().ok().flatten();
    view! {
        <Title text="Sync log" />
        <h1>"Sync log"</h1>
        <form method="get" action="/sync-log" class="inline-form filters">
            <div class="field">
                <label for="filter-account">"Account"</label>
                <select id="filter-account" name="account">
                    <option value="">"All accounts"</option>
                    <Suspense>
                        {move || Suspend::new(async move {
                            accounts
                                .await
                                .unwrap_or_default()
                                .into_iter()
                                .map(|a| {
                                    view! {
                                        <option value=a.id selected=chosen_account() == Some(a.id)>
                                            {format!("@{}", a.username)}
                                        </option>
                                    }
                                })
                                .collect_view()
                        })}
                    </Suspense>
                </select>
            </div>
            <div class="field">
                <label for="filter-outcome">"Outcome"</label>
                <select id="filter-outcome" name="outcome">
                    <option value="">"All outcomes"</option>
                    {SyncOutcome::ALL
                        .into_iter()
                        .map(|o| {
                            view! {
                                <option value=o.as_str() selected=move || chosen_outcome() == Some(o)>
                                    {o.as_str().replace('_', " ")}
                                </option>
                            }
                        })
                        .collect_view()}
                </select>
            </div>
            <button type="submit">"Filter"</button>
        </form>
        <Transition fallback=|| view! { <p class="loading">"Loading runs…"</p> }>
            {move || Suspend::new(async move {
                match runs.await {
                    Ok(list) if list.is_empty() => {
                        view! { <p class="empty-state">"No sync runs match."</p> }.into_any()
                    }
                    Ok(list) => view! { <RunsTable list /> }.into_any(),
                    Err(error) => view! { <ErrorView error /> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn RunsTable(list: Vec<SyncRunView>) -> impl IntoView {
    let capped = list.len() as u64 >= SYNC_LOG_LIMIT;
    view! {
        <table class="data-table sync-runs">
            <caption class="visually-hidden">"Sync runs, newest first"</caption>
            <thead>
                <tr>
                    <th scope="col">"Started"</th>
                    <th scope="col">"Account"</th>
                    <th scope="col">"Trigger"</th>
                    <th scope="col">"Outcome"</th>
                    <th scope="col">"Duration"</th>
                    <th scope="col">"Requests"</th>
                    <th scope="col">"Rows written"</th>
                    <th scope="col">"Error"</th>
                </tr>
            </thead>
            <tbody>
                {list
                    .into_iter()
                    .map(|run| {
                        view! {
                            <tr data-outcome=run.outcome.as_str()>
                                <td>{run.started}</td>
                                <td>"@" {run.username}</td>
                                <td>{run.trigger}</td>
                                <td>
                                    <span class=format!("outcome outcome-{}", run.outcome.as_str())>
                                        {run.outcome.as_str().replace('_', " ")}
                                    </span>
                                </td>
                                <td>{run.duration_secs.map(|s| format!("{s} s")).unwrap_or_else(|| "…".into())}</td>
                                <td class="num">{thousands(i64::from(run.requests))}</td>
                                <td class="num">{thousands(i64::from(run.rows_written))}</td>
                                <td class="error-text">{run.error}</td>
                            </tr>
                        }
                    })
                    .collect_view()}
            </tbody>
        </table>
        {capped.then(|| view! { <p class="hint">{format!("Showing the newest {SYNC_LOG_LIMIT} runs.")}</p> })}
    }
}
