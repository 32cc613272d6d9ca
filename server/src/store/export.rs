//! The exporter's own tables: the destination and sealed key, one keyset cursor per exported
//! table, and the queue of account deletions BigQuery has not applied yet.

use sea_orm::prelude::*;
use sea_orm::sea_query::{Expr, OnConflict, Query};
use sea_orm::{ActiveValue::Set, DatabaseConnection, FromQueryResult};
use tracing::instrument;

use super::entities::{
    accounts, export_config, export_deletions, export_state, sync_leases, sync_runs,
};
use super::StoreError;

const ROW: i32 = 1;

/// Where the last confirmed row of a table sits in its (time, id[, date]) order.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Cursor {
    pub at: i64,
    pub id: i64,
    pub date: Option<time::Date>,
}

impl From<&export_state::Model> for Cursor {
    fn from(s: &export_state::Model) -> Self {
        Self {
            at: s.cursor_at,
            id: s.cursor_id,
            date: s.cursor_date,
        }
    }
}

/// A destination change, already validated.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Destination {
    pub project: String,
    pub dataset: String,
    pub location: String,
}

#[derive(Clone, Debug)]
pub struct ExportStore {
    db: DatabaseConnection,
}

impl ExportStore {
    pub fn new(db: DatabaseConnection) -> Self {
        Self { db }
    }

    #[instrument(skip(self), err(level = "debug"))]
    pub async fn config(&self) -> Result<export_config::Model, StoreError> {
        export_config::Entity::find_by_id(ROW)
            .one(&self.db)
            .await?
            .ok_or(StoreError::NotFound)
    }

    async fn update_config(&self, row: export_config::ActiveModel) -> Result<(), StoreError> {
        export_config::ActiveModel {
            id: Set(ROW),
            ..row
        }
        .update(&self.db)
        .await?;
        Ok(())
    }

    #[instrument(skip(self), err(level = "debug"))]
    pub async fn set_destination(&self, to: Destination) -> Result<(), StoreError> {
        self.update_config(export_config::ActiveModel {
            project: Set(Some(to.project)),
            dataset: Set(Some(to.dataset)),
            location: Set(Some(to.location)),
            ..Default::default()
        })
        .await
    }

    /// Replaces the sealed key; `email` is the key's public account name.
    #[instrument(skip(self, sealed), err(level = "debug"))]
    pub async fn set_key(&self, sealed: String, email: String) -> Result<(), StoreError> {
        self.update_config(export_config::ActiveModel {
            sealed_key: Set(Some(sealed)),
            key_email: Set(Some(email)),
            ..Default::default()
        })
        .await
    }

    #[instrument(skip(self), err(level = "debug"))]
    pub async fn set_enabled(&self, enabled: bool) -> Result<(), StoreError> {
        self.update_config(export_config::ActiveModel {
            enabled: Set(enabled),
            ..Default::default()
        })
        .await
    }

    /// Records how the last export cycle ended: `error` is `None` after a success.
    #[instrument(skip(self), err(level = "debug"))]
    pub async fn record_outcome(&self, error: Option<String>, now: i64) -> Result<(), StoreError> {
        let row = match error {
            None => export_config::ActiveModel {
                last_success_at: Set(Some(now)),
                last_error: Set(None),
                last_error_at: Set(None),
                failing_since: Set(None),
                ..Default::default()
            },
            Some(message) => {
                let since = self.config().await?.failing_since.unwrap_or(now);
                export_config::ActiveModel {
                    last_error: Set(Some(message)),
                    last_error_at: Set(Some(now)),
                    failing_since: Set(Some(since)),
                    ..Default::default()
                }
            }
        };
        self.update_config(row).await
    }

    #[instrument(skip(self), err(level = "debug"))]
    pub async fn states(&self) -> Result<Vec<export_state::Model>, StoreError> {
        Ok(export_state::Entity::find().all(&self.db).await?)
    }

    /// The table's state; a table never exported starts at the beginning.
    #[instrument(skip(self), err(level = "debug"))]
    pub async fn state(&self, table: &str) -> Result<export_state::Model, StoreError> {
        Ok(export_state::Entity::find_by_id(table.to_owned())
            .one(&self.db)
            .await?
            .unwrap_or_else(|| fresh_state(table)))
    }

    /// Moves the table's cursor from `from` to `to` after BigQuery confirmed the rows in
    /// between. Compare-and-set: false (and nothing changed) when another exporter moved it
    /// first, so two instances never skip each other's batches. `whole`: the table is sent
    /// whole each time, so its count is replaced rather than added to.
    #[instrument(skip(self), err(level = "debug"))]
    pub async fn advance(
        &self,
        table: &str,
        from: Cursor,
        to: Cursor,
        rows: u64,
        whole: bool,
        now: i64,
    ) -> Result<bool, StoreError> {
        use export_state::Column as C;
        let count = if whole {
            Expr::value(rows as i64)
        } else {
            Expr::col(C::RowsExported).add(rows as i64)
        };
        // Write first: on SQLite a transaction that reads and then writes fails at once
        // (SQLITE_BUSY, no busy wait) when another connection wrote meanwhile. The update is
        // a compare-and-set on the whole cursor; only when it moved nothing is the row read.
        let txn = super::begin_write(&self.db).await?;
        let date = match from.date {
            Some(d) => C::CursorDate.eq(d),
            None => C::CursorDate.is_null(),
        };
        let res = export_state::Entity::update_many()
            .col_expr(C::CursorAt, Expr::value(to.at))
            .col_expr(C::CursorId, Expr::value(to.id))
            .col_expr(C::CursorDate, Expr::value(to.date))
            .col_expr(C::RowsExported, count)
            .col_expr(C::LastSuccessAt, Expr::value(now))
            .filter(C::TableName.eq(table))
            .filter(C::CursorAt.eq(from.at))
            .filter(C::CursorId.eq(from.id))
            .filter(date)
            .exec(&txn)
            .await?;
        let moved = if res.rows_affected == 1 {
            true
        } else if export_state::Entity::find_by_id(table.to_owned())
            .one(&txn)
            .await?
            .is_some()
        {
            // Another exporter moved it first.
            false
        } else {
            export_state::ActiveModel {
                cursor_at: Set(to.at),
                cursor_id: Set(to.id),
                cursor_date: Set(to.date),
                rows_exported: Set(rows as i64),
                last_success_at: Set(Some(now)),
                ..fresh_state(table).into()
            }
            .insert(&txn)
            .await?;
            true
        };
        txn.commit().await?;
        Ok(moved)
    }

