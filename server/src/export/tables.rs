//! The six tables Instalytics writes to BigQuery: their columns and types, where each column
//! is read from here and in which keyset order (a [`RowSource`], read by
//! `store::export_rows`), partitioning, clustering and natural key.
//! docs/bigquery.md documents the same columns for analysts; keep the two in step.

use serde_json::{json, Value};

use crate::store::export_rows::{col, Keyset, Kind, RowSource};

/// BigQuery's names for what a column holds.
impl Kind {
    pub fn bigquery(self) -> &'static str {
        match self {
            Kind::Int => "INT64",
            Kind::Float => "FLOAT64",
            Kind::Str => "STRING",
            Kind::Bool => "BOOL",
            // Unix seconds here; an RFC 3339 string on the wire (see `batch`).
            Kind::Timestamp => "TIMESTAMP",
            Kind::Date => "DATE",
        }
    }

    /// Whether `name` (as `tables.get` reports it, legacy or standard) is this type.
    pub fn matches(self, name: &str) -> bool {
        let legacy = match self {
            Kind::Int => "INTEGER",
            Kind::Float => "FLOAT",
            Kind::Bool => "BOOLEAN",
            _ => self.bigquery(),
        };
        name == self.bigquery() || name == legacy
    }
}

#[derive(Debug)]
pub struct TableDef {
    pub name: &'static str,
    /// The columns (named as in BigQuery) and how they are read here.
    pub source: RowSource,
    /// The natural key the MERGE matches on.
    pub key: &'static [&'static str],
    /// DAY partitioning column (a TIMESTAMP or DATE column).
    pub partition: &'static str,
    pub cluster: &'static [&'static str],
}

use Kind::{Bool, Date, Float, Int, Str, Timestamp};

pub const ACCOUNTS: TableDef = TableDef {
    name: "accounts",
    source: RowSource {
        from: ("accounts", None),
        join: None,
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
        order: Keyset::Whole,
    },
    key: &["account_id"],
    partition: "created_at",
    cluster: &["account_id"],
};

pub const MEDIA: TableDef = TableDef {
    name: "media",
    source: RowSource {
        from: ("media", None),
        join: None,
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
        order: Keyset::TimeId {
            time: "latest_captured_at",
            id: "id",
        },
    },
    key: &["media_id"],
    partition: "published_at",
    cluster: &["account_id"],
};

pub const MEDIA_SNAPSHOTS: TableDef = TableDef {
    name: "media_snapshots",
    source: RowSource {
        from: ("media_snapshots", Some("s")),
        join: Some(("media", "m", "m.id = s.media_id")),
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
            col("follows", Int, "s.follows"),
            col("profile_visits", Int, "s.profile_visits"),
            col("profile_activity", Int, "s.profile_activity"),
            col("replies", Int, "s.replies"),
            col("taps_forward", Int, "s.taps_forward"),
            col("taps_back", Int, "s.taps_back"),
            col("exits", Int, "s.exits"),
            col("swipes_forward", Int, "s.swipes_forward"),
            col("avg_watch_ms", Int, "s.avg_watch_ms"),
            col("total_watch_ms", Int, "s.total_watch_ms"),
            col("skip_rate", Float, "s.skip_rate"),
        ],
        order: Keyset::TimeId {
            time: "s.captured_at",
            id: "s.id",
        },
    },
    key: &["snapshot_id"],
    partition: "captured_at",
    cluster: &["account_id", "media_id"],
};

pub const ACCOUNT_INSIGHTS_DAILY: TableDef = TableDef {
    name: "account_insights_daily",
    source: RowSource {
        from: ("account_insights", None),
        join: None,
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
        order: Keyset::TimeAccountDate {
            time: "updated_at",
            account: "account_id",
            date: "\"date\"",
        },
    },
    key: &["account_id", "date"],
    partition: "date",
    cluster: &["account_id"],
};

pub const SYNC_RUNS: TableDef = TableDef {
    name: "sync_runs",
    source: RowSource {
        from: ("sync_runs", None),
        join: None,
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
        order: Keyset::TimeId {
            time: "finished_at",
            id: "id",
        },
    },
    key: &["run_id"],
    partition: "started_at",
    cluster: &["account_id"],
};

/// Insights by a dimension (demographics, followers online, daily metrics by dimension) as
/// captured each day: one row per account, day, metric and breakdown, its values a JSON
/// array (docs/bigquery.md flattens it in a view).
pub const INSIGHT_BREAKDOWNS: TableDef = TableDef {
    name: "insight_breakdowns",
    source: RowSource {
        from: ("insight_breakdowns", None),
        join: None,
        cols: &[
            col("account_id", Int, "account_id"),
            col("date", Date, "\"date\""),
            col("metric", Str, "metric"),
            col("breakdown", Str, "breakdown"),
            col("shares", Str, "shares"),
            col("unavailable", Str, "unavailable"),
            col("captured_at", Timestamp, "captured_at"),
        ],
        order: Keyset::TimeId {
            time: "captured_at",
            id: "id",
        },
    },
    key: &["account_id", "date", "metric", "breakdown"],
    partition: "date",
    cluster: &["account_id", "metric"],
};

/// Every exported table, in the order a cycle sends them.
pub const ALL: [&TableDef; 6] = [
    &ACCOUNTS,
    &MEDIA,
    &MEDIA_SNAPSHOTS,
    &ACCOUNT_INSIGHTS_DAILY,
    &SYNC_RUNS,
    &INSIGHT_BREAKDOWNS,
];

impl TableDef {
    /// The schema as BigQuery's `fields` array (key columns REQUIRED).
    pub fn fields(&self) -> Value {
        Value::Array(
            self.source
                .cols
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
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_columns_are_required_and_types_accept_legacy_names() {
        let fields = MEDIA_SNAPSHOTS.fields();
        assert_eq!(fields[0]["mode"], "REQUIRED");
        assert_eq!(fields[1]["mode"], "NULLABLE");
        assert!(Kind::Int.matches("INTEGER") && Kind::Int.matches("INT64"));
        assert!(Kind::Bool.matches("BOOLEAN") && !Kind::Bool.matches("STRING"));
    }
}
