//! `meta_callbacks`: the signed requests of Meta's callbacks already carried out, by digest,
//! so a captured request cannot be replayed (say, a deletion request sent again after the
//! user reconnected). Rows older than the freshness window are purged as new ones arrive.

use sea_orm_migration::prelude::*;

use crate::columns::{big, text_key};
use crate::iden::MetaCallbacks;

/// Named after this file, as sea-orm-migration derives it.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let table = Table::create()
            .table(MetaCallbacks::Table)
            .col(text_key(MetaCallbacks::Digest, 64))
            .col(big(MetaCallbacks::ReceivedAt))
            .to_owned();
        manager.create_table(table).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(MetaCallbacks::Table).to_owned())
            .await
    }
}
