//! `insight_breakdowns`: one account's values of one metric by one breakdown on one day
//! (demographics, followers online by hour; unique together), as JSON, or why Meta gave none.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "insight_breakdowns")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub account_id: i64,
    pub date: TimeDate,
    /// `follower_demographics`, `engaged_audience_demographics` or `online_followers`.
    pub metric: String,
    /// `age,gender`, `country`, `city`, or `hour` for online followers.
    pub breakdown: String,
    /// `[[["18-24","F"],10], …]`; `None` when not available.
    pub shares: Option<String>,
    pub unavailable: Option<String>,
    pub captured_at: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
