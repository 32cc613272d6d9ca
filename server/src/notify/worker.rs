//! The notifier task: every minute it evaluates the alert rules and queues the scheduled
//! reports that are due; every few seconds (and when
//! woken) it sends the deliveries that are due, each claimed so that one instance sends it,
//! retried with backoff until it is sent or its attempts are spent.

use std::sync::Arc;
use std::time::Duration;

use app::dto::ChannelKind;
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

use crate::clock::unix_now;
use crate::store::deliveries::{Attempted, DeliveryStore};
use crate::store::entities::notify_deliveries;
use crate::store::notify::NotifyStore;
use crate::store::StoreError;

use super::channel;
use super::engine::evaluate;
use super::message::Message;
use super::reports;
use super::smtp::Mailer;
use super::NotifyDeps;

/// How often the rules are evaluated.
pub const EVALUATE_EVERY: i64 = 60;
/// How often the queue is looked at without being woken.
const POLL: Duration = Duration::from_secs(15);
/// How long an instance holds a delivery it is sending.
pub const HOLD_SECS: i64 = 120;
/// Deliveries sent per pass, at most.
const BATCH: u64 = 50;
/// The waits after the 1st, 2nd … failed attempt; after the last, a delivery has failed
/// for good (about 4 h 20 min after it was queued).
pub const BACKOFF: [i64; 5] = [60, 5 * 60, 15 * 60, 60 * 60, 3 * 60 * 60];

#[derive(Clone)]
pub struct Notifier {
    pub deps: NotifyDeps,
    pub wake: Arc<Notify>,
}

impl Notifier {
    pub async fn run(self, shutdown: CancellationToken) {
        let mut next_evaluation = 0;
        loop {
            let now = unix_now();
            if now >= next_evaluation {
                if let Err(e) = evaluate(&self.deps, now).await {
                    tracing::warn!(error = %e, "alert evaluation failed");
                }
                if let Err(e) = reports::queue_due(&self.deps, now).await {
                    tracing::warn!(error = %e, "queueing scheduled reports failed");
                }
                next_evaluation = now + EVALUATE_EVERY;
            }
            if let Err(e) = deliver_due(&self.deps, now).await {
                tracing::warn!(error = %e, "sending notifications failed");
            }
            tokio::select! {
                () = shutdown.cancelled() => return,
                () = self.wake.notified() => {}
                () = tokio::time::sleep(POLL) => {}
            }
        }
    }
}

/// Sends every delivery due at `now` that this instance claims; answers how many it tried.
pub async fn deliver_due(deps: &NotifyDeps, now: i64) -> Result<usize, StoreError> {
    let store = DeliveryStore::new(deps.db.clone());
    let due = store.claim_due(now, HOLD_SECS, BATCH).await?;
    if due.is_empty() {
        return Ok(0);
    }
    send_claimed(deps, &store, &due, now).await?;
    Ok(due.len())
}

/// Makes one attempt of each delivery in `rows`, which this instance has claimed, and records
/// it: through the SMTP server as it is set now.
pub async fn send_claimed(
    deps: &NotifyDeps,
    store: &DeliveryStore,
    rows: &[notify_deliveries::Model],
    now: i64,
) -> Result<(), StoreError> {
    let mailer = deps.mailer().await;
    for row in rows {
        let outcome = attempt(deps, mailer.as_ref().map_err(ToString::to_string), row).await;
        if let Err(error) = &outcome {
            tracing::info!(delivery = row.id, %error, "notification not delivered");
        }
        store
            .attempted(row.id, after(row.attempts, outcome, now), now)
            .await?;
    }
    Ok(())
}

/// One attempt of a claimed delivery; `mailer` is the SMTP server or why there is none.
async fn attempt(
    deps: &NotifyDeps,
    mailer: Result<&Mailer, String>,
    row: &notify_deliveries::Model,
) -> Result<(), String> {
    if let Some(job) = reports::job_of(row) {
        return reports::send(deps, mailer?, &job?).await;
    }
    let Some(channel_id) = row.channel_id else {
        return Err("the channel was deleted".into());
    };
    let channel = match NotifyStore::new(deps.db.clone()).channel(channel_id).await {
        Ok(channel) => channel,
        Err(StoreError::NotFound) => return Err("the channel was deleted".into()),
        Err(e) => return Err(e.to_string()),
    };
    let config = deps.open_channel(&channel).map_err(|e| e.to_string())?;
    let message: Message = serde_json::from_str(&row.body).map_err(|e| e.to_string())?;
    let mailer = match (channel.kind.parse(), mailer) {
        (Ok(ChannelKind::Email), Err(why)) => return Err(why),
        (_, mailer) => mailer.ok(),
    };
    channel::send(&deps.http, mailer, &config, &message)
        .await
        .map_err(|e| e.to_string())
}

/// What to record after attempt number `done + 1` ended in `outcome`.
fn after(done: i32, outcome: Result<(), String>, now: i64) -> Attempted {
    match outcome {
        Ok(()) => Attempted::Sent,
        Err(error) => match usize::try_from(done).ok().and_then(|i| BACKOFF.get(i)) {
            Some(wait) => Attempted::Retry {
                at: now + wait,
                error,
            },
            None => Attempted::Failed { error },
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_wait_longer_each_time_then_stop() {
        assert_eq!(after(0, Ok(()), 100), Attempted::Sent);
        assert_eq!(
            after(0, Err("x".into()), 100),
            Attempted::Retry {
                at: 160,
                error: "x".into()
            }
        );
        assert_eq!(
            after(4, Err("x".into()), 100),
            Attempted::Retry {
                at: 100 + 3 * 3600,
                error: "x".into()
            }
        );
        assert_eq!(
            after(5, Err("x".into()), 100),
            Attempted::Failed { error: "x".into() }
        );
    }
}
