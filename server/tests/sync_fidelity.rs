//! The poller against a simulator that answers as Meta really does (issue 12), end to end over
//! real HTTP on SQLite and PostgreSQL: days labelled by Meta's day, pages refused by one
//! item, an ignored `since`, stories refused, Meta's error kinds, small accounts, and Facebook
//! Login token expiry. Each test drives the product as an admin does and reads the database.

mod common;

use app::dto::{AccountStatus, AccountSummary, Overview, SettingsView};
use common::world::SyncWorld;
use common::Db;
use server::dev::graph_sim::{FaultKind, Flavour, SimAccount, SimConfig, APP_SECRET};
use time::OffsetDateTime;

type World = SyncWorld;

impl SyncWorld {
    /// Two accounts (one of each flavour) as `config` describes them.
    async fn new(db: Db, config: SimConfig, extra: &[&str]) -> Option<Self> {
        let extra: Vec<String> = extra.iter().map(|f| (*f).to_owned()).collect();
        Self::start(
            db,
            SimConfig {
                accounts: 2,
                ..config
            },
            &extra,
        )
        .await
    }

    /// Connects `account` and waits for its first sync; returns (id, outcome).
    /// The account's id and its first run's outcome, with the run's error when it has one.
    async fn connect_and_sync(&self, account: &SimAccount) -> (i64, String) {
        let id = common::connect(&self.admin, account).await;
        let outcome = self.finished_runs(id, 1).await;
        match self.last_run(id, "error").await {
            Some(error) if outcome == "failed" => (id, format!("{outcome}: {error}")),
            _ => (id, outcome),
        }
    }

    async fn last_run(&self, account: i64, column: &str) -> Option<String> {
        self.server
            .scalar::<Option<String>>(&format!(
                "SELECT CAST({column} AS TEXT) FROM sync_runs WHERE account_id = {account} ORDER BY id DESC LIMIT 1"
            ))
            .await
    }

    async fn sync_now(&self, id: i64, n: i64) -> String {
        self.request_sync(id).await;
        self.finished_runs(id, n).await
    }

    async fn day_value(&self, id: i64, date: time::Date, column: &str) -> Option<i64> {
        self.server
            .scalar::<Option<i64>>(&format!(
                "SELECT {column} FROM account_insights WHERE account_id = {id} AND date = '{date}'"
            ))
            .await
    }

    async fn count(&self, sql: &str) -> i64 {
        self.server.count(sql).await
    }
}

/// Item 1: the value Meta reports for a Pacific day is stored under that day; today is not
/// reported yet and stays empty rather than 0.
async fn days_are_labelled_as_meta_labels_them(db: Db) {
    let Some(w) = World::new(db, SimConfig::default(), &[]).await else {
        return;
    };
    let ig = w.account(Flavour::InstagramLogin);
    let (id, outcome) = w.connect_and_sync(&ig).await;
    assert_eq!(outcome, "ok");
    let now = OffsetDateTime::now_utc();
    // The day that ended at least 9 h ago in California is complete in every season.
    let complete = (now - time::Duration::hours(33)).date();
    let expected = w.sim.account_day(&ig.ig_user_id, complete).unwrap();
    assert_eq!(
        w.day_value(id, complete, "reach").await,
        Some(expected["reach"])
    );
    assert_eq!(
        w.day_value(id, complete, "views").await,
        Some(expected["views"])
    );
    assert_eq!(
        w.day_value(id, complete, "follower_delta").await,
        Some(expected["follower_count"])
    );
    assert_eq!(w.day_value(id, now.date(), "reach").await, None);
    // The Overview shows today as not reported yet, and the complete day with its figure.
    let overview: Overview = w.admin.ok("analytics/overview", &[]).await;
    let days = &overview.days;
    let today = days.last().unwrap();
    assert_eq!(today.date, now.date().to_string());
    assert_eq!((today.pending, today.reach), (true, None));
    let day = days
        .iter()
        .find(|d| d.date == complete.to_string())
        .unwrap();
    assert!(!day.pending);
    assert_eq!(day.reach, Some(expected["reach"]));
    w.stop().await;
}

