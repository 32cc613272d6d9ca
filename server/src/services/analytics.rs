//! The dashboard's figures ([`AnalyticsPort`]), computed from the stored series with the
//! definitions in `app::metrics`, so every page and the CSV agree.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use app::backend::AnalyticsPort;
use app::dto::{
    BestTime, BestTimeQuery, DayPoint, Hashtags, Kpi, KpiUnit, Overview, PeriodQuery, PostDetail,
    PostSummary, PostsPage, PostsQuery,
};
use app::error::AppError;
use app::metrics::{self, Counts};
use async_trait::async_trait;
use time::{Date, OffsetDateTime};

use super::period::Period;
use super::{best_time, hashtags, impact, post_detail, posts, utc};
use crate::clock::unix_now;
use crate::graph::hashtags::parse as caption_tags;
use crate::store::analytics::{AnalyticsStore, Totals};
use crate::store::entities::{account_insights, media};
use crate::store::settings::SettingsStore;

/// How many posts the Overview lists as the period's best.
const TOP_POSTS: u64 = 5;

const DAY: i64 = 86_400;

#[derive(Clone)]
pub struct AnalyticsService {
    pub store: AnalyticsStore,
    /// For the lookback window that bounds impact scores' peer groups.
    pub settings: SettingsStore,
}

#[async_trait]
impl AnalyticsPort for AnalyticsService {
    async fn overview(&self, query: &PeriodQuery) -> Result<Overview, AppError> {
        let Scope {
            period,
            accounts,
            bounds: (start, end),
        } = self.scope(query).await?;
        let previous = period.previous();
        let base = self
            .store
            .followers_before(&accounts, previous.from)
            .await?;
        let rows = self.store.days(&accounts, previous.from, period.to).await?;
        let days = Days::new(
            &base,
            &rows,
            Period {
                from: previous.from,
                to: period.to,
            },
        );
        let (previous_start, _) = previous.unix_bounds();
        let current = self.store.totals(&accounts, start, end).await?;
        let earlier = self.store.totals(&accounts, previous_start, start).await?;
        let kpis = kpis(&days, period, current, earlier);
        let top = self.store.top(&accounts, start, end, TOP_POSTS).await?;
        let mut top_posts = self.summaries(top, start).await?;
        self.tag(&mut top_posts).await?;
        Ok(Overview {
            period: period.view(),
            kpis,
            days: period.dates().map(|d| days.point(d)).collect(),
            top_posts,
        })
    }

    async fn posts(&self, query: &PostsQuery) -> Result<PostsPage, AppError> {
        posts::page(self, query).await
    }

    async fn post(&self, id: i64) -> Result<PostDetail, AppError> {
        post_detail::detail(self, id).await
    }

    async fn hashtags(&self, query: &PeriodQuery) -> Result<Hashtags, AppError> {
        hashtags::hashtags(self, query).await
    }

    async fn best_time(&self, query: &BestTimeQuery) -> Result<BestTime, AppError> {
        best_time::best_time(self, query).await
    }
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

impl AnalyticsService {
    /// Parses the period as `overview` does (field errors; unknown account → `NotFound`).
    pub(super) async fn scope(&self, query: &PeriodQuery) -> Result<Scope, AppError> {
        let today = OffsetDateTime::now_utc().date();
        let period = Period::parse(query, today)?;
        let accounts = self.store.account_ids(query.account).await?;
        Ok(Scope {
            period,
            accounts,
            bounds: period.unix_bounds(),
        })
    }

    /// [`Self::scope`] and its posts.
    pub(super) async fn period_posts(&self, query: &PeriodQuery) -> Result<PeriodPosts, AppError> {
        let Scope {
            period,
            accounts,
            bounds,
        } = self.scope(query).await?;
        let rows = self.store.posts(&accounts, bounds.0, bounds.1).await?;
        Ok(PeriodPosts {
            period,
            accounts,
            bounds,
            rows,
        })
    }

    /// Where the lookback window starts now (unix seconds).
    pub(super) async fn lookback_start(&self) -> Result<i64, AppError> {
        let settings = self.settings.get().await?;
        Ok(unix_now() - i64::from(settings.lookback_days) * DAY)
    }

    /// Impact scores of the posts of `accounts`, by media id, from cached peer groups.
    ///
    /// Peers are the lookback window's posts. Posts published before the window (possible
    /// until the next prune deletes them) still get a score: the peer query then starts at
    /// `earliest`, the oldest moment shown, so every scored post is among its peers.
    pub(super) async fn impact(
        &self,
        accounts: impl IntoIterator<Item = i64>,
        earliest: i64,
    ) -> Result<HashMap<i64, u8>, AppError> {
        let accounts: Vec<i64> = accounts
            .into_iter()
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        if accounts.is_empty() {
            return Ok(HashMap::new());
        }
        let since = self.lookback_start().await?.min(earliest);
        let peers = self.store.window_peers(&accounts, since).await?;
        Ok(impact::scores(peers.iter()))
    }

