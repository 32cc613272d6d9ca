//! Access tokens for BigQuery: the service account's signed assertion exchanged at the token
//! endpoint (Google's, or a local stand-in in tests), cached until a minute before expiry.

use std::time::{Duration, Instant};

use serde::Deserialize;
use tokio::sync::Mutex;

use super::key::ServiceAccount;
use super::Unanswered;
use crate::clock::unix_now;
use crate::graph::transport::TOKEN_BODY_LIMIT;

/// Tokens are renewed this long before they expire, so none runs out mid-request.
const EARLY: Duration = Duration::from_secs(60);
/// Google's access tokens last an hour; a longer claim is capped so the sum with `Instant::now`
/// cannot overflow (a panic) and a bad answer is not trusted for long.
const LONGEST: Duration = Duration::from_secs(24 * 3600);

/// How long a token granted for `expires_in` seconds is used before it is renewed.
fn renew_after(expires_in: u64) -> Duration {
    Duration::from_secs(expires_in)
        .min(LONGEST)
        .saturating_sub(EARLY)
}

#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    #[error("the token endpoint refused the key: {0}")]
    Refused(String),
    #[error("the token endpoint cannot be reached: {0}")]
    Unreachable(String),
    #[error("the token endpoint answered something that is not a token (HTTP {0})")]
    Malformed(u16),
    #[error("the token endpoint's answer is larger than {} MiB; refused", .0 >> 20)]
    TooLarge(usize),
}

impl TokenError {
    /// A refusal is about the key and will not change by itself, nor will an endless
    /// answer; the rest may pass.
    pub fn is_transient(&self) -> bool {
        !matches!(self, TokenError::Refused(_) | TokenError::TooLarge(_))
    }
}

#[derive(Deserialize)]
struct Granted {
    access_token: String,
    expires_in: u64,
}

#[derive(Deserialize)]
struct Refusal {
    error: String,
    #[serde(default)]
    error_description: String,
}

struct Cached {
    token: String,
    renew_at: Instant,
}

pub struct TokenSource {
    account: ServiceAccount,
    url: String,
    http: reqwest::Client,
    /// For the whole exchange, answer included: the exporter's per-request timeout.
    timeout: Duration,
    cached: Mutex<Option<Cached>>,
}

impl TokenSource {
    pub fn new(
        account: ServiceAccount,
        url: String,
        http: reqwest::Client,
        timeout: Duration,
    ) -> Self {
        Self {
            account,
            url,
            http,
            timeout,
            cached: Mutex::new(None),
        }
    }

    pub fn account(&self) -> &ServiceAccount {
        &self.account
    }

    /// A valid access token, exchanged only when the cached one is (nearly) expired.
    pub async fn token(&self) -> Result<String, TokenError> {
        let mut cached = self.cached.lock().await;
        if let Some(c) = cached.as_ref().filter(|c| Instant::now() < c.renew_at) {
            return Ok(c.token.clone());
        }
        let granted = self.exchange().await?;
        let lifetime = renew_after(granted.expires_in);
        *cached = Some(Cached {
            token: granted.access_token.clone(),
            renew_at: Instant::now() + lifetime,
        });
        Ok(granted.access_token)
    }

    /// Forgets the cached token (BigQuery said 401: it was revoked or expired early).
    pub async fn forget(&self) {
        *self.cached.lock().await = None;
    }

    async fn exchange(&self) -> Result<Granted, TokenError> {
        let now = unix_now();
        let assertion = self.account.assertion(&self.url, now);
        let request = self
            .http
            .post(&self.url)
            .form(&[
                ("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer"),
                ("assertion", assertion.as_str()),
            ])
            .timeout(self.timeout);
        let (status, body) = super::send(request, TOKEN_BODY_LIMIT)
            .await
            .map_err(|e| match e {
                Unanswered::Transport(text) => TokenError::Unreachable(text),
                Unanswered::TooLarge(limit) => TokenError::TooLarge(limit),
            })?;
        if status.is_success() {
            return serde_json::from_str(&body).map_err(|_| TokenError::Malformed(status.as_u16()));
        }
        match serde_json::from_str::<Refusal>(&body) {
            Ok(r) if status.is_client_error() => Err(TokenError::Refused(
                format!("{} {}", r.error, r.error_description)
                    .trim()
                    .to_owned(),
            )),
            _ if status.is_server_error() => Err(TokenError::Unreachable(format!("HTTP {status}"))),
            _ => Err(TokenError::Malformed(status.as_u16())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_renewed_a_minute_early_and_within_a_day() {
        assert_eq!(renew_after(3600), Duration::from_secs(3540));
        assert_eq!(renew_after(30), Duration::ZERO);
        assert_eq!(renew_after(u64::MAX), Duration::from_secs(24 * 3600 - 60));
        // The sum that once overflowed.
        let _ = Instant::now() + renew_after(u64::MAX);
    }
}
