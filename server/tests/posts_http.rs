//! The Posts, Post detail, Hashtags and Best time queries over real HTTP on a seeded database
//! (SQLite and PostgreSQL). Every figure is worked out by hand in the comments.

mod common;

use app::backend::AnalyticsPort;
use app::dto::{
    BestTime, Hashtags, PeriodQuery, PostDetail, PostSort, PostSummary, PostsPage, PostsQuery,
    Reach, SettingsView, StoriesPage, UserSummary,
};
use common::seed::{self, account, Media};
use common::{invalid_field, Api, Db, TestServer};
use reqwest::StatusCode;
use sea_orm::{ConnectionTrait, Database, DatabaseConnection};
use server::services::analytics::AnalyticsService;
use server::store::analytics::AnalyticsStore;
use server::store::settings::SettingsStore;
use time::macros::datetime;
use time::{Duration, OffsetDateTime};

const PASSWORD: &str = "correct horse battery";
const VIEWER_PW: &str = "viewer-password-1";

/// The period most checks use: 2026-01-01 … 2026-07-31 (212 days, winter and summer).
const PERIOD: [(&str, &str); 2] = [
    ("query[period][from]", "2026-01-01"),
    ("query[period][to]", "2026-07-31"),
];

/// Media ids by name.
struct Seeded {
    alpha: i64,
    beta: i64,
    a1: i64,
    a2: i64,
    a3: i64,
    a4: i64,
    a5: i64,
    a6: i64,
    story: i64,
    b1: i64,
    gamma: i64,
}

/// Two accounts with hand-picked posts, and a third with 52 for paging.
///
/// | post | account | kind     | published (UTC)  | l/c/s/sh     | reach | views | foll. | inter. | by reach | by foll. |
/// |------|---------|----------|------------------|--------------|-------|-------|-------|--------|----------|----------|
/// | a0   | alpha   | image    | now − 800 days   | 1000/0/0/0   | 100   | —     | 2000  | 1000   | (outside window and period)
/// | a1   | alpha   | image    | 01-15 12:00 Thu  | 100/10/5/2   | 1000  | 3000  | 2000  | 117    | 0.117    | 0.0585   |
/// | a2   | alpha   | carousel | 07-16 12:00 Thu  | 50/5/3/2     | 500   | —     | 2000  | 60     | 0.12     | 0.03     |
/// | a3   | alpha   | video    | 03-10 09:30 Tue  | 60/0/0/0     | —     | —     | 2000  | 60     | —        | 0.03     |
/// | a4   | alpha   | image    | 03-20 18:00 Fri  | 40/2/2/0     | 0     | —     | —     | 44     | —        | —        |
/// | a5   | alpha   | image    | 02-05 08:00 Thu  | 131/0/0/0    | 1000  | —     | 2000  | 131    | 0.131    | 0.0655   |
/// | a6   | alpha   | reel     | 04-01 20:00 Wed  | 10/0/0/0     | 200   | 900   | 2000  | 10     | 0.05     | 0.005    |
/// | story| alpha   | story    | 03-10 10:00      | 0/0/0/900    | 9     | —     | 2000  | (never listed)
/// | a8   | alpha   | image    | 08-01 00:00      | 1/0/0/0      | 1000  | —     | 2000  | 1      | (after the period)
/// | b1   | beta    | image    | 05-07 07:30 Thu  | 12/0/0/0     | 100   | —     | 500   | 12     | 0.12     | 0.024    |
///
/// Weighted engagement per reach (shares×3 + saves×2 + comments×1.5 + likes):
/// a1 (6 + 10 + 15 + 100) / 1000 = 0.131; a2 (6 + 6 + 7.5 + 50) / 500 = 0.139;
/// a5 131 / 1000 = 0.131; a8 1 / 1000 = 0.001; a6 10 / 200 = 0.05; b1 12 / 100 = 0.12.
/// a3 (no reach) and a4 (reach 0) have none.
async fn seed(db: &DatabaseConnection) -> Seeded {
    let alpha = account(db, "alpha").await;
    let beta = account(db, "beta").await;
    let gamma = account(db, "gamma").await;
    let old = OffsetDateTime::now_utc() - Duration::days(800);
    let m =
        |account, product_type, media_type, published, caption, counts, reach, views, followers| {
            Media {
                account,
                product_type,
                media_type,
                published,
                caption,
                counts,
                reach,
                views,
                followers,
            }
        };
    #[rustfmt::skip]
    let rows = [
        m(alpha, "FEED", "IMAGE", old, "Old #sunset", [1000, 0, 0, 0], Some(100), None, Some(2000)),
        m(alpha, "FEED", "IMAGE", datetime!(2026-01-15 12:00 UTC), "Winter #Sunset at the lake #travel", [100, 10, 5, 2], Some(1000), Some(3000), Some(2000)),
        m(alpha, "FEED", "CAROUSEL_ALBUM", datetime!(2026-07-16 12:00 UTC), "Summer #sunset #beach", [50, 5, 3, 2], Some(500), None, Some(2000)),
        m(alpha, "FEED", "VIDEO", datetime!(2026-03-10 09:30 UTC), "Golden hour timelapse #travel", [60, 0, 0, 0], None, None, Some(2000)),
        m(alpha, "FEED", "IMAGE", datetime!(2026-03-20 18:00 UTC), "Lake walk #quiet", [40, 2, 2, 0], Some(0), None, None),
        m(alpha, "FEED", "IMAGE", datetime!(2026-02-05 08:00 UTC), "Morning #TRAVEL coffee", [131, 0, 0, 0], Some(1000), None, Some(2000)),
        m(alpha, "REELS", "VIDEO", datetime!(2026-04-01 20:00 UTC), "Reel #beach", [10, 0, 0, 0], Some(200), Some(900), Some(2000)),
        m(alpha, "STORY", "IMAGE", datetime!(2026-03-10 10:00 UTC), "Story #sunset", [0, 0, 0, 900], Some(9), None, Some(2000)),
        m(alpha, "FEED", "IMAGE", datetime!(2026-08-01 00:00 UTC), "Later #sunset", [1, 0, 0, 0], Some(1000), None, Some(2000)),
        m(beta, "FEED", "IMAGE", datetime!(2026-05-07 07:30 UTC), "Beta #sunset", [12, 0, 0, 0], Some(100), None, Some(500)),
    ];
    let mut ids = Vec::new();
    for (n, row) in rows.iter().enumerate() {
        ids.push(seed::media(db, n, row).await);
    }
    // Gamma: 52 posts an hour apart from 2026-09-01 00:00, post i with i likes.
    for i in 0..52 {
        let row = m(
            gamma,
            "FEED",
            "IMAGE",
            datetime!(2026-09-01 00:00 UTC) + Duration::hours(i),
            "Gamma",
            [i, 0, 0, 0],
            Some(100),
            None,
            Some(100),
        );
        seed::media(db, 100 + i as usize, &row).await;
    }
    Seeded {
        alpha,
        beta,
        a1: ids[1],
        a2: ids[2],
        a3: ids[3],
        a4: ids[4],
        a5: ids[5],
        a6: ids[6],
        story: ids[7],
        b1: ids[9],
        gamma,
    }
}

