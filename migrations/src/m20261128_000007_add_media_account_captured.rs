//! An index on `media (account_id, latest_captured_at)`: the dashboard checks whether an
//! account's cached impact peers are still current from each account's media count and newest
//! capture, which this index answers without reading the rows.

use sea_orm_migration::prelude::*;

use crate::columns::index;
use crate::iden::Media;

pub struct Migration;

const NAME: &str = "idx_media_account_captured";

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261128_000007_add_media_account_captured"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        index(
            manager,
            NAME,
            Media::Table,
            [Media::AccountId, Media::LatestCapturedAt],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(Index::drop().name(NAME).table(Media::Table).to_owned())
            .await
    }
}
