//! Helpers the benchmarks share (a subfolder, so Cargo does not take it for a bench itself).

#![allow(dead_code)] // each bench uses its own subset

pub mod log_tally;
pub mod server_process;

use std::time::Duration;

use sea_orm::{ConnectionTrait, DatabaseConnection, Statement};

/// A number from the environment (e.g. `BENCH_RUNS`), or `default`.
pub fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The first column of the first row of `sql` (a count).
pub async fn scalar(db: &DatabaseConnection, sql: &str) -> i64 {
    db.query_one(Statement::from_string(db.get_database_backend(), sql))
        .await
        .unwrap()
        .unwrap()
        .try_get_by_index::<i64>(0)
        .unwrap()
}

/// Nearest-rank percentile of sorted samples.
pub fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let rank = ((p * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

/// Every row of `sql` that selects a label and a count (e.g. `GROUP BY outcome`).
pub async fn counts(db: &DatabaseConnection, sql: &str) -> Vec<(String, i64)> {
    db.query_all(Statement::from_string(db.get_database_backend(), sql))
        .await
        .unwrap()
        .iter()
        .map(|row| {
            (
                row.try_get_by_index::<String>(0).unwrap(),
                row.try_get_by_index::<i64>(1).unwrap(),
            )
        })
        .collect()
}

/// Milliseconds, for printing.
pub fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Latency figures of a set of samples.
#[derive(Clone, Copy, Debug, Default)]
pub struct Latency {
    pub n: usize,
    pub p50: Duration,
    pub p90: Duration,
    pub p99: Duration,
    pub max: Duration,
}

impl Latency {
    /// Sorts `samples`; all zero when there are none.
    pub fn of(samples: &mut [Duration]) -> Self {
        if samples.is_empty() {
            return Self::default();
        }
        samples.sort_unstable();
        Self {
            n: samples.len(),
            p50: percentile(samples, 0.5),
            p90: percentile(samples, 0.9),
            p99: percentile(samples, 0.99),
            max: samples[samples.len() - 1],
        }
    }
}
