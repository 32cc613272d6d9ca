//! Every outbound client against a hostile server, over real HTTP: one that never answers
//! (the client gives up after its timeout), one that sends an endless body (refused at the
//! cap, having read little more than the cap), and one whose `next` never ends or repeats a
//! cursor (refused at the page cap). Graph API, the OAuth code exchange, Google's token
//! exchange and BigQuery. The simulator only plays what Meta documents; these misbehaviours
//! are not, so they live in a small server here.

mod common;

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use app::dto::{SyncOutcome, SyncRunView};
use axum::body::Body;
use axum::extract::State;
use axum::http::Uri;
use axum::response::{IntoResponse, Response};
use axum::Router;
use common::{bq, Db, TestServer};
use server::crypto::{Cipher, MasterKey};
use server::dev::graph_sim::{SimConfig, SimServer, Simulator};
use server::export::bigquery::BqError;
use server::export::pipeline::Exporter;
use server::export::token::TokenError;
use server::graph::oauth::CodeExchange;
use server::graph::retry::RetryPolicy;
use server::graph::transport::{Endless, BODY_LIMIT, MAX_PAGES, TOKEN_BODY_LIMIT};
use server::graph::{AccessToken, Flavour, GraphClient, GraphConfig, GraphError};
use server::store::entities::export_config::{self, KEY_CONTEXT};
use tokio::io::AsyncWriteExt;

/// What the endless body sends before giving up itself: four times the Graph cap, so a client
/// without a cap reads all of it (and fails some other way) rather than running out of memory.
const HUGE: u64 = 64 << 20;
const MIB: u64 = 1 << 20;
/// How long a test waits before calling a client stuck.
const STUCK: Duration = Duration::from_secs(30);

/// The hostile server. The first path segment picks the misbehaviour: `silent` never
/// answers, `huge` streams [`HUGE`] bytes, `endless` pages forever with a new cursor each
/// time, `repeat` pages forever with the same cursor, `ok` grants a Google access token.
struct Hostile {
    addr: SocketAddr,
    shared: Arc<Shared>,
}

#[derive(Default)]
struct Shared {
    addr: std::sync::OnceLock<SocketAddr>,
    /// Where `sim` forwards to: a Graph API simulator.
    upstream: std::sync::OnceLock<String>,
    requests: AtomicU64,
    /// Bytes of `huge` bodies handed to the connection so far.
    sent: AtomicU64,
}

impl Hostile {
    async fn start() -> Self {
        let shared = Arc::new(Shared::default());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        shared.addr.set(addr).unwrap();
        let app = Router::new().fallback(answer).with_state(shared.clone());
        tokio::spawn(async move { axum::serve(listener, app).await });
        Self { addr, shared }
    }

    /// Puts this server in front of the simulator at `sim` (mode `sim`): everything is
    /// forwarded but the media edge, whose paging never ends.
    fn front(&self, sim: &SimServer) {
        self.shared
            .upstream
            .set(format!("http://{}", sim.addr))
            .unwrap();
    }

    fn url(&self, mode: &str) -> String {
        format!("http://{}/{mode}", self.addr)
    }

    fn requests(&self) -> u64 {
        self.shared.requests.load(Ordering::Relaxed)
    }

    fn sent(&self) -> u64 {
        self.shared.sent.load(Ordering::Relaxed)
    }

    /// A Graph client whose every root is `mode`, patient for `timeout` per request.
    fn graph(&self, mode: &str, flavour: Flavour, timeout: Duration) -> GraphClient {
        let base = format!("{}/v25.0", self.url(mode));
        let config = GraphConfig {
            instagram_base: base.clone(),
            instagram_root: self.url(mode),
            facebook_base: base,
            timeout,
            retry: RetryPolicy {
                max_retries: 2,
                base: Duration::from_millis(5),
                cap: Duration::from_millis(20),
            },
            ..GraphConfig::meta("v25.0")
        };
        GraphClient::new(
            reqwest::Client::new(),
            Arc::new(config),
            flavour,
            AccessToken::new("IGAAhostile-test-token"),
        )
    }

