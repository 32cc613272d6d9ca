//! The Posts page and its CSV: the period's posts filtered by kind, hashtag and caption words,
//! sorted by any column, and paged.
//!
//! A page is filtered, sorted, counted and cut in SQL, so its cost does not grow with the
//! period's posts. Two cases stay in Rust over the period's (kind- and hashtag-filtered) rows:
//! caption search, whose Unicode case folding SQLite's `LOWER`/`LIKE` (ASCII only) cannot
//! match, and sorting by impact score, which is computed in Rust (over ids alone, unless
//! caption words need the rows too).

use std::cmp::Ordering;

use app::dto::{PostKind, PostSort, PostSummary, PostsPage, PostsQuery, Reach, POSTS_PAGE_SIZE};
use app::error::AppError;
use app::rules;

use super::paging::{by_key, cut, pages, sorted_page};
use super::reader::{Reader, Scope};
use super::summary::post_summary;
use crate::store::analytics::PostFilter;
use crate::store::entities::media;

/// The filters of a [`PostsQuery`], validated and normalised.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct Filter {
    pub kind: Option<PostKind>,
    /// Case-folded and without `#`, as stored.
    pub hashtag: Option<String>,
    /// Lowercased words that must all occur in the caption.
    pub words: Vec<String>,
}

impl Filter {
    fn parse(query: &PostsQuery) -> Result<Filter, AppError> {
        Ok(Filter {
            kind: query.kind,
            hashtag: rules::hashtag(query.hashtag.as_deref())?,
            words: rules::search_words(query.search.as_deref())?,
        })
    }

    /// The filters SQL applies: all but the caption words.
    fn sql(&self) -> PostFilter<'_> {
        PostFilter {
            kind: self.kind,
            hashtag: self.hashtag.as_deref(),
        }
    }

    /// Caption words (the rest is matched in SQL, see [`Filter::sql`]).
    fn matches(&self, m: &media::Model) -> bool {
        if self.words.is_empty() {
            return true;
        }
        let caption = m.caption.as_deref().unwrap_or_default().to_lowercase();
        self.words.iter().all(|w| caption.contains(w.as_str()))
    }
}

/// A listed post and the publication second the sort breaks ties on (the summary's
/// `published` is only to the minute).
#[derive(Clone, Debug)]
struct Listed {
    pub published_at: i64,
    pub summary: PostSummary,
}

/// The value a column sorts on; `None` sorts last in both directions. Counts fit an f64 exactly.
fn key(p: &Listed, sort: PostSort) -> Option<f64> {
    let s = &p.summary;
    let count = |v: Option<i64>| v.map(|v| v as f64);
    match sort {
        PostSort::Published => Some(p.published_at as f64),
        PostSort::Likes => count(s.likes),
        PostSort::Comments => count(s.comments),
        PostSort::Saves => count(s.saves),
        PostSort::Shares => count(s.shares),
        PostSort::Reach => count(s.reach),
        PostSort::Views => count(s.views),
        PostSort::EngagementByReach => s.engagement_by_reach,
        PostSort::EngagementByFollowers => s.engagement_by_followers,
        PostSort::Impact => s.impact.map(f64::from),
    }
}

/// Sorts by `sort` (highest first unless `ascending`), see [`order`].
fn sort(posts: &mut [Listed], sort: PostSort, ascending: bool) {
    posts.sort_by(|a, b| {
        order(
            (key(a, sort), a.published_at, a.summary.id.0),
            (key(b, sort), b.published_at, b.summary.id.0),
            ascending,
        )
    });
}

/// The order of `(sort key, publication second, id)`: by key, highest first unless
/// `ascending`, unknown values last either way; then newest first and highest id first, so
/// equal rows keep one order across pages.
fn order(a: (Option<f64>, i64, i64), b: (Option<f64>, i64, i64), ascending: bool) -> Ordering {
    by_key(a.0, b.0, ascending)
        .then(b.1.cmp(&a.1))
        .then(b.2.cmp(&a.2))
}

/// The period's posts matching the query's filters, sorted in Rust, with impact scores (a
/// sort key) but without hashtags.
async fn matching(
    reader: &Reader,
    query: &PostsQuery,
    filter: &Filter,
    scope: &Scope,
) -> Result<Vec<Listed>, AppError> {
    let (start, end) = scope.bounds;
    let mut posts: Vec<Listed> = reader
        .store
        .listing(&scope.accounts, start, end, filter.sql())
        .await?
        .into_iter()
        .filter(|(m, _)| filter.matches(m))
        .map(|(m, name)| Listed {
            published_at: m.published_at,
            summary: post_summary(m, name),
        })
        .collect();
    let scores = reader
        .impact(posts.iter().map(|p| p.summary.account_id.0), start)
        .await?;
    for p in &mut posts {
        p.summary.impact = scores.score(p.summary.account_id.0, p.summary.id.0);
    }
    sort(&mut posts, query.sort, query.ascending);
    Ok(posts)
}

