//! Reading the collected series for the dashboard. Read-only, and every query is bounded by
//! account and dates so its cost follows the period shown, not the history kept.

use std::collections::HashMap;

use app::dto::{PostKind, PostSort};
use sea_orm::prelude::*;
use sea_orm::sea_query::{Expr, Func, NullOrdering, Order, Query, SimpleExpr};
use sea_orm::{
    Condition, DatabaseConnection, DbBackend, FromQueryResult, QueryOrder, QuerySelect, QueryTrait,
    Select,
};
use time::Date;
use tracing::instrument;

use super::entities::{
    account_insights, accounts, media, media_hashtags, media_snapshots, post_days,
};
use super::workspaces::visible_accounts;
use super::StoreError;
use crate::clock::DAY;

/// An account's first day of daily insights, and its first day with a follower count.
#[derive(Clone, Copy, Debug)]
pub struct FirstDays {
    pub insights: Date,
    pub followers: Option<Date>,
}

/// Stories are not posts: they vanish after a day and have no likes to compare.
pub const STORY: &str = "STORY";

/// A post's interactions in SQL, as `app::metrics::Counts::interactions` computes them: a
/// metric Meta did not report adds nothing.
pub(super) const INTERACTIONS: &str = "(COALESCE(latest_likes, 0) + COALESCE(latest_comments, 0) \
     + COALESCE(latest_saves, 0) + COALESCE(latest_shares, 0))";

/// `interactions / denominator` as a double, NULL unless the denominator is positive: the
/// same IEEE division as `app::metrics::engagement_rate`, so SQL and Rust order alike.
/// `DOUBLE PRECISION` has REAL affinity in SQLite.
fn rate(denominator: &str) -> SimpleExpr {
    Expr::cust(format!(
        "CASE WHEN {denominator} > 0 THEN CAST({INTERACTIONS} AS DOUBLE PRECISION) / {denominator} END"
    ))
}

/// A period's post figures for the Overview, summed in SQL.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Totals {
    pub posts: i64,
    pub interactions: i64,
    /// Interactions and reach over the posts whose reach is known (engagement by reach).
    pub reached_interactions: i64,
    pub reach: i64,
}

/// What the Overview reads of an account's day: the columns it shows, no more.
#[derive(Clone, Copy, Debug, PartialEq, Eq, FromQueryResult)]
pub struct DayFigures {
    pub account_id: i64,
    pub date: Date,
    pub followers: Option<i64>,
    pub reach: Option<i64>,
    pub views: Option<i64>,
}

/// The Posts page filters SQL applies; caption words are matched in Rust (see `posts.rs`).
#[derive(Clone, Copy, Debug, Default)]
pub struct PostFilter<'a> {
    pub kind: Option<PostKind>,
    /// Case-folded, as stored.
    pub hashtag: Option<&'a str>,
}

#[derive(Clone, Debug)]
pub struct AnalyticsStore {
    db: DatabaseConnection,
}

/// What tells an account's media changed, read without scanning them (the analytics
/// service's peer cache keys on it, and lists the Posts page sorted by impact from it): every
/// sync that writes metrics (new posts included) captures anew, so the newest capture moves;
/// a new post without metrics is the newest published (Meta lists media newest first); media
/// are only deleted by the prune, oldest first (`SettingsStore::prune`), so the oldest
/// publication moves.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MediaVersion {
    oldest: Option<i64>,
    newest: Option<i64>,
    captured: Option<i64>,
}

impl AnalyticsStore {
    /// The connection, for the stores that read beside this one.
    pub fn connection(&self) -> &DatabaseConnection {
        &self.db
    }

    pub fn new(db: DatabaseConnection) -> Self {
        Self { db }
    }

    /// The ids of the accounts a page covers (see [`visible_accounts`]).
    pub async fn account_ids(
        &self,
        workspaces: Option<&[i64]>,
        account: Option<i64>,
    ) -> Result<Vec<i64>, StoreError> {
        visible_accounts(&self.db, workspaces, account).await
    }

