//! Connected accounts and the poller, end to end over real HTTP: a real server (SQLite or
//! PostgreSQL) polling the in-repo Graph API simulator. Each test drives the product the way
//! an admin does (server functions) and checks the database it leaves behind.

mod common;

use std::time::{Duration, Instant};

use app::dto::{AccountSummary, DeletionPreview, LinkedAccount, SettingsView, UserSummary};
use app::error::AppError;
use common::world::{SyncWorld, PASSWORD};
use common::{invalid_field, Db};
use reqwest::StatusCode;
use server::dev::graph_sim::{FaultKind, Flavour, SimAccount, SimConfig};

type World = SyncWorld;

/// The first poll of a day reads both audiences by age and gender, country and city, and the
/// followers online (7 calls), and the account's daily metrics by dimension for the last two
/// reported days (4 calls a day).
const AUDIENCE_CALLS: i64 = 7 + 2 * 4;

impl SyncWorld {
    /// Three accounts of `media` posts each.
    async fn new(db: Db, media: usize, extra: &[String]) -> Option<Self> {
        let config = SimConfig {
            accounts: 3,
            media_per_account: media,
            ..SimConfig::default()
        };
        Self::start(db, config, extra).await
    }

    async fn connect(&self, account: &SimAccount) -> i64 {
        common::connect(&self.admin, account).await
    }

    async fn account_row(&self, id: i64, column: &str) -> Option<String> {
        self.server
            .scalar::<Option<String>>(&format!("SELECT {column} FROM accounts WHERE id = {id}"))
            .await
    }

    async fn media_of(&self, id: i64) -> i64 {
        self.server
            .count(&format!(
                "SELECT COUNT(*) FROM media WHERE account_id = {id}"
            ))
            .await
    }

    async fn snapshots_of(&self, id: i64) -> i64 {
        self.server
            .count(&format!(
                "SELECT COUNT(*) FROM media_snapshots s JOIN media m ON m.id = s.media_id WHERE m.account_id = {id}"
            ))
            .await
    }
}

async fn full_sync_then_growth(db: Db) {
    let Some(w) = World::new(db, 120, &[]).await else {
        return;
    };
    let ig = w.account(Flavour::InstagramLogin);
    let id = w.connect(&ig).await;
    assert_eq!(w.finished_runs(id, 1).await, "ok");
    assert_eq!(w.account_row(id, "status").await.as_deref(), Some("ok"));

    // Every post of the last year plus the live stories, one snapshot each.
    let media = w.media_of(id).await;
    assert!(media >= 120, "{media} media stored");
    assert_eq!(w.snapshots_of(id).await, media);
    let days = w
        .server
        .count(&format!(
            "SELECT COUNT(*) FROM account_insights WHERE account_id = {id}"
        ))
        .await;
    assert_eq!(
        days, 4,
        "today (not reported yet) and the three days before it"
    );
    let tags = w.server.count("SELECT COUNT(*) FROM media_hashtags").await;
    assert!(tags > 0, "hashtags parsed from captions");
    let requests = w
        .server
        .count(&format!(
            "SELECT CAST(requests AS BIGINT) FROM sync_runs WHERE account_id = {id}"
        ))
        .await;
    // At most 3 per 100 media, plus the day's audience calls (see `audience_once_a_day`).
    assert!(
        requests <= 12 + AUDIENCE_CALLS,
        "{requests} requests for 120 media"
    );

    // The clock moves on: the next poll adds one snapshot per media, with grown metrics.
    let newest = w
        .server
        .scalar::<i64>(&format!(
            "SELECT id FROM media WHERE account_id = {id} AND product_type = 'FEED' ORDER BY published_at DESC LIMIT 1"
        ))
        .await;
    let reach_before = w
        .server
        .count(&format!(
            "SELECT COALESCE(MAX(reach), 0) FROM media_snapshots WHERE media_id = {newest}"
        ))
        .await;
    w.sim.advance(Duration::from_secs(6 * 3600));
    w.request_sync(id).await;
    assert_eq!(w.finished_runs(id, 2).await, "ok");
    let snapshots = w
        .server
        .count(&format!(
            "SELECT COUNT(*) FROM media_snapshots WHERE media_id = {newest}"
        ))
        .await;
    assert_eq!(snapshots, 2);
    let reach_after = w
        .server
        .count(&format!(
            "SELECT MAX(reach) FROM media_snapshots WHERE media_id = {newest}"
        ))
        .await;
    assert!(
        reach_after >= reach_before,
        "{reach_before} → {reach_after}"
    );
    // Every post and reel has its second snapshot; a story may have expired in those 6 h
    // (whether one did depends on the time of day the simulator started at).
    let stories = w
        .server
        .count(&format!(
            "SELECT COUNT(*) FROM media WHERE account_id = {id} AND product_type = 'STORY'"
        ))
        .await;
    let snapshots = w.snapshots_of(id).await;
    assert!(
        snapshots >= 2 * media - stories,
        "{snapshots} snapshots of {media} media ({stories} stories)"
    );
    // Each media row repeats its newest snapshot, which the dashboard lists posts from.
    let latest = w
        .server
        .count(&format!(
            "SELECT latest_reach FROM media WHERE id = {newest}"
        ))
        .await;
    assert_eq!(latest, reach_after);
    let current = w
        .server
        .count(&format!(
            "SELECT COUNT(*) FROM media m WHERE m.account_id = {id} AND m.latest_captured_at = \
             (SELECT MAX(captured_at) FROM media_snapshots s WHERE s.media_id = m.id)"
        ))
        .await;
    assert_eq!(current, w.media_of(id).await);

    // The token never sits in the database in the clear.
    let stored = w.account_row(id, "token").await.unwrap();
    assert!(stored.starts_with("v1.") && !stored.contains(&ig.token));
    w.stop().await;
}

