//! `/accounts`: connected Instagram accounts. Everyone signed in sees each account's status;
//! admins connect accounts (token or OAuth), sync, disable and delete them.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::api::accounts::{
    list_accounts, oauth_logins, pending_accounts, AccountDeletionPreview, ConnectAccount,
    ConnectPending, DeleteAccount, FindAccounts, SetAccountEnabled, SyncAccount,
};
use crate::api::workspaces::{workspace_choices, MoveAccount};
use crate::components::error_view::ErrorView;
use crate::components::form::{clear_on_success, last_error, FormAlert, TextField};
use crate::components::layout::ForAdmins;
use crate::components::number::thousands;
use crate::components::refresh::refresh_while;
use crate::components::status_badge::StatusBadge;
use crate::components::url_state::workspace;
use crate::dto::{
    AccountId, AccountStatus, AccountSummary, DeletionPreview, Flavour, LinkedAccount, OAuthLogins,
    WorkspaceChoice, WorkspaceId,
};
use crate::error::AppError;
use crate::resource::{resource, Res};
use crate::rules::{self, TOKEN_HINT};
use crate::state::use_auth;

/// How often the list refreshes while a sync runs or waits, so "Sync now" visibly finishes.
const BUSY_REFRESH: std::time::Duration = std::time::Duration::from_secs(2);

/// The admin's per-account actions, shared by every card.
#[derive(Clone, Copy)]
struct RowActions {
    sync: ServerAction<SyncAccount>,
    enable: ServerAction<SetAccountEnabled>,
    preview: ServerAction<AccountDeletionPreview>,
    delete: ServerAction<DeleteAccount>,
    moving: ServerAction<MoveAccount>,
    /// The account whose deletion is being confirmed. Kept here rather than in its card
    /// because the cards are rebuilt on every refresh while a sync runs.
    confirming: RwSignal<Option<AccountId>>,
}

/// What the poller is doing about an account right now, as the card says it.
fn activity(account: &AccountSummary) -> Option<&'static str> {
    if account.syncing {
        Some("syncing…")
    } else if account.sync_requested && account.enabled {
        Some("queued")
    } else {
        None
    }
}

/// Whether the poller will change this account soon, so the page should look again. A queued
/// account that is waiting for re-authorisation or for a rate limit to lift is not polled
/// for: the poller skips it until then, which can be hours.
fn changing_soon(account: &AccountSummary) -> bool {
    activity(account).is_some()
        && (account.syncing
            || !matches!(
                account.status,
                AccountStatus::NeedsReauth | AccountStatus::RateLimited
            ))
}

