//! The background polling engine: `scheduler` decides what to sync and when, `job` syncs one
//! account, `policy` holds the pure rules both follow, `links` checks the URLs Meta sends.

pub mod job;
pub mod links;
pub mod policy;
pub mod scheduler;

pub use job::{SyncContext, SyncSettings};
pub use scheduler::Poller;
