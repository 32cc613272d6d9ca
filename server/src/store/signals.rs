//! What the data alerts read: each account's last two daily follower counts, and posts'
//! interactions at a given age from their snapshots.

use sea_orm::prelude::*;
use sea_orm::sea_query::{Expr, Order, Query};
use sea_orm::{DatabaseConnection, FromQueryResult, QueryOrder, QuerySelect};
use time::Date;
use tracing::instrument;

use super::entities::{account_insights, media, media_snapshots};
use super::StoreError;

/// A post with its interactions when it was about a given age.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AgedPost {
    pub id: i64,
    pub account_id: i64,
    pub product_type: String,
    pub media_type: Option<String>,
    pub published_at: i64,
    pub caption: Option<String>,
    /// Likes, comments, saves and shares in the last snapshot at or before the age; `None`
    /// without a snapshot between half the age and the age.
    pub interactions: Option<i64>,
}

#[derive(FromQueryResult)]
struct SnapshotSums {
    media_id: i64,
    likes: Option<i64>,
    comments: Option<i64>,
    saves: Option<i64>,
    shares: Option<i64>,
}

#[derive(Clone, Debug)]
pub struct SignalStore {
    db: DatabaseConnection,
}

impl SignalStore {
    pub fn new(db: DatabaseConnection) -> Self {
        Self { db }
    }

    /// The account's two latest days with a follower count, newest first.
    #[instrument(skip(self), err(level = "debug"))]
    pub async fn last_followers(&self, account: i64) -> Result<Vec<(Date, i64)>, StoreError> {
        use account_insights::Column as C;
        let rows: Vec<(Date, Option<i64>)> = account_insights::Entity::find()
            .select_only()
            .columns([C::Date, C::Followers])
            .filter(C::AccountId.eq(account))
            .filter(C::Followers.is_not_null())
            .order_by_desc(C::Date)
            .limit(2)
            .into_tuple()
            .all(&self.db)
            .await?;
        Ok(rows
            .into_iter()
            .filter_map(|(d, f)| Some((d, f?)))
            .collect())
    }

    /// Posts and reels (not stories) of `accounts` published in `[from, until)`, newest
    /// first, at most `limit` per call, each with its interactions at `age` seconds.
    #[instrument(skip(self, accounts), err(level = "debug"))]
    pub async fn aged_posts(
        &self,
        accounts: &[i64],
        (from, until): (i64, i64),
        age: i64,
        limit: u64,
    ) -> Result<Vec<AgedPost>, StoreError> {
        use media::Column as M;
        let rows = media::Entity::find()
            .filter(M::AccountId.is_in(accounts.iter().copied()))
            .filter(M::ProductType.ne("STORY"))
            .filter(M::PublishedAt.gte(from))
            .filter(M::PublishedAt.lt(until))
            .order_by_desc(M::PublishedAt)
            .limit(limit)
            .all(&self.db)
            .await?;
        let sums = self.at_age(&rows, age).await?;
        Ok(rows
            .into_iter()
            .map(|m| AgedPost {
                interactions: sums.iter().find(|s| s.media_id == m.id).map(|s| {
                    [s.likes, s.comments, s.saves, s.shares]
                        .into_iter()
                        .flatten()
                        .sum()
                }),
                id: m.id,
                account_id: m.account_id,
                product_type: m.product_type,
                media_type: m.media_type,
                published_at: m.published_at,
                caption: m.caption,
            })
            .collect())
    }

    /// Each post's last snapshot taken between `age / 2` and `age` after it was published:
    /// one seek per post on (media_id, captured_at).
    async fn at_age(
        &self,
        posts: &[media::Model],
        age: i64,
    ) -> Result<Vec<SnapshotSums>, StoreError> {
        if posts.is_empty() {
            return Ok(Vec::new());
        }
        use media_snapshots::Column as S;
        let snap = |c: S| Expr::col((media_snapshots::Entity, c));
        let half = age / 2;
        // Correlated on the outer row: the newest capture within the post's first `age`.
        let last = Query::select()
            .expr(Expr::cust("MAX(inner_s.captured_at)"))
            .from_as(
                media_snapshots::Entity,
                sea_orm::sea_query::Alias::new("inner_s"),
            )
            .and_where(Expr::cust("inner_s.media_id = media_snapshots.media_id"))
            .and_where(Expr::cust(format!(
                "inner_s.captured_at <= media.published_at + {age}"
            )))
            .and_where(Expr::cust(format!(
                "inner_s.captured_at >= media.published_at + {half}"
            )))
            .to_owned();
        let q = Query::select()
            .columns([
                (media_snapshots::Entity, S::MediaId),
                (media_snapshots::Entity, S::Likes),
                (media_snapshots::Entity, S::Comments),
                (media_snapshots::Entity, S::Saves),
                (media_snapshots::Entity, S::Shares),
            ])
            .from(media_snapshots::Entity)
            .inner_join(
                media::Entity,
                Expr::col((media::Entity, media::Column::Id))
                    .equals((media_snapshots::Entity, S::MediaId)),
            )
            .and_where(snap(S::MediaId).is_in(posts.iter().map(|p| p.id)))
            .and_where(snap(S::CapturedAt).in_subquery(last))
            .order_by((media_snapshots::Entity, S::MediaId), Order::Asc)
            .to_owned();
        let backend = self.db.get_database_backend();
        Ok(SnapshotSums::find_by_statement(backend.build(&q))
            .all(&self.db)
            .await?)
    }
}
