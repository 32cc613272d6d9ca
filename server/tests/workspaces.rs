//! Workspaces over real HTTP, on SQLite and PostgreSQL: an installation of the previous
//! schema upgrades to one "Default" workspace that nobody loses sight of, and a viewer of one
//! workspace never receives a row of another, from any server function or page.

mod common;

use std::collections::BTreeSet;

use app::dto::{
    AccountSummary, Audience, BestTime, Hashtags, Overview, PostsPage, StoriesPage, SyncRunView,
    WorkspaceChoice, WorkspaceSummary,
};
use common::world::{SyncWorld, TwoClients, PASSWORD};
use common::{Api, Db};
use migrations::{Migrator, MigratorTrait};
use reqwest::StatusCode;
use sea_orm::{ConnectionTrait, Database};
use server::auth::password::Passwords;
use server::crypto::{Cipher, MasterKey};
use server::dev::graph_sim::SimConfig;
use server::store::entities::users::DbRole;
use server::store::users::UserStore;

/// The migration that brought workspaces: the schema before it is the previous release's.
const WORKSPACES: &str = "m20261208_000016_create_workspaces";

per_database!(
    an_installation_of_the_previous_schema_gets_a_default_workspace,
    a_viewer_of_one_workspace_never_receives_a_row_of_another,
    workspaces_are_managed_by_admins_with_clear_refusals,
);

async fn an_installation_of_the_previous_schema_gets_a_default_workspace(db: Db) {
    let dir = tempfile::tempdir().unwrap();
    let Some((url, _pg)) = common::database(db, dir.path()).await else {
        return;
    };
    // The database as the previous binary left it: its schema, an admin, a viewer, accounts.
    let conn = Database::connect(&url).await.unwrap();
    let before = Migrator::migrations()
        .iter()
        .position(|m| m.name() == WORKSPACES)
        .expect("the workspaces migration");
    Migrator::up(&conn, Some(u32::try_from(before).unwrap()))
        .await
        .unwrap();
    assert!(!Migrator::get_pending_migrations(&conn)
        .await
        .unwrap()
        .is_empty());
    let users = UserStore::new(conn.clone());
    let passwords = Passwords::new().await.unwrap();
    for (name, role) in [("ada", DbRole::Admin), ("vic", DbRole::Viewer)] {
        let hash = passwords.hash(PASSWORD).await.unwrap();
        users.insert(name, hash, role).await.unwrap();
    }
    let key = MasterKey::generate();
    key.install(dir.path()).unwrap();
    let cipher = Cipher::new(key);
    for (n, name) in [(1, "alpha"), (2, "beta")] {
        let ig_user_id = format!("1784140000000000{n}");
        let token = cipher.seal("IGAA-old-token", &ig_user_id);
        conn.execute_unprepared(&format!(
            "INSERT INTO accounts (ig_user_id, flavour, username, followers_count, \
             follows_count, media_count, enabled, status, token, token_issued_at, \
             next_sync_at, sync_requested, created_at) VALUES ('{ig_user_id}', \
             'instagram_login', '{name}', 10, 1, 0, false, 'ok', '{token}', 0, 0, false, 0)"
        ))
        .await
        .unwrap();
    }
    drop(conn);

    // The new binary migrates at start.
    let running = server::start(common::serve_args(dir.path(), &url, &[]))
        .await
        .expect("the server starts on the old database");
    let base = running.url();
    let viewer = Api::new(&base);
    assert_eq!(viewer.login("vic", PASSWORD).await.status(), StatusCode::OK);
    let seen: Vec<AccountSummary> = viewer.ok("accounts/list", &[]).await;
    let names: Vec<&str> = seen.iter().map(|a| a.username.as_str()).collect();
    assert_eq!(
        names,
        ["alpha", "beta"],
        "the viewer still sees every account"
    );
    let choices: Vec<WorkspaceChoice> = viewer.ok("workspaces/choices", &[]).await;
    assert_eq!(choices.len(), 1);
    assert_eq!(choices[0].name, "Default");
    assert!(seen.iter().all(|a| a.workspace == choices[0].id));

    let admin = Api::new(&base);
    assert_eq!(admin.login("ada", PASSWORD).await.status(), StatusCode::OK);
    let all: Vec<WorkspaceSummary> = admin.ok("workspaces/list", &[]).await;
    assert_eq!(all[0].accounts, ["alpha", "beta"]);
    let members: Vec<&str> = all[0].members.iter().map(|(_, n)| n.as_str()).collect();
    assert_eq!(members, ["ada", "vic"]);
    // A new workspace gets a new id (PostgreSQL's sequence moved past the Default's).
    let made: WorkspaceChoice = admin.ok("workspaces/create", &[("name", "Client B")]).await;
    assert_ne!(made.id, choices[0].id);
    running.stop().await.unwrap();
}

