//! "Connect with Instagram" through the simulator's OAuth pages, and Meta's signed
//! data-deletion and deauthorize callbacks, over real HTTP.

mod common;

use app::dto::{AccountSummary, LinkedAccount};
use common::{sim_oauth_flags, Db, TestServer};
use reqwest::redirect::Policy;
use reqwest::{Client, StatusCode};
use server::dev::graph_sim::{SimConfig, SimServer, Simulator};
use server::graph::signed_request;
use time::OffsetDateTime;

const PASSWORD: &str = "correct horse battery";
const APP_SECRET: &str = "instagram-app-secret";

async fn start(db: Db) -> Option<(Simulator, SimServer, TestServer)> {
    let sim = Simulator::new(SimConfig {
        accounts: 2,
        media_per_account: 10,
        start: OffsetDateTime::now_utc(),
        ..SimConfig::default()
    });
    let sim_server = sim.serve("127.0.0.1:0".parse().unwrap()).await.unwrap();
    let flags = sim_oauth_flags(&sim_server, "990011", APP_SECRET);
    let server = TestServer::start_with(db, &flags).await?;
    Some((sim, sim_server, server))
}

async fn oauth_connects_and_state_is_single_use(db: Db) {
    let Some((sim, sim_server, server)) = start(db).await else {
        return;
    };
    let api = server.admin_without_redirects("admin", PASSWORD).await;
    let authorize = api
        .location(&format!("{}/oauth/instagram/start", server.base))
        .await;
    let url = reqwest::Url::parse(&authorize).unwrap();
    let param = |name: &str| {
        url.query_pairs()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
    };
    assert_eq!(param("client_id").as_deref(), Some("990011"));
    assert_eq!(param("response_type").as_deref(), Some("code"));
    assert!(param("scope")
        .unwrap()
        .contains("instagram_business_manage_insights"));
    assert!(param("state").unwrap().len() >= 32);
    assert!(!authorize.contains(APP_SECRET));

    // Instagram (the simulator) sends the browser back with a code and the state.
    let callback = api.location(&authorize).await;
    assert!(callback.starts_with(&format!("{}/oauth/instagram/callback?", server.base)));
    let done = api.location(&callback).await;
    let expected = sim.accounts()[0].username.clone();
    assert_eq!(done, format!("/accounts?connected={expected}"));
    let app_user = server
        .scalar::<Option<String>>("SELECT app_user_id FROM accounts")
        .await;
    assert_eq!(
        app_user.as_deref(),
        Some(sim.accounts()[0].ig_user_id.as_str())
    );
    let expires = server
        .scalar::<Option<i64>>("SELECT token_expires_at FROM accounts")
        .await
        .unwrap();
    let days = (expires - server::clock::unix_now()) / 86_400;
    assert!((58..=60).contains(&days), "long-lived token: {days} days");

    // The same callback again: the state was used up.
    let replay = api.location(&callback).await;
    assert!(replay.starts_with("/accounts?oauth_error="), "{replay}");
    // A callback with a state this session never issued.
    let forged = api
        .location(&format!(
            "{}/oauth/instagram/callback?code=AQx&state=forged",
            server.base
        ))
        .await;
    assert!(forged.starts_with("/accounts?oauth_error="));
    assert_eq!(server.count("SELECT COUNT(*) FROM accounts").await, 1);

    // Only admins may start it.
    let anonymous = Client::builder().redirect(Policy::none()).build().unwrap();
    let res = anonymous
        .get(format!("{}/oauth/instagram/start", server.base))
        .send()
        .await
        .unwrap();
    assert!(res.status().is_redirection());
    assert_eq!(res.headers()[reqwest::header::LOCATION], "/login");
    server.stop().await;
    sim_server.stop().await;
}

