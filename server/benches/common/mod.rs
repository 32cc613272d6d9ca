//! Helpers the benchmarks share (a subfolder, so Cargo does not take it for a bench itself).

#![allow(dead_code)] // each bench uses its own subset

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
