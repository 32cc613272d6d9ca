//! `/api-tokens` (everyone signed in): personal read-only tokens for the JSON API under
//! `/api/v1/` (see the README), each reading the workspaces chosen. Admins see and revoke
//! everyone's.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::tokens::{list_api_tokens, CreateApiToken, RevokeApiToken};
use crate::api::workspaces::workspace_choices;
use crate::components::error_view::ErrorView;
use crate::components::form::{last_error, FormAlert, TextField};
use crate::components::revocable::{expiry, last_use, ListHead, RevokeButton};
use crate::dto::{ApiTokenSummary, WorkspaceChoice, WorkspaceId};
use crate::resource::resource;

/// The expiries offered: (days, words); 0 never expires.
const EXPIRIES: [(&str, &str); 6] = [
    ("90", "90 days"),
    ("1", "1 day"),
    ("7", "7 days"),
    ("30", "30 days"),
    ("365", "1 year"),
    ("0", "Never"),
];

#[component]
pub fn ApiTokensPage() -> impl IntoView {
    let create = ServerAction::<CreateApiToken>::new();
    let revoke = ServerAction::<RevokeApiToken>::new();
    let tokens = resource(
        move || (create.version().get(), revoke.version().get()),
        |_| list_api_tokens(),
    );
    let choices = resource(|| (), |_| workspace_choices());
    let error = last_error(create);
    let revoke_error = last_error(revoke);
    view! {
        <Title text="API tokens" />
        <h1>"API tokens"</h1>
        <p class="hint">
            "A token lets a script read the dashboard's figures as JSON under "
            <code>"/api/v1/"</code>
            " (accounts, their daily series, posts, a post's snapshots, hashtags), for the workspaces it names, with "
            <code>"Authorization: Bearer <token>"</code>
            ". It can change nothing. The document describing the API is "
            <a href="/api/v1/openapi.json">"/api/v1/openapi.json"</a>
            "."
        </p>
        <section aria-labelledby="new-token-title" class="card">
            <h2 id="new-token-title">"Make a token"</h2>
            <ActionForm action=create attr:class="inline-form" attr:data-testid="token-form">
                <TextField form="token" name="name" label="Name" error hint="What uses it, say: shown in the list." />
                <TextField form="token" name="expires_in_days" label="Expires after" kind="select" choices=&EXPIRIES error />
                <Suspense>
                    {move || Suspend::new(async move {
                        match choices.await {
                            Ok(list) => view! { <WorkspaceBoxes list error /> }.into_any(),
                            Err(error) => view! { <ErrorView error /> }.into_any(),
                        }
                    })}
                </Suspense>
                <FormAlert error />
                <button type="submit">"Make token"</button>
            </ActionForm>
            {move || {
                create
                    .value()
                    .get()
                    .and_then(Result::ok)
                    .map(|made| {
                        view! {
                            <div class="made-link" role="status">
                                <label for="token-secret">
                                    {format!("Token {} — copy it now, it is not shown again:", made.token.name)}
                                </label>
                                <input id="token-secret" data-testid="token-secret" readonly=true value=made.secret />
                            </div>
                        }
                    })
            }}
        </section>
        <FormAlert error=revoke_error />
        <Transition fallback=|| view! { <p class="loading">"Loading tokens…"</p> }>
            {move || Suspend::new(async move {
                match tokens.await {
                    Ok(list) if list.is_empty() => {
                        view! { <p data-testid="no-tokens">"No tokens yet."</p> }.into_any()
                    }
                    Ok(list) => view! { <TokensTable list revoke /> }.into_any(),
                    Err(error) => view! { <ErrorView error /> }.into_any(),
                }
            })}
        </Transition>
    }
}

/// The workspaces a token reads, every one ticked at first; the form sends the ticked ones
/// as `workspaces[0]`, `workspaces[1]`…
#[component]
fn WorkspaceBoxes(
    list: Vec<WorkspaceChoice>,
    #[prop(into)] error: Signal<Option<crate::error::AppError>>,
) -> impl IntoView {
    let ticked = RwSignal::new(list.iter().map(|w| w.id).collect::<Vec<WorkspaceId>>());
    let message = move || error.get().and_then(|e| e.for_field("workspaces"));
    view! {
        <fieldset class="field">
            <legend>"Workspaces it reads"</legend>
            {list
                .into_iter()
                .map(|w| {
                    let id = w.id;
                    view! {
                        <label class="check">
                            <input
                                type="checkbox"
                                prop:checked=move || ticked.read().contains(&id)
                                on:change=move |ev| {
                                    let on = event_target_checked(&ev);
                                    ticked.update(|t| {
                                        t.retain(|x| *x != id);
                                        if on {
                                            t.push(id);
                                        }
                                    });
                                }
                            />
                            {w.name}
                        </label>
                    }
                })
                .collect_view()}
            {move || {
                ticked
                    .get()
                    .into_iter()
                    .enumerate()
                    .map(|(i, id)| view! { <input type="hidden" name=format!("workspaces[{i}]") value=id.0 /> })
                    .collect_view()
            }}
            <Show when=move || message().is_some()>
                <p class="field-error">{message}</p>
            </Show>
        </fieldset>
    }
}

#[component]
fn TokensTable(list: Vec<ApiTokenSummary>, revoke: ServerAction<RevokeApiToken>) -> impl IntoView {
    view! {
        <table class="data-table" data-testid="api-tokens">
            <caption class="visually-hidden">"API tokens"</caption>
            <ListHead columns=&["Name", "Owner", "Reads", "Made", "Expires", "Last used"] action="Revoke" />
            <tbody>
                {list
                    .into_iter()
                    .map(|token| {
                        let id = token.id;
                        let question = format!("Revoke the token {}? Scripts using it stop at once.", token.name);
                        let revoke = Callback::new(move |()| {
                            revoke.dispatch(RevokeApiToken { id });
                        });
                        let key = token.name.clone();
                        let expires = expiry(&token.expires, token.expired);
                        view! {
                            <tr data-testid="token-row" data-name=key>
                                <td>{token.name}</td>
                                <td>{token.owner}</td>
                                <td>{token.workspaces.join(", ")}</td>
                                <td>{token.created_on}</td>
                                <td>{expires}</td>
                                <td>{last_use(token.last_used)}</td>
                                <td><RevokeButton question revoke /></td>
                            </tr>
                        }
                    })
                    .collect_view()}
            </tbody>
        </table>
    }
}
