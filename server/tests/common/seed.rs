//! Rows written straight into a test server's database, for figures checked by hand.

use app::dto::Flavour;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, DatabaseConnection, EntityTrait};
use server::store::entities::accounts::{self, DbStatus, SealedToken};
use server::store::entities::{account_insights, media, media_hashtags, media_snapshots};
use time::{Date, OffsetDateTime};

/// A disabled account (the poller leaves it alone; its data still counts).
pub async fn account(db: &DatabaseConnection, name: &str) -> i64 {
    accounts::ActiveModel {
        ig_user_id: Set(format!("ig-{name}")),
        app_user_id: Set(None),
        flavour: Set(Flavour::InstagramLogin),
        username: Set(name.into()),
        name: Set(None),
        profile_picture_url: Set(None),
        followers_count: Set(0),
        follows_count: Set(0),
        media_count: Set(0),
        enabled: Set(false),
        status: Set(DbStatus::Ok),
        status_detail: Set(None),
        retry_after: Set(None),
        token: Set(SealedToken("v1.unused".into())),
        token_issued_at: Set(0),
        token_expires_at: Set(None),
        next_sync_at: Set(0),
        sync_requested: Set(false),
        last_sync_at: Set(None),
        created_at: Set(0),
        ..Default::default()
    }
    .insert(db)
    .await
    .unwrap()
    .id
}

/// One media row with its latest metrics, as a sync would have left it.
#[derive(Clone, Debug)]
pub struct Media {
    pub account: i64,
    /// `FEED`, `REELS` or `STORY`.
    pub product_type: &'static str,
    /// `IMAGE`, `VIDEO` or `CAROUSEL_ALBUM`.
    pub media_type: &'static str,
    pub published: OffsetDateTime,
    pub caption: &'static str,
    /// Likes, comments, saves, shares.
    pub counts: [i64; 4],
    pub reach: Option<i64>,
    pub views: Option<i64>,
    pub followers: Option<i64>,
}

/// Inserts `m` (with `ig_media_id` `m{n}`) and the hashtags of its caption, parsed as the
/// sync parses them; returns its id.
pub async fn media(db: &DatabaseConnection, n: usize, m: &Media) -> i64 {
    let at = m.published.unix_timestamp();
    let [likes, comments, saves, shares] = m.counts;
    let id = media::ActiveModel {
        account_id: Set(m.account),
        ig_media_id: Set(format!("m{n}")),
        caption: Set(Some(m.caption.into())),
        media_type: Set(Some(m.media_type.into())),
        product_type: Set(m.product_type.into()),
        permalink: Set(Some(format!("https://instagram.test/p/m{n}"))),
        thumbnail_url: Set(None),
        published_at: Set(at),
        latest_captured_at: Set(Some(at + 3600)),
        latest_likes: Set(Some(likes)),
        latest_comments: Set(Some(comments)),
        latest_saves: Set(Some(saves)),
        latest_shares: Set(Some(shares)),
        latest_reach: Set(m.reach),
        latest_views: Set(m.views),
        followers_at_capture: Set(m.followers),
        ..Default::default()
    }
    .insert(db)
    .await
    .unwrap()
    .id;
    let tags: Vec<media_hashtags::ActiveModel> = server::graph::hashtags::parse(m.caption)
        .into_iter()
        .map(|tag| media_hashtags::ActiveModel {
            media_id: Set(id),
            tag: Set(tag),
        })
        .collect();
    if !tags.is_empty() {
        media_hashtags::Entity::insert_many(tags)
            .exec(db)
            .await
            .unwrap();
    }
    server::store::post_days::refresh_on(db, &[m.account])
        .await
        .unwrap();
    id
}

/// One snapshot of `media_id` at `at` (unix seconds) with these likes and reach.
pub async fn snapshot(
    db: &DatabaseConnection,
    media_id: i64,
    at: i64,
    likes: i64,
    reach: Option<i64>,
) {
    media_snapshots::ActiveModel {
        media_id: Set(media_id),
        captured_at: Set(at),
        likes: Set(Some(likes)),
        comments: Set(None),
        saves: Set(None),
        shares: Set(None),
        reach: Set(reach),
        views: Set(None),
        impressions: Set(None),
        video_views: Set(None),
        plays: Set(None),
        total_interactions: Set(None),
        ..Default::default()
    }
    .insert(db)
    .await
    .unwrap();
}

/// One day's account insights.
#[derive(Clone, Copy, Debug, Default)]
pub struct Day {
    pub followers: Option<i64>,
    pub reach: Option<i64>,
    pub views: Option<i64>,
}

pub async fn day(db: &DatabaseConnection, account_id: i64, date: Date, d: Day) {
    account_insights::ActiveModel {
        account_id: Set(account_id),
        date: Set(date),
        followers: Set(d.followers),
        follower_delta: Set(None),
        reach: Set(d.reach),
        views: Set(d.views),
        profile_views: Set(None),
        accounts_engaged: Set(None),
        total_interactions: Set(None),
        updated_at: Set(0),
    }
    .insert(db)
    .await
    .unwrap();
}
