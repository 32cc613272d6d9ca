//! Settings → Notifications and the Notifications log ([`NotifyPort`]): the SMTP server,
//! the channels with their test, the alert rules, and the deliveries. Passwords, webhook
//! URLs and secrets are sealed on the way in and never leave the server again.

use app::backend::NotifyPort;
use app::dto::{
    AlertRule, AlertRuleView, Cadence, ChannelId, ChannelKind, ChannelSummary, CreatedChannel,
    DeliveryStatus, DeliveryView, NewReport, NotificationsView, ReportId, ReportView, SmtpSecurity,
    SmtpView, WorkspaceChoice, WorkspaceId,
};
use app::error::AppError;
use app::rules::{self, ChannelTarget};
use async_trait::async_trait;

use super::{utc, utc_date};
use crate::auth::secret_token;
use crate::clock::{unix_now, unix_now_ms};
use crate::notify::channel::ChannelConfig;
use crate::notify::conditions::effective;
use crate::notify::engine::queue;
use crate::notify::message::{rfc3339, Event, Message};
use crate::notify::reports;
use crate::notify::worker::{send_claimed, HOLD_SECS};
use crate::notify::NotifyDeps;
use crate::services::analytics::zone;
use crate::store::deliveries::DeliveryStore;
use crate::store::entities::smtp_config::PASSWORD_CONTEXT;
use crate::store::entities::{
    alert_rules, notify_channels, notify_deliveries, report_schedules, smtp_config, workspaces,
};
use crate::store::notify::{NewChannel, NotifyStore};
use crate::store::reports::{recipients as report_recipients, NewSchedule, ReportStore};
use crate::store::workspaces::WorkspaceStore;

/// What a webhook's signing secret starts with, so one found in a log or a file says what
/// it is.
pub const WEBHOOK_SECRET_PREFIX: &str = "whsec_";

#[derive(Clone)]
pub struct NotifyService {
    pub deps: NotifyDeps,
    store: NotifyStore,
    deliveries: DeliveryStore,
    reports: ReportStore,
}

impl NotifyService {
    pub fn new(deps: NotifyDeps) -> Self {
        Self {
            store: NotifyStore::new(deps.db.clone()),
            deliveries: DeliveryStore::new(deps.db.clone()),
            reports: ReportStore::new(deps.db.clone()),
            deps,
        }
    }

    async fn smtp_view(&self) -> Result<Option<SmtpView>, AppError> {
        if let Some(env) = &self.deps.smtp_env {
            // Host and port only: the URL may hold the user's password.
            let url = reqwest::Url::parse(&env.url).ok();
            return Ok(Some(SmtpView {
                host: url
                    .as_ref()
                    .and_then(|u| u.host_str())
                    .unwrap_or_default()
                    .to_owned(),
                port: url
                    .as_ref()
                    .and_then(reqwest::Url::port)
                    .unwrap_or_default(),
                security: if url.as_ref().is_some_and(|u| u.scheme() == "smtps") {
                    SmtpSecurity::Tls
                } else {
                    SmtpSecurity::StartTls
                },
                username: url.map(|u| u.username().to_owned()).unwrap_or_default(),
                password_set: true,
                from: env.from.clone(),
                from_environment: true,
            }));
        }
        Ok(self.store.smtp().await?.map(|row| smtp_view(&row)))
    }
}

impl NotifyService {
    async fn workspaces(&self) -> Result<Vec<workspaces::Model>, AppError> {
        Ok(WorkspaceStore::new(self.deps.db.clone()).list(None).await?)
    }

    async fn report_views(&self) -> Result<Vec<ReportView>, AppError> {
        let names = self.workspaces().await?;
        let now = unix_now();
        Ok(self
            .reports
            .list()
            .await?
            .iter()
            .map(|row| report_view(row, &names, now))
            .collect())
    }

    /// Makes the first attempt of the delivery just queued, now, and answers how it went.
    async fn attempt_now(
        &self,
        event: &str,
        channel: Option<i64>,
        now: i64,
    ) -> Result<DeliveryView, AppError> {
        let row = self.deliveries.find(event, channel).await?;
        if self.deliveries.claim(row.id, now, HOLD_SECS).await? {
            send_claimed(
                &self.deps,
                &self.deliveries,
                std::slice::from_ref(&row),
                now,
            )
            .await?;
        }
        Ok(delivery_view(self.deliveries.find(event, channel).await?))
    }
}