/// Item 2: five legacy feed videos on five pages of a 1,000-media account cost a handful of
/// requests, not one per media; they keep the metrics they have.
async fn a_refused_page_is_isolated_not_fetched_per_media(db: Db) {
    let config = SimConfig {
        media_per_account: 1000,
        history_days: 30,
        legacy_feed_videos: 5,
        ..SimConfig::default()
    };
    let Some(w) = World::new(db, config, &[]).await else {
        return;
    };
    let ig = w.account(Flavour::InstagramLogin);
    let (id, outcome) = w.connect_and_sync(&ig).await;
    assert_eq!(outcome, "ok");
    let requests: i64 = w.last_run(id, "requests").await.unwrap().parse().unwrap();
    assert!(requests <= 60, "{requests} requests");
    assert_eq!(
        w.count(&format!("SELECT COUNT(*) FROM media WHERE account_id = {id} AND product_type = 'FEED' AND media_type = 'VIDEO'")).await,
        5
    );
    let legacy_with_reach = w
        .count(&format!(
            "SELECT COUNT(*) FROM media_snapshots s JOIN media m ON m.id = s.media_id \
             WHERE m.account_id = {id} AND m.media_type = 'VIDEO' AND m.product_type = 'FEED' \
             AND s.reach IS NOT NULL AND s.views IS NULL"
        ))
        .await;
    assert_eq!(legacy_with_reach, 5);
    w.stop().await;
}

/// Item 3: with `since` ignored, only the lookback window is read and stored.
async fn an_ignored_since_stops_at_the_window(db: Db) {
    let config = SimConfig {
        media_per_account: 3000,
        history_days: 900,
        ignore_media_since: true,
        ..SimConfig::default()
    };
    let Some(w) = World::new(db, config, &[]).await else {
        return;
    };
    w.admin
        .ok::<SettingsView>(
            "settings/update",
            &[("field", "lookback_days"), ("value", "7")],
        )
        .await;
    let ig = w.account(Flavour::InstagramLogin);
    let (id, outcome) = w.connect_and_sync(&ig).await;
    assert_eq!(outcome, "ok");
    let oldest = w
        .count(&format!(
            "SELECT MIN(published_at) FROM media WHERE account_id = {id} AND product_type <> 'STORY'"
        ))
        .await;
    assert!(oldest >= OffsetDateTime::now_utc().unix_timestamp() - 7 * 86_400 - 60);
    let requests: i64 = w.last_run(id, "requests").await.unwrap().parse().unwrap();
    // Plus the first poll of the day's 15 calls (demographics, followers online, and the
    // last two reported days' metrics by dimension).
    assert!(
        requests <= 12 + 15,
        "{requests} requests for a week of a 3,000-media account"
    );
    w.stop().await;
}

/// Item 4: a refused stories edge costs the stories only; the run says so, earlier story
/// data stays.
async fn refused_stories_make_a_partial_run(db: Db) {
    let Some(w) = World::new(db, SimConfig::default(), &[]).await else {
        return;
    };
    let ig = w.account(Flavour::InstagramLogin);
    let (id, outcome) = w.connect_and_sync(&ig).await;
    assert_eq!(outcome, "ok");
    let stories =
        format!("SELECT COUNT(*) FROM media WHERE account_id = {id} AND product_type = 'STORY'");
    let before = w.count(&stories).await;
    assert!(before > 0);
    let snapshots = format!(
        "SELECT COUNT(*) FROM media_snapshots s JOIN media m ON m.id = s.media_id WHERE m.account_id = {id} AND m.product_type <> 'STORY'"
    );
    let posts_before = w.count(&snapshots).await;
    w.sim.faults().refuse_stories(&ig.token);
    assert_eq!(w.sync_now(id, 2).await, "partial");
    let error = w.last_run(id, "error").await.unwrap();
    assert!(
        error.contains("Stories skipped") && error.contains("permission"),
        "{error}"
    );
    assert_eq!(w.count(&stories).await, before, "earlier stories kept");
    assert!(
        w.count(&snapshots).await > posts_before,
        "posts still collected"
    );
    let account: Vec<AccountSummary> = w.admin.ok("accounts/list", &[]).await;
    assert_eq!(account[0].status, AccountStatus::Ok);
    w.stop().await;
}