    /// When the oldest stored post or reel of `accounts` was published.
    #[instrument(skip(self, accounts), err(level = "debug"))]
    pub async fn oldest_post(&self, accounts: &[i64]) -> Result<Option<i64>, StoreError> {
        use media::Column as C;
        Ok(media::Entity::find()
            .select_only()
            .column_as(C::PublishedAt.min(), "oldest")
            .filter(C::AccountId.is_in(accounts.iter().copied()))
            .filter(C::ProductType.ne(STORY))
            .into_tuple::<Option<i64>>()
            .one(&self.db)
            .await?
            .flatten())
    }

    /// Daily insights of `accounts` from `from` to `to`, both included, oldest first.
    #[instrument(skip(self, accounts), err(level = "debug"))]
    pub async fn days(
        &self,
        accounts: &[i64],
        from: Date,
        to: Date,
    ) -> Result<Vec<DayFigures>, StoreError> {
        use account_insights::Column as C;
        Ok(account_insights::Entity::find()
            .select_only()
            .columns([C::AccountId, C::Date, C::Followers, C::Reach, C::Views])
            .filter(C::AccountId.is_in(accounts.iter().copied()))
            .filter(C::Date.between(from, to))
            .order_by_asc(C::Date)
            .into_model()
            .all(&self.db)
            .await?)
    }

    /// Where each account's collected history begins, for those that have any: which
    /// comparisons it can support.
    #[instrument(skip(self, accounts), err(level = "debug"))]
    pub async fn first_days(
        &self,
        accounts: &[i64],
    ) -> Result<HashMap<i64, FirstDays>, StoreError> {
        use account_insights::Column as C;
        // A follower count is only known from the first sync on (Meta gives no history of
        // it), while daily reach and views reach back further.
        let counted = Expr::case(Expr::col(C::Followers).is_not_null(), Expr::col(C::Date));
        let firsts: Vec<(i64, Date, Option<Date>)> = account_insights::Entity::find()
            .select_only()
            .column(C::AccountId)
            .column_as(C::Date.min(), "first")
            .expr_as(Func::min(counted), "first_followers")
            .filter(C::AccountId.is_in(accounts.iter().copied()))
            .group_by(C::AccountId)
            .into_tuple()
            .all(&self.db)
            .await?;
        Ok(firsts
            .into_iter()
            .map(|(id, insights, followers)| {
                (
                    id,
                    FirstDays {
                        insights,
                        followers,
                    },
                )
            })
            .collect())
    }

    /// Each account's last known follower count before `date`: where a period's follower
    /// line starts when its first days have no count of their own.
    #[instrument(skip(self, accounts), err(level = "debug"))]
    pub async fn followers_before(
        &self,
        accounts: &[i64],
        date: Date,
    ) -> Result<Vec<(i64, i64)>, StoreError> {
        use account_insights::Column as C;
        let insight = |c: C| Expr::col((account_insights::Entity, c));
        // One query, one seek on the primary key (account_id, date) per account.
        let last = Query::select()
            .expr(insight(C::Followers))
            .from(account_insights::Entity)
            .and_where(insight(C::AccountId).equals((accounts::Entity, accounts::Column::Id)))
            .and_where(insight(C::Date).lt(date))
            .and_where(insight(C::Followers).is_not_null())
            .order_by((account_insights::Entity, C::Date), Order::Desc)
            .limit(1)
            .to_owned();
        let known: Vec<(i64, Option<i64>)> = accounts::Entity::find()
            .select_only()
            .column(accounts::Column::Id)
            .expr_as(
                SimpleExpr::SubQuery(None, Box::new(last.into_sub_query_statement())),
                "followers",
            )
            .filter(accounts::Column::Id.is_in(accounts.iter().copied()))
            .into_tuple()
            .all(&self.db)
            .await?;
        Ok(known
            .into_iter()
            .filter_map(|(id, followers)| Some((id, followers?)))
            .collect())
    }

    /// Posts and reels of `accounts` published in `[from, until)` (unix seconds), with their
    /// latest metrics and the account's username; newest first.
    #[instrument(skip(self, accounts), err(level = "debug"))]
    pub async fn posts(
        &self,
        accounts: &[i64],
        from: i64,
        until: i64,
    ) -> Result<Vec<(media::Model, String)>, StoreError> {
        self.listing(accounts, from, until, PostFilter::default())
            .await
    }

