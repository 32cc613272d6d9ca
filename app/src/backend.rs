//! The ports server functions call. The server crate implements them and provides a
//! [`Backend`] as Leptos context, so this crate never touches the database or the network.
//!
//! Implementations log internal failures in detail and return [`AppError::Internal`].

use std::net::IpAddr;
use std::sync::Arc;

use async_trait::async_trait;
use leptos::prelude::use_context;

use crate::dto::{
    AccountId, AccountSummary, AlertRule, AlertRuleView, ApiTokenId, ApiTokenSummary, Audience,
    AudienceQuery, BestTime, BestTimeQuery, ChannelId, ChannelKind, ConnectionCheck,
    CreatedApiToken, CreatedChannel, CreatedShareLink, DeletionPreview, DeletionStatus,
    DeliveryView, ExportView, Flavour, Hashtags, KindRow, LinkedAccount, MediaId, NewReport,
    NewShareLink, NotificationsView, OAuthLogins, Overview, PeriodQuery, PostDetail, PostsPage,
    PostsQuery, Reach, ReportId, ReportView, Role, SessionUser, SettingField, SettingsView,
    ShareLinkId, ShareLinkSummary, SharedView, SmtpSecurity, SmtpView, StoriesPage, StoriesQuery,
    SyncOutcome, SyncRunView, UserId, UserSummary, WorkspaceChoice, WorkspaceId, WorkspaceSummary,
};
use crate::error::AppError;

/// A successful sign-in.
#[derive(Clone, Debug)]
pub struct SignedIn {
    pub user: SessionUser,
    /// The `Set-Cookie` header value that remembers this browser as the user's device.
    pub device_cookie: String,
}

/// Signing in and the one-time first-admin setup.
#[async_trait]
pub trait AuthPort: Send + Sync {
    /// Checks credentials with throttling per username (per device instead, given a valid
    /// device cookie for that user: the value of [`crate::auth::DEVICE_COOKIE`]) and per client
    /// address. Unknown users and wrong passwords fail the same way and take the same time.
    async fn sign_in(
        &self,
        username: &str,
        password: &str,
        client: IpAddr,
        device: Option<&str>,
    ) -> Result<SignedIn, AppError>;

    /// The user behind a session, re-read each request so role changes and deletions apply at once.
    async fn session_user(&self, id: UserId) -> Result<Option<SessionUser>, AppError>;

    /// Whether `token` is the live setup token and no admin exists yet.
    async fn setup_open(&self, token: &str) -> Result<bool, AppError>;

    /// Creates the first admin; consumes the token.
    async fn complete_setup(
        &self,
        token: &str,
        username: &str,
        password: &str,
    ) -> Result<SessionUser, AppError>;
}

/// Managing dashboard users (admin only; the caller has checked the role).
#[async_trait]
pub trait UsersPort: Send + Sync {
    async fn list(&self) -> Result<Vec<UserSummary>, AppError>;
    /// A viewer becomes a member of `workspace`; without one, of the only workspace there is
    /// (a field error on `workspace` when there are several: the admin must choose).
    async fn add(
        &self,
        username: &str,
        password: &str,
        role: Role,
        workspace: Option<WorkspaceId>,
    ) -> Result<UserSummary, AppError>;
    /// Refuses to demote the actor themselves or the last admin.
    async fn set_role(&self, actor: &SessionUser, id: UserId, role: Role) -> Result<(), AppError>;
    /// Sets a new password and ends the user's sessions, all but `keep_session` (the caller's,
    /// so resetting one's own password does not sign oneself out).
    async fn reset_password(
        &self,
        id: UserId,
        password: &str,
        keep_session: Option<String>,
    ) -> Result<(), AppError>;
    /// Refuses to delete the actor themselves or the last admin.
    async fn delete(&self, actor: &SessionUser, id: UserId) -> Result<(), AppError>;
}

