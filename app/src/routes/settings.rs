//! `/settings` (admin): product-wide settings, each edited in place and saved on its own;
//! the server validates every value and its message shows next to that setting.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::settings::{get_settings, UpdateSetting};
use crate::components::error_view::ErrorView;
use crate::components::form::{last_error, FormAlert};
use crate::components::layout::AdminOnly;
use crate::dto::{SettingField, SettingsView};
use crate::rules::{CONTACT_HINT, LOOKBACK_HINT, POLL_HINT};

#[component]
pub fn SettingsPage() -> impl IntoView {
    view! {
        <Title text="Settings" />
        <AdminOnly>
            <SettingsAdmin />
        </AdminOnly>
    }
}

#[component]
fn SettingsAdmin() -> impl IntoView {
    let settings = Resource::new(|| (), |_| get_settings());
    view! {
        <h1>"Settings"</h1>
        <Transition fallback=|| view! { <p class="loading">"Loading settings…"</p> }>
            {move || Suspend::new(async move {
                match settings.await {
                    Ok(current) => view! { <SettingsForms current /> }.into_any(),
                    Err(error) => view! { <ErrorView error /> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn SettingsForms(current: SettingsView) -> impl IntoView {
    view! {
        <section class="card settings">
            <Setting
                field=SettingField::PollIntervalMinutes
                label="Poll interval (minutes)"
                hint=POLL_HINT
                kind="number"
                value=current.poll_interval_minutes.to_string()
            />
            <Setting
                field=SettingField::LookbackDays
                label="Snapshot lookback window (days)"
                hint=LOOKBACK_HINT
                kind="number"
                value=current.lookback_days.to_string()
            />
            <Setting
                field=SettingField::PrivacyContact
                label="Privacy contact address"
                hint=CONTACT_HINT
                kind="email"
                value=current.privacy_contact
            />
        </section>
    }
}

/// One setting: its own form, its own Save, its own error or "Saved.".
#[component]
fn Setting(
    field: SettingField,
    label: &'static str,
    hint: &'static str,
    kind: &'static str,
    value: String,
) -> impl IntoView {
    let save = ServerAction::<UpdateSetting>::new();
    let error = last_error(save);
    let id = format!("setting-{}", field.as_str());
    let form_id = format!("{id}-form");
    let (hint_id, error_id) = (format!("{id}-hint"), format!("{id}-error"));
    let message = move || error.get().and_then(|e| e.for_field("value"));
    let saved = move || matches!(save.value().get(), Some(Ok(_)));
    let described = {
        let (hint_id, error_id) = (hint_id.clone(), error_id.clone());
        move || {
            if message().is_some() {
                format!("{hint_id} {error_id}")
            } else {
                hint_id.clone()
            }
        }
    };
    view! {
        <ActionForm action=save attr:class="setting inline-form" attr:id=form_id>
            <input type="hidden" name="field" value=field.as_str() />
            <div class="field">
                <label for=id.clone()>{label}</label>
                <input
                    id=id
                    name="value"
                    type=kind
                    value=value
                    aria-invalid=move || message().is_some().to_string()
                    aria-describedby=described
                />
                <p class="hint" id=hint_id>
                    {hint}
                </p>
                <Show when=move || message().is_some()>
                    <p class="field-error" id=error_id.clone()>
                        {message}
                    </p>
                </Show>
            </div>
            <button type="submit">"Save"</button>
            <FormAlert error />
            <Show when=saved>
                <span class="ok" role="status">
                    "Saved."
                </span>
            </Show>
        </ActionForm>
    }
}
