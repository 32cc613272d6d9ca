//! A server polling a Graph API simulator, both over real HTTP, with a signed-in admin: the
//! world the poller's integration tests drive.

use std::time::{Duration, Instant};

use server::dev::graph_sim::{Flavour, SimAccount, SimConfig, SimServer, Simulator};
use time::OffsetDateTime;

use app::dto::{UserSummary, WorkspaceChoice};
use reqwest::StatusCode;

use super::{sim_flags, Api, Db, TestServer};

pub const PASSWORD: &str = "correct horse battery";

/// Every simulated account connected and synced once, in two workspaces: the Default holds
/// all but the last, "Client B" the last. Ids as the forms take them.
pub struct TwoClients {
    pub ids: Vec<i64>,
    pub default: String,
    pub b_ws: String,
    pub b_account: String,
}

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

    /// A world of one simulated account with two media: enough for tests of what surrounds
    /// the data.
    pub async fn one_account(db: Db) -> Option<Self> {
        let config = SimConfig {
            accounts: 1,
            media_per_account: 2,
            ..SimConfig::default()
        };
        Self::start(db, config, &[]).await
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

    /// Connects every account and puts the last in a new workspace, "Client B".
    pub async fn two_clients(&self) -> TwoClients {
        let mut ids = Vec::new();
        for account in &self.sim.accounts() {
            let id = super::connect(&self.admin, account).await;
            assert_eq!(self.finished_runs(id, 1).await, "ok");
            ids.push(id);
        }
        let b: WorkspaceChoice = self
            .admin
            .ok("workspaces/create", &[("name", "Client B")])
            .await;
        let (b_ws, b_account) = (b.id.to_string(), ids.last().unwrap().to_string());
        self.admin
            .ok::<()>(
                "workspaces/move",
                &[("account", &b_account), ("workspace", &b_ws)],
            )
            .await;
        let default = self
            .server
            .scalar::<i64>("SELECT MIN(id) FROM workspaces")
            .await
            .to_string();
        TwoClients {
            ids,
            default,
            b_ws,
            b_account,
        }
    }

    /// A viewer "vera" of workspace `ws`, signed in.
    pub async fn viewer_of(&self, ws: &str) -> (Api, UserSummary) {
        let vera: UserSummary = self
            .admin
            .ok(
                "users/add",
                &[
                    ("username", "vera"),
                    ("password", PASSWORD),
                    ("role", "viewer"),
                    ("workspace", ws),
                ],
            )
            .await;
        let viewer = self.server.client();
        assert_eq!(
            viewer.login("vera", PASSWORD).await.status(),
            StatusCode::OK
        );
        (viewer, vera)
    }

    pub async fn stop(self) {
        self.server.stop().await;
        self.sim_server.stop().await;
    }
}
