//! Reports and the alerts on the data, on SQLite and PostgreSQL: "Download PDF report" gives
//! the Overview's figures (read back by pdftotext); a scheduled report is mailed once per
//! period across instances and restarts, as HTML with its charts and the PDF attached, and
//! "Send now" sends it at once; bad schedules are refused naming the field; a post far above
//! or below its account's usual at 24 hours, a day's fall in followers and an export backlog
//! each open their alert and clear.

mod common;

use app::components::number::kpi_value;
use app::dto::{DeliveryStatus, DeliveryView, Overview, ReportView};
use base64::Engine;
use common::notify::{eventually, instance, is_open, watched_account, Receiver, SmtpSink};
use common::seed::{self, day, Day, Media};
use common::{invalid_field, Api, Db, TestServer};
use reqwest::StatusCode;
use server::clock::{unix_now, DAY};
use server::notify::engine::evaluate;
use server::notify::reports::queue_due;
use server::notify::worker::deliver_due;
use time::{Duration, OffsetDateTime};

per_database!(
    the_pdf_report_reads_as_the_overview,
    a_scheduled_report_is_mailed_once_per_period,
    bad_schedules_and_reports_are_refused,
    data_alerts_open_and_clear,
);

/// An account with 14 days of insights up to yesterday and three posts of different types
/// in the last week; answers its id and the period as `(from, to)`.
async fn seeded(server: &TestServer) -> (i64, String, String) {
    let db = server::db::open(&server.database_url).await.unwrap();
    let account = seed::account(&db, "brand").await;
    let today = OffsetDateTime::now_utc().date();
    for back in 1..=14i64 {
        let n = 15 - back;
        day(
            &db,
            account,
            today - Duration::days(back),
            Day {
                followers: Some(1_000 + 10 * n),
                reach: Some(100 + n),
                views: Some(200 + 2 * n),
            },
        )
        .await;
    }
    let published = |back: i64| OffsetDateTime::now_utc() - Duration::days(back);
    let posts = [
        (
            "REELS",
            "VIDEO",
            2,
            [40, 4, 2, 1],
            500,
            "A reel about spring",
        ),
        ("FEED", "IMAGE", 3, [10, 1, 0, 0], 300, "An image"),
        (
            "FEED",
            "CAROUSEL_ALBUM",
            4,
            [20, 2, 1, 0],
            200,
            "A carousel",
        ),
    ];
    for (n, (product, media, back, counts, reach, caption)) in posts.into_iter().enumerate() {
        seed::media(
            &db,
            n,
            &Media {
                account,
                product_type: product,
                media_type: media,
                published: published(back),
                caption,
                counts,
                reach: Some(reach),
                views: None,
                followers: Some(1_100),
            },
        )
        .await;
    }
    let from = (today - Duration::days(7)).to_string();
    let to = (today - Duration::days(1)).to_string();
    (account, from, to)
}

/// A GET as the browser's "Download PDF report" makes it: status, content type, body.
async fn download(api: &Api, query: &str) -> (StatusCode, String, Vec<u8>, String) {
    let res = api
        .http
        .get(format!("{}/report.pdf?{query}", api.base))
        .send()
        .await
        .unwrap();
    let status = res.status();
    let header = |name| {
        res.headers()
            .get(name)
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default()
    };
    let (kind, disposition) = (header("content-type"), header("content-disposition"));
    (
        status,
        kind,
        res.bytes().await.unwrap().to_vec(),
        disposition,
    )
}

/// The line of `text` that starts with `label` (after spaces) and holds every one of `cells`.
fn has_row(text: &str, label: &str, cells: &[String]) -> bool {
    text.lines().any(|line| {
        line.trim_start().starts_with(label) && cells.iter().all(|c| line.contains(c.as_str()))
    })
}

