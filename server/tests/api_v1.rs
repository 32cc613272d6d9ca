//! The JSON API under `/api/v1/` over real HTTP, on SQLite and PostgreSQL: a personal token
//! reads its workspaces' rows and never another's, from every route; the OpenAPI document
//! describes every route and every real answer (each checked against its schema); tokens
//! are stored as digests, revocable, expire, follow their owner's memberships, and are
//! rate-limited with `Retry-After`.

mod common;

use std::collections::BTreeSet;

use app::dto::{ApiTokenSummary, CreatedApiToken, PostsPage};
use common::world::{SyncWorld, TwoClients};
use common::Db;
use reqwest::StatusCode;
use serde_json::Value;
use server::dev::graph_sim::SimConfig;

per_database!(
    a_token_reads_its_workspaces_only_as_the_document_describes,
    tokens_are_rate_limited_and_refuse_bad_input,
);

/// A `GET` of `path` (under `/api/v1`) with `token`: its status, `WWW-Authenticate` and
/// `Retry-After` headers, and its JSON.
async fn get(base: &str, token: Option<&str>, path: &str) -> (StatusCode, Option<String>, Value) {
    let mut request = reqwest::Client::new().get(format!("{base}/api/v1{path}"));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let res = request.send().await.unwrap();
    let status = res.status();
    let header = |name: &str| {
        res.headers()
            .get(name)
            .map(|v| v.to_str().unwrap().to_owned())
    };
    let extra = header("www-authenticate").or(header("retry-after"));
    let text = res.text().await.unwrap();
    let json = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}: {text}"));
    (status, extra, json)
}