async fn error_table(db: Db) {
    let Some(w) = World::new(db, 40, &[]).await else {
        return;
    };
    let ig = w.account(Flavour::InstagramLogin);
    let id = w.connect(&ig).await;
    assert_eq!(w.finished_runs(id, 1).await, "ok");
    let (media, snapshots) = (w.media_of(id).await, w.snapshots_of(id).await);

    // Transient failures beyond the retries: the run fails, the data stays.
    w.sim.faults().fail_next(8, FaultKind::ServerError);
    w.request_sync(id).await;
    assert_eq!(w.finished_runs(id, 2).await, "failed");
    assert_eq!(w.snapshots_of(id).await, snapshots);

    // Rate limited: the account waits, with the time it resumes.
    w.sim.faults().fail_next(1, FaultKind::RateLimit);
    w.request_sync(id).await;
    assert_eq!(w.finished_runs(id, 3).await, "rate_limited");
    assert_eq!(
        w.account_row(id, "status").await.as_deref(),
        Some("rate_limited")
    );
    let retry_after = w
        .server
        .count(&format!("SELECT retry_after FROM accounts WHERE id = {id}"))
        .await;
    assert!(retry_after > server::clock::unix_now());
    let listed: Vec<AccountSummary> = w.admin.ok("accounts/list", &[]).await;
    assert!(listed[0].retry_after.as_deref().unwrap().ends_with("UTC"));
    // Lift the wait by hand to go on testing.
    common::clear_rate_limit(&w.server, id).await;

    // An unsupported metric is dropped for that media only.
    w.sim.faults().reject_metric_for("IMAGE", "shares");
    w.request_sync(id).await;
    assert_eq!(w.finished_runs(id, 4).await, "ok");
    assert_eq!(w.snapshots_of(id).await, snapshots + media);

    // Permission revoked: marked, with Meta's words naming it; data kept.
    w.sim
        .faults()
        .revoke_permission(&ig.token, "instagram_business_manage_insights");
    w.request_sync(id).await;
    assert_eq!(w.finished_runs(id, 5).await, "permission_missing");
    assert_eq!(
        w.account_row(id, "status").await.as_deref(),
        Some("permission_missing")
    );
    assert!(w.account_row(id, "status_detail").await.is_some());
    assert_eq!(w.snapshots_of(id).await, snapshots + media);

    // Expired token: needs re-authorisation and is no longer polled.
    w.sim.faults().expire_token_at(&ig.token, w.sim.now());
    w.request_sync(id).await;
    assert_eq!(w.finished_runs(id, 6).await, "needs_reauth");
    assert_eq!(
        w.account_row(id, "status").await.as_deref(),
        Some("needs_reauth")
    );
    w.request_sync(id).await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    let runs = w
        .server
        .count(&format!(
            "SELECT COUNT(*) FROM sync_runs WHERE account_id = {id}"
        ))
        .await;
    assert_eq!(
        runs, 6,
        "an account that needs re-authorisation is not polled"
    );
    assert_eq!(w.snapshots_of(id).await, snapshots + media);
    w.stop().await;
}

