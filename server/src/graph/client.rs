//! `GraphClient`: one account's conversation with the Graph API during one sync.
//!
//! The transport lives here: URLs, pacing by Meta's usage headers, retries of transient
//! failures with jittered backoff, error classification, and a count of every request; its
//! bounds (answer size, pages per listing) are in `transport`.
//! What is asked lives beside it: `media_edge` (posts, reels and stories with their insights),
//! `account_insights` (daily account metrics), `token_info` (`debug_token`).
//! Errors are traced at debug level here: callers decide what a failure means (a story's
//! "not enough viewers" is normal) and log it once at the level it deserves.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use reqwest::Url;
use serde::de::DeserializeOwned;
use tracing::instrument;

use super::errors::{Envelope, GraphError};
use super::models::{AccessToken, FacebookPage, InstagramMe, Page, Profile, TokenGrant};
use super::redact;
use super::retry::{jitter_unit, RetryPolicy};
use super::transport::{self, PageCap};
use super::usage::Usage;
use super::Flavour;
use crate::telemetry::metrics;

const PROFILE_FIELDS: &str =
    "id,username,name,profile_picture_url,followers_count,follows_count,media_count";
/// Meta's documented page-size ceiling for edges (Airbyte uses the same).
pub(super) const PAGE_SIZE: usize = 100;
/// Ids per multiple-id read; 50 is the most Graph API clients are known to send at once.
pub(super) const MANY_IDS: usize = 50;
/// A rate limit that says nothing of when access returns: Meta's window is a rolling hour
/// (graph-api/overview/rate-limiting), so calling again within minutes only extends the block.
pub const UNANNOUNCED_RATE_LIMIT_WAIT: Duration = Duration::from_secs(15 * 60);

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

    /// `scheme://host[:port]` of the Instagram Login Graph API when it is not Meta's own:
    /// besides Meta's CDNs, pictures may come from there (the simulator serves its own), so
    /// the sync keeps them and the Content Security Policy names it. `None` for Meta's hosts
    /// (Meta serves pictures from its CDNs only), and unless it is an http(s) origin of
    /// letters, digits and `.-:/[]`, so it cannot add anything to the policy but itself.
    pub fn picture_origin(&self) -> Option<String> {
        let url = Url::parse(&self.instagram_root).ok()?;
        if url
            .host_str()
            .is_some_and(|host| host == "graph.instagram.com" || host == "graph.facebook.com")
        {
            return None;
        }
        let origin = url.origin().ascii_serialization();
        let plain = |c: char| c.is_ascii_alphanumeric() || ".-:/[]".contains(c);
        let web = matches!(url.scheme(), "http" | "https") && url.has_host();
        (web && origin.chars().all(plain)).then_some(origin)
    }
}

pub struct GraphClient {
    http: reqwest::Client,
    pub(super) config: Arc<GraphConfig>,
    pub(super) flavour: Flavour,
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

    pub(super) fn token(&self) -> &AccessToken {
        &self.token
    }

    /// HTTP requests sent so far, retries included.
    pub fn requests(&self) -> u32 {
        self.requests.load(Ordering::Relaxed)
    }

    /// The usage percentage Meta's last answer reported (0 before any).
    pub fn usage_percent(&self) -> f64 {
        self.pace().usage.percent
    }

    /// Total time spent waiting because usage was high.
    pub fn paused(&self) -> Duration {
        self.pace().paused
    }

