//! Settings → Notifications and the Notifications log (admins): the SMTP server, channels
//! with "Send test", the alert rules, and every delivery.

use leptos::prelude::*;

#[cfg(feature = "ssr")]
use crate::auth::as_admin;
use crate::dto::{
    AlertRule, AlertRuleView, Cadence, ChannelId, ChannelKind, CreatedChannel, DeliveryView,
    NotificationsView, ReportId, ReportView, SmtpSecurity, SmtpView,
};
#[cfg(feature = "ssr")]
use crate::dto::{NewReport, WorkspaceId};
use crate::error::AppError;

/// The newest deliveries the log shows at most.
pub const DELIVERY_LOG_LIMIT: u64 = 200;

#[server(endpoint = "notify/view")]
pub async fn notifications() -> Result<NotificationsView, AppError> {
    as_admin(|b, _| async move { b.notify.view().await }).await
}

/// An empty `password` keeps the one stored.
#[server(endpoint = "notify/smtp")]
pub async fn set_smtp(
    host: String,
    port: String,
    security: SmtpSecurity,
    #[server(default)] username: String,
    #[server(default)] password: String,
    from: String,
) -> Result<SmtpView, AppError> {
    as_admin(|b, _| async move {
        b.notify
            .set_smtp(&host, &port, security, &username, &password, &from)
            .await
    })
    .await
}

#[server(endpoint = "notify/add")]
pub async fn add_channel(
    kind: ChannelKind,
    label: String,
    target: String,
) -> Result<CreatedChannel, AppError> {
    as_admin(|b, _| async move { b.notify.add_channel(kind, &label, &target).await }).await
}

#[server(endpoint = "notify/remove")]
pub async fn remove_channel(id: ChannelId) -> Result<(), AppError> {
    as_admin(|b, _| async move { b.notify.remove_channel(id).await }).await
}

/// Sends a test message now; the answer (and the log) says how it went.
#[server(endpoint = "notify/test")]
pub async fn send_test(id: ChannelId) -> Result<DeliveryView, AppError> {
    as_admin(|b, _| async move { b.notify.send_test(id).await }).await
}

/// Switches a rule on or off and sets its threshold (ignored for a rule without one).
#[server(endpoint = "notify/rule")]
pub async fn set_alert_rule(
    rule: AlertRule,
    #[server(default)] enabled: bool,
    #[server(default)] threshold: String,
) -> Result<AlertRuleView, AppError> {
    as_admin(|b, _| async move { b.notify.set_rule(rule, enabled, &threshold).await }).await
}

#[server(endpoint = "notify/log")]
pub async fn delivery_log() -> Result<Vec<DeliveryView>, AppError> {
    as_admin(|b, _| async move { b.notify.log(DELIVERY_LOG_LIMIT).await }).await
}

/// Schedules a report; `workspace` is blank for every account.
#[server(endpoint = "notify/report_add")]
pub async fn add_report(
    #[server(default)] workspace: String,
    cadence: Cadence,
    day: String,
    hour: String,
    #[server(default)] tz: String,
    recipients: String,
) -> Result<ReportView, AppError> {
    as_admin(|b, _| async move {
        let workspace = match workspace.trim() {
            "" => None,
            id => Some(id.parse::<WorkspaceId>().map_err(|_| {
                AppError::invalid("workspace", "Choose a workspace from the list.")
            })?),
        };
        let report = NewReport {
            workspace,
            cadence,
            day,
            hour,
            tz,
            recipients,
        };
        b.notify.add_report(&report).await
    })
    .await
}

#[server(endpoint = "notify/report_remove")]
pub async fn remove_report(id: ReportId) -> Result<(), AppError> {
    as_admin(|b, _| async move { b.notify.remove_report(id).await }).await
}

/// Sends the report of its latest whole period now; the answer (and the log) says how.
#[server(endpoint = "notify/report_send")]
pub async fn send_report(id: ReportId) -> Result<DeliveryView, AppError> {
    as_admin(|b, _| async move { b.notify.send_report(id).await }).await
}
