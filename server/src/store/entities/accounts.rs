//! `accounts`: connected Instagram professional accounts. Times are unix seconds.

use app::dto::Flavour;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "accounts")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(unique)]
    pub ig_user_id: String,
    /// The app-scoped user id Meta's callbacks name; known for OAuth-connected accounts.
    pub app_user_id: Option<String>,
    pub flavour: Flavour,
    pub username: String,
    pub name: Option<String>,
    pub profile_picture_url: Option<String>,
    pub followers_count: i64,
    pub follows_count: i64,
    pub media_count: i64,
    pub enabled: bool,
    pub status: DbStatus,
    pub status_detail: Option<String>,
    /// Rate limited: no calls before this time.
    pub retry_after: Option<i64>,
    pub token: SealedToken,
    pub token_issued_at: i64,
    pub token_expires_at: Option<i64>,
    /// Facebook Login: when Meta stops giving data to this token (`debug_token`).
    pub data_access_expires_at: Option<i64>,
    pub next_sync_at: i64,
    pub sync_requested: bool,
    pub last_sync_at: Option<i64>,
    pub created_at: i64,
    pub workspace_id: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

#[derive(Clone, Copy, Debug, PartialEq, Eq, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(24))")]
pub enum DbStatus {
    #[sea_orm(string_value = "pending")]
    Pending,
    #[sea_orm(string_value = "ok")]
    Ok,
    #[sea_orm(string_value = "needs_reauth")]
    NeedsReauth,
    #[sea_orm(string_value = "permission_missing")]
    PermissionMissing,
    #[sea_orm(string_value = "rate_limited")]
    RateLimited,
}

/// The token as `crypto::Cipher::seal` wrote it. `Debug` hides it all the same: it names the key.
#[derive(Clone, PartialEq, Eq, DeriveValueType)]
pub struct SealedToken(pub String);

impl std::fmt::Debug for SealedToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SealedToken(..)")
    }
}

impl From<DbStatus> for app::dto::AccountStatus {
    fn from(s: DbStatus) -> Self {
        use app::dto::AccountStatus as S;
        match s {
            DbStatus::Pending => S::Pending,
            DbStatus::Ok => S::Ok,
            DbStatus::NeedsReauth => S::NeedsReauth,
            DbStatus::PermissionMissing => S::PermissionMissing,
            DbStatus::RateLimited => S::RateLimited,
        }
    }
}
