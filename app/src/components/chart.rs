//! Line charts drawn with plotters. The server renders the frame (title, legend, or "no data
//! for this range") with the chart drawn as SVG for the first paint; the hydrated app draws
//! on a `<canvas>` in its place, and redraws on legend toggles, drag-to-zoom, resizes and
//! theme changes. Hover shows a crosshair and every visible series' value at that time.

use leptos::html::Canvas;
use leptos::prelude::*;

use crate::dto::DayPoint;
use crate::metrics::lttb;

/// One line: its legend name and `(x, y)` points sorted by x (unix seconds). Unknown values
/// are simply absent, so the line has a gap rather than a false zero.
#[derive(Clone, Debug, PartialEq)]
pub struct Series {
    pub name: String,
    pub points: Vec<(f64, f64)>,
}

/// Where the last drawing put the plot, so the pointer's pixel maps back to an x value.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Frame {
    /// Plot area's left and right edge, in CSS pixels from the canvas's left.
    pub left: f64,
    pub right: f64,
    pub x_min: f64,
    pub x_max: f64,
}

impl Frame {
    pub fn x_at(&self, px: f64) -> f64 {
        let t = ((px - self.left) / (self.right - self.left)).clamp(0.0, 1.0);
        self.x_min + t * (self.x_max - self.x_min)
    }

    pub fn px_at(&self, x: f64) -> f64 {
        self.left + (x - self.x_min) / (self.x_max - self.x_min) * (self.right - self.left)
    }
}

/// The points inside `[from, to]`, downsampled with LTTB to at most `width` points (one per
/// pixel) so spikes survive and drawing stays fast whatever the history.
pub fn prepare(points: &[(f64, f64)], range: (f64, f64), width: usize) -> Vec<(f64, f64)> {
    let start = points.partition_point(|p| p.0 < range.0);
    let end = points.partition_point(|p| p.0 <= range.1);
    lttb(&points[start..end], width.max(3))
}

/// The x range every series spans together; `None` when there is nothing to draw. A single
/// instant is widened to a day around it, so it has somewhere to be drawn.
pub fn x_extent<'a>(series: impl IntoIterator<Item = &'a Series>) -> Option<(f64, f64)> {
    const HALF_DAY: f64 = 43_200.0;
    let (lo, hi) = series
        .into_iter()
        .flat_map(|s| s.points.first().zip(s.points.last()))
        .fold(None, |acc: Option<(f64, f64)>, (first, last)| {
            Some(match acc {
                None => (first.0, last.0),
                Some((lo, hi)) => (lo.min(first.0), hi.max(last.0)),
            })
        })?;
    Some(if hi > lo {
        (lo, hi)
    } else {
        (lo - HALF_DAY, hi + HALF_DAY)
    })
}

/// The y axis: from 0 (or the lowest value if negative) to the highest plus 5 % headroom.
pub fn y_extent<'a>(points: impl IntoIterator<Item = &'a (f64, f64)>) -> (f64, f64) {
    let (lo, hi) = points
        .into_iter()
        .fold((0.0_f64, f64::NEG_INFINITY), |(lo, hi), p| {
            (lo.min(p.1), hi.max(p.1))
        });
    if hi.is_finite() && hi > lo {
        (lo, hi + (hi - lo) * 0.05)
    } else {
        (lo, lo + 1.0)
    }
}

/// The point of `points` nearest to `x` (by x).
pub fn nearest(points: &[(f64, f64)], x: f64) -> Option<(f64, f64)> {
    let i = points.partition_point(|p| p.0 < x);
    let before = i.checked_sub(1).map(|j| points[j]);
    let after = points.get(i).copied();
    match (before, after) {
        (Some(b), Some(a)) => Some(if x - b.0 <= a.0 - x { b } else { a }),
        (b, a) => b.or(a),
    }
}

/// `YYYY-MM-DD` → unix seconds at 00:00 UTC; `None` when malformed.
pub fn day_x(date: &str) -> Option<f64> {
    let mut parts = date.splitn(3, '-').map(str::parse::<i64>);
    let (y, m, d) = (
        parts.next()?.ok()?,
        parts.next()?.ok()?,
        parts.next()?.ok()?,
    );
    Some(from_civil(y, m, d) as f64)
}

