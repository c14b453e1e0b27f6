//! Exports of people: CSV (UTF-8 with BOM, streamed page by page) or XLSX,
//! with the columns the user chooses, within their scope; special-category
//! columns only for the people and categories they may read. Every export is
//! audited with its filters, columns and format before the first byte is sent.

use crate::context::{Auth, Ctx, SignedIn};
use crate::error::{AppError, AppResult};
use crate::export::{channel_body, csv_line_with, Naming};
use crate::extract::QueryArgs;
use crate::AppState;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use kopru_domain::person::SpecialCategory;
use kopru_domain::{Action, ValidationErrors};
use kopru_store::registry::{PersonFilter, PersonRow};
use serde::Deserialize;
use utoipa::IntoParams;

/// Every column a person export can have, in the order they are written.
pub const PERSON_COLUMNS: &[&str] = &[
    "id",
    "given_names",
    "family_name",
    "father_name",
    "mother_name",
    "aliases",
    "sex",
    "birth_date",
    "birth_precision",
    "id_type",
    "national_id",
    "nationality",
    "phone",
    "languages",
    "education",
    "birth_registered",
    "id_card",
    "statelessness",
    "legally_invisible",
    "groups",
    "unit_code",
    "area_code",
    "area_name",
    "household_id",
    "created_at",
    "updated_at",
    "ethnicity",
    "health",
    "disability",
    "criminal_record",
    "violence_survivor",
];

/// The columns shown checked by default.
pub const DEFAULT_COLUMNS: &[&str] = &[
    "id",
    "given_names",
    "family_name",
    "father_name",
    "sex",
    "birth_date",
    "national_id",
    "phone",
    "unit_code",
    "area_code",
    "area_name",
];

fn cell(p: &PersonRow, col: &str) -> String {
    let list = |t: &str| PersonRow::list(t).join(", ");
    let o = |v: &Option<String>| v.clone().unwrap_or_default();
    match col {
        "id" => p.id.clone(),
        "given_names" => p.given_names.clone(),
        "family_name" => p.family_name.clone(),
        "father_name" => o(&p.father_name),
        "mother_name" => o(&p.mother_name),
        "aliases" => list(&p.aliases),
        "sex" => p.sex.clone(),
        "birth_date" => o(&p.birth_date),
        "birth_precision" => o(&p.birth_precision),
        "id_type" => o(&p.id_type),
        "national_id" => o(&p.national_id),
        "nationality" => o(&p.nationality),
        "phone" => o(&p.phone),
        "languages" => list(&p.languages),
        "education" => p.education.clone(),
        "birth_registered" => p.birth_registered.clone(),
        "id_card" => p.id_card.clone(),
        "statelessness" => p.statelessness.clone(),
        "legally_invisible" => if p.legally_invisible != 0 {
            "yes"
        } else {
            "no"
        }
        .into(),
        "groups" => list(&p.groups_list),
        "unit_code" => p.unit_code.clone(),
        "area_code" => p.area_code.clone(),
        "area_name" => p.area_name.clone(),
        "household_id" => o(&p.household_id),
        "created_at" => p.created_at.clone(),
        "updated_at" => p.updated_at.clone(),
        _ => String::new(),
    }
}

#[derive(Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
pub struct ExportParams {
    /// csv (default) or xlsx
    #[serde(default)]
    pub format: Option<String>,
    /// Comma-separated column names (repeatable); default: the common ones.
    #[serde(default)]
    pub columns: Vec<String>,
    #[serde(default)]
    pub q: Option<String>,
    #[serde(default)]
    pub unit: Option<String>,
    #[serde(default)]
    pub area: Option<String>,
    /// `codes` (default) or `labels`: headers and closed-list values in the
    /// reader's language, their codes in extra columns, the reader's separator.
    #[serde(default)]
    pub names: Option<String>,
}

/// Person columns with a closed list of values, and the list's message prefix.
const CODED: &[(&str, &str)] = &[
    ("sex", "sex"),
    ("education", "education"),
    ("birth_registered", "answer"),
    ("id_card", "id-card"),
    ("statelessness", "statelessness"),
    ("legally_invisible", "answer"),
];

