//! Alerts and their delivery, as Settings → Notifications and the Notifications log show them.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::dto::{WorkspaceChoice, WorkspaceId};
pub use crate::ids::{ChannelId, ReportId};

/// Where alerts go.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChannelKind {
    /// To the recipients listed, through the SMTP server in Settings.
    Email,
    /// A Slack incoming webhook (or a Slack-compatible one: Mattermost, Rocket.Chat).
    Slack,
    /// Our JSON to any URL, signed with the channel's secret.
    Webhook,
}

impl ChannelKind {
    pub const ALL: [ChannelKind; 3] =
        [ChannelKind::Email, ChannelKind::Slack, ChannelKind::Webhook];

    pub fn as_str(self) -> &'static str {
        match self {
            ChannelKind::Email => "email",
            ChannelKind::Slack => "slack",
            ChannelKind::Webhook => "webhook",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            ChannelKind::Email => "E-mail",
            ChannelKind::Slack => "Slack",
            ChannelKind::Webhook => "Webhook",
        }
    }
}

impl fmt::Display for ChannelKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ChannelKind {
    type Err = ();

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL.into_iter().find(|k| k.as_str() == s).ok_or(())
    }
}

/// A channel in the list. Its addresses beyond `target` and its secrets stay on the server.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ChannelSummary {
    pub id: ChannelId,
    pub kind: ChannelKind,
    pub label: String,
    /// The recipients of an e-mail channel; the scheme and host of a webhook's URL.
    pub target: String,
    /// `YYYY-MM-DD`, in UTC.
    pub created_on: String,
}

/// A channel just added. A webhook's signing secret is in `secret`, shown this once.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CreatedChannel {
    pub channel: ChannelSummary,
    pub secret: Option<String>,
}

/// How the SMTP connection is secured.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SmtpSecurity {
    /// Plain connection upgraded with STARTTLS, which must succeed (port 587).
    #[serde(rename = "starttls")]
    StartTls,
    /// TLS from the first byte (port 465).
    Tls,
    /// No encryption: only for a relay on the same machine or network.
    None,
}

impl SmtpSecurity {
    pub const ALL: [SmtpSecurity; 3] = [
        SmtpSecurity::StartTls,
        SmtpSecurity::Tls,
        SmtpSecurity::None,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            SmtpSecurity::StartTls => "starttls",
            SmtpSecurity::Tls => "tls",
            SmtpSecurity::None => "none",
        }
    }
}

impl FromStr for SmtpSecurity {
    type Err = ();

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL.into_iter().find(|k| k.as_str() == s).ok_or(())
    }
}

/// The SMTP server as Settings shows it: never the password, only whether one is set.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SmtpView {
    pub host: String,
    pub port: u16,
    pub security: SmtpSecurity,
    pub username: String,
    pub password_set: bool,
    pub from: String,
    /// Set by `INSTALYTICS_SMTP_URL` on the server: the form is read-only.
    pub from_environment: bool,
}

/// What an alert rule watches.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AlertRule {
    NeedsReauth,
    TokenExpiring,
    SyncsFailing,
    RateLimited,
    ExportFailing,
    ExportBacklog,
    PostAbove,
    PostBelow,
    FollowersDrop,
}

impl AlertRule {
    pub const ALL: [AlertRule; 9] = [
        AlertRule::NeedsReauth,
        AlertRule::TokenExpiring,
        AlertRule::SyncsFailing,
        AlertRule::RateLimited,
        AlertRule::ExportFailing,
        AlertRule::ExportBacklog,
        AlertRule::PostAbove,
        AlertRule::PostBelow,
        AlertRule::FollowersDrop,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AlertRule::NeedsReauth => "needs_reauth",
            AlertRule::TokenExpiring => "token_expiring",
            AlertRule::SyncsFailing => "syncs_failing",
            AlertRule::RateLimited => "rate_limited",
            AlertRule::ExportFailing => "export_failing",
            AlertRule::ExportBacklog => "export_backlog",
            AlertRule::PostAbove => "post_above",
            AlertRule::PostBelow => "post_below",
            AlertRule::FollowersDrop => "followers_drop",
        }
    }

    /// The threshold's default, and what it counts; `None` for a rule without one.
    pub fn threshold(self) -> Option<(f64, &'static str)> {
        match self {
            AlertRule::NeedsReauth => None,
            AlertRule::TokenExpiring => Some((7.0, "days")),
            AlertRule::SyncsFailing => Some((3.0, "syncs in a row")),
            AlertRule::RateLimited => Some((1.0, "hours")),
            AlertRule::ExportFailing => Some((1.0, "hours")),
            AlertRule::ExportBacklog => Some((6.0, "hours")),
            AlertRule::PostAbove => Some((2.0, "times the median")),
            AlertRule::PostBelow => Some((0.5, "times the median")),
            AlertRule::FollowersDrop => Some((5.0, "%")),
        }
    }

    /// What the rule watches, in words, with `X` for its threshold.
    pub fn describe(self) -> &'static str {
        match self {
            AlertRule::NeedsReauth => "An account needs re-authorisation",
            AlertRule::TokenExpiring => "An account's token expires within X days",
            AlertRule::SyncsFailing => "X syncs of an account in a row failed",
            AlertRule::RateLimited => "An account has been rate limited for over X hours",
            AlertRule::ExportFailing => "The BigQuery export has been failing for over X hours",
            AlertRule::ExportBacklog => "Rows have waited for the BigQuery export for over X hours",
            AlertRule::PostAbove => "A post or reel has over X times its account's median interactions at 24 hours, for its type",
            AlertRule::PostBelow => "A post or reel has under X times its account's median interactions at 24 hours, for its type",
            AlertRule::FollowersDrop => "An account's followers fell by more than X % in a day",
        }
    }

    /// A rule that reports news rather than a fault: its alert ends without a "Resolved"
    /// message (a post's first day is over, not fixed).
    pub fn is_news(self) -> bool {
        matches!(self, AlertRule::PostAbove | AlertRule::PostBelow)
    }
}