/// A signed-in admin, the seeded ids, and a lookback window of 730 days: a0 (800 days old)
/// is outside it, every other post inside.
async fn start(db: Db) -> Option<(TestServer, Api, Seeded)> {
    let server = TestServer::start(db).await?;
    let admin = server.admin("admin", PASSWORD).await;
    admin
        .ok::<SettingsView>(
            "settings/update",
            &[("field", "lookback_days"), ("value", "730")],
        )
        .await;
    let conn = Database::connect(&server.database_url).await.unwrap();
    let seeded = seed(&conn).await;
    Some((server, admin, seeded))
}

fn form<'a>(extra: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut f = PERIOD.to_vec();
    f.extend_from_slice(extra);
    f
}

async fn posts(api: &Api, extra: &[(&str, &str)]) -> PostsPage {
    api.ok("analytics/posts", &form(extra)).await
}

fn ids(page: &PostsPage) -> Vec<i64> {
    page.posts.iter().map(|p| p.id.0).collect()
}

fn find(page: &PostsPage, id: i64) -> &PostSummary {
    page.posts
        .iter()
        .find(|p| p.id.0 == id)
        .unwrap_or_else(|| panic!("post {id} not listed"))
}

fn close(v: Option<f64>, expected: f64) {
    let got = v.unwrap_or_else(|| panic!("no number where {expected} was expected"));
    assert!((got - expected).abs() < 1e-9, "{got} ≠ {expected}");
}

