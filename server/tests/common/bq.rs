//! BigQuery fixtures: the local emulator (PyPI's bqemulator, started by scripts/test and
//! named by `INSTALYTICS_TEST_BQ`), a fresh dataset per test, the token endpoint stand-in
//! with a service-account key generated for the run, and a fault-injecting proxy in front
//! of the emulator (outages, lost answers, refusals).

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{Request, StatusCode};
use axum::response::{IntoResponse, Response};
use rsa::RsaPublicKey;
use serde_json::{json, Value};
use server::dev::token_sim::TokenSim;
use server::export::BigQueryConfig;
use server::graph::retry::RetryPolicy;

pub const PROJECT: &str = "instalytics-test";
pub const LOCATION: &str = "US";
pub const EMAIL: &str = "exporter@instalytics-test.iam.gserviceaccount.com";

/// The emulator's root URL, or `None` (after saying why) when BigQuery tests are skipped.
pub fn emulator() -> Option<String> {
    match std::env::var("INSTALYTICS_TEST_BQ") {
        Ok(url) if !url.is_empty() => Some(url),
        _ => {
            assert!(
                std::env::var("INSTALYTICS_REQUIRE_BQ").is_err(),
                "INSTALYTICS_REQUIRE_BQ is set but INSTALYTICS_TEST_BQ is not"
            );
            eprintln!("SKIPPED: BigQuery test (scripts/test starts the emulator and sets INSTALYTICS_TEST_BQ)");
            None
        }
    }
}

/// A key file generated once per test binary: no key is ever committed.
pub fn key() -> &'static (String, RsaPublicKey) {
    static KEY: OnceLock<(String, RsaPublicKey)> = OnceLock::new();
    KEY.get_or_init(|| key_for(EMAIL))
}

pub fn key_for(email: &str) -> (String, RsaPublicKey) {
    server::dev::token_sim::new_key_file(email, PROJECT)
}

/// The token endpoint stand-in, accepting [`key`]; returns it with its URL.
pub async fn google() -> (TokenSim, String) {
    let sim = TokenSim::default();
    sim.allow(EMAIL, key().1.clone());
    let url = sim.serve().await.unwrap();
    (sim, url)
}

static NEXT: AtomicU32 = AtomicU32::new(0);

