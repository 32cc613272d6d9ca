//! A simulator of the Instagram Graph API, faithful enough that a client which works against
//! it works against Meta: the same paths, parameters and JSON shapes
//! (<https://developers.facebook.com/docs/instagram-platform/overview>), cursor paging with
//! absolute `next` URLs (<https://developers.facebook.com/docs/graph-api/results>), error
//! envelopes (<https://developers.facebook.com/docs/graph-api/guides/error-handling>) and
//! usage headers (<https://developers.facebook.com/docs/graph-api/overview/rate-limiting>).
//!
//! Deterministic from a seed; its clock only moves when told to. Used by tests, benchmarks,
//! `instalytics graph-sim`, and demo mode. Both flavours are served from one listener:
//! `/instagram/vNN.0/…` stands for graph.instagram.com, `/facebook/vNN.0/…` for
//! graph.facebook.com.

mod audience;
mod data;
mod days;
mod faults;
mod oauth;
mod pictures;
mod reply;
/// Shared with `generate`, whose data must also follow from a seed alone.
pub(crate) mod rng;
mod routes;
mod support;

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use time::OffsetDateTime;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

pub use faults::{FaultKind, Faults};

use data::Account;
use rng::Rng;

#[derive(Clone, Debug)]
pub struct SimConfig {
    pub seed: u64,
    pub accounts: usize,
    /// Posts and reels published before `start` per account.
    pub media_per_account: usize,
    /// Those posts spread over this many days before `start`.
    pub history_days: u32,
    /// For this many days after `start` the accounts keep publishing at the history's pace
    /// (the demo: until long after it has caught up with the wall clock).
    pub publishing_days: u32,
    /// The clock's first reading.
    pub start: OffsetDateTime,
    pub api_version: String,
    /// Calls per token per rolling hour of simulated time before code 80002; `None` = no limit.
    pub call_budget: Option<u32>,
    /// The zone whose midnights end Meta's days for account insights: Pacific time unless the
    /// account has its own (instagram-platform/api-reference/instagram-user/insights).
    pub insights_zone: String,
    /// Every account starts with this many followers instead of a generated count (Meta
    /// withholds follower metrics below 100).
    pub followers: Option<i64>,
    /// Feed videos from before reels (`VIDEO` + `FEED`) spread through each history.
    pub legacy_feed_videos: usize,
    /// Media posted before the account became a business account (no insights, 2108006).
    pub pre_conversion_media: usize,
    /// The media edge ignores `since`, as seen with Facebook Login.
    pub ignore_media_since: bool,
    /// Story `replies` always 0, as in the EU and Japan.
    pub replies_always_zero: bool,
    /// Pictures (`media_url`, `thumbnail_url`, `profile_picture_url`) are the simulator's own
    /// generated ones, on its own origin, so pages show them offline. Off, they are Meta-shaped
    /// CDN URLs that resolve nowhere: what the server's check on Meta's hosts must see.
    pub local_pictures: bool,
    /// The app's secret: `appsecret_proof` is checked against it, and `debug_token` takes
    /// `{app-id}|{app-secret}` with the id `1234`.
    pub app_secret: String,
    /// How many Facebook Login accounts one Facebook user manages: the accounts of that
    /// flavour are grouped in turn, each user's token serves all of its group, and
    /// `/me/accounts` lists a Page for each (after one Page without Instagram), as an agency's
    /// login does.
    pub facebook_user_accounts: usize,
}

impl Default for SimConfig {
    fn default() -> Self {
        Self {
            seed: 42,
            accounts: 3,
            media_per_account: 300,
            history_days: 90,
            publishing_days: 60,
            start: OffsetDateTime::from_unix_timestamp(1_795_435_200)
                .expect("2026-11-23 12:00 UTC"),
            api_version: "v25.0".into(),
            call_budget: None,
            insights_zone: "America/Los_Angeles".into(),
            followers: None,
            legacy_feed_videos: 0,
            pre_conversion_media: 0,
            ignore_media_since: false,
            replies_always_zero: false,
            local_pictures: false,
            app_secret: APP_SECRET.into(),
            facebook_user_accounts: 1,
        }
    }
}

/// The simulator speaks of logins as the product does.
pub use app::dto::Flavour;

/// What a test needs to talk to one simulated account.
#[derive(Clone, Debug)]
pub struct SimAccount {
    pub ig_user_id: String,
    pub username: String,
    pub flavour: Flavour,
    /// Simulator tokens are fake, so they may be printed.
    pub token: String,
    pub page_id: String,
}

