//! `accounts.data_access_expires_at`: when Meta stops giving data to a Facebook Login token
//! (`debug_token`'s `data_access_expires_at`), shown beside the token's own expiry so an
//! admin can reconnect before data stops.

use sea_orm_migration::prelude::*;

use crate::columns::big_null;
use crate::iden::Accounts;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261206_000011_add_data_access_expiry"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Accounts::Table)
                    .add_column(big_null(Accounts::DataAccessExpiresAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Accounts::Table)
                    .drop_column(Accounts::DataAccessExpiresAt)
                    .to_owned(),
            )
            .await
    }
}
