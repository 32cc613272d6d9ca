//! Writing what one sync collected: the account's profile, media and hashtags, one snapshot
//! per media, and daily account insights, all in one transaction, so a sync that dies
//! mid-way leaves the previous state intact and never half of a poll. A history collected
//! elsewhere (`instalytics generate`) is written by the same rules, many snapshots at once.

use std::collections::HashMap;

use sea_orm::prelude::*;
use sea_orm::sea_query::OnConflict;
use sea_orm::{ActiveValue::Set, DatabaseConnection, IntoActiveModel, QuerySelect};
use time::Date;
use tracing::instrument;

use super::accounts::StatusChange;
use super::entities::accounts::{self, SealedToken};
use super::entities::{account_insights, media, media_hashtags, media_snapshots};
use super::sync_runs::RunEnd;
use super::StoreError;

/// Rows per multi-row INSERT: well under SQLite's and PostgreSQL's bind-parameter limits.
const CHUNK: usize = 500;

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ProfileRow {
    pub username: String,
    pub name: Option<String>,
    pub profile_picture_url: Option<String>,
    pub followers_count: i64,
    pub follows_count: i64,
    pub media_count: i64,
}

/// The metric columns of a snapshot; `None` = not reported.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SnapshotRow {
    pub likes: Option<i64>,
    pub comments: Option<i64>,
    pub saves: Option<i64>,
    pub shares: Option<i64>,
    pub reach: Option<i64>,
    pub views: Option<i64>,
    pub impressions: Option<i64>,
    pub video_views: Option<i64>,
    pub plays: Option<i64>,
    pub total_interactions: Option<i64>,
    pub follows: Option<i64>,
    pub profile_visits: Option<i64>,
    pub profile_activity: Option<i64>,
    pub replies: Option<i64>,
    pub avg_watch_ms: Option<i64>,
    pub total_watch_ms: Option<i64>,
    pub skip_rate: Option<f64>,
    pub taps_forward: Option<i64>,
    pub taps_back: Option<i64>,
    pub exits: Option<i64>,
    pub swipes_forward: Option<i64>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct MediaRow {
    pub ig_media_id: String,
    pub caption: Option<String>,
    pub hashtags: Vec<String>,
    pub media_type: Option<String>,
    pub product_type: String,
    pub permalink: Option<String>,
    pub thumbnail_url: Option<String>,
    pub published_at: i64,
    pub snapshot: SnapshotRow,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DayRow {
    pub follower_delta: Option<i64>,
    pub reach: Option<i64>,
    pub views: Option<i64>,
    pub profile_views: Option<i64>,
    pub accounts_engaged: Option<i64>,
    pub total_interactions: Option<i64>,
}

/// Everything one successful sync of one account writes.
#[derive(Clone, Debug)]
pub struct SyncBatch {
    pub account_id: i64,
    pub captured_at: i64,
    /// The UTC day `captured_at` falls on: its insights row gets today's follower count.
    pub today: Date,
    pub profile: ProfileRow,
    pub media: Vec<MediaRow>,
    pub days: Vec<(Date, DayRow)>,
    /// Demographics, followers online and daily metrics by dimension, once a day (empty on
    /// the day's other polls).
    pub breakdowns: Vec<super::breakdowns::BreakdownRow>,
    /// A refreshed token and its expiry, stored with the data it was used for.
    pub new_token: Option<(SealedToken, Option<i64>)>,
    /// What `debug_token` said of the current token (Facebook Login).
    pub token_expiry: Option<TokenExpiry>,
}

/// A token's end and its data access's end, unix seconds, as Meta reports them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TokenExpiry {
    pub expires_at: Option<i64>,
    pub data_access_expires_at: Option<i64>,
}

/// When a media's metrics were read, and the account's follower count then.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Capture {
    pub at: i64,
    pub followers: i64,
}

/// One media and every snapshot collected of it.
#[derive(Clone, Debug)]
pub struct MediaHistory {
    /// The media as last captured: its `snapshot` is the newest, which the row repeats.
    pub media: MediaRow,
    /// When that was; `None`: never captured (`media.snapshot` is then empty).
    pub captured: Option<Capture>,
    /// The snapshots before it, oldest first.
    pub earlier: Vec<(i64, SnapshotRow)>,
}

/// One day of account insights as collected, with the follower count seen that day.
#[derive(Clone, Debug)]
pub struct HistoryDay {
    pub date: Date,
    pub day: DayRow,
    pub followers: Option<i64>,
    /// When the day was last read.
    pub updated_at: i64,
}

