//! The Overview page: the period's KPIs against the previous period, its daily account
//! insights, and its best posts.

use std::collections::{BTreeMap, HashMap};
use std::future::Future;

use app::dto::{Coverage, DayPoint, Kpi, KpiUnit, Overview, PeriodQuery, Reach};
use app::error::AppError;
use app::metrics;
use time::{Date, OffsetDateTime};

use super::actions::Actions;
use super::period::Period;
use super::reader::{Reader, Scope};
use super::sources::{Source, Sources};
use crate::store::analytics::{DayFigures, Totals};
use crate::store::breakdowns::{Daily, ACTIONS, SOURCES};
use crate::store::StoreError;

/// How many posts the Overview lists as the period's best.
const TOP_POSTS: u64 = 5;

pub(super) async fn overview(
    reader: &Reader,
    reach: &Reach,
    query: &PeriodQuery,
) -> Result<Overview, AppError> {
    let Scope {
        period,
        accounts,
        bounds: (start, _),
    } = reader.scope(reach, query).await?;
    let store = &reader.store;
    let previous = period.previous();
    // The breakdowns are the largest read (23,600 rows of JSON at 200 accounts): on a task
    // of its own, they are decoded on another worker thread while the rest is read.
    let captures = tokio::spawn({
        let (breakdowns, accounts) = (reader.breakdowns.clone(), accounts.clone());
        let (from, to) = (previous.from, period.to);
        let both = [ACTIONS.as_slice(), SOURCES.as_slice()].concat();
        async move { breakdowns.daily_between(&accounts, from, to, &both).await }
    });
    // The reads are independent: run at once, they overlap the database's work with the
    // decoding of earlier answers.
    let (base, rows, current, earlier, firsts, captures, first_actions, first_sources, kept, top) =
        tokio::try_join!(
            app(store.followers_before(&accounts, previous.from)),
            app(store.days(&accounts, previous.from, period.to)),
            app(store.totals(&accounts, period.from, period.to)),
            app(store.totals(&accounts, previous.from, previous.to)),
            app(store.first_days(&accounts)),
            async {
                captures
                    .await
                    .map_err(|e| {
                        tracing::error!(error = %e, "the breakdowns' read failed");
                        AppError::Internal
                    })?
                    .map_err(AppError::from)
            },
            first_days(reader, &accounts, &ACTIONS),
            first_days(reader, &accounts, &SOURCES),
            reader.posts_kept_since(&accounts),
            app(store.top(&accounts, period.from, period.to, TOP_POSTS)),
        )?;
    let days = Days::new(
        &base,
        &rows,
        Period {
            from: previous.from,
            to: period.to,
        },
    );
    let starts = Starts {
        insights: metrics::data_start(accounts.iter().map(|a| Some(firsts.get(a)?.insights))),
        followers: metrics::data_start(accounts.iter().map(|a| firsts.get(a)?.followers)),
        // Posts published before the lookback window are pruned (unless kept); the first
        // whole day kept.
        posts: OffsetDateTime::from_unix_timestamp(kept)
            .ok()
            .and_then(|cutoff| cutoff.date().next_day()),
        actions: metrics::data_start(accounts.iter().map(|a| first_actions.get(a).copied())),
    };
    let sourced = coverage(
        previous.from,
        metrics::data_start(accounts.iter().map(|a| first_sources.get(a).copied())),
    );
    let kpis = kpis(
        &days,
        period,
        current,
        earlier,
        starts,
        &Actions::new(&captures),
    );
    let sources = Sources::new(&captures)
        .cards(period)
        .into_iter()
        .map(|s| source_card(s, &sourced))
        .collect();
    let mut top_posts = reader.summaries(top, start).await?;
    reader.annotate(&mut top_posts).await?;
    Ok(Overview {
        period: period.view(),
        kpis,
        sources,
        days: period.dates().map(|d| days.point(d)).collect(),
        top_posts,
    })
}

/// A store's answer as the service's.
async fn app<T>(read: impl Future<Output = Result<T, StoreError>>) -> Result<T, AppError> {
    Ok(read.await?)
}

