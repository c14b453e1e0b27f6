//! Importing people from a file: read it, map its columns, validate every row,
//! and hand the accepted ones to the store. Shared by the page, the API and
//! `kopru import persons`.

use crate::error::{field_messages, ProblemField};
use crate::i18n::Tr;
use crate::service::ServiceError;
use crate::tabular::{self, Table};
use kopru_domain::import::{guess_mapping, row_draft, FIELDS};
use kopru_domain::{Principal, ValidationErrors};
use kopru_store::audit::Actor;
use kopru_store::imports::ImportRow;
use kopru_store::Store;
use serde::Serialize;

pub struct ImportRequest<'a> {
    pub file_name: &'a str,
    pub bytes: &'a [u8],
    /// For rows without a unit column.
    pub unit_code: &'a str,
    /// For rows without an area column.
    pub area_code: &'a str,
    /// Field per column, by position; `None` guesses from the headers.
    pub mapping: Option<Vec<Option<String>>>,
    pub dry_run: bool,
}

#[derive(Serialize, utoipa::ToSchema, Clone)]
pub struct ColumnOut {
    pub header: String,
    /// The field it fills, or null when ignored.
    pub field: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema, Clone)]
pub struct RejectedRow {
    /// The row number as the file shows it (the header is row 1).
    pub row: usize,
    pub errors: Vec<ProblemField>,
    pub values: Vec<String>,
}

#[derive(Serialize, utoipa::ToSchema, Clone)]
pub struct ImportReport {
    pub dry_run: bool,
    pub import_id: Option<String>,
    pub encoding: String,
    pub delimiter: Option<String>,
    pub columns: Vec<ColumnOut>,
    pub total_rows: usize,
    /// Added (or, in a dry run, would be added).
    pub imported: usize,
    /// Rows already imported before: skipped, nothing duplicated.
    pub already_imported: Vec<usize>,
    pub rejected: Vec<RejectedRow>,
    /// Set when the import stopped part-way: what was committed stays, and
    /// importing the same file again resumes (committed rows are skipped).
    pub stopped: Option<String>,
}

fn mapping_for(
    table: &Table,
    explicit: Option<Vec<Option<String>>>,
) -> Result<Vec<Option<&'static str>>, ServiceError> {
    let m: Vec<Option<&'static str>> = match explicit {
        None => guess_mapping(&table.headers),
        Some(cols) => {
            let mut out = Vec::new();
            for c in cols.iter().take(table.headers.len()) {
                match c.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
                    None => out.push(None),
                    Some(f) => out.push(Some(*FIELDS.iter().find(|x| **x == f).ok_or(
                        ServiceError::Invalid(ValidationErrors::single(
                            "mapping",
                            "err-import-field",
                        )),
                    )?)),
                }
            }
            out.resize(table.headers.len(), None);
            out
        }
    };
    let has = |f: &str| m.contains(&Some(f));
    if !(has("full_name") || (has("given_names") && has("family_name"))) {
        return Err(ServiceError::Invalid(ValidationErrors::single(
            "mapping",
            "err-import-missing-columns",
        )));
    }
    Ok(m)
}

/// A file read, mapped and validated, ready to be committed (or dry-run).
pub struct Prepared {
    file_name: String,
    table: Table,
    mapping: Vec<Option<&'static str>>,
    accepted: Vec<ImportRow>,
    /// Rows refused by validation.
    rejected: Vec<RejectedRow>,
    dry_run: bool,
    tr: Tr,
}

impl Prepared {
    /// Rows that passed validation: what the store will check and write.
    pub fn rows_to_write(&self) -> usize {
        self.accepted.len()
    }

    pub fn file_name(&self) -> &str {
        &self.file_name
    }

    /// The language its messages are in.
    pub fn tr(&self) -> Tr {
        self.tr
    }
}

/// Reads, maps and validates a file: everything that can be refused before
/// the database is touched (unreadable file, unmapped columns, invalid rows).
pub fn prepare(tr: Tr, req: ImportRequest<'_>) -> Result<Prepared, ServiceError> {
    let table = tabular::read(req.bytes)
        .map_err(|code| ServiceError::Invalid(ValidationErrors::single("file", code)))?;
    let mapping = mapping_for(&table, req.mapping)?;
    let today = kopru_store::clock::today();
    let mut accepted = Vec::new();
    let mut rejected = Vec::new();
    for (row, cells) in &table.rows {
        let (draft, fingerprint) = row_draft(cells, &mapping, req.unit_code, req.area_code);
        match draft.validate(&today) {
            Ok(person) => accepted.push(ImportRow {
                row: *row,
                person,
                fingerprint,
            }),
            Err(e) => rejected.push(RejectedRow {
                row: *row,
                errors: field_messages(tr, &e.0),
                values: cells.clone(),
            }),
        }
    }
    Ok(Prepared {
        file_name: req.file_name.to_owned(),
        table,
        mapping,
        accepted,
        rejected,
        dry_run: req.dry_run,
        tr,
    })
}

