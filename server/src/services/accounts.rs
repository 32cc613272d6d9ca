//! Connecting, listing and managing accounts ([`AccountsPort`]). A token is checked against
//! the Graph API (the profile call) before anything is saved, and saved only sealed.

use std::sync::Arc;

use app::backend::AccountsPort;
use app::dto::{AccountSummary, DeletionPreview, Flavour};
use app::error::AppError;
use async_trait::async_trait;
use tokio::sync::Notify;

use super::{store_error, utc};
use crate::clock::unix_now;
use crate::crypto::Cipher;
use crate::graph::{AccessToken, GraphClient, GraphConfig, GraphError};
use crate::store::accounts::{AccountStore, NewAccount};
use crate::store::entities::accounts::{self, SealedToken};
use crate::store::leases::LeaseStore;

#[derive(Clone)]
pub struct AccountService {
    pub accounts: AccountStore,
    pub leases: LeaseStore,
    pub cipher: Arc<Cipher>,
    pub http: reqwest::Client,
    pub graph: Arc<GraphConfig>,
    /// Wakes the poller after a connect or "Sync now".
    pub poller: Arc<Notify>,
    /// Wakes the BigQuery exporter after a deletion, which it then applies remotely.
    pub export: Arc<Notify>,
    pub oauth: bool,
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

/// Warn this long before a token or its data access ends, so an admin can reconnect in time.
const EXPIRY_WARNING: i64 = 7 * 86_400;

fn summary(row: accounts::Model, syncing: bool) -> AccountSummary {
    let now = unix_now();
    let expires_soon = [row.token_expires_at, row.data_access_expires_at]
        .into_iter()
        .flatten()
        .any(|at| at - now <= EXPIRY_WARNING);
    AccountSummary {
        id: row.id,
        ig_user_id: row.ig_user_id,
        username: row.username,
        name: row.name,
        picture_url: row.profile_picture_url,
        flavour: row.flavour.into(),
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
    }
}

impl AccountService {
    /// Checks `token` with the profile call, then saves the account with the token sealed to
    /// its Instagram id, as issued at `at`. Used by the paste form, the OAuth callback and the
    /// demo (whose clock starts in the past).
    pub async fn connect_token(
        &self,
        flavour: Flavour,
        token: &str,
        app_user_id: Option<String>,
        expires_in: Option<i64>,
        at: i64,
    ) -> Result<accounts::Model, AppError> {
        let client = GraphClient::new(
            self.http.clone(),
            self.graph.clone(),
            match flavour {
                Flavour::InstagramLogin => crate::graph::Flavour::InstagramLogin,
                Flavour::FacebookLogin => crate::graph::Flavour::FacebookLogin,
            },
            AccessToken::new(token),
        );
        let ig_user_id = client.account_id().await.map_err(|e| refusal(flavour, e))?;
        let profile = client
            .profile(&ig_user_id)
            .await
            .map_err(|e| refusal(flavour, e))?;
        let row = self
            .accounts
            .connect(
                NewAccount {
                    token: SealedToken(self.cipher.seal(token, &ig_user_id)),
                    ig_user_id,
                    app_user_id,
                    flavour: flavour.into(),
                    username: profile.username.unwrap_or_default(),
                    name: profile.name,
                    profile_picture_url: profile.profile_picture_url,
                    followers_count: profile.followers_count.unwrap_or(0),
                    follows_count: profile.follows_count.unwrap_or(0),
                    media_count: profile.media_count.unwrap_or(0),
                    token_expires_at: expires_in.map(|s| at + s),
                },
                at,
            )
            .await
            .map_err(store_error)?;
        tracing::info!(account = %row.username, flavour = flavour.as_str(), "account connected");
        self.poller.notify_one();
        Ok(row)
    }

    async fn syncing(&self) -> Result<Vec<i64>, AppError> {
        self.leases.held(unix_now()).await.map_err(store_error)
    }
}

#[async_trait]
impl AccountsPort for AccountService {
    async fn list(&self) -> Result<Vec<AccountSummary>, AppError> {
        let syncing = self.syncing().await?;
        Ok(self
            .accounts
            .list()
            .await
            .map_err(store_error)?
            .into_iter()
            .map(|row| {
                let busy = syncing.contains(&row.id);
                summary(row, busy)
            })
            .collect())
    }

    async fn connect(&self, flavour: Flavour, token: &str) -> Result<AccountSummary, AppError> {
        let row = self
            .connect_token(flavour, token, None, None, unix_now())
            .await?;
        Ok(summary(row, false))
    }

    async fn sync_now(&self, id: i64) -> Result<(), AppError> {
        self.accounts.request_sync(id).await.map_err(store_error)?;
        self.poller.notify_one();
        Ok(())
    }

    async fn set_enabled(&self, id: i64, enabled: bool) -> Result<(), AppError> {
        self.accounts
            .set_enabled(id, enabled, unix_now())
            .await
            .map_err(store_error)?;
        if enabled {
            self.poller.notify_one();
        }
        Ok(())
    }

    async fn deletion_preview(&self, id: i64) -> Result<DeletionPreview, AppError> {
        let account = self.accounts.find(id).await.map_err(store_error)?;
        let c = self.accounts.collected(id).await.map_err(store_error)?;
        Ok(DeletionPreview {
            username: account.username,
            media: c.media,
            snapshots: c.snapshots,
            insight_days: c.insight_days,
            sync_runs: c.sync_runs,
        })
    }

    async fn delete(&self, id: i64) -> Result<(), AppError> {
        self.accounts
            .delete(id, unix_now())
            .await
            .map_err(store_error)?;
        self.export.notify_one();
        tracing::info!(id, "account deleted with everything collected for it");
        Ok(())
    }

    fn oauth_enabled(&self) -> bool {
        self.oauth
    }
}
