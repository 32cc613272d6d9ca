//! What each sync collects: media with their hashtags, one snapshot per media per poll (the
//! time series), account insights per day, and the log of sync runs.
//!
//! Everything hangs off `accounts` with ON DELETE CASCADE, so deleting an account removes all
//! of it in one statement; disabling keeps it. Legacy metric columns (`impressions`,
//! `video_views`, `plays`) stay so older snapshots keep their values after Meta's 2025
//! deprecations; new polls fill `views` instead.

use sea_orm_migration::prelude::*;

use crate::columns::{big, big_null, cascade, id, index};
use crate::iden::{AccountInsights, Accounts, Media, MediaHashtags, MediaSnapshots, SyncRuns};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261124_000004_create_time_series"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Media::Table)
                    .col(id(Media::Id))
                    .col(big(Media::AccountId))
                    .col(ColumnDef::new(Media::IgMediaId).string_len(64).not_null())
                    .col(ColumnDef::new(Media::Caption).text().null())
                    .col(ColumnDef::new(Media::MediaType).string_len(32).null())
                    .col(ColumnDef::new(Media::ProductType).string_len(16).not_null())
                    .col(ColumnDef::new(Media::Permalink).text().null())
                    .col(ColumnDef::new(Media::ThumbnailUrl).text().null())
                    .col(big(Media::PublishedAt))
                    .foreign_key(&mut cascade(
                        "fk_media_account",
                        (Media::Table, Media::AccountId),
                        (Accounts::Table, Accounts::Id),
                    ))
                    .index(
                        Index::create()
                            .name("uq_media_account_ig_id")
                            .unique()
                            .col(Media::AccountId)
                            .col(Media::IgMediaId),
                    )
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_media_account_published",
            Media::Table,
            [Media::AccountId, Media::PublishedAt],
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(MediaHashtags::Table)
                    .col(big(MediaHashtags::MediaId))
                    .col(
                        ColumnDef::new(MediaHashtags::Tag)
                            .string_len(128)
                            .not_null(),
                    )
                    .primary_key(
                        Index::create()
                            .col(MediaHashtags::MediaId)
                            .col(MediaHashtags::Tag),
                    )
                    .foreign_key(&mut cascade(
                        "fk_media_hashtags_media",
                        (MediaHashtags::Table, MediaHashtags::MediaId),
                        (Media::Table, Media::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_media_hashtags_tag",
            MediaHashtags::Table,
            [MediaHashtags::Tag],
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(MediaSnapshots::Table)
                    .col(id(MediaSnapshots::Id))
                    .col(big(MediaSnapshots::MediaId))
                    .col(big(MediaSnapshots::CapturedAt))
                    .col(big_null(MediaSnapshots::Likes))
                    .col(big_null(MediaSnapshots::Comments))
                    .col(big_null(MediaSnapshots::Saves))
                    .col(big_null(MediaSnapshots::Shares))
                    .col(big_null(MediaSnapshots::Reach))
                    .col(big_null(MediaSnapshots::Views))
                    .col(big_null(MediaSnapshots::Impressions))
                    .col(big_null(MediaSnapshots::VideoViews))
                    .col(big_null(MediaSnapshots::Plays))
                    .col(big_null(MediaSnapshots::TotalInteractions))
                    .foreign_key(&mut cascade(
                        "fk_media_snapshots_media",
                        (MediaSnapshots::Table, MediaSnapshots::MediaId),
                        (Media::Table, Media::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_media_snapshots_media_captured",
            MediaSnapshots::Table,
            [MediaSnapshots::MediaId, MediaSnapshots::CapturedAt],
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(AccountInsights::Table)
                    .col(big(AccountInsights::AccountId))
                    .col(ColumnDef::new(AccountInsights::Date).date().not_null())
                    .col(big_null(AccountInsights::Followers))
                    .col(big_null(AccountInsights::FollowerDelta))
                    .col(big_null(AccountInsights::Reach))
                    .col(big_null(AccountInsights::Views))
                    .col(big_null(AccountInsights::ProfileViews))
                    .col(big_null(AccountInsights::AccountsEngaged))
                    .col(big_null(AccountInsights::TotalInteractions))
                    .col(big(AccountInsights::UpdatedAt))
                    .primary_key(
                        Index::create()
                            .col(AccountInsights::AccountId)
                            .col(AccountInsights::Date),
                    )
                    .foreign_key(&mut cascade(
                        "fk_account_insights_account",
                        (AccountInsights::Table, AccountInsights::AccountId),
                        (Accounts::Table, Accounts::Id),
                    ))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(SyncRuns::Table)
                    .col(id(SyncRuns::Id))
                    .col(big(SyncRuns::AccountId))
                    .col(ColumnDef::new(SyncRuns::Trigger).string_len(16).not_null())
                    .col(big(SyncRuns::StartedAt))
                    .col(big_null(SyncRuns::FinishedAt))
                    .col(ColumnDef::new(SyncRuns::Outcome).string_len(24).not_null())
                    .col(ColumnDef::new(SyncRuns::Requests).integer().not_null())
                    .col(ColumnDef::new(SyncRuns::RowsWritten).integer().not_null())
                    .col(ColumnDef::new(SyncRuns::Error).text().null())
                    .col(ColumnDef::new(SyncRuns::Instance).string_len(64).not_null())
                    .foreign_key(&mut cascade(
                        "fk_sync_runs_account",
                        (SyncRuns::Table, SyncRuns::AccountId),
                        (Accounts::Table, Accounts::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_sync_runs_account_started",
            SyncRuns::Table,
            [SyncRuns::AccountId, SyncRuns::StartedAt],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            SyncRuns::Table.into_iden(),
            AccountInsights::Table.into_iden(),
            MediaSnapshots::Table.into_iden(),
            MediaHashtags::Table.into_iden(),
            Media::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
