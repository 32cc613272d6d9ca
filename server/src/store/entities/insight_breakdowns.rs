//! `insight_breakdowns`: one account's values of one metric by one breakdown on one day
//! (demographics, followers online by hour, daily metrics by dimension; unique together), as
//! JSON, or why Meta gave none.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "insight_breakdowns")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub account_id: i64,
    pub date: TimeDate,
    /// `follower_demographics`, `engaged_audience_demographics`, `online_followers`, or a
    /// daily metric (`reach`, `views`, `follows_and_unfollows`, `profile_links_taps`).
    pub metric: String,
    /// `age,gender`, `country`, `city`; `hour` for online followers; for the daily metrics
    /// `media_product_type`, `follow_type`, `follower_type` or `contact_button_type`.
    pub breakdown: String,
    /// `[[["18-24","F"],10], …]`; `None` when not available.
    pub shares: Option<String>,
    pub unavailable: Option<String>,
    pub captured_at: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
