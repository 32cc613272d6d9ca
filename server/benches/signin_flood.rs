//! `cargo bench -p server --bench signin_flood`: the sign-in flood of issue 14, against the
//! release binary in its own process (so the figures are the server's alone), SQLite.
//!
//! 1. `FLOOD` (1,000) concurrent wrong sign-ins for the admin from one address, while the admin
//!    signs in from their usual browser (device cookie) elsewhere and another user from a third
//!    address; 2. the same number from as many addresses for as many names, so no counter
//!    refuses them and only the hashing slots stand between the flood and the memory.
//!
//! Addresses come through `X-Forwarded-For` from loopback, a trusted proxy here. Prints the
//! server's peak resident memory (VmHWM, and VmRSS sampled every 5 ms), the answers by status,
//! the slowest answer, and the other sign-ins' results; no pass/fail.

mod common;
use std::collections::BTreeMap;
use std::io::Write;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::server_process::{free_port, ServerProcess};
use common::{env_or, ms};
use reqwest::{Client, StatusCode};

const ADMIN: &str = "admin";
const ADMIN_PW: &str = "admin-password-1";
const VIEWER: &str = "viewer";
const VIEWER_PW: &str = "viewer-password-1";

/// `instalytics user add` with the password on stdin.
fn add_user(data: &str, name: &str, password: &str, admin: bool) {
    let mut args = vec!["user", "add", name, "--data-dir", data];
    if admin {
        args.push("--admin");
    }
    let mut child = Command::new(env!("CARGO_BIN_EXE_instalytics"))
        .args(&args)
        .env("INSTALYTICS_LOG", "warn")
        .env_remove("INSTALYTICS_MASTER_KEY")
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    writeln!(child.stdin.take().unwrap(), "{password}").unwrap();
    assert!(child.wait().unwrap().success(), "user add {name}");
}

/// A client, with cookies when it plays a browser.
fn client(cookies: bool) -> Client {
    Client::builder()
        .cookie_store(cookies)
        .timeout(Duration::from_secs(60))
        .build()
        .unwrap()
}

/// A sign-in that comes through the (trusted, loopback) proxy from `addr`.
async fn sign_in(
    http: &Client,
    base: &str,
    addr: &str,
    name: &str,
    password: &str,
) -> (StatusCode, Duration) {
    let started = Instant::now();
    let res = http
        .post(format!("{base}/api/login"))
        .header("x-forwarded-for", addr)
        .form(&[("username", name), ("password", password)])
        .send()
        .await
        .unwrap();
    let status = res.status();
    res.bytes().await.unwrap();
    (status, started.elapsed())
}

/// A kB figure from `/proc/<pid>/status` (`VmRSS`, `VmHWM`).
fn status_kb(pid: u32, field: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|v| v.trim().trim_end_matches(" kB").parse().ok())
        .unwrap_or(0)
}

/// Samples the process's resident memory until stopped; returns the highest in kB.
fn sample_rss(
    pid: u32,
    stop: Arc<AtomicBool>,
    peak: Arc<AtomicU64>,
) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || {
        while !stop.load(Ordering::Relaxed) {
            peak.fetch_max(status_kb(pid, "VmRSS"), Ordering::Relaxed);
            std::thread::sleep(Duration::from_millis(5));
        }
    })
}

struct Flood {
    by_status: BTreeMap<u16, usize>,
    slowest: Duration,
    took: Duration,
}

/// `n` concurrent wrong sign-ins; `who(i)` gives the i-th one's address and name.
async fn flood(base: &str, n: usize, who: impl Fn(usize) -> (String, String)) -> Flood {
    let http = client(false);
    let started = Instant::now();
    let mut calls = tokio::task::JoinSet::new();
    for i in 0..n {
        let (addr, name) = who(i);
        let (http, base) = (http.clone(), base.to_owned());
        calls.spawn(async move { sign_in(&http, &base, &addr, &name, "wrong-password").await });
    }
    let mut by_status = BTreeMap::new();
    let mut slowest = Duration::ZERO;
    while let Some(done) = calls.join_next().await {
        let (status, took) = done.unwrap();
        *by_status.entry(status.as_u16()).or_default() += 1;
        slowest = slowest.max(took);
    }
    Flood {
        by_status,
        slowest,
        took: started.elapsed(),
    }
}

