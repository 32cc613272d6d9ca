//! The one-row `settings` table, the lookback pruning it drives, and reading Meta deletion
//! records (written with the deletion itself, in `accounts`).

use sea_orm::prelude::*;
use sea_orm::{ActiveValue::Set, DatabaseConnection, QuerySelect};
use tracing::instrument;

use super::entities::{deletion_requests, media, settings};
use super::StoreError;
use crate::clock::DAY;

const ROW: i32 = 1;

#[derive(Clone, Debug)]
pub struct SettingsStore {
    db: DatabaseConnection,
}

/// One settings change, already validated.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SettingChange {
    PollIntervalSecs(i64),
    LookbackDays(i32),
    KeepOldMedia(bool),
    PrivacyContact(String),
}

impl SettingsStore {
    pub fn new(db: DatabaseConnection) -> Self {
        Self { db }
    }

    #[instrument(skip(self), err(level = "debug"))]
    pub async fn get(&self) -> Result<settings::Model, StoreError> {
        settings::Entity::find_by_id(ROW)
            .one(&self.db)
            .await?
            .ok_or(StoreError::NotFound)
    }

    #[instrument(skip(self), err(level = "debug"))]
    pub async fn set(&self, change: SettingChange) -> Result<settings::Model, StoreError> {
        let mut row = settings::ActiveModel {
            id: Set(ROW),
            ..Default::default()
        };
        match change {
            SettingChange::PollIntervalSecs(s) => row.poll_interval_secs = Set(s),
            SettingChange::LookbackDays(d) => row.lookback_days = Set(d),
            SettingChange::KeepOldMedia(k) => row.keep_old_media = Set(k),
            SettingChange::PrivacyContact(c) => row.privacy_contact = Set(c),
        }
        Ok(row.update(&self.db).await?)
    }

    /// Deletes media published before the lookback window (their snapshots cascade), unless
    /// the settings keep them.
    #[instrument(skip(self), err(level = "debug"))]
    pub async fn prune(&self, now: i64) -> Result<u64, StoreError> {
        let settings = self.get().await?;
        if settings.keep_old_media {
            return Ok(0);
        }
        let cutoff = now - i64::from(settings.lookback_days) * DAY;
        // Their `post_days` are rewritten in the same transaction.
        let old = media::Column::PublishedAt.lt(cutoff);
        let txn = super::begin_write(&self.db).await?;
        let accounts: Vec<i64> = media::Entity::find()
            .filter(old.clone())
            .select_only()
            .column(media::Column::AccountId)
            .distinct()
            .into_tuple()
            .all(&txn)
            .await?;
        let pruned = media::Entity::delete_many()
            .filter(old)
            .exec(&txn)
            .await?
            .rows_affected;
        super::post_days::refresh_on(&txn, &accounts).await?;
        txn.commit().await?;
        Ok(pruned)
    }

    #[instrument(skip(self), err(level = "debug"))]
    pub async fn deletion(
        &self,
        code: &str,
    ) -> Result<Option<deletion_requests::Model>, StoreError> {
        Ok(deletion_requests::Entity::find_by_id(code.to_owned())
            .one(&self.db)
            .await?)
    }
}
