//! From answers to a verdict: which failures would stop a sync, which only leave a gap in the
//! dashboard, and what that gap is. Pure functions, mirroring what the poller does with each
//! error (README "The poller"; `graph::media_edge`, `graph::account_insights`).

use crate::graph::{Flavour, GraphError};

use super::checks::Check;

/// How one row reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mark {
    Pass,
    /// The sync works, but the dashboard misses something.
    Warn,
    /// A sync would fail.
    Fail,
    /// Not asked (an earlier answer made asking pointless or harmful).
    Skipped,
}

impl Mark {
    pub fn symbol(self) -> &'static str {
        match self {
            Mark::Pass => "✓",
            Mark::Warn => "!",
            Mark::Fail => "✗",
            Mark::Skipped => "–",
        }
    }
}

/// What happened to one check.
#[derive(Clone, Debug, PartialEq)]
pub enum Outcome {
    /// Meta answered with what the poller needs; `detail` says what.
    Answered {
        detail: String,
    },
    /// Meta answered, but with less than the dashboard needs.
    Short {
        detail: String,
        lack: String,
    },
    /// Not a refusal by Meta, yet a sync would fail (e.g. the token belongs to another account).
    Broken {
        detail: String,
    },
    /// Meta refused; `status` is the HTTP status when an answer came at all.
    Refused {
        status: Option<u16>,
        error: GraphError,
    },
    Skipped {
        reason: String,
    },
}

/// `X-App-Usage` and `X-Business-Use-Case-Usage` as Meta sent them.
pub type UsageHeaders = [Option<String>; 2];

/// One line of the table.
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    pub check: Check,
    /// The request as shown (never with the token); `None` when nothing was sent.
    pub request: Option<String>,
    pub outcome: Outcome,
    /// `None` when no headers were recorded: nothing was sent, or it was sent through the
    /// client's paced path (`debug_token`), which keeps none.
    pub usage: Option<UsageHeaders>,
}

impl Row {
    pub fn mark(&self) -> Mark {
        match &self.outcome {
            Outcome::Answered { .. } => Mark::Pass,
            Outcome::Short { .. } => Mark::Warn,
            Outcome::Broken { .. } => Mark::Fail,
            Outcome::Refused { error, .. } => severity(self.check, error),
            Outcome::Skipped { .. } => Mark::Skipped,
        }
    }

    /// What the dashboard misses because of this row, if anything.
    pub fn lack(&self) -> Option<String> {
        match &self.outcome {
            Outcome::Answered { .. } | Outcome::Skipped { .. } => None,
            Outcome::Short { lack, .. } => Some(lack.clone()),
            Outcome::Broken { .. } => Some(self.check.lack().to_owned()),
            Outcome::Refused { error, .. } => Some(refusal_lack(self.check, error)),
        }
    }
}

/// Whether a refusal of `check` fails a sync (`Fail`) or only costs the dashboard something
/// (`Warn`). A refusal fails the sync unless the poller has a way around it.
pub fn severity(check: Check, error: &GraphError) -> Mark {
    use GraphError as E;
    match (check, error) {
        // The token is gone, or every further call extends Meta's block: nothing works.
        (_, E::TokenInvalid { .. } | E::RateLimited { .. }) => Mark::Fail,
        // `debug_token` failing says nothing of the token's use; the other rows do.
        (Check::Token, _) => Mark::Warn,
        // Stories are best effort: the rest of a sync is kept.
        (Check::Stories, _) => Mark::Warn,
        // A page refusing one item's metric is split until that item is asked alone; a page
        // asking too much is halved; a story under 5 viewers is skipped.
        (Check::PostInsights, E::BadRequest { .. } | E::TooMuchData(_)) => Mark::Warn,
        (Check::PostInsights, E::Permission { message, .. }) if not_enough_viewers(message) => {
            Mark::Warn
        }
        // A refused metric is dropped (below 100 followers Meta refuses or omits it).
        (Check::FollowerCount | Check::DailyTotals, E::BadRequest { .. }) => Mark::Warn,
        _ => Mark::Fail,
    }
}

fn not_enough_viewers(message: &str) -> bool {
    message.to_lowercase().contains("not enough viewers")
}

/// The gap a refusal leaves, in the dashboard's terms.
pub fn refusal_lack(check: Check, error: &GraphError) -> String {
    match (check, severity(check, error)) {
        (Check::PostInsights, Mark::Warn) => {
            "per-post metrics cost one request per post Meta refuses in a page, and a metric \
             Meta refuses for a post stays empty"
                .into()
        }
        (Check::Token, _) => {
            "no expiry warning on the Accounts page, and renewing Facebook Login tokens may fail \
             (check --facebook-app-id and INSTALYTICS_FACEBOOK_APP_SECRET)"
                .into()
        }
        _ => check.lack().into(),
    }
}

