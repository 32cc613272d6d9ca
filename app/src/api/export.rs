//! The BigQuery export's server functions (admin only): destination, key, on/off, status and
//! "Test connection".

use leptos::prelude::*;

use crate::dto::{ConnectionCheck, ExportView};
use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::{auth, backend::backend};

#[server(endpoint = "export/status")]
pub async fn export_status() -> Result<ExportView, AppError> {
    auth::respond(
        async {
            auth::require_admin().await?;
            backend()?.export.status().await
        }
        .await,
    )
}

#[server(endpoint = "export/destination")]
pub async fn set_export_destination(
    project: String,
    dataset: String,
    location: String,
) -> Result<ExportView, AppError> {
    auth::respond(
        async {
            auth::require_admin().await?;
            backend()?
                .export
                .set_destination(&project, &dataset, &location)
                .await
        }
        .await,
    )
}

/// The key arrives as the JSON file's text; it is sealed at once and never sent back.
#[server(endpoint = "export/key")]
pub async fn set_export_key(key: String) -> Result<ExportView, AppError> {
    auth::respond(
        async {
            auth::require_admin().await?;
            backend()?.export.set_key(&key).await
        }
        .await,
    )
}

#[server(endpoint = "export/enabled")]
pub async fn set_export_enabled(enabled: bool) -> Result<ExportView, AppError> {
    auth::respond(
        async {
            auth::require_admin().await?;
            backend()?.export.set_enabled(enabled).await
        }
        .await,
    )
}

#[server(endpoint = "export/test")]
pub async fn test_export_connection() -> Result<ConnectionCheck, AppError> {
    auth::respond(
        async {
            auth::require_admin().await?;
            backend()?.export.test_connection().await
        }
        .await,
    )
}