    /// An exporter whose BigQuery is `api` and whose Google token endpoint is `token`.
    async fn exporter(&self, api: &str, token: &str, timeout: Duration) -> Exporter {
        let cipher = Cipher::new(MasterKey::generate());
        let row = export_config::Model {
            id: 1,
            enabled: true,
            project: Some(bq::PROJECT.into()),
            dataset: Some("hostile".into()),
            location: Some(bq::LOCATION.into()),
            sealed_key: Some(cipher.seal(&bq::key().0, KEY_CONTEXT)),
            key_email: Some(bq::EMAIL.into()),
            last_success_at: None,
            last_error: None,
            last_error_at: None,
            failing_since: None,
        };
        let db = server::db::open("sqlite::memory:").await.unwrap();
        let config = server::export::BigQueryConfig {
            timeout,
            ..bq::config(&self.url(api), &format!("{}/token", self.url(token)), 100)
        };
        Exporter::from_config(db, &row, &cipher, reqwest::Client::new(), &config).unwrap()
    }
}

async fn answer(State(shared): State<Arc<Shared>>, uri: Uri) -> Response {
    let n = shared.requests.fetch_add(1, Ordering::Relaxed);
    let path = uri.path().to_owned();
    let mode = path.trim_start_matches('/').split('/').next().unwrap_or("");
    let page = |cursor: String| {
        let addr = shared.addr.get().unwrap();
        // One body for both paging shapes: Graph's `paging` and BigQuery's `nextPageToken`.
        axum::Json(serde_json::json!({
            "data": [],
            "paging": {
                "cursors": { "after": cursor },
                "next": format!("http://{addr}{path}?after={cursor}"),
            },
            "tables": [],
            "nextPageToken": cursor,
        }))
        .into_response()
    };
    match mode {
        "silent" => std::future::pending().await,
        "huge" => {
            let (mut writer, reader) = tokio::io::duplex(64 * 1024);
            let shared = shared.clone();
            tokio::spawn(async move {
                let chunk = vec![b' '; 64 * 1024];
                while shared.sent.load(Ordering::Relaxed) < HUGE {
                    // Fails once the client hangs up.
                    if writer.write_all(&chunk).await.is_err() {
                        return;
                    }
                    shared.sent.fetch_add(chunk.len() as u64, Ordering::Relaxed);
                }
            });
            Body::from_stream(tokio_util::io::ReaderStream::new(reader)).into_response()
        }
        "endless" => page(format!("c{n}")),
        "sim" if path.ends_with("/media") => page(format!("c{n}")),
        "sim" => {
            let upstream = shared.upstream.get().unwrap();
            let query = uri.query().map(|q| format!("?{q}")).unwrap_or_default();
            let res = reqwest::get(format!("{upstream}{}{query}", &path["/sim".len()..]))
                .await
                .unwrap();
            let status = axum::http::StatusCode::from_u16(res.status().as_u16()).unwrap();
            (status, res.bytes().await.unwrap()).into_response()
        }
        "repeat" => page("c0".into()),
        "ok" => axum::Json(serde_json::json!({
            "access_token": "ya29.hostile",
            "expires_in": 3600,
            "token_type": "Bearer",
        }))
        .into_response(),
        _ => axum::http::StatusCode::NOT_FOUND.into_response(),
    }
}

/// Runs `f`, failing the test if it is still running after [`STUCK`]; returns its output and
/// how long it took.
async fn timed<T>(f: impl std::future::Future<Output = T>) -> (T, Duration) {
    let started = Instant::now();
    let out = tokio::time::timeout(STUCK, f)
        .await
        .expect("the client is stuck: no timeout or cap stopped it");
    (out, started.elapsed())
}

#[tokio::test]
async fn graph_gives_up_on_a_silent_server_after_its_timeout() {
    let hostile = Hostile::start().await;
    let client = hostile.graph(
        "silent",
        Flavour::InstagramLogin,
        Duration::from_millis(300),
    );
    let (result, took) = timed(client.profile("17841400000000001")).await;
    let err = result.unwrap_err();
    assert!(
        matches!(&err, GraphError::Transient(m) if m.contains("timed out")),
        "{err:?}"
    );
    // Three attempts (two retries) of 300 ms each, plus small backoffs.
    assert_eq!(hostile.requests(), 3);
    assert!(
        took >= Duration::from_millis(900) && took < Duration::from_secs(3),
        "{took:?}"
    );
    eprintln!("FIGURE graph silent server: gave up after {took:?} (3 attempts x 300 ms)");
}

