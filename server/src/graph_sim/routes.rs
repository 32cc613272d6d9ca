//! Request handling: authentication, the call budget, faults, and one function per endpoint.

use std::collections::BTreeMap;
use std::sync::atomic::Ordering;
use std::sync::Arc;

use axum::extract::{Path, Query, State as AxState};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use serde_json::{json, Value};
use time::{Date, Duration, OffsetDateTime};

use super::audience;
use super::data::{Account, Post, Product};
use super::days::Days;
use super::faults::FaultKind;
use super::reply::{Answer, Reply, Usage};
use super::{lock, support, Flavour, State, Token, APP_ID, REFRESH_MIN_AGE, TOKEN_LIFETIME};

type Params = BTreeMap<String, String>;

/// Account metrics that answer only with `metric_type=total_value`.
const TOTAL_ONLY: [&str; 13] = [
    "views",
    "profile_links_taps",
    "follows_and_unfollows",
    "reposts",
    "accounts_engaged",
    "total_interactions",
    "likes",
    "comments",
    "shares",
    "saves",
    "replies",
    "profile_views",
    "website_clicks",
];
const SERIES: [&str; 2] = ["reach", "follower_count"];
const MAX_WINDOW: Duration = Duration::days(30);
/// Data access expires 90 days after the person last used the app
/// (facebook-login/guides/access-tokens/data-access-expiration).
const DATA_ACCESS_LIFETIME: Duration = Duration::days(90);

pub fn router(state: Arc<State>) -> Router {
    Router::new()
        .route("/oauth/authorize", get(super::oauth::authorize))
        .route(
            "/oauth/access_token",
            axum::routing::post(super::oauth::exchange_code),
        )
        .route("/{host}/{*rest}", get(handle))
        .with_state(state)
}

struct Call<'a> {
    state: &'a State,
    flavour: Flavour,
    /// `http://host/instagram` or `…/facebook`, for absolute paging URLs.
    root: String,
    path: String,
    params: Params,
    /// The token from an `Authorization` header, when sent that way.
    bearer: Option<String>,
    now: OffsetDateTime,
}

async fn handle(
    AxState(state): AxState<Arc<State>>,
    Path((host, rest)): Path<(String, String)>,
    Query(params): Query<Params>,
    headers: HeaderMap,
) -> Response {
    state.requests.fetch_add(1, Ordering::Relaxed);
    match state.faults.take() {
        Some(FaultKind::Slow(delay)) => tokio::time::sleep(delay).await,
        Some(FaultKind::ServerError) => {
            return Reply::error(2, None, "OAuthException", "Service temporarily unavailable")
                .into_response();
        }
        Some(FaultKind::Unknown) => {
            return Reply::error(1, None, "OAuthException", "An unknown error occurred")
                .into_response();
        }
        Some(FaultKind::Malformed) => {
            return Reply::raw(StatusCode::OK, r#"{"data":[{"id":"17"#).into_response()
        }
        Some(FaultKind::RateLimit) => {
            return Reply::error(
                4,
                None,
                "OAuthException",
                "(#4) Application request limit reached",
            )
            .into_response();
        }
        Some(FaultKind::UserLimit) => {
            return Reply::error(
                17,
                None,
                "OAuthException",
                "(#17) User request limit reached",
            )
            .into_response();
        }
        Some(FaultKind::PageLimit) => {
            return Reply::error(
                32,
                None,
                "OAuthException",
                "(#32) Page request limit reached",
            )
            .into_response();
        }
        Some(FaultKind::CustomLimit) => {
            return Reply::error(
                613,
                None,
                "OAuthException",
                "(#613) Calls to this api have exceeded the rate limit.",
            )
            .into_response();
        }
        Some(FaultKind::TokenNoSubcode) => {
            return Reply::error(190, None, "OAuthException", "Error validating access token: Session has expired on Wednesday, 26-Oct-22 20:00:00 PDT. The current time is Wednesday, 26-Oct-22 21:51:57 PDT.").into_response();
        }
        Some(FaultKind::SessionInvalid) => {
            return Reply::error(
                102,
                None,
                "OAuthException",
                "(#102) Session key invalid or no longer valid",
            )
            .into_response();
        }
        Some(FaultKind::AppLimit) => {
            return Reply::error(
                341,
                None,
                "OAuthException",
                "(#341) Application limit reached",
            )
            .into_response();
        }
        Some(FaultKind::PolicyBlock) => {
            return Reply::error(
                368,
                None,
                "OAuthException",
                "(#368) Temporarily blocked for policies violations",
            )
            .into_response();
        }
        None => {}
    }
    let flavour = match host.as_str() {
        "instagram" => Flavour::InstagramLogin,
        "facebook" => Flavour::FacebookLogin,
        _ => return Reply::no_such_object(&host).into_response(),
    };
    let authority = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("localhost");
    // Meta takes the token as `access_token` or as an OAuth 2.0 bearer header
    // (graph-api/overview "Access tokens"; RFC 6750), and production clients use both.
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|h| h.to_str().ok())
        .and_then(|h| {
            h.strip_prefix("Bearer ")
                .or_else(|| h.strip_prefix("bearer "))
                .or_else(|| h.strip_prefix("OAuth "))
        })
        .map(|t| t.trim().to_owned());
    let call = Call {
        state: &state,
        flavour,
        root: format!("http://{authority}/{host}"),
        path: rest.clone(),
        params,
        bearer,
        now: state.now(),
    };
    match call.answer() {
        Ok(reply) | Err(reply) => reply.into_response(),
    }
}

