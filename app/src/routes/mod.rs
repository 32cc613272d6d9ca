//! One page per file, named after its URL.

pub mod accounts;
pub mod api_tokens;
pub mod audience;
pub mod best_time;
pub mod hashtags;
pub mod lazy;
pub mod login;
pub mod not_found;
pub mod notification_log;
pub mod notifications;
pub mod overview;
pub mod post;
pub mod posts;
pub mod privacy;
pub mod privacy_deletion;
pub mod settings;
pub mod settings_export;
pub mod setup;
pub mod share_links;
pub mod stories;
pub mod sync_log;
pub mod users;
pub mod workspaces;
