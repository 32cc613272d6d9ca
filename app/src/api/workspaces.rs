//! Workspaces: the switcher's choices (readers, their own workspaces) and their
//! management (admins).

use leptos::prelude::*;

#[cfg(feature = "ssr")]
use crate::auth::{as_admin, as_dashboard_reader};
use crate::dto::{AccountId, UserId, WorkspaceChoice, WorkspaceId, WorkspaceSummary};
use crate::error::AppError;

/// The workspaces the reader (or a share link's visitor) may see, by name.
#[server(endpoint = "workspaces/choices")]
pub async fn workspace_choices() -> Result<Vec<WorkspaceChoice>, AppError> {
    as_dashboard_reader(|b, reach| async move { b.workspaces.choices(&reach).await }).await
}

#[server(endpoint = "workspaces/list")]
pub async fn list_workspaces() -> Result<Vec<WorkspaceSummary>, AppError> {
    as_admin(|b, _| async move { b.workspaces.list().await }).await
}

#[server(endpoint = "workspaces/create")]
pub async fn create_workspace(name: String) -> Result<WorkspaceChoice, AppError> {
    as_admin(|b, _| async move { b.workspaces.create(&name).await }).await
}

#[server(endpoint = "workspaces/rename")]
pub async fn rename_workspace(id: WorkspaceId, name: String) -> Result<(), AppError> {
    as_admin(|b, _| async move { b.workspaces.rename(id, &name).await }).await
}

#[server(endpoint = "workspaces/delete")]
pub async fn delete_workspace(id: WorkspaceId) -> Result<(), AppError> {
    as_admin(|b, _| async move { b.workspaces.delete(id).await }).await
}

#[server(endpoint = "workspaces/move")]
pub async fn move_account(account: AccountId, workspace: WorkspaceId) -> Result<(), AppError> {
    as_admin(|b, _| async move { b.workspaces.move_account(account, workspace).await }).await
}

/// Adds (`member = true`) or removes a viewer.
#[server(endpoint = "workspaces/member")]
pub async fn set_member(
    workspace: WorkspaceId,
    user: UserId,
    member: bool,
) -> Result<(), AppError> {
    as_admin(|b, _| async move { b.workspaces.set_member(workspace, user, member).await }).await
}
