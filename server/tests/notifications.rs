//! Alerts and their channels, on SQLite and PostgreSQL, against a real SMTP server
//! (aiosmtpd), an HTTP receiver standing in for Slack and webhooks, and the Graph API
//! simulator: "Send test" on each kind; secrets sealed; an account whose token Meta stops
//! accepting opens one alert, mailed and posted once, resolved once when it is reconnected;
//! a failing channel is retried with backoff without holding up the others; each rule finds
//! its condition and its threshold counts; several instances send each alert once.

mod common;

use app::dto::{
    AlertRuleView, ChannelSummary, CreatedChannel, DeliveryStatus, DeliveryView, NotificationsView,
    SmtpView,
};
use common::notify::{eventually, instance, is_open, watched_account, Receiver, SmtpSink};
use common::world::SyncWorld;
use common::{Db, TestServer};
use reqwest::StatusCode;
use server::clock::{unix_now, DAY};
use server::notify::channel::signature;
use server::notify::engine::evaluate;
use server::notify::worker::{deliver_due, BACKOFF};

per_database!(
    each_channel_kind_sends_its_test_and_keeps_its_secrets_sealed,
    an_alert_is_sent_once_resolved_once_and_retried_where_a_channel_fails,
    each_rule_finds_its_condition_and_honours_its_threshold,
    several_instances_send_each_alert_once,
    bad_input_is_refused_with_the_field_named,
);

async fn add(admin: &common::Api, kind: &str, label: &str, target: &str) -> CreatedChannel {
    admin
        .ok(
            "notify/add",
            &[("kind", kind), ("label", label), ("target", target)],
        )
        .await
}

