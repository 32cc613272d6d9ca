//! The Post detail page: one post, its rank among its account's posts and its curves.

use app::dto::{MediaId, PostDetail, SnapshotPoint};
use app::error::AppError;

use super::impact;
use super::reader::Reader;
use super::summary::post_summary;
use crate::store::analytics::{Peer, STORY};

/// 1-based rank by interactions among `peers` (equal interactions share the better rank),
/// and how many peers there are.
fn rank(interactions: i64, peers: &[Peer]) -> (u32, u32) {
    let above = peers
        .iter()
        .filter(|p| p.counts().interactions() > interactions)
        .count();
    let among = u32::try_from(peers.len()).unwrap_or(u32::MAX);
    (
        u32::try_from(above).unwrap_or(u32::MAX).saturating_add(1),
        among,
    )
}

/// A story's rank by reach among its account's stories (they have no likes or comments).
fn story_rank(reach: Option<i64>, reaches: &[Option<i64>]) -> (u32, u32) {
    let above = reaches.iter().filter(|r| **r > reach).count();
    let among = u32::try_from(reaches.len()).unwrap_or(u32::MAX);
    (
        u32::try_from(above).unwrap_or(u32::MAX).saturating_add(1),
        among,
    )
}

pub(super) async fn detail(reader: &Reader, id: MediaId) -> Result<PostDetail, AppError> {
    let (m, username) = reader.store.post(id.0).await?.ok_or(AppError::NotFound)?;
    let published_at = m.published_at;
    let mut post = post_summary(m, username);
    if post.product_type == STORY {
        let reaches = reader.store.story_reaches(post.account_id.0).await?;
        let (rank, ranked_among) = story_rank(post.reach, &reaches);
        reader.annotate(std::slice::from_mut(&mut post)).await?;
        let snapshots = points(reader, id).await?;
        return Ok(PostDetail {
            post,
            published_at,
            rank,
            ranked_among,
            snapshots,
        });
    }
    // One query serves both: the rank is among all the account's posts, the impact score
    // among those of the lookback window (which includes this post, see `impact`).
    let peers = reader.store.peers(&[post.account_id.0], i64::MIN).await?;
    let (rank, ranked_among) = rank(post.interactions, &peers);
    let since = reader.lookback_start().await?.min(published_at);
    let window: Vec<Peer> = peers
        .into_iter()
        .filter(|p| p.published_at >= since && p.product_type == post.product_type)
        .collect();
    post.impact = impact::scores(&window).get(&post.id.0).copied();
    reader.annotate(std::slice::from_mut(&mut post)).await?;
    let snapshots = points(reader, id).await?;
    Ok(PostDetail {
        post,
        published_at,
        rank,
        ranked_among,
        snapshots,
    })
}

/// The media's snapshots as the page's curves read them, oldest first.
async fn points(reader: &Reader, id: MediaId) -> Result<Vec<SnapshotPoint>, AppError> {
    Ok(reader
        .store
        .snapshots(id.0)
        .await?
        .into_iter()
        .map(|s| SnapshotPoint {
            at: s.captured_at,
            likes: s.likes,
            comments: s.comments,
            saves: s.saves,
            shares: s.shares,
            reach: s.reach,
            views: s.views,
            replies: s.replies,
            taps_forward: s.taps_forward,
            exits: s.exits,
        })
        .collect())
}
