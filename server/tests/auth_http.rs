//! Sign-in, sessions, roles and first-run setup over real HTTP, on SQLite and PostgreSQL.

mod common;
use std::collections::BTreeMap;

use app::dto::{Role, SessionUser, UserSummary};
use app::error::AppError;
use common::{decode, invalid_field, Api, Db, TestServer};
use reqwest::header::{ORIGIN, SET_COOKIE};
use reqwest::StatusCode;
use server::auth::throttle::FREE_FAILURES;

const ADMIN_PW: &str = "admin-password-1";
const VIEWER_PW: &str = "viewer-password-1";

on_both_databases!(
    sign_in_good_and_bad,
    session_persists_and_is_gone_after_sign_out,
    viewer_is_refused_admin_functions_and_pages,
    last_admin_and_self_protection,
    setup_link_is_single_use,
    failures_are_throttled,
    input_rules_are_enforced_on_the_server,
    user_admin_round_trip,
    a_password_reset_ends_that_users_sessions,
    a_success_does_not_reset_the_address_counter,
    a_session_is_written_at_most_once_a_minute,
    a_session_that_cannot_be_stored_is_a_clear_error,
);

/// Tests that start their own server (behind a proxy), on each database.
mod own_server {
    use super::*;

    per_database!(
        a_burst_of_wrong_passwords_counts_every_attempt,
        a_known_device_is_not_locked_out_by_failures_elsewhere,
        forwarded_clients_are_throttled_apart_behind_a_trusted_proxy,
    );
}

/// The `Set-Cookie` header of `res` that sets cookie `name`.
fn set_cookie(res: &reqwest::Response, name: &str) -> Option<String> {
    res.headers()
        .get_all(SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .find(|c| c.starts_with(&format!("{name}=")))
}

async fn add_viewer(admin: &Api, name: &str) -> i64 {
    let added: UserSummary = admin
        .ok(
            "users/add",
            &[
                ("username", name),
                ("password", VIEWER_PW),
                ("role", "viewer"),
            ],
        )
        .await;
    added.id.0
}

async fn sign_in_good_and_bad(s: &TestServer) {
    s.admin("alice", ADMIN_PW).await;
    let api = s.client();

    let wrong = api.login("alice", "not-the-password").await;
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    let wrong_body = wrong.text().await.unwrap();
    let unknown = api.login("nobody", "not-the-password").await;
    assert_eq!(unknown.status(), StatusCode::UNAUTHORIZED);
    // Wire format: byte for byte the same answer, so nothing tells the two cases apart.
    assert_eq!(
        unknown.text().await.unwrap(),
        wrong_body,
        "same answer for unknown user"
    );
    assert_eq!(
        decode::<SessionUser>("login", StatusCode::UNAUTHORIZED, &wrong_body),
        Err(AppError::BadCredentials)
    );

    let ok = api.login("Alice ", ADMIN_PW).await;
    assert_eq!(ok.status(), StatusCode::OK);
    let cookie = set_cookie(&ok, "instalytics_session").unwrap();
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("SameSite=Lax"), "{cookie}");
    assert!(
        !cookie.contains("Secure"),
        "plain-HTTP default must not set Secure: {cookie}"
    );
    let user: SessionUser = ok.json().await.unwrap();
    assert_eq!(user.username, "alice");
    assert_eq!(user.role, Role::Admin);
}

/// A session store that refuses to write (a full disk) makes the sign-in an error the page
/// can show, not an empty 500, and sign-in works again once it can write.
async fn a_session_that_cannot_be_stored_is_a_clear_error(s: &TestServer) {
    s.admin("alice", ADMIN_PW).await;
    s.refuse_writes("INSERT", "sessions", "1 = 1").await;
    let api = s.client();
    let res = api.login("alice", ADMIN_PW).await;
    assert_eq!(res.status(), StatusCode::INTERNAL_SERVER_ERROR);
    assert!(set_cookie(&res, "instalytics_session").is_none());
    let body = res.text().await.unwrap();
    assert_eq!(
        decode::<SessionUser>("login", StatusCode::INTERNAL_SERVER_ERROR, &body),
        Err(AppError::Internal),
        "{body}"
    );
    assert_eq!(api.whoami().await, None);

    s.allow_writes("sessions").await;
    assert_eq!(api.login("alice", ADMIN_PW).await.status(), StatusCode::OK);
    assert_eq!(api.whoami().await.unwrap().username, "alice");
}

