//! The `instalytics` binary: `user add` from stdin, and clear failures at start.

mod common;

use std::io::Write;
use std::process::{Command, Output, Stdio};

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