impl FromStr for AlertRule {
    type Err = ();

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL.into_iter().find(|k| k.as_str() == s).ok_or(())
    }
}

/// A rule with its switch and threshold as set.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AlertRuleView {
    pub rule: AlertRule,
    pub enabled: bool,
    pub threshold: Option<f64>,
}

/// How often a report is mailed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Cadence {
    /// On a weekday, covering the seven days before.
    Weekly,
    /// On a day of the month (1–28), covering the calendar month before.
    Monthly,
}

impl Cadence {
    pub const ALL: [Cadence; 2] = [Cadence::Weekly, Cadence::Monthly];

    pub fn as_str(self) -> &'static str {
        match self {
            Cadence::Weekly => "weekly",
            Cadence::Monthly => "monthly",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Cadence::Weekly => "Weekly",
            Cadence::Monthly => "Monthly",
        }
    }
}

impl FromStr for Cadence {
    type Err = ();

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL.into_iter().find(|k| k.as_str() == s).ok_or(())
    }
}

/// A scheduled report as the list shows it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ReportView {
    pub id: ReportId,
    /// `None`: every account.
    pub workspace: Option<WorkspaceId>,
    /// The workspace's name, or "All accounts".
    pub covers: String,
    pub cadence: Cadence,
    pub day: u8,
    pub hour: u8,
    pub time_zone: String,
    pub recipients: Vec<String>,
    /// When it is next sent, in its zone: `2026-12-14 09:00 (Europe/Paris)`.
    pub next: String,
}

/// A schedule as the form sends it; the service checks each field.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NewReport {
    /// `None`: every account.
    pub workspace: Option<WorkspaceId>,
    pub cadence: Cadence,
    pub day: String,
    pub hour: String,
    pub tz: String,
    pub recipients: String,
}

/// Everything Settings → Notifications shows.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NotificationsView {
    /// `None` until an SMTP server is set (e-mail channels then cannot send).
    pub smtp: Option<SmtpView>,
    pub channels: Vec<ChannelSummary>,
    pub rules: Vec<AlertRuleView>,
    pub reports: Vec<ReportView>,
    /// What a report may cover, besides every account.
    pub workspaces: Vec<WorkspaceChoice>,
}

/// Where a delivery stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryStatus {
    /// Waiting for its first attempt, or for the next after a failure.
    Pending,
    Sent,
    /// Every attempt failed; the last error says why.
    Failed,
}

impl DeliveryStatus {
    pub const ALL: [DeliveryStatus; 3] = [
        DeliveryStatus::Pending,
        DeliveryStatus::Sent,
        DeliveryStatus::Failed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryStatus::Pending => "pending",
            DeliveryStatus::Sent => "sent",
            DeliveryStatus::Failed => "failed",
        }
    }
}

impl FromStr for DeliveryStatus {
    type Err = ();

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL.into_iter().find(|k| k.as_str() == s).ok_or(())
    }
}

/// One message to one channel, in the Notifications log.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DeliveryView {
    /// `YYYY-MM-DD HH:MM UTC` it was queued.
    pub at: String,
    pub channel: String,
    pub kind: ChannelKind,
    pub title: String,
    pub status: DeliveryStatus,
    pub attempts: i32,
    /// The last attempt's error, if it failed.
    pub error: Option<String>,
}
