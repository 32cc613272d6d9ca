//! `share_links`: read-only links to one workspace's (or one account's) dashboard pages. The
//! secret is not stored, only its SHA-256 digest.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "share_links")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub label: String,
    pub workspace_id: i64,
    pub account_id: Option<i64>,
    /// The dashboard page the link opens (`/`, `/posts` …).
    pub page: String,
    /// The page's period and filters, as a query string without the workspace or account.
    pub query: String,
    /// Lowercase hex SHA-256 of the secret.
    pub secret_hash: String,
    pub created_by: i64,
    pub created_at: i64,
    pub expires_at: Option<i64>,
    pub last_used_at: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
