//! The Graph API client against the in-repo simulator, over real HTTP: paging, field
//! expansion, every error code Meta documents (https://developers.facebook.com/docs/graph-api/guides/error-handling), retries, pacing, and token hygiene.

use std::sync::Arc;
use std::time::Duration;

use server::dev::graph_sim::{FaultKind, SimAccount, SimConfig, SimServer, Simulator, APP_SECRET};
use server::graph::retry::RetryPolicy;
use server::graph::MediaWithMetrics;
use server::graph::{AccessToken, Flavour, GraphClient, GraphConfig, GraphError};
use time::OffsetDateTime;

struct World {
    sim: Simulator,
    /// Keeps the simulator listening for the test's lifetime; its address names its pictures.
    server: SimServer,
    config: Arc<GraphConfig>,
}

impl World {
    async fn new(config: SimConfig) -> Self {
        let sim = Simulator::new(config);
        let server = sim.serve("127.0.0.1:0".parse().unwrap()).await.unwrap();
        let config = Arc::new(GraphConfig {
            instagram_base: server.instagram_base(),
            instagram_root: server.instagram_root(),
            facebook_base: server.facebook_base(),
            facebook_app: Some(("1234".into(), AccessToken::new(APP_SECRET))),
            timeout: Duration::from_millis(500),
            retry: RetryPolicy {
                max_retries: 3,
                base: Duration::from_millis(5),
                cap: Duration::from_millis(20),
            },
            max_pacing: Duration::from_millis(20),
        });
        Self {
            sim,
            server,
            config,
        }
    }

    async fn default() -> Self {
        Self::new(SimConfig::default()).await
    }

    fn account(&self, flavour: Flavour) -> SimAccount {
        self.sim
            .accounts()
            .into_iter()
            .find(|a| a.flavour == flavour)
            .expect("simulator has both flavours")
    }

    fn client_for(&self, account: &SimAccount) -> GraphClient {
        GraphClient::new(
            reqwest::Client::new(),
            self.config.clone(),
            account.flavour,
            AccessToken::new(account.token.clone()),
        )
    }

    fn ig(&self) -> (SimAccount, GraphClient) {
        let account = self.account(Flavour::InstagramLogin);
        let client = self.client_for(&account);
        (account, client)
    }
}

fn long_ago() -> OffsetDateTime {
    OffsetDateTime::UNIX_EPOCH
}

fn assert_no_token(err: &GraphError, token: &str) {
    assert!(!err.to_string().contains(token), "token in Display: {err}");
    assert!(
        !format!("{err:?}").contains(token),
        "token in Debug: {err:?}"
    );
}

#[tokio::test]
async fn a_full_sync_pages_through_every_media_in_few_requests() {
    let world = World::new(SimConfig {
        media_per_account: 1000,
        ..SimConfig::default()
    })
    .await;
    let (account, client) = world.ig();
    let id = client.account_id().await.unwrap();
    assert_eq!(id, account.ig_user_id);
    let profile = client.profile(&id).await.unwrap();
    assert_eq!(profile.media_count, Some(1000));
    let before = client.requests();
    let media = client.media_since(&id, long_ago()).await.unwrap();
    let edge_requests = client.requests() - before;
    assert_eq!(media.len(), 1000);
    let mut ids: Vec<&str> = media.iter().map(|m| m.media.id.as_str()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 1000, "no media twice");
    assert!(
        edge_requests <= 10,
        "1,000 media took {edge_requests} requests"
    );
    // Every settled post has its metrics, and the edge's counts agree with the insights.
    let settled: Vec<&MediaWithMetrics> = media.iter().filter(|m| !m.metrics.is_empty()).collect();
    assert!(
        settled.len() >= 990,
        "{} of 1000 have metrics",
        settled.len()
    );
    for m in settled {
        assert_eq!(
            m.metrics.get("likes").copied(),
            m.media.like_count,
            "{}",
            m.media.id
        );
        assert!(m.metrics["views"] >= m.metrics["reach"]);
        assert!(!m.metrics.contains_key("impressions"));
    }
}

#[tokio::test]
async fn the_since_bound_limits_the_media() {
    let world = World::default().await;
    let (account, client) = world.ig();
    let week_ago = world.sim.now() - time::Duration::days(7);
    let recent = client
        .media_since(&account.ig_user_id, week_ago)
        .await
        .unwrap();
    assert!(!recent.is_empty());
    assert!(recent.iter().all(|m| m.media.timestamp >= week_ago));
    let all = client
        .media_since(&account.ig_user_id, long_ago())
        .await
        .unwrap();
    assert!(all.len() > recent.len());
}

