//! Authentication machinery: password hashing, sign-in throttling, device cookies, the client
//! address behind trusted proxies, the first-run setup token, and the services that implement
//! `app::backend`'s auth and users ports.

pub mod device;
pub mod password;
pub mod proxies;
pub mod rate_limit;
pub mod secret_token;
pub mod service;
pub mod setup_token;
pub mod throttle;
