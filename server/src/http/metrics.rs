//! Counting every request for `/metrics`, and `/metrics` itself, which is served on its own
//! listen address (`--metrics-listen`) and never by the dashboard's router: it tells how
//! many sessions and syncs there are, which is nobody's business but the operator's.

use std::net::SocketAddr;
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{header, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use sea_orm::{ConnectionTrait, DatabaseConnection};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::clock::unix_now;
use crate::export::batch::backlogs;
use crate::store::export::ExportStore;
use crate::store::sessions::DbSessionStore;
use crate::store::StoreError;
use crate::telemetry::metrics::{self, Scraped};

/// The export's backlog is counted up to this many rows per table at each scrape.
const BACKLOG_COUNT_CAP: u64 = 10_000;

/// Records the request under its route's pattern; requests no route matched (the site's
/// files and 404s) share `fallback`. Methods outside HTTP's usual set share `other`: label
/// values are never taken from what a client sends.
pub async fn count(req: Request, next: Next) -> Response {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or("fallback", MatchedPath::as_str)
        .to_owned();
    let method = match *req.method() {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::HEAD => "HEAD",
        Method::PUT => "PUT",
        Method::DELETE => "DELETE",
        Method::PATCH => "PATCH",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    };
    let started = Instant::now();
    let res = next.run(req).await;
    metrics::http_request(&route, method, res.status().as_u16(), started.elapsed());
    res
}

/// Binds `addr` and serves `GET /metrics` there until `shutdown`.
pub async fn serve(
    addr: SocketAddr,
    db: DatabaseConnection,
    shutdown: CancellationToken,
) -> std::io::Result<(SocketAddr, JoinHandle<std::io::Result<()>>)> {
    let listener = TcpListener::bind(addr).await?;
    let bound = listener.local_addr()?;
    let app = Router::new().route("/metrics", get(scrape)).with_state(db);
    let task = tokio::spawn(async move {
        axum::serve(listener, app)
            .with_graceful_shutdown(shutdown.cancelled_owned())
            .await
    });
    Ok((bound, task))
}

async fn scrape(State(db): State<DatabaseConnection>) -> Response {
    match read(&db).await {
        Ok(scraped) => (
            [(header::CONTENT_TYPE, metrics::CONTENT_TYPE)],
            metrics::render(&scraped),
        )
            .into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "metrics: cannot read the database");
            (StatusCode::SERVICE_UNAVAILABLE, "database unreachable").into_response()
        }
    }
}

async fn read(db: &DatabaseConnection) -> Result<Scraped, StoreError> {
    let now = unix_now();
    let (pool_in_use, pool_idle, pool_max) = pool_use(db);
    let store = ExportStore::new(db.clone());
    let config = store.config().await?;
    let backlog = if config.enabled {
        backlogs(db, &store, now, Some(BACKLOG_COUNT_CAP))
            .await?
            .into_iter()
            .map(|b| (b.table.name.to_owned(), b.rows as i64))
            .collect()
    } else {
        Vec::new()
    };
    Ok(Scraped {
        sessions: DbSessionStore::new(db.clone()).live(now).await?,
        pool_in_use,
        pool_idle,
        pool_max,
        backlog,
        export_last_success: config.last_success_at,
    })
}

/// (in use, idle, max) connections of this process's pool.
fn pool_use(db: &DatabaseConnection) -> (i64, i64, i64) {
    fn of<DB: sea_orm::sqlx::Database>(pool: &sea_orm::sqlx::Pool<DB>) -> (i64, i64, i64) {
        let size = i64::from(pool.size());
        let idle = pool.num_idle() as i64;
        (
            size - idle,
            idle,
            i64::from(pool.options().get_max_connections()),
        )
    }
    match db.get_database_backend() {
        sea_orm::DbBackend::Sqlite => of(db.get_sqlite_connection_pool()),
        _ => of(db.get_postgres_connection_pool()),
    }
}