async fn posts_figures_sorting_and_filters(db: Db) {
    let Some((server, admin, s)) = start(db).await else {
        return;
    };
    // Default: newest first; a0 (before), a8 (after) and the story are not listed.
    let page = posts(&admin, &[]).await;
    assert_eq!(ids(&page), [s.a2, s.b1, s.a6, s.a4, s.a3, s.a5, s.a1]);
    assert_eq!((page.total, page.page, page.pages), (7, 1, 1));
    assert_eq!(page.period.from, "2026-01-01");

    // Figures of a1: 117 interactions over reach 1,000 and 2,000 followers.
    let a1 = find(&page, s.a1);
    assert_eq!(a1.interactions, 117);
    close(a1.engagement_by_reach, 0.117);
    close(a1.engagement_by_followers, 0.0585);
    assert_eq!(a1.published, "2026-01-15 12:00 UTC");
    assert_eq!(a1.username, "alpha");
    // Hashtags in caption order ("sunset" before "travel"; a2: "sunset" before "beach").
    assert_eq!(a1.hashtags, ["sunset", "travel"]);
    assert_eq!(find(&page, s.a2).hashtags, ["sunset", "beach"]);
    assert_eq!(find(&page, s.a5).hashtags, ["travel"]);

    // Impact. Alpha's feed peers in the window (a0 is older than 730 days; a8, after the
    // period, counts): a8 0.001, a1 0.131, a5 0.131, a2 0.139 → n = 4, n − 1 = 3.
    // a1 and a5 tie: below 1, equal 2 → 100 × (1 + 0.5) / 3 = 50. a2: below 3 → 100.
    // (With a0 at 10.0 as a peer they would be 38 and 75.) a6 is alpha's only reel → 100
    // although its 0.05 is below every feed post; b1 is beta's only post → 100.
    // a3 (no reach) and a4 (reach 0): no score, no rate.
    assert_eq!(find(&page, s.a1).impact, Some(50));
    assert_eq!(find(&page, s.a5).impact, Some(50));
    assert_eq!(find(&page, s.a2).impact, Some(100));
    assert_eq!(find(&page, s.a6).impact, Some(100));
    assert_eq!(find(&page, s.b1).impact, Some(100));
    for id in [s.a3, s.a4] {
        let p = find(&page, id);
        assert!(
            p.impact.is_none() && p.engagement_by_reach.is_none(),
            "{p:?}"
        );
    }
    close(find(&page, s.a3).engagement_by_followers, 0.03);
    assert!(find(&page, s.a4).engagement_by_followers.is_none());

    // Sorting, unknown values last both ways, ties newest first.
    let sorted = |sort: &'static str, ascending: &'static str| {
        let admin = admin.clone();
        async move {
            ids(&posts(
                &admin,
                &[("query[sort]", sort), ("query[ascending]", ascending)],
            )
            .await)
        }
    };
    // Views: a1 3,000, a6 900; the rest unknown, newest first.
    assert_eq!(
        sorted("views", "false").await,
        [s.a1, s.a6, s.a2, s.b1, s.a4, s.a3, s.a5]
    );
    assert_eq!(
        sorted("views", "true").await,
        [s.a6, s.a1, s.a2, s.b1, s.a4, s.a3, s.a5]
    );
    // Reach: a5 = a1 = 1,000 (a5 newer), a2 500, a6 200, b1 100, a4 0, a3 unknown.
    assert_eq!(
        sorted("reach", "false").await,
        [s.a5, s.a1, s.a2, s.a6, s.b1, s.a4, s.a3]
    );
    assert_eq!(
        sorted("reach", "true").await,
        [s.a4, s.b1, s.a6, s.a2, s.a5, s.a1, s.a3]
    );
    // Engagement by reach: a5 0.131, a2 = b1 = 0.12 (a2 newer), a1 0.117, a6 0.05; a4, a3.
    assert_eq!(
        sorted("engagement_by_reach", "false").await,
        [s.a5, s.a2, s.b1, s.a1, s.a6, s.a4, s.a3]
    );
    assert_eq!(
        sorted("engagement_by_reach", "true").await,
        [s.a6, s.a1, s.a2, s.b1, s.a5, s.a4, s.a3]
    );
    // Engagement by followers: a5 0.0655, a1 0.0585, a2 = a3 = 0.03 (a2 newer), b1 0.024,
    // a6 0.005; a4 (no followers) last both ways.
    assert_eq!(
        sorted("engagement_by_followers", "false").await,
        [s.a5, s.a1, s.a2, s.a3, s.b1, s.a6, s.a4]
    );
    assert_eq!(
        sorted("engagement_by_followers", "true").await,
        [s.a6, s.b1, s.a2, s.a3, s.a1, s.a5, s.a4]
    );
    // Impact: 100 (a2, b1, a6 by date), 50 (a5, a1), then a4, a3 without.
    assert_eq!(
        sorted("impact", "false").await,
        [s.a2, s.b1, s.a6, s.a5, s.a1, s.a4, s.a3]
    );
    assert_eq!(
        sorted("published", "true").await,
        [s.a1, s.a5, s.a3, s.a4, s.a6, s.b1, s.a2]
    );

    // Filters.
    let filtered = |extra: Vec<(&'static str, &'static str)>| {
        let admin = admin.clone();
        async move { posts(&admin, &extra).await }
    };
    // Images: a1, a4, a5, b1 (a2 is a carousel, a3 a video, a6 a reel although a VIDEO).
    assert_eq!(
        ids(&filtered(vec![("query[kind]", "image")]).await),
        [s.b1, s.a4, s.a5, s.a1]
    );
    assert_eq!(ids(&filtered(vec![("query[kind]", "video")]).await), [s.a3]);
    assert_eq!(ids(&filtered(vec![("query[kind]", "reel")]).await), [s.a6]);
    assert_eq!(
        ids(&filtered(vec![("query[kind]", "carousel")]).await),
        [s.a2]
    );
    // "#SUNSET": a2, b1, a1 (the story, a0 and a8 are not in the period's posts).
    let tagged = filtered(vec![("query[hashtag]", " #SUNSET ")]).await;
    assert_eq!(ids(&tagged), [s.a2, s.b1, s.a1]);
    assert_eq!(tagged.total, 3);
    // "travel" matches a5's "#TRAVEL"; with images only, a3 (video) drops out.
    assert_eq!(
        ids(&filtered(vec![("query[hashtag]", "Travel")]).await),
        [s.a3, s.a5, s.a1]
    );
    assert_eq!(
        ids(&filtered(vec![("query[hashtag]", "travel"), ("query[kind]", "image")]).await),
        [s.a5, s.a1]
    );
    // Hashtag, kind and sort together: #sunset images by likes, b1 12 then a1 100.
    let sunset_images = filtered(vec![
        ("query[hashtag]", "sunset"),
        ("query[kind]", "image"),
        ("query[sort]", "likes"),
        ("query[ascending]", "true"),
    ])
    .await;
    assert_eq!(ids(&sunset_images), [s.b1, s.a1]);
    assert_eq!(sunset_images.total, 2);
    // By impact with a filter (the ids then come from SQL, the scores from the peers):
    // #sunset a2 and b1 100 (a2 newer), a1 50; images b1 100, a5 and a1 50, a4 without.
    let by_impact = |extra: &[(&'static str, &'static str)]| {
        let mut extra = extra.to_vec();
        extra.push(("query[sort]", "impact"));
        filtered(extra)
    };
    assert_eq!(
        ids(&by_impact(&[("query[hashtag]", "sunset")]).await),
        [s.a2, s.b1, s.a1]
    );
    assert_eq!(
        ids(&by_impact(&[("query[kind]", "image")]).await),
        [s.b1, s.a5, s.a1, s.a4]
    );
    // Exact tags only: "sun" is not "sunset".
    assert_eq!(filtered(vec![("query[hashtag]", "sun")]).await.total, 0);
    // Every word, anywhere, any case: "lake" is in a1 and a4, "winter" only in a1.
    assert_eq!(
        ids(&filtered(vec![("query[search]", "  LAKE  ")]).await),
        [s.a4, s.a1]
    );
    assert_eq!(
        ids(&filtered(vec![("query[search]", "lake Winter")]).await),
        [s.a1]
    );
    assert_eq!(
        filtered(vec![("query[search]", "lake nowhere")])
            .await
            .total,
        0
    );

    // Refused input.
    let long = "x".repeat(201);
    for (form, field) in [
        (form(&[("query[search]", long.as_str())]), "search"),
        (form(&[("query[hashtag]", &long[..101])]), "hashtag"),
        // A preset, not a custom range (which would take precedence).
        (vec![("query[period][days]", "14")], "days"),
    ] {
        let err = admin
            .fails("analytics/posts", &form, StatusCode::UNPROCESSABLE_ENTITY)
            .await;
        assert_eq!(invalid_field(&err), Some(field), "{err:?}");
    }
    admin
        .fails(
            "analytics/posts",
            &form(&[("query[period][account]", "999999")]),
            StatusCode::NOT_FOUND,
        )
        .await;
    // One account: beta has b1 only.
    let beta = posts(&admin, &[("query[period][account]", &s.beta.to_string())]).await;
    assert_eq!(ids(&beta), [s.b1]);
    server.stop().await;
}

