//! The poller: a tokio task that finds due accounts, claims each through its lease row, and
//! runs their syncs with bounded concurrency. "Sync now" sets a flag in the database and
//! wakes the task, so any instance can serve it.
//!
//! On shutdown it stops taking work, lets running syncs see the cancellation (they roll back:
//! nothing is written before a sync has everything), and gives them a grace period.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use time::OffsetDateTime;
use tokio::sync::Notify;
use tokio::task::{self, JoinError, JoinSet};
use tokio_util::sync::CancellationToken;
use tracing::{error, info, warn};

use super::job::{self, SyncContext, SyncSettings};
use crate::clock::{unix_now, DAY};
use crate::export::tables::SYNC_RUNS;
use crate::store::accounts::AccountStore;
use crate::store::deliveries::DeliveryStore;
use crate::store::entities::accounts;
use crate::store::export::ExportStore;
use crate::store::leases::LeaseStore;
use crate::store::settings::SettingsStore;
use crate::store::sync_runs::SyncRunStore;
use crate::store::StoreError;
use sea_orm::DatabaseConnection;

/// How often the database is asked for due accounts when nothing wakes the poller.
const TICK: Duration = Duration::from_secs(2);
/// A lease outlives its heartbeat twice over, so one slow heartbeat does not lose it, and a
/// dead instance's accounts are free again within a minute.
const LEASE: Duration = Duration::from_secs(60);
const HEARTBEAT: Duration = Duration::from_secs(20);
const PRUNE_EVERY: Duration = Duration::from_secs(DAY as u64);
/// How long the sync log and the Notifications log keep a row: a quarter's history to look
/// back on, and at 200 accounts synced hourly under a million sync runs.
pub const LOG_RETENTION_DAYS: i64 = 90;
/// Running syncs get this long to finish after shutdown is asked; then they are dropped.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(8);

pub struct Poller {
    ctx: Arc<SyncContext>,
    concurrency: usize,
    wake: Arc<Notify>,
    /// Told after each finished sync: the exporter ships what it wrote.
    synced: Arc<Notify>,
}

impl Poller {
    pub fn new(ctx: Arc<SyncContext>, concurrency: usize, synced: Arc<Notify>) -> Self {
        Self {
            ctx,
            concurrency: concurrency.max(1),
            wake: Arc::new(Notify::new()),
            synced,
        }
    }

    /// Notifying it makes the poller look for work at once (after "Sync now" or a connect).
    pub fn waker(&self) -> Arc<Notify> {
        self.wake.clone()
    }

    pub async fn run(self, cancel: CancellationToken) {
        let accounts = AccountStore::new(self.ctx.db.clone());
        let settings = SettingsStore::new(self.ctx.db.clone());
        let leases = LeaseStore::new(self.ctx.db.clone(), self.ctx.instance.clone());
        let mut jobs: JoinSet<i64> = JoinSet::new();
        let mut running = Running::default();
        let mut next_prune = tokio::time::Instant::now();
        info!(instance = %self.ctx.instance, concurrency = self.concurrency, "poller started");

        while !cancel.is_cancelled() {
            if tokio::time::Instant::now() >= next_prune {
                next_prune += PRUNE_EVERY;
                prune(&self.ctx.db, &settings).await;
            }
            if running.len() < self.concurrency {
                if let Err(e) = self
                    .start_due(
                        &accounts,
                        &settings,
                        &leases,
                        &mut jobs,
                        &mut running,
                        &cancel,
                    )
                    .await
                {
                    error!(error = %e, "poller could not read or lease the accounts due");
                }
            }
            let before = running.len();
            tokio::select! {
                _ = cancel.cancelled() => {}
                _ = self.wake.notified() => {}
                _ = tokio::time::sleep(TICK) => {}
                Some(done) = jobs.join_next_with_id(), if !jobs.is_empty() => {
                    running.finished(done, &leases).await;
                }
            }
            // Reap every finished job, not just the one select! saw.
            while let Some(done) = jobs.try_join_next_with_id() {
                running.finished(done, &leases).await;
            }
            if running.len() < before {
                self.synced.notify_one();
            }
        }

        info!(running = running.len(), "poller stopping");
        let drained = tokio::time::timeout(SHUTDOWN_GRACE, async {
            while jobs.join_next().await.is_some() {}
        })
        .await;
        if drained.is_err() {
            warn!("syncs still running after the grace period were dropped (rolled back)");
            jobs.shutdown().await;
        }
    }

    async fn start_due(
        &self,
        accounts: &AccountStore,
        settings: &SettingsStore,
        leases: &LeaseStore,
        jobs: &mut JoinSet<i64>,
        running: &mut Running,
        cancel: &CancellationToken,
    ) -> Result<(), StoreError> {
        let now = unix_now();
        let want = (self.concurrency + running.len()) as u64;
        let due = accounts.due(now, want).await?;
        if due.is_empty() {
            return Ok(());
        }
        let current = settings.get().await?;
        let sync_settings = SyncSettings {
            interval_secs: current.poll_interval_secs,
            lookback_days: current.lookback_days,
        };
        for account in due {
            if running.len() >= self.concurrency {
                break;
            }
            if running.accounts.contains(&account.id)
                || !leases
                    .claim(account.id, now, now + LEASE.as_secs() as i64)
                    .await?
            {
                continue;
            }
            // Listed before another instance synced it and let go: not due any more.
            if !accounts.still_due(account.id, now).await? {
                leases.release(account.id).await?;
                continue;
            }
            let id = account.id;
            let ctx = self.ctx.clone();
            let leases = leases.clone();
            let cancel = cancel.clone();
            let task = jobs.spawn(async move {
                leased_sync(&ctx, &leases, account, sync_settings, &cancel).await;
                id
            });
            running.started(task.id(), id);
        }
        Ok(())
    }
}

