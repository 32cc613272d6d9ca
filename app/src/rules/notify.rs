//! Rules for Settings → Notifications: channels, the SMTP server and alert thresholds.

use crate::dto::{AlertRule, Cadence, ChannelKind};
use crate::error::AppError;

use super::one_line;

/// The most recipients one e-mail channel lists.
pub const RECIPIENTS_MAX: usize = 20;
/// RFC 5321's limit on an address's length.
pub const EMAIL_MAX: usize = 254;
/// Longer than any webhook URL Slack or a chat server hands out.
pub const WEBHOOK_URL_MAX: usize = 2000;

/// What a channel sends to, by kind.
pub const CHANNEL_TARGET_HINT: &str = "E-mail: up to 20 addresses, separated by commas. \
     Slack: the incoming webhook's address (https://hooks.slack.com/services/…) or a \
     Slack-compatible one. Webhook: the http:// or https:// address to POST to.";

/// A channel's label, by the same rule as a workspace name.
pub fn channel_label(raw: &str) -> Result<String, AppError> {
    one_line(raw, "label", "A label")
}

/// One e-mail address: `local@domain`, printable ASCII or UTF-8 letters without spaces,
/// angle brackets, commas or quotes (lettre checks the rest when it sends).
pub fn email_address(raw: &str, field: &str) -> Result<String, AppError> {
    let address = raw.trim();
    let refuse = || {
        Err(AppError::invalid(
            field,
            format!(
                "“{}” is not an e-mail address (name@example.com).",
                shorten(address)
            ),
        ))
    };
    if address.len() > EMAIL_MAX {
        return refuse();
    }
    let Some((local, domain)) = address.rsplit_once('@') else {
        return refuse();
    };
    let plain = |s: &str| {
        !s.is_empty()
            && !s
                .chars()
                .any(|c| c.is_whitespace() || c.is_control() || "<>,;\"()[]\\@".contains(c))
    };
    if !plain(local)
        || !plain(domain)
        || !domain.contains('.')
        || domain.starts_with('.')
        || domain.ends_with('.')
    {
        return refuse();
    }
    Ok(address.to_owned())
}

fn shorten(s: &str) -> String {
    let mut short: String = s.chars().take(60).collect();
    if short.len() < s.len() {
        short.push('…');
    }
    short
}

/// An e-mail channel's recipients: 1–20 addresses separated by commas (or spaces, or new
/// lines), each once.
pub fn recipients(raw: &str, field: &str) -> Result<Vec<String>, AppError> {
    let mut list = Vec::new();
    for part in raw
        .split([',', ';', '\n', ' '])
        .filter(|p| !p.trim().is_empty())
    {
        let address = email_address(part, field)?;
        if !list
            .iter()
            .any(|a: &String| a.eq_ignore_ascii_case(&address))
        {
            list.push(address);
        }
    }
    if list.is_empty() || list.len() > RECIPIENTS_MAX {
        return Err(AppError::invalid(
            field,
            format!("Give 1 to {RECIPIENTS_MAX} e-mail addresses, separated by commas."),
        ));
    }
    Ok(list)
}

/// A webhook's URL: `http://` or `https://`, a host, printable ASCII without spaces.
pub fn webhook_url(raw: &str) -> Result<String, AppError> {
    let url = raw.trim();
    let refuse = |why: &str| Err(AppError::invalid("target", why.to_owned()));
    if url.len() > WEBHOOK_URL_MAX {
        return refuse("The address is longer than 2,000 characters.");
    }
    let lower = url.to_ascii_lowercase();
    let Some(rest) = ["https://", "http://"]
        .iter()
        .find_map(|scheme| lower.starts_with(scheme).then(|| &url[scheme.len()..]))
    else {
        return refuse("Give an address starting with https:// (or http://).");
    };
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    if host.is_empty() || host.contains('@') {
        return refuse("The address needs a host, without a user name or password in it.");
    }
    if !url.bytes().all(|b| b.is_ascii_graphic()) {
        return refuse("The address holds spaces or characters outside printable ASCII.");
    }
    Ok(url.to_owned())
}

/// What a channel of `kind` sends to, checked: its recipients or its URL.
pub fn channel_target(kind: ChannelKind, raw: &str) -> Result<ChannelTarget, AppError> {
    Ok(match kind {
        ChannelKind::Email => ChannelTarget::Email(recipients(raw, "target")?),
        ChannelKind::Slack | ChannelKind::Webhook => ChannelTarget::Url(webhook_url(raw)?),
    })
}

/// A channel's checked destination.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ChannelTarget {
    Email(Vec<String>),
    Url(String),
}

/// An SMTP server's host name or address: letters, digits, dots, hyphens, colons (IPv6).
pub fn smtp_host(raw: &str) -> Result<String, AppError> {
    let host = raw.trim();
    if host.is_empty()
        || host.len() > 253
        || !host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-.:[]".contains(&b))
    {
        return Err(AppError::invalid(
            "host",
            "Give the SMTP server's host name, such as smtp.example.com.",
        ));
    }
    Ok(host.to_owned())
}

/// A TCP port, 1–65535.
pub fn smtp_port(raw: &str) -> Result<u16, AppError> {
    raw.trim()
        .parse::<u16>()
        .ok()
        .filter(|p| *p > 0)
        .ok_or_else(|| {
            AppError::invalid(
                "port",
                "A port is a number from 1 to 65535 (587, 465 or 25).",
            )
        })
}

