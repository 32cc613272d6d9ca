//! `media_snapshots`: one row per media per poll, the time series. Absent metrics are NULL
//! (Meta did not report them), never 0.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "media_snapshots")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub media_id: i64,
    pub captured_at: i64,
    pub likes: Option<i64>,
    pub comments: Option<i64>,
    pub saves: Option<i64>,
    pub shares: Option<i64>,
    pub reach: Option<i64>,
    pub views: Option<i64>,
    /// Legacy columns, kept for snapshots taken before Meta retired these metrics.
    pub impressions: Option<i64>,
    pub video_views: Option<i64>,
    pub plays: Option<i64>,
    pub total_interactions: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
