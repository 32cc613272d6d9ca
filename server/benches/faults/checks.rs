//! The invariants, each a read of the database or of BigQuery that answers `Ok` or says what
//! is wrong: no partial sync, no run left `running`, every account syncing again, no
//! duplicate or missing row in BigQuery, and the figures two runs must agree on.

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use sea_orm::{
    ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbBackend, IsolationLevel,
    QueryResult, Statement, TransactionTrait,
};

use crate::common::scalar;
use crate::fixtures::bq::{self, PROJECT};
use crate::world::World;

pub type Check = Result<(), String>;

async fn rows(db: &impl ConnectionTrait, sql: &str) -> Vec<QueryResult> {
    db.query_all(Statement::from_string(db.get_database_backend(), sql))
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
}

fn int(row: &QueryResult, i: usize) -> i64 {
    row.try_get_by_index::<i64>(i).unwrap()
}

/// The first `n` problems and how many there were, or `Ok`.
fn verdict(problems: Vec<String>) -> Check {
    match problems.len() {
        0 => Ok(()),
        n => Err(format!(
            "{n} problem(s): {}",
            problems[..n.min(3)].join("; ")
        )),
    }
}

/// Only these outcomes wrote the collected data; any other run must have left nothing.
fn complete(outcome: &str) -> bool {
    matches!(outcome, "ok" | "partial")
}

struct Run {
    id: i64,
    account: i64,
    started: i64,
    outcome: String,
    rows: i64,
}

async fn runs(db: &impl ConnectionTrait) -> Vec<Run> {
    rows(
        db,
        "SELECT id, account_id, started_at, outcome, CAST(rows_written AS BIGINT) FROM sync_runs",
    )
    .await
    .iter()
    .map(|r| Run {
        id: int(r, 0),
        account: int(r, 1),
        started: int(r, 2),
        outcome: r.try_get_by_index(3).unwrap(),
        rows: int(r, 4),
    })
    .collect()
}

/// No partial sync: a sync stamps its snapshots with its start time, so the snapshots of
/// (account, time) are one run's. A run recorded complete has one per media of the account
/// (the simulator's clock is frozen, so every sync reads them all) and counted them in
/// `rows_written`; a run recorded otherwise (failed, interrupted, still running) left none;
/// and no snapshots exist that no complete run wrote.
pub async fn no_partial_sync(db: &DatabaseConnection) -> Check {
    // One snapshot of the database for all three reads: syncs go on meanwhile.
    let db = &snapshot(db).await;
    let media: HashMap<i64, i64> = rows(
        db,
        "SELECT account_id, COUNT(*) FROM media GROUP BY account_id",
    )
    .await
    .iter()
    .map(|r| (int(r, 0), int(r, 1)))
    .collect();
    let written: HashMap<(i64, i64), i64> = rows(
        db,
        "SELECT m.account_id, s.captured_at, COUNT(*) FROM media_snapshots s \
         JOIN media m ON m.id = s.media_id GROUP BY m.account_id, s.captured_at",
    )
    .await
    .iter()
    .map(|r| ((int(r, 0), int(r, 1)), int(r, 2)))
    .collect();
    let runs = runs(db).await;
    let by_complete: HashSet<(i64, i64)> = runs
        .iter()
        .filter(|r| complete(&r.outcome))
        .map(|r| (r.account, r.started))
        .collect();
    let mut problems = Vec::new();
    for run in &runs {
        let key = (run.account, run.started);
        let found = written.get(&key).copied().unwrap_or(0);
        let want = media.get(&run.account).copied().unwrap_or(0);
        if complete(&run.outcome) && (found != want || run.rows < found + 1) {
            problems.push(format!(
                "run {} ({}) has {found} snapshots of {want} media, rows_written {}",
                run.id, run.outcome, run.rows
            ));
        } else if !complete(&run.outcome) && found > 0 && !by_complete.contains(&key) {
            problems.push(format!(
                "run {} is '{}' (rows_written {}) but its {found} snapshots are stored",
                run.id, run.outcome, run.rows
            ));
        }
    }
    let started: HashSet<(i64, i64)> = runs.iter().map(|r| (r.account, r.started)).collect();
    for ((account, at), n) in &written {
        if !started.contains(&(*account, *at)) {
            problems.push(format!(
                "{n} snapshots of account {account} at {at} belong to no run"
            ));
        }
    }
    verdict(problems)
}

