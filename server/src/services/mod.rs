//! The services behind `app::backend`'s ports for accounts, the dashboard's figures, the sync
//! log, settings, the export and workspaces. Store failures become `AppError` through the one `From`
//! below; Graph API failures are worded by the service that met them.

pub mod accounts;
pub mod analytics;
pub mod export;
pub mod notify;
pub mod settings;
pub mod shares;
pub mod sync_log;
pub mod tokens;
pub mod workspaces;

use app::error::AppError;

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

// Moments as the dashboard shows them; in `clock` so that the notifier words them alike.
pub(crate) use crate::clock::{utc, utc_date};
