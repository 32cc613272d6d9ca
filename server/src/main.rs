//! `instalytics`: parse the command line, set up logging, run; one clear line on failure.

use std::process::ExitCode;

use clap::Parser;
use server::cli::{self, Cli};

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    server::telemetry::init(&cli.log_level, cli.log_format);
    match cli::run(cli).await {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}
