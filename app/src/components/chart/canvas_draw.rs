//! The browser half of the charts: plotters on the canvas, in the theme's colours.

use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint};
use plotters::prelude::*;
use plotters_canvas::CanvasBackend;
use wasm_bindgen::prelude::*;
use web_sys::HtmlCanvasElement;

use super::{prepare, y_extent, Frame, Series, XAxis};

/// Fired on `window` when the system switches between light and dark.
pub const THEME_EVENT: &str = "instalytics-theme";

/// Listens once per page for the colour scheme changing and tells every chart.
pub fn watch_theme() {
    thread_local!(static WATCHING: std::cell::Cell<bool> = const { std::cell::Cell::new(false) });
    if WATCHING.with(|w| w.replace(true)) {
        return;
    }
    let Ok(Some(query)) = window().match_media("(prefers-color-scheme: dark)") else {
        return;
    };
    let notify = Closure::<dyn Fn()>::new(|| {
        if let Ok(event) = web_sys::Event::new(THEME_EVENT) {
            _ = window().dispatch_event(&event);
        }
    });
    _ = query.add_event_listener_with_callback("change", notify.as_ref().unchecked_ref());
    // Lives as long as the page: the listener is registered once.
    notify.forget();
}

fn window() -> web_sys::Window {
    leptos::prelude::window()
}

/// Series colours when the stylesheet sets none (it does, per theme).
const FALLBACK: [RGBColor; 4] = [
    RGBColor(37, 99, 235),
    RGBColor(234, 88, 12),
    RGBColor(22, 163, 74),
    RGBColor(147, 51, 234),
];

/// A CSS custom property of the canvas (`--chart-fg: #334155`) as a colour.
fn colour(style: &web_sys::CssStyleDeclaration, name: &str, fallback: RGBColor) -> RGBColor {
    let value = style.get_property_value(name).unwrap_or_default();
    let hex = value.trim().trim_start_matches('#');
    let channel = |i: usize| {
        hex.get(i..i + 2)
            .and_then(|c| u8::from_str_radix(c, 16).ok())
    };
    match (hex.len(), channel(0), channel(2), channel(4)) {
        (6, Some(r), Some(g), Some(b)) => RGBColor(r, g, b),
        _ => fallback,
    }
}

/// A linear x axis whose ticks are given (the axis module's round values) rather than left
/// to plotters, which splits the range evenly ("8.3 d"). Its labels come from the mesh's
/// formatter.
struct Ticked {
    range: std::ops::Range<f64>,
    ticks: Vec<f64>,
}

impl Ranged for Ticked {
    type FormatOption = DefaultFormatting;
    type ValueType = f64;

    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        let share = (value - self.range.start) / (self.range.end - self.range.start);
        limit.0 + (share * f64::from(limit.1 - limit.0)).round() as i32
    }

    fn key_points<H: KeyPointHint>(&self, hint: H) -> Vec<f64> {
        // Light (minor) grid lines are not drawn.
        if hint.weight().allow_light_points() {
            Vec::new()
        } else {
            self.ticks.clone()
        }
    }

    fn range(&self) -> std::ops::Range<f64> {
        self.range.clone()
    }
}

/// Draws the visible series over `range` and says where the plot landed; `None` when the
/// canvas is not laid out (hidden) or drawing failed (logged to the console).
pub fn draw(
    canvas: &HtmlCanvasElement,
    series: &[Series],
    hidden: &[bool],
    range: (f64, f64),
    x_axis: XAxis,
) -> Option<Frame> {
    let started = window().performance().map(|p| p.now());
    let ratio = window().device_pixel_ratio().max(1.0);
    let css_width = f64::from(canvas.client_width());
    let css_height = f64::from(canvas.client_height());
    if css_width < 10.0 || css_height < 10.0 {
        return None;
    }
    // Device pixels, so lines stay sharp on high-density screens.
    canvas.set_width((css_width * ratio) as u32);
    canvas.set_height((css_height * ratio) as u32);
    let style = window().get_computed_style(canvas).ok()??;
    let fg = colour(&style, "--chart-fg", RGBColor(51, 65, 85));
    let grid = colour(&style, "--chart-grid", RGBColor(226, 232, 240));
    let palette: Vec<RGBColor> = FALLBACK
        .iter()
        .enumerate()
        .map(|(i, c)| colour(&style, &format!("--series-{i}"), *c))
        .collect();

    let width = css_width as usize;
    let visible: Vec<(usize, Vec<(f64, f64)>)> = series
        .iter()
        .enumerate()
        .filter(|(i, _)| !hidden.get(*i).copied().unwrap_or(false))
        .map(|(i, s)| (i, prepare(&s.points, range, width)))
        .collect();
    let (y0, y1) = y_extent(visible.iter().flat_map(|(_, p)| p));

    let result = (|| -> Result<Frame, Box<dyn std::error::Error>> {
        let root = CanvasBackend::with_canvas_object(canvas.clone())
            .ok_or("no 2D context")?
            .into_drawing_area();
        // Setting the canvas size above cleared it: no fill needed.
        let px = |n: f64| (n * ratio) as u32;
        let font = ("sans-serif", 12.0 * ratio).into_font().color(&fg);
        let mut chart = ChartBuilder::on(&root)
            .margin(px(8.0))
            // Room for the last date label, which is centred on the right edge.
            .margin_right(px(24.0))
            .x_label_area_size(px(24.0))
            .y_label_area_size(px(48.0))
            .build_cartesian_2d(
                Ticked {
                    range: range.0..range.1,
                    // Room for a label every 110 CSS pixels.
                    ticks: x_axis.ticks(range, ((css_width / 110.0) as usize).max(2)),
                },
                y0..y1,
            )?;
        chart
            .configure_mesh()
            .y_labels(5)
            .x_label_formatter(&|x| x_axis.label(*x))
            .y_label_formatter(&|y| super::compact(*y))
            .label_style(font)
            .axis_style(fg.stroke_width(1))
            .bold_line_style(grid.stroke_width(1))
            .light_line_style(TRANSPARENT.stroke_width(0))
            .draw()?;
        for (i, points) in visible {
            let colour = palette[i % palette.len()];
            chart.draw_series(LineSeries::new(points, colour.stroke_width(px(2.0))))?;
        }
        root.present()?;
        let (xs, _) = chart.plotting_area().get_pixel_range();
        Ok(Frame {
            left: f64::from(xs.start) / ratio,
            right: f64::from(xs.end) / ratio,
            x_min: range.0,
            x_max: range.1,
        })
    })();
    if let (Some(start), Some(perf)) = (started, window().performance()) {
        // Read by the browser benchmark: how long one full redraw took, and how many so far.
        _ = canvas.set_attribute("data-draw-ms", &format!("{:.2}", perf.now() - start));
        let draws = canvas
            .get_attribute("data-draws")
            .and_then(|n| n.parse::<u32>().ok())
            .unwrap_or(0);
        _ = canvas.set_attribute("data-draws", &(draws + 1).to_string());
    }
    result
        .map_err(|e| leptos::logging::error!("chart: {e}"))
        .ok()
}
