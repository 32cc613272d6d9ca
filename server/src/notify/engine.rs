//! Deciding alerts: open what the rules find, resolve what they no longer find, and queue a
//! message to every channel for each change. The decisions are conditional writes
//! (`store::alerts`), so instances evaluating at once each change an alert at most once
//! between them.

use std::collections::HashSet;

use crate::store::alerts::{AlertKey, AlertStore};
use crate::store::deliveries::NewDelivery;
use crate::store::entities::{alerts, notify_channels};
use crate::store::notify::NotifyStore;
use crate::store::StoreError;

use super::conditions::{self, effective};
use super::message::{rfc3339, Event, Message};
use super::NotifyDeps;

/// What one evaluation changed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Evaluated {
    pub opened: usize,
    pub resolved: usize,
}

/// Evaluates every rule at `now`.
pub async fn evaluate(deps: &NotifyDeps, now: i64) -> Result<Evaluated, StoreError> {
    let settings = NotifyStore::new(deps.db.clone());
    let rules = effective(&settings.rules().await?);
    let findings = conditions::find(&deps.db, &rules, now).await?;
    let channels = settings.channels().await?;
    let store = AlertStore::new(deps.db.clone());
    let mut done = Evaluated::default();
    let mut holding = HashSet::new();
    for found in &findings {
        let rule = found.rule.as_str();
        holding.insert((rule, found.subject.as_str()));
        let key = AlertKey {
            rule,
            subject: &found.subject,
        };
        let link = deps.link(&found.path);
        let opened = store
            .open(key, &found.title, &link, now, |row| {
                queue(&channels, message(row, Event::Opened, &found.text, now))
            })
            .await?;
        done.opened += usize::from(opened.is_some());
    }
    for open in store.open_alerts().await? {
        if holding.contains(&(open.rule.as_str(), open.subject.as_str())) {
            continue;
        }
        // A rule switched off closes its alerts without a word: nobody is waiting for them.
        // Nor does news (an outlier post) send a "Resolved": its moment has passed.
        let quiet = !rules
            .iter()
            .any(|r| r.enabled && r.rule.as_str() == open.rule && !r.rule.is_news());
        let key = AlertKey {
            rule: &open.rule,
            subject: &open.subject,
        };
        let resolved = store
            .resolve(key, now, |row| {
                if quiet {
                    return Vec::new();
                }
                queue(
                    &channels,
                    message(
                        row,
                        Event::Resolved,
                        "This has cleared: nothing to do.",
                        now,
                    ),
                )
            })
            .await?;
        done.resolved += usize::from(resolved.is_some());
    }
    Ok(done)
}

/// The message of an alert's opening or resolution.
fn message(row: &alerts::Model, event: Event, text: &str, now: i64) -> Message {
    let (what, title) = match event {
        Event::Resolved => ("resolved", format!("Resolved: {}", row.title)),
        _ => ("opened", row.title.clone()),
    };
    Message {
        id: format!("alert:{}:{}:{}:{what}", row.rule, row.subject, row.episode),
        event,
        rule: Some(row.rule.clone()),
        subject: Some(row.subject.clone()),
        title,
        text: text.to_owned(),
        link: row.link.clone(),
        at: rfc3339(now),
    }
}

/// `message` for every channel.
pub fn queue(channels: &[notify_channels::Model], message: Message) -> Vec<NewDelivery> {
    let body = serde_json::to_string(&message).expect("a message serialises");
    channels
        .iter()
        .map(|c| NewDelivery {
            channel_id: Some(c.id),
            channel_label: c.label.clone(),
            channel_kind: c.kind.clone(),
            event: message.id.clone(),
            title: message.title.clone(),
            body: body.clone(),
        })
        .collect()
}
