//! Types that cross the wire between server functions and the browser.

use std::fmt;
use std::str::FromStr;

#[cfg(feature = "db")]
use sea_orm::sea_query::StringLen;
use serde::{Deserialize, Serialize};

pub use crate::ids::{AccountId, ApiTokenId, MediaId, ShareLinkId, UserId, WorkspaceId};

mod notify;
pub use notify::*;

/// What a dashboard user may do. Admins manage users, accounts and settings; viewers read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Admin,
    Viewer,
}

impl Role {
    pub const ALL: [Role; 2] = [Role::Admin, Role::Viewer];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Viewer => "viewer",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "admin" => Ok(Role::Admin),
            "viewer" => Ok(Role::Viewer),
            other => Err(format!("unknown role {other:?}")),
        }
    }
}

/// The signed-in user, as the session resolves it on every request.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionUser {
    pub id: UserId,
    pub username: String,
    pub role: Role,
}

impl SessionUser {
    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }
}

/// Which accounts a reader may see: every one (admins), those of the workspaces a viewer is
/// a member of, or a share link's workspace or one account. Computed on the server for each
/// call, never taken from the client.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Reach {
    All,
    Workspaces(Vec<WorkspaceId>),
    /// One account (a share link's), in its workspace.
    Account(WorkspaceId, AccountId),
}

impl Reach {
    /// Every workspace the reach covers; `None` for all of them.
    fn workspaces(&self) -> Option<&[WorkspaceId]> {
        match self {
            Reach::All => None,
            Reach::Workspaces(all) => Some(all),
            Reach::Account(one, _) => Some(std::slice::from_ref(one)),
        }
    }

    /// The workspaces a query covers: those `chosen` (one) or all the reader may see (`None`
    /// for every workspace). A workspace outside the reach is `NotFound`, as an unknown one
    /// would be, so its existence does not leak.
    pub fn narrow(
        &self,
        chosen: Option<WorkspaceId>,
    ) -> Result<Option<Vec<WorkspaceId>>, crate::error::AppError> {
        match (self.workspaces(), chosen) {
            (None, None) => Ok(None),
            (None, Some(one)) => Ok(Some(vec![one])),
            (Some(all), None) => Ok(Some(all.to_vec())),
            (Some(all), Some(one)) if all.contains(&one) => Ok(Some(vec![one])),
            (Some(_), Some(_)) => Err(crate::error::AppError::NotFound),
        }
    }

    /// The account a query is limited to: the one `chosen`, or a one-account reach's own
    /// (another account is `NotFound` there).
    pub fn pin(
        &self,
        chosen: Option<AccountId>,
    ) -> Result<Option<AccountId>, crate::error::AppError> {
        match (self, chosen) {
            (Reach::Account(_, only), None) => Ok(Some(*only)),
            (Reach::Account(_, only), Some(one)) if one != *only => {
                Err(crate::error::AppError::NotFound)
            }
            (_, chosen) => Ok(chosen),
        }
    }
}

/// A workspace as the top bar's switcher shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkspaceChoice {
    pub id: WorkspaceId,
    pub name: String,
}

/// One row of the Workspaces page (admins).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkspaceSummary {
    pub id: WorkspaceId,
    pub name: String,
    /// Usernames of its accounts, alphabetical.
    pub accounts: Vec<String>,
    /// Its members (viewers; admins see every workspace anyway), alphabetical.
    pub members: Vec<(UserId, String)>,
}

/// One row of the Share links page (admins).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShareLinkSummary {
    pub id: ShareLinkId,
    pub label: String,
    /// What it shows: the workspace's name, or `@username` of one account.
    pub target: String,
    /// The page it opens with its period and filters (`/posts?period=7d`).
    pub opens: String,
    pub created_by: String,
    /// `YYYY-MM-DD`, in UTC.
    pub created_on: String,
    /// `YYYY-MM-DD HH:MM UTC`; `None` for a link that never expires.
    pub expires: Option<String>,
    pub expired: bool,
    /// `YYYY-MM-DD HH:MM UTC` of the last page opened through it.
    pub last_used: Option<String>,
}

