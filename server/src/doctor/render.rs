//! The report as text: one block per check (mark, request, Meta's answer, usage headers),
//! then the token, what the dashboard will lack, and the verdict.

use std::fmt::Write;

use super::token::TokenFacts;
use super::verdict::{describe, lacks, sync_would_work, Outcome, Row, UsageHeaders};

/// Everything one run found.
#[derive(Clone, Debug)]
pub struct Report {
    /// What was examined, e.g. "Instagram Login token (from stdin)".
    pub subject: String,
    /// The Graph API root asked.
    pub api: String,
    pub rows: Vec<Row>,
    pub token: TokenFacts,
    /// What the operator most likely got wrong, when something points to it.
    pub hint: Option<String>,
}

/// Where the second column starts.
const INDENT: usize = 20;

impl Report {
    pub fn sync_would_work(&self) -> bool {
        sync_would_work(&self.rows)
    }

    pub fn render(&self) -> String {
        let mut out = String::new();
        let pad = " ".repeat(INDENT);
        let _ = writeln!(out, "instalytics doctor: {}", self.subject);
        let _ = writeln!(out, "Graph API: {}\n", self.api);
        let mut previous: Option<&UsageHeaders> = None;
        for row in &self.rows {
            let mark = row.mark();
            let request = match &row.request {
                Some(r) => format!("GET {r}"),
                None => "(nothing to ask Meta)".into(),
            };
            let head = format!("{}  {}", mark.symbol(), row.check.label());
            if let Outcome::Skipped { reason } = &row.outcome {
                let _ = writeln!(out, "{head:<INDENT$}{reason}");
                continue;
            }
            let _ = writeln!(out, "{head:<INDENT$}{request}");
            let _ = writeln!(out, "{pad}{}", answer(row));
            if let Some(headers) = &row.usage {
                let line = match previous {
                    // Unchanged counters say nothing new; the repetition hid what changed.
                    Some(p) if p == headers && headers.iter().any(Option::is_some) => {
                        "usage: same as above".into()
                    }
                    _ => usage(headers),
                };
                let _ = writeln!(out, "{pad}{line}");
                previous = Some(headers);
            }
        }

        let _ = writeln!(out, "\nToken");
        let _ = writeln!(out, "  expires      {}", self.token.expires);
        if let Some(data_access) = &self.token.data_access {
            let _ = writeln!(out, "  data access  {data_access}");
        }
        let _ = writeln!(out, "  permissions  {}", self.token.permissions);

        let _ = writeln!(out, "\nWhat the dashboard will lack");
        let gaps = lacks(&self.rows);
        if gaps.is_empty() {
            let _ = writeln!(
                out,
                "  nothing: every request the poller makes was answered"
            );
        }
        for gap in &gaps {
            let _ = writeln!(out, "  - {gap}");
        }
        if let Some(hint) = &self.hint {
            let _ = writeln!(out, "\nHint: {hint}");
        }

        let verdict = match (self.sync_would_work(), gaps.is_empty()) {
            (true, true) => "a sync would work (exit code 0)",
            (true, false) => "a sync would work, with the gaps above (exit code 0)",
            (false, _) => "a sync would fail (exit code 1)",
        };
        let _ = writeln!(out, "\nVerdict: {verdict}");
        out
    }
}

/// The answer line: the HTTP status (where one was recorded) and what Meta said.
fn answer(row: &Row) -> String {
    match &row.outcome {
        Outcome::Answered { detail }
        | Outcome::Short { detail, .. }
        | Outcome::Broken { detail } => with_status(row.usage.as_ref().map(|_| 200), detail),
        Outcome::Refused { status, error } => with_status(*status, &describe(error)),
        // Shown on the head line instead.
        Outcome::Skipped { reason } => reason.clone(),
    }
    .replace('\n', " ")
}

fn with_status(status: Option<u16>, text: &str) -> String {
    match status {
        Some(code) => format!("HTTP {code}: {text}"),
        None => text.to_owned(),
    }
}