/// The simulated app's id and default secret (`SimConfig::app_secret`), for `debug_token`'s
/// app token and `appsecret_proof`.
pub const APP_ID: &str = "1234";
pub const APP_SECRET: &str = "0123456789abcdef0123456789abcdef";

/// Long-lived tokens live 60 days; Instagram refreshes only tokens at least a day old.
const TOKEN_LIFETIME: time::Duration = time::Duration::days(60);
const REFRESH_MIN_AGE: time::Duration = time::Duration::hours(24);

#[derive(Clone, Debug)]
struct Token {
    /// The accounts it serves (indexes into `State::accounts`): one with Instagram Login;
    /// every account of its user's Pages with Facebook Login.
    accounts: Vec<usize>,
    flavour: Flavour,
    issued: OffsetDateTime,
}

struct State {
    config: SimConfig,
    accounts: Vec<Account>,
    /// The accounts each user manages (see `users`).
    users: Vec<Vec<usize>>,
    clock: Mutex<OffsetDateTime>,
    tokens: Mutex<HashMap<String, Token>>,
    /// Simulated times of recent calls, per token, for the call budget.
    calls: Mutex<HashMap<String, VecDeque<OffsetDateTime>>>,
    faults: Faults,
    requests: AtomicU64,
    issued: AtomicU64,
    /// OAuth authorization codes not yet exchanged → the accounts they grant.
    codes: Mutex<HashMap<String, Vec<usize>>>,
}

#[derive(Clone)]
pub struct Simulator {
    state: Arc<State>,
}

impl Simulator {
    pub fn new(config: SimConfig) -> Self {
        let accounts: Vec<Account> = (0..config.accounts)
            .map(|i| Account::generate(&config, i))
            .collect();
        // Tokens of the initial users were issued ten days before the clock starts.
        let issued = config.start - time::Duration::days(10);
        let users = users(&accounts, config.facebook_user_accounts);
        let tokens = users
            .iter()
            .cloned()
            .map(|user| {
                let first = &accounts[user[0]];
                (
                    token_string(config.seed, first.flavour, user[0] as u64),
                    Token {
                        accounts: user,
                        flavour: first.flavour,
                        issued,
                    },
                )
            })
            .collect();
        let clock = Mutex::new(config.start);
        Self {
            state: Arc::new(State {
                config,
                accounts,
                users,
                clock,
                tokens: Mutex::new(tokens),
                calls: Mutex::default(),
                faults: Faults::default(),
                requests: AtomicU64::new(0),
                issued: AtomicU64::new(1_000),
                codes: Mutex::default(),
            }),
        }
    }

    pub fn router(&self) -> axum::Router {
        routes::router(self.state.clone())
    }

    /// Serves on `addr` (port 0 picks one) until [`SimServer::stop`].
    pub async fn serve(&self, addr: SocketAddr) -> std::io::Result<SimServer> {
        let listener = tokio::net::TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let stop = CancellationToken::new();
        let app = self.router();
        let shutdown = stop.clone();
        let task = tokio::spawn(async move {
            axum::serve(listener, app)
                .with_graceful_shutdown(shutdown.cancelled_owned())
                .await
        });
        Ok(SimServer {
            addr,
            version: self.state.config.api_version.clone(),
            stop,
            task,
        })
    }

    pub fn accounts(&self) -> Vec<SimAccount> {
        let tokens = lock(&self.state.tokens);
        self.state
            .accounts
            .iter()
            .enumerate()
            .map(|(i, a)| SimAccount {
                ig_user_id: a.ig_user_id.clone(),
                username: a.username.clone(),
                flavour: a.flavour,
                token: tokens
                    .iter()
                    .filter(|(_, t)| t.accounts.contains(&i))
                    .min_by_key(|(_, t)| t.issued)
                    .map(|(s, _)| s.clone())
                    .expect("every account has a token"),
                page_id: a.page_id.clone(),
            })
            .collect()
    }

    pub fn now(&self) -> OffsetDateTime {
        *lock(&self.state.clock)
    }

    pub fn advance(&self, by: std::time::Duration) {
        *lock(&self.state.clock) += by;
    }

    pub fn faults(&self) -> &Faults {
        &self.state.faults
    }

    pub fn request_count(&self) -> u64 {
        self.state.requests.load(Ordering::Relaxed)
    }

