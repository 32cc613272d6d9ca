//! The dashboard's figures ([`AnalyticsPort`]), computed from the stored series with the
//! definitions in `app::metrics`, so every page and the CSV agree.
//!
//! Dependencies go one way, down; no module here imports this `mod.rs` or a module above it:
//!
//! ```text
//! mod.rs    AnalyticsService and its AnalyticsPort impl: one call per page
//!   ↓
//! pages     overview, posts, stories, post_detail, hashtags, best_time, audience, kinds:
//!           one each
//!   ↓
//! reader    Reader: the stores and the peer cache; what several pages read alike (a
//!   ↓       query's scope and posts, summaries with impact scores, hashtags)
//! helpers   peers (the peer cache, over the store); impact → summary, period, actions,
//!           sources, paging (pure)
//!   ↓
//! store     store::analytics, store::settings
//! ```
//!
//! A page may use a helper directly (post_detail ranks with `impact`), never a sibling page.

mod actions;
mod audience;
mod best_time;
mod hashtags;
mod impact;
mod kinds;
mod overview;
mod paging;
mod peers;
mod period;
mod post_detail;
mod posts;
mod reader;
mod sources;
mod stories;
mod summary;

use app::backend::AnalyticsPort;
use app::dto::{
    Audience, AudienceQuery, BestTime, BestTimeQuery, Hashtags, KindRow, MediaId, Overview,
    PeriodQuery, PostDetail, PostsPage, PostsQuery, Reach, StoriesPage, StoriesQuery,
};
use app::error::AppError;
use async_trait::async_trait;

/// Time zones by IANA name, as Best time and the report schedules read them.
pub use best_time::zone;
/// Public for the dashboard benchmark, which times the cached peer read on its own.
pub use peers::PeerCache;
use reader::Reader;

use crate::store::analytics::AnalyticsStore;
use crate::store::breakdowns::BreakdownStore;
use crate::store::settings::SettingsStore;

#[derive(Clone)]
pub struct AnalyticsService {
    reader: Reader,
}

impl AnalyticsService {
    /// `settings` gives the lookback window that bounds impact scores' peer groups. The
    /// service holds the peer cache, so one service should serve every request.
    pub fn new(store: AnalyticsStore, settings: SettingsStore) -> Self {
        Self {
            reader: Reader {
                breakdowns: BreakdownStore::new(store.connection().clone()),
                store,
                settings,
                peers: PeerCache::default(),
            },
        }
    }
}

#[async_trait]
impl AnalyticsPort for AnalyticsService {
    async fn overview(&self, reach: &Reach, query: &PeriodQuery) -> Result<Overview, AppError> {
        overview::overview(&self.reader, reach, query).await
    }

    async fn posts(&self, reach: &Reach, query: &PostsQuery) -> Result<PostsPage, AppError> {
        posts::page(&self.reader, reach, query).await
    }

    async fn stories(&self, reach: &Reach, query: &StoriesQuery) -> Result<StoriesPage, AppError> {
        stories::stories(&self.reader, reach, query).await
    }

    async fn post(&self, reach: &Reach, id: MediaId) -> Result<PostDetail, AppError> {
        post_detail::detail(&self.reader, reach, id).await
    }

    async fn hashtags(&self, reach: &Reach, query: &PeriodQuery) -> Result<Hashtags, AppError> {
        hashtags::hashtags(&self.reader, reach, query).await
    }

    async fn best_time(&self, reach: &Reach, query: &BestTimeQuery) -> Result<BestTime, AppError> {
        best_time::best_time(&self.reader, reach, query).await
    }

    async fn audience(&self, reach: &Reach, query: &AudienceQuery) -> Result<Audience, AppError> {
        audience::audience(&self.reader, reach, query).await
    }

    async fn kinds(&self, reach: &Reach, query: &PeriodQuery) -> Result<Vec<KindRow>, AppError> {
        kinds::kinds(&self.reader, reach, query).await
    }
}
