//! A server polling a Graph API simulator, both over real HTTP, with a signed-in admin: the
//! world the poller's integration tests drive.

use std::time::{Duration, Instant};

use server::dev::graph_sim::{Flavour, SimAccount, SimConfig, SimServer, Simulator};
use time::OffsetDateTime;

use super::{sim_flags, Api, Db, TestServer};

pub const PASSWORD: &str = "correct horse battery";

pub struct SyncWorld {
    pub sim: Simulator,
    pub sim_server: SimServer,
    pub server: TestServer,
    pub admin: Api,
}

impl SyncWorld {
    /// A simulator whose clock reads the real time (the server stamps rows with it) and a
    /// server polling it, started with `extra` flags; `None` when the database is skipped.
    pub async fn start(db: Db, config: SimConfig, extra: &[String]) -> Option<Self> {
        let sim = Simulator::new(SimConfig {
            start: OffsetDateTime::now_utc(),
            ..config
        });
        let sim_server = sim.serve("127.0.0.1:0".parse().unwrap()).await.unwrap();
        let mut flags = sim_flags(&sim_server);
        flags.extend_from_slice(extra);
        let server = TestServer::start_with(db, &flags).await?;
        let admin = server.admin("admin", PASSWORD).await;
        Some(Self {
            sim,
            sim_server,
            server,
            admin,
        })
    }

    pub fn account(&self, flavour: Flavour) -> SimAccount {
        self.sim
            .accounts()
            .into_iter()
            .find(|a| a.flavour == flavour)
            .unwrap()
    }

    /// Waits until `account` has `n` finished runs; returns the newest one's outcome.
    pub async fn finished_runs(&self, account: i64, n: i64) -> String {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let done = self
                .server
                .count(&format!(
                    "SELECT COUNT(*) FROM sync_runs WHERE account_id = {account} AND outcome <> 'running'"
                ))
                .await;
            if done >= n {
                return self
                    .server
                    .scalar::<String>(&format!(
                        "SELECT outcome FROM sync_runs WHERE account_id = {account} ORDER BY id DESC LIMIT 1"
                    ))
                    .await;
            }
            assert!(
                Instant::now() < deadline,
                "account {account}: {done} of {n} runs finished"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Presses "Sync now" for `account`.
    pub async fn request_sync(&self, account: i64) {
        self.admin
            .ok::<()>("accounts/sync", &[("id", &account.to_string())])
            .await;
    }

    pub async fn stop(self) {
        self.server.stop().await;
        self.sim_server.stop().await;
    }
}