async fn posts_pages(db: Db) {
    let Some((server, admin, s)) = start(db).await else {
        return;
    };
    let gamma = s.gamma.to_string();
    let september = |page: &'static str| {
        let (admin, gamma) = (admin.clone(), gamma.clone());
        async move {
            admin
                .ok::<PostsPage>(
                    "analytics/posts",
                    &[
                        ("query[period][account]", gamma.as_str()),
                        ("query[period][from]", "2026-09-01"),
                        ("query[period][to]", "2026-09-30"),
                        ("query[page]", page),
                    ],
                )
                .await
        }
    };
    // 52 posts: ⌈52 / 50⌉ = 2 pages; page 0 reads as 1.
    for page in ["0", "1"] {
        let p = september(page).await;
        assert_eq!((p.total, p.pages, p.page), (52, 2, 1));
        let posts = &p.posts;
        assert_eq!(posts.len(), 50);
        // Newest first: 2026-09-03 03:00 (post 51, 51 likes) … post 2.
        assert_eq!(posts[0].published, "2026-09-03 03:00 UTC");
        assert_eq!(posts[0].likes, Some(51));
        assert_eq!(posts[49].likes, Some(2));
    }
    let p = september("2").await;
    let likes: Vec<i64> = p.posts.iter().map(|p| p.likes.unwrap()).collect();
    assert_eq!(likes, [1, 0]);
    assert_eq!(p.page, 2);
    // By impact (equal reach: likes rank them), lowest first: page 2 holds the two highest.
    let p: PostsPage = admin
        .ok(
            "analytics/posts",
            &[
                ("query[period][account]", gamma.as_str()),
                ("query[period][from]", "2026-09-01"),
                ("query[period][to]", "2026-09-30"),
                ("query[sort]", "impact"),
                ("query[ascending]", "true"),
                ("query[page]", "2"),
            ],
        )
        .await;
    let likes: Vec<i64> = p.posts.iter().map(|p| p.likes.unwrap()).collect();
    assert_eq!((likes, p.total, p.pages), (vec![50, 51], 52, 2));
    assert_eq!(p.posts[1].impact, Some(100));
    // Past the end: nothing, with the right totals.
    let p = september("3").await;
    assert_eq!(p.posts.len(), 0);
    assert_eq!((p.total, p.pages, p.page), (52, 2, 3));
    // An empty period still has one (empty) page.
    let p: PostsPage = admin
        .ok(
            "analytics/posts",
            &[
                ("query[period][from]", "2025-01-01"),
                ("query[period][to]", "2025-01-31"),
            ],
        )
        .await;
    assert_eq!((p.total, p.pages), (0, 1));

    // Through the service directly (as the benchmark calls it).
    let conn = Database::connect(&server.database_url).await.unwrap();
    let service = AnalyticsService::new(
        AnalyticsStore::new(conn.clone()),
        SettingsStore::new(conn.clone()),
    );
    let september_all = PostsQuery {
        period: PeriodQuery {
            account: Some(app::dto::AccountId(s.gamma)),
            from: Some("2026-09-01".into()),
            to: Some("2026-09-30".into()),
            days: None,
            workspace: None,
        },
        sort: PostSort::Likes,
        ascending: true,
        ..PostsQuery::default()
    };
    let travel = PostsQuery {
        period: PeriodQuery {
            from: Some("2026-01-01".into()),
            to: Some("2026-07-31".into()),
            ..PeriodQuery::default()
        },
        hashtag: Some("#travel".into()),
        ..PostsQuery::default()
    };
    let all = service.posts(&Reach::All, &travel).await.unwrap().posts;
    assert_eq!(
        all.iter().map(|p| p.id.0).collect::<Vec<_>>(),
        [s.a3, s.a5, s.a1]
    );

    // Impact peers are cached per account: a post added without a sync still counts at once.
    // Gamma's best (51 likes per 100 reached) is alone at the top, then second to a new one.
    let september_top = PostsQuery {
        sort: PostSort::Likes,
        ascending: false,
        ..september_all.clone()
    };
    let top = service.posts(&Reach::All, &september_top).await.unwrap();
    assert_eq!(
        (top.posts[0].likes, top.posts[0].impact),
        (Some(51), Some(100))
    );
    let best = seed::Media {
        account: s.gamma,
        product_type: "FEED",
        media_type: "IMAGE",
        published: datetime!(2026-09-10 00:00 UTC),
        caption: "Gamma best",
        counts: [1000, 0, 0, 0],
        reach: Some(100),
        views: None,
        followers: Some(100),
    };
    seed::media(&conn, 999, &best).await;
    let top = service.posts(&Reach::All, &september_top).await.unwrap();
    assert_eq!(top.total, 53);
    assert_eq!(
        (top.posts[0].likes, top.posts[0].impact),
        (Some(1000), Some(100))
    );
    assert_eq!(top.posts[1].likes, Some(51));
    assert!(top.posts[1].impact < Some(100), "{:?}", top.posts[1].impact);
    // Sorted by impact, the period's posts are listed from the cached peers: the new one too.
    let by_impact = PostsQuery {
        sort: PostSort::Impact,
        ..september_top.clone()
    };
    let ranked = service.posts(&Reach::All, &by_impact).await.unwrap();
    assert_eq!(
        (ranked.total, ranked.posts[0].likes, ranked.posts[0].impact),
        (53, Some(1000), Some(100))
    );
    assert_eq!(all[2].hashtags, ["sunset", "travel"]);
    assert_eq!((all[1].impact, all[0].impact), (Some(50), None));
    server.stop().await;
}

