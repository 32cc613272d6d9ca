//! Server functions by domain. Each one is a public HTTP endpoint (`/api/<name>`): it checks
//! the session and role first, validates its input, calls a backend port and returns a DTO.

pub mod accounts;
pub mod analytics;
pub mod export;
pub mod notifications;
pub mod session;
pub mod settings;
pub mod shares;
pub mod sync_log;
pub mod tokens;
pub mod users;
pub mod workspaces;
