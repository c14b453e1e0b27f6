//! Strategy monitoring through the API: strategies, action plans (with the
//! sheet imported and exported, and the progress view), actions, reporting
//! cycles and progress reports (save, submit, approve, return, correct).

use crate::context::Auth;
use crate::error::{AppError, AppResult, Problem};
use crate::extract::{JsonBody, Param, QueryArgs};
use crate::AppState;
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use kopru_domain::strategy::{head, review_comments};
use kopru_domain::Action;
use kopru_store::strategy::annual::AnnualReport;
use kopru_store::strategy::plans::{PlanInput, StrategyInput};
use kopru_store::strategy::progress::PlanProgress;
use kopru_store::strategy::reports::{
    CycleRow, Decision, ProgressReportRow, ReportFile, ReportFilter,
};
use kopru_store::strategy::{
    ActionFilter, ActionPlanRow, PlanActionRow, PlanIndicatorRow, StrategyRow,
};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::{OpenApiRouter, UtoipaMethodRouterExt};
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_strategies, create_strategy))
        .routes(routes!(list_action_plans, create_action_plan))
        .routes(routes!(get_action_plan))
        .routes(
            routes!(import_action_plan)
                .layer(axum::extract::DefaultBodyLimit::max(super::MAX_PLAN_BYTES)),
        )
        .routes(routes!(export_action_plan))
        .routes(routes!(plan_progress))
        .routes(routes!(get_annual_report, save_annual_report))
        .routes(routes!(annual_report_pdf))
        .routes(routes!(annual_report_docx))
        .routes(routes!(list_plan_actions))
        .routes(routes!(get_plan_action))
        .routes(routes!(list_cycles, open_cycle))
        .routes(routes!(close_cycle))
        .routes(routes!(list_progress_reports))
        .routes(routes!(get_progress_report, save_progress_report))
        .routes(routes!(submit_progress_report))
        .routes(routes!(approve_progress_report))
        .routes(routes!(return_progress_report))
        .routes(routes!(correct_progress_report))
        .routes(
            routes!(add_report_evidence).layer(axum::extract::DefaultBodyLimit::max(
                kopru_domain::attachment::ATTACHMENT_MAX_BYTES + 1024,
            )),
        )
        .routes(routes!(get_report_evidence))
}

#[derive(Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
#[serde(default)]
pub struct EvidenceParams {
    /// The file's name (its extension follows what the content is).
    pub name: String,
}

/// Attaches evidence to a report the caller's institution is filling: a
/// PDF, JPEG, PNG, WebP or XLSX of at most 5 MB, stored encrypted.
#[utoipa::path(post, path = "/api/v1/progress-reports/{id}/evidence", tag = "strategy", params(("id" = String, Path), EvidenceParams),
    request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses((status = 201, body = kopru_store::strategy::reports::EvidenceRow), (status = 403, body = Problem), (status = 413, body = Problem), (status = 422, body = Problem)))]
pub async fn add_report_evidence(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param(id): Param<String>,
    QueryArgs(p): QueryArgs<EvidenceParams>,
    body: axum::body::Bytes,
) -> AppResult<Response> {
    let media = super::evidence_type(&body)?;
    let row = state
        .store
        .add_evidence(&ctx.actor(), &user.principal, &id, &p.name, media, &body)
        .await?;
    Ok((StatusCode::CREATED, Json(row)).into_response())
}

#[utoipa::path(get, path = "/api/v1/progress-reports/{id}/evidence/{evidence_id}", tag = "strategy",
    params(("id" = String, Path), ("evidence_id" = String, Path)),
    responses((status = 200, description = "The file, as a download"), (status = 404, body = Problem)))]
pub async fn get_report_evidence(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param((id, evidence_id)): Param<(String, String)>,
) -> AppResult<Response> {
    let (row, bytes) = state
        .store
        .evidence_file(&ctx.actor(), &user.principal, &id, &evidence_id)
        .await?;
    Ok(crate::pages::download(
        &row.file_name,
        &row.media_type,
        bytes,
    ))
}

