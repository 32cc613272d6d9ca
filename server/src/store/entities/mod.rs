//! SeaORM entities, written by hand to match the migrations.

pub mod account_insights;
pub mod accounts;
pub mod alert_rules;
pub mod alerts;
pub mod api_token_workspaces;
pub mod api_tokens;
pub mod deletion_requests;
pub mod export_config;
pub mod export_deletions;
pub mod export_state;
pub mod insight_breakdowns;
pub mod media;
pub mod media_hashtags;
pub mod media_snapshots;
pub mod meta_callbacks;
pub mod notify_channels;
pub mod notify_deliveries;
pub mod sessions;
pub mod settings;
pub mod share_links;
pub mod smtp_config;
pub mod sync_leases;
pub mod sync_runs;
pub mod users;
pub mod workspace_members;
pub mod workspaces;
