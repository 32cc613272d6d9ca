//! The Instalytics server: configuration, database, sessions, authentication and the HTTP
//! host for the Leptos app. `main.rs` is only the command line around [`start`].

pub mod auth;
pub mod backup;
pub mod cli;
pub mod clock;
pub mod config;
pub mod crypto;
pub mod db;
pub mod dev;
pub mod doctor;
pub mod export;
pub mod graph;
pub mod http;
pub mod keyring;
pub mod notify;
pub mod report;
pub mod secret;
pub mod services;
pub mod state;
pub mod store;
pub mod supervise;
pub mod sync;
pub mod telemetry;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::config::{MetaCallbacks, ServeArgs};
use crate::db::DbOpenError;
use crate::services::analytics::AnalyticsService;
use crate::state::{AppState, StateParts};
use crate::store::analytics::AnalyticsStore;
use crate::store::sessions::DbSessionStore;
use crate::store::settings::SettingsStore;
use crate::store::users::UserStore;
use crate::sync::{Poller, SyncContext};

/// The pause before an exporter or notifier that panicked starts again.
const EXPORTER_RESTART: Duration = Duration::from_secs(30);
/// How often expired sessions are swept from the database.
const SESSION_SWEEP: Duration = Duration::from_secs(60 * 60);

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Database(#[from] DbOpenError),
    #[error("cannot read the Leptos site configuration: {0}")]
    Site(String),
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("cannot prepare password hashing: {0}")]
    Passwords(#[from] auth::password::PasswordError),
    #[error("cannot check for an admin: {0}")]
    Store(#[from] store::StoreError),
    #[error(transparent)]
    Keys(#[from] keyring::OpenError),
    #[error("cannot build the HTTP client: {0}")]
    Http(String),
    #[error(transparent)]
    Lock(#[from] backup::BackupError),
}

/// A server that is listening. Dropping it does not stop it; call [`Running::stop`].
pub struct Running {
    pub addr: SocketAddr,
    /// Where `/metrics` is served, when `--metrics-listen` asked for it.
    pub metrics_addr: Option<SocketAddr>,
    /// Set when no admin exists: the secret of the one-time `/setup?token=…` link.
    pub setup_token: Option<String>,
    shutdown: CancellationToken,
    task: JoinHandle<std::io::Result<()>>,
    metrics: Option<JoinHandle<std::io::Result<()>>>,
    poller: JoinHandle<()>,
    exporter: JoinHandle<()>,
    /// Keeps `restore` off the SQLite database while this server runs.
    _lock: Option<backup::ServeLock>,
}

impl Running {
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Runs until SIGINT/SIGTERM, then drains open requests.
    pub async fn until_signal(self) -> std::io::Result<()> {
        shutdown_signal().await;
        tracing::info!("shutting down");
        self.stop().await
    }

    /// Stops taking requests and syncs; running syncs finish or roll back within
    /// [`sync::scheduler::SHUTDOWN_GRACE`].
    pub async fn stop(self) -> std::io::Result<()> {
        self.shutdown.cancel();
        let served = self
            .task
            .await
            .unwrap_or_else(|e| Err(std::io::Error::other(e)));
        if let Some(metrics) = self.metrics {
            match metrics.await {
                Ok(Ok(())) => {}
                Ok(Err(e)) => tracing::error!(error = %e, "metrics listener failed"),
                Err(e) => tracing::error!(error = %e, "metrics task failed"),
            }
        }
        if let Err(e) = self.poller.await {
            tracing::error!(error = %e, "poller task failed");
        }
        if let Err(e) = self.exporter.await {
            tracing::error!(error = %e, "export task failed");
        }
        served
    }
}

/// Opens the database, migrates it, binds the listener and starts serving in the background.
pub async fn start(args: ServeArgs) -> Result<Running, StartError> {
    let url = args.database.url();
    let lock = db::sqlite_file(&url)
        .map(backup::ServeLock::serving)
        .transpose()?;
    let db = db::open(&url).await?;
    let mut leptos_options = leptos::config::get_configuration(None)
        .map_err(|e| StartError::Site(e.to_string()))?
        .leptos_options;
    let listener = TcpListener::bind(args.listen)
        .await
        .map_err(|source| StartError::Bind {
            addr: args.listen,
            source,
        })?;
    let addr = listener.local_addr().map_err(|source| StartError::Bind {
        addr: args.listen,
        source,
    })?;
    leptos_options.site_addr = addr;
    if let Some(root) = &args.site_root {
        leptos_options.site_root = root.as_str().into();
    }
    // A `cargo leptos build` with `hash-files` leaves the hashes beside the binary; reading
    // them then needs no LEPTOS_HASH_FILES from whoever starts it.
    let hashes = std::env::current_exe()
        .ok()
        .and_then(|exe| Some(exe.parent()?.join(leptos_options.hash_file.as_ref())));
    if hashes.is_some_and(|path| path.is_file()) {
        leptos_options.hash_files = true;
    }

    let master_key = args.database.master_key.as_ref().map(|k| k.expose());
    let key = keyring::open(&db, master_key, &args.database.data_dir, clock::unix_now()).await?;
    let cipher = Arc::new(key);
    let http = graph::transport::client().map_err(|e| StartError::Http(e.to_string()))?;
    let graph = Arc::new(args.graph.graph_config());
    let public_url = args
        .public_url
        .clone()
        .unwrap_or_else(|| format!("http://{addr}"));
    let sync = Arc::new(SyncContext {
        db: db.clone(),
        cipher: cipher.clone(),
        http: http.clone(),
        graph,
        instance: instance_name(),
    });
    let export_wake = Arc::new(tokio::sync::Notify::new());
    let poller = Poller::new(
        sync.clone(),
        args.sync_concurrency as usize,
        export_wake.clone(),
    );
    let export_deps = export::ExportDeps {
        db: db.clone(),
        cipher: cipher.clone(),
        http,
        config: args.bigquery.config(),
    };
    let exporter = export::worker::ExportWorker {
        deps: export_deps.clone(),
        wake: export_wake.clone(),
    };
    let notify = notify::NotifyDeps {
        db: db.clone(),
        cipher: cipher.clone(),
        http: notify::NotifyDeps::http_client().map_err(|e| StartError::Http(e.to_string()))?,
        smtp_env: args.smtp_env(),
        public_url: public_url.clone(),
        analytics: Arc::new(AnalyticsService::new(
            AnalyticsStore::new(db.clone()),
            SettingsStore::new(db.clone()),
        )),
    };
    let notifier = notify::worker::Notifier {
        deps: notify.clone(),
        wake: Arc::new(tokio::sync::Notify::new()),
    };
    let state = AppState::new(StateParts {
        db: db.clone(),
        leptos_options,
        sync: sync.clone(),
        poller: poller.waker(),
        export: export_wake,
        export_deps,
        oauth: args.graph.oauth_apps(&public_url),
        secure_cookies: args.secure_cookies,
        notify,
        meta: MetaCallbacks {
            secrets: args.graph.app_secrets(),
            public_url,
        },
    })
    .await?;
    let setup_token = if UserStore::new(db.clone()).admin_exists().await? {
        None
    } else {
        let token = state.setup.issue();
        tracing::info!("no admin yet: create one at http://{addr}/setup?token={token}");
        Some(token)
    };

    let shutdown = CancellationToken::new();
    let (metrics_addr, metrics) = match args.metrics_listen {
        Some(addr) => {
            let (bound, task) = http::metrics::serve(addr, db.clone(), shutdown.clone())
                .await
                .map_err(|source| StartError::Bind { addr, source })?;
            tracing::info!("metrics on http://{bound}/metrics");
            (Some(bound), Some(task))
        }
        None => (None, None),
    };
    tokio::spawn(sweep_sessions(DbSessionStore::new(db), shutdown.clone()));
    let poller = tokio::spawn(poller.run(shutdown.clone()));
    let exporter = tokio::spawn(supervise::restarting(
        "exporter",
        shutdown.clone(),
        EXPORTER_RESTART,
        {
            let shutdown = shutdown.clone();
            move || exporter.clone().run(shutdown.clone())
        },
    ));
    tokio::spawn(supervise::restarting(
        "notifier",
        shutdown.clone(),
        EXPORTER_RESTART,
        {
            let shutdown = shutdown.clone();
            move || notifier.clone().run(shutdown.clone())
        },
    ));
    let app = http::router(state, &args).into_make_service_with_connect_info::<SocketAddr>();
    let stop = shutdown.clone();
    let task = tokio::spawn(async move {
        axum::serve(listener, app)
            .with_graceful_shutdown(stop.cancelled_owned())
            .await
    });
    tracing::info!("listening on http://{addr}");
    Ok(Running {
        addr,
        metrics_addr,
        setup_token,
        shutdown,
        task,
        metrics,
        poller,
        exporter,
        _lock: lock,
    })
}

/// Names this process in lease rows and the sync log: host, pid and a random suffix.
fn instance_name() -> String {
    use rand::Rng;
    let host = std::env::var("HOSTNAME").unwrap_or_else(|_| "instalytics".into());
    let suffix: u32 = rand::thread_rng().gen();
    format!("{host}-{}-{suffix:08x}", std::process::id())
}

async fn sweep_sessions(store: DbSessionStore, shutdown: CancellationToken) {
    let mut tick = tokio::time::interval(SESSION_SWEEP);
    loop {
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = tick.tick() => match store.delete_expired().await {
                Ok(0) => {}
                Ok(n) => tracing::info!(sessions = n, "expired sessions removed"),
                Err(e) => tracing::warn!(error = %e, "expired-session sweep failed"),
            },
        }
    }
}

async fn shutdown_signal() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            .expect("SIGTERM handler installs");
        tokio::select! {
            _ = interrupt => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = interrupt.await;
}
