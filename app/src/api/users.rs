//! The Users page's server functions; all of them are admin-only.

use leptos::prelude::*;

use crate::dto::{Role, UserSummary};
use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::{auth, backend::backend, rules};

#[server(endpoint = "users/list")]
pub async fn list_users() -> Result<Vec<UserSummary>, AppError> {
    auth::respond(
        async {
            auth::require_admin().await?;
            backend()?.users.list().await
        }
        .await,
    )
}

#[server(endpoint = "users/add")]
pub async fn add_user(
    username: String,
    password: String,
    role: Role,
) -> Result<UserSummary, AppError> {
    auth::respond(
        async {
            auth::require_admin().await?;
            let username = rules::username(&username)?;
            rules::password(&password)?;
            backend()?.users.add(&username, &password, role).await
        }
        .await,
    )
}

#[server(endpoint = "users/role")]
pub async fn change_role(id: i64, role: Role) -> Result<(), AppError> {
    auth::respond(
        async {
            let actor = auth::require_admin().await?;
            backend()?.users.set_role(&actor, id, role).await
        }
        .await,
    )
}

#[server(endpoint = "users/password")]
pub async fn reset_password(id: i64, password: String) -> Result<(), AppError> {
    auth::respond(
        async {
            auth::require_admin().await?;
            rules::password(&password)?;
            let keep = auth::session_id().await?;
            backend()?.users.reset_password(id, &password, keep).await
        }
        .await,
    )
}

#[server(endpoint = "users/delete")]
pub async fn delete_user(id: i64) -> Result<(), AppError> {
    auth::respond(
        async {
            let actor = auth::require_admin().await?;
            backend()?.users.delete(&actor, id).await
        }
        .await,
    )
}