async fn shutdown_mid_sync_writes_nothing(db: Db) {
    let Some(w) = World::new(db, 300, &[]).await else {
        return;
    };
    let ig = w.account(Flavour::InstagramLogin);
    // Connecting checks /me and the profile, the sync reads the profile: all at once. Then
    // the first media page takes 20 s, and shutdown comes while the sync waits for it.
    w.sim.faults().fail_next(3, FaultKind::Slow(Duration::ZERO));
    w.sim
        .faults()
        .fail_next(1, FaultKind::Slow(Duration::from_secs(20)));
    w.connect(&ig).await;
    let deadline = Instant::now() + Duration::from_secs(20);
    while w
        .server
        .count("SELECT COUNT(*) FROM sync_runs WHERE outcome = 'running'")
        .await
        == 0
    {
        assert!(Instant::now() < deadline, "sync never started");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let url = w.server.database_url.clone();
    let stopping = Instant::now();
    w.server.running.stop().await.unwrap();
    let took = stopping.elapsed();
    assert!(took < Duration::from_secs(10), "shutdown took {took:?}");

    let db = sea_orm::Database::connect(&url).await.unwrap();
    let count = |sql: &'static str| {
        let db = db.clone();
        async move {
            use sea_orm::ConnectionTrait;
            db.query_one(sea_orm::Statement::from_string(
                db.get_database_backend(),
                sql,
            ))
            .await
            .unwrap()
            .unwrap()
            .try_get_by_index::<i64>(0)
            .unwrap()
        }
    };
    assert_eq!(count("SELECT COUNT(*) FROM media").await, 0);
    assert_eq!(count("SELECT COUNT(*) FROM media_snapshots").await, 0);
    assert_eq!(count("SELECT COUNT(*) FROM account_insights").await, 0);
    assert_eq!(
        count("SELECT COUNT(*) FROM sync_runs WHERE outcome = 'cancelled'").await,
        1
    );
    assert_eq!(count("SELECT COUNT(*) FROM sync_leases").await, 0);
    w.sim_server.stop().await;
}

/// `post_days` (what the Overview sums) says what the media say: the sync, the prune and an
/// account's deletion rewrite it with them.
async fn post_days_agree(w: &World) {
    let posts = "FROM media WHERE product_type <> 'STORY'";
    let interactions = "COALESCE(latest_likes, 0) + COALESCE(latest_comments, 0) \
        + COALESCE(latest_saves, 0) + COALESCE(latest_shares, 0)";
    let pairs = [
        (
            "SELECT CAST(COALESCE(SUM(posts), 0) AS BIGINT) FROM post_days".to_owned(),
            format!("SELECT COUNT(*) {posts}"),
        ),
        (
            "SELECT CAST(COALESCE(SUM(interactions), 0) AS BIGINT) FROM post_days".to_owned(),
            format!("SELECT CAST(COALESCE(SUM({interactions}), 0) AS BIGINT) {posts}"),
        ),
        (
            "SELECT CAST(COALESCE(SUM(reach), 0) AS BIGINT) FROM post_days".to_owned(),
            format!("SELECT CAST(COALESCE(SUM(latest_reach), 0) AS BIGINT) {posts}"),
        ),
        (
            "SELECT COUNT(*) FROM post_days".to_owned(),
            format!(
                "SELECT COUNT(*) FROM (SELECT DISTINCT account_id, published_at / 86400 {posts}) d"
            ),
        ),
    ];
    for (summed, counted) in pairs {
        assert_eq!(
            w.server.count(&summed).await,
            w.server.count(&counted).await,
            "{summed}"
        );
    }
}