/// The header row: the columns, then (labelled) the codes of the coded ones.
fn header_row(cols: &[String], naming: &Naming) -> Vec<String> {
    let mut h: Vec<String> = cols.iter().map(|c| naming.header(c)).collect();
    if naming.labels() {
        h.extend(
            cols.iter()
                .filter(|c| CODED.iter().any(|(x, _)| x == c))
                .map(|c| naming.code_header(c)),
        );
    }
    h
}

/// Names a row's coded values and appends their codes, when labelled.
fn name_row(cols: &[String], mut row: Vec<String>, naming: &Naming) -> Vec<String> {
    if !naming.labels() {
        return row;
    }
    let mut codes = Vec::new();
    for (i, c) in cols.iter().enumerate() {
        if let Some((_, prefix)) = CODED.iter().find(|(x, _)| x == c) {
            if let Some(cell) = row.get_mut(i) {
                codes.push(cell.clone());
                *cell = naming.value(prefix, cell);
            }
        }
    }
    row.extend(codes);
    row
}

/// Validated columns, and the special categories among them.
fn columns(requested: &[String]) -> Result<(Vec<String>, Vec<SpecialCategory>), ValidationErrors> {
    let mut cols: Vec<String> = requested
        .iter()
        .flat_map(|c| c.split(','))
        .map(|c| c.trim().to_owned())
        .filter(|c| !c.is_empty())
        .collect();
    if cols.is_empty() {
        cols = DEFAULT_COLUMNS.iter().map(|c| (*c).to_owned()).collect();
    }
    if let Some(bad) = cols.iter().find(|c| !PERSON_COLUMNS.contains(&c.as_str())) {
        let _ = bad;
        return Err(ValidationErrors::single("columns", "err-column"));
    }
    cols.dedup();
    let special = cols
        .iter()
        .filter_map(|c| SpecialCategory::parse(c).ok())
        .collect();
    Ok((cols, special))
}

/// Rows per page; the store returns at most 500 (plus one to say there are more).
const BATCH: i64 = 500;

/// One page of the export. Without a search, pages follow the list order by
/// keyset (after the last row sent), so each page costs the same; a search is
/// ranked, so it pages by offset.
async fn rows_page(
    state: &AppState,
    user: &SignedIn,
    p: &ExportParams,
    offset: i64,
    last: Option<&PersonRow>,
) -> Result<Vec<PersonRow>, AppError> {
    let searching = p.q.as_deref().is_some_and(|q| !q.trim().is_empty());
    let (offset, after) = match (searching, last) {
        (false, Some(r)) => (0, Some((r.sort_key.clone(), r.id.clone()))),
        _ => (offset, None),
    };
    let mut rows = state
        .store
        .persons_for_export(
            &user.principal,
            &PersonFilter {
                q: p.q.clone(),
                unit: p.unit.clone(),
                area: p.area.clone(),
                limit: BATCH,
                offset,
                after,
            },
        )
        .await?;
    rows.truncate(BATCH as usize);
    Ok(rows)
}

async fn page_cells(
    state: &AppState,
    user: &SignedIn,
    rows: &[PersonRow],
    cols: &[String],
    special: &[SpecialCategory],
    naming: &Naming,
) -> Result<Vec<Vec<String>>, AppError> {
    let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
    let values = state
        .store
        .special_for_export(&user.principal, &ids, special)
        .await?;
    Ok(rows
        .iter()
        .map(|r| {
            let row = cols
                .iter()
                .map(|c| match SpecialCategory::parse(c) {
                    Ok(cat) => values
                        .get(&(r.id.clone(), cat))
                        .map(|v| v.value.clone())
                        .unwrap_or_default(),
                    Err(_) => cell(r, c),
                })
                .collect();
            name_row(cols, row, naming)
        })
        .collect())
}

