//! The poller's decisions as pure functions: when an account is next due, what an error does
//! to it (https://developers.facebook.com/docs/graph-api/guides/error-handling), and when a token is refreshed.

use std::time::Duration;

use app::dto::Flavour;

use crate::clock::DAY;
use crate::graph::GraphError;
use crate::store::accounts::StatusChange;
use crate::store::entities::accounts::{self, DbStatus};
use crate::store::entities::sync_runs::DbOutcome;

/// Spread polls of many accounts over ±10 % of the interval so they do not all fire together.
const JITTER: f64 = 0.1;
/// When a rate limit answer carries no usage header saying when access returns.
const DEFAULT_RATE_LIMIT_WAIT: i64 = 30 * 60;
/// Tokens live 60 days; renew with this much left, so a poller that was down a week still
/// finds a live token.
const REFRESH_AHEAD: i64 = 10 * DAY;
/// Instagram refuses to refresh tokens younger than a day.
const REFRESH_MIN_AGE: i64 = DAY;

/// `now` + the interval, jittered by `unit` ∈ [0, 1).
pub fn next_due(now: i64, interval_secs: i64, unit: f64) -> i64 {
    let spread = (interval_secs as f64 * JITTER * (2.0 * unit - 1.0)).round() as i64;
    now + interval_secs + spread
}

/// A successful sync.
pub fn after_success(now: i64, interval_secs: i64, unit: f64) -> StatusChange {
    StatusChange {
        status: DbStatus::Ok,
        detail: None,
        retry_after: None,
        next_sync_at: next_due(now, interval_secs, unit),
        synced_at: Some(now),
    }
}

/// Meta keeps a story's insights for 24 hours after it is posted, then answers nothing.
const STORY_LIFETIME: i64 = 24 * 3_600;
/// How long before a story expires its final figures are read.
const STORY_FINAL_CAPTURE: i64 = 30 * 60;

/// The next poll, moved earlier when a story (by its publication time) would expire before
/// it: to 30 minutes before the first such story expires, so every story keeps its final
/// figures whatever the interval. A story already inside its last 30 minutes had its final
/// capture in this poll.
pub fn before_stories_expire(
    next_sync_at: i64,
    now: i64,
    stories_published: impl IntoIterator<Item = i64>,
) -> i64 {
    stories_published
        .into_iter()
        .map(|published| published + STORY_LIFETIME - STORY_FINAL_CAPTURE)
        .filter(|due| *due > now)
        .fold(next_sync_at, i64::min)
}

/// A sync that failed on this side (the database, the master key): the account keeps its
/// status and is tried an interval later, not at the next tick, since every try reads the
/// whole account from the Graph API again.
/// Media this young have their type's own metrics (watch time, profile actions) read on
/// every poll: they move fast in a post's first days.
const DEPTH_EVERY_POLL: i64 = 2 * DAY;

/// Older media have them read once a week, each on its own weekday, so the extra reads spread
/// and every poll stays within 3 requests per 100 media (one account's 1,000 older media add
/// 3 reads a day, not 20 on one poll). An account just connected has its older media's within
/// a week.
const DEPTH_ROTATION_DAYS: i64 = 7;

/// Whether the poll at `now` reads the media's type-specific metrics: always for stories and
/// young media, else on the day's first poll of the media's weekday.
pub fn depth_due(
    media_id: &str,
    published_at: i64,
    is_story: bool,
    now: i64,
    first_poll_today: bool,
) -> bool {
    let slot = media_id
        .bytes()
        .fold(0i64, |h, b| (h * 31 + i64::from(b)) % DEPTH_ROTATION_DAYS);
    is_story
        || now - published_at < DEPTH_EVERY_POLL
        || (first_poll_today && slot == now.div_euclid(DAY) % DEPTH_ROTATION_DAYS)
}

pub fn after_local_failure(
    account: &accounts::Model,
    now: i64,
    interval_secs: i64,
    unit: f64,
) -> StatusChange {
    StatusChange {
        status: account.status,
        detail: account.status_detail.clone(),
        retry_after: account.retry_after,
        next_sync_at: next_due(now, interval_secs, unit),
        synced_at: None,
    }
}

