//! Connecting, listing and managing accounts ([`AccountsPort`]), and what Meta's callbacks and
//! "Connect with Instagram" ask of them. A token is checked against the Graph API (the profile
//! call) before anything is saved, and saved only sealed.

use std::sync::Arc;

use app::backend::AccountsPort;
use app::dto::{
    AccountId, AccountSummary, DeletionPreview, Flavour, LinkedAccount, OAuthLogins, Reach,
    WorkspaceId,
};
use app::error::AppError;
use app::rules::{self, MetaUrl};
use async_trait::async_trait;
use rand::distributions::{Alphanumeric, DistString};
use tokio::sync::Notify;

use super::utc;
use super::workspaces::covered;
use crate::clock::{unix_now, DAY};
use crate::config::{OAuthApp, OAuthApps};
use crate::crypto::Cipher;
use crate::graph::models::Profile;
use crate::graph::oauth::CodeExchange;
use crate::graph::signed_request;
use crate::graph::{AccessToken, GraphClient, GraphConfig, GraphError};
use crate::store::accounts::{AccountStore, Callback, NewAccount};
use crate::store::entities::accounts::{self, SealedToken};
use crate::store::leases::LeaseStore;
use crate::sync::links::Links;
use crate::sync::SyncContext;

#[derive(Clone)]
pub struct AccountService {
    accounts: AccountStore,
    leases: LeaseStore,
    cipher: Arc<Cipher>,
    http: reqwest::Client,
    graph: Arc<GraphConfig>,
    /// Wakes the poller after a connect or "Sync now".
    poller: Arc<Notify>,
    /// Wakes the BigQuery exporter after a deletion, which it then applies remotely.
    export: Arc<Notify>,
    oauth: Arc<OAuthApps>,
}

/// The permissions each login's dialog asks for: what the poller reads (instagram-platform
/// overview: Instagram Login's two; Facebook Login's four, `pages_show_list` to list the
/// user's Pages).
fn oauth_scopes(login: Flavour) -> &'static str {
    match login {
        Flavour::InstagramLogin => "instagram_business_basic,instagram_business_manage_insights",
        Flavour::FacebookLogin => {
            "instagram_basic,instagram_manage_insights,pages_show_list,pages_read_engagement"
        }
    }
}

/// A refusal by a login's token endpoints, logged; it names the `code` (see `http::oauth`).
fn oauth_refusal(login: &str, what: &str, e: &dyn std::fmt::Display) -> AppError {
    tracing::warn!(error = %e, "{what} failed");
    AppError::invalid("code", format!("{login} refused the {what}: {e}"))
}

/// What a sealed Facebook login waiting for its accounts to be picked is sealed to.
const PENDING_CONTEXT: &str = "facebook-login";

/// A Facebook login's long-lived token, kept (sealed, in the admin's session) until the
/// accounts to connect are picked.
#[derive(serde::Serialize, serde::Deserialize)]
struct PendingLogin {
    token: String,
    expires_at: Option<i64>,
}

/// Why a token was refused, in words an admin can act on. Meta's own message is included:
/// it names the permission or the problem, and never contains the token.
fn refusal(flavour: Flavour, err: GraphError) -> AppError {
    let message = match err {
        GraphError::TokenInvalid { message, .. } => format!(
            "Meta rejected this token ({message}). Check that it is a current long-lived token \
             and that the login type matches it: {} tokens do not work as {} tokens.",
            other(flavour).label(),
            flavour.label()
        ),
        GraphError::Permission { message, .. } => {
            format!("The token works but lacks a permission: {message}")
        }
        GraphError::RateLimited { .. } => {
            "Meta is rate-limiting this app right now; try again later.".into()
        }
        GraphError::Transient(_) => {
            "The Instagram Graph API could not be reached; nothing was saved. Try again.".into()
        }
        other => format!("Meta refused the check: {other}"),
    };
    AppError::invalid("token", message)
}

fn other(flavour: Flavour) -> Flavour {
    match flavour {
        Flavour::InstagramLogin => Flavour::FacebookLogin,
        Flavour::FacebookLogin => Flavour::InstagramLogin,
    }
}

