//! `instalytics generate`: a synthetic history for benchmarks and trying the dashboard at
//! scale: accounts, posts and reels with hashtags, their snapshot curves and daily account
//! insights, written through the store (`AccountStore::import`, then
//! `SeriesStore::write_history` in one transaction per account), so they obey its rules.
//!
//! Everything follows from the seed and `now`: the same arguments give the same rows (times
//! are offsets from `now`). Accounts are written disabled, so a running poller leaves them
//! alone; their token is a placeholder sealed with the instance's key, so `serve` starts.

use std::time::{Duration, Instant};

use app::dto::{
    Flavour, Share, FOLLOWER_DEMOGRAPHICS, FOLLOWS_AND_UNFOLLOWS, ONLINE_FOLLOWERS,
    PROFILE_LINKS_TAPS,
};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, DbErr};
use time::{Date, OffsetDateTime};

use super::graph_sim::rng::Rng;
use crate::clock::DAY;
use crate::crypto::Cipher;
use crate::graph::hashtags::parse as caption_tags;
use crate::store::accounts::{AccountStore, NewAccount};
use crate::store::breakdowns::BreakdownRow;
use crate::store::entities::accounts::SealedToken;
use crate::store::series::{
    Capture, DayRow, History, HistoryDay, MediaHistory, MediaRow, SeriesStore, SnapshotRow,
};
use crate::store::StoreError;

const HOUR: i64 = 3_600;
/// Hours over which a post's numbers approach their final value (about 95 % after 3×).
const SETTLE_HOURS: f64 = 30.0;

/// A few tags, most common first; mixed case, since stored tags are case-folded.
const HASHTAGS: [&str; 16] = [
    "travel",
    "Food",
    "photography",
    "coffee",
    "fitness",
    "design",
    "Berlin",
    "sunset",
    "recipe",
    "tips",
    "behindthescenes",
    "smallbusiness",
    "café",
    "hiking",
    "tech",
    "weekend",
];
const PHRASES: [&str; 8] = [
    "Golden hour",
    "New in",
    "Behind the scenes",
    "Quick tip",
    "Weekend plans",
    "Fresh batch",
    "Tutorial",
    "Throwback",
];
/// How likely a post is published in each UTC hour (relative weights): days, not nights.
const HOUR_WEIGHTS: [u64; 24] = [
    1, 1, 1, 1, 1, 2, 3, 5, 7, 8, 8, 9, 10, 9, 8, 8, 9, 10, 12, 12, 10, 7, 4, 2,
];

/// What to generate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GenerateConfig {
    pub accounts: usize,
    /// Posts and reels per account.
    pub posts: usize,
    /// History length: posts are spread over these days, insights cover them.
    pub days: u32,
    pub seed: u64,
}

impl Default for GenerateConfig {
    fn default() -> Self {
        Self {
            accounts: 20,
            posts: 2_000,
            days: 90,
            seed: 42,
        }
    }
}

/// Rows written per table, and how long it took.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct GenerateReport {
    pub accounts: u64,
    pub media: u64,
    pub hashtags: u64,
    pub snapshots: u64,
    pub insights: u64,
    pub elapsed: Duration,
}

impl GenerateReport {
    pub fn rows(&self) -> u64 {
        self.accounts + self.media + self.hashtags + self.snapshots + self.insights
    }
}

impl std::fmt::Display for GenerateReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} rows in {:.1} s: {} accounts, {} media, {} hashtags, {} snapshots, {} insight days",
            self.rows(),
            self.elapsed.as_secs_f64(),
            self.accounts,
            self.media,
            self.hashtags,
            self.snapshots,
            self.insights
        )
    }
}

