//! `alerts`: one row per rule and subject (`account:<id>`, `export`), open while its
//! condition holds. Each opening counts an episode, so an alert that clears and returns is a
//! new event.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "alerts")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub rule: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub subject: String,
    pub open: bool,
    pub episode: i64,
    pub opened_at: i64,
    pub resolved_at: Option<i64>,
    pub title: String,
    pub link: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
