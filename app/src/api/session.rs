//! Signing in and out, and the first-admin setup.

use leptos::prelude::*;

#[cfg(feature = "ssr")]
use crate::auth::{self, public};
use crate::dto::SessionUser;
use crate::error::AppError;

/// The signed-in user, or `None` for an anonymous visitor.
#[server(endpoint = "whoami")]
pub async fn whoami() -> Result<Option<SessionUser>, AppError> {
    public(|_| auth::current_user()).await
}

#[server(endpoint = "login")]
pub async fn login(username: String, password: String) -> Result<SessionUser, AppError> {
    public(|b| async move {
        let client = auth::client_ip().await?;
        let device = auth::device_cookie().await?;
        let signed_in = b
            .auth
            .sign_in(&username, &password, client, device.as_deref())
            .await?;
        auth::start_session(&signed_in.user).await?;
        auth::set_cookie(&signed_in.device_cookie)?;
        Ok(signed_in.user)
    })
    .await
}

#[server(endpoint = "logout")]
pub async fn logout() -> Result<(), AppError> {
    public(|_| auth::end_session()).await
}

/// Whether a setup link is still good (it dies once an admin exists).
#[server(endpoint = "setup_status")]
pub async fn setup_status(token: String) -> Result<bool, AppError> {
    public(|b| async move { b.auth.setup_open(&token).await }).await
}

/// Creates the first admin from the one-time setup link and signs them in.
#[server(endpoint = "setup")]
pub async fn complete_setup(
    token: String,
    username: String,
    password: String,
) -> Result<SessionUser, AppError> {
    public(|b| async move {
        let user = b.auth.complete_setup(&token, &username, &password).await?;
        auth::start_session(&user).await?;
        Ok(user)
    })
    .await
}