fn report_view(
    row: &report_schedules::Model,
    workspaces: &[workspaces::Model],
    now: i64,
) -> ReportView {
    let timing = reports::timing(row);
    let next = timing
        .as_ref()
        .and_then(|t| Some((t.next(now)?, t)))
        .and_then(|(s, t)| {
            let local = t.tz.to_datetime(jiff::Timestamp::from_second(s.at).ok()?);
            Some(format!(
                "{} {:02}:{:02} ({})",
                local.date(),
                local.hour(),
                local.minute(),
                row.time_zone
            ))
        })
        .unwrap_or_else(|| "never: its time zone is unknown".into());
    ReportView {
        id: ReportId(row.id),
        workspace: row.workspace_id.map(WorkspaceId),
        covers: row
            .workspace_id
            .and_then(|id| workspaces.iter().find(|w| w.id == id))
            .map_or_else(|| "All accounts".to_owned(), |w| w.name.clone()),
        cadence: timing.map_or(Cadence::Weekly, |t| t.cadence),
        day: u8::try_from(row.day).unwrap_or_default(),
        hour: u8::try_from(row.hour).unwrap_or_default(),
        time_zone: row.time_zone.clone(),
        recipients: report_recipients(row),
        next,
    }
}

fn smtp_view(row: &smtp_config::Model) -> SmtpView {
    SmtpView {
        host: row.host.clone(),
        port: u16::try_from(row.port).unwrap_or_default(),
        security: row.security.parse().unwrap_or(SmtpSecurity::StartTls),
        username: row.username.clone().unwrap_or_default(),
        password_set: row.sealed_password.is_some(),
        from: row.from_address.clone(),
        from_environment: false,
    }
}

fn channel_summary(row: &notify_channels::Model) -> ChannelSummary {
    ChannelSummary {
        id: ChannelId(row.id),
        kind: row.kind.parse().unwrap_or(ChannelKind::Webhook),
        label: row.label.clone(),
        target: row.target.clone(),
        created_on: utc_date(row.created_at),
    }
}

fn delivery_view(row: notify_deliveries::Model) -> DeliveryView {
    DeliveryView {
        at: utc(row.created_at),
        channel: row.channel_label,
        kind: row.channel_kind.parse().unwrap_or(ChannelKind::Webhook),
        title: row.title,
        status: row.status.parse().unwrap_or(DeliveryStatus::Pending),
        attempts: row.attempts,
        error: row.error,
    }
}

/// What the list shows of a URL: its origin (scheme, host, port), never the path (Slack's
/// holds the secret).
fn url_target(url: &str) -> String {
    reqwest::Url::parse(url)
        .map(|u| u.origin().ascii_serialization())
        .unwrap_or_else(|_| "—".into())
}

#[async_trait]
impl NotifyPort for NotifyService {
    async fn view(&self) -> Result<NotificationsView, AppError> {
        Ok(NotificationsView {
            smtp: self.smtp_view().await?,
            channels: self
                .store
                .channels()
                .await?
                .iter()
                .map(channel_summary)
                .collect(),
            rules: effective(&self.store.rules().await?),
            reports: self.report_views().await?,
            workspaces: self
                .workspaces()
                .await?
                .into_iter()
                .map(|w| WorkspaceChoice {
                    id: WorkspaceId(w.id),
                    name: w.name,
                })
                .collect(),
        })
    }

    async fn set_smtp(
        &self,
        host: &str,
        port: &str,
        security: SmtpSecurity,
        username: &str,
        password: &str,
        from: &str,
    ) -> Result<SmtpView, AppError> {
        if self.deps.smtp_env.is_some() {
            return Err(AppError::Conflict(
                "The SMTP server is set by INSTALYTICS_SMTP_URL on the server; change it there."
                    .into(),
            ));
        }
        let username = username.trim();
        if username.chars().count() > 254 || username.chars().any(char::is_control) {
            return Err(AppError::invalid(
                "username",
                "A user name is at most 254 characters, on one line.",
            ));
        }
        if password.len() > 1024 {
            return Err(AppError::invalid(
                "password",
                "A password is at most 1,024 characters.",
            ));
        }
        let row = smtp_config::Model {
            id: 1,
            host: rules::smtp_host(host)?,
            port: i32::from(rules::smtp_port(port)?),
            security: security.as_str().to_owned(),
            username: (!username.is_empty()).then(|| username.to_owned()),
            sealed_password: (!password.is_empty())
                .then(|| self.deps.cipher.seal(password, PASSWORD_CONTEXT)),
            from_address: rules::email_address(from, "from")?,
        };
        self.store.set_smtp(row).await?;
        let stored = self.store.smtp().await?.ok_or(AppError::Internal)?;
        Ok(smtp_view(&stored))
    }