#[derive(Debug, thiserror::Error)]
pub enum GenerateError {
    #[error("the database has {0} account(s) already: generate into an empty database")]
    NotEmpty(u64),
    #[error("store: {0}")]
    Store(#[from] StoreError),
    #[error("database: {0}")]
    Db(#[from] DbErr),
}

/// Writes the dataset into `db` (migrated, without accounts). `now` anchors every time.
pub async fn generate(
    db: &DatabaseConnection,
    config: &GenerateConfig,
    cipher: &Cipher,
    now: i64,
) -> Result<GenerateReport, GenerateError> {
    let started = Instant::now();
    let accounts = AccountStore::new(db.clone());
    let series = SeriesStore::new(db.clone());
    // Generated rows mixed into a real instance could not be told apart afterwards.
    let existing = accounts.list(None).await?.len() as u64;
    if existing > 0 {
        return Err(GenerateError::NotEmpty(existing));
    }
    let mut report = GenerateReport::default();
    for index in 0..config.accounts {
        let plan = AccountPlan::new(config, index as u64, now);
        // A failure leaves the accounts written so far; the database is then not empty, and
        // a second run refuses it, as it would any half-generated one.
        let account = accounts
            .import(plan.account(cipher, now), plan.created_at(), now)
            .await?;
        report.accounts += 1;
        let rows = series.write_history(plan.history(account.id, now)).await?;
        report.media += rows.media;
        report.hashtags += rows.hashtags;
        report.snapshots += rows.snapshots;
        report.insights += rows.days;
    }
    if db.get_database_backend() == DbBackend::Postgres {
        // Autovacuum would vacuum and gather statistics soon after a bulk load (PostgreSQL
        // 13 on counts inserts too); without the statistics the planner guesses, and without
        // the visibility map every index-only scan reads the table: the first minutes
        // would measure that instead.
        db.execute_unprepared("VACUUM (ANALYZE)").await?;
    }
    report.elapsed = started.elapsed();
    Ok(report)
}

/// One account's generated history, before it has database ids.
struct AccountPlan {
    ig_user_id: String,
    username: String,
    flavour: Flavour,
    /// The first day with insights; `followers[i]` is the count on `first_day + i`.
    first_day: Date,
    followers: Vec<i64>,
    /// Followers the day before `first_day`, for the first delta.
    followers_before: i64,
    /// Insights of `first_day + i`.
    days: Vec<DayRow>,
    posts: Vec<MediaHistory>,
}

/// A post's numbers once they have settled.
struct Metrics {
    likes: i64,
    comments: i64,
    saves: i64,
    shares: i64,
    reach: i64,
    views: i64,
    /// Feed pictures and albums: follows and profile visits the post led to.
    follows: Option<i64>,
    profile_visits: Option<i64>,
    /// Reels: average watch time (ms) and skip rate (%), which do not grow with age.
    avg_watch_ms: Option<i64>,
    skip_rate: Option<f64>,
}

impl AccountPlan {
    fn new(config: &GenerateConfig, index: u64, now: i64) -> Self {
        let seed = config.seed;
        let mut rng = Rng::new(seed, &[index, 0]);
        let today = day_of(now);
        let days = i64::from(config.days);
        // Insights from the day of the oldest possible post to today.
        let first_day = today - time::Duration::days(days);
        // 1k to 200k followers, growing 0.05–0.4 % a day with daily noise.
        let start = 10f64.powf(rng.range(3.0, 5.3));
        let growth = rng.range(0.0005, 0.004);
        let level = |d: i64, rng: &mut Rng| -> i64 {
            (start * (1.0 + growth).powf(d as f64) * rng.range(0.998, 1.002)).round() as i64
        };
        let followers_before = level(-1, &mut rng);
        let followers: Vec<i64> = (0..=days).map(|d| level(d, &mut rng)).collect();
        let plan_days = followers
            .iter()
            .enumerate()
            .map(|(d, &f)| {
                let mut r = Rng::new(seed, &[index, 1, d as u64]);
                let reach = (f as f64 * r.range(0.12, 0.4)).round() as i64;
                let accounts_engaged = (reach as f64 * r.range(0.03, 0.07)).round() as i64;
                let previous = d.checked_sub(1).map_or(followers_before, |p| followers[p]);
                DayRow {
                    follower_delta: Some(f - previous),
                    reach: Some(reach),
                    views: Some((reach as f64 * r.range(1.8, 2.8)).round() as i64),
                    profile_views: Some((reach as f64 * r.range(0.02, 0.05)).round() as i64),
                    accounts_engaged: Some(accounts_engaged),
                    total_interactions: Some(
                        (accounts_engaged as f64 * r.range(1.4, 2.6)).round() as i64
                    ),
                }
            })
            .collect();

        let mut plan = AccountPlan {
            ig_user_id: format!("17841{seed:05}{index:05}"),
            username: format!("generated_{index:02}"),
            flavour: if index.is_multiple_of(2) {
                Flavour::InstagramLogin
            } else {
                Flavour::FacebookLogin
            },
            first_day,
            followers,
            followers_before,
            days: plan_days,
            posts: Vec::new(),
        };
        let mut times: Vec<i64> = (0..config.posts)
            .map(|i| publish_time(&mut Rng::new(seed, &[index, 2, i as u64]), now, days))
            .collect();
        times.sort_unstable();
        let posts = times
            .iter()
            .enumerate()
            .map(|(i, &published_at)| {
                let mut r = Rng::new(seed, &[index, 3, i as u64]);
                post_plan(&mut r, index, i, published_at, now, days, &|t| {
                    plan.followers_on(t)
                })
            })
            .collect();
        plan.posts = posts;
        plan
    }

    fn followers_on(&self, t: i64) -> i64 {
        let d = (day_of(t) - self.first_day).whole_days();
        usize::try_from(d)
            .ok()
            .and_then(|d| self.followers.get(d))
            .copied()
            .unwrap_or(self.followers_before)
    }

    /// The account as connected: disabled (see [`AccountStore::import`]), its token a
    /// placeholder sealed with the instance's key.
    fn account(&self, cipher: &Cipher, now: i64) -> NewAccount {
        NewAccount {
            ig_user_id: self.ig_user_id.clone(),
            app_user_id: None,
            flavour: self.flavour,
            username: self.username.clone(),
            name: Some(format!("Generated {}", self.username)),
            profile_picture_url: None,
            followers_count: self
                .followers
                .last()
                .copied()
                .unwrap_or(self.followers_before),
            follows_count: 300,
            media_count: self.posts.len() as i64,
            token: SealedToken(cipher.seal("generated-placeholder", &self.ig_user_id)),
            token_expires_at: Some(now + 60 * DAY),
            workspace_id: None,
        }
    }

    /// Connected on the first day of the history.
    fn created_at(&self) -> i64 {
        self.first_day.midnight().assume_utc().unix_timestamp()
    }

    /// The posts, and each day's insights with that day's followers, as read at its end.
    fn history(self, account_id: i64, now: i64) -> History {
        let actions: Vec<(i64, BreakdownRow)> = self
            .followers
            .iter()
            .zip(&self.days)
            .zip(0i64..)
            .flat_map(|((&followers, day), d)| {
                let date = self.first_day + time::Duration::days(d);
                let end_of_day = date.midnight().assume_utc().unix_timestamp() + DAY - 1;
                (end_of_day < now)
                    .then(|| daily_actions(date, end_of_day, followers, day))
                    .into_iter()
                    .flatten()
            })
            .collect();
        let days = self
            .followers
            .iter()
            .zip(self.days)
            .zip(0i64..)
            .map(|((&followers, day), d)| {
                let date = self.first_day + time::Duration::days(d);
                let end_of_day = date.midnight().assume_utc().unix_timestamp() + DAY - 1;
                HistoryDay {
                    date,
                    day,
                    followers: Some(followers),
                    updated_at: end_of_day.min(now),
                }
            })
            .collect();
        let audience: Vec<(i64, BreakdownRow)> = self
            .followers
            .iter()
            .zip(0i64..)
            .step_by(7)
            .flat_map(|(&followers, d)| {
                let date = self.first_day + time::Duration::days(d);
                let at = date.midnight().assume_utc().unix_timestamp();
                (at < now)
                    .then(|| weekly_audience(date, at, followers))
                    .into_iter()
                    .flatten()
            })
            .collect();
        History {
            account_id,
            media: self.posts,
            days,
            breakdowns: audience.into_iter().chain(actions).collect(),
        }
    }
}

/// Countries a generated audience comes from, and their shares of it.
const COUNTRIES: [(&str, f64); 6] = [
    ("US", 0.34),
    ("GB", 0.18),
    ("DE", 0.14),
    ("FR", 0.12),
    ("BR", 0.08),
    ("JP", 0.05),
];

/// A weekly capture: the followers by country, and how many were online each hour of the
/// day starting at `at`.
fn weekly_audience(date: Date, at: i64, followers: i64) -> [(i64, BreakdownRow); 2] {
    let share = |part: f64| (followers as f64 * part).round() as i64;
    let countries = COUNTRIES
        .iter()
        .map(|(code, part)| Share(vec![(*code).to_owned()], share(*part)))
        .collect();
    let total: u64 = HOUR_WEIGHTS.iter().sum();
    let hours = (0..24)
        .map(|h: i64| {
            let part = HOUR_WEIGHTS[h as usize] as f64 / total as f64 * 4.0;
            Share(
                vec![h.to_string(), (at + h * HOUR).to_string()],
                share(part),
            )
        })
        .collect();
    let row = |metric: &str, breakdown: &str, shares| BreakdownRow {
        date,
        metric: metric.into(),
        breakdown: breakdown.into(),
        shares: Ok(shares),
    };
    // Captured at the end of that day.
    let captured = at + DAY - 1;
    [
        (captured, row(FOLLOWER_DEMOGRAPHICS, "country", countries)),
        (captured, row(ONLINE_FOLLOWERS, "hour", hours)),
    ]
}

/// A day's follows and unfollows (their difference is the day's follower change) and profile
/// link taps by button, captured at the day's end.
fn daily_actions(
    date: Date,
    captured: i64,
    followers: i64,
    day: &DayRow,
) -> [(i64, BreakdownRow); 2] {
    let unfollows = (followers as f64 * 0.0008).round() as i64;
    let follows = unfollows + day.follower_delta.unwrap_or(0).max(-unfollows);
    let taps = day.profile_views.unwrap_or(0) / 8;
    let row = |metric: &str, breakdown: &str, shares: Vec<(&str, i64)>| BreakdownRow {
        date,
        metric: metric.into(),
        breakdown: breakdown.into(),
        shares: Ok(shares
            .into_iter()
            .map(|(key, n)| Share(vec![key.to_owned()], n))
            .collect()),
    };
    [
        (
            captured,
            row(
                FOLLOWS_AND_UNFOLLOWS,
                "follow_type",
                vec![("FOLLOWER", follows), ("NON_FOLLOWER", unfollows)],
            ),
        ),
        (
            captured,
            row(
                PROFILE_LINKS_TAPS,
                "contact_button_type",
                vec![
                    ("EMAIL", taps / 2),
                    ("CALL", taps / 4),
                    ("DIRECTION", taps - taps / 2 - taps / 4),
                ],
            ),
        ),
    ]
}

/// A moment in the last `days` days, at a plausible hour, before `now`.
fn publish_time(rng: &mut Rng, now: i64, days: i64) -> i64 {
    let total: u64 = HOUR_WEIGHTS.iter().sum();
    let today = now - now.rem_euclid(DAY);
    loop {
        let day = today - rng.below(days.max(1) as u64) as i64 * DAY;
        let mut pick = rng.below(total);
        let hour = HOUR_WEIGHTS
            .iter()
            .position(|&w| {
                if pick < w {
                    true
                } else {
                    pick -= w;
                    false
                }
            })
            .unwrap_or(12) as i64;
        let t = day + hour * HOUR + rng.below(HOUR as u64) as i64;
        // Today's later hours have not happened yet.
        if t < now {
            return t;
        }
    }
}

fn post_plan(
    r: &mut Rng,
    account: u64,
    index: usize,
    published_at: i64,
    now: i64,
    days: i64,
    followers_on: &impl Fn(i64) -> i64,
) -> MediaHistory {
    let (media_type, product_type) = match r.below(100) {
        0..=39 => ("IMAGE", "FEED"),
        40..=54 => ("VIDEO", "FEED"),
        55..=74 => ("CAROUSEL_ALBUM", "FEED"),
        _ => ("VIDEO", "REELS"),
    };
    let reel = product_type == "REELS";
    // Squaring skews the choice towards the first tags, so a few are common.
    let tag_count = r.below(5);
    let mut caption = PHRASES[r.below(PHRASES.len() as u64) as usize].to_owned();
    for _ in 0..tag_count {
        let u = r.range(0.0, 1.0);
        let tag = HASHTAGS[((u * u) * HASHTAGS.len() as f64) as usize % HASHTAGS.len()];
        caption.push_str(" #");
        caption.push_str(tag);
    }

    let quality = r.range(-1.0, 1.0).exp() * if r.below(50) == 0 { 5.0 } else { 1.0 };
    let reach = followers_on(published_at) as f64
        * r.range(0.2, 0.45)
        * quality
        * if reel { 1.6 } else { 1.0 };
    let likes = reach * r.range(0.02, 0.08);
    let profile_post = product_type == "FEED" && media_type != "VIDEO";
    let final_values = Metrics {
        likes: likes.round() as i64,
        comments: (likes * r.range(0.01, 0.05)).round() as i64,
        saves: (likes * r.range(0.03, 0.12)).round() as i64,
        shares: (likes * r.range(0.02, 0.08)).round() as i64,
        reach: reach.round() as i64,
        views: (reach
            * if reel {
                r.range(2.0, 3.5)
            } else {
                r.range(1.2, 1.6)
            })
        .round() as i64,
        // Drawn last, so the other figures stay those of earlier demos.
        follows: profile_post.then(|| (reach * r.range(0.001, 0.004)).round() as i64),
        profile_visits: profile_post.then(|| (reach * r.range(0.01, 0.03)).round() as i64),
        avg_watch_ms: reel.then(|| r.range(3_500.0, 14_000.0).round() as i64),
        skip_rate: reel.then(|| (r.range(15.0, 60.0) * 10.0).round() / 10.0),
    };
    // As the poller would have seen it: +1 h, +6 h, +24 h, then daily, at most `days` days.
    let mut earlier: Vec<(i64, SnapshotRow)> = [HOUR, 6 * HOUR]
        .into_iter()
        .chain((1..=days).map(|d| d * DAY))
        .map(|age| published_at + age)
        .take_while(|&t| t <= now)
        .map(|t| (t, grown(&final_values, t - published_at)))
        .collect();
    let (captured, snapshot) = match earlier.pop() {
        Some((at, newest)) => (
            Some(Capture {
                at,
                followers: followers_on(at),
            }),
            newest,
        ),
        None => (None, SnapshotRow::default()),
    };
    let ig_media_id = format!("18{account:04}{index:08}");
    MediaHistory {
        media: MediaRow {
            permalink: Some(format!("https://www.instagram.com/p/{ig_media_id}/")),
            ig_media_id,
            hashtags: caption_tags(&caption),
            caption: Some(caption),
            media_type: Some(media_type.to_owned()),
            product_type: product_type.to_owned(),
            thumbnail_url: None,
            published_at,
            snapshot,
        },
        captured,
        earlier,
    }
}

/// `end` scaled to a post's age: fast at first, then a plateau. Monotonic in `age`.
fn grown(end: &Metrics, age: i64) -> SnapshotRow {
    let f = 1.0 - (-(age as f64) / (SETTLE_HOURS * HOUR as f64)).exp();
    let at = |v: i64| (v as f64 * f).round() as i64;
    let (likes, comments, saves, shares) = (
        at(end.likes),
        at(end.comments),
        at(end.saves),
        at(end.shares),
    );
    let views = at(end.views);
    SnapshotRow {
        likes: Some(likes),
        comments: Some(comments),
        saves: Some(saves),
        shares: Some(shares),
        reach: Some(at(end.reach)),
        views: Some(views),
        total_interactions: Some(likes + comments + saves + shares),
        follows: end.follows.map(at),
        profile_visits: end.profile_visits.map(at),
        avg_watch_ms: end.avg_watch_ms,
        total_watch_ms: end.avg_watch_ms.map(|avg| avg * views),
        skip_rate: end.skip_rate,
        ..SnapshotRow::default()
    }
}

fn day_of(unix: i64) -> Date {
    OffsetDateTime::from_unix_timestamp(unix - unix.rem_euclid(DAY))
        .map(|t| t.date())
        .unwrap_or(Date::MIN)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::MasterKey;
    use crate::store::entities::media;
    use sea_orm::{EntityTrait, QueryOrder, Statement};

    const NOW: i64 = 1_795_435_200; // 2026-11-23 12:00 UTC

    async fn count(db: &DatabaseConnection, sql: &str) -> i64 {
        db.query_one(Statement::from_string(DbBackend::Sqlite, sql))
            .await
            .unwrap()
            .unwrap()
            .try_get_by_index::<i64>(0)
            .unwrap()
    }

    async fn generated(
        config: &GenerateConfig,
    ) -> (DatabaseConnection, GenerateReport, tempfile::TempDir) {
        // A file: every pooled connection to `sqlite::memory:` would be its own database.
        let dir = tempfile::tempdir().unwrap();
        let db = crate::db::open(&format!("sqlite://{}/g.db?mode=rwc", dir.path().display()))
            .await
            .unwrap();
        let cipher = Cipher::new(MasterKey::generate());
        let report = generate(&db, config, &cipher, NOW).await.unwrap();
        (db, report, dir)
    }

    #[tokio::test]
    async fn rows_are_consistent_and_follow_from_the_seed() {
        let config = GenerateConfig {
            accounts: 2,
            posts: 150,
            days: 20,
            seed: 7,
        };
        let (db, report, _dir) = generated(&config).await;
        assert_eq!(report.accounts, 2);
        assert_eq!(report.media, 300);
        assert_eq!(report.insights, 2 * 21);
        assert_eq!(
            count(&db, "SELECT COUNT(*) FROM media_snapshots").await as u64,
            report.snapshots
        );
        assert_eq!(
            count(&db, "SELECT COUNT(*) FROM media_hashtags").await as u64,
            report.hashtags
        );
        assert!(report.hashtags > 100, "{report}");
        // Every post is in the window and its latest_* columns repeat its newest snapshot.
        assert_eq!(
            count(
                &db,
                &format!(
                    "SELECT COUNT(*) FROM media WHERE published_at >= {NOW} OR published_at < {}",
                    NOW - 20 * DAY
                )
            )
            .await,
            0
        );
        let mismatched = count(
            &db,
            "SELECT COUNT(*) FROM media m JOIN media_snapshots s ON s.media_id = m.id \
             WHERE s.captured_at = (SELECT MAX(captured_at) FROM media_snapshots WHERE media_id = m.id) \
             AND (s.reach IS NOT m.latest_reach OR s.likes IS NOT m.latest_likes \
                  OR s.captured_at IS NOT m.latest_captured_at)",
        )
        .await;
        assert_eq!(mismatched, 0);
        assert_eq!(
            count(&db, "SELECT COUNT(*) FROM media WHERE latest_captured_at IS NULL AND id IN (SELECT media_id FROM media_snapshots)").await,
            0
        );
        assert_eq!(
            count(&db, "SELECT COUNT(*) FROM accounts WHERE enabled").await,
            0
        );

        let (again, _, _again_dir) = generated(&config).await;
        let rows = |db: DatabaseConnection| async move {
            media::Entity::find()
                .order_by_asc(media::Column::Id)
                .all(&db)
                .await
                .unwrap()
        };
        assert_eq!(rows(db).await, rows(again).await);
    }

    #[tokio::test]
    async fn a_database_with_accounts_is_refused() {
        let config = GenerateConfig {
            accounts: 1,
            posts: 3,
            days: 2,
            seed: 1,
        };
        let (db, _, _dir) = generated(&config).await;
        let cipher = Cipher::new(MasterKey::generate());
        let err = generate(&db, &config, &cipher, NOW).await.unwrap_err();
        assert!(matches!(err, GenerateError::NotEmpty(1)), "{err}");
    }
}
