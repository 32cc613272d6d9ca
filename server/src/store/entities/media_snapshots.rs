//! `media_snapshots`: one row per media per poll, the time series. Absent metrics are NULL
//! (Meta did not report them), never 0.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
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
    /// Feed posts and stories: follows, profile visits and profile actions they led to.
    pub follows: Option<i64>,
    pub profile_visits: Option<i64>,
    pub profile_activity: Option<i64>,
    /// Stories: replies, and navigation by action.
    pub replies: Option<i64>,
    pub taps_forward: Option<i64>,
    pub taps_back: Option<i64>,
    pub exits: Option<i64>,
    pub swipes_forward: Option<i64>,
    /// Reels: average and total watch time in milliseconds, skip rate in percent.
    pub avg_watch_ms: Option<i64>,
    pub total_watch_ms: Option<i64>,
    pub skip_rate: Option<f64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
