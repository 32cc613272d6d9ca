//! Connected Instagram accounts and the lease rows that let several instances share polling.
//!
//! Times are unix seconds (`big_integer`) so due/expiry checks are plain integer comparisons
//! on SQLite and PostgreSQL alike. `token` holds the sealed string from `crypto.rs`, never the
//! token itself.

use sea_orm_migration::prelude::*;

use crate::columns::{big, big_null, cascade, id};
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
                    .col(id(Accounts::Id))
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
                    .col(big(Accounts::FollowersCount))
                    .col(big(Accounts::FollowsCount))
                    .col(big(Accounts::MediaCount))
                    .col(ColumnDef::new(Accounts::Enabled).boolean().not_null())
                    .col(ColumnDef::new(Accounts::Status).string_len(24).not_null())
                    .col(ColumnDef::new(Accounts::StatusDetail).text().null())
                    .col(big_null(Accounts::RetryAfter))
                    .col(ColumnDef::new(Accounts::Token).text().not_null())
                    .col(big(Accounts::TokenIssuedAt))
                    .col(big_null(Accounts::TokenExpiresAt))
                    .col(big(Accounts::NextSyncAt))
                    .col(ColumnDef::new(Accounts::SyncRequested).boolean().not_null())
                    .col(big_null(Accounts::LastSyncAt))
                    .col(big(Accounts::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(SyncLeases::Table)
                    .col(big(SyncLeases::AccountId).primary_key())
                    .col(ColumnDef::new(SyncLeases::Owner).string_len(64).not_null())
                    .col(big(SyncLeases::ExpiresAt))
                    .foreign_key(&mut cascade(
                        "fk_sync_leases_account",
                        (SyncLeases::Table, SyncLeases::AccountId),
                        (Accounts::Table, Accounts::Id),
                    ))
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
