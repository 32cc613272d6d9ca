//! Sign-in, sessions, roles and first-run setup over real HTTP, on SQLite and PostgreSQL.

mod common;

use common::{Api, TestServer};
use reqwest::header::{ORIGIN, SET_COOKIE};
use reqwest::StatusCode;
use serde_json::json;

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
);

async fn add_viewer(admin: &Api, name: &str) -> i64 {
    let added = admin
        .json(
            "users/add",
            &[
                ("username", name),
                ("password", VIEWER_PW),
                ("role", "viewer"),
            ],
            StatusCode::OK,
        )
        .await;
    added["id"].as_i64().unwrap()
}

async fn sign_in_good_and_bad(s: &TestServer) {
    s.admin("alice", ADMIN_PW).await;
    let api = s.client();

    let wrong = api.login("alice", "not-the-password").await;
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    let wrong_body = wrong.text().await.unwrap();
    let unknown = api.login("nobody", "not-the-password").await;
    assert_eq!(unknown.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        unknown.text().await.unwrap(),
        wrong_body,
        "same answer for unknown user"
    );
    assert!(wrong_body.contains("BadCredentials"), "{wrong_body}");

    let ok = api.login("Alice ", ADMIN_PW).await;
    assert_eq!(ok.status(), StatusCode::OK);
    let cookie = ok
        .headers()
        .get(SET_COOKIE)
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    assert!(cookie.starts_with("instalytics_session="), "{cookie}");
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("SameSite=Lax"), "{cookie}");
    assert!(
        !cookie.contains("Secure"),
        "plain-HTTP default must not set Secure: {cookie}"
    );
    let user: serde_json::Value = ok.json().await.unwrap();
    assert_eq!(user["username"], "alice");
    assert_eq!(user["role"], "admin");
}

