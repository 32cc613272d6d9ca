//! A notification as every channel receives it: the generic webhook gets exactly this JSON
//! (the README documents it for receivers), Slack and e-mail a rendering of it.

use serde::{Deserialize, Serialize};

/// What happened.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Event {
    #[serde(rename = "alert.opened")]
    Opened,
    #[serde(rename = "alert.resolved")]
    Resolved,
    #[serde(rename = "test")]
    Test,
}

impl Event {
    pub fn as_str(self) -> &'static str {
        match self {
            Event::Opened => "alert.opened",
            Event::Resolved => "alert.resolved",
            Event::Test => "test",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Message {
    /// Unique per event: a receiver seeing it twice (after a retry whose answer was lost)
    /// can tell.
    pub id: String,
    pub event: Event,
    /// The alert rule (`needs_reauth` …); absent for a test.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
    /// What it is about: `account:<id>` or `export`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    pub title: String,
    /// What to do about it.
    pub text: String,
    /// The page that fixes it.
    pub link: String,
    /// When it happened, RFC 3339 in UTC.
    pub at: String,
}

impl Message {
    /// Slack's `text` field: mrkdwn, with `&`, `<` and `>` escaped as Slack requires
    /// (<https://api.slack.com/reference/surfaces/formatting#escaping>).
    pub fn slack_text(&self) -> String {
        let escape = |s: &str| {
            s.replace('&', "&amp;")
                .replace('<', "&lt;")
                .replace('>', "&gt;")
        };
        format!(
            "*{}*\n{}\n<{}|Open in Instalytics>",
            escape(&self.title),
            escape(&self.text),
            self.link.replace('|', "%7C").replace('>', "%3E")
        )
    }

    /// The plain-text body of the e-mail.
    pub fn email_text(&self) -> String {
        format!(
            "{}\n\n{}\n\n{}\n\n-- \nInstalytics\n",
            self.title, self.text, self.link
        )
    }
}

/// RFC 3339 of a unix time, in UTC.
pub fn rfc3339(unix: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(unix)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message() -> Message {
        Message {
            id: "test:1".into(),
            event: Event::Test,
            rule: None,
            subject: None,
            title: "A <b> & c".into(),
            text: "Do > this".into(),
            link: "https://x.org/a|b".into(),
            at: rfc3339(1_795_435_200),
        }
    }

    #[test]
    fn slack_text_escapes_what_slack_reads_as_markup() {
        assert_eq!(
            message().slack_text(),
            "*A &lt;b&gt; &amp; c*\nDo &gt; this\n<https://x.org/a%7Cb|Open in Instalytics>"
        );
    }

    #[test]
    fn the_webhook_body_names_the_event_and_leaves_out_what_a_test_lacks() {
        let json = serde_json::to_value(message()).unwrap();
        assert_eq!(json["event"], "test");
        assert_eq!(json["at"], "2026-11-23T12:00:00Z");
        assert!(json.get("rule").is_none());
    }
}
