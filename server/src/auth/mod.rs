//! Authentication machinery: password hashing, sign-in throttling, the first-run setup token,
//! and the services that implement `app::backend`'s auth and users ports.

pub mod password;
pub mod service;
pub mod setup_token;
pub mod throttle;
