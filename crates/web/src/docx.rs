//! Editable documents as DOCX, from the same blocks as `pdf` (one document
//! model, two outputs): headings become Word's Heading styles (so the
//! navigation pane and a table of contents work), runs of table rows become
//! one Word table each, a bar becomes a row of coloured block characters.
//!
//! docx-rs (bokuweb, maintained, no image dependency when its default
//! features are off) writes the WordprocessingML and packs the zip; this
//! module only maps blocks to paragraphs and tables.

use crate::pdf::Block;
use docx_rs::{
    AlignmentType, Docx, Paragraph, Run, RunFonts, Shading, Style, StyleType, Table, TableCell,
    TableRow, WidthType,
};

/// The text column of an A4 page with 2.5 cm margins, in twentieths of a point.
const COLUMN_DXA: f32 = 9000.0;

#[derive(Debug, thiserror::Error)]
#[error("the DOCX could not be written: {0}")]
pub struct DocxError(String);

fn text(t: &str) -> Paragraph {
    // Line breaks in a text stay line breaks in the paragraph.
    let mut run = Run::new();
    for (i, line) in t.lines().enumerate() {
        if i > 0 {
            run = run.add_break(docx_rs::BreakType::TextWrapping);
        }
        run = run.add_text(line);
    }
    Paragraph::new().add_run(run)
}

fn table(rows: &[(&[(String, f32)], bool)]) -> Table {
    let grid: Vec<usize> = rows
        .first()
        .map(|(cells, _)| {
            cells
                .iter()
                .map(|(_, share)| (COLUMN_DXA * share.clamp(0.0, 1.0)) as usize)
                .collect()
        })
        .unwrap_or_default();
    let rows = rows
        .iter()
        .map(|(cells, bold)| {
            TableRow::new(
                cells
                    .iter()
                    .zip(&grid)
                    .map(|((t, _), w)| {
                        let mut run = Run::new().add_text(t.as_str()).size(18);
                        if *bold {
                            run = run.bold();
                        }
                        let cell = TableCell::new()
                            .width(*w, WidthType::Dxa)
                            .add_paragraph(Paragraph::new().add_run(run));
                        if *bold {
                            cell.shading(Shading::new().fill("E8EEF3"))
                        } else {
                            cell
                        }
                    })
                    .collect(),
            )
        })
        .collect();
    Table::new(rows).set_grid(grid)
}

/// Writes the blocks as a DOCX.
pub fn render(title: &str, blocks: &[Block]) -> Result<Vec<u8>, DocxError> {
    let mut doc = Docx::new()
        .default_fonts(
            RunFonts::new()
                .ascii("Calibri")
                .hi_ansi("Calibri")
                .cs("Calibri"),
        )
        .default_size(21)
        .add_style(
            Style::new("Title", StyleType::Paragraph)
                .name("Title")
                .size(36)
                .bold(),
        )
        .add_style(
            Style::new("Heading1", StyleType::Paragraph)
                .name("Heading 1")
                .size(26)
                .bold()
                .color("1F3A5F")
                .outline_lvl(0),
        )
        .custom_property("Title", title);
    let mut pending: Vec<(&[(String, f32)], bool)> = Vec::new();
    let flush = |doc: Docx, pending: &mut Vec<(&[(String, f32)], bool)>| {
        if pending.is_empty() {
            return doc;
        }
        let t = table(pending);
        pending.clear();
        doc.add_table(t).add_paragraph(Paragraph::new())
    };
    for block in blocks {
        if let Block::Row { cells, bold, .. } = block {
            // A row with other columns than the table so far starts a new table.
            let same = pending.first().is_none_or(|(first, _)| {
                first.len() == cells.len() && first.iter().zip(cells).all(|(a, b)| a.1 == b.1)
            });
            if !same {
                doc = flush(doc, &mut pending);
            }
            pending.push((cells.as_slice(), *bold));
            continue;
        }
        doc = flush(doc, &mut pending);
        doc = match block {
            Block::Title(t) => doc.add_paragraph(text(t).style("Title")),
            Block::Heading(t) => doc.add_paragraph(text(t).style("Heading1")),
            Block::Text(t) => doc.add_paragraph(text(t)),
            Block::Small(t) => doc.add_paragraph(
                Paragraph::new().add_run(Run::new().add_text(t.as_str()).size(17).color("5A626A")),
            ),
            Block::Pair(label, value) => doc.add_paragraph(
                Paragraph::new()
                    .add_run(Run::new().add_text(format!("{label}: ")).bold())
                    .add_run(Run::new().add_text(value.as_str())),
            ),
            Block::Right(t) => doc.add_paragraph(text(t).align(AlignmentType::Right)),
            Block::Space(_) => doc.add_paragraph(Paragraph::new()),
            Block::Rule => doc,
            Block::Bar {
                label,
                share,
                value,
            } => {
                let n = (share.clamp(0.0, 1.0) * 30.0).round() as usize;
                doc.add_paragraph(
                    Paragraph::new()
                        .add_run(Run::new().add_text(format!("{label}  ")))
                        .add_run(Run::new().add_text("█".repeat(n.max(1))).color("2F6690"))
                        .add_run(Run::new().add_text(format!("  {value}")).bold()),
                )
            }
            Block::Row { .. } => doc,
        };
    }
    doc = flush(doc, &mut pending);
    let mut out = std::io::Cursor::new(Vec::new());
    doc.build()
        .pack(&mut out)
        .map_err(|e| DocxError(e.to_string()))?;
    Ok(out.into_inner())
}

/// A DOCX as a download named `stem.docx` (ASCII letters, digits and dashes).
pub fn download(stem: &str, bytes: Vec<u8>) -> axum::response::Response {
    crate::pages::download(
        &format!("{}.docx", crate::pages::file_stem(stem)),
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        bytes,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    #[test]
    fn blocks_become_headings_paragraphs_and_tables() {
        let row = |a: &str, b: &str, bold| Block::Row {
            cells: vec![(a.to_owned(), 0.3), (b.to_owned(), 0.7)],
            bold,
            min_height: 0.0,
        };
        let blocks = vec![
            Block::Title("Yıllık izleme raporu".into()),
            Block::Heading("Eğitim".into()),
            Block::Text("Okula kayıt arttı.\nİkinci satır.".into()),
            row("No", "Eylem", true),
            row("1.1.1", "Okul öncesi eğitime erişim — Ђорђевић", false),
            Block::Bar {
                label: "Eğitim".into(),
                share: 0.5,
                value: "50 %".into(),
            },
        ];
        let bytes = render("Rapor", &blocks).unwrap();
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
        let mut xml = String::new();
        zip.by_name("word/document.xml")
            .unwrap()
            .read_to_string(&mut xml)
            .unwrap();
        assert!(xml.contains("Heading1"));
        assert_eq!(xml.matches("<w:tbl>").count(), 1, "the rows make one table");
        assert_eq!(
            xml.matches("<w:tr>").count() + xml.matches("<w:tr ").count(),
            2
        );
        assert!(xml.contains("Ђорђевић"));
        assert!(xml.contains("<w:br"), "the line break is kept");
        assert!(xml.contains("█"));
    }
}