#[component]
pub fn AccountsPage() -> impl IntoView {
    let auth = use_auth();
    let connect = ServerAction::<ConnectAccount>::new();
    let connect_pending = ServerAction::<ConnectPending>::new();
    let actions = RowActions {
        sync: ServerAction::new(),
        enable: ServerAction::new(),
        preview: ServerAction::new(),
        delete: ServerAction::new(),
        moving: ServerAction::new(),
        confirming: RwSignal::new(None),
    };
    let query = use_query_map();
    let chosen = move || workspace(&query.read());
    let workspaces = resource(|| (), |_| workspace_choices());
    // Created here, not in the form: what `ForAdmins` shows must not create resources.
    let oauth = resource(|| (), |_| oauth_logins());
    let tick = RwSignal::new(0u32);
    let accounts = resource(
        move || {
            (
                connect.version().get(),
                connect_pending.version().get(),
                actions.sync.version().get(),
                actions.enable.version().get(),
                actions.delete.version().get(),
                actions.moving.version().get(),
                tick.get(),
                chosen(),
            )
        },
        |(.., ws)| async move { list_accounts(ws?).await },
    );
    refresh_while(
        tick,
        move || {
            accounts
                .get()
                .and_then(Result::ok)
                .is_some_and(|list| list.iter().any(changing_soon))
        },
        BUSY_REFRESH,
    );
    let errors = [
        last_error(actions.sync),
        last_error(actions.enable),
        last_error(actions.preview),
        last_error(actions.delete),
        last_error(actions.moving),
    ];
    view! {
        <Title text="Accounts" />
        <h1>"Accounts"</h1>
        <OAuthNotice />
        <ForAdmins>
            <FacebookPick connect=connect_pending workspaces />
            <ConnectForm connect oauth workspaces />
        </ForAdmins>
        {errors.map(|error| view! { <FormAlert error /> }).collect_view()}
        <Transition fallback=|| view! { <p class="loading">"Loading accounts…"</p> }>
            {move || Suspend::new(async move {
                let admin = auth.is_admin().await;
                let places = workspaces.await.unwrap_or_default();
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
                        let actions = admin.then_some(actions);
                        view! {
                            <ul class="accounts">
                                {list
                                    .into_iter()
                                    .map(|account| {
                                        let places = places.clone();
                                        view! { <AccountCard account actions places /> }
                                    })
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

/// The same words whether the account came by token or through Instagram's OAuth pages.
fn connected_message(username: &str) -> String {
    format!("Connected @{username}. Its first sync starts now.")
}

/// Several accounts connected at once.
fn connected_many(accounts: &[AccountSummary]) -> String {
    match accounts {
        [one] => connected_message(&one.username),
        many => {
            let names: Vec<String> = many.iter().map(|a| format!("@{}", a.username)).collect();
            format!(
                "Connected {} accounts: {}. Their first syncs start now.",
                many.len(),
                names.join(", ")
            )
        }
    }
}

/// Why a sign-in with Meta (Instagram or Facebook) came back without an account. The OAuth callback sends the
/// code in `?oauth_error=` and this page shows the code's fixed words: a query string is
/// whatever the sender of a link chose, so no text from it is shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OAuthError {
    /// The person declined on Instagram's page, or Instagram reported another error.
    Denied,
    /// The callback's state was not one this session issued, or was used already.
    State,
    /// Instagram came back without an authorization code.
    NoCode,
    /// Instagram refused to turn the code into a (long-lived) token.
    Exchange,
    /// The token came, but Meta refused reading the account with it.
    Account,
    /// Anything else, logged on the server.
    Failed,
}

impl OAuthError {
    pub const ALL: [Self; 6] = [
        Self::Denied,
        Self::State,
        Self::NoCode,
        Self::Exchange,
        Self::Account,
        Self::Failed,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Self::Denied => "denied",
            Self::State => "state",
            Self::NoCode => "no_code",
            Self::Exchange => "exchange",
            Self::Account => "account",
            Self::Failed => "failed",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|e| e.code() == code)
    }

    pub fn message(self) -> &'static str {
        match self {
            Self::Denied => "Access was not granted. Nothing was connected.",
            Self::State => {
                "That sign-in was not started from this page (or was already used). Start \
                 again."
            }
            Self::NoCode => "The sign-in came back without an authorization code. Start again.",
            Self::Exchange => {
                "Meta refused the sign-in code. Start again; the server log says why."
            }
            Self::Account => {
                "Access was granted, but reading the accounts failed; nothing was saved. Try \
                 again; the server log says why."
            }
            Self::Failed => OAUTH_FAILED,
        }
    }
}

/// The words for a failure this page does not know (an old or hand-made link).
const OAUTH_FAILED: &str = "Signing in with Meta failed. Try again; the server log says why.";

/// What the OAuth callback reported, carried in the query string: fixed words for an error
/// code, and the connected account's name only when it could be an Instagram username.
#[component]
fn OAuthNotice() -> impl IntoView {
    let query = use_query_map();
    move || {
        let q = query.read();
        if let Some(name) = q.get("connected") {
            let message = match rules::instagram_username(&name) {
                Ok(name) => connected_message(name),
                Err(_) => "Connected. Its first sync starts now.".to_owned(),
            };
            view! {
                <p class="notice ok" role="status" data-testid="oauth-notice">
                    {message}
                </p>
            }
            .into_any()
        } else if let Some(code) = q.get("oauth_error") {
            let message = OAuthError::from_code(&code).map_or(OAUTH_FAILED, OAuthError::message);
            view! {
                <p class="form-alert" role="alert" data-testid="oauth-error">
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
fn ConnectForm(
    connect: ServerAction<ConnectAccount>,
    oauth: Res<Result<OAuthLogins, AppError>>,
    workspaces: Res<Result<Vec<WorkspaceChoice>, AppError>>,
) -> impl IntoView {
    let find = ServerAction::<FindAccounts>::new();
    // The token leaves the field once its accounts are listed; what was asked is kept here
    // (in this browser only) until the accounts picked are connected.
    let form = clear_on_success(find);
    let asked = RwSignal::new(None::<FindAccounts>);
    Effect::new(move |_| {
        if let Some(input) = find.input().get() {
            asked.set(Some(input));
        }
    });
    Effect::new(move |_| {
        if matches!(connect.value().get(), Some(Ok(_))) {
            asked.set(None);
            find.value().set(None);
        }
    });
    let error =
        Signal::derive(move || last_error(find).get().or_else(|| last_error(connect).get()));
    let connected = move || match connect.value().get() {
        Some(Ok(accounts)) => Some(connected_many(&accounts)),
        _ => None,
    };
    let found = move || match (find.value().get(), asked.get()) {
        (Some(Ok(linked)), Some(asked)) => {
            let pick = Callback::new(move |(accounts, workspace)| {
                connect.dispatch(ConnectAccount {
                    flavour: asked.flavour,
                    token: asked.token.clone(),
                    accounts: Some(accounts),
                    workspace,
                });
            });
            Some(view! { <PickAccounts linked pick busy=connect.pending() workspaces /> })
        }
        _ => None,
    };
    view! {
        <section aria-labelledby="connect-title" class="card">
            <h2 id="connect-title">"Connect accounts"</h2>
            <ActionForm action=find node_ref=form attr:id="connect-form" attr:class="inline-form" attr:data-testid="connect-form">
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
                // The server asks Meta first, which can take seconds: one click is enough.
                <button type="submit" disabled=find.pending()>
                    "Find accounts"
                </button>
            </ActionForm>
            {found}
            <p class="ok" role="status">
                {connected}
            </p>
            <Suspense>
                {move || Suspend::new(async move {
                    match oauth.await {
                        // rel="external": a full navigation, since the server answers with a
                        // redirect to Meta's dialog rather than a page of this app.
                        Ok(logins) => {
                            view! {
                                {logins.instagram.then(|| view! {
                                    <p>
                                        "Or sign in with Instagram: "
                                        <a class="button" href="/oauth/instagram/start" rel="external">
                                            "Connect with Instagram"
                                        </a>
                                    </p>
                                })}
                                {logins.facebook.then(|| view! {
                                    <p>
                                        "Or sign in with Facebook, for every account of your Pages: "
                                        <a class="button" href="/oauth/facebook/start" rel="external">
                                            "Connect with Facebook"
                                        </a>
                                    </p>
                                })}
                            }
                                .into_any()
                        }
                        Err(error) => {
                            view! {
                                <p class="form-alert" role="alert">
                                    {format!("Cannot tell whether sign-in with Meta is set up: {error}")}
                                </p>
                            }
                                .into_any()
                        }
                    }
                })}
            </Suspense>
        </section>
    }
}

/// After "Connect with Facebook" (`?pick=facebook`): the login's accounts to pick, kept on
/// the server until connected.
#[component]
fn FacebookPick(
    connect: ServerAction<ConnectPending>,
    workspaces: Res<Result<Vec<WorkspaceChoice>, AppError>>,
) -> impl IntoView {
    let query = use_query_map();
    let picking = move || query.read().get("pick").as_deref() == Some("facebook");
    let linked = resource(
        move || (picking(), connect.version().get()),
        |(picking, _)| async move {
            if picking {
                pending_accounts().await
            } else {
                Ok(Vec::new())
            }
        },
    );
    let error = last_error(connect);
    let connected = move || match connect.value().get() {
        Some(Ok(accounts)) => Some(connected_many(&accounts)),
        _ => None,
    };
    let pick = Callback::new(move |(accounts, workspace)| {
        connect.dispatch(ConnectPending {
            accounts: Some(accounts),
            workspace,
        });
    });
    view! {
        <Suspense>
            {move || Suspend::new(async move {
                match linked.await {
                    Ok(linked) if linked.is_empty() => ().into_any(),
                    Ok(linked) => view! {
                        <section class="card" aria-label="Connect with Facebook">
                            <PickAccounts linked pick busy=connect.pending() workspaces />
                        </section>
                    }
                        .into_any(),
                    Err(error) => view! { <ErrorView error /> }.into_any(),
                }
            })}
        </Suspense>
        <FormAlert error />
        <p class="ok" role="status">{connected}</p>
    }
}

/// The accounts a token reaches, all ticked: the admin unticks any to leave out, then `pick`
/// gets the ids left.
#[component]
fn PickAccounts(
    linked: Vec<LinkedAccount>,
    /// The accounts ticked, and the workspace new ones go to.
    pick: Callback<(Vec<String>, Option<WorkspaceId>)>,
    #[prop(into)] busy: Signal<bool>,
    workspaces: Res<Result<Vec<WorkspaceChoice>, AppError>>,
) -> impl IntoView {
    let query = use_query_map();
    // The workspace chosen in the top bar, else the first listed.
    let destination = RwSignal::new(workspace(&query.read_untracked()).ok().flatten());
    let places = move || workspaces.get().and_then(Result::ok).unwrap_or_default();
    let chosen = RwSignal::new(
        linked
            .iter()
            .map(|a| a.ig_user_id.clone())
            .collect::<Vec<_>>(),
    );
    let toggle = move |id: String| {
        chosen.update(|c| match c.iter().position(|x| *x == id) {
            Some(at) => {
                c.remove(at);
            }
            None => c.push(id),
        })
    };
    let submit = move |_| {
        let to = destination.get().or_else(|| places().first().map(|w| w.id));
        pick.run((chosen.get(), to))
    };
    view! {
        <fieldset class="linked" data-testid="linked-accounts">
            <legend>"Accounts this token reaches"</legend>
            <ul>
                {linked
                    .into_iter()
                    .map(|a| {
                        let id = a.ig_user_id.clone();
                        let checked = {
                            let id = id.clone();
                            move || chosen.read().contains(&id)
                        };
                        view! {
                            <li>
                                <label data-testid="linked-account" data-account=a.username.clone()>
                                    <input type="checkbox" prop:checked=checked on:change=move |_| toggle(id.clone()) />
                                    {a.picture_url.map(|src| view! { <img class="avatar" src=src alt="" width="32" height="32" /> })}
                                    <span>{format!("@{}", a.username)}</span>
                                    <span class="hint">
                                        {format!("{} followers", thousands(a.followers))}
                                        {a.connected.then_some(" · connected: gets this token")}
                                    </span>
                                </label>
                            </li>
                        }
                    })
                    .collect_view()}
            </ul>
            <div class="field">
                <label for="pick-workspace">"Workspace for accounts not connected yet"</label>
                <select
                    id="pick-workspace"
                    on:change=move |ev| destination.set(event_target_value(&ev).parse().ok())
                >
                    {move || {
                        places()
                            .into_iter()
                            .map(|w| {
                                let selected = destination.get() == Some(w.id);
                                view! { <option value=w.id.0 selected=selected>{w.name}</option> }
                            })
                            .collect_view()
                    }}
                </select>
            </div>
            <button type="button" on:click=submit disabled=move || chosen.read().is_empty() || busy.get()>
                {move || match chosen.read().len() {
                    1 => "Connect 1 account".to_owned(),
                    n => format!("Connect {n} accounts"),
                }}
            </button>
        </fieldset>
    }
}

/// One account. `actions` is `Some` for admins only: viewers see the status, nothing to press.
#[component]
fn AccountCard(
    account: AccountSummary,
    actions: Option<RowActions>,
    places: Vec<WorkspaceChoice>,
) -> impl IntoView {
    let place = places
        .iter()
        .find(|w| w.id == account.workspace)
        .map(|w| w.name.clone())
        .unwrap_or_default();
    let controls = actions.map(|actions| {
        view! {
            <AccountActions
                id=account.id
                username=account.username.clone()
                enabled=account.enabled
                reauth=account.status == AccountStatus::NeedsReauth
                workspace=account.workspace
                places
                actions
            />
        }
    });
    let activity = activity(&account);
    let key = account.username.clone();
    view! {
        <li class="account card" data-account=key data-testid="account-card">
            {account
                .picture_url
                .map(|src| view! { <img class="avatar" src=src alt="" width="40" height="40" /> })}
            <div class="account-main">
                <h2>"@" {account.username} <small>{account.name}</small></h2>
                <div class="account-status">
                    <StatusBadge
                        status=account.status
                        retry_after=account.retry_after
                        detail=account.status_detail
                    />
                    {activity.map(|text| view! { <span class="busy">{text}</span> })}
                </div>
                <dl class="facts">
                    <dt>"Followers"</dt>
                    <dd>{thousands(account.followers)}</dd>
                    <dt>"Posts"</dt>
                    <dd>{thousands(account.media_count)}</dd>
                    <dt>"Workspace"</dt>
                    <dd data-testid="account-workspace">{place}</dd>
                    <dt>"Login"</dt>
                    <dd>{account.flavour.label()}</dd>
                    <dt>"Polling"</dt>
                    <dd>{if account.enabled { "enabled" } else { "disabled" }}</dd>
                    <dt>"Last sync"</dt>
                    <dd data-testid="last-sync">{account.last_sync.unwrap_or_else(|| "never".into())}</dd>
                    <dt>"Token expires"</dt>
                    <dd data-testid="token-expires">
                        {account.token_expires.unwrap_or_else(|| "unknown".into())}
                        {account
                            .expires_soon
                            .then(|| {
                                view! {
                                    " "
                                    <strong class="expires-soon" data-testid="expires-soon">
                                        "expires soon: reconnect"
                                    </strong>
                                }
                            })}
                    </dd>
                    {account
                        .data_access_expires
                        .map(|at| {
                            view! {
                                <dt>"Data access expires"</dt>
                                <dd data-testid="data-access-expires">{at}</dd>
                            }
                        })}
                </dl>
            </div>
            {controls}
        </li>
    }
}

#[component]
fn AccountActions(
    id: AccountId,
    username: String,
    enabled: bool,
    /// The token is dead: a sync would be skipped, so "Sync now" is off until reconnected.
    reauth: bool,
    workspace: WorkspaceId,
    places: Vec<WorkspaceChoice>,
    actions: RowActions,
) -> impl IntoView {
    let select_id = format!("move-{id}");
    let ask = move |_| {
        actions.confirming.set(Some(id));
        actions.preview.dispatch(AccountDeletionPreview { id });
    };
    // The preview shown is the latest answer, and only if it is about this account.
    let preview = move || {
        (actions.confirming.get() == Some(id))
            .then(|| actions.preview.value().get())
            .flatten()
            .and_then(Result::ok)
            .filter(|p| p.username == username)
    };
    let sync_blocked_reason = if !enabled {
        Some("Enable the account to sync it.")
    } else if reauth {
        Some("The token was revoked or expired: connect the account again.")
    } else {
        None
    };
    view! {
        <div class="account-actions">
            <button
                type="button"
                disabled=sync_blocked_reason.is_some()
                title=sync_blocked_reason
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
            {move || preview().map(|preview| view! { <ConfirmDelete id preview actions /> })}
            {(places.len() > 1)
                .then(|| {
                    view! {
                        <label for=select_id.clone() class="visually-hidden">"Move to workspace"</label>
                        <select
                            id=select_id
                            data-testid="move-account"
                            on:change=move |ev| {
                                if let Ok(to) = event_target_value(&ev).parse() {
                                    actions.moving.dispatch(MoveAccount { account: id, workspace: to });
                                }
                            }
                        >
                            {places
                                .into_iter()
                                .map(|w| {
                                    view! {
                                        <option value=w.id.0 selected=w.id == workspace>
                                            {format!("In {}", w.name)}
                                        </option>
                                    }
                                })
                                .collect_view()}
                        </select>
                    }
                })}
        </div>
    }
}

/// Names everything a deletion removes, and asks once more.
#[component]
fn ConfirmDelete(id: AccountId, preview: DeletionPreview, actions: RowActions) -> impl IntoView {
    let cancel = move |_| {
        actions.confirming.set(None);
        actions.preview.clear();
    };
    let delete = move |_| {
        actions.confirming.set(None);
        actions.preview.clear();
        actions.delete.dispatch(DeleteAccount { id });
    };
    let DeletionPreview {
        username,
        media,
        snapshots,
        insight_days,
        sync_runs,
    } = preview;
    view! {
        <div class="confirm" role="alertdialog" aria-label="Confirm deletion">
            <p>
                {format!(
                    "Delete @{username} and everything collected for it: {} posts, {} snapshots, {} days of account insights, {} sync runs. This cannot be undone.",
                    thousands(media),
                    thousands(snapshots),
                    thousands(insight_days),
                    thousands(sync_runs),
                )}
            </p>
            <button type="button" class="danger" on:click=delete>
                {format!("Delete @{username}")}
            </button>
            <button type="button" class="secondary" on:click=cancel>
                "Cancel"
            </button>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn oauth_error_codes_read_back_and_unknown_ones_get_no_text_of_theirs() {
        for error in OAuthError::ALL {
            assert_eq!(OAuthError::from_code(error.code()), Some(error));
        }
        for forged in [
            "",
            "Denied",
            "Call +1 555 0100 to restore access",
            "denied ",
        ] {
            assert_eq!(OAuthError::from_code(forged), None, "{forged:?}");
        }
    }
}