/// The idle expiry slides forward through a save at most once a minute, not a database
/// write per request (load suite: 32 clients wrote 32 times in a minute, not 3,000).
async fn a_session_is_written_at_most_once_a_minute(s: &TestServer) {
    let admin = s.admin("alice", ADMIN_PW).await;
    // The first request after signing in records its touch.
    assert_eq!(admin.whoami().await.unwrap().username, "alice");
    let expiry = "SELECT MAX(expires_at) FROM sessions";
    let first = s.scalar::<i64>(expiry).await;
    // Expiry is kept in whole seconds: saving on every request would move it now.
    tokio::time::sleep(std::time::Duration::from_millis(1_100)).await;
    for _ in 0..5 {
        assert_eq!(admin.whoami().await.unwrap().username, "alice");
    }
    assert_eq!(
        s.scalar::<i64>(expiry).await,
        first,
        "requests wrote the session"
    );
}

async fn session_persists_and_is_gone_after_sign_out(s: &TestServer) {
    let admin = s.admin("alice", ADMIN_PW).await;
    assert_eq!(admin.whoami().await.unwrap().username, "alice");
    assert_eq!(
        admin.whoami().await.unwrap().username,
        "alice",
        "second request, same session"
    );
    let (status, html) = admin.page("/").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("Overview") && html.contains("alice"),
        "{html}"
    );

    // Remember the cookie, sign out, then replay the old cookie: the server must have dropped it.
    let fresh = s.client();
    let res = fresh.login("alice", ADMIN_PW).await;
    let cookie = set_cookie(&res, "instalytics_session").unwrap();
    let pair = cookie.split(';').next().unwrap().to_owned();
    let first_id = pair.clone();
    // The database keeps a hash of the id, never the id itself: a copy of the sessions table
    // signs nobody in.
    let id = pair.strip_prefix("instalytics_session=").unwrap();
    assert_eq!(
        s.count(&format!("SELECT COUNT(*) FROM sessions WHERE id = '{id}'"))
            .await,
        0,
        "the cookie's id is stored as is"
    );
    let hashed = {
        use base64::Engine;
        use sha2::Digest;
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(id))
    };
    assert_eq!(
        s.count(&format!(
            "SELECT COUNT(*) FROM sessions WHERE id = '{hashed}'"
        ))
        .await,
        1,
        "the session is stored under the id's SHA-256"
    );
    fresh.ok::<()>("logout", &[]).await;
    assert_eq!(fresh.whoami().await, None);
    let replay = reqwest::Client::new()
        .post(format!("{}/api/whoami", s.base))
        .header("cookie", &pair)
        .send()
        .await
        .unwrap();
    assert_eq!(replay.json::<Option<SessionUser>>().await.unwrap(), None);

    // A new sign-in gets a new session id.
    let again = fresh.login("alice", ADMIN_PW).await;
    let cookie = set_cookie(&again, "instalytics_session").unwrap();
    assert_ne!(cookie.split(';').next().unwrap(), first_id);

    // Signed-out visitors are sent to the login page by the server itself.
    let (status, _) = s.client().page("/posts").await;
    assert_eq!(status, StatusCode::OK, "redirect followed to /login");
    let no_redirects = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let res = no_redirects
        .get(format!("{}/posts", s.base))
        .header("accept", "text/html")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FOUND);
    assert_eq!(res.headers()["location"], "/login");
}