    /// `rows` as summaries with their impact scores (peer groups of their accounts only,
    /// reaching back to `earliest` at least); hashtags are left to the caller.
    pub(super) async fn summaries(
        &self,
        rows: Vec<(media::Model, String)>,
        earliest: i64,
    ) -> Result<Vec<PostSummary>, AppError> {
        let mut posts: Vec<PostSummary> = rows
            .into_iter()
            .map(|(m, name)| post_summary(m, name))
            .collect();
        let scores = self
            .impact(posts.iter().map(|p| p.account_id), earliest)
            .await?;
        for p in &mut posts {
            p.impact = scores.get(&p.id).copied();
        }
        Ok(posts)
    }

    /// Fills the hashtags of a page of posts (one query).
    pub(super) async fn tag(&self, posts: &mut [PostSummary]) -> Result<(), AppError> {
        let ids: Vec<i64> = posts.iter().map(|p| p.id).collect();
        let tags = self.store.tags_of(&ids).await?;
        set_tags(posts, tags);
        Ok(())
    }
}

/// Gives each post its stored `(media_id, tag)` rows, in caption order.
pub(super) fn set_tags(posts: &mut [PostSummary], tags: Vec<(i64, String)>) {
    let mut by_post: HashMap<i64, Vec<String>> = HashMap::new();
    for (id, tag) in tags {
        by_post.entry(id).or_default().push(tag);
    }
    for p in posts {
        let stored = by_post.remove(&p.id).unwrap_or_default();
        p.hashtags = in_caption_order(p.caption.as_deref(), stored);
    }
}

/// The stored tags are the truth; the caption only orders them. Tags the caption no longer
/// shows (it was edited since the last sync) follow, alphabetically.
fn in_caption_order(caption: Option<&str>, mut stored: Vec<String>) -> Vec<String> {
    stored.sort();
    let mut ordered: Vec<String> = caption
        .map(caption_tags)
        .unwrap_or_default()
        .into_iter()
        .filter(|t| stored.binary_search(t).is_ok())
        .collect();
    for tag in stored {
        if !ordered.contains(&tag) {
            ordered.push(tag);
        }
    }
    ordered
}

/// A media row's latest counts; a metric Meta did not report adds nothing.
pub(super) fn counts(
    likes: Option<i64>,
    comments: Option<i64>,
    saves: Option<i64>,
    shares: Option<i64>,
) -> Counts {
    Counts {
        likes: likes.unwrap_or(0),
        comments: comments.unwrap_or(0),
        saves: saves.unwrap_or(0),
        shares: shares.unwrap_or(0),
    }
}

/// A post's summary without its impact score and hashtags, which need their own queries
/// ([`AnalyticsService::impact`], [`AnalyticsService::tag`]).
pub(super) fn post_summary(m: media::Model, username: String) -> PostSummary {
    let counts = counts(
        m.latest_likes,
        m.latest_comments,
        m.latest_saves,
        m.latest_shares,
    );
    let interactions = counts.interactions();
    PostSummary {
        id: m.id,
        account_id: m.account_id,
        username,
        product_type: m.product_type,
        media_type: m.media_type,
        caption: m.caption,
        permalink: m.permalink,
        thumbnail_url: m.thumbnail_url,
        published: utc(m.published_at),
        likes: m.latest_likes,
        comments: m.latest_comments,
        saves: m.latest_saves,
        shares: m.latest_shares,
        reach: m.latest_reach,
        views: m.latest_views,
        interactions,
        engagement_by_reach: metrics::engagement_rate(interactions, m.latest_reach.unwrap_or(0)),
        engagement_by_followers: metrics::engagement_rate(
            interactions,
            m.followers_at_capture.unwrap_or(0),
        ),
        impact: None,
        hashtags: Vec::new(),
    }
}

/// How many days back from today Meta may not have reported yet.
const PENDING_DAYS: time::Duration = time::Duration::days(2);

/// Daily account insights summed over the chosen accounts, with follower counts carried
/// forward: a day without a count of its own has the last one seen before it.
struct Days {
    by_date: BTreeMap<Date, DayPoint>,
    /// Followers at the end of the day before the first day covered.
    base: Option<i64>,
}

impl Days {
    fn new(base: &[(i64, i64)], rows: &[account_insights::Model], span: Period) -> Days {
        let mut last: HashMap<i64, i64> = base.iter().copied().collect();
        let base = (!last.is_empty()).then(|| last.values().sum());
        let mut by_date = BTreeMap::new();
        let mut rows = rows.iter().peekable();
        for date in span.dates() {
            let mut point = DayPoint {
                date: date.to_string(),
                followers: None,
                reach: None,
                views: None,
                pending: false,
            };
            while let Some(row) = rows.next_if(|r| r.date == date) {
                if let Some(f) = row.followers {
                    last.insert(row.account_id, f);
                }
                point.reach = add(point.reach, row.reach);
                point.views = add(point.views, row.views);
            }
            point.followers = (!last.is_empty()).then(|| last.values().sum());
            by_date.insert(date, point);
        }
        // Meta reports a day once it is over in its zone (Pacific time), up to two days
        // later: the latest days without figures are pending, not zero.
        let today = crate::clock::today();
        for (date, point) in by_date.iter_mut().rev() {
            if point.reach.is_some() || point.views.is_some() || *date < today - PENDING_DAYS {
                break;
            }
            point.pending = true;
        }
        Days { by_date, base }
    }