/// Connected Instagram accounts (mutations are admin only; the caller has checked the role).
#[async_trait]
pub trait AccountsPort: Send + Sync {
    /// The accounts `reach` admits, of the workspace `workspace` only when one is named
    /// (`NotFound` when the reach does not admit it).
    async fn list(
        &self,
        reach: &Reach,
        workspace: Option<WorkspaceId>,
    ) -> Result<Vec<AccountSummary>, AppError>;
    /// Every account the token reaches (a Facebook user's Pages may link several), with
    /// whether each is connected already.
    async fn find(&self, flavour: Flavour, token: &str) -> Result<Vec<LinkedAccount>, AppError>;
    /// Connects the accounts `chosen` among those the token reaches (all when `None`), after
    /// checking the token against the Graph API, each with the token sealed. Connecting an
    /// account that exists already replaces its token and re-enables it, in its workspace;
    /// a new one goes to `workspace` (the first workspace when `None`).
    async fn connect(
        &self,
        flavour: Flavour,
        token: &str,
        chosen: Option<Vec<String>>,
        workspace: Option<WorkspaceId>,
    ) -> Result<Vec<AccountSummary>, AppError>;
    /// Queues a sync; the poller picks it up within seconds.
    async fn sync_now(&self, id: AccountId) -> Result<(), AppError>;
    async fn set_enabled(&self, id: AccountId, enabled: bool) -> Result<(), AppError>;
    async fn deletion_preview(&self, id: AccountId) -> Result<DeletionPreview, AppError>;
    /// Removes the account with its media, snapshots, insights and sync runs.
    async fn delete(&self, id: AccountId) -> Result<(), AppError>;
    /// Which logins' OAuth is configured.
    fn oauth_logins(&self) -> OAuthLogins;
    /// The accounts of a Facebook login made through OAuth and kept, sealed, in the admin's
    /// session (see `AccountService::facebook_oauth`).
    async fn find_pending(&self, sealed: &str) -> Result<Vec<LinkedAccount>, AppError>;
    /// Connects the accounts `chosen` (all when `None`) of that login, as [`Self::connect`].
    async fn connect_pending(
        &self,
        sealed: &str,
        chosen: Option<Vec<String>>,
        workspace: Option<WorkspaceId>,
    ) -> Result<Vec<AccountSummary>, AppError>;
}

/// The job log of the poller.
#[async_trait]
pub trait SyncLogPort: Send + Sync {
    /// Newest first, at most `limit`, of the accounts `reach` admits (of `workspace` only
    /// when one is named).
    async fn runs(
        &self,
        reach: &Reach,
        workspace: Option<WorkspaceId>,
        account: Option<AccountId>,
        outcome: Option<SyncOutcome>,
        limit: u64,
    ) -> Result<Vec<SyncRunView>, AppError>;
}

/// Instance settings and the public privacy pages.
#[async_trait]
pub trait SettingsPort: Send + Sync {
    async fn get(&self) -> Result<SettingsView, AppError>;
    /// Validates `value` for `field` and stores it.
    async fn update(&self, field: SettingField, value: &str) -> Result<SettingsView, AppError>;
    async fn deletion_status(&self, code: &str) -> Result<Option<DeletionStatus>, AppError>;
}

/// The BigQuery export (admin only; the caller has checked the role). Values are validated
/// by the port; the key is sealed and never returned.
#[async_trait]
pub trait ExportPort: Send + Sync {
    async fn status(&self) -> Result<ExportView, AppError>;
    async fn set_destination(
        &self,
        project: &str,
        dataset: &str,
        location: &str,
    ) -> Result<ExportView, AppError>;
    /// Replaces the service-account JSON key.
    async fn set_key(&self, json: &str) -> Result<ExportView, AppError>;
    async fn set_enabled(&self, enabled: bool) -> Result<ExportView, AppError>;
    /// Exchanges the key for a token and reads the dataset: says what is wrong, or that
    /// all is well.
    async fn test_connection(&self) -> Result<ConnectionCheck, AppError>;
}

