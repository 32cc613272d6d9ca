//! Personal read-only API tokens: everyone signed in makes, lists and revokes their own;
//! admins see and revoke everyone's. The tokens are used on `/api/v1/`, not here.

use leptos::prelude::*;

#[cfg(feature = "ssr")]
use crate::auth::as_user;
use crate::dto::{ApiTokenId, ApiTokenSummary, CreatedApiToken, WorkspaceId};
use crate::error::AppError;

/// A token reading `workspaces` (checkboxes `workspaces[i]` on the API tokens page).
#[server(endpoint = "tokens/create")]
pub async fn create_api_token(
    name: String,
    expires_in_days: u32,
    #[server(default)] workspaces: Vec<WorkspaceId>,
) -> Result<CreatedApiToken, AppError> {
    as_user(|b, user| async move {
        b.tokens
            .create(&user, &name, expires_in_days, workspaces)
            .await
    })
    .await
}

#[server(endpoint = "tokens/list")]
pub async fn list_api_tokens() -> Result<Vec<ApiTokenSummary>, AppError> {
    as_user(|b, user| async move { b.tokens.list(&user).await }).await
}

#[server(endpoint = "tokens/revoke")]
pub async fn revoke_api_token(id: ApiTokenId) -> Result<(), AppError> {
    as_user(|b, user| async move { b.tokens.revoke(&user, id).await }).await
}