fn graph_time(t: OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}+0000",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// Splits `a,b,insights.metric(x,y),children{id}` at the commas outside brackets.
fn split_fields(fields: &str) -> Vec<&str> {
    let (mut out, mut depth, mut start) = (Vec::new(), 0i32, 0);
    for (i, c) in fields.char_indices() {
        match c {
            '(' | '{' => depth += 1,
            ')' | '}' => depth -= 1,
            ',' if depth == 0 => {
                out.push(fields[start..i].trim());
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(fields[start..].trim());
    out.into_iter().filter(|f| !f.is_empty()).collect()
}

fn metric_list(text: &str) -> Vec<&str> {
    text.split(',')
        .map(str::trim)
        .filter(|m| !m.is_empty())
        .collect()
}

pub(super) fn title(metric: &str) -> String {
    let mut t = metric.replace('_', " ");
    if let Some(first) = t.get_mut(0..1) {
        first.make_ascii_uppercase();
    }
    t
}

impl Call<'_> {
    fn param(&self, name: &str) -> Option<&str> {
        self.params.get(name).map(String::as_str)
    }

    fn answer(&self) -> Answer {
        let mut segments: Vec<&str> = self.path.split('/').filter(|s| !s.is_empty()).collect();
        if segments
            .first()
            .is_some_and(|s| s.starts_with('v') && s.ends_with(".0"))
        {
            segments.remove(0);
        }
        // Token exchanges authenticate with other parameters.
        match (self.flavour, segments.as_slice()) {
            (Flavour::FacebookLogin, ["oauth", "access_token"]) => return self.facebook_exchange(),
            (Flavour::InstagramLogin, ["access_token"]) => return self.instagram_exchange(),
            (Flavour::FacebookLogin, ["debug_token"]) => return self.debug_token(),
            _ => {}
        }
        let (token_text, token) = self.authenticate()?;
        let usage = self.spend_budget(&token_text, &token)?;
        let account = &self.state.accounts[token.account];
        // With Instagram Login `/me` is the user node, edges included
        // (instagram-platform/reference/me: "translates to GET /{user-id}").
        let me_node = self.flavour == Flavour::InstagramLogin && segments.first() == Some(&"me");
        if me_node {
            segments[0] = &account.ig_user_id;
        }
        let reply = match segments.as_slice() {
            [_] if me_node => self.user(account, true),
            ["me"] => self.me(account),
            ["me", "accounts"] if self.flavour == Flavour::FacebookLogin => self.pages(account),
            ["refresh_access_token"] if self.flavour == Flavour::InstagramLogin => {
                self.refresh(&token)
            }
            [id] if *id == account.ig_user_id => self.user(account, false),
            [id, "media"] if *id == account.ig_user_id => {
                self.media_edge(account, &token_text, false)
            }
            [id, "stories"] if *id == account.ig_user_id => {
                self.media_edge(account, &token_text, true)
            }
            [id, "insights"] if *id == account.ig_user_id => self.account_insights(account),
            [id, "insights"] => {
                let post = self.find_post(account, id)?;
                let mut data = self.media_insights(
                    &post,
                    &token_text,
                    &metric_list(self.param("metric").unwrap_or_default()),
                )?;
                if let Some(breakdown) = self.param("breakdown") {
                    media_breakdown(&mut data, breakdown)?;
                }
                Ok(Reply::json(json!({ "data": data })))
            }
            // Multiple-id read: `GET /?ids=a,b&fields=…` answers `{id: node}` (graph-api
            // "Multiple ID Read Requests"; counted as one call per id, rate-limiting FAQ).
            [] if self.param("ids").is_some() => self.many(account, &token_text),
            // instagram-platform/reference/instagram-media/children.
            [id, "children"] => self.find_post(account, id).and_then(|album| {
                let fields = self.param("fields").unwrap_or("id");
                let data = album
                    .children()
                    .iter()
                    .map(|child| self.media_json(child, fields, &token_text, account))
                    .collect::<Result<Vec<_>, _>>()?;
                Ok(Reply::json(json!({ "data": data })))
            }),
            [id] => self.find_post(account, id).and_then(|post| {
                let fields = self.param("fields").unwrap_or("id");
                self.media_json(&post, fields, &token_text, account)
                    .map(Reply::json)
            }),
            _ => Err(Reply::no_such_object(
                segments.first().copied().unwrap_or(""),
            )),
        };
        match reply {
            Ok(r) => Ok(r.with_usage(usage)),
            Err(r) => Err(r.with_usage(usage)),
        }
    }

    fn authenticate(&self) -> Result<(String, Token), Reply> {
        let Some(text) = self.param("access_token").or(self.bearer.as_deref()) else {
            return Err(Reply::error(
                2500,
                None,
                "OAuthException",
                "An active access token must be used to query information about the current user.",
            ));
        };
        let token = lock(&self.state.tokens).get(text).cloned();
        let invalid = || {
            Reply::error(
                190,
                Some(467),
                "OAuthException",
                "Invalid OAuth access token - Cannot parse access token",
            )
        };
        let token = token
            .filter(|t| t.flavour == self.flavour)
            .ok_or_else(invalid)?;
        let natural = token.issued + TOKEN_LIFETIME;
        let expiry = self
            .state
            .faults
            .expiry(text)
            .map_or(natural, |e| e.min(natural));
        if self.now >= expiry {
            return Err(Reply::error(
                190,
                Some(463),
                "OAuthException",
                &format!(
                    "Error validating access token: Session has expired on {}.",
                    graph_time(expiry)
                ),
            ));
        }
        self.check_proof(text)?;
        Ok((text.to_owned(), token))
    }

    /// `appsecret_proof`, when sent, must be hex HMAC-SHA256 of the token keyed with the app
    /// secret (graph-api/guides/secure-requests); a wrong one is refused even when the app
    /// does not require proofs (facebookarchive/php-graph-sdk#800).
    fn check_proof(&self, token: &str) -> Result<(), Reply> {
        use hmac::{Hmac, Mac};
        let Some(proof) = self.param("appsecret_proof") else {
            return Ok(());
        };
        let mut mac = Hmac::<sha2::Sha256>::new_from_slice(self.state.config.app_secret.as_bytes())
            .expect("HMAC takes any key length");
        mac.update(token.as_bytes());
        let expected: String = mac
            .finalize()
            .into_bytes()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        if proof.eq_ignore_ascii_case(&expected) {
            Ok(())
        } else {
            Err(Reply::error(
                100,
                None,
                "GraphMethodException",
                "Invalid appsecret_proof provided in the API argument",
            ))
        }
    }

    /// Counts the call against the token's rolling hour; refuses with 80002 once spent.
    fn spend_budget(&self, token_text: &str, token: &Token) -> Result<Usage, Reply> {
        let business_id = self.state.accounts[token.account].ig_user_id.clone();
        let Some(budget) = self.state.config.call_budget else {
            return Ok(Usage {
                percent: 0,
                regain_minutes: 0,
                business_id,
            });
        };
        let mut calls = lock(&self.state.calls);
        let window = calls.entry(token_text.to_owned()).or_default();
        while window
            .front()
            .is_some_and(|t| self.now - *t >= Duration::hours(1))
        {
            window.pop_front();
        }
        if window.len() as u32 >= budget {
            let oldest = *window.front().expect("a full window has calls");
            let wait = Duration::hours(1) - (self.now - oldest);
            let usage = Usage {
                percent: 100,
                regain_minutes: (wait.whole_seconds() as u32).div_ceil(60).max(1),
                business_id,
            };
            let reply = Reply::error(80002, None, "OAuthException", "(#80002) There have been too many calls to this Instagram account. Wait a bit and try again.");
            return Err(reply.with_usage(usage));
        }
        window.push_back(self.now);
        Ok(Usage {
            percent: (window.len() as u32 * 100) / budget.max(1),
            regain_minutes: 0,
            business_id,
        })
    }

    fn many(&self, account: &Account, token: &str) -> Answer {
        let fields = self.param("fields").unwrap_or("id");
        let mut out = serde_json::Map::new();
        for id in metric_list(self.param("ids").unwrap_or_default()) {
            let node = if id == account.ig_user_id {
                self.user(account, false).map(|r| r.json_body())?
            } else {
                let post = self.find_post(account, id).map_err(|_| {
                    Reply::error(
                        803,
                        None,
                        "OAuthException",
                        &format!("(#803) Some of the aliases you requested do not exist: {id}"),
                    )
                })?;
                self.media_json(&post, fields, token, account)?
            };
            out.insert(id.to_owned(), node);
        }
        Ok(Reply::json(Value::Object(out)))
    }

    /// `/me` with a Facebook Login token: the Facebook user.
    fn me(&self, account: &Account) -> Answer {
        Ok(Reply::json(
            json!({ "id": format!("{}1", account.page_id), "name": account.name }),
        ))
    }

    /// `/me/accounts`: the user's Pages, `limit` per page with cursors (graph-api/results).
    fn pages(&self, account: &Account) -> Answer {
        // A Page without Instagram first, as real users often have one.
        let pages = [
            json!({ "id": format!("{}9", account.page_id), "name": "Old shop page" }),
            json!({ "id": account.page_id, "name": account.name, "instagram_business_account": { "id": account.ig_user_id } }),
        ];
        let limit = self.limit(25)?;
        let start = match self.param("after") {
            Some("QVFIUmJ") => 1,
            Some("QVFIUmx") => 2,
            Some(_) => return Err(Reply::bad_parameter("(#100) The after cursor is invalid")),
            None => 0,
        };
        let shown: Vec<&Value> = pages.iter().skip(start).take(limit).collect();
        let cursor = |i: usize| if i == 0 { "QVFIUmJ" } else { "QVFIUmx" };
        let mut paging = json!({ "cursors": { "before": cursor(start), "after": cursor(start + shown.len() - 1) } });
        if start + shown.len() < pages.len() {
            paging["next"] = json!(self.url_with(&[("after", cursor(start + shown.len() - 1))]));
        }
        Ok(Reply::json(json!({ "data": shown, "paging": paging })))
    }

    /// Code 10. graph.instagram.com words it without the `(#10)` prefix and types it
    /// `IGApiException` (bk-rs/instagram-apis-rs `err__1.json`, a recorded answer).
    fn no_permission(&self) -> Reply {
        match self.flavour {
            Flavour::InstagramLogin => Reply::error(
                10,
                None,
                "IGApiException",
                "Application does not have permission for this action",
            ),
            Flavour::FacebookLogin => Reply::error(
                10,
                None,
                "OAuthException",
                "(#10) Application does not have permission for this action",
            ),
        }
    }

    /// `limit`: a number, clamped to Meta's 100 (default `default`).
    fn limit(&self, default: usize) -> Result<usize, Reply> {
        match self.param("limit") {
            None => Ok(default),
            Some(l) => l
                .parse::<usize>()
                .map(|l| l.clamp(1, 100))
                .map_err(|_| Reply::bad_parameter("(#100) Param limit must be a number")),
        }
    }

    /// The IG User node (instagram-platform/instagram-graph-api/reference/ig-user); as `/me`
    /// with Instagram Login its `id` is the app-scoped one and `user_id` the account's
    /// (instagram-api-with-instagram-login/get-started).
    fn user(&self, account: &Account, as_me: bool) -> Answer {
        let fields = self.param("fields").unwrap_or("id");
        let id = if as_me {
            format!("{}0", account.page_id)
        } else {
            account.ig_user_id.clone()
        };
        // Meta always includes the node's id, asked for or not.
        let mut out = serde_json::Map::from_iter([("id".to_owned(), json!(id))]);
        let instagram_login = self.flavour == Flavour::InstagramLogin;
        for field in split_fields(fields) {
            let value = match field {
                "id" => json!(id),
                "user_id" if instagram_login => json!(account.ig_user_id),
                // "Can be Business or Media_Creator" (get-started).
                "account_type" if instagram_login => json!("BUSINESS"),
                // A number on the user node (airbytehq/airbyte users.json fixture).
                "ig_id" => json!(account.page_id[..9].parse::<i64>().unwrap_or(1)),
                "username" => json!(account.username),
                "name" => json!(account.name),
                "biography" => json!("Simulated account for Instalytics."),
                "website" => json!(format!("https://example.com/{}", account.username)),
                // Facebook Login only (instagram-platform/instagram-graph-api/reference/ig-user).
                "has_profile_pic" if self.flavour == Flavour::FacebookLogin => json!(true),
                "is_published" if self.flavour == Flavour::FacebookLogin => json!(true),
                "profile_picture_url" => json!(format!(
                    "https://scontent.example/{}.jpg",
                    account.ig_user_id
                )),
                "followers_count" => json!(account.followers(self.state.config.start, self.now)),
                "follows_count" => json!(account.follows),
                "media_count" => json!(account.published(self.now).count()),
                other => {
                    return Err(Reply::bad_parameter(&format!(
                        "(#100) Tried accessing nonexisting field ({other}) on node type (IGUser)"
                    )))
                }
            };
            out.insert(field.to_owned(), value);
        }
        Ok(Reply::json(Value::Object(out)))
    }

    fn find_post(&self, account: &Account, id: &str) -> Result<Post, Reply> {
        account
            .published(self.now)
            .find(|p| p.id == id)
            .cloned()
            .or_else(|| {
                account
                    .live_stories(self.now)
                    .into_iter()
                    .find(|s| s.id == id)
            })
            .or_else(|| {
                // An album's child: its id starts 181 and repeats the album's digits.
                let album = id.strip_prefix("181")?;
                account
                    .published(self.now)
                    .filter(|p| {
                        p.media_type == "CAROUSEL_ALBUM"
                            && p.id[3..].starts_with(&album[..album.len() - 1])
                    })
                    .flat_map(Post::children)
                    .find(|c| c.id == id)
            })
            .ok_or_else(|| Reply::no_such_object(id))
    }

    /// A media node with `fields`. Every field the IG Media reference documents is served
    /// (instagram-platform/reference/instagram-media), and omitted where the reference says
    /// it is absent (album children have no caption, counts, permalink or insights; some
    /// fields are Facebook Login only); anything else is refused as Meta refuses it. Expanded
    /// insights that one item refuses fail the whole request.
    fn media_json(
        &self,
        post: &Post,
        fields: &str,
        token: &str,
        account: &Account,
    ) -> Result<Value, Reply> {
        let mut out = serde_json::Map::from_iter([("id".to_owned(), json!(post.id))]);
        let (likes, comments) = post.counts(self.now);
        let shortcode = &post.id[post.id.len() - 11..];
        let facebook = self.flavour == Flavour::FacebookLogin;
        let counted = post.product != Product::Story && !post.child;
        let metrics = || post.metrics(self.now);
        for field in split_fields(fields) {
            if let Some(list) = field
                .strip_prefix("insights.metric(")
                .and_then(|f| f.strip_suffix(')'))
            {
                let data = self
                    .media_insights(post, token, &metric_list(list))
                    .map_err(|refusal| refusal.with_blame("insights"))?;
                out.insert("insights".into(), json!({ "data": data }));
                continue;
            }
            if field.starts_with("insights") {
                return Err(Reply::bad_parameter(
                    "(#100) For field 'insights': The parameter metric is required",
                ));
            }
            if let Some(spec) = field.strip_prefix("children") {
                // `children{a,b}` (or `children.fields(a,b)`) expands each child.
                let inner = spec
                    .strip_prefix('{')
                    .and_then(|s| s.strip_suffix('}'))
                    .or_else(|| {
                        spec.strip_prefix(".fields(")
                            .and_then(|s| s.strip_suffix(')'))
                    })
                    .unwrap_or("id");
                if !post.children().is_empty() {
                    let data = post
                        .children()
                        .iter()
                        .map(|c| self.media_json(c, inner, token, account))
                        .collect::<Result<Vec<_>, _>>()?;
                    out.insert("children".into(), json!({ "data": data }));
                }
                continue;
            }
            let value = match field {
                "id" => json!(post.id),
                // A string on media (airbytehq/airbyte media.json fixture).
                "ig_id" => json!(post.id[3..].to_string()),
                "legacy_instagram_media_id" => json!(post.id[2..].to_string()),
                "caption" if !post.child => json!(post.caption),
                "media_type" => json!(post.media_type),
                "media_product_type" => json!(post.product.api_name()),
                "permalink" if !post.child => {
                    json!(format!("https://www.instagram.com/p/{shortcode}/"))
                }
                "shortcode" => json!(shortcode),
                "is_comment_enabled" if !post.child => json!(true),
                "owner" => json!({ "id": account.ig_user_id }),
                // Meta sends thumbnail_url for videos only.
                "thumbnail_url" if post.media_type == "VIDEO" => {
                    json!(format!("https://scontent.example/{}_t.jpg", post.id))
                }
                "media_url" => json!(format!("https://scontent.example/{}.jpg", post.id)),
                "timestamp" => json!(graph_time(post.timestamp)),
                "like_count" if counted => json!(likes),
                "comments_count" if counted => json!(comments),
                "username" => json!(account.username),
                "alt_text" if post.media_type == "IMAGE" => json!("A simulated picture"),
                "is_shared_to_feed" if post.product == Product::Reels => json!(true),
                // Facebook Login only, top-level media only (2025–26 additions).
                "saved_count" if facebook && counted => json!(metrics()["saved"]),
                "shares_count" if facebook && counted => json!(metrics()["shares"]),
                "reposts_count" if facebook && counted => json!(metrics()["reposts"]),
                "total_like_count" if facebook && counted => json!(likes),
                "total_comments_count" if facebook && counted => json!(comments),
                "total_views_count" if facebook && counted && post.media_type == "VIDEO" => {
                    json!(metrics()["views"])
                }
                // Documented fields this media does not have: omitted, as Meta omits them.
                "caption"
                | "permalink"
                | "is_comment_enabled"
                | "thumbnail_url"
                | "like_count"
                | "comments_count"
                | "alt_text"
                | "is_shared_to_feed"
                | "is_ai_generated"
                | "media_audio_type"
                | "boost_ads_list"
                | "copyright_check_information" => continue,
                "saved_count"
                | "shares_count"
                | "reposts_count"
                | "total_like_count"
                | "total_comments_count"
                | "total_views_count"
                    if facebook =>
                {
                    continue
                }
                other => {
                    return Err(Reply::bad_parameter(&format!(
                        "(#100) Tried accessing nonexisting field ({other}) on node type (IGMedia)"
                    )))
                }
            };
            out.insert(field.to_owned(), value);
        }
        Ok(Value::Object(out))
    }

    /// Lifetime metrics of one media, or the refusal that fails the whole request.
    fn media_insights(
        &self,
        post: &Post,
        token: &str,
        metrics: &[&str],
    ) -> Result<Vec<Value>, Reply> {
        if metrics.is_empty() {
            return Err(Reply::bad_parameter(
                "(#100) The parameter metric is required",
            ));
        }
        if self.state.faults.insights_revoked(token) {
            return Err(self.no_permission());
        }
        if post.pre_conversion {
            return Err(Reply::posted_before_conversion());
        }
        for metric in metrics {
            support::check(post.product, post.media_type, metric)
                .map_err(|m| Reply::bad_parameter(&m))?;
            if self
                .state
                .faults
                .rejects([post.media_type, post.product.api_name()], metric)
            {
                return Err(Reply::bad_parameter(&format!(
                    "(#100) The metric {metric} is not supported for this media type"
                )));
            }
        }
        let values = post.metrics(self.now);
        if values.is_empty() {
            return Ok(Vec::new());
        }
        if post.product == Product::Story && values["reach"] < 5 {
            return Err(Reply::error(
                10,
                None,
                "OAuthException",
                "(#10) Not enough viewers for the media to show insights",
            ));
        }
        Ok(metrics
            .iter()
            .map(|m| {
                // EU and Japanese stories report no replies (instagram-media/insights).
                let value = if *m == "replies" && self.state.config.replies_always_zero {
                    0
                } else {
                    values.get(m).copied().unwrap_or(0)
                };
                json!({
                    "name": m,
                    "period": "lifetime",
                    "values": [{ "value": value }],
                    "title": title(m),
                    "description": format!("The {} of this media.", m.replace('_', " ")),
                    "id": format!("{}/insights/{m}/lifetime", post.id),
                })
            })
            .collect())
    }

    /// `/media` (posts and reels) or `/stories` (the last 24 h), newest first, cursor-paged.
    fn media_edge(&self, account: &Account, token: &str, stories: bool) -> Answer {
        if stories && self.state.faults.stories_refused(token) {
            return Err(self.no_permission());
        }
        // Time-based paging is documented on the media edge but not always honoured.
        let honours_since = stories || !self.state.config.ignore_media_since;
        let since = self.time_param("since")?.filter(|_| honours_since);
        let until = self.time_param("until")?.filter(|_| honours_since);
        let limit = self.limit(25)?;
        if self.state.faults.max_page().is_some_and(|max| limit > max) {
            return Err(Reply::too_much_data());
        }
        let items: Vec<Post> = if stories {
            account.live_stories(self.now)
        } else {
            account.published(self.now).cloned().collect()
        };
        let items: Vec<&Post> = items
            .iter()
            .filter(|p| {
                since.is_none_or(|s| p.timestamp >= s) && until.is_none_or(|u| p.timestamp <= u)
            })
            .collect();
        // Cursors name an item, not a position, so posts published between two page
        // requests neither repeat nor skip items.
        let start = match self.param("after") {
            None => 0,
            Some(cursor) => {
                let (ts, id) = decode_cursor(cursor)
                    .ok_or_else(|| Reply::bad_parameter("(#100) The after cursor is invalid"))?;
                items.iter().position(|p| p.id == id).map_or_else(
                    || {
                        items
                            .iter()
                            .position(|p| p.timestamp.unix_timestamp() < ts)
                            .unwrap_or(items.len())
                    },
                    |i| i + 1,
                )
            }
        };
        let shown: Vec<&Post> = items.iter().skip(start).take(limit).copied().collect();
        let page: Vec<Value> = shown
            .iter()
            .map(|p| self.media_json(p, self.param("fields").unwrap_or("id"), token, account))
            .collect::<Result<_, _>>()?;
        let more = start + shown.len() < items.len();
        // Where everything fits the first page, Meta's samples for graph.facebook.com (media and
        // stories edges: ig-user/media, ig-user/stories) carry no `paging` at all, while
        // graph.instagram.com's (instagram-api-with-instagram-login/get-started) carries the
        // cursors; an empty answer has none on either.
        let bare = !more && start == 0 && (stories || self.flavour == Flavour::FacebookLogin);
        let (Some(first), Some(last)) = (shown.first(), shown.last()) else {
            return Ok(Reply::json(json!({ "data": page })));
        };
        if bare {
            return Ok(Reply::json(json!({ "data": page })));
        }
        let mut paging =
            json!({ "cursors": { "before": encode_cursor(first), "after": encode_cursor(last) } });
        if more {
            paging["next"] = json!(self.url_with(&[("after", &encode_cursor(last))]));
        }
        Ok(Reply::json(json!({ "data": page, "paging": paging })))
    }

    /// `since`/`until`: unix seconds or a date/time Meta can parse (graph-api/results,
    /// "Time-based Pagination": "a Unix timestamp or a strtotime data value").
    fn time_param(&self, name: &str) -> Result<Option<OffsetDateTime>, Reply> {
        self.param(name)
            .map(|v| {
                parse_time(v, self.now).ok_or_else(|| {
                    Reply::bad_parameter(&format!(
                        "(#100) Param {name} must be a unix timestamp or a date/time string"
                    ))
                })
            })
            .transpose()
    }

    /// This call's URL with some parameters replaced: how Meta builds `paging` URLs.
    fn url_with(&self, replaced: &[(&str, &str)]) -> String {
        let mut params = self.params.clone();
        for (name, value) in replaced {
            params.insert((*name).to_owned(), (*value).to_owned());
        }
        let query: Vec<String> = params
            .iter()
            .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
            .collect();
        format!("{}/{}?{}", self.root, self.path, query.join("&"))
    }

    /// `since`/`until` of an insights request; without them Meta answers yesterday and today
    /// (instagram-user/insights), and never more than 30 days.
    fn window(&self) -> Result<(OffsetDateTime, OffsetDateTime), Reply> {
        let until = self.time_param("until")?.unwrap_or(self.now);
        let since = self
            .time_param("since")?
            .unwrap_or(until - Duration::days(2));
        if until - since > MAX_WINDOW {
            return Err(Reply::bad_parameter(
                "(#100) There cannot be more than 30 days (2592000 s) between since and until",
            ));
        }
        Ok((since, until))
    }

    /// Days of the insights zone, complete ones only: a series reports each day ending after
    /// `since` and by `until`; a total (`whole`) the days lying wholly inside the window.
    fn reported_days(
        &self,
        days: &Days,
        since: OffsetDateTime,
        until: OffsetDateTime,
        whole: bool,
    ) -> Vec<Date> {
        let last = days.date_of(until.min(self.now));
        std::iter::successors(Some(days.date_of(since)), |d| d.next_day())
            .take_while(|d| *d <= last)
            .filter(|d| days.end(*d) <= self.now && days.end(*d) <= until)
            .filter(|d| {
                if whole {
                    days.start(*d) >= since
                } else {
                    days.end(*d) > since
                }
            })
            .collect()
    }

    /// Lifetime account metrics: demographics and `online_followers` (see `audience`).
    fn lifetime_insights(&self, account: &Account, metrics: &[&str]) -> Answer {
        if self.param("period") != Some("lifetime") {
            return Err(Reply::bad_parameter(
                "(#100) period must be one of the following values: lifetime",
            ));
        }
        let total = self.param("metric_type") == Some("total_value");
        let mut data = Vec::new();
        for metric in metrics {
            if *metric == "online_followers" {
                let (since, until) = self.window()?;
                let days = Days::new(&self.state.config.insights_zone);
                let ends: Vec<(Date, String)> = self
                    .reported_days(&days, since, until, false)
                    .into_iter()
                    .map(|d| (d, graph_time(days.end(d))))
                    .collect();
                data.push(audience::online_followers(account, &ends));
            } else if audience::DEMOGRAPHICS.contains(metric) {
                data.extend(audience::demographics(
                    account,
                    metric,
                    self.param("breakdown"),
                    self.param("timeframe"),
                    total,
                )?);
            } else {
                return Err(Reply::bad_parameter(&format!(
                    "(#100) {metric} does not support the lifetime period"
                )));
            }
        }
        Ok(Reply::json(json!({ "data": data })))
    }

    fn account_insights(&self, account: &Account) -> Answer {
        let metrics = metric_list(self.param("metric").unwrap_or_default());
        if metrics.is_empty() {
            return Err(Reply::bad_parameter(
                "(#100) The parameter metric is required",
            ));
        }
        if metrics
            .iter()
            .any(|m| audience::DEMOGRAPHICS.contains(m) || *m == "online_followers")
        {
            return self.lifetime_insights(account, &metrics);
        }
        // Reach also comes by week and by 28 days, as a series (instagram-user/insights in
        // its v19–v22 form; Airbyte's user_insights still reads reach_week, reach_days_28).
        let period = self.param("period").unwrap_or_default();
        let window_days: i64 = match period {
            "day" => 1,
            "week" if metrics == ["reach"] => 7,
            "days_28" if metrics == ["reach"] => 28,
            _ => {
                return Err(Reply::bad_parameter(
                    "(#100) period must be one of the following values: day",
                ))
            }
        };
        let total = match self.param("metric_type").unwrap_or("time_series") {
            "total_value" => true,
            "time_series" => false,
            _ => return Err(Reply::bad_parameter(
                "(#100) metric_type must be one of the following values: time_series, total_value",
            )),
        };
        for (i, m) in metrics.iter().enumerate() {
            if *m == "impressions" {
                return Err(Reply::bad_parameter("(#100) Starting from version 22 and above, the impressions metric is no longer supported for the queried user. Please use views instead."));
            }
            if !TOTAL_ONLY.contains(m) && !SERIES.contains(m) {
                let valid = [&SERIES[..], &TOTAL_ONLY[..]].concat().join(", ");
                return Err(Reply::bad_parameter(&format!(
                    "(#100) metric[{i}] must be one of the following values: {valid}"
                )));
            }
        }
        let total_only: Vec<&str> = metrics
            .iter()
            .copied()
            .filter(|m| TOTAL_ONLY.contains(m))
            .collect();
        if !total && !total_only.is_empty() {
            return Err(Reply::bad_parameter(&format!(
                "(#100) The following metrics ({}) should be specified with parameter metric_type=total_value",
                total_only.join(",")
            )));
        }
        if total && metrics.contains(&"follower_count") {
            return Err(Reply::bad_parameter(
                "(#100) follower_count does not support the total_value metric_type",
            ));
        }
        let (since, until) = self.window()?;
        // Below 100 followers Meta has no follower metrics ("not available for IG users with
        // fewer than 100 followers", instagram-user/insights): the answer comes back empty.
        if metrics.contains(&"follower_count") && account.followers_at_start < 100 {
            return Ok(Reply::json(json!({ "data": [] })));
        }
        let days = Days::new(&self.state.config.insights_zone);
        let reported = self.reported_days(&days, since, until, total);
        let per_day: Vec<(Date, BTreeMap<&str, i64>)> = reported
            .iter()
            .map(|d| {
                // A week's or 28 days' unique reach: fewer than the days' sum.
                let mut values = account.day(*d);
                if window_days > 1 {
                    let reach = (1..window_days)
                        .filter_map(|back| d.checked_sub(Duration::days(back)))
                        .map(|day| account.day(day)["reach"])
                        .sum::<i64>()
                        + values["reach"];
                    values.insert("reach", reach * 6 / 10);
                }
                (*d, values)
            })
            .collect();
        // Breakdowns only with total_value (a series ignores them), each metric by the
        // dimensions its row of the table lists.
        let breakdowns: Vec<&str> = match (total, self.param("breakdown")) {
            (true, Some(b)) => metric_list(b),
            _ => Vec::new(),
        };
        for b in &breakdowns {
            if metrics.iter().any(|m| !account_breakdown_allowed(m, b)) {
                return Err(Reply::error(
                    1,
                    None,
                    "OAuthException",
                    "An unknown error has occurred.",
                ));
            }
        }
        let data: Vec<Value> = metrics
            .iter()
            .map(|m| {
                let mut item = json!({
                    "name": m, "period": period, "title": title(m),
                    "description": format!("Daily {}.", m.replace('_', " ")),
                    "id": format!("{}/insights/{m}/{period}", account.ig_user_id),
                });
                if total {
                    let value: i64 = per_day.iter().map(|(_, v)| v[*m]).sum();
                    item["total_value"] = json!({ "value": value });
                    if !breakdowns.is_empty() {
                        item["total_value"]["breakdowns"] = breakdowns
                            .iter()
                            .map(|b| json!({ "dimension_keys": [b], "results": split(value, account_dimension(b)) }))
                            .collect();
                    }
                } else {
                    item["values"] = per_day
                        .iter()
                        .map(|(d, v)| json!({ "value": v[*m], "end_time": graph_time(days.end(*d)) }))
                        .collect();
                }
                item
            })
            .collect();
        // `previous`/`next` fetch the window before and after (instagram-user/insights:
        // "The pagination cursors (previous and next) fetch the next time window").
        let span = until - since;
        let window = |from: OffsetDateTime, to: OffsetDateTime| {
            self.url_with(&[
                ("since", &from.unix_timestamp().to_string()),
                ("until", &to.unix_timestamp().to_string()),
            ])
        };
        Ok(Reply::json(json!({
            "data": data,
            "paging": {
                "previous": window(since - span, since),
                "next": window(until, until + span),
            }
        })))
    }

    /// `GET /debug_token?input_token=…&access_token={app-id}|{app-secret}`
    /// (facebook-login/guides/access-tokens/debugging): what Meta knows of a token.
    fn debug_token(&self) -> Answer {
        let app = self.param("access_token").or(self.bearer.as_deref());
        let ours = format!("{APP_ID}|{}", self.state.config.app_secret);
        if app != Some(ours.as_str()) {
            return Err(Reply::error(
                190,
                None,
                "OAuthException",
                "Invalid OAuth access token signature.",
            ));
        }
        let Some(input) = self.param("input_token") else {
            return Err(Reply::bad_parameter(
                "(#100) The parameter input_token is required",
            ));
        };
        let token = lock(&self.state.tokens).get(input).cloned();
        let Some(token) = token else {
            return Ok(Reply::json(json!({ "data": {
                "error": { "code": 190, "message": "Invalid OAuth access token.", "subcode": 467 },
                "is_valid": false, "scopes": [],
            }})));
        };
        let natural = token.issued + TOKEN_LIFETIME;
        let expires = self
            .state
            .faults
            .expiry(input)
            .map_or(natural, |e| e.min(natural));
        let account = &self.state.accounts[token.account];
        let mut data = json!({
            "app_id": APP_ID, "type": "USER", "application": "Instalytics simulator",
            "data_access_expires_at": (token.issued + DATA_ACCESS_LIFETIME).unix_timestamp(),
            "expires_at": expires.unix_timestamp(),
            "is_valid": self.now < expires,
            "issued_at": token.issued.unix_timestamp(),
            "scopes": ["instagram_basic", "instagram_manage_insights", "pages_show_list", "pages_read_engagement"],
            "granular_scopes": [
                { "scope": "instagram_basic", "target_ids": [account.ig_user_id] },
                { "scope": "pages_show_list", "target_ids": [account.page_id] },
            ],
            "user_id": format!("{}1", account.page_id),
        });
        if self.now >= expires {
            data["error"] = json!({ "code": 190, "subcode": 463, "message": format!("Error validating access token: Session has expired on {}.", graph_time(expires)) });
        }
        Ok(Reply::json(json!({ "data": data })))
    }

    fn grant(&self, token: String) -> Reply {
        Reply::json(
            json!({ "access_token": token, "token_type": "bearer", "expires_in": TOKEN_LIFETIME.whole_seconds() }),
        )
    }

    fn refresh(&self, token: &Token) -> Result<Reply, Reply> {
        if self.param("grant_type") != Some("ig_refresh_token") {
            return Err(Reply::bad_parameter(
                "(#100) grant_type must be ig_refresh_token",
            ));
        }
        if self.now - token.issued < REFRESH_MIN_AGE {
            return Err(Reply::bad_parameter(
                "(#100) The access token must be at least 24 hours old to be refreshed",
            ));
        }
        Ok(self.grant(
            self.state
                .issue_token(token.account, Flavour::InstagramLogin),
        ))
    }

    fn instagram_exchange(&self) -> Answer {
        if self.param("grant_type") != Some("ig_exchange_token")
            || self.param("client_secret").is_none()
        {
            return Err(Reply::bad_parameter(
                "(#100) grant_type ig_exchange_token and client_secret are required",
            ));
        }
        let (_, token) = self.authenticate()?;
        Ok(self.grant(
            self.state
                .issue_token(token.account, Flavour::InstagramLogin),
        ))
    }

    fn facebook_exchange(&self) -> Answer {
        let (Some("fb_exchange_token"), Some(_), Some(_), Some(short)) = (
            self.param("grant_type"),
            self.param("client_id"),
            self.param("client_secret"),
            self.param("fb_exchange_token"),
        ) else {
            return Err(Reply::bad_parameter(
                "(#100) Missing grant_type, client_id, client_secret or fb_exchange_token",
            ));
        };
        let token = lock(&self.state.tokens).get(short).cloned();
        let Some(token) = token.filter(|t| {
            t.flavour == Flavour::FacebookLogin && self.now < t.issued + TOKEN_LIFETIME
        }) else {
            return Err(Reply::error(
                190,
                Some(467),
                "OAuthException",
                "Invalid OAuth access token - Cannot parse access token",
            ));
        };
        Ok(self.grant(
            self.state
                .issue_token(token.account, Flavour::FacebookLogin),
        ))
    }
}

/// A media metric broken down (instagram-media/insights): `profile_activity` by `action_type`
/// and a story's `navigation` by `story_navigation_action_type`, with the lower-case values
/// Meta's samples show. Any other pair: "An unknown error has occurred." (same page).
fn media_breakdown(data: &mut [Value], breakdown: &str) -> Result<(), Reply> {
    let parts: &[(&str, f64)] = match breakdown {
        "action_type" => &[
            ("bio_link_clicked", 0.4),
            ("call", 0.1),
            ("direction", 0.1),
            ("email", 0.2),
            ("text", 0.2),
        ],
        "story_navigation_action_type" => &[
            ("tap_forward", 0.75),
            ("tap_back", 0.15),
            ("tap_exit", 0.05),
            ("swipe_forward", 0.05),
        ],
        _ => &[],
    };
    let metric = match breakdown {
        "action_type" => "profile_activity",
        _ => "navigation",
    };
    if parts.is_empty() || data.iter().any(|m| m["name"] != metric) {
        return Err(Reply::error(
            1,
            None,
            "OAuthException",
            "An unknown error has occurred.",
        ));
    }
    for item in data {
        let total = item["values"][0]["value"].as_i64().unwrap_or(0);
        item["total_value"] = json!({ "value": total, "breakdowns": [{
            "dimension_keys": [breakdown],
            "results": split(total, parts),
        }]});
    }
    Ok(())
}

/// Which account metric breaks down by which dimension (instagram-user/insights, v25 table).
fn account_breakdown_allowed(metric: &str, breakdown: &str) -> bool {
    match breakdown {
        "media_product_type" => matches!(
            metric,
            "reach" | "views" | "likes" | "comments" | "saves" | "shares" | "total_interactions"
        ),
        "follow_type" => matches!(metric, "reach" | "follows_and_unfollows"),
        "follower_type" => metric == "views",
        "contact_button_type" => metric == "profile_links_taps",
        _ => false,
    }
}

/// A dimension's values (instagram-user/insights) and the share each gets here.
fn account_dimension(breakdown: &str) -> &'static [(&'static str, f64)] {
    match breakdown {
        "media_product_type" => &[
            ("POST", 0.45),
            ("REEL", 0.3),
            ("CAROUSEL_CONTAINER", 0.15),
            ("STORY", 0.08),
            ("AD", 0.02),
        ],
        "follow_type" | "follower_type" => &[("FOLLOWER", 0.55), ("NON_FOLLOWER", 0.45)],
        _ => &[
            ("BOOK_NOW", 0.1),
            ("CALL", 0.2),
            ("DIRECTION", 0.2),
            ("EMAIL", 0.2),
            ("TEXT", 0.2),
            ("UNDEFINED", 0.1),
        ],
    }
}

