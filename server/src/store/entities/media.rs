//! `media`: posts, reels and stories of an account (metadata; metrics live in snapshots).

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
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