async fn the_pdf_report_reads_as_the_overview(db: Db) {
    let Some(server) = TestServer::start(db).await else {
        return;
    };
    let admin = server.admin("admin", common::world::PASSWORD).await;
    let (account, from, to) = seeded(&server).await;
    let id = account.to_string();
    let overview: Overview = admin
        .ok(
            "analytics/overview",
            &[
                ("query[account]", &id),
                ("query[from]", &from),
                ("query[to]", &to),
            ],
        )
        .await;

    let query = format!("account={id}&range=custom&from={from}&to={to}");
    let (status, kind, pdf, disposition) = download(&admin, &query).await;
    assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&pdf));
    assert_eq!(kind, "application/pdf");
    assert_eq!(
        disposition,
        format!("attachment; filename=\"instalytics-report-{from}-{to}.pdf\"")
    );
    assert!(pdf.starts_with(b"%PDF-"), "a PDF");
    let Some(text) = common::pdf::text(&pdf) else {
        return server.stop().await;
    };
    assert!(text.contains("Instalytics report"), "{text}");
    assert!(text.contains("@brand"), "{text}");
    assert!(
        text.contains(&format!("{from} to {to} (7 days, UTC)")),
        "{text}"
    );
    // Every KPI card's figures, as the Overview shows them.
    assert!(!overview.kpis.is_empty());
    for kpi in &overview.kpis {
        let value = kpi_value(kpi.unit, kpi.value);
        let previous = kpi_value(kpi.unit, kpi.previous);
        assert!(
            has_row(&text, &kpi.label, &[value.clone(), previous.clone()]),
            "{}: {value} and {previous} not on one line of:\n{text}",
            kpi.label
        );
    }
    let followers = overview.kpis.iter().find(|k| k.key == "followers").unwrap();
    assert_eq!(followers.value, Some(1_140.0), "the seeded last day");
    assert!(has_row(&text, "Followers", &["1,140".into()]), "{text}");
    // The top posts, most interactions first, and the best type by engagement by reach:
    // the carousel's 23 / 200 beats the reel's 47 / 500 and the image's 11 / 300.
    let top = &text[text.find("Top posts").expect("the top posts")..];
    let reel = top.find("47 interactions").expect("the reel");
    let carousel = top.find("23 interactions").expect("the carousel");
    assert!(reel < carousel, "{text}");
    assert!(
        text.contains(
            "Carousels did best: 1 post, 23 interactions per post, 11.5 % engagement by reach."
        ),
        "{text}"
    );
    assert!(text.contains("https://instagram.test/p/m0"), "{text}");
    assert!(
        text.contains(&format!(
            "{}/?account={id}&range=custom&from={from}&to={to}",
            server.base
        )),
        "the dashboard link: {text}"
    );

    // Bad input: the page says why, in words; signed out, nothing.
    let (status, _, body, _) = download(&admin, "range=custom&from=2026-13-01&to=x").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(String::from_utf8_lossy(&body).contains("No report"));
    let (status, _, _, _) = download(&admin, "account=999999").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _, body, _) = download(&server.client(), &query).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(!String::from_utf8_lossy(&body).contains("brand"));
    server.stop().await;
}

/// The parts of a saved message: the decoded body of the first part of `content_type`.
fn attachment(message: &str, content_type: &str) -> Option<Vec<u8>> {
    let message = message.replace("\r\n", "\n");
    let at = message.find(&format!("Content-Type: {content_type}"))?;
    let rest = &message[at..];
    let body_start = rest.find("\n\n")? + 2;
    let body: String = rest[body_start..]
        .lines()
        .take_while(|l| !l.starts_with("--"))
        .collect();
    base64::engine::general_purpose::STANDARD
        .decode(body.trim())
        .ok()
}

