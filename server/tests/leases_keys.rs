//! Sharing and securing the poller's work: lease rows (one instance per account at a time,
//! on SQLite and PostgreSQL, and two real server instances on one PostgreSQL), and the
//! master key (rotation in one transaction, a wrong or missing key refused at start).

mod common;

use std::process::Command;
use std::time::{Duration, Instant};

use common::{serve_args, sim_flags, Db, TestServer};
use sea_orm::Database;
use server::dev::graph_sim::{FaultKind, SimConfig, Simulator};
use server::store::accounts::{AccountStore, NewAccount};
use server::store::entities::accounts::SealedToken;
use server::store::leases::LeaseStore;
use time::OffsetDateTime;

const PASSWORD: &str = "correct horse battery";

fn sim_config(accounts: usize) -> SimConfig {
    SimConfig {
        accounts,
        media_per_account: 30,
        start: OffsetDateTime::now_utc(),
        ..SimConfig::default()
    }
}

async fn lease_claims_are_exclusive(db: Db) {
    let dir = tempfile::tempdir().unwrap();
    let Some((url, _pg)) = common::database(db, dir.path()).await else {
        return;
    };
    let conn = server::db::open(&url).await.unwrap();
    let account = AccountStore::new(conn.clone())
        .connect(
            NewAccount {
                ig_user_id: "17841400000000001".into(),
                app_user_id: None,
                flavour: app::dto::Flavour::InstagramLogin,
                username: "leased".into(),
                name: None,
                profile_picture_url: None,
                followers_count: 0,
                follows_count: 0,
                media_count: 0,
                token: SealedToken("v1.x.y".into()),
                token_expires_at: None,
            },
            1_000,
        )
        .await
        .unwrap();
    let a = LeaseStore::new(conn.clone(), "instance-a");
    let b = LeaseStore::new(conn.clone(), "instance-b");
    let id = account.id;
    assert!(a.claim(id, 1_000, 1_060).await.unwrap());
    assert!(!b.claim(id, 1_010, 1_070).await.unwrap(), "held by a");
    assert!(a.claim(id, 1_020, 1_080).await.unwrap(), "a renews its own");
    assert!(!b.claim(id, 1_079, 1_139).await.unwrap(), "not expired yet");
    assert!(
        b.claim(id, 1_081, 1_141).await.unwrap(),
        "a's lease ran out"
    );
    assert!(!a.claim(id, 1_090, 1_150).await.unwrap());
    b.release(id).await.unwrap();

    // Many instances racing for a free account: exactly one wins.
    let racers: Vec<_> = (0..8)
        .map(|i| {
            let store = LeaseStore::new(conn.clone(), format!("racer-{i}"));
            tokio::spawn(async move { store.claim(id, 2_000, 2_060).await.unwrap() })
        })
        .collect();
    let mut winners = 0;
    for r in racers {
        winners += usize::from(r.await.unwrap());
    }
    assert_eq!(winners, 1);
}

/// Two servers on one PostgreSQL database, both polling: no account is ever synced by both
/// at once (each account's runs never overlap), and every requested sync happens.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_instances_never_sync_the_same_account_at_once() {
    let sim = Simulator::new(sim_config(4));
    let sim_server = sim.serve("127.0.0.1:0".parse().unwrap()).await.unwrap();
    let flags = sim_flags(&sim_server);
    let Some(first) = TestServer::start_with(Db::Postgres, &flags).await else {
        return;
    };
    let second = server::start(serve_args(first.data_dir(), &first.database_url, &flags))
        .await
        .expect("second instance starts on the same database and key");
    let admin = first.admin("admin", PASSWORD).await;
    // Every request takes a little while, so a broken lease would show as overlap.
    sim.faults()
        .fail_next(100_000, FaultKind::Slow(Duration::from_millis(15)));
    let mut ids = Vec::new();
    for account in sim.accounts() {
        ids.push(common::connect(&admin, &account).await);
    }
    let rounds = 4;
    for round in 1..=rounds {
        wait_until_finished(&first, round * ids.len() as i64).await;
        if round < rounds {
            for id in &ids {
                admin
                    .ok::<()>("accounts/sync", &[("id", &id.to_string())])
                    .await;
            }
        }
    }

    let db = Database::connect(&first.database_url).await.unwrap();
    use sea_orm::{ConnectionTrait, Statement};
    let rows = db
        .query_all(Statement::from_string(
            db.get_database_backend(),
            "SELECT account_id, started_at, finished_at, instance, outcome FROM sync_runs ORDER BY account_id, started_at, id",
        ))
        .await
        .unwrap();
    let runs: Vec<(i64, i64, i64, String, String)> = rows
        .iter()
        .map(|r| {
            (
                r.try_get_by_index(0).unwrap(),
                r.try_get_by_index(1).unwrap(),
                r.try_get_by_index(2).unwrap(),
                r.try_get_by_index(3).unwrap(),
                r.try_get_by_index(4).unwrap(),
            )
        })
        .collect();
    assert_eq!(runs.len(), rounds as usize * ids.len());
    for pair in runs.windows(2) {
        let (a, b) = (&pair[0], &pair[1]);
        if a.0 == b.0 {
            assert!(
                b.1 >= a.2,
                "account {} synced twice at once: {a:?} {b:?}",
                a.0
            );
        }
    }
    assert!(runs.iter().all(|r| r.4 == "ok"), "{runs:?}");
    second.stop().await.unwrap();
    first.stop().await;
    sim_server.stop().await;
}

