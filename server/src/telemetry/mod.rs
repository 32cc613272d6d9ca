//! Logging through `tracing`, and the process's metrics ([`metrics`]). The log filter comes
//! from `--log-level` / `INSTALYTICS_LOG` (any `EnvFilter` directive, e.g. `info` or
//! `info,server=debug`); the format from `--log-format`.

pub mod metrics;

use std::io::IsTerminal;

use tracing_subscriber::EnvFilter;

/// How log lines are written.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    /// One readable line per event (coloured on a terminal).
    #[default]
    Text,
    /// One JSON object per line, for log shippers (Loki, Vector, journald forwarders).
    Json,
}

pub fn init(filter: &str, format: LogFormat) {
    // SQL statements carry user input (usernames); they stay at debug level.
    let filter = EnvFilter::try_new(format!("{filter},sqlx=warn,sea_orm=warn"))
        .unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false);
    match format {
        // Colours only for people: log files and collectors get plain text.
        LogFormat::Text => builder.with_ansi(std::io::stdout().is_terminal()).init(),
        // The span's fields (the request's method and path, the account) ride along on
        // every event, flattened so a shipper can index them.
        LogFormat::Json => builder
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .with_span_list(false)
            .init(),
    }
}
