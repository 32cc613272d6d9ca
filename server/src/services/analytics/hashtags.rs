//! The Hashtags page: how the period's posts did, per hashtag.

use std::collections::BTreeMap;

use app::dto::{HashtagRow, Hashtags, PeriodQuery, PostSummary, Reach};
use app::error::AppError;
use app::metrics;

use super::reader::Reader;
use super::summary::set_tags;

pub(super) async fn hashtags(
    reader: &Reader,
    reach: &Reach,
    query: &PeriodQuery,
) -> Result<Hashtags, AppError> {
    let found = reader.period_posts(reach, query).await?;
    let (start, end) = found.bounds;
    let tags = reader
        .store
        .tags_in(&found.accounts, start, end, None)
        .await?;
    let mut posts = reader.summaries(found.rows, start).await?;
    set_tags(&mut posts, tags);
    Ok(Hashtags {
        period: found.period.view(),
        rows: rows(&posts),
    })
}

/// One row per tag of `posts` (which carry their hashtags): most posts first, then by tag.
fn rows(posts: &[PostSummary]) -> Vec<HashtagRow> {
    let mut by_tag: BTreeMap<&str, Vec<&PostSummary>> = BTreeMap::new();
    for p in posts {
        for tag in &p.hashtags {
            by_tag.entry(tag.as_str()).or_default().push(p);
        }
    }
    let mut rows: Vec<HashtagRow> = by_tag
        .into_iter()
        .map(|(tag, posts)| HashtagRow {
            tag: tag.to_owned(),
            posts: u32::try_from(posts.len()).unwrap_or(u32::MAX),
            // Reaches fit an f64 exactly.
            average_reach: metrics::mean(posts.iter().filter_map(|p| p.reach).map(|r| r as f64)),
            average_engagement: metrics::mean(posts.iter().filter_map(|p| p.engagement_by_reach)),
            best_post: best(&posts).cloned(),
        })
        .collect();
    // The map is in tag order and the sort is stable, so equal counts stay alphabetical.
    rows.sort_by_key(|r| std::cmp::Reverse(r.posts));
    rows
}

/// Highest engagement by reach, then most interactions, then the first listed (the newest);
/// `None` when no post has a reach to compare by.
fn best<'a>(posts: &[&'a PostSummary]) -> Option<&'a PostSummary> {
    let mut best: Option<(&PostSummary, f64)> = None;
    for &p in posts {
        let Some(rate) = p.engagement_by_reach else {
            continue;
        };
        let better = best.is_none_or(|(b, b_rate)| {
            rate > b_rate || (rate == b_rate && p.interactions > b.interactions)
        });
        if better {
            best = Some((p, rate));
        }
    }
    best.map(|(p, _)| p)
}
