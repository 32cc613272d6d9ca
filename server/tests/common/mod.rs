//! Fixtures: a real server on a random loopback port, on SQLite (a temp file) or PostgreSQL
//! (a fresh database on the server named by `INSTALYTICS_TEST_PG`), and HTTP clients for it.

#![allow(dead_code)] // each test binary uses its own subset

pub mod bq;
pub mod notify;
pub mod pdf;
pub mod pg;
pub mod seed;
pub mod world;

use std::sync::atomic::{AtomicU32, Ordering};

use app::dto::{AccountSummary, SessionUser};
use app::error::AppError;
use reqwest::{Client, Response, StatusCode};
use sea_orm::{ConnectionTrait, Database};
use serde::de::{DeserializeOwned, IgnoredAny};
use server::config::ServeArgs;
use server::Running;

#[derive(Clone, Copy, Debug)]
pub enum Db {
    Sqlite,
    Postgres,
}

pub struct TestServer {
    pub running: Running,
    pub base: String,
    pub database_url: String,
    _dir: tempfile::TempDir,
    _pg: Option<PgDatabase>,
}

/// The PostgreSQL admin URL, or `None` (after printing why) when PostgreSQL tests are skipped.
pub fn pg_admin_url() -> Option<String> {
    match std::env::var("INSTALYTICS_TEST_PG") {
        Ok(url) if !url.is_empty() => Some(url),
        _ => {
            assert!(
                std::env::var("INSTALYTICS_REQUIRE_PG").is_err(),
                "INSTALYTICS_REQUIRE_PG is set but INSTALYTICS_TEST_PG is not"
            );
            eprintln!("SKIPPED: PostgreSQL test (set INSTALYTICS_TEST_PG to run it)");
            None
        }
    }
}

/// A test's PostgreSQL database, dropped when the test lets go of it, panicking tests
/// included (before, a failed test or one that forgot left its `ig_test_*` database behind).
pub struct PgDatabase {
    admin_url: String,
    name: String,
}

impl PgDatabase {
    /// The URL of the server's admin database the test database was made from.
    pub fn admin_url(&self) -> &str {
        &self.admin_url
    }

    pub fn name(&self) -> &str {
        &self.name
    }
}

impl Drop for PgDatabase {
    fn drop(&mut self) {
        let (admin_url, name) = (self.admin_url.clone(), self.name.clone());
        // `drop` cannot await, and the runtime dropping it may be a test's current-thread
        // one: the drop runs on a thread and runtime of its own.
        let dropped = std::thread::spawn(move || {
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("a runtime")
                .block_on(async {
                    let admin = Database::connect(&admin_url)
                        .await
                        .expect("PostgreSQL reachable");
                    pg::drop_database(&admin, &name).await;
                })
        })
        .join();
        if dropped.is_err() {
            eprintln!("the test database {} could not be dropped", self.name);
        }
    }
}

static NEXT_DB: AtomicU32 = AtomicU32::new(0);

/// Creates an empty database for one test: its URL and the guard that drops it.
async fn fresh_pg_database(admin_url: &str) -> (String, PgDatabase) {
    let name = format!(
        "ig_test_{}_{}",
        std::process::id(),
        NEXT_DB.fetch_add(1, Ordering::Relaxed)
    );
    let (_admin, url) = pg::create_database(admin_url, &name).await;
    let guard = PgDatabase {
        admin_url: admin_url.to_owned(),
        name,
    };
    (url, guard)
}

/// A database URL for `db`, and for PostgreSQL the guard that drops the database (keep it
/// as long as the database is used); `None` when PostgreSQL is not configured here.
pub async fn database(db: Db, dir: &std::path::Path) -> Option<(String, Option<PgDatabase>)> {
    match db {
        Db::Sqlite => Some((format!("sqlite://{}/test.db?mode=rwc", dir.display()), None)),
        Db::Postgres => {
            let admin = pg_admin_url()?;
            let (url, guard) = fresh_pg_database(&admin).await;
            Some((url, Some(guard)))
        }
    }
}

#[derive(clap::Parser)]
struct Flags {
    #[command(flatten)]
    serve: ServeArgs,
}

/// Server arguments as the command line would give them, plus `extra` flags.
pub fn serve_args(dir: &std::path::Path, database_url: &str, extra: &[String]) -> ServeArgs {
    let mut argv = vec![
        "instalytics".to_owned(),
        "--listen".into(),
        "127.0.0.1:0".into(),
        "--data-dir".into(),
        dir.display().to_string(),
        "--database-url".into(),
        database_url.to_owned(),
    ];
    argv.extend_from_slice(extra);
    <Flags as clap::Parser>::parse_from(argv).serve
}

