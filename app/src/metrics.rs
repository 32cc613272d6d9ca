//! Metric definitions for the dashboard, defined once so every view agrees.
//!
//! Pure functions over plain numbers: no I/O, no dependencies. Anything that
//! would be undefined (division by zero, an empty set) is `None`, so the UI
//! can show "—" instead of `NaN` or `∞`.

/// Seconds in a day: the unit of every daily series (UTC days, as Meta's daily insights).
/// The one definition; the server's `clock` re-exports it.
pub const DAY: i64 = 86_400;

/// Raw interaction counts of one post (or one aggregate).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub likes: i64,
    pub comments: i64,
    pub saves: i64,
    pub shares: i64,
}

impl Counts {
    /// Interactions = likes + comments + saves + shares (all weighted equally).
    pub fn interactions(&self) -> i64 {
        self.likes + self.comments + self.saves + self.shares
    }

    /// Weighted engagement for the impact score: deliberate actions count more
    /// (shares ×3, saves ×2, comments ×1.5, likes ×1).
    pub fn weighted(&self) -> f64 {
        self.shares as f64 * 3.0
            + self.saves as f64 * 2.0
            + self.comments as f64 * 1.5
            + self.likes as f64
    }
}

/// `numerator / denominator`, or `None` when the denominator is not positive
/// (or the result is not finite), so callers never see `NaN` or `∞`.
pub fn ratio(numerator: f64, denominator: f64) -> Option<f64> {
    if denominator > 0.0 {
        Some(numerator / denominator).filter(|r| r.is_finite())
    } else {
        None
    }
}

/// Engagement rate as a fraction (0.05 = 5 %), by reach or by followers at
/// capture time depending on the denominator passed; `None` when it is <= 0.
pub fn engagement_rate(interactions: i64, denominator: i64) -> Option<f64> {
    ratio(interactions as f64, denominator as f64)
}

/// A story's completion rate: the share of its views that did not end with the viewer
/// leaving Stories, `(views − exits) / views` (exits are Meta's `tap_exit` navigation).
/// `None` without views or without the exits count.
pub fn story_completion(views: Option<i64>, exits: Option<i64>) -> Option<f64> {
    let (views, exits) = (views?, exits?);
    ratio((views - exits).max(0) as f64, views as f64)
}

/// Impact score (0–100) for each item of one peer group (same account and
/// product type in the lookback window), from its weighted engagement per reach.
///
/// The score is the midrank percentile
/// `100 * (below + (equal - 1) / 2) / (n - 1)`, where `below` counts peers with
/// a strictly lower value, `equal` peers with the same value (itself included)
/// and `n` the peers with a value. `None` (or non-finite) inputs score `None`
/// and are not peers. A group of one scores 100: it is its own best post.
pub fn impact_scores(values: &[Option<f64>]) -> Vec<Option<u8>> {
    let mut peers: Vec<f64> = values
        .iter()
        .flatten()
        .copied()
        .filter(|v| v.is_finite())
        .collect();
    // Sorted once, each score is two binary searches: a group of thousands of posts (an
    // account's year) costs O(n log n), not O(n²).
    peers.sort_by(f64::total_cmp);
    let n = peers.len();
    values
        .iter()
        .map(|value| {
            let v = value.filter(|v| v.is_finite())?;
            if n == 1 {
                return Some(100);
            }
            let below = peers.partition_point(|&p| p < v);
            let equal = peers.partition_point(|&p| p <= v) - below;
            let rank = below as f64 + (equal - 1) as f64 / 2.0;
            // Bounded to 0..=100 by construction, so the cast cannot truncate.
            Some((100.0 * rank / (n - 1) as f64).round() as u8)
        })
        .collect()
}

/// Relative change of `current` vs `previous` as a fraction (0.25 = +25 %);
/// `None` when `previous` is 0 (undefined). Divides by `|previous|` so the
/// sign always says whether the value went up or down.
pub fn change(current: f64, previous: f64) -> Option<f64> {
    ratio(current - previous, previous.abs())
}

