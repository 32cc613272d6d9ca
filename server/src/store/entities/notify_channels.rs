//! `notify_channels`: where alerts go. The addresses and secrets are one sealed JSON value.

use sea_orm::entity::prelude::*;

#[derive(Clone, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "notify_channels")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// `email`, `slack` or `webhook` (`app::dto::ChannelKind`).
    pub kind: String,
    pub label: String,
    /// What the list shows: the recipients, or the URL's scheme and host.
    pub target: String,
    /// Sealed with the master key (context [`CONFIG_CONTEXT`]).
    pub sealed_config: String,
    pub created_at: i64,
}

/// Associated data of the sealed configuration.
pub const CONFIG_CONTEXT: &str = "notify-channel";

impl std::fmt::Debug for Model {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NotifyChannel")
            .field("id", &self.id)
            .field("kind", &self.kind)
            .field("label", &self.label)
            .finish_non_exhaustive()
    }
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
