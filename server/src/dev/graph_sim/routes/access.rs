//! Who may call: the access token (as `access_token` or a bearer header), `appsecret_proof`,
//! the per-token call budget behind code 80002 and the usage headers, and Meta's refusal for
//! a permission the token lacks.

use time::Duration;

use super::Call;
use crate::dev::graph_sim::reply::{graph_time, Reply, Usage};
use crate::dev::graph_sim::{lock, Flavour, Token};

impl Call<'_> {
    pub(super) fn authenticate(&self) -> Result<(String, Token), Reply> {
        let Some(text) = self.param("access_token").or(self.bearer.as_deref()) else {
            return Err(Reply::error(
                2500,
                None,
                "OAuthException",
                "An active access token must be used to query information about the current user.",
            ));
        };
        let token = lock(&self.state.tokens).get(text).cloned();
        let invalid = || {
            Reply::error(
                190,
                Some(467),
                "OAuthException",
                "Invalid OAuth access token - Cannot parse access token",
            )
        };
        let token = token
            .filter(|t| t.flavour == self.flavour)
            .ok_or_else(invalid)?;
        let expiry = self.state.expiry(text, &token);
        if self.now >= expiry {
            return Err(Reply::error(
                190,
                Some(463),
                "OAuthException",
                &format!(
                    "Error validating access token: Session has expired on {}.",
                    graph_time(expiry)
                ),
            ));
        }
        self.check_proof(text)?;
        Ok((text.to_owned(), token))
    }

    /// `appsecret_proof`, when sent, must be hex HMAC-SHA256 of the token keyed with the app
    /// secret (graph-api/guides/secure-requests); a wrong one is refused even when the app
    /// does not require proofs (facebookarchive/php-graph-sdk#800).
    fn check_proof(&self, token: &str) -> Result<(), Reply> {
        use hmac::{Hmac, Mac};
        let Some(proof) = self.param("appsecret_proof") else {
            return Ok(());
        };
        let mut mac = Hmac::<sha2::Sha256>::new_from_slice(self.state.config.app_secret.as_bytes())
            .expect("HMAC takes any key length");
        mac.update(token.as_bytes());
        let expected: String = mac
            .finalize()
            .into_bytes()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        if proof.eq_ignore_ascii_case(&expected) {
            Ok(())
        } else {
            Err(Reply::error(
                100,
                None,
                "GraphMethodException",
                "Invalid appsecret_proof provided in the API argument",
            ))
        }
    }

    /// Counts the call against the token's rolling hour; refuses with 80002 once spent.
    pub(super) fn spend_budget(&self, token_text: &str, token: &Token) -> Result<Usage, Reply> {
        let business_id = self.state.accounts[token.accounts[0]].ig_user_id.clone();
        let Some(budget) = self.state.config.call_budget else {
            return Ok(Usage {
                percent: 0,
                regain_minutes: 0,
                business_id,
            });
        };
        let mut calls = lock(&self.state.calls);
        let window = calls.entry(token_text.to_owned()).or_default();
        while window
            .front()
            .is_some_and(|t| self.now - *t >= Duration::hours(1))
        {
            window.pop_front();
        }
        if window.len() as u32 >= budget {
            let oldest = *window.front().expect("a full window has calls");
            let wait = Duration::hours(1) - (self.now - oldest);
            let usage = Usage {
                percent: 100,
                regain_minutes: (wait.whole_seconds() as u32).div_ceil(60).max(1),
                business_id,
            };
            let reply = Reply::error(80002, None, "OAuthException", "(#80002) There have been too many calls to this Instagram account. Wait a bit and try again.");
            return Err(reply.with_usage(usage));
        }
        window.push_back(self.now);
        Ok(Usage {
            percent: (window.len() as u32 * 100) / budget.max(1),
            regain_minutes: 0,
            business_id,
        })
    }

    /// Code 10. graph.instagram.com words it without the `(#10)` prefix and types it
    /// `IGApiException` (bk-rs/instagram-apis-rs `err__1.json`, a recorded answer).
    pub(super) fn no_permission(&self) -> Reply {
        match self.flavour {
            Flavour::InstagramLogin => Reply::error(
                10,
                None,
                "IGApiException",
                "Application does not have permission for this action",
            ),
            Flavour::FacebookLogin => Reply::error(
                10,
                None,
                "OAuthException",
                "(#10) Application does not have permission for this action",
            ),
        }
    }
}
