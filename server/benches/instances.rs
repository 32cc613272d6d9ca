//! `INSTALYTICS_TEST_PG=postgres://root@127.0.0.1:5432/test cargo bench -p server --bench
//! instances`: three release server processes on one PostgreSQL database polling 200
//! simulated accounts. Prints, from the sync log: whether every account was synced once per
//! interval and never by two instances at once, how the work was shared, and, after one
//! instance is killed (SIGKILL) in the middle of a sync, how long its accounts took to move
//! to the others. No pass/fail.
//!
//! The poll interval is set to `BENCH_INTERVAL` seconds (60) in the database, below the
//! Settings page's 5-minute floor, so a run sees several intervals in minutes.
//!
//! `BENCH_INSTANCES=1 BENCH_MEDIA=500 BENCH_ROUNDS=0` measures one server process's first
//! full sync of 200 × 500 media and its peak RSS instead (no kill with one instance).
//! `BENCH_CONCURRENCY` is each server's `--sync-concurrency` (4, the default).

mod common;
// Throwaway PostgreSQL databases, as the tests make them.
#[path = "../tests/common/pg.rs"]
mod pg;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::server_process::{free_port, ServerProcess};
use common::{env_or, scalar};
use pg::{create_database, drop_database};
use sea_orm::{ConnectionTrait, DatabaseConnection, Statement};
use server::crypto::{Cipher, MasterKey};
use server::dev::demo::connect_all;
use server::dev::graph_sim::{SimConfig, Simulator};
use server::graph::GraphConfig;
use server::sync::SyncContext;
use time::OffsetDateTime;

/// One finished run as the sync log has it.
struct Run {
    account: i64,
    instance: String,
    started: i64,
    finished: i64,
}

async fn runs(db: &DatabaseConnection) -> Vec<Run> {
    db.query_all(Statement::from_string(
        db.get_database_backend(),
        "SELECT account_id, instance, started_at, finished_at FROM sync_runs \
         WHERE finished_at IS NOT NULL ORDER BY account_id, started_at",
    ))
    .await
    .unwrap()
    .iter()
    .map(|row| Run {
        account: row.try_get_by_index(0).unwrap(),
        instance: row.try_get_by_index(1).unwrap(),
        started: row.try_get_by_index(2).unwrap(),
        finished: row.try_get_by_index(3).unwrap(),
    })
    .collect()
}

fn unix_now() -> i64 {
    OffsetDateTime::now_utc().unix_timestamp()
}

/// CPU seconds (user + system) the process has used.
fn cpu_secs(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // Fields after the command's closing parenthesis; utime and stime are the 12th and 13th.
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map_or("", |(_, rest)| rest)
        .split_whitespace()
        .collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    // USER_HZ is 100 on Linux.
    (ticks(11) + ticks(12)) / 100.0
}

fn peak_rss_mib(pid: u32) -> f64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        .unwrap_or(0.0)
        / 1024.0
}

