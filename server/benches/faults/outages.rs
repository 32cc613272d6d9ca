//! The database taken away under a running server, and SQLite's disk filled: what the
//! server answers and logs meanwhile (no panic, no exit), and whether it carries on by
//! itself once the database or the space is back.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use app::error::AppError;
use sea_orm::{ConnectionTrait, Database};

use crate::checks::{self, Check};
use crate::common::scalar;
use crate::common::server_process::ServerProcess;
use crate::kills::{wait_for_complete_syncs, LEASE};
use crate::world::{World, ADMIN};

/// How long the exporter may take to succeed again after the fault ends (its retries back
/// off 30 s, then 60 s, but each sync wakes it).
const EXPORT_RESUMES: Duration = Duration::from_secs(150);
/// A full disk is held until the server has met it (a failed write in its log), at most
/// this long.
const HOLD_MAX: Duration = Duration::from_secs(120);

#[derive(Clone, Copy, Debug)]
pub enum Fault {
    /// PostgreSQL: every connection of the server terminated once (a restart, a failover).
    PgTerminated,
    /// PostgreSQL: the database refuses connections and the open ones are terminated.
    PgRefused,
    /// SQLite: the database file renamed away, then back.
    SqliteMoved,
    /// SQLite: no space left on the database's file system.
    DiskFull,
}

impl Fault {
    pub fn describe(self) -> &'static str {
        match self {
            Fault::PgTerminated => "PostgreSQL: pg_terminate_backend on every server connection",
            Fault::PgRefused => {
                "PostgreSQL: database gone (ALLOW_CONNECTIONS false + connections terminated)"
            }
            Fault::SqliteMoved => "SQLite: database file moved away, then back",
            Fault::DiskFull => "SQLite: disk full (tmpfs filled to the last byte)",
        }
    }
}

pub struct OutageFigures {
    fault: Fault,
    held: Duration,
    health: BTreeMap<u16, usize>,
    sign_in: String,
    answers_clear: Check,
    stayed_up: bool,
    log: Vec<(String, usize)>,
    pub tally_lines: Vec<(&'static str, Check)>,
    recovered: Result<Duration, String>,
    export_resumed: Result<Duration, String>,
}

impl OutageFigures {
    /// Failed expectations: an exit, no recovery, no export, a failed check.
    pub fn failures(&self) -> u32 {
        let checks = self.tally_lines.iter().filter(|(_, r)| r.is_err()).count();
        (checks
            + usize::from(!self.stayed_up)
            + usize::from(self.recovered.is_err())
            + usize::from(self.export_resumed.is_err())) as u32
    }

