//! One world the faults are tried in: the Graph API simulator, Google's token endpoint and a
//! counting proxy in front of the BigQuery emulator, all in this process so that killing the
//! server leaves them running; a database seeded with connected accounts and an export
//! destination; and the release binary started against them as often as it is killed.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use sea_orm::{Database, DatabaseConnection};
use server::auth::password::Passwords;
use server::crypto::{Cipher, MasterKey};
use server::dev::demo::connect_all;
use server::dev::graph_sim::{SimConfig, Simulator};
use server::dev::token_sim::TokenSim;
use server::graph::GraphConfig;
use server::store::entities::export_config::KEY_CONTEXT;
use server::store::entities::users::DbRole;
use server::store::export::{Destination, ExportStore};
use server::store::settings::{SettingChange, SettingsStore};
use server::store::users::UserStore;
use server::sync::SyncContext;
use time::OffsetDateTime;

use crate::common::env_or;
use crate::common::server_process::{free_port, ServerProcess};
use crate::fixtures::bq::{self, FaultProxy, EMAIL, LOCATION, PROJECT};
use crate::fixtures::{self, Db};

/// The admin the outage scenarios sign in as (a sign-in writes a session row).
pub const ADMIN: (&str, &str) = ("faults.admin", "faults password 1");
/// How long a started server may take to answer `/healthz`.
const READY_LIMIT: Duration = Duration::from_secs(30);

/// What a world is made of; two worlds from equal setups see the same Graph API data.
#[derive(Clone, Debug)]
pub struct Setup {
    pub db: Db,
    pub accounts: usize,
    pub media: usize,
    pub interval_secs: i64,
    pub seed: u64,
    /// The simulator's clock, frozen: every sync reads the same media and metrics.
    pub start: OffsetDateTime,
    pub batch_rows: u64,
}

pub struct World {
    pub name: String,
    pub setup: Setup,
    /// The simulator's address (`/instagram`, `/facebook` below it).
    sim: SocketAddr,
    _google: TokenSim,
    token_url: String,
    /// Every request of the exporter passes here; `seen("")` counts them.
    pub probe: FaultProxy,
    pub emulator: String,
    pub dataset: String,
    pub data_dir: PathBuf,
    pub url: String,
    /// Dropped with the world.
    pub pg: Option<fixtures::PgDatabase>,
    /// The harness's own connection, for the checks.
    pub db: DatabaseConnection,
    bin: PathBuf,
    port: u16,
    logs: PathBuf,
    lives: usize,
}

impl World {
    /// A seeded world whose server is not started yet. `data_dir` must exist.
    pub async fn new(name: &str, setup: &Setup, data_dir: &Path, logs: &Path) -> Option<Self> {
        let emulator = bq::emulator()?;
        let (url, pg) = fixtures::database(setup.db, data_dir).await?;
        let sim = Simulator::new(SimConfig {
            seed: setup.seed,
            accounts: setup.accounts,
            media_per_account: setup.media,
            history_days: 30,
            start: setup.start,
            ..SimConfig::default()
        });
        let delay = Duration::from_millis(env_or("FAULTS_GRAPH_DELAY_MS", 20));
        let sim_addr = serve_late(&sim, delay).await;
        let (google, token_url) = bq::google().await;
        let probe = FaultProxy::start(&emulator).await;
        let dataset = bq::fresh_dataset(&emulator).await;
        seed_database(&url, data_dir, &sim, sim_addr, &dataset, setup).await;
        let logs = logs.join(name);
        std::fs::create_dir_all(&logs).unwrap();
        Some(Self {
            name: name.to_owned(),
            setup: setup.clone(),
            sim: sim_addr,
            _google: google,
            token_url,
            probe,
            emulator,
            dataset,
            data_dir: data_dir.to_owned(),
            db: Database::connect(&url).await.unwrap(),
            url,
            pg,
            bin: own_copy_of_binary(&logs),
            port: free_port(),
            logs,
            lives: 0,
        })
    }

    /// The server's flags: this world's database, simulator, token endpoint and proxy.
    fn flags(&self) -> Vec<String> {
        let mut flags = vec![
            "--data-dir".into(),
            self.data_dir.display().to_string(),
            "--database-url".into(),
            self.url.clone(),
            "--bigquery-url".into(),
            self.probe.url.clone(),
            "--bigquery-token-url".into(),
            self.token_url.clone(),
            // Small batches: a cycle sends several, so kills land between them too.
            "--export-batch-rows".into(),
            self.setup.batch_rows.to_string(),
            "--bigquery-timeout-secs".into(),
            "30".into(),
        ];
        flags.extend([
            "--instagram-graph-url".into(),
            format!("http://{}/instagram", self.sim),
            "--facebook-graph-url".into(),
            format!("http://{}/facebook", self.sim),
        ]);
        flags
    }