async fn each_channel_kind_sends_its_test_and_keeps_its_secrets_sealed(db: Db) {
    let Some(server) = TestServer::start(db).await else {
        return;
    };
    let Some(sink) = SmtpSink::start(Some(("mailer", "smtp-pass-9d1e"))) else {
        return server.stop().await;
    };
    let receiver = Receiver::start().await;
    let admin = server.admin("admin", common::world::PASSWORD).await;

    // Before an SMTP server is set, an e-mail test says what is missing.
    let mail = add(&admin, "email", "Team", "ops@example.com, boss@example.org").await;
    assert_eq!(mail.secret, None);
    assert_eq!(mail.channel.target, "ops@example.com, boss@example.org");
    let id = mail.channel.id.to_string();
    let first: DeliveryView = admin.ok("notify/test", &[("id", &id)]).await;
    assert_eq!(first.status, DeliveryStatus::Pending, "{first:?}");
    assert!(
        first
            .error
            .as_deref()
            .unwrap_or_default()
            .contains("no SMTP server is set"),
        "{first:?}"
    );

    let port = sink.port.to_string();
    let smtp = [
        ("host", "127.0.0.1"),
        ("port", port.as_str()),
        ("security", "none"),
        ("username", "mailer"),
        ("password", "smtp-pass-9d1e"),
        ("from", "alerts@instalytics.test"),
    ];
    let view: SmtpView = admin.ok("notify/smtp", &smtp).await;
    assert!(view.password_set && !view.from_environment);
    // Saving again without a password keeps the stored one.
    let mut keep = smtp;
    keep[4] = ("password", "");
    let view: SmtpView = admin.ok("notify/smtp", &keep).await;
    assert!(view.password_set);

    let sent: DeliveryView = admin.ok("notify/test", &[("id", &id)]).await;
    assert_eq!(sent.status, DeliveryStatus::Sent, "{sent:?}");
    let messages = sink.messages();
    assert_eq!(messages.len(), 1, "{messages:?}");
    let message = &messages[0];
    assert!(
        message.starts_with("X-Envelope-To: ops@example.com, boss@example.org"),
        "{message}"
    );
    assert!(
        message.contains("From: alerts@instalytics.test"),
        "{message}"
    );
    assert!(
        message.contains("Subject: Instalytics test message to =?utf-8?")
            || message.contains("Subject: Instalytics test message to"),
        "{message}"
    );
    assert!(message.contains("This channel works"), "{message}");

    // A wrong password is the server's refusal, in words, and nothing is sent.
    let mut wrong = smtp;
    wrong[4] = ("password", "not-the-password");
    let _: SmtpView = admin.ok("notify/smtp", &wrong).await;
    let refused: DeliveryView = admin.ok("notify/test", &[("id", &id)]).await;
    assert_eq!(refused.status, DeliveryStatus::Pending);
    assert!(
        refused
            .error
            .as_deref()
            .unwrap_or_default()
            .contains("SMTP server refused"),
        "{refused:?}"
    );
    assert_eq!(sink.messages().len(), 1);
    let _: SmtpView = admin.ok("notify/smtp", &smtp).await;

    let slack_url = format!("{}/services/T000/B000/slack-secret-path", receiver.base);
    let slack = add(&admin, "slack", "Slack #alerts", &slack_url).await;
    assert_eq!(
        slack.channel.target, receiver.base,
        "the list shows the host, not the secret path"
    );
    let sent: DeliveryView = admin
        .ok("notify/test", &[("id", &slack.channel.id.to_string())])
        .await;
    assert_eq!(sent.status, DeliveryStatus::Sent, "{sent:?}");
    let posted = receiver.at("/services/T000/B000/slack-secret-path");
    assert_eq!(posted.len(), 1);
    let body: serde_json::Value = serde_json::from_str(&posted[0].body).unwrap();
    let text = body["text"].as_str().unwrap();
    assert!(
        text.starts_with("*Instalytics test message to “Slack #alerts”*"),
        "{text}"
    );
    assert!(
        text.contains("/settings/notifications|Open in Instalytics>"),
        "{text}"
    );

    let hook = add(
        &admin,
        "webhook",
        "Ops hook",
        &format!("{}/hook", receiver.base),
    )
    .await;
    let secret = hook.secret.expect("a webhook gets its signing secret once");
    assert!(secret.starts_with("whsec_"));
    let sent: DeliveryView = admin
        .ok("notify/test", &[("id", &hook.channel.id.to_string())])
        .await;
    assert_eq!(sent.status, DeliveryStatus::Sent);
    let posted = receiver.at("/hook");
    assert_eq!(posted.len(), 1);
    let got = &posted[0];
    assert_eq!(got.headers["x-instalytics-event"], "test");
    assert_eq!(
        got.headers["x-instalytics-signature"].to_str().unwrap(),
        signature(&secret, got.body.as_bytes()),
        "the signature is the HMAC-SHA256 of the body exactly as received"
    );
    let body: serde_json::Value = serde_json::from_str(&got.body).unwrap();
    assert_eq!(body["event"], "test");
    assert!(body["link"]
        .as_str()
        .unwrap()
        .ends_with("/settings/notifications"));

    // The view and the log never carry a secret; the database holds them sealed only.
    let view: NotificationsView = admin.ok("notify/view", &[]).await;
    let shown = serde_json::to_string(&view).unwrap();
    for secret in ["smtp-pass-9d1e", "slack-secret-path", &secret] {
        assert!(!shown.contains(secret), "{secret} shown");
        for table in ["notify_channels", "smtp_config", "notify_deliveries"] {
            assert!(
                !server.stores(table, secret).await,
                "{secret} stored in the clear"
            );
        }
    }
    assert_eq!(view.channels.len(), 3);
    let log: Vec<DeliveryView> = admin.ok("notify/log", &[]).await;
    assert_eq!(log.len(), 5, "{log:?}");
    assert!(log
        .iter()
        .all(|d| !format!("{d:?}").contains("slack-secret-path")));

    // Removing a channel keeps its log; viewers and visitors cannot reach any of it.
    admin
        .ok::<()>("notify/remove", &[("id", &hook.channel.id.to_string())])
        .await;
    let view: NotificationsView = admin.ok("notify/view", &[]).await;
    assert!(!view
        .channels
        .iter()
        .any(|c: &ChannelSummary| c.label == "Ops hook"));
    let log: Vec<DeliveryView> = admin.ok("notify/log", &[]).await;
    assert_eq!(log.len(), 5);
    let stranger = server.client();
    let calls: [(&str, &[(&str, &str)]); 5] = [
        ("notify/view", &[]),
        ("notify/log", &[]),
        (
            "notify/add",
            &[
                ("kind", "email"),
                ("label", "x"),
                ("target", "a@example.com"),
            ],
        ),
        ("notify/test", &[("id", "1")]),
        ("notify/rule", &[("rule", "needs_reauth")]),
    ];
    for (name, form) in calls {
        let (status, _) = stranger.answer(name, form).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{name}");
    }
    server.stop().await;
}