    pub fn print(&self) {
        println!(
            "{} (held {:.0} s):",
            self.fault.describe(),
            self.held.as_secs_f64()
        );
        let health: Vec<String> = self
            .health
            .iter()
            .map(|(status, n)| format!("{status} x{n}"))
            .collect();
        println!(
            "  /healthz during the fault ({BURST} at once, every second): {}",
            health.join(", ")
        );
        println!("  a sign-in during the fault: {}", self.sign_in);
        println!(
            "  same process throughout (no exit, no restart): {}",
            self.stayed_up
        );
        println!("  server log during the fault (WARN/ERROR, digits as #):");
        for (line, n) in self.log.iter().take(6) {
            println!("    {n:>4} x {line}");
        }
        match &self.recovered {
            Ok(d) => println!(
                "  every account synced again {:.1} s after the fault ended",
                d.as_secs_f64()
            ),
            Err(e) => println!("  NOT recovered: {e}"),
        }
        match &self.export_resumed {
            Ok(d) => println!(
                "  export succeeded again {:.1} s after the fault ended",
                d.as_secs_f64()
            ),
            Err(e) => println!("  export NOT resumed: {e}"),
        }
        for (name, result) in &self.tally_lines {
            let shown = match result {
                Ok(()) => "ok".to_owned(),
                Err(e) => format!("FAILED: {e}"),
            };
            println!("  {name}: {shown}");
        }
    }
}

/// Starts the server, lets every account sync, applies `fault` for at least `hold`, lifts
/// it and watches the server carry on.
pub async fn run(world: &mut World, fault: Fault, hold: Duration) -> OutageFigures {
    let (mut server, _) = world.start().await;
    wait_for_complete_syncs(world, 1, LEASE).await;
    let pid = server.pid();
    let log_from = server.log_lines().len();
    let began = Instant::now();
    let mut figures = OutageFigures {
        fault,
        held: Duration::ZERO,
        health: BTreeMap::new(),
        sign_in: String::new(),
        answers_clear: Ok(()),
        stayed_up: true,
        log: Vec::new(),
        tally_lines: Vec::new(),
        recovered: Err("not measured".into()),
        export_resumed: Err("not measured".into()),
    };
    let filler = begin(world, fault).await;
    hold_fault(&mut server, log_from, hold, fault, &mut figures).await;
    figures.held = began.elapsed();
    figures.log = summarize(&server.log_lines()[log_from..]);
    end(world, fault, filler).await;

    let ended = Instant::now();
    let since = server::clock::unix_now();
    let limit = LEASE + Duration::from_secs(2 * world.setup.interval_secs as u64 + 15);
    figures.recovered = checks::every_account_syncs(world, pid, since, ended, limit).await;
    figures.export_resumed = export_resumed(world, since, ended).await;
    figures.stayed_up &= server.alive() && server.pid() == pid;
    let panics = checks::panics(&server.log_lines());
    figures.tally_lines = vec![
        (
            "a sign-in answers clearly (signed in, or an AppError)",
            figures.answers_clear.clone(),
        ),
        ("no panic", verdict_of(panics.first().cloned())),
        ("no partial sync", checks::no_partial_sync(&world.db).await),
        ("database intact", integrity(world).await),
    ];
    server.kill9();
    figures
}

fn verdict_of(problem: Option<String>) -> Check {
    problem.map_or(Ok(()), Err)
}

/// Holds the fault for `hold`; a full disk longer (up to [`HOLD_MAX`]) until the server
/// logged a failure, since SQLite writes into space its WAL already has before it needs
/// more. Meanwhile the dashboard is busy: [`BURST`] requests to `/healthz` at once every
/// second (so the connection pool opens new connections during the fault), and one sign-in.
async fn hold_fault(
    server: &mut ServerProcess,
    log_from: usize,
    hold: Duration,
    fault: Fault,
    figures: &mut OutageFigures,
) {
    let started = Instant::now();
    loop {
        for status in burst(&server.base).await {
            *figures.health.entry(status).or_default() += 1;
        }
        if figures.sign_in.is_empty() && started.elapsed() >= hold / 2 {
            let (shown, clear) = sign_in(&server.base).await;
            figures.sign_in = shown;
            figures.answers_clear = clear;
        }
        figures.stayed_up &= server.alive();
        let met = !matches!(fault, Fault::DiskFull)
            || server.log_lines()[log_from..]
                .iter()
                .any(|l| l.contains("ERROR") || l.contains(" WARN "));
        if (started.elapsed() >= hold && met) || started.elapsed() >= HOLD_MAX {
            return;
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

/// Concurrent requests during a fault.
const BURST: usize = 16;

/// [`BURST`] requests to `/healthz` at once; their statuses (0: no answer).
async fn burst(base: &str) -> Vec<u16> {
    let http = reqwest::Client::new();
    let mut requests = tokio::task::JoinSet::new();
    for _ in 0..BURST {
        let get = http.get(format!("{base}/healthz")).send();
        requests.spawn(async move { get.await.map_or(0, |r| r.status().as_u16()) });
    }
    requests.join_all().await
}

/// A sign-in (it writes a session row): what the browser would show, and whether that is
/// a clear answer (success, or an `AppError` the page can show).
async fn sign_in(base: &str) -> (String, Check) {
    let (status, body) = match reqwest::Client::new()
        .post(format!("{base}/api/login"))
        .form(&[("username", ADMIN.0), ("password", ADMIN.1)])
        .send()
        .await
    {
        Ok(res) => (res.status(), res.text().await.unwrap_or_default()),
        Err(e) => return (format!("no answer ({e})"), Err("no answer".into())),
    };
    if status.is_success() {
        return (format!("HTTP {status}: signed in"), Ok(()));
    }
    match serde_json::from_str::<AppError>(&body) {
        Ok(e) => (format!("HTTP {status}: AppError \"{e}\""), Ok(())),
        Err(_) => {
            let shown: String = body.chars().take(120).collect();
            let text = format!("HTTP {status} with a body that is no AppError: {shown:?}");
            (text.clone(), Err(text))
        }
    }
}

/// Distinct WARN/ERROR messages with their counts, most frequent first; timestamps dropped
/// and digits shown as `#`, so repeats of one message count together.
fn summarize(lines: &[String]) -> Vec<(String, usize)> {
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for line in lines
        .iter()
        .filter(|l| l.contains("ERROR") || l.contains(" WARN "))
    {
        let message = line
            .split_once(' ')
            .map_or(line.as_str(), |(_, rest)| rest.trim());
        let mut shown: String = message
            .chars()
            .map(|c| if c.is_ascii_digit() { '#' } else { c })
            .collect();
        while shown.contains("##") {
            shown = shown.replace("##", "#");
        }
        *counts.entry(shown.chars().take(220).collect()).or_default() += 1;
    }
    let mut sorted: Vec<(String, usize)> = counts.into_iter().collect();
    sorted.sort_by_key(|(_, n)| std::cmp::Reverse(*n));
    sorted
}

fn sqlite_path(url: &str) -> PathBuf {
    let path = url.trim_start_matches("sqlite://");
    PathBuf::from(path.split('?').next().unwrap())
}

fn aside(path: &Path) -> PathBuf {
    path.with_extension("db.moved")
}

/// Applies the fault; returns the filler file of a full disk.
async fn begin(world: &World, fault: Fault) -> Option<PathBuf> {
    match fault {
        Fault::PgTerminated => pg_admin(world, &terminate_sql(world)).await,
        Fault::PgRefused => {
            let name = world.pg.as_ref().unwrap().name();
            pg_admin(
                world,
                &format!("ALTER DATABASE {name} ALLOW_CONNECTIONS false"),
            )
            .await;
            pg_admin(world, &terminate_sql(world)).await;
        }
        Fault::SqliteMoved => {
            let path = sqlite_path(&world.url);
            std::fs::rename(&path, aside(&path)).unwrap();
        }
        Fault::DiskFull => return Some(fill(&world.data_dir)),
    }
    None
}

async fn end(world: &World, fault: Fault, filler: Option<PathBuf>) {
    match fault {
        Fault::PgTerminated => {}
        Fault::PgRefused => {
            let name = world.pg.as_ref().unwrap().name();
            pg_admin(
                world,
                &format!("ALTER DATABASE {name} ALLOW_CONNECTIONS true"),
            )
            .await;
        }
        Fault::SqliteMoved => {
            let path = sqlite_path(&world.url);
            std::fs::rename(aside(&path), &path).unwrap();
        }
        Fault::DiskFull => std::fs::remove_file(filler.unwrap()).unwrap(),
    }
}

fn terminate_sql(world: &World) -> String {
    let name = world.pg.as_ref().unwrap().name();
    format!(
        "SELECT COUNT(pg_terminate_backend(pid)) FROM pg_stat_activity \
         WHERE datname = '{name}' AND pid <> pg_backend_pid()"
    )
}

/// Runs `sql` on the PostgreSQL server's admin database (not the world's own).
async fn pg_admin(world: &World, sql: &str) {
    let admin = Database::connect(world.pg.as_ref().unwrap().admin_url())
        .await
        .unwrap();
    admin.execute_unprepared(sql).await.unwrap();
    admin.close().await.unwrap();
}

/// Writes a file into `dir` until its file system has no byte left.
fn fill(dir: &Path) -> PathBuf {
    use std::io::Write;
    let path = dir.join("filler");
    let mut file = std::fs::File::create(&path).unwrap();
    let block = vec![0xA5u8; 64 * 1024];
    let mut unit = block.as_slice();
    loop {
        match file.write(unit) {
            Ok(0) => break,
            Ok(_) => {}
            // Out of whole blocks: the rest byte by byte, to the last one.
            Err(_) if unit.len() > 1 => unit = &block[..1],
            Err(_) => break,
        }
    }
    let _ = file.sync_all();
    path
}

/// Waits for an export cycle to succeed after unix second `since`.
async fn export_resumed(world: &World, since: i64, from: Instant) -> Result<Duration, String> {
    let sql = format!("SELECT COUNT(*) FROM export_config WHERE last_success_at >= {since}");
    loop {
        if scalar(&world.db, &sql).await > 0 {
            return Ok(from.elapsed());
        }
        if from.elapsed() > EXPORT_RESUMES {
            let error: Option<String> = world
                .db
                .query_one(sea_orm::Statement::from_string(
                    world.db.get_database_backend(),
                    "SELECT last_error FROM export_config",
                ))
                .await
                .ok()
                .flatten()
                .and_then(|r| r.try_get_by_index(0).ok());
            return Err(format!(
                "no successful cycle in {EXPORT_RESUMES:?}; last error: {error:?}"
            ));
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

/// SQLite's own integrity check; PostgreSQL keeps its files to itself.
async fn integrity(world: &World) -> Check {
    if world.pg.is_some() {
        return Ok(());
    }
    let row = world
        .db
        .query_one(sea_orm::Statement::from_string(
            world.db.get_database_backend(),
            "PRAGMA integrity_check",
        ))
        .await
        .map_err(|e| e.to_string())?
        .ok_or("no answer")?;
    let answer: String = row.try_get_by_index(0).map_err(|e| e.to_string())?;
    if answer == "ok" {
        Ok(())
    } else {
        Err(answer)
    }
}

/// A tmpfs of `size` mounted at `dir` while it lives: a disk that can be filled. Needs root.
pub struct Tmpfs(PathBuf);

impl Tmpfs {
    pub fn mount(dir: &Path, size: &str) -> Result<Self, String> {
        std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
        let out = Command::new("mount")
            .args([
                "-t",
                "tmpfs",
                "-o",
                &format!("size={size},mode=0700"),
                "tmpfs",
            ])
            .arg(dir)
            .output()
            .map_err(|e| e.to_string())?;
        if out.status.success() {
            Ok(Self(dir.to_owned()))
        } else {
            Err(String::from_utf8_lossy(&out.stderr).trim().to_owned())
        }
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.0).status();
    }
}