async fn prune_and_cascade(db: Db) {
    let Some(w) = World::new(db, 150, &[]).await else {
        return;
    };
    let ig = w.account(Flavour::InstagramLogin);
    let fb = w.account(Flavour::FacebookLogin);
    let (a, b) = (w.connect(&ig).await, w.connect(&fb).await);
    assert_eq!(w.finished_runs(a, 1).await, "ok");
    assert_eq!(w.finished_runs(b, 1).await, "ok");
    post_days_agree(&w).await;

    // Pruning honours the window: nothing older than 30 days survives, the rest stays.
    w.admin
        .ok::<SettingsView>(
            "settings/update",
            &[("field", "lookback_days"), ("value", "30")],
        )
        .await;
    let cutoff = server::clock::unix_now() - 30 * 86_400;
    let old = w
        .server
        .count(&format!(
            "SELECT COUNT(*) FROM media WHERE published_at < {cutoff}"
        ))
        .await;
    let kept = w
        .server
        .count(&format!(
            "SELECT COUNT(*) FROM media WHERE published_at >= {cutoff}"
        ))
        .await;
    assert!(old > 0 && kept > 0, "{old} old, {kept} recent");
    let settings = server::store::settings::SettingsStore::new(
        sea_orm::Database::connect(&w.server.database_url)
            .await
            .unwrap(),
    );
    // Kept forever: the prune takes nothing; back to "delete", it takes the old ones.
    let old_media = |choice: &'static str| {
        let admin = w.admin.clone();
        async move {
            admin
                .ok::<SettingsView>(
                    "settings/update",
                    &[("field", "old_media"), ("value", choice)],
                )
                .await
        }
    };
    assert!(old_media("keep").await.keep_old_media);
    assert_eq!(settings.prune(server::clock::unix_now()).await.unwrap(), 0);
    assert_eq!(
        w.server.count("SELECT COUNT(*) FROM media").await,
        old + kept
    );
    assert!(!old_media("delete").await.keep_old_media);
    let pruned = settings.prune(server::clock::unix_now()).await.unwrap();
    assert_eq!(pruned as i64, old);
    assert_eq!(w.server.count("SELECT COUNT(*) FROM media").await, kept);
    let orphans = w
        .server
        .count("SELECT COUNT(*) FROM media_snapshots WHERE media_id NOT IN (SELECT id FROM media)")
        .await;
    assert_eq!(orphans, 0, "snapshots went with their media");
    post_days_agree(&w).await;

    // Delete names what goes, then takes exactly that and nothing of the other account.
    let preview: DeletionPreview = w
        .admin
        .ok("accounts/deletion_preview", &[("id", &a.to_string())])
        .await;
    assert_eq!(preview.media as i64, w.media_of(a).await);
    assert_eq!(preview.snapshots as i64, w.snapshots_of(a).await);
    assert_eq!(preview.sync_runs, 1);
    let b_snapshots = w.snapshots_of(b).await;
    w.admin
        .ok::<()>("accounts/delete", &[("id", &a.to_string())])
        .await;
    for table in ["media", "account_insights", "sync_runs", "post_days"] {
        assert_eq!(
            w.server
                .count(&format!(
                    "SELECT COUNT(*) FROM {table} WHERE account_id = {a}"
                ))
                .await,
            0,
            "{table}"
        );
    }
    assert_eq!(w.snapshots_of(b).await, b_snapshots);
    let orphans = w
        .server
        .count("SELECT COUNT(*) FROM media_snapshots WHERE media_id NOT IN (SELECT id FROM media)")
        .await;
    assert_eq!(orphans, 0);

    // Disabled accounts keep their data and are not polled.
    w.admin
        .ok::<()>(
            "accounts/enabled",
            &[("id", &b.to_string()), ("enabled", "false")],
        )
        .await;
    w.request_sync(b).await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(
        w.server
            .count(&format!(
                "SELECT COUNT(*) FROM sync_runs WHERE account_id = {b}"
            ))
            .await,
        1
    );
    assert_eq!(w.snapshots_of(b).await, b_snapshots);
    w.stop().await;
}

