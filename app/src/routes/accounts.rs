//! `/accounts`: connected Instagram accounts. Everyone signed in sees each account's status;
//! admins connect accounts (token or OAuth), sync, disable and delete them.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::api::accounts::{
    account_deletion_preview, list_accounts, oauth_enabled, ConnectAccount, DeleteAccount,
    SetAccountEnabled, SyncAccount,
};
use crate::components::error_view::ErrorView;
use crate::components::form::{clear_on_success, last_error, FormAlert, TextField};
use crate::components::number::thousands;
use crate::components::status_badge::StatusBadge;
use crate::dto::{AccountSummary, DeletionPreview, Flavour, SessionUser};
use crate::rules::TOKEN_HINT;

/// How often the list refreshes while a sync runs or waits, so "Sync now" visibly finishes.
const BUSY_REFRESH: std::time::Duration = std::time::Duration::from_secs(2);

#[derive(Clone, Copy)]
struct RowActions {
    sync: ServerAction<SyncAccount>,
    enable: ServerAction<SetAccountEnabled>,
    delete: ServerAction<DeleteAccount>,
}

#[component]
pub fn AccountsPage() -> impl IntoView {
    let admin = use_context::<SessionUser>().is_some_and(|u| u.is_admin());
    let connect = ServerAction::<ConnectAccount>::new();
    let actions = RowActions {
        sync: ServerAction::new(),
        enable: ServerAction::new(),
        delete: ServerAction::new(),
    };
    let tick = RwSignal::new(0u32);
    let accounts = Resource::new(
        move || {
            (
                connect.version().get(),
                actions.sync.version().get(),
                actions.enable.version().get(),
                actions.delete.version().get(),
                tick.get(),
            )
        },
        |_| list_accounts(),
    );
    // Only in the browser (effects do not run on the server): poll while anything is busy.
    Effect::new(move |_| {
        let busy = accounts.get().is_some_and(|r| {
            r.is_ok_and(|list| list.iter().any(|a| a.syncing || a.sync_requested))
        });
        if busy {
            set_timeout(move || tick.update(|t| *t += 1), BUSY_REFRESH);
        }
    });
    let errors = [
        last_error(actions.sync),
        last_error(actions.enable),
        last_error(actions.delete),
    ];
    view! {
        <Title text="Accounts" />
        <h1>"Accounts"</h1>
        <OAuthNotice />
        {admin.then(|| view! { <ConnectForm connect /> })}
        {errors.map(|error| view! { <FormAlert error /> }).collect_view()}
        <Transition fallback=|| view! { <p class="loading">"Loading accounts…"</p> }>
            {move || Suspend::new(async move {
                match accounts.await {
                    Ok(list) if list.is_empty() => {
                        let text = if admin {
                            "No accounts yet. Connect one above."
                        } else {
                            "No accounts connected yet. Ask an admin to connect one."
                        };
                        view! { <p class="empty-state">{text}</p> }.into_any()
                    }
                    Ok(list) => {
                        view! {
                            <ul class="accounts">
                                {list
                                    .into_iter()
                                    .map(|account| view! { <AccountCard account admin actions /> })
                                    .collect_view()}
                            </ul>
                        }
                            .into_any()
                    }
                    Err(error) => view! { <ErrorView error /> }.into_any(),
                }
            })}
        </Transition>
    }
}

/// What the OAuth callback reported, carried in the query string. Shown as text, never HTML.
#[component]
fn OAuthNotice() -> impl IntoView {
    let query = use_query_map();
    move || {
        let q = query.read();
        if let Some(name) = q.get("connected") {
            view! {
                <p class="notice ok" role="status">
                    {format!("Connected @{name}. Its first sync starts now.")}
                </p>
            }
            .into_any()
        } else if let Some(message) = q.get("oauth_error") {
            view! {
                <p class="form-alert" role="alert">
                    {message}
                </p>
            }
            .into_any()
        } else {
            ().into_any()
        }
    }
}