async fn session_persists_and_is_gone_after_sign_out(s: &TestServer) {
    let admin = s.admin("alice", ADMIN_PW).await;
    assert_eq!(admin.whoami().await["username"], "alice");
    assert_eq!(
        admin.whoami().await["username"],
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
    let cookie = res.headers().get(SET_COOKIE).unwrap().to_str().unwrap();
    let pair = cookie.split(';').next().unwrap().to_owned();
    let first_id = pair.clone();
    fresh.json("logout", &[], StatusCode::OK).await;
    assert_eq!(fresh.whoami().await, json!(null));
    let replay = reqwest::Client::new()
        .post(format!("{}/api/whoami", s.base))
        .header("cookie", &pair)
        .send()
        .await
        .unwrap();
    assert_eq!(
        replay.json::<serde_json::Value>().await.unwrap(),
        json!(null)
    );

    // A new sign-in gets a new session id.
    let again = fresh.login("alice", ADMIN_PW).await;
    let cookie = again.headers().get(SET_COOKIE).unwrap().to_str().unwrap();
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
    let list = admin.json("users/list", &[], StatusCode::OK).await;
    assert_eq!(list.as_array().unwrap().len(), 2);
}

async fn last_admin_and_self_protection(s: &TestServer) {
    let alice = s.admin("alice", ADMIN_PW).await;
    let me = alice.whoami().await["id"].as_i64().unwrap().to_string();
    let res = alice
        .call("users/role", &[("id", &me), ("role", "viewer")])
        .await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    let res = alice.call("users/delete", &[("id", &me)]).await;
    assert_eq!(res.status(), StatusCode::CONFLICT);

    // With a second admin, alice can be demoted by bob, but then bob is the last admin.
    let added = alice
        .json(
            "users/add",
            &[
                ("username", "bob"),
                ("password", ADMIN_PW),
                ("role", "admin"),
            ],
            StatusCode::OK,
        )
        .await;
    let bob_id = added["id"].as_i64().unwrap();
    let bob = s.client();
    assert_eq!(bob.login("bob", ADMIN_PW).await.status(), StatusCode::OK);
    bob.json(
        "users/role",
        &[("id", &me), ("role", "viewer")],
        StatusCode::OK,
    )
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
    bob.json("users/delete", &[("id", &me)], StatusCode::OK)
        .await;
    // Deleted users lose their session.
    assert_eq!(alice.whoami().await, json!(null));
}

async fn setup_link_is_single_use(s: &TestServer) {
    let token = s.setup_token();
    let api = s.client();
    assert_eq!(
        api.json("setup_status", &[("token", "wrong")], StatusCode::OK)
            .await,
        json!(false)
    );
    assert_eq!(
        api.json("setup_status", &[("token", &token)], StatusCode::OK)
            .await,
        json!(true)
    );
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

    assert_eq!(
        api.json("setup_status", &[("token", &token)], StatusCode::OK)
            .await,
        json!(false)
    );
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
    let res = api.login("alice", ADMIN_PW).await;
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    let body = res.text().await.unwrap();
    assert!(body.contains("retry_after_secs"), "{body}");
}

async fn input_rules_are_enforced_on_the_server(s: &TestServer) {
    let admin = s.admin("alice", ADMIN_PW).await;
    let res = admin
        .call(
            "users/add",
            &[
                ("username", "ok-name"),
                ("password", "123456789"),
                ("role", "viewer"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = res.text().await.unwrap();
    assert!(
        body.contains("\"password\"") && body.contains("at least 10"),
        "{body}"
    );

    let res = admin
        .call(
            "users/add",
            &[
                ("username", "no spaces"),
                ("password", VIEWER_PW),
                ("role", "viewer"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.text().await.unwrap().contains("\"username\""));

    add_viewer(&admin, "victor").await;
    let res = admin
        .call(
            "users/add",
            &[
                ("username", "Victor"),
                ("password", VIEWER_PW),
                ("role", "viewer"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.text().await.unwrap().contains("taken"));

    let res = admin
        .call(
            "users/add",
            &[
                ("username", "x1x"),
                ("password", VIEWER_PW),
                ("role", "root"),
            ],
        )
        .await;
    // An unknown role cannot even be read: a bad request, with what could not be read.
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert!(res.text().await.unwrap().contains(r#"{"Malformed":"#));

    // Oversized bodies never reach a handler.
    let huge = "x".repeat(server::http::MAX_BODY_BYTES + 1);
    let res = admin
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
        admin
            .json("users/list", &[], StatusCode::OK)
            .await
            .as_array()
            .unwrap()
            .len(),
        2
    );
}

async fn user_admin_round_trip(s: &TestServer) {
    let admin = s.admin("alice", ADMIN_PW).await;
    let id = add_viewer(&admin, "victor").await.to_string();
    admin
        .json(
            "users/role",
            &[("id", &id), ("role", "admin")],
            StatusCode::OK,
        )
        .await;
    admin
        .json(
            "users/password",
            &[("id", &id), ("password", "a-brand-new-pass")],
            StatusCode::OK,
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
    assert_eq!(victor.whoami().await["role"], "admin");
    let list = victor.json("users/list", &[], StatusCode::OK).await;
    let names: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["username"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["alice", "victor"]);
    admin
        .json("users/delete", &[("id", &id)], StatusCode::OK)
        .await;
    assert_eq!(
        admin.call("users/delete", &[("id", &id)]).await.status(),
        StatusCode::NOT_FOUND
    );
}

/// Signs `name` in on a new client.
async fn signed_in(s: &TestServer, name: &str, password: &str) -> Api {
    let api = s.client();
    assert_eq!(api.login(name, password).await.status(), StatusCode::OK);
    assert_eq!(api.whoami().await["username"], name);
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
        .json(
            "users/password",
            &[("id", &id.to_string()), ("password", "petra-new-password")],
            StatusCode::OK,
        )
        .await;
    for device in [&laptop, &phone] {
        assert_eq!(device.whoami().await, json!(null));
        device
            .json("accounts/list", &[], StatusCode::UNAUTHORIZED)
            .await;
    }
    assert_eq!(s.count(&sessions).await, 0);
    signed_in(s, "petra", "petra-new-password").await;

    // Resetting one's own password keeps the session it is done from, and only that one.
    let elsewhere = signed_in(s, "alice", ADMIN_PW).await;
    let alice = admin.whoami().await["id"].as_i64().unwrap();
    admin
        .json(
            "users/password",
            &[
                ("id", &alice.to_string()),
                ("password", "alice-new-password"),
            ],
            StatusCode::OK,
        )
        .await;
    assert_eq!(admin.whoami().await["username"], "alice");
    assert_eq!(elsewhere.whoami().await, json!(null));

    // A deleted user's sessions go with them.
    admin
        .json("users/delete", &[("id", &id.to_string())], StatusCode::OK)
        .await;
    assert_eq!(s.count(&sessions).await, 0);
}