async fn an_alert_is_sent_once_resolved_once_and_retried_where_a_channel_fails(db: Db) {
    let Some(w) = SyncWorld::one_account(db).await else {
        return;
    };
    let Some(sink) = SmtpSink::start(None) else {
        return w.stop().await;
    };
    let receiver = Receiver::start().await;
    let port = sink.port.to_string();
    let _: SmtpView = w
        .admin
        .ok(
            "notify/smtp",
            &[
                ("host", "127.0.0.1"),
                ("port", &port),
                ("security", "none"),
                ("from", "alerts@instalytics.test"),
            ],
        )
        .await;
    add(&w.admin, "email", "Team", "ops@example.com").await;
    let hook = add(
        &w.admin,
        "webhook",
        "Ops",
        &format!("{}/hook", receiver.base),
    )
    .await;
    add(
        &w.admin,
        "webhook",
        "Broken",
        &format!("{}/down", receiver.base),
    )
    .await;
    let account = w.sim.accounts()[0].clone();
    let id = common::connect(&w.admin, &account).await;
    assert_eq!(w.finished_runs(id, 1).await, "ok");
    let deps = instance(&w.server).await;

    // Meta stops accepting the token: the next sync marks the account, the rule finds it.
    w.sim.faults().expire_token_at(&account.token, w.sim.now());
    w.request_sync(id).await;
    assert_eq!(w.finished_runs(id, 2).await, "needs_reauth");
    let now = unix_now();
    evaluate(&deps, now).await.unwrap();
    evaluate(&deps, now + 60).await.unwrap();
    deliver_due(&deps, now).await.unwrap();
    assert!(eventually(|| sink.messages().len() == 1 && receiver.at("/hook").len() == 1).await);
    let opened: serde_json::Value = serde_json::from_str(&receiver.at("/hook")[0].body).unwrap();
    assert_eq!(opened["event"], "alert.opened");
    assert_eq!(opened["rule"], "needs_reauth");
    assert_eq!(opened["subject"], format!("account:{id}"));
    let title = format!("@{} needs re-authorisation", account.username);
    assert_eq!(opened["title"], title.as_str());
    assert!(
        opened["link"].as_str().unwrap().ends_with("/accounts"),
        "it links to the page that fixes it"
    );
    let signed = &receiver.at("/hook")[0];
    let secret = hook.secret.unwrap();
    assert_eq!(
        signed.headers["x-instalytics-signature"].to_str().unwrap(),
        signature(&secret, signed.body.as_bytes())
    );
    let mail = &sink.messages()[0];
    assert!(
        mail.contains(&title) && mail.contains("Accounts page"),
        "{mail}"
    );

    // The broken receiver was tried once and waits a minute, then 5 more … until it fails
    // for good; the others were not held up by it.
    let broken_attempts = || receiver.at("/down").len();
    assert!(eventually(|| broken_attempts() == 1).await);
    let mut at = now;
    for (n, wait) in BACKOFF.iter().enumerate() {
        assert_eq!(
            deliver_due(&deps, at + wait - 1).await.unwrap(),
            0,
            "retry {n} came early"
        );
        at += wait;
        assert_eq!(
            deliver_due(&deps, at).await.unwrap(),
            1,
            "retry {n} did not come"
        );
        assert_eq!(broken_attempts(), n + 2);
    }
    assert_eq!(
        deliver_due(&deps, at + DAY).await.unwrap(),
        0,
        "a spent delivery is not tried again"
    );
    let log: Vec<DeliveryView> = w.admin.ok("notify/log", &[]).await;
    let broken = log.iter().find(|d| d.channel == "Broken").unwrap();
    assert_eq!(
        (broken.status, broken.attempts),
        (DeliveryStatus::Failed, 6)
    );
    assert!(
        broken
            .error
            .as_deref()
            .unwrap()
            .contains("HTTP 500: receiver down"),
        "{broken:?}"
    );
    assert_eq!(
        log.iter()
            .filter(|d| d.status == DeliveryStatus::Sent)
            .count(),
        2
    );

    // Reconnecting clears it: one "resolved" on each channel that works, and nothing more.
    w.sim
        .faults()
        .expire_token_at(&account.token, w.sim.now() + time::Duration::days(365));
    common::connect(&w.admin, &account).await;
    assert_eq!(w.finished_runs(id, 3).await, "ok");
    let later = unix_now();
    evaluate(&deps, later).await.unwrap();
    evaluate(&deps, later + 60).await.unwrap();
    deliver_due(&deps, later).await.unwrap();
    assert!(eventually(|| sink.messages().len() == 2 && receiver.at("/hook").len() == 2).await);
    let resolved: serde_json::Value = serde_json::from_str(&receiver.at("/hook")[1].body).unwrap();
    assert_eq!(resolved["event"], "alert.resolved");
    assert_eq!(resolved["title"], format!("Resolved: {title}").as_str());
    assert!(sink.messages()[1].contains(&format!("Resolved: {title}")));
    deliver_due(&deps, later + DAY).await.unwrap();
    assert_eq!(receiver.at("/hook").len(), 2);
    assert_eq!(sink.messages().len(), 2);
    w.stop().await;
}

