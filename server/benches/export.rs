//! `cargo bench -p server --bench export`: BigQuery export throughput into the local
//! emulator (PyPI's bqemulator, named by `INSTALYTICS_TEST_BQ`, e.g. started with
//! `scripts/bqemu.py start --rest-port 9050 …` as scripts/test does). No pass/fail: prints
//! figures.
//!
//! 1. Batch size: the same slice of history sent with several batch sizes (rows/s each).
//! 2. Backfill of at least `BENCH_SNAPSHOTS` (default 1,000,000) snapshot rows, from an empty
//!    dataset, with the default batch size.
//! 3. Per-sync latency: one account's typical sync (a snapshot per media item in the window,
//!    a day of insights, a run) exported by a cycle, p50/p95 of `BENCH_SYNCS` (default 10).

mod common;

use common::{env_or, percentile, scalar};

use std::time::{Duration, Instant};

use sea_orm::{ConnectionTrait, DatabaseConnection, Statement};
use server::crypto::{Cipher, MasterKey};
use server::dev::generate::{generate, GenerateConfig};
use server::dev::token_sim::{new_key_file, TokenSim};
use server::export::pipeline::Exporter;
use server::export::BigQueryConfig;
use server::graph::retry::RetryPolicy;
use server::store::entities::export_config::KEY_CONTEXT;
use server::store::entities::sync_runs::DbOutcome;
use server::store::export::{Destination, ExportStore};
use server::store::sync_runs::{RunEnd, SyncRunStore};

const PROJECT: &str = "instalytics-bench";
const EMAIL: &str = "bench@instalytics-bench.iam.gserviceaccount.com";
const DEFAULT_BATCH: u64 = 20_000;

struct Bench {
    emulator: String,
    token_url: String,
    db: DatabaseConnection,
    cipher: Cipher,
}

impl Bench {
    async fn dataset(&self, name: &str) {
        let res = reqwest::Client::new()
            .post(format!(
                "{}/bigquery/v2/projects/{PROJECT}/datasets",
                self.emulator
            ))
            .json(&serde_json::json!({
                "datasetReference": { "projectId": PROJECT, "datasetId": name },
                "location": "US",
            }))
            .send()
            .await
            .unwrap();
        assert!(res.status().is_success(), "{}", res.text().await.unwrap());
    }

    /// An exporter to a fresh dataset, with its cursors back at the start.
    async fn exporter(&self, dataset: &str, batch_rows: u64) -> Exporter {
        // A fresh dataset starts every table over: drop the cursors of the previous run.
        self.dataset(dataset).await;
        let store = ExportStore::new(self.db.clone());
        store
            .set_destination(Destination {
                project: PROJECT.into(),
                dataset: dataset.into(),
                location: "US".into(),
            })
            .await
            .unwrap();
        store.finish_backfill().await.unwrap();
        store
            .start_backfill(&[
                "accounts",
                "media",
                "media_snapshots",
                "account_insights_daily",
                "sync_runs",
            ])
            .await
            .unwrap();
        let config = BigQueryConfig {
            api_url: self.emulator.clone(),
            token_url: self.token_url.clone(),
            timeout: Duration::from_secs(600),
            batch_rows,
            retry: RetryPolicy::default(),
            staging_max_age: Duration::from_secs(3_600),
        };
        let row = store.config().await.unwrap();
        Exporter::from_config(
            self.db.clone(),
            &row,
            &self.cipher,
            reqwest::Client::new(),
            &config,
        )
        .unwrap()
    }
}

/// A fresh SQLite database with a generated history of about `snapshots` snapshot rows.
async fn history(
    dir: &std::path::Path,
    name: &str,
    snapshots: i64,
    cipher: &Cipher,
) -> DatabaseConnection {
    let url = format!("sqlite://{}/{name}.db?mode=rwc", dir.display());
    let db = server::db::open(&url).await.unwrap();
    // The generator writes about 45 snapshots per post over 90 days.
    let posts = (snapshots / 20 / 45 + 1) as usize;
    let now = server::clock::unix_now() - 3_600;
    let config = GenerateConfig {
        accounts: 20,
        posts,
        days: 90,
        seed: 42,
    };
    let started = Instant::now();
    let report = generate(&db, &config, cipher, now).await.unwrap();
    println!(
        "  history {name}: {report} (generated in {:.1} s)",
        started.elapsed().as_secs_f64()
    );
    db
}

/// Sends everything; returns (snapshot rows, all rows, seconds).
async fn backfill(exporter: &Exporter) -> (u64, u64, f64) {
    let started = Instant::now();
    let mut snapshots = 0;
    let mut count = |table: &'static str, n: u64| {
        if table == "media_snapshots" {
            snapshots += n;
        }
    };
    let report = exporter.cycle(&mut count).await.unwrap();
    (
        snapshots,
        report.total_rows(),
        started.elapsed().as_secs_f64(),
    )
}

