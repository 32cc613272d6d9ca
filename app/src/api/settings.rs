//! Settings (admin) and the public privacy pages' server functions.

use leptos::prelude::*;

use crate::dto::{DeletionStatus, SettingField, SettingsView};
use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::{auth, backend::backend};

#[server(endpoint = "settings/get")]
pub async fn get_settings() -> Result<SettingsView, AppError> {
    auth::respond(
        async {
            auth::require_admin().await?;
            backend()?.settings.get().await
        }
        .await,
    )
}

/// Validated by the port, which names the problem for the `value` field.
#[server(endpoint = "settings/update")]
pub async fn update_setting(field: SettingField, value: String) -> Result<SettingsView, AppError> {
    auth::respond(
        async {
            auth::require_admin().await?;
            backend()?.settings.update(field, &value).await
        }
        .await,
    )
}

/// Public: the Privacy page shows it to anyone.
#[server(endpoint = "privacy/contact")]
pub async fn privacy_contact() -> Result<String, AppError> {
    auth::respond(async { Ok(backend()?.settings.get().await?.privacy_contact) }.await)
}

/// Public: Meta's deletion callback hands this page's URL to the user.
#[server(endpoint = "privacy/deletion")]
pub async fn find_deletion(code: String) -> Result<Option<DeletionStatus>, AppError> {
    auth::respond(
        async {
            let valid =
                (1..=32).contains(&code.len()) && code.bytes().all(|b| b.is_ascii_alphanumeric());
            if !valid {
                return Err(AppError::invalid(
                    "code",
                    "That is not a deletion confirmation code.",
                ));
            }
            backend()?.settings.deletion_status(&code).await
        }
        .await,
    )
}
