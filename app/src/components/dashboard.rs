//! What every dashboard page shares: the account and period pickers, kept in the URL.

use leptos::prelude::*;
use leptos_router::components::Form;
use leptos_router::hooks::use_query_map;
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::api::accounts::list_accounts;
use crate::components::error_view::ErrorView;
use crate::components::url_state::{workspace, RANGES, WORKSPACE_PARAM};
use crate::dto::{AccountId, AccountSummary};
use crate::error::AppError;
use crate::resource::{resource, Res};

pub type AccountsResource = Res<Result<Vec<AccountSummary>, AppError>>;

/// The accounts of the workspace the URL names (all the reader may see without one): the
/// account picker's choices, reloaded when the workspace changes.
pub fn accounts_resource() -> AccountsResource {
    let query = use_query_map();
    resource(
        move || workspace(&query.read()),
        |ws| async move { list_accounts(ws?).await },
    )
}

/// The page's figures below the pickers: nothing without accounts (the pickers' place says
/// why), the error, or `render`'s view. A transition, so old figures stay while new ones load.
#[component]
pub fn DashboardData<T, V>(
    accounts: AccountsResource,
    data: Res<Result<T, AppError>>,
    render: fn(T) -> V,
) -> impl IntoView
where
    T: Clone + Send + Sync + Serialize + DeserializeOwned + 'static,
    V: IntoView + 'static,
{
    view! {
        <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                if accounts.await.is_ok_and(|list| list.is_empty()) {
                    return ().into_any();
                }
                match data.await {
                    Ok(value) => render(value).into_any(),
                    Err(error) => view! { <ErrorView error /> }.into_any(),
                }
            })}
        </Transition>
    }
}

/// The pickers, once the accounts are known (or the empty state when there are none). A GET
/// form: submitting changes the URL (client-side once hydrated), and the URL is what the
/// figures are read from. `extra` adds the page's own fields; `keep` names query parameters
/// the form carries over unchanged (a sort order, say). `without_period` leaves out the period
/// pickers, for a page that is not about a period.
#[component]
pub fn DashboardFilters(
    accounts: AccountsResource,
    #[prop(optional, into)] extra: Option<ViewFn>,
    #[prop(optional)] keep: &'static [&'static str],
    #[prop(optional)] without_period: bool,
) -> impl IntoView {
    view! {
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || {
                let extra = extra.clone();
                Suspend::new(async move {
                    match accounts.await {
                        Ok(list) if list.is_empty() => view! { <NoAccounts /> }.into_any(),
                        Ok(list) => {
                            let choices = list.into_iter().map(|a| (a.id, a.username)).collect();
                            view! { <PeriodForm choices extra keep without_period /> }.into_any()
                        }
                        Err(error) => view! { <ErrorView error /> }.into_any(),
                    }
                })
            }}
        </Suspense>
    }
}

#[component]
fn NoAccounts() -> impl IntoView {
    view! {
        <p class="empty-state">
            "No Instagram account to show yet. Once an admin connects one on the "
            <a href="/accounts">"Accounts"</a>
            " page (and, for a viewer, adds it to one of their workspaces), followers, reach and engagement appear here."
        </p>
    }
}

#[component]
fn PeriodForm(
    choices: Vec<(AccountId, String)>,
    extra: Option<ViewFn>,
    keep: &'static [&'static str],
    without_period: bool,
) -> impl IntoView {
    let query = use_query_map();
    let current = move |name: &str| query.read().get(name).unwrap_or_default();
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
                                <option value=id.0 selected=move || current("account") == id.to_string()>
                                    {format!("@{name}")}
                                </option>
                            }
                        })
                        .collect_view()}
                </select>
            </div>
            {(!without_period).then(|| view! { <PeriodFields /> })}
            {extra.map(|extra| extra.run())}
            {keep
                .iter()
                .chain(&[WORKSPACE_PARAM])
                .map(|name| view! { <input type="hidden" name=*name value=move || current(name) /> })
                .collect_view()}
            <button type="submit">"Show"</button>
        </Form>
    }
}

/// The period pickers: a preset range, or a custom one from and to a date.
#[component]
fn PeriodFields() -> impl IntoView {
    let query = use_query_map();
    let current = move |name: &str| query.read().get(name).unwrap_or_default();
    let range = move || {
        Some(current("range"))
            .filter(|r| !r.is_empty())
            .unwrap_or_else(|| "30".into())
    };
    view! {
            <div class="field">
                <label for="period-range">"Period"</label>
                <select id="period-range" name="range">
                    {RANGES
                        .into_iter()
                        .map(|(value, label)| {
                            view! { <option value=value selected=move || range() == value>{label}</option> }
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
    }
}

/// A text field of the filter form, filled from the URL.
#[component]
pub fn QueryInput(
    name: &'static str,
    label: &'static str,
    #[prop(optional)] placeholder: &'static str,
    /// A date picker rather than a search field.
    #[prop(optional)]
    date: bool,
) -> impl IntoView {
    let query = use_query_map();
    let id = format!("filter-{name}");
    view! {
        <div class="field">
            <label for=id.clone()>{label}</label>
            <input id=id type=if date { "date" } else { "search" } name=name placeholder=placeholder value=move || query.read().get(name).unwrap_or_default() />
        </div>
    }
}

/// A choice of the filter form, selected from the URL; the first option is "any".
#[component]
pub fn QuerySelect(
    name: &'static str,
    label: &'static str,
    any: &'static str,
    options: Vec<(&'static str, &'static str)>,
) -> impl IntoView {
    let query = use_query_map();
    let id = format!("filter-{name}");
    let current = move || query.read().get(name).unwrap_or_default();
    view! {
        <div class="field">
            <label for=id.clone()>{label}</label>
            <select id=id name=name>
                <option value="">{any}</option>
                {options
                    .into_iter()
                    .map(|(value, text)| view! { <option value=value selected=move || current() == value>{text}</option> })
                    .collect_view()}
            </select>
        </div>
    }
}