/// A Meta callback with digest `digest`, received now; digests are kept as long as a
/// request counts as fresh.
fn callback(digest: &str) -> Callback<'_> {
    let now = unix_now();
    Callback {
        digest,
        now,
        forget_before: now - signed_request::MAX_AGE - signed_request::SKEW,
    }
}

/// Which of a token's accounts to connect (every one when `accounts` is `None`), and the
/// workspace new ones go to (the oldest when `None`).
#[derive(Clone, Copy, Debug, Default)]
pub struct Pick<'a> {
    pub accounts: Option<&'a [String]>,
    pub workspace: Option<WorkspaceId>,
}

/// Warn this long before a token or its data access ends, so an admin can reconnect in time.
const EXPIRY_WARNING: i64 = 7 * DAY;

fn summary(row: accounts::Model, syncing: bool) -> AccountSummary {
    let now = unix_now();
    let expires_soon = [row.token_expires_at, row.data_access_expires_at]
        .into_iter()
        .flatten()
        .any(|at| at - now <= EXPIRY_WARNING);
    AccountSummary {
        id: AccountId(row.id),
        ig_user_id: row.ig_user_id,
        username: row.username,
        name: row.name,
        picture_url: row.profile_picture_url,
        flavour: row.flavour,
        followers: row.followers_count,
        follows: row.follows_count,
        media_count: row.media_count,
        enabled: row.enabled,
        status: row.status.into(),
        status_detail: row.status_detail,
        retry_after: row.retry_after.map(utc),
        syncing,
        sync_requested: row.sync_requested,
        last_sync: row.last_sync_at.map(utc),
        token_expires: row.token_expires_at.map(utc),
        data_access_expires: row.data_access_expires_at.map(utc),
        expires_soon,
        workspace: WorkspaceId(row.workspace_id),
    }
}

impl AccountService {
    /// An account service on the poller's connection (database, key, Graph API). Nothing is
    /// woken until [`Self::waking`] names the poller and the exporter.
    pub fn new(ctx: &SyncContext) -> Self {
        Self {
            accounts: AccountStore::new(ctx.db.clone()),
            leases: LeaseStore::new(ctx.db.clone(), ctx.instance.clone()),
            cipher: ctx.cipher.clone(),
            http: ctx.http.clone(),
            graph: ctx.graph.clone(),
            poller: Arc::default(),
            export: Arc::default(),
            oauth: Arc::default(),
        }
    }

    pub fn waking(self, poller: Arc<Notify>, export: Arc<Notify>) -> Self {
        Self {
            poller,
            export,
            ..self
        }
    }

    /// Turns on "Connect with Instagram" and "Connect with Facebook", each where configured.
    pub fn with_oauth(self, apps: OAuthApps) -> Self {
        Self {
            oauth: Arc::new(apps),
            ..self
        }
    }

    fn oauth_app(&self, login: Flavour) -> Option<&OAuthApp> {
        match login {
            Flavour::InstagramLogin => self.oauth.instagram.as_ref(),
            Flavour::FacebookLogin => self.oauth.facebook.as_ref(),
        }
    }

    /// Where to send an admin to sign in with `login`, carrying the CSRF `state`; `None` when
    /// that login's OAuth is not configured.
    pub fn oauth_authorize_url(
        &self,
        login: Flavour,
        state: &str,
    ) -> Option<Result<String, AppError>> {
        let app = self.oauth_app(login)?;
        Some(
            reqwest::Url::parse_with_params(
                &app.authorize_url,
                [
                    ("client_id", app.app_id.as_str()),
                    ("redirect_uri", &app.redirect_uri),
                    ("response_type", "code"),
                    ("scope", oauth_scopes(login)),
                    ("state", state),
                ],
            )
            .map(String::from)
            .map_err(|e| {
                tracing::error!(error = %e, login = login.as_str(), "the authorize URL is invalid");
                AppError::Internal
            }),
        )
    }

