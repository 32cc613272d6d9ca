//! Reading the collected series for the dashboard. Read-only, and every query is bounded by
//! account and dates so its cost follows the period shown, not the history kept.

use std::collections::HashMap;

use sea_orm::prelude::*;
use sea_orm::{DatabaseConnection, FromQueryResult, QueryOrder, QuerySelect, QueryTrait};
use time::Date;
use tracing::instrument;

use super::entities::{account_insights, accounts, media, media_hashtags, media_snapshots};
use super::StoreError;

/// Stories are not posts: they vanish after a day and have no likes to compare.
pub const STORY: &str = "STORY";

#[derive(Clone, Debug)]
pub struct AnalyticsStore {
    db: DatabaseConnection,
}

impl AnalyticsStore {
    pub fn new(db: DatabaseConnection) -> Self {
        Self { db }
    }

    /// The ids of the accounts a page covers: one (if it exists) or all.
    pub async fn account_ids(&self, account: Option<i64>) -> Result<Vec<i64>, StoreError> {
        let mut find = accounts::Entity::find()
            .select_only()
            .column(accounts::Column::Id);
        if let Some(id) = account {
            find = find.filter(accounts::Column::Id.eq(id));
        }
        let ids: Vec<i64> = find.into_tuple().all(&self.db).await?;
        if account.is_some() && ids.is_empty() {
            return Err(StoreError::NotFound);
        }
        Ok(ids)
    }

    /// Daily insights of `accounts` from `from` to `to`, both included, oldest first.
    #[instrument(skip(self, accounts), err)]
    pub async fn days(
        &self,
        accounts: &[i64],
        from: Date,
        to: Date,
    ) -> Result<Vec<account_insights::Model>, StoreError> {
        use account_insights::Column as C;
        Ok(account_insights::Entity::find()
            .filter(C::AccountId.is_in(accounts.iter().copied()))
            .filter(C::Date.between(from, to))
            .order_by_asc(C::Date)
            .all(&self.db)
            .await?)
    }

    /// Each account's last known follower count before `date`: where a period's follower
    /// line starts when its first days have no count of their own.
    #[instrument(skip(self, accounts), err)]
    pub async fn followers_before(
        &self,
        accounts: &[i64],
        date: Date,
    ) -> Result<Vec<(i64, i64)>, StoreError> {
        use account_insights::Column as C;
        let mut known = Vec::with_capacity(accounts.len());
        // One indexed seek per account (primary key account_id, date): accounts are few.
        for &id in accounts {
            let last: Option<Option<i64>> = account_insights::Entity::find()
                .select_only()
                .column(C::Followers)
                .filter(C::AccountId.eq(id))
                .filter(C::Date.lt(date))
                .filter(C::Followers.is_not_null())
                .order_by_desc(C::Date)
                .into_tuple()
                .one(&self.db)
                .await?;
            if let Some(Some(followers)) = last {
                known.push((id, followers));
            }
        }
        Ok(known)
    }

    /// Posts and reels of `accounts` published in `[from, until)` (unix seconds), with their
    /// latest metrics and the account's username; newest first.
    #[instrument(skip(self, accounts), err)]
    pub async fn posts(
        &self,
        accounts: &[i64],
        from: i64,
        until: i64,
    ) -> Result<Vec<(media::Model, String)>, StoreError> {
        use media::Column as C;
        let rows = media::Entity::find()
            .filter(C::AccountId.is_in(accounts.iter().copied()))
            .filter(C::PublishedAt.gte(from))
            .filter(C::PublishedAt.lt(until))
            .filter(C::ProductType.ne(STORY))
            .order_by_desc(C::PublishedAt)
            .all(&self.db)
            .await?;
        let names: HashMap<i64, String> = self.usernames(accounts).await?.into_iter().collect();
        Ok(rows
            .into_iter()
            .map(|m| {
                let name = names.get(&m.account_id).cloned().unwrap_or_default();
                (m, name)
            })
            .collect())
    }

    /// One post, reel or story with its account's username; `None` for an unknown id.
    #[instrument(skip(self), err)]
    pub async fn post(&self, id: i64) -> Result<Option<(media::Model, String)>, StoreError> {
        let Some(m) = media::Entity::find_by_id(id).one(&self.db).await? else {
            return Ok(None);
        };
        let name = self
            .usernames(&[m.account_id])
            .await?
            .into_iter()
            .next()
            .map(|(_, name)| name)
            .unwrap_or_default();
        Ok(Some((m, name)))
    }

