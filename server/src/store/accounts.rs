//! The `accounts` table: connecting, listing, enabling, deleting, and what the poller reads
//! and records. Deleting relies on ON DELETE CASCADE for everything collected.

use app::dto::Flavour;
use sea_orm::prelude::*;
use sea_orm::sea_query::{OnConflict, Query, SimpleExpr};
use sea_orm::{
    ActiveValue::Set, Condition, DatabaseConnection, DatabaseTransaction, QueryOrder, QuerySelect,
    QueryTrait,
};
use tracing::instrument;

use super::entities::accounts::{self, DbStatus, SealedToken};
use super::entities::{
    account_insights, deletion_requests, media, media_snapshots, meta_callbacks, sync_leases,
    sync_runs,
};
use super::workspaces::{accounts_in, destination, named_one_exists};
use super::StoreError;

/// What a successful profile check tells us about an account being connected.
#[derive(Clone, Debug)]
pub struct NewAccount {
    pub ig_user_id: String,
    pub app_user_id: Option<String>,
    pub flavour: Flavour,
    pub username: String,
    pub name: Option<String>,
    pub profile_picture_url: Option<String>,
    pub followers_count: i64,
    pub follows_count: i64,
    pub media_count: i64,
    pub token: SealedToken,
    pub token_expires_at: Option<i64>,
    /// Where a new account goes (the oldest workspace when `None`); an account connected
    /// already stays where it is.
    pub workspace_id: Option<i64>,
}

/// Row counts that deleting an account would remove.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Collected {
    pub media: u64,
    pub snapshots: u64,
    pub insight_days: u64,
    pub sync_runs: u64,
}

/// How a sync left the account.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StatusChange {
    pub status: DbStatus,
    pub detail: Option<String>,
    pub retry_after: Option<i64>,
    pub next_sync_at: i64,
    /// Set on success.
    pub synced_at: Option<i64>,
}

#[derive(Clone, Debug)]
pub struct AccountStore {
    db: DatabaseConnection,
}

impl AccountStore {
    pub fn new(db: DatabaseConnection) -> Self {
        Self { db }
    }

    /// The accounts of `workspaces` (every account when `None`), by username.
    #[instrument(skip(self), err(level = "debug"))]
    pub async fn list(
        &self,
        workspaces: Option<&[i64]>,
    ) -> Result<Vec<accounts::Model>, StoreError> {
        let rows = accounts::Entity::find()
            .filter(accounts_in(workspaces))
            .order_by_asc(accounts::Column::Username)
            .all(&self.db)
            .await?;
        if rows.is_empty() {
            named_one_exists(&self.db, workspaces).await?;
        }
        Ok(rows)
    }

    /// The other accounts connected by the same Meta user with the same login: those a
    /// token of `account`'s may serve too.
    #[instrument(skip(self, account), fields(id = account.id), err(level = "debug"))]
    pub async fn same_user(
        &self,
        account: &accounts::Model,
    ) -> Result<Vec<accounts::Model>, StoreError> {
        use accounts::Column as C;
        let Some(user) = &account.app_user_id else {
            return Ok(Vec::new());
        };
        Ok(accounts::Entity::find()
            .filter(C::AppUserId.eq(user.as_str()))
            .filter(C::Flavour.eq(account.flavour))
            .filter(C::Id.ne(account.id))
            .all(&self.db)
            .await?)
    }

    #[instrument(skip(self), err(level = "debug"))]
    pub async fn find(&self, id: i64) -> Result<accounts::Model, StoreError> {
        accounts::Entity::find_by_id(id)
            .one(&self.db)
            .await?
            .ok_or(StoreError::NotFound)
    }

