//! `/api/v1/imports`: a file of people, checked or imported, and the jobs of large ones.

use super::{report_format, report_response};
use crate::context::Auth;
use crate::error::{AppError, AppResult, Problem};
use crate::extract::{Param, QueryArgs};
use crate::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use kopru_domain::ValidationErrors;
pub use kopru_store::clock::today;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::router::UtoipaMethodRouterExt;
use utoipa_axum::routes;

/// The routes of this file, with their OpenAPI operations.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(
            routes!(import_persons).layer(axum::extract::DefaultBodyLimit::max(super::MAX_IMPORT)),
        )
        .routes(routes!(import_job))
}

#[derive(Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
pub struct ImportParams {
    /// The unit for rows without a unit column.
    #[serde(default)]
    pub unit: Option<String>,
    /// The area for rows without an area column.
    #[serde(default)]
    pub area: Option<String>,
    /// A saved column mapping; otherwise columns are recognised by their headers.
    #[serde(default)]
    pub mapping: Option<String>,
    /// Validate and report without saving anything.
    #[serde(default)]
    pub dry_run: bool,
    /// `csv` or `xlsx`: answer with the rejected rows as a file instead of JSON.
    #[serde(default)]
    pub report: Option<String>,
}

#[utoipa::path(post, path = "/api/v1/imports/persons", tag = "registry", params(ImportParams),
    request_body(content = Vec<u8>, description = "A CSV (UTF-8, Windows-1254 or Windows-1250; comma, semicolon or tab) or XLSX file", content_type = "application/octet-stream"),
    responses((status = 200, description = "Checked (dry run) or imported: the report", body = crate::imports::service::ImportReport),
        (status = 202, description = "Still importing (a large file): follow the job at `Location`", body = crate::imports::jobs::ImportJobOut),
        (status = 403, body = Problem), (status = 422, description = "Unreadable file, unmapped columns or unknown mapping", body = Problem)))]
pub async fn import_persons(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    QueryArgs(p): QueryArgs<ImportParams>,
    body: axum::body::Bytes,
) -> AppResult<Response> {
    if !user.principal.may(kopru_domain::Action::ImportPersons) {
        return Err(AppError::Forbidden);
    }
    let format = p.report.as_deref().map(report_format).transpose()?;
    let mapping = match &p.mapping {
        Some(name) if !name.is_empty() => Some(
            state
                .store
                .mapping(name)
                .await?
                .ok_or_else(|| ValidationErrors::single("mapping", "err-import-mapping"))?,
        ),
        _ => None,
    };
    let prepared = crate::imports::service::prepare(
        ctx.tr,
        crate::imports::service::ImportRequest {
            file_name: "api-upload",
            bytes: &body,
            unit_code: p.unit.as_deref().unwrap_or(""),
            area_code: p.area.as_deref().unwrap_or(""),
            mapping,
            dry_run: p.dry_run,
        },
    )?;
    if p.dry_run {
        let report = crate::imports::service::commit_quietly(
            &state.store,
            &ctx.actor(),
            &user.principal,
            prepared,
        )
        .await?;
        return report_response(&report, format);
    }
    let job = state.import_jobs.start(
        state.store.clone(),
        ctx.actor(),
        user.principal.clone(),
        prepared,
        None,
    );
    let ended = job.ended_within(state.config.import_wait).await;
    job_response(&job, format, JobAsker::Starter { ended })
}

#[derive(Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
pub struct JobParams {
    /// `csv` or `xlsx`: once done, answer with the rejected rows as a file.
    #[serde(default)]
    pub report: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/imports/jobs/{id}", tag = "registry", params(("id" = String, Path), JobParams),
    responses((status = 200, description = "The job: running (with rows done), done (with the report) or failed (with why)", body = crate::imports::jobs::ImportJobOut),
        (status = 404, description = "No such job of this user's", body = Problem)))]
pub async fn import_job(
    State(state): State<AppState>,
    Auth(_ctx, user): Auth,
    Param(id): Param<String>,
    QueryArgs(p): QueryArgs<JobParams>,
) -> AppResult<Response> {
    if !user.principal.may(kopru_domain::Action::ImportPersons) {
        return Err(AppError::Forbidden);
    }
    let format = p.report.as_deref().map(report_format).transpose()?;
    let job = state
        .import_jobs
        .get(&id, &user.principal.user_id)
        .ok_or(AppError::NotFound)?;
    job_response(&job, format, JobAsker::Follower)
}

/// Who asks about a job.
enum JobAsker {
    /// The request that started it, after waiting: `ended` or not.
    Starter { ended: bool },
    /// A later request for the job.
    Follower,
}

/// The starting request answers with the report (200) or the failure once the
/// job has ended, and with 202, the job and its address while it has not. A
/// later request gets the job itself (its report inside once done), or its
/// rejected rows as a file when `format` asks for them.
fn job_response(
    job: &crate::imports::jobs::ImportJob,
    format: Option<&'static str>,
    asker: JobAsker,
) -> AppResult<Response> {
    use crate::imports::jobs::{ImportJobOut, JobState};
    let location = format!("/api/v1/imports/jobs/{}", job.id);
    match (asker, job.state()) {
        (JobAsker::Starter { ended: false }, _) => Ok((
            StatusCode::ACCEPTED,
            [(axum::http::header::LOCATION, location)],
            Json(ImportJobOut::of(job)),
        )
            .into_response()),
        (JobAsker::Starter { .. }, JobState::Failed(message)) => Err(AppError::Internal(message)),
        (JobAsker::Starter { .. }, JobState::Done(report)) => {
            let mut r = report_response(&report, format)?;
            if let Ok(v) = axum::http::HeaderValue::from_str(&location) {
                r.headers_mut()
                    .insert(axum::http::header::CONTENT_LOCATION, v);
            }
            Ok(r)
        }
        (JobAsker::Follower, JobState::Done(report)) if format.is_some() => {
            report_response(&report, format)
        }
        (JobAsker::Follower, _) if format.is_some() => Err(AppError::NotFound),
        _ => Ok(Json(ImportJobOut::of(job)).into_response()),
    }
}
