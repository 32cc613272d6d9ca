//! Share links: made, listed and revoked by admins; what a visitor who opened one is looking
//! at. Opening a link is the server's `/s/<id>.<secret>` route, not a server function.

use leptos::prelude::*;

#[cfg(feature = "ssr")]
use crate::auth::{self, as_admin, public};
#[cfg(feature = "ssr")]
use crate::dto::NewShareLink;
use crate::dto::{
    AccountId, CreatedShareLink, ShareLinkId, ShareLinkSummary, SharedView, WorkspaceId,
};
use crate::error::AppError;

/// A link to the page `path` with its `query`, showing `account` or else `workspace` (flat
/// arguments: the Share links page's form sends them as they are).
#[server(endpoint = "shares/create")]
pub async fn create_share_link(
    label: String,
    path: String,
    #[server(default)] query: String,
    #[server(default)] workspace: Option<WorkspaceId>,
    #[server(default)] account: Option<AccountId>,
    expires_in_days: u32,
) -> Result<CreatedShareLink, AppError> {
    as_admin(|b, user| async move {
        let link = NewShareLink {
            label,
            path,
            query,
            workspace,
            account,
            expires_in_days,
        };
        b.shares.create(user.id, link).await
    })
    .await
}

#[server(endpoint = "shares/list")]
pub async fn list_share_links() -> Result<Vec<ShareLinkSummary>, AppError> {
    as_admin(|b, _| async move { b.shares.list().await }).await
}

#[server(endpoint = "shares/revoke")]
pub async fn revoke_share_link(id: ShareLinkId) -> Result<(), AppError> {
    as_admin(|b, _| async move { b.shares.revoke(id).await }).await
}

/// The share link this visitor opened; `None` when signed in or without one, `NotFound` once
/// it expired or was revoked.
#[server(endpoint = "shares/current")]
pub async fn current_share() -> Result<Option<SharedView>, AppError> {
    public(|_| auth::shared_view()).await
}
