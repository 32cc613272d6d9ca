//! Signing in and out, and the first-admin setup.

use leptos::prelude::*;

use crate::dto::SessionUser;
use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::{auth, backend::backend, rules};

/// The signed-in user, or `None` for an anonymous visitor.
#[server(endpoint = "whoami")]
pub async fn whoami() -> Result<Option<SessionUser>, AppError> {
    auth::respond(auth::current_user().await)
}

#[server(endpoint = "login")]
pub async fn login(username: String, password: String) -> Result<SessionUser, AppError> {
    auth::respond(
        async {
            let ip = auth::client_ip().await?;
            let user = backend()?
                .auth
                .sign_in(username.trim(), &password, ip)
                .await?;
            auth::start_session(&user).await?;
            Ok(user)
        }
        .await,
    )
}

#[server(endpoint = "logout")]
pub async fn logout() -> Result<(), AppError> {
    auth::respond(auth::end_session().await)
}

/// Whether a setup link is still good (it dies once an admin exists).
#[server(endpoint = "setup_status")]
pub async fn setup_status(token: String) -> Result<bool, AppError> {
    auth::respond(async { backend()?.auth.setup_open(&token).await }.await)
}

/// Creates the first admin from the one-time setup link and signs them in.
#[server(endpoint = "setup")]
pub async fn complete_setup(
    token: String,
    username: String,
    password: String,
) -> Result<SessionUser, AppError> {
    auth::respond(
        async {
            let username = rules::username(&username)?;
            rules::password(&password)?;
            let user = backend()?
                .auth
                .complete_setup(&token, &username, &password)
                .await?;
            auth::start_session(&user).await?;
            Ok(user)
        }
        .await,
    )
}
