//! `sessions.user_id`: who a session signed in, copied from its data when it is saved, so a
//! password reset can end that user's sessions with one indexed delete.

use sea_orm_migration::prelude::*;

use crate::columns::{big_null, index};
use crate::iden::Sessions;

pub struct Migration;

const INDEX: &str = "idx_sessions_user";

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261130_000010_add_session_user"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Sessions::Table)
                    .add_column(big_null(Sessions::UserId))
                    .to_owned(),
            )
            .await?;
        // A session from before the upgrade gets its user id the next time it is saved
        // (every request saves it).
        index(manager, INDEX, Sessions::Table, [Sessions::UserId]).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(Index::drop().name(INDEX).table(Sessions::Table).to_owned())
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Sessions::Table)
                    .drop_column(Sessions::UserId)
                    .to_owned(),
            )
            .await
    }
}
