//! Table and column names as the migrations knew them.

use sea_orm_migration::prelude::*;

#[derive(DeriveIden)]
pub enum Users {
    Table,
    Id,
    Username,
    Role,
    PasswordHash,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
pub enum Sessions {
    Table,
    Id,
    Data,
    ExpiresAt,
    UserId,
}

#[derive(DeriveIden)]
pub enum Accounts {
    Table,
    Id,
    IgUserId,
    AppUserId,
    Flavour,
    Username,
    Name,
    ProfilePictureUrl,
    FollowersCount,
    FollowsCount,
    MediaCount,
    Enabled,
    Status,
    StatusDetail,
    RetryAfter,
    Token,
    TokenIssuedAt,
    TokenExpiresAt,
    DataAccessExpiresAt,
    NextSyncAt,
    SyncRequested,
    LastSyncAt,
    CreatedAt,
    WorkspaceId,
}

#[derive(DeriveIden)]
pub enum SyncLeases {
    Table,
    AccountId,
    Owner,
    ExpiresAt,
}

// `media.media_type` is Meta's field name; the variant follows the column.
#[allow(clippy::enum_variant_names)]
#[derive(DeriveIden)]
pub enum Media {
    Table,
    Id,
    AccountId,
    IgMediaId,
    Caption,
    MediaType,
    ProductType,
    Permalink,
    ThumbnailUrl,
    PublishedAt,
    LatestCapturedAt,
    LatestLikes,
    LatestComments,
    LatestSaves,
    LatestShares,
    LatestReach,
    LatestViews,
    FollowersAtCapture,
}

#[derive(DeriveIden)]
pub enum MediaHashtags {
    Table,
    MediaId,
    Tag,
}

#[derive(DeriveIden)]
pub enum MediaSnapshots {
    Table,
    Id,
    MediaId,
    CapturedAt,
    Likes,
    Comments,
    Saves,
    Shares,
    Reach,
    Views,
    Impressions,
    VideoViews,
    Plays,
    TotalInteractions,
    Follows,
    ProfileVisits,
    ProfileActivity,
    Replies,
    AvgWatchMs,
    TotalWatchMs,
    SkipRate,
    TapsForward,
    TapsBack,
    Exits,
    SwipesForward,
}

#[derive(DeriveIden)]
pub enum AccountInsights {
    Table,
    AccountId,
    Date,
    Followers,
    FollowerDelta,
    Reach,
    Views,
    ProfileViews,
    AccountsEngaged,
    TotalInteractions,
    UpdatedAt,
}

#[derive(DeriveIden)]
pub enum SyncRuns {
    Table,
    Id,
    AccountId,
    Trigger,
    StartedAt,
    FinishedAt,
    Outcome,
    Requests,
    RowsWritten,
    Error,
    Instance,
}

#[derive(DeriveIden)]
pub enum Settings {
    Table,
    Id,
    PollIntervalSecs,
    LookbackDays,
    PrivacyContact,
    KeepOldMedia,
}

#[derive(DeriveIden)]
pub enum DeletionRequests {
    Table,
    Code,
    AppUserId,
    ReceivedAt,
    AccountsDeleted,
}

/// Meta callbacks carried out, by the digest of their signed request (replay guard).
#[derive(DeriveIden)]
pub enum MetaCallbacks {
    Table,
    Digest,
    ReceivedAt,
}

/// The BigQuery destination (one row) and the exporter's last outcome.
#[derive(DeriveIden)]
pub enum ExportConfig {
    Table,
    Id,
    Enabled,
    Project,
    Dataset,
    Location,
    /// The service-account JSON key, sealed like access tokens.
    SealedKey,
    /// The key's `client_email`: shown in Settings so admins know which key is in place.
    KeyEmail,
    LastSuccessAt,
    LastError,
    LastErrorAt,
    /// When the exports started failing; cleared by a success.
    FailingSince,
}

/// One row per exported table: the keyset cursor of the last row BigQuery confirmed.
#[derive(DeriveIden)]
pub enum ExportState {
    Table,
    TableName,
    CursorAt,
    CursorId,
    CursorDate,
    RowsExported,
    LastSuccessAt,
    /// A backfill is in progress (its cursors were reset); `export --backfill` resumes it.
    Backfilling,
}

/// Accounts deleted here whose rows must still be deleted from BigQuery.
#[derive(DeriveIden)]
pub enum ExportDeletions {
    Table,
    AccountId,
    RequestedAt,
}

/// Insights Meta gives broken down by a dimension (audience demographics, followers online
/// by hour): one row per account, day, metric and breakdown, its values as JSON, or why Meta
/// gave none.
#[derive(DeriveIden)]
pub enum InsightBreakdowns {
    Table,
    /// A surrogate key, so the BigQuery export reads captures in (time, id) order.
    Id,
    AccountId,
    Date,
    Metric,
    Breakdown,
    /// `[[dimension values…], count]` pairs; NULL when not available.
    Shares,
    /// Why there are no values (Meta's 100-follower floor, a refusal); NULL when there are.
    Unavailable,
    CapturedAt,
}

#[derive(DeriveIden)]
pub enum Workspaces {
    Table,
    Id,
    Name,
    CreatedAt,
}

#[derive(DeriveIden)]
pub enum WorkspaceMembers {
    Table,
    WorkspaceId,
    UserId,
}

#[derive(DeriveIden)]
pub enum ShareLinks {
    Table,
    Id,
    Label,
    WorkspaceId,
    AccountId,
    Page,
    Query,
    SecretHash,
    CreatedBy,
    CreatedAt,
    ExpiresAt,
    LastUsedAt,
}

#[derive(DeriveIden)]
pub enum ApiTokens {
    Table,
    Id,
    UserId,
    Name,
    SecretHash,
    CreatedAt,
    ExpiresAt,
    LastUsedAt,
}

#[derive(DeriveIden)]
pub enum ApiTokenWorkspaces {
    Table,
    TokenId,
    WorkspaceId,
}

#[derive(DeriveIden)]
pub enum SmtpConfig {
    Table,
    Id,
    Host,
    Port,
    Security,
    Username,
    /// Sealed like access tokens; never shown again.
    SealedPassword,
    FromAddress,
}

#[derive(DeriveIden)]
pub enum NotifyChannels {
    Table,
    Id,
    Kind,
    Label,
    /// What the list shows: the recipients, or the URL's host.
    Target,
    /// The channel's addresses and secrets (JSON), sealed.
    SealedConfig,
    CreatedAt,
}

#[derive(DeriveIden)]
pub enum AlertRules {
    Table,
    Rule,
    Enabled,
    Threshold,
}

#[derive(DeriveIden)]
pub enum Alerts {
    Table,
    Rule,
    Subject,
    Open,
    /// How many times this alert has opened: each opening and its resolution are one event.
    Episode,
    OpenedAt,
    ResolvedAt,
    Title,
    Link,
}

#[derive(DeriveIden)]
pub enum NotifyDeliveries {
    Table,
    Id,
    ChannelId,
    ChannelLabel,
    ChannelKind,
    Event,
    Title,
    Body,
    Status,
    Attempts,
    NextAttemptAt,
    ClaimedUntil,
    Error,
    CreatedAt,
    FinishedAt,
}

#[derive(DeriveIden)]
pub enum ReportSchedules {
    Table,
    Id,
    WorkspaceId,
    Cadence,
    Day,
    Hour,
    TimeZone,
    Recipients,
    LastPeriod,
    CreatedAt,
}

#[derive(DeriveIden)]
pub enum PostDays {
    Table,
    AccountId,
    Day,
    Posts,
    Interactions,
    ReachedInteractions,
    Reach,
    Best,
}
