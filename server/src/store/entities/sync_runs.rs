//! `sync_runs`: the poller's job log.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "sync_runs")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub account_id: i64,
    /// `schedule` or `manual`.
    pub trigger: String,
    pub started_at: i64,
    pub finished_at: Option<i64>,
    pub outcome: DbOutcome,
    pub requests: i32,
    pub rows_written: i32,
    pub error: Option<String>,
    /// Which server instance ran it.
    pub instance: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

#[derive(Clone, Copy, Debug, PartialEq, Eq, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(24))")]
pub enum DbOutcome {
    #[sea_orm(string_value = "running")]
    Running,
    #[sea_orm(string_value = "ok")]
    Ok,
    #[sea_orm(string_value = "partial")]
    Partial,
    #[sea_orm(string_value = "failed")]
    Failed,
    #[sea_orm(string_value = "needs_reauth")]
    NeedsReauth,
    #[sea_orm(string_value = "permission_missing")]
    PermissionMissing,
    #[sea_orm(string_value = "rate_limited")]
    RateLimited,
    #[sea_orm(string_value = "cancelled")]
    Cancelled,
    #[sea_orm(string_value = "interrupted")]
    Interrupted,
}

impl From<DbOutcome> for app::dto::SyncOutcome {
    fn from(o: DbOutcome) -> Self {
        use app::dto::SyncOutcome as O;
        match o {
            DbOutcome::Running => O::Running,
            DbOutcome::Ok => O::Ok,
            DbOutcome::Partial => O::Partial,
            DbOutcome::Failed => O::Failed,
            DbOutcome::NeedsReauth => O::NeedsReauth,
            DbOutcome::PermissionMissing => O::PermissionMissing,
            DbOutcome::RateLimited => O::RateLimited,
            DbOutcome::Cancelled => O::Cancelled,
            DbOutcome::Interrupted => O::Interrupted,
        }
    }
}

impl From<app::dto::SyncOutcome> for DbOutcome {
    fn from(o: app::dto::SyncOutcome) -> Self {
        use app::dto::SyncOutcome as O;
        match o {
            O::Running => DbOutcome::Running,
            O::Ok => DbOutcome::Ok,
            O::Partial => DbOutcome::Partial,
            O::Failed => DbOutcome::Failed,
            O::NeedsReauth => DbOutcome::NeedsReauth,
            O::PermissionMissing => DbOutcome::PermissionMissing,
            O::RateLimited => DbOutcome::RateLimited,
            O::Cancelled => DbOutcome::Cancelled,
            O::Interrupted => DbOutcome::Interrupted,
        }
    }
}