    fn exchange<'a>(&self, app: &'a OAuthApp) -> CodeExchange<'a> {
        CodeExchange {
            token_url: &app.token_url,
            app_id: &app.app_id,
            app_secret: app.secret.expose(),
            redirect_uri: &app.redirect_uri,
        }
    }

    /// Finishes "Connect with Facebook" up to the choice of accounts: trades the code for a
    /// short-lived user token and that for a long-lived one (server-side, with the app
    /// secret), and returns it sealed, for the admin's session. Every refusal names the
    /// `code`.
    pub async fn facebook_oauth(&self, code: &str) -> Result<String, AppError> {
        let app = self
            .oauth_app(Flavour::FacebookLogin)
            .ok_or(AppError::NotFound)?;
        let refused = |what: &str, e: &dyn std::fmt::Display| oauth_refusal("Facebook", what, e);
        let short = self
            .exchange(app)
            .exchange_facebook(&self.http, code)
            .await
            .map_err(|e| refused("sign-in code", &e))?;
        let long = GraphClient::new(
            self.http.clone(),
            self.graph.clone(),
            Flavour::FacebookLogin,
            short.access_token,
        )
        .refresh_token()
        .await
        .map_err(|e| refused("long-lived token exchange", &e))?;
        let pending = PendingLogin {
            token: long.access_token.expose().to_owned(),
            expires_at: long.expires_in.map(|s| unix_now().saturating_add(s)),
        };
        let json = serde_json::to_string(&pending).map_err(|_| AppError::Internal)?;
        Ok(self.cipher.seal(&json, PENDING_CONTEXT))
    }

    /// The Facebook login a session keeps, opened; a session's value that does not open (a
    /// rotated key, a forged cookie store) is an ended login.
    fn pending(&self, sealed: &str) -> Result<PendingLogin, AppError> {
        self.cipher
            .open(sealed, PENDING_CONTEXT)
            .ok()
            .and_then(|json| serde_json::from_str(&json).ok())
            .ok_or_else(|| {
                AppError::invalid(
                    "accounts",
                    "That Facebook login has ended: connect with Facebook again.",
                )
            })
    }

    /// Finishes "Connect with Instagram": trades the code for a short-lived token and that for
    /// a 60-day one (server-side, with the app secret), then connects like a pasted token.
    /// Returns the connected username; every refusal says what Instagram answered.
    pub async fn connect_oauth(&self, code: &str) -> Result<String, AppError> {
        let app = self
            .oauth_app(Flavour::InstagramLogin)
            .ok_or(AppError::NotFound)?;
        let refused = |what: &str, e: &dyn std::fmt::Display| oauth_refusal("Instagram", what, e);
        let grant = self
            .exchange(app)
            .exchange(&self.http, code)
            .await
            .map_err(|e| refused("sign-in code", &e))?;
        let short = GraphClient::new(
            self.http.clone(),
            self.graph.clone(),
            Flavour::InstagramLogin,
            grant.access_token,
        );
        let long = short
            .long_lived(app.secret.expose())
            .await
            .map_err(|e| refused("long-lived token exchange", &e))?;
        let rows = self
            .connect_token(
                Flavour::InstagramLogin,
                long.access_token.expose(),
                Some(grant.user_id),
                long.expires_in,
                unix_now(),
                Pick::default(),
            )
            .await?;
        Ok(rows
            .into_iter()
            .map(|row| row.username)
            .collect::<Vec<_>>()
            .join(", "))
    }

    /// Meta's data-deletion callback: deletes every account of `meta_user` with all its data
    /// and keeps a confirmation code, in one transaction. Returns the code. `request` is the
    /// verified signed request's digest: the same request twice is a `Conflict`.
    pub async fn forget_meta_user(
        &self,
        meta_user: &str,
        request: &str,
    ) -> Result<String, AppError> {
        let code = Alphanumeric.sample_string(&mut rand::rngs::OsRng, 16);
        let deleted = self
            .accounts
            .forget_meta_user(meta_user, &code, &callback(request))
            .await?;
        self.export.notify_one();
        tracing::info!(accounts = deleted, %code, "Meta data-deletion request carried out");
        Ok(code)
    }

    /// Meta's deauthorize callback: the user removed the app, so their accounts stop being
    /// polled (the data stays until they ask for deletion, which Meta sends separately).
    pub async fn deauthorize_meta_user(
        &self,
        meta_user: &str,
        request: &str,
    ) -> Result<u64, AppError> {
        let disabled = self
            .accounts
            .disable_by_meta_user(meta_user, &callback(request))
            .await?;
        tracing::info!(accounts = disabled, "Meta deauthorize: accounts disabled");
        Ok(disabled)
    }

    /// A profile picture's URL, kept only from Meta's picture hosts (or the configured API's).
    fn picture(&self, url: Option<String>) -> Option<String> {
        Links::new(&self.graph).keep("profile_picture_url", url, MetaUrl::Picture)
    }

    /// The accounts `token` reaches (their Instagram ids, in Meta's order) and a client on it.
    async fn linked(
        &self,
        flavour: Flavour,
        token: &str,
    ) -> Result<(GraphClient, Vec<String>), AppError> {
        let client = GraphClient::new(
            self.http.clone(),
            self.graph.clone(),
            flavour,
            AccessToken::new(token),
        );
        let ids = client
            .account_ids()
            .await
            .map_err(|e| refusal(flavour, e))?;
        Ok((client, ids))
    }

    /// The profiles of `ids` (one multiple-id read per 50).
    async fn profiles(
        &self,
        client: &GraphClient,
        flavour: Flavour,
        ids: &[String],
    ) -> Result<Vec<Profile>, AppError> {
        client.profiles(ids).await.map_err(|e| refusal(flavour, e))
    }

    /// The accounts `token` reaches, each with whether it is connected already.
    async fn listed(&self, flavour: Flavour, token: &str) -> Result<Vec<LinkedAccount>, AppError> {
        let (client, ids) = self.linked(flavour, token).await?;
        let profiles = self.profiles(&client, flavour, &ids).await?;
        let known: Vec<String> = self
            .accounts
            .list(None)
            .await?
            .into_iter()
            .map(|a| a.ig_user_id)
            .collect();
        Ok(profiles
            .into_iter()
            .map(|p| LinkedAccount {
                connected: known.contains(&p.id),
                picture_url: self.picture(p.profile_picture_url),
                username: p.username.unwrap_or_default(),
                name: p.name,
                followers: p.followers_count.unwrap_or(0),
                ig_user_id: p.id,
            })
            .collect())
    }

    /// Checks `token` against the Graph API, then saves the accounts `chosen` among those it
    /// reaches (all when `None`), each with the token sealed to its Instagram id, as issued at
    /// `at`. Used by the paste form, the OAuth callback and the demo (whose clock starts in
    /// the past).
    pub async fn connect_token(
        &self,
        flavour: Flavour,
        token: &str,
        app_user_id: Option<String>,
        expires_in: Option<i64>,
        at: i64,
        pick: Pick<'_>,
    ) -> Result<Vec<accounts::Model>, AppError> {
        let (client, mut ids) = self.linked(flavour, token).await?;
        if let Some(chosen) = pick.accounts {
            if let Some(stranger) = chosen.iter().find(|id| !ids.contains(id)) {
                return Err(AppError::invalid(
                    "accounts",
                    format!(
                        "The token does not reach the account {stranger}: find its accounts again."
                    ),
                ));
            }
            ids.retain(|id| chosen.contains(id));
        }
        // Only the accounts picked are read.
        let profiles = self.profiles(&client, flavour, &ids).await?;
        // A pasted token carries no user id; without one Meta's deletion callback could not
        // find these accounts. Best effort: the token already proved itself above.
        let app_user_id = match app_user_id {
            Some(id) => Some(id),
            None => client.app_user_id().await.unwrap_or_else(|e| {
                tracing::warn!(error = %e, "the token's app-scoped user id is unknown");
                None
            }),
        };
        let mut rows = Vec::new();
        for profile in profiles {
            let ig_user_id = profile.id;
            let row = self
                .accounts
                .connect(
                    NewAccount {
                        token: SealedToken(self.cipher.seal(token, &ig_user_id)),
                        ig_user_id,
                        app_user_id: app_user_id.clone(),
                        flavour,
                        username: profile.username.unwrap_or_default(),
                        name: profile.name,
                        profile_picture_url: self.picture(profile.profile_picture_url),
                        followers_count: profile.followers_count.unwrap_or(0),
                        follows_count: profile.follows_count.unwrap_or(0),
                        media_count: profile.media_count.unwrap_or(0),
                        token_expires_at: expires_in.map(|s| at.saturating_add(s)),
                        workspace_id: pick.workspace.map(|w| w.0),
                    },
                    at,
                )
                .await?;
            tracing::info!(account = %row.username, flavour = flavour.as_str(), "account connected");
            rows.push(row);
        }
        self.poller.notify_one();
        Ok(rows)
    }

    async fn syncing(&self) -> Result<Vec<i64>, AppError> {
        self.leases.held(unix_now()).await.map_err(AppError::from)
    }
}

