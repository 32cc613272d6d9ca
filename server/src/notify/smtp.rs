//! The SMTP connection alerts and reports are mailed through (lettre, rustls): from
//! Settings, or from `INSTALYTICS_SMTP_URL` and `INSTALYTICS_SMTP_FROM` in the environment,
//! which then win.

use std::time::Duration;

use app::dto::SmtpSecurity;
use lettre::message::header::ContentType;
use lettre::message::{Mailbox, MessageBuilder, MultiPart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

/// How long one SMTP conversation may take.
const SMTP_TIMEOUT: Duration = Duration::from_secs(20);

/// The SMTP server as Settings holds it, the password opened.
#[derive(Clone)]
pub struct SmtpSettings {
    pub host: String,
    pub port: u16,
    pub security: SmtpSecurity,
    pub username: Option<String>,
    pub password: Option<String>,
    pub from: String,
}

/// The server from the environment: lettre's URL form (`smtps://user:pass@host:465`,
/// `smtp://user:pass@host:587?tls=required`, `smtp://localhost:25`) and the From address.
#[derive(Clone)]
pub struct SmtpEnv {
    pub url: String,
    pub from: String,
}

impl std::fmt::Debug for SmtpEnv {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The URL may hold the password.
        f.debug_struct("SmtpEnv")
            .field("from", &self.from)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SmtpError {
    #[error("no SMTP server is set: add one in Settings → Notifications")]
    NotSet,
    #[error("the SMTP settings are not usable: {0}")]
    Config(String),
    #[error("“{0}” is not an e-mail address lettre accepts")]
    Address(String),
    #[error("the SMTP server refused or could not be reached: {0}")]
    Send(String),
}

/// A ready SMTP transport and the From address.
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

fn mailbox(address: &str) -> Result<Mailbox, SmtpError> {
    address
        .parse()
        .map_err(|_| SmtpError::Address(address.to_owned()))
}

impl Mailer {
    pub fn from_settings(s: &SmtpSettings) -> Result<Self, SmtpError> {
        type T = AsyncSmtpTransport<Tokio1Executor>;
        let config = |e: lettre::transport::smtp::Error| SmtpError::Config(e.to_string());
        let mut builder = match s.security {
            SmtpSecurity::Tls => T::relay(&s.host).map_err(config)?,
            SmtpSecurity::StartTls => T::starttls_relay(&s.host).map_err(config)?,
            SmtpSecurity::None => T::builder_dangerous(&s.host),
        }
        .port(s.port)
        .timeout(Some(SMTP_TIMEOUT));
        if let Some(user) = s.username.as_deref().filter(|u| !u.is_empty()) {
            let password = s.password.clone().unwrap_or_default();
            builder = builder.credentials(Credentials::new(user.to_owned(), password));
        }
        Ok(Self {
            transport: builder.build(),
            from: mailbox(&s.from)?,
        })
    }

    pub fn from_env(env: &SmtpEnv) -> Result<Self, SmtpError> {
        let builder = AsyncSmtpTransport::<Tokio1Executor>::from_url(&env.url)
            // lettre's message names the part of the URL it could not read, not the password.
            .map_err(|e| SmtpError::Config(format!("INSTALYTICS_SMTP_URL: {e}")))?;
        Ok(Self {
            transport: builder.timeout(Some(SMTP_TIMEOUT)).build(),
            from: mailbox(&env.from)?,
        })
    }

    /// One plain-text message to every address in `to`.
    pub async fn send(&self, to: &[String], subject: &str, text: &str) -> Result<(), SmtpError> {
        let message = self
            .envelope(to, subject)?
            .header(ContentType::TEXT_PLAIN)
            .body(text.to_owned())
            .map_err(|e| SmtpError::Config(e.to_string()))?;
        self.deliver(message).await
    }

    /// One message of several parts (a report: HTML, images, a PDF) to every address in `to`.
    pub async fn send_parts(
        &self,
        to: &[String],
        subject: &str,
        body: MultiPart,
    ) -> Result<(), SmtpError> {
        let message = self
            .envelope(to, subject)?
            .multipart(body)
            .map_err(|e| SmtpError::Config(e.to_string()))?;
        self.deliver(message).await
    }

    fn envelope(&self, to: &[String], subject: &str) -> Result<MessageBuilder, SmtpError> {
        let mut builder = Message::builder().from(self.from.clone()).subject(subject);
        for address in to {
            builder = builder.to(mailbox(address)?);
        }
        Ok(builder)
    }

    async fn deliver(&self, message: Message) -> Result<(), SmtpError> {
        self.transport
            .send(message)
            .await
            .map_err(|e| SmtpError::Send(e.to_string()))?;
        Ok(())
    }
}