/// The dashboard's figures, read by everyone signed in, over the accounts their `reach`
/// admits. Invalid periods are refused with a field error; an unknown account or workspace,
/// or one outside the reach, is `NotFound`.
#[async_trait]
pub trait AnalyticsPort: Send + Sync {
    async fn overview(&self, reach: &Reach, query: &PeriodQuery) -> Result<Overview, AppError>;
    /// One page of the period's posts, filtered and sorted.
    async fn posts(&self, reach: &Reach, query: &PostsQuery) -> Result<PostsPage, AppError>;
    /// One page of the period's stories, sorted.
    async fn stories(&self, reach: &Reach, query: &StoriesQuery) -> Result<StoriesPage, AppError>;
    /// A post, reel or story; `NotFound` for an unknown id.
    async fn post(&self, reach: &Reach, id: MediaId) -> Result<PostDetail, AppError>;
    async fn hashtags(&self, reach: &Reach, query: &PeriodQuery) -> Result<Hashtags, AppError>;
    /// An unknown time zone is a field error on `tz`.
    async fn best_time(&self, reach: &Reach, query: &BestTimeQuery) -> Result<BestTime, AppError>;
    /// Both audiences' demographics on a captured day, compared with an earlier one.
    async fn audience(&self, reach: &Reach, query: &AudienceQuery) -> Result<Audience, AppError>;
    /// The period's posts by type, best first (highest engagement by reach, then most
    /// interactions per post); types without posts left out.
    async fn kinds(&self, reach: &Reach, query: &PeriodQuery) -> Result<Vec<KindRow>, AppError>;
}

/// Workspaces: groups of accounts, and which viewers see which. Managing them is admin only
/// (the caller has checked the role).
#[async_trait]
pub trait WorkspacesPort: Send + Sync {
    /// What `user` may see: everything for an admin, their workspaces' accounts for a viewer.
    async fn reach(&self, user: &SessionUser) -> Result<Reach, AppError>;
    /// The workspaces `reach` admits, by name: the top bar's switcher.
    async fn choices(&self, reach: &Reach) -> Result<Vec<WorkspaceChoice>, AppError>;
    async fn list(&self) -> Result<Vec<WorkspaceSummary>, AppError>;
    /// A name is 1–80 characters and unique (case-insensitively).
    async fn create(&self, name: &str) -> Result<WorkspaceChoice, AppError>;
    async fn rename(&self, id: WorkspaceId, name: &str) -> Result<(), AppError>;
    /// Refuses a workspace that still holds accounts (move them first) and the last one.
    async fn delete(&self, id: WorkspaceId) -> Result<(), AppError>;
    async fn move_account(&self, account: AccountId, to: WorkspaceId) -> Result<(), AppError>;
    /// Adds or removes a member (a viewer; an admin sees everything already).
    async fn set_member(&self, id: WorkspaceId, user: UserId, member: bool)
        -> Result<(), AppError>;
}

/// Share links: read-only links to one workspace's (or one account's) dashboard pages,
/// opened without signing in. Making and revoking them is admin only (the caller has checked
/// the role).
#[async_trait]
pub trait SharesPort: Send + Sync {
    /// A new link made by `by`: field errors for the label, expiry and page; `NotFound` for
    /// an unknown workspace or account. The answer holds the secret, shown this once.
    async fn create(&self, by: UserId, new: NewShareLink) -> Result<CreatedShareLink, AppError>;
    /// Every link, newest first, expired ones included (marked).
    async fn list(&self) -> Result<Vec<ShareLinkSummary>, AppError>;
    /// Deletes the link: its visitors are refused from their next request on.
    async fn revoke(&self, id: ShareLinkId) -> Result<(), AppError>;
    /// A visitor opening a link (`<id>.<secret>` from its URL), from `from`: the link's id and
    /// the page to open. `NotFound` for a wrong, expired or revoked link; `RateLimited` past
    /// the limits per address and per link.
    async fn open(&self, token: &str, from: IpAddr) -> Result<(ShareLinkId, String), AppError>;
    /// What a visitor of link `id` may see, for each of their requests (the link alone is
    /// read): `NotFound` once it expired or was revoked, `RateLimited` past the limit per
    /// link.
    async fn visit(&self, id: ShareLinkId) -> Result<Reach, AppError>;
    /// What link `id` shows, in words, for its visitor's top bar; refused as [`Self::visit`].
    async fn view(&self, id: ShareLinkId) -> Result<SharedView, AppError>;
}