    /// Starts a backfill of every table in `tables`: cursors back to the beginning, unless a
    /// backfill is already under way, which then resumes where it stopped.
    #[instrument(skip(self), err(level = "debug"))]
    pub async fn start_backfill(&self, tables: &[&str]) -> Result<bool, StoreError> {
        let states = self.states().await?;
        if states.iter().any(|s| s.backfilling) {
            return Ok(false);
        }
        let txn = super::begin_write(&self.db).await?;
        export_state::Entity::delete_many().exec(&txn).await?;
        for table in tables {
            export_state::ActiveModel {
                backfilling: Set(true),
                ..fresh_state(table).into()
            }
            .insert(&txn)
            .await?;
        }
        txn.commit().await?;
        Ok(true)
    }

    #[instrument(skip(self), err(level = "debug"))]
    pub async fn finish_backfill(&self) -> Result<(), StoreError> {
        export_state::Entity::update_many()
            .col_expr(export_state::Column::Backfilling, Expr::value(false))
            .exec(&self.db)
            .await?;
        Ok(())
    }

    #[instrument(skip(self), err(level = "debug"))]
    pub async fn pending_deletions(&self) -> Result<Vec<export_deletions::Model>, StoreError> {
        Ok(export_deletions::Entity::find().all(&self.db).await?)
    }

    /// BigQuery has applied the deletion.
    #[instrument(skip(self), err(level = "debug"))]
    pub async fn deletion_done(&self, account_id: i64) -> Result<(), StoreError> {
        export_deletions::Entity::delete_by_id(account_id)
            .exec(&self.db)
            .await?;
        Ok(())
    }

    /// Rows changed at or after this time may belong to a sync that has not committed yet:
    /// the start of the oldest sync still holding a live lease, or `now` when none runs.
    /// Exporting only below it means a row can never commit behind an advanced cursor.
    #[instrument(skip(self), err(level = "debug"))]
    pub async fn horizon(&self, now: i64) -> Result<i64, StoreError> {
        #[derive(FromQueryResult)]
        struct Oldest {
            started: Option<i64>,
        }
        let stmt = Query::select()
            .expr_as(
                Expr::col((sync_runs::Entity, sync_runs::Column::StartedAt)).min(),
                sea_orm::sea_query::Alias::new("started"),
            )
            .from(sync_runs::Entity)
            .inner_join(
                sync_leases::Entity,
                Expr::col((sync_leases::Entity, sync_leases::Column::AccountId))
                    .equals((sync_runs::Entity, sync_runs::Column::AccountId)),
            )
            .and_where(Expr::col((sync_runs::Entity, sync_runs::Column::FinishedAt)).is_null())
            .and_where(Expr::col((sync_leases::Entity, sync_leases::Column::ExpiresAt)).gt(now))
            .to_owned();
        let backend = self.db.get_database_backend();
        let oldest = Oldest::find_by_statement(backend.build(&stmt))
            .one(&self.db)
            .await?
            .and_then(|o| o.started);
        Ok(oldest.map_or(now, |s| s.min(now)))
    }
}

fn fresh_state(table: &str) -> export_state::Model {
    export_state::Model {
        table_name: table.to_owned(),
        cursor_at: 0,
        cursor_id: 0,
        cursor_date: None,
        rows_exported: 0,
        last_success_at: None,
        backfilling: false,
    }
}

/// Queues BigQuery deletions for the accounts `which` selects, about to be deleted here, in
/// the caller's transaction, so the local delete and the promise to delete remotely commit
/// together. One `INSERT … SELECT`: the transaction starts by writing.
pub async fn queue_deletions(
    txn: &impl ConnectionTrait,
    which: sea_orm::Condition,
    now: i64,
) -> Result<(), StoreError> {
    use export_deletions::Column as D;
    let accounts = Query::select()
        .column(accounts::Column::Id)
        .expr(Expr::val(now))
        .from(accounts::Entity)
        .cond_where(which)
        .to_owned();
    let stmt = Query::insert()
        .into_table(export_deletions::Entity)
        .columns([D::AccountId, D::RequestedAt])
        .select_from(accounts)
        .map_err(|e| StoreError::Db(DbErr::Custom(e.to_string())))?
        .on_conflict(OnConflict::column(D::AccountId).do_nothing().to_owned())
        .to_owned();
    txn.execute(txn.get_database_backend().build(&stmt)).await?;
    Ok(())
}
