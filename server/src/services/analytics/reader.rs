//! What every page reads through: the stores, the peer cache, and the reads several pages
//! share (a query's scope and posts, post summaries with impact scores and hashtags).
//! Imports no page module.

use std::collections::BTreeSet;

use app::dto::{AccountId, PeriodQuery, PostSummary, Reach, WorkspaceId};
use app::error::AppError;
use time::OffsetDateTime;

use super::peers::{self, PeerCache, WindowPeers};
use super::period::Period;
use super::summary::{post_summary, set_depth, set_tags};
use crate::clock::{unix_now, DAY};
use crate::services::workspaces::covered;
use crate::store::analytics::AnalyticsStore;
use crate::store::breakdowns::BreakdownStore;
use crate::store::entities::{media, settings};
use crate::store::settings::SettingsStore;

#[derive(Clone)]
pub(super) struct Reader {
    pub store: AnalyticsStore,
    /// For the lookback window that bounds impact scores' peer groups.
    pub settings: SettingsStore,
    pub peers: PeerCache,
    pub breakdowns: BreakdownStore,
}

/// The period and accounts a query covers.
pub(super) struct Scope {
    pub period: Period,
    pub accounts: Vec<i64>,
    /// `[start, end)` in unix seconds.
    pub bounds: (i64, i64),
}

/// The period's posts and reels of the accounts a query covers, newest first.
pub(super) struct PeriodPosts {
    pub period: Period,
    pub accounts: Vec<i64>,
    /// `[start, end)` in unix seconds.
    pub bounds: (i64, i64),
    pub rows: Vec<(media::Model, String)>,
}

impl Reader {
    /// The accounts a reader asks for: `account`, or every account of `workspace` (of the
    /// reach when `None`). An account or workspace outside the reach is `NotFound`, as an
    /// unknown one is.
    pub async fn accounts(
        &self,
        reach: &Reach,
        workspace: Option<WorkspaceId>,
        account: Option<AccountId>,
    ) -> Result<Vec<i64>, AppError> {
        let covered = covered(reach, workspace, account)?;
        Ok(self
            .store
            .account_ids(covered.workspaces.as_deref(), covered.account)
            .await?)
    }

    /// Parses the period (field errors) and finds the accounts (see [`Self::accounts`]).
    pub async fn scope(&self, reach: &Reach, query: &PeriodQuery) -> Result<Scope, AppError> {
        let today = OffsetDateTime::now_utc().date();
        let period = Period::parse(query, today)?;
        let accounts = self.accounts(reach, query.workspace, query.account).await?;
        Ok(Scope {
            period,
            accounts,
            bounds: period.unix_bounds(),
        })
    }

    /// [`Self::scope`] and its posts.
    pub async fn period_posts(
        &self,
        reach: &Reach,
        query: &PeriodQuery,
    ) -> Result<PeriodPosts, AppError> {
        let Scope {
            period,
            accounts,
            bounds,
        } = self.scope(reach, query).await?;
        let rows = self.store.posts(&accounts, bounds.0, bounds.1).await?;
        Ok(PeriodPosts {
            period,
            accounts,
            bounds,
            rows,
        })
    }

    /// Where the lookback window starts now (unix seconds).
    async fn lookback_start(&self) -> Result<i64, AppError> {
        let settings = self.settings.get().await?;
        Ok(window_start(&settings))
    }

    /// From when every post of `accounts` is still stored (unix seconds): the lookback
    /// window's start, or with older media kept, the oldest post kept if that is earlier.
    pub async fn posts_kept_since(&self, accounts: &[i64]) -> Result<i64, AppError> {
        let settings = self.settings.get().await?;
        let window = window_start(&settings);
        if !settings.keep_old_media {
            return Ok(window);
        }
        let oldest = self.store.oldest_post(accounts).await?;
        Ok(oldest.map_or(window, |at| at.min(window)))
    }

    /// The impact peers of `accounts` with their scores, from the cached peer groups.
    ///
    /// Peers are the lookback window's posts, from the start of its first UTC day (see
    /// [`peers::window_start`]). Posts published before the window (possible until the next
    /// prune deletes them) still get a score: the window then starts at `earliest`, the
    /// oldest moment shown, so every scored post is among its peers.
    pub async fn impact(
        &self,
        accounts: impl IntoIterator<Item = i64>,
        earliest: i64,
    ) -> Result<WindowPeers, AppError> {
        let accounts: Vec<i64> = accounts
            .into_iter()
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        if accounts.is_empty() {
            return Ok(WindowPeers::default());
        }
        let since = self.peers_since(earliest).await?;
        Ok(self
            .peers
            .window_peers(&self.store, &accounts, since)
            .await?)
    }

    /// Where the impact peers of a post published at `earliest` or later begin: the
    /// lookback window's first UTC day, or `earliest`'s if that is earlier.
    pub async fn peers_since(&self, earliest: i64) -> Result<i64, AppError> {
        Ok(peers::window_start(
            self.lookback_start().await?.min(earliest),
        ))
    }

    /// `rows` as summaries with their impact scores (peer groups of their accounts only,
    /// reaching back to `earliest` at least); hashtags are left to the caller.
    pub async fn summaries(
        &self,
        rows: Vec<(media::Model, String)>,
        earliest: i64,
    ) -> Result<Vec<PostSummary>, AppError> {
        let mut posts: Vec<PostSummary> = rows
            .into_iter()
            .map(|(m, name)| post_summary(m, name))
            .collect();
        let scores = self
            .impact(posts.iter().map(|p| p.account_id.0), earliest)
            .await?;
        for p in &mut posts {
            p.impact = scores.score(p.account_id.0, p.id.0);
        }
        Ok(posts)
    }

    /// Fills the hashtags and the type-specific metrics of a page of posts (two queries).
    pub async fn annotate(&self, posts: &mut [PostSummary]) -> Result<(), AppError> {
        self.tag(posts).await?;
        self.deepen(posts).await
    }

    /// Fills the hashtags of a page of posts (one query).
    pub async fn tag(&self, posts: &mut [PostSummary]) -> Result<(), AppError> {
        let ids: Vec<i64> = posts.iter().map(|p| p.id.0).collect();
        set_tags(posts, self.store.tags_of(&ids).await?);
        Ok(())
    }

    /// Fills the type-specific metrics of posts (one query per 5,000).
    pub async fn deepen(&self, posts: &mut [PostSummary]) -> Result<(), AppError> {
        let ids: Vec<i64> = posts.iter().map(|p| p.id.0).collect();
        set_depth(posts, self.store.depth_snapshots(&ids).await?);
        Ok(())
    }
}

/// Where the lookback window starts now (unix seconds).
fn window_start(settings: &settings::Model) -> i64 {
    unix_now() - i64::from(settings.lookback_days) * DAY
}
