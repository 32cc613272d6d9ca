//! `instalytics doctor`, the real binary against the simulator over HTTP: healthy tokens of
//! both flavours, an expired token, a revoked insights permission, gaps that only warn, a
//! rate limit, and a connected account's stored token read from a real database.

mod common;

use std::process::{ExitStatus, Stdio};

use common::{sim_flags, Db, TestServer};
use server::dev::graph_sim::{FaultKind, Flavour, SimAccount, SimConfig, SimServer, Simulator};
use time::OffsetDateTime;
use tokio::io::AsyncWriteExt;

struct Run {
    status: ExitStatus,
    stdout: String,
    stderr: String,
}

impl Run {
    /// The text of the row for `label`: its head line (mark, two spaces, label) and the
    /// indented lines under it.
    fn row(&self, label: &str) -> String {
        let head = format!("{label} ");
        let mut lines = self.stdout.lines().skip_while(|l| {
            l.starts_with(' ') || !l.chars().skip(3).collect::<String>().starts_with(&head)
        });
        let mut out: Vec<&str> = lines.next().into_iter().collect();
        out.extend(lines.take_while(|l| l.starts_with(' ') && !l.trim().is_empty()));
        assert!(!out.is_empty(), "no row {label}:\n{}", self.stdout);
        out.join("\n")
    }

    fn mark(&self, label: &str) -> char {
        self.row(label).chars().next().unwrap()
    }

    fn assert_secret_absent(&self, secret: &str) {
        assert!(
            !self.stdout.contains(secret),
            "token printed:\n{}",
            self.stdout
        );
        assert!(
            !self.stderr.contains(secret),
            "token logged:\n{}",
            self.stderr
        );
    }
}

const LABELS: [&str; 9] = [
    "identity",
    "profile",
    "media",
    "post insights",
    "stories",
    "daily reach",
    "follower growth",
    "daily totals",
    "token",
];

