//! The poller against a simulator that answers as Meta really does (issue 12), end to end over
//! real HTTP on SQLite and PostgreSQL: days labelled by Meta's day, pages refused by one
//! item, an ignored `since`, stories refused, Meta's error kinds, small accounts, and Facebook
//! Login token expiry. Each test drives the product as an admin does and reads the database.

mod common;

use app::dto::{AccountStatus, AccountSummary, Overview, PostDetail, SettingsView};
use common::world::SyncWorld;
use common::Db;
use sea_orm::{ConnectionTrait, Statement};
use server::dev::graph_sim::{FaultKind, Flavour, SimAccount, SimConfig, APP_SECRET};
use server::sync::policy;
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
    // last two reported days' metrics by dimension), and one multiple-id read for each type
    // with metrics of its own (feed pictures and albums, reels, stories).
    assert!(
        requests <= 12 + 15 + 3,
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

/// Issue 16: each type keeps the metrics only it has — a picture its profile actions, a reel
/// its watch time and skip rate, a story its replies and taps by action — read by type in a
/// few multiple-id reads, and none of the metrics its type refuses. Media over two days old
/// are read on the day's first poll of their weekday; a later poll of the same day leaves
/// them alone, and they keep showing the newest figures they have.
async fn each_type_keeps_its_own_metrics(db: Db) {
    let Some(w) = World::new(db, SimConfig::default(), &[]).await else {
        return;
    };
    let ig = w.account(Flavour::InstagramLogin);
    let (id, outcome) = w.connect_and_sync(&ig).await;
    assert_eq!(outcome, "ok");
    // An older media of this kind whose weekday it is (so the first poll read it).
    let now = OffsetDateTime::now_utc().unix_timestamp();
    let conn = sea_orm::Database::connect(&w.server.database_url)
        .await
        .unwrap();
    let due_today = |product: &'static str, kind: &'static str| {
        let conn = &conn;
        async move {
            let sql = format!(
                "SELECT id, ig_media_id, published_at FROM media WHERE account_id = {id} \
                 AND product_type = '{product}' AND media_type = '{kind}' \
                 AND published_at < {} ORDER BY published_at DESC",
                now - 3 * 86_400
            );
            let rows = conn
                .query_all(Statement::from_string(conn.get_database_backend(), sql))
                .await
                .unwrap();
            rows.iter()
                .map(|r| {
                    let id: i64 = r.try_get("", "id").unwrap();
                    let ig: String = r.try_get("", "ig_media_id").unwrap();
                    let published: i64 = r.try_get("", "published_at").unwrap();
                    (id, ig, published)
                })
                .find(|(_, ig, published)| policy::depth_due(ig, *published, false, now, true))
                .map(|(id, _, _)| id)
                .expect("an older media due today")
        }
    };
    let reel = due_today("REELS", "VIDEO").await;
    let picture = due_today("FEED", "IMAGE").await;
    let sim_metrics = |media: i64| {
        let w = &w;
        let ig = &ig;
        async move {
            let ig_id: String = w
                .server
                .scalar(&format!("SELECT ig_media_id FROM media WHERE id = {media}"))
                .await;
            w.sim.media_metrics(&ig.ig_user_id, &ig_id).unwrap()
        }
    };
    let detail = |media: i64| {
        let admin = w.admin.clone();
        async move {
            admin
                .ok::<PostDetail>("analytics/post", &[("id", &media.to_string())])
                .await
        }
    };

    let expected = sim_metrics(reel).await;
    let d = detail(reel).await.post.depth;
    assert_eq!(d.avg_watch_ms, Some(expected["ig_reels_avg_watch_time"]));
    assert_eq!(
        d.total_watch_ms,
        Some(expected["ig_reels_video_view_total_time"])
    );
    assert_eq!(d.skip_rate, Some(expected["reels_skip_rate"] as f64));
    assert_eq!((d.follows, d.profile_visits, d.replies), (None, None, None));

    let expected = sim_metrics(picture).await;
    let d = detail(picture).await.post.depth;
    assert_eq!(d.follows, Some(expected["follows"]));
    assert_eq!(d.profile_visits, Some(expected["profile_visits"]));
    assert_eq!(d.profile_activity, Some(expected["profile_activity"]));
    assert_eq!((d.avg_watch_ms, d.skip_rate), (None, None));

    // Stories: replies from the stories edge, taps from the navigation breakdown, which the
    // simulator shares out 75/15/5/5 % with the remainder going forward.
    let story = w
        .count(&format!(
            "SELECT m.id FROM media m JOIN media_snapshots s ON s.media_id = m.id \
             WHERE m.account_id = {id} AND m.product_type = 'STORY' AND s.reach >= 5 \
             ORDER BY s.reach DESC LIMIT 1"
        ))
        .await;
    let expected = sim_metrics(story).await;
    let navigation = expected["navigation"];
    let share = |f: f64| (navigation as f64 * f).floor() as i64;
    let stored = |column: &str| {
        let w = &w;
        let sql = format!("SELECT {column} FROM media_snapshots WHERE media_id = {story}");
        async move { w.count(&sql).await }
    };
    assert!(navigation >= 20, "{navigation}");
    assert_eq!(stored("replies").await, expected["replies"]);
    assert_eq!(stored("taps_back").await, share(0.15));
    assert_eq!(stored("exits").await, share(0.05));
    assert_eq!(stored("swipes_forward").await, share(0.05));
    assert_eq!(
        stored("taps_forward").await,
        navigation - share(0.15) - 2 * share(0.05)
    );

    // No metric a type refuses was stored for it.
    let misplaced = w
        .count(&format!(
            "SELECT COUNT(*) FROM media_snapshots s JOIN media m ON m.id = s.media_id \
             WHERE m.account_id = {id} AND ( \
               (m.product_type = 'REELS' AND s.follows IS NOT NULL) \
               OR (m.product_type = 'FEED' AND s.avg_watch_ms IS NOT NULL) \
               OR (m.product_type <> 'STORY' AND s.taps_forward IS NOT NULL))"
        ))
        .await;
    assert_eq!(misplaced, 0);

    // The day's second poll leaves the older reel alone; it still shows its watch time.
    assert_eq!(w.sync_now(id, 2).await, "ok");
    let newest_watch = w
        .server
        .scalar::<Option<i64>>(&format!(
            "SELECT avg_watch_ms FROM media_snapshots WHERE media_id = {reel} \
             ORDER BY captured_at DESC, id DESC LIMIT 1"
        ))
        .await;
    assert_eq!(newest_watch, None);
    let d = detail(reel).await.post.depth;
    assert_eq!(
        d.avg_watch_ms,
        Some(sim_metrics(reel).await["ig_reels_avg_watch_time"])
    );
    w.stop().await;
}

per_database!(
    each_type_keeps_its_own_metrics,
    a_wrong_app_secret_costs_only_the_expiry,
    days_are_labelled_as_meta_labels_them,
    a_refused_page_is_isolated_not_fetched_per_media,
    an_ignored_since_stops_at_the_window,
    refused_stories_make_a_partial_run,
    metas_errors_are_handled_by_kind,
    a_small_account_keeps_its_reach,
    facebook_token_expiry_is_shown,
);
