//! Impact scores (defined once here, shown on Posts and the post page): a post's percentile of weighted
//! engagement per reach among its account's posts of the same product type.

use std::collections::HashMap;

use app::metrics::{self, Counts};

use super::summary::counts;
use crate::store::analytics::Peer;

/// Weighted engagement per reach; `None` without a reach (or a reach of 0).
fn weighted_per_reach(counts: Counts, reach: Option<i64>) -> Option<f64> {
    // Reach counts fit an f64 exactly.
    metrics::ratio(counts.weighted(), reach.unwrap_or(0) as f64)
}

impl Peer {
    pub(super) fn counts(&self) -> Counts {
        counts(
            self.latest_likes,
            self.latest_comments,
            self.latest_saves,
            self.latest_shares,
        )
    }
}

/// The score of every peer that has one, by media id. `peers` is the whole peer set: it is
/// split here into groups of one account and one product type (feed posts and reels are
/// not compared with each other).
pub(super) fn scores<'a>(peers: impl IntoIterator<Item = &'a Peer>) -> HashMap<i64, u8> {
    let mut groups: HashMap<(i64, &str), Vec<&Peer>> = HashMap::new();
    for p in peers {
        groups
            .entry((p.account_id, p.product_type.as_str()))
            .or_default()
            .push(p);
    }
    let mut out = HashMap::new();
    for group in groups.values() {
        let values: Vec<Option<f64>> = group
            .iter()
            .map(|p| weighted_per_reach(p.counts(), p.latest_reach))
            .collect();
        for (p, score) in group.iter().zip(metrics::impact_scores(&values)) {
            if let Some(score) = score {
                out.insert(p.id, score);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn peer(id: i64, account_id: i64, kind: &str, likes: i64, reach: Option<i64>) -> Peer {
        Peer {
            id,
            account_id,
            product_type: kind.into(),
            published_at: 0,
            latest_likes: Some(likes),
            latest_comments: None,
            latest_saves: None,
            latest_shares: None,
            latest_reach: reach,
        }
    }

    #[test]
    fn groups_are_per_account_and_product_type() {
        let peers = [
            // Account 1 feed: 0.1, 0.2, 0.3 -> 0, 50, 100; no reach -> no score.
            peer(1, 1, "FEED", 10, Some(100)),
            peer(2, 1, "FEED", 20, Some(100)),
            peer(3, 1, "FEED", 30, Some(100)),
            peer(4, 1, "FEED", 30, None),
            peer(5, 1, "FEED", 30, Some(0)),
            // Alone in its group (account 1 reels, account 2 feed): 100.
            peer(6, 1, "REELS", 1, Some(1_000)),
            peer(7, 2, "FEED", 1, Some(1_000)),
        ];
        let s = scores(&peers);
        assert_eq!(s.get(&1), Some(&0));
        assert_eq!(s.get(&2), Some(&50));
        assert_eq!(s.get(&3), Some(&100));
        assert_eq!(s.get(&4), None);
        assert_eq!(s.get(&5), None);
        assert_eq!(s.get(&6), Some(&100));
        assert_eq!(s.get(&7), Some(&100));
    }
}