async fn bad_input_is_refused_and_viewers_only_read(db: Db) {
    let Some(w) = World::new(db, 10, &[]).await else {
        return;
    };
    let ig = w.account(Flavour::InstagramLogin);
    // A wrong token, and a right token with the wrong login type: refused, nothing saved.
    for (flavour, token) in [
        ("instagram_login", "IGAAnot-a-real-token"),
        ("facebook_login", ig.token.as_str()),
        ("instagram_login", ""),
        ("instagram_login", "two words"),
    ] {
        let form = [("flavour", flavour), ("token", token)];
        // The raw answer, as it crosses the wire: the token must not be anywhere in it.
        let text = w
            .admin
            .text("accounts/connect", &form, StatusCode::UNPROCESSABLE_ENTITY)
            .await;
        assert!(!text.contains(&ig.token), "the token is not echoed back");
        let err = common::decode::<Vec<AccountSummary>>(
            "accounts/connect",
            StatusCode::UNPROCESSABLE_ENTITY,
            &text,
        )
        .unwrap_err();
        assert_eq!(invalid_field(&err), Some("token"), "{err:?}");
    }
    // Arguments that cannot be read at all (unknown login type, missing token, an id that
    // is not a number): 400 with what is wrong, not a server fault.
    for (endpoint, args) in [
        (
            "accounts/connect",
            vec![("flavour", "myspace"), ("token", "x")],
        ),
        ("accounts/connect", vec![("flavour", "instagram_login")]),
        ("accounts/sync", vec![("id", "first")]),
    ] {
        let err = w
            .admin
            .fails(endpoint, &args, StatusCode::BAD_REQUEST)
            .await;
        assert!(matches!(err, AppError::Malformed(_)), "{err:?}");
    }
    assert_eq!(w.server.count("SELECT COUNT(*) FROM accounts").await, 0);

    for (field, value) in [
        ("poll_interval_minutes", "4"),
        ("poll_interval_minutes", "1441"),
        ("lookback_days", "0"),
        ("lookback_days", "many"),
        ("privacy_contact", "not an address"),
        ("old_media", "forever"),
        ("old_media", ""),
    ] {
        w.admin
            .fails(
                "settings/update",
                &[("field", field), ("value", value)],
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
    }
    let settings: SettingsView = w.admin.ok("settings/get", &[]).await;
    assert_eq!(settings.poll_interval_minutes, 60);
    assert_eq!(settings.lookback_days, 365);
    assert!(!settings.keep_old_media);

    let id = w.connect(&ig).await;
    w.admin
        .ok::<UserSummary>(
            "users/add",
            &[
                ("username", "viewer"),
                ("password", PASSWORD),
                ("role", "viewer"),
            ],
        )
        .await;
    let viewer = w.server.client();
    assert_eq!(
        viewer.login("viewer", PASSWORD).await.status(),
        StatusCode::OK
    );
    // The raw answer, as it crosses the wire: the token must not be anywhere in it.
    let body = viewer.text("accounts/list", &[], StatusCode::OK).await;
    assert!(!body.contains(&ig.token));
    let listed: Vec<AccountSummary> =
        common::decode("accounts/list", StatusCode::OK, &body).unwrap();
    assert_eq!(listed[0].username, ig.username);
    let id = id.to_string();
    for (name, form) in [
        ("accounts/sync", vec![("id", id.as_str())]),
        ("accounts/delete", vec![("id", id.as_str())]),
        (
            "accounts/enabled",
            vec![("id", id.as_str()), ("enabled", "false")],
        ),
        (
            "accounts/connect",
            vec![("flavour", "instagram_login"), ("token", "x")],
        ),
        ("settings/get", vec![]),
        (
            "settings/update",
            vec![("field", "lookback_days"), ("value", "30")],
        ),
    ] {
        assert_eq!(
            viewer.call(name, &form).await.status(),
            StatusCode::FORBIDDEN,
            "{name}"
        );
    }
    let anonymous = w.server.client();
    assert_eq!(
        anonymous.call("accounts/list", &[]).await.status(),
        StatusCode::UNAUTHORIZED
    );
    w.stop().await;
}

/// A sync's data, its run and the account's status are one transaction: when closing the run
/// fails (the database refuses it here, as a crash between the writes would), the data goes
/// too, the account waits an interval, and the next sync writes it all.
async fn data_is_never_committed_without_its_run(db: Db) {
    let Some(w) = World::new(db, 40, &[]).await else {
        return;
    };
    w.server
        .refuse_writes("UPDATE", "sync_runs", "NEW.outcome = 'ok'")
        .await;
    let id = w.connect(&w.account(Flavour::InstagramLogin)).await;
    assert_eq!(w.finished_runs(id, 1).await, "failed");
    // Tried again an interval later, not at the poller's next tick.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let runs = format!("SELECT COUNT(*) FROM sync_runs WHERE account_id = {id}");
    assert_eq!(w.server.count(&runs).await, 1);
    assert_eq!(w.media_of(id).await, 0, "no media without its run");
    assert_eq!(w.snapshots_of(id).await, 0);
    let days = format!("SELECT COUNT(*) FROM account_insights WHERE account_id = {id}");
    assert_eq!(w.server.count(&days).await, 0);
    assert_eq!(w.account_row(id, "last_sync_at").await, None);
    let error = w
        .server
        .scalar::<String>("SELECT error FROM sync_runs ORDER BY id DESC LIMIT 1")
        .await;
    assert!(error.contains("database error"), "{error}");
    assert!(!error.contains("refused by the test"), "{error}");

    w.server.allow_writes("sync_runs").await;
    w.request_sync(id).await;
    assert_eq!(w.finished_runs(id, 2).await, "ok");
    let media = w.media_of(id).await;
    assert!(media >= 40, "{media} media after the retry");
    assert_eq!(w.snapshots_of(id).await, media);
    assert_eq!(w.server.count(&days).await, 4);
    w.stop().await;
}

/// Demographics and followers online are captured on the day's first poll, as Meta answered
/// them (checked against the simulator's own answer over HTTP), and not again that day; an
/// account under 100 followers keeps "not available" with Meta's reason, never zeros.
async fn audience_once_a_day(db: Db) {
    let Some(w) = World::new(db, 20, &[]).await else {
        return;
    };
    let ig = w.account(Flavour::InstagramLogin);
    let id = w.connect(&ig).await;
    assert_eq!(w.finished_runs(id, 1).await, "ok");
    let captures = |filter: &str| {
        format!("SELECT COUNT(*) FROM insight_breakdowns WHERE account_id = {id} AND {filter}")
    };
    for metric in ["follower_demographics", "engaged_audience_demographics"] {
        let n = w
            .server
            .count(&captures(&format!(
                "metric = '{metric}' AND shares IS NOT NULL AND unavailable IS NULL"
            )))
            .await;
        assert_eq!(n, 3, "{metric}: age and gender, country, city");
    }
    let online = w
        .server
        .count(&captures(
            "metric = 'online_followers' AND breakdown = 'hour' AND shares IS NOT NULL",
        ))
        .await;
    assert!(online >= 1, "the last reported day's hours");
    // Daily metrics by dimension, for the last two reported days: reach and views by media
    // product type, reach and follows/unfollows by follow type, views by follower type,
    // profile link taps by contact button.
    let by_dimension = w
        .server
        .count(&captures(
            "metric IN ('reach', 'views', 'follows_and_unfollows', 'profile_links_taps') \
             AND shares IS NOT NULL",
        ))
        .await;
    assert_eq!(by_dimension, 2 * 6);
    let taps: String = w
        .server
        .scalar(&format!(
            "SELECT shares FROM insight_breakdowns WHERE account_id = {id} \
             AND metric = 'profile_links_taps' ORDER BY date DESC LIMIT 1"
        ))
        .await;
    let taps: Vec<(Vec<String>, i64)> = serde_json::from_str(&taps).unwrap();
    assert!(
        taps.iter().all(|(keys, _)| keys.len() == 1),
        "by contact button: {taps:?}"
    );

    // What was stored is what Meta (the simulator) answers for the same question.
    let stored: String = w
        .server
        .scalar(&format!(
            "SELECT shares FROM insight_breakdowns WHERE account_id = {id} \
             AND metric = 'engaged_audience_demographics' AND breakdown = 'country'"
        ))
        .await;
    let url = format!(
        "{}/{}/insights?metric=engaged_audience_demographics&period=lifetime\
         &metric_type=total_value&breakdown=country&timeframe=this_month&access_token={}",
        w.sim_server.instagram_base(),
        ig.ig_user_id,
        ig.token
    );
    let answer: serde_json::Value = reqwest::get(url).await.unwrap().json().await.unwrap();
    let expected: Vec<(Vec<String>, i64)> = answer["data"][0]["total_value"]["breakdowns"][0]
        ["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            // Meta puts the timeframe first for the engaged audience; it is not stored.
            let values: Vec<String> =
                serde_json::from_value(r["dimension_values"].clone()).unwrap();
            (values[1..].to_vec(), r["value"].as_i64().unwrap())
        })
        .collect();
    let stored: Vec<(Vec<String>, i64)> = serde_json::from_str(&stored).unwrap();
    assert_eq!(stored, expected);
    assert!(!stored.is_empty() && stored.len() <= 45, "Meta's top 45");

    // The day's next poll reads no audience again.
    let before = w.server.count(&captures("1 = 1")).await;
    let requests = |run: &str| {
        format!(
            "SELECT CAST(requests AS BIGINT) FROM sync_runs WHERE account_id = {id} \
             ORDER BY id {run} LIMIT 1"
        )
    };
    let first = w.server.count(&requests("ASC")).await;
    w.request_sync(id).await;
    assert_eq!(w.finished_runs(id, 2).await, "ok");
    let second = w.server.count(&requests("DESC")).await;
    // No audience calls on the second poll; nor, for media over two days old, their type's own
    // metrics (20 media: one multiple-id read for the pictures, one for the reels at most).
    let saved = first - second;
    assert!(
        (AUDIENCE_CALLS..=AUDIENCE_CALLS + 2).contains(&saved),
        "{first} then {second} requests"
    );
    assert_eq!(w.server.count(&captures("1 = 1")).await, before);
    w.stop().await;

    // Under 100 followers: every capture is "not available", with the reason.
    let config = SimConfig {
        accounts: 1,
        media_per_account: 3,
        followers: Some(60),
        ..SimConfig::default()
    };
    let Some(w) = World::start(db, config, &[]).await else {
        return;
    };
    let ig = w.account(Flavour::InstagramLogin);
    let id = w.connect(&ig).await;
    assert_eq!(w.finished_runs(id, 1).await, "ok");
    let audience = "metric IN ('follower_demographics', 'engaged_audience_demographics', \
                    'online_followers')";
    let withheld = format!(
        "SELECT COUNT(*) FROM insight_breakdowns WHERE account_id = {id} AND {audience} \
         AND shares IS NULL AND unavailable LIKE '%fewer than 100%'"
    );
    let all =
        format!("SELECT COUNT(*) FROM insight_breakdowns WHERE account_id = {id} AND {audience}");
    let n = w.server.count(&all).await;
    assert!(n >= 6, "{n} captures");
    assert_eq!(w.server.count(&withheld).await, n);
    w.stop().await;
}

