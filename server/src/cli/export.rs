//! `instalytics export [--backfill]`: one export run from the command line, with progress.

use std::io::Write;
use std::time::Instant;

use anyhow::{bail, Context};

use crate::clock::unix_now;
use crate::config::{BigQueryArgs, DatabaseArgs};
use crate::crypto::{Cipher, MasterKey};
use crate::export::batch::backlogs;
use crate::export::pipeline::Exporter;
use crate::export::tables::ALL;
use crate::store::export::ExportStore;

pub async fn run(
    backfill: bool,
    database: &DatabaseArgs,
    bigquery: &BigQueryArgs,
) -> anyhow::Result<()> {
    let db = crate::db::open(&database.url()).await?;
    let key = MasterKey::load(
        database.master_key.as_ref().map(|k| k.expose()),
        &database.data_dir,
    )?;
    let store = ExportStore::new(db.clone());
    let row = store.config().await?;
    let http = crate::graph::transport::client()?;
    let exporter = Exporter::from_config(
        db.clone(),
        &row,
        &Cipher::new(key),
        http,
        &bigquery.config(),
    )
    .context("set the BigQuery destination and key in Settings first")?;

    if backfill {
        let names: Vec<&str> = ALL.iter().map(|t| t.name).collect();
        if store.start_backfill(&names).await? {
            eprintln!("backfill: starting from the beginning of the history");
        } else {
            eprintln!("backfill: resuming where BigQuery last confirmed");
        }
    }
    // Counted in full: the progress bar needs the total.
    let total: u64 = backlogs(&db, &store, unix_now(), None)
        .await?
        .iter()
        .map(|b| b.rows)
        .sum();
    eprintln!(
        "exporting {total} rows to {}.{}",
        exporter.bigquery().project(),
        exporter.dataset()
    );

    let started = Instant::now();
    let mut done = 0u64;
    let mut progress = |table: &'static str, rows: u64| {
        done += rows;
        draw(table, done, total, started);
    };
    let outcome = exporter.cycle(&mut progress).await;
    eprintln!();
    let now = unix_now();
    match outcome {
        Ok(report) => {
            store.record_outcome(None, now).await?;
            if backfill {
                store.finish_backfill().await?;
            }
            let secs = started.elapsed().as_secs_f64();
            println!(
                "exported {} rows in {secs:.1} s ({:.0} rows/s); {} account deletion(s) applied",
                report.total_rows(),
                report.total_rows() as f64 / secs.max(1e-3),
                report.deletions
            );
            for (table, rows) in &report.rows {
                println!("  {table:<24} {rows:>10}");
            }
            if report.swept > 0 {
                println!("{} stale staging table(s) deleted", report.swept);
            }
            if let Some(notes) = report.schema.notes() {
                println!("schema: {notes}");
            }
            Ok(())
        }
        Err(e) => {
            store.record_outcome(Some(e.to_string()), now).await?;
            bail!("{e}\nwhat BigQuery confirmed is kept: run the same command again to resume")
        }
    }
}

/// A one-line progress bar on stderr.
fn draw(table: &str, done: u64, total: u64, started: Instant) {
    const WIDTH: u64 = 30;
    let total = total.max(done).max(1);
    let filled = (done * WIDTH / total) as usize;
    let rate = done as f64 / started.elapsed().as_secs_f64().max(1e-3);
    eprint!(
        "\r[{}{}] {done}/{total} rows ({:.0}%) {rate:.0} rows/s  {table:<24}",
        "#".repeat(filled),
        " ".repeat(WIDTH as usize - filled),
        done as f64 * 100.0 / total as f64
    );
    let _ = std::io::stderr().flush();
}