    /// Inserts the account, or, when its Instagram id is known already, replaces its token and
    /// profile and re-enables it (reconnecting after a revoked token keeps the history).
    #[instrument(skip(self, new), fields(ig_user_id = %new.ig_user_id), err(level = "debug"))]
    pub async fn connect(&self, new: NewAccount, now: i64) -> Result<accounts::Model, StoreError> {
        let ig_user_id = new.ig_user_id.clone();
        let workspace = destination(&self.db, new.workspace_id).await?;
        let row = connected_row(new, workspace, now);
        use accounts::Column as C;
        accounts::Entity::insert(row)
            .on_conflict(
                OnConflict::column(C::IgUserId)
                    .update_columns([
                        C::Flavour,
                        C::Username,
                        C::Name,
                        C::ProfilePictureUrl,
                        C::FollowersCount,
                        C::FollowsCount,
                        C::MediaCount,
                        C::Enabled,
                        C::Status,
                        C::StatusDetail,
                        C::RetryAfter,
                        C::Token,
                        C::TokenIssuedAt,
                        C::TokenExpiresAt,
                        C::DataAccessExpiresAt,
                        C::NextSyncAt,
                        C::SyncRequested,
                    ])
                    .to_owned(),
            )
            .exec(&self.db)
            .await?;
        accounts::Entity::find()
            .filter(C::IgUserId.eq(ig_user_id))
            .one(&self.db)
            .await?
            .ok_or(StoreError::NotFound)
    }

    /// Inserts an account whose history is written by other means (`instalytics generate`):
    /// the row [`connect`](Self::connect) writes, but disabled, so no poller touches it (its
    /// token need not work), last synced at `now`, and created at `created_at`.
    #[instrument(skip(self, new), fields(ig_user_id = %new.ig_user_id), err(level = "debug"))]
    pub async fn import(
        &self,
        new: NewAccount,
        created_at: i64,
        now: i64,
    ) -> Result<accounts::Model, StoreError> {
        let workspace = destination(&self.db, new.workspace_id).await?;
        let mut row = connected_row(new, workspace, now);
        row.enabled = Set(false);
        row.status = Set(DbStatus::Ok);
        row.sync_requested = Set(false);
        row.last_sync_at = Set(Some(now));
        row.created_at = Set(created_at);
        Ok(row.insert(&self.db).await?)
    }

    async fn update(&self, row: accounts::ActiveModel) -> Result<(), StoreError> {
        update_on(&self.db, row).await
    }

    #[instrument(skip(self), err(level = "debug"))]
    pub async fn set_enabled(&self, id: i64, enabled: bool, now: i64) -> Result<(), StoreError> {
        self.update(accounts::ActiveModel {
            id: Set(id),
            enabled: Set(enabled),
            // Re-enabled accounts are polled at once rather than a full interval later.
            next_sync_at: Set(now),
            ..Default::default()
        })
        .await
    }

    /// Queues a sync: a flag in the database, so whichever instance holds the lease runs it.
    #[instrument(skip(self), err(level = "debug"))]
    pub async fn request_sync(&self, id: i64) -> Result<(), StoreError> {
        self.update(accounts::ActiveModel {
            id: Set(id),
            sync_requested: Set(true),
            ..Default::default()
        })
        .await
    }

    #[instrument(skip(self), err(level = "debug"))]
    pub async fn collected(&self, id: i64) -> Result<Collected, StoreError> {
        let media_ids = media::Entity::find()
            .select_only()
            .column(media::Column::Id)
            .filter(media::Column::AccountId.eq(id))
            .as_query()
            .to_owned();
        Ok(Collected {
            media: media::Entity::find()
                .filter(media::Column::AccountId.eq(id))
                .count(&self.db)
                .await?,
            snapshots: media_snapshots::Entity::find()
                .filter(media_snapshots::Column::MediaId.in_subquery(media_ids))
                .count(&self.db)
                .await?,
            insight_days: account_insights::Entity::find()
                .filter(account_insights::Column::AccountId.eq(id))
                .count(&self.db)
                .await?,
            sync_runs: sync_runs::Entity::find()
                .filter(sync_runs::Column::AccountId.eq(id))
                .count(&self.db)
                .await?,
        })
    }

    /// Deletes the account; the database cascades to everything collected for it, and the
    /// deletion is queued for BigQuery in the same transaction.
    #[instrument(skip(self), err(level = "debug"))]
    pub async fn delete(&self, id: i64, now: i64) -> Result<(), StoreError> {
        let this = sea_orm::Condition::all().add(accounts::Column::Id.eq(id));
        let txn = super::begin_write(&self.db).await?;
        if delete_where(&txn, this, now).await? == 0 {
            return Err(StoreError::NotFound);
        }
        txn.commit().await?;
        Ok(())
    }