/// Personal read-only API tokens for `/api/v1/`. Every user manages their own; admins see
/// and revoke everyone's.
#[async_trait]
pub trait TokensPort: Send + Sync {
    /// A new token of `user` reading `workspaces` (each within the user's reach, else
    /// `NotFound`): field errors for the name, the expiry and an empty choice. The answer
    /// holds the secret, shown this once.
    async fn create(
        &self,
        user: &SessionUser,
        name: &str,
        expires_in_days: u32,
        workspaces: Vec<WorkspaceId>,
    ) -> Result<CreatedApiToken, AppError>;
    /// The user's tokens, newest first (every user's for an admin).
    async fn list(&self, user: &SessionUser) -> Result<Vec<ApiTokenSummary>, AppError>;
    /// Deletes a token of the user's (any, for an admin); `NotFound` for another's.
    async fn revoke(&self, user: &SessionUser, id: ApiTokenId) -> Result<(), AppError>;
    /// What the bearer of `token` may read now: the token's workspaces that its owner still
    /// sees. `Unauthenticated` for a wrong, expired or revoked token; `RateLimited` past the
    /// limit per token.
    async fn authenticate(&self, token: &str) -> Result<Reach, AppError>;
}

/// Alerts and where they go (admin only; the caller has checked the role). Values are
/// validated by the port; passwords, webhook URLs and secrets are sealed and never returned.
#[async_trait]
pub trait NotifyPort: Send + Sync {
    async fn view(&self) -> Result<NotificationsView, AppError>;
    /// An empty `password` keeps the stored one. Refused while `INSTALYTICS_SMTP_URL` sets
    /// the server.
    async fn set_smtp(
        &self,
        host: &str,
        port: &str,
        security: SmtpSecurity,
        username: &str,
        password: &str,
        from: &str,
    ) -> Result<SmtpView, AppError>;
    /// A webhook gets a new signing secret, returned this once.
    async fn add_channel(
        &self,
        kind: ChannelKind,
        label: &str,
        target: &str,
    ) -> Result<CreatedChannel, AppError>;
    /// Deletes the channel; its deliveries stay in the log.
    async fn remove_channel(&self, id: ChannelId) -> Result<(), AppError>;
    /// Queues a test message to the channel and makes its first attempt now.
    async fn send_test(&self, id: ChannelId) -> Result<DeliveryView, AppError>;
    async fn set_rule(
        &self,
        rule: AlertRule,
        enabled: bool,
        threshold: &str,
    ) -> Result<AlertRuleView, AppError>;
    /// Checks every field (an error names it) and adds the schedule.
    async fn add_report(&self, report: &NewReport) -> Result<ReportView, AppError>;
    async fn remove_report(&self, id: ReportId) -> Result<(), AppError>;
    /// Sends the report of its latest whole period now, as it would go on schedule (the
    /// schedule itself is unchanged), and answers how the first attempt went.
    async fn send_report(&self, id: ReportId) -> Result<DeliveryView, AppError>;
    /// The newest deliveries first, at most `limit`.
    async fn log(&self, limit: u64) -> Result<Vec<DeliveryView>, AppError>;
}

/// Everything server functions can reach, provided once per request by the server.
#[derive(Clone)]
pub struct Backend {
    pub auth: Arc<dyn AuthPort>,
    pub users: Arc<dyn UsersPort>,
    pub accounts: Arc<dyn AccountsPort>,
    pub sync_log: Arc<dyn SyncLogPort>,
    pub settings: Arc<dyn SettingsPort>,
    pub analytics: Arc<dyn AnalyticsPort>,
    pub export: Arc<dyn ExportPort>,
    pub workspaces: Arc<dyn WorkspacesPort>,
    pub shares: Arc<dyn SharesPort>,
    pub tokens: Arc<dyn TokensPort>,
    pub notify: Arc<dyn NotifyPort>,
}

pub fn backend() -> Result<Backend, AppError> {
    use_context::<Backend>().ok_or_else(|| {
        tracing::error!("Backend missing from Leptos context");
        AppError::Internal
    })
}
