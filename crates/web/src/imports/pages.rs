//! Importing people through the browser: upload, check (a dry run with the
//! column mapping shown and adjustable), then commit.

use crate::context::{Auth, Ctx};
use crate::error::{AppError, AppResult};
use crate::extract::{FormBody, Param, QueryArgs};
use crate::imports::jobs::{ImportJob, JobState};
use crate::imports::service::{self as import, ImportReport, ImportRequest};
use crate::pages::{query_string, render, FormErrors};
use crate::AppState;
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use kopru_domain::import::FIELDS;
use kopru_domain::Action;
use kopru_store::directory::{ListFilter, UnitRow};
use serde::Deserialize;

/// The pages of this file.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/imports",
            get(upload_form)
                .post(upload)
                .layer(axum::extract::DefaultBodyLimit::max(super::MAX_IMPORT)),
        )
        .route("/imports/{id}", get(check))
        .route("/imports/jobs/{id}", get(job))
        .route("/imports/jobs/{id}/progress", get(job_progress))
        .route("/imports/jobs/{id}/{file}", get(job_rejected))
        .route("/imports/{id}/commit", post(commit))
        .route("/imports/{id}/{file}", get(rejected))
}

#[derive(Template)]
#[template(path = "import_upload.html")]
pub struct UploadPage {
    pub ctx: Ctx,
    pub units: Vec<UnitRow>,
    pub mappings: Vec<String>,
    pub errors: FormErrors,
    pub form: UploadForm,
}

#[derive(Default, Clone)]
pub struct UploadForm {
    pub area_code: String,
}

async fn upload_page(
    state: &AppState,
    ctx: Ctx,
    user: &crate::context::SignedIn,
    errors: FormErrors,
) -> AppResult<UploadPage> {
    let units = state
        .store
        .units(
            &user.principal,
            &ListFilter {
                limit: 500,
                ..Default::default()
            },
        )
        .await?
        .rows;
    let mappings = state.store.mapping_names().await?;
    Ok(UploadPage {
        ctx,
        units,
        mappings,
        errors,
        form: UploadForm::default(),
    })
}

pub async fn upload_form(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
) -> AppResult<Response> {
    if !user.principal.may(Action::ImportPersons) {
        return Err(AppError::Forbidden);
    }
    Ok(render(&upload_page(&state, ctx, &user, FormErrors::default()).await?)?.into_response())
}

pub async fn upload(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    form: crate::extract::FileForm,
) -> AppResult<Response> {
    if !user.principal.may(Action::ImportPersons) {
        return Err(AppError::Forbidden);
    }
    let (file, name) = (form.bytes(), form.file_name());
    let (unit, area, mapping) = (form.text("unit"), form.text("area"), form.text("mapping"));
    if let Err(code) = crate::tabular::read(file).map(|_| ()) {
        let page = upload_page(
            &state,
            ctx.clone(),
            &user,
            FormErrors::single(ctx.tr, "file", code),
        )
        .await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response());
    }
    let id = state
        .store
        .save_upload(&user.principal.user_id, name, file)
        .await?;
    let q = query_string(&[("unit", &unit), ("area", &area), ("mapping", &mapping)]);
    Ok(Redirect::to(&format!("/imports/{id}?{q}")).into_response())
}

#[derive(Deserialize, Default, Clone)]
pub struct CheckQuery {
    #[serde(default)]
    pub unit: String,
    #[serde(default)]
    pub area: String,
    #[serde(default)]
    pub mapping: String,
    /// The field of each column, in order ("" ignores a column).
    #[serde(default)]
    pub col: Vec<String>,
    #[serde(default)]
    pub save_as: String,
}

impl CheckQuery {
    fn query(&self) -> String {
        let mut pairs: Vec<(&str, &str)> = vec![
            ("unit", &self.unit),
            ("area", &self.area),
            ("mapping", &self.mapping),
        ];
        for c in &self.col {
            pairs.push(("col", c));
        }
        // Keep empty column choices: they hold positions.
        let mut s = query_string(&pairs[..3]);
        for c in &self.col {
            s.push_str(&format!(
                "&col={}",
                query_string(&[("x", c)]).trim_start_matches("x=")
            ));
        }
        s
    }
}

#[derive(Template)]
#[template(path = "import_report.html")]
pub struct ReportPage {
    pub ctx: Ctx,
    pub id: String,
    pub file_name: String,
    pub report: ImportReport,
    pub q: CheckQuery,
    pub fields: Vec<(String, String)>,
    pub errors: FormErrors,
    /// Links to the rejected rows as CSV and XLSX.
    pub rejected_csv: String,
    pub rejected_xlsx: String,
}

