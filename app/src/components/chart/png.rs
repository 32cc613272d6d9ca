//! The server's charts as PNG images, for the report's e-mail and PDF: the page's drawing at
//! a fixed size, its text in the embedded font.

use plotters::prelude::*;

use super::plot::{self, Plot, LIGHT};
use super::{x_extent, Series, XAxis};

/// Draws `series` over their whole extent, `width` × `height` CSS pixels at `ratio` device
/// pixels each. `None` without points or when drawing failed (logged).
pub fn png(
    series: &[Series],
    x_axis: XAxis,
    (width, height): (u32, u32),
    ratio: u32,
) -> Option<Vec<u8>> {
    let range = x_extent(series)?;
    super::font::register();
    let (w, h) = (width * ratio, height * ratio);
    let mut rgb = vec![0u8; (w * h * 3) as usize];
    let drawn = {
        let root = BitMapBackend::with_buffer(&mut rgb, (w, h)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| e.to_string()).and_then(|()| {
            let ratio = f64::from(ratio);
            let plot = Plot::all(series, range, x_axis, f64::from(width), ratio, 12.0 * ratio);
            plot::draw(&root, &plot, &LIGHT)
                .map(drop)
                .map_err(|e| e.to_string())
        })
    };
    if let Err(e) = drawn {
        tracing::warn!("chart: no PNG drawing: {e}");
        return None;
    }
    let mut out = Vec::new();
    let mut encoder = ::png::Encoder::new(&mut out, w, h);
    encoder.set_color(::png::ColorType::Rgb);
    encoder.set_depth(::png::BitDepth::Eight);
    let written = encoder
        .write_header()
        .and_then(|mut writer| writer.write_image_data(&rgb));
    match written {
        Ok(()) => Some(out),
        Err(e) => {
            tracing::warn!("chart: PNG not encoded: {e}");
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_chart_is_a_png_of_the_asked_size_with_its_line_drawn() {
        let series = vec![Series {
            name: "Followers".into(),
            points: (0..30)
                .map(|d| (f64::from(d) * 86_400.0, f64::from(1_000 + d * 7)))
                .collect(),
        }];
        let bytes = png(&series, XAxis::Dates, (300, 120), 2).expect("drawn");
        let decoder = ::png::Decoder::new(std::io::Cursor::new(bytes));
        let mut reader = decoder.read_info().unwrap();
        let mut pixels = vec![0; reader.output_buffer_size().unwrap()];
        let info = reader.next_frame(&mut pixels).unwrap();
        assert_eq!((info.width, info.height), (600, 240));
        // The first series' colour is on the image: the line was drawn.
        let purple = pixels
            .chunks(3)
            .filter(|p| p == &[0x6a, 0x3d, 0xe8])
            .count();
        assert!(purple > 200, "{purple} pixels of the line");
        assert!(png(&[], XAxis::Dates, (300, 120), 2).is_none());
    }
}