/// A sync works when nothing failed.
pub fn sync_would_work(rows: &[Row]) -> bool {
    rows.iter().all(|r| r.mark() != Mark::Fail)
}

/// "What the dashboard will lack": everything when a sync would fail (a failed sync writes
/// nothing), then each gap, once.
pub fn lacks(rows: &[Row]) -> Vec<String> {
    let mut out = Vec::new();
    let failed: Vec<&str> = rows
        .iter()
        .filter(|r| r.mark() == Mark::Fail)
        .map(|r| r.check.label())
        .collect();
    if !failed.is_empty() {
        out.push(format!(
            "everything new: a sync would fail ({}), and a failed sync writes nothing",
            failed.join(", ")
        ));
    }
    for lack in rows.iter().filter_map(Row::lack) {
        if !out.contains(&lack) {
            out.push(lack);
        }
    }
    out
}

/// When Meta refused the token at the first request and the token looks like the other
/// login's (`EAA…` is a Facebook User token, `IGAA…` an Instagram User token), the likeliest
/// mistake is the login type: graph.instagram.com cannot parse a Facebook token, and the
/// reverse.
pub fn login_hint(flavour: Flavour, token: &str, rows: &[Row]) -> Option<String> {
    let refused = rows.first().is_some_and(|r| {
        r.check == Check::Identity
            && matches!(
                r.outcome,
                Outcome::Refused {
                    error: GraphError::TokenInvalid { .. },
                    ..
                }
            )
    });
    let hint = match flavour {
        Flavour::InstagramLogin if token.starts_with("EAA") => {
            "this looks like a Facebook Login token (EAA…): try --flavour facebook"
        }
        Flavour::FacebookLogin if token.starts_with("IG") => {
            "this looks like an Instagram Login token (IG…): try --flavour instagram"
        }
        _ => return None,
    };
    refused.then(|| hint.to_owned())
}

