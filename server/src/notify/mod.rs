//! Alerts and their delivery. Every minute [`engine::evaluate`] asks what each rule finds
//! ([`conditions`]), opens the alerts that start and resolves those that clear, queueing a
//! message per channel in the same transaction; [`worker`] sends the queue ([`channel`]:
//! e-mail through [`smtp`], Slack, signed webhooks), retrying with backoff, and its rows are
//! the Notifications log. [`reports`] queues the scheduled reports on the same queue.
//!
//! ```text
//! worker ─► engine ─► conditions ─► store (accounts, sync_runs, export, signals)
//!   │          └────► store::alerts ─► store::deliveries
//!   ├─► reports ─► report (build, pdf, email), store::reports
//!   └─► channel ─► smtp, message
//! ```

pub mod channel;
pub mod conditions;
pub mod engine;
pub mod message;
pub mod reports;
pub mod smtp;
pub mod worker;

use std::sync::Arc;

use app::backend::AnalyticsPort;
use sea_orm::DatabaseConnection;

use crate::crypto::Cipher;
use crate::store::entities::notify_channels::{self, CONFIG_CONTEXT};
use crate::store::entities::smtp_config::PASSWORD_CONTEXT;
use crate::store::notify::NotifyStore;
use crate::store::StoreError;
use channel::ChannelConfig;
use smtp::{Mailer, SmtpEnv, SmtpError, SmtpSettings};

/// What sending needs: the database, the key that opens the channels' settings, an HTTP
/// client for webhooks, and where the site is (for the links in messages).
#[derive(Clone)]
pub struct NotifyDeps {
    pub db: DatabaseConnection,
    pub cipher: Arc<Cipher>,
    pub http: reqwest::Client,
    /// `INSTALYTICS_SMTP_URL` and `INSTALYTICS_SMTP_FROM`, which win over Settings.
    pub smtp_env: Option<SmtpEnv>,
    /// The site's public root, without a trailing slash.
    pub public_url: String,
    /// The dashboard's figures, for the scheduled reports.
    pub analytics: Arc<dyn AnalyticsPort>,
}

#[derive(Debug, thiserror::Error)]
pub enum NotifyError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("the channel's settings cannot be opened with this instance's master key")]
    Sealed,
}

impl NotifyDeps {
    /// The HTTP client webhooks are posted with: short timeouts, and no redirects (a
    /// receiver's redirect is refused, not followed somewhere else).
    pub fn http_client() -> Result<reqwest::Client, reqwest::Error> {
        reqwest::Client::builder()
            .user_agent(concat!("instalytics/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(std::time::Duration::from_secs(10))
            .timeout(std::time::Duration::from_secs(20))
            .redirect(reqwest::redirect::Policy::none())
            .build()
    }

    /// The SMTP server to mail through: the environment's, else Settings'.
    pub async fn mailer(&self) -> Result<Mailer, SmtpError> {
        if let Some(env) = &self.smtp_env {
            return Mailer::from_env(env);
        }
        let Some(row) = NotifyStore::new(self.db.clone())
            .smtp()
            .await
            .map_err(|e| SmtpError::Config(e.to_string()))?
        else {
            return Err(SmtpError::NotSet);
        };
        let password = row
            .sealed_password
            .as_deref()
            .map(|sealed| self.cipher.open(sealed, PASSWORD_CONTEXT))
            .transpose()
            .map_err(|_| {
                SmtpError::Config("the stored password cannot be opened with this instance's master key; enter it again".into())
            })?;
        Mailer::from_settings(&SmtpSettings {
            host: row.host,
            port: u16::try_from(row.port).unwrap_or(25),
            security: row
                .security
                .parse()
                .unwrap_or(app::dto::SmtpSecurity::StartTls),
            username: row.username,
            password,
            from: row.from_address,
        })
    }

    /// A channel's addresses and secrets.
    pub fn open_channel(&self, row: &notify_channels::Model) -> Result<ChannelConfig, NotifyError> {
        let json = self
            .cipher
            .open(&row.sealed_config, CONFIG_CONTEXT)
            .map_err(|_| NotifyError::Sealed)?;
        serde_json::from_str(&json).map_err(|_| NotifyError::Sealed)
    }

    pub fn seal_channel(&self, config: &ChannelConfig) -> String {
        let json = serde_json::to_string(config).expect("a channel's settings serialise");
        self.cipher.seal(&json, CONFIG_CONTEXT)
    }

    /// `path` on the site, as a full URL.
    pub fn link(&self, path: &str) -> String {
        format!("{}{path}", self.public_url.trim_end_matches('/'))
    }
}