async fn wait_until_finished(server: &TestServer, n: i64) {
    let deadline = Instant::now() + Duration::from_secs(90);
    loop {
        let done = server
            .count("SELECT COUNT(*) FROM sync_runs WHERE outcome <> 'running'")
            .await;
        if done >= n {
            return;
        }
        assert!(Instant::now() < deadline, "{done} of {n} runs finished");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn instalytics(args: &[&str], env: &[(&str, &str)]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_instalytics"))
        .args(args)
        .env("INSTALYTICS_LOG", "warn")
        .env_remove("INSTALYTICS_MASTER_KEY")
        .envs(env.iter().copied())
        .output()
        .unwrap()
}

async fn rotation_and_wrong_keys(db: Db) {
    let sim = Simulator::new(sim_config(2));
    let sim_server = sim.serve("127.0.0.1:0".parse().unwrap()).await.unwrap();
    let flags = sim_flags(&sim_server);
    let Some(server) = TestServer::start_with(db, &flags).await else {
        return;
    };
    let admin = server.admin("admin", PASSWORD).await;
    for account in sim.accounts() {
        common::connect(&admin, &account).await;
    }
    let dir = server.data_dir().to_path_buf();
    let url = server.database_url.clone();
    let before = tokens_now(&url).await;
    server.running.stop().await.unwrap();
    let old_key = std::fs::read_to_string(dir.join("master.key")).unwrap();

    let data = dir.to_str().unwrap();
    let out = instalytics(
        &["rotate-key", "--data-dir", data, "--database-url", &url],
        &[],
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("re-sealed 2 token(s)"), "{stdout}");
    let new_key = std::fs::read_to_string(dir.join("master.key")).unwrap();
    assert_ne!(old_key, new_key);
    // The server starts with the new key: every token opens under it.
    let restarted = server::start(serve_args(&dir, &url, &flags))
        .await
        .expect("starts after rotation");
    restarted.stop().await.unwrap();
    let after = tokens_now(&url).await;
    for (b, a) in before.iter().zip(&after) {
        assert_ne!(b, a);
        assert_ne!(b.split('.').nth(1), a.split('.').nth(1), "new key id");
    }

    // The old key back in place: one clear error at start, nothing touched.
    std::fs::write(dir.join("master.key"), &old_key).unwrap();
    let err = server::start(serve_args(&dir, &url, &flags))
        .await
        .err()
        .expect("the wrong key is refused");
    let text = err.to_string();
    assert!(
        text.contains("cannot be opened") && text.contains("sealed with key"),
        "{text}"
    );
    // No key at all: refused too, never replaced by a fresh one.
    std::fs::remove_file(dir.join("master.key")).unwrap();
    let err = server::start(serve_args(&dir, &url, &flags))
        .await
        .err()
        .expect("a missing key is refused");
    assert!(err.to_string().contains("no master key"), "{err}");
    assert!(!dir.join("master.key").exists());
    std::fs::write(dir.join("master.key"), &new_key).unwrap();
    assert_eq!(tokens_now(&url).await, after);
    sim_server.stop().await;
}

async fn tokens_now(url: &str) -> Vec<String> {
    let db = Database::connect(url).await.unwrap();
    use sea_orm::{ConnectionTrait, Statement};
    db.query_all(Statement::from_string(
        db.get_database_backend(),
        "SELECT token FROM accounts ORDER BY id",
    ))
    .await
    .unwrap()
    .iter()
    .map(|r| r.try_get_by_index::<String>(0).unwrap())
    .collect()
}

per_database!(lease_claims_are_exclusive, rotation_and_wrong_keys);
