//! What can be known of the token itself, and what that means for the dashboard.
//!
//! Facebook Login: `debug_token` (with the app's own token) reports `expires_at`,
//! `data_access_expires_at` and the granted scopes; nothing renews such a token but the
//! undocumented re-exchange, which needs the app id and secret. Instagram Login: Meta offers no
//! lookup; a token lives 60 days and the poller refreshes it (`sync::policy::refresh_due`).

use time::{Duration, OffsetDateTime};

use crate::clock::DAY;
use crate::graph::models::TokenDebug;

use super::verdict::Outcome;

/// Issue 12: an account is marked "expires soon" this far ahead, so an admin can reconnect
/// before data stops.
const EXPIRES_SOON: Duration = Duration::days(7);

/// What Facebook Login's insights need (https://developers.facebook.com/docs/instagram-platform/overview); `ads_*` only for Business Manager roles.
const FACEBOOK_SCOPES: [&str; 4] = [
    "instagram_basic",
    "instagram_manage_insights",
    "pages_read_engagement",
    "pages_show_list",
];

/// A connected account, as `--account` found it.
#[derive(Clone, Debug)]
pub struct StoredAccount {
    pub id: i64,
    pub username: String,
    pub ig_user_id: String,
    pub status: String,
    /// The expiry recorded with the token (from Meta's `expires_in`), when known.
    pub token_expires_at: Option<i64>,
}

/// The token section of the report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TokenFacts {
    pub expires: String,
    pub data_access: Option<String>,
    pub permissions: String,
}

impl TokenFacts {
    pub fn unknown() -> Self {
        Self {
            expires: "not known".into(),
            data_access: None,
            permissions: "not known".into(),
        }
    }
}

/// Instagram Login: nothing to ask, only what the poller will do.
pub fn instagram(stored: Option<&StoredAccount>, now: OffsetDateTime) -> (Outcome, TokenFacts) {
    let recorded = stored.and_then(|a| a.token_expires_at).map(|at| {
        format!(
            "{} as recorded at the last connect or refresh; ",
            when(at, now)
        )
    });
    let facts = TokenFacts {
        expires: format!(
            "{}Meta offers no expiry lookup for Instagram Login tokens",
            recorded.unwrap_or_default()
        ),
        data_access: None,
        permissions: "not reported for Instagram Login tokens (the requests above show what is \
                      granted: instagram_business_basic, instagram_business_manage_insights)"
            .into(),
    };
    let outcome = Outcome::Answered {
        detail: "Instagram Login: Meta offers no expiry lookup; the poller refreshes the token \
                 once it is 24 h old, and again whenever under 10 days remain (each refresh \
                 gives 60 days)"
            .into(),
    };
    (outcome, facts)
}

/// Facebook Login without the app id and secret: Meta tells the token's expiry only to the
/// app, and only the app can renew it.
pub fn facebook_without_app() -> (Outcome, TokenFacts) {
    let outcome = Outcome::Short {
        detail: "not checked: Meta reports a Facebook Login token's expiry and scopes only to \
                 the app (set --facebook-app-id and INSTALYTICS_FACEBOOK_APP_SECRET)"
            .into(),
        lack: "nothing renews this token without the Facebook app id and secret: data stops \
               when it expires (60 days after it was issued)"
            .into(),
    };
    let facts = TokenFacts {
        expires: "not known without the Facebook app id and secret".into(),
        data_access: None,
        permissions: "not known without the Facebook app id and secret".into(),
    };
    (outcome, facts)
}

/// Reads `debug_token`'s answer: validity, both expiries, and the scopes the poller needs.
pub fn facebook(debug: &TokenDebug, now: OffsetDateTime) -> (Outcome, TokenFacts) {
    let at = |t: Option<i64>| t.filter(|t| *t > 0);
    let (expires, data_access) = (at(debug.expires_at), at(debug.data_access_expires_at));
    let facts = TokenFacts {
        // Meta reports 0 for a token that does not expire.
        expires: expires.map_or_else(|| "never (Meta reports no expiry)".into(), |t| when(t, now)),
        data_access: Some(data_access.map_or_else(|| "not reported".into(), |t| when(t, now))),
        permissions: if debug.scopes.is_empty() {
            "none reported".into()
        } else {
            debug.scopes.join(", ")
        },
    };
    let now_unix = now.unix_timestamp();
    let soon = now_unix + EXPIRES_SOON.whole_seconds();
    let missing: Vec<&str> = FACEBOOK_SCOPES
        .into_iter()
        .filter(|s| !debug.scopes.iter().any(|g| g == s))
        .collect();
    let outcome = if !debug.is_valid {
        Outcome::Broken {
            detail: "Meta says the token is not valid".into(),
        }
    } else if let Some(t) = expires.filter(|t| *t <= now_unix) {
        Outcome::Broken {
            detail: format!("expired {}", when(t, now)),
        }
    } else if let Some(t) = data_access.filter(|t| *t <= now_unix) {
        Outcome::Broken {
            detail: format!(
                "data access expired {}: Meta returns no data until the user logs in again",
                when(t, now)
            ),
        }
    } else if !missing.is_empty() {
        Outcome::Short {
            detail: format!("granted without {}", missing.join(", ")),
            lack: format!(
                "whatever needs {}: those requests fail until the account is reconnected with \
                 them granted",
                missing.join(", ")
            ),
        }
    } else if let Some(t) = [expires, data_access]
        .into_iter()
        .flatten()
        .filter(|t| *t <= soon)
        .min()
    {
        Outcome::Short {
            detail: format!("expires soon: data stops {}", when(t, now)),
            lack: format!(
                "new data after {}, unless the account is reconnected before then",
                date(t)
            ),
        }
    } else {
        Outcome::Answered {
            detail: format!(
                "valid; expires {}; data access {}",
                facts.expires,
                facts.data_access.as_deref().unwrap_or("not reported")
            ),
        }
    };
    (outcome, facts)
}

