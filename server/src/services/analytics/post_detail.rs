//! The Post detail page: one post, its rank among its account's posts and its curves.

use app::dto::{AccountId, MediaId, PostDetail, Reach, SnapshotPoint};
use app::error::AppError;

use super::impact;
use super::reader::Reader;
use super::summary::post_summary;
use crate::store::analytics::{Peer, STORY};

/// 1-based rank of `value` among `all` (equal values share the better rank), and how many
/// there are. Posts rank by interactions; stories, which have no likes or comments, by reach.
fn rank<T: PartialOrd>(value: T, all: &[T]) -> (u32, u32) {
    let above = all.iter().filter(|v| **v > value).count();
    let among = u32::try_from(all.len()).unwrap_or(u32::MAX);
    (
        u32::try_from(above).unwrap_or(u32::MAX).saturating_add(1),
        among,
    )
}

pub(super) async fn detail(
    reader: &Reader,
    reach: &Reach,
    id: MediaId,
) -> Result<PostDetail, AppError> {
    let (m, username) = reader.store.post(id.0).await?.ok_or(AppError::NotFound)?;
    // A post of an account outside the reach is as unknown as one that never was.
    reader
        .accounts(reach, None, Some(AccountId(m.account_id)))
        .await?;
    let published_at = m.published_at;
    let mut post = post_summary(m, username);
    let (rank, ranked_among) = if post.product_type == STORY {
        let reaches = reader.store.story_reaches(post.account_id.0).await?;
        rank(post.reach, &reaches)
    } else {
        // One query serves both: the rank is among all the account's posts, the impact score
        // among those of the lookback window (which includes this post, see `impact`).
        let peers = reader.store.peers(&[post.account_id.0], i64::MIN).await?;
        let interactions: Vec<i64> = peers.iter().map(|p| p.counts().interactions()).collect();
        let ranked = rank(post.interactions, &interactions);
        let since = reader.peers_since(published_at).await?;
        let window: Vec<Peer> = peers
            .into_iter()
            .filter(|p| p.published_at >= since && p.product_type == post.product_type)
            .collect();
        post.impact = impact::scores(&window).get(&post.id.0).copied();
        ranked
    };
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
