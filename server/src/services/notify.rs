//! Settings → Notifications and the Notifications log ([`NotifyPort`]): the SMTP server,
//! the channels with their test, the alert rules, and the deliveries. Passwords, webhook
//! URLs and secrets are sealed on the way in and never leave the server again.

use app::backend::NotifyPort;
use app::dto::{
    AlertRule, AlertRuleView, ChannelId, ChannelKind, ChannelSummary, CreatedChannel,
    DeliveryStatus, DeliveryView, NotificationsView, SmtpSecurity, SmtpView,
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
use crate::notify::worker::{send_claimed, HOLD_SECS};
use crate::notify::NotifyDeps;
use crate::store::deliveries::DeliveryStore;
use crate::store::entities::smtp_config::PASSWORD_CONTEXT;
use crate::store::entities::{alert_rules, notify_channels, notify_deliveries, smtp_config};
use crate::store::notify::{NewChannel, NotifyStore};

/// What a webhook's signing secret starts with, so one found in a log or a file says what
/// it is.
pub const WEBHOOK_SECRET_PREFIX: &str = "whsec_";

#[derive(Clone)]
pub struct NotifyService {
    pub deps: NotifyDeps,
    store: NotifyStore,
    deliveries: DeliveryStore,
}

impl NotifyService {
    pub fn new(deps: NotifyDeps) -> Self {
        Self {
            store: NotifyStore::new(deps.db.clone()),
            deliveries: DeliveryStore::new(deps.db.clone()),
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
        let row = self.deliveries.find(&event, channel.id).await?;
        if self.deliveries.claim(row.id, now, HOLD_SECS).await? {
            send_claimed(
                &self.deps,
                &self.deliveries,
                std::slice::from_ref(&row),
                now,
            )
            .await?;
        }
        Ok(delivery_view(
            self.deliveries.find(&event, channel.id).await?,
        ))
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
