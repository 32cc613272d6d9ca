//! The Instalytics server: configuration, database, sessions, authentication and the HTTP
//! host for the Leptos app. `main.rs` is only the command line around [`start`].

pub mod auth;
pub mod cli;
pub mod config;
pub mod crypto;
pub mod db;
pub mod graph;
pub mod graph_sim;
pub mod http;
pub mod state;
pub mod store;
pub mod telemetry;

use std::net::SocketAddr;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::config::ServeArgs;
use crate::db::DbOpenError;
use crate::state::AppState;
use crate::store::sessions::DbSessionStore;
use crate::store::users::UserStore;

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
}

/// A server that is listening. Dropping it does not stop it; call [`Running::stop`].
pub struct Running {
    pub addr: SocketAddr,
    /// Set when no admin exists: the secret of the one-time `/setup?token=…` link.
    pub setup_token: Option<String>,
    shutdown: CancellationToken,
    task: JoinHandle<std::io::Result<()>>,
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

    pub async fn stop(self) -> std::io::Result<()> {
        self.shutdown.cancel();
        self.task
            .await
            .unwrap_or_else(|e| Err(std::io::Error::other(e)))
    }
}

/// Opens the database, migrates it, binds the listener and starts serving in the background.
pub async fn start(args: ServeArgs) -> Result<Running, StartError> {
    let db = db::open(&args.database.url()).await?;
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

    let state = AppState::new(db.clone(), leptos_options).await?;
    let setup_token = if UserStore::new(db.clone()).admin_exists().await? {
        None
    } else {
        let token = state.setup.issue();
        tracing::info!("no admin yet: create one at http://{addr}/setup?token={token}");
        Some(token)
    };

    let shutdown = CancellationToken::new();
    tokio::spawn(sweep_sessions(DbSessionStore::new(db), shutdown.clone()));
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
        setup_token,
        shutdown,
        task,
    })
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
