//! The database schema, one append-only migration per change.
//!
//! Migrations name tables and columns through the local `Iden` enums in `iden.rs`, never through
//! the server's entities, so an old migration keeps meaning what it meant when it was written.

pub use sea_orm_migration::prelude::*;

mod columns;
mod iden;
mod m20261123_000001_create_users;
mod m20261123_000002_create_sessions;
mod m20261124_000003_create_accounts;
mod m20261124_000004_create_time_series;
mod m20261124_000005_create_settings;
mod m20261128_000006_add_media_latest;
mod m20261128_000007_add_media_account_captured;
mod m20261129_000009_create_export;
mod m20261130_000010_add_session_user;
mod m20261206_000011_add_data_access_expiry;
mod m20261206_000012_create_meta_callbacks;
mod m20261207_000013_create_insight_breakdowns;
mod m20261207_000014_add_media_depth;
mod m20261207_000015_add_keep_old_media;
mod m20261208_000016_create_workspaces;
mod m20261209_000017_create_share_links;
mod m20261209_000018_create_api_tokens;
mod m20261210_000019_create_notifications;
mod m20261211_000020_create_report_schedules;
mod m20261212_000021_create_post_days;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261123_000001_create_users::Migration),
            Box::new(m20261123_000002_create_sessions::Migration),
            Box::new(m20261124_000003_create_accounts::Migration),
            Box::new(m20261124_000004_create_time_series::Migration),
            Box::new(m20261124_000005_create_settings::Migration),
            Box::new(m20261128_000006_add_media_latest::Migration),
            Box::new(m20261128_000007_add_media_account_captured::Migration),
            Box::new(m20261129_000009_create_export::Migration),
            Box::new(m20261130_000010_add_session_user::Migration),
            Box::new(m20261206_000011_add_data_access_expiry::Migration),
            Box::new(m20261206_000012_create_meta_callbacks::Migration),
            Box::new(m20261207_000013_create_insight_breakdowns::Migration),
            Box::new(m20261207_000014_add_media_depth::Migration),
            Box::new(m20261207_000015_add_keep_old_media::Migration),
            Box::new(m20261208_000016_create_workspaces::Migration),
            Box::new(m20261209_000017_create_share_links::Migration),
            Box::new(m20261209_000018_create_api_tokens::Migration),
            Box::new(m20261210_000019_create_notifications::Migration),
            Box::new(m20261211_000020_create_report_schedules::Migration),
            Box::new(m20261212_000021_create_post_days::Migration),
        ]
    }
}
