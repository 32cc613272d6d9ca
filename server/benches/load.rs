//! `scripts/load` (or `cargo bench -p server --bench load`): the dashboard under load, over the
//! real HTTP stack of a running server (in-process, on a loopback port). `LOAD_CLIENTS`
//! signed-in viewers, each with its own cookie jar, call the Overview, Posts and Post detail
//! server functions back to back (no think time) for `LOAD_SECS`, over varied accounts,
//! periods, sorts, filters and pages, on a generated history, while the poller syncs as many
//! live simulator accounts once a minute and, when `INSTALYTICS_TEST_BQ` names a BigQuery
//! emulator, the exporter (enabled as the window opens) sends the whole history to it.
//!
//! Per database — SQLite always; PostgreSQL when `INSTALYTICS_TEST_PG` names an admin URL (a
//! fresh database is created and dropped) — it prints requests/s, p50/p90/p99/max per call,
//! answers other than 200, SQLite busy errors seen in the server's logs or answers, the syncs
//! of the window and their outcomes, writes to the `sessions` table, and the exporter's
//! progress. No pass/fail.
//!
//! Knobs: `BENCH_ACCOUNTS` (generated accounts, and live ones, default 20 each), `BENCH_POSTS`
//! (per generated account, 2,000), `BENCH_DAYS` (90), `LOAD_SECS` (60), `LOAD_CLIENTS` (32);
//! `LOAD_LOG=<file>` also writes the server's log there.

mod common;
/// The integration tests' fixtures: a server on a loopback port over a fresh database, the
/// simulator it polls, browser-like clients, the BigQuery emulator's helpers.
#[path = "../tests/common/mod.rs"]
mod fixtures;

use common::log_tally::{is_busy, LogTally, Tally};
use common::{counts, env_or, ms, scalar, Latency};
use fixtures::world::SyncWorld;
use fixtures::{bq, Api, Db, TestServer};

use std::sync::Arc;
use std::time::{Duration, Instant};

use app::dto::{PostSort, UserSummary};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use reqwest::StatusCode;
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, Statement};
use server::crypto::{Cipher, MasterKey};
use server::dev::generate::{generate, GenerateConfig};
use server::dev::graph_sim::{SimConfig, Simulator};
use server::dev::token_sim::TokenSim;
use server::store::settings::{SettingChange, SettingsStore};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::EnvFilter;

/// The poll interval under test. Below the Settings page's 5-minute minimum, so it is set in
/// the store directly.
const POLL_SECS: i64 = 60;
/// Calls before the window, not counted: caches filled, every session touched once.
const WARM_UP: Duration = Duration::from_secs(3);
/// How long the live accounts' first (full) syncs may take before the bench gives up.
const FIRST_SYNCS: Duration = Duration::from_secs(600);
const VIEWER_PASSWORD: &str = "load-viewer-password";
/// Failed answers kept per run, to say what failed.
const FAILURES_KEPT: usize = 8;
const SLOWEST_KEPT: usize = 5;

struct Knobs {
    history: GenerateConfig,
    secs: u64,
    clients: usize,
}

impl Knobs {
    fn from_env() -> Self {
        Self {
            history: GenerateConfig {
                accounts: env_or("BENCH_ACCOUNTS", 20),
                posts: env_or("BENCH_POSTS", 2_000),
                days: env_or("BENCH_DAYS", 90),
                seed: 42,
            },
            secs: env_or("LOAD_SECS", 60).max(1),
            clients: env_or("LOAD_CLIENTS", 32).max(1),
        }
    }
}

#[tokio::main]
async fn main() {
    let tally = LogTally::default();
    // `LOAD_LOG=<file>`: the server's whole log (INFO and above) there too, to diagnose.
    let log_file = std::env::var_os("LOAD_LOG").map(|path| {
        let file = std::fs::File::create(path).expect("LOAD_LOG names a writable file");
        tracing_subscriber::fmt::layer()
            .with_ansi(false)
            .with_writer(std::sync::Mutex::new(file))
    });
    tracing_subscriber::registry()
        .with(EnvFilter::new("info,sqlx=warn,sea_orm=warn"))
        .with(tally.clone())
        .with(log_file)
        .init();
    let knobs = Knobs::from_env();
    let h = &knobs.history;
    println!(
        "load: {} clients for {} s; history {} accounts x {} posts over {} days; {} live simulator accounts polled every {POLL_SECS} s",
        knobs.clients, knobs.secs, h.accounts, h.posts, h.days, h.accounts
    );
    let export = Export::start().await;
    for db in [Db::Sqlite, Db::Postgres] {
        run(db, &knobs, export.as_ref(), &tally).await;
    }
}

