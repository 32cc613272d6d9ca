//! What a browser is told to refuse and what the server refuses itself, over real HTTP: the
//! Content Security Policy (a fresh nonce per page, on every inline script), HSTS, the origin
//! check on writes, the OAuth callback's error codes, and the Graph API's URLs, which a sync
//! keeps only on Meta's hosts (pictures also on the Graph API's own origin). Also what travels:
//! static files precompressed or compressed on the fly, pages compressed, and how long
//! browsers keep each.

mod common;

use app::dto::AccountSummary;
use app::routes::accounts::OAuthError;
use common::world::{SyncWorld, PASSWORD};
use common::{Api, Db, TestServer};
use reqwest::header::{
    HeaderMap, ACCEPT_ENCODING, CACHE_CONTROL, CONTENT_ENCODING, CONTENT_SECURITY_POLICY,
    CONTENT_TYPE, STRICT_TRANSPORT_SECURITY, VARY,
};
use reqwest::StatusCode;
use server::dev::graph_sim::{Flavour, SimConfig};

/// GETs `path` as a browser loads a page; returns the headers and the HTML.
async fn html(api: &Api, path: &str) -> (HeaderMap, String) {
    let res = api
        .http
        .get(format!("{}{path}", api.base))
        .header("accept", "text/html")
        .send()
        .await
        .unwrap();
    let headers = res.headers().clone();
    let content_type = headers[CONTENT_TYPE].to_str().unwrap();
    assert!(
        content_type.starts_with("text/html"),
        "{path}: {content_type}"
    );
    (headers, res.text().await.unwrap())
}

/// The nonce a page's Content Security Policy allows scripts by.
fn csp_nonce(path: &str, headers: &HeaderMap) -> String {
    let csp = headers
        .get(CONTENT_SECURITY_POLICY)
        .unwrap_or_else(|| panic!("{path}: no Content-Security-Policy"))
        .to_str()
        .unwrap();
    let (_, rest) = csp
        .split_once("'nonce-")
        .unwrap_or_else(|| panic!("{path}: no nonce in {csp}"));
    let nonce = &rest[..rest.find('\'').unwrap()];
    assert!(nonce.len() >= 16, "{path}: a short nonce: {nonce}");
    for directive in [
        "default-src 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "connect-src 'self'",
        "'wasm-unsafe-eval'",
    ] {
        assert!(
            csp.contains(directive),
            "{path}: {directive} missing: {csp}"
        );
    }
    assert!(!csp.contains("script-src 'self' 'unsafe-inline'"), "{csp}");
    nonce.to_owned()
}

