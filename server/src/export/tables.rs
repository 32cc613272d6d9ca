//! The five tables Instalytics writes to BigQuery: their columns and types, partitioning,
//! clustering and natural key, and how each is read from the database in keyset order.
//! docs/bigquery.md documents the same columns for analysts; keep the two in step.

use sea_orm::sea_query::{Alias, Cond, Expr, JoinType, Order, Query, SelectStatement};
use sea_orm::{ConnectionTrait, DatabaseConnection, QueryResult};
use serde_json::{json, Map, Value};
use time::OffsetDateTime;

use crate::store::entities::export_state;
use crate::store::export::{Cursor, ExportStore};
use crate::store::StoreError;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Int,
    Str,
    Bool,
    /// Unix seconds here; an RFC 3339 string on the wire.
    Timestamp,
    Date,
}

impl Kind {
    pub fn bigquery(self) -> &'static str {
        match self {
            Kind::Int => "INT64",
            Kind::Str => "STRING",
            Kind::Bool => "BOOL",
            Kind::Timestamp => "TIMESTAMP",
            Kind::Date => "DATE",
        }
    }

    /// Whether `name` (as `tables.get` reports it, legacy or standard) is this type.
    pub fn matches(self, name: &str) -> bool {
        let legacy = match self {
            Kind::Int => "INTEGER",
            Kind::Bool => "BOOLEAN",
            _ => self.bigquery(),
        };
        name == self.bigquery() || name == legacy
    }
}

#[derive(Debug)]
pub struct Col {
    /// The column's name in BigQuery.
    pub name: &'static str,
    pub kind: Kind,
    /// The SQL expression that reads it here.
    source: &'static str,
}

const fn col(name: &'static str, kind: Kind, source: &'static str) -> Col {
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

#[derive(Debug)]
pub struct TableDef {
    pub name: &'static str,
    pub cols: &'static [Col],
    /// The natural key the MERGE matches on.
    pub key: &'static [&'static str],
    /// DAY partitioning column (a TIMESTAMP or DATE column).
    pub partition: &'static str,
    pub cluster: &'static [&'static str],
    /// The table rows are read from, with an alias when `join` refers to it.
    from: (&'static str, Option<&'static str>),
    /// A joined table (name, alias, ON condition) for columns the source table lacks.
    join: Option<(&'static str, &'static str, &'static str)>,
    pub order: Keyset,
}

use Kind::{Bool, Date, Int, Str, Timestamp};

pub const ACCOUNTS: TableDef = TableDef {
    name: "accounts",
    cols: &[
        col("account_id", Int, "id"),
        col("ig_user_id", Str, "ig_user_id"),
        col("username", Str, "username"),
        col("name", Str, "name"),
        col("flavour", Str, "flavour"),
        col("followers_count", Int, "followers_count"),
        col("follows_count", Int, "follows_count"),
        col("media_count", Int, "media_count"),
        col("enabled", Bool, "enabled"),
        col("status", Str, "status"),
        col("created_at", Timestamp, "created_at"),
        col("last_sync_at", Timestamp, "last_sync_at"),
    ],
    key: &["account_id"],
    partition: "created_at",
    cluster: &["account_id"],
    from: ("accounts", None),
    join: None,
    order: Keyset::Whole,
};

pub const MEDIA: TableDef = TableDef {
    name: "media",
    cols: &[
        col("media_id", Int, "id"),
        col("account_id", Int, "account_id"),
        col("ig_media_id", Str, "ig_media_id"),
        col("caption", Str, "caption"),
        col("media_type", Str, "media_type"),
        col("product_type", Str, "product_type"),
        col("permalink", Str, "permalink"),
        col("published_at", Timestamp, "published_at"),
        col("latest_captured_at", Timestamp, "latest_captured_at"),
    ],
    key: &["media_id"],
    partition: "published_at",
    cluster: &["account_id"],
    from: ("media", None),
    join: None,
    order: Keyset::TimeId {
        time: "latest_captured_at",
        id: "id",
    },
};

pub const MEDIA_SNAPSHOTS: TableDef = TableDef {
    name: "media_snapshots",
    cols: &[
        col("snapshot_id", Int, "s.id"),
        col("media_id", Int, "s.media_id"),
        col("account_id", Int, "m.account_id"),
        col("captured_at", Timestamp, "s.captured_at"),
        col("likes", Int, "s.likes"),
        col("comments", Int, "s.comments"),
        col("saves", Int, "s.saves"),
        col("shares", Int, "s.shares"),
        col("reach", Int, "s.reach"),
        col("views", Int, "s.views"),
        col("total_interactions", Int, "s.total_interactions"),
    ],
    key: &["snapshot_id"],
    partition: "captured_at",
    cluster: &["account_id", "media_id"],
    from: ("media_snapshots", Some("s")),
    join: Some(("media", "m", "m.id = s.media_id")),
    order: Keyset::TimeId {
        time: "s.captured_at",
        id: "s.id",
    },
};