    /// Carries out Meta's data-deletion request for `user_id` (app-scoped or Instagram user
    /// id): deletes every account it names and keeps the confirmation `code`, in one
    /// transaction, so a code is never handed out for a deletion that did not happen. The
    /// request is recorded in the same transaction; the same request again is `Replayed`.
    #[instrument(skip(self, code, request), err(level = "debug"))]
    pub async fn forget_meta_user(
        &self,
        user_id: &str,
        code: &str,
        request: &Callback<'_>,
    ) -> Result<u64, StoreError> {
        let txn = super::begin_write(&self.db).await?;
        request.claim(&txn).await?;
        let deleted = delete_where(&txn, meta_user(user_id), request.now).await?;
        deletion_requests::ActiveModel {
            code: Set(code.to_owned()),
            app_user_id: Set(user_id.to_owned()),
            received_at: Set(request.now),
            accounts_deleted: Set(i32::try_from(deleted).unwrap_or(i32::MAX)),
        }
        .insert(&txn)
        .await?;
        txn.commit().await?;
        Ok(deleted)
    }

    /// Disables every account Meta's deauthorize callback names; the request is recorded in
    /// the same transaction (the same request again is `Replayed`).
    #[instrument(skip(self, request), err(level = "debug"))]
    pub async fn disable_by_meta_user(
        &self,
        user_id: &str,
        request: &Callback<'_>,
    ) -> Result<u64, StoreError> {
        let txn = super::begin_write(&self.db).await?;
        request.claim(&txn).await?;
        let disabled = accounts::Entity::update_many()
            .col_expr(accounts::Column::Enabled, Expr::value(false))
            .filter(meta_user(user_id))
            .exec(&txn)
            .await?
            .rows_affected;
        txn.commit().await?;
        Ok(disabled)
    }

    /// Accounts the poller should sync now ([`due_at`]) that no instance holds, asked-for and
    /// most overdue first.
    #[instrument(skip(self), err(level = "debug"))]
    pub async fn due(&self, now: i64, limit: u64) -> Result<Vec<accounts::Model>, StoreError> {
        use accounts::Column as C;
        Ok(accounts::Entity::find()
            .filter(due_at(now))
            .filter(unleased(now))
            .order_by_desc(C::SyncRequested)
            .order_by_asc(C::NextSyncAt)
            .limit(limit)
            .all(&self.db)
            .await?)
    }

    /// Whether `id` is still due at `now`, read once the caller holds its lease: another
    /// instance may have synced it and let go since [`Self::due`] listed it.
    #[instrument(skip(self), err(level = "debug"))]
    pub async fn still_due(&self, id: i64, now: i64) -> Result<bool, StoreError> {
        Ok(accounts::Entity::find_by_id(id)
            .filter(due_at(now))
            .count(&self.db)
            .await?
            > 0)
    }

    /// Records how a sync ended and when the next one is due.
    #[instrument(skip(self, change), err(level = "debug"))]
    pub async fn record(&self, id: i64, change: StatusChange) -> Result<(), StoreError> {
        record_on(&self.db, id, change).await
    }
}

/// Enabled, not waiting for re-authorisation or a rate limit, and due (or asked for).
fn due_at(now: i64) -> Condition {
    use accounts::Column as C;
    Condition::all()
        .add(C::Enabled.eq(true))
        .add(C::Status.ne(DbStatus::NeedsReauth))
        .add(C::RetryAfter.is_null().or(C::RetryAfter.lte(now)))
        .add(C::NextSyncAt.lte(now).or(C::SyncRequested.eq(true)))
}

/// No instance is syncing it (no live lease): several instances asking at once each see the
/// accounts nobody holds, rather than the same few at the head of the queue.
fn unleased(now: i64) -> SimpleExpr {
    let leased = Query::select()
        .column(sync_leases::Column::AccountId)
        .from(sync_leases::Entity)
        .and_where(sync_leases::Column::ExpiresAt.gte(now))
        .to_owned();
    accounts::Column::Id.not_in_subquery(leased)
}