/// Where the collected data of several accounts begins, as a figure summed over them reads
/// it: the latest of their first days, since a sum is whole only once every account has
/// data. `None` when one of them has none yet (or there are no accounts).
pub fn data_start<D: Ord>(first_days: impl IntoIterator<Item = Option<D>>) -> Option<D> {
    let mut latest = None;
    for day in first_days {
        latest = Some(day?).max(latest);
    }
    latest
}

/// Whether a figure that needs data from day `needed` on can be compared: the data
/// collected begins on or before it. A change against days that were never collected would
/// read as growth that never happened ("+4,344 %"), so it is not given.
pub fn covered<D: Ord>(needed: &D, start: Option<&D>) -> bool {
    start.is_some_and(|start| start <= needed)
}

/// Mean of the values; `None` when there are none. Daily reach is averaged,
/// never summed, because reach counts unique accounts per day.
pub fn mean(values: impl IntoIterator<Item = f64>) -> Option<f64> {
    let (sum, count) = values
        .into_iter()
        .fold((0.0, 0.0), |(sum, count), v| (sum + v, count + 1.0));
    ratio(sum, count)
}

/// Downsamples chart points with Largest-Triangle-Three-Buckets, which keeps
/// the visual shape (spikes survive) unlike plain striding or averaging.
///
/// `points` must be sorted by x. Returns exactly `threshold` points, always
/// including the first and last; returns the input unchanged when
/// `threshold >= points.len()` or `threshold < 3`.
pub fn lttb(points: &[(f64, f64)], threshold: usize) -> Vec<(f64, f64)> {
    let len = points.len();
    if threshold >= len || threshold < 3 {
        return points.to_vec();
    }
    // Inner points 1..len-1 split into `buckets` contiguous, non-empty buckets.
    let buckets = threshold - 2;
    let bound = |i: usize| 1 + i * (len - 2) / buckets;
    let mut out = Vec::with_capacity(threshold);
    let mut selected = points[0];
    out.push(selected);
    for i in 0..buckets {
        let next = if i + 1 < buckets {
            &points[bound(i + 1)..bound(i + 2)]
        } else {
            &points[len - 1..]
        };
        // `next` is never empty, so the means always exist.
        let cx = mean(next.iter().map(|p| p.0)).unwrap_or(selected.0);
        let cy = mean(next.iter().map(|p| p.1)).unwrap_or(selected.1);
        let (ax, ay) = selected;
        let area = |&(bx, by): &(f64, f64)| ((ax - cx) * (by - ay) - (ax - bx) * (cy - ay)).abs();
        let mut best = points[bound(i)];
        let mut best_area = f64::NEG_INFINITY;
        for p in &points[bound(i)..bound(i + 1)] {
            let a = area(p);
            if a > best_area {
                best_area = a;
                best = *p;
            }
        }
        selected = best;
        out.push(selected);
    }
    out.push(points[len - 1]);
    out
}

