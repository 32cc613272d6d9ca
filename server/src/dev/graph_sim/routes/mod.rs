//! Request handling: the router, injected faults, and the dispatcher that hands each path to
//! the file of its resource: `tokens` (exchanges, refresh, `debug_token`), `profile` (`/me`,
//! the user node, Pages), `media` (the media node and album children), `media_edge` (the
//! `/media` and `/stories` edges), `media_insights`, `account_insights`. `access` checks the
//! token and spends the call budget; `params` reads the query string.

mod access;
mod account_insights;
mod media;
mod media_edge;
mod media_insights;
mod params;
mod profile;
mod tokens;

use std::collections::BTreeMap;
use std::sync::atomic::Ordering;
use std::sync::Arc;

use axum::extract::{Path, Query, State as AxState};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use serde_json::Value;
use time::OffsetDateTime;

use super::data::Account;
use super::faults::FaultKind;
use super::reply::{Answer, Reply};
use super::{Flavour, State};
use params::metric_list;

type Params = BTreeMap<String, String>;

pub fn router(state: Arc<State>) -> Router {
    Router::new()
        .route("/oauth/authorize", get(super::oauth::authorize))
        // www.facebook.com/vNN.0/dialog/oauth; the version is not checked here.
        .route("/dialog/oauth", get(super::oauth::facebook_dialog))
        .route(
            "/oauth/access_token",
            axum::routing::post(super::oauth::exchange_code),
        )
        .route(
            &format!("{}/{{name}}", super::pictures::PATH),
            get(super::pictures::serve),
        )
        .route("/{host}/{*rest}", get(handle))
        .with_state(state)
}

struct Call<'a> {
    state: &'a State,
    flavour: Flavour,
    /// `http://host`, as the request named the simulator: where its pictures are.
    origin: String,
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
        Some(FaultKind::Malformed) => {
            return Reply::raw(StatusCode::OK, r#"{"data":[{"id":"17"#).into_response()
        }
        Some(kind) => {
            if let Some((code, message)) = kind.meta_error() {
                return Reply::error(code, None, "OAuthException", message).into_response();
            }
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
    let origin = format!("http://{authority}");
    let call = Call {
        state: &state,
        flavour,
        root: format!("{origin}/{host}"),
        origin,
        path: rest.clone(),
        params,
        bearer,
        now: state.now(),
    };
    match call.answer() {
        Ok(reply) | Err(reply) => reply.into_response(),
    }
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
        let mut usage = self.spend_budget(&token_text, &token)?;
        // A multiple-id read counts one call per id (graph-api/overview/rate-limiting, FAQ).
        let ids = self.param("ids").map_or(0, |ids| metric_list(ids).len());
        for _ in 1..ids {
            usage = self.spend_budget(&token_text, &token)?;
        }
        let owned: Vec<&Account> = token
            .accounts
            .iter()
            .map(|&i| &self.state.accounts[i])
            .collect();
        let account = self.addressed(&owned, segments.first().copied());
        // With Instagram Login `/me` is the user node, edges included
        // (instagram-platform/reference/me: "translates to GET /{user-id}").
        let me_node = self.flavour == Flavour::InstagramLogin && segments.first() == Some(&"me");
        if me_node {
            segments[0] = &account.ig_user_id;
        }
        let reply = match segments.as_slice() {
            [_] if me_node => self.user(account, true),
            ["me"] => self.me(account),
            ["me", "accounts"] if self.flavour == Flavour::FacebookLogin => self.pages(&owned),
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
            // A media's own insights; a refusal here goes out without usage headers.
            [id, "insights"] => {
                return self
                    .media_insights_edge(account, id, &token_text)
                    .map(|r| r.with_usage(usage));
            }
            // Multiple-id read: `GET /?ids=a,b&fields=…` answers `{id: node}` (graph-api
            // "Multiple ID Read Requests"; counted as one call per id, rate-limiting FAQ).
            [] if self.param("ids").is_some() => self.many(&owned, &token_text),
            [id, "children"] => self.children(account, id, &token_text),
            [id] => self.media_node(account, id, &token_text),
            _ => Err(Reply::no_such_object(
                segments.first().copied().unwrap_or(""),
            )),
        };
        match reply {
            Ok(r) => Ok(r.with_usage(usage)),
            Err(r) => Err(r.with_usage(usage)),
        }
    }

    /// The account a path is about, among those the token serves: the one whose IG user or
    /// media the first segment names; otherwise (`/me`, an unknown id) the first.
    fn addressed<'a>(&self, owned: &[&'a Account], node: Option<&str>) -> &'a Account {
        node.and_then(|id| {
            owned
                .iter()
                .find(|a| a.ig_user_id == id)
                .or_else(|| owned.iter().find(|a| self.find_post(a, id).is_ok()))
        })
        .unwrap_or(&owned[0])
    }

    fn many(&self, owned: &[&Account], token: &str) -> Answer {
        let fields = self.param("fields").unwrap_or("id");
        let mut out = serde_json::Map::new();
        for id in metric_list(self.param("ids").unwrap_or_default()) {
            let account = self.addressed(owned, Some(id));
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
}
