//! `cargo bench -p server --bench graph_sync`: the Graph API calls of one full sync of an
//! account with 1,000 media against the local simulator — requests used and wall time — for
//! a clean account and for issue 12's budget case (5 feed videos from before reels, which
//! refuse `views`, on 5 different pages; goal ≤ 60 requests). The type-specific metrics
//! (watch time, profile actions, story taps) are read as the poller does on the day's first
//! poll (young media, stories, and the older media whose weekday it is;
//! `sync::policy::depth_due`), and the day's later polls (young media and stories only) are
//! measured too. Prints figures; no pass/fail.

use std::sync::Arc;
use std::time::{Duration, Instant};

use server::dev::graph_sim::{SimConfig, Simulator};
use server::graph::models::Media;
use server::graph::{AccessToken, Flavour, GraphClient, GraphConfig};
use server::sync::policy;
use time::OffsetDateTime;

const MEDIA: usize = 1_000;
const RUNS: usize = 5;

#[tokio::main]
async fn main() {
    for (label, legacy) in [("clean account", 0), ("5 legacy feed videos", 5)] {
        measure(label, legacy).await;
    }
}

async fn measure(label: &str, legacy_feed_videos: usize) {
    let sim = Simulator::new(SimConfig {
        media_per_account: MEDIA,
        accounts: 1,
        legacy_feed_videos,
        ..SimConfig::default()
    });
    let server = sim.serve("127.0.0.1:0".parse().unwrap()).await.unwrap();
    let config = Arc::new(GraphConfig {
        instagram_base: server.instagram_base(),
        instagram_root: server.instagram_root(),
        facebook_base: server.facebook_base(),
        ..GraphConfig::meta("v25.0")
    });
    let account = sim.accounts().remove(0);
    let http = reqwest::Client::new();
    let today = sim.now().date();
    // As the poller asks: today (not reported yet) and the three days before.
    let days: Vec<time::Date> = (0..=3)
        .rev()
        .map(|d| today - time::Duration::days(d))
        .collect();

    let now = sim.now().unix_timestamp();
    let mut walls = Vec::with_capacity(RUNS);
    let mut requests = 0;
    let mut media = 0;
    for _ in 0..RUNS {
        let client = GraphClient::new(
            http.clone(),
            config.clone(),
            Flavour::InstagramLogin,
            AccessToken::new(account.token.clone()),
        );
        let started = Instant::now();
        media = poll(&client, &days, due(now, true)).await;
        walls.push(started.elapsed());
        requests = client.requests();
    }
    // A later poll of the same day: only young media and stories are read in depth.
    let later = GraphClient::new(
        http.clone(),
        config.clone(),
        Flavour::InstagramLogin,
        AccessToken::new(account.token.clone()),
    );
    poll(&later, &days, due(now, false)).await;
    walls.sort();
    let median: Duration = walls[RUNS / 2];
    println!("full sync, {label}: {MEDIA} posts/reels + live stories ({media} items):");
    println!(
        "  requests:            {requests} ({:.1} per 100 media; one-call-per-media would need {})",
        requests as f64 * 100.0 / MEDIA as f64,
        MEDIA + 1
    );
    println!(
        "  wall time (median of {RUNS}): {:.1} ms",
        median.as_secs_f64() * 1e3
    );
    println!(
        "  a later poll:        {} requests ({:.1} per 100 media)",
        later.requests(),
        later.requests() as f64 * 100.0 / MEDIA as f64
    );
    server.stop().await;
}

/// Which media a poll at `now` reads in depth, as the poller decides.
fn due(now: i64, first_poll_today: bool) -> impl Fn(&Media) -> bool {
    move |m| {
        let story = m.media_product_type.as_deref() == Some("STORY");
        policy::depth_due(
            &m.id,
            m.timestamp.unix_timestamp(),
            story,
            now,
            first_poll_today,
        )
    }
}

/// One poll's Graph API calls, as the poller makes them (the day's first poll adds the
/// audience calls, counted apart in BENCHMARKS.md); returns the media read.
async fn poll(client: &GraphClient, days: &[time::Date], due: impl Fn(&Media) -> bool) -> usize {
    let id = client.account_id().await.unwrap();
    client.profile(&id).await.unwrap();
    let mut items = client
        .media_since(&id, OffsetDateTime::UNIX_EPOCH)
        .await
        .unwrap();
    items.extend(client.stories(&id).await.unwrap());
    client.deepen(&mut items, due).await.unwrap();
    client.account_days(&id, days).await.unwrap();
    items.len()
}
