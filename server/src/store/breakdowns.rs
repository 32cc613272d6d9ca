//! Insights by a dimension: each account's demographics, followers online and daily metrics
//! by dimension (see `graph::audience`), one row per day, metric and breakdown.

use app::dto::{
    Share, ENGAGED_DEMOGRAPHICS, FOLLOWER_DEMOGRAPHICS, FOLLOWS_AND_UNFOLLOWS, ONLINE_FOLLOWERS,
    PROFILE_LINKS_TAPS,
};
use sea_orm::prelude::*;
use sea_orm::sea_query::{CaseStatement, Expr, OnConflict, Query, SimpleExpr};
use sea_orm::{DatabaseConnection, NotSet, QueryOrder, QuerySelect, Set};
use time::Date;
use tracing::instrument;

use super::entities::accounts;
use super::entities::insight_breakdowns::{self, Column as C};
use super::StoreError;

/// The metrics the Audience page shows and whose capture marks the day as read.
const DEMOGRAPHICS: [&str; 2] = [FOLLOWER_DEMOGRAPHICS, ENGAGED_DEMOGRAPHICS];

/// One capture to write: the values, or why Meta gave none.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BreakdownRow {
    pub date: Date,
    pub metric: String,
    pub breakdown: String,
    pub shares: Result<Vec<Share>, String>,
}

#[derive(Clone)]
pub struct BreakdownStore {
    db: DatabaseConnection,
}

impl BreakdownStore {
    pub fn new(db: DatabaseConnection) -> Self {
        Self { db }
    }

    /// Whether the account's demographics were captured on `date`: they are read once a day.
    #[instrument(skip(self), err(level = "debug"))]
    pub async fn captured_on(&self, account_id: i64, date: Date) -> Result<bool, StoreError> {
        let found = insight_breakdowns::Entity::find()
            .select_only()
            .column(C::AccountId)
            .filter(C::AccountId.eq(account_id))
            .filter(C::Date.eq(date))
            .filter(C::Metric.is_in(DEMOGRAPHICS))
            .limit(1)
            .into_tuple::<i64>()
            .one(&self.db)
            .await?;
        Ok(found.is_some())
    }

    /// The days with demographics captured for any of `accounts`, oldest first.
    #[instrument(skip(self, accounts), err(level = "debug"))]
    pub async fn days(&self, accounts: &[i64]) -> Result<Vec<Date>, StoreError> {
        Ok(insight_breakdowns::Entity::find()
            .select_only()
            .column(C::Date)
            .distinct()
            .filter(C::AccountId.is_in(accounts.iter().copied()))
            .filter(C::Metric.is_in(DEMOGRAPHICS))
            .order_by_asc(C::Date)
            .into_tuple()
            .all(&self.db)
            .await?)
    }

    /// The demographics of `accounts` captured on `date`.
    #[instrument(skip(self, accounts), err(level = "debug"))]
    pub async fn demographics_on(
        &self,
        accounts: &[i64],
        date: Date,
    ) -> Result<Vec<Capture>, StoreError> {
        self.captures(accounts, C::Date.eq(date), C::Metric.is_in(DEMOGRAPHICS))
            .await
    }

    /// The followers online of `accounts` on the days from `from` to `to`.
    #[instrument(skip(self, accounts), err(level = "debug"))]
    pub async fn online_between(
        &self,
        accounts: &[i64],
        from: Date,
        to: Date,
    ) -> Result<Vec<Capture>, StoreError> {
        self.captures(
            accounts,
            C::Date.between(from, to),
            C::Metric.eq(ONLINE_FOLLOWERS),
        )
        .await
    }

    /// The daily captures with values of `accounts` from `from` to `to` of the metrics
    /// `pairs` names (what Meta withheld is left out).
    ///
    /// Only the columns the sums need are read, the pair as its index in `pairs`: at 200
    /// accounts × 60 days (23,600 rows) reading whole rows took 50-90 ms, most of it in
    /// building them.
    #[instrument(skip(self, accounts), err(level = "debug"))]
    pub async fn daily_between(
        &self,
        accounts: &[i64],
        from: Date,
        to: Date,
        pairs: &[Daily],
    ) -> Result<Vec<Capture>, StoreError> {
        let Some(which) =
            pairs
                .iter()
                .enumerate()
                .fold(None, |case: Option<CaseStatement>, (i, pair)| {
                    let i = i32::try_from(i).expect("a handful of pairs");
                    Some(match case {
                        None => Expr::case(is_pair(pair), i),
                        Some(case) => case.case(is_pair(pair), i),
                    })
                })
        else {
            return Ok(Vec::new());
        };
        let rows: Vec<(i64, Date, i32, String)> = insight_breakdowns::Entity::find()
            .select_only()
            .columns([C::AccountId, C::Date])
            .expr_as(which, "pair")
            .column(C::Shares)
            .filter(C::AccountId.is_in(accounts.iter().copied()))
            .filter(C::Date.between(from, to))
            .filter(any_of(pairs))
            .filter(C::Shares.is_not_null())
            .into_tuple()
            .all(&self.db)
            .await?;
        Ok(rows
            .into_iter()
            .filter_map(|(account_id, date, pair, json)| {
                let (metric, breakdown) = pairs.get(usize::try_from(pair).ok()?)?;
                Some(Capture {
                    account_id,
                    date,
                    metric: (*metric).to_owned(),
                    breakdown: (*breakdown).to_owned(),
                    shares: decode(&json),
                })
            })
            .collect())
    }

