//! What each alert rule finds in the database now: the poller's and exporter's own records
//! (account status, token expiry, sync runs, the export's failures), so alerts need no
//! bookkeeping of their own beyond the alerts table.

use app::dto::{AlertRule, AlertRuleView};
use sea_orm::DatabaseConnection;

use crate::clock::{utc, DAY};
use crate::store::accounts::AccountStore;
use crate::store::entities::accounts::{self, DbStatus};
use crate::store::entities::alert_rules;
use crate::store::entities::sync_runs::DbOutcome;
use crate::store::export::ExportStore;
use crate::store::sync_runs::SyncRunStore;
use crate::store::StoreError;

const HOUR: i64 = 3600;
/// How far back a rate-limit streak is looked for.
const STREAK_RUNS: u64 = 50;

/// A condition that holds now.
#[derive(Clone, Debug, PartialEq)]
pub struct Finding {
    pub rule: AlertRule,
    /// `account:<id>` or `export`.
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
    for account in &accounts {
        let finding = |rule, title: String, text: &str, path: String| Finding {
            rule,
            subject: format!("account:{}", account.id),
            title,
            text: text.to_owned(),
            path,
        };
        let user = &account.username;
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
