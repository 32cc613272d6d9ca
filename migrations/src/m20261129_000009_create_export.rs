//! The BigQuery export: its destination and sealed key (`export_config`, one row), a keyset
//! cursor per exported table (`export_state`), and the queue of account deletions still to
//! be applied in BigQuery (`export_deletions`). The indexes let each batch start at its
//! cursor instead of scanning the history.

use sea_orm_migration::prelude::*;

use crate::columns::{big, big_null, index};
use crate::iden::{ExportConfig, ExportDeletions, ExportState, Media, MediaSnapshots};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261129_000009_create_export"
    }
}

const SNAPSHOTS_CURSOR: &str = "idx_media_snapshots_captured_id";
const MEDIA_CURSOR: &str = "idx_media_captured_id";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ExportConfig::Table)
                    .col(
                        ColumnDef::new(ExportConfig::Id)
                            .integer()
                            .not_null()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(ExportConfig::Enabled)
                            .boolean()
                            .not_null()
                            .default(false),
                    )
                    .col(ColumnDef::new(ExportConfig::Project).string_len(64).null())
                    .col(
                        ColumnDef::new(ExportConfig::Dataset)
                            .string_len(1024)
                            .null(),
                    )
                    .col(ColumnDef::new(ExportConfig::Location).string_len(64).null())
                    .col(ColumnDef::new(ExportConfig::SealedKey).text().null())
                    .col(ColumnDef::new(ExportConfig::KeyEmail).text().null())
                    .col(big_null(ExportConfig::LastSuccessAt))
                    .col(ColumnDef::new(ExportConfig::LastError).text().null())
                    .col(big_null(ExportConfig::LastErrorAt))
                    .to_owned(),
            )
            .await?;
        manager
            .exec_stmt(
                Query::insert()
                    .into_table(ExportConfig::Table)
                    .columns([ExportConfig::Id, ExportConfig::Enabled])
                    .values_panic([1.into(), false.into()])
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ExportState::Table)
                    .col(
                        ColumnDef::new(ExportState::TableName)
                            .string_len(64)
                            .not_null()
                            .primary_key(),
                    )
                    .col(big(ExportState::CursorAt))
                    .col(big(ExportState::CursorId))
                    .col(ColumnDef::new(ExportState::CursorDate).date().null())
                    .col(big(ExportState::RowsExported))
                    .col(big_null(ExportState::LastSuccessAt))
                    .col(
                        ColumnDef::new(ExportState::Backfilling)
                            .boolean()
                            .not_null()
                            .default(false),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ExportDeletions::Table)
                    .col(
                        ColumnDef::new(ExportDeletions::AccountId)
                            .big_integer()
                            .not_null()
                            .primary_key(),
                    )
                    .col(big(ExportDeletions::RequestedAt))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            SNAPSHOTS_CURSOR,
            MediaSnapshots::Table,
            [MediaSnapshots::CapturedAt, MediaSnapshots::Id],
        )
        .await?;
        index(
            manager,
            MEDIA_CURSOR,
            Media::Table,
            [Media::LatestCapturedAt, Media::Id],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name(MEDIA_CURSOR)
                    .table(Media::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_index(
                Index::drop()
                    .name(SNAPSHOTS_CURSOR)
                    .table(MediaSnapshots::Table)
                    .to_owned(),
            )
            .await?;
        for table in [
            ExportDeletions::Table.into_iden(),
            ExportState::Table.into_iden(),
            ExportConfig::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
