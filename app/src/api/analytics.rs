//! The dashboard pages' server functions, readable by everyone signed in.

use leptos::prelude::*;

use crate::dto::{Overview, PeriodQuery};
use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::{auth, backend::backend};

/// The argument struct is `LoadOverview`: the default name is the DTO it returns.
#[server(name = LoadOverview, endpoint = "analytics/overview")]
pub async fn overview(
    // Absent (a bare `/`) means the defaults: all accounts, the last 30 days.
    #[server(default)] query: PeriodQuery,
) -> Result<Overview, AppError> {
    auth::respond(
        async {
            auth::require_user().await?;
            backend()?.analytics.overview(&query).await
        }
        .await,
    )
}
