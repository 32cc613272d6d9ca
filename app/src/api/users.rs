//! The Users page's server functions; all of them are admin-only.

use leptos::prelude::*;

#[cfg(feature = "ssr")]
use crate::auth::{as_admin, session_id};
use crate::dto::{Role, UserId, UserSummary, WorkspaceId};
use crate::error::AppError;

#[server(endpoint = "users/list")]
pub async fn list_users() -> Result<Vec<UserSummary>, AppError> {
    as_admin(|b, _| async move { b.users.list().await }).await
}

#[server(endpoint = "users/add")]
pub async fn add_user(
    username: String,
    password: String,
    role: Role,
    /// The workspace a viewer sees (see `UsersPort::add`).
    #[server(default)]
    workspace: Option<WorkspaceId>,
) -> Result<UserSummary, AppError> {
    as_admin(|b, _| async move { b.users.add(&username, &password, role, workspace).await }).await
}

#[server(endpoint = "users/role")]
pub async fn change_role(id: UserId, role: Role) -> Result<(), AppError> {
    as_admin(|b, actor| async move { b.users.set_role(&actor, id, role).await }).await
}

/// Resetting one's own password keeps the session it is done from.
#[server(endpoint = "users/password")]
pub async fn reset_password(id: UserId, password: String) -> Result<(), AppError> {
    as_admin(|b, _| async move {
        let keep = session_id().await?;
        b.users.reset_password(id, &password, keep).await
    })
    .await
}

#[server(endpoint = "users/delete")]
pub async fn delete_user(id: UserId) -> Result<(), AppError> {
    as_admin(|b, actor| async move { b.users.delete(&actor, id).await }).await
}
