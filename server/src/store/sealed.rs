//! Every value sealed under the master key (the accounts' tokens, the BigQuery
//! service-account key, the notification channels' settings and the SMTP password), re-sealed together in one transaction: by `rotate-key`, and by the
//! start that finishes a rotation. All values move to the new key or none does.
//!
//! A sync seals a refreshed token while it holds its account's lease, so the transaction
//! first takes every free lease itself and refuses when another process holds one that is
//! still live: a sync that started before would otherwise write a token sealed under the old
//! key over the re-sealed one, and a sync that starts during it now waits (PostgreSQL: on
//! the lease row; SQLite: on the write lock this transaction takes with its first statement)
//! until the new values are committed, which it then cannot open with the old key, so it
//! writes nothing.

use sea_orm::prelude::*;
use sea_orm::sea_query::{Expr, OnConflict, Query};
use sea_orm::{ActiveValue::Set, DatabaseConnection, QuerySelect};
use tracing::instrument;

use super::entities::export_config::KEY_CONTEXT;
use super::entities::notify_channels::CONFIG_CONTEXT;
use super::entities::smtp_config::PASSWORD_CONTEXT;
use super::entities::{accounts, export_config, notify_channels, smtp_config, sync_leases};
use super::StoreError;

/// The owner name of the leases the re-sealing transaction holds while it runs. They are
/// deleted before it commits, so no other process ever sees them, only waits on them.
pub const RESEAL_OWNER: &str = "instalytics-reseal";
const RESEAL_LEASE_SECS: i64 = 60;

/// What a re-sealing changed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Resealed {
    pub tokens: usize,
    pub bigquery_key: bool,
    /// Notification channels' configurations and the SMTP password.
    pub notify: usize,
}

#[derive(Debug, thiserror::Error)]
pub enum ResealError<E: std::fmt::Display> {
    #[error("@{username} is being synced by {owner} (its lease runs for another {left} s)")]
    Busy {
        username: String,
        owner: String,
        left: i64,
    },
    #[error("the token of @{username} cannot be re-sealed: {error}")]
    Token { username: String, error: E },
    #[error("the BigQuery service-account key cannot be re-sealed: {0}")]
    BigQueryKey(E),
    #[error("a notification channel's settings or the SMTP password cannot be re-sealed: {0}")]
    Notify(E),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl<E: std::fmt::Display> From<DbErr> for ResealError<E> {
    fn from(err: DbErr) -> Self {
        ResealError::Store(err.into())
    }
}

#[derive(Clone, Debug)]
pub struct SealedStore {
    db: DatabaseConnection,
}

impl SealedStore {
    pub fn new(db: DatabaseConnection) -> Self {
        Self { db }
    }

    /// Passes every sealed value with its context (the account's Instagram id, or
    /// [`KEY_CONTEXT`]) to `reseal`, which answers the value to store instead, or `None` to
    /// keep it, and stores the answers in one transaction, refused while another process
    /// holds a live lease.
    #[instrument(skip(self, reseal), err(level = "debug"))]
    pub async fn reseal_all<E: std::fmt::Display>(
        &self,
        now: i64,
        mut reseal: impl FnMut(&str, &str) -> Result<Option<String>, E>,
    ) -> Result<Resealed, ResealError<E>> {
        use sync_leases::Column as L;
        let txn = super::begin_write(&self.db).await?;
        let backend = txn.get_database_backend();
        // A write first: on SQLite it takes the write lock for the whole transaction.
        let every_account = Query::select()
            .column(accounts::Column::Id)
            .expr(Expr::val(RESEAL_OWNER))
            .expr(Expr::val(now + RESEAL_LEASE_SECS))
            .from(accounts::Entity)
            // SQLite needs a WHERE before an upsert's ON CONFLICT to parse it.
            .and_where(Expr::col(accounts::Column::Id).is_not_null())
            .to_owned();
        let take_free_leases = Query::insert()
            .into_table(sync_leases::Entity)
            .columns([L::AccountId, L::Owner, L::ExpiresAt])
            .select_from(every_account)
            .map_err(|e| StoreError::Db(DbErr::Custom(e.to_string())))?
            .on_conflict(
                OnConflict::column(L::AccountId)
                    .update_columns([L::Owner, L::ExpiresAt])
                    .action_and_where(Expr::col((sync_leases::Entity, L::ExpiresAt)).lt(now))
                    .to_owned(),
            )
            .to_owned();
        txn.execute(backend.build(&take_free_leases)).await?;
        let held = sync_leases::Entity::find()
            .filter(L::Owner.ne(RESEAL_OWNER))
            .one(&txn)
            .await?;
        if let Some(lease) = held {
            let username = accounts::Entity::find_by_id(lease.account_id)
                .one(&txn)
                .await?
                .map_or_else(|| format!("account {}", lease.account_id), |a| a.username);
            return Err(ResealError::Busy {
                username,
                owner: lease.owner,
                left: lease.expires_at - now,
            });
        }

        let mut done = Resealed::default();
        let rows = accounts::Entity::find().lock_exclusive().all(&txn).await?;
        for account in &rows {
            let resealed = reseal(&account.token.0, &account.ig_user_id).map_err(|error| {
                ResealError::Token {
                    username: account.username.clone(),
                    error,
                }
            })?;
            if let Some(token) = resealed {
                accounts::ActiveModel {
                    id: Set(account.id),
                    token: Set(accounts::SealedToken(token)),
                    ..Default::default()
                }
                .update(&txn)
                .await?;
                done.tokens += 1;
            }
        }
        let config = export_config::Entity::find()
            .lock_exclusive()
            .one(&txn)
            .await?;
        if let Some((id, sealed)) = config.and_then(|c| Some((c.id, c.sealed_key?))) {
            if let Some(key) = reseal(&sealed, KEY_CONTEXT).map_err(ResealError::BigQueryKey)? {
                export_config::ActiveModel {
                    id: Set(id),
                    sealed_key: Set(Some(key)),
                    ..Default::default()
                }
                .update(&txn)
                .await?;
                done.bigquery_key = true;
            }
        }
        for channel in notify_channels::Entity::find()
            .lock_exclusive()
            .all(&txn)
            .await?
        {
            let config =
                reseal(&channel.sealed_config, CONFIG_CONTEXT).map_err(ResealError::Notify)?;
            if let Some(config) = config {
                notify_channels::ActiveModel {
                    id: Set(channel.id),
                    sealed_config: Set(config),
                    ..Default::default()
                }
                .update(&txn)
                .await?;
                done.notify += 1;
            }
        }
        let smtp = smtp_config::Entity::find()
            .lock_exclusive()
            .one(&txn)
            .await?;
        if let Some((id, sealed)) = smtp.and_then(|c| Some((c.id, c.sealed_password?))) {
            if let Some(password) =
                reseal(&sealed, PASSWORD_CONTEXT).map_err(ResealError::Notify)?
            {
                smtp_config::ActiveModel {
                    id: Set(id),
                    sealed_password: Set(Some(password)),
                    ..Default::default()
                }
                .update(&txn)
                .await?;
                done.notify += 1;
            }
        }

        sync_leases::Entity::delete_many()
            .filter(L::Owner.eq(RESEAL_OWNER))
            .exec(&txn)
            .await?;
        txn.commit().await?;
        Ok(done)
    }
}
