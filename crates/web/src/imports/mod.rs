//! Importing people from a CSV or XLSX file: the service that checks and
//! writes (shared by the API, the pages and `kopru import`), the jobs that
//! run large files in the background, and the two ways in.

pub mod api;
pub mod jobs;
pub mod pages;
pub mod service;

use crate::error::AppResult;
use axum::response::{IntoResponse, Response};
use axum::Json;
use kopru_domain::ValidationErrors;

/// The file import limit: larger than ordinary requests.
pub const MAX_IMPORT: usize = 25 * 1024 * 1024;

pub fn report_format(f: &str) -> AppResult<&'static str> {
    match f {
        "csv" => Ok("csv"),
        "xlsx" => Ok("xlsx"),
        _ => Err(ValidationErrors::single("report", "err-choice").into()),
    }
}

/// The report as JSON, or its rejected rows as CSV or XLSX.
pub fn report_response(
    report: &crate::imports::service::ImportReport,
    format: Option<&str>,
) -> AppResult<Response> {
    use axum::http::header;
    match format {
        Some("csv") => Ok((
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
                (
                    header::CONTENT_DISPOSITION,
                    "attachment; filename=\"rejected-rows.csv\"",
                ),
            ],
            crate::imports::service::rejected_csv(report),
        )
            .into_response()),
        Some("xlsx") => Ok((
            [
                (
                    header::CONTENT_TYPE,
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                ),
                (
                    header::CONTENT_DISPOSITION,
                    "attachment; filename=\"rejected-rows.xlsx\"",
                ),
            ],
            crate::imports::service::rejected_xlsx(report)?,
        )
            .into_response()),
        Some(_) => Err(ValidationErrors::single("report", "err-choice").into()),
        None => Ok(Json(report.clone()).into_response()),
    }
}