/// [`AccountStore::record`] on a connection or transaction: a successful sync records it in
/// the transaction that writes its data.
pub(super) async fn record_on(
    conn: &impl ConnectionTrait,
    id: i64,
    change: StatusChange,
) -> Result<(), StoreError> {
    let mut row = accounts::ActiveModel {
        id: Set(id),
        status: Set(change.status),
        status_detail: Set(change.detail),
        retry_after: Set(change.retry_after),
        next_sync_at: Set(change.next_sync_at),
        sync_requested: Set(false),
        ..Default::default()
    };
    if let Some(at) = change.synced_at {
        row.last_sync_at = Set(Some(at));
    }
    update_on(conn, row).await
}

/// Updates one account; a missing one is [`StoreError::NotFound`].
async fn update_on(
    conn: &impl ConnectionTrait,
    row: accounts::ActiveModel,
) -> Result<(), StoreError> {
    match row.update(conn).await {
        Err(DbErr::RecordNotUpdated) => Err(StoreError::NotFound),
        other => other.map(drop).map_err(Into::into),
    }
}

/// A newly connected account: enabled, pending, its first sync asked for at once.
fn connected_row(new: NewAccount, workspace: i64, now: i64) -> accounts::ActiveModel {
    accounts::ActiveModel {
        ig_user_id: Set(new.ig_user_id),
        app_user_id: Set(new.app_user_id),
        flavour: Set(new.flavour),
        username: Set(new.username),
        name: Set(new.name),
        profile_picture_url: Set(new.profile_picture_url),
        followers_count: Set(new.followers_count),
        follows_count: Set(new.follows_count),
        media_count: Set(new.media_count),
        enabled: Set(true),
        status: Set(DbStatus::Pending),
        status_detail: Set(None),
        retry_after: Set(None),
        token: Set(new.token),
        token_issued_at: Set(now),
        token_expires_at: Set(new.token_expires_at),
        data_access_expires_at: Set(None),
        next_sync_at: Set(now),
        sync_requested: Set(true),
        last_sync_at: Set(None),
        created_at: Set(now),
        workspace_id: Set(workspace),
        ..Default::default()
    }
}

/// Deletes the accounts `which` selects (their data goes by ON DELETE CASCADE) and queues
/// their rows' removal from BigQuery. Writes only, the queue first: on SQLite a transaction
/// that reads before it writes can fail with SQLITE_BUSY when another connection wrote
/// meanwhile (WAL snapshot).
async fn delete_where(
    txn: &DatabaseTransaction,
    which: sea_orm::Condition,
    now: i64,
) -> Result<u64, StoreError> {
    super::export::queue_deletions(txn, which.clone(), now).await?;
    Ok(accounts::Entity::delete_many()
        .filter(which)
        .exec(txn)
        .await?
        .rows_affected)
}

/// One of Meta's signed callback requests, by the digest of its text, received at `now`.
/// Digests older than `forget_before` are purged: such requests are refused as stale anyway.
pub struct Callback<'a> {
    pub digest: &'a str,
    pub now: i64,
    pub forget_before: i64,
}

impl Callback<'_> {
    /// Records the request, or refuses it as `Replayed` when it was carried out already.
    async fn claim(&self, txn: &DatabaseTransaction) -> Result<(), StoreError> {
        meta_callbacks::Entity::delete_many()
            .filter(meta_callbacks::Column::ReceivedAt.lt(self.forget_before))
            .exec(txn)
            .await?;
        let inserted = meta_callbacks::Entity::insert(meta_callbacks::ActiveModel {
            digest: Set(self.digest.to_owned()),
            received_at: Set(self.now),
        })
        .on_conflict(
            OnConflict::column(meta_callbacks::Column::Digest)
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(txn)
        .await?;
        if inserted == 1 {
            Ok(())
        } else {
            Err(StoreError::Replayed)
        }
    }
}

fn meta_user(user_id: &str) -> sea_orm::Condition {
    sea_orm::Condition::any()
        .add(accounts::Column::AppUserId.eq(user_id))
        .add(accounts::Column::IgUserId.eq(user_id))
}
