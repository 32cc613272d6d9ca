//! Makes the dataset's tables match [`ALL`]: creates missing tables (partitioned by
//! day, clustered by account), adds columns a newer Instalytics writes, and reports drift it
//! must not repair: a column of ours with another type stops that table's export, a column
//! someone added by hand is left alone (the MERGE names its columns, so it stays NULL).

use serde_json::Value;

use super::bigquery::{BigQuery, BqError};
use super::tables::{TableDef, ALL};

#[derive(Debug, thiserror::Error)]
pub enum SchemaError {
    #[error(transparent)]
    BigQuery(#[from] BqError),
    #[error("table {table}: column {column} is {found} in BigQuery but Instalytics writes {expected}; change it back or drop the table (it is re-created and re-filled by `instalytics export --backfill`)")]
    TypeDrift {
        table: &'static str,
        column: &'static str,
        found: String,
        expected: &'static str,
    },
}

/// What the check found that an admin may want to know.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct SchemaReport {
    pub created: Vec<&'static str>,
    /// `table.column` added because this version writes it.
    pub added: Vec<String>,
    /// `table.column` present in BigQuery but not written by Instalytics.
    pub foreign: Vec<String>,
}

impl SchemaReport {
    /// One line for the status and the log, or `None` when there is nothing to say.
    pub fn notes(&self) -> Option<String> {
        let mut parts = Vec::new();
        if !self.created.is_empty() {
            parts.push(format!("created {}", self.created.join(", ")));
        }
        if !self.added.is_empty() {
            parts.push(format!("added columns {}", self.added.join(", ")));
        }
        if !self.foreign.is_empty() {
            parts.push(format!(
                "columns not written by Instalytics (left NULL): {}",
                self.foreign.join(", ")
            ));
        }
        (!parts.is_empty()).then(|| parts.join("; "))
    }
}

pub async fn ensure(bq: &BigQuery, dataset: &str) -> Result<SchemaReport, SchemaError> {
    let mut report = SchemaReport::default();
    for table in ALL {
        match bq.table(dataset, table.name).await? {
            None => {
                bq.create_table(dataset, table.create_body(bq.project(), dataset))
                    .await?;
                report.created.push(table.name);
            }
            Some(meta) => reconcile(bq, dataset, table, &meta, &mut report).await?,
        }
    }
    Ok(report)
}

async fn reconcile(
    bq: &BigQuery,
    dataset: &str,
    table: &'static TableDef,
    meta: &Value,
    report: &mut SchemaReport,
) -> Result<(), SchemaError> {
    let existing = meta["schema"]["fields"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let find = |name: &str| existing.iter().find(|f| f["name"] == name);
    let mut missing = Vec::new();
    for col in table.source.cols {
        match find(col.name) {
            None => missing.push(col),
            Some(field) => {
                let found = field["type"].as_str().unwrap_or_default();
                if !col.kind.matches(found) {
                    return Err(SchemaError::TypeDrift {
                        table: table.name,
                        column: col.name,
                        found: found.to_owned(),
                        expected: col.kind.bigquery(),
                    });
                }
            }
        }
    }
    for field in &existing {
        let name = field["name"].as_str().unwrap_or_default();
        if !table.source.cols.iter().any(|c| c.name == name) {
            report.foreign.push(format!("{}.{name}", table.name));
        }
    }
    if !missing.is_empty() {
        let mut fields = existing.clone();
        for col in &missing {
            fields.push(serde_json::json!({
                "name": col.name, "type": col.kind.bigquery(), "mode": "NULLABLE",
            }));
            report.added.push(format!("{}.{}", table.name, col.name));
        }
        bq.patch_schema(dataset, table.name, Value::Array(fields))
            .await?;
    }
    Ok(())
}
