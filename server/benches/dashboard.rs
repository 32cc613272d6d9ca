//! `cargo bench -p server --bench dashboard`: latency of the Overview and Posts server
//! functions' backend (`AnalyticsPort`, i.e. the server functions minus HTTP) on a generated
//! history of 20 accounts × 2,000 posts × 90 days. Prints generation time, row counts and
//! p50/p95/max per case; the goal is p95 < 50 ms. No pass/fail.
//!
//! SQLite in a temp dir always; PostgreSQL too when `INSTALYTICS_TEST_PG` names a server
//! (e.g. `postgres://root@127.0.0.1:5432/test`): a fresh database is created and dropped.
//! Smaller runs: `BENCH_ACCOUNTS`, `BENCH_POSTS` (per account), `BENCH_DAYS`; `BENCH_RUNS`
//! sets the timed calls per case (default 50, after 3 warm-ups). `BENCH_KEEP=1` keeps both
//! databases afterwards and prints where they are, to look at query plans; `BENCH_DB=<url>`
//! then times the cases again on one of them without generating anything (same day only: the
//! periods end today). `BENCH_SQLITE=0` leaves SQLite out.

mod common;
// Throwaway PostgreSQL databases, as the tests make them.
#[path = "../tests/common/pg.rs"]
mod pg;

use common::{env_or, percentile, scalar};
use pg::{create_database, drop_database};

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use app::backend::AnalyticsPort;
use app::dto::{PeriodQuery, PostSort, PostsQuery, Reach, POSTS_PAGE_SIZE};
use server::crypto::{Cipher, MasterKey};
use server::dev::generate::{generate, GenerateConfig};
use server::services::analytics::{AnalyticsService, PeerCache};
use server::store::analytics::{AnalyticsStore, PostFilter};
use server::store::settings::SettingsStore;

