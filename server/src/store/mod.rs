//! Persistence: one module per table group, each a small struct around the connection.

pub mod accounts;
pub mod analytics;
pub mod entities;
pub mod export;
pub mod export_rows;
pub mod leases;
pub mod series;
pub mod sessions;
pub mod settings;
pub mod sync_runs;
pub mod users;

use sea_orm::{DbErr, SqlErr};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("already exists")]
    Duplicate,
    /// A user with that (canonical) name exists.
    #[error("the username is taken")]
    UsernameTaken,
    #[error("not found")]
    NotFound,
    #[error("the last admin cannot lose the admin role")]
    LastAdmin,
    /// A signed request of Meta's that was carried out already.
    #[error("this request was carried out already")]
    Replayed,
    #[error("database error: {0}")]
    Db(DbErr),
}

impl From<DbErr> for StoreError {
    fn from(err: DbErr) -> Self {
        match err.sql_err() {
            Some(SqlErr::UniqueConstraintViolation(_)) => StoreError::Duplicate,
            _ => StoreError::Db(err),
        }
    }
}
