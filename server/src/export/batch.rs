//! The rows a table has waiting: the next batch of them, read through the store
//! (`store::export_rows`) and encoded as the newline-delimited JSON a load job takes, and how
//! many there are per table (Settings' status, the CLI).

use sea_orm::{DatabaseConnection, QueryResult};
use serde_json::{Map, Value};
use time::OffsetDateTime;

use super::tables::{TableDef, ALL};
use crate::store::entities::export_state;
use crate::store::export::{Cursor, ExportStore};
use crate::store::export_rows::{ExportRowStore, Kind};
use crate::store::StoreError;

/// The next rows of a table, ready to load.
#[derive(Debug)]
pub struct Batch {
    pub ndjson: Vec<u8>,
    pub rows: u64,
    /// The cursor after the batch's last row.
    pub last: Cursor,
}

/// Reads the table's next batch as newline-delimited JSON (encoded off the async threads: a
/// batch is megabytes of JSON).
pub async fn read(
    store: &ExportRowStore,
    table: &'static TableDef,
    after: Cursor,
    horizon: i64,
    limit: u64,
) -> Result<Batch, StoreError> {
    let read = store
        .rows_after(&table.source, after, horizon, limit)
        .await?;
    tokio::task::spawn_blocking(move || {
        let mut batch = Batch {
            ndjson: Vec::with_capacity(read.rows.len() * 256),
            rows: read.rows.len() as u64,
            last: read.last,
        };
        for row in &read.rows {
            serde_json::to_writer(&mut batch.ndjson, &json_row(table, row)?)
                .expect("JSON to memory cannot fail");
            batch.ndjson.push(b'\n');
        }
        Ok(batch)
    })
    .await
    .expect("encoding a batch does not panic")
}

fn json_row(table: &TableDef, row: &QueryResult) -> Result<Value, StoreError> {
    let cols = table.source.cols;
    let mut out = Map::with_capacity(cols.len());
    for c in cols {
        let value = match c.kind {
            Kind::Int => row.try_get::<Option<i64>>("", c.name)?.into(),
            Kind::Float => row.try_get::<Option<f64>>("", c.name)?.into(),
            Kind::Str => row.try_get::<Option<String>>("", c.name)?.into(),
            Kind::Bool => row.try_get::<Option<bool>>("", c.name)?.into(),
            Kind::Timestamp => row.try_get::<Option<i64>>("", c.name)?.map(rfc3339).into(),
            Kind::Date => row
                .try_get::<Option<time::Date>>("", c.name)?
                .map(|d| d.to_string())
                .into(),
        };
        out.insert(c.name.to_owned(), value);
    }
    Ok(Value::Object(out))
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

/// One table's export state with the rows waiting for it now.
pub struct Backlog {
    pub table: &'static TableDef,
    pub state: export_state::Model,
    pub rows: u64,
}

/// Every table's state and backlog, below the horizon of the syncs running at `now`, each
/// counted up to `up_to` rows when given.
pub async fn backlogs(
    db: &DatabaseConnection,
    store: &ExportStore,
    now: i64,
    up_to: Option<u64>,
) -> Result<Vec<Backlog>, StoreError> {
    let rows = ExportRowStore::new(db.clone());
    let horizon = store.horizon(now).await?;
    let mut out = Vec::with_capacity(ALL.len());
    for table in ALL {
        let state = store.state(table.name).await?;
        let waiting = rows
            .backlog(&table.source, (&state).into(), horizon, up_to)
            .await?;
        out.push(Backlog {
            table,
            state,
            rows: waiting,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_are_sent_as_rfc3339() {
        assert_eq!(rfc3339(1_767_261_600), "2026-01-01T10:00:00Z");
    }

    #[tokio::test]
    async fn a_backlog_is_counted_in_full_or_up_to_a_limit() {
        use crate::crypto::{Cipher, MasterKey};
        use crate::dev::generate::{generate, GenerateConfig};
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}/b.db?mode=rwc", dir.path().display());
        let db = crate::db::open(&url).await.unwrap();
        let config = GenerateConfig {
            accounts: 1,
            posts: 30,
            days: 5,
            seed: 3,
        };
        let now = 1_795_435_200;
        let cipher = Cipher::new(MasterKey::generate());
        let made = generate(&db, &config, &cipher, now).await.unwrap();
        let store = ExportStore::new(db.clone());
        let later = now + 3600;
        let full = backlogs(&db, &store, later, None).await.unwrap();
        let by_name = |name: &str| full.iter().find(|b| b.table.name == name).unwrap().rows;
        // Everything generated waits, but media never captured (no change time yet).
        assert!(by_name("media") > 10 && by_name("media") <= made.media);
        assert_eq!(by_name("media_snapshots"), made.snapshots);
        for capped in backlogs(&db, &store, later, Some(10)).await.unwrap() {
            let whole = by_name(capped.table.name);
            assert_eq!(capped.rows, whole.min(10), "{}", capped.table.name);
        }
    }
}
