//! `settings.keep_old_media`: keep media older than the lookback window instead of pruning
//! them. Off, as every installation has run until now.

use sea_orm_migration::prelude::*;

use crate::iden::Settings;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261207_000015_add_keep_old_media"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Settings::Table)
                    .add_column(
                        ColumnDef::new(Settings::KeepOldMedia)
                            .boolean()
                            .not_null()
                            .default(false),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Settings::Table)
                    .drop_column(Settings::KeepOldMedia)
                    .to_owned(),
            )
            .await
    }
}
