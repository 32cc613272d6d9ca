//! The BigQuery export as Settings sees it ([`ExportPort`]): destination, sealed key,
//! on/off, status with backlog, and "Test connection".

use std::sync::Arc;

use app::backend::ExportPort;
use app::dto::{ConnectionCheck, ExportTableView, ExportView};
use app::error::AppError;
use app::rules;
use async_trait::async_trait;
use tokio::sync::Notify;

use super::utc;
use crate::clock::unix_now;
use crate::export::batch::backlogs;
use crate::export::bigquery::BqError;
use crate::export::key::ServiceAccount;
use crate::export::pipeline::ExportError;
use crate::export::tables::ALL;
use crate::export::token::TokenError;
use crate::export::ExportDeps;
use crate::store::entities::export_config::KEY_CONTEXT;
use crate::store::export::{Destination, ExportStore};
use crate::store::StoreError;

/// Settings counts each table's backlog up to here: a count reads every row it counts, and a
/// full history's backlog (millions of snapshots) took over 30 s on SQLite under load.
const BACKLOG_SHOWN: u64 = 100_000;

#[derive(Clone)]
pub struct ExportService {
    pub deps: ExportDeps,
    pub store: ExportStore,
    /// Wakes the exporter when export is switched on.
    pub wake: Arc<Notify>,
}

impl ExportService {
    async fn view(&self) -> Result<ExportView, StoreError> {
        let config = self.store.config().await?;
        let tables = backlogs(
            &self.deps.db,
            &self.store,
            unix_now(),
            Some(BACKLOG_SHOWN + 1),
        )
        .await?
        .into_iter()
        .map(|b| ExportTableView {
            name: b.table.name.to_owned(),
            rows_exported: b.state.rows_exported,
            backlog: b.rows.min(BACKLOG_SHOWN),
            backlog_more: b.rows > BACKLOG_SHOWN,
            last_success: b.state.last_success_at.map(utc),
        })
        .collect();
        Ok(ExportView {
            enabled: config.enabled,
            project: config.project.unwrap_or_default(),
            dataset: config.dataset.unwrap_or_default(),
            location: config.location.unwrap_or_default(),
            key_email: config.key_email,
            last_success: config.last_success_at.map(utc),
            last_error: config.last_error,
            last_error_at: config.last_error_at.map(utc),
            tables,
            deletions_pending: self.store.pending_deletions().await?.len() as u64,
        })
    }

    async fn check(&self) -> Result<String, String> {
        let row = self.store.config().await.map_err(|e| e.to_string())?;
        let exporter = self.deps.exporter(&row).map_err(|e| match e {
            ExportError::NotConfigured(what) => format!("Not ready: {what}."),
            ExportError::Seal(_) => "The stored key cannot be opened with this instance's master key (was the key rotated elsewhere?). Upload the key again.".into(),
            other => other.to_string(),
        })?;
        let bq = exporter.bigquery();
        let (project, dataset) = (bq.project().to_owned(), exporter.dataset().to_owned());
        let email = row.key_email.unwrap_or_default();
        let explain =
            |e: BqError| explain(e, &email, &project, &dataset, &self.deps.config.token_url);
        let meta = bq.dataset(&dataset).await.map_err(explain)?;
        let found = meta["location"].as_str().unwrap_or_default();
        if !found.eq_ignore_ascii_case(bq.location()) {
            return Err(format!(
                "Dataset {project}.{dataset} is in location {found}, but the destination says {}: set the location to {found}.",
                bq.location()
            ));
        }
        bq.query("SELECT 1", &[]).await.map_err(explain)?;
        let mut present = 0;
        for table in ALL {
            if bq
                .table(&dataset, table.name)
                .await
                .map_err(explain)?
                .is_some()
            {
                present += 1;
            }
        }
        Ok(format!(
            "All is well: signed in as {email}; dataset {project}.{dataset} ({found}) is reachable and queries run. {present} of {} tables exist; the others are created by the first export.",
            ALL.len()
        ))
    }
}

/// Turns a BigQuery failure into what the admin should do about it.
fn explain(e: BqError, email: &str, project: &str, dataset: &str, token_url: &str) -> String {
    match e {
        BqError::Token(TokenError::Refused(why)) => format!(
            "Google refused the key ({why}). The key may have been deleted or disabled: create a new JSON key for {email} and upload it."
        ),
        BqError::Token(TokenError::Unreachable(why)) => {
            format!("The token endpoint {token_url} cannot be reached: {why}.")
        }
        BqError::Token(other) => other.to_string(),
        BqError::NotFound(why) => format!(
            "Dataset {dataset} was not found in project {project} ({why}). Create it, or correct the project and dataset."
        ),
        BqError::Forbidden(why) => format!(
            "The service account {email} lacks permission ({why}). Grant it BigQuery Data Editor on dataset {project}.{dataset} and BigQuery Job User on project {project}."
        ),
        BqError::Unavailable(why) => format!("BigQuery cannot be reached: {why}. Try again later."),
        other => other.to_string(),
    }
}

#[async_trait]
impl ExportPort for ExportService {
    async fn status(&self) -> Result<ExportView, AppError> {
        self.view().await.map_err(AppError::from)
    }

    async fn set_destination(
        &self,
        project: &str,
        dataset: &str,
        location: &str,
    ) -> Result<ExportView, AppError> {
        let to = Destination {
            project: rules::gcp_project(project)?,
            dataset: rules::bq_dataset(dataset)?,
            location: rules::bq_location(location)?,
        };
        tracing::info!(?to, "BigQuery destination changed");
        self.store.set_destination(to).await?;
        self.status().await
    }

    async fn set_key(&self, json: &str) -> Result<ExportView, AppError> {
        let account = ServiceAccount::parse(json.trim())
            .map_err(|e| AppError::invalid("key", format!("{}.", upper_first(&e.to_string()))))?;
        let sealed = self.deps.cipher.seal(json.trim(), KEY_CONTEXT);
        tracing::info!(account = %account.client_email, "BigQuery key replaced");
        self.store.set_key(sealed, account.client_email).await?;
        self.status().await
    }

    async fn set_enabled(&self, enabled: bool) -> Result<ExportView, AppError> {
        self.store.set_enabled(enabled).await?;
        tracing::info!(enabled, "BigQuery export switched");
        if enabled {
            self.wake.notify_one();
        }
        self.status().await
    }

    async fn test_connection(&self) -> Result<ConnectionCheck, AppError> {
        Ok(match self.check().await {
            Ok(message) => ConnectionCheck { ok: true, message },
            Err(message) => {
                tracing::warn!(%message, "BigQuery connection test failed");
                ConnectionCheck { ok: false, message }
            }
        })
    }
}

fn upper_first(s: &str) -> String {
    let mut chars = s.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}