    /// The figures of the Overview's posts KPIs for the posts published from `from` to `to`
    /// (UTC days, both included), summed from `post_days`: one row per account and day.
    #[instrument(skip(self, accounts), err(level = "debug"))]
    pub async fn totals(
        &self,
        accounts: &[i64],
        from: Date,
        to: Date,
    ) -> Result<Totals, StoreError> {
        let row: Option<(i64, i64, i64, i64)> = days_of(accounts, from, to)
            .select_only()
            .expr_as(sum("posts"), "posts")
            .expr_as(sum("interactions"), "interactions")
            .expr_as(sum("reached_interactions"), "reached_interactions")
            .expr_as(sum("reach"), "reach")
            .into_tuple()
            .one(&self.db)
            .await?;
        Ok(row
            .map(
                |(posts, interactions, reached_interactions, reach)| Totals {
                    posts,
                    interactions,
                    reached_interactions,
                    reach,
                },
            )
            .unwrap_or_default())
    }

    /// The `limit` posts published from `from` to `to` (UTC days, both included) with the
    /// most interactions (then newest first, then highest id).
    ///
    /// Only the account-days that can hold one are read: the `limit`-th highest of the
    /// days' best posts is a floor every winner reaches (that many posts reach it), so the
    /// days whose best is under it are skipped, and each kept day is one index range.
    #[instrument(skip(self, accounts), err(level = "debug"))]
    pub async fn top(
        &self,
        accounts: &[i64],
        from: Date,
        to: Date,
        limit: u64,
    ) -> Result<Vec<(media::Model, String)>, StoreError> {
        use post_days::Column as D;
        // Past this many days with the same best (ties, or posts without metrics) the
        // period's posts are sorted as they are.
        const MOST_DAYS: u64 = 64;
        let bests: Vec<i64> = days_of(accounts, from, to)
            .select_only()
            .column(D::Best)
            .order_by_desc(D::Best)
            .limit(limit)
            .into_tuple()
            .all(&self.db)
            .await?;
        let Some(&floor) = bests.last() else {
            return Ok(Vec::new());
        };
        let days: Vec<(i64, i64)> = days_of(accounts, from, to)
            .select_only()
            .columns([D::AccountId, D::Day])
            .filter(D::Best.gte(floor))
            .limit(MOST_DAYS + 1)
            .into_tuple()
            .all(&self.db)
            .await?;
        let candidates = if days.len() as u64 <= MOST_DAYS {
            use media::Column as C;
            let any = days.iter().fold(Condition::any(), |any, &(account, day)| {
                any.add(
                    Condition::all()
                        .add(C::AccountId.eq(account))
                        .add(C::PublishedAt.gte(day * DAY))
                        .add(C::PublishedAt.lt((day + 1) * DAY)),
                )
            });
            media::Entity::find()
                .filter(any)
                .filter(C::ProductType.ne(STORY))
        } else {
            in_period(accounts, unix_day(from) * DAY, (unix_day(to) + 1) * DAY)
        };
        // The sort carries ids only and the full rows of the winners are read after: on
        // PostgreSQL, sorting 13,000 whole rows for 5 cost about twice the scan.
        let best = most_interactions(candidates)
            .select_only()
            .column(media::Column::Id)
            .limit(limit)
            .into_query();
        let rows = most_interactions(media::Entity::find())
            .filter(media::Column::Id.in_subquery(best))
            .all(&self.db)
            .await?;
        self.named(rows).await
    }

    /// How many posts of `[from, until)` pass `filter`.
    #[instrument(skip(self, accounts), err(level = "debug"))]
    pub async fn count(
        &self,
        accounts: &[i64],
        from: i64,
        until: i64,
        filter: PostFilter<'_>,
    ) -> Result<u64, StoreError> {
        Ok(filtered(accounts, from, until, filter)
            .count(&self.db)
            .await?)
    }