async fn post_detail(db: Db) {
    let Some((server, admin, s)) = start(db).await else {
        return;
    };
    let conn = Database::connect(&server.database_url).await.unwrap();
    // a1's snapshots, written out of order: 1 h, 2 h and 1 day after publication.
    let t = datetime!(2026-01-15 12:00 UTC).unix_timestamp();
    seed::snapshot(&conn, s.a1, t + 7_200, 80, Some(900)).await;
    seed::snapshot(&conn, s.a1, t + 86_400, 100, Some(1000)).await;
    seed::snapshot(&conn, s.a1, t + 3_600, 40, None).await;
    let detail = |id: i64| {
        let admin = admin.clone();
        async move {
            admin
                .ok::<PostDetail>("analytics/post", &[("id", &id.to_string())])
                .await
        }
    };
    let d = detail(s.a1).await;
    assert_eq!(d.published_at, t);
    let at: Vec<i64> = d.snapshots.iter().map(|p| p.at).collect();
    assert_eq!(at, [t + 3_600, t + 7_200, t + 86_400]);
    assert_eq!(d.snapshots[0].likes, Some(40));
    assert!(d.snapshots[0].reach.is_none());
    assert_eq!(d.snapshots[2].reach, Some(1000));
    // Alpha's posts and reels of all time by interactions: a0 1,000, a5 131, a1 117,
    // a2 = a3 = 60, a4 44, a6 10, a8 1 (the story apart): 8 posts, a1 third.
    assert_eq!((d.rank, d.ranked_among), (3, 8));
    assert_eq!(d.post.impact, Some(50));
    assert_eq!(d.post.interactions, 117);
    close(d.post.engagement_by_reach, 0.117);
    assert_eq!(d.post.hashtags, ["sunset", "travel"]);
    // A tie shares the better rank: a2 and a3 are both 4th (three posts have more than 60).
    for id in [s.a2, s.a3] {
        let d = detail(id).await;
        assert_eq!((d.rank, d.ranked_among), (4, 8));
    }
    let d = detail(s.a3).await;
    assert!(d.post.impact.is_none() && d.snapshots.is_empty());
    // The reel ranks among the same 8; beta's only post is first of 1.
    assert_eq!(detail(s.a6).await.rank, 7);
    let d = detail(s.b1).await;
    assert_eq!((d.rank, d.ranked_among), (1, 1));
    assert_eq!(d.post.impact, Some(100));
    // A story has its page too, ranked by reach among its account's stories (the only one).
    let d = detail(s.story).await;
    assert_eq!((d.rank, d.ranked_among), (1, 1));
    assert_eq!(d.post.product_type, "STORY");
    admin
        .fails("analytics/post", &[("id", "999999")], StatusCode::NOT_FOUND)
        .await;
    server.stop().await;
}