#[derive(Deserialize, Serialize, ToSchema, Default)]
#[serde(default)]
pub struct StrategyCreate {
    pub code: String,
    pub title_tr: String,
    pub title_en: String,
    pub title_sr: String,
    /// TR or RS
    pub country: String,
    pub starts_year: i64,
    pub ends_year: i64,
}

#[utoipa::path(get, path = "/api/v1/strategies", tag = "strategy",
    responses((status = 200, body = Vec<StrategyRow>), (status = 403, body = Problem)))]
pub async fn list_strategies(
    State(state): State<AppState>,
    Auth(_, user): Auth,
) -> AppResult<Json<Vec<StrategyRow>>> {
    Ok(Json(state.store.strategies(&user.principal).await?))
}

#[utoipa::path(post, path = "/api/v1/strategies", tag = "strategy", request_body = StrategyCreate,
    responses((status = 201, body = StrategyRow), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn create_strategy(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    JsonBody(i): JsonBody<StrategyCreate>,
) -> AppResult<Response> {
    if !user.principal.may(Action::ManageStrategy) {
        return Err(AppError::Forbidden);
    }
    let h = head(
        &i.code,
        &i.title_tr,
        &i.title_en,
        &i.title_sr,
        i.starts_year,
        i.ends_year,
    )?;
    let row = state
        .store
        .create_strategy(
            &ctx.actor(),
            &user.principal,
            &StrategyInput {
                code: h.code,
                titles: h.titles,
                country: i.country.trim().to_ascii_uppercase(),
                starts_year: h.starts_year,
                ends_year: h.ends_year,
            },
        )
        .await?;
    Ok((StatusCode::CREATED, Json(row)).into_response())
}

#[derive(Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
#[serde(default)]
pub struct PlanParams {
    pub strategy_id: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/action-plans", tag = "strategy", params(PlanParams),
    responses((status = 200, body = Vec<ActionPlanRow>), (status = 403, body = Problem)))]
pub async fn list_action_plans(
    State(state): State<AppState>,
    Auth(_, user): Auth,
    QueryArgs(p): QueryArgs<PlanParams>,
) -> AppResult<Json<Vec<ActionPlanRow>>> {
    Ok(Json(
        state
            .store
            .action_plans(&user.principal, p.strategy_id.as_deref())
            .await?,
    ))
}

#[derive(Deserialize, Serialize, ToSchema, Default)]
#[serde(default)]
pub struct PlanCreate {
    pub strategy_id: String,
    pub code: String,
    pub title_tr: String,
    pub title_en: String,
    pub title_sr: String,
    pub starts_year: i64,
    pub ends_year: i64,
    /// Months between reporting cycles: 3 (quarterly) when not given.
    pub cycle_months: Option<i64>,
}

#[utoipa::path(post, path = "/api/v1/action-plans", tag = "strategy", request_body = PlanCreate,
    responses((status = 201, body = ActionPlanRow), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn create_action_plan(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    JsonBody(i): JsonBody<PlanCreate>,
) -> AppResult<Response> {
    if !user.principal.may(Action::ManageStrategy) {
        return Err(AppError::Forbidden);
    }
    let h = head(
        &i.code,
        &i.title_tr,
        &i.title_en,
        &i.title_sr,
        i.starts_year,
        i.ends_year,
    )?;
    let row = state
        .store
        .create_action_plan(
            &ctx.actor(),
            &user.principal,
            &i.strategy_id,
            &PlanInput {
                code: h.code,
                titles: h.titles,
                starts_year: h.starts_year,
                ends_year: h.ends_year,
                cycle_months: i.cycle_months.unwrap_or(3),
            },
        )
        .await?;
    Ok((StatusCode::CREATED, Json(row)).into_response())
}

#[utoipa::path(get, path = "/api/v1/action-plans/{id}", tag = "strategy", params(("id" = String, Path, description = "The plan's id or code")),
    responses((status = 200, body = ActionPlanRow), (status = 404, body = Problem)))]
