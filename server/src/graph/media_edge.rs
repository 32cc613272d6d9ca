//! The media and stories edges with their lifetime insights, in as few requests as Meta allows.
//!
//! A page asks every item's insights by field expansion (`insights.metric(…)`): one request
//! per 100 media. Meta fails the whole page when one item cannot give a metric (code 100,
//! subcode 2108006 or 33, keboola/ex-facebook-graph-api#35): a feed video from before reels
//! refuses `views`, media posted before the business conversion refuse everything, a story
//! under 5 viewers answers code 10. Such a page is isolated rather than asked item by item:
//! read once without insights to learn its items, then asked again in runs split where the
//! metric set changes (a legacy video asks fewer), halving any run that still fails until the
//! refusing item stands alone and is asked on its own.
//!
//! The media edge is newest first and `since` is not always honoured, so paging stops at the
//! first item older than the window. Code 1 "reduce the amount of data" halves the page size.

use std::future::Future;
use std::pin::Pin;

use reqwest::Url;
use time::OffsetDateTime;
use tracing::instrument;

use super::client::{GraphClient, PAGE_SIZE};
use super::errors::{GraphError, POSTED_BEFORE_CONVERSION};
use super::metrics::{self, ProductType};
use super::models::{InsightList, Media, Metrics, Page};
use super::transport::PageCap;

/// The media fields we store (https://developers.facebook.com/docs/instagram-platform/reference/instagram-media).
pub const MEDIA_FIELDS: &str = "id,caption,media_type,media_product_type,permalink,\
thumbnail_url,media_url,timestamp,like_count,comments_count";

/// A post or story with the lifetime metrics we could read for it.
#[derive(Clone, Debug)]
pub struct MediaWithMetrics {
    pub media: Media,
    pub metrics: Metrics,
    /// A reel's `reels_skip_rate`, a percentage with its fraction.
    pub skip_rate: Option<f64>,
    /// A story's navigation by action (`tap_forward`, `tap_back`, `tap_exit`, `swipe_forward`).
    pub navigation: Metrics,
    /// Metrics Meta refused for this media (dropped, the rest kept).
    pub dropped: Vec<String>,
}

impl MediaWithMetrics {
    fn new(media: Media, metrics: Metrics, dropped: Vec<String>) -> Self {
        Self {
            media,
            metrics,
            skip_rate: None,
            navigation: Metrics::new(),
            dropped,
        }
    }
}

/// One edge to walk: where, from when, and the metric set most of its items take.
struct Edge {
    path: String,
    since: Option<OffsetDateTime>,
    usual: &'static [&'static str],
}

/// What one page (or one isolated page) yielded.
struct Step {
    items: Vec<MediaWithMetrics>,
    after: Option<String>,
    more: bool,
}

/// A recursive async step (halving a refused run or group).
pub(super) type Boxed<'a, T> = Pin<Box<dyn Future<Output = Result<T, GraphError>> + Send + 'a>>;

/// A page refused because of one of its items, not because of the request or the token.
pub(super) fn refused_by_an_item(err: &GraphError) -> bool {
    match err {
        GraphError::BadRequest { .. } => true,
        GraphError::Permission { code: 10, message } => not_enough_viewers(message),
        _ => false,
    }
}

/// Stories seen by fewer than 5 accounts: "(#10) Not enough viewers for the media to show
/// insights" (https://developers.facebook.com/docs/instagram-platform/reference/instagram-media/insights).
fn not_enough_viewers(message: &str) -> bool {
    message.to_lowercase().contains("not enough viewers")
}

/// Refusals that hold for every metric of the media: posted before the account became a
/// business account, or a story seen by fewer than 5 accounts.
pub(super) fn has_no_insights(err: &GraphError) -> bool {
    match err {
        GraphError::BadRequest { subcode, .. } => *subcode == Some(POSTED_BEFORE_CONVERSION),
        GraphError::Permission { message, .. } => not_enough_viewers(message),
        _ => false,
    }
}

fn metrics_of(media: &Media) -> &'static [&'static str] {
    metrics::for_media(
        ProductType::parse(media.media_product_type.as_deref()),
        media.media_type.as_deref(),
    )
}

fn from_nested(mut media: Media) -> MediaWithMetrics {
    let metrics = media
        .insights
        .take()
        .map(|list| list.lifetime())
        .unwrap_or_default();
    MediaWithMetrics::new(media, metrics, Vec::new())
}

impl GraphClient {
    /// Feed posts and reels published at or after `since`, with their lifetime metrics.
    #[instrument(skip(self), err(level = "debug"))]
    pub async fn media_since(
        &self,
        ig_user_id: &str,
        since: OffsetDateTime,
    ) -> Result<Vec<MediaWithMetrics>, GraphError> {
        self.walk(&Edge {
            path: format!("{ig_user_id}/media"),
            since: Some(since),
            usual: &metrics::FEED_AND_REELS,
        })
        .await
    }

