//! Share links over real HTTP, on SQLite and PostgreSQL: a link opens one workspace's (or one
//! account's) dashboard without signing in and nothing else; it is stored as a digest only;
//! it stops at once when revoked or expired, answering a plain 404; opening is rate-limited.

mod common;

use std::collections::BTreeSet;

use app::dto::{
    AccountSummary, CreatedShareLink, PostsPage, ShareLinkSummary, SharedView, WorkspaceChoice,
};
use common::world::{SyncWorld, TwoClients};
use common::Api;
use common::Db;
use reqwest::StatusCode;
use server::dev::graph_sim::SimConfig;

per_database!(
    a_share_link_shows_its_workspace_or_account_only_until_revoked_or_expired,
    share_links_refuse_bad_input_and_floods,
);

/// Opens `path` (`/s/…`) as a fresh browser would: the redirect it answers, and the client,
/// which now holds the visitor's session.
async fn open(base: &str, path: &str) -> (Api, String) {
    let visitor = Api::without_redirects(base);
    let to = visitor.location(&format!("{base}{path}")).await;
    (visitor, to)
}

async fn make(admin: &Api, form: &[(&str, &str)]) -> CreatedShareLink {
    admin.ok("shares/create", form).await
}

/// The posts' account ids the visitor gets over 90 days.
async fn posts_of(visitor: &Api, extra: &[(&str, &str)]) -> BTreeSet<i64> {
    let mut form = vec![("query[period][days]", "90")];
    form.extend_from_slice(extra);
    let page: PostsPage = visitor.ok("analytics/posts", &form).await;
    page.posts.iter().map(|p| p.account_id.0).collect()
}

async fn a_share_link_shows_its_workspace_or_account_only_until_revoked_or_expired(db: Db) {
    let config = SimConfig {
        accounts: 3,
        media_per_account: 4,
        ..SimConfig::default()
    };
    let Some(w) = SyncWorld::start(db, config, &[]).await else {
        return;
    };
    let base = w.server.client().base;
    // Client B holds the third account; the Default the first two.
    let TwoClients {
        ids,
        default,
        b_ws,
        b_account,
    } = w.two_clients().await;

    // A link to the Default's posts for the last 7 days; the workspace in the page's own
    // query is not the link's business.
    let made = make(
        &w.admin,
        &[
            ("label", "Client A's team"),
            ("path", "/posts"),
            ("query", &format!("period=7d&ws={b_ws}")),
            ("workspace", &default),
            ("expires_in_days", "7"),
        ],
    )
    .await;
    assert_eq!(made.link.opens, "/posts?period=7d");
    assert_eq!(made.link.target, "Default");
    assert!(made.link.expires.is_some() && !made.link.expired);
    let secret = made.path.rsplit('.').next().unwrap().to_owned();
    assert!(secret.len() >= 22, "at least 128 bits: {}", made.path);
    assert!(
        w.server.stores("share_links", "Client A's team").await,
        "the check reads what is stored"
    );
    assert!(
        !w.server.stores("share_links", &secret).await,
        "the secret is stored as a digest only"
    );

    // A fresh browser opens it: to the page, its period, without signing in.
    let (visitor, to) = open(&base, &made.path).await;
    assert_eq!(to, "/posts?period=7d");
    let view: Option<SharedView> = visitor.ok("shares/current", &[]).await;
    assert_eq!(view.map(|v| v.label).as_deref(), Some("Client A's team"));
    assert_eq!(
        posts_of(&visitor, &[]).await,
        BTreeSet::from([ids[0], ids[1]])
    );
    let listed: Vec<AccountSummary> = visitor.ok("accounts/list", &[]).await;
    let listed: BTreeSet<i64> = listed.iter().map(|a| a.id.0).collect();
    assert_eq!(listed, BTreeSet::from([ids[0], ids[1]]));
    let choices: Vec<WorkspaceChoice> = visitor.ok("workspaces/choices", &[]).await;
    assert_eq!(choices.len(), 1);
    // The other workspace and its account are not found; nothing but the dashboards opens.
    for form in [
        vec![
            ("query[period][days]", "90"),
            ("query[period][workspace]", b_ws.as_str()),
        ],
        vec![
            ("query[period][days]", "90"),
            ("query[period][account]", b_account.as_str()),
        ],
    ] {
        let (status, body) = visitor.answer("analytics/posts", &form).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{form:?}: {body}");
    }
    for name in ["sync/runs", "accounts/oauth", "whoami"] {
        let (status, body) = visitor.answer(name, &[]).await;
        let expected = if name == "whoami" {
            StatusCode::OK
        } else {
            StatusCode::UNAUTHORIZED
        };
        assert_eq!(status, expected, "{name}: {body}");
    }
    for name in [
        "users/list",
        "shares/list",
        "settings/get",
        "workspaces/list",
    ] {
        let (status, _) = visitor.answer(name, &[]).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{name}");
    }
    let (status, html) = visitor.page("/").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Client A&#x27;s team") || html.contains("Client A's team"));
    for page in [
        "/accounts",
        "/sync-log",
        "/users",
        "/workspaces",
        "/settings",
        "/share-links",
    ] {
        let (status, _) = visitor.page(page).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{page}");
    }

    // A link to one account: that account, whatever the visitor asks for.
    let one = make(
        &w.admin,
        &[
            ("label", "Just alpha"),
            ("path", "/"),
            ("account", &ids[0].to_string()),
            ("expires_in_days", "0"),
        ],
    )
    .await;
    assert!(one.link.expires.is_none());
    let (single, to) = open(&base, &one.path).await;
    assert_eq!(to, format!("/?account={}", ids[0]));
    assert_eq!(posts_of(&single, &[]).await, BTreeSet::from([ids[0]]));
    let other = ids[1].to_string();
    let (status, _) = single
        .answer(
            "analytics/posts",
            &[
                ("query[period][days]", "90"),
                ("query[period][account]", &other),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let listed: Vec<AccountSummary> = single.ok("accounts/list", &[]).await;
    assert_eq!(listed.len(), 1);

    // The list shows both, with their last use.
    let links: Vec<ShareLinkSummary> = w.admin.ok("shares/list", &[]).await;
    assert_eq!(links.len(), 2);
    assert!(links.iter().all(|l| l.last_used.is_some()), "{links:?}");

    // Revoked: the next request is refused, and the link answers a plain 404.
    w.admin
        .ok::<()>("shares/revoke", &[("id", &made.link.id.to_string())])
        .await;
    let (status, _) = visitor
        .answer("analytics/posts", &[("query[period][days]", "90")])
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = visitor.answer("shares/current", &[]).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, html) = Api::new(&base).page(&made.path).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(html.contains("This link does not work"), "{html}");
    let (status, _) = w
        .admin
        .answer("shares/revoke", &[("id", &made.link.id.to_string())])
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "revoked once");

    // Expired (its time set in the past, as a week passing would): the same.
    w.server
        .execute(&format!(
            "UPDATE share_links SET expires_at = 1 WHERE id = {}",
            one.link.id
        ))
        .await;
    let (status, _) = single
        .answer("analytics/posts", &[("query[period][days]", "90")])
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = Api::new(&base).page(&one.path).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let links: Vec<ShareLinkSummary> = w.admin.ok("shares/list", &[]).await;
    assert!(links[0].expired);
    w.stop().await;
}