/// Everything a signed-in reader can ask, with its arguments.
fn reader_calls(
    account: &str,
    media: &str,
    ws: &str,
) -> Vec<(&'static str, Vec<(String, String)>)> {
    let pair = |k: &str, v: &str| (k.to_owned(), v.to_owned());
    let mut calls = vec![
        ("accounts/list", vec![]),
        ("accounts/oauth", vec![]),
        ("workspaces/choices", vec![]),
        ("sync/runs", vec![]),
        ("analytics/overview", vec![pair("query[days]", "90")]),
        ("analytics/posts", vec![pair("query[period][days]", "90")]),
        ("analytics/stories", vec![pair("query[period][days]", "90")]),
        ("analytics/hashtags", vec![pair("query[days]", "90")]),
        (
            "analytics/best-time",
            vec![pair("query[period][days]", "90")],
        ),
        ("analytics/audience", vec![]),
        ("analytics/post", vec![pair("id", media)]),
        ("whoami", vec![]),
        ("shares/current", vec![]),
        ("tokens/list", vec![]),
        ("privacy/contact", vec![]),
    ];
    // The same asked for the other workspace's account, and for the other workspace.
    for (name, key) in [
        ("accounts/list", "workspace"),
        ("sync/runs", "workspace"),
        ("analytics/overview", "query[workspace]"),
        ("analytics/posts", "query[period][workspace]"),
        ("analytics/stories", "query[period][workspace]"),
        ("analytics/hashtags", "query[workspace]"),
        ("analytics/best-time", "query[period][workspace]"),
        ("analytics/audience", "query[workspace]"),
    ] {
        calls.push((name, vec![pair(key, ws)]));
    }
    calls.push((
        "tokens/create",
        vec![
            pair("name", "Mine"),
            pair("expires_in_days", "0"),
            pair("workspaces[0]", ws),
        ],
    ));
    for (name, key) in [
        ("sync/runs", "account"),
        ("analytics/overview", "query[account]"),
        ("analytics/posts", "query[period][account]"),
        ("analytics/stories", "query[period][account]"),
        ("analytics/hashtags", "query[account]"),
        ("analytics/best-time", "query[period][account]"),
        ("analytics/audience", "query[account]"),
    ] {
        calls.push((name, vec![pair(key, account)]));
    }
    calls
}

/// The server functions only admins may call, with arguments that would work for an admin:
/// a viewer gets 403 from each, so none of them can hand a viewer another workspace's rows
/// or move them.
fn admin_only<'a>(
    account: &'a str,
    ws: &'a str,
    user: &'a str,
) -> Vec<(&'static str, Vec<(&'static str, &'a str)>)> {
    let token = "IGAAx0123456789abcdefghijklmnop";
    vec![
        ("accounts/pending", vec![]),
        ("accounts/connect_pending", vec![]),
        (
            "accounts/find",
            vec![("flavour", "instagram_login"), ("token", token)],
        ),
        (
            "accounts/connect",
            vec![("flavour", "instagram_login"), ("token", token)],
        ),
        ("accounts/sync", vec![("id", account)]),
        (
            "accounts/enabled",
            vec![("id", account), ("enabled", "false")],
        ),
        ("accounts/deletion_preview", vec![("id", account)]),
        ("accounts/delete", vec![("id", account)]),
        ("users/list", vec![]),
        (
            "users/add",
            vec![
                ("username", "mallory"),
                ("password", PASSWORD),
                ("role", "admin"),
            ],
        ),
        ("users/role", vec![("id", user), ("role", "admin")]),
        ("users/password", vec![("id", user), ("password", PASSWORD)]),
        ("users/delete", vec![("id", user)]),
        ("export/status", vec![]),
        (
            "export/destination",
            vec![
                ("project", "my-project"),
                ("dataset", "ig"),
                ("location", "EU"),
            ],
        ),
        ("export/key", vec![("key", "{}")]),
        ("export/enabled", vec![("enabled", "true")]),
        ("export/test", vec![]),
        ("notify/view", vec![]),
        ("notify/log", vec![]),
        (
            "notify/add",
            vec![
                ("kind", "webhook"),
                ("label", "Mine"),
                ("target", "https://example.com/hook"),
            ],
        ),
        ("notify/test", vec![("id", "1")]),
        ("notify/remove", vec![("id", "1")]),
        ("notify/rule", vec![("rule", "needs_reauth")]),
        (
            "notify/report_add",
            vec![
                ("cadence", "weekly"),
                ("day", "1"),
                ("hour", "9"),
                ("recipients", "a@example.com"),
            ],
        ),
        ("notify/report_remove", vec![("id", "1")]),
        ("notify/report_send", vec![("id", "1")]),
        (
            "notify/smtp",
            vec![
                ("host", "smtp.example.com"),
                ("port", "587"),
                ("security", "starttls"),
                ("from", "a@example.com"),
            ],
        ),
        ("settings/get", vec![]),
        (
            "settings/update",
            vec![("field", "lookback_days"), ("value", "30")],
        ),
        ("workspaces/list", vec![]),
        ("workspaces/create", vec![("name", "Mine")]),
        ("workspaces/rename", vec![("id", ws), ("name", "Mine")]),
        ("workspaces/delete", vec![("id", ws)]),
        (
            "workspaces/move",
            vec![("account", account), ("workspace", "1")],
        ),
        (
            "workspaces/member",
            vec![("workspace", ws), ("user", user), ("member", "true")],
        ),
        (
            "shares/create",
            vec![
                ("label", "Mine"),
                ("path", "/"),
                ("workspace", ws),
                ("expires_in_days", "0"),
            ],
        ),
        ("shares/list", vec![]),
        ("shares/revoke", vec![("id", "1")]),
    ]
}

