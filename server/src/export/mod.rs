//! The BigQuery pipeline: what the poller collects goes to the admin's BigQuery dataset,
//! incrementally and idempotently, for Looker Studio and their own SQL.
//!
//! `key` and `token` authenticate (service-account JWT, RS256), `bigquery` speaks the REST
//! API, `tables` defines what is exported (columns, types, keys, and where each column is
//! read from), `dml` writes the BigQuery SQL (`MERGE`, `DELETE`), `batch` encodes the rows the
//! store reads in keyset order (`store::export_rows`) as NDJSON and counts the backlog,
//! `schema` keeps the dataset in shape, `pipeline` runs a cycle, `worker` runs cycles in the
//! background (`instalytics export` runs one from the command line, in `cli::export`).
//! `crate::dev::token_sim` stands in for Google's token endpoint in tests and benchmarks.

pub mod batch;
pub mod bigquery;
pub mod dml;
pub mod key;
pub mod pipeline;
pub mod schema;
pub mod tables;
pub mod token;
pub mod worker;

use std::sync::Arc;
use std::time::Duration;

use sea_orm::DatabaseConnection;

use crate::crypto::Cipher;
use crate::graph::retry::RetryPolicy;
use crate::store::entities::export_config;
use pipeline::{ExportError, Exporter};

/// Where BigQuery and Google's token endpoint are, and how batches are sent.
#[derive(Clone, Debug)]
pub struct BigQueryConfig {
    /// API root: `https://bigquery.googleapis.com` or an emulator's.
    pub api_url: String,
    pub token_url: String,
    /// Per-request timeout.
    pub timeout: Duration,
    pub batch_rows: u64,
    /// Retries of a batch inside one cycle before the cycle gives up.
    pub retry: RetryPolicy,
    /// A staging table older than this is a leftover of an interrupted batch and is deleted
    /// (a batch takes seconds; a younger one may be another instance's batch in flight).
    pub staging_max_age: Duration,
}

/// What building an exporter takes besides the stored destination and key; shared by the
/// background task and Settings' "Test connection".
#[derive(Clone)]
pub struct ExportDeps {
    pub db: DatabaseConnection,
    pub cipher: Arc<Cipher>,
    pub http: reqwest::Client,
    pub config: BigQueryConfig,
}

impl ExportDeps {
    pub fn exporter(&self, row: &export_config::Model) -> Result<Exporter, ExportError> {
        Exporter::from_config(
            self.db.clone(),
            row,
            &self.cipher,
            self.http.clone(),
            &self.config,
        )
    }
}

/// Why an answer from Google did not arrive whole.
#[derive(Debug)]
enum Unanswered {
    /// A failure below HTTP or a timeout, as text without the URL (it may carry a token).
    Transport(String),
    /// The answer passed this many bytes and was refused part-read.
    TooLarge(usize),
}

/// Sends a request to Google and reads the whole answer, up to `limit` bytes.
async fn send(
    request: reqwest::RequestBuilder,
    limit: usize,
) -> Result<(reqwest::StatusCode, String), Unanswered> {
    use crate::graph::transport::{describe, read_body, BodyError};
    let response = request
        .send()
        .await
        .map_err(|e| Unanswered::Transport(describe(e)))?;
    let status = response.status();
    let body = read_body(response, limit).await.map_err(|e| match e {
        BodyError::TooLarge { limit } => Unanswered::TooLarge(limit),
        BodyError::Transport(e) => Unanswered::Transport(describe(e)),
    })?;
    Ok((status, body))
}
