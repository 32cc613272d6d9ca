//! The dashboard pages' server functions, readable by everyone signed in, over the accounts
//! of their workspaces, and by a share link's visitors, over what it shows. Queries are
//! validated by the port.

use leptos::prelude::*;

#[cfg(feature = "ssr")]
use crate::auth::as_dashboard_reader;
use crate::dto::{
    Audience, AudienceQuery, BestTime, BestTimeQuery, Hashtags, MediaId, Overview, PeriodQuery,
    PostDetail, PostsPage, PostsQuery, StoriesPage, StoriesQuery,
};
use crate::error::AppError;

/// The argument struct is `LoadOverview`: the default name is the DTO it returns.
#[server(name = LoadOverview, endpoint = "analytics/overview")]
pub async fn overview(
    // Absent (a bare `/`) means the defaults: all accounts, the last 30 days.
    #[server(default)] query: PeriodQuery,
) -> Result<Overview, AppError> {
    as_dashboard_reader(|b, reach| async move { b.analytics.overview(&reach, &query).await }).await
}

#[server(name = LoadPosts, endpoint = "analytics/posts")]
pub async fn posts(#[server(default)] query: PostsQuery) -> Result<PostsPage, AppError> {
    as_dashboard_reader(|b, reach| async move { b.analytics.posts(&reach, &query).await }).await
}

#[server(name = LoadStories, endpoint = "analytics/stories")]
pub async fn stories(#[server(default)] query: StoriesQuery) -> Result<StoriesPage, AppError> {
    as_dashboard_reader(|b, reach| async move { b.analytics.stories(&reach, &query).await }).await
}

#[server(name = LoadPost, endpoint = "analytics/post")]
pub async fn post(id: MediaId) -> Result<PostDetail, AppError> {
    as_dashboard_reader(|b, reach| async move { b.analytics.post(&reach, id).await }).await
}

#[server(name = LoadHashtags, endpoint = "analytics/hashtags")]
pub async fn hashtags(#[server(default)] query: PeriodQuery) -> Result<Hashtags, AppError> {
    as_dashboard_reader(|b, reach| async move { b.analytics.hashtags(&reach, &query).await }).await
}

#[server(name = LoadAudience, endpoint = "analytics/audience")]
pub async fn audience(#[server(default)] query: AudienceQuery) -> Result<Audience, AppError> {
    as_dashboard_reader(|b, reach| async move { b.analytics.audience(&reach, &query).await }).await
}

#[server(name = LoadBestTime, endpoint = "analytics/best-time")]
pub async fn best_time(#[server(default)] query: BestTimeQuery) -> Result<BestTime, AppError> {
    as_dashboard_reader(|b, reach| async move { b.analytics.best_time(&reach, &query).await }).await
}