    /// Stories of the last 24 hours (they vanish after that), with their metrics.
    #[instrument(skip(self), err(level = "debug"))]
    pub async fn stories(&self, ig_user_id: &str) -> Result<Vec<MediaWithMetrics>, GraphError> {
        self.walk(&Edge {
            path: format!("{ig_user_id}/stories"),
            since: None,
            usual: &metrics::STORY,
        })
        .await
    }

    async fn walk(&self, edge: &Edge) -> Result<Vec<MediaWithMetrics>, GraphError> {
        let mut out = Vec::new();
        let mut cursor: Option<String> = None;
        let mut limit = PAGE_SIZE;
        let mut cap = PageCap::new();
        loop {
            let step = match self
                .edge_page(edge, cursor.as_deref(), limit, edge.usual)
                .await
            {
                Ok(page) => Step {
                    more: page.has_next(),
                    after: page.after().map(str::to_owned),
                    items: page.data.into_iter().map(from_nested).collect(),
                },
                Err(GraphError::TooMuchData(message)) if limit > 1 => {
                    limit = (limit / 2).max(1);
                    tracing::info!(limit, %message, "Meta asks for less data; smaller pages");
                    continue;
                }
                Err(e) if refused_by_an_item(&e) => {
                    tracing::info!(error = %e, "a page refused its insights; isolating the item");
                    self.isolate(edge, cursor.as_deref(), limit).await?
                }
                Err(e) => return Err(e),
            };
            let mut done = !step.more;
            for item in step.items {
                if edge.since.is_some_and(|s| item.media.timestamp < s) {
                    done = true;
                    break;
                }
                out.push(item);
            }
            match step.after {
                Some(after) if !done => {
                    cap.follow(&after)
                        .map_err(|why| GraphError::EndlessPaging {
                            edge: edge.path.clone(),
                            why,
                        })?;
                    cursor = Some(after);
                }
                None if !done => {
                    return Err(GraphError::Decode(
                        "a page with paging.next has no after cursor".into(),
                    ))
                }
                _ => return Ok(out),
            }
        }
    }

    /// One page of `edge` from `after`, each item with `metrics` expanded (none: no insights).
    async fn edge_page(
        &self,
        edge: &Edge,
        after: Option<&str>,
        limit: usize,
        metrics: &[&str],
    ) -> Result<Page<Media>, GraphError> {
        let fields = if metrics.is_empty() {
            MEDIA_FIELDS.to_owned()
        } else {
            format!("{MEDIA_FIELDS},insights.metric({})", metrics.join(","))
        };
        let limit = limit.to_string();
        let since = edge.since.map(|s| s.unix_timestamp().to_string());
        let mut params = vec![("fields", fields.as_str()), ("limit", limit.as_str())];
        if let Some(since) = &since {
            params.push(("since", since));
        }
        if let Some(after) = after {
            params.push(("after", after));
        }
        self.get(self.url(self.base(), &edge.path, &params)?).await
    }

