//! The Accounts page's server functions. Everyone signed in sees the accounts and their
//! status; connecting and changing them is admin-only.

use leptos::prelude::*;

use crate::dto::{AccountSummary, DeletionPreview, Flavour};
use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::{auth, backend::backend, rules};

#[server(endpoint = "accounts/list")]
pub async fn list_accounts() -> Result<Vec<AccountSummary>, AppError> {
    auth::respond(
        async {
            auth::require_user().await?;
            backend()?.accounts.list().await
        }
        .await,
    )
}

#[server(endpoint = "accounts/oauth")]
pub async fn oauth_enabled() -> Result<bool, AppError> {
    auth::respond(
        async {
            auth::require_user().await?;
            Ok(backend()?.accounts.oauth_enabled())
        }
        .await,
    )
}

#[server(endpoint = "accounts/connect")]
pub async fn connect_account(flavour: Flavour, token: String) -> Result<AccountSummary, AppError> {
    auth::respond(
        async {
            auth::require_admin().await?;
            let token = rules::access_token(&token)?;
            backend()?.accounts.connect(flavour, &token).await
        }
        .await,
    )
}

#[server(endpoint = "accounts/sync")]
pub async fn sync_account(id: i64) -> Result<(), AppError> {
    auth::respond(
        async {
            auth::require_admin().await?;
            backend()?.accounts.sync_now(id).await
        }
        .await,
    )
}

#[server(endpoint = "accounts/enabled")]
pub async fn set_account_enabled(id: i64, enabled: bool) -> Result<(), AppError> {
    auth::respond(
        async {
            auth::require_admin().await?;
            backend()?.accounts.set_enabled(id, enabled).await
        }
        .await,
    )
}

#[server(endpoint = "accounts/deletion_preview")]
pub async fn account_deletion_preview(id: i64) -> Result<DeletionPreview, AppError> {
    auth::respond(
        async {
            auth::require_admin().await?;
            backend()?.accounts.deletion_preview(id).await
        }
        .await,
    )
}

#[server(endpoint = "accounts/delete")]
pub async fn delete_account(id: i64) -> Result<(), AppError> {
    auth::respond(
        async {
            auth::require_admin().await?;
            backend()?.accounts.delete(id).await
        }
        .await,
    )
}