/// A share link to make from a dashboard page: its label and expiry, the page (path and
/// query string) and what it shows, one account or else one workspace.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewShareLink {
    pub label: String,
    pub path: String,
    #[serde(default)]
    pub query: String,
    #[serde(default)]
    pub workspace: Option<WorkspaceId>,
    #[serde(default)]
    pub account: Option<AccountId>,
    /// 1–365 days, or 0 for a link that never expires.
    #[serde(default)]
    pub expires_in_days: u32,
}

/// A share link just made: the only time its secret is shown, inside `path` (`/s/…`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreatedShareLink {
    pub link: ShareLinkSummary,
    pub path: String,
}

/// What a visitor who opened a share link is looking at (the top bar says so).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SharedView {
    pub label: String,
    pub target: String,
    pub expires: Option<String>,
}

/// One row of the API tokens page: a user's own tokens (every user's, for admins).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiTokenSummary {
    pub id: ApiTokenId,
    pub name: String,
    pub owner: String,
    /// The names of the workspaces it may read.
    pub workspaces: Vec<String>,
    /// `YYYY-MM-DD`, in UTC.
    pub created_on: String,
    /// `YYYY-MM-DD HH:MM UTC`; `None` for a token that never expires.
    pub expires: Option<String>,
    pub expired: bool,
    /// `YYYY-MM-DD HH:MM UTC` of its last request.
    pub last_used: Option<String>,
}

/// A token just made: the only time its secret is shown.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreatedApiToken {
    pub token: ApiTokenSummary,
    /// What goes after `Authorization: Bearer `.
    pub secret: String,
}

/// One row of the Users page.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserSummary {
    pub id: UserId,
    pub username: String,
    pub role: Role,
    /// `YYYY-MM-DD`, in UTC.
    pub created_on: String,
}

/// How an account talks to Meta: Instagram Login (graph.instagram.com) or Facebook Login
/// (graph.facebook.com, the account found through a Facebook Page).
///
/// With the `db` feature (the server's) it is also the `accounts.flavour` column's type, so
/// one enum serves the wire, the store, the Graph client and the simulator.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(
    feature = "db",
    derive(sea_orm::EnumIter, sea_orm::DeriveActiveEnum),
    sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")
)]
#[serde(rename_all = "snake_case")]
pub enum Flavour {
    #[cfg_attr(feature = "db", sea_orm(string_value = "instagram_login"))]
    InstagramLogin,
    #[cfg_attr(feature = "db", sea_orm(string_value = "facebook_login"))]
    FacebookLogin,
}

impl Flavour {
    pub const ALL: [Flavour; 2] = [Flavour::InstagramLogin, Flavour::FacebookLogin];

    pub fn as_str(self) -> &'static str {
        match self {
            Flavour::InstagramLogin => "instagram_login",
            Flavour::FacebookLogin => "facebook_login",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Flavour::InstagramLogin => "Instagram Login",
            Flavour::FacebookLogin => "Facebook Login",
        }
    }
}

impl FromStr for Flavour {
    type Err = String;

    /// `instagram_login` or `facebook_login`; the command line's short `instagram` and
    /// `facebook` too.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Flavour::ALL
            .into_iter()
            .find(|f| f.as_str() == s || f.as_str().strip_suffix("_login") == Some(s))
            .ok_or_else(|| format!("unknown login {s:?}: use instagram or facebook"))
    }
}

/// Where an account stands with Meta, as the last sync left it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AccountStatus {
    /// Connected, not synced yet.
    Pending,
    Ok,
    /// The token expired or was revoked (code 190): polling stopped until reconnected.
    NeedsReauth,
    /// A permission is missing (codes 10, 200–299); the detail names it.
    PermissionMissing,
    /// Meta throttled us; polling resumes at `retry_after`.
    RateLimited,
}

