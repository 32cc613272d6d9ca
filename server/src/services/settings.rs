//! Settings and the public deletion-status lookup ([`SettingsPort`]).

use app::backend::SettingsPort;
use app::dto::{DeletionStatus, SettingField, SettingsView};
use app::error::AppError;
use app::rules;
use async_trait::async_trait;

use super::utc;
use crate::store::entities::settings;
use crate::store::settings::{SettingChange, SettingsStore};

#[derive(Clone)]
pub struct SettingsService {
    pub settings: SettingsStore,
}

fn view(row: settings::Model) -> SettingsView {
    SettingsView {
        poll_interval_minutes: row.poll_interval_secs / 60,
        lookback_days: row.lookback_days,
        keep_old_media: row.keep_old_media,
        privacy_contact: row.privacy_contact,
    }
}

#[async_trait]
impl SettingsPort for SettingsService {
    async fn get(&self) -> Result<SettingsView, AppError> {
        self.settings.get().await.map(view).map_err(AppError::from)
    }

    async fn update(&self, field: SettingField, value: &str) -> Result<SettingsView, AppError> {
        let change = match field {
            SettingField::PollIntervalMinutes => {
                SettingChange::PollIntervalSecs(rules::poll_minutes(value)? * 60)
            }
            SettingField::LookbackDays => SettingChange::LookbackDays(rules::lookback_days(value)?),
            SettingField::OldMedia => SettingChange::KeepOldMedia(rules::keep_old_media(value)?),
            SettingField::PrivacyContact => {
                SettingChange::PrivacyContact(rules::privacy_contact(value)?)
            }
        };
        tracing::info!(?field, "setting changed");
        self.settings
            .set(change)
            .await
            .map(view)
            .map_err(AppError::from)
    }

    async fn deletion_status(&self, code: &str) -> Result<Option<DeletionStatus>, AppError> {
        Ok(self
            .settings
            .deletion(rules::deletion_code(code)?)
            .await?
            .map(|d| DeletionStatus {
                code: d.code,
                received: utc(d.received_at),
                accounts_deleted: d.accounts_deleted,
            }))
    }
}
