//! `/settings/notifications` (admin): where alerts go (e-mail, Slack, webhooks, each with
//! "Send test"), the SMTP server e-mail goes through, the alert rules with their switches
//! and thresholds, and the scheduled reports (each with "Send now").

use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::notifications::{
    notifications, AddChannel, AddReport, RemoveChannel, RemoveReport, SendReport, SendTest,
    SetAlertRule, SetSmtp,
};
use crate::components::error_view::ErrorView;
use crate::components::form::{last_error, FormAlert, TextField};
use crate::components::revocable::{ListHead, RevokeButton};
use crate::dto::{
    AlertRuleView, ChannelSummary, DeliveryStatus, DeliveryView, ReportView, SmtpView,
    WorkspaceChoice,
};
use crate::error::AppError;
use crate::resource::resource;
use crate::rules::CHANNEL_TARGET_HINT;

const KINDS: [(&str, &str); 3] = [
    ("email", "E-mail"),
    ("slack", "Slack"),
    ("webhook", "Webhook (signed JSON)"),
];

const SECURITY: [(&str, &str); 3] = [
    ("starttls", "STARTTLS (port 587)"),
    ("tls", "TLS (port 465)"),
    ("none", "None (a relay on this network only)"),
];

#[component]
pub fn NotificationsPage() -> impl IntoView {
    let add = ServerAction::<AddChannel>::new();
    let remove = ServerAction::<RemoveChannel>::new();
    let smtp = ServerAction::<SetSmtp>::new();
    let add_report = ServerAction::<AddReport>::new();
    let remove_report = ServerAction::<RemoveReport>::new();
    let current = resource(
        move || {
            (
                add.version().get(),
                remove.version().get(),
                smtp.version().get(),
                add_report.version().get(),
                remove_report.version().get(),
            )
        },
        |_| notifications(),
    );
    let remove_error = last_error(remove);
    let remove_report_error = last_error(remove_report);
    view! {
        <Title text="Notifications" />
        <h1>"Notifications"</h1>
        <p class="hint">
            "Instalytics tells you when an account needs attention or the export is stuck, \
             and again when it is resolved. Every message sent is in the "
            <a href="/notifications">"Notifications log"</a>
            "."
        </p>
        <FormAlert error=remove_error />
        <FormAlert error=remove_report_error />
        <Transition fallback=|| view! { <p class="loading">"Loading notifications…"</p> }>
            {move || Suspend::new(async move {
                match current.await {
                    Ok(view) => {
                        view! {
                            <Channels list=view.channels add remove />
                            <SmtpServer current=view.smtp save=smtp />
                            <Rules list=view.rules />
                            <Reports list=view.reports workspaces=view.workspaces add=add_report remove=remove_report />
                        }
                            .into_any()
                    }
                    Err(error) => view! { <ErrorView error /> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn Channels(
    list: Vec<ChannelSummary>,
    add: ServerAction<AddChannel>,
    remove: ServerAction<RemoveChannel>,
) -> impl IntoView {
    let error = last_error(add);
    view! {
        <section class="card" aria-labelledby="channels-title">
            <h2 id="channels-title">"Channels"</h2>
            {if list.is_empty() {
                view! { <p data-testid="no-channels">"No channels yet: alerts are kept but not sent."</p> }.into_any()
            } else {
                view! { <ChannelsTable list remove /> }.into_any()
            }}
            <ActionForm action=add attr:class="inline-form" attr:data-testid="channel-form">
                <TextField form="channel" name="kind" label="Kind" kind="select" choices=&KINDS error />
                <TextField form="channel" name="label" label="Label" error hint="Shown in the list and the log." />
                <TextField form="channel" name="target" label="Sends to" error hint=CHANNEL_TARGET_HINT />
                <FormAlert error />
                <button type="submit">"Add channel"</button>
            </ActionForm>
            {move || {
                add.value()
                    .get()
                    .and_then(Result::ok)
                    .and_then(|made| made.secret.map(|secret| (made.channel.label, secret)))
                    .map(|(label, secret)| {
                        view! {
                            <div class="made-link" role="status">
                                <label for="webhook-secret">
                                    {format!("Signing secret of {label} — copy it now, it is not shown again:")}
                                </label>
                                <input id="webhook-secret" data-testid="webhook-secret" readonly=true value=secret />
                            </div>
                        }
                    })
            }}
        </section>
    }
}

#[component]
fn ChannelsTable(list: Vec<ChannelSummary>, remove: ServerAction<RemoveChannel>) -> impl IntoView {
    view! {
        <table class="data-table" data-testid="channels">
            <caption class="visually-hidden">"Channels"</caption>
            <ListHead columns=&["Label", "Kind", "Sends to", "Added", "Test"] action="Remove" />
            <tbody>
                {list
                    .into_iter()
                    .map(|channel| {
                        let id = channel.id;
                        let question = format!(
                            "Remove the channel {}? Alerts stop going there; its log stays.",
                            channel.label,
                        );
                        let remove = Callback::new(move |()| {
                            remove.dispatch(RemoveChannel { id });
                        });
                        let key = channel.label.clone();
                        view! {
                            <tr data-testid="channel-row" data-label=key>
                                <td>{channel.label}</td>
                                <td>{channel.kind.label()}</td>
                                <td>{channel.target}</td>
                                <td>{channel.created_on}</td>
                                <td><TestButton id /></td>
                                <td><RevokeButton question revoke=remove label="Remove" /></td>
                            </tr>
                        }
                    })
                    .collect_view()}
            </tbody>
        </table>
    }
}

/// "Send test" of a channel.
#[component]
fn TestButton(id: crate::dto::ChannelId) -> impl IntoView {
    let test = ServerAction::<SendTest>::new();
    view! {
        <SendButton
            label="Send test"
            pending=test.pending()
            answer=test.value()
            send=Callback::new(move |()| {
                test.dispatch(SendTest { id });
            })
        />
    }
}

/// A button that sends something now, and how the first attempt went.
#[component]
fn SendButton(
    label: &'static str,
    #[prop(into)] pending: Signal<bool>,
    #[prop(into)] answer: Signal<Option<Result<DeliveryView, AppError>>>,
    send: Callback<()>,
) -> impl IntoView {
    let outcome = move || {
        answer.get().map(|answer| match answer {
            Ok(d) if d.status == DeliveryStatus::Sent => ("ok", "Sent.".to_owned()),
            Ok(d) => (
                "field-error",
                format!(
                    "Failed: {} (retried later; see the log)",
                    d.error.unwrap_or_default()
                ),
            ),
            Err(e) => ("field-error", e.to_string()),
        })
    };
    view! {
        <button type="button" disabled=move || pending.get() on:click=move |_| send.run(())>
            {move || if pending.get() { "Sending…" } else { label }}
        </button>
        {move || {
            outcome()
                .map(|(class, text)| {
                    view! {
                        <p class=class role="status" data-testid="test-outcome">
                            {text}
                        </p>
                    }
                })
        }}
    }
}

#[component]
fn SmtpServer(current: Option<SmtpView>, save: ServerAction<SetSmtp>) -> impl IntoView {
    let error = last_error(save);
    let saved = move || matches!(save.value().get(), Some(Ok(_)));
    let from_env = current.as_ref().is_some_and(|s| s.from_environment);
    let value = |f: fn(&SmtpView) -> String| current.as_ref().map(f);
    let host = value(|s| s.host.clone());
    let port = value(|s| s.port.to_string()).or_else(|| Some("587".into()));
    let security = value(|s| s.security.as_str().to_owned());
    let username = value(|s| s.username.clone());
    let from = value(|s| s.from.clone());
    let password_hint: &'static str = if current.as_ref().is_some_and(|s| s.password_set) {
        "A password is stored (never shown). Leave empty to keep it."
    } else {
        "Leave empty for a server without authentication."
    };
    view! {
        <section class="card" aria-labelledby="smtp-title">
            <h2 id="smtp-title">"E-mail server (SMTP)"</h2>
            {if from_env {
                view! {
                    <p data-testid="smtp-from-env">
                        {format!(
                            "Set on the server by INSTALYTICS_SMTP_URL: {} port {}, from {}.",
                            host.unwrap_or_default(),
                            port.unwrap_or_default(),
                            from.unwrap_or_default(),
                        )}
                    </p>
                }
                    .into_any()
            } else {
                view! {
                    <ActionForm action=save attr:class="inline-form" attr:data-testid="smtp-form">
                        <TextField form="smtp" name="host" label="Server" value=host.unwrap_or_default() error />
                        <TextField form="smtp" name="port" label="Port" kind="number" value=port.unwrap_or_default() error />
                        <TextField form="smtp" name="security" label="Security" kind="select" choices=&SECURITY value=security.unwrap_or_default() error />
                        <TextField form="smtp" name="username" label="User name" value=username.unwrap_or_default() required=false error />
                        <TextField form="smtp" name="password" label="Password" kind="password" autocomplete="new-password" required=false hint=password_hint error />
                        <TextField form="smtp" name="from" label="From address" kind="email" value=from.unwrap_or_default() error />
                        <FormAlert error />
                        <button type="submit">"Save"</button>
                        <Show when=saved>
                            <span class="ok" role="status">"Saved."</span>
                        </Show>
                    </ActionForm>
                }
                    .into_any()
            }}
        </section>
    }
}

#[component]
fn Rules(list: Vec<AlertRuleView>) -> impl IntoView {
    view! {
        <section class="card" aria-labelledby="rules-title">
            <h2 id="rules-title">"Alert rules"</h2>
            <p class="hint">"Each alert is sent once when it starts, and once more when it is resolved."</p>
            <ul class="rules" data-testid="alert-rules">
                {list.into_iter().map(|rule| view! { <RuleForm rule /> }).collect_view()}
            </ul>
        </section>
    }
}

/// One rule: its switch and threshold, saved together, with its own answer.
#[component]
fn RuleForm(rule: AlertRuleView) -> impl IntoView {
    let save = ServerAction::<SetAlertRule>::new();
    let error = last_error(save);
    let saved = move || matches!(save.value().get(), Some(Ok(_)));
    let name = rule.rule.as_str();
    let unit = rule.rule.threshold().map(|(_, unit)| unit);
    let message = move || {
        error
            .get()
            .map(|e| e.for_field("threshold").unwrap_or_else(|| e.to_string()))
    };
    view! {
        <li>
            <ActionForm action=save attr:class="inline-form rule" attr:data-testid=format!("rule-{name}")>
                <input type="hidden" name="rule" value=name />
                <label class="check">
                    <input type="checkbox" name="enabled" value="true" checked=rule.enabled />
                    {rule.rule.describe()}
                </label>
                {rule.threshold.map(|value| {
                    view! {
                        <label>
                            "X = "
                            <input
                                type="text"
                                inputmode="decimal"
                                name="threshold"
                                size="5"
                                value=value.to_string()
                                aria-invalid=move || error.get().is_some().to_string()
                            />
                            {unit.map(|u| format!(" {u}"))}
                        </label>
                    }
                })}
                <button type="submit">"Save"</button>
                <Show when=saved>
                    <span class="ok" role="status">"Saved."</span>
                </Show>
                <Show when=move || message().is_some()>
                    <p class="field-error" role="alert">{message}</p>
                </Show>
            </ActionForm>
        </li>
    }
}

const CADENCES: [(&str, &str); 2] = [("weekly", "Weekly"), ("monthly", "Monthly")];

/// Scheduled reports: the list, and the form that adds one.
#[component]
fn Reports(
    list: Vec<ReportView>,
    workspaces: Vec<WorkspaceChoice>,
    add: ServerAction<AddReport>,
    remove: ServerAction<RemoveReport>,
) -> impl IntoView {
    let error = last_error(add);
    let message = move || {
        error
            .get()
            .map(|e| e.for_field("workspace").unwrap_or_default())
            .filter(|m| !m.is_empty())
    };
    view! {
        <section class="card" aria-labelledby="reports-title">
            <h2 id="reports-title">"Scheduled reports"</h2>
            <p class="hint">
                "The Overview's figures, charts and top posts by e-mail, with the same report as a PDF \
                 attached. A weekly report covers the seven days before its day; a monthly one, the \
                 month before. It goes through the SMTP server above."
            </p>
            {if list.is_empty() {
                view! { <p data-testid="no-reports">"No reports scheduled."</p> }.into_any()
            } else {
                view! { <ReportsTable list remove /> }.into_any()
            }}
            <ActionForm action=add attr:class="inline-form" attr:data-testid="report-form">
                <label for="report-workspace">"Covers"</label>
                <select id="report-workspace" name="workspace">
                    <option value="">"All accounts"</option>
                    {workspaces
                        .into_iter()
                        .map(|w| view! { <option value=w.id.to_string()>{w.name}</option> })
                        .collect_view()}
                </select>
                <Show when=move || message().is_some()>
                    <p class="field-error" role="alert">{message}</p>
                </Show>
                <TextField form="report" name="cadence" label="Every" kind="select" choices=&CADENCES error />
                <TextField form="report" name="day" label="Day" error value="1" hint="Weekly: 1 (Monday) to 7. Monthly: 1 to 28." />
                <TextField form="report" name="hour" label="Hour" error value="9" hint="0 to 23." />
                <TextField form="report" name="tz" label="Time zone" error value="UTC" hint="An IANA name, such as Europe/Paris." />
                <TextField form="report" name="recipients" label="To" error hint="E-mail addresses, separated by commas." />
                <FormAlert error />
                <button type="submit">"Schedule report"</button>
            </ActionForm>
        </section>
    }
}

#[component]
fn ReportsTable(list: Vec<ReportView>, remove: ServerAction<RemoveReport>) -> impl IntoView {
    view! {
        <table class="data-table" data-testid="reports">
            <caption class="visually-hidden">"Scheduled reports"</caption>
            <ListHead columns=&["Covers", "Every", "To", "Next", "Send now"] action="Remove" />
            <tbody>
                {list
                    .into_iter()
                    .map(|report| {
                        let id = report.id;
                        let question = format!(
                            "Stop the {} report of {}? Reports already sent stay in the log.",
                            report.cadence.label().to_lowercase(),
                            report.covers,
                        );
                        let remove = Callback::new(move |()| {
                            remove.dispatch(RemoveReport { id });
                        });
                        let send = ServerAction::<SendReport>::new();
                        view! {
                            <tr data-testid="report-row">
                                <td>{report.covers}</td>
                                <td>{report.cadence.label()}</td>
                                <td>{report.recipients.join(", ")}</td>
                                <td>{report.next}</td>
                                <td>
                                    <SendButton
                                        label="Send now"
                                        pending=send.pending()
                                        answer=send.value()
                                        send=Callback::new(move |()| {
                                            send.dispatch(SendReport { id });
                                        })
                                    />
                                </td>
                                <td><RevokeButton question revoke=remove label="Remove" /></td>
                            </tr>
                        }
                    })
                    .collect_view()}
            </tbody>
        </table>
    }
}