/// What a failed sync does to the account, and the run's outcome. `current` is the status
/// the account had, kept for failures that say nothing about it (transient, unreadable).
pub fn after_error(
    err: &GraphError,
    current: DbStatus,
    now: i64,
    interval_secs: i64,
    unit: f64,
) -> (DbOutcome, StatusChange) {
    let next = next_due(now, interval_secs, unit);
    let change = |status, detail: Option<String>, retry_after| StatusChange {
        status,
        detail,
        retry_after,
        next_sync_at: next,
        synced_at: None,
    };
    match err {
        GraphError::TokenInvalid { message, .. } => (
            DbOutcome::NeedsReauth,
            change(DbStatus::NeedsReauth, Some(message.clone()), None),
        ),
        GraphError::Permission { message, .. } => (
            DbOutcome::PermissionMissing,
            change(DbStatus::PermissionMissing, Some(message.clone()), None),
        ),
        GraphError::RateLimited { retry_after, .. } => {
            let wait = retry_after
                .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX).max(60))
                .unwrap_or(DEFAULT_RATE_LIMIT_WAIT);
            let until = now.saturating_add(wait);
            (
                DbOutcome::RateLimited,
                StatusChange {
                    next_sync_at: next.max(until),
                    ..change(DbStatus::RateLimited, None, Some(until))
                },
            )
        }
        _ => {
            // Nothing learnt about the account itself; a rate limit has served its time.
            let status = match current {
                DbStatus::RateLimited => DbStatus::Ok,
                other => other,
            };
            (
                DbOutcome::Failed,
                change(status, Some(format!("Last sync failed: {err}")), None),
            )
        }
    }
}

/// Whether a failure of a best-effort part (stories) fails the whole sync: only when it says
/// something of every call (the token is gone, or Meta asks us to stop calling).
pub fn fails_the_sync(err: &GraphError) -> bool {
    matches!(
        err,
        GraphError::TokenInvalid { .. } | GraphError::RateLimited { .. }
    )
}

/// Whether to renew the token during this sync. Facebook Login tokens are renewed by an
/// exchange that needs the app's id and secret, so only when those are configured.
pub fn refresh_due(
    flavour: Flavour,
    issued_at: i64,
    expires_at: Option<i64>,
    now: i64,
    facebook_app: bool,
) -> bool {
    if flavour == Flavour::FacebookLogin && !facebook_app {
        return false;
    }
    let old_enough = now - issued_at >= REFRESH_MIN_AGE;
    // A pasted token's expiry is unknown until the first refresh tells us.
    let expiring = expires_at.is_none_or(|at| at - now <= REFRESH_AHEAD);
    old_enough && expiring
}