#[tokio::main]
async fn main() {
    let Ok(admin_url) = std::env::var("INSTALYTICS_TEST_PG") else {
        println!("instances: skipped (set INSTALYTICS_TEST_PG to a PostgreSQL admin URL)");
        return;
    };
    let accounts: usize = env_or("BENCH_ACCOUNTS", 200);
    let media: usize = env_or("BENCH_MEDIA", 50);
    let interval: i64 = env_or("BENCH_INTERVAL", 60);
    let rounds: i64 = env_or("BENCH_ROUNDS", 3);
    let instances: usize = env_or("BENCH_INSTANCES", 3);
    let concurrency: u32 = env_or("BENCH_CONCURRENCY", 4);

    let name = format!("ig_bench_instances_{}", std::process::id());
    let (admin, url) = create_database(&admin_url, &name).await;

    let sim = Simulator::new(SimConfig {
        accounts,
        media_per_account: media,
        start: OffsetDateTime::now_utc(),
        ..SimConfig::default()
    });
    let sim_server = sim.serve("127.0.0.1:0".parse().unwrap()).await.unwrap();
    let key = MasterKey::generate();
    let key_text = key.to_base64();
    let db = server::db::open(&url).await.unwrap();
    let ctx = SyncContext {
        db: db.clone(),
        cipher: Arc::new(Cipher::new(key)),
        http: reqwest::Client::new(),
        graph: Arc::new(GraphConfig {
            instagram_base: sim_server.instagram_base(),
            instagram_root: sim_server.instagram_root(),
            facebook_base: sim_server.facebook_base(),
            ..GraphConfig::meta("v25.0")
        }),
        instance: "bench-setup".into(),
    };
    connect_all(&ctx, &sim, unix_now()).await.unwrap();
    db.execute_unprepared(&format!(
        "UPDATE settings SET poll_interval_secs = {interval}"
    ))
    .await
    .unwrap();
    println!(
        "instances: {instances} servers on one PostgreSQL, {accounts} accounts x {media} media, interval {interval} s, sync concurrency {concurrency}"
    );

    let dir = tempfile::tempdir().unwrap();
    let flags = vec![
        "--database-url".to_owned(),
        url.clone(),
        "--instagram-graph-url".into(),
        sim_server.instagram_root(),
        "--facebook-graph-url".into(),
        format!("http://{}/facebook", sim_server.addr),
        "--sync-concurrency".into(),
        concurrency.to_string(),
    ];
    // The servers read the shared key from the environment, as a deployment sets it.
    std::env::set_var("INSTALYTICS_MASTER_KEY", &key_text);
    let started = Instant::now();
    let mut servers = Vec::new();
    for n in 0..instances {
        let data = dir.path().join(format!("instance-{n}"));
        let mut all = flags.clone();
        all.extend(["--data-dir".into(), data.display().to_string()]);
        let mut server = ServerProcess::spawn(
            env!("CARGO_BIN_EXE_instalytics").as_ref(),
            free_port(),
            &all,
            &dir.path().join(format!("instance-{n}.log")),
        )
        .unwrap();
        server.ready(Duration::from_secs(60)).await.unwrap();
        servers.push(server);
    }

    // The first round: every account's first full sync, shared by the three.
    loop {
        let synced = scalar(
            &db,
            "SELECT COUNT(DISTINCT account_id) FROM sync_runs WHERE outcome = 'ok'",
        )
        .await;
        if synced >= accounts as i64 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let first_round = started.elapsed();
    let media_stored = scalar(&db, "SELECT COUNT(*) FROM media").await;
    println!(
        "  first round:               all {accounts} accounts' first full sync ({media_stored} media) in {:.1} s, servers' start included",
        first_round.as_secs_f64()
    );
    if instances < 2 {
        for server in &servers {
            println!(
                "  peak RSS:                  {:.1} MiB, CPU {:.1} s (the server process)",
                peak_rss_mib(server.pid()),
                cpu_secs(server.pid())
            );
        }
        drop(servers);
        sim_server.stop().await;
        db.close().await.unwrap();
        drop_database(&admin, &name).await;
        return;
    }
    let window_from = unix_now();
    tokio::time::sleep(Duration::from_secs((interval * rounds) as u64)).await;
    let window_to = unix_now();

    // Kill one instance in the middle of a sync.
    let victim = servers.remove(1);
    let pid = victim.pid();
    let pattern = format!("%-{pid}-%");
    let cut_off: Vec<i64> = loop {
        let running: Vec<i64> = db
            .query_all(Statement::from_string(
                db.get_database_backend(),
                format!(
                    "SELECT account_id FROM sync_runs WHERE outcome = 'running' AND instance LIKE '{pattern}'"
                ),
            ))
            .await
            .unwrap()
            .iter()
            .map(|row| row.try_get_by_index(0).unwrap())
            .collect();
        if !running.is_empty() {
            break running;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    };
    let victim_rss = peak_rss_mib(pid);
    victim.kill9();
    let killed_at = unix_now();
    let due = due_times(&db).await;
    tokio::time::sleep(Duration::from_secs((interval * 2 + 30) as u64)).await;
    let rss: Vec<f64> = servers.iter().map(|s| peak_rss_mib(s.pid())).collect();
    let all = runs(&db).await;
    let left_running = scalar(
        &db,
        &format!(
            "SELECT COUNT(*) FROM sync_runs WHERE outcome = 'running' AND instance LIKE '{pattern}'"
        ),
    )
    .await;
    drop(servers);
    sim_server.stop().await;

    report(&Report {
        runs: &all,
        interval,
        window: (window_from, window_to),
        killed: (killed_at, &pattern, &cut_off, left_running),
        due: &due,
    });
    println!(
        "  peak RSS per instance:     {:.1} MiB (killed one), {} MiB (the others)",
        victim_rss,
        rss.iter()
            .map(|r| format!("{r:.1}"))
            .collect::<Vec<_>>()
            .join(" and ")
    );
    db.close().await.unwrap();
    drop_database(&admin, &name).await;
}

/// Each account's next due time, as the accounts table had it when the instance died.
async fn due_times(db: &DatabaseConnection) -> BTreeMap<i64, i64> {
    db.query_all(Statement::from_string(
        db.get_database_backend(),
        "SELECT id, next_sync_at FROM accounts",
    ))
    .await
    .unwrap()
    .iter()
    .map(|row| {
        (
            row.try_get_by_index(0).unwrap(),
            row.try_get_by_index(1).unwrap(),
        )
    })
    .collect()
}

struct Report<'a> {
    runs: &'a [Run],
    interval: i64,
    window: (i64, i64),
    /// When, which instance (a LIKE pattern on the name), the accounts it was syncing then,
    /// and its runs still marked running at the end.
    killed: (i64, &'a str, &'a [i64], i64),
    due: &'a BTreeMap<i64, i64>,
}

fn report(r: &Report) {
    let mut by_account: BTreeMap<i64, Vec<&Run>> = BTreeMap::new();
    for run in r.runs {
        by_account.entry(run.account).or_default().push(run);
    }
    let (from, to) = r.window;
    // Once per interval: the runs each account started within the window, and the longest
    // gap between two of its consecutive starts.
    let per_account: Vec<usize> = by_account
        .values()
        .map(|runs| {
            runs.iter()
                .filter(|x| x.started >= from && x.started < to)
                .count()
        })
        .collect();
    // Before the kill: a run the kill cut off never finishes, so around it the gap spans two
    // intervals by construction.
    let widest_gap = by_account
        .values()
        .flat_map(|runs| runs.windows(2))
        .filter(|w| w[0].started >= from && w[1].started < to)
        .map(|w| w[1].started - w[0].started)
        .max()
        .unwrap_or(0);
    // Overlap: a run starting before the previous run of the same account finished.
    let overlaps = by_account
        .values()
        .flat_map(|runs| runs.windows(2))
        .filter(|w| w[1].started < w[0].finished)
        .count();
    let mut by_instance: BTreeMap<&str, usize> = BTreeMap::new();
    for run in r
        .runs
        .iter()
        .filter(|x| x.started >= from && x.started < to)
    {
        *by_instance.entry(&run.instance).or_default() += 1;
    }
    let expected = (to - from) as f64 / r.interval as f64;
    println!(
        "  runs per account in {} s:  min {}, max {} (the interval fits {expected:.1} times)",
        to - from,
        per_account.iter().min().unwrap_or(&0),
        per_account.iter().max().unwrap_or(&0)
    );
    println!(
        "  widest gap between runs:   {widest_gap} s in that window (interval {} s, ±10 % jitter)",
        r.interval
    );
    println!("  overlapping runs:          {overlaps} (same account, two runs at once)");
    println!(
        "  runs per instance:         {}",
        by_instance
            .values()
            .map(|n| n.to_string())
            .collect::<Vec<_>>()
            .join(" / ")
    );

    // After the kill: the dead instance's accounts (its last run before the kill) and when
    // another instance next started each, against when it was due.
    let (killed_at, pattern, cut_off, left_running) = r.killed;
    let needle = pattern.trim_matches('%');
    let next_elsewhere = |account: &i64| {
        by_account
            .get(account)?
            .iter()
            .find(|x| x.started >= killed_at && !x.instance.contains(needle))
            .map(|x| x.started)
    };
    let mut late = Vec::new();
    for (account, runs) in &by_account {
        let Some(last) = runs.iter().rev().find(|x| x.started <= killed_at) else {
            continue;
        };
        if !last.instance.contains(needle) || cut_off.contains(account) {
            continue;
        }
        if let Some(next) = next_elsewhere(account) {
            let due = r.due.get(account).copied().unwrap_or(killed_at);
            late.push(next - due.max(killed_at));
        }
    }
    late.sort_unstable();
    println!(
        "  after the kill:            {} accounts the dead instance synced last were synced by \
         the others; lateness against their due time p50 {} s, max {} s",
        late.len(),
        late.get(late.len() / 2).copied().unwrap_or(0),
        late.last().copied().unwrap_or(0)
    );
    let moved: Vec<String> = cut_off
        .iter()
        .map(|a| match next_elsewhere(a) {
            Some(at) => format!("{} s", at - killed_at),
            None => "not yet".into(),
        })
        .collect();
    println!(
        "  syncs cut off by the kill: {} (runs left marked running: {left_running}); taken over \
         after {}",
        cut_off.len(),
        moved.join(", ")
    );
}
