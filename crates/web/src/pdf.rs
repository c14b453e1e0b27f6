//! Printable documents as PDF: a column of blocks (a letterhead, headings,
//! paragraphs, label–value rows, rules) on A4 pages, wrapped and paged here.
//!
//! krilla writes the PDF: it shapes the text, subsets the embedded DejaVu
//! Sans (Turkish, Serbian Latin and Cyrillic all in one font, so any letter
//! prints in any of the four languages) and compresses the streams. What no
//! crate does for us at this size is the layout — breaking lines at spaces by
//! measured width and starting a new page when one is full — and that is all
//! this module writes by hand.

use krilla::geom::{PathBuilder, Point, Rect};
use krilla::num::NormalizedF32;
use krilla::page::PageSettings;
use krilla::paint::Fill;
use krilla::text::{Font, TextDirection};
use krilla::Document;
use std::sync::OnceLock;

static REGULAR: &[u8] = include_bytes!("../assets/fonts/DejaVuSans.ttf");
static BOLD: &[u8] = include_bytes!("../assets/fonts/DejaVuSans-Bold.ttf");

/// A4 in points, and the margins.
const PAGE_W: f32 = 595.0;
const PAGE_H: f32 = 842.0;
const MARGIN: f32 = 56.0;
const BODY: f32 = 10.5;

/// One block of a document, laid out top to bottom.
pub enum Block {
    /// Large bold text (a letterhead's sender, a title).
    Title(String),
    /// A bold line.
    Heading(String),
    /// Wrapped body text.
    Text(String),
    /// Smaller grey text (addresses, notes).
    Small(String),
    /// A label and its value on one line, the value wrapped beside the label.
    Pair(String, String),
    /// A line on the right-hand side (date, reference).
    Right(String),
    /// Empty space, in points.
    Space(f32),
    /// A thin horizontal line across the text column.
    Rule,
    /// A table row: cells side by side, each given its share of the column
    /// (the shares add up to at most 1), at least `min_height` points tall
    /// (room to sign), with a line under it. Bold for a header row.
    Row {
        cells: Vec<(String, f32)>,
        bold: bool,
        min_height: f32,
    },
    /// One bar of a bar chart: the label on the left, a bar `share` (0–1)
    /// of the remaining width long, the value written after it.
    Bar {
        label: String,
        share: f32,
        value: String,
    },
}

#[derive(Debug, thiserror::Error)]
pub enum PdfError {
    #[error("the embedded font could not be read")]
    Font,
    #[error("the PDF could not be written: {0}")]
    Write(String),
}

struct Fonts {
    regular: Font,
    bold: Font,
    regular_face: rustybuzz::Face<'static>,
    bold_face: rustybuzz::Face<'static>,
}

fn fonts() -> Result<&'static Fonts, PdfError> {
    static FONTS: OnceLock<Option<Fonts>> = OnceLock::new();
    FONTS
        .get_or_init(|| {
            Some(Fonts {
                regular: Font::new(REGULAR.into(), 0)?,
                bold: Font::new(BOLD.into(), 0)?,
                regular_face: rustybuzz::Face::from_slice(REGULAR, 0)?,
                bold_face: rustybuzz::Face::from_slice(BOLD, 0)?,
            })
        })
        .as_ref()
        .ok_or(PdfError::Font)
}

/// The width of `text` at `size` points (advances, no kerning: a line
/// measured so is never narrower than it prints by more than a hair).
fn width(face: &rustybuzz::Face<'_>, text: &str, size: f32) -> f32 {
    let per_unit = size / f32::from(face.units_per_em() as u16);
    text.chars()
        .map(|c| {
            face.glyph_index(c)
                .and_then(|g| face.glyph_hor_advance(g))
                .unwrap_or(face.units_per_em() as u16 / 2)
        })
        .map(|a| f32::from(a) * per_unit)
        .sum()
}

/// Breaks `text` into lines no wider than `max`; a word wider than a line is
/// cut where it must be. Line breaks in the text are kept.
fn wrap(face: &rustybuzz::Face<'_>, text: &str, size: f32, max: f32) -> Vec<String> {
    let mut lines = Vec::new();
    for paragraph in text.lines() {
        let mut line = String::new();
        for word in paragraph.split_whitespace() {
            let candidate = if line.is_empty() {
                word.to_owned()
            } else {
                format!("{line} {word}")
            };
            if width(face, &candidate, size) <= max {
                line = candidate;
                continue;
            }
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
            }
            // The word alone: cut it if it is still too wide.
            let mut piece = String::new();
            for c in word.chars() {
                piece.push(c);
                if width(face, &piece, size) > max && piece.chars().count() > 1 {
                    piece.pop();
                    lines.push(std::mem::take(&mut piece));
                    piece.push(c);
                }
            }
            line = piece;
        }
        lines.push(line);
    }
    if lines.is_empty() {
        lines.push(String::new());
    }
    lines
}