/// `total` shared out by `parts`, as breakdown results; the remainder goes to the first.
fn split(total: i64, parts: &[(&str, f64)]) -> Vec<Value> {
    let mut values: Vec<i64> = parts
        .iter()
        .map(|(_, f)| (total as f64 * f).floor() as i64)
        .collect();
    values[0] += total - values.iter().sum::<i64>();
    parts
        .iter()
        .zip(values)
        .map(|((key, _), value)| json!({ "dimension_values": [key], "value": value }))
        .collect()
}

/// Cursors are opaque to clients; ours name the item (its time, as a fallback once the item
/// is gone, and its id).
fn encode_cursor(post: &Post) -> String {
    cursor_text(post.timestamp.unix_timestamp(), &post.id)
}

fn cursor_text(unix: i64, id: &str) -> String {
    format!("QVFI{unix:x}.{id}")
}

fn decode_cursor(cursor: &str) -> Option<(i64, String)> {
    let (unix, id) = cursor.strip_prefix("QVFI")?.split_once('.')?;
    Some((i64::from_str_radix(unix, 16).ok()?, id.to_owned()))
}

/// Unix seconds, RFC 3339 (`+00:00` or Meta's `+0000`), a date-time without zone (UTC), or a
/// bare date (its UTC midnight).
fn parse_time(text: &str, now: OffsetDateTime) -> Option<OffsetDateTime> {
    use time::format_description::well_known::Rfc3339;
    use time::macros::format_description;
    let text = text.trim();
    if let Ok(unix) = text.parse::<i64>() {
        return OffsetDateTime::from_unix_timestamp(unix).ok();
    }
    if let Ok(t) = crate::graph::models::parse_graph_time(text) {
        return Some(t);
    }
    if let Ok(t) = OffsetDateTime::parse(text, &Rfc3339) {
        return Some(t);
    }
    let naive = format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]");
    if let Ok(t) = time::PrimitiveDateTime::parse(text, naive) {
        return Some(t.assume_utc());
    }
    let spaced = format_description!("[year]-[month]-[day] [hour]:[minute]:[second]");
    if let Ok(t) = time::PrimitiveDateTime::parse(text, spaced) {
        return Some(t.assume_utc());
    }
    let date = format_description!("[year]-[month]-[day]");
    if let Ok(d) = Date::parse(text, date) {
        return Some(d.midnight().assume_utc());
    }
    relative_time(text, now)
}

