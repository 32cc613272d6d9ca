//! When a scheduled report is due and what it covers. A weekly report sent on a weekday
//! covers the seven days before that day; a monthly one, sent on a day of the month, the
//! calendar month before. Days and hours are in the schedule's time zone; the periods are the
//! dashboard's dates (UTC days), as the Overview shows them.

use app::dto::Cadence;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan};

/// A schedule's timing, as stored.
#[derive(Clone, Debug, PartialEq)]
pub struct Timing {
    pub cadence: Cadence,
    /// Weekly: 1 (Monday) to 7; monthly: 1 to 28.
    pub day: i8,
    pub hour: i8,
    pub tz: TimeZone,
}

/// One sending: when, and the period it reports.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sending {
    /// Unix seconds.
    pub at: i64,
    pub from: Date,
    pub to: Date,
}

impl Timing {
    /// The latest sending at or before `now`; `None` outside jiff's range.
    pub fn latest(&self, now: i64) -> Option<Sending> {
        let today = self
            .tz
            .to_datetime(Timestamp::from_second(now).ok()?)
            .date();
        let mut day = self.day_on_or_before(today)?;
        if self.moment(day)? > now {
            day = self.day_on_or_before(self.step_back(day)?)?;
        }
        self.sending(day)
    }

    /// The first sending after `now`.
    pub fn next(&self, now: i64) -> Option<Sending> {
        let latest = self.latest(now)?;
        let day = match self.cadence {
            Cadence::Weekly => latest.sending_day(self)?.checked_add(7.days()).ok()?,
            Cadence::Monthly => latest.sending_day(self)?.checked_add(1.month()).ok()?,
        };
        self.sending(day)
    }

    fn sending(&self, day: Date) -> Option<Sending> {
        let (from, to) = match self.cadence {
            Cadence::Weekly => (day.checked_sub(7.days()).ok()?, day.yesterday().ok()?),
            Cadence::Monthly => {
                let before = day.first_of_month().yesterday().ok()?;
                (before.first_of_month(), before)
            }
        };
        Some(Sending {
            at: self.moment(day)?,
            from,
            to,
        })
    }

    /// The sending day on or before `date`.
    fn day_on_or_before(&self, date: Date) -> Option<Date> {
        match self.cadence {
            Cadence::Weekly => {
                let back = (date.weekday().to_monday_one_offset() - self.day).rem_euclid(7);
                date.checked_sub(i64::from(back).days()).ok()
            }
            Cadence::Monthly => {
                let this = Date::new(date.year(), date.month(), self.day).ok()?;
                if this <= date {
                    Some(this)
                } else {
                    this.checked_sub(1.month()).ok()
                }
            }
        }
    }

    fn step_back(&self, day: Date) -> Option<Date> {
        match self.cadence {
            Cadence::Weekly => day.checked_sub(1.day()).ok(),
            Cadence::Monthly => day.first_of_month().yesterday().ok(),
        }
    }

    /// `hour` o'clock on `day` in the zone, as unix seconds (a skipped hour moves on).
    fn moment(&self, day: Date) -> Option<i64> {
        let at = self.tz.to_timestamp(day.at(self.hour, 0, 0, 0)).ok()?;
        Some(at.as_second())
    }
}

impl Sending {
    fn sending_day(&self, timing: &Timing) -> Option<Date> {
        Some(
            timing
                .tz
                .to_datetime(Timestamp::from_second(self.at).ok()?)
                .date(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> i64 {
        s.parse::<Timestamp>().unwrap().as_second()
    }

    fn timing(cadence: Cadence, day: i8, hour: i8, tz: &str) -> Timing {
        Timing {
            cadence,
            day,
            hour,
            tz: TimeZone::get(tz).unwrap(),
        }
    }

    #[test]
    fn a_weekly_report_on_monday_at_nine_in_paris_covers_the_week_before() {
        let t = timing(Cadence::Weekly, 1, 9, "Europe/Paris");
        // Monday 2026-12-07 08:30 Paris (07:30 UTC): this week's is not due yet.
        let s = t.latest(at("2026-12-07T07:30:00Z")).unwrap();
        assert_eq!(s.at, at("2026-11-30T08:00:00Z"));
        assert_eq!(
            (s.from.to_string(), s.to.to_string()),
            ("2026-11-23".into(), "2026-11-29".into())
        );
        // At 09:00 Paris it is.
        let s = t.latest(at("2026-12-07T08:00:00Z")).unwrap();
        assert_eq!(s.at, at("2026-12-07T08:00:00Z"));
        assert_eq!(
            (s.from.to_string(), s.to.to_string()),
            ("2026-11-30".into(), "2026-12-06".into())
        );
        assert_eq!(
            t.next(at("2026-12-07T08:00:00Z")).unwrap().at,
            at("2026-12-14T08:00:00Z")
        );
    }

    #[test]
    fn a_monthly_report_covers_the_calendar_month_before_across_summer_time() {
        let t = timing(Cadence::Monthly, 1, 8, "America/New_York");
        // 1 April 2026 08:00 in New York is 12:00 UTC (summer time).
        let s = t.latest(at("2026-04-15T00:00:00Z")).unwrap();
        assert_eq!(s.at, at("2026-04-01T12:00:00Z"));
        assert_eq!(
            (s.from.to_string(), s.to.to_string()),
            ("2026-03-01".into(), "2026-03-31".into())
        );
        // 1 March 08:00 is 13:00 UTC (winter time); a minute before it, February's is latest.
        let s = t.latest(at("2026-03-01T12:59:00Z")).unwrap();
        assert_eq!(
            (s.from.to_string(), s.to.to_string()),
            ("2026-01-01".into(), "2026-01-31".into())
        );
        assert_eq!(
            t.next(at("2026-03-01T12:59:00Z")).unwrap().at,
            at("2026-03-01T13:00:00Z")
        );
    }
}
