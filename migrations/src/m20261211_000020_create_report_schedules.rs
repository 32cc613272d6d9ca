//! Scheduled reports: for a workspace (or every account), weekly or monthly, to some
//! recipients, on a day at an hour in a time zone. `last_period` is the first day of the last
//! period queued: moving it forward is the conditional write that lets one instance, once,
//! queue a period's report (into `notify_deliveries`, whose rows are the log).

use sea_orm_migration::prelude::*;

use crate::columns::{big, cascade, id};
use crate::iden::{ReportSchedules, Workspaces};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ReportSchedules::Table)
                    .col(id(ReportSchedules::Id))
                    .col(
                        ColumnDef::new(ReportSchedules::WorkspaceId)
                            .big_integer()
                            .null(),
                    )
                    .col(
                        ColumnDef::new(ReportSchedules::Cadence)
                            .string_len(16)
                            .not_null(),
                    )
                    .col(ColumnDef::new(ReportSchedules::Day).integer().not_null())
                    .col(ColumnDef::new(ReportSchedules::Hour).integer().not_null())
                    .col(
                        ColumnDef::new(ReportSchedules::TimeZone)
                            .string_len(64)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(ReportSchedules::Recipients)
                            .text()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(ReportSchedules::LastPeriod)
                            .string_len(10)
                            .null(),
                    )
                    .col(big(ReportSchedules::CreatedAt))
                    .foreign_key(&mut cascade(
                        "fk_report_schedules_workspace",
                        (ReportSchedules::Table, ReportSchedules::WorkspaceId),
                        (Workspaces::Table, Workspaces::Id),
                    ))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(ReportSchedules::Table).to_owned())
            .await
    }
}