/// A story's insights vanish 24 h after it is posted: with a day between polls, the next poll
/// is set 30 minutes before the first live story expires, so its final figures are read.
async fn stories_get_a_final_capture(db: Db) {
    let Some(w) = World::new(db, 5, &[]).await else {
        return;
    };
    w.admin
        .ok::<SettingsView>(
            "settings/update",
            &[("field", "poll_interval_minutes"), ("value", "1440")],
        )
        .await;
    let ig = w.account(Flavour::InstagramLogin);
    let id = w.connect(&ig).await;
    assert_eq!(w.finished_runs(id, 1).await, "ok");
    let started = w
        .server
        .count(&format!(
            "SELECT started_at FROM sync_runs WHERE account_id = {id}"
        ))
        .await;
    // 24 h less 30 minutes after each live story was posted, the first still ahead.
    let due = format!(
        "SELECT MIN(published_at + 84600) FROM media WHERE account_id = {id} \
         AND product_type = 'STORY' AND published_at + 84600 > {started}"
    );
    let stories = w
        .server
        .count(&format!(
            "SELECT COUNT(*) FROM media WHERE account_id = {id} AND product_type = 'STORY'"
        ))
        .await;
    assert!(stories > 0, "the simulator's accounts have live stories");
    let expected = w.server.count(&due).await;
    let next = w
        .server
        .count(&format!(
            "SELECT next_sync_at FROM accounts WHERE id = {id}"
        ))
        .await;
    assert_eq!(next, expected, "the poll before the first story expires");
    assert!(
        next < started + 86_400 - 3_600,
        "earlier than the day's interval"
    );
    w.stop().await;
}

