//! Connected Instagram accounts and the lease rows that let several instances share polling.
//!
//! Times are unix seconds (`big_integer`) so due/expiry checks are plain integer comparisons
//! on SQLite and PostgreSQL alike. `token` holds the sealed string from `crypto.rs`, never the
//! token itself.

use sea_orm_migration::prelude::*;

use crate::iden::{Accounts, SyncLeases};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261124_000003_create_accounts"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Accounts::Table)
                    .col(
                        ColumnDef::new(Accounts::Id)
                            .big_integer()
                            .not_null()
                            .auto_increment()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(Accounts::IgUserId)
                            .string_len(64)
                            .not_null()
                            .unique_key(),
                    )
                    .col(ColumnDef::new(Accounts::AppUserId).string_len(64).null())
                    .col(ColumnDef::new(Accounts::Flavour).string_len(16).not_null())
                    .col(ColumnDef::new(Accounts::Username).string_len(64).not_null())
                    .col(ColumnDef::new(Accounts::Name).text().null())
                    .col(ColumnDef::new(Accounts::ProfilePictureUrl).text().null())
                    .col(
                        ColumnDef::new(Accounts::FollowersCount)
                            .big_integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Accounts::FollowsCount)
                            .big_integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Accounts::MediaCount)
                            .big_integer()
                            .not_null(),
                    )
                    .col(ColumnDef::new(Accounts::Enabled).boolean().not_null())
                    .col(ColumnDef::new(Accounts::Status).string_len(24).not_null())
                    .col(ColumnDef::new(Accounts::StatusDetail).text().null())
                    .col(ColumnDef::new(Accounts::RetryAfter).big_integer().null())
                    .col(ColumnDef::new(Accounts::Token).text().not_null())
                    .col(
                        ColumnDef::new(Accounts::TokenIssuedAt)
                            .big_integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Accounts::TokenExpiresAt)
                            .big_integer()
                            .null(),
                    )
                    .col(
                        ColumnDef::new(Accounts::NextSyncAt)
                            .big_integer()
                            .not_null(),
                    )
                    .col(ColumnDef::new(Accounts::SyncRequested).boolean().not_null())
                    .col(ColumnDef::new(Accounts::LastSyncAt).big_integer().null())
                    .col(ColumnDef::new(Accounts::CreatedAt).big_integer().not_null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(SyncLeases::Table)
                    .col(
                        ColumnDef::new(SyncLeases::AccountId)
                            .big_integer()
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(SyncLeases::Owner).string_len(64).not_null())
                    .col(
                        ColumnDef::new(SyncLeases::ExpiresAt)
                            .big_integer()
                            .not_null(),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_sync_leases_account")
                            .from(SyncLeases::Table, SyncLeases::AccountId)
                            .to(Accounts::Table, Accounts::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(SyncLeases::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(Accounts::Table).to_owned())
            .await
    }
}
