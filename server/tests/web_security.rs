//! What a browser is told to refuse and what the server refuses itself, over real HTTP: the
//! Content Security Policy (a fresh nonce per page, on every inline script), HSTS, the origin
//! check on writes, the OAuth callback's error codes, and the Graph API's URLs, which a sync
//! keeps only on Meta's hosts.

mod common;

use app::dto::AccountSummary;
use app::routes::accounts::OAuthError;
use common::world::{SyncWorld, PASSWORD};
use common::{Api, Db, TestServer};
use reqwest::header::{
    HeaderMap, CONTENT_SECURITY_POLICY, CONTENT_TYPE, STRICT_TRANSPORT_SECURITY,
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

    // Connecting stores the profile picture too, before any sync.
    w.sim.faults().serve_links(Some("https://evil.test/me.jpg"));
    let fb = w.account(Flavour::FacebookLogin);
    let summary: AccountSummary = w
        .admin
        .ok(
            "accounts/connect",
            &[("flavour", fb.flavour.as_str()), ("token", &fb.token)],
        )
        .await;
    assert_eq!(summary.picture_url, None);
    w.stop().await;
}

per_database!(graph_urls_off_meta_hosts_are_stored_as_absent);
