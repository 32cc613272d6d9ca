//! `cargo bench -p server --bench http`: sign-in latency (argon2id at OWASP cost) and time to
//! first byte of the server-rendered login page, over real HTTP on loopback, SQLite database.
//! Prints median and p95; no pass/fail.

use std::time::{Duration, Instant};

use server::config::ServeArgs;

#[derive(clap::Parser)]
struct Flags {
    #[command(flatten)]
    serve: ServeArgs,
}

const SIGN_INS: usize = 50;
const PAGE_LOADS: usize = 300;

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let rank = ((p / 100.0) * (sorted.len() - 1) as f64).round() as usize;
    sorted[rank]
}

fn report(what: &str, mut samples: Vec<Duration>) {
    samples.sort();
    println!(
        "{what:<34} n={:<4} median {:>8.2} ms   p95 {:>8.2} ms",
        samples.len(),
        percentile(&samples, 50.0).as_secs_f64() * 1e3,
        percentile(&samples, 95.0).as_secs_f64() * 1e3,
    );
}

#[tokio::main]
async fn main() {
    let dir = tempfile::tempdir().unwrap();
    let args = <Flags as clap::Parser>::parse_from([
        "instalytics",
        "--listen",
        "127.0.0.1:0",
        "--data-dir",
        &dir.path().display().to_string(),
    ])
    .serve;
    let running = server::start(args).await.expect("server starts");
    let base = running.url();
    let token = running.setup_token.clone().unwrap();
    let http = reqwest::Client::new();
    let form = [
        ("token", token.as_str()),
        ("username", "bench"),
        ("password", "bench-password-1"),
    ];
    let res = http
        .post(format!("{base}/api/setup"))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert!(res.status().is_success());

    let mut sign_ins = Vec::with_capacity(SIGN_INS);
    for _ in 0..SIGN_INS {
        let started = Instant::now();
        let res = http
            .post(format!("{base}/api/login"))
            .form(&[("username", "bench"), ("password", "bench-password-1")])
            .send()
            .await
            .unwrap();
        assert!(res.status().is_success());
        res.bytes().await.unwrap();
        sign_ins.push(started.elapsed());
    }
    report("sign-in (POST /api/login)", sign_ins);

    let mut firsts = Vec::with_capacity(PAGE_LOADS);
    for _ in 0..PAGE_LOADS {
        let started = Instant::now();
        // `send` resolves when the status line and headers have arrived: the first byte.
        let res = http.get(format!("{base}/login")).send().await.unwrap();
        firsts.push(started.elapsed());
        assert!(res.status().is_success());
        res.bytes().await.unwrap();
    }
    report("TTFB of SSR shell (GET /login)", firsts);
    running.stop().await.unwrap();
}
