//! The report: the Overview of a selection (its KPIs against the previous period, the
//! followers and reach/views charts as PNG, the top posts), how each type of post did, and a
//! link to the dashboard. [`pdf`] lays it out as a PDF; [`email`] as an HTML e-mail with the
//! PDF attached. "Download PDF report" and the scheduled reports both start here, so the
//! document is the same.
//!
//! ```text
//! http::report, notify::reports ─► report (build) ─► pdf, email; schedule (when, which days)
//!                                    └─► AnalyticsPort, app's chart drawing (PNG)
//! ```

pub mod email;
pub mod pdf;
pub mod schedule;

use app::backend::AnalyticsPort;
use app::components::chart::png::png;
use app::components::chart::{daily, XAxis};
use app::components::number::{kpi_value, signed_percent};
use app::dto::{KindRow, Overview, PeriodQuery, Reach};
use app::error::AppError;
use app::routes::overview::uncovered;
use sea_orm::DatabaseConnection;

use crate::store::accounts::AccountStore;
use crate::store::workspaces::WorkspaceStore;

/// A chart's size in the report, in CSS pixels, drawn at twice that for print.
pub const CHART: (u32, u32) = (520, 240);
const CHART_RATIO: u32 = 2;
/// How many accounts the scope line names before "and N more".
const NAMED: usize = 4;

/// Everything the report shows, computed once for both layouts.
pub struct Report {
    /// What it covers: the workspace's name, or the accounts.
    pub scope: String,
    pub overview: Overview,
    pub kinds: Vec<KindRow>,
    /// The dashboard's Overview for the same selection, as a full URL.
    pub dashboard: String,
    pub followers_png: Option<Vec<u8>>,
    pub reach_views_png: Option<Vec<u8>>,
}

impl Report {
    /// The report of `query` as `reach` may read it; `site` is the public root for the link.
    pub async fn build(
        analytics: &dyn AnalyticsPort,
        db: &DatabaseConnection,
        reach: &Reach,
        query: &PeriodQuery,
        site: &str,
    ) -> Result<Report, AppError> {
        // First: it refuses a workspace or account outside the reach, which `scope` trusts.
        let overview = analytics.overview(reach, query).await?;
        let kinds = analytics.kinds(reach, query).await?;
        let scope = scope(db, reach, query).await?;
        let days = &overview.days;
        let followers_png = png(
            &[daily("Followers", days, |d| d.followers)],
            XAxis::Dates,
            CHART,
            CHART_RATIO,
        );
        let reach_views_png = png(
            &[
                daily("Reach", days, |d| d.reach),
                daily("Views", days, |d| d.views),
            ],
            XAxis::Dates,
            CHART,
            CHART_RATIO,
        );
        let dashboard = format!(
            "{}/?{}",
            site.trim_end_matches('/'),
            dashboard_query(query, &overview)
        );
        Ok(Report {
            scope,
            overview,
            kinds,
            dashboard,
            followers_png,
            reach_views_png,
        })
    }

    /// `Instalytics report: <scope>, <from> to <to>`.
    pub fn title(&self) -> String {
        let p = &self.overview.period;
        format!("Instalytics report: {}, {} to {}", self.scope, p.from, p.to)
    }

    /// Each KPI as the Overview's cards show it: label, value, previous value, change (or
    /// why there is none).
    pub fn kpi_rows(&self) -> Vec<[String; 4]> {
        self.overview
            .kpis
            .iter()
            .map(|k| {
                [
                    k.label.clone(),
                    kpi_value(k.unit, k.value),
                    kpi_value(k.unit, k.previous),
                    uncovered(&k.coverage).map_or_else(|| signed_percent(k.change), |(t, _)| t),
                ]
            })
            .collect()
    }

    /// The file name of its PDF.
    pub fn file_name(&self) -> String {
        let p = &self.overview.period;
        format!("instalytics-report-{}-{}.pdf", p.from, p.to)
    }
}

/// The Overview's query string for the same accounts and dates.
fn dashboard_query(query: &PeriodQuery, overview: &Overview) -> String {
    let mut pairs = Vec::new();
    if let Some(w) = query.workspace {
        pairs.push(format!("workspace={}", w.0));
    }
    if let Some(a) = query.account {
        pairs.push(format!("account={}", a.0));
    }
    let p = &overview.period;
    pairs.push(format!("range=custom&from={}&to={}", p.from, p.to));
    pairs.join("&")
}

/// The workspace's name with its accounts, or the accounts alone; `query` is within `reach`.
async fn scope(
    db: &DatabaseConnection,
    reach: &Reach,
    query: &PeriodQuery,
) -> Result<String, AppError> {
    let workspaces: Option<Vec<i64>> = match (query.workspace, reach) {
        (Some(w), _) => Some(vec![w.0]),
        (None, Reach::All) => None,
        (None, Reach::Workspaces(all)) => Some(all.iter().map(|w| w.0).collect()),
        (None, Reach::Account(w, _)) => Some(vec![w.0]),
    };
    let account = match reach {
        Reach::Account(_, a) => Some(*a),
        _ => query.account,
    };
    let accounts = AccountStore::new(db.clone())
        .list(workspaces.as_deref())
        .await?;
    let mut names: Vec<String> = accounts
        .iter()
        .filter(|a| account.is_none_or(|id| a.id == id.0))
        .map(|a| format!("@{}", a.username))
        .collect();
    if names.is_empty() {
        return Ok("no accounts".into());
    }
    let more = names.len().saturating_sub(NAMED);
    names.truncate(NAMED);
    let mut accounts = names.join(", ");
    if more > 0 {
        accounts.push_str(&format!(" and {more} more"));
    }
    let workspace = match (query.workspace, account) {
        (Some(id), None) => WorkspaceStore::new(db.clone())
            .list(Some(&[id.0]))
            .await?
            .into_iter()
            .next()
            .map(|w| w.name),
        _ => None,
    };
    Ok(match workspace {
        Some(name) => format!("{name} ({accounts})"),
        None => accounts,
    })
}