/// One story snapshot, `hours` after publication: (views, reach, replies, taps forward, taps
/// back, exits).
async fn story_snapshot(
    db: &DatabaseConnection,
    media: i64,
    published: OffsetDateTime,
    hours: f64,
    figures: [i64; 6],
) {
    let at = published.unix_timestamp() + (hours * 3_600.0) as i64;
    let [views, reach, replies, forward, back, exits] = figures;
    db.execute_unprepared(&format!(
        "INSERT INTO media_snapshots (media_id, captured_at, views, reach, replies, taps_forward, \
         taps_back, exits) VALUES ({media}, {at}, {views}, {reach}, {replies}, {forward}, {back}, {exits})"
    ))
    .await
    .unwrap();
}

/// The Stories table: each story's newest figures, the completion rate
/// `(views − exits) / views`, every sort, the account filter, and a story's 24-hour curve.
///
/// | story   | account | published   | reach | views | replies | exits | completion        |
/// |---------|---------|-------------|-------|-------|---------|-------|-------------------|
/// | story   | alpha   | 03-10 10:00 | 9     | —     | —       | —     | —                 |
/// | s2      | alpha   | 03-12 08:00 | 50    | 200   | 4       | 30    | 170 / 200 = 0.85  |
/// | s3      | beta    | 03-11 21:00 | 80    | 100   | 6       | 40    | 60 / 100 = 0.6    |
async fn stories_table(db: Db) {
    let Some((server, admin, s)) = start(db).await else {
        return;
    };
    let conn = Database::connect(&server.database_url).await.unwrap();
    let story = |account, published, reach, views| Media {
        account,
        product_type: "STORY",
        media_type: "IMAGE",
        published,
        caption: "",
        counts: [0, 0, 0, 0],
        reach: Some(reach),
        views: Some(views),
        followers: Some(2000),
    };
    let (t2, t3) = (
        datetime!(2026-03-12 08:00 UTC),
        datetime!(2026-03-11 21:00 UTC),
    );
    let s2 = seed::media(&conn, 300, &story(s.alpha, t2, 50, 200)).await;
    let s3 = seed::media(&conn, 301, &story(s.beta, t3, 80, 100)).await;
    story_snapshot(&conn, s2, t2, 1.0, [80, 30, 1, 20, 2, 10]).await;
    story_snapshot(&conn, s2, t2, 23.5, [200, 50, 4, 150, 10, 30]).await;
    story_snapshot(&conn, s3, t3, 23.0, [100, 80, 6, 50, 5, 40]).await;

    let march = [
        ("query[period][from]", "2026-03-01"),
        ("query[period][to]", "2026-03-31"),
    ];
    let page = |extra: &[(&'static str, &'static str)]| {
        let admin = admin.clone();
        let mut form = march.to_vec();
        form.extend_from_slice(extra);
        async move { admin.ok::<StoriesPage>("analytics/stories", &form).await }
    };
    let order = |p: &StoriesPage| p.stories.iter().map(|s| s.id.0).collect::<Vec<_>>();
    let newest = page(&[]).await;
    assert_eq!(order(&newest), [s2, s3, s.story]);
    assert_eq!((newest.total, newest.page, newest.pages), (3, 1, 1));
    let two = &newest.stories[0];
    assert_eq!((two.reach, two.views), (Some(50), Some(200)));
    assert_eq!((two.depth.replies, two.depth.exits), (Some(4), Some(30)));
    assert_eq!(two.depth.taps_forward, Some(150));
    assert_eq!(
        app::metrics::story_completion(two.views, two.depth.exits),
        Some(0.85)
    );
    for (sort, expected) in [
        ("reach", [s3, s2, s.story]),
        ("views", [s2, s3, s.story]),
        ("replies", [s3, s2, s.story]),
        ("completion", [s2, s3, s.story]),
    ] {
        let p = page(&[("query[sort]", sort)]).await;
        assert_eq!(order(&p), expected, "{sort}");
        assert!(p.stories[0].depth.replies.is_some(), "{sort}");
        // Whatever the sort, the page shown carries its hashtags ("Story #sunset").
        assert_eq!(p.stories[2].hashtags, ["sunset"], "{sort}");
    }
    let beta = s.beta.to_string();
    let only_beta = admin
        .ok::<StoriesPage>(
            "analytics/stories",
            &[
                march[0],
                march[1],
                ("query[period][account]", beta.as_str()),
            ],
        )
        .await;
    assert_eq!(order(&only_beta), [s3]);
    admin
        .fails(
            "analytics/stories",
            &[("query[period][account]", "999999")],
            StatusCode::NOT_FOUND,
        )
        .await;
    admin
        .fails(
            "analytics/stories",
            &[("query[sort]", "likes")],
            StatusCode::BAD_REQUEST,
        )
        .await;

    // The detail: ranked by reach among alpha's two stories, its curve over 24 hours.
    let d = admin
        .ok::<PostDetail>("analytics/post", &[("id", &s2.to_string())])
        .await;
    assert_eq!((d.rank, d.ranked_among), (1, 2));
    let hours: Vec<i64> = d
        .snapshots
        .iter()
        .map(|p| (p.at - d.published_at) / 60)
        .collect();
    assert_eq!(hours, [60, 1410]);
    assert_eq!(d.snapshots[0].replies, Some(1));
    assert_eq!(d.snapshots[1].exits, Some(30));
    server.stop().await;
}

