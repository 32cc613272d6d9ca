//! What tests can make the simulator do wrong: failed or slow answers, broken bodies,
//! tokens that expire, permissions taken away, and metrics refused for a media type.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::Mutex;
use std::time::Duration;

use time::OffsetDateTime;

use super::lock;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FaultKind {
    /// HTTP 500 with code 2 ("Service temporarily unavailable"), `is_transient: true`.
    ServerError,
    /// HTTP 500 with code 1 ("An unknown error occurred").
    Unknown,
    /// Answers normally, after this long.
    Slow(Duration),
    /// HTTP 200 with a truncated JSON body.
    Malformed,
    /// Code 4, the app-level rate limit, with no time to regain access.
    RateLimit,
    /// Code 17, "User request limit reached" (graph-api/overview/rate-limiting).
    UserLimit,
    /// Code 32, "Page request limit reached" (graph-api/overview/rate-limiting sample).
    PageLimit,
    /// Code 613, "Calls to this api have exceeded the rate limit." (marketing-api rate limiting).
    CustomLimit,
    /// Code 190 without a subcode (recorded on graph.instagram.com, bk-rs/instagram-apis-rs
    /// `me_err__400.json`).
    TokenNoSubcode,
    /// Code 102, "Session key invalid or no longer valid" (graph-api/guides/error-handling).
    SessionInvalid,
    /// Code 341, "Application limit reached": temporary (graph-api/guides/error-handling).
    AppLimit,
    /// Code 368, "Temporarily blocked for policies violations" (graph-api/guides/error-handling).
    PolicyBlock,
}

impl FaultKind {
    /// The code and message of the `OAuthException` Meta answers with, for the kinds that are
    /// an error answer (each documented where the variant is).
    pub fn meta_error(&self) -> Option<(i64, &'static str)> {
        Some(match self {
            FaultKind::Slow(_) | FaultKind::Malformed => return None,
            FaultKind::ServerError => (2, "Service temporarily unavailable"),
            FaultKind::Unknown => (1, "An unknown error occurred"),
            FaultKind::RateLimit => (4, "(#4) Application request limit reached"),
            FaultKind::UserLimit => (17, "(#17) User request limit reached"),
            FaultKind::PageLimit => (32, "(#32) Page request limit reached"),
            FaultKind::CustomLimit => (613, "(#613) Calls to this api have exceeded the rate limit."),
            FaultKind::TokenNoSubcode => (190, "Error validating access token: Session has expired on Wednesday, 26-Oct-22 20:00:00 PDT. The current time is Wednesday, 26-Oct-22 21:51:57 PDT."),
            FaultKind::SessionInvalid => (102, "(#102) Session key invalid or no longer valid"),
            FaultKind::AppLimit => (341, "(#341) Application limit reached"),
            FaultKind::PolicyBlock => (368, "(#368) Temporarily blocked for policies violations"),
        })
    }
}

#[derive(Default)]
pub struct Faults {
    queue: Mutex<VecDeque<FaultKind>>,
    expiries: Mutex<HashMap<String, OffsetDateTime>>,
    revoked: Mutex<HashSet<(String, String)>>,
    rejected: Mutex<HashSet<(String, String)>>,
    stories_refused: Mutex<HashSet<String>>,
    max_page: Mutex<Option<usize>>,
    links: Mutex<Option<String>>,
}

impl Faults {
    /// The next `n` requests, whatever they ask, get `kind`.
    pub fn fail_next(&self, n: u32, kind: FaultKind) {
        lock(&self.queue).extend(std::iter::repeat_n(kind, n as usize));
    }

    /// From `at` (simulated time) on, `token` answers 190/463.
    pub fn expire_token_at(&self, token: &str, at: OffsetDateTime) {
        lock(&self.expiries).insert(token.to_owned(), at);
    }

    /// Insights calls with `token` answer code 10 while `permission` is revoked.
    pub fn revoke_permission(&self, token: &str, permission: &str) {
        lock(&self.revoked).insert((token.to_owned(), permission.to_owned()));
    }

    /// Media of this `media_type` (IMAGE, VIDEO, CAROUSEL_ALBUM) or product type (FEED,
    /// REELS, STORY) refuse `metric`, as some accounts saw for `shares` on images.
    pub fn reject_metric_for(&self, media_or_product_type: &str, metric: &str) {
        lock(&self.rejected).insert((media_or_product_type.to_owned(), metric.to_owned()));
    }

    /// The stories edge refuses `token` with code 10, as it may for an Instagram Login token
    /// (the edge documents Facebook Login permissions only).
    pub fn refuse_stories(&self, token: &str) {
        lock(&self.stories_refused).insert(token.to_owned());
    }

    /// Edge pages of more than `items` answer code 1 "Please reduce the amount of data you're
    /// asking for, then retry your request" (keboola/ex-facebook-graph-api#68).
    pub fn limit_page_size(&self, items: usize) {
        *lock(&self.max_page) = Some(items);
    }

    /// Every URL handed out (permalinks and pictures) reads `url` instead, as a compromised
    /// or mistaken upstream might send it; `None` goes back to Meta's own shapes.
    pub fn serve_links(&self, url: Option<&str>) {
        *lock(&self.links) = url.map(str::to_owned);
    }

    /// `real`, unless [`Faults::serve_links`] replaced every URL.
    pub(super) fn link(&self, real: String) -> String {
        lock(&self.links).clone().unwrap_or(real)
    }

    pub(super) fn stories_refused(&self, token: &str) -> bool {
        lock(&self.stories_refused).contains(token)
    }

    pub(super) fn max_page(&self) -> Option<usize> {
        *lock(&self.max_page)
    }

    pub(super) fn take(&self) -> Option<FaultKind> {
        lock(&self.queue).pop_front()
    }

    pub(super) fn expiry(&self, token: &str) -> Option<OffsetDateTime> {
        lock(&self.expiries).get(token).copied()
    }

    pub(super) fn insights_revoked(&self, token: &str) -> bool {
        lock(&self.revoked)
            .iter()
            .any(|(t, p)| t == token && p.contains("insights"))
    }

    pub(super) fn rejects(&self, types: [&str; 2], metric: &str) -> bool {
        let rejected = lock(&self.rejected);
        types
            .iter()
            .any(|t| rejected.contains(&((*t).to_owned(), metric.to_owned())))
    }
}