    /// The account's numbers for one day of its insights zone, as the insights edge reports
    /// them (for tests to compare with what was stored).
    pub fn account_day(
        &self,
        ig_user_id: &str,
        day: time::Date,
    ) -> Option<BTreeMap<&'static str, i64>> {
        self.state
            .accounts
            .iter()
            .find(|a| a.ig_user_id == ig_user_id)
            .map(|a| a.day(day))
    }

    /// Every lifetime metric the simulator knows for one media, as of the clock (for tests to
    /// compare with what was stored; what the media's type refuses is in the map too).
    pub fn media_metrics(
        &self,
        ig_user_id: &str,
        media_id: &str,
    ) -> Option<BTreeMap<&'static str, i64>> {
        let now = self.now();
        let account = self
            .state
            .accounts
            .iter()
            .find(|a| a.ig_user_id == ig_user_id)?;
        account
            .media(now)
            .find(|p| p.id == media_id)
            .map(|p| p.metrics(now))
    }

    /// When the account's posts, reels and live stories were published, as of the clock,
    /// newest first, with their `media_product_type` (for tests of the world's shape).
    pub fn published(&self, ig_user_id: &str) -> Vec<(OffsetDateTime, &'static str)> {
        let now = self.now();
        let Some(account) = self
            .state
            .accounts
            .iter()
            .find(|a| a.ig_user_id == ig_user_id)
        else {
            return Vec::new();
        };
        let mut out: Vec<_> = account
            .media(now)
            .map(|p| (p.timestamp, p.product.api_name()))
            .collect();
        out.sort_by_key(|(at, _)| std::cmp::Reverse(*at));
        out
    }

    /// Ids of the media that refuse some metric (legacy feed videos, pre-conversion media).
    pub fn refusing_media(&self, ig_user_id: &str) -> Vec<String> {
        self.state
            .accounts
            .iter()
            .filter(|a| a.ig_user_id == ig_user_id)
            .flat_map(|a| a.posts.iter())
            .filter(|p| p.pre_conversion || p.is_legacy_video())
            .map(|p| p.id.clone())
            .collect()
    }
}

pub struct SimServer {
    pub addr: SocketAddr,
    version: String,
    stop: CancellationToken,
    task: JoinHandle<std::io::Result<()>>,
}

impl SimServer {
    pub fn instagram_base(&self) -> String {
        format!("{}/{}", self.instagram_root(), self.version)
    }

    pub fn instagram_root(&self) -> String {
        format!("http://{}/instagram", self.addr)
    }

    pub fn facebook_base(&self) -> String {
        format!("http://{}/facebook/{}", self.addr, self.version)
    }

    pub async fn stop(self) {
        self.stop.cancel();
        let _ = self.task.await;
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().expect("simulator lock poisoned")
}

/// The accounts each user manages: an Instagram Login account is its own user; Facebook Login
/// accounts are grouped `per_user` at a time.
fn users(accounts: &[Account], per_user: usize) -> Vec<Vec<usize>> {
    let mut users: Vec<Vec<usize>> = Vec::new();
    let mut open: Option<usize> = None;
    for (i, a) in accounts.iter().enumerate() {
        match (a.flavour, open) {
            (Flavour::FacebookLogin, Some(u)) if users[u].len() < per_user.max(1) => {
                users[u].push(i)
            }
            (flavour, _) => {
                if flavour == Flavour::FacebookLogin {
                    open = Some(users.len());
                }
                users.push(vec![i]);
            }
        }
    }
    users
}

/// Tokens look like Meta's: Instagram User tokens start `IGAA`, Facebook ones `EAA`.
fn token_string(seed: u64, flavour: Flavour, serial: u64) -> String {
    let mut r = Rng::new(seed, &[5, serial]);
    let body: String = (0..4).map(|_| format!("{:016x}", r.next())).collect();
    match flavour {
        Flavour::InstagramLogin => format!("IGAA{body}"),
        Flavour::FacebookLogin => format!("EAA{body}"),
    }
}

impl State {
    fn now(&self) -> OffsetDateTime {
        *lock(&self.clock)
    }

    /// When the token `text` stops working: 60 days after issue, or earlier when a test set
    /// its expiry.
    fn expiry(&self, text: &str, token: &Token) -> OffsetDateTime {
        let natural = token.issued + TOKEN_LIFETIME;
        self.faults.expiry(text).map_or(natural, |e| e.min(natural))
    }

    fn issue_token(&self, accounts: Vec<usize>, flavour: Flavour) -> String {
        let serial = self.issued.fetch_add(1, Ordering::Relaxed);
        let token = token_string(self.config.seed, flavour, serial);
        lock(&self.tokens).insert(
            token.clone(),
            Token {
                accounts,
                flavour,
                issued: self.now(),
            },
        );
        token
    }
}