    /// Every snapshot of one media, oldest first (id breaks ties between two polls in the
    /// same second).
    #[instrument(skip(self), err)]
    pub async fn snapshots(
        &self,
        media_id: i64,
    ) -> Result<Vec<media_snapshots::Model>, StoreError> {
        use media_snapshots::Column as C;
        Ok(media_snapshots::Entity::find()
            .filter(C::MediaId.eq(media_id))
            .order_by_asc(C::CapturedAt)
            .order_by_asc(C::Id)
            .all(&self.db)
            .await?)
    }

    /// The figures posts are compared on (impact score, rank): the non-story posts of
    /// `accounts` published at or after `since`, a few columns each.
    #[instrument(skip(self, accounts), err)]
    pub async fn peers(&self, accounts: &[i64], since: i64) -> Result<Vec<Peer>, StoreError> {
        use media::Column as C;
        Ok(media::Entity::find()
            .select_only()
            .columns([
                C::Id,
                C::AccountId,
                C::ProductType,
                C::PublishedAt,
                C::LatestLikes,
                C::LatestComments,
                C::LatestSaves,
                C::LatestShares,
                C::LatestReach,
            ])
            .filter(C::AccountId.is_in(accounts.iter().copied()))
            .filter(C::PublishedAt.gte(since))
            .filter(C::ProductType.ne(STORY))
            .into_model::<Peer>()
            .all(&self.db)
            .await?)
    }

    /// The hashtags of the given media, as `(media_id, tag)`. Meant for a page of posts:
    /// the ids are bound parameters, and SQLite accepts at most 32,766 of them.
    #[instrument(skip(self, ids), fields(ids = ids.len()), err)]
    pub async fn tags_of(&self, ids: &[i64]) -> Result<Vec<(i64, String)>, StoreError> {
        use media_hashtags::Column as C;
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        Ok(media_hashtags::Entity::find()
            .select_only()
            .columns([C::MediaId, C::Tag])
            .filter(C::MediaId.is_in(ids.iter().copied()))
            .into_tuple()
            .all(&self.db)
            .await?)
    }

    /// The hashtags of the non-story posts of `accounts` published in `[from, until)`, as
    /// `(media_id, tag)`; only `tag` when given (case-folded, as stored). The post set is a
    /// subquery bounded like [`Self::posts`], so a whole period costs one query whatever its size.
    #[instrument(skip(self, accounts), err)]
    pub async fn tags_in(
        &self,
        accounts: &[i64],
        from: i64,
        until: i64,
        tag: Option<&str>,
    ) -> Result<Vec<(i64, String)>, StoreError> {
        use media_hashtags::Column as C;
        let posts = media::Entity::find()
            .select_only()
            .column(media::Column::Id)
            .filter(media::Column::AccountId.is_in(accounts.iter().copied()))
            .filter(media::Column::PublishedAt.gte(from))
            .filter(media::Column::PublishedAt.lt(until))
            .filter(media::Column::ProductType.ne(STORY))
            .into_query();
        let mut find = media_hashtags::Entity::find()
            .select_only()
            .columns([C::MediaId, C::Tag])
            .filter(C::MediaId.in_subquery(posts));
        if let Some(tag) = tag {
            find = find.filter(C::Tag.eq(tag));
        }
        Ok(find.into_tuple().all(&self.db).await?)
    }

    async fn usernames(&self, ids: &[i64]) -> Result<Vec<(i64, String)>, StoreError> {
        Ok(accounts::Entity::find()
            .select_only()
            .columns([accounts::Column::Id, accounts::Column::Username])
            .filter(accounts::Column::Id.is_in(ids.iter().copied()))
            .into_tuple()
            .all(&self.db)
            .await?)
    }
}

/// A post as its peers see it: enough to score and rank it, without captions or URLs.
#[derive(Clone, Debug, PartialEq, Eq, FromQueryResult)]
pub struct Peer {
    pub id: i64,
    pub account_id: i64,
    pub product_type: String,
    pub published_at: i64,
    pub latest_likes: Option<i64>,
    pub latest_comments: Option<i64>,
    pub latest_saves: Option<i64>,
    pub latest_shares: Option<i64>,
    pub latest_reach: Option<i64>,
}
