//! The report's types table: how each type of post did in the period.

use std::collections::BTreeMap;

use app::dto::{KindRow, PeriodQuery, PostKind, PostSummary, Reach};
use app::error::AppError;
use app::metrics;

use super::reader::Reader;

pub(super) async fn kinds(
    reader: &Reader,
    reach: &Reach,
    query: &PeriodQuery,
) -> Result<Vec<KindRow>, AppError> {
    let found = reader.period_posts(reach, query).await?;
    let posts = reader.summaries(found.rows, found.bounds.0).await?;
    Ok(rows(&posts))
}

fn rows(posts: &[PostSummary]) -> Vec<KindRow> {
    let mut by_kind: BTreeMap<usize, (PostKind, Vec<&PostSummary>)> = BTreeMap::new();
    for p in posts {
        if let Some(kind) = PostKind::of(&p.product_type, p.media_type.as_deref()) {
            let at = PostKind::ALL
                .iter()
                .position(|k| *k == kind)
                .unwrap_or_default();
            by_kind.entry(at).or_insert((kind, Vec::new())).1.push(p);
        }
    }
    let mut rows: Vec<KindRow> = by_kind
        .into_values()
        .map(|(kind, posts)| KindRow {
            kind,
            posts: u32::try_from(posts.len()).unwrap_or(u32::MAX),
            average_interactions: metrics::mean(posts.iter().map(|p| p.interactions as f64))
                .unwrap_or_default(),
            average_engagement: metrics::mean(posts.iter().filter_map(|p| p.engagement_by_reach)),
        })
        .collect();
    // Stable: equal rows keep the types' order.
    rows.sort_by(|a, b| {
        let rate = |r: &KindRow| r.average_engagement.unwrap_or(f64::NEG_INFINITY);
        rate(b)
            .total_cmp(&rate(a))
            .then(b.average_interactions.total_cmp(&a.average_interactions))
    });
    rows
}