    fn pace(&self) -> std::sync::MutexGuard<'_, Pace> {
        self.state.lock().expect("pace lock poisoned")
    }

    pub(super) fn base(&self) -> &str {
        match self.flavour {
            Flavour::InstagramLogin => &self.config.instagram_base,
            Flavour::FacebookLogin => &self.config.facebook_base,
        }
    }

    pub(super) fn endpoint(
        root: &str,
        path: &str,
        params: &[(&str, &str)],
    ) -> Result<Url, GraphError> {
        let mut url = Url::parse(&format!("{}/{}", root.trim_end_matches('/'), path))
            .map_err(|e| GraphError::Decode(format!("bad Graph URL for {path}: {e}")))?;
        url.query_pairs_mut().extend_pairs(params);
        Ok(url)
    }

    /// An endpoint URL that authenticates with our token.
    pub(super) fn url(
        &self,
        root: &str,
        path: &str,
        params: &[(&str, &str)],
    ) -> Result<Url, GraphError> {
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
    pub(super) async fn get<T: DeserializeOwned>(&self, url: Url) -> Result<T, GraphError> {
        let mut retry = 0;
        loop {
            self.wait_for_quota().await?;
            self.requests.fetch_add(1, Ordering::Relaxed);
            metrics::graph_request();
            let outcome = self.attempt(url.clone()).await;
            if let Err(e) = &outcome {
                let (kind, code) = e.metric();
                metrics::graph_error(kind, code);
            }
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
                    let until = Instant::now() + retry_after.unwrap_or(UNANNOUNCED_RATE_LIMIT_WAIT);
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
        let answer = self.send(url).await?;
        self.pace().usage = answer.usage.clone();
        answer.decode()
    }

    /// One GET, read to the end (refused past [`transport::BODY_LIMIT`]); nothing
    /// interpreted but the usage headers.
    pub(super) async fn send(&self, url: Url) -> Result<RawAnswer, GraphError> {
        let started = Instant::now();
        let res = self
            .http
            .get(url.clone())
            .timeout(self.config.timeout)
            .send()
            .await
            .map_err(GraphError::from_transport)?;
        let status = res.status().as_u16();
        let headers = res.headers();
        let usage = Usage::from_headers(headers);
        let header = |name: &str| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        let usage_headers = [header("x-app-usage"), header("x-business-use-case-usage")];
        let body = transport::read_body(res, transport::BODY_LIMIT)
            .await
            .map_err(GraphError::from_body)?;
        tracing::debug!(url = %redact::url(url.as_str()), status, elapsed = ?started.elapsed(), "graph call");
        Ok(RawAnswer {
            status,
            usage,
            usage_headers,
            body,
        })
    }

    /// The professional accounts behind the token: `/me` for Instagram Login; for Facebook
    /// Login every Instagram account linked to one of the user's Pages (all pages of
    /// `/me/accounts`, which lists the Pages the user has a role on, Business Manager's
    /// included when the token may see them), each once, in Meta's order. Refused (code 10)
    /// when no Page has one.
    #[instrument(skip(self), err(level = "debug"))]
    pub async fn account_ids(&self) -> Result<Vec<String>, GraphError> {
        match self.flavour {
            Flavour::InstagramLogin => {
                let me: InstagramMe = self
                    .get(self.url(self.base(), "me", &[("fields", "user_id,username")])?)
                    .await?;
                let id = me
                    .user_id
                    .or(me.id)
                    .ok_or_else(|| GraphError::Decode("/me has no user_id".into()))?;
                Ok(vec![id])
            }
            Flavour::FacebookLogin => {
                let mut ids: Vec<String> = Vec::new();
                for page in self.facebook_pages().await? {
                    if let Some(ig) = page.instagram_business_account {
                        if !ids.contains(&ig.id) {
                            ids.push(ig.id);
                        }
                    }
                }
                if ids.is_empty() {
                    return Err(GraphError::Permission {
                        code: 10,
                        message: "no Facebook Page of this user has an Instagram professional \
                                  account linked"
                            .into(),
                    });
                }
                Ok(ids)
            }
        }
    }

    /// The first account behind the token (see [`Self::account_ids`]).
    pub async fn account_id(&self) -> Result<String, GraphError> {
        let mut ids = self.account_ids().await?;
        Ok(ids.swap_remove(0))
    }

    /// The app-scoped id of the token's user: `/me`'s `id` with either login. Meta's data
    /// deletion and deauthorize callbacks name users by it, so it is recorded at connect.
    #[instrument(skip(self), err(level = "debug"))]
    pub async fn app_user_id(&self) -> Result<Option<String>, GraphError> {
        // A Facebook user node answers `{"id": …}`; InstagramMe reads that shape too.
        let me: InstagramMe = self
            .get(self.url(self.base(), "me", &[("fields", "id")])?)
            .await?;
        Ok(me.id)
    }

    #[instrument(skip(self), err(level = "debug"))]
    pub async fn facebook_pages(&self) -> Result<Vec<FacebookPage>, GraphError> {
        let first = self.url(
            self.base(),
            "me/accounts",
            &[
                ("fields", "id,name,instagram_business_account"),
                ("limit", &PAGE_SIZE.to_string()),
            ],
        )?;
        self.all_pages(first).await
    }

    async fn all_pages<T: DeserializeOwned>(&self, first: Url) -> Result<Vec<T>, GraphError> {
        let edge = first.path().to_owned();
        let mut cap = PageCap::new();
        let mut items = Vec::new();
        let mut next = Some(first);
        while let Some(url) = next {
            let page: Page<T> = self.get(url).await?;
            items.extend(page.data);
            next = self.next_url(page.paging.and_then(|p| p.next))?;
            if let Some(url) = &next {
                cap.follow(url.as_str())
                    .map_err(|why| GraphError::EndlessPaging {
                        edge: edge.clone(),
                        why,
                    })?;
            }
        }
        Ok(items)
    }

    #[instrument(skip(self), err(level = "debug"))]
    pub async fn profile(&self, ig_user_id: &str) -> Result<Profile, GraphError> {
        self.get(self.url(self.base(), ig_user_id, &[("fields", PROFILE_FIELDS)])?)
            .await
    }

    /// The profiles of `ids`, in their order, 50 per multiple-id read
    /// (`GET /?ids=a,b&fields=…`, graph-api "Multiple ID Read Requests").
    #[instrument(skip(self, ids), err(level = "debug"))]
    pub async fn profiles(&self, ids: &[String]) -> Result<Vec<Profile>, GraphError> {
        let mut out = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(MANY_IDS) {
            let joined = chunk.join(",");
            let mut read: std::collections::HashMap<String, Profile> = self
                .get(self.url(
                    self.base(),
                    "",
                    &[("ids", joined.as_str()), ("fields", PROFILE_FIELDS)],
                )?)
                .await?;
            for id in chunk {
                let profile = read
                    .remove(id)
                    .ok_or_else(|| GraphError::Decode(format!("no profile for {id}")))?;
                out.push(profile);
            }
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

/// An answer as it came: status, usage (parsed and as sent), body.
pub(super) struct RawAnswer {
    pub status: u16,
    pub usage: Usage,
    /// `X-App-Usage` and `X-Business-Use-Case-Usage` as Meta sent them.
    pub usage_headers: [Option<String>; 2],
    pub body: String,
}

impl RawAnswer {
    /// The body as `T` on success; Meta's error, classified by code, otherwise.
    pub fn decode<T: DeserializeOwned>(&self) -> Result<T, GraphError> {
        if (200..300).contains(&self.status) {
            return serde_json::from_str(&self.body).map_err(|e| GraphError::Decode(e.to_string()));
        }
        Err(match serde_json::from_str::<Envelope>(&self.body) {
            Ok(env) => GraphError::classify(self.status, env.error, self.usage.regain_access),
            Err(_) => GraphError::unparsed(self.status, &self.body),
        })
    }
}