impl AccountStatus {
    pub const ALL: [AccountStatus; 5] = [
        AccountStatus::Pending,
        AccountStatus::Ok,
        AccountStatus::NeedsReauth,
        AccountStatus::PermissionMissing,
        AccountStatus::RateLimited,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AccountStatus::Pending => "pending",
            AccountStatus::Ok => "ok",
            AccountStatus::NeedsReauth => "needs_reauth",
            AccountStatus::PermissionMissing => "permission_missing",
            AccountStatus::RateLimited => "rate_limited",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            AccountStatus::Pending => "waiting for first sync",
            AccountStatus::Ok => "ok",
            AccountStatus::NeedsReauth => "needs re-authorisation",
            AccountStatus::PermissionMissing => "permission missing",
            AccountStatus::RateLimited => "rate limited",
        }
    }
}

/// One row of the Accounts page. Times are preformatted `YYYY-MM-DD HH:MM UTC`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountSummary {
    pub id: AccountId,
    pub ig_user_id: String,
    pub username: String,
    pub name: Option<String>,
    pub picture_url: Option<String>,
    pub flavour: Flavour,
    pub followers: i64,
    pub follows: i64,
    pub media_count: i64,
    pub enabled: bool,
    pub status: AccountStatus,
    /// Which permission is missing, or Meta's message for the status.
    pub status_detail: Option<String>,
    /// When polling resumes after a rate limit.
    pub retry_after: Option<String>,
    /// A sync of this account is running now (on any instance).
    pub syncing: bool,
    /// "Sync now" was pressed and the sync has not started yet.
    pub sync_requested: bool,
    pub last_sync: Option<String>,
    pub token_expires: Option<String>,
    /// Facebook Login: when Meta stops giving data to the token (`debug_token`).
    pub data_access_expires: Option<String>,
    /// The token or its data access ends within 7 days: reconnect before data stops.
    pub expires_soon: bool,
    pub workspace: WorkspaceId,
}

/// Which logins' OAuth ("Connect with Instagram", "Connect with Facebook") is configured.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OAuthLogins {
    pub instagram: bool,
    pub facebook: bool,
}

impl OAuthLogins {
    pub fn has(self, login: Flavour) -> bool {
        match login {
            Flavour::InstagramLogin => self.instagram,
            Flavour::FacebookLogin => self.facebook,
        }
    }
}

/// An Instagram professional account a token reaches, before it is connected: every account
/// linked to the Pages of a Facebook Login user, or the one account of an Instagram Login.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkedAccount {
    pub ig_user_id: String,
    pub username: String,
    pub name: Option<String>,
    pub picture_url: Option<String>,
    pub followers: i64,
    /// Connected already: connecting it again gives it this token.
    pub connected: bool,
}

/// What deleting an account removes, named in the confirmation before it happens.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeletionPreview {
    pub username: String,
    pub media: u64,
    pub snapshots: u64,
    pub insight_days: u64,
    pub sync_runs: u64,
}

/// How a sync run ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SyncOutcome {
    Running,
    Ok,
    /// Written, but a best-effort part (stories) was refused; the error says which and why.
    Partial,
    /// A transient failure outlasted its retries, or an unexpected answer; data kept as it was.
    Failed,
    NeedsReauth,
    PermissionMissing,
    RateLimited,
    /// Stopped by shutdown before it could commit; nothing of it was written.
    Cancelled,
    /// Its instance died mid-run; found and closed when the account was next claimed.
    Interrupted,
}

impl SyncOutcome {
    pub const ALL: [SyncOutcome; 9] = [
        SyncOutcome::Running,
        SyncOutcome::Ok,
        SyncOutcome::Partial,
        SyncOutcome::Failed,
        SyncOutcome::NeedsReauth,
        SyncOutcome::PermissionMissing,
        SyncOutcome::RateLimited,
        SyncOutcome::Cancelled,
        SyncOutcome::Interrupted,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            SyncOutcome::Running => "running",
            SyncOutcome::Ok => "ok",
            SyncOutcome::Partial => "partial",
            SyncOutcome::Failed => "failed",
            SyncOutcome::NeedsReauth => "needs_reauth",
            SyncOutcome::PermissionMissing => "permission_missing",
            SyncOutcome::RateLimited => "rate_limited",
            SyncOutcome::Cancelled => "cancelled",
            SyncOutcome::Interrupted => "interrupted",
        }
    }
}

