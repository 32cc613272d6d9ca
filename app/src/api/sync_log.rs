//! The Sync log page's server function, readable by everyone signed in.

use leptos::prelude::*;

#[cfg(feature = "ssr")]
use crate::auth::as_user;
use crate::dto::{AccountId, SyncOutcome, SyncRunView};
use crate::error::AppError;

/// The newest runs the page shows at most.
pub const SYNC_LOG_LIMIT: u64 = 200;

#[server(endpoint = "sync/runs")]
pub async fn sync_runs(
    account: Option<AccountId>,
    outcome: Option<SyncOutcome>,
) -> Result<Vec<SyncRunView>, AppError> {
    as_user(|b, _| async move { b.sync_log.runs(account, outcome, SYNC_LOG_LIMIT).await }).await
}
