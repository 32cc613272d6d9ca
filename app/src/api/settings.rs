//! Settings (admin) and the public privacy pages' server functions.

use leptos::prelude::*;

#[cfg(feature = "ssr")]
use crate::auth::{as_admin, public};
use crate::dto::{DeletionStatus, SettingField, SettingsView};
use crate::error::AppError;

#[server(endpoint = "settings/get")]
pub async fn get_settings() -> Result<SettingsView, AppError> {
    as_admin(|b, _| async move { b.settings.get().await }).await
}

/// Validated by the port, which names the problem for the `value` field.
#[server(endpoint = "settings/update")]
pub async fn update_setting(field: SettingField, value: String) -> Result<SettingsView, AppError> {
    as_admin(|b, _| async move { b.settings.update(field, &value).await }).await
}

/// Public: the Privacy page shows it to anyone.
#[server(endpoint = "privacy/contact")]
pub async fn privacy_contact() -> Result<String, AppError> {
    public(|b| async move { Ok(b.settings.get().await?.privacy_contact) }).await
}

/// Public: Meta's deletion callback hands this page's URL to the user. The argument struct is
/// `FindDeletion` because the default name (`DeletionStatus`) is the DTO it returns.
#[server(name = FindDeletion, endpoint = "privacy/deletion")]
pub async fn deletion_status(code: String) -> Result<Option<DeletionStatus>, AppError> {
    public(|b| async move { b.settings.deletion_status(&code).await }).await
}