impl FromStr for SyncOutcome {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        SyncOutcome::ALL
            .into_iter()
            .find(|o| o.as_str() == s)
            .ok_or_else(|| format!("unknown sync outcome {s:?}"))
    }
}

/// One row of the Sync log page.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncRunView {
    pub id: i64,
    pub account_id: AccountId,
    pub username: String,
    /// `schedule` or `manual`.
    pub trigger: String,
    pub started: String,
    /// Whole seconds, once finished.
    pub duration_secs: Option<i64>,
    pub outcome: SyncOutcome,
    pub requests: i32,
    pub rows_written: i32,
    pub error: Option<String>,
}

/// The admin-editable settings.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SettingsView {
    pub poll_interval_minutes: i64,
    pub lookback_days: i32,
    /// Whether media published before the lookback window are kept (with their snapshots)
    /// rather than deleted.
    pub keep_old_media: bool,
    pub privacy_contact: String,
}

/// The BigQuery export as Settings shows it. The key itself is never sent back: only the
/// service account it belongs to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExportView {
    pub enabled: bool,
    pub project: String,
    pub dataset: String,
    pub location: String,
    pub key_email: Option<String>,
    pub last_success: Option<String>,
    pub last_error: Option<String>,
    pub last_error_at: Option<String>,
    pub tables: Vec<ExportTableView>,
    /// Deleted accounts whose rows BigQuery still holds.
    pub deletions_pending: u64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExportTableView {
    pub name: String,
    pub rows_exported: i64,
    /// Rows waiting to be sent, counted up to a limit…
    pub backlog: u64,
    /// …and whether more than that are waiting.
    pub backlog_more: bool,
    pub last_success: Option<String>,
}

/// What "Test connection" found, in words an admin can act on.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConnectionCheck {
    pub ok: bool,
    pub message: String,
}

/// Which setting an inline edit changes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SettingField {
    PollIntervalMinutes,
    LookbackDays,
    /// `delete` or `keep`: what happens to media older than the lookback window.
    OldMedia,
    PrivacyContact,
}

impl SettingField {
    /// The wire name (as serde writes it), for hidden form inputs.
    pub fn as_str(self) -> &'static str {
        match self {
            SettingField::PollIntervalMinutes => "poll_interval_minutes",
            SettingField::LookbackDays => "lookback_days",
            SettingField::OldMedia => "old_media",
            SettingField::PrivacyContact => "privacy_contact",
        }
    }
}

/// A Meta data-deletion request, as its public status page shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeletionStatus {
    pub code: String,
    pub received: String,
    pub accounts_deleted: i32,
}

/// Which days a dashboard page covers, as its URL says: `?days=7|30|90` (ending today, UTC)
/// or `?from=YYYY-MM-DD&to=YYYY-MM-DD`. The server validates it; the page only carries it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct PeriodQuery {
    /// One account, or every account (of the workspace, when one is chosen) when `None`.
    pub account: Option<AccountId>,
    /// The workspace chosen in the top bar; every workspace the reader may see when `None`.
    pub workspace: Option<WorkspaceId>,
    pub days: Option<u16>,
    pub from: Option<String>,
    pub to: Option<String>,
}

/// The period a page shows and the one it is compared with (same length, just before).
/// Dates are `YYYY-MM-DD`, both ends included.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PeriodView {
    pub from: String,
    pub to: String,
    pub previous_from: String,
    pub previous_to: String,
    pub days: u16,
}

/// How a KPI's number reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KpiUnit {
    Count,
    /// A fraction shown as a percentage.
    Rate,
}

/// One KPI card: this period, the previous one, and the relative change. `None` = no data
/// (or undefined, such as a rate over zero reach): shown as "—".
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Kpi {
    /// Stable name for links and tests: `followers`, `net_followers`, `reach`, …
    pub key: String,
    pub label: String,
    /// What the number is, in a sentence (the card's tooltip).
    pub help: String,
    pub unit: KpiUnit,
    pub value: Option<f64>,
    pub previous: Option<f64>,
    /// `(value − previous) / |previous|`; `None` when either is missing, previous is 0 or
    /// the previous period is not covered.
    pub change: Option<f64>,
    /// Whether the data collected covers what the previous figure is read from.
    pub coverage: Coverage,
}