pub async fn get_action_plan(
    State(state): State<AppState>,
    Auth(_, user): Auth,
    Param(id): Param<String>,
) -> AppResult<Json<ActionPlanRow>> {
    Ok(Json(state.store.action_plan(&user.principal, &id).await?))
}

#[derive(Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
#[serde(default)]
pub struct ImportParams {
    /// Check and report without changing the plan.
    pub dry_run: bool,
}

#[utoipa::path(post, path = "/api/v1/action-plans/{id}/import", tag = "strategy", params(("id" = String, Path), ImportParams),
    request_body(content = Vec<u8>, description = "The plan's sheet: XLSX or CSV, a header row, one row per action (and indicator)", content_type = "application/octet-stream"),
    responses((status = 200, description = "What was (or would be) added, updated and taken out; every refused row and why", body = super::PlanImportReport),
        (status = 403, body = Problem), (status = 422, description = "Unreadable file or missing columns", body = Problem)))]
pub async fn import_action_plan(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param(id): Param<String>,
    QueryArgs(p): QueryArgs<ImportParams>,
    body: axum::body::Bytes,
) -> AppResult<Json<super::PlanImportReport>> {
    Ok(Json(
        super::import_plan(
            &state.store,
            &ctx.actor(),
            &user.principal,
            ctx.tr,
            &id,
            &body,
            p.dry_run,
        )
        .await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/action-plans/{id}/export", tag = "strategy", params(("id" = String, Path)),
    responses((status = 200, description = "The plan as XLSX, in the shape it is imported from", content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        (status = 404, body = Problem)))]
pub async fn export_action_plan(
    State(state): State<AppState>,
    Auth(_, user): Auth,
    Param(id): Param<String>,
) -> AppResult<Response> {
    let plan = state.store.action_plan(&user.principal, &id).await?;
    let bytes = super::export_plan(&state.store, &user.principal, &plan.id).await?;
    Ok((
        [
            (
                header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_owned(),
            ),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{}.xlsx\"", plan.code),
            ),
        ],
        bytes,
    )
        .into_response())
}

#[utoipa::path(get, path = "/api/v1/action-plans/{id}/progress", tag = "strategy", params(("id" = String, Path)),
    responses((status = 200, body = PlanProgress), (status = 404, body = Problem)))]
pub async fn plan_progress(
    State(state): State<AppState>,
    Auth(_, user): Auth,
    Param(id): Param<String>,
) -> AppResult<Json<PlanProgress>> {
    Ok(Json(state.store.plan_progress(&user.principal, &id).await?))
}

#[derive(Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
#[serde(default)]
pub struct AnnualParams {
    /// tr or en (sr-Cyrl, sr-Latn or en for a Serbian plan); the reader's language by default.
    pub language: Option<String>,
}

#[derive(Deserialize, Serialize, ToSchema, Default)]
#[serde(default)]
pub struct AnnualInput {
    /// tr or en (sr-Cyrl, sr-Latn or en for a Serbian plan).
    pub language: Option<String>,
    /// The version read (0 before the first writing).
    pub version: i64,
    /// The narrative by section: summary, context, conclusions,
    /// recommendations, area.<policy area>; a blank section is removed.
    pub sections: BTreeMap<String, String>,
}