async fn hashtag_table(db: Db) {
    let Some((server, admin, s)) = start(db).await else {
        return;
    };
    let h: Hashtags = admin
        .ok(
            "analytics/hashtags",
            &[("query[from]", "2026-01-01"), ("query[to]", "2026-07-31")],
        )
        .await;
    let rows = &h.rows;
    let tags: Vec<&str> = rows.iter().map(|r| r.tag.as_str()).collect();
    // sunset: a1, a2, b1 (3); travel: a1, a3, a5 (3); beach: a2, a6 (2); quiet: a4 (1).
    // Equal counts alphabetically. The story's, a0's and a8's tags are outside the period.
    assert_eq!(tags, ["sunset", "travel", "beach", "quiet"]);
    let counts: Vec<u32> = rows.iter().map(|r| r.posts).collect();
    assert_eq!(counts, [3, 3, 2, 1]);
    let best = |i: usize| rows[i].best_post.as_ref().expect("a best post");
    // sunset: reach (1,000 + 500 + 100) / 3; engagement (0.117 + 0.12 + 0.12) / 3 = 0.119;
    // best: a2 and b1 tie at 0.12, a2 has more interactions (60 > 12).
    close(rows[0].average_reach, 1600.0 / 3.0);
    close(rows[0].average_engagement, 0.119);
    assert_eq!(best(0).id.0, s.a2);
    assert_eq!(best(0).impact, Some(100));
    // travel: reach (1,000 + 1,000) / 2, a3's unknown; engagement (0.117 + 0.131) / 2 = 0.124;
    // best a5 (0.131).
    close(rows[1].average_reach, 1000.0);
    close(rows[1].average_engagement, 0.124);
    assert_eq!(best(1).id.0, s.a5);
    // beach: reach (500 + 200) / 2 = 350; engagement (0.12 + 0.05) / 2 = 0.085; best a2.
    close(rows[2].average_reach, 350.0);
    close(rows[2].average_engagement, 0.085);
    assert_eq!(best(2).id.0, s.a2);
    // quiet: a4 only, reach 0 → average reach 0, no engagement rate, no best post.
    close(rows[3].average_reach, 0.0);
    assert!(rows[3].average_engagement.is_none());
    assert!(rows[3].best_post.is_none());

    // One account: beta has only #sunset.
    let beta = s.beta.to_string();
    let h: Hashtags = admin
        .ok(
            "analytics/hashtags",
            &[
                ("query[from]", "2026-01-01"),
                ("query[to]", "2026-07-31"),
                ("query[account]", &beta),
            ],
        )
        .await;
    assert_eq!(h.rows.len(), 1);
    close(h.rows[0].average_engagement, 0.12);
    server.stop().await;
}

