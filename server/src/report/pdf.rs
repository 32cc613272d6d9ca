//! The report as a PDF (krilla): A4 pages of text in Noto Sans, embedded and subset so any
//! reader shows it the same, and the charts as their PNG images.

use app::components::number::thousands;
use krilla::color::rgb;
use krilla::geom::{Point, Size, Transform};
use krilla::image::Image;
use krilla::metadata::Metadata;
use krilla::num::NormalizedF32;
use krilla::page::PageSettings;
use krilla::paint::Fill;
use krilla::text::{Font, TextDirection};
use krilla::Document;

use super::{Report, CHART};

/// A4 in points, and the margin all round.
const PAGE: (f32, f32) = (595.0, 842.0);
const MARGIN: f32 = 48.0;
const BODY: f32 = 10.5;
const TABLE: f32 = 9.5;
const GREY: (u8, u8, u8) = (0x5b, 0x64, 0x70);
const INK: (u8, u8, u8) = (0x1f, 0x23, 0x28);
/// Captions are cut to this many characters: one line.
const CAPTION: usize = 90;

#[derive(Debug, thiserror::Error)]
#[error("the PDF could not be written: {0}")]
pub struct PdfError(String);

/// Something to draw on a page, placed by [`Layout`].
enum Op {
    Text {
        at: (f32, f32),
        size: f32,
        bold: bool,
        colour: (u8, u8, u8),
        text: String,
    },
    Image {
        at: (f32, f32),
        width: f32,
        png: Vec<u8>,
    },
}

/// Places lines top to bottom, starting a page when one is full.
struct Layout {
    pages: Vec<Vec<Op>>,
    y: f32,
}

impl Layout {
    fn new() -> Self {
        Self {
            pages: vec![Vec::new()],
            y: MARGIN,
        }
    }

    /// Room for `height` more points on this page, or a new page.
    fn room(&mut self, height: f32) {
        if self.y + height > PAGE.1 - MARGIN {
            self.pages.push(Vec::new());
            self.y = MARGIN;
        }
    }

    fn push(&mut self, op: Op) {
        self.pages.last_mut().expect("a page").push(op);
    }

    /// A row of cells at the given x offsets, in one size and colour.
    fn row(&mut self, cells: &[(f32, String)], size: f32, bold: bool, colour: (u8, u8, u8)) {
        let height = size * 1.55;
        self.room(height);
        self.y += height;
        for (x, text) in cells {
            self.push(Op::Text {
                at: (MARGIN + x, self.y),
                size,
                bold,
                colour,
                text: text.clone(),
            });
        }
    }

    /// A grey header row, then a row per item, in columns starting at `columns`.
    fn table(
        &mut self,
        columns: [f32; 4],
        header: [&str; 4],
        rows: impl Iterator<Item = [String; 4]>,
    ) {
        let cells = |row: [String; 4]| columns.iter().copied().zip(row).collect::<Vec<_>>();
        self.row(&cells(header.map(String::from)), 9.0, false, GREY);
        for row in rows {
            self.row(&cells(row), TABLE, false, INK);
        }
    }

    fn line(&mut self, text: impl Into<String>, size: f32, bold: bool, colour: (u8, u8, u8)) {
        self.row(&[(0.0, text.into())], size, bold, colour);
    }

    fn heading(&mut self, text: &str) {
        // Keep a heading with at least two lines after it.
        self.room(13.0 * 1.55 + 8.0 + BODY * 4.0);
        self.y += 8.0;
        self.line(text, 13.0, true, INK);
    }

    /// A chart under its heading (and note), kept on one page with them.
    fn chart(&mut self, title: &str, note: Option<&str>, png: Option<&Vec<u8>>) {
        let width = PAGE.0 - 2.0 * MARGIN;
        let height = width * CHART.1 as f32 / CHART.0 as f32;
        self.room(8.0 + 13.0 * 1.55 + 9.0 * 1.55 + 6.0 + height);
        self.heading(title);
        if let Some(note) = note {
            self.line(note, 9.0, false, GREY);
        }
        let Some(png) = png else {
            self.line("No data for this range.", BODY, false, GREY);
            return;
        };
        self.y += 6.0;
        self.push(Op::Image {
            at: (MARGIN, self.y),
            width,
            png: png.clone(),
        });
        self.y += height;
    }
}