/// The syncs in flight, by account and by task, so that a sync that panics still gives its
/// concurrency slot and its lease back (its open run is closed as `interrupted` when the
/// account is next claimed).
#[derive(Default)]
struct Running {
    accounts: HashSet<i64>,
    tasks: HashMap<task::Id, i64>,
}

impl Running {
    fn started(&mut self, task: task::Id, account: i64) {
        self.accounts.insert(account);
        self.tasks.insert(task, account);
    }

    fn len(&self) -> usize {
        self.accounts.len()
    }

    /// Frees the slot of a finished sync, however it ended.
    async fn finished(&mut self, done: Result<(task::Id, i64), JoinError>, leases: &LeaseStore) {
        let task = match &done {
            Ok((task, _)) => *task,
            Err(e) => e.id(),
        };
        let Some(account) = self.tasks.remove(&task) else {
            return;
        };
        self.accounts.remove(&account);
        if let Err(e) = done {
            if e.is_panic() {
                error!(account, "sync panicked; its slot and lease are freed");
                if let Err(e) = leases.release(account).await {
                    warn!(account, error = %e, "lease release failed; it expires by itself");
                }
            }
        }
    }
}

/// Runs one sync while renewing its lease; if the lease is lost the sync is dropped (its
/// transaction, if open, rolls back) rather than racing another instance.
async fn leased_sync(
    ctx: &SyncContext,
    leases: &LeaseStore,
    account: accounts::Model,
    settings: SyncSettings,
    cancel: &CancellationToken,
) {
    let trigger = if account.sync_requested {
        "manual"
    } else {
        "schedule"
    };
    let heartbeat = async {
        loop {
            tokio::time::sleep(HEARTBEAT).await;
            let now = unix_now();
            match leases
                .claim(account.id, now, now + LEASE.as_secs() as i64)
                .await
            {
                Ok(true) => {}
                Ok(false) => return warn!(account = %account.username, "lease lost"),
                Err(e) => {
                    return warn!(account = %account.username, error = %e, "lease renewal failed")
                }
            }
        }
    };
    let now = OffsetDateTime::now_utc();
    tokio::select! {
        res = job::run(ctx, &account, trigger, settings, now, cancel) => {
            if let Err(e) = res {
                error!(account = %account.username, error = %e, "sync could not be recorded");
            }
        }
        _ = heartbeat => {}
    }
    if let Err(e) = leases.release(account.id).await {
        warn!(account = %account.username, error = %e, "lease release failed; it expires by itself");
    }
}

/// Once a day: media past the lookback window, and the logs' old rows.
async fn prune(db: &DatabaseConnection, settings: &SettingsStore) {
    let now = unix_now();
    match settings.prune(now).await {
        Ok(0) => {}
        Ok(n) => info!(media = n, "pruned media older than the lookback window"),
        Err(e) => warn!(error = %e, "pruning media failed"),
    }
    match prune_logs(db, now).await {
        Ok(Pruned {
            runs: 0,
            deliveries: 0,
        }) => {}
        Ok(Pruned { runs, deliveries }) => {
            info!(
                runs,
                deliveries, "pruned the sync log and the Notifications log"
            )
        }
        Err(e) => warn!(error = %e, "pruning the logs failed"),
    }
}

/// Rows [`prune_logs`] deleted.
#[derive(Debug, PartialEq, Eq)]
pub struct Pruned {
    pub runs: u64,
    pub deliveries: u64,
}

/// Deletes sync runs and finished deliveries older than [`LOG_RETENTION_DAYS`] at `now`;
/// sync runs the BigQuery export has not shipped yet stay until it has.
pub async fn prune_logs(db: &DatabaseConnection, now: i64) -> Result<Pruned, StoreError> {
    let cutoff = now - LOG_RETENTION_DAYS * DAY;
    let export = ExportStore::new(db.clone());
    let exported_until = match export.config().await?.enabled {
        true => Some(export.state(SYNC_RUNS.name).await?.cursor_at),
        false => None,
    };
    Ok(Pruned {
        runs: SyncRunStore::new(db.clone())
            .prune(cutoff, exported_until)
            .await?,
        deliveries: DeliveryStore::new(db.clone()).prune(cutoff).await?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_sync_that_panics_gives_its_slot_back() {
        let dir = tempfile::tempdir().unwrap();
        let db = crate::db::open(&format!("sqlite://{}/t.db?mode=rwc", dir.path().display()))
            .await
            .unwrap();
        let leases = LeaseStore::new(db, "test");
        let mut jobs = JoinSet::new();
        let mut running = Running::default();
        let panics = jobs.spawn(async {
            if true {
                panic!("a sync that panics");
            }
            7
        });
        running.started(panics.id(), 7);
        let fine = jobs.spawn(async { 8 });
        running.started(fine.id(), 8);
        assert_eq!(running.len(), 2);
        while let Some(done) = jobs.join_next_with_id().await {
            running.finished(done, &leases).await;
        }
        assert_eq!(running.len(), 0, "both slots are free again");
        assert!(running.tasks.is_empty());
    }
}
