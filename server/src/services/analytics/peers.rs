//! Each account's impact peers and their scores, cached in the service so that stores stay
//! stateless: one query of index seeks ([`AnalyticsStore::versions`]) tells which accounts'
//! media changed, and only those accounts' peers are read and scored again
//! ([`AnalyticsStore::peers`]). Scores depend on the account's own peers alone (see
//! `impact`), so a cached account's scores hold until its media change.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tracing::instrument;

use super::impact;
use crate::clock::DAY;
use crate::store::analytics::{AnalyticsStore, MediaVersion, Peer};
use crate::store::StoreError;

/// Each account's impact peers (see [`PeerCache::window_peers`]), shared by clones.
#[derive(Clone, Debug, Default)]
pub struct PeerCache {
    cached: Arc<Mutex<HashMap<i64, CachedPeers>>>,
}

/// One account's peers from the start of a day on, and what they were read at.
#[derive(Debug)]
struct CachedPeers {
    key: PeersKey,
    peers: Arc<AccountPeers>,
}

/// Changes whenever the account's peers may have: the window's first day and the account's
/// [`MediaVersion`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct PeersKey {
    since_day: i64,
    version: MediaVersion,
}

/// One account's peers and each one's impact score, where it has one.
#[derive(Debug)]
struct AccountPeers {
    peers: Vec<Peer>,
    scores: HashMap<i64, u8>,
}

/// The impact peers of some accounts, with their scores, shared with the cache.
#[derive(Debug, Default)]
pub struct WindowPeers {
    by_account: HashMap<i64, Arc<AccountPeers>>,
}

impl WindowPeers {
    /// Every peer with its score.
    pub fn scored(&self) -> impl Iterator<Item = (&Peer, Option<u8>)> {
        self.by_account
            .values()
            .flat_map(|a| a.peers.iter().map(|p| (p, a.scores.get(&p.id).copied())))
    }

    /// The impact score of the post `id` of `account`, where it has one.
    pub fn score(&self, account: i64, id: i64) -> Option<u8> {
        self.by_account.get(&account)?.scores.get(&id).copied()
    }
}

/// Where a peer window that reaches back to `since` starts: the beginning of that UTC day.
/// Whole days keep the cached peers and scores valid while the window moves by seconds.
pub(super) fn window_start(since: i64) -> i64 {
    since.div_euclid(DAY) * DAY
}

impl PeerCache {
    /// [`AnalyticsStore::peers`] of `accounts` from [`window_start`]`(since)` on, scored per
    /// account, read through the per-account cache.
    #[instrument(skip(self, store, accounts), err(level = "debug"))]
    pub async fn window_peers(
        &self,
        store: &AnalyticsStore,
        accounts: &[i64],
        since: i64,
    ) -> Result<WindowPeers, StoreError> {
        let since_day = window_start(since);
        let versions = store.versions(accounts).await?;
        let key = |id: i64| PeersKey {
            since_day,
            version: versions.get(&id).copied().unwrap_or_default(),
        };
        let mut by_account = HashMap::with_capacity(accounts.len());
        let mut stale = Vec::new();
        {
            let cache = self.cached.lock().unwrap_or_else(|e| e.into_inner());
            for &id in accounts {
                match cache.get(&id) {
                    Some(c) if c.key == key(id) => {
                        by_account.insert(id, Arc::clone(&c.peers));
                    }
                    _ => stale.push(id),
                }
            }
        }
        if !stale.is_empty() {
            let mut read: HashMap<i64, Vec<Peer>> =
                stale.iter().map(|&id| (id, Vec::new())).collect();
            for p in store.peers(&stale, since_day).await? {
                read.entry(p.account_id).or_default().push(p);
            }
            let scored: Vec<(i64, Arc<AccountPeers>)> = read
                .into_iter()
                .map(|(id, peers)| {
                    let scores = impact::scores(&peers);
                    (id, Arc::new(AccountPeers { peers, scores }))
                })
                .collect();
            let mut cache = self.cached.lock().unwrap_or_else(|e| e.into_inner());
            for (id, peers) in scored {
                by_account.insert(id, Arc::clone(&peers));
                cache.insert(
                    id,
                    CachedPeers {
                        key: key(id),
                        peers,
                    },
                );
            }
        }
        Ok(WindowPeers { by_account })
    }
}