/// Creates an empty dataset for one test.
pub async fn fresh_dataset(emulator: &str) -> String {
    let name = format!(
        "t_{}_{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    );
    let res = reqwest::Client::new()
        .post(format!(
            "{emulator}/bigquery/v2/projects/{PROJECT}/datasets"
        ))
        .json(&json!({
            "datasetReference": { "projectId": PROJECT, "datasetId": name },
            "location": LOCATION,
        }))
        .send()
        .await
        .unwrap();
    assert!(res.status().is_success(), "{}", res.text().await.unwrap());
    name
}

/// Runs SQL on the emulator directly (not through the code under test); returns the rows.
pub async fn query(emulator: &str, sql: &str) -> Vec<Vec<Option<String>>> {
    let answer: Value = reqwest::Client::new()
        .post(format!("{emulator}/bigquery/v2/projects/{PROJECT}/queries"))
        .json(&json!({ "query": sql, "useLegacySql": false }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(answer.get("errors").is_none(), "{sql}: {answer}");
    answer["rows"]
        .as_array()
        .unwrap_or(&Vec::new())
        .iter()
        .map(|r| {
            r["f"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c["v"].as_str().map(str::to_owned))
                .collect()
        })
        .collect()
}

/// Exporter settings pointing at `api` (the emulator or a proxy in front of it); quick
/// retries so fault tests stay short.
pub fn config(api: &str, token_url: &str, batch_rows: u64) -> BigQueryConfig {
    BigQueryConfig {
        api_url: api.to_owned(),
        token_url: token_url.to_owned(),
        timeout: Duration::from_secs(30),
        batch_rows,
        retry: RetryPolicy {
            max_retries: 2,
            base: Duration::from_millis(20),
            cap: Duration::from_millis(100),
        },
        staging_max_age: Duration::from_secs(3_600),
    }
}

/// What the proxy does to a matching request.
#[derive(Clone, Copy, Debug)]
pub enum Fault {
    /// Answers this status without forwarding (the request never reaches BigQuery).
    Refuse(u16),
    /// Forwards, then answers 503 instead of BigQuery's answer: the work was done but the
    /// client cannot know (a timeout or crash at the worst moment).
    LoseAnswer,
}

struct Rule {
    /// Substring of "METHOD path?query body".
    needle: String,
    skip: usize,
    times: usize,
    fault: Fault,
}

#[derive(Default)]
struct ProxyState {
    target: String,
    rules: Mutex<Vec<Rule>>,
    /// Every request is refused with 503, as if the emulator were stopped.
    down: Mutex<bool>,
    seen: Mutex<Vec<String>>,
}

/// A proxy in front of the emulator that injects faults.
#[derive(Clone)]
pub struct FaultProxy {
    state: Arc<ProxyState>,
    pub url: String,
}

impl FaultProxy {
    pub async fn start(target: &str) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let state = Arc::new(ProxyState {
            target: target.to_owned(),
            ..ProxyState::default()
        });
        let app = axum::Router::new()
            .fallback(forward)
            .with_state(state.clone());
        tokio::spawn(async move { axum::serve(listener, app).await });
        Self { state, url }
    }

    /// After `skip` matching requests, the next `times` get `fault`.
    pub fn fault(&self, needle: &str, skip: usize, times: usize, fault: Fault) {
        self.state.rules.lock().unwrap().push(Rule {
            needle: needle.to_owned(),
            skip,
            times,
            fault,
        });
    }

    pub fn set_down(&self, down: bool) {
        *self.state.down.lock().unwrap() = down;
    }

    /// How many requests so far contained `needle`.
    pub fn seen(&self, needle: &str) -> usize {
        let seen = self.state.seen.lock().unwrap();
        seen.iter().filter(|r| r.contains(needle)).count()
    }
}

async fn forward(State(state): State<Arc<ProxyState>>, request: Request<Body>) -> Response {
    let (parts, body) = request.into_parts();
    let body: Bytes = axum::body::to_bytes(body, usize::MAX).await.unwrap();
    let path = parts
        .uri
        .path_and_query()
        .map(|p| p.as_str())
        .unwrap_or("/");
    let described = format!("{} {path} {}", parts.method, String::from_utf8_lossy(&body));
    state.seen.lock().unwrap().push(described.clone());
    if *state.down.lock().unwrap() {
        return (StatusCode::SERVICE_UNAVAILABLE, "emulator stopped").into_response();
    }
    let fault = {
        let mut rules = state.rules.lock().unwrap();
        rules.iter_mut().find_map(|r| {
            if !described.contains(&r.needle) {
                return None;
            }
            if r.skip > 0 {
                r.skip -= 1;
                return None;
            }
            if r.times == 0 {
                return None;
            }
            r.times -= 1;
            Some(r.fault)
        })
    };
    if let Some(Fault::Refuse(status)) = fault {
        let body = json!({ "error": { "code": status, "message": format!("injected {status}"),
            "errors": [{ "reason": if status == 403 { "accessDenied" } else { "backendError" } }] } });
        return (StatusCode::from_u16(status).unwrap(), axum::Json(body)).into_response();
    }
    let mut outgoing =
        reqwest::Client::new().request(parts.method.clone(), format!("{}{path}", state.target));
    for (name, value) in parts.headers.iter() {
        if name != "host" && name != "content-length" {
            outgoing = outgoing.header(name, value);
        }
    }
    let answer = match outgoing.body(body).send().await {
        Ok(a) => a,
        Err(e) => return (StatusCode::BAD_GATEWAY, e.to_string()).into_response(),
    };
    let status = answer.status();
    let bytes = answer.bytes().await.unwrap_or_default();
    if matches!(fault, Some(Fault::LoseAnswer)) {
        return (StatusCode::SERVICE_UNAVAILABLE, "answer lost").into_response();
    }
    (status, [("content-type", "application/json")], bytes).into_response()
}
