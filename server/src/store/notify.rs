//! Where alerts go and what they watch: the SMTP server (one row), the channels, and the
//! rules' switches and thresholds (only rules changed from their defaults have a row).

use sea_orm::prelude::*;
use sea_orm::sea_query::OnConflict;
use sea_orm::{ActiveValue::Set, DatabaseConnection, QueryOrder};
use tracing::instrument;

use super::entities::{alert_rules, notify_channels, smtp_config};
use super::StoreError;

const SMTP_ROW: i32 = 1;

/// A channel to add; its configuration sealed by the caller.
#[derive(Debug)]
pub struct NewChannel {
    pub kind: String,
    pub label: String,
    pub target: String,
    pub sealed_config: String,
    pub created_at: i64,
}

#[derive(Clone, Debug)]
pub struct NotifyStore {
    db: DatabaseConnection,
}

impl NotifyStore {
    pub fn new(db: DatabaseConnection) -> Self {
        Self { db }
    }

    #[instrument(skip(self), err(level = "debug"))]
    pub async fn smtp(&self) -> Result<Option<smtp_config::Model>, StoreError> {
        Ok(smtp_config::Entity::find_by_id(SMTP_ROW)
            .one(&self.db)
            .await?)
    }

    /// Writes the SMTP server; a `sealed_password` of `None` keeps the stored one.
    #[instrument(skip(self, row), err(level = "debug"))]
    pub async fn set_smtp(&self, row: smtp_config::Model) -> Result<(), StoreError> {
        use smtp_config::Column as C;
        let mut update = vec![C::Host, C::Port, C::Security, C::Username, C::FromAddress];
        if row.sealed_password.is_some() {
            update.push(C::SealedPassword);
        }
        smtp_config::Entity::insert(smtp_config::ActiveModel {
            id: Set(SMTP_ROW),
            ..sea_orm::IntoActiveModel::into_active_model(row)
        })
        .on_conflict(OnConflict::column(C::Id).update_columns(update).to_owned())
        .exec(&self.db)
        .await?;
        Ok(())
    }

    #[instrument(skip(self), err(level = "debug"))]
    pub async fn channels(&self) -> Result<Vec<notify_channels::Model>, StoreError> {
        Ok(notify_channels::Entity::find()
            .order_by_asc(notify_channels::Column::Id)
            .all(&self.db)
            .await?)
    }

    #[instrument(skip(self), err(level = "debug"))]
    pub async fn channel(&self, id: i64) -> Result<notify_channels::Model, StoreError> {
        notify_channels::Entity::find_by_id(id)
            .one(&self.db)
            .await?
            .ok_or(StoreError::NotFound)
    }

    #[instrument(skip(self), err(level = "debug"))]
    pub async fn add_channel(&self, new: NewChannel) -> Result<notify_channels::Model, StoreError> {
        Ok(notify_channels::ActiveModel {
            kind: Set(new.kind),
            label: Set(new.label),
            target: Set(new.target),
            sealed_config: Set(new.sealed_config),
            created_at: Set(new.created_at),
            ..Default::default()
        }
        .insert(&self.db)
        .await?)
    }

    #[instrument(skip(self), err(level = "debug"))]
    pub async fn delete_channel(&self, id: i64) -> Result<(), StoreError> {
        let res = notify_channels::Entity::delete_by_id(id)
            .exec(&self.db)
            .await?;
        if res.rows_affected == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    /// Every value sealed here, with its context: the channels' settings and the SMTP
    /// password (the start checks the master key opens them).
    #[instrument(skip(self), err(level = "debug"))]
    pub async fn sealed(&self) -> Result<Vec<(String, &'static str)>, StoreError> {
        let mut sealed: Vec<(String, &'static str)> = self
            .channels()
            .await?
            .into_iter()
            .map(|c| (c.sealed_config, notify_channels::CONFIG_CONTEXT))
            .collect();
        if let Some(password) = self.smtp().await?.and_then(|s| s.sealed_password) {
            sealed.push((password, smtp_config::PASSWORD_CONTEXT));
        }
        Ok(sealed)
    }

    /// The rules changed from their defaults.
    #[instrument(skip(self), err(level = "debug"))]
    pub async fn rules(&self) -> Result<Vec<alert_rules::Model>, StoreError> {
        Ok(alert_rules::Entity::find().all(&self.db).await?)
    }

    #[instrument(skip(self), err(level = "debug"))]
    pub async fn set_rule(&self, row: alert_rules::Model) -> Result<(), StoreError> {
        use alert_rules::Column as C;
        alert_rules::Entity::insert(sea_orm::IntoActiveModel::into_active_model(row))
            .on_conflict(
                OnConflict::column(C::Rule)
                    .update_columns([C::Enabled, C::Threshold])
                    .to_owned(),
            )
            .exec(&self.db)
            .await?;
        Ok(())
    }
}