    async fn add_channel(
        &self,
        kind: ChannelKind,
        label: &str,
        target: &str,
    ) -> Result<CreatedChannel, AppError> {
        let label = rules::channel_label(label)?;
        let mut secret = None;
        let (config, shown) = match rules::channel_target(kind, target)? {
            ChannelTarget::Email(to) => {
                let shown = to.join(", ");
                (ChannelConfig::Email { to }, shown)
            }
            ChannelTarget::Url(url) if kind == ChannelKind::Slack => {
                let shown = url_target(&url);
                (ChannelConfig::Slack { url }, shown)
            }
            ChannelTarget::Url(url) => {
                let made = format!("{WEBHOOK_SECRET_PREFIX}{}", secret_token::issue().0);
                secret = Some(made.clone());
                let shown = url_target(&url);
                (ChannelConfig::Webhook { url, secret: made }, shown)
            }
        };
        let row = self
            .store
            .add_channel(NewChannel {
                kind: kind.as_str().to_owned(),
                label,
                target: shown,
                sealed_config: self.deps.seal_channel(&config),
                created_at: unix_now(),
            })
            .await?;
        Ok(CreatedChannel {
            channel: channel_summary(&row),
            secret,
        })
    }

    async fn remove_channel(&self, id: ChannelId) -> Result<(), AppError> {
        Ok(self.store.delete_channel(id.0).await?)
    }

    async fn send_test(&self, id: ChannelId) -> Result<DeliveryView, AppError> {
        let channel = self.store.channel(id.0).await?;
        let now = unix_now();
        let message = Message {
            id: format!("test:{}:{}", channel.id, unix_now_ms()),
            event: Event::Test,
            rule: None,
            subject: None,
            title: format!("Instalytics test message to “{}”", channel.label),
            text: "This channel works: alerts will arrive here.".into(),
            link: self.deps.link("/settings/notifications"),
            at: rfc3339(now),
        };
        let event = message.id.clone();
        self.deliveries
            .enqueue(queue(std::slice::from_ref(&channel), message), now)
            .await?;
        self.attempt_now(&event, Some(channel.id), now).await
    }

    async fn set_rule(
        &self,
        rule: AlertRule,
        enabled: bool,
        threshold: &str,
    ) -> Result<AlertRuleView, AppError> {
        let threshold = rules::alert_threshold(rule, threshold)?;
        self.store
            .set_rule(alert_rules::Model {
                rule: rule.as_str().to_owned(),
                enabled,
                threshold,
            })
            .await?;
        Ok(AlertRuleView {
            rule,
            enabled,
            threshold,
        })
    }

    async fn add_report(&self, new: &NewReport) -> Result<ReportView, AppError> {
        let day = rules::report_day(new.cadence, &new.day)?;
        let hour = rules::report_hour(&new.hour)?;
        let (_, time_zone) = zone(Some(&new.tz))?;
        let recipients = rules::recipients(&new.recipients, "recipients")?;
        if let Some(id) = new.workspace {
            let known = self.workspaces().await?.iter().any(|w| w.id == id.0);
            if !known {
                return Err(AppError::invalid(
                    "workspace",
                    "Choose a workspace from the list.",
                ));
            }
        }
        let row = self
            .reports
            .create(
                NewSchedule {
                    workspace_id: new.workspace.map(|w| w.0),
                    cadence: new.cadence.as_str().to_owned(),
                    day: i32::from(day),
                    hour: i32::from(hour),
                    time_zone,
                    recipients,
                },
                unix_now(),
            )
            .await?;
        let names = self.workspaces().await?;
        Ok(report_view(&row, &names, unix_now()))
    }

    async fn remove_report(&self, id: ReportId) -> Result<(), AppError> {
        Ok(self.reports.delete(id.0).await?)
    }

    async fn send_report(&self, id: ReportId) -> Result<DeliveryView, AppError> {
        let row = self.reports.get(id.0).await?;
        let now = unix_now();
        let sending = reports::timing(&row)
            .and_then(|t| t.latest(now))
            .ok_or(AppError::Internal)?;
        // Its own event, so it neither counts as the period's scheduled report nor waits on it.
        let event = reports::event(row.id, &format!("now-{}", unix_now_ms()));
        self.deliveries
            .enqueue(vec![reports::delivery(&row, &sending, &event)], now)
            .await?;
        self.attempt_now(&event, None, now).await
    }

    async fn log(&self, limit: u64) -> Result<Vec<DeliveryView>, AppError> {
        Ok(self
            .deliveries
            .newest(limit)
            .await?
            .into_iter()
            .map(delivery_view)
            .collect())
    }
}