/// An account's collected history, written at once.
#[derive(Clone, Debug)]
pub struct History {
    pub account_id: i64,
    pub media: Vec<MediaHistory>,
    pub days: Vec<HistoryDay>,
    /// Insights by a dimension, each with the time it was captured.
    pub breakdowns: Vec<(i64, super::breakdowns::BreakdownRow)>,
}

/// Rows written, per table.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RowsWritten {
    pub media: u64,
    pub hashtags: u64,
    pub snapshots: u64,
    pub days: u64,
    pub breakdowns: u64,
}

/// How a sync that wrote its batch ends, recorded with the batch.
pub struct SyncClose {
    pub status: StatusChange,
    pub run_id: i64,
    pub run: RunEnd,
    pub finished_at: i64,
}

#[derive(Clone, Debug)]
pub struct SeriesStore {
    db: DatabaseConnection,
}

impl SeriesStore {
    pub fn new(db: DatabaseConnection) -> Self {
        Self { db }
    }

    /// Writes the batch and closes its sync (the account's new status and the run's log
    /// entry, which `close` makes from the rows written) in one transaction, so a crash never
    /// leaves data without its run or a run without its data. Returns the rows written.
    #[instrument(skip(self, batch, close), fields(account_id = batch.account_id, media = batch.media.len()), err(level = "debug"))]
    pub async fn write(
        &self,
        batch: SyncBatch,
        close: impl FnOnce(u64) -> SyncClose,
    ) -> Result<u64, StoreError> {
        let txn = super::begin_write(&self.db).await?;
        let mut rows = 1;
        write_profile(&txn, &batch).await?;

        // Every media row carries this poll's metrics in its `latest_*` columns.
        let capture = Some(Capture {
            at: batch.captured_at,
            followers: batch.profile.followers_count,
        });
        let media: Vec<(&MediaRow, Option<Capture>)> =
            batch.media.iter().map(|m| (m, capture)).collect();
        let (ids, written) = write_media(&txn, batch.account_id, &media).await?;
        rows += written.media + written.hashtags;
        let id_of = |m: &MediaRow| ids[&m.ig_media_id].0;

        let snapshots: Vec<media_snapshots::ActiveModel> = batch
            .media
            .iter()
            .map(|m| snapshot(id_of(m), batch.captured_at, &m.snapshot))
            .collect();
        rows += insert_chunks(&txn, snapshots).await?;

        for (date, day) in &batch.days {
            let followers = (*date == batch.today).then_some(batch.profile.followers_count);
            upsert_day(
                &txn,
                batch.account_id,
                *date,
                day,
                followers,
                batch.captured_at,
            )
            .await?;
            rows += 1;
        }
        let captured: Vec<_> = batch
            .breakdowns
            .iter()
            .map(|row| (row, batch.captured_at))
            .collect();
        rows += super::breakdowns::upsert_on(&txn, batch.account_id, &captured).await?;
        let SyncClose {
            status,
            run_id,
            run,
            finished_at,
        } = close(rows);
        super::accounts::record_on(&txn, batch.account_id, status).await?;
        super::sync_runs::finish_on(&txn, run_id, run, finished_at).await?;
        txn.commit().await?;
        Ok(rows)
    }

    /// Writes an account's collected history in one transaction, by the rules of [`write`]:
    /// media inserted or refreshed (their `latest_*` columns repeat the newest snapshot),
    /// hashtags of new and edited captions, every snapshot, and the days (revised days
    /// overwrite their metrics; followers only where given).
    ///
    /// [`write`]: Self::write
    #[instrument(skip(self, history), fields(account_id = history.account_id, media = history.media.len()), err(level = "debug"))]
    pub async fn write_history(&self, history: History) -> Result<RowsWritten, StoreError> {
        let txn = super::begin_write(&self.db).await?;
        let media: Vec<(&MediaRow, Option<Capture>)> = history
            .media
            .iter()
            .map(|h| (&h.media, h.captured))
            .collect();
        let (ids, mut written) = write_media(&txn, history.account_id, &media).await?;
        let snapshots: Vec<media_snapshots::ActiveModel> = history
            .media
            .iter()
            .flat_map(|h| {
                let id = ids[&h.media.ig_media_id].0;
                h.earlier
                    .iter()
                    .map(move |(at, s)| snapshot(id, *at, s))
                    .chain(h.captured.map(|c| snapshot(id, c.at, &h.media.snapshot)))
            })
            .collect();
        written.snapshots = insert_chunks(&txn, snapshots).await?;
        for d in &history.days {
            upsert_day(
                &txn,
                history.account_id,
                d.date,
                &d.day,
                d.followers,
                d.updated_at,
            )
            .await?;
            written.days += 1;
        }
        let captured: Vec<_> = history
            .breakdowns
            .iter()
            .map(|(at, row)| (row, *at))
            .collect();
        written.breakdowns =
            super::breakdowns::upsert_on(&txn, history.account_id, &captured).await?;
        txn.commit().await?;
        Ok(written)
    }
}