/// Hands the accepted rows to the store (in committed batches; `progress`
/// hears how many of `rows_to_write` are done) and reports on every row.
/// An import that stops part-way still reports: what its committed batches
/// did, and why it stopped (`ImportReport::stopped`).
pub async fn commit(
    store: &Store,
    actor: &Actor,
    by: &Principal,
    prepared: Prepared,
    progress: &(dyn Fn(usize) + Send + Sync),
) -> Result<ImportReport, ServiceError> {
    let Prepared {
        file_name,
        table,
        mapping,
        accepted,
        mut rejected,
        dry_run,
        tr,
    } = prepared;
    let (outcome, stopped) = match store
        .import_persons(
            actor,
            by,
            kopru_store::imports::ImportInput {
                file_name: &file_name,
                total_rows: table.rows.len(),
                rows: accepted,
                dry_run,
            },
            progress,
        )
        .await
    {
        Ok(outcome) => (outcome, None),
        // Nothing was committed: an ordinary failure.
        Err(i) if i.outcome.import_id.is_none() => return Err(i.error.into()),
        Err(i) => {
            tracing::error!(error = %i.error, rows_done = i.rows_done, "import stopped part-way");
            let next_row = table.rows.get(i.rows_done).map(|(r, _)| *r).unwrap_or(0);
            let message = tr.numbers(
                "import-stopped",
                &[
                    ("imported", i.outcome.imported as i64),
                    ("row", next_row as i64),
                ],
            );
            (i.outcome, Some(message))
        }
    };
    // Rows are in file order: a refused row's cells are found by bisection.
    let cells_of = |row: usize| {
        table
            .rows
            .binary_search_by_key(&row, |(r, _)| *r)
            .map(|i| table.rows[i].1.clone())
            .unwrap_or_default()
    };
    for (row, errors) in outcome.rejected {
        rejected.push(RejectedRow {
            row,
            errors: field_messages(tr, &errors),
            values: cells_of(row),
        });
    }
    rejected.sort_by_key(|r| r.row);
    Ok(ImportReport {
        dry_run,
        import_id: outcome.import_id,
        encoding: table.encoding.to_owned(),
        delimiter: table.delimiter.map(|d| {
            if d == '\t' {
                "tab".to_owned()
            } else {
                d.to_string()
            }
        }),
        columns: table
            .headers
            .iter()
            .zip(&mapping)
            .map(|(h, f)| ColumnOut {
                header: h.clone(),
                field: f.map(str::to_owned),
            })
            .collect(),
        total_rows: table.rows.len(),
        imported: outcome.imported,
        already_imported: outcome.already_imported,
        rejected,
        stopped,
    })
}

/// `commit` for callers that wait for the end and show no progress (dry runs).
pub async fn commit_quietly(
    store: &Store,
    actor: &Actor,
    by: &Principal,
    prepared: Prepared,
) -> Result<ImportReport, ServiceError> {
    commit(store, actor, by, prepared, &|_| {}).await
}

/// `prepare` then `commit`, for callers that wait for the end.
pub async fn run(
    store: &Store,
    actor: &Actor,
    by: &Principal,
    tr: Tr,
    req: ImportRequest<'_>,
) -> Result<ImportReport, ServiceError> {
    commit_quietly(store, actor, by, prepare(tr, req)?).await
}

/// The rejected rows as a CSV (UTF-8 with BOM): row, reasons, then the row's cells.
pub fn rejected_csv(report: &ImportReport) -> Vec<u8> {
    let mut out = "\u{feff}".as_bytes().to_vec();
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut header = vec!["row".to_owned(), "reasons".to_owned()];
    header.extend(report.columns.iter().map(|c| c.header.clone()));
    let _ = w.write_record(&header);
    for r in &report.rejected {
        let mut rec = vec![r.row.to_string(), reasons(r)];
        rec.extend(r.values.iter().cloned());
        let _ = w.write_record(
            rec.iter()
                .map(|c| kopru_domain::export::safe_cell(c).into_owned()),
        );
    }
    out.extend(w.into_inner().unwrap_or_default());
    out
}

/// The rejected rows as an XLSX workbook.
pub fn rejected_xlsx(report: &ImportReport) -> Result<Vec<u8>, ServiceError> {
    let fail = |e: rust_xlsxwriter::XlsxError| ServiceError::Internal(format!("xlsx: {e}"));
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    let mut header = vec!["row".to_owned(), "reasons".to_owned()];
    header.extend(report.columns.iter().map(|c| c.header.clone()));
    for (c, h) in header.iter().enumerate() {
        sheet.write_string(0, c as u16, h).map_err(fail)?;
    }
    for (i, r) in report.rejected.iter().enumerate() {
        let row = i as u32 + 1;
        sheet.write_number(row, 0, r.row as f64).map_err(fail)?;
        sheet.write_string(row, 1, reasons(r)).map_err(fail)?;
        for (c, v) in r.values.iter().enumerate() {
            sheet.write_string(row, c as u16 + 2, v).map_err(fail)?;
        }
    }
    book.save_to_buffer().map_err(fail)
}

fn reasons(r: &RejectedRow) -> String {
    r.errors
        .iter()
        .map(|e| format!("{}: {}", e.field, e.message))
        .collect::<Vec<_>>()
        .join("; ")
}
