//! Wall-clock time as the database stores it: whole seconds since the Unix epoch, UTC.
//! One function, so every layer (store, services, sync, export) reads time the same way.

use time::OffsetDateTime;

pub use app::metrics::DAY;

/// Now, in Unix seconds.
pub fn unix_now() -> i64 {
    OffsetDateTime::now_utc().unix_timestamp()
}

/// Now, in Unix milliseconds (BigQuery's timestamps in its REST answers).
pub fn unix_now_ms() -> i64 {
    (OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000) as i64
}

/// Today's date in UTC.
pub fn today() -> time::Date {
    OffsetDateTime::now_utc().date()
}
