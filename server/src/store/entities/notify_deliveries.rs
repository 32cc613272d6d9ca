//! `notify_deliveries`: one message to one channel, with its attempts: the Notifications log.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "notify_deliveries")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// `None` once the channel was deleted.
    pub channel_id: Option<i64>,
    pub channel_label: String,
    pub channel_kind: String,
    /// What this is a delivery of (`alert:<rule>:<subject>:<episode>:opened`, `test:<n>`):
    /// unique per channel.
    pub event: String,
    pub title: String,
    /// The message as JSON (`notify::Message`).
    pub body: String,
    /// `pending`, `sent` or `failed` (`app::dto::DeliveryStatus`).
    pub status: String,
    pub attempts: i32,
    pub next_attempt_at: i64,
    /// An instance sending it holds it until then.
    pub claimed_until: Option<i64>,
    pub error: Option<String>,
    pub created_at: i64,
    pub finished_at: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
