//! What an operator runs: `/metrics` on its own address, `/readyz`, JSON logs, `backup` and
//! `restore` while the poller writes, and the logs' retention.

mod common;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use common::world::{SyncWorld, PASSWORD};
use common::{Api, Db, TestServer};
use reqwest::StatusCode;
use serde_json::Value;
use server::dev::graph_sim::{Flavour, SimConfig};
use server::sync::scheduler::{prune_logs, Pruned, LOG_RETENTION_DAYS};

fn instalytics(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_instalytics"))
        .args(args)
        .env("INSTALYTICS_LOG", "warn")
        .env_remove("INSTALYTICS_MASTER_KEY")
        .output()
        .unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The value of the sample `series` (name and labels as written) in OpenMetrics `text`.
fn sample(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .find_map(|line| line.strip_prefix(series)?.strip_prefix(' '))
        .map(|v| v.parse().unwrap())
}

async fn metrics(db: Db) {
    let world = SyncWorld::start(
        db,
        SimConfig {
            accounts: 1,
            media_per_account: 4,
            ..SimConfig::default()
        },
        &["--metrics-listen".into(), "127.0.0.1:0".into()],
    )
    .await;
    let Some(world) = world else { return };
    let account = common::connect(&world.admin, &world.account(Flavour::InstagramLogin)).await;
    assert_eq!(world.finished_runs(account, 1).await, "ok");
    let http = reqwest::Client::new();
    let base = &world.server.base;
    assert_eq!(
        http.get(format!("{base}/healthz"))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );
    // Label values never come from what a client sends.
    http.get(format!("{base}/no-such-page-ab12cd"))
        .send()
        .await
        .unwrap();
    http.request(
        reqwest::Method::from_bytes(b"BREW").unwrap(),
        format!("{base}/healthz"),
    )
    .send()
    .await
    .unwrap();

    // Not on the dashboard's address.
    let (status, body) = world.admin.page("/metrics").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(!body.contains("instalytics_"));

    let addr = world.server.running.metrics_addr.expect("metrics listener");
    let res = http
        .get(format!("http://{addr}/metrics"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("application/openmetrics-text"));
    let body = res.text().await.unwrap();
    assert!(body.ends_with("# EOF\n"));
    assert!(sample(&body, r#"instalytics_syncs_total{outcome="ok"}"#).unwrap() >= 1.0);
    assert!(sample(&body, "instalytics_graph_requests_total").unwrap() >= 3.0);
    assert!(sample(
        &body,
        &format!(r#"instalytics_graph_usage_percent{{account="{account}"}}"#)
    )
    .is_some());
    assert!(
        sample(
            &body,
            r#"instalytics_http_requests_total{route="/healthz",method="GET",status="200"}"#
        )
        .unwrap()
            >= 1.0
    );
    assert!(
        sample(
            &body,
            r#"instalytics_http_requests_total{route="/api/accounts/connect",method="POST",status="200"}"#
        )
        .unwrap()
            >= 1.0
    );
    assert!(
        sample(
            &body,
            r#"instalytics_http_requests_total{route="/healthz",method="other",status="405"}"#
        )
        .unwrap()
            >= 1.0
    );
    assert!(sample(
        &body,
        r#"instalytics_http_requests_total{route="fallback",method="GET",status="404"}"#
    )
    .is_some());
    assert!(!body.contains("ab12cd") && !body.contains("BREW"));
    // The admin's session, on this test's own database.
    assert_eq!(sample(&body, "instalytics_sessions"), Some(1.0));
    assert_eq!(
        sample(&body, r#"instalytics_db_connections{state="max"}"#),
        Some(16.0)
    );
    assert!(sample(&body, r#"instalytics_db_connections{state="in_use"}"#).is_some());
    // The export is off: no backlog, never succeeded.
    assert!(!body.contains("instalytics_export_backlog_rows{"));
    assert_eq!(
        sample(&body, "instalytics_export_last_success_timestamp_seconds"),
        Some(0.0)
    );
    world.stop().await;

    // Off unless asked for.
    let Some(plain) = TestServer::start(db).await else {
        return;
    };
    assert!(plain.running.metrics_addr.is_none());
    plain.stop().await;
}

#[tokio::test]
async fn metrics_sqlite() {
    metrics(Db::Sqlite).await;
}

#[tokio::test]
async fn metrics_postgres() {
    metrics(Db::Postgres).await;
}

async fn readiness(db: Db) {
    let Some(server) = TestServer::start(db).await else {
        return;
    };
    let (status, body) = server.client().page("/readyz").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, "ready: database migrated, master key opened");
    // As if an older binary served a database a newer one had not finished migrating.
    let newest: String = server
        .scalar("SELECT MAX(version) FROM seaql_migrations")
        .await;
    server
        .execute(&format!(
            "DELETE FROM seaql_migrations WHERE version = '{newest}'"
        ))
        .await;
    let (status, body) = server.client().page("/readyz").await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(body, "not ready: 1 migration(s) pending");
    // Liveness is another question: the process and its database are fine.
    assert_eq!(server.client().page("/healthz").await.0, StatusCode::OK);
    server.stop().await;
}

#[tokio::test]
async fn readiness_sqlite() {
    readiness(Db::Sqlite).await;
}

#[tokio::test]
async fn readiness_postgres() {
    readiness(Db::Postgres).await;
}

#[test]
fn json_logs_are_one_object_per_line() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_instalytics"))
        .args([
            "--log-format",
            "json",
            "--listen",
            "127.0.0.1:0",
            "--data-dir",
        ])
        .arg(dir.path())
        .env("INSTALYTICS_LOG", "info")
        .env_remove("INSTALYTICS_MASTER_KEY")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut seen = Vec::new();
    for line in lines {
        let line = line.unwrap();
        let event: Value =
            serde_json::from_str(&line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"));
        let message = event["message"].as_str().unwrap_or_default().to_owned();
        assert!(event["timestamp"].is_string() && event["level"].is_string());
        seen.push(message.clone());
        if message.starts_with("listening on http://127.0.0.1:") {
            break;
        }
    }
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(
        seen.iter().any(|m| m.starts_with("listening on")),
        "{seen:?}"
    );
}

/// What the dashboard shows for the simulator's data: the Overview and the Posts table over
/// the last 30 days of the simulated clock.
async fn figures(api: &Api, world_now: time::OffsetDateTime) -> Value {
    let to = world_now.date().to_string();
    let from = (world_now - time::Duration::days(30)).date().to_string();
    let overview: Value = api
        .ok(
            "analytics/overview",
            &[("query[from]", &from), ("query[to]", &to)],
        )
        .await;
    let posts: Value = api
        .ok(
            "analytics/posts",
            &[("query[period][from]", &from), ("query[period][to]", &to)],
        )
        .await;
    serde_json::json!({ "overview": overview, "posts": posts })
}

#[tokio::test]
async fn backup_while_the_poller_writes_and_restore_into_a_fresh_data_dir() {
    let config = SimConfig {
        accounts: 2,
        media_per_account: 40,
        ..SimConfig::default()
    };
    let Some(world) = SyncWorld::start(Db::Sqlite, config, &[]).await else {
        return;
    };
    let mut ids = Vec::new();
    for account in world.sim.accounts() {
        let id = common::connect(&world.admin, &account).await;
        assert_eq!(world.finished_runs(id, 1).await, "ok");
        world.request_sync(id).await;
        assert_eq!(world.finished_runs(id, 2).await, "ok");
        ids.push(id);
    }
    // The simulated clock stands still, so every sync finds the same figures.
    let before = figures(&world.admin, world.sim.now()).await;
    assert!(
        before["posts"]["posts"]
            .as_array()
            .is_some_and(|p| p.len() > 10),
        "figures worth comparing: {before}"
    );
    let source = world.server.database_url.clone();
    let data_dir = world.server.data_dir().to_owned();
    let db_args = [
        "--data-dir",
        data_dir.to_str().unwrap(),
        "--database-url",
        &source,
    ];
    let backups = tempfile::tempdir().unwrap();

    let runs = "SELECT COUNT(*) FROM sync_runs WHERE outcome <> 'running'";
    let runs_before = world.server.count(runs).await;
    let mut last = None;
    for n in 0..4 {
        for id in &ids {
            world.request_sync(*id).await;
        }
        let file = backups.path().join(format!("backup-{n}.sqlite"));
        let file = file.to_str().unwrap().to_owned();
        let mut args = vec!["backup", file.as_str()];
        args.extend_from_slice(&db_args);
        let out = instalytics(&args);
        assert!(out.status.success(), "{}", text(&out.stderr));
        let said = text(&out.stdout);
        assert!(
            said.starts_with(&format!("backed up to {file} (")),
            "{said}"
        );
        assert!(said.contains("the master key is not in the backup: it is at "));
        assert!(said.contains("master.key"));
        last = Some(file);
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    let last = last.unwrap();
    let runs_after = world.server.count(runs).await;
    assert!(
        runs_after >= runs_before + 4,
        "the poller wrote while backing up: {runs_before} → {runs_after} runs"
    );

    // Bad input changes nothing.
    let mut args = vec!["backup", last.as_str()];
    args.extend_from_slice(&db_args);
    let out = instalytics(&args);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("exists already; give a new file name"));
    let out = instalytics(&[
        "backup",
        "/tmp/never-written.sqlite",
        "--database-url",
        "postgres://ig:s3cret@127.0.0.1:5432/ig",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let said = text(&out.stderr);
    assert!(said.contains("back it up with pg_dump"), "{said}");
    assert!(!said.contains("s3cret"), "{said}");
    assert!(!Path::new("/tmp/never-written.sqlite").exists());

    // A restore onto the running server's database is refused, and loses nothing.
    let mut args = vec!["restore", last.as_str()];
    args.extend_from_slice(&db_args);
    let out = instalytics(&args);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("a server is running on"),
        "{}",
        text(&out.stderr)
    );
    assert!(world.server.count(runs).await >= runs_after);
    let (status, _) = world.admin.page("/readyz").await;
    assert_eq!(status, StatusCode::OK);

    // Into a fresh data directory, with the master key copied there (the backup lacks it).
    let fresh = tempfile::tempdir().unwrap();
    let fresh_dir = fresh.path().to_str().unwrap();
    let out = instalytics(&["restore", &last, "--data-dir", fresh_dir]);
    assert_eq!(out.status.code(), Some(2), "restored without a key");
    let said = text(&out.stderr);
    assert!(
        said.contains("but a server could not start on it"),
        "{said}"
    );
    assert!(said.contains("master.key"), "{said}");
    assert!(said.contains("there was no database before it"), "{said}");
    // Again, over the database that left: the message says where it went.
    let out = instalytics(&["restore", &last, "--data-dir", fresh_dir]);
    assert_eq!(out.status.code(), Some(2));
    let said = text(&out.stderr);
    assert!(said.contains("the files it replaced are kept as"), "{said}");
    let aside: Vec<PathBuf> = std::fs::read_dir(fresh.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().contains(".before-restore-"))
        .collect();
    assert!(!aside.is_empty());
    for file in &aside {
        assert!(said.contains(&file.display().to_string()), "{said}");
        std::fs::remove_file(file).unwrap();
    }
    std::fs::remove_file(fresh.path().join("instalytics.db")).unwrap();
    let key = fresh.path().join("master.key");
    std::fs::copy(data_dir.join("master.key"), &key).unwrap();
    // A key file others can read is refused.
    #[cfg(unix)]
    std::fs::set_permissions(&key, std::os::unix::fs::PermissionsExt::from_mode(0o600)).unwrap();
    let out = instalytics(&["restore", &last, "--data-dir", fresh_dir]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let said = text(&out.stdout);
    assert!(said.contains("(2 account(s))"), "{said}");
    assert!(said.contains("opens it: start the server"), "{said}");

    // A file that is no backup, and a backup from a newer version, change nothing.
    let junk = backups.path().join("junk.sqlite");
    std::fs::write(&junk, b"not a database at all, just words").unwrap();
    let out = instalytics(&["restore", junk.to_str().unwrap(), "--data-dir", fresh_dir]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("is not an Instalytics backup"));
    let newer = backups.path().join("newer.sqlite");
    std::fs::copy(&last, &newer).unwrap();
    let conn = sea_orm::Database::connect(format!("sqlite://{}?mode=rw", newer.display()))
        .await
        .unwrap();
    sea_orm::ConnectionTrait::execute_unprepared(
        &conn,
        "INSERT INTO seaql_migrations (version, applied_at) VALUES ('m20991231_000099_from_the_future', 0)",
    )
    .await
    .unwrap();
    conn.close().await.unwrap();
    let out = instalytics(&["restore", newer.to_str().unwrap(), "--data-dir", fresh_dir]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("was made by a newer Instalytics"),
        "{}",
        text(&out.stderr)
    );
    let sim_now = world.sim.now();
    let sim_flags = common::sim_flags(&world.sim_server);
    world.server.stop().await;

    let url = format!("sqlite://{fresh_dir}/instalytics.db?mode=rwc");
    let restored = server::start(common::serve_args(fresh.path(), &url, &sim_flags))
        .await
        .expect("a server starts on the restored data");
    let api = Api::new(&restored.url());
    assert_eq!(api.login("admin", PASSWORD).await.status(), StatusCode::OK);
    let after = figures(&api, sim_now).await;
    assert_eq!(
        after, before,
        "the restored dashboard shows the same figures"
    );
    restored.stop().await.unwrap();
    drop(world.sim_server);
}

async fn retention(db: Db) {
    let Some(server) = TestServer::start(db).await else {
        return;
    };
    let conn = sea_orm::Database::connect(&server.database_url)
        .await
        .unwrap();
    let account = common::seed::account(&conn, "kept").await;
    let now = 2_000_000_000;
    let old = now - (LOG_RETENTION_DAYS + 1) * 86_400;
    let recent = now - (LOG_RETENTION_DAYS - 1) * 86_400;
    for (at, outcome) in [(old, "ok"), (old, "failed"), (recent, "ok")] {
        server
            .execute(&format!(
                "INSERT INTO sync_runs (account_id, \"trigger\", started_at, finished_at, outcome, requests, rows_written, instance) \
                 VALUES ({account}, 'schedule', {at}, {at}, '{outcome}', 1, 1, 'test')"
            ))
            .await;
    }
    for (at, status, finished) in [
        (old, "sent", Some(old)),
        (old, "failed", Some(old)),
        (old, "queued", None),
        (recent, "sent", Some(recent)),
    ] {
        let finished = finished.map_or("NULL".into(), |f: i64| f.to_string());
        server
            .execute(&format!(
                "INSERT INTO notify_deliveries (channel_label, channel_kind, event, title, body, status, attempts, next_attempt_at, created_at, finished_at) \
                 VALUES ('ops', 'email', 'e-{status}-{at}', 't', 'b', '{status}', 1, {at}, {at}, {finished})"
            ))
            .await;
    }
    // With the export on and behind, the sync log waits for it.
    server
        .execute("UPDATE export_config SET enabled = TRUE")
        .await;
    assert_eq!(
        prune_logs(&conn, now).await.unwrap(),
        Pruned {
            runs: 0,
            deliveries: 2
        }
    );
    server
        .execute(&format!(
            "INSERT INTO export_state (table_name, cursor_at, cursor_id, rows_exported, backfilling) VALUES ('sync_runs', {recent}, 0, 0, FALSE)"
        ))
        .await;
    assert_eq!(
        prune_logs(&conn, now).await.unwrap(),
        Pruned {
            runs: 2,
            deliveries: 0
        }
    );
    assert_eq!(server.count("SELECT COUNT(*) FROM sync_runs").await, 1);
    assert_eq!(
        server
            .count("SELECT COUNT(*) FROM notify_deliveries WHERE status = 'queued'")
            .await,
        1
    );
    assert_eq!(
        server.count("SELECT COUNT(*) FROM notify_deliveries").await,
        2
    );
    server.stop().await;
}

#[tokio::test]
async fn retention_sqlite() {
    retention(Db::Sqlite).await;
}

#[tokio::test]
async fn retention_postgres() {
    retention(Db::Postgres).await;
}