async fn share_links_refuse_bad_input_and_floods(db: Db) {
    let Some(w) = SyncWorld::one_account(db).await else {
        return;
    };
    let base = w.server.client().base;
    common::connect(&w.admin, &w.sim.accounts()[0]).await;
    let good = [
        ("label", "Board"),
        ("path", "/"),
        ("query", "days=30"),
        ("expires_in_days", "30"),
    ];
    let with = |k: &'static str, v: &'static str| {
        let mut form: Vec<(&str, &str)> = good.iter().filter(|(n, _)| *n != k).copied().collect();
        form.push((k, v));
        form
    };
    for (form, field) in [
        (with("label", "  "), "label"),
        (with("label", "a\nb"), "label"),
        (with("expires_in_days", "366"), "expires_in_days"),
        (with("path", "/settings"), "path"),
        (with("path", "https://evil.example/"), "path"),
        (with("query", "days=<script>"), "query"),
    ] {
        let error = w
            .admin
            .fails("shares/create", &form, StatusCode::UNPROCESSABLE_ENTITY)
            .await;
        assert_eq!(common::invalid_field(&error), Some(field), "{form:?}");
    }
    for (k, v) in [("workspace", "9999"), ("account", "9999")] {
        let mut form = good.to_vec();
        form.push((k, v));
        w.admin
            .fails("shares/create", &form, StatusCode::NOT_FOUND)
            .await;
    }
    assert_eq!(w.server.count("SELECT COUNT(*) FROM share_links").await, 0);
    // One workspace: a link needs no choice. A wrong secret, a malformed one: plain 404s.
    let made = make(&w.admin, &good).await;
    let (visitor, to) = open(&base, &made.path).await;
    assert_eq!(to, "/?days=30");
    let _: PostsPage = visitor.ok("analytics/posts", &[]).await;
    let (id, _) = made.path.trim_start_matches("/s/").split_once('.').unwrap();
    let anonymous = Api::without_redirects(&base);
    for bad in [
        format!("/s/{id}.{}", "A".repeat(43)),
        format!("/s/{id}"),
        "/s/x.y".to_owned(),
        format!("/s/{}", "9".repeat(5000)),
    ] {
        let (status, _) = anonymous.page(&bad).await;
        assert_eq!(
            status,
            StatusCode::NOT_FOUND,
            "{}",
            &bad[..bad.len().min(40)]
        );
    }
    // Opening from one address: past 30 a minute, 429 with Retry-After.
    let mut limited = None;
    for _ in 0..40 {
        let res = anonymous
            .http
            .get(format!("{base}/s/{id}.{}", "B".repeat(43)))
            .send()
            .await
            .unwrap();
        if res.status() == StatusCode::TOO_MANY_REQUESTS {
            limited = Some(res);
            break;
        }
        assert_eq!(res.status(), StatusCode::NOT_FOUND);
    }
    let limited = limited.expect("opening is rate-limited per address");
    let wait: u64 = limited.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&wait), "{wait}");
    // The good link still works for its visitor: a flood of wrong secrets is not its use.
    let _: PostsPage = visitor.ok("analytics/posts", &[]).await;
    w.stop().await;
}