    /// The posts of `[from, until)` passing `filter`, with their usernames, newest first.
    #[instrument(skip(self, accounts), err(level = "debug"))]
    pub async fn listing(
        &self,
        accounts: &[i64],
        from: i64,
        until: i64,
        filter: PostFilter<'_>,
    ) -> Result<Vec<(media::Model, String)>, StoreError> {
        let rows = ties(filtered(accounts, from, until, filter))
            .all(&self.db)
            .await?;
        self.named(rows).await
    }

    /// One page (`limit` rows from `offset`) of the posts of `[from, until)` passing
    /// `filter`, sorted by `sort` (highest first unless `ascending`; unknown values last
    /// either way), with their usernames, and how many posts pass the filter in all.
    /// [`PostSort::Impact`] is computed in Rust, so it cannot be sorted on here: newest first.
    ///
    /// The sort and the count carry ids only and the page's rows are read after: PostgreSQL's
    /// count window buffers every row it counts (at 200 accounts, 133,000 for 30 days), and
    /// whole rows carry captions. Without a kind or hashtag filter the count is `post_days`'s.
    #[allow(clippy::too_many_arguments)]
    #[instrument(skip(self, accounts), err(level = "debug"))]
    pub async fn page(
        &self,
        accounts: &[i64],
        from: i64,
        until: i64,
        filter: PostFilter<'_>,
        (sort, ascending): (PostSort, bool),
        offset: u64,
        limit: u64,
    ) -> Result<(Vec<(media::Model, String)>, u64), StoreError> {
        use media::Column as C;
        let mut find = filtered(accounts, from, until, filter)
            .select_only()
            .column(C::Id);
        let key: Option<SimpleExpr> = match sort {
            PostSort::Published | PostSort::Impact => None,
            PostSort::Likes => Some(Expr::col(C::LatestLikes).into()),
            PostSort::Comments => Some(Expr::col(C::LatestComments).into()),
            PostSort::Saves => Some(Expr::col(C::LatestSaves).into()),
            PostSort::Shares => Some(Expr::col(C::LatestShares).into()),
            PostSort::Reach => Some(Expr::col(C::LatestReach).into()),
            PostSort::Views => Some(Expr::col(C::LatestViews).into()),
            PostSort::EngagementByReach => Some(rate("latest_reach")),
            PostSort::EngagementByFollowers => Some(rate("followers_at_capture")),
        };
        let order = if ascending { Order::Asc } else { Order::Desc };
        find = match key {
            Some(key) => find.order_by_with_nulls(key, order, NullOrdering::Last),
            None if sort == PostSort::Published => find.order_by(C::PublishedAt, order),
            None => find,
        };
        let find = ties(find).offset(offset).limit(limit);
        let counted_days = match filter {
            PostFilter {
                kind: None,
                hashtag: None,
            } => whole_days(from, until),
            _ => None,
        };
        // PostgreSQL counts a filtered page in the same scan (the window is computed before
        // the LIMIT), which halves the work of a hashtag filter's join. SQLite would buffer
        // the period's rows for the window before sorting (slower in the benchmark): it
        // counts apart.
        let (ids, total) = match counted_days {
            Some((first, last)) => (
                find.into_tuple().all(&self.db).await?,
                Some(self.posts_on(accounts, first, last).await?),
            ),
            None if self.db.get_database_backend() == DbBackend::Postgres => {
                self.counted(find).await?
            }
            None => (find.into_tuple().all(&self.db).await?, None),
        };
        let total = match total {
            Some(total) => total,
            None => self.count(accounts, from, until, filter).await?,
        };
        Ok((self.by_ids(&ids).await?, total))
    }

    /// How many posts `accounts` published on the days numbered `first` to `last` (days
    /// since 1970-01-01, UTC), from `post_days`.
    async fn posts_on(&self, accounts: &[i64], first: i64, last: i64) -> Result<u64, StoreError> {
        let posts: Option<i64> = days_between(accounts, first, last)
            .select_only()
            .expr(sum("posts"))
            .into_tuple()
            .one(&self.db)
            .await?;
        Ok(posts.map_or(0, |n| u64::try_from(n).unwrap_or_default()))
    }