#[tokio::test]
async fn graph_refuses_an_endless_body_at_the_cap() {
    let hostile = Hostile::start().await;
    let client = hostile.graph("huge", Flavour::InstagramLogin, Duration::from_secs(20));
    let (result, took) = timed(client.profile("17841400000000001")).await;
    let err = result.unwrap_err();
    assert_eq!(err, GraphError::TooLarge { limit: BODY_LIMIT });
    assert!(err.to_string().contains("larger than 16 MiB"), "{err}");
    assert_eq!(hostile.requests(), 1, "not worth retrying");
    let sent = hostile.sent();
    // What the client read plus what the socket buffers held when it hung up: at most the
    // kernel's largest receive and send buffers (Linux autotunes loopback sockets up to them;
    // 32 MiB and 4 MiB here), far from the endless stream.
    let buffers = socket_buffer_max("tcp_rmem") + socket_buffer_max("tcp_wmem");
    assert!(
        sent < 16 * MIB + buffers,
        "{sent} bytes sent before the refusal"
    );
    eprintln!(
        "FIGURE graph endless body: refused after {took:?}, {:.1} MiB sent by the server",
        sent as f64 / MIB as f64
    );
}

#[tokio::test]
async fn graph_paging_that_never_ends_stops_at_the_page_cap() {
    let hostile = Hostile::start().await;
    let client = hostile.graph("endless", Flavour::InstagramLogin, Duration::from_secs(5));
    let since = time::OffsetDateTime::UNIX_EPOCH;
    let (result, took) = timed(client.media_since("17841400000000001", since)).await;
    let err = result.unwrap_err();
    assert!(
        matches!(&err, GraphError::EndlessPaging { edge, why: Endless::TooManyPages } if edge.ends_with("/media")),
        "{err:?}"
    );
    assert!(
        err.to_string().contains("stopped after 1000 pages"),
        "{err}"
    );
    assert_eq!(hostile.requests(), MAX_PAGES as u64);
    eprintln!("FIGURE graph endless paging: stopped after 1000 pages in {took:?}");
}

#[tokio::test]
async fn graph_paging_that_repeats_a_cursor_stops_at_once() {
    let hostile = Hostile::start().await;
    // The media edge follows `after` cursors.
    let client = hostile.graph("repeat", Flavour::InstagramLogin, Duration::from_secs(5));
    let since = time::OffsetDateTime::UNIX_EPOCH;
    let (result, _) = timed(client.media_since("17841400000000001", since)).await;
    let err = result.unwrap_err();
    let repeated = |e: &GraphError| {
        matches!(
            e,
            GraphError::EndlessPaging {
                why: Endless::RepeatedCursor,
                ..
            }
        )
    };
    assert!(repeated(&err), "{err:?}");
    assert!(err.to_string().contains("repeats a cursor"), "{err}");
    assert_eq!(hostile.requests(), 2);
    // Facebook Login's page list follows `next` URLs.
    let client = hostile.graph("repeat", Flavour::FacebookLogin, Duration::from_secs(5));
    let (result, _) = timed(client.facebook_pages()).await;
    let err = result.unwrap_err();
    assert!(repeated(&err), "{err:?}");
    assert_eq!(hostile.requests(), 4);
    assert!(!err.to_string().contains("IGAAhostile"), "{err}");
}

#[tokio::test]
async fn the_oauth_code_exchange_refuses_an_endless_answer() {
    let hostile = Hostile::start().await;
    let url = format!("{}/oauth/access_token", hostile.url("huge"));
    let exchange = CodeExchange {
        token_url: &url,
        app_id: "1234",
        app_secret: "0123456789abcdef0123456789abcdef",
        redirect_uri: "http://127.0.0.1/oauth/instagram/callback",
    };
    let (result, _) = timed(exchange.exchange(&reqwest::Client::new(), "code")).await;
    let err = result.unwrap_err();
    assert_eq!(
        err,
        GraphError::TooLarge {
            limit: TOKEN_BODY_LIMIT
        }
    );
    assert!(err.to_string().contains("larger than 1 MiB"), "{err}");
    let sent = hostile.sent();
    assert!(sent < MIB + 8 * MIB, "{sent} bytes sent before the refusal");
    eprintln!(
        "FIGURE oauth endless answer: {:.1} MiB sent by the server before the refusal",
        sent as f64 / MIB as f64
    );
}

#[tokio::test]
async fn googles_token_exchange_gives_up_after_the_bigquery_timeout() {
    let hostile = Hostile::start().await;
    let exporter = hostile
        .exporter("ok", "silent", Duration::from_millis(500))
        .await;
    let (result, took) = timed(exporter.bigquery().dataset("hostile")).await;
    let err = result.unwrap_err();
    assert!(
        matches!(&err, BqError::Token(TokenError::Unreachable(text)) if text.contains("timed out")),
        "{err:?}"
    );
    assert!(took < Duration::from_secs(3), "{took:?}");
    eprintln!(
        "FIGURE google token exchange, silent server: gave up after {took:?} (timeout 500 ms)"
    );
}

