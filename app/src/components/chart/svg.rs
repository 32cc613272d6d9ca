//! The server's half of the charts: each chart drawn as SVG into the HTML, so the first paint
//! shows it before the WASM has loaded. The hydrated canvas takes over (hover, toggles, zoom)
//! and hides it.

use plotters::prelude::*;

use super::plot::{self, Plot, LIGHT};
use super::{Series, XAxis};

/// The chart area's height in CSS pixels (`.chart-area` in `style/main.css`).
const HEIGHT: u32 = 240;

/// Two drawings of the chart: for phones (a chart about 340 pixels wide) and for two charts
/// side by side on a desktop (about 520); the stylesheet shows the one nearer the chart's own
/// width (a container query), so text keeps about its size. Empty when
/// drawing failed (logged): the canvas still draws it.
pub fn first_paint(series: &[Series], range: (f64, f64), x_axis: XAxis) -> String {
    [("narrow", 360), ("wide", 540)]
        .into_iter()
        .map(|(class, width)| drawing(series, range, x_axis, class, width))
        .collect::<Option<String>>()
        .unwrap_or_default()
}

fn drawing(
    series: &[Series],
    range: (f64, f64),
    x_axis: XAxis,
    class: &str,
    width: u32,
) -> Option<String> {
    super::font::register();
    let mut svg = String::new();
    // 12 CSS pixels, as on the canvas: plotters' SVG writes sizes divided by 1.24.
    let plot = Plot::all(series, range, x_axis, f64::from(width), 1.0, 12.0 * 1.24);
    let drawn = {
        let root = SVGBackend::with_string(&mut svg, (width, HEIGHT)).into_drawing_area();
        plot::draw(&root, &plot, &LIGHT).map(drop)
    };
    if let Err(e) = drawn {
        tracing::warn!("chart: no first-paint drawing: {e}");
        return None;
    }
    // Decorative: the canvas and the daily table carry the figures for assistive technology.
    Some(svg.replacen(
        "<svg ",
        &format!(r#"<svg class="{class}" aria-hidden="true" "#),
        1,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_drawings_hold_each_line_in_the_light_theme_colours() {
        let series = vec![
            Series {
                name: "Reach".into(),
                points: (0..90)
                    .map(|d| (f64::from(d) * 86_400.0, f64::from(d % 9)))
                    .collect(),
            },
            Series {
                name: "Views".into(),
                points: vec![(0.0, 3.0), (89.0 * 86_400.0, 12.0)],
            },
        ];
        let svg = first_paint(&series, (0.0, 89.0 * 86_400.0), XAxis::Dates);
        assert_eq!(svg.matches("<svg ").count(), 2);
        assert!(svg.contains(r#"<svg class="narrow" aria-hidden="true" width="360""#));
        assert!(svg.contains(r#"<svg class="wide" aria-hidden="true" width="540""#));
        // One line per series per drawing, in the colours the stylesheet maps to the theme.
        assert_eq!(svg.matches(r##"stroke="#6A3DE8""##).count(), 2, "{svg}");
        assert_eq!(svg.matches(r##"stroke="#E8590C""##).count(), 2);
        assert!(svg.contains("\nJan 1\n"), "date ticks are labelled: {svg}");
    }
}
