//! Scheduled reports on the notifier: each minute every schedule whose latest sending has
//! come and whose period is not queued yet gets its report queued (once across instances and
//! restarts: `ReportStore::queue_period`), and the queue's report rows are sent like alerts,
//! with the same retries and log.

use app::dto::{Cadence, PeriodQuery, Reach, WorkspaceId};
use jiff::tz::TimeZone;
use serde::{Deserialize, Serialize};

use crate::report::schedule::{Sending, Timing};
use crate::report::{email, pdf::pdf, Report};
use crate::store::deliveries::NewDelivery;
use crate::store::entities::{notify_deliveries, report_schedules};
use crate::store::reports::{recipients, ReportStore};
use crate::store::StoreError;

use super::smtp::Mailer;
use super::NotifyDeps;

/// What a report delivery's event starts with; its body is a [`ReportJob`].
const EVENT_PREFIX: &str = "report:";

/// The event of a report delivery: `report:<schedule>:<what>`.
pub fn event(schedule: i64, what: &str) -> String {
    format!("{EVENT_PREFIX}{schedule}:{what}")
}

/// A report to make and mail: the body of its delivery row.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportJob {
    pub schedule: i64,
    /// `None`: every account.
    pub workspace: Option<i64>,
    pub from: String,
    pub to: String,
    pub recipients: Vec<String>,
}

/// The schedule's timing; `None` for a row no longer readable (an unknown zone).
pub fn timing(row: &report_schedules::Model) -> Option<Timing> {
    Some(Timing {
        cadence: row.cadence.parse::<Cadence>().ok()?,
        day: i8::try_from(row.day).ok()?,
        hour: i8::try_from(row.hour).ok()?,
        tz: TimeZone::get(&row.time_zone).ok()?,
    })
}

/// Queues every report due at `now`; answers how many this instance queued.
pub async fn queue_due(deps: &NotifyDeps, now: i64) -> Result<usize, StoreError> {
    let store = ReportStore::new(deps.db.clone());
    let mut queued = 0;
    for row in store.list().await? {
        let Some(sending) = timing(&row).and_then(|t| t.latest(now)) else {
            continue;
        };
        // A schedule starts with its first sending after it was made.
        let queued_already = row
            .last_period
            .as_deref()
            .is_some_and(|last| last >= sending.from.to_string().as_str());
        if sending.at < row.created_at || queued_already {
            continue;
        }
        let from = sending.from.to_string();
        let delivery = delivery(&row, &sending, &event(row.id, &from));
        if store.queue_period(row.id, &from, delivery, now).await? {
            queued += 1;
        }
    }
    Ok(queued)
}

/// The delivery of `row`'s report for `sending`, under `event`.
pub fn delivery(row: &report_schedules::Model, sending: &Sending, event: &str) -> NewDelivery {
    let job = ReportJob {
        schedule: row.id,
        workspace: row.workspace_id,
        from: sending.from.to_string(),
        to: sending.to.to_string(),
        recipients: recipients(row),
    };
    NewDelivery {
        channel_id: None,
        channel_label: format!(
            "{} report to {}",
            row.cadence.parse().map_or("Scheduled", Cadence::label),
            job.recipients.join(", ")
        ),
        channel_kind: app::dto::ChannelKind::Email.as_str().to_owned(),
        event: event.to_owned(),
        title: format!("Report for {} to {}", job.from, job.to),
        body: serde_json::to_string(&job).expect("a job serialises"),
    }
}

/// The report job a delivery carries, if it is a report's.
pub fn job_of(row: &notify_deliveries::Model) -> Option<Result<ReportJob, String>> {
    row.event
        .starts_with(EVENT_PREFIX)
        .then(|| serde_json::from_str(&row.body).map_err(|e| e.to_string()))
}

/// Makes the report and mails it, with its PDF, to the job's recipients.
pub async fn send(deps: &NotifyDeps, mailer: &Mailer, job: &ReportJob) -> Result<(), String> {
    let db = &deps.db;
    let reach = match job.workspace {
        Some(id) => Reach::Workspaces(vec![WorkspaceId(id)]),
        None => Reach::All,
    };
    let query = PeriodQuery {
        account: None,
        workspace: job.workspace.map(WorkspaceId),
        days: None,
        from: Some(job.from.clone()),
        to: Some(job.to.clone()),
    };
    let report = Report::build(
        deps.analytics.as_ref(),
        db,
        &reach,
        &query,
        &deps.public_url,
    )
    .await
    .map_err(|e| e.to_string())?;
    let document = pdf(&report).map_err(|e| e.to_string())?;
    mailer
        .send_parts(
            &job.recipients,
            &report.title(),
            email::body(&report, document),
        )
        .await
        .map_err(|e| e.to_string())
}
