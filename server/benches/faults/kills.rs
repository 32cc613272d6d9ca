//! kill -9 at random moments during syncs and exports, then restart and check the
//! invariants; and the clean run (no kills) whose figures the killed run must reach.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use rand::rngs::StdRng;
use rand::Rng;

use crate::checks::{self, Check};
use crate::common::scalar;
use crate::common::server_process::ServerProcess;
use crate::report::{spread, Tally};
use crate::world::World;

/// The server's sync lease (`sync::scheduler::LEASE`): a sync killed mid-run keeps its
/// account until the lease runs out, so recovery is bounded by it plus the poll interval.
pub const LEASE: Duration = Duration::from_secs(60);
/// How long the exporter may take to catch up once syncs stop (its retries back off 30 s,
/// then 60 s).
const CATCH_UP: Duration = Duration::from_secs(180);

/// What a kill was aimed at.
#[derive(Clone, Copy, Debug)]
enum Aim {
    Sync,
    Export,
    /// The instant a sync's data is committed: its "sync done" log line, written between
    /// the data's transaction and the run's record.
    Commit,
}

#[derive(Default)]
pub struct KillFigures {
    pub kills: usize,
    aimed: HashMap<&'static str, usize>,
    /// Kills after which the killed process's run was still `running`: caught mid-sync.
    mid_sync: usize,
    ready: Vec<Duration>,
    recovered: Vec<Duration>,
    pub tally: Tally,
    pub census: Vec<(&'static str, String)>,
    pub took: Duration,
}

impl KillFigures {
    pub fn print(&self) {
        println!(
            "kills done: {} in {:.1} min",
            self.kills,
            self.took.as_secs_f64() / 60.0
        );
        let mut aimed: Vec<_> = self.aimed.iter().collect();
        aimed.sort();
        for (what, n) in aimed {
            println!("  aimed during {what}: {n}");
        }
        println!("  kills that caught a sync mid-run: {}", self.mid_sync);
        println!("  restart until /healthz answers: {}", spread(&self.ready));
        println!(
            "  restart until every account synced again: {}",
            spread(&self.recovered)
        );
        println!("invariant checks:");
        self.tally.print();
    }
}

/// The clean run: start, let every account sync twice, settle, take the figures.
pub async fn clean_run(world: &mut World) -> (Vec<(&'static str, String)>, Check) {
    let (server, _) = world.start().await;
    let limit = Duration::from_secs(world.setup.interval_secs as u64 * 4 + 30);
    wait_for_complete_syncs(world, 2, limit).await;
    let settled = settle(world).await;
    server.kill9();
    let census = checks::census(&world.db).await;
    (
        census,
        settled.and(planted_partial_sync_is_seen(world).await),
    )
}

/// The check can fail: a complete run re-marked `interrupted` while its snapshots stay.
async fn planted_partial_sync_is_seen(world: &World) -> Check {
    use sea_orm::ConnectionTrait;
    world
        .db
        .execute_unprepared(
            "UPDATE sync_runs SET outcome = 'interrupted' WHERE id = \
             (SELECT MAX(id) FROM sync_runs WHERE outcome IN ('ok', 'partial'))",
        )
        .await
        .unwrap();
    match checks::no_partial_sync(&world.db).await {
        Err(_) => Ok(()),
        Ok(()) => Err("a planted partial sync went unseen".into()),
    }
}

pub async fn wait_for_complete_syncs(world: &World, per_account: i64, limit: Duration) {
    let started = Instant::now();
    let sql = format!(
        "SELECT COUNT(*) FROM (SELECT account_id FROM sync_runs WHERE outcome IN ('ok', 'partial') \
         GROUP BY account_id HAVING COUNT(*) >= {per_account}) k"
    );
    while scalar(&world.db, &sql).await < world.setup.accounts as i64 {
        assert!(
            started.elapsed() < limit,
            "{}: accounts did not sync {per_account} times within {limit:?}",
            world.name
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// `kills` times: wait for a sync or an export, kill -9 at a random point of it, restart,
/// check. Then settle and check the end state.
/// `kills` at random moments, then `at_commit` aimed at the instant a sync's data is
/// committed.
pub async fn kill_run(
    world: &mut World,
    kills: usize,
    at_commit: usize,
    rng: &mut StdRng,
) -> KillFigures {
    let began = Instant::now();
    let mut figures = KillFigures::default();
    let (mut server, _) = world.start().await;
    wait_for_complete_syncs(world, 1, LEASE).await;
    let span = sync_span(world, server.pid()).await;
    println!("  a sync takes about {span:?}; kills land up to that far into one");
    let total = kills + at_commit;
    for k in 0..total {
        let aim = match k {
            k if k >= kills => Aim::Commit,
            k if k % 2 == 0 => Aim::Sync,
            _ => Aim::Export,
        };
        aim_at(world, &server, aim, span, rng).await;
        let killed = server.pid();
        server.kill9();
        *figures.aimed.entry(aim_name(aim)).or_default() += 1;
        if checks::running(&world.db, killed).await > 0 {
            figures.mid_sync += 1;
        }
        let restarted = Instant::now();
        let since = server::clock::unix_now();
        let (next, ready) = world.start().await;
        server = next;
        figures.ready.push(ready);
        after_restart(world, server.pid(), since, restarted, &mut figures).await;
        figures.kills += 1;
        print_progress(k + 1, total, &figures);
    }
    figures.tally.record(
        "end: the export catches up, BigQuery = database",
        settle(world).await,
    );
    figures.tally.record(
        "end: no partial sync",
        checks::no_partial_sync(&world.db).await,
    );
    figures
        .tally
        .record("no panic in the server logs", no_panics(world));
    server.kill9();
    figures.census = checks::census(&world.db).await;
    figures.took = began.elapsed();
    figures
}

fn aim_name(aim: Aim) -> &'static str {
    match aim {
        Aim::Sync => "a sync",
        Aim::Export => "an export (a BigQuery request under way)",
        Aim::Commit => "a sync's data commit (its 'sync done' log line)",
    }
}

fn print_progress(done: usize, of: usize, figures: &KillFigures) {
    println!(
        "  kill {done}/{of}: ready {:.1} s, every account synced again {:.1} s, {} check failure(s) so far",
        figures.ready.last().map_or(0.0, |d| d.as_secs_f64()),
        figures.recovered.last().map_or(0.0, |d| d.as_secs_f64()),
        figures.tally.failures(),
    );
}

/// The checks after one restart of process `pid` (started at unix second `since`).
async fn after_restart(
    world: &World,
    pid: u32,
    since: i64,
    restarted: Instant,
    figures: &mut KillFigures,
) {
    let t = &mut figures.tally;
    t.record(
        "after restart: no partial sync",
        checks::no_partial_sync(&world.db).await,
    );
    let limit = LEASE + Duration::from_secs(2 * world.setup.interval_secs as u64 + 15);
    match checks::every_account_syncs(world, pid, since, restarted, limit).await {
        Ok(took) => {
            figures.recovered.push(took);
            t.record(
                "no account stuck (all sync again within lease + 2 intervals)",
                Ok(()),
            );
        }
        Err(e) => t.record(
            "no account stuck (all sync again within lease + 2 intervals)",
            Err(e),
        ),
    }
    t.record(
        "after recovery: no run left 'running'",
        checks::no_run_left_running(&world.db, pid).await,
    );
    t.record(
        "after recovery: no partial sync",
        checks::no_partial_sync(&world.db).await,
    );
    t.record(
        "BigQuery: no duplicate rows",
        checks::no_duplicates_in_bigquery(world).await,
    );
    t.record(
        "BigQuery: no row missing below the export cursor",
        checks::nothing_missing_below_cursor(world).await,
    );
}

/// Waits for the aimed-at work to be under way in `server`, then a random part of it.
async fn aim_at(world: &World, server: &ServerProcess, aim: Aim, span: Duration, rng: &mut StdRng) {
    let limit = Duration::from_secs(world.setup.interval_secs as u64 * 3 + 30);
    let started = Instant::now();
    let pid = server.pid();
    match aim {
        Aim::Commit => {
            server.wait_for_log("sync done", limit).await;
        }
        Aim::Sync => {
            while checks::running(&world.db, pid).await == 0 && started.elapsed() < limit {
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
            tokio::time::sleep(span.mul_f64(rng.gen_range(0.0..1.0))).await;
        }
        Aim::Export => {
            let before = world.probe.seen("");
            while world.probe.seen("") == before && started.elapsed() < limit {
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
            tokio::time::sleep(Duration::from_millis(rng.gen_range(0..600))).await;
        }
    }
}

/// The median time a sync of process `pid` stays `running`, watched over a few syncs.
async fn sync_span(world: &World, pid: u32) -> Duration {
    let mut first_seen: HashMap<i64, Instant> = HashMap::new();
    let mut spans = Vec::new();
    let watch = Instant::now();
    while spans.len() < 5 && watch.elapsed() < Duration::from_secs(120) {
        let open = checks::running_ids(&world.db, pid).await;
        for id in &open {
            first_seen.entry(*id).or_insert_with(Instant::now);
        }
        first_seen.retain(|id, seen| {
            let still = open.contains(id);
            if !still {
                spans.push(seen.elapsed());
            }
            still
        });
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    spans.sort();
    spans
        .get(spans.len() / 2)
        .copied()
        .unwrap_or(Duration::from_millis(500))
}

/// Stops new syncs (a day's interval: each account syncs once more), then waits for the
/// exporter to send everything; `Err` when BigQuery still differs after [`CATCH_UP`].
async fn settle(world: &World) -> Check {
    world.set_interval(86_400).await;
    let quiet = format!(
        "SELECT COUNT(*) FROM accounts WHERE next_sync_at < {} OR id IN \
         (SELECT account_id FROM sync_runs WHERE outcome = 'running')",
        server::clock::unix_now() + 3_600
    );
    let started = Instant::now();
    while scalar(&world.db, &quiet).await > 0 {
        if started.elapsed() > LEASE * 3 {
            return Err("accounts still syncing after 3 minutes with a day's interval".into());
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let started = Instant::now();
    loop {
        let equal = checks::bigquery_equals_database(world).await;
        if equal.is_ok() || started.elapsed() > CATCH_UP {
            return equal;
        }
        tokio::time::sleep(Duration::from_secs(2)).await;
    }
}

fn no_panics(world: &World) -> Check {
    let panics = checks::panics(&world.all_log_lines());
    match panics.first() {
        None => Ok(()),
        Some(first) => Err(format!("{} panic line(s), first: {first}", panics.len())),
    }
}