#[component]
fn ConnectForm(connect: ServerAction<ConnectAccount>) -> impl IntoView {
    let form = clear_on_success(connect);
    let error = last_error(connect);
    let connected = move || match connect.value().get() {
        Some(Ok(account)) => Some(format!(
            "Connected @{}. Its first sync starts now.",
            account.username
        )),
        _ => None,
    };
    let oauth = Resource::new(|| (), |_| oauth_enabled());
    view! {
        <section aria-labelledby="connect-title" class="card">
            <h2 id="connect-title">"Connect an account"</h2>
            <ActionForm action=connect node_ref=form attr:id="connect-form" attr:class="inline-form">
                <div class="field">
                    <label for="connect-flavour">"Login type"</label>
                    <select id="connect-flavour" name="flavour">
                        {Flavour::ALL
                            .into_iter()
                            .map(|f| view! { <option value=f.as_str()>{f.label()}</option> })
                            .collect_view()}
                    </select>
                </div>
                <TextField
                    form="connect"
                    name="token"
                    label="Access token"
                    kind="password"
                    hint=TOKEN_HINT
                    error
                />
                <FormAlert error />
                <button type="submit">"Check and connect"</button>
            </ActionForm>
            <p class="ok" role="status">
                {connected}
            </p>
            <Suspense>
                {move || Suspend::new(async move {
                    matches!(oauth.await, Ok(true))
                        .then(|| {
                            view! {
                                <p>
                                    "Or sign in with Instagram: "
                                    <a class="button" href="/oauth/instagram/start" rel="external">
                                        "Connect with Instagram"
                                    </a>
                                </p>
                            }
                        })
                })}
            </Suspense>
        </section>
    }
}

#[component]
fn AccountCard(account: AccountSummary, admin: bool, actions: RowActions) -> impl IntoView {
    let busy = if account.syncing {
        Some("syncing…")
    } else if account.sync_requested && account.enabled {
        Some("queued")
    } else {
        None
    };
    let username = account.username.clone();
    let (id, enabled) = (account.id, account.enabled);
    let controls = admin.then(|| view! { <AccountActions id enabled actions /> });
    view! {
        <li class="account card" data-account=username>
            {account
                .picture_url
                .clone()
                .map(|src| view! { <img class="avatar" src=src alt="" width="40" height="40" /> })}
            <div class="account-main">
                <h2>
                    "@" {account.username.clone()} <small>{account.name.clone()}</small>
                </h2>
                <p class="account-status">
                    <StatusBadge
                        status=account.status
                        retry_after=account.retry_after.clone()
                        detail=account.status_detail.clone()
                    />
                    {busy.map(|b| view! { <span class="busy" role="status">{b}</span> })}
                </p>
                <dl class="facts">
                    <dt>"Followers"</dt>
                    <dd>{thousands(account.followers)}</dd>
                    <dt>"Posts"</dt>
                    <dd>{thousands(account.media_count)}</dd>
                    <dt>"Login"</dt>
                    <dd>{account.flavour.label()}</dd>
                    <dt>"Polling"</dt>
                    <dd>{if account.enabled { "enabled" } else { "disabled" }}</dd>
                    <dt>"Last sync"</dt>
                    <dd>{account.last_sync.clone().unwrap_or_else(|| "never".into())}</dd>
                    <dt>"Token expires"</dt>
                    <dd>{account.token_expires.clone().unwrap_or_else(|| "unknown".into())}</dd>
                </dl>
            </div>
            {controls}
        </li>
    }
}

#[component]
fn AccountActions(id: i64, enabled: bool, actions: RowActions) -> impl IntoView {
    let preview = RwSignal::new(None::<DeletionPreview>);
    let preview_error = RwSignal::new(None::<crate::error::AppError>);
    let ask = move |_| {
        leptos::task::spawn_local(async move {
            match account_deletion_preview(id).await {
                Ok(p) => preview.set(Some(p)),
                Err(e) => preview_error.set(Some(e)),
            }
        });
    };
    view! {
        <div class="account-actions">
            <button
                type="button"
                disabled=!enabled
                on:click=move |_| {
                    actions.sync.dispatch(SyncAccount { id });
                }
            >
                "Sync now"
            </button>
            <button
                type="button"
                on:click=move |_| {
                    actions.enable.dispatch(SetAccountEnabled { id, enabled: !enabled });
                }
            >
                {if enabled { "Disable" } else { "Enable" }}
            </button>
            <button type="button" class="danger" on:click=ask>
                "Delete"
            </button>
            <FormAlert error=Signal::derive(move || preview_error.get()) />
            {move || {
                preview
                    .get()
                    .map(|p| {
                        view! {
                            <div class="confirm" role="alertdialog" aria-label="Confirm deletion">
                                <p>
                                    {format!(
                                        "Delete @{} and everything collected for it: {} posts, {} snapshots, {} days of account insights, {} sync runs. This cannot be undone.",
                                        p.username,
                                        thousands(p.media as i64),
                                        thousands(p.snapshots as i64),
                                        thousands(p.insight_days as i64),
                                        thousands(p.sync_runs as i64),
                                    )}
                                </p>
                                <button
                                    type="button"
                                    class="danger"
                                    on:click=move |_| {
                                        actions.delete.dispatch(DeleteAccount { id });
                                        preview.set(None);
                                    }
                                >
                                    {format!("Delete @{}", p.username)}
                                </button>
                                <button type="button" on:click=move |_| preview.set(None)>
                                    "Cancel"
                                </button>
                            </div>
                        }
                    })
            }}
        </div>
    }
}
