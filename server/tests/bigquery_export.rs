//! The BigQuery pipeline against a real BigQuery emulator (PyPI's bqemulator, over HTTP),
//! with the token exchange checked by a local stand-in for Google's endpoint, on SQLite and
//! PostgreSQL. Every test compares what BigQuery holds with the database, by queries.

mod common;

use std::time::{Duration, Instant};

use app::dto::{ConnectionCheck, ExportView, UserSummary};
use common::bq::{self, Fault, FaultProxy, EMAIL, LOCATION, PROJECT};
use common::{invalid_field, Db, TestServer};
use reqwest::StatusCode;
use sea_orm::{ConnectionTrait, DatabaseConnection, Statement};
use server::crypto::{Cipher, MasterKey};
use server::dev::generate::{generate, GenerateConfig};
use server::dev::graph_sim::{SimConfig, Simulator};
use server::export::pipeline::{ExportError, Exporter};
use server::export::schema::SchemaError;
use server::export::BigQueryConfig;
use server::store::entities::export_config::KEY_CONTEXT;
use server::store::entities::sync_runs::DbOutcome;
use server::store::export::{Destination, ExportStore};
use server::store::sync_runs::{RunEnd, SyncRunStore};

/// Per table: the SQL here and the SQL there that must give the same figures (rows,
/// distinct keys, a sum of numbers).
const CHECKS: [(&str, &str, &str); 6] = [
    (
        "accounts",
        "SELECT COUNT(*), COUNT(DISTINCT id), CAST(SUM(followers_count) AS BIGINT) FROM accounts",
        "SELECT COUNT(*), COUNT(DISTINCT account_id), SUM(followers_count) FROM {t}",
    ),
    (
        "media",
        "SELECT COUNT(*), COUNT(DISTINCT id), CAST(SUM(published_at - 1700000000) AS BIGINT) FROM media WHERE latest_captured_at IS NOT NULL",
        "SELECT COUNT(*), COUNT(DISTINCT media_id), SUM(UNIX_SECONDS(published_at) - 1700000000) FROM {t}",
    ),
    (
        "media_snapshots",
        // With the type-specific metrics: profile actions, watch time, and the skip rate (one
        // decimal, so tenths add up exactly) as a FLOAT64.
        "SELECT COUNT(*), COUNT(DISTINCT id), CAST(SUM(COALESCE(reach, 0) + COALESCE(likes, 0)) AS BIGINT), \
         CAST(SUM(COALESCE(follows, 0) + COALESCE(profile_visits, 0) + COALESCE(total_watch_ms, 0)) AS BIGINT), \
         CAST(SUM(ROUND(COALESCE(skip_rate, 0) * 10)) AS BIGINT) FROM media_snapshots",
        "SELECT COUNT(*), COUNT(DISTINCT snapshot_id), SUM(COALESCE(reach, 0) + COALESCE(likes, 0)), \
         SUM(COALESCE(follows, 0) + COALESCE(profile_visits, 0) + COALESCE(total_watch_ms, 0)), \
         CAST(SUM(ROUND(COALESCE(skip_rate, 0) * 10)) AS INT64) FROM {t}",
    ),
    (
        "account_insights_daily",
        "SELECT COUNT(*), (SELECT COUNT(*) FROM (SELECT account_id, date FROM account_insights GROUP BY account_id, date) k), CAST(SUM(COALESCE(reach, 0) + COALESCE(followers, 0)) AS BIGINT) FROM account_insights",
        "SELECT COUNT(*), (SELECT COUNT(*) FROM (SELECT account_id, date FROM {t} GROUP BY account_id, date) k), SUM(COALESCE(reach, 0) + COALESCE(followers, 0)) FROM {t}",
    ),
    (
        "sync_runs",
        "SELECT COUNT(*), COUNT(DISTINCT id), CAST(SUM(requests) AS BIGINT) FROM sync_runs WHERE finished_at IS NOT NULL",
        "SELECT COUNT(*), COUNT(DISTINCT run_id), SUM(requests) FROM {t}",
    ),
    (
        "insight_breakdowns",
        "SELECT COUNT(*), COUNT(DISTINCT id), CAST(SUM(LENGTH(shares)) AS BIGINT) FROM insight_breakdowns",
        "SELECT COUNT(*), (SELECT COUNT(*) FROM (SELECT account_id, date, metric, breakdown FROM {t} GROUP BY 1, 2, 3, 4) k), SUM(LENGTH(shares)) FROM {t}",
    ),
];

