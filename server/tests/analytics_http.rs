//! The dashboard's figures over real HTTP on a seeded database (SQLite and PostgreSQL), each
//! checked against a value worked out by hand in the comments.

mod common;

use app::dto::{Audience, AudienceBreakdown, Coverage, Kpi, Overview};
use common::seed::{account, day, Day};
use common::{invalid_field, Api, Db, TestServer};
use reqwest::StatusCode;
use sea_orm::{
    ActiveModelTrait, ActiveValue::NotSet, ActiveValue::Set, Database, DatabaseConnection,
};
use server::store::entities::{insight_breakdowns, media};
use time::macros::{date, datetime};
use time::{Date, OffsetDateTime};

const PASSWORD: &str = "correct horse battery";

/// A post with its latest metrics:
/// (account, product type, published, [likes, comments, saves, shares], reach, followers).
type PostRow = (
    i64,
    &'static str,
    OffsetDateTime,
    [i64; 4],
    Option<i64>,
    i64,
);

async fn post(db: &DatabaseConnection, n: usize, row: PostRow) {
    let (account, kind, at, [likes, comments, saves, shares], reach, followers) = row;
    media::ActiveModel {
        account_id: Set(account),
        ig_media_id: Set(format!("m{n}")),
        caption: Set(Some(format!("Post {n} #seed"))),
        media_type: Set(Some("IMAGE".into())),
        product_type: Set(kind.into()),
        permalink: Set(None),
        thumbnail_url: Set(None),
        published_at: Set(at.unix_timestamp()),
        latest_captured_at: Set(Some(at.unix_timestamp() + 3600)),
        latest_likes: Set(Some(likes)),
        latest_comments: Set(Some(comments)),
        latest_saves: Set(Some(saves)),
        latest_shares: Set(Some(shares)),
        latest_reach: Set(reach),
        latest_views: Set(None),
        followers_at_capture: Set(Some(followers)),
        ..Default::default()
    }
    .insert(db)
    .await
    .unwrap();
    server::store::post_days::refresh_on(db, &[account])
        .await
        .unwrap();
}