async fn viewer_is_refused_admin_functions_and_pages(s: &TestServer) {
    let admin = s.admin("alice", ADMIN_PW).await;
    add_viewer(&admin, "victor").await;
    let viewer = s.client();
    assert_eq!(
        viewer.login("victor", VIEWER_PW).await.status(),
        StatusCode::OK
    );

    let res = viewer.call("users/list", &[]).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let res = viewer
        .call(
            "users/add",
            &[
                ("username", "eve"),
                ("password", VIEWER_PW),
                ("role", "admin"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);

    let (status, html) = viewer.page("/users").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(html.contains("This needs the admin role."));
    let (status, _) = viewer.page("/settings").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, html) = viewer.page("/").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        !html.contains(r#"href="/users""#),
        "viewer's nav has no Users link"
    );

    // Anonymous callers are refused too, with 401.
    assert_eq!(
        s.client().call("users/list", &[]).await.status(),
        StatusCode::UNAUTHORIZED
    );
    // The viewer's own list shows nothing it should not: only the admin may list.
    let list: Vec<UserSummary> = admin.ok("users/list", &[]).await;
    assert_eq!(list.len(), 2);
}

async fn last_admin_and_self_protection(s: &TestServer) {
    let alice = s.admin("alice", ADMIN_PW).await;
    let me = alice.whoami().await.unwrap().id.to_string();
    let res = alice
        .call("users/role", &[("id", &me), ("role", "viewer")])
        .await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    let res = alice.call("users/delete", &[("id", &me)]).await;
    assert_eq!(res.status(), StatusCode::CONFLICT);

    // With a second admin, alice can be demoted by bob, but then bob is the last admin.
    let added: UserSummary = alice
        .ok(
            "users/add",
            &[
                ("username", "bob"),
                ("password", ADMIN_PW),
                ("role", "admin"),
            ],
        )
        .await;
    let bob_id = added.id.0;
    let bob = s.client();
    assert_eq!(bob.login("bob", ADMIN_PW).await.status(), StatusCode::OK);
    bob.ok::<()>("users/role", &[("id", &me), ("role", "viewer")])
        .await;
    // Alice's demotion applies to her live session at once.
    assert_eq!(
        alice.call("users/list", &[]).await.status(),
        StatusCode::FORBIDDEN
    );

    // The store refuses to remove the last admin even when the caller is someone else.
    let db = sea_orm::Database::connect(&s.database_url).await.unwrap();
    let store = server::store::users::UserStore::new(db);
    let err = store
        .set_role(bob_id, server::store::entities::users::DbRole::Viewer)
        .await
        .unwrap_err();
    assert!(
        matches!(err, server::store::StoreError::LastAdmin),
        "{err:?}"
    );
    let err = store.delete(bob_id).await.unwrap_err();
    assert!(
        matches!(err, server::store::StoreError::LastAdmin),
        "{err:?}"
    );
    bob.ok::<()>("users/delete", &[("id", &me)]).await;
    // Deleted users lose their session.
    assert_eq!(alice.whoami().await, None);
}

async fn setup_link_is_single_use(s: &TestServer) {
    let token = s.setup_token();
    let api = s.client();
    assert!(!api.ok::<bool>("setup_status", &[("token", "wrong")]).await);
    assert!(api.ok::<bool>("setup_status", &[("token", &token)]).await);
    let (status, html) = api.page(&format!("/setup?token={token}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Create admin"), "{html}");

    // A bad password does not burn the link.
    let res = api
        .call(
            "setup",
            &[
                ("token", &token),
                ("username", "alice"),
                ("password", "short"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    s.admin("alice", ADMIN_PW).await;

    assert!(!api.ok::<bool>("setup_status", &[("token", &token)]).await);
    let res = api
        .call(
            "setup",
            &[
                ("token", &token),
                ("username", "mallory"),
                ("password", ADMIN_PW),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    let (_, html) = api.page(&format!("/setup?token={token}")).await;
    assert!(html.contains("not valid any more"), "{html}");
    assert_eq!(
        api.login("mallory", ADMIN_PW).await.status(),
        StatusCode::UNAUTHORIZED
    );
}

async fn failures_are_throttled(s: &TestServer) {
    s.admin("alice", ADMIN_PW).await;
    let api = s.client();
    for _ in 0..5 {
        assert_eq!(
            api.login("alice", "wrong-password").await.status(),
            StatusCode::UNAUTHORIZED
        );
    }
    // Even the right password waits now.
    let err = api
        .fails(
            "login",
            &[("username", "alice"), ("password", ADMIN_PW)],
            StatusCode::TOO_MANY_REQUESTS,
        )
        .await;
    assert!(matches!(err, AppError::Throttled { .. }), "{err:?}");
}

async fn input_rules_are_enforced_on_the_server(s: &TestServer) {
    let admin = s.admin("alice", ADMIN_PW).await;
    let err = admin
        .fails(
            "users/add",
            &[
                ("username", "ok-name"),
                ("password", "123456789"),
                ("role", "viewer"),
            ],
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    assert!(
        err.for_field("password")
            .is_some_and(|m| m.contains("at least 10")),
        "{err:?}"
    );

    let err = admin
        .fails(
            "users/add",
            &[
                ("username", "no spaces"),
                ("password", VIEWER_PW),
                ("role", "viewer"),
            ],
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    assert_eq!(invalid_field(&err), Some("username"), "{err:?}");

    add_viewer(&admin, "victor").await;
    let err = admin
        .fails(
            "users/add",
            &[
                ("username", "Victor"),
                ("password", VIEWER_PW),
                ("role", "viewer"),
            ],
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    assert!(err.to_string().contains("taken"), "{err:?}");

    let err = admin
        .fails(
            "users/add",
            &[
                ("username", "x1x"),
                ("password", VIEWER_PW),
                ("role", "root"),
            ],
            StatusCode::BAD_REQUEST,
        )
        .await;
    // An unknown role cannot even be read: a bad request, with what could not be read.
    assert!(matches!(err, AppError::Malformed(_)), "{err:?}");

    // Oversized bodies never reach a handler. (From a client of its own: the server may
    // close that connection before reading the body, which a shared pool would reuse.)
    let huge = "x".repeat(server::http::MAX_BODY_BYTES + 1);
    let res = s
        .client()
        .call("login", &[("username", "alice"), ("password", &huge)])
        .await;
    assert_eq!(res.status(), StatusCode::PAYLOAD_TOO_LARGE);

    // State-changing calls from another site are refused before they run.
    let res = admin
        .http
        .post(format!("{}/api/users/delete", s.base))
        .header(ORIGIN, "http://evil.example")
        .form(&[("id", "2")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        admin.ok::<Vec<UserSummary>>("users/list", &[]).await.len(),
        2
    );
}

async fn user_admin_round_trip(s: &TestServer) {
    let admin = s.admin("alice", ADMIN_PW).await;
    let id = add_viewer(&admin, "victor").await.to_string();
    admin
        .ok::<()>("users/role", &[("id", &id), ("role", "admin")])
        .await;
    admin
        .ok::<()>(
            "users/password",
            &[("id", &id), ("password", "a-brand-new-pass")],
        )
        .await;
    let victor = s.client();
    assert_eq!(
        victor.login("victor", VIEWER_PW).await.status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        victor.login("victor", "a-brand-new-pass").await.status(),
        StatusCode::OK
    );
    assert_eq!(victor.whoami().await.unwrap().role, Role::Admin);
    let list: Vec<UserSummary> = victor.ok("users/list", &[]).await;
    let names: Vec<&str> = list.iter().map(|u| u.username.as_str()).collect();
    assert_eq!(names, ["alice", "victor"]);
    admin.ok::<()>("users/delete", &[("id", &id)]).await;
    assert_eq!(
        admin.call("users/delete", &[("id", &id)]).await.status(),
        StatusCode::NOT_FOUND
    );
}

/// Signs `name` in on a new client.
async fn signed_in(s: &TestServer, name: &str, password: &str) -> Api {
    let api = s.client();
    assert_eq!(api.login(name, password).await.status(), StatusCode::OK);
    assert_eq!(api.whoami().await.unwrap().username, name);
    api
}

async fn a_password_reset_ends_that_users_sessions(s: &TestServer) {
    let admin = s.admin("alice", ADMIN_PW).await;
    let id = add_viewer(&admin, "petra").await;
    let (laptop, phone) = (
        signed_in(s, "petra", VIEWER_PW).await,
        signed_in(s, "petra", VIEWER_PW).await,
    );
    let sessions = format!("SELECT COUNT(*) FROM sessions WHERE user_id = {id}");
    assert_eq!(s.count(&sessions).await, 2);

    // Whoever had the old password is out, on every device, and stays out: a request that
    // still carries the old cookie does not bring the session back.
    admin
        .ok::<()>(
            "users/password",
            &[("id", &id.to_string()), ("password", "petra-new-password")],
        )
        .await;
    for device in [&laptop, &phone] {
        assert_eq!(device.whoami().await, None);
        device
            .fails("accounts/list", &[], StatusCode::UNAUTHORIZED)
            .await;
    }
    assert_eq!(s.count(&sessions).await, 0);
    signed_in(s, "petra", "petra-new-password").await;

    // Resetting one's own password keeps the session it is done from, and only that one.
    let elsewhere = signed_in(s, "alice", ADMIN_PW).await;
    let alice = admin.whoami().await.unwrap().id;
    admin
        .ok::<()>(
            "users/password",
            &[
                ("id", &alice.to_string()),
                ("password", "alice-new-password"),
            ],
        )
        .await;
    assert_eq!(admin.whoami().await.unwrap().username, "alice");
    assert_eq!(elsewhere.whoami().await, None);

    // A deleted user's sessions go with them.
    admin
        .ok::<()>("users/delete", &[("id", &id.to_string())])
        .await;
    assert_eq!(s.count(&sessions).await, 0);
}

async fn a_success_does_not_reset_the_address_counter(s: &TestServer) {
    s.admin("alice", ADMIN_PW).await;
    let api = s.client();
    let wrong = |n: u32| format!("nobody-{n}");
    for n in 1..FREE_FAILURES {
        assert_eq!(
            api.login(&wrong(n), "wrong-password").await.status(),
            StatusCode::UNAUTHORIZED
        );
    }
    // Knowing one password must not buy fresh guesses at other names from the same address.
    assert_eq!(api.login("alice", ADMIN_PW).await.status(), StatusCode::OK);
    assert_eq!(
        api.login(&wrong(FREE_FAILURES), "wrong-password")
            .await
            .status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        api.login(&wrong(FREE_FAILURES + 1), "wrong-password")
            .await
            .status(),
        StatusCode::TOO_MANY_REQUESTS
    );
}

/// A server that trusts the loopback peer as its reverse proxy, so a test names each client's
/// address in `X-Forwarded-For`.
async fn behind_proxy(db: Db) -> Option<TestServer> {
    TestServer::start_with(db, &["--trusted-proxies".into(), "127.0.0.1/32".into()]).await
}

/// A browser-like client whose requests arrive through the proxy from `addr`.
fn client_at(s: &TestServer, addr: &str) -> Api {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert("x-forwarded-for", addr.parse().unwrap());
    Api {
        http: reqwest::Client::builder()
            .cookie_store(true)
            .default_headers(headers)
            .build()
            .unwrap(),
        base: s.base.clone(),
    }
}

/// Fires `n` concurrent sign-ins and returns how many answers had each status.
async fn burst(api: &Api, n: usize, username: &str, password: &str) -> BTreeMap<u16, usize> {
    let mut calls = tokio::task::JoinSet::new();
    for _ in 0..n {
        let (api, username, password) = (api.clone(), username.to_owned(), password.to_owned());
        calls.spawn(async move { api.login(&username, &password).await.status().as_u16() });
    }
    let mut by_status = BTreeMap::new();
    while let Some(status) = calls.join_next().await {
        *by_status.entry(status.unwrap()).or_default() += 1;
    }
    by_status
}

async fn a_burst_of_wrong_passwords_counts_every_attempt(db: Db) {
    let Some(s) = behind_proxy(db).await else {
        return;
    };
    s.admin("alice", ADMIN_PW).await;
    let laptop = client_at(&s, "198.51.100.20");
    assert_eq!(
        laptop.login("alice", ADMIN_PW).await.status(),
        StatusCode::OK
    );

    let flood = tokio::spawn({
        let attacker = client_at(&s, "203.0.113.66");
        async move { burst(&attacker, 50, "alice", "wrong-password").await }
    });
    // The admin signs in from their own browser while the burst is under way.
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    assert_eq!(
        laptop.login("alice", ADMIN_PW).await.status(),
        StatusCode::OK
    );
    let by_status = flood.await.unwrap();

    // Concurrent attempts are reserved under the throttle's lock one by one: only the free
    // failures reach the password check, every other one is refused at once.
    let refused = by_status.get(&429).copied().unwrap_or(0);
    let checked = by_status.get(&401).copied().unwrap_or(0);
    assert_eq!(refused + checked, 50, "only 401 and 429: {by_status:?}");
    assert!(
        (1..=FREE_FAILURES as usize).contains(&checked),
        "at most {FREE_FAILURES} checked: {by_status:?}"
    );
    s.stop().await;
}

async fn a_known_device_is_not_locked_out_by_failures_elsewhere(db: Db) {
    let Some(s) = behind_proxy(db).await else {
        return;
    };
    let admin = s.admin("alice", ADMIN_PW).await;
    add_viewer(&admin, "victor").await;
    let laptop = client_at(&s, "198.51.100.20");
    let res = laptop.login("alice", ADMIN_PW).await;
    assert_eq!(res.status(), StatusCode::OK);
    let device = set_cookie(&res, "instalytics_device").expect("a device cookie");
    for part in ["HttpOnly", "SameSite=Lax", "Path=/", "Max-Age="] {
        assert!(device.contains(part), "{part}: {device}");
    }
    let value = device.split(';').next().unwrap().to_owned();
    let victors = set_cookie(
        &client_at(&s, "198.51.100.30")
            .login("victor", VIEWER_PW)
            .await,
        "instalytics_device",
    )
    .unwrap();

    // Someone elsewhere fails against alice's name until it is locked.
    let attacker = client_at(&s, "203.0.113.66");
    for _ in 0..FREE_FAILURES {
        assert_eq!(
            attacker.login("alice", "wrong-password").await.status(),
            StatusCode::UNAUTHORIZED
        );
    }
    let locked = |from: &str, cookie: Option<String>| {
        let api = client_at(&s, from);
        async move {
            let mut req = api
                .http
                .post(format!("{}/api/login", api.base))
                .form(&[("username", "alice"), ("password", ADMIN_PW)]);
            if let Some(cookie) = cookie {
                req = req.header("cookie", cookie);
            }
            req.send().await.unwrap().status()
        }
    };
    assert_eq!(
        locked("198.51.100.21", None).await,
        StatusCode::TOO_MANY_REQUESTS,
        "without the device cookie the name is locked"
    );
    let (user, rest) = value.split_once('.').unwrap();
    let tampered = [
        format!("{value}A"),
        format!("{user}9.{rest}"),
        format!("{}.{}", value.rsplit_once('.').unwrap().0, "AAAA"),
        victors.split(';').next().unwrap().to_owned(),
    ];
    for cookie in tampered {
        assert_eq!(
            locked("198.51.100.22", Some(cookie.clone())).await,
            StatusCode::TOO_MANY_REQUESTS,
            "a forged, tampered or another user's cookie is ignored: {cookie}"
        );
    }
    // The browser alice signed in from before still gets in, from its usual address.
    assert_eq!(
        laptop.login("alice", ADMIN_PW).await.status(),
        StatusCode::OK
    );
    assert_eq!(laptop.whoami().await.unwrap().username, "alice");
    s.stop().await;
}

async fn forwarded_clients_are_throttled_apart_behind_a_trusted_proxy(db: Db) {
    let Some(s) = behind_proxy(db).await else {
        return;
    };
    // Distinct unknown names, so only the address counters are at stake.
    let fail_from = |api: Api, tag: &'static str| async move {
        for n in 0..FREE_FAILURES {
            let status = api
                .login(&format!("{tag}-{n}"), "wrong-password")
                .await
                .status();
            assert_eq!(status, StatusCode::UNAUTHORIZED);
        }
        api.login(&format!("{tag}-last"), "wrong-password")
            .await
            .status()
    };
    assert_eq!(
        fail_from(client_at(&s, "203.0.113.1"), "one").await,
        StatusCode::TOO_MANY_REQUESTS
    );
    assert_eq!(
        client_at(&s, "203.0.113.2")
            .login("two", "wrong-password")
            .await
            .status(),
        StatusCode::UNAUTHORIZED,
        "another client behind the same proxy is not throttled"
    );
    // IPv6 clients are counted by their /64.
    assert_eq!(
        fail_from(client_at(&s, "2001:db8:1:2::1"), "six").await,
        StatusCode::TOO_MANY_REQUESTS
    );
    let same_64 = client_at(&s, "2001:db8:1:2:ffff::9");
    assert_eq!(
        same_64.login("six-b", "wrong-password").await.status(),
        StatusCode::TOO_MANY_REQUESTS
    );
    let next_64 = client_at(&s, "2001:db8:1:3::1");
    assert_eq!(
        next_64.login("six-c", "wrong-password").await.status(),
        StatusCode::UNAUTHORIZED
    );
    s.stop().await;

    // Without --trusted-proxies the header is anyone's to write, and ignored.
    let s = TestServer::start(db).await.unwrap();
    assert_eq!(
        fail_from(client_at(&s, "203.0.113.1"), "one").await,
        StatusCode::TOO_MANY_REQUESTS
    );
    assert_eq!(
        client_at(&s, "203.0.113.2")
            .login("two", "wrong-password")
            .await
            .status(),
        StatusCode::TOO_MANY_REQUESTS,
        "all from the one peer"
    );
    s.stop().await;
}
