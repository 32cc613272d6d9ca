//! The Accounts page's server functions. Everyone signed in sees the accounts and their
//! status; connecting and changing them is admin-only.

use leptos::prelude::*;

#[cfg(feature = "ssr")]
use crate::auth::{as_admin, as_dashboard_reader, as_user, forget_session_value, session_value};
use crate::dto::{
    AccountId, AccountSummary, DeletionPreview, Flavour, LinkedAccount, OAuthLogins, WorkspaceId,
};
use crate::error::AppError;

/// The accounts the reader may see, of one workspace when `workspace` names it: the Accounts
/// page's cards and the dashboard's account picker (share link visitors too).
#[server(endpoint = "accounts/list")]
pub async fn list_accounts(
    #[server(default)] workspace: Option<WorkspaceId>,
) -> Result<Vec<AccountSummary>, AppError> {
    as_dashboard_reader(|b, reach| async move { b.accounts.list(&reach, workspace).await }).await
}

#[server(endpoint = "accounts/oauth")]
pub async fn oauth_logins() -> Result<OAuthLogins, AppError> {
    as_user(|b, _| async move { Ok(b.accounts.oauth_logins()) }).await
}

/// Where "Connect with Facebook" keeps the login (sealed) until its accounts are picked.
pub const PENDING_LOGIN_KEY: &str = "facebook_login";

/// The accounts of the Facebook login just made; none when there is no such login.
#[server(endpoint = "accounts/pending")]
pub async fn pending_accounts() -> Result<Vec<LinkedAccount>, AppError> {
    as_admin(|b, _| async move {
        match session_value::<String>(PENDING_LOGIN_KEY).await? {
            Some(sealed) => b.accounts.find_pending(&sealed).await,
            None => Ok(Vec::new()),
        }
    })
    .await
}

/// Connects the accounts picked (all when none is named) of the Facebook login just made,
/// which then ends.
#[server(endpoint = "accounts/connect_pending")]
pub async fn connect_pending(
    #[server(default)] accounts: Option<Vec<String>>,
    #[server(default)] workspace: Option<WorkspaceId>,
) -> Result<Vec<AccountSummary>, AppError> {
    as_admin(|b, _| async move {
        let sealed = session_value::<String>(PENDING_LOGIN_KEY)
            .await?
            .ok_or_else(|| {
                AppError::invalid(
                    "accounts",
                    "That Facebook login has ended: connect with Facebook again.",
                )
            })?;
        let connected = b
            .accounts
            .connect_pending(&sealed, accounts, workspace)
            .await?;
        forget_session_value(PENDING_LOGIN_KEY).await?;
        Ok(connected)
    })
    .await
}

#[server(endpoint = "accounts/find")]
pub async fn find_accounts(
    flavour: Flavour,
    token: String,
) -> Result<Vec<LinkedAccount>, AppError> {
    as_admin(|b, _| async move { b.accounts.find(flavour, &token).await }).await
}

/// Connects the accounts picked (`accounts[0]=…&accounts[1]=…`) among those the token
/// reaches; every one of them when none is named. New ones go to `workspace`.
#[server(endpoint = "accounts/connect")]
pub async fn connect_account(
    flavour: Flavour,
    token: String,
    #[server(default)] accounts: Option<Vec<String>>,
    #[server(default)] workspace: Option<WorkspaceId>,
) -> Result<Vec<AccountSummary>, AppError> {
    as_admin(|b, _| async move {
        b.accounts
            .connect(flavour, &token, accounts, workspace)
            .await
    })
    .await
}

#[server(endpoint = "accounts/sync")]
pub async fn sync_account(id: AccountId) -> Result<(), AppError> {
    as_admin(|b, _| async move { b.accounts.sync_now(id).await }).await
}

#[server(endpoint = "accounts/enabled")]
pub async fn set_account_enabled(id: AccountId, enabled: bool) -> Result<(), AppError> {
    as_admin(|b, _| async move { b.accounts.set_enabled(id, enabled).await }).await
}

#[server(endpoint = "accounts/deletion_preview")]
pub async fn account_deletion_preview(id: AccountId) -> Result<DeletionPreview, AppError> {
    as_admin(|b, _| async move { b.accounts.deletion_preview(id).await }).await
}

#[server(endpoint = "accounts/delete")]
pub async fn delete_account(id: AccountId) -> Result<(), AppError> {
    as_admin(|b, _| async move { b.accounts.delete(id).await }).await
}