pub const ACCOUNT_INSIGHTS_DAILY: TableDef = TableDef {
    name: "account_insights_daily",
    cols: &[
        col("account_id", Int, "account_id"),
        col("date", Date, "\"date\""),
        col("followers", Int, "followers"),
        col("follower_delta", Int, "follower_delta"),
        col("reach", Int, "reach"),
        col("views", Int, "views"),
        col("profile_views", Int, "profile_views"),
        col("accounts_engaged", Int, "accounts_engaged"),
        col("total_interactions", Int, "total_interactions"),
        col("updated_at", Timestamp, "updated_at"),
    ],
    key: &["account_id", "date"],
    partition: "date",
    cluster: &["account_id"],
    from: ("account_insights", None),
    join: None,
    order: Keyset::TimeAccountDate {
        time: "updated_at",
        account: "account_id",
        date: "\"date\"",
    },
};

pub const SYNC_RUNS: TableDef = TableDef {
    name: "sync_runs",
    cols: &[
        col("run_id", Int, "id"),
        col("account_id", Int, "account_id"),
        col("run_trigger", Str, "\"trigger\""),
        col("started_at", Timestamp, "started_at"),
        col("finished_at", Timestamp, "finished_at"),
        col("outcome", Str, "outcome"),
        col("requests", Int, "CAST(requests AS BIGINT)"),
        col("rows_written", Int, "CAST(rows_written AS BIGINT)"),
        col("error", Str, "error"),
    ],
    key: &["run_id"],
    partition: "started_at",
    cluster: &["account_id"],
    from: ("sync_runs", None),
    join: None,
    order: Keyset::TimeId {
        time: "finished_at",
        id: "id",
    },
};

/// Every exported table, in the order a cycle sends them.
/// One table's export state with the rows waiting for it now.
pub struct Backlog {
    pub table: &'static TableDef,
    pub state: export_state::Model,
    pub rows: u64,
}

/// Every table's state and backlog, below the horizon of the syncs running at `now`.
pub async fn backlogs(
    db: &DatabaseConnection,
    store: &ExportStore,
    now: i64,
) -> Result<Vec<Backlog>, StoreError> {
    let horizon = store.horizon(now).await?;
    let mut out = Vec::with_capacity(ALL.len());
    for table in ALL {
        let state = store.state(table.name).await?;
        let rows = table.backlog(db, (&state).into(), horizon).await?;
        out.push(Backlog { table, state, rows });
    }
    Ok(out)
}

pub const ALL: [&TableDef; 5] = [
    &ACCOUNTS,
    &MEDIA,
    &MEDIA_SNAPSHOTS,
    &ACCOUNT_INSIGHTS_DAILY,
    &SYNC_RUNS,
];

impl TableDef {
    /// The schema as BigQuery's `fields` array (key columns REQUIRED).
    pub fn fields(&self) -> Value {
        Value::Array(
            self.cols
                .iter()
                .map(|c| {
                    let mode = if self.key.contains(&c.name) {
                        "REQUIRED"
                    } else {
                        "NULLABLE"
                    };
                    json!({ "name": c.name, "type": c.kind.bigquery(), "mode": mode })
                })
                .collect(),
        )
    }

    /// `tables.insert` body: schema, DAY partitioning, clustering.
    pub fn create_body(&self, project: &str, dataset: &str) -> Value {
        json!({
            "tableReference": { "projectId": project, "datasetId": dataset, "tableId": self.name },
            "schema": { "fields": self.fields() },
            "timePartitioning": { "type": "DAY", "field": self.partition },
            "clustering": { "fields": self.cluster },
            "description": "Written by Instalytics; see docs/bigquery.md.",
        })
    }

    /// `MERGE` of a staged batch into the table on its natural key: re-sending a batch
    /// updates the same rows instead of adding copies.
    pub fn merge_sql(&self, project: &str, dataset: &str, staging: &str) -> String {
        let names: Vec<String> = self.cols.iter().map(|c| format!("`{}`", c.name)).collect();
        let on = self
            .key
            .iter()
            .map(|k| format!("T.`{k}` = S.`{k}`"))
            .collect::<Vec<_>>()
            .join(" AND ");
        let set = names
            .iter()
            .filter(|n| !self.key.iter().any(|k| n.trim_matches('`') == *k))
            .map(|n| format!("{n} = S.{n}"))
            .collect::<Vec<_>>()
            .join(", ");
        let values = names
            .iter()
            .map(|n| format!("S.{n}"))
            .collect::<Vec<_>>()
            .join(", ");
        format!(
            "MERGE `{project}.{dataset}.{table}` T USING `{project}.{dataset}.{staging}` S ON {on} \
             WHEN MATCHED THEN UPDATE SET {set} \
             WHEN NOT MATCHED THEN INSERT ({cols}) VALUES ({values})",
            table = self.name,
            cols = names.join(", "),
        )
    }

