//! What each alert rule finds in the database now: the poller's and exporter's own records
//! (account status, token expiry, sync runs, the export's failures and cursors) and the data
//! (daily follower counts, posts' snapshots), so alerts need no bookkeeping of their own
//! beyond the alerts table.

use app::dto::{AlertRule, AlertRuleView, PostKind};
use sea_orm::DatabaseConnection;

use crate::clock::{utc, DAY};
use crate::export::batch::backlogs;
use crate::store::accounts::AccountStore;
use crate::store::entities::accounts::{self, DbStatus};
use crate::store::entities::alert_rules;
use crate::store::entities::sync_runs::DbOutcome;
use crate::store::export::ExportStore;
use crate::store::signals::{AgedPost, SignalStore};
use crate::store::sync_runs::SyncRunStore;
use crate::store::StoreError;

const HOUR: i64 = 3600;
/// How far back a rate-limit streak is looked for.
const STREAK_RUNS: u64 = 50;

/// A condition that holds now.
#[derive(Clone, Debug, PartialEq)]
pub struct Finding {
    pub rule: AlertRule,
    /// `account:<id>`, `media:<id>` or `export`.
    pub subject: String,
    pub title: String,
    /// What to do about it.
    pub text: String,
    /// The page that fixes it, from the site's root.
    pub path: String,
}

/// Every rule with its switch and threshold: the stored ones, the defaults for the rest.
pub fn effective(stored: &[alert_rules::Model]) -> Vec<AlertRuleView> {
    AlertRule::ALL
        .into_iter()
        .map(|rule| {
            let row = stored.iter().find(|r| r.rule == rule.as_str());
            let default = rule.threshold().map(|(value, _)| value);
            AlertRuleView {
                rule,
                enabled: row.is_none_or(|r| r.enabled),
                threshold: default.map(|d| row.and_then(|r| r.threshold).unwrap_or(d)),
            }
        })
        .collect()
}

/// What the enabled `rules` find at `now`.
pub async fn find(
    db: &DatabaseConnection,
    rules: &[AlertRuleView],
    now: i64,
) -> Result<Vec<Finding>, StoreError> {
    let on = |rule: AlertRule| {
        rules
            .iter()
            .find(|r| r.rule == rule && r.enabled)
            .map(|r| r.threshold.unwrap_or_default())
    };
    let mut found = Vec::new();
    let accounts: Vec<accounts::Model> = AccountStore::new(db.clone())
        .list(None)
        .await?
        .into_iter()
        .filter(|a| a.enabled)
        .collect();
    let runs = SyncRunStore::new(db.clone());
    let signals = SignalStore::new(db.clone());
    for account in &accounts {
        let finding = |rule, title: String, text: &str, path: String| Finding {
            rule,
            subject: format!("account:{}", account.id),
            title,
            text: text.to_owned(),
            path,
        };
        let user = &account.username;
        if let Some(percent) = on(AlertRule::FollowersDrop) {
            found.extend(followers_drop(&signals, account, percent).await?);
        }
        let sync_log = format!("/sync-log?account={}", account.id);
        if on(AlertRule::NeedsReauth).is_some() {
            match account.status {
                DbStatus::NeedsReauth => found.push(finding(
                    AlertRule::NeedsReauth,
                    format!("@{user} needs re-authorisation"),
                    "Instagram no longer accepts its token, so nothing of it is synced. Reconnect the account on the Accounts page.",
                    "/accounts".into(),
                )),
                DbStatus::PermissionMissing => found.push(finding(
                    AlertRule::NeedsReauth,
                    format!("@{user} is missing a permission"),
                    "Reconnect the account on the Accounts page and grant every permission asked for.",
                    "/accounts".into(),
                )),
                _ => {}
            }
        }
        if let (Some(days), Some(at)) = (on(AlertRule::TokenExpiring), account.token_expires_at) {
            let reauth = matches!(account.status, DbStatus::NeedsReauth);
            if !reauth && at - now <= (days * DAY as f64) as i64 {
                found.push(finding(
                    AlertRule::TokenExpiring,
                    format!("The token of @{user} expires on {}", utc(at)),
                    "Instalytics renews tokens itself and could not renew this one. Reconnect the account on the Accounts page before then.",
                    "/accounts".into(),
                ));
            }
        }
        let failing = on(AlertRule::SyncsFailing).map(|n| n.max(1.0) as u64);
        let limited =
            on(AlertRule::RateLimited).filter(|_| account.status == DbStatus::RateLimited);
        if failing.is_none() && limited.is_none() {
            continue;
        }
        let recent = runs
            .recent_outcomes(account.id, failing.unwrap_or(0).max(STREAK_RUNS))
            .await?;
        if let Some(n) = failing {
            let last: Vec<_> = recent.iter().take(n as usize).collect();
            if last.len() as u64 == n && last.iter().all(|(o, _)| *o == DbOutcome::Failed) {
                found.push(finding(
                    AlertRule::SyncsFailing,
                    format!("The last {n} syncs of @{user} failed"),
                    "The Sync log shows each error. Instalytics keeps trying on its schedule.",
                    sync_log.clone(),
                ));
            }
        }
        if let Some(hours) = limited {
            let since = recent
                .iter()
                .take_while(|(o, _)| *o == DbOutcome::RateLimited)
                .last()
                .map(|(_, started)| *started);
            if since.is_some_and(|s| now - s >= (hours * HOUR as f64) as i64) {
                found.push(finding(
                    AlertRule::RateLimited,
                    format!(
                        "@{user} has been rate limited since {}",
                        utc(since.unwrap_or(now))
                    ),
                    "Meta refuses calls for this account until its usage falls; syncs resume by themselves. If it lasts, poll less often (Settings).",
                    sync_log,
                ));
            }
        }
    }
    let (above, below) = (on(AlertRule::PostAbove), on(AlertRule::PostBelow));
    if above.is_some() || below.is_some() {
        found.extend(outliers(&signals, &accounts, (above, below), now).await?);
    }
    if let Some(hours) = on(AlertRule::ExportBacklog) {
        found.extend(export_backlog(db, hours, now).await?);
    }
    if let Some(hours) = on(AlertRule::ExportFailing) {
        let config = ExportStore::new(db.clone()).config().await?;
        let since = config.failing_since.filter(|_| config.enabled);
        if let Some(since) = since.filter(|s| now - s >= (hours * HOUR as f64) as i64) {
            found.push(Finding {
                rule: AlertRule::ExportFailing,
                subject: "export".into(),
                title: format!("The BigQuery export has been failing since {}", utc(since)),
                text: format!(
                    "The last error: {}. Settings → BigQuery export can test the connection.",
                    config.last_error.unwrap_or_default()
                ),
                path: "/settings#export-heading".into(),
            });
        }
    }
    Ok(found)
}