/// Inserts new media and refreshes known ones, one statement per chunk, each row's `latest_*`
/// columns from its capture; re-reads the hashtags of new and edited captions, and rewrites
/// the account's `post_days`. Returns the account's media by Instagram id, and the media (new
/// or edited) and hashtag rows written.
async fn write_media(
    txn: &impl ConnectionTrait,
    account_id: i64,
    media: &[(&MediaRow, Option<Capture>)],
) -> Result<(HashMap<String, (i64, Option<String>)>, RowsWritten), StoreError> {
    let known = media_ids(txn, account_id).await?;
    let (fresh, edited): (Vec<&MediaRow>, Vec<&MediaRow>) = media
        .iter()
        .map(|(m, _)| *m)
        .filter(|m| {
            known
                .get(&m.ig_media_id)
                .is_none_or(|(_, c)| *c != m.caption)
        })
        .partition(|m| !known.contains_key(&m.ig_media_id));
    for chunk in media.chunks(CHUNK) {
        media::Entity::insert_many(
            chunk
                .iter()
                .map(|(m, capture)| media_row(account_id, m, *capture)),
        )
        .on_conflict(
            OnConflict::columns([media::Column::AccountId, media::Column::IgMediaId])
                .update_columns(REFRESHED)
                .to_owned(),
        )
        .exec_without_returning(txn)
        .await?;
    }
    // An edited caption may name other hashtags: they are parsed again below.
    for m in &edited {
        media_hashtags::Entity::delete_many()
            .filter(media_hashtags::Column::MediaId.eq(known[&m.ig_media_id].0))
            .exec(txn)
            .await?;
    }
    let written = (fresh.len() + edited.len()) as u64;
    let ids = if fresh.is_empty() {
        known
    } else {
        media_ids(txn, account_id).await?
    };
    let tags: Vec<media_hashtags::ActiveModel> = fresh
        .iter()
        .chain(&edited)
        .flat_map(|m| {
            let media_id = ids[&m.ig_media_id].0;
            m.hashtags
                .iter()
                .map(move |tag| media_hashtags::ActiveModel {
                    media_id: Set(media_id),
                    tag: Set(tag.clone()),
                })
        })
        .collect();
    let hashtags = insert_chunks(txn, tags).await?;
    super::post_days::refresh_on(txn, &[account_id]).await?;
    Ok((
        ids,
        RowsWritten {
            media: written,
            hashtags,
            ..RowsWritten::default()
        },
    ))
}

async fn write_profile(txn: &impl ConnectionTrait, batch: &SyncBatch) -> Result<(), StoreError> {
    let p = &batch.profile;
    let mut row = accounts::ActiveModel {
        id: Set(batch.account_id),
        username: Set(p.username.clone()),
        name: Set(p.name.clone()),
        profile_picture_url: Set(p.profile_picture_url.clone()),
        followers_count: Set(p.followers_count),
        follows_count: Set(p.follows_count),
        media_count: Set(p.media_count),
        ..Default::default()
    };
    if let Some(expiry) = batch.token_expiry {
        row.token_expires_at = Set(expiry.expires_at);
        row.data_access_expires_at = Set(expiry.data_access_expires_at);
    }
    if let Some((token, expires)) = &batch.new_token {
        row.token = Set(token.clone());
        row.token_expires_at = Set(*expires);
        row.token_issued_at = Set(batch.captured_at);
    }
    match row.update(txn).await {
        // Deleted while its sync ran: nothing to write to.
        Err(DbErr::RecordNotUpdated) => Err(StoreError::NotFound),
        other => other.map(drop).map_err(Into::into),
    }
}

/// `ig_media_id` → (row id, caption) for one account.
async fn media_ids(
    txn: &impl ConnectionTrait,
    account_id: i64,
) -> Result<HashMap<String, (i64, Option<String>)>, StoreError> {
    Ok(media::Entity::find()
        .select_only()
        .columns([
            media::Column::IgMediaId,
            media::Column::Id,
            media::Column::Caption,
        ])
        .filter(media::Column::AccountId.eq(account_id))
        .into_tuple::<(String, i64, Option<String>)>()
        .all(txn)
        .await?
        .into_iter()
        .map(|(ig, id, caption)| (ig, (id, caption)))
        .collect())
}

