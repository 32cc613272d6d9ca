//! `report_schedules`: a report mailed every week or month.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "report_schedules")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// `None`: every account.
    pub workspace_id: Option<i64>,
    /// `app::dto::Cadence::as_str`.
    pub cadence: String,
    /// Weekly: 1 (Monday) to 7; monthly: the day of the month, 1 to 28.
    pub day: i32,
    /// 0 to 23, in `time_zone`.
    pub hour: i32,
    /// An IANA zone name.
    pub time_zone: String,
    /// A JSON array of addresses.
    pub recipients: String,
    /// `YYYY-MM-DD`: the first day of the last period queued.
    pub last_period: Option<String>,
    pub created_at: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
