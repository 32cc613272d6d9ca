//! `GraphClient`: one account's conversation with the Graph API during one sync.
//!
//! It asks only for fields and metrics the media type supports, pages through cursors, embeds
//! insights in the media edge (one request per 100 media instead of one per media), falls back
//! to per-media requests when a page refuses a metric, retries transient failures with
//! jittered backoff, paces itself by Meta's usage headers, and counts every request.
//! Errors are traced at debug level here: callers decide what a failure means (a story's
//! "not enough viewers" is normal) and log it once at the level it deserves.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use reqwest::Url;
use serde::de::DeserializeOwned;
use time::{Date, OffsetDateTime};
use tracing::instrument;

use super::errors::{Envelope, GraphError};
use super::metrics::{self, ProductType};
use super::models::{
    AccessToken, FacebookPage, Insight, InsightList, InstagramMe, Media, Metrics, Page, Profile,
    TokenGrant,
};
use super::redact;
use super::retry::{jitter_unit, RetryPolicy};
use super::usage::Usage;
use super::Flavour;

/// The media fields we store (DESIGN.md "What it stores").
const MEDIA_FIELDS: &str = "id,caption,media_type,media_product_type,permalink,thumbnail_url,\
media_url,timestamp,like_count,comments_count";
const PROFILE_FIELDS: &str =
    "id,username,name,profile_picture_url,followers_count,follows_count,media_count";
/// Meta's documented page-size ceiling for the media edge (Airbyte uses the same).
const PAGE_SIZE: &str = "100";
/// Account metrics that only answer with `metric_type=total_value`, one day per call.
const DAILY_TOTALS: [&str; 4] = [
    "views",
    "accounts_engaged",
    "total_interactions",
    "profile_views",
];
/// Daily series: unique reach per day, and the day's net new followers.
const DAILY_SERIES: &str = "reach,follower_count";

/// Where the API lives and how patient to be. Base URLs are configuration so that tests and
/// demo mode point at the simulator.
#[derive(Clone, Debug)]
pub struct GraphConfig {
    /// Versioned root for Instagram Login accounts, e.g. `https://graph.instagram.com/v25.0`.
    pub instagram_base: String,
    /// Unversioned root for Instagram's token refresh, e.g. `https://graph.instagram.com`.
    pub instagram_root: String,
    /// Versioned root for Facebook Login accounts, e.g. `https://graph.facebook.com/v25.0`.
    pub facebook_base: String,
    /// Facebook app id and secret: Facebook Login tokens are renewed by exchange, which needs them.
    pub facebook_app: Option<(String, AccessToken)>,
    pub timeout: Duration,
    pub retry: RetryPolicy,
    /// Longest pause taken for high usage before a call.
    pub max_pacing: Duration,
}

impl GraphConfig {
    pub fn meta(version: &str) -> Self {
        Self {
            instagram_base: format!("https://graph.instagram.com/{version}"),
            instagram_root: "https://graph.instagram.com".into(),
            facebook_base: format!("https://graph.facebook.com/{version}"),
            facebook_app: None,
            timeout: Duration::from_secs(30),
            retry: RetryPolicy::default(),
            max_pacing: Duration::from_secs(10),
        }
    }
}

/// A post or story with the lifetime metrics we could read for it.
#[derive(Clone, Debug)]
pub struct MediaWithMetrics {
    pub media: Media,
    pub metrics: Metrics,
    /// Metrics Meta refused for this media (dropped, the rest kept).
    pub dropped: Vec<String>,
}

/// One day of account insights (UTC dates; absent values were not reported).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccountDay {
    pub date: Date,
    pub reach: Option<i64>,
    pub follower_delta: Option<i64>,
    pub views: Option<i64>,
    pub accounts_engaged: Option<i64>,
    pub total_interactions: Option<i64>,
    pub profile_views: Option<i64>,
}

pub struct GraphClient {
    http: reqwest::Client,
    config: Arc<GraphConfig>,
    flavour: Flavour,
    token: AccessToken,
    requests: AtomicU32,
    state: Mutex<Pace>,
}