/// One database: set up, warm up, the timed window, the report.
async fn run(db: Db, knobs: &Knobs, export: Option<&Export>, tally: &LogTally) {
    let flags = export.map(Export::flags).unwrap_or_default();
    let sim = SimConfig {
        accounts: knobs.history.accounts,
        ..SimConfig::default()
    };
    let name = match db {
        Db::Sqlite => "SQLite",
        Db::Postgres => "PostgreSQL",
    };
    let Some(world) = SyncWorld::start(db, sim, &flags).await else {
        println!("{name}: skipped (set INSTALYTICS_TEST_PG to run it)");
        return;
    };
    let clock = tokio::spawn(follow_real_time(world.sim.clone()));
    println!("\n{name}:");
    let conn = server::db::open(&world.server.database_url).await.unwrap();
    let (clients, targets) = prepare(&world, &conn, knobs, export).await;
    if export.is_some() {
        timed_call(&world.admin, "export/status", &[]).await;
    }
    let setup = tally.take();
    if setup.warnings + setup.busy > 0 {
        print_logs("during setup", &setup);
    }

    println!(
        "  machine load (1-minute average) as the window opens: {}",
        load_average()
    );
    let window_start = server::clock::unix_now();
    stagger_syncs(&conn, window_start, knobs.secs).await;
    let sessions_before = session_writes(&conn).await;
    // The switch answers with the Export page's status, which can take long: the window
    // does not wait for it.
    let enabling = export.map(|_| {
        let admin = world.admin.clone();
        tokio::spawn(async move {
            timed_call(&admin, "export/enabled", &[("enabled", "true")]).await;
        })
    });
    let window = load(&clients, &targets, Duration::from_secs(knobs.secs)).await;
    let logs = tally.take();
    let sessions = session_writes(&conn).await - sessions_before;

    let busy_answers = window.busy_answers;
    window.print(knobs.clients);
    println!("  SQLite busy (\"database is locked\") in answers: {busy_answers}");
    print_logs("in the window", &logs);
    print_syncs(&conn, window_start).await;
    println!(
        "  session writes: {sessions} in the window, by {} signed-in clients ({sessions_before} before it: sign-ins, first touches)",
        knobs.clients
    );
    if let Some(enabling) = enabling {
        enabling.await.unwrap();
        print_export(&conn).await;
    }
    clock.abort();
    conn.close().await.unwrap();
    world.stop().await;
}

/// History, poll interval, live accounts, export destination, signed-in viewers, first
/// syncs done, caches warm: everything before the window.
async fn prepare(
    world: &SyncWorld,
    conn: &DatabaseConnection,
    knobs: &Knobs,
    export: Option<&Export>,
) -> (Vec<Api>, Arc<Targets>) {
    history(conn, &world.server, &knobs.history).await;
    SettingsStore::new(conn.clone())
        .set(SettingChange::PollIntervalSecs(POLL_SECS))
        .await
        .unwrap();
    for account in world.sim.accounts() {
        fixtures::connect(&world.admin, &account).await;
    }
    if let Some(export) = export {
        export.configure(&world.admin).await;
    }
    count_session_writes(conn).await;
    let clients = viewers(&world.server, &world.admin, knobs.clients).await;
    first_syncs(conn, world.sim.accounts().len() as i64).await;
    let targets = Arc::new(Targets::read(conn).await);
    load(&clients, &targets, WARM_UP).await;
    (clients, targets)
}

/// What the server logged at WARN or above, or about SQLite being busy, with the most
/// frequent messages.
fn print_logs(when: &str, logs: &Tally) {
    println!(
        "  server log {when}: SQLite busy (\"database is locked\") {}, events at WARN or above {}",
        logs.busy, logs.warnings
    );
    for (message, n) in logs.top() {
        println!("    {n:>6} x {message}");
    }
}

/// The BigQuery emulator and the stand-in for Google's token endpoint.
struct Export {
    emulator: String,
    token_url: String,
    _google: TokenSim,
}

