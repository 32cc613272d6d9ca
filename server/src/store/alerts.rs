//! Alerts: a row per rule and subject, opened when its condition starts to hold and resolved
//! when it clears. Opening and resolving are conditional writes whose winner queues the
//! deliveries in the same transaction, so several instances deciding the same alert at once
//! send it once, and a crash between the two loses neither.

use sea_orm::prelude::*;
use sea_orm::sea_query::{OnConflict, Query};
use sea_orm::{DatabaseConnection, Statement};
use tracing::instrument;

use super::deliveries::{enqueue, NewDelivery};
use super::entities::alerts::{self, Column as C};
use super::{begin_write, StoreError};

/// What an alert is about, as its condition found it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AlertKey<'a> {
    pub rule: &'a str,
    pub subject: &'a str,
}

#[derive(Clone, Debug)]
pub struct AlertStore {
    db: DatabaseConnection,
}

impl AlertStore {
    pub fn new(db: DatabaseConnection) -> Self {
        Self { db }
    }

    /// Every alert open now.
    #[instrument(skip(self), err(level = "debug"))]
    pub async fn open_alerts(&self) -> Result<Vec<alerts::Model>, StoreError> {
        Ok(alerts::Entity::find()
            .filter(C::Open.eq(true))
            .all(&self.db)
            .await?)
    }

    /// Opens the alert unless it is open already; the opener queues `deliveries(row)`.
    /// Answers the opened row, or `None` when it was open (here or by another instance).
    #[instrument(skip(self, deliveries), err(level = "debug"))]
    pub async fn open(
        &self,
        key: AlertKey<'_>,
        title: &str,
        link: &str,
        now: i64,
        deliveries: impl FnOnce(&alerts::Model) -> Vec<NewDelivery>,
    ) -> Result<Option<alerts::Model>, StoreError> {
        let stmt = Query::insert()
            .into_table(alerts::Entity)
            .columns([
                C::Rule,
                C::Subject,
                C::Open,
                C::Episode,
                C::OpenedAt,
                C::Title,
                C::Link,
            ])
            .values_panic([
                key.rule.into(),
                key.subject.into(),
                true.into(),
                1i64.into(),
                now.into(),
                title.into(),
                link.into(),
            ])
            .on_conflict(
                OnConflict::columns([C::Rule, C::Subject])
                    .values([
                        (C::Open, true.into()),
                        (C::Episode, Expr::col((alerts::Entity, C::Episode)).add(1)),
                        (C::OpenedAt, now.into()),
                        (C::ResolvedAt, Option::<i64>::None.into()),
                        (C::Title, title.into()),
                        (C::Link, link.into()),
                    ])
                    .action_and_where(Expr::col((alerts::Entity, C::Open)).eq(false))
                    .to_owned(),
            )
            .to_owned();
        let stmt = self.db.get_database_backend().build(&stmt);
        self.decide(key, stmt, now, deliveries).await
    }

    /// Resolves the alert if it is open; the resolver queues `deliveries(row)`.
    #[instrument(skip(self, deliveries), err(level = "debug"))]
    pub async fn resolve(
        &self,
        key: AlertKey<'_>,
        now: i64,
        deliveries: impl FnOnce(&alerts::Model) -> Vec<NewDelivery>,
    ) -> Result<Option<alerts::Model>, StoreError> {
        let stmt = Query::update()
            .table(alerts::Entity)
            .value(C::Open, false)
            .value(C::ResolvedAt, now)
            .and_where(C::Rule.eq(key.rule))
            .and_where(C::Subject.eq(key.subject))
            .and_where(C::Open.eq(true))
            .to_owned();
        let stmt = self.db.get_database_backend().build(&stmt);
        self.decide(key, stmt, now, deliveries).await
    }

    /// Runs the conditional write; when it changed the row, reads it back and queues its
    /// deliveries before committing.
    async fn decide(
        &self,
        key: AlertKey<'_>,
        stmt: Statement,
        now: i64,
        deliveries: impl FnOnce(&alerts::Model) -> Vec<NewDelivery>,
    ) -> Result<Option<alerts::Model>, StoreError> {
        let txn = begin_write(&self.db).await?;
        let changed = txn.execute(stmt).await?.rows_affected() == 1;
        if !changed {
            txn.rollback().await?;
            return Ok(None);
        }
        let row = alerts::Entity::find_by_id((key.rule.to_owned(), key.subject.to_owned()))
            .one(&txn)
            .await?
            .ok_or(StoreError::NotFound)?;
        enqueue(&txn, deliveries(&row), now).await?;
        txn.commit().await?;
        Ok(Some(row))
    }
}