/// How much of the previous period a KPI's comparison rests on was collected
/// (see `metrics::covered`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Coverage {
    /// All of it: the change means something.
    Full,
    /// The data begins on this day (`YYYY-MM-DD`), after the previous period starts: no change.
    From(String),
    /// An account in scope has no data yet: no change.
    Nothing,
}

/// One day of the Overview's charts, summed over the chosen accounts.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DayPoint {
    pub date: String,
    /// The last follower count known on or before this day.
    pub followers: Option<i64>,
    pub reach: Option<i64>,
    pub views: Option<i64>,
    /// One of the latest days, which Meta has not reported yet (shown so, not as 0).
    pub pending: bool,
}

/// A post with its latest metrics, as tables and the top-posts list show it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PostSummary {
    pub id: MediaId,
    pub account_id: AccountId,
    pub username: String,
    /// `FEED`, `REELS` or `STORY`.
    pub product_type: String,
    /// `IMAGE`, `VIDEO` or `CAROUSEL_ALBUM`.
    pub media_type: Option<String>,
    pub caption: Option<String>,
    pub permalink: Option<String>,
    pub thumbnail_url: Option<String>,
    /// `YYYY-MM-DD HH:MM UTC`.
    pub published: String,
    pub likes: Option<i64>,
    pub comments: Option<i64>,
    pub saves: Option<i64>,
    pub shares: Option<i64>,
    pub reach: Option<i64>,
    pub views: Option<i64>,
    pub interactions: i64,
    /// Interactions / reach, as a fraction.
    pub engagement_by_reach: Option<f64>,
    /// Interactions / the account's followers when the metrics were captured.
    pub engagement_by_followers: Option<f64>,
    /// 0–100: where the post's weighted engagement per reach ranks among its account's posts
    /// of the same product type (`app::metrics::impact_scores`); `None` without reach.
    pub impact: Option<u8>,
    /// Case-folded, without `#`, in caption order.
    pub hashtags: Vec<String>,
    /// What only its type reports; empty where Meta reports nothing of the kind.
    pub depth: MediaDepth,
}

/// The metrics only some media types have, each the newest value read (they are read on every
/// poll while a post is young, then weekly): profile actions (feed pictures and albums,
/// stories), watch time and skip rate (reels), replies and taps by action (stories).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct MediaDepth {
    pub follows: Option<i64>,
    pub profile_visits: Option<i64>,
    /// Taps on the profile's buttons (bio link, call, e-mail, directions, text).
    pub profile_activity: Option<i64>,
    /// Milliseconds.
    pub avg_watch_ms: Option<i64>,
    pub total_watch_ms: Option<i64>,
    /// Percent of plays skipped in the first 3 seconds.
    pub skip_rate: Option<f64>,
    pub replies: Option<i64>,
    pub taps_forward: Option<i64>,
    pub taps_back: Option<i64>,
    pub exits: Option<i64>,
    pub swipes_forward: Option<i64>,
}

/// Everything the Overview page shows for one account (or all) and one period.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Overview {
    pub period: PeriodView,
    pub kpis: Vec<Kpi>,
    /// Where views and reach came from: Meta's daily breakdowns by format and by followers or
    /// not, as cards (each title carries its share); empty until they are collected.
    pub sources: Vec<Kpi>,
    pub days: Vec<DayPoint>,
    /// The period's five posts with the most interactions.
    pub top_posts: Vec<PostSummary>,
}

/// What kind of post, as the Posts page filters it: Meta's media type, with reels apart.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PostKind {
    Image,
    Video,
    Carousel,
    Reel,
}

