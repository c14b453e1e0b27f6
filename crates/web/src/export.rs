//! Export plumbing every feature shares: CSV lines with formula-like cells
//! neutralised, a channel as a streamed body, and a whole table as CSV or XLSX.

use crate::error::{AppError, AppResult};
use axum::body::Bytes;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use kopru_domain::export::safe_cell;

/// A channel's items as a body stream that may be polled again after its end:
/// the compression layer does, and `stream::unfold` panics when it is (the
/// outside test's exports cut short under gzip).
pub fn channel_body(
    rx: tokio::sync::mpsc::Receiver<Result<Bytes, std::io::Error>>,
) -> impl futures_util::Stream<Item = Result<Bytes, std::io::Error>> {
    use futures_util::StreamExt;
    futures_util::stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|b| (b, rx)) })
        .fuse()
}

pub fn csv_line<S: AsRef<str>>(cells: &[S]) -> Vec<u8> {
    let mut w = csv::WriterBuilder::new().from_writer(Vec::new());
    let _ = w.write_record(cells.iter().map(|c| safe_cell(c.as_ref()).into_owned()));
    w.into_inner().unwrap_or_default()
}

/// A whole table (already in memory, bounded by the caller) as CSV (UTF-8
/// with BOM) or XLSX text cells, for exports smaller than the person list.
pub fn table_response<S: AsRef<str>>(
    format: &str,
    name: &str,
    header: &[&str],
    rows: &[Vec<S>],
) -> AppResult<Response> {
    if format == "xlsx" {
        use rust_xlsxwriter::Workbook;
        let fail = |e: rust_xlsxwriter::XlsxError| AppError::Internal(format!("xlsx: {e}"));
        let mut workbook = Workbook::new();
        let sheet = workbook.add_worksheet();
        for (c, h) in header.iter().enumerate() {
            sheet.write_string(0, c as u16, *h).map_err(fail)?;
        }
        for (r, row) in rows.iter().enumerate() {
            for (c, v) in row.iter().enumerate() {
                sheet
                    .write_string(r as u32 + 1, c as u16, v.as_ref())
                    .map_err(fail)?;
            }
        }
        let buf = workbook.save_to_buffer().map_err(fail)?;
        return Ok((
            [
                (
                    header::CONTENT_TYPE,
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_owned(),
                ),
                (
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"{name}.xlsx\""),
                ),
            ],
            buf,
        )
            .into_response());
    }
    let mut out = "\u{feff}".as_bytes().to_vec();
    out.extend(csv_line(header));
    for r in rows {
        out.extend(csv_line(r));
    }
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}.csv\""),
            ),
        ],
        out,
    )
        .into_response())
}
