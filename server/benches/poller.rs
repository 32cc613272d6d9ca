//! `cargo bench -p server --bench poller`: the poller's first full sync of 20 accounts × 500
//! media against the local simulator, through the product's own code (connect, lease, sync
//! job, one transaction per account). Prints wall time, requests per 100 media, snapshot rows
//! written per second and peak RSS. No pass/fail.
//!
//! SQLite in a temp dir by default; set `BENCH_DATABASE_URL=postgres://…` for PostgreSQL (the
//! database must exist and be empty). Peak RSS is the whole process, simulator included,
//! so it overstates the server; the simulator's own share is printed before the sync.

mod common;

use common::scalar;

use std::sync::Arc;
use std::time::{Duration, Instant};

use server::crypto::{Cipher, MasterKey};
use server::dev::demo::connect_all;
use server::dev::graph_sim::{SimConfig, Simulator};
use server::graph::GraphConfig;
use server::sync::{Poller, SyncContext};
use time::OffsetDateTime;
use tokio_util::sync::CancellationToken;

const ACCOUNTS: usize = 20;
const MEDIA: usize = 500;
const CONCURRENCY: usize = 8;

fn rss_kib(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find(|l| l.starts_with(field))
        .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        .unwrap_or(0)
}

#[tokio::main]
async fn main() {
    let dir = tempfile::tempdir().unwrap();
    let url = std::env::var("BENCH_DATABASE_URL")
        .unwrap_or_else(|_| format!("sqlite://{}/bench.db?mode=rwc", dir.path().display()));
    let sim = Simulator::new(SimConfig {
        accounts: ACCOUNTS,
        media_per_account: MEDIA,
        history_days: 300,
        start: OffsetDateTime::now_utc(),
        ..SimConfig::default()
    });
    let sim_server = sim.serve("127.0.0.1:0".parse().unwrap()).await.unwrap();
    let sim_rss = rss_kib("VmRSS:");
    let db = server::db::open(&url).await.unwrap();
    let graph = Arc::new(GraphConfig {
        instagram_base: sim_server.instagram_base(),
        instagram_root: sim_server.instagram_root(),
        facebook_base: sim_server.facebook_base(),
        ..GraphConfig::meta("v25.0")
    });
    let cipher = Arc::new(Cipher::new(MasterKey::generate()));
    let ctx = Arc::new(SyncContext {
        db: db.clone(),
        cipher,
        http: reqwest::Client::new(),
        graph,
        instance: "bench".into(),
    });
    connect_all(&ctx, &sim, sim.now().unix_timestamp())
        .await
        .unwrap();
    let poller = Poller::new(ctx, CONCURRENCY, Default::default());

    let stop = CancellationToken::new();
    let started = Instant::now();
    let task = tokio::spawn(poller.run(stop.clone()));
    loop {
        let done = scalar(
            &db,
            "SELECT COUNT(*) FROM sync_runs WHERE outcome <> 'running'",
        )
        .await;
        if done >= ACCOUNTS as i64 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let wall = started.elapsed();
    stop.cancel();
    task.await.unwrap();

    let ok = scalar(&db, "SELECT COUNT(*) FROM sync_runs WHERE outcome = 'ok'").await;
    let requests = scalar(&db, "SELECT SUM(requests) FROM sync_runs").await;
    let media = scalar(&db, "SELECT COUNT(*) FROM media").await;
    let snapshots = scalar(&db, "SELECT COUNT(*) FROM media_snapshots").await;
    let rows = scalar(&db, "SELECT SUM(rows_written) FROM sync_runs").await;
    println!(
        "poller, first full sync of {ACCOUNTS} accounts x {MEDIA} media ({} backend, concurrency {CONCURRENCY}):",
        if url.starts_with("postgres") { "PostgreSQL" } else { "SQLite" }
    );
    println!("  runs ok:               {ok} of {ACCOUNTS}");
    println!("  media stored:          {media} (posts/reels + live stories)");
    println!("  wall time:             {:.2} s", wall.as_secs_f64());
    println!(
        "  requests:              {requests} ({:.2} per 100 media)",
        requests as f64 * 100.0 / media as f64
    );
    println!(
        "  snapshot rows:         {snapshots} ({:.0} per second; {rows} rows written in all)",
        snapshots as f64 / wall.as_secs_f64()
    );
    println!(
        "  peak RSS:              {:.1} MiB (process; simulator with its data alone: {:.1} MiB)",
        rss_kib("VmHWM:") as f64 / 1024.0,
        sim_rss as f64 / 1024.0
    );
    sim_server.stop().await;
}