/// The range a rule's threshold may take, and whether it is a whole number.
pub fn threshold_range(rule: AlertRule) -> Option<(f64, f64, bool)> {
    match rule {
        AlertRule::NeedsReauth => None,
        AlertRule::TokenExpiring => Some((1.0, 60.0, true)),
        AlertRule::SyncsFailing => Some((1.0, 50.0, true)),
        AlertRule::RateLimited | AlertRule::ExportFailing | AlertRule::ExportBacklog => {
            Some((0.25, 168.0, false))
        }
        AlertRule::PostAbove => Some((1.1, 100.0, false)),
        AlertRule::PostBelow => Some((0.01, 0.95, false)),
        AlertRule::FollowersDrop => Some((0.1, 100.0, false)),
    }
}

/// A report's day: a weekday 1 (Monday) to 7, or a day of the month 1 to 28 (every month
/// has it).
pub fn report_day(cadence: Cadence, raw: &str) -> Result<u8, AppError> {
    let (high, what) = match cadence {
        Cadence::Weekly => (7, "a weekday from 1 (Monday) to 7 (Sunday)"),
        Cadence::Monthly => (28, "a day of the month from 1 to 28"),
    };
    match raw.trim().parse::<u8>() {
        Ok(day) if (1..=high).contains(&day) => Ok(day),
        _ => Err(AppError::invalid("day", format!("Give {what}."))),
    }
}

/// A report's hour, 0 to 23.
pub fn report_hour(raw: &str) -> Result<u8, AppError> {
    match raw.trim().parse::<u8>() {
        Ok(hour) if hour < 24 => Ok(hour),
        _ => Err(AppError::invalid("hour", "Give an hour from 0 to 23.")),
    }
}

/// A rule's threshold as typed: a number within the rule's range (whole where it counts).
pub fn alert_threshold(rule: AlertRule, raw: &str) -> Result<Option<f64>, AppError> {
    let Some((low, high, whole)) = threshold_range(rule) else {
        return Ok(None);
    };
    let unit = rule.threshold().map(|(_, unit)| unit).unwrap_or_default();
    let value = raw.trim().replace(',', ".").parse::<f64>().ok();
    match value {
        Some(v) if v.is_finite() && (low..=high).contains(&v) && (!whole || v.fract() == 0.0) => {
            Ok(Some(v))
        }
        _ => Err(AppError::invalid(
            "threshold",
            if whole {
                format!("Give a whole number of {unit} from {low} to {high}.")
            } else {
                format!("Give a number of {unit} from {low} to {high}.")
            },
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recipients_are_split_checked_and_deduplicated() {
        assert_eq!(
            recipients(" a@x.org, B@y.com;\nb@y.com ", "target").unwrap(),
            vec!["a@x.org".to_owned(), "B@y.com".to_owned()]
        );
        for bad in [
            "",
            "a@x",
            "not an address",
            "a@x.org, <b@y.com>",
            "@x.org",
            "a@.org",
        ] {
            let err = recipients(bad, "target").unwrap_err();
            assert!(err.for_field("target").is_some(), "{bad:?} gave {err:?}");
        }
        let many: Vec<String> = (0..21).map(|i| format!("u{i}@x.org")).collect();
        assert!(recipients(&many.join(","), "target").is_err());
    }

    #[test]
    fn webhook_urls_need_a_scheme_and_a_host() {
        assert_eq!(
            webhook_url(" https://hooks.slack.com/services/T/B/x ").unwrap(),
            "https://hooks.slack.com/services/T/B/x"
        );
        assert!(webhook_url("http://127.0.0.1:9000/hook").is_ok());
        for bad in [
            "ftp://x.org",
            "https://",
            "javascript:alert(1)",
            "https://u:p@x.org/",
            "https://x.org/a b",
        ] {
            assert!(
                webhook_url(bad).unwrap_err().for_field("target").is_some(),
                "{bad}"
            );
        }
    }

    #[test]
    fn thresholds_stay_in_their_rule_range() {
        assert_eq!(
            alert_threshold(AlertRule::TokenExpiring, "7").unwrap(),
            Some(7.0)
        );
        assert_eq!(
            alert_threshold(AlertRule::RateLimited, "1,5").unwrap(),
            Some(1.5)
        );
        assert_eq!(alert_threshold(AlertRule::NeedsReauth, "x").unwrap(), None);
        for (rule, bad) in [
            (AlertRule::TokenExpiring, "0"),
            (AlertRule::TokenExpiring, "2.5"),
            (AlertRule::SyncsFailing, "51"),
            (AlertRule::ExportFailing, "NaN"),
            (AlertRule::RateLimited, "-1"),
        ] {
            assert!(
                alert_threshold(rule, bad)
                    .unwrap_err()
                    .for_field("threshold")
                    .is_some(),
                "{bad}"
            );
        }
    }

    #[test]
    fn smtp_fields_are_checked() {
        assert_eq!(smtp_host(" smtp.example.com ").unwrap(), "smtp.example.com");
        assert!(smtp_host("smtp example").is_err());
        assert_eq!(smtp_port("587").unwrap(), 587);
        assert!(smtp_port("0").is_err() && smtp_port("70000").is_err());
        assert!(email_address("alerts@example.com", "from").is_ok());
        assert!(email_address("Alerts <a@example.com>", "from").is_err());
    }
}