impl Export {
    async fn start() -> Option<Self> {
        let Some(emulator) = std::env::var("INSTALYTICS_TEST_BQ")
            .ok()
            .filter(|url| !url.is_empty())
        else {
            println!("exporter: off (no BigQuery emulator; set INSTALYTICS_TEST_BQ, as scripts/load does when the emulator is installed)");
            return None;
        };
        println!("exporter: on, into the emulator at {emulator}");
        let (google, token_url) = bq::google().await;
        Some(Self {
            emulator,
            token_url,
            _google: google,
        })
    }

    fn flags(&self) -> Vec<String> {
        vec![
            "--bigquery-url".into(),
            self.emulator.clone(),
            "--bigquery-token-url".into(),
            self.token_url.clone(),
        ]
    }

    /// Destination (a fresh dataset) and key, through the Settings page's server functions
    /// (each answers with the export status, hence timed); export stays off until the window
    /// opens.
    async fn configure(&self, admin: &Api) {
        let dataset = bq::fresh_dataset(&self.emulator).await;
        let destination = [
            ("project", bq::PROJECT),
            ("dataset", &dataset),
            ("location", bq::LOCATION),
        ];
        timed_call(admin, "export/destination", &destination).await;
        timed_call(admin, "export/key", &[("key", &bq::key().0)]).await;
    }
}

/// An admin's call whose answer time matters (the Export page's, which counts each table's
/// backlog); prints its status and time. Not an error when it fails: the bench goes on.
async fn timed_call(admin: &Api, name: &str, form: &[(&str, &str)]) {
    let started = Instant::now();
    let (status, _) = admin.answer(name, form).await;
    println!(
        "  {name}: HTTP {status} in {:.1} s",
        started.elapsed().as_secs_f64()
    );
}

