//! The BigQuery pipeline: what the poller collects goes to the admin's BigQuery dataset,
//! incrementally and idempotently, for Looker Studio and their own SQL.
//!
//! `key` and `token` authenticate (service-account JWT, RS256), `bigquery` speaks the REST
//! API, `tables` defines what is exported, `schema` keeps the dataset in shape, `pipeline`
//! runs a cycle, `worker` runs cycles in the background. `token_sim` stands in for Google's
//! token endpoint in tests and benchmarks.

pub mod bigquery;
pub mod cli;
pub mod key;
pub mod pipeline;
pub mod schema;
pub mod tables;
pub mod token;
pub mod token_sim;
pub mod worker;

use std::time::Duration;

use crate::graph::retry::RetryPolicy;

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
}