impl PostKind {
    pub const ALL: [PostKind; 4] = [
        PostKind::Image,
        PostKind::Video,
        PostKind::Carousel,
        PostKind::Reel,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            PostKind::Image => "image",
            PostKind::Video => "video",
            PostKind::Carousel => "carousel",
            PostKind::Reel => "reel",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            PostKind::Image => "Image",
            PostKind::Video => "Video",
            PostKind::Carousel => "Carousel",
            PostKind::Reel => "Reel",
        }
    }

    /// From Meta's `media_product_type` and `media_type`; `None` for stories.
    pub fn of(product_type: &str, media_type: Option<&str>) -> Option<PostKind> {
        match (product_type, media_type) {
            ("STORY", _) => None,
            ("REELS", _) => Some(PostKind::Reel),
            (_, Some("VIDEO")) => Some(PostKind::Video),
            (_, Some("CAROUSEL_ALBUM")) => Some(PostKind::Carousel),
            _ => Some(PostKind::Image),
        }
    }
}

impl FromStr for PostKind {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        PostKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| format!("unknown post type {s:?}"))
    }
}

/// The Posts table's sortable columns.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PostSort {
    #[default]
    Published,
    Likes,
    Comments,
    Saves,
    Shares,
    Reach,
    Views,
    EngagementByReach,
    EngagementByFollowers,
    Impact,
}

impl PostSort {
    pub const ALL: [PostSort; 10] = [
        PostSort::Published,
        PostSort::Likes,
        PostSort::Comments,
        PostSort::Saves,
        PostSort::Shares,
        PostSort::Reach,
        PostSort::Views,
        PostSort::EngagementByReach,
        PostSort::EngagementByFollowers,
        PostSort::Impact,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            PostSort::Published => "published",
            PostSort::Likes => "likes",
            PostSort::Comments => "comments",
            PostSort::Saves => "saves",
            PostSort::Shares => "shares",
            PostSort::Reach => "reach",
            PostSort::Views => "views",
            PostSort::EngagementByReach => "engagement_by_reach",
            PostSort::EngagementByFollowers => "engagement_by_followers",
            PostSort::Impact => "impact",
        }
    }
}

impl FromStr for PostSort {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        PostSort::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| format!("unknown sort column {s:?}"))
    }
}

/// The Posts page's state: the period, filters, sort and page, all from its URL.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct PostsQuery {
    pub period: PeriodQuery,
    pub kind: Option<PostKind>,
    /// Without `#`; matched case-insensitively.
    pub hashtag: Option<String>,
    /// Words the caption must contain (case-insensitive).
    pub search: Option<String>,
    pub sort: PostSort,
    /// Ascending when true; the default is highest (or newest) first.
    pub ascending: bool,
    /// 1-based.
    pub page: u32,
}

/// Rows per page of the Posts and Stories tables.
pub const POSTS_PAGE_SIZE: u32 = 50;

/// What the Stories table sorts by, highest (or newest) first.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StorySort {
    #[default]
    Published,
    Reach,
    Views,
    Replies,
    Completion,
}

impl StorySort {
    pub const ALL: [StorySort; 5] = [
        StorySort::Published,
        StorySort::Reach,
        StorySort::Views,
        StorySort::Replies,
        StorySort::Completion,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            StorySort::Published => "published",
            StorySort::Reach => "reach",
            StorySort::Views => "views",
            StorySort::Replies => "replies",
            StorySort::Completion => "completion",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            StorySort::Published => "Newest",
            StorySort::Reach => "Reach",
            StorySort::Views => "Views",
            StorySort::Replies => "Replies",
            StorySort::Completion => "Completion rate",
        }
    }
}

impl FromStr for StorySort {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        StorySort::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| format!("unknown sort {s:?}"))
    }
}

/// The Stories page's state, from its URL: the period, the sort and the page (1-based).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct StoriesQuery {
    pub period: PeriodQuery,
    pub sort: StorySort,
    pub page: u32,
}

/// One page of the Stories table: each story with its newest figures (replies and taps in
/// its `depth`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StoriesPage {
    pub period: PeriodView,
    pub stories: Vec<PostSummary>,
    /// Stories of the period, over all pages.
    pub total: u64,
    pub page: u32,
    pub pages: u32,
}

/// One page of the Posts table.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PostsPage {
    pub period: PeriodView,
    pub posts: Vec<PostSummary>,
    /// Posts matching the filters, over all pages.
    pub total: u64,
    pub page: u32,
    pub pages: u32,
}

