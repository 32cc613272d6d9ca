//! `settings`: one row (id 1) of instance settings.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "settings")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: i32,
    pub poll_interval_secs: i64,
    pub lookback_days: i32,
    /// Keep media published before the lookback window instead of pruning them.
    pub keep_old_media: bool,
    pub privacy_contact: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
