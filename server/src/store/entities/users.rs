//! `users`: dashboard users.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "users")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(unique)]
    pub username: String,
    pub role: DbRole,
    pub password_hash: PasswordHash,
    pub created_at: TimeDateTimeWithTimeZone,
    pub updated_at: TimeDateTimeWithTimeZone,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

#[derive(Clone, Copy, Debug, PartialEq, Eq, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum DbRole {
    #[sea_orm(string_value = "admin")]
    Admin,
    #[sea_orm(string_value = "viewer")]
    Viewer,
}

impl From<app::dto::Role> for DbRole {
    fn from(role: app::dto::Role) -> Self {
        match role {
            app::dto::Role::Admin => DbRole::Admin,
            app::dto::Role::Viewer => DbRole::Viewer,
        }
    }
}

impl From<DbRole> for app::dto::Role {
    fn from(role: DbRole) -> Self {
        match role {
            DbRole::Admin => app::dto::Role::Admin,
            DbRole::Viewer => app::dto::Role::Viewer,
        }
    }
}

/// An argon2id PHC string. Its `Debug` hides the value so it never reaches a log by accident.
#[derive(Clone, PartialEq, Eq, DeriveValueType)]
pub struct PasswordHash(pub String);

impl std::fmt::Debug for PasswordHash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PasswordHash(..)")
    }
}
