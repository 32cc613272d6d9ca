//! `export_state`: per exported table, the keyset cursor of the last row BigQuery confirmed.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "export_state")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub table_name: String,
    /// The row's change time (unix seconds): capture, update or finish time.
    pub cursor_at: i64,
    /// The tie-break after the time: the row id, or the account id for daily insights.
    pub cursor_id: i64,
    /// The second tie-break of daily insights (their key is account and date).
    pub cursor_date: Option<TimeDate>,
    pub rows_exported: i64,
    pub last_success_at: Option<i64>,
    pub backfilling: bool,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
