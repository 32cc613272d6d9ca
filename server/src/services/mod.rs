//! The services behind `app::backend`'s ports for accounts, the dashboard's figures, the sync
//! log, settings, the export and workspaces. Store failures become `AppError` through the one `From`
//! below; Graph API failures are worded by the service that met them.

pub mod accounts;
pub mod analytics;
pub mod export;
pub mod settings;
pub mod shares;
pub mod sync_log;
pub mod tokens;
pub mod workspaces;

use app::error::AppError;
use time::OffsetDateTime;

use crate::store::StoreError;

/// The one translation of store failures into what a caller is told; database details are
/// logged here and never leave the server.
impl From<StoreError> for AppError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::NotFound => AppError::NotFound,
            StoreError::Duplicate => AppError::Conflict("That exists already.".into()),
            StoreError::UsernameTaken => AppError::invalid(
                "username",
                "That username is taken: a user with that name exists already.",
            ),
            StoreError::Replayed => {
                AppError::Conflict("This request was carried out already.".into())
            }
            StoreError::LastAdmin => AppError::Conflict(
                "The last admin cannot be demoted or deleted; make someone else admin first."
                    .into(),
            ),
            StoreError::WorkspaceInUse => AppError::Conflict(
                "Only an empty workspace can be deleted, and never the last one: move its \
                 accounts to another workspace first."
                    .into(),
            ),
            StoreError::Db(e) => {
                tracing::error!(error = %e, "database failure");
                AppError::Internal
            }
        }
    }
}

/// `YYYY-MM-DD HH:MM UTC`, the one way the dashboard shows a moment.
pub(crate) fn utc(unix: i64) -> String {
    match OffsetDateTime::from_unix_timestamp(unix) {
        Ok(t) => format!(
            "{:04}-{:02}-{:02} {:02}:{:02} UTC",
            t.year(),
            u8::from(t.month()),
            t.day(),
            t.hour(),
            t.minute()
        ),
        Err(_) => "—".into(),
    }
}

/// `YYYY-MM-DD` of a moment, in UTC: the day something was made.
pub(crate) fn utc_date(unix: i64) -> String {
    utc(unix).chars().take(10).collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn moments_show_in_utc_to_the_minute() {
        assert_eq!(super::utc(1_795_435_200), "2026-11-23 12:00 UTC");
        assert_eq!(super::utc(i64::MAX), "—");
        assert_eq!(super::utc_date(1_795_435_200), "2026-11-23");
    }
}