    /// The page of `limit` items after `cursor`, read without insights, then asked again in
    /// runs of items that take the same metrics.
    async fn isolate(
        &self,
        edge: &Edge,
        cursor: Option<&str>,
        limit: usize,
    ) -> Result<Step, GraphError> {
        let plain = self.edge_page(edge, cursor, limit, &[]).await?;
        let mut runs: Vec<(usize, &'static [&'static str])> = Vec::new();
        for media in &plain.data {
            let set = metrics_of(media);
            match runs.last_mut() {
                Some((len, last)) if *last == set => *len += 1,
                _ => runs.push((1, set)),
            }
        }
        let mut items = Vec::with_capacity(plain.data.len());
        let mut at = cursor.map(str::to_owned);
        for (len, set) in runs {
            at = self.run(edge, at, len, set, &mut items).await?;
        }
        Ok(Step {
            items,
            more: plain.has_next(),
            after: plain.after().map(str::to_owned),
        })
    }

    /// `len` items after `at` with `set` expanded; a refused run is halved, a refused single
    /// item is read plain and asked for its own insights. Returns the cursor after the run.
    fn run<'a>(
        &'a self,
        edge: &'a Edge,
        at: Option<String>,
        len: usize,
        set: &'static [&'static str],
        out: &'a mut Vec<MediaWithMetrics>,
    ) -> Boxed<'a, Option<String>> {
        Box::pin(async move {
            match self.edge_page(edge, at.as_deref(), len, set).await {
                Ok(page) => {
                    let after = page.after().map(str::to_owned);
                    out.extend(page.data.into_iter().map(from_nested));
                    Ok(after)
                }
                Err(e) if refused_by_an_item(&e) && len > 1 => {
                    let half = len / 2;
                    let middle = self.run(edge, at, half, set, out).await?;
                    self.run(edge, middle, len - half, set, out).await
                }
                Err(e) if refused_by_an_item(&e) => {
                    let page = self.edge_page(edge, at.as_deref(), 1, &[]).await?;
                    let after = page.after().map(str::to_owned);
                    for media in page.data {
                        out.push(self.alone(media, &e).await?);
                    }
                    Ok(after)
                }
                Err(e) => Err(e),
            }
        })
    }

    /// The insights of one media that refused them in a page, asked of it alone.
    async fn alone(
        &self,
        media: Media,
        refusal: &GraphError,
    ) -> Result<MediaWithMetrics, GraphError> {
        let wanted = metrics_of(&media);
        let none = |media| {
            let dropped = wanted.iter().map(|m| (*m).to_owned()).collect();
            MediaWithMetrics::new(media, Metrics::new(), dropped)
        };
        if has_no_insights(refusal) || wanted.is_empty() {
            return Ok(none(media));
        }
        match self.media_insights(&media.id, wanted).await {
            Ok((metrics, dropped)) => Ok(MediaWithMetrics::new(media, metrics, dropped)),
            Err(e) if has_no_insights(&e) => Ok(none(media)),
            Err(e) => Err(e),
        }
    }

    /// Lifetime metrics of one media; metrics Meta refuses for it are dropped and reported.
    #[instrument(skip(self, wanted), err(level = "debug"))]
    pub async fn media_insights(
        &self,
        media_id: &str,
        wanted: &[&str],
    ) -> Result<(Metrics, Vec<String>), GraphError> {
        let (list, dropped) = self.media_insight_list(media_id, wanted, None).await?;
        Ok((list.lifetime(), dropped))
    }

    /// `GET /{media_id}/insights?metric=…[&breakdown=…]`, dropping what the media refuses.
    pub(super) async fn media_insight_list(
        &self,
        media_id: &str,
        wanted: &[&str],
        breakdown: Option<&str>,
    ) -> Result<(InsightList, Vec<String>), GraphError> {
        let path = format!("{media_id}/insights");
        self.dropping_refused(wanted, |asked| {
            let metric = asked.join(",");
            let mut params = vec![("metric", metric.as_str())];
            if let Some(breakdown) = breakdown {
                params.push(("breakdown", breakdown));
            }
            self.url(self.base(), &path, &params)
        })
        .await
    }

    /// Asks for `wanted`; on code 100 drops the metrics the message blames and asks again.
    /// When the message blames none of them, each is tried alone so one bad metric cannot
    /// cost the others.
    pub(super) async fn dropping_refused(
        &self,
        wanted: &[&str],
        url_for: impl Fn(&[&str]) -> Result<Url, GraphError>,
    ) -> Result<(InsightList, Vec<String>), GraphError> {
        let mut asked: Vec<&str> = wanted.to_vec();
        let mut dropped = Vec::new();
        while !asked.is_empty() {
            match self.get::<InsightList>(url_for(&asked)?).await {
                Ok(list) => return Ok((list, dropped)),
                Err(GraphError::BadRequest { message, .. }) => {
                    let blamed = metrics::blamed(&message, &asked);
                    if blamed.is_empty() {
                        return self.one_by_one(&asked, &url_for, dropped).await;
                    }
                    tracing::info!(?blamed, "metrics refused; dropped for this item");
                    asked.retain(|m| !blamed.contains(m));
                    dropped.extend(blamed.into_iter().map(String::from));
                }
                Err(e) => return Err(e),
            }
        }
        Ok((InsightList::default(), dropped))
    }

    async fn one_by_one(
        &self,
        asked: &[&str],
        url_for: &impl Fn(&[&str]) -> Result<Url, GraphError>,
        mut dropped: Vec<String>,
    ) -> Result<(InsightList, Vec<String>), GraphError> {
        let mut list = InsightList::default();
        for metric in asked {
            match self.get::<InsightList>(url_for(&[metric])?).await {
                Ok(one) => list.data.extend(one.data),
                Err(GraphError::BadRequest { .. }) => dropped.push((*metric).to_owned()),
                Err(e) => return Err(e),
            }
        }
        Ok((list, dropped))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_item_refusals_are_isolated() {
        let bad = GraphError::BadRequest {
            subcode: Some(POSTED_BEFORE_CONVERSION),
            message: "Invalid parameter".into(),
        };
        assert!(refused_by_an_item(&bad));
        let viewers = GraphError::Permission {
            code: 10,
            message: "(#10) Not enough viewers for the media to show insights".into(),
        };
        assert!(refused_by_an_item(&viewers));
        let permission = GraphError::Permission {
            code: 10,
            message: "(#10) Application does not have permission for this action".into(),
        };
        assert!(!refused_by_an_item(&permission));
        assert!(!refused_by_an_item(&GraphError::Transient("x".into())));
    }

    #[test]
    fn only_media_wide_refusals_mean_no_insights() {
        assert!(has_no_insights(&GraphError::BadRequest {
            subcode: Some(POSTED_BEFORE_CONVERSION),
            message: "Invalid parameter".into(),
        }));
        assert!(!has_no_insights(&GraphError::BadRequest {
            subcode: None,
            message: "(#100) The Media Insights API does not support the follows metric".into(),
        }));
        assert!(has_no_insights(&GraphError::Permission {
            code: 10,
            message: "(#10) Not enough viewers for the media to show insights".into(),
        }));
    }
}
