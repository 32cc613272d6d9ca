//! The Accounts page's server functions. Everyone signed in sees the accounts and their
//! status; connecting and changing them is admin-only.

use leptos::prelude::*;

#[cfg(feature = "ssr")]
use crate::auth::{as_admin, as_user};
use crate::dto::{AccountId, AccountSummary, DeletionPreview, Flavour, LinkedAccount};
use crate::error::AppError;

#[server(endpoint = "accounts/list")]
pub async fn list_accounts() -> Result<Vec<AccountSummary>, AppError> {
    as_user(|b, _| async move { b.accounts.list().await }).await
}

#[server(endpoint = "accounts/oauth")]
pub async fn oauth_enabled() -> Result<bool, AppError> {
    as_user(|b, _| async move { Ok(b.accounts.oauth_enabled()) }).await
}

#[server(endpoint = "accounts/find")]
pub async fn find_accounts(
    flavour: Flavour,
    token: String,
) -> Result<Vec<LinkedAccount>, AppError> {
    as_admin(|b, _| async move { b.accounts.find(flavour, &token).await }).await
}

/// Connects the accounts picked (`accounts[0]=…&accounts[1]=…`) among those the token
/// reaches; every one of them when none is named.
#[server(endpoint = "accounts/connect")]
pub async fn connect_account(
    flavour: Flavour,
    token: String,
    #[server(default)] accounts: Option<Vec<String>>,
) -> Result<Vec<AccountSummary>, AppError> {
    as_admin(|b, _| async move { b.accounts.connect(flavour, &token, accounts).await }).await
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