async fn each_rule_finds_its_condition_and_honours_its_threshold(db: Db) {
    let Some(server) = TestServer::start(db).await else {
        return;
    };
    let admin = server.admin("admin", common::world::PASSWORD).await;
    let deps = instance(&server).await;
    let account = watched_account(&server, &deps, "watched").await;
    let subject = format!("account:{account}");
    let now = unix_now();
    let check = |at: i64| {
        let deps = deps.clone();
        async move { evaluate(&deps, at).await.unwrap() }
    };

    // The token expires in 3 days: inside the default 7; outside a threshold of 2.
    server
        .execute(&format!(
            "UPDATE accounts SET token_expires_at = {} WHERE id = {account}",
            now + 3 * DAY
        ))
        .await;
    check(now).await;
    assert!(is_open(&server, "token_expiring", &subject).await);
    let _: AlertRuleView = admin
        .ok(
            "notify/rule",
            &[
                ("rule", "token_expiring"),
                ("enabled", "true"),
                ("threshold", "2"),
            ],
        )
        .await;
    check(now).await;
    assert!(
        !is_open(&server, "token_expiring", &subject).await,
        "2 days: no longer within"
    );
    check(now + 2 * DAY).await;
    assert!(
        is_open(&server, "token_expiring", &subject).await,
        "a day later it is"
    );

    // Three failed syncs in a row; one success clears it.
    let run = |outcome: &str, started: i64| {
        format!(
            "INSERT INTO sync_runs (account_id, trigger, started_at, finished_at, outcome, requests, rows_written, instance) \
             VALUES ({account}, 'schedule', {started}, {started}, '{outcome}', 1, 0, 'test')"
        )
    };
    for i in 0..2 {
        server.execute(&run("failed", now + i)).await;
    }
    check(now).await;
    assert!(
        !is_open(&server, "syncs_failing", &subject).await,
        "two are not three"
    );
    server.execute(&run("failed", now + 2)).await;
    check(now).await;
    assert!(is_open(&server, "syncs_failing", &subject).await);
    server.execute(&run("ok", now + 3)).await;
    check(now).await;
    assert!(!is_open(&server, "syncs_failing", &subject).await);

    // Rate limited since 90 minutes before `later`: over the default hour, not over 2 hours.
    server
        .execute(&format!(
            "UPDATE accounts SET status = 'rate_limited' WHERE id = {account}"
        ))
        .await;
    let later = now + 100 + 5400;
    for started in [now + 100, now + 2000, now + 5000] {
        server.execute(&run("rate_limited", started)).await;
    }
    check(later).await;
    assert!(is_open(&server, "rate_limited", &subject).await);
    let _: AlertRuleView = admin
        .ok(
            "notify/rule",
            &[
                ("rule", "rate_limited"),
                ("enabled", "true"),
                ("threshold", "2"),
            ],
        )
        .await;
    check(later).await;
    assert!(!is_open(&server, "rate_limited", &subject).await);

    // Needs re-authorisation; switching the rule off closes it quietly.
    server
        .execute(&format!(
            "UPDATE accounts SET status = 'needs_reauth' WHERE id = {account}"
        ))
        .await;
    check(now).await;
    assert!(is_open(&server, "needs_reauth", &subject).await);
    let _: AlertRuleView = admin.ok("notify/rule", &[("rule", "needs_reauth")]).await;
    check(now).await;
    assert!(!is_open(&server, "needs_reauth", &subject).await);
    let view: NotificationsView = admin.ok("notify/view", &[]).await;
    let reauth = view
        .rules
        .iter()
        .find(|r| r.rule.as_str() == "needs_reauth")
        .unwrap();
    assert!(!reauth.enabled);

    // The export failing for over an hour (its own record of when it started failing).
    let export = server::store::export::ExportStore::new(deps.db.clone());
    server
        .execute("UPDATE export_config SET enabled = TRUE")
        .await;
    export
        .record_outcome(Some("quota exceeded".into()), now - 4000)
        .await
        .unwrap();
    export
        .record_outcome(Some("quota exceeded".into()), now - 60)
        .await
        .unwrap();
    check(now).await;
    assert!(
        is_open(&server, "export_failing", "export").await,
        "failing since 4,000 s ago"
    );
    let title: String = server
        .scalar("SELECT title FROM alerts WHERE rule = 'export_failing'")
        .await;
    assert!(
        title.starts_with("The BigQuery export has been failing since"),
        "{title}"
    );
    export.record_outcome(None, now).await.unwrap();
    check(now).await;
    assert!(!is_open(&server, "export_failing", "export").await);
    server.stop().await;
}

