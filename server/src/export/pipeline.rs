//! One export cycle: apply queued account deletions, make the tables match, then send each
//! table's new rows in batches. A batch is loaded into its own staging table and MERGEd
//! into the real one on the natural key, and only then does the table's cursor move
//! (compare-and-set). A batch re-sent after a crash, a timeout or by a second instance
//! therefore updates the rows it already wrote instead of duplicating them.

use std::sync::Arc;
use std::time::Duration;

use sea_orm::DatabaseConnection;
use tracing::{info, warn};

use super::bigquery::{BigQuery, BqError, Endpoint};
use super::key::{KeyError, ServiceAccount};
use super::schema::{self, SchemaError, SchemaReport};
use super::tables::{TableDef, ALL};
use super::token::TokenSource;
use super::{batch, dml, BigQueryConfig};
use crate::clock::{unix_now, unix_now_ms};
use crate::crypto::{Cipher, CryptoError};
use crate::graph::retry::{jitter_unit, RetryPolicy};
use crate::store::entities::export_config::{self, KEY_CONTEXT};
use crate::store::export::{Cursor, ExportStore};
use crate::store::export_rows::{ExportRowStore, Keyset};
use crate::store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("export is not set up: {0}")]
    NotConfigured(&'static str),
    #[error("the stored service-account key cannot be opened: {0}")]
    Seal(#[from] CryptoError),
    #[error("the stored service-account key is unusable: {0}")]
    Key(#[from] KeyError),
    #[error(transparent)]
    Schema(#[from] SchemaError),
    #[error("{table}: {source}")]
    Send {
        table: &'static str,
        source: BqError,
    },
    #[error("deleting account {account} from BigQuery: {source}")]
    Delete { account: i64, source: BqError },
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What a cycle did.
#[derive(Debug, Default)]
pub struct CycleReport {
    pub rows: Vec<(&'static str, u64)>,
    pub deletions: usize,
    pub schema: SchemaReport,
    /// Staging tables left behind by interrupted batches, deleted this cycle.
    pub swept: usize,
}

impl CycleReport {
    pub fn total_rows(&self) -> u64 {
        self.rows.iter().map(|(_, n)| n).sum()
    }
}

/// Every batch's staging table is named with this prefix, then the table and a random suffix.
pub const STAGING_PREFIX: &str = "_instalytics_stage_";

/// Called after each confirmed batch: table, rows in the batch.
pub type Progress<'a> = &'a mut (dyn FnMut(&'static str, u64) + Send);

pub struct Exporter {
    rows: ExportRowStore,
    store: ExportStore,
    bq: BigQuery,
    dataset: String,
    batch_rows: u64,
    retry: RetryPolicy,
    staging_max_age: Duration,
}

impl Exporter {
    /// From the stored configuration; `NotConfigured` names what is missing.
    pub fn from_config(
        db: DatabaseConnection,
        row: &export_config::Model,
        cipher: &Cipher,
        http: reqwest::Client,
        config: &BigQueryConfig,
    ) -> Result<Self, ExportError> {
        let (Some(project), Some(dataset), Some(location)) =
            (&row.project, &row.dataset, &row.location)
        else {
            return Err(ExportError::NotConfigured(
                "no destination (project, dataset, location)",
            ));
        };
        let sealed = row
            .sealed_key
            .as_deref()
            .ok_or(ExportError::NotConfigured("no service-account key"))?;
        let account = ServiceAccount::parse(&cipher.open(sealed, KEY_CONTEXT)?)?;
        let tokens = Arc::new(TokenSource::new(
            account,
            config.token_url.clone(),
            http.clone(),
            config.timeout,
        ));
        let endpoint = Endpoint {
            base: config.api_url.clone(),
            project: project.clone(),
            location: location.clone(),
            timeout: config.timeout,
        };
        Ok(Self {
            rows: ExportRowStore::new(db.clone()),
            store: ExportStore::new(db),
            bq: BigQuery::new(http, endpoint, tokens),
            dataset: dataset.clone(),
            batch_rows: config.batch_rows,
            retry: config.retry,
            staging_max_age: config.staging_max_age,
        })
    }

    pub fn bigquery(&self) -> &BigQuery {
        &self.bq
    }

    pub fn dataset(&self) -> &str {
        &self.dataset
    }

    /// Deletions, schema, then every table until it is caught up.
    pub async fn cycle(&self, progress: Progress<'_>) -> Result<CycleReport, ExportError> {
        // Schema first: the deletions' DELETE statements need the tables to exist.
        let schema = schema::ensure(&self.bq, &self.dataset).await?;
        let mut report = CycleReport {
            deletions: self.apply_deletions().await?,
            schema,
            swept: self.sweep_staging().await,
            ..CycleReport::default()
        };
        if let Some(notes) = report.schema.notes() {
            info!(dataset = %self.dataset, %notes, "BigQuery schema checked");
        }
        for table in ALL {
            let rows = self.export_table(table, progress).await?;
            report.rows.push((table.name, rows));
        }
        Ok(report)
    }

    /// Sends the table's rows after its cursor until none are left below the horizon.
    async fn export_table(
        &self,
        table: &'static TableDef,
        progress: Progress<'_>,
    ) -> Result<u64, ExportError> {
        let mut sent = 0;
        loop {
            let now = unix_now();
            let horizon = self.store.horizon(now).await?;
            let state = self.store.state(table.name).await?;
            let from = Cursor::from(&state);
            let batch = batch::read(&self.rows, table, from, horizon, self.batch_rows).await?;
            if batch.rows == 0 {
                return Ok(sent);
            }
            self.send(table, batch.ndjson).await?;
            let whole = matches!(table.source.order, Keyset::Whole);
            let moved = self
                .store
                .advance(table.name, from, batch.last, batch.rows, whole, now)
                .await?;
            if !moved {
                // Another exporter confirmed this range first; its rows are merged already.
                warn!(
                    table = table.name,
                    "cursor moved by another exporter; re-reading"
                );
                continue;
            }
            sent += batch.rows;
            progress(table.name, batch.rows);
            if whole || batch.rows < self.batch_rows {
                return Ok(sent);
            }
        }
    }

    /// Load into a fresh staging table, MERGE, drop the staging table; retried on
    /// transient failures (each retry stages again, so a half-done attempt is harmless).
    async fn send(&self, table: &'static TableDef, ndjson: Vec<u8>) -> Result<(), ExportError> {
        let mut attempt = 0;
        loop {
            match self.send_once(table, ndjson.clone()).await {
                Ok(()) => return Ok(()),
                Err(e) if e.is_transient() && attempt < self.retry.max_retries => {
                    let wait = self.retry.delay(attempt, jitter_unit());
                    warn!(table = table.name, error = %e, ?wait, "batch failed; retrying");
                    tokio::time::sleep(wait).await;
                    attempt += 1;
                }
                Err(source) => {
                    return Err(ExportError::Send {
                        table: table.name,
                        source,
                    })
                }
            }
        }
    }

    async fn send_once(&self, table: &'static TableDef, ndjson: Vec<u8>) -> Result<(), BqError> {
        let staging = format!(
            "{STAGING_PREFIX}{}_{:016x}",
            table.name,
            rand::random::<u64>()
        );
        self.bq
            .load_ndjson(&self.dataset, &staging, &table.fields(), ndjson)
            .await?;
        let merged = self
            .bq
            .query(
                &dml::merge(table, self.bq.project(), &self.dataset, &staging),
                &[],
            )
            .await;
        if let Err(e) = self.bq.delete_table(&self.dataset, &staging).await {
            warn!(table = %staging, error = %e, "staging table left behind; it is safe to delete");
        }
        merged.map(drop)
    }

    /// Deletes staging tables that an interrupted batch (a crash, a lost connection) left
    /// behind. Only those older than the configured age: a younger one may belong to a batch
    /// another instance is sending now. Best effort: a failure is logged, not fatal.
    async fn sweep_staging(&self) -> usize {
        let tables = match self.bq.list_tables(&self.dataset).await {
            Ok(tables) => tables,
            Err(e) => {
                warn!(error = %e, "could not list the dataset's tables to sweep staging tables");
                return 0;
            }
        };
        let max_age_ms = i64::try_from(self.staging_max_age.as_millis()).unwrap_or(i64::MAX);
        let cutoff = unix_now_ms().saturating_sub(max_age_ms);
        let mut swept = 0;
        for (name, created) in tables {
            if !name.starts_with(STAGING_PREFIX) || created > cutoff {
                continue;
            }
            match self.bq.delete_table(&self.dataset, &name).await {
                Ok(()) => swept += 1,
                Err(e) => {
                    warn!(table = %name, error = %e, "could not delete a stale staging table")
                }
            }
        }
        if swept > 0 {
            info!(swept, "deleted staging tables left by interrupted batches");
        }
        swept
    }

    /// Deletes every queued account's rows from each table, then forgets the request.
    async fn apply_deletions(&self) -> Result<usize, ExportError> {
        let pending = self.store.pending_deletions().await?;
        for deletion in &pending {
            let account = deletion.account_id;
            for table in ALL {
                let sql = dml::delete_account(table, self.bq.project(), &self.dataset);
                match self
                    .bq
                    .query(&sql, &[("account", "INT64", account.to_string())])
                    .await
                {
                    Ok(_) | Err(BqError::NotFound(_)) => {}
                    Err(source) => return Err(ExportError::Delete { account, source }),
                }
            }
            self.store.deletion_done(account).await?;
            info!(account, "account's rows deleted from BigQuery");
        }
        Ok(pending.len())
    }
}