async fn meta_callbacks_verify_signatures_and_act(db: Db) {
    let Some((sim, sim_server, server)) = start(db).await else {
        return;
    };
    let admin = server.admin("admin", PASSWORD).await;
    for account in sim.accounts() {
        common::connect(&admin, &account).await;
    }
    let [first, second] = [&sim.accounts()[0], &sim.accounts()[1]].map(|a| a.ig_user_id.clone());
    let http = Client::new();
    let post = |path: &'static str, signed: String| {
        let http = http.clone();
        let url = format!("{}{path}", server.base);
        async move {
            http.post(url)
                .form(&[("signed_request", signed)])
                .send()
                .await
                .unwrap()
        }
    };
    let issued = |at: i64, user: &str| {
        format!(r#"{{"algorithm":"HMAC-SHA256","issued_at":{at},"user_id":"{user}"}}"#)
    };
    let now = OffsetDateTime::now_utc().unix_timestamp();
    let payload = |user: &str| issued(now, user);

    // A forged signature changes nothing.
    let forged = signed_request::sign(&payload(&first), "not-the-secret");
    assert_eq!(
        post("/meta/data-deletion", forged).await.status(),
        StatusCode::BAD_REQUEST
    );
    assert_eq!(server.count("SELECT COUNT(*) FROM accounts").await, 2);

    // A correctly signed request issued two days ago is a replay someone kept: refused.
    let stale = signed_request::sign(&issued(now - 2 * 86_400, &first), APP_SECRET);
    assert_eq!(
        post("/meta/data-deletion", stale).await.status(),
        StatusCode::BAD_REQUEST
    );
    assert_eq!(server.count("SELECT COUNT(*) FROM accounts").await, 2);

    // Deauthorize disables, keeping the data.
    let deauthorize = signed_request::sign(&payload(&second), APP_SECRET);
    let res = post("/meta/deauthorize", deauthorize.clone()).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        post("/meta/deauthorize", deauthorize).await.status(),
        StatusCode::CONFLICT,
        "the same request twice"
    );
    let enabled = server
        .scalar::<bool>(&format!(
            "SELECT enabled FROM accounts WHERE ig_user_id = '{second}'"
        ))
        .await;
    assert!(!enabled);

    // Data deletion removes that user's account and says where to check.
    let deletion = signed_request::sign(&payload(&first), APP_SECRET);
    let res = post("/meta/data-deletion", deletion.clone()).await;
    assert_eq!(res.status(), StatusCode::OK);
    // Raw JSON: Meta's callback contract, not an app DTO, fixes these field names.
    let answer: serde_json::Value = res.json().await.unwrap();
    let code = answer["confirmation_code"].as_str().unwrap().to_owned();
    let url = answer["url"].as_str().unwrap();
    assert_eq!(url, format!("{}/privacy/deletion/{code}", server.base));
    assert_eq!(
        server
            .count(&format!(
                "SELECT COUNT(*) FROM accounts WHERE ig_user_id = '{first}'"
            ))
            .await,
        0
    );
    assert_eq!(server.count("SELECT COUNT(*) FROM accounts").await, 1);
    // Replayed after the user connected again: refused, the account stays.
    common::connect(&admin, &sim.accounts()[0]).await;
    let replay = post("/meta/data-deletion", deletion).await;
    assert_eq!(replay.status(), StatusCode::CONFLICT);
    assert_eq!(server.count("SELECT COUNT(*) FROM accounts").await, 2);
    assert_eq!(
        server.count("SELECT COUNT(*) FROM deletion_requests").await,
        1
    );
    let page = http.get(url).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    assert!(page.text().await.unwrap().contains(&code));

    // A pasted token's account is found by the app-scoped user id Meta's callbacks name,
    // which is not the Instagram account's id.
    let scoped = server
        .scalar::<Option<String>>(&format!(
            "SELECT app_user_id FROM accounts WHERE ig_user_id = '{second}'"
        ))
        .await
        .expect("the app-scoped user id is recorded at connect");
    assert_ne!(scoped, second);
    let by_scoped = signed_request::sign(&payload(&scoped), APP_SECRET);
    assert_eq!(
        post("/meta/data-deletion", by_scoped).await.status(),
        StatusCode::OK
    );
    assert_eq!(
        server
            .count(&format!(
                "SELECT COUNT(*) FROM accounts WHERE ig_user_id = '{second}'"
            ))
            .await,
        0
    );
    server.stop().await;
    sim_server.stop().await;
}