async fn several_instances_send_each_alert_once(db: Db) {
    let Some(server) = TestServer::start(db).await else {
        return;
    };
    let receiver = Receiver::start().await;
    let admin = server.admin("admin", common::world::PASSWORD).await;
    add(&admin, "webhook", "Ops", &format!("{}/hook", receiver.base)).await;
    let (a, b) = (instance(&server).await, instance(&server).await);
    let account = common::seed::account(&a.db, "shared").await;
    let now = unix_now();
    server
        .execute(&format!(
            "UPDATE accounts SET enabled = TRUE, next_sync_at = {} WHERE id = {account}",
            now + 365 * DAY
        ))
        .await;
    // Five times the alert opens and clears, each time decided and sent by both at once.
    for round in 0..5 {
        let status = if round % 2 == 0 { "needs_reauth" } else { "ok" };
        server
            .execute(&format!(
                "UPDATE accounts SET status = '{status}' WHERE id = {account}"
            ))
            .await;
        let (x, y) = tokio::join!(evaluate(&a, now), evaluate(&b, now));
        let (x, y) = (x.unwrap(), y.unwrap());
        assert!(
            x.opened + y.opened + x.resolved + y.resolved <= 1,
            "round {round}: {x:?} {y:?}"
        );
        let (x, y) = tokio::join!(deliver_due(&a, now), deliver_due(&b, now));
        x.unwrap();
        y.unwrap();
    }
    assert!(eventually(|| receiver.at("/hook").len() >= 5).await);
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let ids: Vec<String> = receiver
        .at("/hook")
        .iter()
        .map(|r| {
            serde_json::from_str::<serde_json::Value>(&r.body).unwrap()["id"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    let mut unique = ids.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(ids.len(), 5, "{ids:?}");
    assert_eq!(unique.len(), 5, "each event once: {ids:?}");
    server.stop().await;
}

async fn bad_input_is_refused_with_the_field_named(db: Db) {
    let Some(server) = TestServer::start(db).await else {
        return;
    };
    let admin = server.admin("admin", common::world::PASSWORD).await;
    let field = |e: app::error::AppError| common::invalid_field(&e).map(str::to_owned);
    for (kind, label, target, expected) in [
        ("email", "Team", "not an address", "target"),
        ("email", "", "a@example.com", "label"),
        ("slack", "S", "hooks.slack.com/services/x", "target"),
        ("webhook", "W", "https://user:pw@example.com/hook", "target"),
        ("webhook", "W", "javascript:alert(1)", "target"),
    ] {
        let error = admin
            .fails(
                "notify/add",
                &[("kind", kind), ("label", label), ("target", target)],
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        assert_eq!(
            field(error).as_deref(),
            Some(expected),
            "{kind} {label:?} {target:?}"
        );
    }
    for (form, expected) in [
        (
            [
                ("host", "smtp example"),
                ("port", "587"),
                ("from", "a@example.com"),
            ],
            "host",
        ),
        (
            [
                ("host", "smtp.example.com"),
                ("port", "0"),
                ("from", "a@example.com"),
            ],
            "port",
        ),
        (
            [
                ("host", "smtp.example.com"),
                ("port", "587"),
                ("from", "Alerts <a@x.org>"),
            ],
            "from",
        ),
    ] {
        let mut form = form.to_vec();
        form.push(("security", "starttls"));
        let error = admin
            .fails("notify/smtp", &form, StatusCode::UNPROCESSABLE_ENTITY)
            .await;
        assert_eq!(field(error).as_deref(), Some(expected));
    }
    let error = admin
        .fails(
            "notify/rule",
            &[
                ("rule", "syncs_failing"),
                ("enabled", "true"),
                ("threshold", "2.5"),
            ],
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    assert_eq!(field(error).as_deref(), Some("threshold"));
    let (status, _) = admin.answer("notify/test", &[("id", "999999")]).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // Nothing of the refused input was kept.
    let view: NotificationsView = admin.ok("notify/view", &[]).await;
    assert!(view.channels.is_empty() && view.smtp.is_none());
    assert!(view.rules.iter().all(|r| r.enabled));
    server.stop().await;
}
