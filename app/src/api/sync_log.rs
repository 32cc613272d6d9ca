//! The Sync log page's server function, readable by everyone signed in (their workspaces'
//! accounts).

use leptos::prelude::*;

#[cfg(feature = "ssr")]
use crate::auth::as_reader;
use crate::dto::{AccountId, SyncOutcome, SyncRunView, WorkspaceId};
use crate::error::AppError;

/// The newest runs the page shows at most.
pub const SYNC_LOG_LIMIT: u64 = 200;

#[server(endpoint = "sync/runs")]
pub async fn sync_runs(
    account: Option<AccountId>,
    outcome: Option<SyncOutcome>,
    #[server(default)] workspace: Option<WorkspaceId>,
) -> Result<Vec<SyncRunView>, AppError> {
    as_reader(|b, reach| async move {
        b.sync_log
            .runs(&reach, workspace, account, outcome, SYNC_LOG_LIMIT)
            .await
    })
    .await
}