/// The account's followers fell by more than `percent` from one day to the next (its two
/// latest counts, on consecutive days).
async fn followers_drop(
    signals: &SignalStore,
    account: &accounts::Model,
    percent: f64,
) -> Result<Option<Finding>, StoreError> {
    let &[(day, now), (before, then)] = signals.last_followers(account.id).await?.as_slice() else {
        return Ok(None);
    };
    let lost = then - now;
    let consecutive = before.next_day() == Some(day);
    if !consecutive || then <= 0 || (lost as f64) * 100.0 <= percent * then as f64 {
        return Ok(None);
    }
    let share = lost as f64 * 100.0 / then as f64;
    Ok(Some(Finding {
        rule: AlertRule::FollowersDrop,
        subject: format!("account:{}", account.id),
        title: format!(
            "@{} lost {lost} followers ({share:.1} %) on {day}",
            account.username
        ),
        text: format!(
            "From {then} to {now}. The Overview shows the days around it, and the Posts page what was published."
        ),
        path: format!("/?account={}", account.id),
    }))
}

/// The age at which posts are compared, and how long after it an outlier stays news.
const POST_AGE: i64 = DAY;
const NEWS_FOR: i64 = 2 * DAY;
/// A post is compared with up to this many earlier posts of its account and type, and only
/// when there are at least `MIN_PEERS`: a median of two posts is not "usual".
const PEERS: usize = 30;
const MIN_PEERS: usize = 5;