async fn a_scheduled_report_is_mailed_once_per_period(db: Db) {
    let Some(server) = TestServer::start(db).await else {
        return;
    };
    let Some(sink) = SmtpSink::start(None) else {
        return server.stop().await;
    };
    let admin = server.admin("admin", common::world::PASSWORD).await;
    seeded(&server).await;
    let port = sink.port.to_string();
    let _: app::dto::SmtpView = admin
        .ok(
            "notify/smtp",
            &[
                ("host", "127.0.0.1"),
                ("port", &port),
                ("security", "none"),
                ("from", "reports@instalytics.test"),
            ],
        )
        .await;
    let report: ReportView = admin
        .ok(
            "notify/report_add",
            &[
                ("cadence", "weekly"),
                ("day", "1"),
                ("hour", "9"),
                ("tz", "Europe/Paris"),
                ("recipients", "boss@example.com, client@example.org"),
            ],
        )
        .await;
    assert_eq!(report.covers, "All accounts");
    assert!(report.next.ends_with(" 09:00 (Europe/Paris)"), "{report:?}");

    // Made now, it waits for its first Monday. Made a month ago, last week's is due: one
    // instance queues it once, however many ask (another instance, the same one again, one
    // restarted), and the same for the week after.
    let now = unix_now();
    let (one, two) = (instance(&server).await, instance(&server).await);
    assert_eq!(queue_due(&one, now).await.unwrap(), 0);
    server
        .execute(&format!(
            "UPDATE report_schedules SET created_at = {}",
            now - 30 * DAY
        ))
        .await;
    assert_eq!(queue_due(&one, now).await.unwrap(), 1);
    assert_eq!(queue_due(&two, now).await.unwrap(), 0);
    assert_eq!(queue_due(&one, now + 60).await.unwrap(), 0);
    let restarted = instance(&server).await;
    let next_week = now + 7 * DAY;
    let (a, b, c) = tokio::join!(
        queue_due(&one, next_week),
        queue_due(&two, next_week),
        queue_due(&restarted, next_week)
    );
    assert_eq!(
        a.unwrap() + b.unwrap() + c.unwrap(),
        1,
        "the second period, once"
    );
    // Last week's was due at once: the server's own notifier may be the one that sends it.
    deliver_due(&one, next_week).await.unwrap();
    assert!(eventually(|| sink.messages().len() == 2).await);
    let messages = sink.messages();
    let message = &messages[0];
    assert!(
        message.starts_with("X-Envelope-To: boss@example.com, client@example.org"),
        "{message}"
    );
    assert!(
        message.contains("Subject: Instalytics report: "),
        "{message}"
    );
    assert!(message.contains("multipart/mixed"), "{message}");
    // The HTML travels quoted-printable: soft line breaks, `=` as `=3D`.
    let html = message
        .replace("=\r\n", "")
        .replace("=\n", "")
        .replace("=3D", "=");
    assert!(html.contains("<img src=\"cid:followers-chart\""), "{html}");
    assert!(
        html.contains("<img src=\"cid:reach-views-chart\""),
        "{html}"
    );
    assert!(
        message.contains("Content-ID: <followers-chart>"),
        "{message}"
    );
    let png = attachment(message, "image/png").expect("a chart");
    assert!(png.starts_with(b"\x89PNG"), "the chart is a PNG");
    let pdf = attachment(message, "application/pdf").expect("the PDF");
    assert!(pdf.starts_with(b"%PDF-"));
    if let Some(text) = common::pdf::text(&pdf) {
        assert!(text.contains("@brand"), "{text}");
        assert!(text.contains("(7 days, UTC)"), "{text}");
    }

    // The log lists both, sent; "Send now" sends the latest period at once, the schedule
    // untouched.
    let sent = || async {
        let log: Vec<DeliveryView> = admin.ok("notify/log", &[]).await;
        log.into_iter()
            .filter(|d| d.channel == "Weekly report to boss@example.com, client@example.org")
            .filter(|d| d.status == DeliveryStatus::Sent)
            .count()
    };
    let mut tries = 0;
    while sent().await < 2 && tries < 50 {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        tries += 1;
    }
    assert_eq!(sent().await, 2);
    assert_eq!(sink.messages().len(), 2, "each period once");
    let id = report.id.to_string();
    let now_sent: DeliveryView = admin.ok("notify/report_send", &[("id", &id)]).await;
    assert_eq!(now_sent.status, DeliveryStatus::Sent, "{now_sent:?}");
    assert_eq!(sink.messages().len(), 3);
    assert_eq!(queue_due(&one, next_week + 60).await.unwrap(), 0);

    // Removed, it is sent no more; its log stays.
    let _: () = admin.ok("notify/report_remove", &[("id", &id)]).await;
    assert_eq!(queue_due(&one, next_week + 8 * DAY).await.unwrap(), 0);
    assert_eq!(
        server
            .count("SELECT COUNT(*) FROM notify_deliveries WHERE event LIKE 'report:%'")
            .await,
        3
    );
    server.stop().await;
}