    /// The ids `find` selects and how many rows it has before its OFFSET and LIMIT; `None`
    /// when no row came back to carry the count (a page past the end).
    async fn counted(
        &self,
        find: Select<media::Entity>,
    ) -> Result<(Vec<i64>, Option<u64>), StoreError> {
        let statement = find
            .expr_as(Expr::cust("COUNT(*) OVER ()"), "total")
            .build(self.db.get_database_backend());
        let mut total = None;
        let mut ids = Vec::new();
        for row in self.db.query_all(statement).await? {
            total = Some(u64::try_from(row.try_get::<i64>("", "total")?).unwrap_or_default());
            ids.push(row.try_get::<i64>("", "id")?);
        }
        Ok((ids, total))
    }

    /// The ids, accounts and publication times of the posts of `[from, until)` passing
    /// `filter`: what a sort computed in Rust needs, without reading whole rows.
    #[instrument(skip(self, accounts), err(level = "debug"))]
    pub async fn keys(
        &self,
        accounts: &[i64],
        from: i64,
        until: i64,
        filter: PostFilter<'_>,
    ) -> Result<Vec<(i64, i64, i64)>, StoreError> {
        use media::Column as C;
        Ok(filtered(accounts, from, until, filter)
            .select_only()
            .columns([C::Id, C::AccountId, C::PublishedAt])
            .into_tuple()
            .all(&self.db)
            .await?)
    }

    /// The posts `ids`, in that order, with their usernames; unknown ids are left out.
    #[instrument(skip(self), err(level = "debug"))]
    pub async fn by_ids(&self, ids: &[i64]) -> Result<Vec<(media::Model, String)>, StoreError> {
        let mut rows = media::Entity::find()
            .filter(media::Column::Id.is_in(ids.iter().copied()))
            .all(&self.db)
            .await?;
        let place: HashMap<i64, usize> = ids.iter().enumerate().map(|(i, id)| (*id, i)).collect();
        rows.sort_by_key(|m| place.get(&m.id).copied());
        self.named(rows).await
    }

    /// Pairs each row with its account's username.
    async fn named(
        &self,
        rows: Vec<media::Model>,
    ) -> Result<Vec<(media::Model, String)>, StoreError> {
        let accounts: Vec<i64> = rows
            .iter()
            .map(|m| m.account_id)
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        let names: HashMap<i64, String> = self.usernames(&accounts).await?.into_iter().collect();
        Ok(rows
            .into_iter()
            .map(|m| {
                let name = names.get(&m.account_id).cloned().unwrap_or_default();
                (m, name)
            })
            .collect())
    }

    /// The stories of `accounts` published in `[from, until)` with their usernames, newest
    /// first.
    #[instrument(skip(self, accounts), err(level = "debug"))]
    pub async fn stories(
        &self,
        accounts: &[i64],
        from: i64,
        until: i64,
    ) -> Result<Vec<(media::Model, String)>, StoreError> {
        use media::Column as C;
        let rows = ties(
            media::Entity::find()
                .filter(C::AccountId.is_in(accounts.iter().copied()))
                .filter(C::PublishedAt.gte(from))
                .filter(C::PublishedAt.lt(until))
                .filter(C::ProductType.eq(STORY)),
        )
        .all(&self.db)
        .await?;
        self.named(rows).await
    }

    /// The newest reach of each story of `account`: what a story is ranked by.
    #[instrument(skip(self), err(level = "debug"))]
    pub async fn story_reaches(&self, account: i64) -> Result<Vec<Option<i64>>, StoreError> {
        use media::Column as C;
        Ok(media::Entity::find()
            .select_only()
            .column(C::LatestReach)
            .filter(C::AccountId.eq(account))
            .filter(C::ProductType.eq(STORY))
            .into_tuple()
            .all(&self.db)
            .await?)
    }

    /// One post, reel or story with its account's username; `None` for an unknown id.
    #[instrument(skip(self), err(level = "debug"))]
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
    #[instrument(skip(self), err(level = "debug"))]
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