/// A Facebook user whose four Pages link three Instagram accounts (one Page has none): one
/// token lists all three, connects those ticked, and connects the rest later without
/// duplicating the first; accounts the token does not reach are refused.
async fn a_facebook_login_connects_every_account_of_its_pages(db: Db) {
    let config = SimConfig {
        accounts: 6,
        media_per_account: 5,
        facebook_user_accounts: 3,
        ..SimConfig::default()
    };
    let Some(w) = World::start(db, config, &[]).await else {
        return;
    };
    let fb: Vec<SimAccount> = w
        .sim
        .accounts()
        .into_iter()
        .filter(|a| a.flavour == Flavour::FacebookLogin)
        .collect();
    assert_eq!(fb.len(), 3);
    assert!(
        fb.iter().all(|a| a.token == fb[0].token),
        "one user, one token"
    );
    let form = [
        ("flavour", "facebook_login"),
        ("token", fb[0].token.as_str()),
    ];
    let expected: Vec<String> = fb.iter().map(|a| a.username.clone()).collect();

    // Found: the three accounts, none connected; finding saves nothing.
    let linked: Vec<LinkedAccount> = w.admin.ok("accounts/find", &form).await;
    let found: Vec<String> = linked.iter().map(|l| l.username.clone()).collect();
    assert_eq!(found, expected);
    assert!(linked.iter().all(|l| !l.connected && l.followers > 0));
    assert_eq!(w.server.count("SELECT COUNT(*) FROM accounts").await, 0);

    // The admin unticks the second: two connected, each synced with the shared token.
    let mut picked = form.to_vec();
    picked.push(("accounts[0]", &fb[0].ig_user_id));
    picked.push(("accounts[1]", &fb[2].ig_user_id));
    let connected: Vec<AccountSummary> = w.admin.ok("accounts/connect", &picked).await;
    let got: Vec<&str> = connected.iter().map(|a| a.username.as_str()).collect();
    assert_eq!(got, [fb[0].username.as_str(), fb[2].username.as_str()]);
    for account in &connected {
        assert_eq!(w.finished_runs(account.id.0, 1).await, "ok");
    }
    let linked: Vec<LinkedAccount> = w.admin.ok("accounts/find", &form).await;
    let flags: Vec<bool> = linked.iter().map(|l| l.connected).collect();
    assert_eq!(flags, [true, false, true]);

    // Naming none connects all: the third is added, the first two get the token again.
    let all: Vec<AccountSummary> = w.admin.ok("accounts/connect", &form).await;
    assert_eq!(all.len(), 3);
    assert_eq!(all[0].id, connected[0].id);
    assert_eq!(w.server.count("SELECT COUNT(*) FROM accounts").await, 3);

    // An account this token does not reach, or not an id at all: refused, nothing changes.
    let ig = w.account(Flavour::InstagramLogin);
    for stranger in [ig.ig_user_id.as_str(), "not-an-id"] {
        let mut asked = form.to_vec();
        asked.push(("accounts[0]", stranger));
        let err = w
            .admin
            .fails("accounts/connect", &asked, StatusCode::UNPROCESSABLE_ENTITY)
            .await;
        assert_eq!(invalid_field(&err), Some("accounts"), "{err:?}");
    }
    assert_eq!(w.server.count("SELECT COUNT(*) FROM accounts").await, 3);

    // The token dies: one account's sync marks all three, without a run of their own.
    let ids: Vec<i64> = all.iter().map(|a| a.id.0).collect();
    for (id, runs) in ids.iter().zip([2, 1, 2]) {
        assert_eq!(w.finished_runs(*id, runs).await, "ok");
    }
    w.sim.faults().expire_token_at(&fb[0].token, w.sim.now());
    w.request_sync(ids[0]).await;
    assert_eq!(w.finished_runs(ids[0], 3).await, "needs_reauth");
    let dead = "SELECT COUNT(*) FROM accounts WHERE status = 'needs_reauth'";
    assert_eq!(w.server.count(dead).await, 3);
    assert_eq!(w.server.count("SELECT COUNT(*) FROM sync_runs").await, 6);

    // The user logs in with Facebook again (the simulator's dialog, then the code exchange),
    // and one connect with the new token fixes all three.
    let fresh = facebook_login(&w).await;
    assert_ne!(fresh, fb[0].token);
    let again = [("flavour", "facebook_login"), ("token", fresh.as_str())];
    let all: Vec<AccountSummary> = w.admin.ok("accounts/connect", &again).await;
    assert_eq!(all.len(), 3);
    assert_eq!(w.server.count(dead).await, 0);
    for (id, runs) in ids.iter().zip([4, 2, 3]) {
        assert_eq!(w.finished_runs(*id, runs).await, "ok");
    }
    w.stop().await;
}