/// Each account's first day with values for any of `pairs`.
async fn first_days(
    reader: &Reader,
    accounts: &[i64],
    pairs: &[Daily],
) -> Result<HashMap<i64, Date>, AppError> {
    let firsts = reader.breakdowns.first_days(accounts, pairs).await?;
    Ok(firsts.into_iter().collect())
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
    fn new(base: &[(i64, i64)], rows: &[DayFigures], span: Period) -> Days {
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

/// The first day each kind of collected data covers for the accounts in scope.
struct Starts {
    /// Daily account insights: every account's first day.
    insights: Option<Date>,
    /// Follower counts: every account's first day with one.
    followers: Option<Date>,
    /// Posts: the lookback window, outside which posts are pruned.
    posts: Option<Date>,
    /// Profile link taps and follows/unfollows: every account's first day with them.
    actions: Option<Date>,
}

/// Whether data starting on `start` covers a comparison that reads it from `needed` on.
fn coverage(needed: Date, start: Option<Date>) -> Coverage {
    match start {
        _ if metrics::covered(&needed, start.as_ref()) => Coverage::Full,
        Some(day) => Coverage::From(day.to_string()),
        None => Coverage::Nothing,
    }
}

fn kpis(
    days: &Days,
    period: Period,
    current: Totals,
    earlier: Totals,
    starts: Starts,
    actions: &Actions,
) -> Vec<Kpi> {
    let now = figures(days, period, current);
    let previous = period.previous();
    let before = figures(days, previous, earlier);
    // What each comparison reads: follower counts at the previous period's end, and (net
    // growth) the day before it began; sums and averages over all of its days.
    let at_end = coverage(previous.to, starts.followers);
    let growth = coverage(
        previous.from.previous_day().unwrap_or(previous.from),
        starts.followers,
    );
    let daily = coverage(previous.from, starts.insights);
    let posts = coverage(previous.from, starts.posts);
    let acted = coverage(previous.from, starts.actions);
    let (acts, acts_before) = (actions.sums(period), actions.sums(previous));
    let count = |v: Option<i64>| v.map(as_f64);
    vec![
        kpi("followers", "Followers", "Followers on the last day of the period.", KpiUnit::Count, (now.followers, before.followers), &at_end),
        kpi("net_followers", "Net follower growth", "Followers on the last day minus followers the day before the period began.", KpiUnit::Count, (now.net_followers, before.net_followers), &growth),
        kpi("reach", "Reach (daily average)", "Accounts reached per day, averaged over the days Meta reported; daily reach counts unique accounts, so it is never summed.", KpiUnit::Count, (now.reach, before.reach), &daily),
        kpi("views", "Views", "Times your content was shown during the period (Meta's views).", KpiUnit::Count, (now.views, before.views), &daily),
        kpi("interactions", "Interactions", "Likes + comments + saves + shares on the posts published in the period.", KpiUnit::Count, (Some(now.interactions), Some(before.interactions)), &posts),
        kpi("engagement", "Engagement rate (by reach)", "Interactions divided by reach, over the period's posts whose reach is known.", KpiUnit::Rate, (now.engagement, before.engagement), &posts),
        kpi("posts", "Posts published", "Posts and reels published in the period (stories not counted).", KpiUnit::Count, (Some(now.posts), Some(before.posts)), &posts),
        kpi("follows", "Follows", "Accounts that started following during the period, as Meta counts them day by day (none below 100 followers).", KpiUnit::Count, (count(acts.follows), count(acts_before.follows)), &acted),
        kpi("unfollows", "Unfollows", "Accounts that stopped following or left Instagram during the period.", KpiUnit::Count, (count(acts.unfollows), count(acts_before.unfollows)), &acted),
        kpi("link_taps", "Profile link taps", "Taps on the profile's contact buttons (e-mail, call, directions, text, booking) during the period.", KpiUnit::Count, (count(acts.link_taps), count(acts_before.link_taps)), &acted),
    ]
}

/// A card: its figure now and before, compared only where the data covers the previous period.
fn kpi(
    key: &str,
    label: &str,
    help: &str,
    unit: KpiUnit,
    (value, previous): (Option<f64>, Option<f64>),
    coverage: &Coverage,
) -> Kpi {
    Kpi {
        key: key.into(),
        label: label.into(),
        help: help.into(),
        unit,
        value,
        previous,
        change: value
            .zip(previous)
            .filter(|_| *coverage == Coverage::Full)
            .and_then(|(v, p)| metrics::change(v, p)),
        coverage: coverage.clone(),
    }
}

/// A breakdown's card: its share of the whole in its title ("Views: reels (72.7 %)") and
/// said in full in its tooltip.
fn source_card(s: Source, coverage: &Coverage) -> Kpi {
    let (label, help) = match s.share {
        Some(share) => {
            let share = format!("{:.1} %", share * 100.0);
            (
                format!("{} ({share})", s.label),
                format!("{} {share} of the period's {}.", s.help, s.whole),
            )
        }
        None => (s.label, s.help),
    };
    kpi(
        &s.key,
        &label,
        &help,
        KpiUnit::Count,
        (s.value, s.previous),
        coverage,
    )
}

/// Counts fit an f64 exactly far beyond any follower or view count.
fn as_f64(n: i64) -> f64 {
    n as f64
}
