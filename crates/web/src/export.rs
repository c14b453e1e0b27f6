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

/// How an export names its columns and closed-list values: by code (the
/// API's default, stable for programs that read it) or, with
/// `names=labels` (what the pages link to), in the reader's language, with
/// the codes kept in extra columns and the list separator the reader's
/// spreadsheet expects (`;` where the decimal mark is a comma).
#[derive(Clone, Copy)]
pub struct Naming {
    labels: Option<crate::i18n::Tr>,
}

impl Naming {
    /// Reads the `names` parameter: absent or `codes`, or `labels`.
    pub fn from_param(
        names: Option<&str>,
        tr: crate::i18n::Tr,
    ) -> Result<Self, kopru_domain::ValidationErrors> {
        match names.unwrap_or("codes") {
            "codes" | "" => Ok(Naming { labels: None }),
            "labels" => Ok(Naming { labels: Some(tr) }),
            _ => Err(kopru_domain::ValidationErrors::single(
                "names",
                "err-choice",
            )),
        }
    }
    pub fn codes() -> Self {
        Naming { labels: None }
    }
    pub fn labels(&self) -> bool {
        self.labels.is_some()
    }
    /// The CSV field separator.
    pub fn separator(&self) -> u8 {
        match self.labels {
            Some(tr) if tr.locale != kopru_domain::Locale::En => b';',
            _ => b',',
        }
    }
    /// A column's header: its field label (`field-<name>`) when labelled and
    /// there is one, its name otherwise.
    pub fn header(&self, column: &str) -> String {
        match self.labels {
            Some(tr) => {
                let id = format!("field-{}", column.replace('_', "-"));
                if crate::i18n::catalogues().has(tr.locale, &id) {
                    tr.t(&id)
                } else {
                    column.to_owned()
                }
            }
            None => column.to_owned(),
        }
    }
    /// The header of the extra column that keeps a labelled column's codes.
    pub fn code_header(&self, column: &str) -> String {
        match self.labels {
            Some(tr) => format!("{} ({})", self.header(column), tr.t("export-code")),
            None => column.to_owned(),
        }
    }
    /// A closed-list value (`case-status`, `in_service`): its name when
    /// labelled, the code otherwise; several codes joined by ", ".
    pub fn value(&self, prefix: &str, codes: &str) -> String {
        match self.labels {
            Some(tr) if !codes.is_empty() => codes
                .split(", ")
                .map(|c| tr.t(&format!("{prefix}-{}", c.replace('_', "-"))))
                .collect::<Vec<_>>()
                .join(", "),
            _ => codes.to_owned(),
        }
    }
}

pub fn csv_line<S: AsRef<str>>(cells: &[S]) -> Vec<u8> {
    csv_line_with(cells, b',')
}

/// A CSV line with the given separator.
pub fn csv_line_with<S: AsRef<str>>(cells: &[S], separator: u8) -> Vec<u8> {
    let mut w = csv::WriterBuilder::new()
        .delimiter(separator)
        .from_writer(Vec::new());
    let _ = w.write_record(cells.iter().map(|c| safe_cell(c.as_ref()).into_owned()));
    w.into_inner().unwrap_or_default()
}

/// A whole table (already in memory, bounded by the caller) as CSV (UTF-8
/// with BOM) or XLSX text cells, for exports smaller than the person list.
pub fn table_response<S: AsRef<str>, H: AsRef<str>>(
    format: &str,
    name: &str,
    header: &[H],
    rows: &[Vec<S>],
    separator: u8,
) -> AppResult<Response> {
    if format == "xlsx" {
        use rust_xlsxwriter::Workbook;
        let fail = |e: rust_xlsxwriter::XlsxError| AppError::Internal(format!("xlsx: {e}"));
        let mut workbook = Workbook::new();
        let sheet = workbook.add_worksheet();
        for (c, h) in header.iter().enumerate() {
            sheet.write_string(0, c as u16, h.as_ref()).map_err(fail)?;
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
    out.extend(csv_line_with(header, separator));
    for r in rows {
        out.extend(csv_line_with(r, separator));
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
