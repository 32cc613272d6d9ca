//! The ports server functions call. The server crate implements them and provides a
//! [`Backend`] as Leptos context, so this crate never touches the database or the network.
//!
//! Implementations log internal failures in detail and return [`AppError::Internal`].

use std::net::IpAddr;
use std::sync::Arc;

use async_trait::async_trait;
use leptos::prelude::use_context;

use crate::dto::{Role, SessionUser, UserSummary};
use crate::error::AppError;

/// Signing in and the one-time first-admin setup.
#[async_trait]
pub trait AuthPort: Send + Sync {
    /// Checks credentials with throttling per username and per client address. Unknown users
    /// and wrong passwords fail the same way and take the same time.
    async fn sign_in(
        &self,
        username: &str,
        password: &str,
        client: IpAddr,
    ) -> Result<SessionUser, AppError>;

    /// The user behind a session, re-read each request so role changes and deletions apply at once.
    async fn session_user(&self, id: i64) -> Result<Option<SessionUser>, AppError>;

    /// Whether `token` is the live setup token and no admin exists yet.
    async fn setup_open(&self, token: &str) -> Result<bool, AppError>;

    /// Creates the first admin; consumes the token.
    async fn complete_setup(
        &self,
        token: &str,
        username: &str,
        password: &str,
    ) -> Result<SessionUser, AppError>;
}

/// Managing dashboard users (admin only; the caller has checked the role).
#[async_trait]
pub trait UsersPort: Send + Sync {
    async fn list(&self) -> Result<Vec<UserSummary>, AppError>;
    async fn add(
        &self,
        username: &str,
        password: &str,
        role: Role,
    ) -> Result<UserSummary, AppError>;
    /// Refuses to demote the actor themselves or the last admin.
    async fn set_role(&self, actor: &SessionUser, id: i64, role: Role) -> Result<(), AppError>;
    async fn reset_password(&self, id: i64, password: &str) -> Result<(), AppError>;
    /// Refuses to delete the actor themselves or the last admin.
    async fn delete(&self, actor: &SessionUser, id: i64) -> Result<(), AppError>;
}

/// Everything server functions can reach, provided once per request by the server.
#[derive(Clone)]
pub struct Backend {
    pub auth: Arc<dyn AuthPort>,
    pub users: Arc<dyn UsersPort>,
}

pub fn backend() -> Result<Backend, AppError> {
    use_context::<Backend>().ok_or_else(|| {
        tracing::error!("Backend missing from Leptos context");
        AppError::Internal
    })
}