const WARM_UPS: usize = 3;

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Times `runs` calls of `call` after the warm-ups; prints one line. `call` returns a short
/// description of its answer, so a case that finds nothing shows.
async fn case<F, Fut>(name: &str, runs: usize, mut call: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = String>,
{
    let mut answer = String::new();
    for _ in 0..WARM_UPS {
        answer = call().await;
    }
    let mut samples = Vec::with_capacity(runs);
    for _ in 0..runs {
        let started = Instant::now();
        call().await;
        samples.push(started.elapsed());
    }
    samples.sort_unstable();
    let p95 = percentile(&samples, 0.95);
    println!(
        "  {name:<44} p50 {:>7.1} ms   p95 {:>7.1} ms   max {:>7.1} ms  {}  ({answer})",
        ms(percentile(&samples, 0.5)),
        ms(p95),
        ms(samples[samples.len() - 1]),
        if p95 < Duration::from_millis(50) {
            "ok  "
        } else {
            "SLOW"
        },
    );
}

async fn bench(backend: &str, url: &str, config: &GenerateConfig, runs: usize) {
    let db = server::db::open(url).await.unwrap();
    let report = generate(
        &db,
        config,
        &Cipher::new(MasterKey::generate()),
        server::clock::unix_now(),
    )
    .await
    .unwrap();
    println!("{backend}:");
    println!("  generated {report}");
    println!(
        "  ({:.0} rows/s)",
        report.rows() as f64 / report.elapsed.as_secs_f64()
    );
    cases(&db, runs).await;
}

/// Times every case on `db`, generated or kept from an earlier run.
async fn cases(db: &sea_orm::DatabaseConnection, runs: usize) {
    let now = server::clock::unix_now();
    let first_account = scalar(db, "SELECT MIN(id) FROM accounts").await;
    let port: Arc<dyn AnalyticsPort> = Arc::new(AnalyticsService::new(
        AnalyticsStore::new(db.clone()),
        SettingsStore::new(db.clone()),
    ));

    let all_30 = PeriodQuery {
        account: None,
        days: Some(30),
        from: None,
        to: None,
        workspace: None,
    };
    let one_90 = PeriodQuery {
        account: Some(app::dto::AccountId(first_account)),
        days: Some(90),
        from: None,
        to: None,
        workspace: None,
    };
    let by_reach = PostsQuery {
        period: all_30.clone(),
        sort: PostSort::Reach,
        page: 1,
        ..PostsQuery::default()
    };
    // The generator's most common tag, written "travel" in captions.
    let tagged = PostsQuery {
        hashtag: Some("travel".into()),
        ..by_reach.clone()
    };

    case("overview: all accounts, 30 days", runs, || async {
        let o = port.overview(&Reach::All, &all_30).await.unwrap();
        format!("{} days, {} top posts", o.days.len(), o.top_posts.len())
    })
    .await;
    case("overview: one account, 90 days", runs, || async {
        let o = port.overview(&Reach::All, &one_90).await.unwrap();
        format!("{} days, {} top posts", o.days.len(), o.top_posts.len())
    })
    .await;
    case(
        "posts: all accounts, 30 days, by reach, p1",
        runs,
        || async {
            let p = port.posts(&Reach::All, &by_reach).await.unwrap();
            format!("{} of {} posts", p.posts.len(), p.total)
        },
    )
    .await;
    case("posts: same, #travel", runs, || async {
        let p = port.posts(&Reach::All, &tagged).await.unwrap();
        format!("{} of {} posts", p.posts.len(), p.total)
    })
    .await;
    // Scores are computed in Rust: the period's ids are ranked, the page's rows read.
    let by_impact = PostsQuery {
        period: PeriodQuery {
            days: Some(90),
            ..all_30.clone()
        },
        sort: PostSort::Impact,
        ..by_reach.clone()
    };
    case(
        "posts: all accounts, 90 days, by impact, p1",
        runs,
        || async {
            let p = port.posts(&Reach::All, &by_impact).await.unwrap();
            format!("{} of {} posts", p.posts.len(), p.total)
        },
    )
    .await;

    // Where the time goes: the store's queries those calls run, on their own (row decoding
    // included).
    println!("  store queries inside those calls:");
    let store = AnalyticsStore::new(db.clone());
    let peers = PeerCache::default();
    let ids = store.account_ids(None, None).await.unwrap();
    let today = time::OffsetDateTime::now_utc().date();
    let midnight = today.midnight().assume_utc().unix_timestamp();
    let (day, end) = (86_400, midnight + 86_400);
    let start = end - 30 * day;
    let page_size = u64::from(POSTS_PAGE_SIZE);
    let travel = PostFilter {
        hashtag: Some("travel"),
        ..PostFilter::default()
    };
    case("followers_before(), all accounts", runs, || async {
        let known = store
            .followers_before(&ids, today - time::Duration::days(59))
            .await
            .unwrap();
        format!("{} accounts", known.len())
    })
    .await;
    case("days(), all accounts, 60 days", runs, || async {
        let rows = store
            .days(&ids, today - time::Duration::days(59), today)
            .await
            .unwrap();
        format!("{} rows", rows.len())
    })
    .await;
    case("totals(), all accounts, 30 days", runs, || async {
        let t = store
            .totals(&ids, today - time::Duration::days(29), today)
            .await
            .unwrap();
        format!("{} posts", t.posts)
    })
    .await;
    case("top(), all accounts, 30 days", runs, || async {
        let rows = store
            .top(&ids, today - time::Duration::days(29), today, 5)
            .await
            .unwrap();
        format!("{} rows", rows.len())
    })
    .await;
    case("window_peers(), all accounts (cached)", runs, || async {
        let rows = peers
            .window_peers(&store, &ids, now - 365 * day)
            .await
            .unwrap();
        format!("{} rows", rows.scored().count())
    })
    .await;
    case("page(), all accounts, 30 days, #travel", runs, || async {
        let (rows, total) = store
            .page(
                &ids,
                start,
                end,
                travel,
                (PostSort::Reach, false),
                0,
                page_size,
            )
            .await
            .unwrap();
        format!("{} of {total} rows", rows.len())
    })
    .await;
}

#[tokio::main]
async fn main() {
    let config = GenerateConfig {
        accounts: env_or("BENCH_ACCOUNTS", 20),
        posts: env_or("BENCH_POSTS", 2_000),
        days: env_or("BENCH_DAYS", 90),
        seed: 42,
    };
    let runs: usize = env_or("BENCH_RUNS", 50).max(1);
    if let Ok(url) = std::env::var("BENCH_DB") {
        println!("{url} (kept); {runs} timed calls per case after {WARM_UPS} warm-ups:");
        let db = server::db::open(&url).await.unwrap();
        cases(&db, runs).await;
        return;
    }
    println!(
        "dashboard: {} accounts x {} posts over {} days (seed {}); {runs} timed calls per case after {WARM_UPS} warm-ups; goal p95 < 50 ms",
        config.accounts, config.posts, config.days, config.seed
    );

    let keep = env_or("BENCH_KEEP", 0) != 0;
    if env_or("BENCH_SQLITE", 1) != 0 {
        let dir = tempfile::tempdir().unwrap();
        let sqlite = format!("sqlite://{}/bench.db?mode=rwc", dir.path().display());
        bench("SQLite", &sqlite, &config, runs).await;
        if keep {
            println!("  kept: {}/bench.db", dir.keep().display());
        }
    }

    match std::env::var("INSTALYTICS_TEST_PG") {
        Ok(admin_url) if !admin_url.is_empty() => {
            let name = format!("ig_bench_{}", std::process::id());
            let (admin, url) = create_database(&admin_url, &name).await;
            bench("PostgreSQL", &url, &config, runs).await;
            if keep {
                println!("  kept: database {name}");
                return;
            }
            drop_database(&admin, &name).await;
        }
        _ => println!("PostgreSQL: skipped (set INSTALYTICS_TEST_PG to run it)"),
    }
}
