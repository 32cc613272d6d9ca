//! The deliveries of alerts and tests to channels: queued in the transaction that decides
//! them, claimed by one instance at a time, retried, and kept as the Notifications log.
//!
//! `(event, channel_id)` is unique, so queueing an event twice (two instances deciding the
//! same alert) sends it once; a claim is a conditional update, so two instances never send
//! the same delivery at once.

use sea_orm::prelude::*;
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{ActiveValue::Set, ConnectionTrait, DatabaseConnection, QueryOrder, QuerySelect};
use tracing::instrument;

use app::dto::DeliveryStatus;

use super::entities::notify_deliveries::{self, Column as C};
use super::StoreError;

/// A message to queue for one channel.
#[derive(Clone, Debug)]
pub struct NewDelivery {
    /// `None` for a scheduled report, which goes to its own recipients.
    pub channel_id: Option<i64>,
    pub channel_label: String,
    pub channel_kind: String,
    pub event: String,
    pub title: String,
    pub body: String,
}

/// How an attempt ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Attempted {
    Sent,
    /// Failed; try again at `at`.
    Retry {
        at: i64,
        error: String,
    },
    /// Failed for good.
    Failed {
        error: String,
    },
}

/// Queues `rows` at `now` (due at once) inside the caller's transaction; an event already
/// queued for a channel is skipped. Answers how many were queued.
pub async fn enqueue(
    conn: &impl ConnectionTrait,
    rows: Vec<NewDelivery>,
    now: i64,
) -> Result<u64, StoreError> {
    if rows.is_empty() {
        return Ok(0);
    }
    let models = rows.into_iter().map(|r| notify_deliveries::ActiveModel {
        channel_id: Set(r.channel_id),
        channel_label: Set(r.channel_label),
        channel_kind: Set(r.channel_kind),
        event: Set(r.event),
        title: Set(r.title),
        body: Set(r.body),
        status: Set(DeliveryStatus::Pending.as_str().to_owned()),
        attempts: Set(0),
        next_attempt_at: Set(now),
        claimed_until: Set(None),
        error: Set(None),
        created_at: Set(now),
        finished_at: Set(None),
        ..Default::default()
    });
    let res = notify_deliveries::Entity::insert_many(models)
        .on_conflict(
            OnConflict::columns([C::Event, C::ChannelId])
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(conn)
        .await?;
    Ok(res)
}

#[derive(Clone, Debug)]
pub struct DeliveryStore {
    db: DatabaseConnection,
}

impl DeliveryStore {
    pub fn new(db: DatabaseConnection) -> Self {
        Self { db }
    }

    /// Queues `rows` outside any other transaction.
    #[instrument(skip(self, rows), err(level = "debug"))]
    pub async fn enqueue(&self, rows: Vec<NewDelivery>, now: i64) -> Result<u64, StoreError> {
        enqueue(&self.db, rows, now).await
    }

    /// The delivery of `event` to `channel` (`None`: a report's, to its own recipients).
    #[instrument(skip(self), err(level = "debug"))]
    pub async fn find(
        &self,
        event: &str,
        channel: Option<i64>,
    ) -> Result<notify_deliveries::Model, StoreError> {
        let to = match channel {
            Some(id) => C::ChannelId.eq(id),
            None => C::ChannelId.is_null(),
        };
        notify_deliveries::Entity::find()
            .filter(C::Event.eq(event))
            .filter(to)
            .one(&self.db)
            .await?
            .ok_or(StoreError::NotFound)
    }

    /// Claims up to `limit` pending deliveries that are due, each until `now + hold`: the
    /// ones another instance holds, or claims first, are left to it.
    #[instrument(skip(self), err(level = "debug"))]
    pub async fn claim_due(
        &self,
        now: i64,
        hold: i64,
        limit: u64,
    ) -> Result<Vec<notify_deliveries::Model>, StoreError> {
        let due = notify_deliveries::Entity::find()
            .filter(C::Status.eq(DeliveryStatus::Pending.as_str()))
            .filter(C::NextAttemptAt.lte(now))
            .filter(C::ClaimedUntil.is_null().or(C::ClaimedUntil.lt(now)))
            .order_by_asc(C::NextAttemptAt)
            .limit(limit)
            .all(&self.db)
            .await?;
        let mut won = Vec::with_capacity(due.len());
        for row in due {
            if self.claim(row.id, now, hold).await? {
                won.push(row);
            }
        }
        Ok(won)
    }

    /// Claims delivery `id` until `now + hold`, if it is pending and nobody holds it.
    #[instrument(skip(self), err(level = "debug"))]
    pub async fn claim(&self, id: i64, now: i64, hold: i64) -> Result<bool, StoreError> {
        let res = notify_deliveries::Entity::update_many()
            .col_expr(C::ClaimedUntil, Expr::value(now + hold))
            .filter(C::Id.eq(id))
            .filter(C::Status.eq(DeliveryStatus::Pending.as_str()))
            .filter(C::ClaimedUntil.is_null().or(C::ClaimedUntil.lt(now)))
            .exec(&self.db)
            .await?;
        Ok(res.rows_affected == 1)
    }

    /// Records an attempt of a claimed delivery and lets go of it.
    #[instrument(skip(self), err(level = "debug"))]
    pub async fn attempted(&self, id: i64, outcome: Attempted, now: i64) -> Result<(), StoreError> {
        let (status, next, error, finished) = match outcome {
            Attempted::Sent => (DeliveryStatus::Sent, now, None, Some(now)),
            Attempted::Retry { at, error } => (DeliveryStatus::Pending, at, Some(error), None),
            Attempted::Failed { error } => (DeliveryStatus::Failed, now, Some(error), Some(now)),
        };
        notify_deliveries::Entity::update_many()
            .col_expr(C::Status, Expr::value(status.as_str()))
            .col_expr(C::Attempts, Expr::col(C::Attempts).add(1))
            .col_expr(C::NextAttemptAt, Expr::value(next))
            .col_expr(C::ClaimedUntil, Expr::value(Option::<i64>::None))
            .col_expr(C::Error, Expr::value(error))
            .col_expr(C::FinishedAt, Expr::value(finished))
            .filter(C::Id.eq(id))
            .exec(&self.db)
            .await?;
        Ok(())
    }

    /// Deletes deliveries that ended (sent or failed for good) before `cutoff`; queued ones
    /// stay whatever their age. Answers how many went.
    #[instrument(skip(self), err(level = "debug"))]
    pub async fn prune(&self, cutoff: i64) -> Result<u64, StoreError> {
        Ok(notify_deliveries::Entity::delete_many()
            .filter(C::FinishedAt.lt(cutoff))
            .exec(&self.db)
            .await?
            .rows_affected)
    }

    /// The newest first, at most `limit`.
    #[instrument(skip(self), err(level = "debug"))]
    pub async fn newest(&self, limit: u64) -> Result<Vec<notify_deliveries::Model>, StoreError> {
        Ok(notify_deliveries::Entity::find()
            .order_by_desc(C::Id)
            .limit(limit)
            .all(&self.db)
            .await?)
    }
}
