//! Lease rows: an instance polls an account only while it holds the account's unexpired lease,
//! so several instances on one PostgreSQL never sync the same account at once, and a dead
//! instance's accounts come free when its leases run out.
//!
//! Claiming is one atomic upsert: insert, or take over a row that has expired or is already
//! ours. Both SQLite and PostgreSQL report zero affected rows when the `WHERE` of
//! `ON CONFLICT … DO UPDATE` refuses, which is how a lost race shows.

use sea_orm::prelude::*;
use sea_orm::sea_query::{OnConflict, Query};
use sea_orm::DatabaseConnection;
use tracing::instrument;

use super::entities::sync_leases;
use super::StoreError;

#[derive(Clone, Debug)]
pub struct LeaseStore {
    db: DatabaseConnection,
    owner: String,
}

impl LeaseStore {
    pub fn new(db: DatabaseConnection, owner: impl Into<String>) -> Self {
        Self {
            db,
            owner: owner.into(),
        }
    }

    pub fn owner(&self) -> &str {
        &self.owner
    }

    /// Takes or extends the lease until `until`; false when another live owner holds it.
    #[instrument(skip(self), err(level = "debug"))]
    pub async fn claim(&self, account_id: i64, now: i64, until: i64) -> Result<bool, StoreError> {
        use sync_leases::Column as C;
        let stmt = Query::insert()
            .into_table(sync_leases::Entity)
            .columns([C::AccountId, C::Owner, C::ExpiresAt])
            .values_panic([account_id.into(), self.owner.clone().into(), until.into()])
            .on_conflict(
                OnConflict::column(C::AccountId)
                    .update_columns([C::Owner, C::ExpiresAt])
                    .action_and_where(
                        Expr::col((sync_leases::Entity, C::ExpiresAt))
                            .lt(now)
                            .or(Expr::col((sync_leases::Entity, C::Owner)).eq(self.owner.clone())),
                    )
                    .to_owned(),
            )
            .to_owned();
        let backend = self.db.get_database_backend();
        let res = self.db.execute(backend.build(&stmt)).await?;
        Ok(res.rows_affected() == 1)
    }

    #[instrument(skip(self), err(level = "debug"))]
    pub async fn release(&self, account_id: i64) -> Result<(), StoreError> {
        sync_leases::Entity::delete_many()
            .filter(sync_leases::Column::AccountId.eq(account_id))
            .filter(sync_leases::Column::Owner.eq(self.owner.clone()))
            .exec(&self.db)
            .await?;
        Ok(())
    }

    /// Accounts some instance is syncing right now.
    #[instrument(skip(self), err(level = "debug"))]
    pub async fn held(&self, now: i64) -> Result<Vec<i64>, StoreError> {
        Ok(sync_leases::Entity::find()
            .filter(sync_leases::Column::ExpiresAt.gte(now))
            .all(&self.db)
            .await?
            .into_iter()
            .map(|l| l.account_id)
            .collect())
    }
}
