//! Logging through `tracing`. The filter comes from `--log-level` / `INSTALYTICS_LOG`
//! (any `EnvFilter` directive, e.g. `info` or `info,server=debug`).

use std::io::IsTerminal;

use tracing_subscriber::EnvFilter;

pub fn init(filter: &str) {
    // SQL statements carry user input (usernames); they stay at debug level.
    let filter = EnvFilter::try_new(format!("{filter},sqlx=warn,sea_orm=warn"))
        .unwrap_or_else(|_| EnvFilter::new("info"));
    // Colours only for people: log files and collectors get plain text.
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false)
        .with_ansi(std::io::stdout().is_terminal())
        .init();
}