/// What one sync of account 1 writes: a snapshot per media item, the media rows' latest
/// figures, today's insights revised, and its run.
async fn one_sync(db: &DatabaseConnection, at: i64) {
    let exec = |sql: String| async move {
        db.execute(Statement::from_string(db.get_database_backend(), sql))
            .await
            .unwrap();
    };
    exec(format!(
        "INSERT INTO media_snapshots (media_id, captured_at, likes, comments, saves, shares, reach, views) \
         SELECT id, {at}, latest_likes + 1, latest_comments, latest_saves, latest_shares, latest_reach + 3, latest_views + 5 \
         FROM media WHERE account_id = 1"
    ))
    .await;
    exec(format!(
        "UPDATE media SET latest_captured_at = {at} WHERE account_id = 1"
    ))
    .await;
    exec(format!(
        "UPDATE account_insights SET updated_at = {at}, reach = reach + 1 WHERE account_id = 1 \
         AND date = (SELECT MAX(date) FROM account_insights WHERE account_id = 1)"
    ))
    .await;
    let runs = SyncRunStore::new(db.clone());
    let run = runs.start(1, "schedule", "bench", at).await.unwrap();
    let end = RunEnd {
        outcome: DbOutcome::Ok,
        requests: 17,
        rows_written: 1_000,
        error: None,
    };
    runs.finish(run, end, at).await.unwrap();
}

#[tokio::main]
async fn main() {
    let Ok(emulator) = std::env::var("INSTALYTICS_TEST_BQ") else {
        eprintln!("export bench: set INSTALYTICS_TEST_BQ to a running BigQuery emulator (see scripts/test)");
        return;
    };
    let want: i64 = env_or("BENCH_SNAPSHOTS", 1_000_000);
    let syncs: usize = env_or("BENCH_SYNCS", 10);
    let dir = tempfile::tempdir().unwrap();
    let cipher = Cipher::new(MasterKey::generate());
    let (key, public) = new_key_file(EMAIL, PROJECT);
    let google = TokenSim::default();
    google.allow(EMAIL, public);
    let token_url = google.serve().await.unwrap();
    let sealed = cipher.seal(&key, KEY_CONTEXT);

    println!("1. batch size: the same ~200,000 snapshot rows (plus media, insights) per size");
    let small = history(dir.path(), "small", want.min(200_000), &cipher).await;
    ExportStore::new(small.clone())
        .set_key(sealed.clone(), EMAIL.into())
        .await
        .unwrap();
    let bench = Bench {
        emulator: emulator.clone(),
        token_url: token_url.clone(),
        db: small,
        cipher: cipher.clone(),
    };
    for batch in [2_000u64, 5_000, 20_000, 50_000] {
        let exporter = bench.exporter(&format!("bench_batch_{batch}"), batch).await;
        let (snapshots, rows, secs) = backfill(&exporter).await;
        println!(
            "  batch {batch:>6}: {rows} rows ({snapshots} snapshots) in {secs:.1} s = {:.0} rows/s",
            rows as f64 / secs
        );
    }

    println!("\n2. backfill of the full history, batch {DEFAULT_BATCH}");
    let big = history(dir.path(), "big", want, &cipher).await;
    ExportStore::new(big.clone())
        .set_key(sealed, EMAIL.into())
        .await
        .unwrap();
    let bench = Bench {
        emulator,
        token_url,
        db: big.clone(),
        cipher,
    };
    let exporter = bench.exporter("bench_backfill", DEFAULT_BATCH).await;
    let (snapshots, rows, secs) = backfill(&exporter).await;
    println!(
        "  {rows} rows ({snapshots} snapshot rows) in {secs:.1} s = {:.0} rows/s ({:.0} snapshot rows/s)",
        rows as f64 / secs,
        snapshots as f64 / secs
    );

    println!(
        "\n3. export after a typical sync (one account, {} media), {syncs} syncs",
        scalar(&big, "SELECT COUNT(*) FROM media WHERE account_id = 1").await
    );
    let base = server::clock::unix_now() - 600;
    let mut samples = Vec::with_capacity(syncs);
    let mut sent = 0;
    for i in 0..syncs {
        one_sync(&big, base + i as i64).await;
        let started = Instant::now();
        let report = exporter.cycle(&mut |_, _| {}).await.unwrap();
        samples.push(started.elapsed());
        sent = report.total_rows();
    }
    samples.sort_unstable();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "  per-sync export: p50 {:.0} ms, p95 {:.0} ms, max {:.0} ms ({sent} rows per cycle)",
        ms(percentile(&samples, 0.5)),
        ms(percentile(&samples, 0.95)),
        ms(samples[samples.len() - 1])
    );
    println!("  token exchanges in all: {}", google.exchanges());
}
