//! `alert_rules`: a rule's switch and threshold, for rules changed from their defaults.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "alert_rules")]
pub struct Model {
    /// `app::dto::AlertRule::as_str`.
    #[sea_orm(primary_key, auto_increment = false)]
    pub rule: String,
    pub enabled: bool,
    pub threshold: Option<f64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