    /// Each account's first day with values for any of the metrics `pairs` names.
    #[instrument(skip(self, accounts), err(level = "debug"))]
    pub async fn first_days(
        &self,
        accounts: &[i64],
        pairs: &[Daily],
    ) -> Result<Vec<(i64, Date)>, StoreError> {
        // One correlated MIN per account, which the (account_id, date, …) index answers
        // from the account's first matching row; a GROUP BY read every row of every account
        // (8 ms at 200 accounts on PostgreSQL).
        let first = Query::select()
            .expr(Expr::col((insight_breakdowns::Entity, C::Date)).min())
            .from(insight_breakdowns::Entity)
            .and_where(
                Expr::col((insight_breakdowns::Entity, C::AccountId))
                    .equals((accounts::Entity, accounts::Column::Id)),
            )
            .and_where(any_of(pairs))
            .and_where(C::Shares.is_not_null())
            .to_owned();
        let firsts: Vec<(i64, Option<Date>)> = accounts::Entity::find()
            .select_only()
            .column(accounts::Column::Id)
            .expr_as(
                SimpleExpr::SubQuery(None, Box::new(first.into_sub_query_statement())),
                "first",
            )
            .filter(accounts::Column::Id.is_in(accounts.iter().copied()))
            .into_tuple()
            .all(&self.db)
            .await?;
        Ok(firsts
            .into_iter()
            .filter_map(|(id, first)| Some((id, first?)))
            .collect())
    }

    /// The captures of `accounts` on the days and of the metrics given, decoded.
    async fn captures(
        &self,
        accounts: &[i64],
        days: SimpleExpr,
        metrics: SimpleExpr,
    ) -> Result<Vec<Capture>, StoreError> {
        let rows = insight_breakdowns::Entity::find()
            .filter(C::AccountId.is_in(accounts.iter().copied()))
            .filter(days)
            .filter(metrics)
            .all(&self.db)
            .await?;
        Ok(rows.into_iter().map(Capture::from).collect())
    }
}

/// A daily account metric and the dimension it is broken down by.
pub type Daily = (&'static str, &'static str);

/// What the Overview's cards sum: profile link taps and follows/unfollows.
pub const ACTIONS: [Daily; 2] = [
    (PROFILE_LINKS_TAPS, "contact_button_type"),
    (FOLLOWS_AND_UNFOLLOWS, "follow_type"),
];

/// Where reach and views came from: by format and by followers or not.
pub const SOURCES: [Daily; 4] = [
    ("views", "media_product_type"),
    ("views", "follower_type"),
    ("reach", "media_product_type"),
    ("reach", "follow_type"),
];

/// Rows of any of the metric and breakdown pairs given.
fn any_of(pairs: &[Daily]) -> SimpleExpr {
    pairs
        .iter()
        .map(is_pair)
        .reduce(SimpleExpr::or)
        .unwrap_or_else(|| Expr::value(false))
}

/// Rows of the metric and breakdown `pair`.
fn is_pair((metric, breakdown): &Daily) -> SimpleExpr {
    C::Metric.eq(*metric).and(C::Breakdown.eq(*breakdown))
}

/// Writes captures, each with the time it was captured, inside the caller's transaction. A
/// capture with values replaces that day's; "not available" never replaces values already
/// captured that day (a refusal in a later poll says nothing against what Meta gave earlier).
/// Returns the rows written.
pub(super) async fn upsert_on(
    txn: &impl ConnectionTrait,
    account_id: i64,
    rows: &[(&BreakdownRow, i64)],
) -> Result<u64, StoreError> {
    let key = [C::AccountId, C::Date, C::Metric, C::Breakdown];
    for &(row, captured_at) in rows {
        let (shares, unavailable) = match &row.shares {
            Ok(shares) => (Some(encode(shares)), None),
            Err(reason) => (None, Some(reason.clone())),
        };
        let available = shares.is_some();
        let model = insight_breakdowns::ActiveModel {
            id: NotSet,
            account_id: Set(account_id),
            date: Set(row.date),
            metric: Set(row.metric.clone()),
            breakdown: Set(row.breakdown.clone()),
            shares: Set(shares),
            unavailable: Set(unavailable),
            captured_at: Set(captured_at),
        };
        let on_conflict = if available {
            OnConflict::columns(key)
                .update_columns([C::Shares, C::Unavailable, C::CapturedAt])
                .to_owned()
        } else {
            OnConflict::columns(key).do_nothing().to_owned()
        };
        insight_breakdowns::Entity::insert(model)
            .on_conflict(on_conflict)
            .exec_without_returning(txn)
            .await?;
    }
    Ok(rows.len() as u64)
}

fn encode(shares: &[Share]) -> String {
    serde_json::to_string(shares).expect("a list of strings and numbers serialises")
}

fn decode(json: &str) -> Result<Vec<Share>, String> {
    serde_json::from_str(json).map_err(|e| format!("the stored values cannot be read: {e}"))
}

/// One stored capture, decoded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Capture {
    pub account_id: i64,
    pub date: Date,
    pub metric: String,
    pub breakdown: String,
    pub shares: Result<Vec<Share>, String>,
}

impl From<insight_breakdowns::Model> for Capture {
    fn from(m: insight_breakdowns::Model) -> Self {
        let shares = match (m.shares, m.unavailable) {
            (Some(json), _) => decode(&json),
            (None, reason) => Err(reason.unwrap_or_default()),
        };
        Capture {
            account_id: m.account_id,
            date: m.date,
            metric: m.metric,
            breakdown: m.breakdown,
            shares,
        }
    }
}
