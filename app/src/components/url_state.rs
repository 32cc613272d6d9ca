//! Page state kept in the URL's query string, so a link restores what its sender saw.

use crate::dto::PeriodQuery;
use crate::error::AppError;
use leptos_router::params::ParamsMap;

/// A value from the query string: absent (or empty), valid, or one that makes no sense,
/// which the page reports instead of silently ignoring.
pub fn param<T: std::str::FromStr>(query: &ParamsMap, name: &str) -> Result<Option<T>, AppError> {
    match query.get(name).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(v) => v
            .parse()
            .map(Some)
            .map_err(|_| AppError::invalid(name, format!("Unknown {name} filter {v:?}."))),
    }
}

/// The range choices a dashboard page offers, as `range=` in its URL.
pub const RANGES: [(&str, &str); 4] = [
    ("7", "Last 7 days"),
    ("30", "Last 30 days"),
    ("90", "Last 90 days"),
    ("custom", "Custom range"),
];

/// `?account=…&range=7|30|90|custom&from=…&to=…` → what the server functions take. Dates
/// are passed on as written; the server checks them.
pub fn period_query(query: &ParamsMap) -> Result<PeriodQuery, AppError> {
    let account = param::<i64>(query, "account")?;
    let range = query.get("range").unwrap_or_default();
    if range == "custom" {
        return Ok(PeriodQuery {
            account,
            days: None,
            from: query.get("from"),
            to: query.get("to"),
        });
    }
    Ok(PeriodQuery {
        account,
        days: param::<u16>(query, "range")?,
        from: None,
        to: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(pairs: &[(&'static str, &str)]) -> ParamsMap {
        let mut m = ParamsMap::new();
        for (k, v) in pairs {
            m.insert(*k, (*v).to_owned());
        }
        m
    }

    #[test]
    fn urls_become_period_queries() {
        let q = period_query(&map(&[("account", "3"), ("range", "7")])).unwrap();
        assert_eq!((q.account, q.days, q.from), (Some(3), Some(7), None));
        let q = period_query(&map(&[
            ("range", "custom"),
            ("from", "2026-01-01"),
            ("to", "2026-01-31"),
        ]))
        .unwrap();
        assert_eq!(q.days, None);
        assert_eq!(q.from.as_deref(), Some("2026-01-01"));
        // Dates without `range=custom` are ignored: the preset chosen wins.
        let q = period_query(&map(&[("range", "90"), ("from", "2026-01-01")])).unwrap();
        assert_eq!((q.days, q.from), (Some(90), None));
        assert_eq!(period_query(&map(&[])).unwrap(), PeriodQuery::default());
        assert!(period_query(&map(&[("account", "x")]))
            .unwrap_err()
            .for_field("account")
            .is_some());
        assert!(period_query(&map(&[("range", "week")]))
            .unwrap_err()
            .for_field("range")
            .is_some());
    }
}