async fn best_time_grid(db: Db) {
    let Some((server, admin, _s)) = start(db).await else {
        return;
    };
    let grid = |tz: Option<&'static str>| {
        let admin = admin.clone();
        async move {
            let mut f = vec![
                ("query[period][from]", "2026-01-01"),
                ("query[period][to]", "2026-07-31"),
            ];
            if let Some(tz) = tz {
                f.push(("query[tz]", tz));
            }
            admin.ok::<BestTime>("analytics/best-time", &f).await
        }
    };
    let cells = |b: &BestTime| -> Vec<(u8, u8, u32)> {
        b.cells
            .iter()
            .map(|c| (c.weekday, c.hour, c.posts))
            .collect()
    };
    // Paris: CET (+1) until 2026-03-29, CEST (+2) after.
    // a1 Thu 01-15 12:00 → 13h; a2 Thu 07-16 12:00 → 14h; a3 Tue 03-10 09:30 → 10h;
    // a4 Fri 03-20 18:00 → 19h; a5 Thu 02-05 08:00 → 9h; a6 Wed 04-01 20:00 → 22h;
    // b1 Thu 05-07 07:30 → 9h (with a5: winter 08:00 and summer 07:30 UTC meet at 9h).
    let paris = grid(Some("Europe/Paris")).await;
    assert_eq!(paris.tz, "Europe/Paris");
    assert_eq!(
        cells(&paris),
        [
            (1, 10, 1),
            (2, 22, 1),
            (3, 9, 2),
            (3, 13, 1),
            (3, 14, 1),
            (4, 19, 1)
        ]
    );
    let c = &paris.cells;
    // (3, 9): (0.131 + 0.12) / 2; a3 and a4 have no rate, so their cells have no average.
    close(c[2].average_engagement, 0.1255);
    close(c[3].average_engagement, 0.117);
    close(c[4].average_engagement, 0.12);
    assert!(c[0].average_engagement.is_none() && c[5].average_engagement.is_none());
    // UTC (the default): a1 and a2, both 12:00 UTC on a Thursday, share a cell; a5 8h, b1 7h.
    let utc = grid(None).await;
    assert_eq!(utc.tz, "UTC");
    assert_eq!(
        cells(&utc),
        [
            (1, 9, 1),
            (2, 20, 1),
            (3, 7, 1),
            (3, 8, 1),
            (3, 12, 2),
            (4, 18, 1)
        ]
    );
    close(utc.cells[4].average_engagement, (0.117 + 0.12) / 2.0);

    let err = admin
        .fails(
            "analytics/best-time",
            &[("query[tz]", "Mars/Olympus_Mons")],
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    assert_eq!(invalid_field(&err), Some("tz"), "{err:?}");
    server.stop().await;
}

/// Readers may call every query; strangers none.
async fn viewers_read_anonymous_refused(db: Db) {
    let Some((server, admin, s)) = start(db).await else {
        return;
    };
    admin
        .ok::<UserSummary>(
            "users/add",
            &[
                ("username", "victor"),
                ("password", VIEWER_PW),
                ("role", "viewer"),
            ],
        )
        .await;
    let viewer = server.client();
    assert_eq!(
        viewer.login("victor", VIEWER_PW).await.status(),
        StatusCode::OK
    );
    let id = s.a1.to_string();
    let calls: [(&str, Vec<(&str, &str)>); 4] = [
        ("analytics/posts", PERIOD.to_vec()),
        ("analytics/post", vec![("id", id.as_str())]),
        ("analytics/hashtags", vec![("query[days]", "30")]),
        ("analytics/best-time", vec![("query[tz]", "Europe/Paris")]),
    ];
    let anonymous = server.client();
    for (name, form) in &calls {
        // Any answer will do: the figures are checked above.
        viewer.ok::<serde::de::IgnoredAny>(name, form).await;
        assert_eq!(
            anonymous.call(name, form).await.status(),
            StatusCode::UNAUTHORIZED,
            "{name}"
        );
    }
    server.stop().await;
}

per_database!(
    posts_figures_sorting_and_filters,
    posts_pages,
    post_detail,
    stories_table,
    hashtag_table,
    best_time_grid,
    viewers_read_anonymous_refused,
);