/// What `value` breaks of `schema` (a JSON Schema as the document uses it: `$ref`, `oneOf`,
/// `enum`, `type` (one or several), `properties`, `required`, `additionalProperties: false`,
/// `items`), each as `where: what`.
fn violations(doc: &Value, schema: &Value, value: &Value, at: &str) -> Vec<String> {
    if let Some(reference) = schema["$ref"].as_str() {
        let name = reference.trim_start_matches("#/components/schemas/");
        let target = &doc["components"]["schemas"][name];
        assert!(target.is_object(), "{at}: unknown {reference}");
        return violations(doc, target, value, at);
    }
    if let Some(branches) = schema["oneOf"].as_array() {
        return if branches
            .iter()
            .any(|b| violations(doc, b, value, at).is_empty())
        {
            Vec::new()
        } else {
            vec![format!("{at}: matches none of oneOf: {value}")]
        };
    }
    let mut found = Vec::new();
    if let Some(allowed) = schema["enum"].as_array() {
        if !allowed.contains(value) {
            found.push(format!("{at}: {value} is not one of {allowed:?}"));
        }
    }
    let types: Vec<&str> = match &schema["type"] {
        Value::String(t) => vec![t.as_str()],
        Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    let is = |t: &str| match t {
        "integer" => value.is_i64() || value.is_u64(),
        "number" => value.is_number(),
        "string" => value.is_string(),
        "boolean" => value.is_boolean(),
        "null" => value.is_null(),
        "array" => value.is_array(),
        "object" => value.is_object(),
        other => panic!("{at}: type {other} not understood"),
    };
    if !types.is_empty() && !types.iter().any(|t| is(t)) {
        found.push(format!("{at}: {value} is not {types:?}"));
        return found;
    }
    if let (Some(object), Some(properties)) = (value.as_object(), schema["properties"].as_object())
    {
        for name in schema["required"].as_array().into_iter().flatten() {
            let name = name.as_str().unwrap();
            if !object.contains_key(name) {
                found.push(format!("{at}: missing {name}"));
            }
        }
        for (name, v) in object {
            match properties.get(name) {
                Some(s) => found.extend(violations(doc, s, v, &format!("{at}.{name}"))),
                None if schema["additionalProperties"] == Value::Bool(false) => {
                    found.push(format!("{at}: {name} is not in the document"))
                }
                None => {}
            }
        }
    }
    if let (Some(items), Some(schema)) = (value.as_array(), schema.get("items")) {
        for (i, item) in items.iter().enumerate() {
            found.extend(violations(doc, schema, item, &format!("{at}[{i}]")));
        }
    }
    found
}

/// Checks an answer against the document's schema for `route`'s `status` (or its default).
fn conforms(doc: &Value, route: &str, status: StatusCode, value: &Value) {
    let responses = &doc["paths"][route]["get"]["responses"];
    assert!(responses.is_object(), "{route} is not in the document");
    let mut response = &responses[status.as_str()];
    if response.is_null() {
        response = &responses["default"];
    }
    if let Some(reference) = response["$ref"].as_str() {
        response = &doc["components"]["responses"][reference.rsplit('/').next().unwrap()];
    }
    let schema = &response["content"]["application/json"]["schema"];
    let found = violations(doc, schema, value, route);
    assert!(found.is_empty(), "{route} {status}: {found:#?}");
}

/// A token named "Sheets" for 30 days reading workspace `ws`.
fn token_form(ws: &str) -> [(&str, &str); 3] {
    [
        ("name", "Sheets"),
        ("expires_in_days", "30"),
        ("workspaces[0]", ws),
    ]
}

/// The routes the server has, read from its source, so a route the document lacks fails.
fn served_routes() -> BTreeSet<String> {
    let source = include_str!("../src/http/api_v1.rs");
    source
        .match_indices(".route(\"/api/v1")
        .map(|(i, m)| {
            let rest = &source[i + m.len()..];
            rest[..rest.find('"').unwrap()].to_owned()
        })
        .filter(|r| r != "/openapi.json")
        .collect()
}

async fn a_token_reads_its_workspaces_only_as_the_document_describes(db: Db) {
    let config = SimConfig {
        accounts: 3,
        media_per_account: 6,
        ..SimConfig::default()
    };
    let Some(w) = SyncWorld::start(db, config, &[]).await else {
        return;
    };
    let base = w.server.client().base;
    let sims = w.sim.accounts();
    let TwoClients {
        ids,
        default,
        b_ws,
        b_account,
    } = w.two_clients().await;
    let (viewer, vera) = w.viewer_of(&default).await;

    // The viewer's token for the Default; B is not theirs to name, and a token reads
    // something.
    viewer
        .fails("tokens/create", &token_form(&b_ws), StatusCode::NOT_FOUND)
        .await;
    let error = viewer
        .fails(
            "tokens/create",
            &[("name", "Sheets"), ("expires_in_days", "30")],
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    assert_eq!(common::invalid_field(&error), Some("workspaces"));
    let made: CreatedApiToken = viewer.ok("tokens/create", &token_form(&default)).await;
    let token = made.secret.clone();
    let (_, secret) = token.split_once('.').unwrap();
    assert!(token.starts_with("ila_") && secret.len() == 43, "{token}");
    assert_eq!(made.token.workspaces, ["Default"]);
    assert!(w.server.stores("api_tokens", "Sheets").await);
    assert!(
        !w.server.stores("api_tokens", secret).await,
        "stored as a digest only"
    );

    // The document: every route it lists is served, and every served route is in it.
    let (status, _, doc) = get(&base, None, "/openapi.json").await;
    assert_eq!(status, StatusCode::OK);
    let documented: BTreeSet<String> = doc["paths"].as_object().unwrap().keys().cloned().collect();
    assert_eq!(documented, served_routes());

    // What B holds, to look for in every answer.
    let b_posts: PostsPage = w
        .admin
        .ok(
            "analytics/posts",
            &[
                ("query[period][days]", "90"),
                ("query[period][workspace]", &b_ws),
            ],
        )
        .await;
    let b_media = b_posts.posts[0].id.to_string();
    let mut secrets = vec![
        sims[2].username.clone(),
        sims[2].ig_user_id.clone(),
        "Client B".to_owned(),
    ];
    secrets.extend(b_posts.posts.iter().filter_map(|p| p.permalink.clone()));
    let ours: PostsPage = w
        .admin
        .ok(
            "analytics/posts",
            &[
                ("query[period][days]", "90"),
                ("query[period][workspace]", &default),
            ],
        )
        .await;
    let our_media = ours.posts[0].id.to_string();

    // Every route, answered, as documented, without a row of B.
    let a = ids[0].to_string();
    let routes = [
        ("/accounts", "/accounts".to_owned()),
        (
            "/accounts/{id}/insights",
            format!("/accounts/{a}/insights?range=90"),
        ),
        ("/posts", "/posts?range=90&sort=reach".to_owned()),
        ("/posts/{id}", format!("/posts/{our_media}")),
        ("/hashtags", "/hashtags?range=90".to_owned()),
    ];
    assert_eq!(
        routes
            .iter()
            .map(|(r, _)| r.to_string())
            .collect::<BTreeSet<_>>(),
        documented,
        "every route is called below"
    );
    for (route, path) in &routes {
        let (status, _, body) = get(&base, Some(&token), path).await;
        assert_eq!(status, StatusCode::OK, "{path}: {body}");
        conforms(&doc, route, status, &body);
        let text = body.to_string();
        for secret in &secrets {
            assert!(!text.contains(secret.as_str()), "{path} leaked {secret}");
        }
    }
    let (_, _, posts) = get(&base, Some(&token), "/posts?range=90").await;
    assert_eq!(
        posts["total"].as_u64(),
        Some(ours.total),
        "the Default's posts, all of them"
    );
    let (_, _, accounts) = get(&base, Some(&token), "/accounts").await;
    let listed: BTreeSet<i64> = accounts
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_i64().unwrap())
        .collect();
    assert_eq!(listed, BTreeSet::from([ids[0], ids[1]]));

    // B named any way is not found; a bad parameter is a field error; no token is 401.
    for (route, path) in [
        ("/accounts", format!("/accounts?ws={b_ws}")),
        (
            "/accounts/{id}/insights",
            format!("/accounts/{b_account}/insights"),
        ),
        ("/posts", format!("/posts?account={b_account}")),
        ("/posts", format!("/posts?ws={b_ws}")),
        ("/posts/{id}", format!("/posts/{b_media}")),
        ("/hashtags", format!("/hashtags?ws={b_ws}")),
    ] {
        let (status, _, body) = get(&base, Some(&token), &path).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}: {body}");
        conforms(&doc, route, status, &body);
        assert_eq!(body["kind"], "NotFound");
    }
    let (status, _, body) = get(&base, Some(&token), "/posts?sort=nonsense").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    conforms(&doc, "/posts", status, &body);
    assert_eq!(body["field"], "sort");
    let (status, _, body) = get(&base, Some(&token), "/posts/x").await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    for bad in [
        None,
        Some("ila_1.nope"),
        Some(&*format!("{token}x")),
        Some(secret),
    ] {
        let (status, challenge, body) = get(&base, bad, "/accounts").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{bad:?}");
        assert_eq!(challenge.as_deref(), Some("Bearer realm=\"instalytics\""));
        conforms(&doc, "/accounts", status, &body);
    }

    // Lists: the viewer sees their own, the admin everyone's; another's is not the
    // viewer's to revoke. The token was used.
    let admins: CreatedApiToken = w.admin.ok("tokens/create", &token_form(&default)).await;
    let own: Vec<ApiTokenSummary> = viewer.ok("tokens/list", &[]).await;
    assert_eq!(own.len(), 1);
    assert!(own[0].last_used.is_some());
    let all: Vec<ApiTokenSummary> = w.admin.ok("tokens/list", &[]).await;
    assert_eq!(all.len(), 2);
    viewer
        .fails(
            "tokens/revoke",
            &[("id", &admins.token.id.to_string())],
            StatusCode::NOT_FOUND,
        )
        .await;
    let (status, _, _) = get(&base, Some(&admins.secret), "/accounts").await;
    assert_eq!(status, StatusCode::OK, "still works");

    // The token follows its owner: out of the Default, it reads nothing.
    w.admin
        .ok::<()>(
            "workspaces/member",
            &[
                ("workspace", &default),
                ("user", &vera.id.to_string()),
                ("member", "false"),
            ],
        )
        .await;
    let (_, _, accounts) = get(&base, Some(&token), "/accounts").await;
    assert_eq!(accounts, Value::Array(Vec::new()));

    // Revoked by an admin, or expired: 401 from the next request on.
    w.admin
        .ok::<()>("tokens/revoke", &[("id", &made.token.id.to_string())])
        .await;
    let (status, _, _) = get(&base, Some(&token), "/accounts").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    w.server
        .execute(&format!(
            "UPDATE api_tokens SET expires_at = 1 WHERE id = {}",
            admins.token.id
        ))
        .await;
    let (status, _, _) = get(&base, Some(&admins.secret), "/accounts").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    w.stop().await;
}

