//! One drawing for both places a chart appears: on the browser's canvas once the app runs,
//! and as SVG in the server's HTML so the first paint already shows it.

use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint};
use plotters::coord::Shift;
use plotters::prelude::*;

use super::{prepare, y_extent, Frame, Series, XAxis};

/// A chart's colours.
pub struct Palette {
    pub fg: RGBColor,
    pub grid: RGBColor,
    pub series: [RGBColor; 4],
}

/// The light theme's colours, as `style/main.css` sets them. The canvas reads the theme's
/// own; the server's SVG is drawn in these and the stylesheet maps each to its variable, so
/// the dark theme needs no second drawing.
pub const LIGHT: Palette = Palette {
    fg: RGBColor(0x5b, 0x64, 0x70),
    grid: RGBColor(0xe6, 0xe9, 0xee),
    series: [
        RGBColor(0x6a, 0x3d, 0xe8),
        RGBColor(0xe8, 0x59, 0x0c),
        RGBColor(0x1b, 0x7f, 0x3b),
        RGBColor(0x25, 0x63, 0xeb),
    ],
};

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

/// What to draw and how big: `width` is in CSS pixels, `ratio` device pixels per CSS pixel,
/// `font` the labels' size in the backend's units.
pub struct Plot<'a> {
    pub series: &'a [Series],
    pub hidden: &'a [bool],
    pub range: (f64, f64),
    pub x_axis: XAxis,
    pub width: f64,
    pub ratio: f64,
    pub font: f64,
}

#[cfg(feature = "ssr")]
impl<'a> Plot<'a> {
    /// Every series shown, as the server draws a chart (SVG, PNG): nothing hidden.
    pub fn all(
        series: &'a [Series],
        range: (f64, f64),
        x_axis: XAxis,
        width: f64,
        ratio: f64,
        font: f64,
    ) -> Self {
        Plot {
            series,
            hidden: &[],
            range,
            x_axis,
            width,
            ratio,
            font,
        }
    }
}

/// Draws the visible series over the range onto `root` (already cleared) and says where the
/// plot landed, in CSS pixels.
pub fn draw<DB>(
    root: &DrawingArea<DB, Shift>,
    plot: &Plot,
    palette: &Palette,
) -> Result<Frame, Box<dyn std::error::Error>>
where
    DB: DrawingBackend,
    DB::ErrorType: 'static,
{
    let Plot {
        series,
        hidden,
        range,
        x_axis,
        width,
        ratio,
        font,
    } = *plot;
    let visible: Vec<(usize, Vec<(f64, f64)>)> = series
        .iter()
        .enumerate()
        .filter(|(i, _)| !hidden.get(*i).copied().unwrap_or(false))
        .map(|(i, s)| (i, prepare(&s.points, range, width as usize)))
        .collect();
    let (y0, y1) = y_extent(visible.iter().flat_map(|(_, p)| p));
    let px = |n: f64| (n * ratio) as u32;
    let font = ("sans-serif", font).into_font().color(&palette.fg);
    let mut chart = ChartBuilder::on(root)
        .margin(px(8.0))
        // Room for the last date label, which is centred on the right edge.
        .margin_right(px(24.0))
        .x_label_area_size(px(24.0))
        .y_label_area_size(px(48.0))
        .build_cartesian_2d(
            Ticked {
                range: range.0..range.1,
                // Room for a label every 110 CSS pixels.
                ticks: x_axis.ticks(range, ((width / 110.0) as usize).max(2)),
            },
            y0..y1,
        )?;
    chart
        .configure_mesh()
        .y_labels(5)
        .x_label_formatter(&|x| x_axis.label(*x))
        .y_label_formatter(&|y| super::compact(*y))
        .label_style(font)
        .axis_style(palette.fg.stroke_width(1))
        .bold_line_style(palette.grid.stroke_width(1))
        .light_line_style(TRANSPARENT.stroke_width(0))
        .draw()?;
    for (i, points) in visible {
        let colour = palette.series[i % palette.series.len()];
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
}