/// The upload `id` read, mapped (explicitly, by a saved mapping or by its
/// headers) and validated.
async fn prepare(
    state: &AppState,
    ctx: &Ctx,
    user: &crate::context::SignedIn,
    id: &str,
    q: &CheckQuery,
    dry_run: bool,
) -> AppResult<import::Prepared> {
    let (name, bytes) = state.store.upload(&user.principal.user_id, id).await?;
    let mapping = if !q.col.is_empty() {
        Some(
            q.col
                .iter()
                .map(|c| (!c.is_empty()).then(|| c.clone()))
                .collect(),
        )
    } else if !q.mapping.is_empty() {
        Some(
            state
                .store
                .mapping(&q.mapping)
                .await?
                .ok_or(AppError::Invalid(kopru_domain::ValidationErrors::single(
                    "mapping",
                    "err-import-mapping",
                )))?,
        )
    } else {
        None
    };
    import::prepare(
        ctx.tr,
        ImportRequest {
            file_name: &name,
            bytes: &bytes,
            unit_code: &q.unit,
            area_code: &q.area,
            mapping,
            dry_run,
        },
    )
    .map_err(AppError::from)
}

/// A dry run of the upload `id`: what committing it would do.
async fn preview(
    state: &AppState,
    ctx: &Ctx,
    user: &crate::context::SignedIn,
    id: &str,
    q: &CheckQuery,
) -> AppResult<(String, ImportReport)> {
    let prepared = prepare(state, ctx, user, id, q, true).await?;
    let name = prepared.file_name().to_owned();
    let report =
        import::commit_quietly(&state.store, &ctx.actor(), &user.principal, prepared).await?;
    Ok((name, report))
}

fn report_page(
    ctx: Ctx,
    id: String,
    file_name: String,
    report: ImportReport,
    q: CheckQuery,
    job: Option<&str>,
) -> ReportPage {
    let mut fields = vec![(String::new(), ctx.t("import-ignored"))];
    fields.extend(FIELDS.iter().map(|f| ((*f).to_owned(), ctx.field(f))));
    let mut q = q;
    q.col = report
        .columns
        .iter()
        .map(|c| c.field.clone().unwrap_or_default())
        .collect();
    // After a commit the rows it refused come from the job's report (a new
    // dry run would see the committed rows as imported before).
    let (rejected_csv, rejected_xlsx) = match job {
        Some(job) => (
            format!("/imports/jobs/{job}/rejected.csv"),
            format!("/imports/jobs/{job}/rejected.xlsx"),
        ),
        None => {
            let query = q.query();
            (
                format!("/imports/{id}/rejected.csv?{query}"),
                format!("/imports/{id}/rejected.xlsx?{query}"),
            )
        }
    };
    ReportPage {
        ctx,
        id,
        file_name,
        report,
        q,
        fields,
        errors: FormErrors::default(),
        rejected_csv,
        rejected_xlsx,
    }
}

pub async fn check(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param(id): Param<String>,
    QueryArgs(q): QueryArgs<CheckQuery>,
) -> AppResult<Response> {
    if !user.principal.may(Action::ImportPersons) {
        return Err(AppError::Forbidden);
    }
    match preview(&state, &ctx, &user, &id, &q).await {
        Ok((name, report)) => {
            Ok(render(&report_page(ctx, id, name, report, q, None))?.into_response())
        }
        Err(AppError::Invalid(v)) => {
            let page = upload_page(&state, ctx.clone(), &user, FormErrors::new(ctx.tr, &v)).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
        }
        Err(e) => Err(e),
    }
}

/// Commits the upload as a job: a small file's report comes back at once, a
/// large one's progress page follows the job.
pub async fn commit(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param(id): Param<String>,
    FormBody(q): FormBody<CheckQuery>,
) -> AppResult<Response> {
    if !user.principal.may(Action::ImportPersons) {
        return Err(AppError::Forbidden);
    }
    if !q.save_as.trim().is_empty() {
        let cols: Vec<Option<String>> = q
            .col
            .iter()
            .map(|c| (!c.is_empty()).then(|| c.clone()))
            .collect();
        state
            .store
            .save_mapping(&ctx.actor(), q.save_as.trim(), &cols)
            .await?;
    }
    let prepared = prepare(&state, &ctx, &user, &id, &q, false).await?;
    let job = state.import_jobs.start(
        state.store.clone(),
        ctx.actor(),
        user.principal.clone(),
        prepared,
        Some(id),
    );
    if job.ended_within(state.config.import_wait).await {
        job_page(ctx, &job)
    } else {
        Ok(Redirect::to(&format!("/imports/jobs/{}", job.id)).into_response())
    }
}

