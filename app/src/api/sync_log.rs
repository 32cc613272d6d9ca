//! The Sync log page's server function, readable by everyone signed in.

use leptos::prelude::*;

use crate::dto::{SyncOutcome, SyncRunView};
use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::{auth, backend::backend};

/// The newest runs the page shows at most.
pub const SYNC_LOG_LIMIT: u64 = 200;

#[server(endpoint = "sync/runs")]
pub async fn sync_runs(
    account: Option<i64>,
    outcome: Option<SyncOutcome>,
) -> Result<Vec<SyncRunView>, AppError> {
    auth::respond(
        async {
            auth::require_user().await?;
            backend()?
                .sync_log
                .runs(account, outcome, SYNC_LOG_LIMIT)
                .await
        }
        .await,
    )
}
