//! Which days a dashboard page covers: a preset ending today or a custom range, validated
//! here at the boundary, and the previous period of the same length it is compared with.

use app::dto::{PeriodQuery, PeriodView};
use app::error::AppError;
use time::macros::format_description;
use time::{Date, Duration};

use crate::clock::DAY;

/// The presets the page offers; anything else is refused rather than guessed.
const PRESET_DAYS: [u16; 3] = [7, 30, 90];
const DEFAULT_DAYS: u16 = 30;
/// The longest custom range: the most history Settings can keep.
const MAX_DAYS: i64 = 730;

/// Days from `from` to `to`, both included, in UTC (Meta's daily insights are per day too).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Period {
    pub from: Date,
    pub to: Date,
}

impl Period {
    pub fn parse(query: &PeriodQuery, today: Date) -> Result<Period, AppError> {
        if query.from.is_some() || query.to.is_some() {
            let (Some(from), Some(to)) = (&query.from, &query.to) else {
                return Err(AppError::invalid(
                    "from",
                    "A custom range needs both a start and an end date.",
                ));
            };
            let period = Period {
                from: date("from", from)?,
                to: date("to", to)?,
            };
            if period.from > period.to {
                return Err(AppError::invalid(
                    "to",
                    "The end date is before the start date.",
                ));
            }
            if period.days() > MAX_DAYS {
                return Err(AppError::invalid(
                    "to",
                    format!("A range can span at most {MAX_DAYS} days."),
                ));
            }
            return Ok(period);
        }
        let days = query.days.unwrap_or(DEFAULT_DAYS);
        if !PRESET_DAYS.contains(&days) {
            return Err(AppError::invalid(
                "days",
                "Choose the last 7, 30 or 90 days, or a custom range.",
            ));
        }
        Ok(Period {
            from: today - Duration::days(i64::from(days) - 1),
            to: today,
        })
    }

    pub fn days(self) -> i64 {
        (self.to - self.from).whole_days() + 1
    }

    /// The same number of days, ending the day before this period starts.
    pub fn previous(self) -> Period {
        let to = self.from - Duration::days(1);
        Period {
            from: to - Duration::days(self.days() - 1),
            to,
        }
    }

    /// `[start, end)` in unix seconds: midnight UTC of `from` to midnight after `to`.
    pub fn unix_bounds(self) -> (i64, i64) {
        let midnight = |d: Date| d.midnight().assume_utc().unix_timestamp();
        (midnight(self.from), midnight(self.to) + DAY)
    }

    /// Every day of the period, in order.
    pub fn dates(self) -> impl Iterator<Item = Date> {
        std::iter::successors(Some(self.from), |d| d.next_day()).take_while(move |d| *d <= self.to)
    }

    pub fn view(self) -> PeriodView {
        let previous = self.previous();
        PeriodView {
            from: self.from.to_string(),
            to: self.to.to_string(),
            previous_from: previous.from.to_string(),
            previous_to: previous.to.to_string(),
            days: u16::try_from(self.days()).unwrap_or(u16::MAX),
        }
    }
}

/// The years a custom range may name. The calendar type reaches ±9999, and the previous
/// period of a range near its start would fall off it (a panic, seen with `-9999-01-01`).
const YEARS: std::ops::RangeInclusive<i32> = 1970..=9999;

pub(super) fn date(field: &str, raw: &str) -> Result<Date, AppError> {
    Date::parse(raw, format_description!("[year]-[month]-[day]"))
        .ok()
        .filter(|d| YEARS.contains(&d.year()))
        .ok_or_else(|| {
            AppError::invalid(
                field,
                format!("{raw:?} is not a date from 1970 on; write it as YYYY-MM-DD."),
            )
        })
}

#[cfg(test)]
mod tests {
    use time::macros::date;

    use super::*;

    fn query(days: Option<u16>, from: Option<&str>, to: Option<&str>) -> PeriodQuery {
        PeriodQuery {
            days,
            from: from.map(Into::into),
            to: to.map(Into::into),
            ..Default::default()
        }
    }

    #[test]
    fn presets_end_today_and_compare_with_the_days_before() {
        let today = date!(2026 - 11 - 28);
        let p = Period::parse(&query(Some(7), None, None), today).unwrap();
        assert_eq!((p.from, p.to, p.days()), (date!(2026 - 11 - 22), today, 7));
        let prev = p.previous();
        assert_eq!(
            (prev.from, prev.to),
            (date!(2026 - 11 - 15), date!(2026 - 11 - 21))
        );
        assert_eq!(
            Period::parse(&query(None, None, None), today)
                .unwrap()
                .days(),
            30
        );
        assert_eq!(p.dates().count(), 7);
        assert_eq!(p.dates().last(), Some(today));
        let (start, end) = p.unix_bounds();
        assert_eq!(end - start, 7 * DAY);
        assert_eq!(start, 1_795_305_600); // 2026-11-22 00:00 UTC
    }

    #[test]
    fn custom_ranges_are_checked_at_the_boundary() {
        let today = date!(2026 - 11 - 28);
        let p = Period::parse(&query(None, Some("2026-02-01"), Some("2026-03-01")), today).unwrap();
        assert_eq!(p.days(), 29);
        assert_eq!(p.previous().to, date!(2026 - 01 - 31));
        assert_eq!(p.view().previous_from, "2026-01-03");
        let refused = [
            (query(Some(14), None, None), "days"),
            (query(None, Some("2026-02-01"), None), "from"),
            (query(None, Some("01/02/2026"), Some("2026-03-01")), "from"),
            (query(None, Some("2026-02-01"), Some("2026-02-30")), "to"),
            (query(None, Some("2026-03-02"), Some("2026-03-01")), "to"),
            (query(None, Some("2020-01-01"), Some("2026-03-01")), "to"),
        ];
        for (q, field) in refused {
            let err = Period::parse(&q, today).unwrap_err();
            assert!(err.for_field(field).is_some(), "{q:?}: {err:?}");
        }
    }
}
