//! The Audience page: both audiences' demographics on a captured day, summed over the
//! accounts shown, each value beside its figure on an earlier captured day.

use std::collections::BTreeMap;

use app::dto::{
    Audience, AudienceBreakdown, AudienceQuery, AudienceShare, AudienceSide, Reach,
    ENGAGED_DEMOGRAPHICS, FOLLOWER_DEMOGRAPHICS,
};
use app::error::AppError;
use time::Date;

use super::period;
use super::reader::Reader;
use crate::store::breakdowns::Capture;

pub(super) async fn audience(
    reader: &Reader,
    reach: &Reach,
    query: &AudienceQuery,
) -> Result<Audience, AppError> {
    let asked = query
        .date
        .as_deref()
        .map(|d| period::date("date", d))
        .transpose()?;
    let since = query
        .since
        .as_deref()
        .map(|d| period::date("since", d))
        .transpose()?;
    if let (Some(asked), Some(since)) = (asked, since) {
        if since >= asked {
            return Err(AppError::invalid(
                "since",
                "Compare with a day before the one shown.",
            ));
        }
    }
    let accounts = reader
        .accounts(reach, query.workspace, query.account)
        .await?;
    let days = reader.breakdowns.days(&accounts).await?;
    // The newest capture on or before a day (the newest of all when none is asked).
    let captured = |day: Option<Date>| match day {
        None => days.last().copied(),
        Some(day) => days.iter().rev().find(|d| **d <= day).copied(),
    };
    let shown = captured(asked);
    let compared = since
        .and_then(|s| captured(Some(s)))
        .filter(|c| Some(*c) < shown);
    let now = captures(reader, &accounts, shown).await?;
    let before = captures(reader, &accounts, compared).await?;
    let side = |metric: &str| AudienceSide {
        age_gender: breakdown(&now, &before, metric, "age,gender", accounts.len()),
        country: breakdown(&now, &before, metric, "country", accounts.len()),
        city: breakdown(&now, &before, metric, "city", accounts.len()),
    };
    Ok(Audience {
        date: shown.map(|d| d.to_string()),
        since: compared.map(|d| d.to_string()),
        days: days.iter().map(Date::to_string).collect(),
        followers: side(FOLLOWER_DEMOGRAPHICS),
        engaged: side(ENGAGED_DEMOGRAPHICS),
    })
}

async fn captures(
    reader: &Reader,
    accounts: &[i64],
    day: Option<Date>,
) -> Result<Vec<Capture>, AppError> {
    Ok(match day {
        Some(day) => reader.breakdowns.demographics_on(accounts, day).await?,
        None => Vec::new(),
    })
}

/// Values summed by their dimension values over the accounts that have them.
struct Summed {
    values: BTreeMap<Vec<String>, i64>,
    accounts: usize,
    reason: Option<String>,
}

fn summed(captures: &[Capture], metric: &str, breakdown: &str) -> Summed {
    let mut out = Summed {
        values: BTreeMap::new(),
        accounts: 0,
        reason: None,
    };
    for capture in captures
        .iter()
        .filter(|c| c.metric == metric && c.breakdown == breakdown)
    {
        match &capture.shares {
            Ok(shares) => {
                out.accounts += 1;
                for share in shares {
                    *out.values.entry(share.0.clone()).or_default() += share.1;
                }
            }
            Err(reason) => {
                out.reason.get_or_insert_with(|| reason.clone());
            }
        }
    }
    out
}

fn breakdown(
    now: &[Capture],
    before: &[Capture],
    metric: &str,
    breakdown: &str,
    accounts: usize,
) -> AudienceBreakdown {
    let now = summed(now, metric, breakdown);
    let before = summed(before, metric, breakdown);
    let mut rows: Vec<AudienceShare> = now
        .values
        .into_iter()
        .map(|(keys, value)| AudienceShare {
            before: before.values.get(&keys).copied(),
            keys,
            value,
        })
        .collect();
    rows.sort_by(|a, b| b.value.cmp(&a.value).then_with(|| a.keys.cmp(&b.keys)));
    AudienceBreakdown {
        unavailable: (now.accounts == 0).then(|| {
            now.reason
                .unwrap_or_else(|| "Not captured on this day.".into())
        }),
        missing: u32::try_from(accounts - now.accounts).unwrap_or(u32::MAX),
        rows,
    }
}