    /// Rows after `after` and changed before `horizon`, in cursor order, at most `limit`.
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
                        Cond::all().add(t().lt(horizon)).add(
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
                        Cond::all().add(t().lt(horizon)).add(
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

    /// Reads the next batch as newline-delimited JSON (encoded off the async threads: a
    /// batch is megabytes of JSON).
    pub async fn read_batch(
        &'static self,
        db: &DatabaseConnection,
        after: Cursor,
        horizon: i64,
        limit: u64,
    ) -> Result<Batch, StoreError> {
        let mut q = self.select(after, horizon);
        if !matches!(self.order, Keyset::Whole) {
            q.limit(limit);
        }
        let backend = db.get_database_backend();
        let rows = db.query_all(backend.build(&q)).await?;
        tokio::task::spawn_blocking(move || self.encode(&rows, after))
            .await
            .expect("encoding a batch does not panic")
    }

    fn encode(&self, rows: &[QueryResult], after: Cursor) -> Result<Batch, StoreError> {
        let mut batch = Batch {
            ndjson: Vec::with_capacity(rows.len() * 256),
            rows: rows.len() as u64,
            last: after,
        };
        for row in rows {
            serde_json::to_writer(&mut batch.ndjson, &self.json_row(row)?)
                .expect("JSON to memory cannot fail");
            batch.ndjson.push(b'\n');
        }
        if let Some(last) = rows.last() {
            batch.last = self.cursor_of(last)?;
        }
        Ok(batch)
    }

    /// How many rows are waiting after `after` (below the horizon).
    pub async fn backlog(
        &self,
        db: &DatabaseConnection,
        after: Cursor,
        horizon: i64,
    ) -> Result<u64, StoreError> {
        let inner = self.select(after, horizon);
        let q = Query::select()
            .expr_as(Expr::cust("COUNT(*)"), Alias::new("n"))
            .from_subquery(inner, Alias::new("pending"))
            .to_owned();
        let backend = db.get_database_backend();
        let row = db.query_one(backend.build(&q)).await?;
        Ok(row
            .map(|r| r.try_get::<i64>("", "n"))
            .transpose()?
            .unwrap_or(0) as u64)
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

    fn json_row(&self, row: &QueryResult) -> Result<Value, StoreError> {
        let mut out = Map::with_capacity(self.cols.len());
        for c in self.cols {
            let value = match c.kind {
                Int => row.try_get::<Option<i64>>("", c.name)?.into(),
                Str => row.try_get::<Option<String>>("", c.name)?.into(),
                Bool => row.try_get::<Option<bool>>("", c.name)?.into(),
                Timestamp => row.try_get::<Option<i64>>("", c.name)?.map(rfc3339).into(),
                Date => row
                    .try_get::<Option<time::Date>>("", c.name)?
                    .map(|d| d.to_string())
                    .into(),
            };
            out.insert(c.name.to_owned(), value);
        }
        Ok(Value::Object(out))
    }
}

/// The next rows of a table, ready to load.
#[derive(Debug)]
pub struct Batch {
    pub ndjson: Vec<u8>,
    pub rows: u64,
    /// The cursor after the batch's last row.
    pub last: Cursor,
}

/// BigQuery reads epoch numbers inconsistently across implementations; a string never.
fn rfc3339(unix: i64) -> String {
    OffsetDateTime::from_unix_timestamp(unix)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_else(|| "1970-01-01T00:00:00Z".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merge_matches_on_the_natural_key_and_updates_the_rest() {
        let sql = ACCOUNT_INSIGHTS_DAILY.merge_sql("p", "d", "_stage");
        assert!(sql.starts_with("MERGE `p.d.account_insights_daily` T USING `p.d._stage` S ON T.`account_id` = S.`account_id` AND T.`date` = S.`date` WHEN MATCHED THEN UPDATE SET `followers` = S.`followers`"));
        assert!(!sql.contains("SET `account_id`"));
        assert!(sql.ends_with("VALUES (S.`account_id`, S.`date`, S.`followers`, S.`follower_delta`, S.`reach`, S.`views`, S.`profile_views`, S.`accounts_engaged`, S.`total_interactions`, S.`updated_at`)"));
    }

    #[test]
    fn key_columns_are_required_and_types_accept_legacy_names() {
        let fields = MEDIA_SNAPSHOTS.fields();
        assert_eq!(fields[0]["mode"], "REQUIRED");
        assert_eq!(fields[1]["mode"], "NULLABLE");
        assert!(Kind::Int.matches("INTEGER") && Kind::Int.matches("INT64"));
        assert!(Kind::Bool.matches("BOOLEAN") && !Kind::Bool.matches("STRING"));
        assert_eq!(rfc3339(1_767_261_600), "2026-01-01T10:00:00Z");
    }
}