#[derive(Default)]
struct Pace {
    usage: Usage,
    blocked_until: Option<Instant>,
    paused: Duration,
}

impl GraphClient {
    pub fn new(
        http: reqwest::Client,
        config: Arc<GraphConfig>,
        flavour: Flavour,
        token: AccessToken,
    ) -> Self {
        Self {
            http,
            config,
            flavour,
            token,
            requests: AtomicU32::new(0),
            state: Mutex::default(),
        }
    }

    /// HTTP requests sent so far, retries included.
    pub fn requests(&self) -> u32 {
        self.requests.load(Ordering::Relaxed)
    }

    /// Total time spent waiting because usage was high.
    pub fn paused(&self) -> Duration {
        self.pace().paused
    }

    fn pace(&self) -> std::sync::MutexGuard<'_, Pace> {
        self.state.lock().expect("pace lock poisoned")
    }

    fn base(&self) -> &str {
        match self.flavour {
            Flavour::InstagramLogin => &self.config.instagram_base,
            Flavour::FacebookLogin => &self.config.facebook_base,
        }
    }

    fn endpoint(root: &str, path: &str, params: &[(&str, &str)]) -> Result<Url, GraphError> {
        let mut url = Url::parse(&format!("{}/{}", root.trim_end_matches('/'), path))
            .map_err(|e| GraphError::Decode(format!("bad Graph URL for {path}: {e}")))?;
        url.query_pairs_mut().extend_pairs(params);
        Ok(url)
    }

    /// An endpoint URL that authenticates with our token.
    fn url(&self, root: &str, path: &str, params: &[(&str, &str)]) -> Result<Url, GraphError> {
        let mut url = Self::endpoint(root, path, params)?;
        url.query_pairs_mut()
            .append_pair("access_token", self.token.expose());
        Ok(url)
    }

    /// Follows a `paging.next` URL only if it stays on the host we talk to: the URL carries
    /// our token, so a foreign host would receive it.
    fn next_url(&self, next: Option<String>) -> Result<Option<Url>, GraphError> {
        let Some(next) = next else { return Ok(None) };
        let url =
            Url::parse(&next).map_err(|e| GraphError::Decode(format!("bad paging.next: {e}")))?;
        let ours = Url::parse(self.base()).map_err(|e| GraphError::Decode(e.to_string()))?;
        if url.origin() != ours.origin() {
            return Err(GraphError::Decode(format!(
                "paging.next points to another host: {}",
                redact::url(url.as_str())
            )));
        }
        Ok(Some(url))
    }

    /// One GET with pacing, retries of transient failures, and error classification.
    async fn get<T: DeserializeOwned>(&self, url: Url) -> Result<T, GraphError> {
        let mut retry = 0;
        loop {
            self.wait_for_quota().await?;
            self.requests.fetch_add(1, Ordering::Relaxed);
            let outcome = self.attempt(url.clone()).await;
            match outcome {
                Err(e) if e.is_transient() && retry < self.config.retry.max_retries => {
                    let delay = self.config.retry.delay(retry, jitter_unit());
                    tracing::warn!(error = %e, retry = retry + 1, ?delay, "transient Graph API failure; retrying");
                    tokio::time::sleep(delay).await;
                    retry += 1;
                }
                Err(GraphError::RateLimited {
                    code,
                    retry_after,
                    message,
                }) => {
                    let until = Instant::now() + retry_after.unwrap_or(Duration::from_secs(60));
                    self.pace().blocked_until = Some(until);
                    return Err(GraphError::RateLimited {
                        code,
                        retry_after,
                        message,
                    });
                }
                other => return other,
            }
        }
    }

    /// Slows down as usage approaches the limit; once blocked, refuses without calling
    /// (every call made while throttled extends Meta's block).
    async fn wait_for_quota(&self) -> Result<(), GraphError> {
        let pause = {
            let pace = self.pace();
            if let Some(until) = pace.blocked_until.filter(|u| *u > Instant::now()) {
                return Err(GraphError::RateLimited {
                    code: 80002,
                    retry_after: Some(until - Instant::now()),
                    message: "still rate limited; not calling".into(),
                });
            }
            pace.usage.pacing_delay().min(self.config.max_pacing)
        };
        if !pause.is_zero() {
            tracing::info!(?pause, "Graph API usage is high; pausing");
            tokio::time::sleep(pause).await;
            self.pace().paused += pause;
        }
        Ok(())
    }

    async fn attempt<T: DeserializeOwned>(&self, url: Url) -> Result<T, GraphError> {
        let started = Instant::now();
        let res = self
            .http
            .get(url.clone())
            .timeout(self.config.timeout)
            .send()
            .await
            .map_err(GraphError::from_transport)?;
        let status = res.status().as_u16();
        let usage = Usage::from_headers(res.headers());
        let regain = usage.regain_access;
        self.pace().usage = usage;
        let body = res.text().await.map_err(GraphError::from_transport)?;
        tracing::debug!(url = %redact::url(url.as_str()), status, elapsed = ?started.elapsed(), "graph call");
        if (200..300).contains(&status) {
            return serde_json::from_str(&body).map_err(|e| GraphError::Decode(e.to_string()));
        }
        Err(match serde_json::from_str::<Envelope>(&body) {
            Ok(env) => GraphError::classify(status, env.error, regain),
            Err(_) => GraphError::unparsed(status, &body),
        })
    }

    /// The professional account behind the token: `/me` for Instagram Login, the first Page
    /// with a linked account for Facebook Login.
    #[instrument(skip(self), err(level = "debug"))]
    pub async fn account_id(&self) -> Result<String, GraphError> {
        match self.flavour {
            Flavour::InstagramLogin => {
                let me: InstagramMe = self
                    .get(self.url(self.base(), "me", &[("fields", "user_id,username")])?)
                    .await?;
                me.user_id
                    .or(me.id)
                    .ok_or_else(|| GraphError::Decode("/me has no user_id".into()))
            }
            Flavour::FacebookLogin => self
                .facebook_pages()
                .await?
                .into_iter()
                .find_map(|p| p.instagram_business_account.map(|a| a.id))
                .ok_or_else(|| GraphError::Permission {
                    code: 10,
                    message:
                        "no Facebook Page of this user has an Instagram professional account linked"
                            .into(),
                }),
        }
    }

    #[instrument(skip(self), err(level = "debug"))]
    pub async fn facebook_pages(&self) -> Result<Vec<FacebookPage>, GraphError> {
        let first = self.url(
            self.base(),
            "me/accounts",
            &[
                ("fields", "id,name,instagram_business_account"),
                ("limit", PAGE_SIZE),
            ],
        )?;
        self.all_pages(first).await
    }

    async fn all_pages<T: DeserializeOwned>(&self, first: Url) -> Result<Vec<T>, GraphError> {
        let mut items = Vec::new();
        let mut next = Some(first);
        while let Some(url) = next {
            let page: Page<T> = self.get(url).await?;
            items.extend(page.data);
            next = self.next_url(page.paging.and_then(|p| p.next))?;
        }
        Ok(items)
    }

    #[instrument(skip(self), err(level = "debug"))]
    pub async fn profile(&self, ig_user_id: &str) -> Result<Profile, GraphError> {
        self.get(self.url(self.base(), ig_user_id, &[("fields", PROFILE_FIELDS)])?)
            .await
    }

    /// Feed posts and reels published at or after `since`, with their lifetime metrics.
    #[instrument(skip(self), err(level = "debug"))]
    pub async fn media_since(
        &self,
        ig_user_id: &str,
        since: OffsetDateTime,
    ) -> Result<Vec<MediaWithMetrics>, GraphError> {
        let nested = format!(
            "{MEDIA_FIELDS},insights.metric({})",
            metrics::FEED_AND_REELS.join(",")
        );
        let since = since.unix_timestamp().to_string();
        let first = self.url(
            self.base(),
            &format!("{ig_user_id}/media"),
            &[("fields", &nested), ("limit", PAGE_SIZE), ("since", &since)],
        )?;
        self.media_pages(first, &nested).await
    }

    /// Stories of the last 24 hours (they vanish after that), with their metrics.
    #[instrument(skip(self), err(level = "debug"))]
    pub async fn stories(&self, ig_user_id: &str) -> Result<Vec<MediaWithMetrics>, GraphError> {
        let nested = format!(
            "{MEDIA_FIELDS},insights.metric({})",
            metrics::STORY.join(",")
        );
        let first = self.url(
            self.base(),
            &format!("{ig_user_id}/stories"),
            &[("fields", &nested), ("limit", PAGE_SIZE)],
        )?;
        self.media_pages(first, &nested).await
    }

    /// Walks an edge whose items embed insights. A page that fails because one item refuses a
    /// metric is fetched again without insights, and its items asked one by one.
    async fn media_pages(
        &self,
        first: Url,
        nested_fields: &str,
    ) -> Result<Vec<MediaWithMetrics>, GraphError> {
        let mut out = Vec::new();
        let mut next = Some(first);
        while let Some(url) = next {
            // The plain re-fetch carries no insights, so its items take the per-media path.
            let page = match self.get::<Page<Media>>(url.clone()).await {
                Ok(page) => page,
                Err(GraphError::BadRequest { .. } | GraphError::Permission { code: 10, .. }) => {
                    self.get::<Page<Media>>(with_param(&url, "fields", MEDIA_FIELDS))
                        .await?
                }
                Err(e) => return Err(e),
            };
            for mut media in page.data {
                let item = match media.insights.take() {
                    Some(list) => MediaWithMetrics {
                        metrics: list.lifetime(),
                        dropped: Vec::new(),
                        media,
                    },
                    None => self.with_own_insights(media).await?,
                };
                out.push(item);
            }
            // Pages after a fallback page still try the cheap nested form first.
            next = self
                .next_url(page.paging.and_then(|p| p.next))?
                .map(|u| with_param(&u, "fields", nested_fields));
        }
        Ok(out)
    }

    async fn with_own_insights(&self, media: Media) -> Result<MediaWithMetrics, GraphError> {
        let product = ProductType::parse(media.media_product_type.as_deref());
        match self
            .media_insights(&media.id, metrics::for_product(product))
            .await
        {
            Ok((metrics, dropped)) => Ok(MediaWithMetrics {
                media,
                metrics,
                dropped,
            }),
            // "Not enough viewers" on a story: no metrics, not a failure.
            Err(GraphError::Permission { code: 10, .. }) if product == ProductType::Story => {
                Ok(MediaWithMetrics {
                    media,
                    metrics: Metrics::new(),
                    dropped: Vec::new(),
                })
            }
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
        let path = format!("{media_id}/insights");
        let (list, dropped) = self
            .dropping_refused(wanted, |asked| {
                self.url(self.base(), &path, &[("metric", &asked.join(","))])
            })
            .await?;
        Ok((list.lifetime(), dropped))
    }

    /// Asks for `wanted`; on code 100 drops the metrics the message blames and asks again.
    /// When the message blames none of them, each is tried alone so one bad metric cannot
    /// cost the others.
    async fn dropping_refused(
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

    /// Account insights for each UTC day in `days` (ascending, at most 30 apart): one series
    /// call for reach and follower growth, one total-value call per day for the rest.
    #[instrument(skip(self, days), err(level = "debug"))]
    pub async fn account_days(
        &self,
        ig_user_id: &str,
        days: &[Date],
    ) -> Result<Vec<AccountDay>, GraphError> {
        let (Some(first), Some(last)) = (days.first(), days.last()) else {
            return Ok(Vec::new());
        };
        let path = format!("{ig_user_id}/insights");
        let since = day_start(*first).to_string();
        let until = day_start(last.next_day().unwrap_or(*last)).to_string();
        let series: Page<Insight> = self
            .get(self.url(
                self.base(),
                &path,
                &[
                    ("metric", DAILY_SERIES),
                    ("period", "day"),
                    ("metric_type", "time_series"),
                    ("since", &since),
                    ("until", &until),
                ],
            )?)
            .await?;
        let mut out = Vec::with_capacity(days.len());
        for day in days {
            let (since, until) = (
                day_start(*day).to_string(),
                day_start(day.next_day().unwrap_or(*day)).to_string(),
            );
            let (totals, _) = self
                .dropping_refused(&DAILY_TOTALS, |asked| {
                    self.url(
                        self.base(),
                        &path,
                        &[
                            ("metric", &asked.join(",")),
                            ("period", "day"),
                            ("metric_type", "total_value"),
                            ("since", &since),
                            ("until", &until),
                        ],
                    )
                })
                .await?;
            let total = |name: &str| {
                totals
                    .data
                    .iter()
                    .find(|i| i.name == name)
                    .and_then(Insight::total)
            };
            let on_day = |name: &str| {
                series.data.iter().find(|i| i.name == name).and_then(|i| {
                    // A day's value carries the end of that day as `end_time`.
                    i.series()
                        .into_iter()
                        .find(|(end, _)| (*end - time::Duration::seconds(1)).date() == *day)
                        .map(|(_, v)| v)
                })
            };
            out.push(AccountDay {
                date: *day,
                reach: on_day("reach"),
                follower_delta: on_day("follower_count"),
                views: total("views"),
                accounts_engaged: total("accounts_engaged"),
                total_interactions: total("total_interactions"),
                profile_views: total("profile_views"),
            });
        }
        Ok(out)
    }

    /// Trades this (short-lived, from OAuth) Instagram token for a 60-day one. Server-side
    /// only: it needs the app secret.
    #[instrument(skip_all, err(level = "debug"))]
    pub async fn long_lived(&self, app_secret: &str) -> Result<TokenGrant, GraphError> {
        self.get(self.url(
            &self.config.instagram_root,
            "access_token",
            &[
                ("grant_type", "ig_exchange_token"),
                ("client_secret", app_secret),
            ],
        )?)
        .await
    }

    /// A fresh 60-day token: Instagram refreshes (token at least 24 h old), Facebook exchanges
    /// (needs the app id and secret).
    #[instrument(skip(self), err(level = "debug"))]
    pub async fn refresh_token(&self) -> Result<TokenGrant, GraphError> {
        let url = match self.flavour {
            Flavour::InstagramLogin => self.url(
                &self.config.instagram_root,
                "refresh_access_token",
                &[("grant_type", "ig_refresh_token")],
            )?,
            Flavour::FacebookLogin => {
                let Some((app_id, secret)) = &self.config.facebook_app else {
                    return Err(GraphError::Other {
                        code: 0,
                        message: "Facebook app id and secret are not configured".into(),
                    });
                };
                // The exchange names the token `fb_exchange_token`; no `access_token` is sent.
                Self::endpoint(
                    self.base(),
                    "oauth/access_token",
                    &[
                        ("grant_type", "fb_exchange_token"),
                        ("client_id", app_id),
                        ("client_secret", secret.expose()),
                        ("fb_exchange_token", self.token.expose()),
                    ],
                )?
            }
        };
        self.get(url).await
    }
}

fn day_start(day: Date) -> i64 {
    day.midnight().assume_utc().unix_timestamp()
}

/// `url` with one query parameter replaced.
fn with_param(url: &Url, name: &str, value: &str) -> Url {
    let pairs: Vec<(String, String)> = url
        .query_pairs()
        .filter(|(k, _)| k != name)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let mut out = url.clone();
    out.query_pairs_mut()
        .clear()
        .extend_pairs(pairs)
        .append_pair(name, value);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn with_param_replaces_only_that_parameter() {
        let url =
            Url::parse("http://h/v/1/media?fields=a%2Cb&limit=100&access_token=T&after=C").unwrap();
        let out = with_param(&url, "fields", "x");
        let pairs: Vec<(String, String)> = out
            .query_pairs()
            .map(|(k, v)| (k.into(), v.into()))
            .collect();
        assert!(pairs.contains(&("fields".into(), "x".into())));
        assert!(pairs.contains(&("after".into(), "C".into())));
        assert_eq!(pairs.iter().filter(|(k, _)| k == "fields").count(), 1);
    }

    #[test]
    fn days_start_at_utc_midnight() {
        let day = time::macros::date!(2026 - 11 - 23);
        assert_eq!(day_start(day), 1_795_392_000);
    }
}