/// Weekday (0 = Monday … 6 = Sunday) and hour (0..24) of a unix timestamp in
/// seconds, shifted by a UTC offset in seconds. Integer arithmetic with
/// Euclidean division, so timestamps before 1970 are handled correctly
/// (1970-01-01 was a Thursday).
pub fn weekday_hour(unix_secs: i64, utc_offset_secs: i32) -> (u8, u8) {
    let local = unix_secs.saturating_add(i64::from(utc_offset_secs));
    let days = local.div_euclid(DAY);
    let weekday = (days + 3).rem_euclid(7);
    let hour = local.rem_euclid(DAY) / 3_600;
    // Both are bounded (0..7 and 0..24), so the casts cannot truncate.
    (weekday as u8, hour as u8)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn story_completion_is_the_share_of_views_not_exited() {
        assert_eq!(story_completion(Some(200), Some(30)), Some(0.85));
        assert_eq!(story_completion(Some(200), Some(0)), Some(1.0));
        assert_eq!(story_completion(Some(10), Some(12)), Some(0.0));
        assert_eq!(story_completion(Some(0), Some(0)), None);
        assert_eq!(story_completion(Some(100), None), None);
        assert_eq!(story_completion(None, Some(3)), None);
    }

    fn approx(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9
    }

    #[test]
    fn interactions_and_weighted() {
        let c = Counts {
            likes: 100,
            comments: 10,
            saves: 5,
            shares: 2,
        };
        assert_eq!(c.interactions(), 117);
        // 2*3 + 5*2 + 10*1.5 + 100 = 6 + 10 + 15 + 100 = 131
        assert!(approx(c.weighted(), 131.0));
        assert_eq!(Counts::default().interactions(), 0);
        assert!(approx(Counts::default().weighted(), 0.0));
    }

    #[test]
    fn ratio_rejects_non_positive_denominators() {
        assert_eq!(ratio(1.0, 4.0), Some(0.25));
        assert_eq!(ratio(1.0, 0.0), None);
        assert_eq!(ratio(0.0, 0.0), None);
        assert_eq!(ratio(1.0, -2.0), None);
        assert_eq!(ratio(1.0, f64::NAN), None);
        assert_eq!(ratio(f64::NAN, 1.0), None);
        assert_eq!(ratio(f64::INFINITY, 1.0), None);
    }

    #[test]
    fn engagement_rate_as_fraction() {
        assert_eq!(engagement_rate(50, 1_000), Some(0.05));
        assert_eq!(engagement_rate(0, 1_000), Some(0.0));
        assert_eq!(engagement_rate(50, 0), None);
        assert_eq!(engagement_rate(50, -10), None);
    }

    #[test]
    fn impact_scores_midrank() {
        // Peers (Nones excluded): 0.1, 0.3, 0.2, 0.3 -> n = 4, n - 1 = 3.
        // 0.1: below 0, equal 1 -> 100 * 0 / 3             = 0
        // 0.3: below 2, equal 2 -> 100 * (2 + 0.5) / 3     = 83.33 -> 83
        // 0.2: below 1, equal 1 -> 100 * 1 / 3             = 33.33 -> 33
        // None stays None.
        let values = [Some(0.1), Some(0.3), Some(0.2), None, Some(0.3)];
        assert_eq!(
            impact_scores(&values),
            vec![Some(0), Some(83), Some(33), None, Some(83)]
        );
    }

    #[test]
    fn impact_scores_edge_cases() {
        assert_eq!(impact_scores(&[Some(0.7)]), vec![Some(100)]);
        assert_eq!(
            impact_scores(&[None, Some(0.7), None]),
            vec![None, Some(100), None]
        );
        // All equal: below 0, equal n -> (n - 1) / 2 / (n - 1) = 50 %.
        assert_eq!(impact_scores(&[Some(0.2); 4]), vec![Some(50); 4]);
        // Two peers: lowest 0, highest 100.
        assert_eq!(
            impact_scores(&[Some(2.0), Some(1.0)]),
            vec![Some(100), Some(0)]
        );
        assert_eq!(impact_scores(&[]), Vec::<Option<u8>>::new());
        assert_eq!(impact_scores(&[None, None]), vec![None, None]);
        // Non-finite values are treated as missing, not as peers.
        assert_eq!(
            impact_scores(&[Some(f64::NAN), Some(1.0), Some(3.0)]),
            vec![None, Some(0), Some(100)]
        );
    }

    #[test]
    fn impact_scores_match_the_definition_counted_naively() {
        // A pseudo-random group with many ties and gaps, scored by counting every peer.
        let values: Vec<Option<f64>> = (0u32..300)
            .map(|i| (i % 7 != 0).then(|| f64::from((i * 7_919) % 37) / 10.0))
            .collect();
        let peers: Vec<f64> = values.iter().flatten().copied().collect();
        let n = peers.len() as f64;
        let naive: Vec<Option<u8>> = values
            .iter()
            .map(|v| {
                let v = (*v)?;
                let below = peers.iter().filter(|&&p| p < v).count() as f64;
                let equal = peers.iter().filter(|&&p| p == v).count() as f64;
                Some((100.0 * (below + (equal - 1.0) / 2.0) / (n - 1.0)).round() as u8)
            })
            .collect();
        assert_eq!(impact_scores(&values), naive);
    }

    #[test]
    fn change_is_relative() {
        assert_eq!(change(150.0, 100.0), Some(0.5));
        assert_eq!(change(50.0, 100.0), Some(-0.5));
        assert_eq!(change(100.0, 100.0), Some(0.0));
        assert_eq!(change(10.0, 0.0), None);
        assert_eq!(change(0.0, 0.0), None);
    }

    #[test]
    fn comparisons_need_data_from_the_first_day_needed() {
        // Accounts whose data begins on days 3 and 5: the sum is whole from day 5.
        assert_eq!(data_start([Some(3), Some(5)]), Some(5));
        assert_eq!(
            data_start([Some(3), None]),
            None,
            "one account has nothing yet"
        );
        assert_eq!(data_start(std::iter::empty::<Option<i32>>()), None);
        assert!(covered(&5, Some(&5)));
        assert!(covered(&9, Some(&5)));
        assert!(
            !covered(&4, Some(&5)),
            "the previous period starts before the data"
        );
        assert!(!covered(&4, None));
    }

    #[test]
    fn mean_of_present_values() {
        assert_eq!(mean(Vec::new()), None);
        assert_eq!(mean([4.0]), Some(4.0));
        assert_eq!(mean([1.0, 2.0, 3.0, 6.0]), Some(3.0));
        // Averaging optional daily reach: skip missing days.
        let daily = [Some(100.0), None, Some(300.0)];
        assert_eq!(mean(daily.into_iter().flatten()), Some(200.0));
    }

    fn flat_with_spike(len: usize, spike_at: usize) -> Vec<(f64, f64)> {
        (0..len)
            .map(|i| {
                let x = f64::from(u32::try_from(i).unwrap());
                (x, if i == spike_at { 1_000.0 } else { 1.0 })
            })
            .collect()
    }

    #[test]
    fn lttb_keeps_shape_and_length() {
        let points = flat_with_spike(10_000, 4_321);
        let out = lttb(&points, 100);
        assert_eq!(out.len(), 100);
        assert_eq!(out[0], points[0]);
        assert_eq!(out[99], points[9_999]);
        assert!(out.contains(&(4_321.0, 1_000.0)), "spike was dropped");
        assert!(out.windows(2).all(|w| w[0].0 < w[1].0), "x not sorted");
    }

    #[test]
    fn lttb_exact_lengths() {
        let points: Vec<(f64, f64)> = (0..57).map(|i| (f64::from(i), f64::from(i % 7))).collect();
        for threshold in 3..57 {
            let out = lttb(&points, threshold);
            assert_eq!(out.len(), threshold);
            assert_eq!(out.first(), points.first());
            assert_eq!(out.last(), points.last());
            assert!(out.windows(2).all(|w| w[0].0 < w[1].0));
        }
    }

    #[test]
    fn lttb_passthrough() {
        let points = flat_with_spike(10, 5);
        assert_eq!(lttb(&points, 10), points);
        assert_eq!(lttb(&points, 50), points);
        assert_eq!(lttb(&points, 2), points);
        assert_eq!(lttb(&points, 0), points);
        assert_eq!(lttb(&[], 5), Vec::new());
    }

    #[test]
    fn weekday_hour_utc_and_offsets() {
        // 1970-01-01 00:00 UTC was a Thursday.
        assert_eq!(weekday_hour(0, 0), (3, 0));
        // 2023-11-14 22:13:20 UTC, a Tuesday.
        assert_eq!(weekday_hour(1_700_000_000, 0), (1, 22));
        // +2 h -> 2023-11-15 00:13:20, Wednesday.
        assert_eq!(weekday_hour(1_700_000_000, 7_200), (2, 0));
        // -23 h -> 2023-11-13 23:13:20, Monday.
        assert_eq!(weekday_hour(1_700_000_000, -82_800), (0, 23));
        // 1969-12-31 23:59:59 UTC, a Wednesday.
        assert_eq!(weekday_hour(-1, 0), (2, 23));
        // 1969-12-29 00:00:00 UTC was a Monday; one second earlier is Sunday 23h.
        assert_eq!(weekday_hour(-3 * DAY, 0), (0, 0));
        assert_eq!(weekday_hour(-3 * DAY - 1, 0), (6, 23));
    }
}
