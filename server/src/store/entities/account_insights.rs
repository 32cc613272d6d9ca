//! `account_insights`: one row per account per UTC day, revised by later polls.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "account_insights")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub account_id: i64,
    #[sea_orm(primary_key, auto_increment = false)]
    pub date: TimeDate,
    /// `followers_count` as last seen on that day (only polls that day can know it).
    pub followers: Option<i64>,
    pub follower_delta: Option<i64>,
    pub reach: Option<i64>,
    pub views: Option<i64>,
    pub profile_views: Option<i64>,
    pub accounts_engaged: Option<i64>,
    pub total_interactions: Option<i64>,
    pub updated_at: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
