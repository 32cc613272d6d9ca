//! `media`: posts, reels and stories of an account. Metrics live in snapshots; the `latest_*`
//! columns repeat the newest snapshot so a period's posts are listed and ranked from one table.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "media")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub account_id: i64,
    pub ig_media_id: String,
    pub caption: Option<String>,
    pub media_type: Option<String>,
    /// `FEED`, `REELS` or `STORY`.
    pub product_type: String,
    pub permalink: Option<String>,
    pub thumbnail_url: Option<String>,
    pub published_at: i64,
    /// When the newest snapshot was taken; `None` before the first.
    pub latest_captured_at: Option<i64>,
    pub latest_likes: Option<i64>,
    pub latest_comments: Option<i64>,
    pub latest_saves: Option<i64>,
    pub latest_shares: Option<i64>,
    pub latest_reach: Option<i64>,
    pub latest_views: Option<i64>,
    /// The account's followers when that snapshot was taken: engagement by followers.
    pub followers_at_capture: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
