//! Numbers as people read them.

use crate::dto::KpiUnit;

/// `12345678` → `12,345,678`. Takes any integer the DTOs use (`i32`, `i64`, `u64`): `i128`
/// holds them all, so no caller needs a lossy cast.
pub fn thousands(n: impl Into<i128>) -> String {
    let n: i128 = n.into();
    let digits = n.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if n < 0 {
        out.push('-');
    }
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A count that may be unknown: `1,234` or "—".
pub fn count(value: Option<i64>) -> String {
    value.map_or_else(|| "—".into(), thousands)
}

/// A KPI figure: whole numbers with thousands separators; "—" when unknown.
pub fn figure(value: Option<f64>) -> String {
    // KPI counts are integers or daily averages; a fraction of a follower means nothing.
    value.map_or_else(|| "—".into(), |v| thousands(v.round() as i64))
}

/// A KPI's value as its card shows it: a count or a rate.
pub fn kpi_value(unit: KpiUnit, value: Option<f64>) -> String {
    match unit {
        KpiUnit::Count => figure(value),
        KpiUnit::Rate => percent(value),
    }
}

/// A fraction as a percentage with one decimal: `0.0423` → `4.2 %`; "—" when undefined.
pub fn percent(value: Option<f64>) -> String {
    value.map_or_else(|| "—".into(), |v| format!("{:.1} %", v * 100.0))
}

/// A change with its sign: `+12.5 %`, `−3.0 %`; "—" when there is nothing to compare with.
pub fn signed_percent(value: Option<f64>) -> String {
    match value {
        None => "—".into(),
        Some(v) if v < 0.0 => format!("\u{2212}{:.1} %", -v * 100.0),
        Some(v) => format!("+{:.1} %", v * 100.0),
    }
}

/// A reel's skip rate, already a percentage: `31.4 %`; "—" when unknown.
pub fn skip_rate(value: Option<f64>) -> String {
    value.map_or_else(|| "—".into(), |v| format!("{v:.1} %"))
}

/// A watch time: seconds with one decimal under a minute, then minutes, then hours and
/// minutes (`12.5 s`, `4 min`, `83 h 20 min`); "—" when unknown.
pub fn duration_ms(value: Option<i64>) -> String {
    let Some(ms) = value else {
        return "—".into();
    };
    let minutes = ms / 60_000;
    match minutes {
        0 => format!("{:.1} s", ms as f64 / 1000.0),
        1..=59 => format!("{minutes} min"),
        _ => format!("{} h {} min", thousands(minutes / 60), minutes % 60),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn watch_times_read_in_the_unit_that_fits() {
        assert_eq!(duration_ms(Some(12_549)), "12.5 s");
        assert_eq!(duration_ms(Some(0)), "0.0 s");
        assert_eq!(duration_ms(Some(240_000)), "4 min");
        assert_eq!(duration_ms(Some(30_017_581)), "8 h 20 min");
        assert_eq!(duration_ms(Some(3_600_000 * 1_200)), "1,200 h 0 min");
        assert_eq!(duration_ms(None), "—");
    }

    #[test]
    fn groups_of_three_from_the_right() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(12_345_678), "12,345,678");
        assert_eq!(thousands(-1_234), "-1,234");
        assert_eq!(thousands(i64::MIN), "-9,223,372,036,854,775,808");
        assert_eq!(thousands(u64::MAX), "18,446,744,073,709,551,615");
        assert_eq!(thousands(7_i32), "7");
    }

    #[test]
    fn figures_and_rates_read_as_people_write_them() {
        assert_eq!(figure(Some(12_345.6)), "12,346");
        assert_eq!(figure(None), "—");
        assert_eq!(percent(Some(0.0423)), "4.2 %");
        assert_eq!(percent(None), "—");
        assert_eq!(signed_percent(Some(0.125)), "+12.5 %");
        assert_eq!(signed_percent(Some(-0.03)), "\u{2212}3.0 %");
        assert_eq!(signed_percent(Some(0.0)), "+0.0 %");
        assert_eq!(signed_percent(None), "—");
    }
}
