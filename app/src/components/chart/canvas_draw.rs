//! The browser half of the charts: plotters on the canvas, in the theme's colours.

use plotters::prelude::*;
use plotters_canvas::CanvasBackend;
use wasm_bindgen::prelude::*;
use web_sys::HtmlCanvasElement;

use super::plot::{self, Palette, Plot, LIGHT};
use super::{Frame, Series, XAxis};

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
    let palette = Palette {
        fg: colour(&style, "--chart-fg", LIGHT.fg),
        grid: colour(&style, "--chart-grid", LIGHT.grid),
        series: std::array::from_fn(|i| colour(&style, &format!("--series-{i}"), LIGHT.series[i])),
    };
    let plot = Plot {
        series,
        hidden,
        range,
        x_axis,
        width: css_width,
        ratio,
        font: 12.0 * ratio,
    };
    // Setting the canvas size above cleared it: no fill needed.
    let result = CanvasBackend::with_canvas_object(canvas.clone())
        .ok_or_else(|| "no 2D context".into())
        .and_then(|backend| plot::draw(&backend.into_drawing_area(), &plot, &palette));
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