/// Meta's usage headers as sent (percentages of the limits; throttling starts at 100).
fn usage(headers: &UsageHeaders) -> String {
    let shown: Vec<String> = ["X-App-Usage", "X-Business-Use-Case-Usage"]
        .iter()
        .zip(headers)
        .filter_map(|(name, value)| value.as_ref().map(|v| format!("{name} {v}")))
        .collect();
    if shown.is_empty() {
        "usage headers: none sent".into()
    } else {
        format!("usage: {}", shown.join("; "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::doctor::checks::Check;
    use crate::graph::GraphError;

    fn report(rows: Vec<Row>) -> Report {
        Report {
            subject: "Instagram Login token".into(),
            api: "http://sim/instagram/v25.0".into(),
            rows,
            token: TokenFacts::unknown(),
            hint: None,
        }
    }

    #[test]
    fn each_row_shows_its_request_answer_and_usage() {
        let ok = Row {
            check: Check::Identity,
            request: Some("me?fields=user_id,username".into()),
            outcome: Outcome::Answered {
                detail: "@shop, Instagram user id 1784".into(),
            },
            usage: Some([Some(r#"{"call_count":3}"#.into()), None]),
        };
        let expired = Row {
            check: Check::Profile,
            request: Some("1784?fields=id".into()),
            outcome: Outcome::Refused {
                status: Some(400),
                error: GraphError::TokenInvalid {
                    subcode: Some(463),
                    message: "Error validating access token: Session has expired".into(),
                },
            },
            usage: Some([None, None]),
        };
        let skipped = Row {
            check: Check::Media,
            request: Some("1784/media?limit=1".into()),
            outcome: Outcome::Skipped {
                reason: "not asked: Meta refused the token".into(),
            },
            usage: None,
        };
        let text = report(vec![ok, expired, skipped]).render();
        let expected = "\
✓  identity         GET me?fields=user_id,username
                    HTTP 200: @shop, Instagram user id 1784
                    usage: X-App-Usage {\"call_count\":3}
✗  profile          GET 1784?fields=id
                    HTTP 400: token refused (subcode 463): Error validating access token: \
Session has expired
                    usage headers: none sent
–  media            not asked: Meta refused the token
";
        assert!(text.contains(expected), "{text}");
        assert!(text.contains("  - everything new: a sync would fail (profile)"));
        assert!(
            text.ends_with("Verdict: a sync would fail (exit code 1)\n"),
            "{text}"
        );
    }

    #[test]
    fn unchanged_usage_is_not_repeated() {
        let row = |check, calls: u32| Row {
            check,
            request: Some("x".into()),
            outcome: Outcome::Answered {
                detail: "fine".into(),
            },
            usage: Some([Some(format!("{{\"call_count\":{calls}}}")), None]),
        };
        let text = report(vec![
            row(Check::Identity, 1),
            row(Check::Profile, 1),
            row(Check::Media, 2),
        ])
        .render();
        let lines: Vec<&str> = text
            .lines()
            .filter(|l| l.contains("usage"))
            .map(str::trim)
            .collect();
        assert_eq!(
            lines,
            [
                "usage: X-App-Usage {\"call_count\":1}",
                "usage: same as above",
                "usage: X-App-Usage {\"call_count\":2}"
            ]
        );
    }

    #[test]
    fn a_clean_run_lacks_nothing() {
        let text = report(vec![Row {
            check: Check::Token,
            request: None,
            outcome: Outcome::Answered {
                detail: "Instagram Login: no lookup".into(),
            },
            usage: None,
        }])
        .render();
        assert!(
            text.contains("✓  token            (nothing to ask Meta)\n"),
            "{text}"
        );
        assert!(!text.contains("usage"), "{text}");
        assert!(text.contains("  nothing: every request the poller makes was answered"));
        assert!(text.ends_with("Verdict: a sync would work (exit code 0)\n"));
    }
}