    /// Starts the server (the next life, with its own log) and waits until it is ready;
    /// returns it with the time it took.
    pub async fn start(&mut self) -> (ServerProcess, Duration) {
        self.lives += 1;
        let log = self.logs.join(format!("server-{:03}.log", self.lives));
        let mut server = ServerProcess::spawn(&self.bin, self.port, &self.flags(), &log)
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", self.bin.display()));
        let took = server
            .ready(READY_LIMIT)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        (server, took)
    }

    /// Every log line of every life so far.
    pub fn all_log_lines(&self) -> Vec<String> {
        let mut files: Vec<PathBuf> = std::fs::read_dir(&self.logs)
            .map(|d| {
                d.flatten()
                    .map(|e| e.path())
                    .filter(|p| p.extension().is_some_and(|x| x == "log"))
                    .collect()
            })
            .unwrap_or_default();
        files.sort();
        files
            .iter()
            .flat_map(|f| {
                std::fs::read_to_string(f)
                    .unwrap_or_default()
                    .lines()
                    .map(str::to_owned)
                    .collect::<Vec<_>>()
            })
            .collect()
    }

    pub async fn set_interval(&self, secs: i64) {
        SettingsStore::new(self.db.clone())
            .set(SettingChange::PollIntervalSecs(secs))
            .await
            .unwrap();
    }
}

/// A copy of the release binary for this world: the shared target directory's may be
/// rebuilt (by other builds) while a run restarts the server fifty times.
fn own_copy_of_binary(dir: &Path) -> PathBuf {
    let copy = dir.join("instalytics");
    std::fs::copy(env!("CARGO_BIN_EXE_instalytics"), &copy).unwrap();
    copy
}

/// Serves the simulator with every answer `delay` late, as over a network: a sync then
/// lasts long enough (hundreds of requests) for kills to land inside it.
async fn serve_late(sim: &Simulator, delay: Duration) -> SocketAddr {
    let late = move |request: axum::extract::Request, next: axum::middleware::Next| async move {
        tokio::time::sleep(delay).await;
        next.run(request).await
    };
    let app = sim.router().layer(axum::middleware::from_fn(late));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    addr
}

/// Migrates the database and fills it as an admin would through the pages: the simulator's
/// accounts connected, export to a fresh dataset switched on, the poll interval set (below
/// the Settings page's 5-minute floor, so a run sees many syncs), and an admin user.
async fn seed_database(
    url: &str,
    data_dir: &Path,
    sim: &Simulator,
    sim_addr: SocketAddr,
    dataset: &str,
    setup: &Setup,
) {
    let db = server::db::open(url).await.unwrap();
    let cipher = Arc::new(Cipher::new(
        MasterKey::load_or_create(None, data_dir).unwrap(),
    ));
    let ctx = SyncContext {
        db: db.clone(),
        cipher: cipher.clone(),
        http: reqwest::Client::new(),
        graph: Arc::new(GraphConfig {
            instagram_base: format!("http://{sim_addr}/instagram/v25.0"),
            instagram_root: format!("http://{sim_addr}/instagram"),
            facebook_base: format!("http://{sim_addr}/facebook/v25.0"),
            ..GraphConfig::meta("v25.0")
        }),
        instance: "faults-setup".into(),
    };
    connect_all(&ctx, sim, sim.now().unix_timestamp())
        .await
        .unwrap();
    let export = ExportStore::new(db.clone());
    export
        .set_destination(Destination {
            project: PROJECT.into(),
            dataset: dataset.into(),
            location: LOCATION.into(),
        })
        .await
        .unwrap();
    export
        .set_key(cipher.seal(&bq::key().0, KEY_CONTEXT), EMAIL.into())
        .await
        .unwrap();
    export.set_enabled(true).await.unwrap();
    SettingsStore::new(db.clone())
        .set(SettingChange::PollIntervalSecs(setup.interval_secs))
        .await
        .unwrap();
    let hash = Passwords::new().await.unwrap().hash(ADMIN.1).await.unwrap();
    UserStore::new(db.clone())
        .insert(ADMIN.0, hash, DbRole::Admin)
        .await
        .unwrap();
    db.close().await.unwrap();
}
