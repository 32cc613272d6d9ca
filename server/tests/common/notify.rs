//! The other ends of notifications: a real SMTP server (aiosmtpd, `scripts/smtp_sink.py`)
//! and an HTTP receiver that records what Slack or a webhook would get.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::http::{HeaderMap, StatusCode};
use server::crypto::{Cipher, MasterKey};
use server::notify::NotifyDeps;
use server::services::analytics::AnalyticsService;
use server::store::analytics::AnalyticsStore;
use server::store::settings::SettingsStore;

use super::TestServer;

/// What another instance on the same database would have: its own pool, the same key.
pub async fn instance(server: &TestServer) -> NotifyDeps {
    let key = MasterKey::load(None, server.data_dir()).unwrap();
    let db = server::db::open(&server.database_url).await.unwrap();
    NotifyDeps {
        db: db.clone(),
        cipher: Arc::new(Cipher::new(key)),
        http: NotifyDeps::http_client().unwrap(),
        smtp_env: None,
        public_url: server.base.clone(),
        analytics: Arc::new(AnalyticsService::new(
            AnalyticsStore::new(db.clone()),
            SettingsStore::new(db.clone()),
        )),
    }
}

/// A new account the alerts watch (enabled) that the poller never syncs (due in a year).
pub async fn watched_account(server: &TestServer, deps: &NotifyDeps, name: &str) -> i64 {
    let account = super::seed::account(&deps.db, name).await;
    server
        .execute(&format!(
            "UPDATE accounts SET enabled = TRUE, next_sync_at = {} WHERE id = {account}",
            server::clock::unix_now() + 365 * server::clock::DAY
        ))
        .await;
    account
}

/// Whether the alert of `rule` about `subject` is open.
pub async fn is_open(server: &TestServer, rule: &str, subject: &str) -> bool {
    server
        .count(&format!(
            "SELECT COUNT(*) FROM alerts WHERE rule = '{rule}' AND subject = '{subject}' AND open = TRUE"
        ))
        .await
        == 1
}

/// The Python that has aiosmtpd (the test virtualenv `scripts/tools --test` makes), or
/// `None` (after saying why) when SMTP tests are skipped.
fn python() -> Option<String> {
    let python = std::env::var("INSTALYTICS_TEST_PYTHON").unwrap_or_else(|_| {
        format!(
            "{}/.cache/instalytics/bqemu/bin/python",
            std::env::var("HOME").unwrap_or_default()
        )
    });
    let ok = Command::new(&python)
        .args(["-c", "import aiosmtpd"])
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        assert!(
            std::env::var("INSTALYTICS_REQUIRE_SMTP").is_err(),
            "INSTALYTICS_REQUIRE_SMTP is set but {python} has no aiosmtpd"
        );
        eprintln!("SKIPPED: SMTP test (scripts/tools --test installs aiosmtpd)");
        return None;
    }
    Some(python)
}

/// A running aiosmtpd that saves each message it accepts.
pub struct SmtpSink {
    pub port: u16,
    dir: tempfile::TempDir,
    child: Child,
}

impl SmtpSink {
    /// Without `auth`, it takes mail from anyone; with it, only after AUTH as that user.
    pub fn start(auth: Option<(&str, &str)>) -> Option<Self> {
        let python = python()?;
        let dir = tempfile::tempdir().unwrap();
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../scripts/smtp_sink.py");
        let mut command = Command::new(python);
        command.arg(script).arg("--dir").arg(dir.path());
        if let Some((user, password)) = auth {
            command.args(["--user", user, "--password", password]);
        }
        let mut child = command
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("the SMTP sink starts");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let port = line.trim().parse().expect("the SMTP sink prints its port");
        Some(Self { port, dir, child })
    }

    /// The messages received so far, oldest first, as sent (headers and body).
    pub fn messages(&self) -> Vec<String> {
        let mut names: Vec<_> = std::fs::read_dir(self.dir.path())
            .unwrap()
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "eml"))
            .collect();
        names.sort();
        names
            .iter()
            .map(|p| std::fs::read_to_string(p).unwrap())
            .collect()
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A request the receiver got.
#[derive(Clone, Debug)]
pub struct Received {
    pub path: String,
    pub headers: HeaderMap,
    pub body: String,
}

/// An HTTP server on a loopback port that records every POST and answers 200, except on
/// paths starting with `/down`, which answer 500.
pub struct Receiver {
    pub base: String,
    seen: Arc<Mutex<Vec<Received>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Receiver {
    pub async fn start() -> Self {
        let seen: Arc<Mutex<Vec<Received>>> = Arc::default();
        let record = seen.clone();
        let app = axum::Router::new().fallback(
            move |uri: axum::http::Uri, headers: HeaderMap, body: String| {
                let record = record.clone();
                async move {
                    let path = uri.path().to_owned();
                    let down = path.starts_with("/down");
                    record.lock().unwrap().push(Received {
                        path,
                        headers,
                        body,
                    });
                    if down {
                        (StatusCode::INTERNAL_SERVER_ERROR, "receiver down")
                    } else {
                        (StatusCode::OK, "ok")
                    }
                }
            },
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let task = tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        Self { base, seen, task }
    }

    /// What was posted to `path`, oldest first.
    pub fn at(&self, path: &str) -> Vec<Received> {
        self.seen
            .lock()
            .unwrap()
            .iter()
            .filter(|r| r.path == path)
            .cloned()
            .collect()
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Waits up to 10 s for `check` to hold.
pub async fn eventually(mut check: impl FnMut() -> bool) -> bool {
    for _ in 0..100 {
        if check() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    check()
}
