//! Alerts and their delivery: the SMTP server, the channels (e-mail, Slack, webhook) with
//! their addresses and secrets sealed, the alert rules' switches and thresholds, the alerts
//! themselves (one row per condition and subject, opened and resolved in turn), and each
//! delivery to each channel. A delivery's `(event, channel_id)` is unique, so several
//! instances on one database send each event to each channel once; deleting a channel keeps
//! its log.

use sea_orm_migration::prelude::*;

use crate::columns::{big, big_null, id, index, text_key};
use crate::iden::{AlertRules, Alerts, ExportConfig, NotifyChannels, NotifyDeliveries, SmtpConfig};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(SmtpConfig::Table)
                    .col(
                        ColumnDef::new(SmtpConfig::Id)
                            .integer()
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(SmtpConfig::Host).string_len(253).not_null())
                    .col(ColumnDef::new(SmtpConfig::Port).integer().not_null())
                    .col(
                        ColumnDef::new(SmtpConfig::Security)
                            .string_len(16)
                            .not_null(),
                    )
                    .col(ColumnDef::new(SmtpConfig::Username).string_len(254).null())
                    .col(ColumnDef::new(SmtpConfig::SealedPassword).text().null())
                    .col(
                        ColumnDef::new(SmtpConfig::FromAddress)
                            .string_len(254)
                            .not_null(),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(NotifyChannels::Table)
                    .col(id(NotifyChannels::Id))
                    .col(
                        ColumnDef::new(NotifyChannels::Kind)
                            .string_len(16)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(NotifyChannels::Label)
                            .string_len(80)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(NotifyChannels::Target)
                            .string_len(600)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(NotifyChannels::SealedConfig)
                            .text()
                            .not_null(),
                    )
                    .col(big(NotifyChannels::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(AlertRules::Table)
                    .col(text_key(AlertRules::Rule, 32))
                    .col(ColumnDef::new(AlertRules::Enabled).boolean().not_null())
                    .col(ColumnDef::new(AlertRules::Threshold).double().null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Alerts::Table)
                    .col(ColumnDef::new(Alerts::Rule).string_len(32).not_null())
                    .col(ColumnDef::new(Alerts::Subject).string_len(64).not_null())
                    .col(ColumnDef::new(Alerts::Open).boolean().not_null())
                    .col(big(Alerts::Episode))
                    .col(big(Alerts::OpenedAt))
                    .col(big_null(Alerts::ResolvedAt))
                    .col(ColumnDef::new(Alerts::Title).string_len(300).not_null())
                    .col(ColumnDef::new(Alerts::Link).string_len(300).not_null())
                    .primary_key(Index::create().col(Alerts::Rule).col(Alerts::Subject))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(NotifyDeliveries::Table)
                    .col(id(NotifyDeliveries::Id))
                    .col(big_null(NotifyDeliveries::ChannelId))
                    .col(
                        ColumnDef::new(NotifyDeliveries::ChannelLabel)
                            .string_len(80)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(NotifyDeliveries::ChannelKind)
                            .string_len(16)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(NotifyDeliveries::Event)
                            .string_len(160)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(NotifyDeliveries::Title)
                            .string_len(300)
                            .not_null(),
                    )
                    .col(ColumnDef::new(NotifyDeliveries::Body).text().not_null())
                    .col(
                        ColumnDef::new(NotifyDeliveries::Status)
                            .string_len(16)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(NotifyDeliveries::Attempts)
                            .integer()
                            .not_null(),
                    )
                    .col(big(NotifyDeliveries::NextAttemptAt))
                    .col(big_null(NotifyDeliveries::ClaimedUntil))
                    .col(ColumnDef::new(NotifyDeliveries::Error).text().null())
                    .col(big(NotifyDeliveries::CreatedAt))
                    .col(big_null(NotifyDeliveries::FinishedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_notify_deliveries_channel")
                            .from(NotifyDeliveries::Table, NotifyDeliveries::ChannelId)
                            .to(NotifyChannels::Table, NotifyChannels::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uq_notify_deliveries_event_channel")
                    .table(NotifyDeliveries::Table)
                    .col(NotifyDeliveries::Event)
                    .col(NotifyDeliveries::ChannelId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_notify_deliveries_due",
            NotifyDeliveries::Table,
            [NotifyDeliveries::Status, NotifyDeliveries::NextAttemptAt],
        )
        .await?;
        index(
            manager,
            "idx_notify_deliveries_created",
            NotifyDeliveries::Table,
            [NotifyDeliveries::CreatedAt],
        )
        .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(ExportConfig::Table)
                    .add_column(big_null(ExportConfig::FailingSince))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(ExportConfig::Table)
                    .drop_column(ExportConfig::FailingSince)
                    .to_owned(),
            )
            .await?;
        for table in [
            NotifyDeliveries::Table.into_iden(),
            Alerts::Table.into_iden(),
            AlertRules::Table.into_iden(),
            NotifyChannels::Table.into_iden(),
            SmtpConfig::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