    fn point(&self, date: Date) -> DayPoint {
        self.by_date[&date].clone()
    }

    fn in_period(&self, p: Period) -> impl Iterator<Item = &DayPoint> {
        self.by_date.range(p.from..=p.to).map(|(_, d)| d)
    }

    /// Followers at the end of `date`; before the first day covered, the base.
    fn followers_at(&self, date: Date) -> Option<i64> {
        match self.by_date.get(&date) {
            Some(point) => point.followers,
            None => self.base,
        }
    }
}

/// `None + None` stays unknown; a known value counts even when another account's is missing.
fn add(a: Option<i64>, b: Option<i64>) -> Option<i64> {
    match (a, b) {
        (None, None) => None,
        _ => Some(a.unwrap_or(0) + b.unwrap_or(0)),
    }
}

/// One period's figures, before they are paired with the previous period's.
struct Figures {
    followers: Option<f64>,
    net_followers: Option<f64>,
    reach: Option<f64>,
    views: Option<f64>,
    interactions: f64,
    engagement: Option<f64>,
    posts: f64,
}

fn figures(days: &Days, p: Period, posts: Totals) -> Figures {
    let end = days.followers_at(p.to);
    let start = days.followers_at(p.from - time::Duration::days(1));
    let in_period: Vec<&DayPoint> = days.in_period(p).collect();
    let views: Vec<i64> = in_period.iter().filter_map(|d| d.views).collect();
    Figures {
        followers: end.map(as_f64),
        net_followers: end.zip(start).map(|(e, s)| as_f64(e - s)),
        // Reach counts unique accounts per day, so days are averaged, never summed.
        reach: metrics::mean(in_period.iter().filter_map(|d| d.reach).map(as_f64)),
        views: (!views.is_empty()).then(|| as_f64(views.iter().sum())),
        interactions: as_f64(posts.interactions),
        // Engagement over the posts whose reach Meta reported: a post without reach would add
        // interactions with nothing to divide them by.
        engagement: metrics::engagement_rate(posts.reached_interactions, posts.reach),
        posts: as_f64(posts.posts),
    }
}

fn kpis(days: &Days, period: Period, current: Totals, earlier: Totals) -> Vec<Kpi> {
    let now = figures(days, period, current);
    let before = figures(days, period.previous(), earlier);
    let kpi =
        |key: &str, label: &str, help: &str, unit, value: Option<f64>, previous: Option<f64>| Kpi {
            key: key.into(),
            label: label.into(),
            help: help.into(),
            unit,
            value,
            previous,
            change: value.zip(previous).and_then(|(v, p)| metrics::change(v, p)),
        };
    vec![
        kpi("followers", "Followers", "Followers on the last day of the period.", KpiUnit::Count, now.followers, before.followers),
        kpi("net_followers", "Net follower growth", "Followers on the last day minus followers the day before the period began.", KpiUnit::Count, now.net_followers, before.net_followers),
        kpi("reach", "Reach (daily average)", "Accounts reached per day, averaged over the days Meta reported; daily reach counts unique accounts, so it is never summed.", KpiUnit::Count, now.reach, before.reach),
        kpi("views", "Views", "Times your content was shown during the period (Meta's views).", KpiUnit::Count, now.views, before.views),
        kpi("interactions", "Interactions", "Likes + comments + saves + shares on the posts published in the period.", KpiUnit::Count, Some(now.interactions), Some(before.interactions)),
        kpi("engagement", "Engagement rate (by reach)", "Interactions divided by reach, over the period's posts whose reach is known.", KpiUnit::Rate, now.engagement, before.engagement),
        kpi("posts", "Posts published", "Posts and reels published in the period (stories not counted).", KpiUnit::Count, Some(now.posts), Some(before.posts)),
    ]
}

/// Counts fit an f64 exactly far beyond any follower or view count.
fn as_f64(n: i64) -> f64 {
    n as f64
}

#[cfg(test)]
mod tests {
    use super::in_caption_order;

    #[test]
    fn hashtags_follow_the_caption() {
        let stored = vec![
            "b".to_owned(),
            "sun".to_owned(),
            "a".to_owned(),
            "old".to_owned(),
        ];
        assert_eq!(
            in_caption_order(Some("#Sun and #sunset, then #b #A"), stored.clone()),
            ["sun", "b", "a", "old"]
        );
        assert_eq!(in_caption_order(None, stored), ["a", "b", "old", "sun"]);
    }
}