fn report(title: &str, server: &ServerProcess, before_kb: u64, sampled_kb: u64, f: &Flood) {
    println!("{title}");
    println!(
        "  resident memory: before {:.0} MB, peak sampled {:.0} MB, VmHWM {:.0} MB, after {:.0} MB",
        before_kb as f64 / 1024.0,
        sampled_kb as f64 / 1024.0,
        status_kb(server.pid(), "VmHWM") as f64 / 1024.0,
        status_kb(server.pid(), "VmRSS") as f64 / 1024.0,
    );
    let statuses: Vec<String> = f
        .by_status
        .iter()
        .map(|(s, n)| format!("{s}: {n}"))
        .collect();
    println!(
        "  answers: {}; slowest {:.0} ms; all answered in {:.0} ms",
        statuses.join(", "),
        ms(f.slowest),
        ms(f.took)
    );
}

#[tokio::main]
async fn main() {
    let n: usize = env_or("FLOOD", 1_000);
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().display().to_string();
    add_user(&data, ADMIN, ADMIN_PW, true);
    add_user(&data, VIEWER, VIEWER_PW, false);
    let flags = [
        "--data-dir".to_owned(),
        data.clone(),
        "--trusted-proxies".into(),
        "127.0.0.1/32".into(),
    ];
    let mut server = ServerProcess::spawn(
        env!("CARGO_BIN_EXE_instalytics").as_ref(),
        free_port(),
        &flags,
        &dir.path().join("server.log"),
    )
    .unwrap();
    server.ready(Duration::from_secs(30)).await.unwrap();
    let base = server.base.clone();
    println!(
        "{n} concurrent wrong sign-ins; {} CPU cores, release binary, SQLite",
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );

    // The admin's usual browser has signed in before: it holds a device cookie.
    let (laptop, home) = (client(true), "198.51.100.20");
    let (status, _) = sign_in(&laptop, &base, home, ADMIN, ADMIN_PW).await;
    assert_eq!(status, StatusCode::OK);

    let (stop, peak) = (
        Arc::new(AtomicBool::new(false)),
        Arc::new(AtomicU64::new(0)),
    );
    let before = status_kb(server.pid(), "VmRSS");
    let sampler = sample_rss(server.pid(), stop.clone(), peak.clone());
    let attack = tokio::spawn({
        let base = base.clone();
        async move { flood(&base, n, |_| ("203.0.113.66".into(), ADMIN.into())).await }
    });
    tokio::time::sleep(Duration::from_millis(50)).await;
    let (device, device_took) = sign_in(&laptop, &base, home, ADMIN, ADMIN_PW).await;
    let other = client(true);
    let (viewer, viewer_took) = sign_in(&other, &base, "198.51.100.30", VIEWER, VIEWER_PW).await;
    let (no_cookie, _) = sign_in(&client(true), &base, "198.51.100.40", ADMIN, ADMIN_PW).await;
    let one_address = attack.await.unwrap();
    stop.store(true, Ordering::Relaxed);
    sampler.join().unwrap();
    report(
        "1. one address, the admin's name:",
        &server,
        before,
        peak.load(Ordering::Relaxed),
        &one_address,
    );
    println!(
        "  during it: admin from their browser elsewhere {} in {:.0} ms; another user from \
         another address {} in {:.0} ms; admin from a new browser {} (the name is locked)",
        device.as_u16(),
        ms(device_took),
        viewer.as_u16(),
        ms(viewer_took),
        no_cookie.as_u16()
    );

    let (stop, peak) = (
        Arc::new(AtomicBool::new(false)),
        Arc::new(AtomicU64::new(0)),
    );
    let before = status_kb(server.pid(), "VmRSS");
    let sampler = sample_rss(server.pid(), stop.clone(), peak.clone());
    let spread = flood(&base, n, |i| {
        (
            format!("100.64.{}.{}", i / 250, i % 250 + 1),
            format!("nobody-{i}"),
        )
    })
    .await;
    stop.store(true, Ordering::Relaxed);
    sampler.join().unwrap();
    report(
        &format!("2. {n} addresses, {n} names (no counter refuses; hashing slots bound it):"),
        &server,
        before,
        peak.load(Ordering::Relaxed),
        &spread,
    );
    assert!(server.alive(), "the server survived");
}