/// A read-only transaction that sees one state of the database throughout (SQLite's WAL
/// readers do from their first read; PostgreSQL needs REPEATABLE READ).
async fn snapshot(db: &DatabaseConnection) -> DatabaseTransaction {
    let level = match db.get_database_backend() {
        DbBackend::Postgres => Some(IsolationLevel::RepeatableRead),
        _ => None,
    };
    db.begin_with_config(level, None).await.unwrap()
}

/// No run left `running` by an earlier process: the next sync of its account closes it.
pub async fn no_run_left_running(db: &DatabaseConnection, pid: u32) -> Check {
    let left = scalar(
        db,
        &format!(
            "SELECT COUNT(*) FROM sync_runs WHERE outcome = 'running' \
             AND instance NOT LIKE '%-{pid}-%'"
        ),
    )
    .await;
    verdict(
        (left > 0)
            .then(|| format!("{left} run(s) of a killed process still 'running'"))
            .into_iter()
            .collect(),
    )
}

/// Runs of process `pid` that are still open.
pub async fn running(db: &DatabaseConnection, pid: u32) -> i64 {
    running_ids(db, pid).await.len() as i64
}

pub async fn running_ids(db: &DatabaseConnection, pid: u32) -> Vec<i64> {
    let sql =
        format!("SELECT id FROM sync_runs WHERE outcome = 'running' AND instance LIKE '%-{pid}-%'");
    rows(db, &sql).await.iter().map(|r| int(r, 0)).collect()
}

/// Accounts that process `pid` has synced completely, at or after `since` (unix seconds).
pub async fn synced_accounts(db: &DatabaseConnection, pid: u32, since: i64) -> i64 {
    scalar(
        db,
        &format!(
            "SELECT COUNT(DISTINCT account_id) FROM sync_runs WHERE instance LIKE '%-{pid}-%' \
             AND outcome IN ('ok', 'partial') AND started_at >= {since}"
        ),
    )
    .await
}