/// Sorted by impact without caption words: the period's posts are ranked by their scores,
/// and only the page's rows are read (under load, reading every row of 90 days of 20
/// accounts, 46,000 posts, took up to 5.7 s on SQLite). Without a kind or hashtag filter the
/// period's posts are the cached peers' (the peer window covers the period); with one, their
/// ids come from SQL.
async fn by_impact(
    reader: &Reader,
    query: &PostsQuery,
    filter: &Filter,
    scope: &Scope,
) -> Result<(u64, u32, u32, Vec<PostSummary>), AppError> {
    let (start, end) = scope.bounds;
    let peers = reader.impact(scope.accounts.iter().copied(), start).await?;
    let ranked: Vec<(Option<f64>, i64, i64)> = if *filter == Filter::default() {
        peers
            .scored()
            .filter(|(p, _)| (start..end).contains(&p.published_at))
            .map(|(p, score)| (score.map(f64::from), p.published_at, p.id))
            .collect()
    } else {
        reader
            .store
            .keys(&scope.accounts, start, end, filter.sql())
            .await?
            .into_iter()
            .map(|(id, account, at)| (peers.score(account, id).map(f64::from), at, id))
            .collect()
    };
    let total = ranked.len() as u64;
    let (page, pages) = pages(ranked.len(), query.page);
    let ids: Vec<i64> = sorted_page(ranked, page, |a, b| order(*a, *b, query.ascending))
        .into_iter()
        .map(|r| r.2)
        .collect();
    let rows = reader.store.by_ids(&ids).await?;
    let shown = reader.summaries(rows, start).await?;
    Ok((total, page, pages, shown))
}

/// One page of the Posts table.
pub(super) async fn page(
    reader: &Reader,
    reach: &Reach,
    query: &PostsQuery,
) -> Result<PostsPage, AppError> {
    let scope = reader.scope(reach, &query.period).await?;
    let filter = Filter::parse(query)?;
    let size = u64::from(POSTS_PAGE_SIZE);
    let (total, page, pages, mut shown) =
        if filter.words.is_empty() && query.sort == PostSort::Impact {
            by_impact(reader, query, &filter, &scope).await?
        } else if !filter.words.is_empty() {
            let posts = matching(reader, query, &filter, &scope).await?;
            let total = posts.len();
            let (page, pages) = pages(total, query.page);
            let shown: Vec<PostSummary> = cut(posts, page).into_iter().map(|p| p.summary).collect();
            (total as u64, page, pages, shown)
        } else {
            let (start, end) = scope.bounds;
            let page = query.page.max(1);
            let skip = u64::from(page - 1).saturating_mul(size);
            let (rows, total) = reader
                .store
                .page(
                    &scope.accounts,
                    start,
                    end,
                    filter.sql(),
                    (query.sort, query.ascending),
                    skip,
                    size,
                )
                .await?;
            let (page, pages) = pages(usize::try_from(total).unwrap_or(usize::MAX), page);
            // Scores only for the accounts shown: they are not a sort key here.
            let shown = reader.summaries(rows, start).await?;
            (total, page, pages, shown)
        };
    reader.annotate(&mut shown).await?;
    Ok(PostsPage {
        period: scope.period.view(),
        posts: shown,
        total,
        page,
        pages,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(hashtag: Option<&str>, search: Option<&str>) -> PostsQuery {
        PostsQuery {
            hashtag: hashtag.map(Into::into),
            search: search.map(Into::into),
            ..PostsQuery::default()
        }
    }

    #[test]
    fn filters_are_normalised_and_bounded() {
        let f = Filter::parse(&query(Some("  #Sunset "), Some("  Golden   HOUR "))).unwrap();
        assert_eq!(f.hashtag.as_deref(), Some("sunset"));
        assert_eq!(f.words, ["golden", "hour"]);
        let f = Filter::parse(&query(Some("#"), Some("   "))).unwrap();
        assert_eq!(f, Filter::default());
        let long = "x".repeat(201);
        let err = Filter::parse(&query(None, Some(&long))).unwrap_err();
        assert!(err.for_field("search").is_some());
        assert!(Filter::parse(&query(None, Some(&long[..200]))).is_ok());
        let err = Filter::parse(&query(Some(&long[..101]), None)).unwrap_err();
        assert!(err.for_field("hashtag").is_some());
    }
}