#[derive(Template)]
#[template(path = "import_job.html")]
pub struct JobPage {
    pub ctx: Ctx,
    pub file_name: String,
    pub progress: Option<ProgressPart>,
    pub failed: Option<String>,
}

#[derive(Template)]
#[template(path = "import_progress.html")]
pub struct ProgressPart {
    pub id: String,
    pub rows_done: usize,
    pub rows_total: usize,
    pub text: String,
}

fn progress_part(ctx: &Ctx, job: &ImportJob, rows_done: usize) -> ProgressPart {
    ProgressPart {
        id: job.id.clone(),
        rows_done,
        rows_total: job.rows_total,
        text: ctx.tr.numbers(
            "import-progress",
            &[("done", rows_done as i64), ("total", job.rows_total as i64)],
        ),
    }
}

/// A job's page: its progress while it runs, then its report.
fn job_page(ctx: Ctx, job: &ImportJob) -> AppResult<Response> {
    match job.state() {
        JobState::Done(report) => {
            let q = CheckQuery::default();
            let page = report_page(
                ctx,
                job.upload_id.clone().unwrap_or_default(),
                job.file_name.clone(),
                (*report).clone(),
                q,
                Some(&job.id),
            );
            Ok(render(&page)?.into_response())
        }
        JobState::Running { rows_done } => {
            let progress = Some(progress_part(&ctx, job, rows_done));
            Ok(render(&JobPage {
                ctx,
                file_name: job.file_name.clone(),
                progress,
                failed: None,
            })?
            .into_response())
        }
        JobState::Failed(message) => Ok((
            StatusCode::INTERNAL_SERVER_ERROR,
            render(&JobPage {
                ctx,
                file_name: job.file_name.clone(),
                progress: None,
                failed: Some(message),
            })?,
        )
            .into_response()),
    }
}

fn own_job(
    state: &AppState,
    user: &crate::context::SignedIn,
    id: &str,
) -> AppResult<std::sync::Arc<ImportJob>> {
    if !user.principal.may(Action::ImportPersons) {
        return Err(AppError::Forbidden);
    }
    state
        .import_jobs
        .get(id, &user.principal.user_id)
        .ok_or(AppError::NotFound)
}

pub async fn job(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param(id): Param<String>,
) -> AppResult<Response> {
    let job = own_job(&state, &user, &id)?;
    job_page(ctx, &job)
}

/// Polled by the progress page (htmx, every second): the progress bar while
/// the job runs, then a redirect to the job's page, which shows the report.
pub async fn job_progress(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param(id): Param<String>,
) -> AppResult<Response> {
    let job = own_job(&state, &user, &id)?;
    match job.state() {
        JobState::Running { rows_done } => {
            Ok(render(&progress_part(&ctx, &job, rows_done))?.into_response())
        }
        _ => Ok((
            [("HX-Redirect", format!("/imports/jobs/{}", job.id))],
            StatusCode::NO_CONTENT,
        )
            .into_response()),
    }
}

/// The rejected rows of a finished job, as CSV or XLSX.
pub async fn job_rejected(
    State(state): State<AppState>,
    Auth(_ctx, user): Auth,
    Param((id, file)): Param<(String, String)>,
) -> AppResult<Response> {
    let job = own_job(&state, &user, &id)?;
    let JobState::Done(report) = job.state() else {
        return Err(AppError::NotFound);
    };
    super::report_response(&report, Some(rejected_format(&file)?))
}

fn rejected_format(file: &str) -> AppResult<&'static str> {
    match file {
        "rejected.csv" => Ok("csv"),
        "rejected.xlsx" => Ok("xlsx"),
        _ => Err(AppError::NotFound),
    }
}

pub async fn rejected(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param((id, file)): Param<(String, String)>,
    QueryArgs(q): QueryArgs<CheckQuery>,
) -> AppResult<Response> {
    if !user.principal.may(Action::ImportPersons) {
        return Err(AppError::Forbidden);
    }
    let format = rejected_format(&file)?;
    let (_, report) = preview(&state, &ctx, &user, &id, &q).await?;
    super::report_response(&report, Some(format))
}
