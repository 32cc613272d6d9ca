//! Meta's usage headers, and how long to pause so we slow down before Meta blocks us.
//!
//! `X-App-Usage: {"call_count":28,"total_time":25,"total_cputime":25}` (percentages of the
//! platform limit) and `X-Business-Use-Case-Usage: {"<id>":[{"type":"instagram",
//! "call_count":12,…,"estimated_time_to_regain_access":0}]}` (minutes). Throttling starts at 100.

use std::collections::HashMap;
use std::time::Duration;

use reqwest::header::HeaderMap;
use serde::Deserialize;

/// The longest announced block we wait out (a day); Meta's blocks last minutes to hours.
const MAX_REGAIN_MINUTES: f64 = 24.0 * 60.0;

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Usage {
    /// Highest percentage over every counter of both headers; 0 when absent.
    pub percent: f64,
    /// When the business-use-case throttle says access returns, if it is blocked now.
    pub regain_access: Option<Duration>,
}

/// The counters both headers share, each a percentage of its limit.
#[derive(Deserialize)]
struct Counters {
    #[serde(default)]
    call_count: f64,
    #[serde(default)]
    total_time: f64,
    #[serde(default)]
    total_cputime: f64,
}

impl Counters {
    fn highest(&self) -> f64 {
        self.call_count.max(self.total_time).max(self.total_cputime)
    }
}

#[derive(Deserialize)]
struct BucUsage {
    #[serde(flatten)]
    counters: Counters,
    #[serde(default)]
    estimated_time_to_regain_access: f64,
}

impl Usage {
    /// Reads both headers; a malformed header counts as absent (it must never fail a call).
    pub fn from_headers(headers: &HeaderMap) -> Self {
        let text = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
        let mut usage = Usage::default();
        if let Some(app) =
            text("x-app-usage").and_then(|t| serde_json::from_str::<Counters>(t).ok())
        {
            usage.percent = app.highest();
        }
        if let Some(buc) = text("x-business-use-case-usage")
            .and_then(|t| serde_json::from_str::<HashMap<String, Vec<BucUsage>>>(t).ok())
        {
            for entry in buc.values().flatten() {
                usage.percent = usage.percent.max(entry.counters.highest());
                if entry.estimated_time_to_regain_access > 0.0 {
                    // Clamped: an absurd figure must neither panic nor park an account for years.
                    let minutes = entry
                        .estimated_time_to_regain_access
                        .min(MAX_REGAIN_MINUTES);
                    let wait = Duration::from_secs_f64(minutes * 60.0);
                    usage.regain_access = Some(usage.regain_access.map_or(wait, |w| w.max(wait)));
                }
            }
        }
        usage
    }

    /// The pause before the next call: none below 75 %, then growing to 10 s at 100 %, and
    /// the whole announced wait once Meta says access is blocked.
    pub fn pacing_delay(&self) -> Duration {
        if let Some(wait) = self.regain_access {
            return wait;
        }
        const CALM: f64 = 75.0;
        if self.percent <= CALM {
            return Duration::ZERO;
        }
        let over = ((self.percent - CALM) / (100.0 - CALM)).min(1.0);
        Duration::from_secs_f64(10.0 * over * over)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (k, v) in pairs {
            map.insert(*k, v.parse().unwrap());
        }
        map
    }

    #[test]
    fn the_highest_counter_of_both_headers_wins() {
        let usage = Usage::from_headers(&headers(&[
            (
                "x-app-usage",
                r#"{"call_count":28,"total_time":25,"total_cputime":25}"#,
            ),
            (
                "x-business-use-case-usage",
                r#"{"17841400000":[{"type":"instagram","call_count":81,"total_cputime":3,"total_time":4,"estimated_time_to_regain_access":0}]}"#,
            ),
        ]));
        assert_eq!(usage.percent, 81.0);
        assert_eq!(usage.regain_access, None);
    }

    #[test]
    fn regain_access_is_minutes_clamped_to_a_day() {
        for (minutes, wait) in [("7", 420), ("1e300", 86_400)] {
            let usage = Usage::from_headers(&headers(&[(
                "x-business-use-case-usage",
                &format!(
                    r#"{{"1":[{{"type":"instagram","call_count":100,"total_cputime":1,"total_time":1,"estimated_time_to_regain_access":{minutes}}}]}}"#
                ),
            )]));
            assert_eq!(
                usage.regain_access,
                Some(Duration::from_secs(wait)),
                "{minutes}"
            );
            assert_eq!(usage.pacing_delay(), Duration::from_secs(wait));
        }
    }

    #[test]
    fn malformed_or_missing_headers_mean_no_usage() {
        assert_eq!(Usage::from_headers(&HeaderMap::new()), Usage::default());
        let usage = Usage::from_headers(&headers(&[("x-app-usage", "{not json")]));
        assert_eq!(usage, Usage::default());
    }

    #[test]
    fn pacing_starts_above_75_percent_and_grows() {
        let at = |percent| {
            Usage {
                percent,
                regain_access: None,
            }
            .pacing_delay()
        };
        assert_eq!(at(50.0), Duration::ZERO);
        assert_eq!(at(75.0), Duration::ZERO);
        assert!(at(80.0) > Duration::ZERO);
        assert!(at(95.0) > at(85.0));
        assert_eq!(at(100.0), Duration::from_secs(10));
        assert_eq!(at(250.0), Duration::from_secs(10));
    }
}