/// Meta's words for a refusal, with its code where the classification keeps it.
pub fn describe(error: &GraphError) -> String {
    use GraphError as E;
    match error {
        E::TokenInvalid { subcode, message } => match subcode {
            Some(sub) => format!("token refused (subcode {sub}): {message}"),
            None => format!("token refused: {message}"),
        },
        E::Permission { code, message } => format!("permission missing (code {code}): {message}"),
        E::RateLimited {
            code,
            retry_after,
            message,
        } => {
            let when = match retry_after {
                Some(wait) => format!("access returns in {} min", wait.as_secs().div_ceil(60)),
                None => "Meta did not say when access returns".into(),
            };
            format!("rate limited (code {code}; {when}): {message}")
        }
        E::BadRequest { subcode, message } => match subcode {
            Some(sub) => format!("refused (code 100, subcode {sub}): {message}"),
            None => format!("refused (code 100): {message}"),
        },
        E::TooMuchData(message) => format!("asks for less data (code 1): {message}"),
        E::Transient(message) => {
            format!("temporary failure (the poller retries these; run doctor again): {message}")
        }
        E::Decode(message) => format!("unreadable answer: {message}"),
        E::Other { code, message } => format!("error {code}: {message}"),
        E::TooLarge { .. } | E::EndlessPaging { .. } => error.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn refused(check: Check, error: GraphError) -> Row {
        Row {
            check,
            request: Some("x".into()),
            outcome: Outcome::Refused {
                status: Some(400),
                error,
            },
            usage: None,
        }
    }

    fn answered(check: Check) -> Row {
        Row {
            check,
            request: Some("x".into()),
            outcome: Outcome::Answered {
                detail: "fine".into(),
            },
            usage: None,
        }
    }

    fn bad_request() -> GraphError {
        GraphError::BadRequest {
            subcode: None,
            message: "(#100) The metric shares is not supported for this media type".into(),
        }
    }

    fn permission(message: &str) -> GraphError {
        GraphError::Permission {
            code: 10,
            message: message.into(),
        }
    }

    const ALL: [Check; 9] = Check::ALL;

    #[test]
    fn a_dead_token_or_a_rate_limit_fails_whatever_was_asked() {
        let expired = GraphError::TokenInvalid {
            subcode: Some(463),
            message: "Error validating access token: Session has expired".into(),
        };
        let limited = GraphError::RateLimited {
            code: 4,
            retry_after: None,
            message: "(#4) Application request limit reached".into(),
        };
        for check in ALL {
            assert_eq!(severity(check, &expired), Mark::Fail, "{check:?}");
            assert_eq!(severity(check, &limited), Mark::Fail, "{check:?}");
        }
    }

    #[test]
    fn what_a_sync_needs_fails_and_what_it_works_around_warns() {
        for check in [Check::Identity, Check::Profile, Check::Media, Check::Reach] {
            assert_eq!(severity(check, &bad_request()), Mark::Fail, "{check:?}");
            assert_eq!(
                severity(check, &GraphError::Transient("HTTP 500".into())),
                Mark::Fail,
                "{check:?}"
            );
        }
        for check in [
            Check::PostInsights,
            Check::FollowerCount,
            Check::DailyTotals,
        ] {
            assert_eq!(severity(check, &bad_request()), Mark::Warn, "{check:?}");
        }
        // Missing insights permission: the poller stops with permission_missing.
        let revoked = permission("(#10) Application does not have permission for this action");
        assert_eq!(severity(Check::PostInsights, &revoked), Mark::Fail);
        assert_eq!(severity(Check::DailyTotals, &revoked), Mark::Fail);
        // …but a story under 5 viewers is normal, and stories are best effort anyway.
        let viewers = permission("(#10) Not enough viewers for the media to show insights");
        assert_eq!(severity(Check::PostInsights, &viewers), Mark::Warn);
        assert_eq!(severity(Check::Stories, &revoked), Mark::Warn);
        assert_eq!(severity(Check::Token, &bad_request()), Mark::Warn);
    }

    #[test]
    fn the_verdict_is_a_sync_works_unless_a_row_fails() {
        let healthy: Vec<Row> = ALL.iter().map(|c| answered(*c)).collect();
        assert!(sync_would_work(&healthy));
        assert!(lacks(&healthy).is_empty());

        let mut warned = healthy.clone();
        warned[4] = refused(Check::Stories, permission("(#10) no"));
        warned[6] = Row {
            outcome: Outcome::Short {
                detail: "no values".into(),
                lack: Check::FollowerCount.lack().into(),
            },
            ..answered(Check::FollowerCount)
        };
        assert!(sync_would_work(&warned));
        assert_eq!(lacks(&warned), ["no stories", "no daily follower growth"]);

        let mut failed = warned.clone();
        failed[5] = refused(Check::Reach, permission("(#10) no"));
        assert!(!sync_would_work(&failed));
        let gaps = lacks(&failed);
        assert_eq!(
            gaps[0],
            "everything new: a sync would fail (daily reach), and a failed sync writes nothing"
        );
        assert!(gaps.contains(&"no daily reach".to_owned()), "{gaps:?}");
    }

    #[test]
    fn each_gap_is_named_once_in_the_dashboards_terms() {
        let rows = [
            refused(Check::PostInsights, bad_request()),
            refused(Check::DailyTotals, bad_request()),
            refused(Check::FollowerCount, bad_request()),
            refused(Check::Stories, bad_request()),
        ];
        let gaps = lacks(&rows);
        assert!(gaps[0].starts_with("per-post metrics cost one request per post"));
        assert_eq!(
            &gaps[1..],
            [
                "no views/engagement per day",
                "no daily follower growth",
                "no stories"
            ]
        );
        let skipped = Row {
            outcome: Outcome::Skipped {
                reason: "not asked".into(),
            },
            ..answered(Check::Stories)
        };
        assert_eq!(skipped.mark(), Mark::Skipped);
        assert_eq!(skipped.lack(), None);
    }

    #[test]
    fn a_token_of_the_other_login_gets_a_hint() {
        let unparsable = refused(
            Check::Identity,
            GraphError::TokenInvalid {
                subcode: Some(467),
                message: "Invalid OAuth access token - Cannot parse access token".into(),
            },
        );
        let rows = [unparsable];
        assert_eq!(
            login_hint(Flavour::InstagramLogin, "EAAxyz", &rows).as_deref(),
            Some("this looks like a Facebook Login token (EAA…): try --flavour facebook")
        );
        assert!(login_hint(Flavour::FacebookLogin, "IGAAxyz", &rows)
            .unwrap()
            .ends_with("try --flavour instagram"));
        assert_eq!(login_hint(Flavour::InstagramLogin, "IGAAxyz", &rows), None);
        let fine = [answered(Check::Identity)];
        assert_eq!(login_hint(Flavour::InstagramLogin, "EAAxyz", &fine), None);
    }

    #[test]
    fn descriptions_keep_metas_words_and_codes() {
        let limited = GraphError::RateLimited {
            code: 80002,
            retry_after: Some(Duration::from_secs(61)),
            message: "(#80002) too many calls".into(),
        };
        assert_eq!(
            describe(&limited),
            "rate limited (code 80002; access returns in 2 min): (#80002) too many calls"
        );
        assert_eq!(
            describe(&GraphError::TokenInvalid {
                subcode: Some(463),
                message: "Error validating access token".into()
            }),
            "token refused (subcode 463): Error validating access token"
        );
        assert!(describe(&bad_request()).starts_with("refused (code 100): (#100) The metric"));
    }
}
