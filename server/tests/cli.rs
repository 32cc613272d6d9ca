//! The `instalytics` binary: `user add` from stdin, and clear failures at start.

mod common;

use std::io::Write;
use std::process::{Command, Output, Stdio};

use app::dto::{AccountSummary, SyncRunView};
use reqwest::StatusCode;

fn instalytics(args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_instalytics"))
        .args(args)
        .env("INSTALYTICS_LOG", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

#[tokio::test]
async fn user_add_creates_an_admin_and_closes_the_setup_link() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_str().unwrap();
    let out = instalytics(
        &["user", "add", "--admin", "Root.Admin", "--data-dir", data],
        "cli-password-1\n",
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        "added admin root.admin"
    );

    let again = instalytics(
        &["user", "add", "root.admin", "--data-dir", data],
        "cli-password-2\n",
    );
    assert_eq!(again.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&again.stderr).contains("exists already"));

    let url = format!("sqlite://{data}/instalytics.db?mode=rwc");
    let running = server::start(common::serve_args(dir.path(), &url, &[]))
        .await
        .unwrap();
    assert!(
        running.setup_token.is_none(),
        "an admin exists, so no setup link"
    );
    let api = common::Api {
        http: reqwest::Client::new(),
        base: running.url(),
    };
    assert_eq!(
        api.login("root.admin", "cli-password-1").await.status(),
        StatusCode::OK
    );
    running.stop().await.unwrap();
}

#[test]
fn user_add_refuses_bad_input_with_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_str().unwrap();
    let short = instalytics(&["user", "add", "bob", "--data-dir", data], "short\n");
    assert_eq!(short.status.code(), Some(2));
    let err = String::from_utf8_lossy(&short.stderr);
    assert_eq!(
        err.trim(),
        "error: Password must be at least 10 characters long."
    );
    let bad_name = instalytics(
        &["user", "add", "b o b", "--data-dir", data],
        "long-enough-pw\n",
    );
    assert!(String::from_utf8_lossy(&bad_name.stderr).contains("Username may only contain"));
}

#[test]
fn a_corrupt_database_is_one_clear_line_and_exit_code_2() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("instalytics.db"), vec![7u8; 4096]).unwrap();
    let out = instalytics(
        &[
            "--data-dir",
            dir.path().to_str().unwrap(),
            "--listen",
            "127.0.0.1:0",
        ],
        "",
    );
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    let lines: Vec<&str> = err.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(lines.len(), 1, "{err}");
    assert!(
        lines[0].starts_with("error: cannot open database sqlite://"),
        "{err}"
    );
    assert!(!err.contains("panicked"));
}

#[test]
fn an_unreachable_database_is_one_clear_line() {
    let out = instalytics(
        &[
            "--database-url",
            "postgres://ig:topsecret@127.0.0.1:1/ig",
            "--listen",
            "127.0.0.1:0",
        ],
        "",
    );
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.starts_with("error: cannot open database postgres://ig:***@127.0.0.1:1/ig"),
        "{err}"
    );
    assert!(!err.contains("topsecret"), "password leaked: {err}");
}

/// `instalytics demo`: the simulator in-process, three accounts with collected history, one
/// of them warned about its expired token; it prints the URL and an admin password.
#[tokio::test]
async fn demo_serves_three_accounts_with_history() {
    use std::io::{BufRead, BufReader};

    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut child = Command::new(env!("CARGO_BIN_EXE_instalytics"))
        .args([
            "demo",
            "--days",
            "5",
            "--listen",
            &format!("127.0.0.1:{port}"),
        ])
        .env("INSTALYTICS_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let (mut url, mut password) = (None, None);
    for line in lines.by_ref() {
        let line = line.unwrap();
        if let Some(u) = line.strip_prefix("Instalytics demo: ") {
            url = Some(u.to_owned());
        }
        if let Some(p) = line.trim().strip_prefix("password:") {
            password = Some(p.trim().to_owned());
            break;
        }
    }
    let (url, password) = (
        url.expect("URL printed"),
        password.expect("password printed"),
    );
    let api = common::Api {
        http: reqwest::Client::builder()
            .cookie_store(true)
            .build()
            .unwrap(),
        base: url,
    };
    assert_eq!(api.login("admin", &password).await.status(), StatusCode::OK);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let statuses = loop {
        let accounts: Vec<AccountSummary> = api.ok("accounts/list", &[]).await;
        let mut statuses: Vec<String> = accounts
            .iter()
            .map(|a| a.status.as_str().to_owned())
            .collect();
        statuses.sort();
        if statuses.contains(&"needs_reauth".to_owned()) || std::time::Instant::now() > deadline {
            break statuses;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    };
    assert_eq!(statuses, ["needs_reauth", "ok", "ok"]);
    let runs: Vec<SyncRunView> = api.ok("sync/runs", &[("outcome", "ok")]).await;
    assert!(
        runs.len() >= 15,
        "five days of history for three accounts, then live polls"
    );
    terminate(child.id());
    assert!(child.wait().unwrap().success());
}

fn terminate(pid: u32) {
    let status = Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status()
        .unwrap();
    assert!(status.success());
}
