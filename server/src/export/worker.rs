//! The exporter task: wakes after each sync (and each account deletion), or every few
//! minutes, and runs a cycle when export is enabled. Failures are recorded for Settings and
//! retried with growing waits; a cycle cut short (shutdown, crash) leaves the cursors where
//! BigQuery last confirmed, so the next one re-sends and merges.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;
use tracing::{error, info, warn};

use super::pipeline::{ExportError, Exporter};
use super::ExportDeps;
use crate::clock::unix_now;
use crate::graph::retry::{jitter_unit, RetryPolicy};
use crate::store::export::ExportStore;

/// Without a wake-up, the task still looks every so often (retries, a re-enabled export).
const IDLE: Duration = Duration::from_secs(300);
/// Pause between a wake-up and the cycle.
const SETTLE: Duration = Duration::from_millis(1_100);
/// Waits after failed cycles: 30 s doubling to 30 min.
const BACKOFF: RetryPolicy = RetryPolicy {
    max_retries: u32::MAX,
    base: Duration::from_secs(30),
    cap: Duration::from_secs(1800),
};

/// The settings an exporter was built from; a change to any of them builds a new one.
#[derive(PartialEq)]
struct BuiltFrom {
    project: Option<String>,
    dataset: Option<String>,
    location: Option<String>,
    sealed_key: Option<String>,
}

#[derive(Clone)]
pub struct ExportWorker {
    pub deps: ExportDeps,
    pub wake: Arc<Notify>,
}

impl ExportWorker {
    pub async fn run(self, cancel: CancellationToken) {
        let store = ExportStore::new(self.deps.db.clone());
        let mut current = None;
        let mut failures = 0u32;
        let mut wait = Duration::ZERO;
        loop {
            tokio::select! {
                _ = cancel.cancelled() => return,
                _ = self.wake.notified() => {}
                _ = tokio::time::sleep(wait) => {}
            }
            // Rows are exported only once stamped before the current second (see
            // `ExportStore::horizon`): let the waking sync's second pass, and syncs finishing
            // together share one cycle.
            tokio::select! {
                _ = cancel.cancelled() => return,
                _ = tokio::time::sleep(SETTLE) => {}
            }
            let outcome = tokio::select! {
                _ = cancel.cancelled() => return info!("export stopped by shutdown; it resumes at the last confirmed batch"),
                outcome = self.cycle(&store, &mut current) => outcome,
            };
            let now = unix_now();
            let recorded = match outcome {
                Ok(false) => Ok(()),
                Ok(true) => {
                    failures = 0;
                    store.record_outcome(None, now).await
                }
                Err(e) => {
                    warn!(error = %e, "BigQuery export failed");
                    failures += 1;
                    store.record_outcome(Some(e.to_string()), now).await
                }
            };
            if let Err(e) = recorded {
                error!(error = %e, "cannot record the export outcome");
            }
            wait = match failures {
                0 => IDLE,
                n => BACKOFF.delay(n - 1, jitter_unit()),
            };
        }
    }

    /// One cycle if export is enabled; `Ok(false)` when it is not. The exporter (and so its
    /// cached access token) is kept while the destination and key stay the same.
    async fn cycle(
        &self,
        store: &ExportStore,
        current: &mut Option<(BuiltFrom, Exporter)>,
    ) -> Result<bool, ExportError> {
        let row = store.config().await?;
        if !row.enabled {
            return Ok(false);
        }
        let wanted = BuiltFrom {
            project: row.project.clone(),
            dataset: row.dataset.clone(),
            location: row.location.clone(),
            sealed_key: row.sealed_key.clone(),
        };
        let exporter = match current.take() {
            Some((seen, exporter)) if seen == wanted => current.insert((seen, exporter)),
            _ => {
                let exporter = self.deps.exporter(&row)?;
                current.insert((wanted, exporter))
            }
        };
        let report = exporter.1.cycle(&mut |_, _| {}).await?;
        if report.total_rows() > 0 || report.deletions > 0 {
            info!(rows = ?report.rows, deletions = report.deletions, "exported to BigQuery");
        }
        Ok(true)
    }
}