#[utoipa::path(get, path = "/api/v1/action-plans/{id}/annual-reports/{year}", tag = "strategy",
    params(("id" = String, Path), ("year" = i64, Path), AnnualParams),
    responses((status = 200, description = "The year's report: every action's status at the year's end and what was done, status counts, indicator values against the year's targets, and the narrative", body = AnnualReport),
        (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn get_annual_report(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param((id, year)): Param<(String, i64)>,
    QueryArgs(p): QueryArgs<AnnualParams>,
) -> AppResult<Json<AnnualReport>> {
    Ok(Json(
        super::annual::load(
            &state.store,
            &user.principal,
            &id,
            year,
            p.language.as_deref(),
            ctx.locale(),
        )
        .await?,
    ))
}

#[utoipa::path(put, path = "/api/v1/action-plans/{id}/annual-reports/{year}", tag = "strategy",
    params(("id" = String, Path), ("year" = i64, Path)), request_body = AnnualInput,
    responses((status = 200, body = AnnualReport), (status = 403, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn save_annual_report(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param((id, year)): Param<(String, i64)>,
    JsonBody(i): JsonBody<AnnualInput>,
) -> AppResult<Json<AnnualReport>> {
    Ok(Json(
        super::annual::save(
            &state.store,
            &ctx.actor(),
            &user.principal,
            &id,
            year,
            i.language.as_deref(),
            ctx.locale(),
            &i.sections,
            i.version,
        )
        .await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/action-plans/{id}/annual-reports/{year}/pdf", tag = "strategy",
    params(("id" = String, Path), ("year" = i64, Path), AnnualParams),
    responses((status = 200, description = "The report as PDF", content_type = "application/pdf"), (status = 404, body = Problem)))]
pub async fn annual_report_pdf(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param((id, year)): Param<(String, i64)>,
    QueryArgs(p): QueryArgs<AnnualParams>,
) -> AppResult<Response> {
    let r = super::annual::load(
        &state.store,
        &user.principal,
        &id,
        year,
        p.language.as_deref(),
        ctx.locale(),
    )
    .await?;
    super::annual::pdf(&r)
}

#[utoipa::path(get, path = "/api/v1/action-plans/{id}/annual-reports/{year}/docx", tag = "strategy",
    params(("id" = String, Path), ("year" = i64, Path), AnnualParams),
    responses((status = 200, description = "The report as an editable DOCX", content_type = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"), (status = 404, body = Problem)))]
pub async fn annual_report_docx(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param((id, year)): Param<(String, i64)>,
    QueryArgs(p): QueryArgs<AnnualParams>,
) -> AppResult<Response> {
    let r = super::annual::load(
        &state.store,
        &user.principal,
        &id,
        year,
        p.language.as_deref(),
        ctx.locale(),
    )
    .await?;
    super::annual::docx(&r)
}

#[derive(Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
#[serde(default)]
pub struct ActionParams {
    pub plan_id: Option<String>,
    /// education, employment, health, housing, social_assistance, cross_cutting
    pub policy_area: Option<String>,
    /// The responsible institution's code.
    pub responsible: Option<String>,
    pub status: Option<String>,
    /// Also the actions a later revision of the plan took out.
    pub with_removed: bool,
}

#[utoipa::path(get, path = "/api/v1/actions", tag = "strategy", params(ActionParams),
    responses((status = 200, body = Vec<PlanActionRow>)))]
pub async fn list_plan_actions(
    State(state): State<AppState>,
    Auth(_, user): Auth,
    QueryArgs(p): QueryArgs<ActionParams>,
) -> AppResult<Json<Vec<PlanActionRow>>> {
    Ok(Json(
        state
            .store
            .plan_actions(
                &user.principal,
                &ActionFilter {
                    plan_id: p.plan_id,
                    policy_area: p.policy_area,
                    responsible: p.responsible,
                    status: p.status,
                    with_removed: p.with_removed,
                },
            )
            .await?,
    ))
}

#[derive(Serialize, ToSchema)]
pub struct ActionOut {
    pub action: PlanActionRow,
    pub indicators: Vec<PlanIndicatorRow>,
    /// What it was in earlier revisions of the plan, the latest first.
    pub revisions: Vec<kopru_store::strategy::ActionRevisionRow>,
    /// Its reports in every cycle, each with the plan revision it was made against.
    pub reports: Vec<ProgressReportRow>,
}

#[utoipa::path(get, path = "/api/v1/actions/{id}", tag = "strategy", params(("id" = String, Path)),
    responses((status = 200, body = ActionOut), (status = 404, body = Problem)))]
pub async fn get_plan_action(
    State(state): State<AppState>,
    Auth(_, user): Auth,
    Param(id): Param<String>,
) -> AppResult<Json<ActionOut>> {
    let (action, indicators) = state.store.plan_action(&user.principal, &id).await?;
    let revisions = state.store.action_revisions(&user.principal, &id).await?;
    let reports = state
        .store
        .progress_reports(
            &user.principal,
            &ReportFilter {
                action_id: Some(action.id.clone()),
                ..Default::default()
            },
        )
        .await?;
    Ok(Json(ActionOut {
        action,
        indicators,
        revisions,
        reports,
    }))
}

#[derive(Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
#[serde(default)]
pub struct CycleParams {
    pub plan_id: String,
}

#[utoipa::path(get, path = "/api/v1/reporting-cycles", tag = "strategy", params(CycleParams),
    responses((status = 200, body = Vec<CycleRow>), (status = 404, body = Problem)))]
pub async fn list_cycles(
    State(state): State<AppState>,
    Auth(_, user): Auth,
    QueryArgs(p): QueryArgs<CycleParams>,
) -> AppResult<Json<Vec<CycleRow>>> {
    Ok(Json(state.store.cycles(&user.principal, &p.plan_id).await?))
}

#[derive(Deserialize, Serialize, ToSchema, Default)]
#[serde(default)]
pub struct CycleOpen {
    pub plan_id: String,
    /// "2026-Q1"
    pub title: String,
    pub opens_on: String,
    pub due_on: String,
}

/// Opens a cycle: each action in force gets a report for its responsible institution.
#[utoipa::path(post, path = "/api/v1/reporting-cycles", tag = "strategy", request_body = CycleOpen,
    responses((status = 201, body = CycleRow), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn open_cycle(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    JsonBody(i): JsonBody<CycleOpen>,
) -> AppResult<Response> {
    let row = state
        .store
        .open_cycle(
            &ctx.actor(),
            &user.principal,
            &i.plan_id,
            &i.title,
            &i.opens_on,
            &i.due_on,
        )
        .await?;
    Ok((StatusCode::CREATED, Json(row)).into_response())
}

#[utoipa::path(post, path = "/api/v1/reporting-cycles/{id}/close", tag = "strategy", params(("id" = String, Path)),
    responses((status = 200, body = CycleRow), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn close_cycle(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param(id): Param<String>,
) -> AppResult<Json<CycleRow>> {
    Ok(Json(
        state
            .store
            .close_cycle(&ctx.actor(), &user.principal, &id)
            .await?,
    ))
}

#[derive(Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
#[serde(default)]
pub struct ReportParams {
    pub cycle_id: Option<String>,
    pub action_id: Option<String>,
    /// draft, submitted, returned, approved, superseded
    pub status: Option<String>,
    /// The responsible institution's code.
    pub responsible: Option<String>,
    /// Only those not submitted after the due date.
    pub late: bool,
    /// The caller's institution's reports to fill or rework.
    pub due: bool,
}

#[utoipa::path(get, path = "/api/v1/progress-reports", tag = "strategy", params(ReportParams),
    responses((status = 200, body = Vec<ProgressReportRow>)))]
pub async fn list_progress_reports(
    State(state): State<AppState>,
    Auth(_, user): Auth,
    QueryArgs(p): QueryArgs<ReportParams>,
) -> AppResult<Json<Vec<ProgressReportRow>>> {
    if p.due {
        return Ok(Json(state.store.reports_due(&user.principal).await?));
    }
    Ok(Json(
        state
            .store
            .progress_reports(
                &user.principal,
                &ReportFilter {
                    cycle_id: p.cycle_id,
                    action_id: p.action_id,
                    status: p.status,
                    responsible: p.responsible,
                    late: p.late,
                },
            )
            .await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/progress-reports/{id}", tag = "strategy", params(("id" = String, Path)),
    responses((status = 200, body = ReportFile), (status = 404, body = Problem)))]
pub async fn get_progress_report(
    State(state): State<AppState>,
    Auth(_, user): Auth,
    Param(id): Param<String>,
) -> AppResult<Json<ReportFile>> {
    Ok(Json(
        state.store.progress_report(&user.principal, &id).await?,
    ))
}

#[utoipa::path(put, path = "/api/v1/progress-reports/{id}", tag = "strategy", params(("id" = String, Path)), request_body = super::ReportInput,
    responses((status = 200, body = ProgressReportRow), (status = 403, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn save_progress_report(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param(id): Param<String>,
    JsonBody(i): JsonBody<super::ReportInput>,
) -> AppResult<Json<ProgressReportRow>> {
    Ok(Json(
        super::save_report(&state, &ctx, &user, &id, i, false).await?,
    ))
}

#[utoipa::path(post, path = "/api/v1/progress-reports/{id}/submit", tag = "strategy", params(("id" = String, Path)), request_body = super::ReportInput,
    responses((status = 200, body = ProgressReportRow), (status = 403, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn submit_progress_report(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param(id): Param<String>,
    JsonBody(i): JsonBody<super::ReportInput>,
) -> AppResult<Json<ProgressReportRow>> {
    Ok(Json(
        super::save_report(&state, &ctx, &user, &id, i, true).await?,
    ))
}

#[derive(Deserialize, Serialize, ToSchema, Default)]
#[serde(default)]
pub struct ReviewInput {
    pub version: i64,
    /// For a return: a comment per field that needs work (action_status,
    /// done_text, spending, obstacles, values, evidence).
    pub comments: BTreeMap<String, String>,
}

#[utoipa::path(post, path = "/api/v1/progress-reports/{id}/approve", tag = "strategy", params(("id" = String, Path)), request_body = ReviewInput,
    responses((status = 200, body = ProgressReportRow), (status = 403, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn approve_progress_report(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param(id): Param<String>,
    JsonBody(i): JsonBody<ReviewInput>,
) -> AppResult<Json<ProgressReportRow>> {
    Ok(Json(
        state
            .store
            .review_progress_report(
                &ctx.actor(),
                &user.principal,
                &id,
                i.version,
                &Decision::Approve,
            )
            .await?,
    ))
}

#[utoipa::path(post, path = "/api/v1/progress-reports/{id}/return", tag = "strategy", params(("id" = String, Path)), request_body = ReviewInput,
    responses((status = 200, body = ProgressReportRow), (status = 403, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn return_progress_report(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param(id): Param<String>,
    JsonBody(i): JsonBody<ReviewInput>,
) -> AppResult<Json<ProgressReportRow>> {
    let comments = review_comments(&i.comments)?;
    Ok(Json(
        state
            .store
            .review_progress_report(
                &ctx.actor(),
                &user.principal,
                &id,
                i.version,
                &Decision::Return(comments),
            )
            .await?,
    ))
}

#[derive(Deserialize, Serialize, ToSchema, Default)]
#[serde(default)]
pub struct CorrectionInput {
    pub reason: String,
}

/// Starts a correction of an approved report: a new draft with the reason.
#[utoipa::path(post, path = "/api/v1/progress-reports/{id}/corrections", tag = "strategy", params(("id" = String, Path)), request_body = CorrectionInput,
    responses((status = 201, body = ProgressReportRow), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn correct_progress_report(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param(id): Param<String>,
    JsonBody(i): JsonBody<CorrectionInput>,
) -> AppResult<Response> {
    let row = state
        .store
        .correct_progress_report(&ctx.actor(), &user.principal, &id, &i.reason)
        .await?;
    Ok((StatusCode::CREATED, Json(row)).into_response())
}