/// `2027-02-03 02:52 UTC (in 59 days)`.
fn when(unix: i64, now: OffsetDateTime) -> String {
    let left = unix - now.unix_timestamp();
    let ago = left < 0;
    let span = left.abs();
    let amount = if span >= 2 * DAY {
        format!("{} days", span / DAY)
    } else if span >= 2 * 3_600 {
        format!("{} hours", span / 3_600)
    } else {
        format!("{} minutes", span / 60)
    };
    let relative = if ago {
        format!("{amount} ago")
    } else {
        format!("in {amount}")
    };
    format!("{} ({relative})", date(unix))
}

fn date(unix: i64) -> String {
    match OffsetDateTime::from_unix_timestamp(unix) {
        Ok(t) => format!("{} {:02}:{:02} UTC", t.date(), t.hour(), t.minute()),
        Err(_) => format!("unix time {unix}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::doctor::checks::Check;
    use crate::doctor::verdict::{Mark, Row};
    use time::macros::datetime;

    const NOW: OffsetDateTime = datetime!(2026-12-06 03:00 UTC);

    fn debug(expires_in_days: i64, scopes: &[&str]) -> TokenDebug {
        TokenDebug {
            is_valid: true,
            expires_at: Some(NOW.unix_timestamp() + expires_in_days * DAY),
            data_access_expires_at: Some(NOW.unix_timestamp() + 90 * DAY),
            scopes: scopes.iter().map(|s| (*s).to_owned()).collect(),
            kind: Some("USER".into()),
        }
    }

    fn mark(outcome: Outcome) -> Mark {
        Row {
            check: Check::Token,
            request: None,
            outcome,
            usage: None,
        }
        .mark()
    }

    #[test]
    fn a_healthy_facebook_token_shows_both_expiries_and_its_scopes() {
        let (outcome, facts) = facebook(&debug(59, &FACEBOOK_SCOPES), NOW);
        assert_eq!(mark(outcome.clone()), Mark::Pass, "{outcome:?}");
        assert_eq!(facts.expires, "2027-02-03 03:00 UTC (in 59 days)");
        assert_eq!(
            facts.data_access.as_deref(),
            Some("2027-03-06 03:00 UTC (in 90 days)")
        );
        assert_eq!(
            facts.permissions,
            "instagram_basic, instagram_manage_insights, pages_read_engagement, pages_show_list"
        );
    }

    #[test]
    fn expiry_within_a_week_warns_and_past_expiry_fails() {
        let (soon, _) = facebook(&debug(3, &FACEBOOK_SCOPES), NOW);
        assert_eq!(mark(soon.clone()), Mark::Warn);
        let Outcome::Short { lack, .. } = soon else {
            panic!("{soon:?}")
        };
        assert_eq!(
            lack,
            "new data after 2026-12-09 03:00 UTC, unless the account is reconnected before then"
        );
        let (gone, _) = facebook(&debug(-1, &FACEBOOK_SCOPES), NOW);
        assert_eq!(mark(gone.clone()), Mark::Fail);
        assert_eq!(
            gone,
            Outcome::Broken {
                detail: "expired 2026-12-05 03:00 UTC (24 hours ago)".into()
            }
        );
        let invalid = TokenDebug {
            is_valid: false,
            ..debug(30, &FACEBOOK_SCOPES)
        };
        assert_eq!(mark(facebook(&invalid, NOW).0), Mark::Fail);
    }

    #[test]
    fn zero_means_never_and_missing_scopes_are_named() {
        let never = TokenDebug {
            expires_at: Some(0),
            ..debug(0, &["instagram_basic", "pages_show_list"])
        };
        let (outcome, facts) = facebook(&never, NOW);
        assert_eq!(facts.expires, "never (Meta reports no expiry)");
        assert_eq!(
            outcome,
            Outcome::Short {
                detail: "granted without instagram_manage_insights, pages_read_engagement".into(),
                lack: "whatever needs instagram_manage_insights, pages_read_engagement: those \
                       requests fail until the account is reconnected with them granted"
                    .into()
            }
        );
    }

    #[test]
    fn instagram_and_app_less_facebook_tokens_say_what_cannot_be_known() {
        let (outcome, facts) = instagram(None, NOW);
        assert_eq!(mark(outcome), Mark::Pass);
        assert_eq!(
            facts.expires,
            "Meta offers no expiry lookup for Instagram Login tokens"
        );
        let stored = StoredAccount {
            id: 1,
            username: "a".into(),
            ig_user_id: "1".into(),
            status: "ok".into(),
            token_expires_at: Some(NOW.unix_timestamp() + 50 * DAY),
        };
        assert!(instagram(Some(&stored), NOW)
            .1
            .expires
            .starts_with("2027-01-25 03:00 UTC (in 50 days) as recorded"));
        let (outcome, _) = facebook_without_app();
        assert_eq!(mark(outcome), Mark::Warn);
    }
}