/// What a poll overwrites on a media row it knows already.
const REFRESHED: [media::Column; 11] = [
    media::Column::Caption,
    media::Column::Permalink,
    media::Column::ThumbnailUrl,
    media::Column::LatestCapturedAt,
    media::Column::LatestLikes,
    media::Column::LatestComments,
    media::Column::LatestSaves,
    media::Column::LatestShares,
    media::Column::LatestReach,
    media::Column::LatestViews,
    media::Column::FollowersAtCapture,
];

fn media_row(account_id: i64, m: &MediaRow, capture: Option<Capture>) -> media::ActiveModel {
    let s = &m.snapshot;
    media::ActiveModel {
        account_id: Set(account_id),
        ig_media_id: Set(m.ig_media_id.clone()),
        caption: Set(m.caption.clone()),
        media_type: Set(m.media_type.clone()),
        product_type: Set(m.product_type.clone()),
        permalink: Set(m.permalink.clone()),
        thumbnail_url: Set(m.thumbnail_url.clone()),
        published_at: Set(m.published_at),
        latest_captured_at: Set(capture.map(|c| c.at)),
        latest_likes: Set(s.likes),
        latest_comments: Set(s.comments),
        latest_saves: Set(s.saves),
        latest_shares: Set(s.shares),
        latest_reach: Set(s.reach),
        latest_views: Set(s.views),
        followers_at_capture: Set(capture.map(|c| c.followers)),
        ..Default::default()
    }
}

fn snapshot(media_id: i64, captured_at: i64, s: &SnapshotRow) -> media_snapshots::ActiveModel {
    media_snapshots::ActiveModel {
        media_id: Set(media_id),
        captured_at: Set(captured_at),
        likes: Set(s.likes),
        comments: Set(s.comments),
        saves: Set(s.saves),
        shares: Set(s.shares),
        reach: Set(s.reach),
        views: Set(s.views),
        impressions: Set(s.impressions),
        video_views: Set(s.video_views),
        plays: Set(s.plays),
        total_interactions: Set(s.total_interactions),
        follows: Set(s.follows),
        profile_visits: Set(s.profile_visits),
        profile_activity: Set(s.profile_activity),
        replies: Set(s.replies),
        avg_watch_ms: Set(s.avg_watch_ms),
        total_watch_ms: Set(s.total_watch_ms),
        skip_rate: Set(s.skip_rate),
        taps_forward: Set(s.taps_forward),
        taps_back: Set(s.taps_back),
        exits: Set(s.exits),
        swipes_forward: Set(s.swipes_forward),
        ..Default::default()
    }
}

async fn insert_chunks<A>(txn: &impl ConnectionTrait, rows: Vec<A>) -> Result<u64, StoreError>
where
    A: ActiveModelTrait,
    <A::Entity as EntityTrait>::Model: IntoActiveModel<A>,
{
    let n = rows.len() as u64;
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<A> = rows.by_ref().take(CHUNK).collect();
        <A::Entity as EntityTrait>::insert_many(chunk)
            .exec_without_returning(txn)
            .await?;
    }
    Ok(n)
}

/// Meta revises recent days, so a day seen again overwrites its metrics. Followers are only
/// known for the day of the poll; older rows keep the count seen on their own day.
async fn upsert_day(
    txn: &impl ConnectionTrait,
    account_id: i64,
    date: Date,
    day: &DayRow,
    followers: Option<i64>,
    now: i64,
) -> Result<(), StoreError> {
    use account_insights::Column as C;
    let mut update = vec![
        C::FollowerDelta,
        C::Reach,
        C::Views,
        C::ProfileViews,
        C::AccountsEngaged,
        C::TotalInteractions,
        C::UpdatedAt,
    ];
    if followers.is_some() {
        update.push(C::Followers);
    }
    account_insights::Entity::insert(account_insights::ActiveModel {
        account_id: Set(account_id),
        date: Set(date),
        followers: Set(followers),
        follower_delta: Set(day.follower_delta),
        reach: Set(day.reach),
        views: Set(day.views),
        profile_views: Set(day.profile_views),
        accounts_engaged: Set(day.accounts_engaged),
        total_interactions: Set(day.total_interactions),
        updated_at: Set(now),
    })
    .on_conflict(
        OnConflict::columns([C::AccountId, C::Date])
            .update_columns(update)
            .to_owned(),
    )
    .exec_without_returning(txn)
    .await?;
    Ok(())
}
