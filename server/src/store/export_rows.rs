//! The rows the exporter sends, read from our tables in keyset order: after a table's cursor
//! ([`Cursor`], kept by `ExportStore`) and changed before the sync horizon
//! (`ExportStore::horizon`), a batch at a time, and how many are waiting. What a table's rows
//! are made of is described by a [`RowSource`]; the export's table definitions
//! (`export::tables`) hold one per table.

use sea_orm::sea_query::{Alias, Cond, Expr, JoinType, Order, Query, SelectStatement};
use sea_orm::{ConnectionTrait, DatabaseConnection, QueryResult};
use tracing::instrument;

use super::export::Cursor;
use super::StoreError;

/// What a column holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Int,
    /// A fraction, such as a reel's skip rate in percent.
    Float,
    Str,
    Bool,
    /// Unix seconds, as every time is stored here.
    Timestamp,
    Date,
}

#[derive(Debug)]
pub struct Col {
    /// The column's name in the rows read (and in BigQuery).
    pub name: &'static str,
    pub kind: Kind,
    /// The SQL expression that reads it here.
    source: &'static str,
}

pub const fn col(name: &'static str, kind: Kind, source: &'static str) -> Col {
    Col { name, kind, source }
}

/// The order rows are exported in, and so what a cursor holds.
#[derive(Debug)]
pub enum Keyset {
    /// Small tables sent whole every cycle (merged, so nothing duplicates).
    Whole,
    /// By a change time, then a unique id.
    TimeId {
        time: &'static str,
        id: &'static str,
    },
    /// By a change time, then account, then date (daily insights).
    TimeAccountDate {
        time: &'static str,
        account: &'static str,
        date: &'static str,
    },
}

/// Where a table's exported rows come from, column by column, and in which order.
#[derive(Debug)]
pub struct RowSource {
    /// The table rows are read from, with an alias when `join` refers to it.
    pub from: (&'static str, Option<&'static str>),
    /// A joined table (name, alias, ON condition) for columns the source table lacks.
    pub join: Option<(&'static str, &'static str, &'static str)>,
    pub cols: &'static [Col],
    pub order: Keyset,
}

/// Rows read in keyset order, each with a column per [`RowSource::cols`] (by name).
#[derive(Debug)]
pub struct Rows {
    pub rows: Vec<QueryResult>,
    /// The cursor after the last row; the cursor read after when there is none.
    pub last: Cursor,
}

#[derive(Clone, Debug)]
pub struct ExportRowStore {
    db: DatabaseConnection,
}

impl ExportRowStore {
    pub fn new(db: DatabaseConnection) -> Self {
        Self { db }
    }

    /// The rows of `source` after `after` and changed before `horizon`, in cursor order, at
    /// most `limit` (a [`Keyset::Whole`] source: all of them).
    #[instrument(skip(self, source), err(level = "debug"))]
    pub async fn rows_after(
        &self,
        source: &RowSource,
        after: Cursor,
        horizon: i64,
        limit: u64,
    ) -> Result<Rows, StoreError> {
        let mut q = source.select(after, horizon);
        if !matches!(source.order, Keyset::Whole) {
            q.limit(limit);
        }
        let backend = self.db.get_database_backend();
        let rows = self.db.query_all(backend.build(&q)).await?;
        let last = match rows.last() {
            Some(row) => source.cursor_of(row)?,
            None => after,
        };
        Ok(Rows { rows, last })
    }