/// A laid-out line: where, in which font and size, what.
struct Line {
    page: usize,
    x: f32,
    y: f32,
    bold: bool,
    size: f32,
    grey: bool,
    text: String,
}

/// Lays the blocks out and writes the PDF.
pub fn render(title: &str, language: &str, blocks: &[Block]) -> Result<Vec<u8>, PdfError> {
    let f = fonts()?;
    let column = PAGE_W - 2.0 * MARGIN;
    let mut lines: Vec<Line> = Vec::new();
    let mut rules: Vec<(usize, f32)> = Vec::new();
    // Filled bars: page, x, y (top), width.
    let mut bars: Vec<(usize, f32, f32, f32)> = Vec::new();
    let (mut page, mut y) = (0usize, MARGIN);
    let mut advance = |needed: f32, page: &mut usize, y: &mut f32| {
        if *y + needed > PAGE_H - MARGIN {
            *page += 1;
            *y = MARGIN;
        }
        *y += needed;
    };
    let push = |lines: &mut Vec<Line>,
                page: &mut usize,
                y: &mut f32,
                advance: &mut dyn FnMut(f32, &mut usize, &mut f32),
                (x, max, size, bold, grey): (f32, f32, f32, bool, bool),
                text: &str| {
        let face = if bold { &f.bold_face } else { &f.regular_face };
        for l in wrap(face, text, size, max) {
            advance(size * 1.45, page, y);
            lines.push(Line {
                page: *page,
                x,
                y: *y,
                bold,
                size,
                grey,
                text: l,
            });
        }
    };
    for block in blocks {
        match block {
            Block::Title(t) => push(
                &mut lines,
                &mut page,
                &mut y,
                &mut advance,
                (MARGIN, column, 15.0, true, false),
                t,
            ),
            Block::Heading(t) => {
                y += 4.0;
                push(
                    &mut lines,
                    &mut page,
                    &mut y,
                    &mut advance,
                    (MARGIN, column, 11.5, true, false),
                    t,
                )
            }
            Block::Text(t) => push(
                &mut lines,
                &mut page,
                &mut y,
                &mut advance,
                (MARGIN, column, BODY, false, false),
                t,
            ),
            Block::Small(t) => push(
                &mut lines,
                &mut page,
                &mut y,
                &mut advance,
                (MARGIN, column, 8.5, false, true),
                t,
            ),
            Block::Right(t) => {
                let w = width(&f.regular_face, t, BODY).min(column);
                push(
                    &mut lines,
                    &mut page,
                    &mut y,
                    &mut advance,
                    (PAGE_W - MARGIN - w, column, BODY, false, false),
                    t,
                )
            }
            Block::Pair(label, value) => {
                let label_w = column * 0.34;
                let label_lines = wrap(&f.bold_face, label, BODY, label_w - 8.0);
                let value_lines = wrap(&f.regular_face, value, BODY, column - label_w);
                for i in 0..label_lines.len().max(value_lines.len()) {
                    advance(BODY * 1.45, &mut page, &mut y);
                    if let Some(l) = label_lines.get(i) {
                        lines.push(Line {
                            page,
                            x: MARGIN,
                            y,
                            bold: true,
                            size: BODY,
                            grey: false,
                            text: l.clone(),
                        });
                    }
                    if let Some(v) = value_lines.get(i) {
                        lines.push(Line {
                            page,
                            x: MARGIN + label_w,
                            y,
                            bold: false,
                            size: BODY,
                            grey: false,
                            text: v.clone(),
                        });
                    }
                }
            }
            Block::Bar {
                label,
                share,
                value,
            } => {
                let label_w = column * 0.34;
                let bar_room = column - label_w - 60.0;
                let step = BODY * 1.6;
                advance(step, &mut page, &mut y);
                let text = wrap(&f.regular_face, label, BODY, label_w - 8.0)
                    .into_iter()
                    .next()
                    .unwrap_or_default();
                lines.push(Line {
                    page,
                    x: MARGIN,
                    y,
                    bold: false,
                    size: BODY,
                    grey: false,
                    text,
                });
                let w = (bar_room * share.clamp(0.0, 1.0)).max(0.5);
                bars.push((page, MARGIN + label_w, y - BODY * 0.8, w));
                lines.push(Line {
                    page,
                    x: MARGIN + label_w + w + 4.0,
                    y,
                    bold: true,
                    size: BODY,
                    grey: false,
                    text: value.clone(),
                });
            }
            Block::Space(points) => {
                advance(*points, &mut page, &mut y);
            }
            Block::Rule => {
                advance(6.0, &mut page, &mut y);
                rules.push((page, y));
                advance(4.0, &mut page, &mut y);
            }
            Block::Row {
                cells,
                bold,
                min_height,
            } => {
                let face = if *bold { &f.bold_face } else { &f.regular_face };
                let step = BODY * 1.45;
                let wrapped: Vec<(f32, f32, Vec<String>)> = {
                    let mut x = MARGIN;
                    cells
                        .iter()
                        .map(|(text, share)| {
                            let w = column * share.clamp(0.0, 1.0);
                            let cell = (x, w, wrap(face, text, BODY, (w - 6.0).max(10.0)));
                            x += w;
                            cell
                        })
                        .collect()
                };
                let rows = wrapped.iter().map(|(_, _, l)| l.len()).max().unwrap_or(1);
                let height = (rows as f32 * step).max(*min_height) + 4.0;
                // The whole row on one page: start a new one if it does not fit.
                advance(height, &mut page, &mut y);
                let top = y - height;
                for (x, _, cell_lines) in &wrapped {
                    for (i, text) in cell_lines.iter().enumerate() {
                        lines.push(Line {
                            page,
                            x: *x,
                            y: top + (i + 1) as f32 * step,
                            bold: *bold,
                            size: BODY,
                            grey: false,
                            text: text.clone(),
                        });
                    }
                }
                rules.push((page, y));
                advance(2.0, &mut page, &mut y);
            }
        }
    }

    let mut document = Document::new();
    document.set_metadata(
        krilla::metadata::Metadata::new()
            .title(title.to_owned())
            .language(language.to_owned())
            .creator("Köprü".to_owned()),
    );
    let grey = Fill {
        paint: krilla::color::rgb::Color::new(90, 98, 106).into(),
        opacity: NormalizedF32::ONE,
        rule: Default::default(),
    };
    let bar = Fill {
        paint: krilla::color::rgb::Color::new(47, 102, 144).into(),
        opacity: NormalizedF32::ONE,
        rule: Default::default(),
    };
    for p in 0..=page {
        let settings = PageSettings::from_wh(PAGE_W, PAGE_H)
            .ok_or_else(|| PdfError::Write("page size".into()))?;
        let mut pdf_page = document.start_page_with(settings);
        let mut surface = pdf_page.surface();
        for (_, ry) in rules.iter().filter(|(rp, _)| *rp == p) {
            let mut path = PathBuilder::new();
            if let Some(rect) = Rect::from_xywh(MARGIN, *ry, column, 0.6) {
                path.push_rect(rect);
            }
            if let Some(path) = path.finish() {
                surface.set_fill(Some(grey.clone()));
                surface.draw_path(&path);
            }
        }
        for (_, x, top, w) in bars.iter().filter(|(bp, ..)| *bp == p) {
            let mut path = PathBuilder::new();
            if let Some(rect) = Rect::from_xywh(*x, *top, *w, BODY * 0.9) {
                path.push_rect(rect);
            }
            if let Some(path) = path.finish() {
                surface.set_fill(Some(bar.clone()));
                surface.draw_path(&path);
            }
        }
        for l in lines.iter().filter(|l| l.page == p) {
            surface.set_fill(Some(if l.grey {
                grey.clone()
            } else {
                Fill::default()
            }));
            let font = if l.bold { &f.bold } else { &f.regular };
            surface.draw_text(
                Point::from_xy(l.x, l.y),
                font.clone(),
                l.size,
                &l.text,
                false,
                TextDirection::Auto,
            );
        }
        surface.finish();
        pdf_page.finish();
    }
    document
        .finish()
        .map_err(|e| PdfError::Write(format!("{e:?}")))
}

