//! Tokens: the long-lived exchanges of both logins, Instagram's refresh, and `debug_token`.

use serde_json::json;
use time::Duration;

use super::Call;
use crate::dev::graph_sim::data::Account;
use crate::dev::graph_sim::reply::{graph_time, Answer, Reply};
use crate::dev::graph_sim::{lock, Flavour, Token, APP_ID, REFRESH_MIN_AGE, TOKEN_LIFETIME};

/// Data access expires 90 days after the person last used the app
/// (facebook-login/guides/access-tokens/data-access-expiration).
const DATA_ACCESS_LIFETIME: Duration = Duration::days(90);

impl Call<'_> {
    /// `GET /debug_token?input_token=…&access_token={app-id}|{app-secret}`
    /// (facebook-login/guides/access-tokens/debugging): what Meta knows of a token.
    pub(super) fn debug_token(&self) -> Answer {
        let app = self.param("access_token").or(self.bearer.as_deref());
        let ours = format!("{APP_ID}|{}", self.state.config.app_secret);
        if app != Some(ours.as_str()) {
            return Err(Reply::error(
                190,
                None,
                "OAuthException",
                "Invalid OAuth access token signature.",
            ));
        }
        let Some(input) = self.param("input_token") else {
            return Err(Reply::bad_parameter(
                "(#100) The parameter input_token is required",
            ));
        };
        let token = lock(&self.state.tokens).get(input).cloned();
        let Some(token) = token else {
            return Ok(Reply::json(json!({ "data": {
                "error": { "code": 190, "message": "Invalid OAuth access token.", "subcode": 467 },
                "is_valid": false, "scopes": [],
            }})));
        };
        let expires = self.state.expiry(input, &token);
        let accounts: Vec<_> = token
            .accounts
            .iter()
            .map(|&i| &self.state.accounts[i])
            .collect();
        let ids = |id: fn(&Account) -> &String| {
            accounts.iter().map(|a| id(a).clone()).collect::<Vec<_>>()
        };
        let mut data = json!({
            "app_id": APP_ID, "type": "USER", "application": "Instalytics simulator",
            "data_access_expires_at": (token.issued + DATA_ACCESS_LIFETIME).unix_timestamp(),
            "expires_at": expires.unix_timestamp(),
            "is_valid": self.now < expires,
            "issued_at": token.issued.unix_timestamp(),
            "scopes": ["instagram_basic", "instagram_manage_insights", "pages_show_list", "pages_read_engagement"],
            "granular_scopes": [
                { "scope": "instagram_basic", "target_ids": ids(|a| &a.ig_user_id) },
                { "scope": "pages_show_list", "target_ids": ids(|a| &a.page_id) },
            ],
            "user_id": format!("{}1", accounts[0].page_id),
        });
        if self.now >= expires {
            data["error"] = json!({ "code": 190, "subcode": 463, "message": format!("Error validating access token: Session has expired on {}.", graph_time(expires)) });
        }
        Ok(Reply::json(json!({ "data": data })))
    }

    fn grant(&self, token: String) -> Reply {
        Reply::json(
            json!({ "access_token": token, "token_type": "bearer", "expires_in": TOKEN_LIFETIME.whole_seconds() }),
        )
    }

    pub(super) fn refresh(&self, token: &Token) -> Result<Reply, Reply> {
        if self.param("grant_type") != Some("ig_refresh_token") {
            return Err(Reply::bad_parameter(
                "(#100) grant_type must be ig_refresh_token",
            ));
        }
        if self.now - token.issued < REFRESH_MIN_AGE {
            return Err(Reply::bad_parameter(
                "(#100) The access token must be at least 24 hours old to be refreshed",
            ));
        }
        Ok(self.grant(
            self.state
                .issue_token(token.accounts.clone(), Flavour::InstagramLogin),
        ))
    }

    pub(super) fn instagram_exchange(&self) -> Answer {
        if self.param("grant_type") != Some("ig_exchange_token")
            || self.param("client_secret").is_none()
        {
            return Err(Reply::bad_parameter(
                "(#100) grant_type ig_exchange_token and client_secret are required",
            ));
        }
        let (_, token) = self.authenticate()?;
        Ok(self.grant(
            self.state
                .issue_token(token.accounts.clone(), Flavour::InstagramLogin),
        ))
    }

    /// `/oauth/access_token`: Facebook Login's code exchange, or a short-lived user token
    /// exchanged for a long-lived one.
    pub(super) fn facebook_exchange(&self) -> Answer {
        if self.param("code").is_some() {
            return self.facebook_code();
        }
        let (Some("fb_exchange_token"), Some(_), Some(_), Some(short)) = (
            self.param("grant_type"),
            self.param("client_id"),
            self.param("client_secret"),
            self.param("fb_exchange_token"),
        ) else {
            return Err(Reply::bad_parameter(
                "(#100) Missing grant_type, client_id, client_secret or fb_exchange_token",
            ));
        };
        let token = lock(&self.state.tokens).get(short).cloned();
        let Some(token) = token.filter(|t| {
            t.flavour == Flavour::FacebookLogin && self.now < t.issued + TOKEN_LIFETIME
        }) else {
            return Err(Reply::error(
                190,
                Some(467),
                "OAuthException",
                "Invalid OAuth access token - Cannot parse access token",
            ));
        };
        Ok(self.grant(
            self.state
                .issue_token(token.accounts.clone(), Flavour::FacebookLogin),
        ))
    }

    /// The dialog's code for a short-lived user token (facebook-login/guides/advanced/
    /// manual-flow: `client_id`, `redirect_uri`, `client_secret`, `code`). Short-lived tokens
    /// last about two hours (facebook-login/guides/access-tokens/get-long-lived).
    fn facebook_code(&self) -> Answer {
        let given = ["client_id", "redirect_uri", "client_secret", "code"]
            .map(|name| self.param(name).filter(|v| !v.is_empty()));
        let [Some(_), Some(_), Some(_), Some(code)] = given else {
            return Err(Reply::bad_parameter(
                "(#100) Missing client_id, redirect_uri, client_secret or code",
            ));
        };
        let accounts = lock(&self.state.codes)
            .remove(code)
            .filter(|a| self.state.accounts[a[0]].flavour == Flavour::FacebookLogin);
        // A used code: 400, code 100 (a recorded answer in laravel/socialite#385).
        let Some(accounts) = accounts else {
            return Err(Reply::error(
                100,
                None,
                "OAuthException",
                "This authorization code has been used.",
            ));
        };
        let token = self.state.issue_token(accounts, Flavour::FacebookLogin);
        let lifetime = Duration::hours(2);
        self.state
            .faults
            .expire_token_at(&token, self.now + lifetime);
        Ok(Reply::json(
            json!({ "access_token": token, "token_type": "bearer", "expires_in": lifetime.whole_seconds() }),
        ))
    }
}
