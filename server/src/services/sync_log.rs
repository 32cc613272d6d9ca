//! The sync log ([`SyncLogPort`]).

use app::backend::SyncLogPort;
use app::dto::{AccountId, Reach, SyncOutcome, SyncRunView, WorkspaceId};
use app::error::AppError;
use async_trait::async_trait;

use super::utc;
use super::workspaces::covered;
use crate::store::sync_runs::SyncRunStore;

#[derive(Clone)]
pub struct SyncLogService {
    pub runs: SyncRunStore,
}

#[async_trait]
impl SyncLogPort for SyncLogService {
    async fn runs(
        &self,
        reach: &Reach,
        workspace: Option<WorkspaceId>,
        account: Option<AccountId>,
        outcome: Option<SyncOutcome>,
        limit: u64,
    ) -> Result<Vec<SyncRunView>, AppError> {
        let covered = covered(reach, workspace, account)?;
        let rows = self
            .runs
            .list(
                covered.workspaces.as_deref(),
                covered.account,
                outcome.map(Into::into),
                limit.min(1000),
            )
            .await?;
        Ok(rows
            .into_iter()
            .map(|(run, username)| SyncRunView {
                id: run.id,
                account_id: AccountId(run.account_id),
                username,
                trigger: run.trigger,
                started: utc(run.started_at),
                duration_secs: run.finished_at.map(|f| f - run.started_at),
                outcome: run.outcome.into(),
                requests: run.requests,
                rows_written: run.rows_written,
                error: run.error,
            })
            .collect())
    }
}