struct World {
    emulator: String,
    dataset: String,
    db: DatabaseConnection,
    cipher: Cipher,
    token_url: String,
    google: server::dev::token_sim::TokenSim,
    _dir: tempfile::TempDir,
    _pg: Option<common::PgDatabase>,
}

impl World {
    /// A database with a generated history, a fresh dataset, a destination and a sealed key.
    async fn new(db: Db, accounts: usize, posts: usize, days: u32) -> Option<Self> {
        let emulator = bq::emulator()?;
        let dir = tempfile::tempdir().unwrap();
        let (url, pg) = common::database(db, dir.path()).await?;
        let conn = server::db::open(&url).await.unwrap();
        let cipher = Cipher::new(MasterKey::generate());
        let now = server::clock::unix_now() - 3_600;
        let config = GenerateConfig {
            accounts,
            posts,
            days,
            seed: 7,
        };
        let dataset = history_and_destination(&emulator, &conn, &cipher, config).await;
        runs(&conn, now).await;
        let (google, token_url) = bq::google().await;
        Some(Self {
            emulator,
            dataset,
            db: conn,
            cipher,
            token_url,
            google,
            _dir: dir,
            _pg: pg,
        })
    }

    async fn exporter(&self, config: &BigQueryConfig) -> Exporter {
        let row = ExportStore::new(self.db.clone()).config().await.unwrap();
        Exporter::from_config(
            self.db.clone(),
            &row,
            &self.cipher,
            reqwest::Client::new(),
            config,
        )
        .unwrap()
    }

    fn direct(&self, batch_rows: u64) -> BigQueryConfig {
        bq::config(&self.emulator, &self.token_url, batch_rows)
    }

    /// The emulator's REST address of `path` under this test's dataset.
    fn url(&self, path: &str) -> String {
        format!(
            "{}/bigquery/v2/projects/{PROJECT}/datasets/{}{path}",
            self.emulator, self.dataset
        )
    }

