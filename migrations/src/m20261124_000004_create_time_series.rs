//! What each sync collects: media with their hashtags, one snapshot per media per poll (the
//! time series), account insights per day, and the log of sync runs.
//!
//! Everything hangs off `accounts` with ON DELETE CASCADE, so deleting an account removes all
//! of it in one statement; disabling keeps it. Legacy metric columns (`impressions`,
//! `video_views`, `plays`) stay so older snapshots keep their values after Meta's 2025
//! deprecations; new polls fill `views` instead.

use sea_orm_migration::prelude::*;

use crate::iden::{AccountInsights, Accounts, Media, MediaHashtags, MediaSnapshots, SyncRuns};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261124_000004_create_time_series"
    }
}

fn id<T: IntoIden>(col: T) -> ColumnDef {
    ColumnDef::new(col)
        .big_integer()
        .not_null()
        .auto_increment()
        .primary_key()
        .to_owned()
}

fn count<T: IntoIden>(col: T) -> ColumnDef {
    ColumnDef::new(col).big_integer().null().to_owned()
}

fn cascade(
    name: &str,
    from: (impl IntoTableRef, impl IntoIden),
    to: (impl IntoTableRef, impl IntoIden),
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(name)
        .from(from.0, from.1)
        .to(to.0, to.1)
        .on_delete(ForeignKeyAction::Cascade)
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Media::Table)
                    .col(id(Media::Id))
                    .col(ColumnDef::new(Media::AccountId).big_integer().not_null())
                    .col(ColumnDef::new(Media::IgMediaId).string_len(64).not_null())
                    .col(ColumnDef::new(Media::Caption).text().null())
                    .col(ColumnDef::new(Media::MediaType).string_len(32).null())
                    .col(ColumnDef::new(Media::ProductType).string_len(16).not_null())
                    .col(ColumnDef::new(Media::Permalink).text().null())
                    .col(ColumnDef::new(Media::ThumbnailUrl).text().null())
                    .col(ColumnDef::new(Media::PublishedAt).big_integer().not_null())
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
        manager
            .create_index(
                Index::create()
                    .name("idx_media_account_published")
                    .table(Media::Table)
                    .col(Media::AccountId)
                    .col(Media::PublishedAt)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(MediaHashtags::Table)
                    .col(
                        ColumnDef::new(MediaHashtags::MediaId)
                            .big_integer()
                            .not_null(),
                    )
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
        manager
            .create_index(
                Index::create()
                    .name("idx_media_hashtags_tag")
                    .table(MediaHashtags::Table)
                    .col(MediaHashtags::Tag)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(MediaSnapshots::Table)
                    .col(id(MediaSnapshots::Id))
                    .col(
                        ColumnDef::new(MediaSnapshots::MediaId)
                            .big_integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(MediaSnapshots::CapturedAt)
                            .big_integer()
                            .not_null(),
                    )
                    .col(count(MediaSnapshots::Likes))
                    .col(count(MediaSnapshots::Comments))
                    .col(count(MediaSnapshots::Saves))
                    .col(count(MediaSnapshots::Shares))
                    .col(count(MediaSnapshots::Reach))
                    .col(count(MediaSnapshots::Views))
                    .col(count(MediaSnapshots::Impressions))
                    .col(count(MediaSnapshots::VideoViews))
                    .col(count(MediaSnapshots::Plays))
                    .col(count(MediaSnapshots::TotalInteractions))
                    .foreign_key(&mut cascade(
                        "fk_media_snapshots_media",
                        (MediaSnapshots::Table, MediaSnapshots::MediaId),
                        (Media::Table, Media::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_media_snapshots_media_captured")
                    .table(MediaSnapshots::Table)
                    .col(MediaSnapshots::MediaId)
                    .col(MediaSnapshots::CapturedAt)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(AccountInsights::Table)
                    .col(
                        ColumnDef::new(AccountInsights::AccountId)
                            .big_integer()
                            .not_null(),
                    )
                    .col(ColumnDef::new(AccountInsights::Date).date().not_null())
                    .col(count(AccountInsights::Followers))
                    .col(count(AccountInsights::FollowerDelta))
                    .col(count(AccountInsights::Reach))
                    .col(count(AccountInsights::Views))
                    .col(count(AccountInsights::ProfileViews))
                    .col(count(AccountInsights::AccountsEngaged))
                    .col(count(AccountInsights::TotalInteractions))
                    .col(
                        ColumnDef::new(AccountInsights::UpdatedAt)
                            .big_integer()
                            .not_null(),
                    )
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
                    .col(ColumnDef::new(SyncRuns::AccountId).big_integer().not_null())
                    .col(ColumnDef::new(SyncRuns::Trigger).string_len(16).not_null())
                    .col(ColumnDef::new(SyncRuns::StartedAt).big_integer().not_null())
                    .col(ColumnDef::new(SyncRuns::FinishedAt).big_integer().null())
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
        manager
            .create_index(
                Index::create()
                    .name("idx_sync_runs_account_started")
                    .table(SyncRuns::Table)
                    .col(SyncRuns::AccountId)
                    .col(SyncRuns::StartedAt)
                    .to_owned(),
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
