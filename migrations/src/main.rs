//! `cargo run -p migrations -- up|down|status|fresh`: the sea-orm-migration CLI for this schema.

use sea_orm_migration::prelude::*;

#[tokio::main]
async fn main() {
    cli::run_cli(migrations::Migrator).await;
}
