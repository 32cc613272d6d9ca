//! `instalytics demo`: the product with no Meta app. The simulator runs in-process; three
//! accounts are connected through the same code admins use (one Instagram Login, one
//! Facebook Login, one whose token then expires so its warning shows); the real sync job
//! collects `days` of history with the simulator's clock stepping a day at a time; then the
//! dashboard starts on a throw-away data directory, with its poller following the clock.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use clap::Parser;
use rand::distributions::{Alphanumeric, DistString};
use time::OffsetDateTime;
use tokio_util::sync::CancellationToken;

use crate::auth::password::Passwords;
use crate::clock::DAY;
use crate::config::ServeArgs;
use crate::crypto::{Cipher, MasterKey};
use crate::dev::graph_sim::{SimConfig, SimServer, Simulator};
use crate::services::accounts::{AccountService, Pick};
use crate::store::accounts::AccountStore;
use crate::store::entities::users::DbRole;
use crate::store::settings::SettingsStore;
use crate::store::users::UserStore;
use crate::sync::{job, SyncContext, SyncSettings};

const ONE_DAY: Duration = Duration::from_secs(DAY as u64);

#[derive(Parser)]
struct Flags {
    #[command(flatten)]
    serve: ServeArgs,
}

/// Removes the demo's data directory however the demo ends.
struct TempDir(std::path::PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

pub async fn run(listen: SocketAddr, days: u32) -> anyhow::Result<()> {
    let dir =
        TempDir(std::env::temp_dir().join(format!("instalytics-demo-{}", std::process::id())));
    std::fs::create_dir_all(&dir.0).context("cannot create the demo data directory")?;
    let config = sim_config(OffsetDateTime::now_utc(), days);
    let start = config.start;
    let sim = Simulator::new(config);
    let sim_server = sim
        .serve("127.0.0.1:0".parse().expect("loopback address"))
        .await
        .context("cannot start the simulator")?;
    let args = demo_args(&dir.0, listen, &sim_server);
    let db = crate::db::open(&args.database.url()).await?;

    let password = Alphanumeric.sample_string(&mut rand::rngs::OsRng, 16);
    let hash = Passwords::new().await?.hash(&password).await?;
    UserStore::new(db.clone())
        .insert("admin", hash, DbRole::Admin)
        .await?;

    let cipher = Arc::new(Cipher::new(MasterKey::load_or_create(None, &dir.0)?));
    let ctx = SyncContext {
        db: db.clone(),
        cipher: cipher.clone(),
        http: crate::graph::transport::client()?,
        graph: Arc::new(args.graph.graph_config()),
        instance: "demo-backfill".into(),
    };
    connect_all(&ctx, &sim, start.unix_timestamp()).await?;
    let sim_accounts = sim.accounts();

    backfill(&ctx, &sim, days).await?;
    // From here on the third account's token (as renewed during the backfill) is dead: the
    // first live poll marks the account for re-authorisation.
    let store = AccountStore::new(db.clone());
    let connected = store.list(None).await?;
    let third = connected
        .iter()
        .find(|a| a.ig_user_id == sim_accounts[2].ig_user_id)
        .context("the third demo account is missing")?;
    let token = ctx.cipher.open(&third.token.0, &third.ig_user_id)?;
    sim.faults().expire_token_at(&token, sim.now());
    // A live poll of every account right away, so the dashboard opens current.
    for account in &connected {
        store.request_sync(account.id).await?;
    }

    let running = crate::start(args).await?;
    let clock = CancellationToken::new();
    tokio::spawn(follow_real_time(sim.clone(), clock.clone()));
    println!();
    println!("Instalytics demo: {}", running.url());
    println!("  sign in as: admin");
    println!("  password:   {password}");
    println!("  ({days} days of simulated history; Ctrl-C ends the demo and deletes its data)");
    let served = running.until_signal().await;
    clock.cancel();
    sim_server.stop().await;
    served.context("server stopped with an error")
}

/// Three accounts whose clock starts `days` before `now`, with as much history again before
/// that, and which keep publishing through the backfill, today and for a year of demo after.
fn sim_config(now: OffsetDateTime, days: u32) -> SimConfig {
    SimConfig {
        accounts: 3,
        media_per_account: 120,
        history_days: 120,
        publishing_days: days + 365,
        start: now - ONE_DAY * days,
        // Pictures from the simulator itself, so thumbnails and avatars show offline.
        local_pictures: true,
        ..SimConfig::default()
    }
}

fn demo_args(dir: &std::path::Path, listen: SocketAddr, sim: &SimServer) -> ServeArgs {
    Flags::parse_from([
        "instalytics".to_owned(),
        "--listen".into(),
        listen.to_string(),
        "--data-dir".into(),
        dir.display().to_string(),
        "--instagram-graph-url".into(),
        sim.instagram_root(),
        "--facebook-graph-url".into(),
        format!("http://{}/facebook", sim.addr),
        // The simulator's app: Facebook Login tokens renew and report their expiry.
        "--facebook-app-id".into(),
        crate::dev::graph_sim::APP_ID.into(),
        "--facebook-app-secret".into(),
        crate::dev::graph_sim::APP_SECRET.into(),
    ])
    .serve
}

/// One poll per account per simulated day, through the real sync job.
async fn backfill(ctx: &SyncContext, sim: &Simulator, days: u32) -> anyhow::Result<()> {
    let settings = SettingsStore::new(ctx.db.clone()).get().await?;
    let settings = SyncSettings {
        interval_secs: settings.poll_interval_secs,
        lookback_days: settings.lookback_days,
    };
    let accounts = AccountStore::new(ctx.db.clone());
    let cancel = CancellationToken::new();
    for day in 1..=days {
        sim.advance(ONE_DAY);
        for account in accounts.list(None).await? {
            job::run(ctx, &account, "schedule", settings, sim.now(), &cancel).await?;
        }
        if day % 10 == 0 || day == days {
            println!("collected {day} of {days} days of history");
        }
    }
    // Line the simulator up with the wall clock the live poller uses.
    let behind = OffsetDateTime::now_utc() - sim.now();
    if behind.is_positive() {
        sim.advance(behind.unsigned_abs());
    }
    Ok(())
}

/// Keeps the simulator's clock on real time so the live poller sees posts keep growing.
async fn follow_real_time(sim: Simulator, stop: CancellationToken) {
    let step = Duration::from_secs(30);
    loop {
        tokio::select! {
            _ = stop.cancelled() => return,
            _ = tokio::time::sleep(step) => sim.advance(step),
        }
    }
}

/// Connects every simulated account as pasting its token would, as issued at `at`.
pub async fn connect_all(ctx: &SyncContext, sim: &Simulator, at: i64) -> anyhow::Result<()> {
    let connector = AccountService::new(ctx);
    for account in sim.accounts() {
        connector
            .connect_token(
                account.flavour,
                &account.token,
                None,
                None,
                at,
                Pick {
                    accounts: Some(std::slice::from_ref(&account.ig_user_id)),
                    workspace: None,
                },
            )
            .await
            .map_err(|e| anyhow::anyhow!("connecting {}: {e}", account.username))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Once the backfill has caught up with the wall clock, every account has posts, reels and
    /// live stories in the dashboard's default 30 days, its newest post of the last day, and
    /// keeps publishing while the demo runs; whatever history length was asked for.
    #[test]
    fn the_demo_accounts_publish_up_to_now_and_on() {
        let now = OffsetDateTime::now_utc();
        for days in [1, 30, 90, 365] {
            let sim = Simulator::new(sim_config(now, days));
            sim.advance(ONE_DAY * days);
            for account in sim.accounts() {
                let recent = |now: OffsetDateTime, within: time::Duration| {
                    let published = sim.published(&account.ig_user_id);
                    move |product: &str| {
                        published
                            .iter()
                            .filter(|(at, p)| *p == product && now - *at < within)
                            .count()
                    }
                };
                let month = recent(now, time::Duration::days(30));
                let what = format!("{} after {days} days", account.username);
                assert!(month("FEED") >= 10, "{what}: {} posts", month("FEED"));
                assert!(month("REELS") >= 2, "{what}: {} reels", month("REELS"));
                assert!(month("STORY") >= 1, "{what}: no live story");
                assert!(
                    recent(now, time::Duration::days(1))("FEED")
                        + recent(now, time::Duration::days(1))("REELS")
                        >= 1,
                    "{what}: nothing in the last day"
                );
            }
            // Three months into the demo they still publish.
            sim.advance(ONE_DAY * 90);
            let later = sim.now();
            for account in sim.accounts() {
                let published = sim.published(&account.ig_user_id);
                assert!(
                    published
                        .iter()
                        .any(|(at, p)| *p != "STORY" && later - *at < time::Duration::days(7)),
                    "{} stopped publishing",
                    account.username
                );
            }
        }
    }
}
