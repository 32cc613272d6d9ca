//! `/settings` (admin): product-wide settings, each edited in place and saved on its own;
//! the server validates every value and its message shows next to that setting.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::settings::{get_settings, UpdateSetting};
use crate::components::error_view::ErrorView;
use crate::components::form::{last_error, FormAlert, TextField};
use crate::dto::{SettingField, SettingsView};
use crate::resource::resource;
use crate::routes::settings_export::ExportSettings;
use crate::rules::{CONTACT_HINT, LOOKBACK_HINT, OLD_MEDIA_CHOICES, OLD_MEDIA_HINT, POLL_HINT};

#[component]
pub fn SettingsPage() -> impl IntoView {
    view! {
        <Title text="Settings" />
        <SettingsAdmin />
        <ExportSettings />
    }
}

#[component]
fn SettingsAdmin() -> impl IntoView {
    let settings = resource(|| (), |_| get_settings());
    view! {
        <h1>"Settings"</h1>
        <p class="hint">
            "Alerts by e-mail, Slack or webhook: "
            <a href="/settings/notifications">"notification channels and alert rules"</a>
            "."
        </p>
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
                field=SettingField::OldMedia
                label="Media older than the window"
                hint=OLD_MEDIA_HINT
                kind="select"
                choices=&OLD_MEDIA_CHOICES
                value=if current.keep_old_media { "keep" } else { "delete" }.to_owned()
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
    #[prop(optional)] choices: &'static [(&'static str, &'static str)],
    value: String,
) -> impl IntoView {
    let save = ServerAction::<UpdateSetting>::new();
    let error = last_error(save);
    let id = format!("setting-{}", field.as_str());
    let form_id = format!("{id}-form");
    let saved = move || matches!(save.value().get(), Some(Ok(_)));
    view! {
        <ActionForm
            action=save
            attr:class="setting inline-form"
            attr:id=form_id
            attr:data-testid=format!("setting-{}-form", field.as_str().replace('_', "-"))
        >
            <input type="hidden" name="field" value=field.as_str() />
            <TextField
                form=id
                name="value"
                label
                kind
                choices
                hint
                value
                required=field != SettingField::PrivacyContact
                error
            />
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
