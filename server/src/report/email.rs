//! The report as an e-mail: HTML with the charts as inline PNG images (`cid:`), a plain-text
//! alternative, and the PDF attached.

use app::components::number::thousands;
use lettre::message::header::ContentType;
use lettre::message::{Attachment, MultiPart, SinglePart};

use super::pdf::kind_sentence;
use super::Report;

const FOLLOWERS_CID: &str = "followers-chart";
const REACH_CID: &str = "reach-views-chart";

/// `text` safe inside HTML.
pub fn html_text(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn esc(text: &str) -> String {
    html_text(text)
}

/// The whole message body: text and HTML alternatives, the charts, the PDF.
pub fn body(report: &Report, pdf: Vec<u8>) -> MultiPart {
    let png = ContentType::parse("image/png").expect("a MIME type");
    let mut related = MultiPart::related().singlepart(SinglePart::html(html(report)));
    for (cid, image) in [
        (FOLLOWERS_CID, &report.followers_png),
        (REACH_CID, &report.reach_views_png),
    ] {
        if let Some(image) = image {
            related = related.singlepart(
                Attachment::new_inline(cid.to_owned()).body(image.clone(), png.clone()),
            );
        }
    }
    MultiPart::mixed()
        .multipart(
            MultiPart::alternative()
                .singlepart(SinglePart::plain(text(report)))
                .multipart(related),
        )
        .singlepart(Attachment::new(report.file_name()).body(
            pdf,
            ContentType::parse("application/pdf").expect("a MIME type"),
        ))
}

fn text(report: &Report) -> String {
    let p = &report.overview.period;
    let mut out = format!(
        "Instalytics report\n{}\n{} to {} ({} days, UTC), compared with {} to {}.\n\nKey figures\n",
        report.scope, p.from, p.to, p.days, p.previous_from, p.previous_to
    );
    for [label, value, previous, change] in report.kpi_rows() {
        out.push_str(&format!(
            "- {label}: {value} (previous {previous}, {change})\n"
        ));
    }
    if let Some(best) = report.kinds.first() {
        out.push_str(&format!("\n{}\n", kind_sentence(best)));
    }
    if !report.overview.top_posts.is_empty() {
        out.push_str("\nTop posts\n");
    }
    for post in &report.overview.top_posts {
        out.push_str(&format!(
            "- @{}, {}: {} interactions {}\n",
            post.username,
            post.published,
            thousands(post.interactions),
            post.permalink.as_deref().unwrap_or_default()
        ));
    }
    out.push_str(&format!(
        "\nThe charts are in the HTML version and the attached PDF.\nOn the dashboard: {}\n",
        report.dashboard
    ));
    out
}

fn html(report: &Report) -> String {
    let p = &report.overview.period;
    let cell = "padding:4px 12px 4px 0;border-bottom:1px solid #e6e9ee";
    let mut kpis = String::new();
    for [label, value, previous, change] in report.kpi_rows() {
        kpis.push_str(&format!(
            "<tr><td style=\"{cell}\">{}</td><td style=\"{cell};text-align:right\"><b>{}</b></td>\
             <td style=\"{cell};text-align:right;color:#5b6470\">{}</td>\
             <td style=\"{cell};text-align:right;color:#5b6470\">{}</td></tr>",
            esc(&label),
            esc(&value),
            esc(&previous),
            esc(&change)
        ));
    }
    let chart = |cid: &str, image: &Option<Vec<u8>>, alt: &str| {
        match image {
        Some(_) => format!(
            "<img src=\"cid:{cid}\" width=\"520\" height=\"240\" alt=\"{alt}\" style=\"max-width:100%;height:auto\">"
        ),
        None => "<p style=\"color:#5b6470\">No data for this range.</p>".to_owned(),
    }
    };
    let best = report.kinds.first().map_or_else(
        || "No posts were published in this period.".to_owned(),
        kind_sentence,
    );
    let mut posts = String::new();
    for post in &report.overview.top_posts {
        let link = esc(post.permalink.as_deref().unwrap_or_default());
        // Instagram's thumbnail, linked to the post (mail clients load it when allowed).
        let thumbnail = post.thumbnail_url.as_deref().map_or_else(String::new, |src| {
            format!(
                "<a href=\"{link}\"><img src=\"{}\" width=\"64\" height=\"64\" alt=\"\" style=\"object-fit:cover;vertical-align:middle;margin-right:8px\"></a>",
                esc(src)
            )
        });
        posts.push_str(&format!(
            "<li>{thumbnail}<a href=\"{link}\">@{}</a>, {}: <b>{}</b> interactions</li>",
            esc(&post.username),
            esc(&post.published),
            thousands(post.interactions)
        ));
    }
    if posts.is_empty() {
        posts.push_str("<li>No posts were published in this period.</li>");
    }
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{title}</title></head>\
         <body style=\"font-family:-apple-system,'Segoe UI',Roboto,'Noto Sans',sans-serif;color:#1f2328;max-width:620px\">\
         <h1 style=\"font-size:20px\">Instalytics report</h1>\
         <p>{scope}<br><span style=\"color:#5b6470\">{from} to {to} ({days} days, UTC), compared with {pfrom} to {pto}.</span></p>\
         <h2 style=\"font-size:16px\">Key figures</h2>\
         <table style=\"border-collapse:collapse\"><tr style=\"color:#5b6470\"><td></td>\
         <td style=\"text-align:right;padding-right:12px\">This period</td><td style=\"text-align:right;padding-right:12px\">Previous</td>\
         <td style=\"text-align:right;padding-right:12px\">Change</td></tr>{kpis}</table>\
         <h2 style=\"font-size:16px\">Followers</h2>{followers}\
         <h2 style=\"font-size:16px\">Daily reach and views</h2><p style=\"color:#5b6470\">Reach in purple, views in orange.</p>{reach}\
         <h2 style=\"font-size:16px\">Best-performing type</h2><p>{best}</p>\
         <h2 style=\"font-size:16px\">Top posts</h2><ol>{posts}</ol>\
         <p><a href=\"{dashboard}\">Open the dashboard</a></p></body></html>",
        title = esc(&report.title()),
        scope = esc(&report.scope),
        from = p.from,
        to = p.to,
        days = p.days,
        pfrom = p.previous_from,
        pto = p.previous_to,
        followers = chart(FOLLOWERS_CID, &report.followers_png, "Followers"),
        reach = chart(REACH_CID, &report.reach_views_png, "Daily reach and views"),
        best = esc(&best),
        dashboard = esc(&report.dashboard),
    )
}