    /// The snapshots of `ids` that hold any type-specific metric, newest first within each
    /// media: each media's newest value of each is the first one met. Read in chunks, so a
    /// long period's stories stay under the databases' limits on bound values.
    #[instrument(skip(self, ids), err(level = "debug"))]
    pub async fn depth_snapshots(
        &self,
        ids: &[i64],
    ) -> Result<Vec<media_snapshots::Model>, StoreError> {
        const CHUNK: usize = 5_000;
        let mut out = Vec::new();
        for chunk in ids.chunks(CHUNK) {
            out.extend(self.depth_chunk(chunk).await?);
        }
        Ok(out)
    }

    async fn depth_chunk(&self, ids: &[i64]) -> Result<Vec<media_snapshots::Model>, StoreError> {
        use media_snapshots::Column as C;
        let any = [
            C::Follows,
            C::ProfileVisits,
            C::ProfileActivity,
            C::AvgWatchMs,
            C::TotalWatchMs,
            C::SkipRate,
            C::Replies,
            C::TapsForward,
        ]
        .into_iter()
        .fold(Condition::any(), |c, col| c.add(col.is_not_null()));
        Ok(media_snapshots::Entity::find()
            .filter(C::MediaId.is_in(ids.iter().copied()))
            .filter(any)
            .order_by_desc(C::CapturedAt)
            .order_by_desc(C::Id)
            .all(&self.db)
            .await?)
    }

    /// The figures posts are compared on (impact score, rank): the non-story posts of
    /// `accounts` published at or after `since`, a few columns each.
    #[instrument(skip(self, accounts), err(level = "debug"))]
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

    /// Each account's [`MediaVersion`]: three correlated `MIN`/`MAX` subqueries per account,
    /// each one seek at an end of an index ((account_id, published_at) and (account_id,
    /// latest_captured_at)), where a `GROUP BY` over `media` would read every row.
    #[instrument(skip(self, accounts), err(level = "debug"))]
    pub async fn versions(
        &self,
        accounts: &[i64],
    ) -> Result<HashMap<i64, MediaVersion>, StoreError> {
        use media::Column as C;
        let of_account = |aggregate: SimpleExpr| {
            SimpleExpr::SubQuery(
                None,
                Box::new(
                    Query::select()
                        .expr(aggregate)
                        .from(media::Entity)
                        .and_where(
                            Expr::col((media::Entity, C::AccountId))
                                .equals((accounts::Entity, accounts::Column::Id)),
                        )
                        .to_owned()
                        .into_sub_query_statement(),
                ),
            )
        };
        /// One account's row of the query below.
        #[derive(FromQueryResult)]
        struct Row {
            id: i64,
            oldest: Option<i64>,
            newest: Option<i64>,
            captured: Option<i64>,
        }
        let rows: Vec<Row> = accounts::Entity::find()
            .select_only()
            .column(accounts::Column::Id)
            .expr_as(
                of_account(Expr::col((media::Entity, C::PublishedAt)).min()),
                "oldest",
            )
            .expr_as(
                of_account(Expr::col((media::Entity, C::PublishedAt)).max()),
                "newest",
            )
            .expr_as(
                of_account(Expr::col((media::Entity, C::LatestCapturedAt)).max()),
                "captured",
            )
            .filter(accounts::Column::Id.is_in(accounts.iter().copied()))
            .into_model()
            .all(&self.db)
            .await?;
        Ok(rows
            .into_iter()
            .map(|r| {
                (
                    r.id,
                    MediaVersion {
                        oldest: r.oldest,
                        newest: r.newest,
                        captured: r.captured,
                    },
                )
            })
            .collect())
    }

