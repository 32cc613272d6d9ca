//! Instance settings (one row, id 1, seeded with the defaults) and the record of Meta's
//! data-deletion requests, which users look up by confirmation code.

use sea_orm_migration::prelude::*;

use crate::columns::big;
use crate::iden::{DeletionRequests, Settings};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261124_000005_create_settings"
    }
}

/// Poll hourly; keep a year of posts.
const DEFAULT_POLL_SECS: i64 = 3600;
const DEFAULT_LOOKBACK_DAYS: i32 = 365;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Settings::Table)
                    .col(
                        ColumnDef::new(Settings::Id)
                            .integer()
                            .not_null()
                            .primary_key(),
                    )
                    .col(big(Settings::PollIntervalSecs))
                    .col(ColumnDef::new(Settings::LookbackDays).integer().not_null())
                    .col(ColumnDef::new(Settings::PrivacyContact).text().not_null())
                    .to_owned(),
            )
            .await?;
        manager
            .exec_stmt(
                Query::insert()
                    .into_table(Settings::Table)
                    .columns([
                        Settings::Id,
                        Settings::PollIntervalSecs,
                        Settings::LookbackDays,
                        Settings::PrivacyContact,
                    ])
                    .values_panic([
                        1.into(),
                        DEFAULT_POLL_SECS.into(),
                        DEFAULT_LOOKBACK_DAYS.into(),
                        "".into(),
                    ])
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(DeletionRequests::Table)
                    .col(
                        ColumnDef::new(DeletionRequests::Code)
                            .string_len(32)
                            .not_null()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(DeletionRequests::AppUserId)
                            .string_len(64)
                            .not_null(),
                    )
                    .col(big(DeletionRequests::ReceivedAt))
                    .col(
                        ColumnDef::new(DeletionRequests::AccountsDeleted)
                            .integer()
                            .not_null(),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(DeletionRequests::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(Settings::Table).to_owned())
            .await
    }
}