/// A Facebook Login through the simulator's dialog and code exchange: the user token.
async fn facebook_login(w: &World) -> String {
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let root = format!("http://{}", w.sim_server.addr);
    let redirect = "https://instalytics.example/oauth/facebook/callback";
    let dialog = http
        .get(format!("{root}/dialog/oauth"))
        .query(&[
            ("client_id", "1234"),
            ("redirect_uri", redirect),
            ("state", "s1"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(dialog.status(), StatusCode::FOUND);
    let location = reqwest::Url::parse(dialog.headers()["location"].to_str().unwrap()).unwrap();
    assert_eq!(location.fragment(), Some("_=_"));
    let query: std::collections::HashMap<_, _> = location.query_pairs().into_owned().collect();
    assert_eq!(query["state"], "s1");
    let exchange = |code: String| {
        http.get(format!(
            "{}/oauth/access_token",
            w.sim_server.facebook_base()
        ))
        .query(&[
            ("client_id", "1234"),
            ("redirect_uri", redirect),
            ("client_secret", server::dev::graph_sim::APP_SECRET),
            ("code", &code),
        ])
        .send()
    };
    let grant: serde_json::Value = exchange(query["code"].clone())
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    // A code is used once (laravel/socialite#385's recorded answer).
    let reused = exchange(query["code"].clone()).await.unwrap();
    assert_eq!(reused.status(), StatusCode::BAD_REQUEST);
    grant["access_token"].as_str().unwrap().to_owned()
}

per_database!(
    a_facebook_login_connects_every_account_of_its_pages,
    full_sync_then_growth,
    stories_get_a_final_capture,
    audience_once_a_day,
    error_table,
    shutdown_mid_sync_writes_nothing,
    data_is_never_committed_without_its_run,
    prune_and_cascade,
    bad_input_is_refused_and_viewers_only_read,
);
