//! Each account's impact peers, cached in the service so that stores stay stateless: one
//! query of index seeks ([`AnalyticsStore::versions`]) tells which accounts' media changed,
//! and only those accounts' peers are read again ([`AnalyticsStore::peers`]).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tracing::instrument;

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
    peers: Arc<Vec<Peer>>,
}

/// Changes whenever the account's peers may have: the window's first day and the account's
/// [`MediaVersion`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct PeersKey {
    since_day: i64,
    version: MediaVersion,
}

/// The impact peers of some accounts from a moment on, shared with the cache.
#[derive(Debug)]
pub struct WindowPeers {
    lists: Vec<Arc<Vec<Peer>>>,
    since: i64,
}

impl WindowPeers {
    pub fn iter(&self) -> impl Iterator<Item = &Peer> {
        self.lists
            .iter()
            .flat_map(|peers| peers.iter().filter(|p| p.published_at >= self.since))
    }
}

impl PeerCache {
    /// [`AnalyticsStore::peers`] of `accounts` since `since`, read through the per-account
    /// cache. The cache holds whole days (from `since`'s day on) so it survives the window
    /// moving by seconds; rows before `since` are left out by `WindowPeers::iter`.
    #[instrument(skip(self, store, accounts), err(level = "debug"))]
    pub async fn window_peers(
        &self,
        store: &AnalyticsStore,
        accounts: &[i64],
        since: i64,
    ) -> Result<WindowPeers, StoreError> {
        let since_day = since.div_euclid(DAY) * DAY;
        let versions = store.versions(accounts).await?;
        let key = |id: i64| PeersKey {
            since_day,
            version: versions.get(&id).copied().unwrap_or_default(),
        };
        let mut lists: Vec<Arc<Vec<Peer>>> = Vec::with_capacity(accounts.len());
        let mut stale = Vec::new();
        {
            let cache = self.cached.lock().unwrap_or_else(|e| e.into_inner());
            for &id in accounts {
                match cache.get(&id) {
                    Some(c) if c.key == key(id) => lists.push(Arc::clone(&c.peers)),
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
            let mut cache = self.cached.lock().unwrap_or_else(|e| e.into_inner());
            for (id, peers) in read {
                let peers = Arc::new(peers);
                lists.push(Arc::clone(&peers));
                cache.insert(
                    id,
                    CachedPeers {
                        key: key(id),
                        peers,
                    },
                );
            }
        }
        Ok(WindowPeers { lists, since })
    }
}