/// No account stuck: waits until every account has a complete sync by process `pid` that
/// started at or after `since`; the time from `from` when it did.
pub async fn every_account_syncs(
    world: &World,
    pid: u32,
    since: i64,
    from: Instant,
    limit: Duration,
) -> Result<Duration, String> {
    let want = world.setup.accounts as i64;
    loop {
        let done = synced_accounts(&world.db, pid, since).await;
        if done >= want {
            return Ok(from.elapsed());
        }
        if from.elapsed() > limit {
            return Err(format!("{done} of {want} accounts synced within {limit:?}"));
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// How BigQuery's copy of a table is compared with ours: the rows here (a FROM clause),
/// the natural key on each side, and a sum of values that changes when a row is stale.
struct Exported {
    table: &'static str,
    here: &'static str,
    here_key: &'static str,
    there_key: &'static str,
    here_value: &'static str,
    there_value: &'static str,
}

const EXPORTED: [Exported; 5] = [
    Exported {
        table: "accounts",
        here: "accounts",
        here_key: "id",
        there_key: "account_id",
        here_value: "followers_count + COALESCE(last_sync_at, 0)",
        there_value: "followers_count + COALESCE(UNIX_SECONDS(last_sync_at), 0)",
    },
    Exported {
        table: "media",
        here: "media WHERE latest_captured_at IS NOT NULL",
        here_key: "id",
        there_key: "media_id",
        here_value: "latest_captured_at",
        there_value: "UNIX_SECONDS(latest_captured_at)",
    },
    Exported {
        table: "media_snapshots",
        here: "media_snapshots",
        here_key: "id",
        there_key: "snapshot_id",
        here_value: "COALESCE(likes, 0) + COALESCE(reach, 0)",
        there_value: "COALESCE(likes, 0) + COALESCE(reach, 0)",
    },
    Exported {
        table: "account_insights_daily",
        here: "account_insights",
        here_key: "account_id, date",
        there_key: "account_id, date",
        here_value: "COALESCE(reach, 0) + COALESCE(followers, 0)",
        there_value: "COALESCE(reach, 0) + COALESCE(followers, 0)",
    },
    Exported {
        table: "sync_runs",
        here: "sync_runs WHERE finished_at IS NOT NULL",
        here_key: "id",
        there_key: "run_id",
        here_value: "requests + rows_written",
        there_value: "requests + rows_written",
    },
];

/// Rows, distinct keys and the value sum of `from` (SQL for both sides).
fn figures_sql(from: &str, key: &str, value: &str) -> String {
    format!(
        "SELECT COUNT(*), (SELECT COUNT(*) FROM (SELECT {key} FROM {from} GROUP BY {key}) k), \
         CAST(COALESCE(SUM({value}), 0) AS BIGINT) FROM {from}"
    )
}

async fn here(db: &DatabaseConnection, sql: &str) -> Vec<i64> {
    let row = db
        .query_one(Statement::from_string(db.get_database_backend(), sql))
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .unwrap();
    (0..3)
        .map(|i| row.try_get_by_index::<i64>(i).unwrap_or(0))
        .collect()
}

async fn there(world: &World, sql: &str) -> Vec<i64> {
    bq::query(&world.emulator, sql).await[0]
        .iter()
        .map(|v| v.as_deref().unwrap_or("0").parse().unwrap())
        .collect()
}

impl Exported {
    fn there_from(&self, world: &World) -> String {
        format!("`{PROJECT}.{}.{}`", world.dataset, self.table)
    }
}

/// No duplicate rows in BigQuery: as many rows as distinct keys, in every table. Holds at
/// any moment, whatever the exporter was doing when it was killed.
pub async fn no_duplicates_in_bigquery(world: &World) -> Check {
    let mut problems = Vec::new();
    for t in &EXPORTED {
        let from = t.there_from(world);
        if !table_exists(world, t.table).await {
            continue;
        }
        let f = there(world, &figures_sql(&from, t.there_key, t.there_value)).await;
        if f[0] != f[1] {
            problems.push(format!("{}: {} rows for {} keys", t.table, f[0], f[1]));
        }
    }
    verdict(problems)
}

async fn table_exists(world: &World, table: &str) -> bool {
    let url = format!(
        "{}/bigquery/v2/projects/{PROJECT}/datasets/{}/tables/{table}",
        world.emulator, world.dataset
    );
    reqwest::get(url)
        .await
        .is_ok_and(|r| r.status().is_success())
}

/// No missing rows in BigQuery: every row here at or below a table's confirmed cursor is
/// there (same count and key sum). For the insert-only tables, whose rows never move past
/// the cursor once written.
pub async fn nothing_missing_below_cursor(world: &World) -> Check {
    let cursors = [
        (
            "media_snapshots",
            "media_snapshots",
            "captured_at",
            "id",
            "snapshot_id",
            "",
        ),
        (
            "sync_runs",
            "sync_runs",
            "finished_at",
            "id",
            "run_id",
            "finished_at IS NOT NULL AND ",
        ),
    ];
    let mut problems = Vec::new();
    for (table, here_table, time, id, there_id, filter) in cursors {
        let Some((at, last)) = cursor(&world.db, table).await else {
            continue;
        };
        let ours = here(
            &world.db,
            &format!(
                "SELECT COUNT(*), CAST(COALESCE(SUM({id}), 0) AS BIGINT), 0 FROM {here_table} \
                 WHERE {filter}({time} < {at} OR ({time} = {at} AND {id} <= {last}))"
            ),
        )
        .await;
        let theirs = there(
            world,
            &format!(
                "SELECT COUNT(*), COALESCE(SUM({there_id}), 0), 0 FROM `{PROJECT}.{}.{table}` \
                 WHERE UNIX_SECONDS({time}) < {at} OR (UNIX_SECONDS({time}) = {at} AND {there_id} <= {last})",
                world.dataset
            ),
        )
        .await;
        if ours[..2] != theirs[..2] {
            problems.push(format!(
                "{table} up to ({at}, {last}): here {} rows (id sum {}), BigQuery {} (id sum {})",
                ours[0], ours[1], theirs[0], theirs[1]
            ));
        }
    }
    verdict(problems)
}

async fn cursor(db: &DatabaseConnection, table: &str) -> Option<(i64, i64)> {
    let found = rows(
        db,
        &format!("SELECT cursor_at, cursor_id FROM export_state WHERE table_name = '{table}'"),
    )
    .await;
    found.first().map(|r| (int(r, 0), int(r, 1)))
}

/// BigQuery holds exactly what the database holds: per table the same rows, distinct keys
/// and value sum. Only once the exporter has caught up.
pub async fn bigquery_equals_database(world: &World) -> Check {
    let mut problems = Vec::new();
    for t in &EXPORTED {
        let ours = here(&world.db, &figures_sql(t.here, t.here_key, t.here_value)).await;
        let from = t.there_from(world);
        let theirs = there(world, &figures_sql(&from, t.there_key, t.there_value)).await;
        if ours != theirs {
            problems.push(format!(
                "{}: here {ours:?}, BigQuery {theirs:?} (rows, keys, value sum)",
                t.table
            ));
        }
    }
    verdict(problems)
}

/// The figures a run with kills must share with a clean one: what was collected, not how
/// often (snapshots grow with the number of syncs, so they count per complete sync).
pub async fn census(db: &DatabaseConnection) -> Vec<(&'static str, String)> {
    const FIGURES: [(&str, &str); 8] = [
        ("accounts", "SELECT COUNT(*) FROM accounts"),
        ("followers (sum)", "SELECT CAST(SUM(followers_count) AS BIGINT) FROM accounts"),
        ("media", "SELECT COUNT(*) FROM media"),
        ("latest likes (sum)", "SELECT CAST(COALESCE(SUM(latest_likes), 0) AS BIGINT) FROM media"),
        ("latest reach (sum)", "SELECT CAST(COALESCE(SUM(latest_reach), 0) AS BIGINT) FROM media"),
        ("hashtag rows", "SELECT COUNT(*) FROM media_hashtags"),
        ("insight days", "SELECT COUNT(*) FROM account_insights"),
        (
            "insight reach + followers (sum)",
            "SELECT CAST(COALESCE(SUM(COALESCE(reach, 0) + COALESCE(followers, 0)), 0) AS BIGINT) FROM account_insights",
        ),
    ];
    let mut figures = Vec::new();
    for (name, sql) in FIGURES {
        figures.push((name, scalar(db, sql).await.to_string()));
    }
    figures.push(("snapshots per complete sync", snapshots_per_sync(db).await));
    figures
}

/// Per account, snapshots ÷ complete syncs, as "a:n" pairs; a fraction shows as "a:x/y".
async fn snapshots_per_sync(db: &DatabaseConnection) -> String {
    let found = rows(
        db,
        "SELECT m.account_id, COUNT(*), \
         (SELECT COUNT(*) FROM sync_runs r WHERE r.account_id = m.account_id \
          AND r.outcome IN ('ok', 'partial')) \
         FROM media_snapshots s JOIN media m ON m.id = s.media_id \
         GROUP BY m.account_id ORDER BY m.account_id",
    )
    .await;
    found
        .iter()
        .map(|r| {
            let (account, snaps, syncs) = (int(r, 0), int(r, 1), int(r, 2));
            if syncs > 0 && snaps % syncs == 0 {
                format!("{account}:{}", snaps / syncs)
            } else {
                format!("{account}:{snaps}/{syncs}")
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Lines of the server's logs that say it panicked.
pub fn panics(lines: &[String]) -> Vec<String> {
    lines
        .iter()
        .filter(|l| l.contains("panicked"))
        .cloned()
        .collect()
}
