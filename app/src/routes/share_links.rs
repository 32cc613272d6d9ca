//! `/share-links` (admin): read-only links to one workspace's (or one account's) dashboard
//! pages, for people without a sign-in. "Share" on a dashboard page comes here with that
//! page, its period and its workspace or account filled in; the list below shows every link
//! with its last use, and revokes one at once.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::api::shares::{list_share_links, CreateShareLink, RevokeShareLink};
use crate::api::workspaces::workspace_choices;
use crate::components::error_view::ErrorView;
use crate::components::form::{last_error, FormAlert, TextField};
use crate::components::revocable::{expiry, last_use, ListHead, RevokeButton};
use crate::components::url_state::WORKSPACE_PARAM;
use crate::dto::{ShareLinkSummary, WorkspaceChoice};
use crate::error::AppError;
use crate::resource::resource;

/// The expiries offered: (days, words); 0 never expires.
const EXPIRIES: [(&str, &str); 6] = [
    ("30", "30 days"),
    ("1", "1 day"),
    ("7", "7 days"),
    ("90", "90 days"),
    ("365", "1 year"),
    ("0", "Never"),
];

#[component]
pub fn ShareLinksPage() -> impl IntoView {
    let create = ServerAction::<CreateShareLink>::new();
    let revoke = ServerAction::<RevokeShareLink>::new();
    let links = resource(
        move || (create.version().get(), revoke.version().get()),
        |_| list_share_links(),
    );
    let revoke_error = last_error(revoke);
    view! {
        <Title text="Share links" />
        <h1>"Share links"</h1>
        <p class="hint">
            "A share link opens the dashboard pages of one workspace, or one account, without signing in: for a client, say. It shows nothing else (no accounts, sync log or settings) and stops working when it expires or is revoked here."
        </p>
        <NewLink create />
        <FormAlert error=revoke_error />
        <Transition fallback=|| view! { <p class="loading">"Loading links…"</p> }>
            {move || Suspend::new(async move {
                match links.await {
                    Ok(list) if list.is_empty() => {
                        view! { <p data-testid="no-share-links">"No links yet."</p> }.into_any()
                    }
                    Ok(list) => view! { <LinksTable list revoke /> }.into_any(),
                    Err(error) => view! { <ErrorView error /> }.into_any(),
                }
            })}
        </Transition>
    }
}

/// The link to make, from the page "Share" was pressed on (`?path=&query=&ws=&account=`).
#[component]
fn NewLink(create: ServerAction<CreateShareLink>) -> impl IntoView {
    let query = use_query_map();
    let param = move |name: &str| query.read_untracked().get(name).filter(|v| !v.is_empty());
    let path = param("path");
    let page_query = param("query").unwrap_or_default();
    let account = param("account");
    let workspace = param(WORKSPACE_PARAM);
    let error = last_error(create);
    let choices = resource(|| (), |_| workspace_choices());
    let Some(path) = path else {
        return view! {
            <p class="hint" data-testid="share-how">
                "To make a link, open the dashboard page to share (with its period and workspace or account) and press "
                <strong>"Share"</strong>
                " in the top bar."
            </p>
        }
        .into_any();
    };
    let opens = if page_query.is_empty() {
        path.clone()
    } else {
        format!("{path}?{page_query}")
    };
    view! {
        <section aria-labelledby="new-link-title" class="card">
            <h2 id="new-link-title">"Share this page"</h2>
            <p data-testid="share-page">"Opens " <code>{opens}</code></p>
            <ActionForm action=create attr:class="inline-form" attr:data-testid="share-form">
                <input type="hidden" name="path" value=path />
                <input type="hidden" name="query" value=page_query />
                {match account {
                    Some(account) => {
                        view! {
                            <input type="hidden" name="account" value=account />
                            <p>"Shows this account only."</p>
                        }
                            .into_any()
                    }
                    None => {
                        view! {
                            <Suspense>
                                {move || {
                                    let workspace = workspace.clone();
                                    Suspend::new(async move {
                                        let list = choices.await.unwrap_or_default();
                                        view! { <WorkspaceField list chosen=workspace error /> }
                                    })
                                }}
                            </Suspense>
                        }
                            .into_any()
                    }
                }}
                <TextField form="share" name="label" label="Label" error hint="Who it is for, say: shown in the list and to its visitors." />
                <TextField form="share" name="expires_in_days" label="Expires after" kind="select" choices=&EXPIRIES error />
                <FormAlert error />
                <button type="submit">"Make link"</button>
            </ActionForm>
            <Made create />
        </section>
    }
    .into_any()
}

/// Which workspace a link shows (the one chosen in the top bar first).
#[component]
fn WorkspaceField(
    list: Vec<WorkspaceChoice>,
    chosen: Option<String>,
    #[prop(into)] error: Signal<Option<AppError>>,
) -> impl IntoView {
    let message = move || error.get().and_then(|e| e.for_field("workspace"));
    view! {
        <div class="field">
            <label for="share-workspace">"Shows the workspace"</label>
            <select id="share-workspace" name="workspace">
                {list
                    .into_iter()
                    .map(|w| {
                        let selected = chosen.as_deref() == Some(w.id.to_string().as_str());
                        view! { <option value=w.id.0 selected=selected>{w.name}</option> }
                    })
                    .collect_view()}
            </select>
            <Show when=move || message().is_some()>
                <p class="field-error">{message}</p>
            </Show>
        </div>
    }
}

/// The link just made, with its secret: shown this once.
#[component]
fn Made(create: ServerAction<CreateShareLink>) -> impl IntoView {
    let made = move || create.value().get().and_then(Result::ok);
    view! {
        {move || {
            made()
                .map(|made| {
                    let url = window_origin() + &made.path;
                    view! {
                        <div class="made-link" role="status">
                            <label for="share-url">
                                {format!("Link for {} — copy it now, it is not shown again:", made.link.label)}
                            </label>
                            <input id="share-url" data-testid="share-url" readonly=true value=url />
                        </div>
                    }
                })
        }}
    }
}

/// The page's origin, so the link can be copied whole (the server only knows the path).
fn window_origin() -> String {
    #[cfg(feature = "hydrate")]
    {
        leptos::prelude::window()
            .location()
            .origin()
            .unwrap_or_default()
    }
    #[cfg(not(feature = "hydrate"))]
    {
        String::new()
    }
}

#[component]
fn LinksTable(list: Vec<ShareLinkSummary>, revoke: ServerAction<RevokeShareLink>) -> impl IntoView {
    view! {
        <table class="data-table" data-testid="share-links">
            <caption class="visually-hidden">"Share links"</caption>
            <ListHead columns=&["Label", "Shows", "Opens", "Made", "Expires", "Last used"] action="Revoke" />
            <tbody>
                {list
                    .into_iter()
                    .map(|link| {
                        let id = link.id;
                        let question = format!("Revoke the link {}? It stops working at once.", link.label);
                        let revoke = Callback::new(move |()| {
                            revoke.dispatch(RevokeShareLink { id });
                        });
                        let key = link.label.clone();
                        let expires = expiry(&link.expires, link.expired);
                        view! {
                            <tr data-testid="share-link-row" data-label=key>
                                <td>{link.label}</td>
                                <td>{link.target}</td>
                                <td><code>{link.opens}</code></td>
                                <td>{format!("{} by {}", link.created_on, link.created_by)}</td>
                                <td data-testid="share-link-expires">{expires}</td>
                                <td data-testid="share-link-used">{last_use(link.last_used)}</td>
                                <td><RevokeButton question revoke /></td>
                            </tr>
                        }
                    })
                    .collect_view()}
            </tbody>
        </table>
    }
}
