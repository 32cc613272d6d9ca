//! Sending one message to one channel: e-mail through the SMTP server, Slack's incoming
//! webhook, or our signed JSON to a generic webhook.

use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use crate::auth::secret_token;
use crate::graph::transport::read_body;

use super::message::Message;
use super::smtp::{Mailer, SmtpError};

/// The header that carries the webhook's signature: `sha256=<hex HMAC-SHA256 of the body
/// under the channel's secret>`, as GitHub's `X-Hub-Signature-256`.
pub const SIGNATURE_HEADER: &str = "X-Instalytics-Signature";
/// The header naming the event (`alert.opened`, `alert.resolved`, `test`).
pub const EVENT_HEADER: &str = "X-Instalytics-Event";
/// How much of a refusing receiver's answer the log keeps.
const ANSWER_SHOWN: usize = 300;

/// A channel's addresses and secrets, sealed in the database as JSON.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ChannelConfig {
    Email { to: Vec<String> },
    Slack { url: String },
    Webhook { url: String, secret: String },
}

impl std::fmt::Debug for ChannelConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ChannelConfig::Email { to } => f.debug_struct("Email").field("to", to).finish(),
            // A Slack URL is its own secret.
            ChannelConfig::Slack { .. } => f.write_str("Slack(..)"),
            ChannelConfig::Webhook { url, .. } => f
                .debug_struct("Webhook")
                .field("url", url)
                .finish_non_exhaustive(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SendError {
    #[error(transparent)]
    Smtp(#[from] SmtpError),
    /// The request failed before an answer; the text never holds the URL.
    #[error("could not reach the receiver: {0}")]
    Unreachable(String),
    #[error("the receiver answered HTTP {status}: {answer}")]
    Refused { status: u16, answer: String },
}

/// `sha256=<hex>` of `body` under `secret`.
pub fn signature(secret: &str, body: &[u8]) -> String {
    let mut mac =
        Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key length");
    mac.update(body);
    format!("sha256={}", secret_token::hex(&mac.finalize().into_bytes()))
}

/// Sends `message` through the channel.
pub async fn send(
    http: &reqwest::Client,
    mailer: Option<&Mailer>,
    config: &ChannelConfig,
    message: &Message,
) -> Result<(), SendError> {
    match config {
        ChannelConfig::Email { to } => {
            let mailer = mailer.ok_or(SmtpError::NotSet)?;
            mailer
                .send(to, &message.title, &message.email_text())
                .await?;
            Ok(())
        }
        ChannelConfig::Slack { url } => {
            let body = serde_json::json!({ "text": message.slack_text() }).to_string();
            post(http.post(url), body).await
        }
        ChannelConfig::Webhook { url, secret } => {
            let body = serde_json::to_string(message).expect("a message serialises");
            let request = http
                .post(url)
                .header(SIGNATURE_HEADER, signature(secret, body.as_bytes()))
                .header(EVENT_HEADER, message.event.as_str());
            post(request, body).await
        }
    }
}

async fn post(request: reqwest::RequestBuilder, body: String) -> Result<(), SendError> {
    let res = request
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .body(body)
        .send()
        .await
        // The URL may be a secret (Slack's is): never in the log.
        .map_err(|e| SendError::Unreachable(e.without_url().to_string()))?;
    let status = res.status();
    if status.is_success() {
        return Ok(());
    }
    let answer = read_body(res, 64 << 10).await.unwrap_or_default();
    let answer: String = answer.chars().take(ANSWER_SHOWN).collect();
    Err(SendError::Refused {
        status: status.as_u16(),
        answer,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signature_is_the_hex_hmac_sha256_of_the_body() {
        // RFC 4231, test case 2.
        assert_eq!(
            signature("Jefe", b"what do ya want for nothing?"),
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn debug_output_hides_slack_urls_and_webhook_secrets() {
        let slack = ChannelConfig::Slack {
            url: "https://hooks.slack.com/services/T/B/SECRET".into(),
        };
        let hook = ChannelConfig::Webhook {
            url: "https://x.org".into(),
            secret: "whsec_SECRET".into(),
        };
        assert!(!format!("{slack:?}{hook:?}").contains("SECRET"));
    }
}