/// A PDF as a download named `stem.pdf` (the stem kept to ASCII letters,
/// digits and dashes).
pub fn download(stem: &str, pdf: Vec<u8>) -> axum::response::Response {
    crate::pages::download(
        &format!("{}.pdf", crate::pages::file_stem(stem)),
        "application/pdf",
        pdf,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_fit_the_column_and_keep_every_word() {
        let f = fonts().unwrap();
        let text = "Çocuğun okula kaydı için nüfus cüzdanı örneği gerekiyor; Ђорђевић породица живи у насељу. Donaudampfschifffahrtsgesellschaftskapitänswitwenrentenversicherung";
        let lines = wrap(&f.regular_face, text, BODY, 200.0);
        assert!(lines.len() > 3);
        for l in &lines {
            assert!(width(&f.regular_face, l, BODY) <= 200.0, "{l}");
        }
        assert_eq!(lines.concat().replace(' ', ""), text.replace(' ', ""));
    }

    #[test]
    fn a_long_document_runs_onto_more_pages() {
        let blocks: Vec<Block> = (0..120)
            .map(|i| Block::Text(format!("Satır {i}: Şişli, İstanbul — Ниш, Србија")))
            .collect();
        let pdf = render("Deneme", "tr", &blocks).unwrap();
        assert!(pdf.starts_with(b"%PDF-"));
        let text = String::from_utf8_lossy(&pdf);
        assert!(text.contains("/Type/Pages/Count 3"), "three pages");
        assert!(text.contains("+DejaVuSans"), "the font is embedded, subset");
        assert!(text.contains("/Lang(tr)"));
    }
}