/// Runs `instalytics doctor` with `args`, `stdin` and `env`; nothing inherited from the
/// caller's environment decides the token, the key or the Meta app.
async fn doctor(args: &[String], stdin: &str, env: &[(&str, &str)]) -> Run {
    let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_instalytics"));
    command
        .arg("doctor")
        .args(args)
        .env("INSTALYTICS_LOG", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for name in [
        "INSTALYTICS_DOCTOR_TOKEN",
        "INSTALYTICS_MASTER_KEY",
        "INSTALYTICS_FACEBOOK_APP_ID",
        "INSTALYTICS_FACEBOOK_APP_SECRET",
        "INSTALYTICS_DATA_DIR",
        "INSTALYTICS_DATABASE_URL",
    ] {
        command.env_remove(name);
    }
    command.envs(env.iter().copied());
    let mut child = command.spawn().unwrap();
    let mut input = child.stdin.take().unwrap();
    input.write_all(stdin.as_bytes()).await.unwrap();
    drop(input);
    let out = child.wait_with_output().await.unwrap();
    Run {
        status: out.status,
        stdout: String::from_utf8(out.stdout).unwrap(),
        stderr: String::from_utf8(out.stderr).unwrap(),
    }
}

/// A simulator on the wall clock, so the doctor's "last 2 days" are days it has.
async fn simulator(config: SimConfig) -> (Simulator, SimServer) {
    let sim = Simulator::new(SimConfig {
        start: OffsetDateTime::now_utc(),
        ..config
    });
    let server = sim.serve("127.0.0.1:0".parse().unwrap()).await.unwrap();
    (sim, server)
}

fn account(sim: &Simulator, flavour: Flavour) -> SimAccount {
    sim.accounts()
        .into_iter()
        .find(|a| a.flavour == flavour)
        .expect("the simulator has both flavours")
}

fn flags(server: &SimServer, flavour: &str) -> Vec<String> {
    let mut args = vec!["--flavour".to_owned(), flavour.to_owned()];
    args.extend(sim_flags(server));
    args
}

/// The Facebook app that lets the doctor ask `debug_token` (secret from the environment).
fn with_app(mut args: Vec<String>) -> Vec<String> {
    args.extend(["--facebook-app-id".into(), "1234".into()]);
    args
}

const APP_SECRET: (&str, &str) = (
    "INSTALYTICS_FACEBOOK_APP_SECRET",
    server::dev::graph_sim::APP_SECRET,
);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn healthy_tokens_of_both_flavours_pass_every_check() {
    let (sim, server) = simulator(SimConfig::default()).await;

    let ig = account(&sim, Flavour::InstagramLogin);
    let run = doctor(
        &flags(&server, "instagram"),
        &format!("{}\n", ig.token),
        &[],
    )
    .await;
    assert_eq!(run.status.code(), Some(0), "{}{}", run.stdout, run.stderr);
    for label in LABELS {
        assert_eq!(run.mark(label), '✓', "{label}:\n{}", run.stdout);
    }
    assert!(run.row("identity").contains(&format!(
        "@{}, Instagram user id {}",
        ig.username, ig.ig_user_id
    )));
    assert!(run.row("identity").contains(&format!(
        "usage: X-App-Usage {{\"call_count\":0,\"total_cputime\":0,\"total_time\":0}}; \
         X-Business-Use-Case-Usage {{\"{}\":[{{",
        ig.ig_user_id
    )));
    assert!(run.row("profile").ends_with("usage: same as above"));
    assert!(run
        .stdout
        .contains("expires      Meta offers no expiry lookup for Instagram Login tokens"));
    assert!(run
        .stdout
        .contains("  nothing: every request the poller makes was answered"));
    assert!(run
        .stdout
        .ends_with("Verdict: a sync would work (exit code 0)\n"));
    run.assert_secret_absent(&ig.token);

    // Facebook Login, the token from the environment and the app configured.
    let fb = account(&sim, Flavour::FacebookLogin);
    let run = doctor(
        &with_app(flags(&server, "facebook")),
        "",
        &[("INSTALYTICS_DOCTOR_TOKEN", &fb.token), APP_SECRET],
    )
    .await;
    assert_eq!(run.status.code(), Some(0), "{}{}", run.stdout, run.stderr);
    for label in LABELS {
        assert_eq!(run.mark(label), '✓', "{label}:\n{}", run.stdout);
    }
    assert!(run
        .row("identity")
        .contains(&format!("links Instagram account {}", fb.ig_user_id)));
    assert!(run
        .row("token")
        .contains("\n                    valid; expires 20"));
    assert!(run.stdout.contains(
        "permissions  instagram_basic, instagram_manage_insights, pages_show_list, \
         pages_read_engagement"
    ));
    assert!(run.stdout.contains("  data access  20"));
    run.assert_secret_absent(&fb.token);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_token_fails_with_metas_190_message_and_nothing_more_is_asked() {
    let (sim, server) = simulator(SimConfig::default()).await;
    let ig = account(&sim, Flavour::InstagramLogin);
    sim.faults().expire_token_at(&ig.token, sim.now());
    let before = sim.request_count();

    let run = doctor(&flags(&server, "instagram"), &ig.token, &[]).await;
    assert_eq!(run.status.code(), Some(1), "{}{}", run.stdout, run.stderr);
    let identity = run.row("identity");
    assert!(identity.starts_with("✗  identity         GET me?fields=user_id,username"));
    assert!(
        identity.contains(
            "HTTP 400: token refused (subcode 463): Error validating access token: Session has \
             expired on "
        ),
        "{identity}"
    );
    for label in &LABELS[1..] {
        assert_eq!(run.mark(label), '–', "{label}:\n{}", run.stdout);
        assert!(run.row(label).contains("not asked: Meta refused the token"));
    }
    assert_eq!(sim.request_count() - before, 1, "one request, then none");
    assert!(run.stdout.contains(
        "  - everything new: a sync would fail (identity), and a failed sync writes nothing"
    ));
    assert!(run
        .stdout
        .ends_with("Verdict: a sync would fail (exit code 1)\n"));
    run.assert_secret_absent(&ig.token);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_revoked_insights_permission_fails_the_sync_and_is_named() {
    let (sim, server) = simulator(SimConfig::default()).await;
    let ig = account(&sim, Flavour::InstagramLogin);
    sim.faults()
        .revoke_permission(&ig.token, "instagram_business_manage_insights");

    let run = doctor(&flags(&server, "instagram"), &ig.token, &[]).await;
    assert_eq!(run.status.code(), Some(1), "{}{}", run.stdout, run.stderr);
    assert_eq!(run.mark("identity"), '✓');
    assert_eq!(run.mark("media"), '✓');
    let insights = run.row("post insights");
    assert!(insights.starts_with("✗  post insights"), "{}", run.stdout);
    // graph.instagram.com words code 10 without the "(#10)" prefix.
    assert!(
        insights.contains(
            "HTTP 400: permission missing (code 10): Application does not have permission for \
             this action"
        ),
        "{insights}"
    );
    assert!(run.stdout.contains(
        "  - everything new: a sync would fail (post insights), and a failed sync writes nothing"
    ));
    assert!(run
        .stdout
        .contains("  - no per-post metrics (reach, likes, comments, saves, shares, views)"));
    server.stop().await;
}

/// What a sync works around (a refused stories edge, follower growth withheld below 100
/// followers, a metric one media type refuses) is a warning with its gap named, exit code 0.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gaps_a_sync_works_around_warn_and_exit_0() {
    let (sim, server) = simulator(SimConfig {
        followers: Some(60),
        ..SimConfig::default()
    })
    .await;
    let ig = account(&sim, Flavour::InstagramLogin);
    sim.faults().refuse_stories(&ig.token);
    for product in ["FEED", "REELS"] {
        sim.faults().reject_metric_for(product, "shares");
    }

    let run = doctor(&flags(&server, "instagram"), &ig.token, &[]).await;
    assert_eq!(run.status.code(), Some(0), "{}{}", run.stdout, run.stderr);
    for label in [
        "identity",
        "profile",
        "media",
        "daily reach",
        "daily totals",
    ] {
        assert_eq!(run.mark(label), '✓', "{label}:\n{}", run.stdout);
    }
    assert!(run.row("stories").starts_with("!  stories"));
    assert!(run
        .row("stories")
        .contains("permission missing (code 10): Application does not have permission"));
    assert!(run
        .row("follower growth")
        .contains("HTTP 200: Meta sent no follower_count (it withholds it below 100 followers)"));
    assert_eq!(run.mark("follower growth"), '!');
    let insights = run.row("post insights");
    assert!(insights.starts_with("!  post insights"), "{insights}");
    assert!(
        insights.contains("(#100) The metric shares is not supported for this media type"),
        "{insights}"
    );
    let lacks = run
        .stdout
        .split("What the dashboard will lack\n")
        .nth(1)
        .unwrap();
    assert!(
        lacks.starts_with(
            "  - per-post metrics cost one request per post Meta refuses in a page, and a metric \
         Meta refuses for a post stays empty\n  - no stories\n  - no daily follower growth\n"
        ),
        "{lacks}"
    );
    assert!(run
        .stdout
        .ends_with("Verdict: a sync would work, with the gaps above (exit code 0)\n"));
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rate_limit_is_shown_with_metas_message_and_stops_the_calls() {
    let (sim, server) = simulator(SimConfig::default()).await;
    let fb = account(&sim, Flavour::FacebookLogin);
    sim.faults().fail_next(1, FaultKind::RateLimit);
    let before = sim.request_count();

    let run = doctor(
        &with_app(flags(&server, "facebook")),
        &fb.token,
        &[APP_SECRET],
    )
    .await;
    assert_eq!(run.status.code(), Some(1), "{}{}", run.stdout, run.stderr);
    let identity = run.row("identity");
    assert!(
        identity.starts_with(
            "✗  identity         GET me/accounts?fields=id,name,instagram_business_account&limit=100"
        ),
        "{identity}"
    );
    assert!(
        identity.contains(
            "HTTP 400: rate limited (code 4; Meta did not say when access returns): (#4) \
             Application request limit reached"
        ),
        "{identity}"
    );
    for label in &LABELS[1..] {
        assert!(
            run.row(label)
                .contains("not asked: Meta is rate-limiting, and every call made now extends"),
            "{label}:\n{}",
            run.stdout
        );
    }
    assert_eq!(
        sim.request_count() - before,
        1,
        "calls while throttled extend the block"
    );
    run.assert_secret_absent(&fb.token);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_of_the_other_login_type_is_refused_with_a_hint() {
    let (sim, server) = simulator(SimConfig::default()).await;
    let ig = account(&sim, Flavour::InstagramLogin);

    let run = doctor(&flags(&server, "facebook"), &ig.token, &[]).await;
    assert_eq!(run.status.code(), Some(1), "{}{}", run.stdout, run.stderr);
    assert!(run.row("identity").contains(
        "HTTP 400: token refused (subcode 467): Invalid OAuth access token - Cannot parse \
         access token"
    ));
    assert!(run.stdout.contains(
        "\nHint: this looks like an Instagram Login token (IG…): try --flavour instagram\n"
    ));
    run.assert_secret_absent(&ig.token);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_token_is_one_clear_line_and_exit_code_2() {
    let run = doctor(
        &[
            "--flavour".into(),
            "instagram".into(),
            "--instagram-graph-url".into(),
            "http://127.0.0.1:1/instagram".into(),
        ],
        "\n",
        &[],
    )
    .await;
    assert_eq!(run.status.code(), Some(2));
    assert_eq!(
        run.stderr.trim(),
        "error: no token: set INSTALYTICS_DOCTOR_TOKEN or give it as stdin's first line (never \
         as a flag)"
    );
    assert!(run.stdout.is_empty());
}

/// `--account ID`: the connected account's sealed token, opened with the server's master key
/// from its data directory, and its login type, from the server's database.
async fn a_connected_account_is_checked_with_its_stored_token(db: Db) {
    let (sim, sim_server) = simulator(SimConfig::default()).await;
    let Some(server) = TestServer::start_with(db, &sim_flags(&sim_server)).await else {
        return;
    };
    let admin = server.admin("root", "doctor-password-1").await;
    let fb = account(&sim, Flavour::FacebookLogin);
    let id = common::connect(&admin, &fb).await;
    let sealed: String = server
        .scalar(&format!("SELECT token FROM accounts WHERE id = {id}"))
        .await;

    let mut args = vec![
        "--account".to_owned(),
        id.to_string(),
        "--data-dir".into(),
        server.data_dir().display().to_string(),
        "--database-url".into(),
        server.database_url.clone(),
    ];
    args.extend(sim_flags(&sim_server));
    let run = doctor(&with_app(args.clone()), "", &[APP_SECRET]).await;
    assert_eq!(run.status.code(), Some(0), "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.starts_with(&format!(
        "instalytics doctor: account {id} @{} (Facebook Login, status ",
        fb.username
    )));
    for label in LABELS {
        assert_eq!(run.mark(label), '✓', "{label}:\n{}", run.stdout);
    }
    assert!(run
        .row("identity")
        .contains(&format!("links Instagram account {}", fb.ig_user_id)));
    run.assert_secret_absent(&fb.token);
    run.assert_secret_absent(&sealed);

    // Without the app, nothing renews a Facebook Login token: a warning, not a failure.
    let run = doctor(&args, "", &[]).await;
    assert_eq!(run.status.code(), Some(0), "{}{}", run.stdout, run.stderr);
    assert_eq!(run.mark("token"), '!');
    assert!(run.stdout.contains(
        "  - nothing renews this token without the Facebook app id and secret: data stops when \
         it expires (60 days after it was issued)"
    ));

    // Once Meta refuses the stored token, the doctor says so like the poller would.
    sim.faults().expire_token_at(&fb.token, sim.now());
    let run = doctor(&with_app(args.clone()), "", &[APP_SECRET]).await;
    assert_eq!(run.status.code(), Some(1), "{}{}", run.stdout, run.stderr);
    assert!(run
        .row("identity")
        .contains("token refused (subcode 463): Error validating access token"));

    let missing = {
        let mut a = args.clone();
        a[1] = "999999".into();
        doctor(&a, "", &[]).await
    };
    assert_eq!(missing.status.code(), Some(2));
    assert!(
        missing
            .stderr
            .starts_with("error: no account with id 999999 in "),
        "{}",
        missing.stderr
    );
    server.stop().await;
    sim_server.stop().await;
}

per_database!(a_connected_account_is_checked_with_its_stored_token);