/// Connects a simulator account through the Accounts page's server function; returns its id.
pub async fn connect(admin: &Api, account: &server::dev::graph_sim::SimAccount) -> i64 {
    let flavour = account.flavour.as_str();
    let connected: Vec<AccountSummary> = admin
        .ok(
            "accounts/connect",
            &[
                ("flavour", flavour),
                ("token", &account.token),
                ("accounts[0]", &account.ig_user_id),
            ],
        )
        .await;
    assert_eq!(connected.len(), 1);
    assert_eq!(connected[0].username, account.username);
    connected[0].id.0
}

/// Lifts an account's rate-limit wait by hand, so a test can go on syncing it.
pub async fn clear_rate_limit(server: &TestServer, id: i64) {
    let db = Database::connect(&server.database_url).await.unwrap();
    db.execute_unprepared(&format!(
        "UPDATE accounts SET retry_after = NULL, status = 'ok' WHERE id = {id}"
    ))
    .await
    .unwrap();
}

/// Flags that point the server's Graph API client at a simulator.
pub fn sim_flags(sim: &server::dev::graph_sim::SimServer) -> Vec<String> {
    vec![
        "--instagram-graph-url".into(),
        sim.instagram_root(),
        "--facebook-graph-url".into(),
        format!("http://{}/facebook", sim.addr),
    ]
}

/// [`sim_flags`] plus "Connect with Instagram" through the simulator's OAuth pages, with the
/// app's id and secret (which also sign Meta's callbacks), and "Connect with Facebook" with the
/// simulator's own Facebook app.
pub fn sim_oauth_flags(
    sim: &server::dev::graph_sim::SimServer,
    app_id: &str,
    app_secret: &str,
) -> Vec<String> {
    let mut flags = sim_flags(sim);
    flags.extend([
        "--instagram-app-id".into(),
        app_id.into(),
        "--instagram-app-secret".into(),
        app_secret.into(),
        "--instagram-oauth-url".into(),
        format!("http://{}/oauth/authorize", sim.addr),
        "--instagram-token-url".into(),
        format!("http://{}/oauth/access_token", sim.addr),
        // The simulator's own Facebook app: `debug_token` takes its id and secret.
        "--facebook-app-id".into(),
        server::dev::graph_sim::APP_ID.into(),
        "--facebook-app-secret".into(),
        server::dev::graph_sim::APP_SECRET.into(),
        "--facebook-oauth-url".into(),
        format!("http://{}/dialog/oauth", sim.addr),
    ]);
    flags
}

impl TestServer {
    pub async fn start(db: Db) -> Option<Self> {
        Self::start_with(db, &[]).await
    }

    pub async fn start_with(db: Db, extra: &[String]) -> Option<Self> {
        let dir = tempfile::tempdir().unwrap();
        let (database_url, _pg) = database(db, dir.path()).await?;
        let running = server::start(serve_args(dir.path(), &database_url, extra))
            .await
            .expect("server starts");
        let base = running.url();
        Some(Self {
            running,
            base,
            database_url,
            _dir: dir,
            _pg,
        })
    }

    pub fn data_dir(&self) -> &std::path::Path {
        self._dir.path()
    }

    /// The first column of the first row of `sql` on the server's database (e.g. a count).
    pub async fn scalar<T: sea_orm::TryGetable>(&self, sql: &str) -> T {
        let db = Database::connect(&self.database_url).await.unwrap();
        let row = db
            .query_one(sea_orm::Statement::from_string(
                db.get_database_backend(),
                sql.to_owned(),
            ))
            .await
            .unwrap()
            .unwrap_or_else(|| panic!("no row for {sql}"));
        row.try_get_by_index::<T>(0).unwrap()
    }

    pub async fn count(&self, sql: &str) -> i64 {
        self.scalar::<i64>(sql).await
    }

    /// Whether `needle` is anywhere in what the database stores: its file and journal on
    /// SQLite, the text of `table`'s rows on PostgreSQL (a secret that must be kept as a
    /// digest only).
    pub async fn stores(&self, table: &str, needle: &str) -> bool {
        match self.database_url.strip_prefix("sqlite://") {
            Some(rest) => {
                let file = rest.split('?').next().unwrap();
                let mut bytes = std::fs::read(file).unwrap();
                bytes.extend(std::fs::read(format!("{file}-wal")).unwrap_or_default());
                String::from_utf8_lossy(&bytes).contains(needle)
            }
            None => self
                .scalar::<String>(&format!(
                    "SELECT COALESCE(string_agg(t::text, ' '), '') FROM {table} t"
                ))
                .await
                .contains(needle),
        }
    }