#[tokio::test]
async fn googles_token_answer_and_bigquerys_answers_are_capped() {
    let hostile = Hostile::start().await;
    let exporter = hostile
        .exporter("ok", "huge", Duration::from_secs(20))
        .await;
    let (result, _) = timed(exporter.bigquery().dataset("hostile")).await;
    let err = result.unwrap_err();
    assert!(
        matches!(err, BqError::Token(TokenError::TooLarge(TOKEN_BODY_LIMIT))),
        "{err:?}"
    );
    assert!(!err.is_transient(), "an endless answer is not retried");
    assert!(err.to_string().contains("larger than 1 MiB"), "{err}");
    let token_sent = hostile.sent();
    assert!(token_sent < MIB + 8 * MIB, "{token_sent}");

    let exporter = hostile
        .exporter("huge", "ok", Duration::from_secs(20))
        .await;
    let (result, _) = timed(exporter.bigquery().dataset("hostile")).await;
    let err = result.unwrap_err();
    assert!(matches!(err, BqError::Protocol(_)), "{err:?}");
    assert!(err.to_string().contains("larger than 16 MiB"), "{err}");
    let bq_sent = hostile.sent() - token_sent;
    assert!(bq_sent < 16 * MIB + 8 * MIB, "{bq_sent}");
    eprintln!(
        "FIGURE google token endless answer: {:.1} MiB sent; BigQuery endless answer: {:.1} MiB sent",
        token_sent as f64 / MIB as f64,
        bq_sent as f64 / MIB as f64
    );
}

#[tokio::test]
async fn bigquerys_table_listing_stops_when_its_page_token_repeats_or_never_ends() {
    let hostile = Hostile::start().await;
    let exporter = hostile
        .exporter("repeat", "ok", Duration::from_secs(5))
        .await;
    let (result, _) = timed(exporter.bigquery().list_tables("hostile")).await;
    let err = result.unwrap_err();
    assert!(err.to_string().contains("repeats a cursor"), "{err:?}");
    let exporter = hostile
        .exporter("endless", "ok", Duration::from_secs(5))
        .await;
    let before = hostile.requests();
    let (result, _) = timed(exporter.bigquery().list_tables("hostile")).await;
    let err = result.unwrap_err();
    assert!(err.to_string().contains("1000 pages"), "{err:?}");
    // One token exchange, then the pages.
    assert_eq!(hostile.requests() - before, 1 + 1000);
}

/// The poller meets an edge that never ends: the sync fails after the page cap, and the Sync
/// log (as a viewer reads it) says which bound stopped it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sync_log_says_which_bound_stopped_a_sync() {
    let sim = Simulator::new(SimConfig {
        accounts: 1,
        media_per_account: 5,
        start: time::OffsetDateTime::now_utc(),
        ..SimConfig::default()
    });
    let sim_server = sim.serve("127.0.0.1:0".parse().unwrap()).await.unwrap();
    let hostile = Hostile::start().await;
    hostile.front(&sim_server);
    let flags = [
        "--instagram-graph-url".to_owned(),
        format!("{}/instagram", hostile.url("sim")),
        "--facebook-graph-url".to_owned(),
        format!("{}/facebook", hostile.url("sim")),
    ];
    let server = TestServer::start_with(Db::Sqlite, &flags).await.unwrap();
    let admin = server.admin("admin", "correct horse battery").await;
    common::connect(&admin, &sim.accounts()[0]).await;
    let deadline = Instant::now() + STUCK;
    let run = loop {
        let runs: Vec<SyncRunView> = admin.ok("sync/runs", &[]).await;
        if let Some(run) = runs.into_iter().find(|r| r.outcome != SyncOutcome::Running) {
            break run;
        }
        assert!(Instant::now() < deadline, "no sync finished");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(run.outcome, SyncOutcome::Failed, "{run:?}");
    let error = run.error.unwrap_or_default();
    assert!(
        error.contains("/media did not end: stopped after 1000 pages"),
        "{error}"
    );
    eprintln!("FIGURE sync log after an endless media edge: {error}");
    server.stop().await;
    sim_server.stop().await;
}

/// The largest buffer Linux gives a TCP socket (`net.ipv4.tcp_rmem` or `tcp_wmem`, third
/// figure); 8 MiB where it cannot be read.
fn socket_buffer_max(name: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/sys/net/ipv4/{name}"))
        .ok()
        .and_then(|s| s.split_whitespace().nth(2)?.parse().ok())
        .unwrap_or(8 * MIB)
}