async fn tokens_are_rate_limited_and_refuse_bad_input(db: Db) {
    let Some(w) = SyncWorld::one_account(db).await else {
        return;
    };
    let base = w.server.client().base;
    for (form, field) in [
        (
            vec![
                ("name", " "),
                ("expires_in_days", "30"),
                ("workspaces[0]", "1"),
            ],
            "name",
        ),
        (
            vec![
                ("name", "x"),
                ("expires_in_days", "400"),
                ("workspaces[0]", "1"),
            ],
            "expires_in_days",
        ),
    ] {
        let error = w
            .admin
            .fails("tokens/create", &form, StatusCode::UNPROCESSABLE_ENTITY)
            .await;
        assert_eq!(common::invalid_field(&error), Some(field), "{form:?}");
    }
    w.admin
        .fails(
            "tokens/create",
            &[
                ("name", "x"),
                ("expires_in_days", "0"),
                ("workspaces[0]", "9999"),
            ],
            StatusCode::NOT_FOUND,
        )
        .await;
    assert_eq!(w.server.count("SELECT COUNT(*) FROM api_tokens").await, 0);
    let made: CreatedApiToken = w
        .admin
        .ok(
            "tokens/create",
            &[
                ("name", "Loop"),
                ("expires_in_days", "0"),
                ("workspaces[0]", "1"),
            ],
        )
        .await;
    assert!(made.token.expires.is_none());
    // 120 a minute, all at once if need be; then 429 with the wait. The allowance refills at
    // 2 a second (GCRA), so a loop slower than half a second gets one more per half second.
    let started = std::time::Instant::now();
    let mut limited = None;
    for n in 0..200 {
        let (status, retry, body) = get(&base, Some(&made.secret), "/accounts").await;
        if status == StatusCode::TOO_MANY_REQUESTS {
            limited = Some((n, retry, body));
            break;
        }
        assert_eq!(status, StatusCode::OK);
    }
    let (n, retry, body) = limited.expect("the token is rate-limited");
    let refilled = (started.elapsed().as_secs_f64() * 2.0) as usize;
    assert!(
        (120..=120 + refilled).contains(&n),
        "the allowance is 120 requests, plus {refilled} refilled: {n}"
    );
    let wait: u64 = retry.unwrap().parse().unwrap();
    assert!((1..=60).contains(&wait));
    assert_eq!(body["kind"], "RateLimited");
    assert_eq!(body["retry_after_secs"].as_u64(), Some(wait));
    w.stop().await;
}
