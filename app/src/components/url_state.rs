//! Page state kept in the URL's query string, so a link restores what its sender saw.

use crate::dto::{
    AccountId, AudienceQuery, BestTimeQuery, PeriodQuery, PostsQuery, StoriesQuery, WorkspaceId,
};
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

/// The query parameter of the workspace chosen in the top bar, kept by every link and form.
pub const WORKSPACE_PARAM: &str = "ws";

/// `?ws=…`: the workspace chosen in the top bar, if any.
pub fn workspace(query: &ParamsMap) -> Result<Option<WorkspaceId>, AppError> {
    param(query, WORKSPACE_PARAM)
}

/// `?ws=…&account=…&range=7|30|90|custom&from=…&to=…` → what the server functions take.
/// Dates are passed on as written; the server checks them.
pub fn period_query(query: &ParamsMap) -> Result<PeriodQuery, AppError> {
    let account = param::<AccountId>(query, "account")?;
    let workspace = workspace(query)?;
    let range = query.get("range").unwrap_or_default();
    if range == "custom" {
        return Ok(PeriodQuery {
            account,
            workspace,
            days: None,
            from: query.get("from"),
            to: query.get("to"),
        });
    }
    Ok(PeriodQuery {
        account,
        workspace,
        days: param::<u16>(query, "range")?,
        from: None,
        to: None,
    })
}

/// `?…&sort=…&page=…` → the Stories query.
pub fn stories_query(query: &ParamsMap) -> Result<StoriesQuery, AppError> {
    Ok(StoriesQuery {
        period: period_query(query)?,
        sort: param(query, "sort")?.unwrap_or_default(),
        page: param(query, "page")?.unwrap_or(1),
    })
}

/// `?…&sort=…&order=asc|desc&page=…&kind=…&hashtag=…&search=…` → the Posts query.
pub fn posts_query(query: &ParamsMap) -> Result<PostsQuery, AppError> {
    let text = |name: &str| {
        query
            .get(name)
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
    };
    Ok(PostsQuery {
        period: period_query(query)?,
        kind: param(query, "kind")?,
        hashtag: text("hashtag"),
        search: text("search"),
        sort: param(query, "sort")?.unwrap_or_default(),
        ascending: match query.get("order").as_deref() {
            None | Some("") | Some("desc") => false,
            Some("asc") => true,
            Some(other) => {
                return Err(AppError::invalid(
                    "order",
                    format!("Unknown order filter {other:?}."),
                ))
            }
        },
        page: param(query, "page")?.unwrap_or(1),
    })
}

/// `?…&tz=Area/City` → the Best time query; the zone is checked by the server.
pub fn best_time_query(query: &ParamsMap) -> Result<BestTimeQuery, AppError> {
    Ok(BestTimeQuery {
        period: period_query(query)?,
        tz: query.get("tz").filter(|v| !v.is_empty()),
    })
}

/// `?account=…&date=…&since=…` → the Audience query; the server checks the dates.
pub fn audience_query(query: &ParamsMap) -> Result<AudienceQuery, AppError> {
    let day = |name: &str| query.get(name).filter(|v| !v.is_empty());
    Ok(AudienceQuery {
        account: param::<AccountId>(query, "account")?,
        workspace: workspace(query)?,
        date: day("date"),
        since: day("since"),
    })
}

/// A query string's `(name, value)` pairs as the functions above read them (the JSON API
/// reads its query with them, so its parameters are the pages').
pub fn params(pairs: Vec<(String, String)>) -> ParamsMap {
    let mut map = ParamsMap::new();
    for (name, value) in pairs {
        map.insert(name, value);
    }
    map
}

/// `path` with the current query changed: `Some` sets a parameter, `None` removes it.
pub fn with_params(path: &str, query: &ParamsMap, changes: &[(&str, Option<&str>)]) -> String {
    let mut query = query.clone();
    for (name, value) in changes {
        match value {
            Some(v) => query.replace(name.to_string(), (*v).to_owned()),
            None => {
                query.remove(name);
            }
        }
    }
    format!("{path}{}", query.to_query_string())
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
        assert_eq!(
            (q.account, q.days, q.from),
            (Some(AccountId(3)), Some(7), None)
        );
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

    #[test]
    fn urls_become_posts_queries() {
        let q = posts_query(&map(&[
            ("range", "7"),
            ("kind", "reel"),
            ("hashtag", " sea "),
            ("search", ""),
            ("sort", "reach"),
            ("order", "asc"),
            ("page", "3"),
        ]))
        .unwrap();
        assert_eq!(q.period.days, Some(7));
        assert_eq!(q.kind, Some(crate::dto::PostKind::Reel));
        assert_eq!((q.hashtag.as_deref(), q.search), (Some("sea"), None));
        assert_eq!(
            (q.sort, q.ascending, q.page),
            (crate::dto::PostSort::Reach, true, 3)
        );
        let q = posts_query(&map(&[])).unwrap();
        assert_eq!(
            (q.sort, q.ascending, q.page),
            (crate::dto::PostSort::Published, false, 1)
        );
        for (name, bad) in [
            ("kind", "gif"),
            ("sort", "colour"),
            ("order", "up"),
            ("page", "-1"),
        ] {
            let error = posts_query(&map(&[(name, bad)])).unwrap_err();
            assert!(error.for_field(name).is_some(), "{name}={bad}");
        }
    }

    #[test]
    fn links_change_one_parameter_and_keep_the_rest() {
        let q = map(&[("range", "7"), ("page", "2")]);
        assert_eq!(
            with_params("/posts", &q, &[("sort", Some("likes")), ("page", None)]),
            "/posts?range=7&sort=likes"
        );
    }
}
