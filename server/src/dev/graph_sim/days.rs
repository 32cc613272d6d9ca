//! Meta's days for account insights: they start and end at midnight in Pacific time (or the
//! account's zone), so `end_time` reads `T07:00:00+0000` in summer and `T08:00` in winter
//! (instagram-platform/api-reference/instagram-user/insights, field table: "end_time
//! 2022-08-01T07:00:00+0000"; instagram-platform/insights guide samples at T08:00 in January).

use jiff::civil;
use jiff::tz::TimeZone;
use time::{Date, Month, OffsetDateTime};

/// A zone's calendar: which day an instant falls on, where a day starts and ends.
pub struct Days {
    zone: TimeZone,
}

impl Days {
    /// Unknown zone names fall back to Pacific time, Meta's default.
    pub fn new(name: &str) -> Self {
        let zone = TimeZone::get(name)
            .or_else(|_| TimeZone::get("America/Los_Angeles"))
            .expect("the bundled tz database has America/Los_Angeles");
        Self { zone }
    }

    pub fn date_of(&self, at: OffsetDateTime) -> Date {
        let instant = jiff::Timestamp::from_second(at.unix_timestamp())
            .expect("simulated times are within jiff's range");
        let civil = self.zone.to_datetime(instant).date();
        Date::from_calendar_date(
            i32::from(civil.year()),
            Month::try_from(civil.month() as u8).expect("1..=12"),
            civil.day() as u8,
        )
        .expect("a valid civil date")
    }

    pub fn start(&self, day: Date) -> OffsetDateTime {
        let civil = civil::date(
            day.year() as i16,
            u8::from(day.month()) as i8,
            day.day() as i8,
        );
        let second = self
            .zone
            .to_timestamp(civil.to_datetime(civil::Time::midnight()))
            .expect("midnight exists in the zone")
            .as_second();
        OffsetDateTime::from_unix_timestamp(second).expect("within range")
    }

    pub fn end(&self, day: Date) -> OffsetDateTime {
        self.start(day.next_day().expect("not the last day of time"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::{date, datetime};

    #[test]
    fn pacific_days_end_at_seven_in_summer_and_eight_in_winter() {
        let pacific = Days::new("America/Los_Angeles");
        assert_eq!(
            pacific.end(date!(2026 - 07 - 31)),
            datetime!(2026-08-01 07:00 UTC)
        );
        assert_eq!(
            pacific.end(date!(2026 - 12 - 01)),
            datetime!(2026-12-02 08:00 UTC)
        );
        assert_eq!(
            pacific.date_of(datetime!(2026-12-02 07:59 UTC)),
            date!(2026 - 12 - 01)
        );
        let tokyo = Days::new("Asia/Tokyo");
        assert_eq!(
            tokyo.end(date!(2026 - 12 - 01)),
            datetime!(2026-12-01 15:00 UTC)
        );
    }
}