/// Two accounts. The period is 2026-03-08 … 03-14; the previous one 03-01 … 03-07.
async fn seed(db: &DatabaseConnection) -> (i64, i64) {
    let a = account(db, "alpha").await;
    let b = account(db, "beta").await;
    let f = |n| Day {
        followers: Some(n),
        ..Day::default()
    };
    // Followers — A: 1,000 before both periods, 1,100 on 03-07, 1,200 on 03-14.
    // B: 500 on 03-03, 450 on 03-10.
    day(db, a, date!(2026 - 02 - 27), f(1000)).await;
    day(db, a, date!(2026 - 03 - 07), f(1100)).await;
    day(db, a, date!(2026 - 03 - 14), f(1200)).await;
    day(db, b, date!(2026 - 03 - 03), f(500)).await;
    day(db, b, date!(2026 - 03 - 10), f(450)).await;
    // Reach and views — period: 03-08 A 100 + B 50, 03-09 A 300; views A 1,000 + B 500.
    // Previous: 03-01 A reach 80, no views.
    let rv = |reach, views| Day {
        reach: Some(reach),
        views,
        ..Day::default()
    };
    day(db, a, date!(2026 - 03 - 08), rv(100, Some(1000))).await;
    day(db, b, date!(2026 - 03 - 08), rv(50, None)).await;
    day(db, a, date!(2026 - 03 - 09), rv(300, None)).await;
    day(
        db,
        b,
        date!(2026 - 03 - 09),
        Day {
            views: Some(500),
            ..Day::default()
        },
    )
    .await;
    day(db, a, date!(2026 - 03 - 01), rv(80, None)).await;
    // Follows/unfollows and profile link taps, captured by day. Previous period: A follows 10,
    // unfollows 4, taps 3 + 1; B (from 03-03) 5 and 5. Period: A 12 and 2, no taps (an empty
    // breakdown); B taps 6, its follows withheld. 02-27 is before both periods.
    let follow = ("follows_and_unfollows", "follow_type");
    let taps = ("profile_links_taps", "contact_button_type");
    #[rustfmt::skip]
    let actions: [CaptureRow; 7] = [
        (a, date!(2026 - 02 - 27), taps, Ok(r#"[[["EMAIL"],2]]"#)),
        (a, date!(2026 - 03 - 02), follow, Ok(r#"[[["FOLLOWER"],10],[["NON_FOLLOWER"],4]]"#)),
        (a, date!(2026 - 03 - 02), taps, Ok(r#"[[["EMAIL"],3],[["CALL"],1]]"#)),
        (b, date!(2026 - 03 - 03), follow, Ok(r#"[[["FOLLOWER"],5],[["NON_FOLLOWER"],5]]"#)),
        (a, date!(2026 - 03 - 09), follow, Ok(r#"[[["FOLLOWER"],12],[["NON_FOLLOWER"],2],[["UNKNOWN"],1]]"#)),
        (a, date!(2026 - 03 - 09), taps, Ok("[]")),
        (b, date!(2026 - 03 - 10), taps, Ok(r#"[[["TEXT"],6]]"#)),
    ];
    for (account, date, what, shares) in actions {
        capture(db, account, date, what, shares).await;
    }
    capture(
        db,
        b,
        date!(2026 - 03 - 10),
        follow,
        Err("under 100 followers"),
    )
    .await;
    // Where views and reach came from. Views by format — previous: A reels 40, posts 60;
    // period: A reels 300, posts 100; B reels 100, stories 50. Reach by followers — period
    // only: 03-08 A 60 and 40; 03-09 A 80 and 20, B 10 and none; B's 03-10 withheld.
    let format = ("views", "media_product_type");
    let reach = ("reach", "follow_type");
    #[rustfmt::skip]
    let sources: [CaptureRow; 6] = [
        (a, date!(2026 - 03 - 01), format, Ok(r#"[[["REEL"],40],[["POST"],60]]"#)),
        (a, date!(2026 - 03 - 08), format, Ok(r#"[[["REEL"],300],[["POST"],100]]"#)),
        (b, date!(2026 - 03 - 09), format, Ok(r#"[[["REEL"],100],[["STORY"],50]]"#)),
        (a, date!(2026 - 03 - 08), reach, Ok(r#"[[["FOLLOWER"],60],[["NON_FOLLOWER"],40]]"#)),
        (a, date!(2026 - 03 - 09), reach, Ok(r#"[[["FOLLOWER"],80],[["NON_FOLLOWER"],20]]"#)),
        (b, date!(2026 - 03 - 09), reach, Ok(r#"[[["FOLLOWER"],10]]"#)),
    ];
    for (account, date, what, shares) in sources {
        capture(db, account, date, what, shares).await;
    }
    capture(
        db,
        b,
        date!(2026 - 03 - 10),
        reach,
        Err("under 100 followers"),
    )
    .await;

    // A table is easier to check by hand than rustfmt's one field per line.
    #[rustfmt::skip]
    let posts: [PostRow; 6] = [
        // Previous period: 5 interactions over reach 100.
        (a, "FEED", datetime!(2026-03-01 00:00 UTC), [5, 0, 0, 0], Some(100), 1000),
        // The period: 60 over reach 1,000 and followers 1,200; 10 without reach; 24 over reach 0.
        (a, "FEED", datetime!(2026-03-09 12:00 UTC), [50, 5, 3, 2], Some(1000), 1200),
        (b, "REELS", datetime!(2026-03-12 08:00 UTC), [10, 0, 0, 0], None, 450),
        (a, "FEED", datetime!(2026-03-14 23:59:59 UTC), [20, 2, 1, 1], Some(0), 1200),
        // Not counted: a story, and a post one second after the period.
        (a, "STORY", datetime!(2026-03-10 10:00 UTC), [0, 0, 0, 900], Some(9), 1200),
        (a, "FEED", datetime!(2026-03-15 00:00 UTC), [900, 0, 0, 0], Some(9), 1200),
    ];
    for (n, row) in posts.into_iter().enumerate() {
        post(db, n, row).await;
    }
    (a, b)
}

async fn overview(api: &Api, extra: &[(&str, &str)]) -> Overview {
    api.ok("analytics/overview", extra).await
}

fn kpi<'a>(o: &'a Overview, key: &str) -> &'a Kpi {
    o.kpis
        .iter()
        .chain(&o.sources)
        .find(|k| k.key == key)
        .unwrap_or_else(|| panic!("no KPI {key}"))
}

fn close(v: Option<f64>, expected: f64) {
    let got = v.unwrap_or_else(|| panic!("no number where {expected} was expected"));
    assert!((got - expected).abs() < 1e-9, "{got} ≠ {expected}");
}

async fn overview_figures(db: Db) {
    let Some(server) = TestServer::start(db).await else {
        return;
    };
    let admin = server.admin("admin", PASSWORD).await;
    let conn = Database::connect(&server.database_url).await.unwrap();
    let (a, b) = seed(&conn).await;
    let custom = [("query[from]", "2026-03-08"), ("query[to]", "2026-03-14")];
    let o = overview(&admin, &custom).await;

    assert_eq!(o.period.previous_from, "2026-03-01");
    assert_eq!(o.period.previous_to, "2026-03-07");
    assert_eq!(o.period.days, 7);
    // Followers: 1,200 + 450 = 1,650 now; 1,100 + 500 = 1,600 before: +50/1,600. B's data
    // begins on 03-03, before the previous period's last day, which is all followers read.
    let followers = kpi(&o, "followers");
    close(followers.value, 1650.0);
    close(followers.previous, 1600.0);
    close(followers.change, 50.0 / 1600.0);
    assert_eq!(followers.coverage, Coverage::Full);
    // Net growth: 1,650 − 1,600 = 50 now; 1,600 − 1,000 (only A known before) = 600 before,
    // but B's data begins after the previous period does: no change rather than −92 %.
    let b_starts = Coverage::From("2026-03-03".into());
    let net = kpi(&o, "net_followers");
    close(net.value, 50.0);
    close(net.previous, 600.0);
    assert!(net.change.is_none());
    assert_eq!(net.coverage, b_starts);
    // Reach is a daily average: (150 + 300) / 2 = 225, never the sum 450; before 80, A's
    // alone, so again no change.
    let reach = kpi(&o, "reach");
    close(reach.value, 225.0);
    close(reach.previous, 80.0);
    assert!(reach.change.is_none());
    assert_eq!(reach.coverage, b_starts);
    // Views add up: 1,500; none before, so no change.
    let views = kpi(&o, "views");
    close(views.value, 1500.0);
    assert!(views.previous.is_none() && views.change.is_none());
    assert_eq!(views.coverage, b_starts);
    // Posts are kept for the lookback window (365 days), which covers March.
    assert_eq!(kpi(&o, "interactions").coverage, Coverage::Full);
    // Interactions 60 + 10 + 24 = 94 (the story and the post after the period excluded).
    close(kpi(&o, "interactions").value, 94.0);
    close(kpi(&o, "interactions").previous, 5.0);
    // Engagement by reach over posts with a reach: (60 + 24) / (1,000 + 0) = 0.084; before 0.05.
    let engagement = kpi(&o, "engagement");
    close(engagement.value, 0.084);
    close(engagement.previous, 0.05);
    close(engagement.change, (0.084 - 0.05) / 0.05);
    close(kpi(&o, "posts").value, 3.0);
    close(kpi(&o, "posts").change, 2.0);
    // Follows 12 against 10 + 5, unfollows 2 against 4 + 5, link taps 6 against 4; B's
    // captures begin after the previous period does, so nothing is compared.
    for (key, now, before) in [
        ("follows", 12.0, 15.0),
        ("unfollows", 2.0, 9.0),
        ("link_taps", 6.0, 4.0),
    ] {
        let k = kpi(&o, key);
        close(k.value, now);
        close(k.previous, before);
        assert!(k.change.is_none(), "{key}");
        assert_eq!(k.coverage, b_starts, "{key}");
    }

    // Views by format add up: reels 400, posts 100, stories 50 of 550; before 40, 60 and 0
    // (captured, none). Reach among followers is a daily average: (60 + 90) / 2 = 75, and
    // (40 + 20) / 2 = 30 among non-followers. B's captures begin on 03-09: no change.
    let sourced =
        |o: &Overview| -> Vec<String> { o.sources.iter().map(|k| k.key.clone()).collect() };
    assert_eq!(
        sourced(&o),
        [
            "views_post",
            "views_reel",
            "views_story",
            "reach_follower",
            "reach_non_follower"
        ]
    );
    let b_sources = Coverage::From("2026-03-09".into());
    for (key, now, before, label) in [
        ("views_post", 100.0, Some(60.0), "Views: posts (18.2 %)"),
        ("views_reel", 400.0, Some(40.0), "Views: reels (72.7 %)"),
        ("views_story", 50.0, Some(0.0), "Views: stories (9.1 %)"),
        (
            "reach_follower",
            75.0,
            None,
            "Reach among followers (71.4 %)",
        ),
        (
            "reach_non_follower",
            30.0,
            None,
            "Reach among non-followers (28.6 %)",
        ),
    ] {
        let k = kpi(&o, key);
        close(k.value, now);
        assert_eq!(k.previous, before, "{key}");
        assert_eq!(k.label, label);
        assert!(k.change.is_none(), "{key}");
        assert_eq!(k.coverage, b_sources, "{key}");
    }
    assert!(kpi(&o, "views_reel")
        .help
        .ends_with(" 72.7 % of the period's views by format."));

    // One point per day; followers carried forward; reach summed over accounts per day.
    let days = &o.days;
    assert_eq!(days.len(), 7);
    assert_eq!(days[0].date, "2026-03-08");
    assert_eq!(days[0].followers, Some(1600));
    assert_eq!(days[0].reach, Some(150));
    assert_eq!(days[2].followers, Some(1550)); // 03-10: B drops to 450
    assert!(days[3].reach.is_none());
    assert_eq!(days[6].followers, Some(1650));

    // Top posts by interactions; engagement undefined at zero reach, never NaN.
    let top = &o.top_posts;
    let interactions: Vec<i64> = top.iter().map(|p| p.interactions).collect();
    assert_eq!(interactions, [60, 24, 10]);
    close(top[0].engagement_by_reach, 0.06);
    close(top[0].engagement_by_followers, 0.05);
    assert!(top[1].engagement_by_reach.is_none());
    assert_eq!(top[2].username, "beta");
    assert_eq!(top[0].published, "2026-03-09 12:00 UTC");

    // A alone has data from 02-27, before both periods: every change is given.
    let a_id = a.to_string();
    let mut only_a = custom.to_vec();
    only_a.push(("query[account]", &a_id));
    let o = overview(&admin, &only_a).await;
    // Reach (100 + 300) / 2 = 200 against 80; net growth 1,200 − 1,100 against 1,100 − 1,000.
    close(kpi(&o, "reach").change, 1.5);
    close(kpi(&o, "net_followers").change, 0.0);
    assert!(o
        .kpis
        .iter()
        .chain(&o.sources)
        .all(|k| k.coverage == Coverage::Full));
    // Follows 12 against 10, unfollows 2 against 4, link taps 0 (captured, none) against 4.
    close(kpi(&o, "follows").change, 0.2);
    close(kpi(&o, "unfollows").change, -0.5);
    close(kpi(&o, "link_taps").value, 0.0);
    close(kpi(&o, "link_taps").change, -1.0);
    // A's views by format from 03-01, the previous period's first day: reels 300 against 40,
    // posts 100 against 60; stories none in either. Reach was not captured before: no change.
    close(kpi(&o, "views_reel").change, 6.5);
    close(kpi(&o, "views_post").change, 100.0 / 60.0 - 1.0);
    assert!(o.sources.iter().all(|k| k.key != "views_story"));
    assert!(kpi(&o, "reach_follower").change.is_none());

    // One account: B had 500, then 450; nothing known before its first count.
    let b_id = b.to_string();
    let mut only_b = custom.to_vec();
    only_b.push(("query[account]", &b_id));
    let o = overview(&admin, &only_b).await;
    close(kpi(&o, "followers").change, -0.1);
    close(kpi(&o, "net_followers").value, -50.0);
    assert!(kpi(&o, "net_followers").previous.is_none());
    assert!(
        kpi(&o, "engagement").value.is_none(),
        "B's only post has no reach"
    );

    // An empty period: counts are zero, rates and changes undefined.
    let empty = [("query[from]", "2025-01-01"), ("query[to]", "2025-01-31")];
    let o = overview(&admin, &empty).await;
    assert_eq!(o.top_posts.len(), 0);
    close(kpi(&o, "posts").value, 0.0);
    assert!(kpi(&o, "posts").change.is_none());
    assert!(kpi(&o, "engagement").value.is_none());
    assert!(kpi(&o, "followers").value.is_none());
    // Its previous period, December 2024, is before any data and outside the lookback.
    assert!(o
        .kpis
        .iter()
        .all(|k| matches!(k.coverage, Coverage::From(_))));

    // Presets end today.
    let o = overview(&admin, &[("query[days]", "7")]).await;
    assert_eq!(o.days.len(), 7);

    // The page renders the cards on the server.
    let (status, html) = admin
        .page("/?range=custom&from=2026-03-08&to=2026-03-14")
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("data-kpi=\"reach\"") && html.contains("225"),
        "{html}"
    );
    assert!(
        html.contains("no comparison: data starts Mar 3"),
        "the uncovered reach says why it has no change"
    );
    assert!(
        html.contains("Views: reels (72.7 %)"),
        "the sources are rendered with their shares"
    );

    // Reach and views from before both periods (Meta's daily insights reach back), but a
    // follower count only from the first sync on (Meta keeps no history of it): reach is
    // compared, followers say where their counts start.
    let delta = account(&conn, "delta").await;
    let reach = |followers| Day {
        followers,
        reach: Some(70),
        ..Day::default()
    };
    day(&conn, delta, date!(2026 - 02 - 20), reach(None)).await;
    day(&conn, delta, date!(2026 - 03 - 02), reach(None)).await;
    day(&conn, delta, date!(2026 - 03 - 09), reach(Some(900))).await;
    let delta_id = delta.to_string();
    let mut only_delta = custom.to_vec();
    only_delta.push(("query[account]", &delta_id));
    let o = overview(&admin, &only_delta).await;
    assert_eq!(kpi(&o, "reach").coverage, Coverage::Full);
    close(kpi(&o, "reach").change, 0.0);
    let first_count = Coverage::From("2026-03-09".into());
    assert_eq!(kpi(&o, "followers").coverage, first_count);
    assert_eq!(kpi(&o, "net_followers").coverage, first_count);
    close(kpi(&o, "followers").value, 900.0);
    assert!(kpi(&o, "followers").change.is_none());

    // A third account without any data yet: no daily figure is comparable.
    account(&conn, "gamma").await;
    let o = overview(&admin, &custom).await;
    assert_eq!(kpi(&o, "reach").coverage, Coverage::Nothing);
    assert_eq!(kpi(&o, "posts").coverage, Coverage::Full);
    server.stop().await;
}

/// Each form is refused with 422 naming its field, and an unknown account is 404.
async fn refuses(
    api: &Api,
    endpoint: &str,
    cases: impl IntoIterator<Item = (Vec<(&str, &str)>, &str)>,
) {
    for (form, field) in cases {
        let err = api
            .fails(endpoint, &form, StatusCode::UNPROCESSABLE_ENTITY)
            .await;
        assert_eq!(invalid_field(&err), Some(field), "{form:?}: {err:?}");
    }
    api.fails(
        endpoint,
        &[("query[account]", "999")],
        StatusCode::NOT_FOUND,
    )
    .await;
}

async fn overview_refuses_bad_input(db: Db) {
    let Some(server) = TestServer::start(db).await else {
        return;
    };
    let admin = server.admin("admin", PASSWORD).await;
    let conn = Database::connect(&server.database_url).await.unwrap();
    account(&conn, "alpha").await;
    let cases = [
        (vec![("query[days]", "14")], "days"),
        (vec![("query[from]", "2026-03-08")], "from"),
        (
            vec![("query[from]", "March"), ("query[to]", "2026-03-14")],
            "from",
        ),
        (
            vec![("query[from]", "2026-03-14"), ("query[to]", "2026-03-08")],
            "to",
        ),
        (
            vec![("query[from]", "2020-01-01"), ("query[to]", "2026-03-08")],
            "to",
        ),
        // A signed year once panicked computing the previous period (no answer at all).
        (
            vec![("query[from]", "-9999-01-01"), ("query[to]", "-9999-01-05")],
            "from",
        ),
    ];
    refuses(&admin, "analytics/overview", cases).await;
    let anonymous = server.client();
    assert_eq!(
        anonymous.call("analytics/overview", &[]).await.status(),
        StatusCode::UNAUTHORIZED
    );
    let (status, html) = admin.page("/?range=week").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("Unknown range filter"), "{html}");
    server.stop().await;
}

/// (account, day, (metric, breakdown), the values as JSON or the reason Meta gave none).
type CaptureRow<'a> = (i64, Date, (&'a str, &'a str), Result<&'a str, &'a str>);

/// One stored audience capture: `shares` as JSON, or the reason Meta gave none.
async fn capture(
    db: &DatabaseConnection,
    account_id: i64,
    date: Date,
    (metric, breakdown): (&str, &str),
    shares: Result<&str, &str>,
) {
    insight_breakdowns::ActiveModel {
        id: NotSet,
        account_id: Set(account_id),
        date: Set(date),
        metric: Set(metric.into()),
        breakdown: Set(breakdown.into()),
        shares: Set(shares.ok().map(Into::into)),
        unavailable: Set(shares.err().map(Into::into)),
        captured_at: Set(0),
    }
    .insert(db)
    .await
    .unwrap();
}

fn values(b: &AudienceBreakdown) -> Vec<(String, i64, Option<i64>)> {
    b.rows
        .iter()
        .map(|r| (r.keys.join("/"), r.value, r.before))
        .collect()
}

async fn audience_figures(db: Db) {
    let Some(server) = TestServer::start(db).await else {
        return;
    };
    let admin = server.admin("admin", PASSWORD).await;
    let conn = Database::connect(&server.database_url).await.unwrap();
    let a = account(&conn, "alpha").await;
    let b = account(&conn, "beta").await;
    const FOLLOWERS: &str = "follower_demographics";
    const ENGAGED: &str = "engaged_audience_demographics";
    let withheld =
        "Meta gives no engaged-audience demographics for fewer than 100 engagements in the period";
    // 03-01: A only. 03-05: A and B; B's engaged audience withheld (under 100 engagements).
    // Followers online and daily metrics by dimension are not demographics: no day of their own.
    #[rustfmt::skip]
    let captures: [CaptureRow; 8] = [
        (a, date!(2026 - 03 - 01), (FOLLOWERS, "country"), Ok(r#"[[["US"],50],[["FR"],20]]"#)),
        (a, date!(2026 - 03 - 05), (FOLLOWERS, "country"), Ok(r#"[[["US"],60],[["DE"],10]]"#)),
        (b, date!(2026 - 03 - 05), (FOLLOWERS, "country"), Ok(r#"[[["FR"],30],[["US"],5]]"#)),
        (a, date!(2026 - 03 - 05), (FOLLOWERS, "age,gender"), Ok(r#"[[["18-24","F"],7],[["25-34","M"],9]]"#)),
        (a, date!(2026 - 03 - 05), (ENGAGED, "city"), Ok(r#"[[["Paris, Île-de-France"],4]]"#)),
        (b, date!(2026 - 03 - 05), (ENGAGED, "city"), Err(withheld)),
        (a, date!(2026 - 03 - 07), ("online_followers", "hour"), Ok(r#"[[["20","1772913600"],3]]"#)),
        (a, date!(2026 - 03 - 06), ("reach", "media_product_type"), Ok(r#"[[["REEL"],40]]"#)),
    ];
    for (account, date, what, shares) in captures {
        capture(&conn, account, date, what, shares).await;
    }

    let audience = |form: Vec<(&'static str, String)>| {
        let admin = &admin;
        async move {
            let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
            admin.ok::<Audience>("analytics/audience", &form).await
        }
    };
    // The newest day, all accounts: US 60 + 5 = 65, FR 30, DE 10; nothing compared.
    let all = audience(vec![]).await;
    assert_eq!(all.date.as_deref(), Some("2026-03-05"));
    assert_eq!(all.days, ["2026-03-01", "2026-03-05"]);
    assert_eq!(
        values(&all.followers.country),
        [
            ("US".into(), 65, None),
            ("FR".into(), 30, None),
            ("DE".into(), 10, None)
        ]
    );
    assert_eq!(all.followers.country.missing, 0);
    assert_eq!(
        values(&all.followers.age_gender),
        [("25-34/M".into(), 9, None), ("18-24/F".into(), 7, None)]
    );
    assert_eq!(
        all.followers.age_gender.missing, 1,
        "B has no age and gender that day"
    );
    // B's engaged cities withheld, A's there: A's values, one account missing, no reason.
    assert_eq!(
        values(&all.engaged.city),
        [("Paris, Île-de-France".into(), 4, None)]
    );
    assert_eq!(
        (
            all.engaged.city.missing,
            all.engaged.city.unavailable.clone()
        ),
        (1, None)
    );

    // B alone: its engaged audience is "not available" with Meta's reason, never zeros.
    let only_b = audience(vec![("query[account]", b.to_string())]).await;
    assert!(only_b.engaged.city.rows.is_empty());
    assert_eq!(only_b.engaged.city.unavailable.as_deref(), Some(withheld));
    assert_eq!(
        only_b.engaged.country.unavailable.as_deref(),
        Some("Not captured on this day.")
    );

    // A, compared with 03-03 (the capture on or before it: 03-01): US 50 → 60, DE new.
    let a_since = audience(vec![
        ("query[account]", a.to_string()),
        ("query[since]", "2026-03-03".into()),
    ])
    .await;
    assert_eq!(a_since.since.as_deref(), Some("2026-03-01"));
    assert_eq!(
        values(&a_since.followers.country),
        [("US".into(), 60, Some(50)), ("DE".into(), 10, None)]
    );
    // An earlier day asked: the capture on or before it.
    let early = audience(vec![("query[date]", "2026-03-04".into())]).await;
    assert_eq!(early.date.as_deref(), Some("2026-03-01"));
    assert_eq!(values(&early.followers.country)[0], ("US".into(), 50, None));
    let before_any = audience(vec![("query[date]", "2026-02-01".into())]).await;
    assert_eq!(before_any.date, None);

    // Bad input: a clear error on the field, nothing else.
    let cases = [
        (vec![("query[date]", "March")], "date"),
        (vec![("query[since]", "2026-13-01")], "since"),
        (
            vec![
                ("query[date]", "2026-03-05"),
                ("query[since]", "2026-03-05"),
            ],
            "since",
        ),
    ];
    refuses(&admin, "analytics/audience", cases).await;
    assert_eq!(
        server
            .client()
            .call("analytics/audience", &[])
            .await
            .status(),
        StatusCode::UNAUTHORIZED
    );
    // The page renders on the server, with Meta's reason where it withheld.
    let (status, html) = admin.page(&format!("/audience?account={b}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("fewer than 100 engagements"), "{html}");
    server.stop().await;
}

/// The best posts when more days tie on their best post than the Overview looks at one by one:
/// the period's posts are then sorted whole, and the order is the same.
async fn overview_top_posts_among_ties(db: Db) {
    let Some(server) = TestServer::start(db).await else {
        return;
    };
    let admin = server.admin("admin", PASSWORD).await;
    let conn = Database::connect(&server.database_url).await.unwrap();
    let a = account(&conn, "alpha").await;
    let first = datetime!(2026-01-01 09:00 UTC);
    // One post a day for 80 days, one interaction each, but 3 on the first day's.
    for n in 0..80 {
        let likes = if n == 0 { 3 } else { 1 };
        let at = first + time::Duration::days(n as i64);
        post(&conn, n, (a, "FEED", at, [likes, 0, 0, 0], Some(10), 100)).await;
    }
    let range = [("query[from]", "2026-01-01"), ("query[to]", "2026-03-31")];
    let o = overview(&admin, &range).await;
    close(kpi(&o, "posts").value, 80.0);
    let published: Vec<&str> = o.top_posts.iter().map(|p| p.published.as_str()).collect();
    assert_eq!(
        published,
        [
            "2026-01-01 09:00 UTC",
            "2026-03-21 09:00 UTC",
            "2026-03-20 09:00 UTC",
            "2026-03-19 09:00 UTC",
            "2026-03-18 09:00 UTC",
        ]
    );
    server.stop().await;
}

per_database!(
    overview_figures,
    overview_top_posts_among_ties,
    overview_refuses_bad_input,
    audience_figures
);