async fn bad_schedules_and_reports_are_refused(db: Db) {
    let Some(server) = TestServer::start(db).await else {
        return;
    };
    let admin = server.admin("admin", common::world::PASSWORD).await;
    let good = [
        ("workspace", ""),
        ("cadence", "monthly"),
        ("day", "1"),
        ("hour", "9"),
        ("tz", "UTC"),
        ("recipients", "boss@example.com"),
    ];
    let cases: [(&str, &str, &str); 8] = [
        ("day", "29", "day"),
        ("day", "0", "day"),
        ("hour", "24", "hour"),
        ("hour", "nine", "hour"),
        ("tz", "Mars/Olympus", "tz"),
        ("recipients", "not-an-address", "recipients"),
        ("workspace", "999", "workspace"),
        ("workspace", "abc", "workspace"),
    ];
    for (name, value, field) in cases {
        let mut form = good;
        for pair in &mut form {
            if pair.0 == name {
                pair.1 = value;
            }
        }
        let error = admin
            .fails("notify/report_add", &form, StatusCode::UNPROCESSABLE_ENTITY)
            .await;
        assert_eq!(
            invalid_field(&error),
            Some(field),
            "{name}={value}: {error:?}"
        );
    }
    // A weekday is 1 to 7.
    let mut weekly = good;
    weekly[1] = ("cadence", "weekly");
    weekly[2] = ("day", "8");
    let error = admin
        .fails(
            "notify/report_add",
            &weekly,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    assert_eq!(invalid_field(&error), Some("day"));
    assert_eq!(
        server.count("SELECT COUNT(*) FROM report_schedules").await,
        0
    );
    assert_eq!(
        server
            .client()
            .call("notify/report_add", &good)
            .await
            .status(),
        StatusCode::UNAUTHORIZED
    );
    // Unknown schedules are 404s.
    admin
        .fails(
            "notify/report_send",
            &[("id", "404")],
            StatusCode::NOT_FOUND,
        )
        .await;
    admin
        .fails(
            "notify/report_remove",
            &[("id", "404")],
            StatusCode::NOT_FOUND,
        )
        .await;
    server.stop().await;
}

/// Sets an alert rule's threshold, keeping it on.
async fn threshold(admin: &Api, rule: &str, value: &str) {
    let _: app::dto::AlertRuleView = admin
        .ok(
            "notify/rule",
            &[("rule", rule), ("enabled", "true"), ("threshold", value)],
        )
        .await;
}

async fn data_alerts_open_and_clear(db: Db) {
    let Some(server) = TestServer::start(db).await else {
        return;
    };
    let admin = server.admin("admin", common::world::PASSWORD).await;
    let receiver = Receiver::start().await;
    let deps = instance(&server).await;
    let db = &deps.db;
    let account = watched_account(&server, &deps, "creator").await;
    let now = unix_now();
    let _: app::dto::CreatedChannel = admin
        .ok(
            "notify/add",
            &[
                ("kind", "slack"),
                ("label", "Team"),
                ("target", &format!("{}/slack", receiver.base)),
            ],
        )
        .await;

    // Six earlier pictures with 100 likes at 23 hours: the usual. Two new ones: 350 likes
    // at 23 hours (3.5×) and 20 at 20 hours (0.2×); a reel with no earlier reels to compare.
    let hours = |h: i64| h * 3600;
    let post = |product: &'static str, media: &'static str, at: i64| Media {
        account,
        product_type: product,
        media_type: media,
        published: OffsetDateTime::from_unix_timestamp(at).unwrap(),
        caption: "Spring collection",
        counts: [0, 0, 0, 0],
        reach: None,
        views: None,
        followers: None,
    };
    for n in 0..6 {
        let at = now - (10 - n as i64) * DAY;
        let id = seed::media(db, n, &post("FEED", "IMAGE", at)).await;
        seed::snapshot(db, id, at + hours(23), 100, None).await;
        // A later snapshot does not count: the comparison is at 24 hours.
        seed::snapshot(db, id, at + hours(30), 900, None).await;
    }
    let high_at = now - hours(30);
    let high = seed::media(db, 6, &post("FEED", "IMAGE", high_at)).await;
    seed::snapshot(db, high, high_at + hours(23), 350, None).await;
    let low_at = now - hours(26);
    let low = seed::media(db, 7, &post("FEED", "IMAGE", low_at)).await;
    seed::snapshot(db, low, low_at + hours(20), 20, None).await;
    let reel_at = now - hours(28);
    let reel = seed::media(db, 8, &post("REELS", "VIDEO", reel_at)).await;
    seed::snapshot(db, reel, reel_at + hours(23), 5_000, None).await;

    evaluate(&deps, now).await.unwrap();
    assert!(is_open(&server, "post_above", &format!("media:{high}")).await);
    assert!(is_open(&server, "post_below", &format!("media:{low}")).await);
    assert!(!is_open(&server, "post_above", &format!("media:{reel}")).await);
    deliver_due(&deps, now).await.unwrap();
    // The server's own notifier may be the one that sends them.
    let texts = || -> Vec<String> { receiver.at("/slack").into_iter().map(|r| r.body).collect() };
    assert!(eventually(|| texts().len() == 2).await, "{:?}", texts());
    let texts = texts();
    assert!(
        texts.iter().any(|t| t.contains("@creator's image is far above its usual: 350 interactions at 24 hours, 3.5× the median of 100")),
        "{texts:?}"
    );
    assert!(
        texts.iter().any(|t| t
            .contains("far below its usual: 20 interactions at 24 hours, 0.2× the median of 100")),
        "{texts:?}"
    );

    // A higher bar closes the high one without a "Resolved" (news, not a fault); two days
    // on, the low one's first days are over and it closes too, as quietly.
    threshold(&admin, "post_above", "4").await;
    evaluate(&deps, now).await.unwrap();
    assert!(!is_open(&server, "post_above", &format!("media:{high}")).await);
    evaluate(&deps, now + 2 * DAY).await.unwrap();
    assert!(!is_open(&server, "post_below", &format!("media:{low}")).await);
    assert_eq!(
        server
            .count("SELECT COUNT(*) FROM notify_deliveries WHERE event LIKE 'alert:post_%'")
            .await,
        2,
        "no resolved for news"
    );

    // Followers: 1,000 then 940 the next day is a 6 % fall: over 5 %, not over 10 %.
    let today = OffsetDateTime::now_utc().date();
    let followers = |n| Day {
        followers: Some(n),
        ..Day::default()
    };
    day(db, account, today - Duration::days(2), followers(1_000)).await;
    day(db, account, today - Duration::days(1), followers(940)).await;
    let subject = format!("account:{account}");
    evaluate(&deps, now).await.unwrap();
    assert!(is_open(&server, "followers_drop", &subject).await);
    deliver_due(&deps, now).await.unwrap();
    assert!(
        eventually(|| receiver
            .at("/slack")
            .iter()
            .any(|r| r.body.contains("@creator lost 60 followers (6.0 %)")))
        .await
    );
    threshold(&admin, "followers_drop", "10").await;
    evaluate(&deps, now).await.unwrap();
    assert!(!is_open(&server, "followers_drop", &subject).await);
    threshold(&admin, "followers_drop", "5").await;
    // A day of growth after it: the fall is no longer the latest day.
    day(db, account, today, followers(950)).await;
    evaluate(&deps, now).await.unwrap();
    assert!(!is_open(&server, "followers_drop", &subject).await);

    // The export, switched on, has rows older than 6 hours waiting: its backlog alert; with
    // a threshold longer than they have waited, none.
    server
        .execute("UPDATE export_config SET enabled = TRUE")
        .await;
    evaluate(&deps, now).await.unwrap();
    assert!(is_open(&server, "export_backlog", "export").await);
    server
        .execute("UPDATE export_config SET enabled = FALSE")
        .await;
    evaluate(&deps, now).await.unwrap();
    assert!(!is_open(&server, "export_backlog", "export").await);
    server.stop().await;
}
