//! One sync of one account: read everything from the Graph API first, then write it in one
//! transaction together with the run's log entry and the account's new status.
//!
//! Fetching never writes, so cancelling (shutdown) or crashing before the write leaves the
//! previous state exactly as it was (the run is closed as interrupted by the next sync); the
//! write itself is all or nothing, so data is never committed without its run.

use std::sync::Arc;

use app::rules::MetaUrl;
use sea_orm::ActiveEnum;
use time::{Date, OffsetDateTime};
use tokio_util::sync::CancellationToken;
use tracing::{info, instrument, warn};

use super::links::Links;
use super::policy;
use crate::crypto::Cipher;
use crate::graph::metrics::ProductType;
use crate::graph::models::Media;
use crate::graph::{hashtags, AccessToken, GraphClient, GraphConfig, GraphError};
use crate::graph::{AccountDay, MediaWithMetrics};
use crate::store::accounts::{AccountStore, StatusChange};
use crate::store::analytics::STORY;
use crate::store::breakdowns::{BreakdownRow, BreakdownStore};
use crate::store::entities::accounts::{self, DbStatus, SealedToken};
use crate::store::entities::sync_runs::DbOutcome;
use crate::store::series::{
    DayRow, MediaRow, ProfileRow, SeriesStore, SnapshotRow, SyncBatch, SyncClose, TokenExpiry,
};
use crate::store::sync_runs::{RunEnd, SyncRunStore};
use crate::store::StoreError;
use crate::telemetry::metrics;

/// Meta revises the last few days of account insights, so each poll reads them again.
const INSIGHT_DAYS: i64 = 3;

/// What every sync needs; built once and shared by the poller's tasks.
pub struct SyncContext {
    pub db: sea_orm::DatabaseConnection,
    pub cipher: Arc<Cipher>,
    pub http: reqwest::Client,
    pub graph: Arc<GraphConfig>,
    /// This instance's name in lease rows and the sync log.
    pub instance: String,
}

/// The settings a sync runs under.
#[derive(Clone, Copy, Debug)]
pub struct SyncSettings {
    pub interval_secs: i64,
    pub lookback_days: i32,
}