    /// How many rows of `source` are waiting after `after` (below the horizon), counted up
    /// to `up_to` when given: a count reads every row it counts.
    #[instrument(skip(self, source), err(level = "debug"))]
    pub async fn backlog(
        &self,
        source: &RowSource,
        after: Cursor,
        horizon: i64,
        up_to: Option<u64>,
    ) -> Result<u64, StoreError> {
        let mut inner = source.select(after, horizon);
        if let Some(up_to) = up_to {
            inner.limit(up_to);
        }
        let q = Query::select()
            .expr_as(Expr::cust("COUNT(*)"), Alias::new("n"))
            .from_subquery(inner, Alias::new("pending"))
            .to_owned();
        let backend = self.db.get_database_backend();
        let row = self.db.query_one(backend.build(&q)).await?;
        Ok(row
            .map(|r| r.try_get::<i64>("", "n"))
            .transpose()?
            .unwrap_or(0) as u64)
    }
}

impl RowSource {
    /// Rows after `after` and changed before `horizon`, in cursor order.
    fn select(&self, after: Cursor, horizon: i64) -> SelectStatement {
        let mut q = Query::select();
        match self.from {
            (table, Some(alias)) => q.from_as(Alias::new(table), Alias::new(alias)),
            (table, None) => q.from(Alias::new(table)),
        };
        if let Some((table, alias, on)) = self.join {
            q.join_as(
                JoinType::InnerJoin,
                Alias::new(table),
                Alias::new(alias),
                Expr::cust(on),
            );
        }
        for c in self.cols {
            q.expr_as(Expr::cust(c.source), Alias::new(c.name));
        }
        match self.order {
            Keyset::Whole => {}
            Keyset::TimeId { time, id } => {
                let (t, i) = (
                    || Expr::expr(Expr::cust(time)),
                    || Expr::expr(Expr::cust(id)),
                );
                q.expr_as(Expr::cust(time), Alias::new("cursor_at"))
                    .expr_as(Expr::cust(id), Alias::new("cursor_id"))
                    .cond_where(
                        // `time >= after` is implied by the OR, but without it SQLite
                        // plans the OR as two index lookups plus a sort of every remaining
                        // row (9–17 s per batch at 1.85 M snapshots); with it, an index
                        // range scan in order (0.2 s). Measured by the load suite.
                        Cond::all().add(t().lt(horizon)).add(t().gte(after.at)).add(
                            Cond::any()
                                .add(t().gt(after.at))
                                .add(Cond::all().add(t().eq(after.at)).add(i().gt(after.id))),
                        ),
                    )
                    .order_by_expr(Expr::cust(time), Order::Asc)
                    .order_by_expr(Expr::cust(id), Order::Asc);
            }
            Keyset::TimeAccountDate {
                time,
                account,
                date,
            } => {
                let day = after.date.unwrap_or(time::macros::date!(1970 - 01 - 01));
                let (t, a, d) = (
                    || Expr::expr(Expr::cust(time)),
                    || Expr::expr(Expr::cust(account)),
                    || Expr::expr(Expr::cust(date)),
                );
                let later_in_account = Cond::all().add(a().eq(after.id)).add(d().gt(day));
                let later_at_time = Cond::any().add(a().gt(after.id)).add(later_in_account);
                q.expr_as(Expr::cust(time), Alias::new("cursor_at"))
                    .expr_as(Expr::cust(account), Alias::new("cursor_id"))
                    .cond_where(
                        // `time >= after`, implied, for SQLite's plan (as above).
                        Cond::all().add(t().lt(horizon)).add(t().gte(after.at)).add(
                            Cond::any()
                                .add(t().gt(after.at))
                                .add(Cond::all().add(t().eq(after.at)).add(later_at_time)),
                        ),
                    )
                    .order_by_expr(Expr::cust(time), Order::Asc)
                    .order_by_expr(Expr::cust(account), Order::Asc)
                    .order_by_expr(Expr::cust(date), Order::Asc);
            }
        }
        q
    }

    fn cursor_of(&self, row: &QueryResult) -> Result<Cursor, StoreError> {
        Ok(match self.order {
            Keyset::Whole => Cursor::default(),
            Keyset::TimeId { .. } => Cursor {
                at: row.try_get("", "cursor_at")?,
                id: row.try_get("", "cursor_id")?,
                date: None,
            },
            Keyset::TimeAccountDate { .. } => Cursor {
                at: row.try_get("", "cursor_at")?,
                id: row.try_get("", "cursor_id")?,
                date: Some(row.try_get("", "date")?),
            },
        })
    }
}