#[async_trait]
impl AccountsPort for AccountService {
    async fn list(
        &self,
        reach: &Reach,
        workspace: Option<WorkspaceId>,
    ) -> Result<Vec<AccountSummary>, AppError> {
        let covered = covered(reach, workspace, None)?;
        let syncing = self.syncing().await?;
        Ok(self
            .accounts
            .list(covered.workspaces.as_deref())
            .await?
            .into_iter()
            .filter(|row| covered.account.is_none_or(|only| row.id == only))
            .map(|row| {
                let busy = syncing.contains(&row.id);
                summary(row, busy)
            })
            .collect())
    }

    async fn find(&self, flavour: Flavour, token: &str) -> Result<Vec<LinkedAccount>, AppError> {
        let token = rules::access_token(token)?;
        self.listed(flavour, &token).await
    }

    async fn find_pending(&self, sealed: &str) -> Result<Vec<LinkedAccount>, AppError> {
        let pending = self.pending(sealed)?;
        self.listed(Flavour::FacebookLogin, &pending.token).await
    }

    async fn connect_pending(
        &self,
        sealed: &str,
        chosen: Option<Vec<String>>,
        workspace: Option<WorkspaceId>,
    ) -> Result<Vec<AccountSummary>, AppError> {
        let pending = self.pending(sealed)?;
        let chosen = chosen.map(rules::chosen_accounts).transpose()?;
        let now = unix_now();
        let rows = self
            .connect_token(
                Flavour::FacebookLogin,
                &pending.token,
                None,
                pending.expires_at.map(|at| at - now),
                now,
                Pick {
                    accounts: chosen.as_deref(),
                    workspace,
                },
            )
            .await?;
        Ok(rows.into_iter().map(|row| summary(row, false)).collect())
    }