#[tokio::test]
async fn metrics_grow_as_the_clock_advances() {
    let world = World::default().await;
    let (account, client) = world.ig();
    let first = client
        .media_since(&account.ig_user_id, long_ago())
        .await
        .unwrap();
    world.sim.advance(Duration::from_secs(6 * 3600));
    let later = client
        .media_since(&account.ig_user_id, long_ago())
        .await
        .unwrap();
    let newest = &first[0];
    let again = later
        .iter()
        .find(|m| m.media.id == newest.media.id)
        .unwrap();
    for (metric, value) in &newest.metrics {
        assert!(again.metrics[metric] >= *value, "{metric} went down");
    }
    let total_before: i64 = first.iter().filter_map(|m| m.metrics.get("reach")).sum();
    let total_after: i64 = later.iter().filter_map(|m| m.metrics.get("reach")).sum();
    assert!(total_after > total_before);
}

/// Issue 16: each type's own metrics are read in a few multiple-id reads (50 media each), and
/// a metric one kind of media refuses costs that metric only: the refused group is halved
/// down to the refusing media, asked alone, and keeps the rest.
#[tokio::test]
async fn type_metrics_are_read_by_type_and_a_refusal_costs_one_metric() {
    let world = World::new(SimConfig {
        media_per_account: 200,
        ..SimConfig::default()
    })
    .await;
    let (account, client) = world.ig();
    let mut media = client
        .media_since(&account.ig_user_id, long_ago())
        .await
        .unwrap();
    let settled = |m: &MediaWithMetrics| !m.metrics.is_empty();
    let kind = |m: &MediaWithMetrics| {
        (
            m.media.media_product_type.clone().unwrap_or_default(),
            m.media.media_type.clone().unwrap_or_default(),
        )
    };
    let pictures = media
        .iter()
        .filter(|m| kind(m).0 == "FEED" && kind(m).1 != "VIDEO")
        .count();
    let reels = media.iter().filter(|m| kind(m).0 == "REELS").count();
    let before = client.requests();
    client.deepen(&mut media, |_| true).await.unwrap();
    let reads = client.requests() - before;
    assert_eq!(
        reads as usize,
        pictures.div_ceil(50) + reels.div_ceil(50),
        "{pictures} pictures and {reels} reels"
    );
    for m in media.iter().filter(|m| settled(m)) {
        let expected = world
            .sim
            .media_metrics(&account.ig_user_id, &m.media.id)
            .unwrap();
        match kind(m) {
            (p, t) if p == "FEED" && t != "VIDEO" => {
                for metric in ["follows", "profile_visits", "profile_activity"] {
                    assert_eq!(m.metrics.get(metric), expected.get(metric), "{metric}");
                }
                assert!(m.skip_rate.is_none());
            }
            (p, _) if p == "REELS" => {
                assert_eq!(
                    m.metrics.get("ig_reels_avg_watch_time"),
                    expected.get("ig_reels_avg_watch_time")
                );
                assert_eq!(m.skip_rate, Some(expected["reels_skip_rate"] as f64));
                assert!(!m.metrics.contains_key("follows"));
            }
            _ => assert!(!m.metrics.contains_key("follows")),
        }
    }

    // Albums refuse `follows` on this account: pictures keep it, albums keep the others.
    world
        .sim
        .faults()
        .reject_metric_for("CAROUSEL_ALBUM", "follows");
    let mut media = client
        .media_since(&account.ig_user_id, long_ago())
        .await
        .unwrap();
    client.deepen(&mut media, |_| true).await.unwrap();
    let albums: Vec<_> = media
        .iter()
        .filter(|m| settled(m) && kind(m).1 == "CAROUSEL_ALBUM")
        .collect();
    assert!(!albums.is_empty());
    for album in albums {
        assert_eq!(album.dropped, ["follows"]);
        assert!(album.metrics.contains_key("profile_visits"));
    }
    assert!(media
        .iter()
        .filter(|m| settled(m) && kind(m).1 == "IMAGE" && kind(m).0 == "FEED")
        .all(|m| m.metrics.contains_key("follows") && m.dropped.is_empty()));
}

