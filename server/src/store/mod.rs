//! Persistence: one module per table group, each a small struct around the connection.
//!
//! Store methods trace their errors at DEBUG only: the caller knows whether an error is one
//! (`NotFound` is a 404, not a fault) and logs it (services log database failures at ERROR).

pub mod accounts;
pub mod alerts;
pub mod analytics;
pub mod api_tokens;
pub mod breakdowns;
pub mod deliveries;
pub mod entities;
pub mod export;
pub mod export_rows;
pub mod leases;
pub mod notify;
pub mod post_days;
pub mod reports;
pub mod sealed;
pub mod series;
pub mod sessions;
pub mod settings;
pub mod share_links;
pub mod signals;
pub mod sync_runs;
pub mod users;
pub mod workspaces;

use sea_orm::{
    ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbBackend, DbErr, SqlErr,
    TransactionTrait,
};

/// How often a share link's or API token's last use is written, at most: a page load or a
/// script makes many requests.
const TOUCH_EVERY_SECS: i64 = 60;

/// Records a use of row `id` of `entity` (a share link, an API token) at `now`, in its
/// `last_used_at`, unless one was recorded in the last minute.
pub(crate) async fn touch_last_used<E: sea_orm::EntityTrait>(
    db: &DatabaseConnection,
    entity: E,
    id: i64,
    now: i64,
) -> Result<(), StoreError> {
    use sea_orm::sea_query::{Alias, Expr, Query};
    let last = Alias::new("last_used_at");
    let stmt = Query::update()
        .table(entity)
        .value(last.clone(), now)
        .and_where(Expr::col(Alias::new("id")).eq(id))
        .and_where(
            Expr::col(last.clone())
                .is_null()
                .or(Expr::col(last).lte(now - TOUCH_EVERY_SECS)),
        )
        .to_owned();
    db.execute(db.get_database_backend().build(&stmt)).await?;
    Ok(())
}

/// Every store transaction starts here. On SQLite a deferred transaction that has read fails
/// at once with SQLITE_BUSY (the busy timeout is not honoured) when it then needs the write
/// lock while another connection writes, as a session save or a sync does at any moment.
/// Taking the write lock first makes it wait its turn instead. PostgreSQL: a plain `BEGIN`.
pub(crate) async fn begin_write(db: &DatabaseConnection) -> Result<DatabaseTransaction, DbErr> {
    let txn = db.begin().await?;
    if db.get_database_backend() == DbBackend::Sqlite {
        // Any write statement takes the lock, even one that changes no row.
        txn.execute_unprepared("UPDATE users SET id = id WHERE 0")
            .await?;
    }
    Ok(txn)
}

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
    /// A workspace that still holds accounts, or the last one, cannot be deleted.
    #[error("the workspace is in use")]
    WorkspaceInUse,
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