/// One snapshot of a post's metrics: a point of its curves.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SnapshotPoint {
    /// Unix seconds.
    pub at: i64,
    pub likes: Option<i64>,
    pub comments: Option<i64>,
    pub saves: Option<i64>,
    pub shares: Option<i64>,
    pub reach: Option<i64>,
    pub views: Option<i64>,
    /// Stories: replies, taps forward and exits so far.
    pub replies: Option<i64>,
    pub taps_forward: Option<i64>,
    pub exits: Option<i64>,
}

/// The Post detail page: the post, its rank in its account and its curves since publication.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PostDetail {
    pub post: PostSummary,
    /// Unix seconds of publication: where the curves start.
    pub published_at: i64,
    /// 1 = most interactions among the account's posts and reels; for a story, most reach
    /// among the account's stories.
    pub rank: u32,
    /// How many posts that rank is among.
    pub ranked_among: u32,
    /// Oldest first.
    pub snapshots: Vec<SnapshotPoint>,
}

/// How one type of post did in a period: the report's "best-performing type".
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct KindRow {
    pub kind: PostKind,
    pub posts: u32,
    pub average_interactions: f64,
    /// Over the posts with a reach; `None` when none has one.
    pub average_engagement: Option<f64>,
}

/// One row of the Hashtags page.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct HashtagRow {
    /// Without `#`, case-folded.
    pub tag: String,
    pub posts: u32,
    /// Mean latest reach of its posts with a known reach.
    pub average_reach: Option<f64>,
    /// Mean of its posts' engagement rates by reach (posts without reach left out).
    pub average_engagement: Option<f64>,
    /// The post with the highest engagement rate by reach (ties: most interactions).
    pub best_post: Option<PostSummary>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Hashtags {
    pub period: PeriodView,
    /// Most posts first, then by tag.
    pub rows: Vec<HashtagRow>,
}

/// The Best time page's question: a period, and the viewer's IANA time zone.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct BestTimeQuery {
    pub period: PeriodQuery,
    /// IANA name (`Europe/Paris`); UTC when absent.
    pub tz: Option<String>,
}

/// One cell of the weekday × hour heatmap.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct HeatCell {
    /// 0 = Monday … 6 = Sunday, in the chosen time zone.
    pub weekday: u8,
    /// 0–23, in the chosen time zone.
    pub hour: u8,
    pub posts: u32,
    /// Mean engagement rate by reach of the cell's posts with a known reach.
    pub average_engagement: Option<f64>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BestTime {
    pub period: PeriodView,
    /// The zone the cells are in, as resolved (`UTC` when none was given).
    pub tz: String,
    /// Only cells with posts, weekday then hour.
    pub cells: Vec<HeatCell>,
    /// When followers were online (Meta's `online_followers`) on the period's captured days,
    /// in the same zone; only hours with figures, weekday then hour.
    pub online: Vec<OnlineCell>,
}

/// One hour of the week: how many followers were online then, on average.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OnlineCell {
    /// 0 = Monday … 6 = Sunday, in the chosen time zone.
    pub weekday: u8,
    /// 0–23, in the chosen time zone.
    pub hour: u8,
    /// Followers online in that hour (summed over the accounts shown), averaged over days.
    pub average: f64,
    /// The captured days the average is over.
    pub days: u32,
}

/// The Audience page's question: one account or all, the day shown (the newest capture when
/// absent) and an earlier day to compare with. Dates are `YYYY-MM-DD`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct AudienceQuery {
    pub account: Option<AccountId>,
    pub workspace: Option<WorkspaceId>,
    pub date: Option<String>,
    pub since: Option<String>,
}

/// Who the followers and the engaged audience are, as Meta counted them on one day.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Audience {
    /// The day shown: the newest capture on or before the day asked; `None` before the first.
    pub date: Option<String>,
    /// The day compared with: the newest capture on or before the day asked for it.
    pub since: Option<String>,
    /// Every day with a capture, oldest first.
    pub days: Vec<String>,
    pub followers: AudienceSide,
    pub engaged: AudienceSide,
}