/// Every `<script` tag of `body` (how many) carries `nonce`.
fn scripts_carry(path: &str, body: &str, nonce: &str) -> usize {
    let tags: Vec<&str> = body
        .match_indices("<script")
        .map(|(at, _)| &body[at..at + body[at..].find('>').unwrap()])
        .collect();
    for tag in &tags {
        assert!(
            tag.contains(&format!("nonce=\"{nonce}\"")),
            "{path}: a script without this response's nonce: {tag}"
        );
    }
    tags.len()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_page_names_a_fresh_nonce_that_each_inline_script_carries() {
    let Some(server) = TestServer::start(Db::Sqlite).await else {
        return;
    };
    let anonymous = server.client();
    let setup = format!("/setup?token={}", server.setup_token());
    for path in ["/login", "/privacy", setup.as_str()] {
        let (headers, body) = html(&anonymous, path).await;
        let nonce = csp_nonce(path, &headers);
        assert!(
            scripts_carry(path, &body, &nonce) >= 1,
            "{path}: hydration script"
        );
    }
    let admin = server.admin("admin", PASSWORD).await;
    let pages = [
        "/",
        "/posts",
        "/hashtags",
        "/best-time",
        "/accounts",
        "/sync-log",
        "/users",
        "/settings",
        "/no-such-page",
    ];
    for path in pages {
        let (headers, body) = html(&admin, path).await;
        let nonce = csp_nonce(path, &headers);
        assert!(
            scripts_carry(path, &body, &nonce) >= 1,
            "{path}: hydration script"
        );
        let (again, _) = html(&admin, path).await;
        assert_ne!(
            csp_nonce(path, &again),
            nonce,
            "{path}: the nonce is reused"
        );
        assert!(
            headers.get(STRICT_TRANSPORT_SECURITY).is_none(),
            "{path}: HSTS over plain HTTP"
        );
    }
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hsts_is_sent_only_with_secure_cookies() {
    let Some(server) = TestServer::start_with(Db::Sqlite, &["--secure-cookies".into()]).await
    else {
        return;
    };
    let (headers, _) = html(&server.client(), "/login").await;
    assert_eq!(
        headers[STRICT_TRANSPORT_SECURITY],
        "max-age=31536000; includeSubDomains"
    );
    server.stop().await;
}

/// The status of `POST /api/whoami` (open to anyone) sent with `headers`.
async fn write_with(server: &TestServer, headers: &[(&str, &str)]) -> StatusCode {
    let mut req = server
        .client()
        .http
        .post(format!("{}/api/whoami", server.base));
    for (name, value) in headers {
        req = req.header(*name, *value);
    }
    req.send().await.unwrap().status()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writes_from_another_site_are_refused() {
    let Some(server) = TestServer::start(Db::Sqlite).await else {
        return;
    };
    let own = server.base.clone();
    assert_eq!(write_with(&server, &[]).await, StatusCode::OK, "no browser");
    assert_eq!(
        write_with(&server, &[("origin", &own)]).await,
        StatusCode::OK
    );
    let same = [("origin", own.as_str()), ("sec-fetch-site", "same-origin")];
    assert_eq!(write_with(&server, &same).await, StatusCode::OK);
    for refused in [
        vec![("origin", "http://evil.test")],
        vec![("sec-fetch-site", "cross-site")],
        // A browser that names our origin but says the request came from another site.
        vec![("origin", own.as_str()), ("sec-fetch-site", "cross-site")],
    ] {
        assert_eq!(
            write_with(&server, &refused).await,
            StatusCode::FORBIDDEN,
            "{refused:?}"
        );
    }
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_a_public_url_writes_come_from_that_origin_only() {
    let flags = ["--public-url".into(), "https://ig.example.com/".into()];
    let Some(server) = TestServer::start_with(Db::Sqlite, &flags).await else {
        return;
    };
    let public = [("origin", "https://ig.example.com")];
    assert_eq!(write_with(&server, &public).await, StatusCode::OK);
    // The Host header is whatever the client sent; the configured address is not.
    let host = server.base.clone();
    for refused in [
        host.as_str(),
        "http://ig.example.com",
        "https://ig.example.com:8443",
    ] {
        assert_eq!(
            write_with(&server, &[("origin", refused)]).await,
            StatusCode::FORBIDDEN,
            "{refused}"
        );
    }
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oauth_failures_come_back_as_codes_shown_in_fixed_words() {
    let flags = [
        "--instagram-app-id",
        "990011",
        "--instagram-app-secret",
        "0123456789abcdef0123456789abcdef",
        // Nothing listens there: the code exchange fails.
        "--instagram-token-url",
        "http://127.0.0.1:1/oauth/access_token",
    ]
    .map(String::from);
    let Some(server) = TestServer::start_with(Db::Sqlite, &flags).await else {
        return;
    };
    let admin = server.admin_without_redirects("admin", PASSWORD).await;
    let callback = |query: String| format!("{}/oauth/instagram/callback?{query}", server.base);
    // A fresh state from "Connect with Instagram", as Instagram would send it back.
    let started = || async {
        let authorize = admin
            .location(&format!("{}/oauth/instagram/start", server.base))
            .await;
        let url = reqwest::Url::parse(&authorize).unwrap();
        let state = url.query_pairs().find(|(k, _)| k == "state").unwrap().1;
        state.into_owned()
    };
    let lure = "Call%20%2B1%20555%200100%20to%20restore%20access";
    // Each callback but the forged one carries the state its own start just issued.
    for (query, expected) in [
        ("code=AQx&state=forged".to_owned(), OAuthError::State),
        (
            format!("error=access_denied&error_description={lure}&state=STATE"),
            OAuthError::Denied,
        ),
        ("state=STATE".to_owned(), OAuthError::NoCode),
        ("code=AQx%23_&state=STATE".to_owned(), OAuthError::Exchange),
    ] {
        let query = if query.contains("STATE") {
            query.replace("STATE", &started().await)
        } else {
            query
        };
        let url = callback(query);
        let back = admin.location(&url).await;
        assert_eq!(back, format!("/accounts?oauth_error={}", expected.code()));
        let (status, page) = admin.page(&back).await;
        assert_eq!(status, StatusCode::OK);
        assert!(page.contains(expected.message()), "{back}: {page}");
    }

    // A link with words of its own: the page shows the generic failure, not them.
    let (_, page) = admin.page(&format!("/accounts?oauth_error={lure}")).await;
    assert!(page.contains(OAuthError::Failed.message()));
    assert!(!page.contains("555 0100"), "{page}");
    let (_, page) = admin.page(&format!("/accounts?connected={lure}")).await;
    assert!(page.contains("Connected. Its first sync starts now."));
    assert!(!page.contains("555 0100"), "{page}");
    server.stop().await;
}

/// How many of the account's media have a permalink or a picture, and how many of those are
/// not on Meta's hosts.
async fn links(w: &SyncWorld, id: i64) -> (i64, i64) {
    let kept = w
        .server
        .count(&format!(
            "SELECT COUNT(*) FROM media WHERE account_id = {id} \
             AND (permalink IS NOT NULL OR thumbnail_url IS NOT NULL)"
        ))
        .await;
    let foreign = w
        .server
        .count(&format!(
            "SELECT COUNT(*) FROM media WHERE account_id = {id} \
             AND (permalink NOT LIKE 'https://www.instagram.com/p/%' \
                  OR thumbnail_url NOT LIKE 'https://scontent-%.cdninstagram.com/%')"
        ))
        .await;
    (kept, foreign)
}

async fn picture(w: &SyncWorld, id: i64) -> Option<String> {
    w.server
        .scalar::<Option<String>>(&format!(
            "SELECT profile_picture_url FROM accounts WHERE id = {id}"
        ))
        .await
}

async fn graph_urls_off_meta_hosts_are_stored_as_absent(db: Db) {
    let config = SimConfig {
        accounts: 2,
        media_per_account: 6,
        ..SimConfig::default()
    };
    let Some(w) = SyncWorld::start(db, config, &[]).await else {
        return;
    };
    let id = common::connect(&w.admin, &w.account(Flavour::InstagramLogin)).await;
    assert_eq!(w.finished_runs(id, 1).await, "ok");
    let (kept, foreign) = links(&w, id).await;
    assert!(
        kept >= 6,
        "the simulator's Meta-shaped URLs are kept: {kept}"
    );
    assert_eq!(foreign, 0);
    assert!(picture(&w, id)
        .await
        .is_some_and(|p| p.starts_with("https://scontent-")));

    let hostile = [
        "javascript:alert(1)",
        "http://scontent-iad3-1.cdninstagram.com/v/t51.2885-19/1_n.jpg",
        "https://evil.test/p/x/",
    ];
    let mut runs = 1;
    for url in hostile {
        w.sim.faults().serve_links(Some(url));
        w.request_sync(id).await;
        runs += 1;
        assert_eq!(w.finished_runs(id, runs).await, "ok", "{url}");
        assert_eq!(links(&w, id).await.0, 0, "{url} stored");
        assert_eq!(picture(&w, id).await, None, "{url} stored");
        // Back to Meta's own URLs, so the next case starts from links that are kept.
        w.sim.faults().serve_links(None);
        w.request_sync(id).await;
        runs += 1;
        assert_eq!(w.finished_runs(id, runs).await, "ok");
        assert!(links(&w, id).await.0 >= 6);
    }

    // Pictures on the Graph API's own origin, where the simulator serves its own, are kept
    // (links are not: they go to Instagram), and pages let images load from there; the same
    // server under another name is refused.
    let origin = format!("http://{}", w.sim_server.addr);
    let own = format!("{origin}/pictures/1.svg");
    let renamed = format!(
        "http://localhost:{}/pictures/1.svg",
        w.sim_server.addr.port()
    );
    for (url, kept) in [(&own, true), (&renamed, false)] {
        w.sim.faults().serve_links(Some(url));
        w.request_sync(id).await;
        runs += 1;
        assert_eq!(w.finished_runs(id, runs).await, "ok", "{url}");
        let thumbnails = w
            .server
            .count(&format!(
                "SELECT COUNT(*) FROM media WHERE account_id = {id} AND thumbnail_url = '{url}'"
            ))
            .await;
        assert_eq!(thumbnails >= 6, kept, "{url}: {thumbnails} thumbnails");
        assert_eq!(links(&w, id).await.0 >= 6, kept, "{url}");
        assert_eq!(picture(&w, id).await.as_ref() == Some(url), kept, "{url}");
    }
    let (headers, _) = html(&w.admin, "/").await;
    let csp = headers[CONTENT_SECURITY_POLICY].to_str().unwrap();
    assert!(
        csp.contains(&format!("https://*.fbcdn.net {origin} data:;")),
        "{csp}"
    );

    // Connecting stores the profile picture too, before any sync.
    w.sim.faults().serve_links(Some("https://evil.test/me.jpg"));
    let fb = w.account(Flavour::FacebookLogin);
    let connected: Vec<AccountSummary> = w
        .admin
        .ok(
            "accounts/connect",
            &[("flavour", fb.flavour.as_str()), ("token", &fb.token)],
        )
        .await;
    assert_eq!(connected[0].picture_url, None);
    w.stop().await;
}

per_database!(graph_urls_off_meta_hosts_are_stored_as_absent);

/// A built site as `cargo leptos build --precompress` leaves it: a hashed WASM module with its
/// `.br` and `.gz` variants, a hashed script without them, and an unhashed stylesheet.
struct Site {
    dir: tempfile::TempDir,
    wasm: Vec<u8>,
    script: Vec<u8>,
}

const WASM: &str = "/pkg/instalytics.2XHOFzT_fwTcWoljEWqG-g.wasm";
const SCRIPT: &str = "/pkg/instalytics.Qm9vbGVhbnNfYXJlX2Z1bg.js";
const STYLE: &str = "/pkg/unhashed.css";

impl Site {
    fn build() -> Self {
        use std::io::Write;
        let dir = tempfile::tempdir().unwrap();
        let file = |path: &str| dir.path().join(path.trim_start_matches('/'));
        std::fs::create_dir_all(file("/pkg")).unwrap();
        let mut wasm = b"\0asm\x01\0\0\0".to_vec();
        for i in 0..4000u32 {
            wasm.extend_from_slice(format!("(func $f{i} (result i32) i32.const {i})").as_bytes());
        }
        let script: Vec<u8> = (0..2000)
            .flat_map(|i| format!("export function f{i}() {{ return {i}; }}\n").into_bytes())
            .collect();
        std::fs::write(file(WASM), &wasm).unwrap();
        let mut br = Vec::new();
        brotli::BrotliCompress(&mut &wasm[..], &mut br, &Default::default()).unwrap();
        std::fs::write(file(&format!("{WASM}.br")), br).unwrap();
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        gz.write_all(&wasm).unwrap();
        std::fs::write(file(&format!("{WASM}.gz")), gz.finish().unwrap()).unwrap();
        std::fs::write(file(SCRIPT), &script).unwrap();
        std::fs::write(file(STYLE), "body { margin: 0 }\n".repeat(20)).unwrap();
        Self { dir, wasm, script }
    }

    fn precompressed(&self, path: &str) -> Vec<u8> {
        std::fs::read(self.dir.path().join(path.trim_start_matches('/'))).unwrap()
    }
}

/// GETs `path` accepting `encodings` (none when empty); returns the status, headers and the
/// body as sent (still compressed).
async fn fetch(api: &Api, path: &str, encodings: &str) -> (StatusCode, HeaderMap, Vec<u8>) {
    let mut req = api.http.get(format!("{}{path}", api.base));
    if !encodings.is_empty() {
        req = req.header(ACCEPT_ENCODING, encodings);
    }
    let res = req.send().await.unwrap();
    let (status, headers) = (res.status(), res.headers().clone());
    (status, headers, res.bytes().await.unwrap().to_vec())
}

/// The body decoded as its `Content-Encoding` says.
fn decoded(headers: &HeaderMap, body: &[u8]) -> Vec<u8> {
    use std::io::Read;
    let mut out = Vec::new();
    match headers.get(CONTENT_ENCODING).map(|v| v.to_str().unwrap()) {
        None => out.extend_from_slice(body),
        Some("br") => {
            brotli::Decompressor::new(body, 4096)
                .read_to_end(&mut out)
                .unwrap();
        }
        Some("gzip") => {
            flate2::read::GzDecoder::new(body)
                .read_to_end(&mut out)
                .unwrap();
        }
        Some(other) => panic!("unexpected Content-Encoding {other}"),
    }
    out
}

fn header(headers: &HeaderMap, name: reqwest::header::HeaderName) -> &str {
    headers.get(&name).map_or("", |v| v.to_str().unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn static_files_travel_compressed_and_hashed_ones_are_kept_a_year() {
    let site = Site::build();
    let root = site.dir.path().display().to_string();
    let Some(server) = TestServer::start_with(Db::Sqlite, &["--site-root".into(), root]).await
    else {
        return;
    };
    let api = server.client();
    const IMMUTABLE: &str = "public, max-age=31536000, immutable";

    // The WASM module: the variant made at build time, the one the browser prefers (Chromium
    // sends "gzip, deflate, br, zstd"), or the file itself when nothing is accepted.
    for (accept, encoding) in [
        ("gzip, deflate, br, zstd", Some("br")),
        ("br", Some("br")),
        ("gzip", Some("gzip")),
        ("", None),
        ("identity", None),
    ] {
        let (status, headers, body) = fetch(&api, WASM, accept).await;
        assert_eq!(status, StatusCode::OK, "{accept}");
        assert_eq!(
            headers.get(CONTENT_ENCODING).map(|v| v.to_str().unwrap()),
            encoding,
            "{accept}"
        );
        assert_eq!(header(&headers, CONTENT_TYPE), "application/wasm");
        assert_eq!(header(&headers, CACHE_CONTROL), IMMUTABLE, "{accept}");
        assert!(
            header(&headers, VARY).eq_ignore_ascii_case("accept-encoding"),
            "{accept}: {headers:?}"
        );
        if let Some(encoding) = encoding {
            let ext = if encoding == "br" { "br" } else { "gz" };
            assert_eq!(
                body,
                site.precompressed(&format!("{WASM}.{ext}")),
                "{accept}: not the file made at build time"
            );
        }
        assert!(decoded(&headers, &body) == site.wasm, "{accept}");
    }

    // A file without variants is compressed on the fly rather than sent as is.
    for accept in ["br", "gzip"] {
        let (status, headers, body) = fetch(&api, SCRIPT, accept).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(header(&headers, CONTENT_ENCODING), accept);
        assert_eq!(header(&headers, CACHE_CONTROL), IMMUTABLE);
        assert!(header(&headers, VARY).eq_ignore_ascii_case("accept-encoding"));
        assert!(
            body.len() < site.script.len() / 4,
            "{accept}: {} B",
            body.len()
        );
        assert!(decoded(&headers, &body) == site.script, "{accept}");
    }

    // An unhashed name may change with the next build, and a missing file is no file to keep.
    let (status, headers, _) = fetch(&api, STYLE, "br").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(header(&headers, CACHE_CONTROL), "no-cache");
    let missing = WASM.replace("2XHOFzT", "3XHOFzT");
    let (status, headers, _) = fetch(&api, &missing, "br").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(header(&headers, CACHE_CONTROL), "no-cache");

    // Pages are compressed on the fly, still carry their policy and nonce, and are asked
    // again each time.
    let (plain_headers, _) = html(&api, "/login").await;
    assert_eq!(header(&plain_headers, CONTENT_ENCODING), "");
    assert_eq!(header(&plain_headers, CACHE_CONTROL), "no-cache");
    for accept in ["br", "gzip"] {
        let (status, headers, body) = fetch(&api, "/login", accept).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(header(&headers, CONTENT_ENCODING), accept);
        assert_eq!(header(&headers, CACHE_CONTROL), "no-cache");
        assert!(header(&headers, VARY).contains("accept-encoding"));
        let page = String::from_utf8(decoded(&headers, &body)).unwrap();
        let nonce = csp_nonce("/login", &headers);
        assert!(scripts_carry("/login", &page, &nonce) >= 1);
        assert!(body.len() < page.len() / 2, "{accept}: {} B", body.len());
    }

    // Server-function answers too, read back as the same JSON.
    let admin = server.admin("admin", PASSWORD).await;
    let settings = |accept: &'static str| {
        admin
            .http
            .post(format!("{}/api/settings/get", admin.base))
            .header(ACCEPT_ENCODING, accept)
            .send()
    };
    let plain = settings("identity").await.unwrap();
    assert_eq!(plain.status(), StatusCode::OK);
    let plain = plain.bytes().await.unwrap();
    let res = settings("gzip").await.unwrap();
    let headers = res.headers().clone();
    assert_eq!(header(&headers, CONTENT_ENCODING), "gzip");
    let body = res.bytes().await.unwrap();
    let json = |bytes: &[u8]| serde_json::from_slice::<serde_json::Value>(bytes).unwrap();
    assert_eq!(json(&decoded(&headers, &body)), json(&plain));

    // The health check is too short to be worth compressing.
    let (status, headers, _) = fetch(&api, "/healthz", "br").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(header(&headers, CONTENT_ENCODING), "");
    server.stop().await;
}
