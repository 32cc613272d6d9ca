//! The BigQuery export section of `/settings` (admin): destination, service-account key,
//! on/off, "Test connection", and how the export is doing (per table: rows sent, backlog).

use leptos::prelude::*;

use crate::api::export::{
    export_status, SetExportDestination, SetExportEnabled, SetExportKey, TestExportConnection,
};
use crate::components::error_view::ErrorView;
use crate::components::form::{clear_on_success, last_error, FormAlert, TextField};
use crate::components::number::count;
use crate::dto::ExportView;
use crate::resource::resource;
use crate::rules::{DATASET_HINT, LOCATION_HINT, PROJECT_HINT};

const KEY_HINT: &str = "Paste the contents of the service account's JSON key file, or choose \
                        the file below. It is stored encrypted and never shown again; saving \
                        another key replaces it.";

#[component]
pub fn ExportSettings() -> impl IntoView {
    let destination = ServerAction::<SetExportDestination>::new();
    let key = ServerAction::<SetExportKey>::new();
    let enabled = ServerAction::<SetExportEnabled>::new();
    let status = resource(
        move || {
            (
                destination.version().get(),
                key.version().get(),
                enabled.version().get(),
            )
        },
        |_| export_status(),
    );
    view! {
        <section class="card export-settings" aria-labelledby="export-heading">
            <h2 id="export-heading">"BigQuery export"</h2>
            <p class="hint">
                "Ships every account's history to your BigQuery dataset after each sync, for \
                 Looker Studio and your own SQL. See docs/bigquery.md for the tables and views."
            </p>
            <Transition fallback=|| view! { <p class="loading">"Loading export settings…"</p> }>
                {move || Suspend::new(async move {
                    match status.await {
                        Ok(current) => {
                            view! { <ExportForms current destination key enabled /> }.into_any()
                        }
                        Err(error) => view! { <ErrorView error /> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

#[component]
fn ExportForms(
    current: ExportView,
    destination: ServerAction<SetExportDestination>,
    key: ServerAction<SetExportKey>,
    enabled: ServerAction<SetExportEnabled>,
) -> impl IntoView {
    let destination_error = last_error(destination);
    let key_error = last_error(key);
    let key_form = clear_on_success(key);
    let (project, dataset, location) = (
        current.project.clone(),
        current.dataset.clone(),
        current.location.clone(),
    );
    let key_state = match &current.key_email {
        Some(email) => format!("Key in place for {email}."),
        None => "No key yet.".to_owned(),
    };
    let enable_next = (!current.enabled).to_string();
    let toggle_label = if current.enabled {
        "Disable export"
    } else {
        "Enable export"
    };
    view! {
        <ActionForm
            action=destination
            attr:class="inline-form"
            attr:id="export-destination"
            attr:data-testid="export-destination-form"
        >
            <TextField
                form="export"
                name="project"
                label="Project id"
                hint=PROJECT_HINT
                value=project
                error=destination_error
            />
            <TextField
                form="export"
                name="dataset"
                label="Dataset"
                hint=DATASET_HINT
                value=dataset
                error=destination_error
            />
            <TextField
                form="export"
                name="location"
                label="Location"
                hint=LOCATION_HINT
                value=location
                error=destination_error
            />
            <button type="submit">"Save destination"</button>
            <FormAlert error=destination_error />
        </ActionForm>
        <ActionForm
            action=key
            node_ref=key_form
            attr:class="inline-form"
            attr:id="export-key-form"
            attr:data-testid="export-key-form"
        >
            <p class="key-state" id="export-key-state" data-testid="export-key-state">
                {key_state}
            </p>
            <TextField
                form="export"
                name="key"
                kind="textarea"
                label="Service-account key (JSON)"
                hint=KEY_HINT
                error=key_error
            />
            <KeyFile />
            <button type="submit">"Save key"</button>
            <FormAlert error=key_error />
        </ActionForm>
        <div class="export-actions">
            <ActionForm action=enabled attr:id="export-toggle">
                <input type="hidden" name="enabled" value=enable_next />
                <button type="submit">{toggle_label}</button>
            </ActionForm>
            <TestConnection />
        </div>
        <ExportStatus current />
    }
}

#[component]
fn TestConnection() -> impl IntoView {
    let test = ServerAction::<TestExportConnection>::new();
    let result = move || {
        test.value().get().map(|answer| match answer {
            Ok(check) if check.ok => {
                view! { <p class="ok" role="status">{check.message}</p> }.into_any()
            }
            Ok(check) => {
                view! { <p class="form-alert" role="alert">{check.message}</p> }.into_any()
            }
            Err(error) => view! { <ErrorView error /> }.into_any(),
        })
    };
    view! {
        <button
            type="button"
            id="export-test"
            data-testid="export-test"
            disabled=move || test.pending().get()
            on:click=move |_| {
                test.dispatch(TestExportConnection {});
            }
        >
            {move || if test.pending().get() { "Testing…" } else { "Test connection" }}
        </button>
        <div class="export-test-result">{result}</div>
    }
}

#[component]
fn ExportStatus(current: ExportView) -> impl IntoView {
    let state = if current.enabled { "on" } else { "off" };
    let dash = |v: Option<String>| v.unwrap_or_else(|| "—".into());
    view! {
        <dl class="export-status">
            <dt>"Export"</dt>
            <dd id="export-state">{state}</dd>
            <dt>"Last success"</dt>
            <dd>{dash(current.last_success)}</dd>
            <dt>"Last error"</dt>
            <dd id="export-last-error">
                {match (current.last_error, current.last_error_at) {
                    (Some(e), Some(at)) => format!("{at}: {e}"),
                    (Some(e), None) => e,
                    _ => "—".into(),
                }}
            </dd>
            <dt>"Account deletions waiting for BigQuery"</dt>
            <dd>{current.deletions_pending}</dd>
        </dl>
        <table class="data-table export-tables">
            <caption>"Per table"</caption>
            <thead>
                <tr>
                    <th scope="col">"Table"</th>
                    <th scope="col" class="num">"Rows exported"</th>
                    <th scope="col" class="num">"Backlog"</th>
                    <th scope="col">"Last batch"</th>
                </tr>
            </thead>
            <tbody>
                {current
                    .tables
                    .into_iter()
                    .map(|t| {
                        view! {
                            <tr>
                                <th scope="row">{t.name}</th>
                                <td class="num">{count(Some(t.rows_exported))}</td>
                                <td class="num">
                                    {if t.backlog_more { "over " } else { "" }}
                                    {count(i64::try_from(t.backlog).ok())}
                                </td>
                                <td>{dash(t.last_success)}</td>
                            </tr>
                        }
                    })
                    .collect_view()}
            </tbody>
        </table>
    }
}

/// Reads a chosen key file into the key field (the browser reads it; nothing is uploaded until
/// "Save key"). The input has no `name`, so the form never sends the file itself.
#[component]
fn KeyFile() -> impl IntoView {
    view! {
        <div class="field">
            <label for="export-key-file">"Or choose the key file"</label>
            <input id="export-key-file" data-testid="export-key-file" type="file" accept=".json,application/json" on:change=read_key_file />
        </div>
    }
}

#[cfg(feature = "hydrate")]
fn read_key_file(ev: leptos::ev::Event) {
    use wasm_bindgen::JsCast;
    use web_sys::{HtmlInputElement, HtmlTextAreaElement};

    let file = event_target::<HtmlInputElement>(&ev)
        .files()
        .and_then(|files| files.get(0));
    let Some(file) = file else {
        return;
    };
    leptos::task::spawn_local(async move {
        let text = wasm_bindgen_futures::JsFuture::from(file.text()).await;
        let field = document()
            .get_element_by_id("export-key")
            .and_then(|e| e.dyn_into::<HtmlTextAreaElement>().ok());
        if let (Some(text), Some(field)) = (text.ok().and_then(|t| t.as_string()), field) {
            field.set_value(&text);
        }
    });
}

/// On the server the input is only rendered.
#[cfg(not(feature = "hydrate"))]
fn read_key_file(_: leptos::ev::Event) {}