/// One audience by each breakdown.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AudienceSide {
    pub age_gender: AudienceBreakdown,
    pub country: AudienceBreakdown,
    pub city: AudienceBreakdown,
}

/// One breakdown: its values summed over the accounts shown, largest first, or why Meta gave
/// none.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AudienceBreakdown {
    pub rows: Vec<AudienceShare>,
    /// Meta's reason when no account shown has values (fewer than 100 followers, say).
    pub unavailable: Option<String>,
    /// Accounts shown that have no values for it (withheld, or not captured that day).
    pub missing: u32,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AudienceShare {
    /// `["18-24", "F"]`, `["US"]`, `["London, England"]`.
    pub keys: Vec<String>,
    pub value: i64,
    /// On the day compared with; `None` when not compared or not among Meta's values then.
    pub before: Option<i64>,
}

/// Meta's names of the audience metrics captured daily, as stored and exported.
pub const FOLLOWER_DEMOGRAPHICS: &str = "follower_demographics";
pub const ENGAGED_DEMOGRAPHICS: &str = "engaged_audience_demographics";
pub const ONLINE_FOLLOWERS: &str = "online_followers";
/// Daily account metrics captured by a dimension, which the Overview sums over a period.
pub const PROFILE_LINKS_TAPS: &str = "profile_links_taps";
pub const FOLLOWS_AND_UNFOLLOWS: &str = "follows_and_unfollows";

/// One value of an audience breakdown: its dimension values (`["18-24", "F"]`, `["US"]`, or
/// for followers online the hour of Meta's day and its start in unix seconds,
/// `["20", "1796367600"]`) and the count. As JSON: `[["18-24","F"],10]`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Share(pub Vec<String>, pub i64);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_round_trip_through_text() {
        for role in Role::ALL {
            assert_eq!(role.as_str().parse::<Role>(), Ok(role));
        }
        assert!("root".parse::<Role>().is_err());
    }

    #[test]
    fn flavours_and_outcomes_round_trip_through_text() {
        for f in Flavour::ALL {
            assert_eq!(f.as_str().parse::<Flavour>(), Ok(f));
        }
        for o in SyncOutcome::ALL {
            assert_eq!(o.as_str().parse::<SyncOutcome>(), Ok(o));
        }
        assert!("graph".parse::<Flavour>().is_err());
    }

    #[test]
    fn a_reach_narrows_to_a_workspace_it_admits_and_hides_the_others() {
        let (a, b) = (WorkspaceId(1), WorkspaceId(2));
        assert_eq!(Reach::All.narrow(None), Ok(None));
        assert_eq!(Reach::All.narrow(Some(b)), Ok(Some(vec![b])));
        let viewer = Reach::Workspaces(vec![a]);
        assert_eq!(viewer.narrow(None), Ok(Some(vec![a])));
        assert_eq!(viewer.narrow(Some(a)), Ok(Some(vec![a])));
        assert_eq!(
            viewer.narrow(Some(b)),
            Err(crate::error::AppError::NotFound)
        );
        assert_eq!(Reach::Workspaces(vec![]).narrow(None), Ok(Some(vec![])));
    }

    #[test]
    fn a_one_account_reach_keeps_to_its_account_and_workspace() {
        let (a, b) = (WorkspaceId(1), WorkspaceId(2));
        let (mine, other) = (AccountId(7), AccountId(8));
        let shared = Reach::Account(a, mine);
        assert_eq!(shared.narrow(None), Ok(Some(vec![a])));
        assert_eq!(
            shared.narrow(Some(b)),
            Err(crate::error::AppError::NotFound)
        );
        assert_eq!(shared.pin(None), Ok(Some(mine)));
        assert_eq!(shared.pin(Some(mine)), Ok(Some(mine)));
        assert_eq!(
            shared.pin(Some(other)),
            Err(crate::error::AppError::NotFound)
        );
        assert_eq!(Reach::All.pin(None), Ok(None));
        assert_eq!(Reach::Workspaces(vec![a]).pin(Some(other)), Ok(Some(other)));
    }
}