#[derive(Debug, thiserror::Error)]
enum Failure {
    #[error(transparent)]
    Graph(#[from] GraphError),
    #[error("the stored token cannot be opened: {0}")]
    Token(#[from] crate::crypto::CryptoError),
    #[error("cannot store the collected data: {0}")]
    Store(#[from] StoreError),
    #[error("stopped by shutdown before anything was written")]
    Cancelled,
}

impl Failure {
    /// The Sync log's text. Viewers read it, so a database's own message (table names,
    /// file paths, constraint text) stays in the server log, which has it in full.
    fn for_sync_log(&self) -> String {
        match self {
            Failure::Store(_) => {
                "cannot store the collected data: a database error (the server log has the \
                 details); the next sync tries again"
                    .into()
            }
            Failure::Token(_) => {
                "the stored token cannot be opened with the configured master key (the \
                 server log has the details)"
                    .into()
            }
            other => other.to_string(),
        }
    }
}

/// Syncs `account` as of `now` (the real clock, or the simulator's in demo backfill).
#[instrument(skip_all, fields(account = %account.username, id = account.id))]
pub async fn run(
    ctx: &SyncContext,
    account: &accounts::Model,
    trigger: &str,
    settings: SyncSettings,
    now: OffsetDateTime,
    cancel: &CancellationToken,
) -> Result<(), StoreError> {
    let runs = SyncRunStore::new(ctx.db.clone());
    let at = now.unix_timestamp();
    let clock = std::time::Instant::now();
    let run_id = runs.start(account.id, trigger, &ctx.instance, at).await?;

    let (requests, collected) = collect(ctx, account, settings, now, cancel).await;
    let unit = crate::graph::retry::jitter_unit();
    // Measured, not read from the wall clock: demo backfill runs syncs "in the past".
    let finished = || at + policy::secs(clock.elapsed());
    let failure = match collected {
        Ok(Collected { batch, skipped }) => {
            let outcome = if skipped.is_some() {
                DbOutcome::Partial
            } else {
                DbOutcome::Ok
            };
            let stories: Vec<i64> = batch
                .media
                .iter()
                .filter(|m| m.product_type == STORY)
                .map(|m| m.published_at)
                .collect();
            let mut status = policy::after_success(at, settings.interval_secs, unit);
            status.next_sync_at = policy::before_stories_expire(status.next_sync_at, at, stories);
            let close = |rows| SyncClose {
                status,
                run_id,
                run: RunEnd {
                    outcome,
                    requests,
                    rows_written: rows,
                    error: skipped.clone(),
                },
                finished_at: finished(),
            };
            match SeriesStore::new(ctx.db.clone()).write(batch, close).await {
                Ok(rows) => {
                    info!(requests, rows, ?skipped, "sync done");
                    metrics::sync_finished(&outcome.to_value(), clock.elapsed());
                    return Ok(());
                }
                Err(e) => Failure::from(e),
            }
        }
        Err(failure) => failure,
    };

    let outcome = match &failure {
        Failure::Graph(e) => {
            let (outcome, change) =
                policy::after_error(e, account.status, at, settings.interval_secs, unit);
            let store = AccountStore::new(ctx.db.clone());
            if outcome == DbOutcome::NeedsReauth {
                mark_token_dead(ctx, &store, account, &change).await?;
            }
            store.record(account.id, change).await?;
            outcome
        }
        // The account keeps its schedule: the next tick (or instance) tries again.
        Failure::Cancelled => DbOutcome::Cancelled,
        Failure::Token(_) | Failure::Store(_) => {
            let change = policy::after_local_failure(account, at, settings.interval_secs, unit);
            // Best effort: the database may be what failed.
            if let Err(e) = AccountStore::new(ctx.db.clone())
                .record(account.id, change)
                .await
            {
                warn!(error = %e, "cannot reschedule the account");
            }
            DbOutcome::Failed
        }
    };
    warn!(%failure, ?outcome, "sync did not complete");
    metrics::sync_finished(&outcome.to_value(), clock.elapsed());
    let end = RunEnd {
        outcome,
        requests,
        rows_written: 0,
        error: Some(failure.for_sync_log()),
    };
    runs.finish(run_id, end, finished()).await
}

/// A token Meta refuses fails every account it serves (a Facebook user's Pages), so they are
/// marked at once rather than each on its own next poll; reconnecting once fixes them all.
/// Tokens are compared opened: each is sealed to its own account.
async fn mark_token_dead(
    ctx: &SyncContext,
    store: &AccountStore,
    account: &accounts::Model,
    change: &StatusChange,
) -> Result<(), StoreError> {
    let Ok(token) = ctx.cipher.open(&account.token.0, &account.ig_user_id) else {
        return Ok(());
    };
    for other in store.same_user(account).await? {
        let shared = ctx
            .cipher
            .open(&other.token.0, &other.ig_user_id)
            .is_ok_and(|t| t == token);
        if shared && other.status != DbStatus::NeedsReauth {
            info!(account = %other.username, "its token was refused for another account");
            store.record(other.id, change.clone()).await?;
        }
    }
    Ok(())
}

/// What one poll read: the batch to write, and what best-effort part was skipped and why.
struct Collected {
    batch: SyncBatch,
    skipped: Option<String>,
}

/// Reads everything one poll stores; returns the requests used whatever happened.
async fn collect(
    ctx: &SyncContext,
    account: &accounts::Model,
    settings: SyncSettings,
    now: OffsetDateTime,
    cancel: &CancellationToken,
) -> (u32, Result<Collected, Failure>) {
    let token = match ctx.cipher.open(&account.token.0, &account.ig_user_id) {
        Ok(token) => AccessToken::new(token),
        Err(e) => return (0, Err(e.into())),
    };
    let client = GraphClient::new(ctx.http.clone(), ctx.graph.clone(), account.flavour, token);
    let result = tokio::select! {
        _ = cancel.cancelled() => Err(Failure::Cancelled),
        r = fetch(ctx, &client, account, settings, now) => r,
    };
    metrics::graph_usage(account.id, client.usage_percent());
    (client.requests(), result)
}

async fn fetch(
    ctx: &SyncContext,
    client: &GraphClient,
    account: &accounts::Model,
    settings: SyncSettings,
    now: OffsetDateTime,
) -> Result<Collected, Failure> {
    let ig = &account.ig_user_id;
    let profile = client.profile(ig).await?;
    let since = now - time::Duration::days(i64::from(settings.lookback_days));
    let mut media = client.media_since(ig, since).await?;
    // Stories are best effort: the edge documents Facebook Login permissions only, and a
    // refusal must not cost the posts. Earlier story data stays as it was.
    let mut skipped = match client.stories(ig).await {
        Ok(stories) => {
            media.extend(stories);
            None
        }
        Err(e) if policy::fails_the_sync(&e) => return Err(e.into()),
        Err(e) => {
            warn!(error = %e, "stories skipped");
            Some(format!("Stories skipped: {e}"))
        }
    };
    let first_poll_today = !BreakdownStore::new(ctx.db.clone())
        .captured_on(account.id, now.date())
        .await?;
    let at = now.unix_timestamp();
    let due = |m: &Media| {
        let story = ProductType::parse(m.media_product_type.as_deref()) == ProductType::Story;
        let published = m.timestamp.unix_timestamp();
        policy::depth_due(&m.id, published, story, at, first_poll_today)
    };
    // Best effort too: the lifetime metrics every post shares are already in hand.
    match client.deepen(&mut media, due).await {
        Ok(()) => {}
        Err(e) if policy::fails_the_sync(&e) => return Err(e.into()),
        Err(e) => {
            warn!(error = %e, "type-specific media metrics skipped");
            let note = format!("Watch time, profile actions and story taps skipped: {e}");
            skipped = Some(skipped.map_or(note.clone(), |s| format!("{s}; {note}")));
        }
    }
    let today = now.date();
    // Today, which Meta has not reported yet, and the days before it, which it revises.
    let days: Vec<Date> = (0..=INSIGHT_DAYS)
        .rev()
        .map(|back| today - time::Duration::days(back))
        .collect();
    let insights = client.account_days(ig, &days).await?;
    let breakdowns = if first_poll_today {
        daily_breakdowns(client, account, now, &insights).await?
    } else {
        Vec::new()
    };
    let new_token = refresh(ctx, client, account, now).await?;
    let links = Links::new(&ctx.graph);
    let token_expiry = if new_token.is_some() {
        None
    } else {
        token_expiry(client).await
    };

    let batch = SyncBatch {
        account_id: account.id,
        captured_at: now.unix_timestamp(),
        today,
        profile: ProfileRow {
            username: profile.username.unwrap_or_else(|| account.username.clone()),
            name: profile.name,
            profile_picture_url: links.keep(
                "profile_picture_url",
                profile.profile_picture_url,
                MetaUrl::Picture,
            ),
            followers_count: profile.followers_count.unwrap_or(account.followers_count),
            follows_count: profile.follows_count.unwrap_or(account.follows_count),
            media_count: profile.media_count.unwrap_or(account.media_count),
        },
        media: media.into_iter().map(|m| media_row(m, &links)).collect(),
        days: insights
            .into_iter()
            .map(|d| {
                (
                    d.date,
                    DayRow {
                        follower_delta: d.follower_delta,
                        reach: d.reach,
                        views: d.views,
                        profile_views: d.profile_views,
                        accounts_engaged: d.accounts_engaged,
                        total_interactions: d.total_interactions,
                    },
                )
            })
            .collect(),
        breakdowns,
        new_token,
        token_expiry,
    };
    Ok(Collected { batch, skipped })
}

/// On the first poll of each day: the account's demographics and followers online, and its
/// daily metrics by dimension for the last two days Meta reported (it revises recent days).
/// Meta keeps no history of the first and answers the second for 30 days only, so a day not
/// captured is lost.
async fn daily_breakdowns(
    client: &GraphClient,
    account: &accounts::Model,
    now: OffsetDateTime,
    insights: &[AccountDay],
) -> Result<Vec<BreakdownRow>, Failure> {
    let mut captures = client.audience(&account.ig_user_id, now).await?;
    let reported: Vec<_> = insights
        .iter()
        .rev()
        .filter_map(|d| d.window.map(|(start, end)| (d.date, start, end)))
        .take(2)
        .collect();
    captures.extend(
        client
            .account_breakdowns(&account.ig_user_id, &reported)
            .await?,
    );
    Ok(captures
        .into_iter()
        .map(|c| BreakdownRow {
            date: c.date,
            metric: c.metric.to_owned(),
            breakdown: c.breakdown.to_owned(),
            shares: c.shares,
        })
        .collect())
}

/// What `debug_token` says of a Facebook Login token, when the app is configured. Best
/// effort: the call authenticates with the app's token, so its refusal (a wrong app secret,
/// say) says nothing about the account's token, which the sync's other calls have just used.
async fn token_expiry(client: &GraphClient) -> Option<TokenExpiry> {
    match client.debug_token().await {
        Ok(info) => info.map(|t| TokenExpiry {
            // 0 means "never" (a Page token).
            expires_at: t.expires_at.filter(|at| *at > 0),
            data_access_expires_at: t.data_access_expires_at.filter(|at| *at > 0),
        }),
        Err(e) => {
            warn!(error = %e, "debug_token failed; expiry not updated");
            None
        }
    }
}

/// Renews the token when it is due. Only an invalid token fails the sync; any other refresh
/// failure is logged and retried next poll, since the current token still works.
async fn refresh(
    ctx: &SyncContext,
    client: &GraphClient,
    account: &accounts::Model,
    now: OffsetDateTime,
) -> Result<Option<(SealedToken, Option<i64>)>, GraphError> {
    let at = now.unix_timestamp();
    if !policy::refresh_due(
        account.flavour,
        account.token_issued_at,
        account.token_expires_at,
        at,
        ctx.graph.facebook_app.is_some(),
    ) {
        return Ok(None);
    }
    match client.refresh_token().await {
        Ok(grant) => {
            let sealed = ctx
                .cipher
                .seal(grant.access_token.expose(), &account.ig_user_id);
            let expires = grant.expires_in.map(|s| at.saturating_add(s));
            info!(?expires, "token refreshed");
            Ok(Some((SealedToken(sealed), expires)))
        }
        Err(e @ GraphError::TokenInvalid { .. }) => Err(e),
        Err(e) => {
            warn!(error = %e, "token refresh failed; the current token is kept");
            Ok(None)
        }
    }
}

fn media_row(item: MediaWithMetrics, links: &Links) -> MediaRow {
    let MediaWithMetrics {
        media,
        metrics,
        skip_rate,
        navigation,
        ..
    } = item;
    let metric = |name: &str| metrics.get(name).copied();
    let navigated = |action: &str| navigation.get(action).copied();
    let product = ProductType::parse(media.media_product_type.as_deref());
    MediaRow {
        hashtags: media
            .caption
            .as_deref()
            .map(hashtags::parse)
            .unwrap_or_default(),
        ig_media_id: media.id,
        caption: media.caption,
        media_type: media.media_type,
        product_type: match product {
            ProductType::Feed => "FEED",
            ProductType::Reels => "REELS",
            ProductType::Story => "STORY",
            ProductType::Other => "OTHER",
        }
        .to_owned(),
        permalink: links.keep("permalink", media.permalink, MetaUrl::Permalink),
        // Images have no thumbnail: their media_url is the picture itself.
        thumbnail_url: links.keep(
            "thumbnail_url",
            media.thumbnail_url.or(media.media_url),
            MetaUrl::Picture,
        ),
        published_at: media.timestamp.unix_timestamp(),
        snapshot: SnapshotRow {
            likes: metric("likes").or(media.like_count),
            comments: metric("comments").or(media.comments_count),
            saves: metric("saved"),
            shares: metric("shares"),
            reach: metric("reach"),
            views: metric("views"),
            impressions: metric("impressions"),
            video_views: metric("video_views"),
            plays: metric("plays"),
            total_interactions: metric("total_interactions"),
            follows: metric("follows"),
            profile_visits: metric("profile_visits"),
            profile_activity: metric("profile_activity"),
            replies: metric("replies"),
            avg_watch_ms: metric("ig_reels_avg_watch_time"),
            total_watch_ms: metric("ig_reels_video_view_total_time"),
            skip_rate,
            taps_forward: navigated("tap_forward"),
            taps_back: navigated("tap_back"),
            exits: navigated("tap_exit"),
            swipes_forward: navigated("swipe_forward"),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sync_log_does_not_show_database_internals() {
        let internal = "UNIQUE constraint failed: media_snapshots.media_id at /srv/data/x.db";
        let failure = Failure::Store(StoreError::Db(sea_orm::DbErr::Custom(internal.into())));
        assert!(
            failure.to_string().contains(internal),
            "the server log keeps it"
        );
        let shown = failure.for_sync_log();
        assert!(
            !shown.contains("media_snapshots") && !shown.contains("/srv"),
            "{shown}"
        );
        assert!(shown.contains("database error"));
    }
}
