//! `insight_breakdowns`: insights Meta gives broken down by a dimension, one row per account,
//! day, metric and breakdown: follower and engaged-audience demographics and the hours
//! followers are online, captured daily because Meta keeps no history of them.

use sea_orm_migration::prelude::*;

use crate::columns::{big, cascade, id};
use crate::iden::{Accounts, InsightBreakdowns as A};

/// Named after this file, as sea-orm-migration derives it.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let table = Table::create()
            .table(A::Table)
            .col(id(A::Id))
            .col(big(A::AccountId))
            .col(ColumnDef::new(A::Date).date().not_null())
            .col(ColumnDef::new(A::Metric).string_len(48).not_null())
            .col(ColumnDef::new(A::Breakdown).string_len(32).not_null())
            .col(ColumnDef::new(A::Shares).text().null())
            .col(ColumnDef::new(A::Unavailable).text().null())
            .col(big(A::CapturedAt))
            .foreign_key(&mut cascade(
                "fk_insight_breakdowns_account",
                (A::Table, A::AccountId),
                (Accounts::Table, Accounts::Id),
            ))
            .to_owned();
        manager.create_table(table).await?;
        // One capture per account, day, metric and breakdown: what a new capture replaces.
        let natural = Index::create()
            .name("ux_insight_breakdowns_key")
            .table(A::Table)
            .col(A::AccountId)
            .col(A::Date)
            .col(A::Metric)
            .col(A::Breakdown)
            .unique()
            .to_owned();
        manager.create_index(natural).await?;
        // The export reads in (captured_at, id) order after its cursor.
        crate::columns::index(
            manager,
            "ix_insight_breakdowns_captured",
            A::Table,
            [A::CapturedAt, A::Id],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(A::Table).to_owned())
            .await
    }
}