    /// BigQuery's own REST answer, as raw JSON: Google's wire format (table metadata), which
    /// no DTO of the app describes.
    async fn get(&self, path: &str) -> serde_json::Value {
        reqwest::get(self.url(path))
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    /// Asserts BigQuery holds exactly what the database holds, table by table.
    async fn assert_equal(&self) {
        for (table, here, there) in CHECKS {
            let ours = row_here(&self.db, here).await;
            let sql = there.replace("{t}", &format!("`{PROJECT}.{}.{table}`", self.dataset));
            let theirs: Vec<i64> = bq::query(&self.emulator, &sql).await[0]
                .iter()
                .map(|v| v.as_deref().unwrap_or("0").parse().unwrap())
                .collect();
            assert_eq!(
                ours, theirs,
                "{table}: database {ours:?}, BigQuery {theirs:?}"
            );
            assert_eq!(theirs[0], theirs[1], "{table}: duplicated rows in BigQuery");
        }
    }

    async fn bq_count(&self, table: &str, filter: &str) -> i64 {
        let sql = format!(
            "SELECT COUNT(*) FROM `{PROJECT}.{}.{table}` {filter}",
            self.dataset
        );
        bq::query(&self.emulator, &sql).await[0][0]
            .as_deref()
            .unwrap()
            .parse()
            .unwrap()
    }
}

/// Generates a history (ending an hour ago) and points the export at a fresh dataset with
/// the test key; returns the dataset.
async fn history_and_destination(
    emulator: &str,
    db: &DatabaseConnection,
    cipher: &Cipher,
    config: GenerateConfig,
) -> String {
    let now = server::clock::unix_now() - 3_600;
    generate(db, &config, cipher, now).await.unwrap();
    let dataset = bq::fresh_dataset(emulator).await;
    let store = ExportStore::new(db.clone());
    store
        .set_destination(Destination {
            project: PROJECT.into(),
            dataset: dataset.clone(),
            location: LOCATION.into(),
        })
        .await
        .unwrap();
    store
        .set_key(cipher.seal(&bq::key().0, KEY_CONTEXT), EMAIL.into())
        .await
        .unwrap();
    dataset
}

/// A few finished sync runs per account (the generator writes none).
async fn runs(db: &DatabaseConnection, now: i64) {
    let store = SyncRunStore::new(db.clone());
    let ids: Vec<i64> = db
        .query_all(Statement::from_string(
            db.get_database_backend(),
            "SELECT id FROM accounts ORDER BY id",
        ))
        .await
        .unwrap()
        .iter()
        .map(|r| r.try_get_by_index(0).unwrap())
        .collect();
    for id in ids {
        for k in 0..3 {
            let at = now - 7_200 * (3 - k);
            let run = store.start(id, "schedule", "test", at).await.unwrap();
            let end = RunEnd {
                outcome: DbOutcome::Ok,
                requests: 10 + k as u32,
                rows_written: 100,
                error: None,
            };
            store.finish(run, end, at + 5).await.unwrap();
        }
    }
}

async fn row_here(db: &DatabaseConnection, sql: &str) -> Vec<i64> {
    let row = db
        .query_one(Statement::from_string(db.get_database_backend(), sql))
        .await
        .unwrap()
        .unwrap();
    // As many figures as the query has columns; sums are cast to BIGINT (PostgreSQL sums
    // BIGINTs as NUMERIC).
    (0..)
        .map_while(|i| row.try_get_by_index::<Option<i64>>(i).ok())
        .map(|v| v.unwrap_or(0))
        .collect()
}

fn quiet(_: &'static str, _: u64) {}

async fn export_matches_the_database_and_twice_changes_nothing(db: Db) {
    let Some(w) = World::new(db, 2, 40, 10).await else {
        return;
    };
    let exporter = w.exporter(&w.direct(500)).await;
    let report = exporter.cycle(&mut quiet).await.unwrap();
    assert_eq!(report.schema.created.len(), 6);
    assert!(report.total_rows() > 500, "{report:?}");
    w.assert_equal().await;
    let depth = row_here(&w.db, CHECKS[2].1).await;
    assert!(
        depth[3] > 0 && depth[4] > 0,
        "reels and pictures had their own metrics: {depth:?}"
    );

    // Nothing new: a second cycle sends only the small whole table, and nothing duplicates.
    let again = exporter.cycle(&mut quiet).await.unwrap();
    assert_eq!(again.total_rows(), 2, "{again:?}");
    assert!(again.schema.created.is_empty());
    w.assert_equal().await;
    assert_eq!(w.google.exchanges(), 1, "one token for both cycles");

    // Partitioned by day and clustered by account, as created.
    let meta = w.get("/tables/media_snapshots").await;
    assert_eq!(meta["timePartitioning"]["type"], "DAY");
    assert_eq!(meta["timePartitioning"]["field"], "captured_at");
    assert_eq!(meta["clustering"]["fields"][0], "account_id");
}

/// The dataset's table names.
async fn tables_there(w: &World) -> Vec<String> {
    let list = w.get("/tables").await;
    let mut names: Vec<String> = list["tables"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|t| t["tableReference"]["tableId"].as_str().unwrap().to_owned())
        .collect();
    names.sort();
    names
}

#[tokio::test(flavor = "multi_thread")]
async fn staging_tables_left_by_a_crash_are_swept_once_old_and_nothing_else_is() {
    let Some(w) = World::new(Db::Sqlite, 1, 5, 2).await else {
        return;
    };
    // What a crash between load and MERGE leaves, and a table someone made by hand.
    for name in ["_instalytics_stage_media_00000000000000aa", "notes_by_hand"] {
        let table = serde_json::json!({
            "tableReference": { "projectId": PROJECT, "datasetId": w.dataset, "tableId": name },
            "schema": { "fields": [{ "name": "x", "type": "INT64" }] },
        });
        let res = reqwest::Client::new()
            .post(w.url("/tables"))
            .json(&table)
            .send()
            .await
            .unwrap();
        assert!(res.status().is_success(), "{}", res.text().await.unwrap());
    }

    // Younger than an hour: it may be another instance's batch in flight, so it stays.
    let report = w
        .exporter(&w.direct(500))
        .await
        .cycle(&mut quiet)
        .await
        .unwrap();
    assert_eq!(report.swept, 0);
    assert!(tables_there(&w)
        .await
        .contains(&"_instalytics_stage_media_00000000000000aa".to_owned()));

    let old_enough = BigQueryConfig {
        staging_max_age: Duration::ZERO,
        ..w.direct(500)
    };
    let report = w
        .exporter(&old_enough)
        .await
        .cycle(&mut quiet)
        .await
        .unwrap();
    assert_eq!(report.swept, 1);
    assert_eq!(
        tables_there(&w).await,
        [
            "account_insights_daily",
            "accounts",
            "insight_breakdowns",
            "media",
            "media_snapshots",
            "notes_by_hand",
            "sync_runs"
        ],
        "the leftover is gone; every batch dropped its own staging table; the rest is kept"
    );
    w.assert_equal().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn export_matches_the_database_and_twice_changes_nothing_sqlite() {
    export_matches_the_database_and_twice_changes_nothing(Db::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn export_matches_the_database_and_twice_changes_nothing_postgres() {
    export_matches_the_database_and_twice_changes_nothing(Db::Postgres).await;
}

/// The worst moment to crash: BigQuery merged a batch but the answer never arrived, so the
/// cursor did not move. Resuming re-sends that batch; the MERGE makes it harmless.
async fn a_lost_answer_mid_export_then_resume_duplicates_nothing(db: Db) {
    let Some(w) = World::new(db, 2, 30, 10).await else {
        return;
    };
    let proxy = FaultProxy::start(&w.emulator).await;
    // The third MERGE of the snapshots is done by BigQuery but its answer is lost, three
    // times in a row: more than the cycle's retries, so the cycle fails there.
    proxy.fault("media_snapshots` T USING", 2, 3, Fault::LoseAnswer);
    let exporter = w.exporter(&bq::config(&proxy.url, &w.token_url, 100)).await;
    let err = exporter.cycle(&mut quiet).await.unwrap_err();
    assert!(
        matches!(
            err,
            ExportError::Send {
                table: "media_snapshots",
                ..
            }
        ),
        "{err}"
    );
    let state = ExportStore::new(w.db.clone())
        .state("media_snapshots")
        .await
        .unwrap();
    assert_eq!(
        state.rows_exported, 200,
        "two batches confirmed before the fault"
    );
    // BigQuery has more than was confirmed: the batch whose answer was lost.
    assert_eq!(w.bq_count("media_snapshots", "").await, 300);

    exporter.cycle(&mut quiet).await.unwrap();
    w.assert_equal().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_lost_answer_mid_export_then_resume_duplicates_nothing_sqlite() {
    a_lost_answer_mid_export_then_resume_duplicates_nothing(Db::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_lost_answer_mid_export_then_resume_duplicates_nothing_postgres() {
    a_lost_answer_mid_export_then_resume_duplicates_nothing(Db::Postgres).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn server_errors_are_retried_and_an_outage_fails_the_cycle_without_loss() {
    let Some(w) = World::new(Db::Sqlite, 1, 20, 5).await else {
        return;
    };
    let proxy = FaultProxy::start(&w.emulator).await;
    // Two 500s on loads: within the retries, the cycle succeeds.
    proxy.fault("uploadType=multipart", 1, 2, Fault::Refuse(500));
    let exporter = w.exporter(&bq::config(&proxy.url, &w.token_url, 100)).await;
    exporter.cycle(&mut quiet).await.unwrap();
    assert_eq!(proxy.seen("uploadType=multipart") - 2, {
        // Every load that was not refused became one staging table and one MERGE.
        proxy.seen("MERGE ")
    });
    w.assert_equal().await;

    // The emulator "stops": the cycle fails with a clear, transient error and moves nothing.
    let before = ExportStore::new(w.db.clone()).states().await.unwrap();
    proxy.set_down(true);
    let err = exporter.cycle(&mut quiet).await.unwrap_err();
    assert!(err.to_string().contains("unavailable"), "{err}");
    assert_eq!(
        ExportStore::new(w.db.clone()).states().await.unwrap(),
        before
    );
    proxy.set_down(false);
    exporter.cycle(&mut quiet).await.unwrap();
    w.assert_equal().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn schema_drift_extra_columns_are_kept_and_type_changes_stop_the_export() {
    let Some(w) = World::new(Db::Sqlite, 1, 10, 3).await else {
        return;
    };
    let exporter = w.exporter(&w.direct(1_000)).await;
    exporter.cycle(&mut quiet).await.unwrap();
    // An analyst adds a column by hand (the console patches the schema): the export goes on
    // and says so.
    let http = reqwest::Client::new();
    let tables = w.url("/tables");
    let mut fields = server::export::tables::MEDIA.fields();
    fields
        .as_array_mut()
        .unwrap()
        .push(serde_json::json!({ "name": "campaign", "type": "STRING", "mode": "NULLABLE" }));
    let res = http
        .patch(format!("{tables}/media"))
        .json(&serde_json::json!({ "schema": { "fields": fields } }))
        .send()
        .await
        .unwrap();
    assert!(res.status().is_success());
    let report = exporter.cycle(&mut quiet).await.unwrap();
    assert_eq!(report.schema.foreign, vec!["media.campaign".to_owned()]);
    w.assert_equal().await;

    // Someone re-creates a table with another type for one of our columns: refused, by name.
    http.delete(format!("{tables}/sync_runs"))
        .send()
        .await
        .unwrap();
    let mut body = server::export::tables::SYNC_RUNS.create_body(PROJECT, &w.dataset);
    body["schema"]["fields"][6]["type"] = "STRING".into();
    let res = http.post(&tables).json(&body).send().await.unwrap();
    assert!(res.status().is_success());
    let err = exporter.cycle(&mut quiet).await.unwrap_err();
    match &err {
        ExportError::Schema(SchemaError::TypeDrift { table, column, .. }) => {
            assert_eq!((*table, *column), ("sync_runs", "requests"));
        }
        other => panic!("expected drift, got {other}"),
    }
    assert!(err
        .to_string()
        .contains("is STRING in BigQuery but Instalytics writes INT64"));
}

#[tokio::test(flavor = "multi_thread")]
async fn deleting_an_account_deletes_its_rows_or_waits_until_bigquery_is_back() {
    let Some(w) = World::new(Db::Sqlite, 2, 15, 5).await else {
        return;
    };
    let proxy = FaultProxy::start(&w.emulator).await;
    let exporter = w
        .exporter(&bq::config(&proxy.url, &w.token_url, 1_000))
        .await;
    exporter.cycle(&mut quiet).await.unwrap();
    let store = server::store::accounts::AccountStore::new(w.db.clone());
    let gone = store.list(None).await.unwrap()[0].id;
    assert!(
        w.bq_count("media_snapshots", &format!("WHERE account_id = {gone}"))
            .await
            > 0
    );

    // BigQuery unreachable: the account is deleted here, the deletion waits in the queue.
    proxy.set_down(true);
    store.delete(gone, 1).await.unwrap();
    assert!(exporter.cycle(&mut quiet).await.is_err());
    let queue = ExportStore::new(w.db.clone());
    assert_eq!(queue.pending_deletions().await.unwrap().len(), 1);

    proxy.set_down(false);
    let report = exporter.cycle(&mut quiet).await.unwrap();
    assert_eq!(report.deletions, 1);
    assert!(queue.pending_deletions().await.unwrap().is_empty());
    for (table, ..) in CHECKS {
        assert_eq!(
            w.bq_count(table, &format!("WHERE account_id = {gone}"))
                .await,
            0,
            "{table}"
        );
    }
    w.assert_equal().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn backfill_of_a_large_history_resumes_after_an_interruption() {
    let Some(w) = World::new(Db::Sqlite, 4, 300, 20).await else {
        return;
    };
    let snapshots = row_here(
        &w.db,
        "SELECT COUNT(*), COUNT(*), COUNT(*) FROM media_snapshots",
    )
    .await[0];
    assert!(snapshots > 10_000, "{snapshots}");
    let proxy = FaultProxy::start(&w.emulator).await;
    let exporter = w
        .exporter(&bq::config(&proxy.url, &w.token_url, 2_000))
        .await;
    let store = ExportStore::new(w.db.clone());
    assert!(store
        .start_backfill(&[
            "accounts",
            "media",
            "media_snapshots",
            "account_insights_daily",
            "sync_runs"
        ])
        .await
        .unwrap());
    // Interrupted after three snapshot batches: BigQuery stops answering.
    proxy.fault("media_snapshots` T USING", 3, 100, Fault::Refuse(503));
    let mut progress = Vec::new();
    let mut record = |table: &'static str, rows: u64| progress.push((table, rows));
    assert!(exporter.cycle(&mut record).await.is_err());
    assert_eq!(
        progress
            .iter()
            .filter(|(t, _)| *t == "media_snapshots")
            .count(),
        3
    );
    // Resuming does not restart: the backfill is still under way, from its cursors.
    assert!(!store.start_backfill(&["media_snapshots"]).await.unwrap());
    let proxy_ok = FaultProxy::start(&w.emulator).await;
    let resumed = w
        .exporter(&bq::config(&proxy_ok.url, &w.token_url, 2_000))
        .await;
    let report = resumed.cycle(&mut quiet).await.unwrap();
    let sent = report
        .rows
        .iter()
        .find(|(t, _)| *t == "media_snapshots")
        .unwrap()
        .1;
    assert_eq!(sent as i64, snapshots - 6_000);
    store.finish_backfill().await.unwrap();
    w.assert_equal().await;
}

/// Settings over HTTP: the admin configures the export, the key is refused when it is not
/// one and never returned, "Test connection" names each problem, viewers get 403, and the
/// running server exports after its own work.
#[tokio::test(flavor = "multi_thread")]
async fn settings_configure_test_and_show_the_export() {
    let Some(emulator) = bq::emulator() else {
        return;
    };
    let (google, token_url) = bq::google().await;
    let proxy = FaultProxy::start(&emulator).await;
    let sim = Simulator::new(SimConfig {
        accounts: 1,
        media_per_account: 40,
        start: time::OffsetDateTime::now_utc(),
        ..SimConfig::default()
    });
    let sim_server = sim.serve("127.0.0.1:0".parse().unwrap()).await.unwrap();
    let mut flags = common::sim_flags(&sim_server);
    flags.extend([
        "--bigquery-url".to_owned(),
        proxy.url.clone(),
        "--bigquery-token-url".into(),
        token_url,
    ]);
    let server = TestServer::start_with(Db::Sqlite, &flags).await.unwrap();
    let admin = server.admin("admin", "correct horse battery").await;
    let test = || admin.ok::<ConnectionCheck>("export/test", &[]);

    let check = test().await;
    assert!(!check.ok);
    assert!(check.message.starts_with("Not ready"), "{check:?}");

    let bad = admin
        .fails(
            "export/key",
            &[("key", "{\"type\":\"authorized_user\"}")],
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    assert!(
        bad.to_string().contains("not a service-account key"),
        "{bad:?}"
    );
    let bad = admin
        .fails(
            "export/destination",
            &[("project", "X"), ("dataset", "d"), ("location", "US")],
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    assert_eq!(invalid_field(&bad), Some("project"), "{bad:?}");

    admin
        .ok::<ExportView>(
            "export/destination",
            &[
                ("project", PROJECT),
                ("dataset", "missing_ds"),
                ("location", LOCATION),
            ],
        )
        .await;
    // A key Google does not know (never registered with the token endpoint).
    let (stranger, _) = bq::key_for("stranger@instalytics-test.iam.gserviceaccount.com");
    admin
        .ok::<ExportView>("export/key", &[("key", &stranger)])
        .await;
    let check = test().await;
    assert!(
        check.message.contains("Google refused the key"),
        "{check:?}"
    );

    // The raw answer, as it crosses the wire: the key must not be anywhere in it.
    let body = admin
        .text("export/key", &[("key", &bq::key().0)], StatusCode::OK)
        .await;
    assert!(!body.contains("PRIVATE KEY"));
    let view: ExportView = common::decode("export/key", StatusCode::OK, &body).unwrap();
    assert_eq!(view.key_email.as_deref(), Some(EMAIL));
    let check = test().await;
    assert!(
        check.message.contains("missing_ds was not found"),
        "{check:?}"
    );

    let dataset = bq::fresh_dataset(&emulator).await;
    admin
        .ok::<ExportView>(
            "export/destination",
            &[
                ("project", PROJECT),
                ("dataset", &dataset),
                ("location", LOCATION),
            ],
        )
        .await;
    proxy.fault(
        &format!("GET /bigquery/v2/projects/{PROJECT}/datasets/{dataset} "),
        0,
        1,
        Fault::Refuse(403),
    );
    let check = test().await;
    assert!(check.message.contains("lacks permission"), "{check:?}");
    let check = test().await;
    assert!(check.ok, "{check:?}");
    assert!(check.message.starts_with("All is well"));
    // Each check signs in once, however many requests it makes.
    assert_eq!(google.exchanges(), 3);

    // Enabled, the running server exports at once (and after every sync).
    let view: ExportView = admin.ok("export/enabled", &[("enabled", "true")]).await;
    assert!(view.enabled);
    let deadline = Instant::now() + Duration::from_secs(60);
    let view = loop {
        let view: ExportView = admin.ok("export/status", &[]).await;
        if view.last_success.is_some() {
            break view;
        }
        assert!(Instant::now() < deadline, "no export: {view:?}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert!(view.last_error.is_none(), "{view:?}");
    assert_eq!(view.tables.len(), 6);
    for table in [
        "accounts",
        "media",
        "media_snapshots",
        "account_insights_daily",
        "sync_runs",
        "insight_breakdowns",
    ] {
        let rows = bq::query(
            &emulator,
            &format!("SELECT COUNT(*) FROM `{PROJECT}.{dataset}.{table}`"),
        )
        .await;
        assert_eq!(
            rows[0][0].as_deref(),
            Some("0"),
            "{table} created, empty (no accounts yet)"
        );
    }

    // A sync's rows go out after it, by themselves.
    common::connect(&admin, &sim.accounts()[0]).await;
    let table = format!("`{PROJECT}.{dataset}.media_snapshots`");
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let here = server.count("SELECT COUNT(*) FROM media_snapshots").await;
        let there = bq::query(&emulator, &format!("SELECT COUNT(*) FROM {table}")).await;
        if here > 0 && there[0][0].as_deref() == Some(here.to_string().as_str()) {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "sync not exported: {here} here, {there:?} there"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    // Viewers see nothing of it.
    admin
        .ok::<UserSummary>(
            "users/add",
            &[
                ("username", "vera"),
                ("password", "viewer password"),
                ("role", "viewer"),
            ],
        )
        .await;
    let viewer = server.client();
    viewer.login("vera", "viewer password").await;
    let calls: [(&str, &[(&str, &str)]); 5] = [
        ("export/status", &[]),
        ("export/test", &[]),
        ("export/key", &[("key", "{}")]),
        ("export/enabled", &[("enabled", "false")]),
        (
            "export/destination",
            &[("project", PROJECT), ("dataset", "x"), ("location", "US")],
        ),
    ];
    for (name, form) in calls {
        assert_eq!(
            viewer.call(name, form).await.status(),
            StatusCode::FORBIDDEN,
            "{name}"
        );
    }
    server.stop().await;
}

/// `instalytics export --backfill` killed with SIGKILL in the middle, then run again: it
/// resumes (does not restart) and BigQuery ends up equal to the database.
#[tokio::test(flavor = "multi_thread")]
async fn the_backfill_command_killed_mid_export_resumes_without_duplicates() {
    let Some(emulator) = bq::emulator() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/instalytics.db?mode=rwc", dir.path().display());
    let db = server::db::open(&url).await.unwrap();
    // The key file `export` will load, as `serve` would have created it.
    let cipher = Cipher::new(MasterKey::load_or_create(None, dir.path()).unwrap());
    let config = GenerateConfig {
        accounts: 2,
        posts: 100,
        days: 20,
        seed: 3,
    };
    let dataset = history_and_destination(&emulator, &db, &cipher, config).await;
    let store = ExportStore::new(db.clone());
    let (_google, token_url) = bq::google().await;
    let command = || {
        let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_instalytics"));
        c.args(["export", "--backfill", "--data-dir"])
            .arg(dir.path())
            .args(["--database-url", &url, "--bigquery-url", &emulator])
            .args([
                "--bigquery-token-url",
                &token_url,
                "--export-batch-rows",
                "500",
            ])
            .env_remove("INSTALYTICS_MASTER_KEY")
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped());
        c
    };

    let mut child = command().spawn().unwrap();
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let done = store.state("media_snapshots").await.unwrap().rows_exported;
        if done >= 1_500 {
            break;
        }
        assert!(Instant::now() < deadline, "no progress");
        assert!(
            child.try_wait().unwrap().is_none(),
            "finished before it could be killed"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let confirmed = store.state("media_snapshots").await.unwrap();
    assert!(confirmed.backfilling);

    let out = command().output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains("resuming where BigQuery last confirmed"),
        "{stderr}"
    );
    assert!(stderr.contains("rows/s"), "a progress bar: {stderr}");
    assert!(String::from_utf8_lossy(&out.stdout).contains("exported"));
    assert!(!store.state("media_snapshots").await.unwrap().backfilling);

    let snapshots = row_here(
        &db,
        "SELECT COUNT(*), COUNT(DISTINCT id), COUNT(*) FROM media_snapshots",
    )
    .await;
    let there = bq::query(
        &emulator,
        &format!("SELECT COUNT(*), COUNT(DISTINCT snapshot_id) FROM `{PROJECT}.{dataset}.media_snapshots`"),
    )
    .await;
    let there: Vec<i64> = there[0]
        .iter()
        .map(|v| v.as_deref().unwrap().parse().unwrap())
        .collect();
    assert_eq!(there, snapshots[..2]);
    // The resumed run sent only what was not confirmed before the kill.
    let resumed = store.state("media_snapshots").await.unwrap().rows_exported;
    assert_eq!(
        resumed, snapshots[0],
        "the cursor's count is the history, not more"
    );
    assert!(confirmed.rows_exported < snapshots[0]);
}