    /// The hashtags of the given media, as `(media_id, tag)`. Meant for a page of posts:
    /// the ids are bound parameters, and SQLite accepts at most 32,766 of them.
    #[instrument(skip(self, ids), fields(ids = ids.len()), err(level = "debug"))]
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
    #[instrument(skip(self, accounts), err(level = "debug"))]
    pub async fn tags_in(
        &self,
        accounts: &[i64],
        from: i64,
        until: i64,
        tag: Option<&str>,
    ) -> Result<Vec<(i64, String)>, StoreError> {
        use media_hashtags::Column as C;
        let posts = in_period(accounts, from, until)
            .select_only()
            .column(media::Column::Id)
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

/// The non-story posts of `accounts` published in `[from, until)` (unix seconds): one
/// range of the `(account_id, published_at)` index per account.
fn in_period(accounts: &[i64], from: i64, until: i64) -> Select<media::Entity> {
    use media::Column as C;
    media::Entity::find()
        .filter(C::AccountId.is_in(accounts.iter().copied()))
        .filter(C::PublishedAt.gte(from))
        .filter(C::PublishedAt.lt(until))
        .filter(C::ProductType.ne(STORY))
}

/// `SUM(expression)` as a BIGINT, 0 over no rows: SUM of BIGINT is NUMERIC in PostgreSQL,
/// and SUM of nothing is NULL.
pub(super) fn sum(expression: &str) -> SimpleExpr {
    Expr::cust(format!("CAST(COALESCE(SUM({expression}), 0) AS BIGINT)"))
}

/// Days since 1970-01-01 (UTC), as `post_days` counts them.
fn unix_day(date: Date) -> i64 {
    date.midnight()
        .assume_utc()
        .unix_timestamp()
        .div_euclid(DAY)
}

/// The `post_days` rows of `accounts` from `from` to `to`, both included.
fn days_of(accounts: &[i64], from: Date, to: Date) -> Select<post_days::Entity> {
    days_between(accounts, unix_day(from), unix_day(to))
}

/// The `post_days` rows of `accounts` on the days numbered `first` to `last`.
fn days_between(accounts: &[i64], first: i64, last: i64) -> Select<post_days::Entity> {
    use post_days::Column as D;
    post_days::Entity::find()
        .filter(D::AccountId.is_in(accounts.iter().copied()))
        .filter(D::Day.between(first, last))
}

/// The numbers of the first and last UTC days of `[from, until)` when it is made of whole
/// days, as the dashboard's periods are.
fn whole_days(from: i64, until: i64) -> Option<(i64, i64)> {
    (from % DAY == 0 && until % DAY == 0 && from < until).then(|| (from / DAY, until / DAY - 1))
}

/// Most interactions first, then newest, then highest id.
fn most_interactions(find: Select<media::Entity>) -> Select<media::Entity> {
    ties(find.order_by(Expr::cust(INTERACTIONS), Order::Desc))
}

/// The final order of every listing: newest first, then highest id, so equal rows keep one
/// order across pages.
fn ties(find: Select<media::Entity>) -> Select<media::Entity> {
    find.order_by_desc(media::Column::PublishedAt)
        .order_by_desc(media::Column::Id)
}

/// [`in_period`] narrowed by `filter`.
fn filtered(
    accounts: &[i64],
    from: i64,
    until: i64,
    filter: PostFilter<'_>,
) -> Select<media::Entity> {
    use media::Column as C;
    let mut find = in_period(accounts, from, until);
    if let Some(kind) = filter.kind {
        // `PostKind::of` in SQL (stories are already out).
        const REELS: &str = "REELS";
        let not_reel = C::ProductType.ne(REELS);
        let kind: Condition = match kind {
            PostKind::Reel => Condition::all().add(C::ProductType.eq(REELS)),
            PostKind::Video => Condition::all().add(not_reel).add(C::MediaType.eq("VIDEO")),
            PostKind::Carousel => Condition::all()
                .add(not_reel)
                .add(C::MediaType.eq("CAROUSEL_ALBUM")),
            PostKind::Image => Condition::all().add(not_reel).add(
                Condition::any()
                    .add(C::MediaType.is_null())
                    .add(C::MediaType.is_not_in(["VIDEO", "CAROUSEL_ALBUM"])),
            ),
        };
        find = find.filter(kind);
    }
    if let Some(tag) = filter.hashtag {
        use media_hashtags::Column as H;
        find = find.filter(Expr::exists(
            Query::select()
                .expr(Expr::val(1))
                .from(media_hashtags::Entity)
                .and_where(
                    Expr::col((media_hashtags::Entity, H::MediaId)).equals((media::Entity, C::Id)),
                )
                .and_where(Expr::col((media_hashtags::Entity, H::Tag)).eq(tag))
                .to_owned(),
        ));
    }
    find
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
