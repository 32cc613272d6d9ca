//! The faults suite (issue 14), run by `scripts/faults`: the release binary `instalytics`
//! as a child process, killed with SIGKILL at random moments during syncs and BigQuery
//! exports and started again, with the invariants checked after every restart; then the
//! database taken away and SQLite's disk filled under a running server. Prints figures; exits
//! 1 when an invariant failed.
//!
//! The Graph API simulator (clock frozen, so every sync reads the same data), Google's token
//! endpoint and a counting proxy in front of the BigQuery emulator run in this process, so a
//! kill takes down the server alone. Needs the emulator (`INSTALYTICS_TEST_BQ`, started by
//! the script as scripts/test does); PostgreSQL (`INSTALYTICS_TEST_PG`) for its cases.
//!
//! Environment (defaults in brackets):
//!   FAULTS_KILLS [50]            kills at random moments in the kill run
//!   FAULTS_COMMIT_KILLS [10]     then kills the instant a sync's data is committed
//!   FAULTS_DB [sqlite]           database of the kill run: sqlite or postgres
//!   FAULTS_ACCOUNTS [6], FAULTS_MEDIA [100]   simulated accounts and media per account
//!   FAULTS_INTERVAL_SECS [15]    poll interval (set in the database, below the UI's floor)
//!   FAULTS_SEED [42]             simulator data and kill timing
//!   FAULTS_GRAPH_DELAY_MS [20]   the simulator answers this late, as over a network
//!   FAULTS_OUTAGE_SECS [20]      how long the database stays gone / the disk full (at least)
//!   FAULTS_ONLY [all]            `kills` or `outages` to run one half

#[path = "../common/mod.rs"]
mod common;
#[path = "../../tests/common/mod.rs"]
mod fixtures;

mod checks;
mod kills;
mod outages;
mod report;
mod world;

use std::path::PathBuf;
use std::time::Duration;

use rand::SeedableRng;
use time::OffsetDateTime;

use common::env_or;
use fixtures::Db;
use outages::{Fault, Tmpfs};
use world::{Setup, World};

struct Config {
    kills: usize,
    commit_kills: usize,
    db: Db,
    accounts: usize,
    media: usize,
    interval_secs: i64,
    seed: u64,
    hold: Duration,
    only: String,
    logs: PathBuf,
}

impl Config {
    fn from_env() -> Self {
        let db = match std::env::var("FAULTS_DB").as_deref() {
            Ok("postgres") => Db::Postgres,
            Ok("sqlite") | Err(_) => Db::Sqlite,
            Ok(other) => panic!("FAULTS_DB={other}: use sqlite or postgres"),
        };
        Self {
            kills: env_or("FAULTS_KILLS", 50),
            commit_kills: env_or("FAULTS_COMMIT_KILLS", 10),
            db,
            accounts: env_or("FAULTS_ACCOUNTS", 6),
            media: env_or("FAULTS_MEDIA", 100),
            interval_secs: env_or("FAULTS_INTERVAL_SECS", 15),
            seed: env_or("FAULTS_SEED", 42),
            hold: Duration::from_secs(env_or("FAULTS_OUTAGE_SECS", 20)),
            only: std::env::var("FAULTS_ONLY").unwrap_or_else(|_| "all".into()),
            logs: std::env::temp_dir().join(format!("instalytics-faults-{}", std::process::id())),
        }
    }

    fn runs(&self, part: &str) -> bool {
        self.only == "all" || self.only == part
    }

    fn setup(&self, db: Db, start: OffsetDateTime) -> Setup {
        Setup {
            db,
            accounts: self.accounts,
            media: self.media,
            interval_secs: self.interval_secs,
            seed: self.seed,
            start,
            batch_rows: 500,
        }
    }
}

#[tokio::main]
async fn main() {
    let config = Config::from_env();
    if fixtures::bq::emulator().is_none() {
        return;
    }
    let mut failures = 0;
    if config.runs("kills") {
        failures += kill_suite(&config).await;
    }
    if config.runs("outages") {
        failures += outage_suite(&config).await;
    }
    println!("server logs: {}", config.logs.display());
    if failures > 0 {
        println!("{failures} check(s) FAILED");
        std::process::exit(1);
    }
}

/// The clean run, then the run with kills on the same simulated data; their figures compared.
async fn kill_suite(config: &Config) -> u32 {
    let start = OffsetDateTime::now_utc().replace_nanosecond(0).unwrap();
    let setup = config.setup(config.db, start);
    println!(
        "kill -9 suite on {:?}: {} accounts x {} media, poll every {} s, {} kills",
        config.db, setup.accounts, setup.media, setup.interval_secs, config.kills
    );
    let dir = tempfile::tempdir().unwrap();
    let Some(mut clean) = World::new("clean", &setup, dir.path(), &config.logs).await else {
        return 0;
    };
    let (clean_census, clean_settled) = kills::clean_run(&mut clean).await;
    drop(clean);

    let dir = tempfile::tempdir().unwrap();
    let mut world = World::new("kills", &setup, dir.path(), &config.logs)
        .await
        .expect("the clean run's database is configured");
    let mut rng = rand::rngs::StdRng::seed_from_u64(config.seed);
    let mut figures =
        kills::kill_run(&mut world, config.kills, config.commit_kills, &mut rng).await;
    figures.tally.record(
        "clean run: BigQuery = database; a planted partial sync is seen",
        clean_settled,
    );
    println!("final figures:");
    let same = report::compare(&clean_census, &figures.census);
    figures.tally.record("final figures = clean run", same);
    figures.print();
    drop(world);
    figures.tally.failures()
}

/// Each fault on a fresh world of three accounts.
async fn outage_suite(config: &Config) -> u32 {
    let setup = Setup {
        accounts: 3,
        media: 60,
        interval_secs: 10,
        ..config.setup(Db::Sqlite, OffsetDateTime::now_utc())
    };
    let mut faults = vec![
        (Fault::SqliteMoved, Db::Sqlite),
        (Fault::DiskFull, Db::Sqlite),
    ];
    if fixtures::pg_admin_url().is_some() {
        faults.insert(0, (Fault::PgTerminated, Db::Postgres));
        faults.insert(1, (Fault::PgRefused, Db::Postgres));
    }
    let mut failures = 0;
    for (n, (fault, db)) in faults.into_iter().enumerate() {
        let dir = tempfile::tempdir().unwrap();
        let _disk = match fault {
            Fault::DiskFull => match Tmpfs::mount(dir.path(), "64m") {
                Ok(disk) => Some(disk),
                Err(e) => {
                    println!(
                        "{}: SKIPPED, no tmpfs to fill ({e}; needs root)",
                        fault.describe()
                    );
                    continue;
                }
            },
            _ => None,
        };
        let setup = Setup {
            db,
            ..setup.clone()
        };
        let name = format!("outage-{n}");
        let mut world = World::new(&name, &setup, dir.path(), &config.logs)
            .await
            .expect("configured above");
        let figures = outages::run(&mut world, fault, config.hold).await;
        figures.print();
        failures += figures.failures();
        drop(world);
    }
    failures
}
