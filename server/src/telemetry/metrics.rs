//! The process's counters, histograms and gauges, and their text for `/metrics`
//! (OpenMetrics, which Prometheus scrapes natively).
//!
//! One registry per process, in a static: what is counted (requests, syncs, Graph calls)
//! belongs to the process whichever part did the work, and a static spares threading a
//! handle through the Graph client and the poller. Values read from the database at scrape
//! time (sessions, the export's backlog) come in a [`Scraped`] and are set just before the
//! text is written.

use std::sync::atomic::AtomicU64;
use std::sync::LazyLock;
use std::time::Duration;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::{Metric, Registry};

/// What `/metrics` answers with.
pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Request {
    /// The route's pattern (`/s/{token}`, `/api/overview`), never the path as sent: label
    /// values must be a bounded set.
    route: String,
    method: String,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Route {
    route: String,
    method: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Outcome {
    outcome: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct GraphFailure {
    /// What kind of failure (`token_invalid`, `rate_limited`, `transient`, …).
    kind: String,
    /// Meta's error code, or empty where the failure has none (a timeout).
    code: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Account {
    account: i64,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Table {
    table: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Pool {
    state: String,
}

type FloatGauge = Gauge<f64, AtomicU64>;

struct Metrics {
    registry: Registry,
    requests: Family<Request, Counter>,
    latency: Family<Route, Histogram>,
    syncs: Family<Outcome, Counter>,
    sync_seconds: Histogram,
    graph_requests: Counter,
    graph_errors: Family<GraphFailure, Counter>,
    usage: Family<Account, FloatGauge>,
    sessions: Gauge,
    pool: Family<Pool, Gauge>,
    backlog: Family<Table, Gauge>,
    export_success: Gauge,
}

static METRICS: LazyLock<Metrics> = LazyLock::new(Metrics::new);

impl Metrics {
    fn new() -> Self {
        let mut root = Registry::with_prefix("instalytics");
        let r = &mut root;
        // 1 ms to 8 s: a dashboard call takes milliseconds, the request timeout is 30 s.
        let latency = Family::<Route, Histogram>::new_with_constructor(|| {
            Histogram::new(exponential_buckets(0.001, 2.0, 14))
        });
        Self {
            requests: registered(
                r,
                "http_requests",
                "HTTP requests answered, by route pattern, method and status",
                Family::default(),
            ),
            latency: registered(
                r,
                "http_request_duration_seconds",
                "Time to answer an HTTP request, by route pattern and method",
                latency,
            ),
            syncs: registered(
                r,
                "syncs",
                "Account syncs finished by this process, by outcome",
                Family::default(),
            ),
            // 50 ms to about 7 min.
            sync_seconds: registered(
                r,
                "sync_duration_seconds",
                "Time an account sync took, Graph requests and the write together",
                Histogram::new(exponential_buckets(0.05, 2.0, 14)),
            ),
            graph_requests: registered(
                r,
                "graph_requests",
                "Graph API requests sent, retries included",
                Counter::default(),
            ),
            graph_errors: registered(
                r,
                "graph_errors",
                "Graph API requests that failed, by kind and Meta's error code",
                Family::default(),
            ),
            usage: registered(
                r,
                "graph_usage_percent",
                "Highest usage percentage Meta reported at the account's last sync by this process",
                Family::default(),
            ),
            sessions: registered(
                r,
                "sessions",
                "Signed-in sessions not yet expired (all instances)",
                Gauge::default(),
            ),
            pool: registered(
                r,
                "db_connections",
                "This process's database connections: in_use, idle and max (the pool's size limit)",
                Family::default(),
            ),
            backlog: registered(
                r,
                "export_backlog_rows",
                "Rows waiting for the BigQuery export, by table (up to 10,000; while the export is on)",
                Family::default(),
            ),
            export_success: registered(
                r,
                "export_last_success_timestamp_seconds",
                "When the BigQuery export last succeeded (Unix time; 0 for never)",
                Gauge::default(),
            ),
            registry: root,
        }
    }
}

/// Registers `metric` under `name` and hands it back (a clone shares its values).
fn registered<M: Metric + Clone>(registry: &mut Registry, name: &str, help: &str, metric: M) -> M {
    registry.register(name, help, metric.clone());
    metric
}

/// One answered HTTP request.
pub fn http_request(route: &str, method: &str, status: u16, took: Duration) {
    let m = &*METRICS;
    m.requests
        .get_or_create(&Request {
            route: route.to_owned(),
            method: method.to_owned(),
            status,
        })
        .inc();
    m.latency
        .get_or_create(&Route {
            route: route.to_owned(),
            method: method.to_owned(),
        })
        .observe(took.as_secs_f64());
}

/// One finished sync (`ok`, `partial`, `rate_limited`, …, as the sync log names it).
pub fn sync_finished(outcome: &str, took: Duration) {
    let m = &*METRICS;
    m.syncs
        .get_or_create(&Outcome {
            outcome: outcome.to_owned(),
        })
        .inc();
    m.sync_seconds.observe(took.as_secs_f64());
}

/// One Graph API request sent.
pub fn graph_request() {
    METRICS.graph_requests.inc();
}

/// One Graph API request that failed.
pub fn graph_error(kind: &str, code: Option<i64>) {
    METRICS
        .graph_errors
        .get_or_create(&GraphFailure {
            kind: kind.to_owned(),
            code: code.map(|c| c.to_string()).unwrap_or_default(),
        })
        .inc();
}

/// The highest usage Meta reported during an account's sync.
pub fn graph_usage(account: i64, percent: f64) {
    METRICS
        .usage
        .get_or_create(&Account { account })
        .set(percent);
}

/// What is read from the database and the pool when `/metrics` is asked.
#[derive(Debug, Default)]
pub struct Scraped {
    pub sessions: i64,
    pub pool_in_use: i64,
    pub pool_idle: i64,
    pub pool_max: i64,
    /// Each table's waiting rows while the export is on; empty while it is off.
    pub backlog: Vec<(String, i64)>,
    pub export_last_success: Option<i64>,
}

/// The registry as OpenMetrics text, with `scraped`'s values.
pub fn render(scraped: &Scraped) -> String {
    let m = &*METRICS;
    m.sessions.set(scraped.sessions);
    for (state, value) in [
        ("in_use", scraped.pool_in_use),
        ("idle", scraped.pool_idle),
        ("max", scraped.pool_max),
    ] {
        m.pool
            .get_or_create(&Pool {
                state: state.into(),
            })
            .set(value);
    }
    // A table no longer reported (the export switched off) must not keep its last value.
    m.backlog.clear();
    for (table, rows) in &scraped.backlog {
        m.backlog
            .get_or_create(&Table {
                table: table.clone(),
            })
            .set(*rows);
    }
    m.export_success
        .set(scraped.export_last_success.unwrap_or(0));
    let mut text = String::new();
    // Writing into a String cannot fail.
    prometheus_client::encoding::text::encode(&mut text, &m.registry)
        .expect("metrics encode into a String");
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_text_names_each_family_with_its_labels() {
        http_request("/api/overview", "POST", 200, Duration::from_millis(3));
        sync_finished("ok", Duration::from_millis(400));
        graph_error("rate_limited", Some(4));
        graph_usage(7, 81.5);
        let text = render(&Scraped {
            sessions: 3,
            pool_in_use: 1,
            pool_idle: 4,
            pool_max: 16,
            backlog: vec![("media".into(), 12)],
            export_last_success: Some(1_700_000_000),
        });
        for line in [
            r#"instalytics_http_requests_total{route="/api/overview",method="POST",status="200"} "#,
            r#"instalytics_http_request_duration_seconds_count{route="/api/overview",method="POST"} "#,
            r#"instalytics_syncs_total{outcome="ok"} "#,
            r#"instalytics_graph_errors_total{kind="rate_limited",code="4"} "#,
            r#"instalytics_graph_usage_percent{account="7"} 81.5"#,
            "instalytics_sessions 3",
            r#"instalytics_db_connections{state="max"} 16"#,
            r#"instalytics_export_backlog_rows{table="media"} 12"#,
            "instalytics_export_last_success_timestamp_seconds 1700000000",
        ] {
            assert!(text.contains(line), "{line} missing from:\n{text}");
        }
        assert!(text.ends_with("# EOF\n"));
        let off = render(&Scraped::default());
        assert!(!off.contains("export_backlog_rows{"));
    }
}
