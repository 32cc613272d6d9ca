//! `post_days`: an account's posts and reels summed per UTC day of publication (see
//! `store::post_days`).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "post_days")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub account_id: i64,
    /// Days since 1970-01-01, UTC.
    #[sea_orm(primary_key, auto_increment = false)]
    pub day: i64,
    pub posts: i64,
    pub interactions: i64,
    /// Interactions and reach of the posts whose reach is known.
    pub reached_interactions: i64,
    pub reach: i64,
    /// The most interactions of one post that day.
    pub best: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