    /// Runs `sql` on the server's database (a change no request can make, like time passing).
    pub async fn execute(&self, sql: &str) {
        let db = Database::connect(&self.database_url).await.unwrap();
        db.execute_unprepared(sql).await.unwrap();
    }

    /// Makes the database refuse `event` ("INSERT", "UPDATE") on `table` for rows where
    /// `when` holds (a condition on `NEW`), as a full disk or a failing database would;
    /// [`allow_writes`](Self::allow_writes) lifts it.
    pub async fn refuse_writes(&self, event: &str, table: &str, when: &str) {
        let db = Database::connect(&self.database_url).await.unwrap();
        let statements = match db.get_database_backend() {
            sea_orm::DbBackend::Sqlite => vec![format!(
                "CREATE TRIGGER refuse_{table} BEFORE {event} ON {table} WHEN {when} \
                 BEGIN SELECT RAISE(ABORT, 'refused by the test'); END"
            )],
            _ => vec![
                "CREATE OR REPLACE FUNCTION refuse_write() RETURNS trigger AS $$ \
                 BEGIN RAISE EXCEPTION 'refused by the test'; END $$ LANGUAGE plpgsql"
                    .to_owned(),
                format!(
                    "CREATE TRIGGER refuse_{table} BEFORE {event} ON {table} FOR EACH ROW \
                     WHEN ({when}) EXECUTE FUNCTION refuse_write()"
                ),
            ],
        };
        for sql in statements {
            db.execute_unprepared(&sql).await.unwrap();
        }
    }

    pub async fn allow_writes(&self, table: &str) {
        let db = Database::connect(&self.database_url).await.unwrap();
        let sql = match db.get_database_backend() {
            sea_orm::DbBackend::Sqlite => format!("DROP TRIGGER refuse_{table}"),
            _ => format!("DROP TRIGGER refuse_{table} ON {table}"),
        };
        db.execute_unprepared(&sql).await.unwrap();
    }

    pub fn client(&self) -> Api {
        Api::new(&self.base)
    }

    pub fn setup_token(&self) -> String {
        self.running
            .setup_token
            .clone()
            .expect("fresh database has a setup token")
    }

    /// Creates the first admin through the setup link and returns their signed-in client.
    pub async fn admin(&self, name: &str, password: &str) -> Api {
        let api = self.client();
        let res = api
            .call(
                "setup",
                &[
                    ("token", &self.setup_token()),
                    ("username", name),
                    ("password", password),
                ],
            )
            .await;
        assert_eq!(
            res.status(),
            StatusCode::OK,
            "setup: {}",
            res.text().await.unwrap()
        );
        api
    }

    /// Creates the first admin and returns a signed-in client that does not follow
    /// redirects, to inspect each hop (OAuth).
    pub async fn admin_without_redirects(&self, name: &str, password: &str) -> Api {
        self.admin(name, password).await;
        let api = Api::without_redirects(&self.base);
        assert_eq!(api.login(name, password).await.status(), StatusCode::OK);
        api
    }

    /// Stops the server; its PostgreSQL database is dropped with `self`.
    pub async fn stop(self) {
        self.running.stop().await.unwrap();
    }
}

/// A browser-like client: keeps cookies, calls server functions as form posts.
#[derive(Clone)]
pub struct Api {
    pub http: Client,
    pub base: String,
}

impl Api {
    /// A client of the server at `base`, signed out.
    pub fn new(base: &str) -> Self {
        Api {
            http: Client::builder().cookie_store(true).build().unwrap(),
            base: base.to_owned(),
        }
    }

    /// A client of the server at `base`, signed out, that does not follow redirects.
    pub fn without_redirects(base: &str) -> Self {
        Api {
            http: Client::builder()
                .cookie_store(true)
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            base: base.to_owned(),
        }
    }

    pub async fn call(&self, name: &str, form: &[(&str, &str)]) -> Response {
        self.http
            .post(format!("{}/api/{name}", self.base))
            .form(form)
            .send()
            .await
            .unwrap()
    }

    /// Calls and returns the raw answer: its status and body text.
    pub async fn answer(&self, name: &str, form: &[(&str, &str)]) -> (StatusCode, String) {
        let res = self.call(name, form).await;
        let status = res.status();
        (status, res.text().await.unwrap())
    }