/// "Connect with Facebook": the dialog, the code exchanged for a long-lived token kept sealed
/// in the session, the user's three accounts (of four Pages) listed to pick, two connected,
/// and the login over.
async fn facebook_oauth_lists_the_users_accounts_to_pick(db: Db) {
    let sim = Simulator::new(SimConfig {
        accounts: 6,
        media_per_account: 5,
        facebook_user_accounts: 3,
        start: OffsetDateTime::now_utc(),
        ..SimConfig::default()
    });
    let sim_server = sim.serve("127.0.0.1:0".parse().unwrap()).await.unwrap();
    let flags = sim_oauth_flags(&sim_server, "990011", APP_SECRET);
    let Some(server) = TestServer::start_with(db, &flags).await else {
        return;
    };
    let api = server.admin_without_redirects("admin", PASSWORD).await;
    let authorize = api
        .location(&format!("{}/oauth/facebook/start", server.base))
        .await;
    let url = reqwest::Url::parse(&authorize).unwrap();
    let scope = url.query_pairs().find(|(k, _)| k == "scope").unwrap().1;
    assert_eq!(
        scope,
        "instagram_basic,instagram_manage_insights,pages_show_list,pages_read_engagement"
    );
    let callback = api.location(&authorize).await;
    assert!(callback.starts_with(&format!("{}/oauth/facebook/callback?", server.base)));
    assert!(callback.ends_with("#_=_"), "{callback}");
    assert_eq!(api.location(&callback).await, "/accounts?pick=facebook");
    assert_eq!(server.count("SELECT COUNT(*) FROM accounts").await, 0);
    // The token waits in the session, sealed: no simulator token (EAA + 64 hex) in clear.
    let sessions = server
        .scalar::<String>("SELECT data FROM sessions WHERE data LIKE '%facebook_login%'")
        .await;
    let token_like = sessions
        .split("EAA")
        .skip(1)
        .any(|rest| rest.len() >= 64 && rest[..64].bytes().all(|b| b.is_ascii_hexdigit()));
    assert!(!token_like, "{sessions}");

    let fb: Vec<_> = sim
        .accounts()
        .into_iter()
        .filter(|a| a.flavour == server::dev::graph_sim::Flavour::FacebookLogin)
        .collect();
    let linked: Vec<LinkedAccount> = api.ok("accounts/pending", &[]).await;
    let names: Vec<&str> = linked.iter().map(|l| l.username.as_str()).collect();
    let expected: Vec<&str> = fb.iter().map(|a| a.username.as_str()).collect();
    assert_eq!(names, expected);
    let picked = [
        ("accounts[0]", fb[0].ig_user_id.as_str()),
        ("accounts[1]", fb[1].ig_user_id.as_str()),
    ];
    let connected: Vec<AccountSummary> = api.ok("accounts/connect_pending", &picked).await;
    assert_eq!(connected.len(), 2);
    let expires = server
        .scalar::<Option<i64>>("SELECT MIN(token_expires_at) FROM accounts")
        .await
        .unwrap();
    let days = (expires - server::clock::unix_now()) / 86_400;
    assert!((58..=60).contains(&days), "long-lived token: {days} days");

    // The login is over: nothing to pick, and connecting again is refused.
    let linked: Vec<LinkedAccount> = api.ok("accounts/pending", &[]).await;
    assert!(linked.is_empty());
    let err = api
        .fails(
            "accounts/connect_pending",
            &[],
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    assert_eq!(common::invalid_field(&err), Some("accounts"));
    assert_eq!(server.count("SELECT COUNT(*) FROM accounts").await, 2);
    server.stop().await;
    sim_server.stop().await;
}

per_database!(
    facebook_oauth_lists_the_users_accounts_to_pick,
    oauth_connects_and_state_is_single_use,
    meta_callbacks_verify_signatures_and_act
);