/// Called before signing in, or not readers' business: sign-in, setup, the public pages;
/// and revoking a token, which for a viewer only ever finds their own (checked in
/// `api_v1.rs`).
const NOT_READS: &[&str] = &[
    "login",
    "logout",
    "setup",
    "setup_status",
    "privacy/deletion",
    "tokens/revoke",
];

/// Every `#[server(... endpoint = "…")]` of the app, read from its source, so a new server
/// function cannot escape this test unnoticed.
fn every_endpoint() -> BTreeSet<String> {
    let api = concat!(env!("CARGO_MANIFEST_DIR"), "/../app/src/api");
    let mut found = BTreeSet::new();
    for file in std::fs::read_dir(api).unwrap() {
        let text = std::fs::read_to_string(file.unwrap().path()).unwrap();
        for (_, rest) in text
            .match_indices("endpoint = \"")
            .map(|(i, _)| ((), &text[i + 12..]))
        {
            found.insert(rest[..rest.find('"').unwrap()].to_owned());
        }
    }
    found
}

async fn a_viewer_of_one_workspace_never_receives_a_row_of_another(db: Db) {
    let config = SimConfig {
        accounts: 3,
        media_per_account: 6,
        ..SimConfig::default()
    };
    let Some(w) = SyncWorld::start(db, config, &[]).await else {
        return;
    };
    // Workspace B holds the third account; the viewer is a member of the Default only.
    let sims = w.sim.accounts();
    let TwoClients {
        ids,
        default,
        b_ws,
        b_account,
    } = w.two_clients().await;
    let (viewer, vera) = w.viewer_of(&default).await;
    let vera_id = vera.id.to_string();

    // What B holds, as the admin reads it: its account's names and its media's ids.
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
    assert!(!b_posts.posts.is_empty(), "B's account has posts to leak");
    assert!(b_posts.posts.iter().all(|p| p.account_id.0 == ids[2]));
    let b_media = b_posts.posts[0].id.to_string();
    let secrets: Vec<String> = {
        let b_sim = &sims[2];
        let mut s = vec![
            b_sim.username.clone(),
            b_sim.ig_user_id.clone(),
            "Client B".into(),
        ];
        s.extend(b_posts.posts.iter().filter_map(|p| p.permalink.clone()));
        s
    };

    // Every server function is either called below as the viewer, refused to viewers, or
    // not a reader's.
    let calls = reader_calls(&b_account, &b_media, &b_ws);
    let refused = admin_only(&b_account, &b_ws, &vera_id);
    let called: BTreeSet<&str> = calls
        .iter()
        .map(|(name, _)| *name)
        .chain(refused.iter().map(|(name, _)| *name))
        .chain(NOT_READS.iter().copied())
        .collect();
    for endpoint in every_endpoint() {
        assert!(
            called.contains(endpoint.as_str()),
            "server function {endpoint} is not covered by the isolation test"
        );
    }
    for (name, form) in &refused {
        let (status, body) = viewer.answer(name, form).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{name} as a viewer: {body}");
    }
    // Refused, they changed nothing: B and its account are where they were.
    assert_eq!(connected_workspace_of(&w, &b_account).await, b_ws);
    assert_eq!(w.server.count("SELECT COUNT(*) FROM workspaces").await, 2);
    assert_eq!(w.server.count("SELECT COUNT(*) FROM share_links").await, 0);
    for (name, args) in &calls {
        let form: Vec<(&str, &str)> = args.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let (status, body) = viewer.answer(name, &form).await;
        let names_b = args
            .iter()
            .any(|(k, _)| k.contains("workspace") || k.contains("account"))
            || *name == "analytics/post";
        if names_b {
            assert_eq!(
                status,
                StatusCode::NOT_FOUND,
                "{name} {args:?} names B: {body}"
            );
        } else {
            assert_eq!(status, StatusCode::OK, "{name} {args:?}: {body}");
        }
        for secret in &secrets {
            assert!(
                !body.contains(secret.as_str()),
                "{name} {args:?} leaked {secret}: {body}"
            );
        }
    }

    // Counts and totals: the viewer's "all accounts" is the Default workspace's, exactly.
    let default_only = [
        ("query[days]", "90"),
        ("query[workspace]", default.as_str()),
    ];
    let mine: Overview = viewer
        .ok("analytics/overview", &[("query[days]", "90")])
        .await;
    let admins: Overview = w.admin.ok("analytics/overview", &default_only).await;
    let everything: Overview = w
        .admin
        .ok("analytics/overview", &[("query[days]", "90")])
        .await;
    assert_eq!(mine.kpis, admins.kpis);
    assert_ne!(
        mine.kpis, everything.kpis,
        "B's account counts in the admin's total"
    );
    let listed: Vec<AccountSummary> = viewer.ok("accounts/list", &[]).await;
    let listed: BTreeSet<i64> = listed.iter().map(|a| a.id.0).collect();
    assert_eq!(listed, BTreeSet::from([ids[0], ids[1]]));
    let runs: Vec<SyncRunView> = viewer.ok("sync/runs", &[]).await;
    assert!(!runs.is_empty() && runs.iter().all(|r| r.account_id.0 != ids[2]));
    let posts: PostsPage = viewer
        .ok("analytics/posts", &[("query[period][days]", "90")])
        .await;
    let all_posts: PostsPage = w
        .admin
        .ok("analytics/posts", &[("query[period][days]", "90")])
        .await;
    assert_eq!(posts.total + b_posts.total, all_posts.total);
    let _: (StoriesPage, Hashtags, BestTime, Audience) = (
        viewer
            .ok("analytics/stories", &[("query[period][days]", "90")])
            .await,
        viewer
            .ok("analytics/hashtags", &[("query[days]", "90")])
            .await,
        viewer
            .ok("analytics/best-time", &[("query[period][days]", "90")])
            .await,
        viewer.ok("analytics/audience", &[]).await,
    );

    // Pages: B's post is not found, and no page the viewer opens names B.
    let (status, html) = viewer.page(&format!("/posts/{b_media}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(!html.contains(&sims[2].username));
    for page in [
        "/",
        "/posts",
        "/stories",
        "/hashtags",
        "/best-time",
        "/audience",
        "/accounts",
        "/sync-log",
    ] {
        let (status, html) = viewer.page(page).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        for secret in &secrets {
            assert!(!html.contains(secret.as_str()), "{page} leaked {secret}");
        }
        let (status, _) = viewer.page(&format!("{page}?ws={b_ws}")).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{page}?ws=B");
    }

    // Removed from the Default, the viewer sees nothing at all; the admin's B shows B only.
    w.admin
        .ok::<()>(
            "workspaces/member",
            &[
                ("workspace", &default),
                ("user", &vera_id),
                ("member", "false"),
            ],
        )
        .await;
    let none: Vec<AccountSummary> = viewer.ok("accounts/list", &[]).await;
    assert!(none.is_empty());
    let nothing: PostsPage = viewer
        .ok("analytics/posts", &[("query[period][days]", "90")])
        .await;
    assert_eq!(nothing.total, 0);
    let only_b: Vec<AccountSummary> = w.admin.ok("accounts/list", &[("workspace", &b_ws)]).await;
    assert_eq!(only_b.len(), 1);
    assert_eq!(only_b[0].id.0, ids[2]);
    w.server.stop().await;
}

async fn workspaces_are_managed_by_admins_with_clear_refusals(db: Db) {
    let Some(w) = SyncWorld::start(
        db,
        SimConfig {
            accounts: 2,
            ..SimConfig::default()
        },
        &[],
    )
    .await
    else {
        return;
    };
    let sims = w.sim.accounts();
    let first = common::connect(&w.admin, &sims[0]).await.to_string();
    let made: WorkspaceChoice = w
        .admin
        .ok("workspaces/create", &[("name", "  Acme  ")])
        .await;
    assert_eq!(made.name, "Acme");
    let acme = made.id.to_string();
    // Names: empty, too long, or taken in any case are field errors; nothing is created.
    for bad in ["", "   ", &"x".repeat(81), "acme", "DEFAULT"] {
        let error = w
            .admin
            .fails(
                "workspaces/create",
                &[("name", bad)],
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        assert_eq!(common::invalid_field(&error), Some("name"), "{bad:?}");
    }
    assert_eq!(w.server.count("SELECT COUNT(*) FROM workspaces").await, 2);
    // With two workspaces a new viewer needs one chosen; the refusal leaves no user behind.
    let viewer = [
        ("username", "nadia"),
        ("password", PASSWORD),
        ("role", "viewer"),
    ];
    for chosen in [None, Some("9999")] {
        let mut form = viewer.to_vec();
        form.extend(chosen.map(|id| ("workspace", id)));
        let error = w
            .admin
            .fails("users/add", &form, StatusCode::UNPROCESSABLE_ENTITY)
            .await;
        assert_eq!(
            common::invalid_field(&error),
            Some("workspace"),
            "{chosen:?}"
        );
    }
    assert_eq!(w.server.count("SELECT COUNT(*) FROM users").await, 1);
    // A new account goes where it is told; an unknown workspace is not found.
    let connected: Vec<AccountSummary> = w
        .admin
        .ok(
            "accounts/connect",
            &[
                ("flavour", sims[1].flavour.as_str()),
                ("token", &sims[1].token),
                ("accounts[0]", &sims[1].ig_user_id),
                ("workspace", &acme),
            ],
        )
        .await;
    assert_eq!(connected[0].workspace, made.id);
    for (name, form) in [
        (
            "workspaces/move",
            vec![("account", first.as_str()), ("workspace", "9999")],
        ),
        (
            "workspaces/move",
            vec![("account", "9999"), ("workspace", acme.as_str())],
        ),
        ("workspaces/rename", vec![("id", "9999"), ("name", "Other")]),
        ("workspaces/delete", vec![("id", "9999")]),
        (
            "workspaces/member",
            vec![
                ("workspace", acme.as_str()),
                ("user", "9999"),
                ("member", "true"),
            ],
        ),
        // An admin asking for a workspace that does not exist gets no empty dashboard either.
        ("accounts/list", vec![("workspace", "9999")]),
        ("sync/runs", vec![("workspace", "9999")]),
        ("analytics/overview", vec![("query[workspace]", "9999")]),
    ] {
        w.admin.fails(name, &form, StatusCode::NOT_FOUND).await;
    }
    // A workspace holding accounts is not deleted; emptied, it is, and never the last one.
    let error = w
        .admin
        .fails("workspaces/delete", &[("id", &acme)], StatusCode::CONFLICT)
        .await;
    assert!(error.to_string().contains("move its accounts"), "{error}");
    let default = connected_workspace_of(&w, &first).await;
    let id = connected[0].id.to_string();
    w.admin
        .ok::<()>(
            "workspaces/move",
            &[("account", &id), ("workspace", &default)],
        )
        .await;
    w.admin
        .ok::<()>("workspaces/delete", &[("id", &acme)])
        .await;
    w.admin
        .fails(
            "workspaces/delete",
            &[("id", &default)],
            StatusCode::CONFLICT,
        )
        .await;
    w.admin
        .ok::<()>("workspaces/rename", &[("id", &default), ("name", "Agency")])
        .await;
    let list: Vec<WorkspaceSummary> = w.admin.ok("workspaces/list", &[]).await;
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].name, "Agency");
    assert_eq!(list[0].accounts.len(), 2);
    w.server.stop().await;
}

async fn connected_workspace_of(w: &SyncWorld, account: &str) -> String {
    w.server
        .scalar::<i64>(&format!(
            "SELECT workspace_id FROM accounts WHERE id = {account}"
        ))
        .await
        .to_string()
}