    /// Calls and returns the body text, asserting the status: for checks on the wire format
    /// itself (a field's exact name, a secret absent from the bytes sent).
    pub async fn text(&self, name: &str, form: &[(&str, &str)], status: StatusCode) -> String {
        let (got, body) = self.answer(name, form).await;
        assert_eq!(got, status, "{name}: {body}");
        body
    }

    /// Calls a server function and reads its answer as the browser does: the function's DTO
    /// on HTTP 200, otherwise the [`AppError`] it answered with, whose own status must be the
    /// HTTP status.
    pub async fn request<T: DeserializeOwned>(
        &self,
        name: &str,
        form: &[(&str, &str)],
    ) -> Result<T, AppError> {
        let (status, body) = self.answer(name, form).await;
        decode(name, status, &body)
    }

    /// The DTO of a call that must succeed (HTTP 200).
    pub async fn ok<T: DeserializeOwned>(&self, name: &str, form: &[(&str, &str)]) -> T {
        self.request(name, form)
            .await
            .unwrap_or_else(|e| panic!("{name}: HTTP {}: {e:?}", e.status()))
    }

    /// The error of a call that must fail with `status`.
    pub async fn fails(&self, name: &str, form: &[(&str, &str)], status: StatusCode) -> AppError {
        let body = self.text(name, form, status).await;
        match decode::<IgnoredAny>(name, status, &body) {
            Err(e) => e,
            Ok(_) => unreachable!("{name}: HTTP {status} read as a success"),
        }
    }

    pub async fn login(&self, username: &str, password: &str) -> Response {
        self.call("login", &[("username", username), ("password", password)])
            .await
    }

    /// Who the session belongs to; `None` when signed out.
    pub async fn whoami(&self) -> Option<SessionUser> {
        self.ok("whoami", &[]).await
    }

    /// Where a GET of `url` redirects to; panics unless it is a redirect.
    pub async fn location(&self, url: &str) -> String {
        let res = self.http.get(url).send().await.unwrap();
        assert!(res.status().is_redirection(), "{url}: {}", res.status());
        res.headers()[reqwest::header::LOCATION]
            .to_str()
            .unwrap()
            .to_owned()
    }

    pub async fn page(&self, path: &str) -> (StatusCode, String) {
        let res = self
            .http
            .get(format!("{}{path}", self.base))
            // As a browser loads a page: the server answers redirects with a real 302.
            .header("accept", "text/html")
            .send()
            .await
            .unwrap();
        (res.status(), res.text().await.unwrap())
    }
}

/// The form field an [`AppError::Invalid`] names; `None` for any other error.
pub fn invalid_field(error: &AppError) -> Option<&str> {
    match error {
        AppError::Invalid { field, .. } => field.as_deref(),
        _ => None,
    }
}

/// Reads a server function's answer `body` given with HTTP `status`: `T` on 200, otherwise the
/// [`AppError`], asserting that its status is the HTTP status. Panics, naming the function,
/// when the body is neither.
pub fn decode<T: DeserializeOwned>(
    name: &str,
    status: StatusCode,
    body: &str,
) -> Result<T, AppError> {
    if status == StatusCode::OK {
        return Ok(serde_json::from_str(body).unwrap_or_else(|e| {
            panic!("{name}: HTTP 200 but not the expected answer: {e}: {body}")
        }));
    }
    let error: AppError = serde_json::from_str(body)
        .unwrap_or_else(|e| panic!("{name}: HTTP {status} but no AppError: {e}: {body}"));
    assert_eq!(
        status.as_u16(),
        error.status(),
        "{name}: the HTTP status is not the error's: {body}"
    );
    Err(error)
}

/// Runs one async test body on SQLite and on PostgreSQL.
#[macro_export]
macro_rules! on_both_databases {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    if let Some(s) = $crate::common::TestServer::start($crate::common::Db::Sqlite).await {
                        super::$name(&s).await;
                        s.stop().await;
                    }
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    if let Some(s) = $crate::common::TestServer::start($crate::common::Db::Postgres).await {
                        super::$name(&s).await;
                        s.stop().await;
                    }
                }
            )*
        }
    };
}

/// Runs `async fn name(db: Db)` once on SQLite and once on PostgreSQL.
#[macro_export]
macro_rules! per_database {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name($crate::common::Db::Sqlite).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name($crate::common::Db::Postgres).await;
                }
            )*
        }
    };
}
