//! Share links: read-only links to one workspace's (or one account's) dashboard pages, opened
//! without signing in. Only a digest of the link's secret is stored.
//!
//! A link goes with its workspace, its account and the user who made it: a link outlives
//! none of what it was made from.

use sea_orm_migration::prelude::*;

use crate::columns::{big, big_null, cascade, id, index};
use crate::iden::{Accounts, ShareLinks, Users, Workspaces};

/// Named after this file, as sea-orm-migration derives it.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ShareLinks::Table)
                    .col(id(ShareLinks::Id))
                    .col(ColumnDef::new(ShareLinks::Label).string_len(80).not_null())
                    .col(big(ShareLinks::WorkspaceId))
                    .col(big_null(ShareLinks::AccountId))
                    .col(ColumnDef::new(ShareLinks::Page).string_len(40).not_null())
                    .col(ColumnDef::new(ShareLinks::Query).string_len(400).not_null())
                    .col(
                        ColumnDef::new(ShareLinks::SecretHash)
                            .string_len(64)
                            .not_null(),
                    )
                    .col(big(ShareLinks::CreatedBy))
                    .col(big(ShareLinks::CreatedAt))
                    .col(big_null(ShareLinks::ExpiresAt))
                    .col(big_null(ShareLinks::LastUsedAt))
                    .foreign_key(&mut cascade(
                        "fk_share_links_workspace",
                        (ShareLinks::Table, ShareLinks::WorkspaceId),
                        (Workspaces::Table, Workspaces::Id),
                    ))
                    .foreign_key(&mut cascade(
                        "fk_share_links_account",
                        (ShareLinks::Table, ShareLinks::AccountId),
                        (Accounts::Table, Accounts::Id),
                    ))
                    .foreign_key(&mut cascade(
                        "fk_share_links_creator",
                        (ShareLinks::Table, ShareLinks::CreatedBy),
                        (Users::Table, Users::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_share_links_workspace",
            ShareLinks::Table,
            [ShareLinks::WorkspaceId],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(ShareLinks::Table).to_owned())
            .await
    }
}