    async fn connect(
        &self,
        flavour: Flavour,
        token: &str,
        chosen: Option<Vec<String>>,
        workspace: Option<WorkspaceId>,
    ) -> Result<Vec<AccountSummary>, AppError> {
        let token = rules::access_token(token)?;
        let chosen = chosen.map(rules::chosen_accounts).transpose()?;
        let pick = Pick {
            accounts: chosen.as_deref(),
            workspace,
        };
        let rows = self
            .connect_token(flavour, &token, None, None, unix_now(), pick)
            .await?;
        Ok(rows.into_iter().map(|row| summary(row, false)).collect())
    }

    async fn sync_now(&self, id: AccountId) -> Result<(), AppError> {
        self.accounts.request_sync(id.0).await?;
        self.poller.notify_one();
        Ok(())
    }

    async fn set_enabled(&self, id: AccountId, enabled: bool) -> Result<(), AppError> {
        self.accounts.set_enabled(id.0, enabled, unix_now()).await?;
        if enabled {
            self.poller.notify_one();
        }
        Ok(())
    }

    async fn deletion_preview(&self, id: AccountId) -> Result<DeletionPreview, AppError> {
        let account = self.accounts.find(id.0).await?;
        let c = self.accounts.collected(id.0).await?;
        Ok(DeletionPreview {
            username: account.username,
            media: c.media,
            snapshots: c.snapshots,
            insight_days: c.insight_days,
            sync_runs: c.sync_runs,
        })
    }

    async fn delete(&self, id: AccountId) -> Result<(), AppError> {
        self.accounts.delete(id.0, unix_now()).await?;
        self.export.notify_one();
        tracing::info!(
            id = id.0,
            "account deleted with everything collected for it"
        );
        Ok(())
    }

    fn oauth_logins(&self) -> OAuthLogins {
        OAuthLogins {
            instagram: self.oauth.instagram.is_some(),
            facebook: self.oauth.facebook.is_some(),
        }
    }
}
