//! A chart's x axis: where its ticks go and how they read. Ticks fall on round values — hours,
//! then whole days, for the time since publication; days, Mondays or first days of months
//! for dates — rather than wherever an even split of the range lands ("8.3 d").

use super::{civil, day_label, from_civil};
use crate::metrics::DAY;

/// What a chart's x values are.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum XAxis {
    /// Unix seconds, read as UTC dates.
    Dates,
    /// Hours since publication.
    Age,
}

impl XAxis {
    /// How a value reads, on a tick or in the tooltip.
    pub fn label(self, x: f64) -> String {
        match self {
            XAxis::Dates => day_label(x),
            XAxis::Age => age_label(x),
        }
    }

    /// At most `max` ticks inside `range`, on the roundest step that has no more: the finest
    /// that fits, so the axis is as precise as its width allows.
    pub fn ticks(self, range: (f64, f64), max: usize) -> Vec<f64> {
        match self {
            XAxis::Dates => date_ticks(range, max),
            XAxis::Age => age_ticks(range, max),
        }
    }
}

/// Hours since publication → `0 h`, `18 h`, `1 d`, `2 d 6 h` (to the nearest hour).
pub fn age_label(hours: f64) -> String {
    let hours = hours.round() as i64;
    match (hours.div_euclid(24), hours.rem_euclid(24)) {
        (0, h) => format!("{h} h"),
        (d, 0) => format!("{d} d"),
        (d, h) => format!("{d} d {h} h"),
    }
}

/// Steps for the time since publication, in hours: up to half a day, then whole days.
const AGE_STEPS: [f64; 14] = [
    1.0, 2.0, 3.0, 6.0, 12.0, 24.0, 48.0, 72.0, 168.0, 336.0, 720.0, 1_440.0, 2_160.0, 8_760.0,
];

fn age_ticks(range: (f64, f64), max: usize) -> Vec<f64> {
    AGE_STEPS
        .iter()
        .find_map(|&step| multiples(range, step, 0.0, max))
        .unwrap_or_default()
}

/// 1970-01-05, a Monday: where weekly ticks start.
const MONDAY: f64 = 4.0 * DAY as f64;

fn date_ticks(range: (f64, f64), max: usize) -> Vec<f64> {
    let day = DAY as f64;
    let by_days = [(1.0, 0.0), (2.0, 0.0), (7.0, MONDAY), (14.0, MONDAY)]
        .into_iter()
        .find_map(|(days, origin)| multiples(range, days * day, origin, max));
    by_days
        .or_else(|| {
            [1, 2, 3, 6, 12, 24, 60]
                .into_iter()
                .find_map(|months| month_starts(range, months, max))
        })
        .unwrap_or_default()
}

/// `origin + k × step` inside `range`; `None` when there would be more than `max`.
fn multiples((lo, hi): (f64, f64), step: f64, origin: f64, max: usize) -> Option<Vec<f64>> {
    let first = ((lo - origin) / step).ceil() as i64;
    let last = ((hi - origin) / step).floor() as i64;
    let count = usize::try_from(last - first + 1).unwrap_or(0);
    (count <= max).then(|| (first..=last).map(|k| origin + k as f64 * step).collect())
}

/// The first day of every `months`-th month (counted from January) inside `range`; `None`
/// when there would be more than `max`.
fn month_starts((lo, hi): (f64, f64), months: i64, max: usize) -> Option<Vec<f64>> {
    // Months since year 0, so a step divides the calendar evenly (every third: Jan, Apr, …).
    let (year, month, _) = civil(lo);
    let mut index = (year * 12 + month - 1).div_euclid(months) * months;
    let at = |index: i64| from_civil(index.div_euclid(12), index.rem_euclid(12) + 1, 1) as f64;
    let mut ticks = Vec::new();
    while at(index) <= hi {
        if at(index) >= lo {
            if ticks.len() == max {
                return None;
            }
            ticks.push(at(index));
        }
        index += months;
    }
    Some(ticks)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(axis: XAxis, range: (f64, f64), max: usize) -> Vec<String> {
        axis.ticks(range, max)
            .into_iter()
            .map(|x| axis.label(x))
            .collect()
    }

    #[test]
    fn ages_read_as_hours_then_days() {
        let read: Vec<String> = [0.0, 5.2, 23.6, 24.0, 36.0, 54.0, 168.0]
            .map(age_label)
            .into();
        assert_eq!(
            read,
            ["0 h", "5 h", "1 d", "1 d", "1 d 12 h", "2 d 6 h", "7 d"]
        );
    }

    #[test]
    fn age_ticks_fall_on_round_hours_and_days() {
        // The "8.3 d, 16.7 d" axis: 0 to 400 hours, room for 8 labels.
        assert_eq!(
            labels(XAxis::Age, (0.0, 400.0), 8),
            ["0 h", "3 d", "6 d", "9 d", "12 d", "15 d"]
        );
        assert_eq!(
            labels(XAxis::Age, (0.0, 48.0), 5),
            ["0 h", "12 h", "1 d", "1 d 12 h", "2 d"]
        );
        assert_eq!(
            labels(XAxis::Age, (0.0, 20.0), 4),
            ["0 h", "6 h", "12 h", "18 h"]
        );
        // A zoomed range starts on the first round value inside it.
        assert_eq!(labels(XAxis::Age, (2.5, 9.9), 4), ["4 h", "6 h", "8 h"]);
        // Thirty days on a narrow chart: weekly.
        assert_eq!(
            labels(XAxis::Age, (0.0, 720.0), 5),
            ["0 h", "7 d", "14 d", "21 d", "28 d"]
        );
    }

    #[test]
    fn date_ticks_are_days_mondays_or_months() {
        let day = |d: &str| super::super::day_x(d).unwrap();
        // A week, room for 8: every day.
        assert_eq!(
            labels(XAxis::Dates, (day("2026-11-09"), day("2026-11-15")), 8).len(),
            7
        );
        // Thirty days, room for 10: Mondays (2026-11-09 is one).
        assert_eq!(
            labels(XAxis::Dates, (day("2026-11-07"), day("2026-12-06")), 10),
            ["Nov 9", "Nov 16", "Nov 23", "Nov 30"]
        );
        // Ninety days, room for 7: every other Monday; room for 5: months.
        let ninety = (day("2026-09-08"), day("2026-12-06"));
        assert_eq!(
            labels(XAxis::Dates, ninety, 7),
            ["Sep 14", "Sep 28", "Oct 12", "Oct 26", "Nov 9", "Nov 23"]
        );
        assert_eq!(labels(XAxis::Dates, ninety, 5), ["Oct 1", "Nov 1", "Dec 1"]);
        // Two years, room for 8: quarters.
        assert_eq!(
            labels(XAxis::Dates, (day("2025-01-15"), day("2026-12-31")), 8),
            ["Apr 1", "Jul 1", "Oct 1", "Jan 1", "Apr 1", "Jul 1", "Oct 1"]
        );
        assert_eq!(
            XAxis::Dates.ticks((day("2025-01-01"), day("2025-03-01")), 3),
            [day("2025-01-01"), day("2025-02-01"), day("2025-03-01")]
        );
        // Less than a day between two points: no date falls inside, none is invented.
        assert!(XAxis::Dates
            .ticks(
                (day("2026-03-05") + 3_600.0, day("2026-03-05") + 7_200.0),
                4
            )
            .is_empty());
    }
}
