//! A post as the dashboard lists it: a media row's counts, its summary, and its hashtags in
//! caption order. Pure functions over rows already read.

use std::collections::HashMap;

use app::dto::{AccountId, MediaDepth, MediaId, PostSummary};
use app::metrics::{self, Counts};

use crate::graph::hashtags::parse as caption_tags;
use crate::services::utc;
use crate::store::entities::{media, media_snapshots};

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
/// (`Reader::impact`, `Reader::tag`).
pub(super) fn post_summary(m: media::Model, username: String) -> PostSummary {
    let counts = counts(
        m.latest_likes,
        m.latest_comments,
        m.latest_saves,
        m.latest_shares,
    );
    let interactions = counts.interactions();
    PostSummary {
        id: MediaId(m.id),
        account_id: AccountId(m.account_id),
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
        depth: MediaDepth::default(),
    }
}

/// Gives each post the newest value of each type-specific metric among `rows` (newest first).
pub(super) fn set_depth(posts: &mut [PostSummary], rows: Vec<media_snapshots::Model>) {
    let mut by_post: HashMap<i64, MediaDepth> = HashMap::new();
    for s in rows {
        let d = by_post.entry(s.media_id).or_default();
        let keep = |slot: &mut Option<i64>, value: Option<i64>| *slot = slot.or(value);
        keep(&mut d.follows, s.follows);
        keep(&mut d.profile_visits, s.profile_visits);
        keep(&mut d.profile_activity, s.profile_activity);
        keep(&mut d.avg_watch_ms, s.avg_watch_ms);
        keep(&mut d.total_watch_ms, s.total_watch_ms);
        keep(&mut d.replies, s.replies);
        keep(&mut d.taps_forward, s.taps_forward);
        keep(&mut d.taps_back, s.taps_back);
        keep(&mut d.exits, s.exits);
        keep(&mut d.swipes_forward, s.swipes_forward);
        d.skip_rate = d.skip_rate.or(s.skip_rate);
    }
    for p in posts {
        p.depth = by_post.remove(&p.id.0).unwrap_or_default();
    }
}

/// Gives each post its stored `(media_id, tag)` rows, in caption order.
pub(super) fn set_tags(posts: &mut [PostSummary], tags: Vec<(i64, String)>) {
    let mut by_post: HashMap<i64, Vec<String>> = HashMap::new();
    for (id, tag) in tags {
        by_post.entry(id).or_default().push(tag);
    }
    for p in posts {
        let stored = by_post.remove(&p.id.0).unwrap_or_default();
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
