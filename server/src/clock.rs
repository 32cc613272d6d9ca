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

/// `YYYY-MM-DD HH:MM UTC`, the one way the dashboard shows a moment.
pub fn utc(unix: i64) -> String {
    match OffsetDateTime::from_unix_timestamp(unix) {
        Ok(t) => format!(
            "{:04}-{:02}-{:02} {:02}:{:02} UTC",
            t.year(),
            u8::from(t.month()),
            t.day(),
            t.hour(),
            t.minute()
        ),
        Err(_) => "—".into(),
    }
}

/// `YYYY-MM-DD` of a moment, in UTC: the day something was made.
pub fn utc_date(unix: i64) -> String {
    utc(unix).chars().take(10).collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn moments_show_in_utc_to_the_minute() {
        assert_eq!(super::utc(1_795_435_200), "2026-11-23 12:00 UTC");
        assert_eq!(super::utc(i64::MAX), "—");
        assert_eq!(super::utc_date(1_795_435_200), "2026-11-23");
    }
}
