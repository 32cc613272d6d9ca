//! The Stories page: every story of the period with its final figures (a story's insights
//! vanish 24 hours after it is posted; the poller's last capture before then is kept), sorted
//! and paged.

use app::dto::{PostSummary, Reach, StoriesPage, StoriesQuery, StorySort};
use app::error::AppError;
use app::metrics;

use super::paging::{by_key, cut, pages};
use super::reader::{Reader, Scope};
use super::summary::post_summary;

/// The value a story sorts on; `None` sorts last. Counts fit an f64 exactly.
fn key(s: &PostSummary, sort: StorySort) -> Option<f64> {
    let count = |v: Option<i64>| v.map(|v| v as f64);
    match sort {
        // Listed newest first already; the sort is stable.
        StorySort::Published => Some(0.0),
        StorySort::Reach => count(s.reach),
        StorySort::Views => count(s.views),
        StorySort::Replies => count(s.depth.replies),
        StorySort::Completion => metrics::story_completion(s.views, s.depth.exits),
    }
}

pub(super) async fn stories(
    reader: &Reader,
    reach: &Reach,
    query: &StoriesQuery,
) -> Result<StoriesPage, AppError> {
    let Scope {
        period,
        accounts,
        bounds: (start, end),
    } = reader.scope(reach, &query.period).await?;
    let rows = reader.store.stories(&accounts, start, end).await?;
    let mut stories: Vec<PostSummary> = rows
        .into_iter()
        .map(|(m, name)| post_summary(m, name))
        .collect();
    // Replies and exits are sort keys: every story of the period needs them then, and the
    // page shown only its hashtags; otherwise the page alone needs both.
    let by_depth = matches!(query.sort, StorySort::Replies | StorySort::Completion);
    if by_depth {
        reader.deepen(&mut stories).await?;
    }
    stories.sort_by(|a, b| by_key(key(a, query.sort), key(b, query.sort), false));
    let total = stories.len();
    let (page, pages) = pages(total, query.page);
    let mut shown = cut(stories, page);
    if by_depth {
        reader.tag(&mut shown).await?;
    } else {
        reader.annotate(&mut shown).await?;
    }
    Ok(StoriesPage {
        period: period.view(),
        stories: shown,
        total: total as u64,
        page,
        pages,
    })
}