/// (year, month, day) → unix seconds at 00:00 UTC (days-from-civil).
fn from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    (era * 146_097 + doe - 719_468) * crate::metrics::DAY
}

/// Unix seconds → (year, month, day) in UTC (civil-from-days).
fn civil(x: f64) -> (i64, i64, i64) {
    let z = (x / crate::metrics::DAY as f64).floor() as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// Unix seconds → `Mar 5` (UTC), for date axes.
pub fn day_label(x: f64) -> String {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let (_, month, day) = civil(x);
    format!("{} {day}", MONTHS[(month - 1) as usize])
}

/// Unix seconds → `2026-03-05` (UTC).
pub fn day_iso(x: f64) -> String {
    let (year, month, day) = civil(x);
    format!("{year:04}-{month:02}-{day:02}")
}

/// Large numbers on an axis: `12.5k`, `3.1M`.
pub fn compact(v: f64) -> String {
    let a = v.abs();
    if a >= 1e6 {
        format!("{:.1}M", v / 1e6)
    } else if a >= 9_950.0 {
        // From here one decimal would round up to "10.0k".
        format!("{:.0}k", v / 1e3)
    } else if a >= 1e3 {
        format!("{:.1}k", v / 1e3)
    } else {
        format!("{v:.0}")
    }
}

/// One daily figure as a chart line; days without it leave a gap.
pub fn daily(name: &str, days: &[DayPoint], value: fn(&DayPoint) -> Option<i64>) -> Series {
    let points = days
        .iter()
        .filter_map(|d| Some((day_x(&d.date)?, value(d)? as f64)))
        .collect();
    Series {
        name: name.into(),
        points,
    }
}

/// A line chart with legend, tooltip and drag-to-zoom. `x_axis` says what an x value is (a
/// date, hours since publication): where its ticks go and how it reads.
#[component]
pub fn LineChart(
    title: &'static str,
    series: Vec<Series>,
    x_axis: XAxis,
    /// How values read in the tooltip.
    y_label: fn(f64) -> String,
) -> impl IntoView {
    let Some(extent) = x_extent(&series) else {
        return view! {
            <figure class="chart" data-chart=title>
                <figcaption>{title}</figcaption>
                <p class="empty-state chart-empty">"No data for this range."</p>
            </figure>
        }
        .into_any();
    };
    #[cfg(feature = "ssr")]
    let first_paint = svg::first_paint(&series, extent, x_axis);
    #[cfg(not(feature = "ssr"))]
    let first_paint = String::new();
    let series = StoredValue::new(series);
    let names: Vec<String> = series.with_value(|s| s.iter().map(|s| s.name.clone()).collect());
    let hidden = RwSignal::new(vec![false; names.len()]);
    let zoom = RwSignal::new(None::<(f64, f64)>);
    let frame = RwSignal::new(None::<Frame>);
    let hover = RwSignal::new(None::<f64>);
    let drag = RwSignal::new(None::<(f64, f64)>);
    let canvas = NodeRef::<Canvas>::new();
    let range = move || zoom.get().unwrap_or(extent);

    #[cfg(feature = "hydrate")]
    {
        let redraws = RwSignal::new(0u32);
        let bump = move |_| redraws.update(|n| *n += 1);
        let resize = window_event_listener_untyped("resize", bump);
        let theme = window_event_listener_untyped(canvas_draw::THEME_EVENT, bump);
        on_cleanup(move || {
            resize.remove();
            theme.remove();
        });
        canvas_draw::watch_theme();
        Effect::new(move |_| {
            redraws.track();
            let (Some(el), hidden, range) = (canvas.get(), hidden.get(), range()) else {
                return;
            };
            if !el.is_connected() {
                // Built by client-side navigation and not in the document yet: next frame.
                request_animation_frame(move || redraws.update(|n| *n += 1));
                return;
            }
            series.with_value(|s| frame.set(canvas_draw::draw(&el, s, &hidden, range, x_axis)));
        });
    }

    let offset_x = |ev: &leptos::ev::MouseEvent| f64::from(ev.offset_x());
    let on_move = move |ev: leptos::ev::MouseEvent| {
        let px = offset_x(&ev);
        hover.set(Some(px));
        if let Some((start, _)) = drag.get_untracked() {
            drag.set(Some((start, px)));
        }
    };
    let on_down = move |ev: leptos::ev::MouseEvent| drag.set(Some((offset_x(&ev), offset_x(&ev))));
    let on_up = move |_| {
        let Some((a, b)) = drag.get_untracked() else {
            return;
        };
        drag.set(None);
        if let (true, Some(f)) = ((a - b).abs() > 5.0, frame.get_untracked()) {
            let (x0, x1) = (f.x_at(a.min(b)), f.x_at(a.max(b)));
            zoom.set(Some((x0, x1)));
        }
    };
    // What the pointer is over: the x nearest to it among visible points, and each series'
    // value there.
    let readout = move || {
        let (px, f) = (hover.get()?, frame.get()?);
        let x = f.x_at(px);
        let hidden = hidden.get();
        let (lo, hi) = range();
        series.with_value(|all| {
            let visible: Vec<&Series> = all
                .iter()
                .zip(&hidden)
                .filter(|(_, h)| !**h)
                .map(|(s, _)| s)
                .collect();
            let at = visible
                .iter()
                .filter_map(|s| nearest(&s.points, x))
                .filter(|p| p.0 >= lo && p.0 <= hi)
                .min_by(|a, b| (a.0 - x).abs().total_cmp(&(b.0 - x).abs()))?
                .0;
            let lines: Vec<String> = visible
                .iter()
                .map(|s| {
                    let value = s.points.iter().find(|p| p.0 == at).map(|p| y_label(p.1));
                    format!("{}: {}", s.name, value.unwrap_or_else(|| "—".into()))
                })
                .collect();
            Some((f.px_at(at), x_axis.label(at), lines))
        })
    };
    let selection = move || {
        drag.get()
            .filter(|(a, b)| (a - b).abs() > 5.0)
            .map(|(a, b)| format!("left:{}px;width:{}px", a.min(b), (a - b).abs()))
    };
    view! {
        <figure class="chart" data-chart=title>
            <figcaption>
                {title}
                <Show when=move || zoom.get().is_some()>
                    <button type="button" class="link-button reset-zoom" on:click=move |_| zoom.set(None)>
                        "Reset zoom"
                    </button>
                </Show>
            </figcaption>
            <div class="legend" role="group" aria-label="Series">
                {names
                    .into_iter()
                    .enumerate()
                    .map(|(i, name)| {
                        let off = move || hidden.with(|h| h[i]);
                        view! {
                            <button
                                type="button"
                                class=format!("legend-item series-{i}")
                                aria-pressed=move || if off() { "false" } else { "true" }
                                on:click=move |_| hidden.update(|h| h[i] = !h[i])
                            >
                                <span class="swatch"></span>
                                {name}
                            </button>
                        }
                    })
                    .collect_view()}
            </div>
            <div
                class="chart-area"
                // Once the canvas has drawn, the server's SVG goes.
                class:drawn=move || frame.get().is_some()
                data-testid="chart-area"
                on:mousemove=on_move
                on:mousedown=on_down
                on:mouseup=on_up
                on:mouseleave=move |_| {
                    hover.set(None);
                    drag.set(None);
                }
                on:dblclick=move |_| zoom.set(None)
            >
                <div class="chart-ssr" data-testid="chart-ssr" inner_html=first_paint></div>
                <canvas
                    node_ref=canvas
                    role="img"
                    aria-label=format!("{title} (drag to zoom)")
                    data-testid="chart-canvas"
                ></canvas>
                {move || selection().map(|style| view! { <div class="zoom-selection" style=style></div> })}
                {move || {
                    readout()
                        .map(|(px, label, lines)| {
                            view! {
                                <div class="crosshair" style=format!("left:{px}px")></div>
                                <div
                                    class="chart-tooltip"
                                    role="status"
                                    style=format!("left:{px}px")
                                    data-testid="chart-tooltip"
                                >
                                    <strong>{label}</strong>
                                    {lines.into_iter().map(|l| view! { <span>{l}</span> }).collect_view()}
                                </div>
                            }
                        })
                }}
            </div>
        </figure>
    }
    .into_any()
}

mod axis;
#[cfg(feature = "hydrate")]
mod canvas_draw;
#[cfg(feature = "ssr")]
mod font;
#[cfg(any(feature = "ssr", feature = "hydrate"))]
mod plot;
#[cfg(feature = "ssr")]
pub mod png;
#[cfg(feature = "ssr")]
mod svg;

pub use axis::XAxis;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_map_pixels_to_x_and_back() {
        let f = Frame {
            left: 50.0,
            right: 250.0,
            x_min: 0.0,
            x_max: 100.0,
        };
        assert_eq!(f.x_at(150.0), 50.0);
        assert_eq!(f.x_at(0.0), 0.0, "clamped to the plot");
        assert_eq!(f.px_at(25.0), 100.0);
    }

    #[test]
    fn preparing_keeps_the_zoomed_range_and_at_most_a_point_per_pixel() {
        let points: Vec<(f64, f64)> = (0..10_000)
            .map(|i| (f64::from(i), f64::from(i % 7)))
            .collect();
        let p = prepare(&points, (100.0, 199.0), 1_000);
        assert_eq!((p.len(), p[0].0, p[99].0), (100, 100.0, 199.0));
        let p = prepare(&points, (0.0, 9_999.0), 800);
        assert_eq!(p.len(), 800);
        assert_eq!((p[0].0, p[799].0), (0.0, 9_999.0));
    }

    #[test]
    fn extents_and_nearest_points() {
        let a = Series {
            name: "a".into(),
            points: vec![(10.0, 5.0), (20.0, 8.0)],
        };
        let b = Series {
            name: "b".into(),
            points: vec![(5.0, -2.0)],
        };
        let none = Series {
            name: "c".into(),
            points: vec![],
        };
        assert_eq!(x_extent([&a, &b, &none]), Some((5.0, 20.0)));
        assert_eq!(x_extent([&none]), None);
        assert_eq!(y_extent(&a.points), (0.0, 8.4));
        assert_eq!(y_extent(&b.points), (-2.0, -1.0));
        let single = Series {
            name: "d".into(),
            points: vec![(7.0, 1.0)],
        };
        assert_eq!(x_extent([&single]), Some((7.0 - 43_200.0, 7.0 + 43_200.0)));
        assert_eq!(nearest(&a.points, 14.0), Some((10.0, 5.0)));
        assert_eq!(nearest(&a.points, 16.0), Some((20.0, 8.0)));
        assert_eq!(nearest(&a.points, 99.0), Some((20.0, 8.0)));
        assert_eq!(nearest(&[], 1.0), None);
    }

    #[test]
    fn dates_on_axes() {
        assert_eq!(day_x("1970-01-02"), Some(crate::metrics::DAY as f64));
        assert_eq!(day_x("2026-03-05"), Some(1_772_668_800.0));
        assert_eq!(day_x("2026-3"), None);
        assert_eq!(day_label(1_772_668_800.0 + 3_600.0), "Mar 5");
        assert_eq!(day_label(day_x("2024-02-29").unwrap()), "Feb 29");
        assert_eq!(day_label(day_x("2025-12-31").unwrap()), "Dec 31");
        for date in ["2024-02-29", "2025-01-01", "2026-12-31", "1999-03-01"] {
            assert_eq!(day_iso(day_x(date).unwrap() + 86_399.0), date);
        }
    }

    #[test]
    fn compact_axis_numbers() {
        assert_eq!(compact(950.0), "950");
        assert_eq!(compact(1_260.0), "1.3k");
        assert_eq!(compact(48_000.0), "48k");
        assert_eq!(compact(9_960.0), "10k");
        assert_eq!(compact(9_940.0), "9.9k");
        assert_eq!(compact(3_140_000.0), "3.1M");
    }
}