/// Keeps the simulator's clock on the wall clock the server stamps rows with, so live
/// accounts keep posting and their numbers keep growing between syncs.
async fn follow_real_time(sim: Simulator) {
    loop {
        let behind = time::OffsetDateTime::now_utc() - sim.now();
        if behind.is_positive() {
            sim.advance(behind.unsigned_abs());
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

/// The generated history, sealed with the running server's own key (its accounts are
/// disabled: the poller leaves them alone).
async fn history(db: &DatabaseConnection, server: &TestServer, config: &GenerateConfig) {
    let key = MasterKey::load(None, server.data_dir()).unwrap();
    let now = server::clock::unix_now();
    let report = generate(db, config, &Cipher::new(key), now).await.unwrap();
    println!("  generated {report}");
}

/// `n` viewers added by the admin and signed in, each in its own client (cookie jar).
async fn viewers(server: &TestServer, admin: &Api, n: usize) -> Vec<Api> {
    let started = Instant::now();
    let mut clients = Vec::with_capacity(n);
    for i in 0..n {
        let name = format!("viewer{i:02}");
        admin
            .ok::<UserSummary>(
                "users/add",
                &[
                    ("username", &name),
                    ("password", VIEWER_PASSWORD),
                    ("role", "viewer"),
                ],
            )
            .await;
        let client = server.client();
        let res = client.login(&name, VIEWER_PASSWORD).await;
        assert_eq!(res.status(), StatusCode::OK, "sign-in of {name}");
        clients.push(client);
    }
    println!(
        "  {n} viewers added and signed in in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    clients
}

/// Waits for every live account's first (full) sync, so the window sees the steady state.
async fn first_syncs(db: &DatabaseConnection, live: i64) {
    let started = Instant::now();
    let finished = "SELECT COUNT(DISTINCT account_id) FROM sync_runs WHERE outcome <> 'running'";
    while scalar(db, finished).await < live {
        assert!(
            started.elapsed() < FIRST_SYNCS,
            "the live accounts' first syncs did not finish within {FIRST_SYNCS:?}"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let outcomes = counts(
        db,
        "SELECT outcome, COUNT(*) FROM sync_runs GROUP BY outcome ORDER BY outcome",
    )
    .await;
    println!(
        "  first syncs of {live} live accounts: {} (waited {:.1} s)",
        listed(&outcomes),
        started.elapsed().as_secs_f64()
    );
}

/// Spreads the live accounts' next syncs evenly over the window, as a minute's interval
/// with jitter spreads them in the long run (their first syncs all started together).
async fn stagger_syncs(db: &DatabaseConnection, start: i64, secs: u64) {
    let live = "FROM accounts WHERE enabled = TRUE";
    let first = scalar(db, &format!("SELECT MIN(id) {live}")).await;
    let n = scalar(db, &format!("SELECT COUNT(*) {live}")).await;
    let spread = (secs as i64).min(POLL_SECS);
    db.execute_unprepared(&format!(
        "UPDATE accounts SET next_sync_at = {start} + ((id - {first}) * {spread}) / {n} WHERE enabled = TRUE"
    ))
    .await
    .unwrap();
}

/// Counts every insert and update of a `sessions` row in a one-row table, by triggers.
async fn count_session_writes(db: &DatabaseConnection) {
    let statements: &[&str] = match db.get_database_backend() {
        DbBackend::Sqlite => &[
            "CREATE TABLE bench_session_writes (n BIGINT NOT NULL)",
            "INSERT INTO bench_session_writes (n) VALUES (0)",
            "CREATE TRIGGER bench_session_insert AFTER INSERT ON sessions \
             BEGIN UPDATE bench_session_writes SET n = n + 1; END",
            "CREATE TRIGGER bench_session_update AFTER UPDATE ON sessions \
             BEGIN UPDATE bench_session_writes SET n = n + 1; END",
        ],
        _ => &[
            "CREATE TABLE bench_session_writes (n BIGINT NOT NULL)",
            "INSERT INTO bench_session_writes (n) VALUES (0)",
            "CREATE FUNCTION bench_count_session_write() RETURNS trigger LANGUAGE plpgsql AS \
             $$ BEGIN UPDATE bench_session_writes SET n = n + 1; RETURN NULL; END $$",
            "CREATE TRIGGER bench_session_write AFTER INSERT OR UPDATE ON sessions \
             FOR EACH ROW EXECUTE FUNCTION bench_count_session_write()",
        ],
    };
    for sql in statements {
        db.execute_unprepared(sql).await.unwrap();
    }
}

async fn session_writes(db: &DatabaseConnection) -> i64 {
    scalar(db, "SELECT n FROM bench_session_writes").await
}

#[derive(Clone, Copy, Debug)]
enum Call {
    Overview,
    Posts,
    Post,
}

impl Call {
    const ALL: [Call; 3] = [Call::Overview, Call::Posts, Call::Post];

    fn endpoint(self) -> &'static str {
        match self {
            Call::Overview => "analytics/overview",
            Call::Posts => "analytics/posts",
            Call::Post => "analytics/post",
        }
    }
}

/// What the clients ask about: every account and every listed post of the database.
struct Targets {
    accounts: Vec<i64>,
    media: Vec<i64>,
    today: time::Date,
}

impl Targets {
    async fn read(db: &DatabaseConnection) -> Self {
        Self {
            accounts: ids(db, "SELECT id FROM accounts ORDER BY id").await,
            // Stories have no detail page.
            media: ids(
                db,
                "SELECT id FROM media WHERE product_type <> 'STORY' ORDER BY id",
            )
            .await,
            today: time::OffsetDateTime::now_utc().date(),
        }
    }

    /// A call and its form, as a dashboard visitor might make it: Overview and Posts twice
    /// as often as a post's detail.
    fn pick(&self, rng: &mut StdRng) -> (Call, Vec<(String, String)>) {
        match rng.gen_range(0..5) {
            0 | 1 => (Call::Overview, self.period(rng, "query")),
            2 | 3 => (Call::Posts, self.posts(rng)),
            _ => {
                let id = self.media[rng.gen_range(0..self.media.len())];
                (Call::Post, vec![("id".into(), id.to_string())])
            }
        }
    }

    /// All accounts or one; a preset or a custom range inside the history.
    fn period(&self, rng: &mut StdRng, prefix: &str) -> Vec<(String, String)> {
        let mut form = Vec::new();
        if rng.gen_bool(0.5) {
            let account = self.accounts[rng.gen_range(0..self.accounts.len())];
            form.push((format!("{prefix}[account]"), account.to_string()));
        }
        if rng.gen_bool(0.2) {
            let to = self.today - time::Duration::days(rng.gen_range(0..30));
            let from = to - time::Duration::days(rng.gen_range(6..60));
            form.push((format!("{prefix}[from]"), from.to_string()));
            form.push((format!("{prefix}[to]"), to.to_string()));
        } else {
            let days = [7, 30, 90][rng.gen_range(0..3)];
            form.push((format!("{prefix}[days]"), days.to_string()));
        }
        form
    }

    /// A period, any sort either way, a hashtag one time in four, pages 1 to 5.
    fn posts(&self, rng: &mut StdRng) -> Vec<(String, String)> {
        let mut form = self.period(rng, "query[period]");
        let sort = PostSort::ALL[rng.gen_range(0..PostSort::ALL.len())];
        let sort = serde_json::to_value(sort).unwrap();
        form.push(("query[sort]".into(), sort.as_str().unwrap().to_owned()));
        form.push(("query[ascending]".into(), rng.gen_bool(0.3).to_string()));
        if rng.gen_bool(0.25) {
            let tag = ["travel", "food", "coffee", "sunset"][rng.gen_range(0..4)];
            form.push(("query[hashtag]".into(), tag.into()));
        }
        form.push(("query[page]".into(), rng.gen_range(1..=5).to_string()));
        form
    }
}

async fn ids(db: &DatabaseConnection, sql: &str) -> Vec<i64> {
    db.query_all(Statement::from_string(db.get_database_backend(), sql))
        .await
        .unwrap()
        .iter()
        .map(|row| row.try_get_by_index::<i64>(0).unwrap())
        .collect()
}

/// What the clients saw.
#[derive(Default)]
struct Window {
    /// Per call, in [`Call::ALL`] order.
    samples: [Vec<Duration>; 3],
    errors: [u64; 3],
    busy_answers: u64,
    failures: Vec<String>,
    /// The slowest calls, slowest first.
    slowest: Vec<(Duration, String)>,
    elapsed: Duration,
}

impl Window {
    fn record(
        &mut self,
        call: Call,
        form: &[(String, String)],
        took: Duration,
        answer: Result<(StatusCode, String), String>,
    ) {
        self.samples[call as usize].push(took);
        self.note_if_slow(call, form, took);
        let failure = match answer {
            Ok((StatusCode::OK, _)) => return,
            Ok((status, body)) => format!("HTTP {status}: {body}"),
            Err(e) => format!("no answer: {e}"),
        };
        self.errors[call as usize] += 1;
        self.busy_answers += u64::from(is_busy(&failure));
        if self.failures.len() < FAILURES_KEPT {
            let cut: String = failure.chars().take(300).collect();
            self.failures.push(format!("{}: {cut}", call.endpoint()));
        }
    }

    /// Keeps the [`SLOWEST_KEPT`] slowest calls with their forms, to say what is slow.
    fn note_if_slow(&mut self, call: Call, form: &[(String, String)], took: Duration) {
        if self.slowest.len() == SLOWEST_KEPT && took <= self.slowest[SLOWEST_KEPT - 1].0 {
            return;
        }
        let form: Vec<String> = form.iter().map(|(k, v)| format!("{k}={v}")).collect();
        let described = format!("{} {}", call.endpoint(), form.join("&"));
        self.keep_slowest([(took, described)]);
    }

    fn keep_slowest(&mut self, more: impl IntoIterator<Item = (Duration, String)>) {
        self.slowest.extend(more);
        self.slowest
            .sort_by_key(|(took, _)| std::cmp::Reverse(*took));
        self.slowest.truncate(SLOWEST_KEPT);
    }

    fn merge(&mut self, other: Window) {
        for call in Call::ALL {
            let i = call as usize;
            self.samples[i].extend_from_slice(&other.samples[i]);
            self.errors[i] += other.errors[i];
        }
        self.busy_answers += other.busy_answers;
        let room = FAILURES_KEPT.saturating_sub(self.failures.len());
        self.failures.extend(other.failures.into_iter().take(room));
        self.keep_slowest(other.slowest);
    }

    fn print(mut self, clients: usize) {
        let secs = self.elapsed.as_secs_f64();
        let total: usize = self.samples.iter().map(Vec::len).sum();
        println!(
            "  {total} calls in {secs:.1} s by {clients} clients = {:.1} requests/s",
            total as f64 / secs
        );
        println!(
            "  {:<20} {:>8} {:>9} {:>9} {:>9} {:>9} {:>7}",
            "call", "requests", "p50 ms", "p90 ms", "p99 ms", "max ms", "errors"
        );
        let mut all = Vec::with_capacity(total);
        for call in Call::ALL {
            let i = call as usize;
            all.extend_from_slice(&self.samples[i]);
            print_latency(call.endpoint(), &mut self.samples[i], self.errors[i]);
        }
        print_latency("all", &mut all, self.errors.iter().sum());
        for failure in &self.failures {
            println!("    {failure}");
        }
        println!("  slowest calls:");
        for (took, described) in &self.slowest {
            println!("    {:>7.1} ms  {described}", ms(*took));
        }
    }
}

fn print_latency(name: &str, samples: &mut [Duration], errors: u64) {
    let l = Latency::of(samples);
    println!(
        "  {name:<20} {:>8} {:>9.1} {:>9.1} {:>9.1} {:>9.1} {errors:>7}",
        l.n,
        ms(l.p50),
        ms(l.p90),
        ms(l.p99),
        ms(l.max)
    );
}

/// Every client calls back to back for `secs`; the window ends when the last answer is in.
async fn load(clients: &[Api], targets: &Arc<Targets>, secs: Duration) -> Window {
    let started = Instant::now();
    let until = started + secs;
    let tasks: Vec<_> = clients
        .iter()
        .enumerate()
        .map(|(i, api)| tokio::spawn(client(api.clone(), i as u64, targets.clone(), until)))
        .collect();
    let mut window = Window::default();
    for task in tasks {
        window.merge(task.await.unwrap());
    }
    window.elapsed = started.elapsed();
    window
}

async fn client(api: Api, seed: u64, targets: Arc<Targets>, until: Instant) -> Window {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut window = Window::default();
    while Instant::now() < until {
        let (call, form) = targets.pick(&mut rng);
        let started = Instant::now();
        let answer = call_once(&api, call.endpoint(), &form).await;
        window.record(call, &form, started.elapsed(), answer);
    }
    window
}

/// One server-function call; a transport failure is an answer too (unlike [`Api::call`],
/// which panics on it).
async fn call_once(
    api: &Api,
    name: &str,
    form: &[(String, String)],
) -> Result<(StatusCode, String), String> {
    let res = api
        .http
        .post(format!("{}/api/{name}", api.base))
        .form(form)
        .send()
        .await
        .map_err(|e| e.to_string())?;
    let status = res.status();
    let body = res.text().await.map_err(|e| e.to_string())?;
    Ok((status, body))
}

/// The syncs started since the window opened, by outcome, with their durations.
async fn print_syncs(db: &DatabaseConnection, start: i64) {
    let since = format!("FROM sync_runs WHERE started_at >= {start}");
    let outcomes = counts(
        db,
        &format!("SELECT outcome, COUNT(*) {since} GROUP BY outcome ORDER BY outcome"),
    )
    .await;
    let done = format!("{since} AND finished_at IS NOT NULL");
    let finished = scalar(db, &format!("SELECT COUNT(*) {done}")).await;
    let seconds = scalar(
        db,
        &format!("SELECT CAST(COALESCE(SUM(finished_at - started_at), 0) AS BIGINT) {done}"),
    )
    .await;
    let longest = scalar(
        db,
        &format!("SELECT COALESCE(MAX(finished_at - started_at), 0) {done}"),
    )
    .await;
    let rows = scalar(
        db,
        &format!("SELECT CAST(COALESCE(SUM(rows_written), 0) AS BIGINT) {done}"),
    )
    .await;
    println!(
        "  syncs started in the window: {} ({finished} finished, {rows} rows written; mean {:.1} s, longest {longest} s)",
        listed(&outcomes),
        seconds as f64 / finished.max(1) as f64
    );
}

/// Rows BigQuery confirmed per table (export started with the window, from nothing), and
/// the exporter's last error.
async fn print_export(db: &DatabaseConnection) {
    let sent = counts(
        db,
        "SELECT table_name, rows_exported FROM export_state ORDER BY table_name",
    )
    .await;
    let snapshots = scalar(db, "SELECT COUNT(*) FROM media_snapshots").await;
    let error = db
        .query_one(Statement::from_string(
            db.get_database_backend(),
            "SELECT last_error FROM export_config",
        ))
        .await
        .unwrap()
        .and_then(|row| row.try_get_by_index::<Option<String>>(0).unwrap());
    println!(
        "  exporter: rows sent in the window: {} (of {snapshots} snapshot rows); last error: {}",
        listed(&sent),
        error.as_deref().unwrap_or("none")
    );
}

/// Other work on the machine shows here (the CPUs are shared with builds and the emulator).
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|l| l.split_whitespace().next().map(str::to_owned))
        .unwrap_or_else(|| "unknown".into())
}

/// `ok 20, failed 1`, or `none`.
fn listed(counts: &[(String, i64)]) -> String {
    if counts.is_empty() {
        return "none".into();
    }
    let parts: Vec<String> = counts.iter().map(|(k, n)| format!("{k} {n}")).collect();
    parts.join(", ")
}
