//! The `sync_runs` table: the poller's job log.

use sea_orm::prelude::*;
use sea_orm::{ActiveValue::Set, DatabaseConnection, QueryOrder, QuerySelect};
use tracing::instrument;

use super::entities::accounts;
use super::entities::sync_runs::{self, DbOutcome};
use super::workspaces::visible_accounts;
use super::StoreError;

/// How a run ended, for [`SyncRunStore::finish`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RunEnd {
    pub outcome: DbOutcome,
    pub requests: u32,
    pub rows_written: u64,
    pub error: Option<String>,
}

#[derive(Clone, Debug)]
pub struct SyncRunStore {
    db: DatabaseConnection,
}

impl SyncRunStore {
    pub fn new(db: DatabaseConnection) -> Self {
        Self { db }
    }

    /// Deletes runs that finished before `cutoff` and, when the export is on, that it has
    /// shipped (finished before `exported_until`): BigQuery keeps the history, the sync log
    /// the recent past. Answers how many went.
    #[instrument(skip(self), err(level = "debug"))]
    pub async fn prune(&self, cutoff: i64, exported_until: Option<i64>) -> Result<u64, StoreError> {
        let before = exported_until.map_or(cutoff, |shipped| shipped.min(cutoff));
        Ok(sync_runs::Entity::delete_many()
            .filter(sync_runs::Column::FinishedAt.lt(before))
            .exec(&self.db)
            .await?
            .rows_affected)
    }

    /// Opens a run. Runs left `running` for this account are closed as interrupted first: the
    /// caller holds the lease, so nobody else can still be running them.
    #[instrument(skip(self), err(level = "debug"))]
    pub async fn start(
        &self,
        account_id: i64,
        trigger: &str,
        instance: &str,
        now: i64,
    ) -> Result<i64, StoreError> {
        sync_runs::Entity::update_many()
            .col_expr(
                sync_runs::Column::Outcome,
                Expr::value(DbOutcome::Interrupted),
            )
            .col_expr(sync_runs::Column::FinishedAt, Expr::value(now))
            .filter(sync_runs::Column::AccountId.eq(account_id))
            .filter(sync_runs::Column::Outcome.eq(DbOutcome::Running))
            .exec(&self.db)
            .await?;
        let run = sync_runs::ActiveModel {
            account_id: Set(account_id),
            trigger: Set(trigger.to_owned()),
            started_at: Set(now),
            finished_at: Set(None),
            outcome: Set(DbOutcome::Running),
            requests: Set(0),
            rows_written: Set(0),
            error: Set(None),
            instance: Set(instance.to_owned()),
            ..Default::default()
        }
        .insert(&self.db)
        .await?;
        Ok(run.id)
    }

    #[instrument(skip(self), err(level = "debug"))]
    pub async fn finish(&self, id: i64, end: RunEnd, now: i64) -> Result<(), StoreError> {
        finish_on(&self.db, id, end, now).await
    }

    /// Newest first, with each run's account username: the runs of `account`, or of every
    /// account `workspaces` holds (see [`visible_accounts`]).
    #[instrument(skip(self), err(level = "debug"))]
    pub async fn list(
        &self,
        workspaces: Option<&[i64]>,
        account: Option<i64>,
        outcome: Option<DbOutcome>,
        limit: u64,
    ) -> Result<Vec<(sync_runs::Model, String)>, StoreError> {
        let mut query = sync_runs::Entity::find()
            .order_by_desc(sync_runs::Column::StartedAt)
            .order_by_desc(sync_runs::Column::Id)
            .limit(limit);
        if workspaces.is_some() || account.is_some() {
            let ids = visible_accounts(&self.db, workspaces, account).await?;
            query = query.filter(sync_runs::Column::AccountId.is_in(ids));
        }
        if let Some(outcome) = outcome {
            query = query.filter(sync_runs::Column::Outcome.eq(outcome));
        }
        let runs = query.all(&self.db).await?;
        let names: std::collections::HashMap<i64, String> = accounts::Entity::find()
            .select_only()
            .columns([accounts::Column::Id, accounts::Column::Username])
            .into_tuple::<(i64, String)>()
            .all(&self.db)
            .await?
            .into_iter()
            .collect();
        Ok(runs
            .into_iter()
            .map(|r| {
                let name = names.get(&r.account_id).cloned().unwrap_or_default();
                (r, name)
            })
            .collect())
    }
}

impl SyncRunStore {
    /// The outcomes and start times of the account's newest `limit` finished runs, newest
    /// first; runs cancelled by a shutdown are left out, as they say nothing of the account.
    #[instrument(skip(self), err(level = "debug"))]
    pub async fn recent_outcomes(
        &self,
        account: i64,
        limit: u64,
    ) -> Result<Vec<(DbOutcome, i64)>, StoreError> {
        Ok(sync_runs::Entity::find()
            .select_only()
            .columns([sync_runs::Column::Outcome, sync_runs::Column::StartedAt])
            .filter(sync_runs::Column::AccountId.eq(account))
            .filter(
                sync_runs::Column::Outcome.is_not_in([DbOutcome::Running, DbOutcome::Cancelled]),
            )
            .order_by_desc(sync_runs::Column::StartedAt)
            .order_by_desc(sync_runs::Column::Id)
            .limit(limit)
            .into_tuple()
            .all(&self.db)
            .await?)
    }
}

/// [`SyncRunStore::finish`] on a connection or transaction: a successful sync closes its run
/// in the transaction that writes its data.
pub(super) async fn finish_on(
    conn: &impl ConnectionTrait,
    id: i64,
    end: RunEnd,
    now: i64,
) -> Result<(), StoreError> {
    sync_runs::ActiveModel {
        id: Set(id),
        finished_at: Set(Some(now)),
        outcome: Set(end.outcome),
        requests: Set(i32::try_from(end.requests).unwrap_or(i32::MAX)),
        rows_written: Set(i32::try_from(end.rows_written).unwrap_or(i32::MAX)),
        error: Set(end.error),
        ..Default::default()
    }
    .update(conn)
    .await?;
    Ok(())
}