/// Item 5: Meta's error kinds: token errors without a subcode and 102 need a new token;
/// 341/368 are temporary and wait out the window; code 1 asks for smaller pages.
async fn metas_errors_are_handled_by_kind(db: Db) {
    let Some(w) = World::new(db, SimConfig::default(), &[]).await else {
        return;
    };
    let ig = w.account(Flavour::InstagramLogin);
    let (id, _) = w.connect_and_sync(&ig).await;

    w.sim.faults().limit_page_size(20);
    assert_eq!(w.sync_now(id, 2).await, "ok");

    w.sim.faults().fail_next(1, FaultKind::PolicyBlock);
    assert_eq!(w.sync_now(id, 3).await, "rate_limited");
    let retry_after = w
        .count(&format!("SELECT retry_after FROM accounts WHERE id = {id}"))
        .await;
    assert!(retry_after >= server::clock::unix_now() + 14 * 60);
    common::clear_rate_limit(&w.server, id).await;

    w.sim.faults().fail_next(1, FaultKind::TokenNoSubcode);
    assert_eq!(w.sync_now(id, 4).await, "needs_reauth");
    w.stop().await;
}

/// Item 6: an account under 100 followers keeps its daily reach.
async fn a_small_account_keeps_its_reach(db: Db) {
    let config = SimConfig {
        followers: Some(60),
        ..SimConfig::default()
    };
    let Some(w) = World::new(db, config, &[]).await else {
        return;
    };
    let ig = w.account(Flavour::InstagramLogin);
    let (id, outcome) = w.connect_and_sync(&ig).await;
    assert_eq!(outcome, "ok");
    let complete = (OffsetDateTime::now_utc() - time::Duration::hours(33)).date();
    assert!(w.day_value(id, complete, "reach").await.is_some());
    assert_eq!(w.day_value(id, complete, "follower_delta").await, None);
    w.stop().await;
}

/// Item 7: Facebook Login tokens: `debug_token`'s expiry and data-access expiry are stored
/// and shown, and a token ending within 7 days is flagged.
async fn facebook_token_expiry_is_shown(db: Db) {
    let flags = [
        "--facebook-app-id",
        "1234",
        "--facebook-app-secret",
        APP_SECRET,
    ];
    let Some(w) = World::new(db, SimConfig::default(), &flags).await else {
        return;
    };
    let fb = w.account(Flavour::FacebookLogin);
    let (id, outcome) = w.connect_and_sync(&fb).await;
    assert_eq!(outcome, "ok");
    let list: Vec<AccountSummary> = w.admin.ok("accounts/list", &[]).await;
    let row = &list[0];
    assert!(
        row.token_expires.as_deref().unwrap().ends_with("UTC"),
        "{row:?}"
    );
    assert!(
        row.data_access_expires.as_deref().unwrap().ends_with("UTC"),
        "{row:?}"
    );
    assert!(!row.expires_soon);

    w.sim.faults().expire_token_at(
        &fb.token,
        OffsetDateTime::now_utc() + time::Duration::days(3),
    );
    assert_eq!(w.sync_now(id, 2).await, "ok");
    let list: Vec<AccountSummary> = w.admin.ok("accounts/list", &[]).await;
    assert!(list[0].expires_soon, "{:?}", list[0]);
    let (_, page) = w.admin.page("/accounts").await;
    assert!(page.contains("expires soon"), "the Accounts page says so");
    w.stop().await;
}

/// `debug_token` authenticates with the app: a wrong app secret loses the expiry, never the
/// account.
async fn a_wrong_app_secret_costs_only_the_expiry(db: Db) {
    let flags = [
        "--facebook-app-id",
        "1234",
        "--facebook-app-secret",
        "not-the-secret-of-this-app",
    ];
    let Some(w) = World::new(db, SimConfig::default(), &flags).await else {
        return;
    };
    let fb = w.account(Flavour::FacebookLogin);
    let (_, outcome) = w.connect_and_sync(&fb).await;
    assert_eq!(outcome, "ok");
    let list: Vec<AccountSummary> = w.admin.ok("accounts/list", &[]).await;
    assert_eq!(list[0].status, AccountStatus::Ok);
    assert_eq!(list[0].data_access_expires, None);
    w.stop().await;
}

per_database!(
    a_wrong_app_secret_costs_only_the_expiry,
    days_are_labelled_as_meta_labels_them,
    a_refused_page_is_isolated_not_fetched_per_media,
    an_ignored_since_stops_at_the_window,
    refused_stories_make_a_partial_run,
    metas_errors_are_handled_by_kind,
    a_small_account_keeps_its_reach,
    facebook_token_expiry_is_shown,
);