/// The report as PDF bytes.
pub fn pdf(report: &Report) -> Result<Vec<u8>, PdfError> {
    let layout = lay_out(report);
    let regular = Font::new(notosans::REGULAR_TTF.into(), 0)
        .ok_or_else(|| PdfError("the embedded font".into()))?;
    let bold = Font::new(notosans::BOLD_TTF.into(), 0)
        .ok_or_else(|| PdfError("the embedded bold font".into()))?;
    let mut document = Document::new();
    document.set_metadata(
        Metadata::new()
            .title(report.title())
            .creator("Instalytics".into())
            .language("en".into()),
    );
    for ops in layout.pages {
        let settings = PageSettings::from_wh(PAGE.0, PAGE.1).expect("A4 is a size");
        let mut page = document.start_page_with(settings);
        let mut surface = page.surface();
        for op in ops {
            match op {
                Op::Text {
                    at,
                    size,
                    bold: strong,
                    colour,
                    text,
                } => {
                    surface.set_fill(Some(Fill {
                        paint: rgb::Color::new(colour.0, colour.1, colour.2).into(),
                        opacity: NormalizedF32::ONE,
                        rule: Default::default(),
                    }));
                    let font = if strong {
                        bold.clone()
                    } else {
                        regular.clone()
                    };
                    surface.draw_text(
                        Point::from_xy(at.0, at.1),
                        font,
                        size,
                        &text,
                        false,
                        TextDirection::Auto,
                    );
                }
                Op::Image { at, width, png } => {
                    let image = Image::from_png(png.into(), true).map_err(PdfError)?;
                    let height = width * CHART.1 as f32 / CHART.0 as f32;
                    let size = Size::from_wh(width, height).expect("a chart has a size");
                    surface.push_transform(&Transform::from_translate(at.0, at.1));
                    surface.draw_image(image, size);
                    surface.pop();
                }
            }
        }
        surface.finish();
        page.finish();
    }
    document.finish().map_err(|e| PdfError(format!("{e:?}")))
}

/// Every line of the report, in order.
fn lay_out(report: &Report) -> Layout {
    let mut l = Layout::new();
    let o = &report.overview;
    let p = &o.period;
    l.line("Instalytics report", 20.0, true, INK);
    l.line(report.scope.clone(), 12.0, false, INK);
    l.line(
        format!(
            "{} to {} ({} days, UTC), compared with {} to {}.",
            p.from, p.to, p.days, p.previous_from, p.previous_to
        ),
        BODY,
        false,
        GREY,
    );

    l.heading("Key figures");
    // Room for the longest change text ("no comparison: no data collected yet").
    l.table(
        [0.0, 150.0, 225.0, 300.0],
        ["", "This period", "Previous", "Change"],
        report.kpi_rows().into_iter(),
    );

    l.chart("Followers", None, report.followers_png.as_ref());
    l.chart(
        "Daily reach and views",
        Some("Reach in purple, views in orange."),
        report.reach_views_png.as_ref(),
    );

    l.heading("Best-performing type");
    match report.kinds.first() {
        None => l.line("No posts were published in this period.", BODY, false, GREY),
        Some(best) => {
            l.line(kind_sentence(best), BODY, false, INK);
            let rows = report.kinds.iter().map(|k| {
                [
                    k.kind.label().to_owned(),
                    thousands(k.posts),
                    thousands(k.average_interactions.round() as i64),
                    app::components::number::percent(k.average_engagement),
                ]
            });
            l.table(
                [0.0, 110.0, 170.0, 300.0],
                [
                    "Type",
                    "Posts",
                    "Interactions per post",
                    "Engagement by reach",
                ],
                rows,
            );
        }
    }

    l.heading("Top posts");
    if o.top_posts.is_empty() {
        l.line("No posts were published in this period.", BODY, false, GREY);
    }
    for (i, post) in o.top_posts.iter().enumerate() {
        l.room(BODY * 1.55 * 4.0);
        let kind = app::dto::PostKind::of(&post.product_type, post.media_type.as_deref())
            .map_or("Post", |k| k.label());
        l.line(
            format!(
                "{}. @{} · {kind} · {}",
                i + 1,
                post.username,
                post.published
            ),
            BODY,
            true,
            INK,
        );
        l.line(
            format!(
                "{} interactions · reach {}",
                thousands(post.interactions),
                app::components::number::count(post.reach)
            ),
            BODY,
            false,
            INK,
        );
        if let Some(caption) = post.caption.as_deref().map(one_line) {
            l.line(caption, 9.0, false, GREY);
        }
        if let Some(link) = &post.permalink {
            l.line(link.clone(), 9.0, false, GREY);
        }
    }

    l.heading("On the dashboard");
    l.line(report.dashboard.clone(), 9.0, false, GREY);
    l
}

/// "Reels did best: 3 posts, 1,234 interactions per post, 5.2 % engagement by reach."
pub fn kind_sentence(best: &app::dto::KindRow) -> String {
    let mut s = format!(
        "{} did best: {} post{}, {} interactions per post",
        plural_label(best.kind),
        thousands(best.posts),
        if best.posts == 1 { "" } else { "s" },
        thousands(best.average_interactions.round() as i64)
    );
    if let Some(rate) = best.average_engagement {
        s.push_str(&format!(
            ", {} engagement by reach",
            app::components::number::percent(Some(rate))
        ));
    }
    s.push('.');
    s
}

fn plural_label(kind: app::dto::PostKind) -> &'static str {
    use app::dto::PostKind;
    match kind {
        PostKind::Image => "Images",
        PostKind::Video => "Videos",
        PostKind::Carousel => "Carousels",
        PostKind::Reel => "Reels",
    }
}

/// A caption on one line, cut to [`CAPTION`] characters.
fn one_line(caption: &str) -> String {
    let flat = caption.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() <= CAPTION {
        return flat;
    }
    let cut: String = flat.chars().take(CAPTION - 1).collect();
    format!("{cut}…")
}
