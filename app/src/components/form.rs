//! Accessible form parts: a label for every field, hints and errors tied to the input with
//! `aria-describedby`, and form-level errors announced with `role="alert"`.

use leptos::prelude::*;

use crate::error::AppError;

/// A labelled input whose error (from the last server answer) shows right below it.
#[component]
pub fn TextField(
    /// Distinguishes ids when the same field name appears in several forms of a page.
    #[prop(into)]
    form: String,
    name: &'static str,
    label: &'static str,
    #[prop(into)] error: Signal<Option<AppError>>,
    /// An `<input>` type, `"textarea"` for a multi-line field, or `"select"` for `choices`.
    #[prop(default = "text")]
    kind: &'static str,
    /// A select's options: (value sent, text shown).
    #[prop(optional)]
    choices: &'static [(&'static str, &'static str)],
    #[prop(default = "off")] autocomplete: &'static str,
    #[prop(optional)] hint: Option<&'static str>,
    /// The value shown before the user types (settings edited in place).
    #[prop(optional, into)]
    value: Option<String>,
    #[prop(default = true)] required: bool,
) -> impl IntoView {
    let id = format!("{form}-{name}");
    let hint_id = format!("{id}-hint");
    let error_id = format!("{id}-error");
    let message = move || error.get().and_then(|e| e.for_field(name));
    let described_by = {
        let (hint_id, error_id) = (hint_id.clone(), error_id.clone());
        move || {
            let mut ids = Vec::new();
            if hint.is_some() {
                ids.push(hint_id.clone());
            }
            if message().is_some() {
                ids.push(error_id.clone());
            }
            ids.join(" ")
        }
    };
    view! {
        <div class="field">
            <label for=id.clone()>{label}</label>
            {if kind == "select" {
                let chosen = value.clone().unwrap_or_default();
                view! {
                    <select
                        id=id
                        name=name
                        aria-invalid=move || message().is_some().to_string()
                        aria-describedby=described_by
                    >
                        {choices
                            .iter()
                            .map(|(v, text)| view! { <option value=*v selected=chosen == *v>{*text}</option> })
                            .collect_view()}
                    </select>
                }
                    .into_any()
            } else if kind == "textarea" {
                view! {
                    <textarea
                        id=id
                        name=name
                        rows="6"
                        spellcheck="false"
                        required=required
                        aria-invalid=move || message().is_some().to_string()
                        aria-describedby=described_by
                    >
                        {value}
                    </textarea>
                }
                    .into_any()
            } else {
                view! {
                    <input
                        id=id
                        name=name
                        type=kind
                        autocomplete=autocomplete
                        value=value
                        required=required
                        aria-invalid=move || message().is_some().to_string()
                        aria-describedby=described_by
                    />
                }
                    .into_any()
            }}
            {hint.map(|text| view! { <p class="hint" id=hint_id>{text}</p> })}
            <Show when=move || message().is_some()>
                <p class="field-error" id=error_id.clone() data-testid=error_id.clone()>
                    {message}
                </p>
            </Show>
        </div>
    }
}

/// The form-level error of the last answer (one not tied to a field), if any.
#[component]
pub fn FormAlert(#[prop(into)] error: Signal<Option<AppError>>) -> impl IntoView {
    let message = move || {
        error
            .get()
            .filter(|e| !e.is_field_error())
            .map(|e| e.to_string())
    };
    view! {
        <Show when=move || message().is_some()>
            <p class="form-alert" role="alert">
                {message}
            </p>
        </Show>
    }
}

/// The error of an action's latest answer, for [`TextField`] and [`FormAlert`].
pub fn last_error<I, O>(action: ServerAction<I>) -> Signal<Option<AppError>>
where
    I: leptos::server_fn::ServerFn<Output = O, Error = AppError> + Clone + Send + Sync + 'static,
    O: Clone + Send + Sync + 'static,
{
    Signal::derive(move || action.value().get().and_then(Result::err))
}

/// A form ref whose form is emptied after each successful answer, so a password typed for one
/// user is not left in the field.
pub fn clear_on_success<I, O>(action: ServerAction<I>) -> NodeRef<leptos::html::Form>
where
    I: leptos::server_fn::ServerFn<Output = O, Error = AppError> + Clone + Send + Sync + 'static,
    O: Clone + Send + Sync + 'static,
{
    let form = NodeRef::<leptos::html::Form>::new();
    Effect::new(move |_| {
        if matches!(action.value().get(), Some(Ok(_))) {
            if let Some(form) = form.get() {
                form.reset();
            }
        }
    });
    form
}

/// Asks before a destructive action; on the server (never reached) it declines.
pub fn confirm(message: &str) -> bool {
    #[cfg(feature = "hydrate")]
    {
        window().confirm_with_message(message).unwrap_or(false)
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = message;
        false
    }
}
