//! Scheduled reports. Queuing a period's report is a conditional write on the schedule's
//! `last_period` whose winner queues the delivery in the same transaction, so several
//! instances (or a restart) queue each period once.

use sea_orm::prelude::*;
use sea_orm::sea_query::{Expr, Query};
use sea_orm::{ActiveValue::Set, DatabaseConnection, QueryOrder};
use tracing::instrument;

use super::deliveries::{enqueue, NewDelivery};
use super::entities::report_schedules::{self, Column as C};
use super::{begin_write, StoreError};

/// A schedule to add, already validated.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewSchedule {
    pub workspace_id: Option<i64>,
    pub cadence: String,
    pub day: i32,
    pub hour: i32,
    pub time_zone: String,
    pub recipients: Vec<String>,
}

#[derive(Clone, Debug)]
pub struct ReportStore {
    db: DatabaseConnection,
}

impl ReportStore {
    pub fn new(db: DatabaseConnection) -> Self {
        Self { db }
    }

    #[instrument(skip(self), err(level = "debug"))]
    pub async fn list(&self) -> Result<Vec<report_schedules::Model>, StoreError> {
        Ok(report_schedules::Entity::find()
            .order_by_asc(C::Id)
            .all(&self.db)
            .await?)
    }

    #[instrument(skip(self), err(level = "debug"))]
    pub async fn get(&self, id: i64) -> Result<report_schedules::Model, StoreError> {
        report_schedules::Entity::find_by_id(id)
            .one(&self.db)
            .await?
            .ok_or(StoreError::NotFound)
    }

    #[instrument(skip(self), err(level = "debug"))]
    pub async fn create(
        &self,
        new: NewSchedule,
        now: i64,
    ) -> Result<report_schedules::Model, StoreError> {
        let row = report_schedules::ActiveModel {
            workspace_id: Set(new.workspace_id),
            cadence: Set(new.cadence),
            day: Set(new.day),
            hour: Set(new.hour),
            time_zone: Set(new.time_zone),
            recipients: Set(serde_json::to_string(&new.recipients).expect("strings serialise")),
            last_period: Set(None),
            created_at: Set(now),
            ..Default::default()
        };
        Ok(row.insert(&self.db).await?)
    }

    #[instrument(skip(self), err(level = "debug"))]
    pub async fn delete(&self, id: i64) -> Result<(), StoreError> {
        let done = report_schedules::Entity::delete_by_id(id)
            .exec(&self.db)
            .await?;
        if done.rows_affected == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    /// Marks the period starting `from` (`YYYY-MM-DD`) as queued unless it (or a later one)
    /// is already, and then queues `delivery` in the same transaction. Answers whether this
    /// caller queued it.
    #[instrument(skip(self, delivery), err(level = "debug"))]
    pub async fn queue_period(
        &self,
        id: i64,
        from: &str,
        delivery: NewDelivery,
        now: i64,
    ) -> Result<bool, StoreError> {
        let stmt = Query::update()
            .table(report_schedules::Entity)
            .value(C::LastPeriod, from)
            .and_where(C::Id.eq(id))
            .and_where(
                Expr::col(C::LastPeriod)
                    .is_null()
                    .or(Expr::col(C::LastPeriod).lt(from)),
            )
            .to_owned();
        let txn = begin_write(&self.db).await?;
        let changed = txn
            .execute(self.db.get_database_backend().build(&stmt))
            .await?
            .rows_affected()
            == 1;
        if !changed {
            txn.rollback().await?;
            return Ok(false);
        }
        enqueue(&txn, vec![delivery], now).await?;
        txn.commit().await?;
        Ok(true)
    }
}

/// A schedule's recipients, as stored.
pub fn recipients(row: &report_schedules::Model) -> Vec<String> {
    serde_json::from_str(&row.recipients).unwrap_or_default()
}
