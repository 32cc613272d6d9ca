//! Personal read-only API tokens: each belongs to a user and names the workspaces it may read.
//! Only a digest of the token's secret is stored. A token goes with its user; a workspace
//! deleted leaves the tokens that named it, without it.

use sea_orm_migration::prelude::*;

use crate::columns::{big, big_null, cascade, id, index};
use crate::iden::{ApiTokenWorkspaces, ApiTokens, Users, Workspaces};

/// Named after this file, as sea-orm-migration derives it.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ApiTokens::Table)
                    .col(id(ApiTokens::Id))
                    .col(big(ApiTokens::UserId))
                    .col(ColumnDef::new(ApiTokens::Name).string_len(80).not_null())
                    .col(
                        ColumnDef::new(ApiTokens::SecretHash)
                            .string_len(64)
                            .not_null(),
                    )
                    .col(big(ApiTokens::CreatedAt))
                    .col(big_null(ApiTokens::ExpiresAt))
                    .col(big_null(ApiTokens::LastUsedAt))
                    .foreign_key(&mut cascade(
                        "fk_api_tokens_user",
                        (ApiTokens::Table, ApiTokens::UserId),
                        (Users::Table, Users::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_api_tokens_user",
            ApiTokens::Table,
            [ApiTokens::UserId],
        )
        .await?;
        manager
            .create_table(
                Table::create()
                    .table(ApiTokenWorkspaces::Table)
                    .col(big(ApiTokenWorkspaces::TokenId))
                    .col(big(ApiTokenWorkspaces::WorkspaceId))
                    .primary_key(
                        Index::create()
                            .col(ApiTokenWorkspaces::TokenId)
                            .col(ApiTokenWorkspaces::WorkspaceId),
                    )
                    .foreign_key(&mut cascade(
                        "fk_api_token_workspaces_token",
                        (ApiTokenWorkspaces::Table, ApiTokenWorkspaces::TokenId),
                        (ApiTokens::Table, ApiTokens::Id),
                    ))
                    .foreign_key(&mut cascade(
                        "fk_api_token_workspaces_workspace",
                        (ApiTokenWorkspaces::Table, ApiTokenWorkspaces::WorkspaceId),
                        (Workspaces::Table, Workspaces::Id),
                    ))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(ApiTokenWorkspaces::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(ApiTokens::Table).to_owned())
            .await
    }
}