#[tokio::test]
async fn an_unsupported_metric_is_dropped_for_that_media_only() {
    let world = World::default().await;
    world.sim.faults().reject_metric_for("IMAGE", "shares");
    let (account, client) = world.ig();
    let media = client
        .media_since(&account.ig_user_id, long_ago())
        .await
        .unwrap();
    let images: Vec<_> = media
        .iter()
        .filter(|m| m.media.media_type.as_deref() == Some("IMAGE") && !m.metrics.is_empty())
        .collect();
    let reels: Vec<_> = media
        .iter()
        .filter(|m| m.media.media_product_type.as_deref() == Some("REELS") && !m.metrics.is_empty())
        .collect();
    assert!(!images.is_empty() && !reels.is_empty());
    for image in &images {
        assert_eq!(image.dropped, ["shares"]);
        assert!(!image.metrics.contains_key("shares"));
        assert!(image.metrics.contains_key("reach") && image.metrics.contains_key("likes"));
    }
    assert!(reels
        .iter()
        .all(|r| r.metrics.contains_key("shares") && r.dropped.is_empty()));
}

#[tokio::test]
async fn an_expired_token_is_190_and_never_retried() {
    let world = World::default().await;
    let (account, client) = world.ig();
    world
        .sim
        .faults()
        .expire_token_at(&account.token, world.sim.now());
    let err = client.profile(&account.ig_user_id).await.unwrap_err();
    assert!(
        matches!(
            err,
            GraphError::TokenInvalid {
                subcode: Some(463),
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(client.requests(), 1);
    assert_no_token(&err, &account.token);
}

#[tokio::test]
async fn a_token_on_the_wrong_host_is_refused() {
    let world = World::default().await;
    let fb = world.account(Flavour::FacebookLogin);
    let wrong = GraphClient::new(
        reqwest::Client::new(),
        world.config.clone(),
        Flavour::InstagramLogin,
        AccessToken::new(fb.token.clone()),
    );
    let err = wrong.account_id().await.unwrap_err();
    assert!(matches!(err, GraphError::TokenInvalid { .. }), "{err:?}");
    assert_no_token(&err, &fb.token);
}

/// An agency's login: 125 accounts behind one Facebook user, so 126 Pages (one without
/// Instagram) over two pages of `/me/accounts`, and their profiles in three multiple-id reads.
#[tokio::test]
async fn facebook_login_finds_every_account_of_the_users_pages() {
    let world = World::new(SimConfig {
        accounts: 250,
        media_per_account: 2,
        facebook_user_accounts: 125,
        ..SimConfig::default()
    })
    .await;
    let fb: Vec<_> = world
        .sim
        .accounts()
        .into_iter()
        .filter(|a| a.flavour == Flavour::FacebookLogin)
        .collect();
    assert_eq!(fb.len(), 125);
    let client = world.client_for(&fb[0]);
    let ids = client.account_ids().await.unwrap();
    let expected: Vec<&str> = fb.iter().map(|a| a.ig_user_id.as_str()).collect();
    assert_eq!(ids, expected);
    assert_eq!(client.requests(), 2);
    let profiles = client.profiles(&ids).await.unwrap();
    let names: Vec<Option<&str>> = profiles.iter().map(|p| p.username.as_deref()).collect();
    let expected: Vec<Option<&str>> = fb.iter().map(|a| Some(a.username.as_str())).collect();
    assert_eq!(names, expected);
    assert_eq!(client.requests(), 2 + 3);
}

#[tokio::test]
async fn facebook_login_finds_the_account_through_the_page() {
    let world = World::default().await;
    let fb = world.account(Flavour::FacebookLogin);
    let client = world.client_for(&fb);
    assert_eq!(client.account_id().await.unwrap(), fb.ig_user_id);
    let media = client
        .media_since(&fb.ig_user_id, long_ago())
        .await
        .unwrap();
    assert!(!media.is_empty());
    let grant = client.refresh_token().await.unwrap();
    assert_ne!(grant.access_token.expose(), fb.token);
    assert!(grant.expires_in.unwrap() > 50 * 86_400);
}

#[tokio::test]
async fn a_missing_permission_is_its_own_error() {
    let world = World::default().await;
    let (account, client) = world.ig();
    world
        .sim
        .faults()
        .revoke_permission(&account.token, "instagram_business_manage_insights");
    let err = client
        .media_since(&account.ig_user_id, long_ago())
        .await
        .unwrap_err();
    assert!(matches!(err, GraphError::Permission { .. }), "{err:?}");
}

#[tokio::test]
async fn rate_limits_stop_the_client_until_access_returns() {
    let world = World::new(SimConfig {
        call_budget: Some(4),
        ..SimConfig::default()
    })
    .await;
    let (account, client) = world.ig();
    let mut last = Ok(());
    for _ in 0..6 {
        last = client.profile(&account.ig_user_id).await.map(drop);
        if last.is_err() {
            break;
        }
    }
    let err = last.unwrap_err();
    let GraphError::RateLimited { retry_after, .. } = &err else {
        panic!("{err:?}")
    };
    assert!(retry_after.is_some_and(|d| d > Duration::ZERO));
    assert!(
        client.paused() > Duration::ZERO,
        "usage near the limit slowed the client first"
    );
    // While blocked the client does not call at all: calls would extend Meta's block.
    let sent = client.requests();
    assert!(matches!(
        client.profile(&account.ig_user_id).await,
        Err(GraphError::RateLimited { .. })
    ));
    assert_eq!(client.requests(), sent);
    // On the simulator's clock access returns; a new sync (new client) proceeds.
    world.sim.advance(Duration::from_secs(2 * 3600));
    let fresh = world.client_for(&account);
    assert!(fresh.profile(&account.ig_user_id).await.is_ok());
}

/// Meta counts a multiple-id read as one call per id: three profiles spend three calls.
#[tokio::test]
async fn a_multiple_id_read_spends_a_call_per_id() {
    let world = World::new(SimConfig {
        accounts: 6,
        media_per_account: 2,
        facebook_user_accounts: 3,
        call_budget: Some(3),
        ..SimConfig::default()
    })
    .await;
    let fb = world.account(Flavour::FacebookLogin);
    let client = world.client_for(&fb);
    let ids = client.account_ids().await.unwrap();
    assert_eq!(ids.len(), 3);
    let err = client.profiles(&ids).await.unwrap_err();
    assert!(matches!(err, GraphError::RateLimited { .. }), "{err:?}");
    assert_eq!(
        client.requests(),
        2,
        "one request, refused as the fourth call"
    );
}

#[tokio::test]
async fn transient_failures_are_retried_with_backoff() {
    let world = World::default().await;
    let (account, client) = world.ig();
    world.sim.faults().fail_next(2, FaultKind::ServerError);
    client.profile(&account.ig_user_id).await.unwrap();
    assert_eq!(client.requests(), 3, "two failures, one success");

    world
        .sim
        .faults()
        .fail_next(1, FaultKind::Slow(Duration::from_secs(2)));
    let before = client.requests();
    client.profile(&account.ig_user_id).await.unwrap();
    assert_eq!(
        client.requests() - before,
        2,
        "the timed-out attempt was retried"
    );

    world.sim.faults().fail_next(10, FaultKind::ServerError);
    let before = client.requests();
    let err = client.profile(&account.ig_user_id).await.unwrap_err();
    assert!(err.is_transient());
    assert_eq!(
        client.requests() - before,
        4,
        "bounded: one try and three retries"
    );
}

#[tokio::test]
async fn malformed_bodies_and_bad_parameters_are_not_retried() {
    let world = World::default().await;
    let (account, client) = world.ig();
    world.sim.faults().fail_next(1, FaultKind::Malformed);
    let err = client.profile(&account.ig_user_id).await.unwrap_err();
    assert!(matches!(err, GraphError::Decode(_)), "{err:?}");
    assert_eq!(client.requests(), 1);

    let media = client
        .media_since(&account.ig_user_id, long_ago())
        .await
        .unwrap();
    let before = client.requests();
    let (metrics, dropped) = client
        .media_insights(&media[5].media.id, &["reach", "impressions"])
        .await
        .unwrap();
    assert_eq!(dropped, ["impressions"]);
    assert!(metrics.contains_key("reach"));
    assert_eq!(
        client.requests() - before,
        2,
        "the refusal, then the request without it"
    );
}

#[tokio::test]
async fn stories_come_with_metrics_and_vanish_after_a_day() {
    let world = World::default().await;
    let (account, client) = world.ig();
    let stories = client.stories(&account.ig_user_id).await.unwrap();
    assert!(!stories.is_empty());
    assert!(stories
        .iter()
        .all(|s| s.media.media_product_type.as_deref() == Some("STORY")));
    assert!(stories.iter().all(|s| !s.metrics.contains_key("likes")));
    let ids: Vec<String> = stories.iter().map(|s| s.media.id.clone()).collect();
    world.sim.advance(Duration::from_secs(25 * 3600));
    let later = client.stories(&account.ig_user_id).await.unwrap();
    assert!(later.iter().all(|s| !ids.contains(&s.media.id)));
}

#[tokio::test]
async fn account_insights_for_three_days_take_five_requests() {
    let world = World::default().await;
    let (account, client) = world.ig();
    let today = world.sim.now().date();
    let days = [
        today - time::Duration::days(3),
        today - time::Duration::days(2),
        today - time::Duration::days(1),
    ];
    let out = client
        .account_days(&account.ig_user_id, &days)
        .await
        .unwrap();
    // reach, follower_count (alone), then one total-value call per day.
    assert_eq!(client.requests(), 5);
    assert_eq!(out.iter().map(|d| d.date).collect::<Vec<_>>(), days);
    for day in &out {
        assert!(day.reach.is_some_and(|r| r > 0), "{day:?}");
        assert!(day.views.is_some_and(|v| v > 0), "{day:?}");
        assert!(day.total_interactions.is_some(), "{day:?}");
    }
}

/// Each day's numbers land on the day Meta counted them for, west and east of UTC, and a day
/// Meta has not finished is "not reported", not 0.
#[tokio::test]
async fn daily_values_are_filed_under_metas_day_in_any_zone() {
    for zone in ["America/Los_Angeles", "Asia/Tokyo"] {
        let world = World::new(SimConfig {
            insights_zone: zone.into(),
            ..SimConfig::default()
        })
        .await;
        let (account, client) = world.ig();
        let today = world.sim.now().date();
        let days: Vec<time::Date> = (0..=3)
            .rev()
            .map(|b| today - time::Duration::days(b))
            .collect();
        let out = client
            .account_days(&account.ig_user_id, &days)
            .await
            .unwrap();
        for day in &out[..3] {
            let expected = world
                .sim
                .account_day(&account.ig_user_id, day.date)
                .unwrap();
            assert_eq!(day.reach, Some(expected["reach"]), "{zone} {day:?}");
            assert_eq!(day.views, Some(expected["views"]), "{zone} {day:?}");
            assert_eq!(
                day.follower_delta,
                Some(expected["follower_count"]),
                "{zone} {day:?}"
            );
        }
        // The clock reads 12:00 UTC: 04:00 in California, 21:00 in Tokyo; neither day is over.
        let last = out.last().unwrap();
        assert_eq!(last.date, today);
        assert_eq!((last.reach, last.views), (None, None), "{zone}");
    }
}

/// Below 100 followers Meta has no follower metrics; the day's reach must survive that.
#[tokio::test]
async fn a_small_account_keeps_its_reach_without_follower_growth() {
    let world = World::new(SimConfig {
        followers: Some(42),
        ..SimConfig::default()
    })
    .await;
    let (account, client) = world.ig();
    let yesterday = world.sim.now().date() - time::Duration::days(1);
    let out = client
        .account_days(&account.ig_user_id, &[yesterday])
        .await
        .unwrap();
    assert!(out[0].reach.is_some_and(|r| r > 0), "{:?}", out[0]);
    assert_eq!(out[0].follower_delta, None);
}

/// The budget of issue 12: 1,000 media with 5 legacy feed videos on 5 different pages.
#[tokio::test]
async fn a_page_refused_by_one_item_is_isolated_within_budget() {
    let world = World::new(SimConfig {
        media_per_account: 1000,
        legacy_feed_videos: 5,
        pre_conversion_media: 2,
        ..SimConfig::default()
    })
    .await;
    let (account, client) = world.ig();
    let media = client
        .media_since(&account.ig_user_id, long_ago())
        .await
        .unwrap();
    assert_eq!(media.len(), 1000);
    let requests = client.requests();
    assert!(requests <= 60, "{requests} requests");
    let odd = world.sim.refusing_media(&account.ig_user_id);
    assert_eq!(odd.len(), 7);
    let mut legacy = 0;
    let fresh =
        |m: &MediaWithMetrics| world.sim.now() - m.media.timestamp < time::Duration::minutes(10);
    for m in &media {
        if m.media.media_type.as_deref() == Some("VIDEO")
            && m.media.media_product_type.as_deref() == Some("FEED")
        {
            legacy += 1;
            assert!(m.metrics.contains_key("reach") && m.metrics.contains_key("likes"));
            assert!(!m.metrics.contains_key("views"), "{:?}", m.metrics);
        } else if odd.contains(&m.media.id) {
            assert!(
                m.metrics.is_empty(),
                "posted before the conversion: no insights"
            );
        } else {
            assert!(
                m.metrics.contains_key("views") || fresh(m),
                "{} lost its metrics",
                m.media.id
            );
        }
    }
    assert_eq!(legacy, 5);
}

/// `since` dropped by Meta: the walk still stops at the first media older than the window.
#[tokio::test]
async fn an_ignored_since_does_not_walk_the_whole_history() {
    let world = World::new(SimConfig {
        media_per_account: 10_000,
        history_days: 1000,
        ignore_media_since: true,
        ..SimConfig::default()
    })
    .await;
    let (account, client) = world.ig();
    let week_ago = world.sim.now() - time::Duration::days(7);
    let recent = client
        .media_since(&account.ig_user_id, week_ago)
        .await
        .unwrap();
    assert!(!recent.is_empty());
    assert!(recent.iter().all(|m| m.media.timestamp >= week_ago));
    assert!(client.requests() <= 2, "{} requests", client.requests());
}

/// Code 1 "reduce the amount of data": smaller pages, nothing lost.
#[tokio::test]
async fn too_much_data_halves_the_page() {
    let world = World::default().await;
    world.sim.faults().limit_page_size(30);
    let (account, client) = world.ig();
    let media = client
        .media_since(&account.ig_user_id, long_ago())
        .await
        .unwrap();
    assert_eq!(media.len(), 300);
}

#[tokio::test]
async fn metas_token_and_temporary_errors_are_told_apart() {
    let world = World::default().await;
    let (account, _) = world.ig();
    for fault in [FaultKind::TokenNoSubcode, FaultKind::SessionInvalid] {
        world.sim.faults().fail_next(1, fault);
        let err = world
            .client_for(&account)
            .profile(&account.ig_user_id)
            .await
            .unwrap_err();
        assert!(
            matches!(err, GraphError::TokenInvalid { .. }),
            "{fault:?}: {err:?}"
        );
    }
    for fault in [
        FaultKind::AppLimit,
        FaultKind::PolicyBlock,
        FaultKind::RateLimit,
    ] {
        world.sim.faults().fail_next(1, fault);
        let client = world.client_for(&account);
        let err = client.profile(&account.ig_user_id).await.unwrap_err();
        assert!(
            matches!(err, GraphError::RateLimited { .. }),
            "{fault:?}: {err:?}"
        );
        // No regain time announced: the client waits out Meta's window, not a minute.
        let GraphError::RateLimited { retry_after, .. } =
            client.profile(&account.ig_user_id).await.unwrap_err()
        else {
            panic!("still blocked")
        };
        assert!(
            retry_after.unwrap() > Duration::from_secs(14 * 60),
            "{fault:?}"
        );
        assert_eq!(client.requests(), 1, "{fault:?}: no call while blocked");
    }
}

#[tokio::test]
async fn stories_refused_by_meta_are_an_error_the_sync_can_skip() {
    let world = World::default().await;
    let (account, client) = world.ig();
    world.sim.faults().refuse_stories(&account.token);
    let err = client.stories(&account.ig_user_id).await.unwrap_err();
    assert!(
        matches!(err, GraphError::Permission { code: 10, .. }),
        "{err:?}"
    );
    assert!(!server::sync::policy::fails_the_sync(&err));
}

#[tokio::test]
async fn facebook_tokens_report_their_expiry_and_data_access() {
    let world = World::default().await;
    let fb = world.account(Flavour::FacebookLogin);
    let info = world.client_for(&fb).debug_token().await.unwrap().unwrap();
    assert!(info.is_valid);
    let now = world.sim.now().unix_timestamp();
    let expires = info.expires_at.unwrap();
    assert!(expires > now && expires <= now + 60 * 86_400, "{info:?}");
    assert!(info.data_access_expires_at.unwrap() > expires);
    assert!(info.scopes.iter().any(|s| s == "instagram_manage_insights"));
    // Instagram Login has no such lookup.
    let (_, ig) = world.ig();
    assert_eq!(ig.debug_token().await.unwrap(), None);
}

#[tokio::test]
async fn instagram_tokens_refresh_and_the_new_one_works() {
    let world = World::default().await;
    let (account, client) = world.ig();
    let grant = client.refresh_token().await.unwrap();
    assert!(grant.expires_in.unwrap() >= 59 * 86_400);
    let renewed = GraphClient::new(
        reqwest::Client::new(),
        world.config.clone(),
        Flavour::InstagramLogin,
        grant.access_token,
    );
    assert_eq!(renewed.account_id().await.unwrap(), account.ig_user_id);
}

/// What Meta accepts, the simulator accepts: the token as a bearer header,
/// every documented field of the user and media nodes, `since` written as a date; and what
/// Meta refuses it refuses with Meta's error.
#[tokio::test]
async fn the_simulator_accepts_what_meta_accepts_and_refuses_the_rest() {
    let world = World::default().await;
    let (account, _) = world.ig();
    let http = reqwest::Client::new();
    let get = |path: String, query: Vec<(&'static str, String)>| {
        let http = http.clone();
        let url = format!("{}/{path}", world.config.instagram_base);
        let token = account.token.clone();
        async move {
            let res = http
                .get(url)
                .query(&query)
                .bearer_auth(token)
                .send()
                .await
                .unwrap();
            (
                res.status().as_u16(),
                res.json::<serde_json::Value>().await.unwrap(),
            )
        }
    };
    let ig = account.ig_user_id.clone();
    let insights = |query: Vec<(&'static str, String)>| get(format!("{ig}/insights"), query);
    let fields = "id,ig_id,username,name,biography,website,profile_picture_url,followers_count,follows_count,media_count";
    let (status, user) = get(ig.clone(), vec![("fields", fields.into())]).await;
    assert_eq!(status, 200, "{user}");
    for field in fields.split(',') {
        assert!(user.get(field).is_some(), "{field} missing: {user}");
    }
    assert!(user["ig_id"].is_number());

    let media_fields = "id,ig_id,caption,comments_count,like_count,is_comment_enabled,media_type,media_product_type,media_url,permalink,shortcode,timestamp,username,owner,children{id,media_type,media_url}";
    let (status, page) = get(
        format!("{ig}/media"),
        vec![
            ("fields", media_fields.into()),
            ("since", "2026-11-01".into()),
            ("until", "2026-11-20T00:00:00+0000".into()),
            ("limit", "50".into()),
        ],
    )
    .await;
    assert_eq!(status, 200, "{page}");
    let items = page["data"].as_array().unwrap();
    assert!(!items.is_empty());
    for item in items {
        assert_eq!(item["owner"]["id"], ig.as_str());
        assert!(item["shortcode"].is_string() && item["ig_id"].is_string());
        let at =
            server::graph::models::parse_graph_time(item["timestamp"].as_str().unwrap()).unwrap();
        assert!(
            at.date() >= time::macros::date!(2026 - 11 - 01)
                && at.date() <= time::macros::date!(2026 - 11 - 20)
        );
        let album = item["media_type"] == "CAROUSEL_ALBUM";
        assert_eq!(item.get("children").is_some(), album, "{item}");
        if album {
            assert_eq!(item["children"]["data"][0]["media_type"], "IMAGE");
        }
    }

    let (status, err) = get(
        format!("{ig}/media"),
        vec![("fields", "id,view_count".into())],
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(err["error"]["code"], 100);
    assert_eq!(
        err["error"]["message"],
        "(#100) Tried accessing nonexisting field (view_count) on node type (IGMedia)"
    );
    let (status, err) = insights(vec![
        ("metric", "reach".into()),
        ("period", "day".into()),
        ("since", "2026-10-01".into()),
        ("until", "2026-11-05".into()),
    ])
    .await;
    assert_eq!(status, 400);
    assert!(
        err["error"]["message"]
            .as_str()
            .unwrap()
            .contains("30 days"),
        "{err}"
    );
    // Album children: their edge and their nodes; `/me` is the user node with its edges.
    let album = items
        .iter()
        .find(|i| i["media_type"] == "CAROUSEL_ALBUM")
        .expect("an album in the window");
    let (status, children) = get(
        format!("{}/children", album["id"].as_str().unwrap()),
        vec![("fields", "id,media_type,shortcode,permalink,caption".into())],
    )
    .await;
    assert_eq!(status, 200, "{children}");
    let child = &children["data"][0];
    assert!(child["shortcode"].is_string());
    assert!(child.get("caption").is_none() && child.get("permalink").is_none());
    let (status, node) = get(child["id"].as_str().unwrap().to_owned(), vec![]).await;
    assert_eq!((status, &node["id"]), (200, &child["id"]));
    let (status, me) = get(
        "me".into(),
        vec![("fields", "user_id,account_type,media_count".into())],
    )
    .await;
    assert_eq!(status, 200, "{me}");
    assert_eq!(me["user_id"], ig.as_str());
    let (status, page) = get("me/media".into(), vec![("limit", "2".into())]).await;
    assert_eq!(
        (status, page["data"].as_array().map(Vec::len)),
        (200, Some(2))
    );
    // Several ids in one read.
    let ids = format!(
        "{},{}",
        items[0]["id"].as_str().unwrap(),
        items[1]["id"].as_str().unwrap()
    );
    let (status, many) = get(
        String::new(),
        vec![("ids", ids), ("fields", "id,media_type".into())],
    )
    .await;
    assert_eq!(status, 200, "{many}");
    assert_eq!(many.as_object().unwrap().len(), 2);
    // Lifetime audience metrics and breakdowns.
    let (status, demo) = insights(vec![
        ("metric", "follower_demographics".into()),
        ("period", "lifetime".into()),
        ("metric_type", "total_value".into()),
        ("breakdown", "age,gender".into()),
    ])
    .await;
    assert_eq!(status, 200, "{demo}");
    let breakdown = &demo["data"][0]["total_value"]["breakdowns"][0];
    assert_eq!(
        breakdown["dimension_keys"],
        serde_json::json!(["age", "gender"])
    );
    assert!(breakdown["results"].as_array().unwrap().len() <= 45);
    let (status, online) = insights(vec![
        ("metric", "online_followers".into()),
        ("period", "lifetime".into()),
    ])
    .await;
    assert_eq!(status, 200, "{online}");
    assert_eq!(
        online["data"][0]["values"][0]["value"]
            .as_object()
            .unwrap()
            .len(),
        24
    );
    let (status, reach) = insights(vec![
        ("metric", "reach".into()),
        ("period", "day".into()),
        ("metric_type", "total_value".into()),
        ("breakdown", "media_product_type".into()),
    ])
    .await;
    assert_eq!(status, 200, "{reach}");
    assert_eq!(
        reach["data"][0]["total_value"]["breakdowns"][0]["dimension_keys"][0],
        "media_product_type"
    );
    let (status, _) = insights(vec![
        ("metric", "reach".into()),
        ("period", "day".into()),
        ("metric_type", "total_value".into()),
        ("breakdown", "contact_button_type".into()),
    ])
    .await;
    assert_ne!(status, 200, "reach has no contact_button_type breakdown");

    // Neither header nor parameter: Meta's 2500.
    let res = http
        .get(format!("{}/{ig}", world.config.instagram_base))
        .send()
        .await
        .unwrap();
    let err: serde_json::Value = res.json().await.unwrap();
    assert_eq!(err["error"]["code"], 2500);
}

#[tokio::test]
async fn pictures_are_meta_cdn_urls_unless_the_simulator_serves_its_own() {
    let meta = World::default().await;
    let (account, client) = meta.ig();
    let profile = client.profile(&account.ig_user_id).await.unwrap();
    let cdn = profile.profile_picture_url.unwrap();
    assert!(cdn.starts_with("https://scontent-"), "{cdn}");

    let world = World::new(SimConfig {
        media_per_account: 20,
        local_pictures: true,
        ..SimConfig::default()
    })
    .await;
    let (account, client) = world.ig();
    let profile = client.profile(&account.ig_user_id).await.unwrap();
    let media = client
        .media_since(&account.ig_user_id, long_ago())
        .await
        .unwrap();
    let video = media
        .iter()
        .find(|m| m.media.media_type.as_deref() == Some("VIDEO"))
        .expect("some reels among 20 posts");
    let image = media
        .iter()
        .find(|m| m.media.media_type.as_deref() == Some("IMAGE"))
        .expect("some pictures among 20 posts");
    let origin = format!("http://{}/pictures/", world.server.addr);
    let http = reqwest::Client::new();
    let mut bodies = Vec::new();
    for url in [
        profile.profile_picture_url.unwrap(),
        video.media.thumbnail_url.clone().unwrap(),
        image.media.media_url.clone().unwrap(),
    ] {
        assert!(url.starts_with(&origin), "{url}");
        let answer = http.get(&url).send().await.unwrap();
        assert_eq!(answer.status(), 200, "{url}");
        assert_eq!(answer.headers()["content-type"], "image/svg+xml", "{url}");
        let body = answer.text().await.unwrap();
        assert!(
            body.starts_with("<svg ") && body.ends_with("</svg>"),
            "{body}"
        );
        assert!(body.len() < 2_000, "{url}: {} bytes", body.len());
        let again = http.get(&url).send().await.unwrap().text().await.unwrap();
        assert_eq!(body, again, "the same picture every time");
        bodies.push(body);
    }
    assert_ne!(bodies[1], bodies[2], "each media has its own picture");
    let missing = http
        .get(format!("{origin}..%2Fsecret.svg"))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);
}