/// Posts in their second and third day whose interactions at 24 hours are over `above` or
/// under `below` times the median of their account's earlier posts of the same type then.
async fn outliers(
    signals: &SignalStore,
    accounts: &[accounts::Model],
    (above, below): (Option<f64>, Option<f64>),
    now: i64,
) -> Result<Vec<Finding>, StoreError> {
    let newest = now - POST_AGE;
    let ids: Vec<i64> = accounts.iter().map(|a| a.id).collect();
    let young = signals
        .aged_posts(&ids, (newest - NEWS_FOR, newest), POST_AGE, 1_000)
        .await?;
    let mut found = Vec::new();
    for account in accounts {
        let mine: Vec<&AgedPost> = young
            .iter()
            .filter(|p| p.account_id == account.id)
            .collect();
        let Some(oldest) = mine.iter().map(|p| p.published_at).min() else {
            continue;
        };
        // Enough earlier posts that each type can find its peers among them.
        let earlier = signals
            .aged_posts(&[account.id], (0, oldest), POST_AGE, (PEERS * 8) as u64)
            .await?;
        for post in mine {
            let (Some(kind), Some(count)) = (kind_of(post), post.interactions) else {
                continue;
            };
            let mut peers: Vec<i64> = earlier
                .iter()
                .chain(young.iter())
                .filter(|p| p.account_id == account.id && p.published_at < post.published_at)
                .filter(|p| kind_of(p) == Some(kind))
                .filter_map(|p| p.interactions)
                .collect();
            peers.truncate(PEERS);
            if peers.len() < MIN_PEERS {
                continue;
            }
            let median = median(&mut peers);
            let ratio = count as f64 / median;
            let rule = match (above, below) {
                (Some(x), _) if median > 0.0 && ratio > x => AlertRule::PostAbove,
                (_, Some(x)) if median > 0.0 && ratio < x => AlertRule::PostBelow,
                _ => continue,
            };
            let what = kind.label().to_lowercase();
            let (direction, text) = if rule == AlertRule::PostAbove {
                (
                    "above",
                    "Worth a look: what it did differently may be worth repeating.",
                )
            } else {
                (
                    "below",
                    "Worth a look: its reach and timing are on its page.",
                )
            };
            found.push(Finding {
                rule,
                subject: format!("media:{}", post.id),
                title: format!(
                    "@{}'s {what} is far {direction} its usual: {count} interactions at 24 hours, {ratio:.1}× the median of {median:.0}",
                    account.username
                ),
                text: format!(
                    "{} {text}",
                    caption_start(post.caption.as_deref())
                ),
                path: format!("/posts/{}", post.id),
            });
        }
    }
    Ok(found)
}

fn kind_of(post: &AgedPost) -> Option<PostKind> {
    PostKind::of(&post.product_type, post.media_type.as_deref())
}

fn median(values: &mut [i64]) -> f64 {
    values.sort_unstable();
    let mid = values.len() / 2;
    if values.len().is_multiple_of(2) {
        (values[mid - 1] + values[mid]) as f64 / 2.0
    } else {
        values[mid] as f64
    }
}

/// The caption's first words, quoted, for a message; empty without one.
fn caption_start(caption: Option<&str>) -> String {
    let Some(caption) = caption.map(str::trim).filter(|c| !c.is_empty()) else {
        return String::new();
    };
    let start: String = caption.chars().take(80).collect();
    let more = if start.len() < caption.len() {
        "…"
    } else {
        ""
    };
    format!("\"{start}{more}\".")
}

/// Some exported table has rows that have waited for over `hours`: changed before then and
/// still after its cursor. One row is enough to know, so each table reads at most one.
async fn export_backlog(
    db: &DatabaseConnection,
    hours: f64,
    now: i64,
) -> Result<Option<Finding>, StoreError> {
    let store = ExportStore::new(db.clone());
    if !store.config().await?.enabled {
        return Ok(None);
    }
    let waited = now - (hours * HOUR as f64) as i64;
    let late: Vec<&str> = backlogs(db, &store, waited, Some(1))
        .await?
        .into_iter()
        .filter(|b| b.rows > 0)
        .map(|b| b.table.name)
        .collect();
    if late.is_empty() {
        return Ok(None);
    }
    Ok(Some(Finding {
        rule: AlertRule::ExportBacklog,
        subject: "export".into(),
        title: format!(
            "Rows have waited for the BigQuery export for over {hours} hours ({})",
            late.join(", ")
        ),
        text: "The export is not keeping up. Settings → BigQuery export shows each table's backlog and the last error.".into(),
        path: "/settings#export-heading".into(),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_are_on_with_their_default_thresholds_until_changed() {
        let stored = [alert_rules::Model {
            rule: "token_expiring".into(),
            enabled: false,
            threshold: Some(3.0),
        }];
        let rules = effective(&stored);
        assert_eq!(rules.len(), AlertRule::ALL.len());
        let token = rules
            .iter()
            .find(|r| r.rule == AlertRule::TokenExpiring)
            .unwrap();
        assert_eq!((token.enabled, token.threshold), (false, Some(3.0)));
        let failing = rules
            .iter()
            .find(|r| r.rule == AlertRule::SyncsFailing)
            .unwrap();
        assert_eq!((failing.enabled, failing.threshold), (true, Some(3.0)));
        let reauth = rules
            .iter()
            .find(|r| r.rule == AlertRule::NeedsReauth)
            .unwrap();
        assert_eq!((reauth.enabled, reauth.threshold), (true, None));
    }
}
