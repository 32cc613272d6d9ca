//! The BigQuery export's server functions (admin only): destination, key, on/off, status and
//! "Test connection".

use leptos::prelude::*;

#[cfg(feature = "ssr")]
use crate::auth::as_admin;
use crate::dto::{ConnectionCheck, ExportView};
use crate::error::AppError;

#[server(endpoint = "export/status")]
pub async fn export_status() -> Result<ExportView, AppError> {
    as_admin(|b, _| async move { b.export.status().await }).await
}

#[server(endpoint = "export/destination")]
pub async fn set_export_destination(
    project: String,
    dataset: String,
    location: String,
) -> Result<ExportView, AppError> {
    as_admin(|b, _| async move {
        b.export
            .set_destination(&project, &dataset, &location)
            .await
    })
    .await
}

/// The key arrives as the JSON file's text; it is sealed at once and never sent back.
#[server(endpoint = "export/key")]
pub async fn set_export_key(key: String) -> Result<ExportView, AppError> {
    as_admin(|b, _| async move { b.export.set_key(&key).await }).await
}

#[server(endpoint = "export/enabled")]
pub async fn set_export_enabled(enabled: bool) -> Result<ExportView, AppError> {
    as_admin(|b, _| async move { b.export.set_enabled(enabled).await }).await
}

#[server(endpoint = "export/test")]
pub async fn test_export_connection() -> Result<ConnectionCheck, AppError> {
    as_admin(|b, _| async move { b.export.test_connection().await }).await
}
