//! What Meta knows of a Facebook Login token: `GET /debug_token` with the app's token
//! (`{app-id}|{app-secret}`), documented at facebook-login/guides/access-tokens/debugging.
//! Facebook Login tokens have no documented refresh: `expires_at` and
//! `data_access_expires_at` tell an admin when to reconnect. Instagram Login has no such call.

use tracing::instrument;

use super::client::GraphClient;
use super::errors::GraphError;
use super::models::{DebugTokenAnswer, TokenDebug};
use super::Flavour;

impl GraphClient {
    /// The token's expiry and scopes, for Facebook Login accounts when the app is configured;
    /// `None` otherwise.
    #[instrument(skip(self), err(level = "debug"))]
    pub async fn debug_token(&self) -> Result<Option<TokenDebug>, GraphError> {
        let Some((app_id, secret)) = &self.config.facebook_app else {
            return Ok(None);
        };
        if self.flavour != Flavour::FacebookLogin {
            return Ok(None);
        }
        let app_token = format!("{app_id}|{}", secret.expose());
        let url = Self::endpoint(
            self.base(),
            "debug_token",
            &[
                ("input_token", self.token().expose()),
                ("access_token", &app_token),
            ],
        )?;
        let answer: DebugTokenAnswer = self.get(url).await?;
        Ok(Some(answer.data))
    }
}
