//! Workspaces: every account belongs to exactly one (`accounts.workspace_id`), and viewers
//! see the accounts of the workspaces they are members of. An installation of the schema
//! before this one gets workspace 1, "Default", holding every account, with every user a
//! member, so nobody sees less than before.
//!
//! `accounts.workspace_id` has no foreign key: SQLite cannot add a column with a reference
//! and a non-NULL default to a table with rows. The store keeps it valid instead: a workspace
//! that holds accounts cannot be deleted (`store::workspaces`).

use sea_orm_migration::prelude::*;

use crate::columns::{big, cascade, id, index};
use crate::iden::{Accounts, Users, WorkspaceMembers, Workspaces};

/// Named after this file, as sea-orm-migration derives it.
#[derive(DeriveMigrationName)]
pub struct Migration;

/// The workspace every account of an earlier installation goes to.
const DEFAULT_WORKSPACE: i64 = 1;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Workspaces::Table)
                    .col(id(Workspaces::Id))
                    .col(
                        ColumnDef::new(Workspaces::Name)
                            .string_len(80)
                            .not_null()
                            .unique_key(),
                    )
                    .col(big(Workspaces::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .exec_stmt(
                Query::insert()
                    .into_table(Workspaces::Table)
                    .columns([Workspaces::Id, Workspaces::Name, Workspaces::CreatedAt])
                    .values_panic([DEFAULT_WORKSPACE.into(), "Default".into(), 0i64.into()])
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Accounts::Table)
                    .add_column(
                        ColumnDef::new(Accounts::WorkspaceId)
                            .big_integer()
                            .not_null()
                            .default(DEFAULT_WORKSPACE),
                    )
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_accounts_workspace",
            Accounts::Table,
            [Accounts::WorkspaceId],
        )
        .await?;
        manager
            .create_table(
                Table::create()
                    .table(WorkspaceMembers::Table)
                    .col(big(WorkspaceMembers::WorkspaceId))
                    .col(big(WorkspaceMembers::UserId))
                    .primary_key(
                        Index::create()
                            .col(WorkspaceMembers::WorkspaceId)
                            .col(WorkspaceMembers::UserId),
                    )
                    .foreign_key(&mut cascade(
                        "fk_workspace_members_workspace",
                        (WorkspaceMembers::Table, WorkspaceMembers::WorkspaceId),
                        (Workspaces::Table, Workspaces::Id),
                    ))
                    .foreign_key(&mut cascade(
                        "fk_workspace_members_user",
                        (WorkspaceMembers::Table, WorkspaceMembers::UserId),
                        (Users::Table, Users::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_workspace_members_user",
            WorkspaceMembers::Table,
            [WorkspaceMembers::UserId],
        )
        .await?;
        // Every user a member of the Default: nobody sees less than before.
        manager
            .get_connection()
            .execute_unprepared(&format!(
                "INSERT INTO workspace_members (workspace_id, user_id) \
                 SELECT {DEFAULT_WORKSPACE}, id FROM users"
            ))
            .await?;
        // PostgreSQL's sequence must move past the id given explicitly above.
        if manager.get_database_backend() == sea_orm_migration::sea_orm::DatabaseBackend::Postgres {
            manager
                .get_connection()
                .execute_unprepared(
                    "SELECT setval(pg_get_serial_sequence('workspaces', 'id'), \
                     (SELECT MAX(id) FROM workspaces))",
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(WorkspaceMembers::Table).to_owned())
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Accounts::Table)
                    .drop_column(Accounts::WorkspaceId)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table(Workspaces::Table).to_owned())
            .await
    }
}