#[utoipa::path(get, path = "/api/v1/persons/export", tag = "registry", params(ExportParams),
    responses((status = 200, description = "CSV (UTF-8 with BOM) or XLSX", content_type = "text/csv"), (status = 403, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn export_persons(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    QueryArgs(p): QueryArgs<ExportParams>,
) -> AppResult<Response> {
    if !user.principal.may(Action::ExportPersons) {
        return Err(AppError::Forbidden);
    }
    let (cols, special) = columns(&p.columns)?;
    let format = p.format.clone().unwrap_or_else(|| "csv".into());
    if !matches!(format.as_str(), "csv" | "xlsx") {
        return Err(ValidationErrors::single("format", "err-choice").into());
    }
    let naming = Naming::from_param(p.names.as_deref(), ctx.tr)?;
    audit_export(&state, &ctx, &p, &cols, &format).await?;
    if format == "xlsx" {
        return xlsx(state, user, p, cols, special, naming).await;
    }
    let separator = naming.separator();
    // Pages are written by a task and handed over a channel. A page that fails
    // ends the body with an error, so the connection is cut without the last
    // chunk and no client takes a partial file for a whole one.
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<Bytes, std::io::Error>>(4);
    tokio::spawn(async move {
        let mut head = "\u{feff}".as_bytes().to_vec();
        head.extend(csv_line_with(&header_row(&cols, &naming), separator));
        if tx.send(Ok(Bytes::from(head))).await.is_err() {
            return;
        }
        let mut offset = 0;
        let mut last: Option<PersonRow> = None;
        loop {
            let page = async {
                let rows = rows_page(&state, &user, &p, offset, last.as_ref()).await?;
                let cells = page_cells(&state, &user, &rows, &cols, &special, &naming).await?;
                Ok::<_, AppError>((rows, cells))
            };
            let (rows, cells) = match page.await {
                Ok(page) => page,
                Err(e) => {
                    tracing::error!(error = ?e, "person export cut: the body ends with an error");
                    let _ = tx.send(Err(std::io::Error::other("export failed"))).await;
                    return;
                }
            };
            let n = rows.len() as i64;
            let mut chunk = Vec::with_capacity(cells.len() * 120);
            for r in &cells {
                chunk.extend(csv_line_with(r, separator));
            }
            if tx.send(Ok(Bytes::from(chunk))).await.is_err() || n < BATCH {
                return;
            }
            offset += n;
            last = rows.last().cloned();
        }
    });
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"persons.csv\"".to_owned(),
            ),
        ],
        Body::from_stream(channel_body(rx)),
    )
        .into_response())
}

async fn audit_export(
    state: &AppState,
    ctx: &Ctx,
    p: &ExportParams,
    cols: &[String],
    format: &str,
) -> AppResult<()> {
    state
        .store
        .audit(
            &ctx.actor()
                .event("person.export")
                .record("person", "*")
                .details(serde_json::json!({
                    "format": format, "columns": cols, "q": p.q, "unit": p.unit, "area": p.area,
                })),
        )
        .await?;
    Ok(())
}

async fn xlsx(
    state: AppState,
    user: SignedIn,
    p: ExportParams,
    cols: Vec<String>,
    special: Vec<SpecialCategory>,
    naming: Naming,
) -> AppResult<Response> {
    use rust_xlsxwriter::Workbook;
    let fail = |e: rust_xlsxwriter::XlsxError| AppError::Internal(format!("xlsx: {e}"));
    let mut workbook = Workbook::new();
    let sheet = workbook
        .add_worksheet_with_constant_memory()
        .map_err(fail)?;
    for (c, name) in header_row(&cols, &naming).iter().enumerate() {
        sheet.write_string(0, c as u16, name).map_err(fail)?;
    }
    let mut row = 1u32;
    let mut offset = 0;
    let mut last: Option<PersonRow> = None;
    loop {
        let rows = rows_page(&state, &user, &p, offset, last.as_ref()).await?;
        let n = rows.len() as i64;
        for r in page_cells(&state, &user, &rows, &cols, &special, &naming).await? {
            for (c, v) in r.iter().enumerate() {
                // Written as text cells: a spreadsheet never evaluates them.
                sheet.write_string(row, c as u16, v).map_err(fail)?;
            }
            row += 1;
        }
        if n < BATCH {
            break;
        }
        offset += n;
        last = rows.last().cloned();
    }
    let buf = workbook.save_to_buffer().map_err(fail)?;
    Ok((
        [
            (
                header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_owned(),
            ),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"persons.xlsx\"".to_owned(),
            ),
        ],
        buf,
    )
        .into_response())
}