/// Seconds, saturating, for storing durations next to unix times.
pub fn secs(d: Duration) -> i64 {
    i64::try_from(d.as_secs()).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn older_media_get_their_depth_once_a_week_each() {
        let day0 = 20_000 * DAY;
        let old = day0 - 30 * DAY;
        let ids: Vec<String> = (0..700).map(|n| format!("1790000000{n:07}")).collect();
        for id in &ids {
            let days = (0..7)
                .filter(|d| depth_due(id, old, false, day0 + d * DAY, true))
                .count();
            assert_eq!(days, 1, "{id}");
            assert!(!depth_due(id, old, false, day0, false));
            assert!(depth_due(id, old, true, day0, false));
            assert!(depth_due(id, day0 - DAY, false, day0, false));
        }
        let today = ids
            .iter()
            .filter(|id| depth_due(id, old, false, day0, true))
            .count();
        assert!((50..=150).contains(&today), "{today} of 700 on one day");
    }

    const NOW: i64 = 1_795_435_200;
    const HOUR: i64 = 3600;

    #[test]
    fn jitter_stays_within_ten_percent() {
        assert_eq!(next_due(NOW, HOUR, 0.5), NOW + HOUR);
        assert_eq!(next_due(NOW, HOUR, 0.0), NOW + HOUR - 360);
        assert!(next_due(NOW, HOUR, 0.999_999) <= NOW + HOUR + 360);
    }

    #[test]
    fn expired_token_needs_reauth_and_says_why() {
        let err = GraphError::TokenInvalid {
            subcode: Some(463),
            message: "Session has expired".into(),
        };
        let (outcome, change) = after_error(&err, DbStatus::Ok, NOW, HOUR, 0.5);
        assert_eq!(outcome, DbOutcome::NeedsReauth);
        assert_eq!(change.status, DbStatus::NeedsReauth);
        assert_eq!(change.detail.as_deref(), Some("Session has expired"));
        assert_eq!(change.synced_at, None);
    }

    #[test]
    fn rate_limits_wait_until_access_returns() {
        let err = GraphError::RateLimited {
            code: 80002,
            retry_after: Some(Duration::from_secs(3 * HOUR as u64)),
            message: "too many calls".into(),
        };
        let (outcome, change) = after_error(&err, DbStatus::Ok, NOW, HOUR, 0.5);
        assert_eq!(outcome, DbOutcome::RateLimited);
        assert_eq!(change.retry_after, Some(NOW + 3 * HOUR));
        assert_eq!(change.next_sync_at, NOW + 3 * HOUR);

        let unknown = GraphError::RateLimited {
            code: 4,
            retry_after: None,
            message: String::new(),
        };
        let (_, change) = after_error(&unknown, DbStatus::Ok, NOW, 600, 0.5);
        assert_eq!(change.retry_after, Some(NOW + DEFAULT_RATE_LIMIT_WAIT));
    }

    #[test]
    fn permission_errors_name_the_permission_and_keep_polling() {
        let err = GraphError::Permission {
            code: 10,
            message: "requires instagram_manage_insights".into(),
        };
        let (outcome, change) = after_error(&err, DbStatus::Ok, NOW, HOUR, 0.5);
        assert_eq!(outcome, DbOutcome::PermissionMissing);
        assert_eq!(change.status, DbStatus::PermissionMissing);
        assert!(change.detail.unwrap().contains("instagram_manage_insights"));
        assert_eq!(change.next_sync_at, NOW + HOUR);
    }

    #[test]
    fn only_token_and_rate_limit_failures_sink_a_best_effort_part() {
        assert!(fails_the_sync(&GraphError::TokenInvalid {
            subcode: None,
            message: String::new()
        }));
        assert!(!fails_the_sync(&GraphError::Permission {
            code: 10,
            message: String::new()
        }));
        assert!(!fails_the_sync(&GraphError::Transient(String::new())));
    }

    #[test]
    fn transient_failures_keep_the_status() {
        let err = GraphError::Transient("HTTP 500".into());
        let (outcome, change) = after_error(&err, DbStatus::Ok, NOW, HOUR, 0.5);
        assert_eq!(outcome, DbOutcome::Failed);
        assert_eq!(change.status, DbStatus::Ok);
        assert!(change.detail.unwrap().contains("HTTP 500"));
        let (_, change) = after_error(&err, DbStatus::PermissionMissing, NOW, HOUR, 0.5);
        assert_eq!(change.status, DbStatus::PermissionMissing);
    }

    #[test]
    fn tokens_are_refreshed_ahead_of_expiry_once_a_day_old() {
        let ig = Flavour::InstagramLogin;
        // Unknown expiry: refreshed once the token is a day old.
        assert!(!refresh_due(ig, NOW - HOUR, None, NOW, false));
        assert!(refresh_due(ig, NOW - DAY, None, NOW, false));
        // Plenty of life left: not yet.
        assert!(!refresh_due(
            ig,
            NOW - 10 * DAY,
            Some(NOW + 50 * DAY),
            NOW,
            false
        ));
        assert!(refresh_due(
            ig,
            NOW - 50 * DAY,
            Some(NOW + 9 * DAY),
            NOW,
            false
        ));
        // Facebook Login only with the app's credentials.
        let fb = Flavour::FacebookLogin;
        assert!(!refresh_due(
            fb,
            NOW - 50 * DAY,
            Some(NOW + DAY),
            NOW,
            false
        ));
        assert!(refresh_due(fb, NOW - 50 * DAY, Some(NOW + DAY), NOW, true));
    }

    #[test]
    fn a_story_expiring_before_the_next_poll_gets_a_final_capture() {
        let now = 1_000_000;
        let next = now + 6 * 3_600;
        // Posted 20 h ago: expires in 4 h, final capture in 3.5 h, before the next poll.
        let soon = now - 20 * 3_600;
        assert_eq!(
            before_stories_expire(next, now, [soon]),
            now + 3 * 3_600 + 1_800
        );
        // Posted 2 h ago: expires long after the next poll, which stays.
        assert_eq!(before_stories_expire(next, now, [now - 7_200]), next);
        // Inside its last 30 minutes now: this poll was its final capture.
        assert_eq!(
            before_stories_expire(next, now, [now - 23 * 3_600 - 2_000]),
            next
        );
        // The first of several.
        assert_eq!(
            before_stories_expire(next, now, [now - 7_200, soon, now - 22 * 3_600]),
            now + 3_600 + 1_800
        );
    }
}
