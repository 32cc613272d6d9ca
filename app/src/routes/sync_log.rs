//! `/sync-log`: the poller's job log, newest first, filtered by account and outcome through
//! the query string (a plain GET form, so filters are links that can be shared).

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::api::sync_log::{sync_runs, SYNC_LOG_LIMIT};
use crate::components::dashboard::accounts_resource;
use crate::components::error_view::ErrorView;
use crate::components::number::thousands;
use crate::components::refresh::refresh_while;
use crate::components::url_state::{param, workspace, WORKSPACE_PARAM};
use crate::dto::{AccountId, AccountSummary, SyncOutcome, SyncRunView, WorkspaceId};
use crate::error::AppError;
use crate::resource::resource;

/// How often the log refreshes while a run it shows is still going.
const RUNNING_REFRESH: std::time::Duration = std::time::Duration::from_secs(3);

/// `needs_reauth` → `needs reauth`: the wire name, readable.
fn outcome_label(outcome: SyncOutcome) -> String {
    outcome.as_str().replace('_', " ")
}

#[component]
pub fn SyncLogPage() -> impl IntoView {
    let query = use_query_map();
    let account = move || param::<AccountId>(&query.read(), "account");
    let outcome = move || param::<SyncOutcome>(&query.read(), "outcome");
    let chosen_workspace = move || workspace(&query.read());
    let tick = RwSignal::new(0u32);
    // A filter that makes no sense is reported by the page and never sent to the server.
    let runs = resource(
        move || (account(), outcome(), chosen_workspace(), tick.get()),
        |(account, outcome, ws, _)| async move { sync_runs(account?, outcome?, ws?).await },
    );
    refresh_while(
        tick,
        move || {
            runs.get()
                .and_then(Result::ok)
                .is_some_and(|list| list.iter().any(|r| r.outcome == SyncOutcome::Running))
        },
        RUNNING_REFRESH,
    );
    let accounts = accounts_resource();
    let chosen_account = move || account().ok().flatten();
    let chosen_outcome = move || outcome().ok().flatten();
    view! {
        <Title text="Sync log" />
        <h1>"Sync log"</h1>
        // The form is drawn once the accounts are known: a suspense boundary inside a
        // <select> leaves markers the HTML parser moves, which breaks hydration.
        <Suspense fallback=|| view! { <p class="loading">"Loading filters…"</p> }>
            {move || Suspend::new(async move {
                let accounts = accounts.await;
                let ws = chosen_workspace().ok().flatten();
                view! { <Filters accounts chosen_account chosen_outcome ws /> }
            })}
        </Suspense>
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

/// A plain GET form: the filters live in the URL (shareable, reloadable) and work before the
/// page is hydrated; the page reads them back with `use_query_map`.
#[component]
fn Filters(
    accounts: Result<Vec<AccountSummary>, AppError>,
    chosen_account: impl Fn() -> Option<AccountId> + Copy + Send + Sync + 'static,
    chosen_outcome: impl Fn() -> Option<SyncOutcome> + Copy + Send + Sync + 'static,
    ws: Option<WorkspaceId>,
) -> impl IntoView {
    let account_options = match accounts {
        Ok(list) => list
            .into_iter()
            .map(|a| {
                let id = a.id;
                view! {
                    <option value=id.0 selected=move || chosen_account() == Some(id)>
                        {format!("@{}", a.username)}
                    </option>
                }
            })
            .collect_view()
            .into_any(),
        // Inside a <select> only an option can say it; the runs below still load, and the
        // same failure shows there if it persists.
        Err(error) => view! {
            <option value="" disabled=true>
                {format!("Accounts unavailable: {error}")}
            </option>
        }
        .into_any(),
    };
    view! {
        <form method="get" action="/sync-log" class="inline-form filters" id="sync-log-filters">
            <div class="field">
                <label for="filter-account">"Account"</label>
                <select id="filter-account" name="account">
                    <option value="">"All accounts"</option>
                    {account_options}
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
                                    {outcome_label(o)}
                                </option>
                            }
                        })
                        .collect_view()}
                </select>
            </div>
            {ws.map(|ws| view! { <input type="hidden" name=WORKSPACE_PARAM value=ws.0 /> })}
            <button type="submit">"Filter"</button>
        </form>
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
                    <th scope="col" class="num">"Requests"</th>
                    <th scope="col" class="num">"Rows written"</th>
                    <th scope="col">"Error"</th>
                </tr>
            </thead>
            <tbody>{list.into_iter().map(|run| view! { <RunRow run /> }).collect_view()}</tbody>
        </table>
        {capped
            .then(|| {
                view! {
                    <p class="hint">
                        {format!("Showing the newest {SYNC_LOG_LIMIT} runs; filter to see older ones.")}
                    </p>
                }
            })}
    }
}

#[component]
fn RunRow(run: SyncRunView) -> impl IntoView {
    // A run without a duration has not finished (or its instance died and it is not closed yet).
    let duration = run
        .duration_secs
        .map_or_else(|| "…".to_owned(), |s| format!("{s} s"));
    view! {
        <tr data-outcome=run.outcome.as_str() data-account-id=run.account_id.0 data-testid="sync-run-row">
            <td>{run.started}</td>
            <td>"@" {run.username}</td>
            <td>{run.trigger}</td>
            <td>
                <span class=format!(
                    "outcome outcome-{}",
                    run.outcome.as_str(),
                )>{outcome_label(run.outcome)}</span>
            </td>
            <td>{duration}</td>
            <td class="num">{thousands(run.requests)}</td>
            <td class="num">{thousands(run.rows_written)}</td>
            <td class="error-text">{run.error}</td>
        </tr>
    }
}