/// strtotime's words and offsets: `now`, `today`, `yesterday`, `tomorrow`, `-7 days`,
/// `+1 week`, `3 hours ago` (the media and insights references take "strtotime data values").
fn relative_time(text: &str, now: OffsetDateTime) -> Option<OffsetDateTime> {
    let today = now.date().midnight().assume_utc();
    let lower = text.to_ascii_lowercase();
    match lower.as_str() {
        "now" => return Some(now),
        "today" | "midnight" => return Some(today),
        "yesterday" => return Some(today - Duration::days(1)),
        "tomorrow" => return Some(today + Duration::days(1)),
        _ => {}
    }
    let (body, ago) = match lower.strip_suffix(" ago") {
        Some(body) => (body.trim(), true),
        None => (lower.trim(), false),
    };
    let (number, unit) = body.split_once(' ')?;
    let n: i32 = number.trim_start_matches('+').parse().ok()?;
    let unit = match unit.trim().trim_end_matches('s') {
        "sec" | "second" => Duration::seconds(1),
        "min" | "minute" => Duration::minutes(1),
        "hour" => Duration::hours(1),
        "day" => Duration::days(1),
        "week" => Duration::weeks(1),
        "month" => Duration::days(30),
        "year" => Duration::days(365),
        _ => return None,
    };
    let offset = unit * n;
    Some(if ago { now - offset } else { now + offset })
}

fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_split_outside_brackets_only() {
        assert_eq!(
            split_fields("id,caption,insights.metric(reach,views),children{id,media_url}"),
            [
                "id",
                "caption",
                "insights.metric(reach,views)",
                "children{id,media_url}"
            ]
        );
        assert_eq!(split_fields(""), Vec::<&str>::new());
    }

    #[test]
    fn cursors_round_trip_and_reject_junk() {
        for (unix, id) in [(0, "1"), (1_795_435_200, "17918195224117851")] {
            assert_eq!(
                decode_cursor(&cursor_text(unix, id)),
                Some((unix, id.to_owned()))
            );
        }
        assert_eq!(decode_cursor("garbage"), None);
    }

    #[test]
    fn graph_time_has_metas_offset_spelling() {
        let t = OffsetDateTime::from_unix_timestamp(1_569_537_403).unwrap();
        assert_eq!(graph_time(t), "2019-09-26T22:36:43+0000");
    }
}
