//! Indicators through the API: definitions (`/api/v1/indicators`), values
//! with breakdowns, targets and progress (`/{code}/values`), the same table
//! as CSV or XLSX (`/{code}/export`), baselines and targets (`/{code}/targets`).

use super::service::{self, IndicatorValues, ValuesParams};
use crate::context::Auth;
use crate::error::{AppResult, Problem};
use crate::extract::{JsonBody, Param, QueryArgs};
use crate::AppState;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use kopru_domain::indicator::DashboardDraft;
use kopru_domain::indicator::{IndicatorDefinition, TargetDraft};
use kopru_domain::ValidationErrors;
use kopru_store::indicators::{DashboardRow, IndicatorSummary, TargetRow};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_indicators, publish_indicator))
        .routes(routes!(get_indicator))
        .routes(routes!(get_indicator_values))
        .routes(routes!(export_indicator_values))
        .routes(routes!(list_indicator_targets, set_indicator_target))
        .routes(routes!(list_dashboards, create_dashboard))
        .routes(routes!(get_dashboard, update_dashboard))
        .routes(routes!(export_adx))
        .routes(routes!(export_data_value_sets))
        .routes(routes!(push_data_value_sets))
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(default)]
#[into_params(parameter_in = Query)]
pub struct ExchangeParams {
    /// One period: `2026`, `2026-Q1`, `2026-03`, `2025/2026`, or a range; this year when empty.
    pub period: String,
    /// Indicator codes, comma-separated; every mapped indicator when empty.
    pub indicators: String,
}

impl ExchangeParams {
    fn codes(&self) -> Vec<String> {
        self.indicators
            .split(',')
            .map(|c| c.trim().to_owned())
            .filter(|c| !c.is_empty())
            .take(100)
            .collect()
    }
}

fn mapping(state: &AppState) -> AppResult<std::sync::Arc<kopru_domain::dhis2::Mapping>> {
    Ok(service::dhis2_mapping(state.config.dhis2_mapping.as_ref())?)
}

type Exchange = (
    std::sync::Arc<kopru_domain::dhis2::Mapping>,
    Vec<kopru_domain::dhis2::ExportValue>,
    usize,
);

/// The mapping and the values it sends, as the reader may read them.
async fn exchange(
    state: &AppState,
    by: &kopru_domain::Principal,
    p: &ExchangeParams,
) -> AppResult<Exchange> {
    let m = mapping(state)?;
    let (values, hidden) = service::export_values(
        &state.store,
        by,
        &m,
        &p.period,
        &p.codes(),
        state.config.small_cell_threshold,
    )
    .await?;
    Ok((m, values, hidden))
}

/// Small cells hidden from the reader are left out; how many is said here.
const SUPPRESSED_HEADER: &str = "x-kopru-suppressed-values";

/// The mapped indicators for a period as IHE ADX XML (`urn:ihe:qrph:adx:2015`):
/// one group per mapped organisation unit, periods in ISO 8601, a mapped
/// breakdown's category as an attribute. A file to import into DHIS2.
#[utoipa::path(get, path = "/api/v1/exports/adx", tag = "indicators", params(ExchangeParams),
    responses((status = 200, description = "ADX XML", content_type = "application/adx+xml"),
        (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn export_adx(
    State(state): State<AppState>,
    Auth(_, user): Auth,
    QueryArgs(p): QueryArgs<ExchangeParams>,
) -> AppResult<Response> {
    let (m, values, hidden) = exchange(&state, &user.principal, &p).await?;
    let xml = kopru_domain::dhis2::adx(&m, &values, &kopru_store::clock::now());
    Ok((
        [
            (
                axum::http::header::CONTENT_TYPE,
                "application/adx+xml; charset=utf-8".to_owned(),
            ),
            (
                axum::http::header::CONTENT_DISPOSITION,
                "attachment; filename=\"kopru-adx.xml\"".to_owned(),
            ),
            (
                axum::http::HeaderName::from_static(SUPPRESSED_HEADER),
                hidden.to_string(),
            ),
        ],
        xml,
    )
        .into_response())
}

/// The same values as DHIS2's `dataValueSets` JSON (periods as DHIS2 names
/// them; a custom range has none and is refused).
#[utoipa::path(get, path = "/api/v1/exports/data-value-sets", tag = "indicators", params(ExchangeParams),
    responses((status = 200, description = "dataValueSets JSON", body = Object),
        (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn export_data_value_sets(
    State(state): State<AppState>,
    Auth(_, user): Auth,
    QueryArgs(p): QueryArgs<ExchangeParams>,
) -> AppResult<Response> {
    let period = service::period_or_this_year(&p.period)
        .map_err(|c| ValidationErrors::single("period", c))?;
    if period.dhis2().is_none() {
        return Err(ValidationErrors::single("period", "err-dhis2-period").into());
    }
    let (m, values, hidden) = exchange(&state, &user.principal, &p).await?;
    Ok((
        [(
            axum::http::HeaderName::from_static(SUPPRESSED_HEADER),
            hidden.to_string(),
        )],
        Json(kopru_domain::dhis2::data_value_sets(&m, &values)),
    )
        .into_response())
}

/// Sends the same values to the DHIS2 instance the installation is configured
/// with (`KOPRU_DHIS2_URL`), and answers with DHIS2's import summary (its
/// conflicts included); 502 when DHIS2 cannot be reached, refuses the
/// credentials or answers with something else. Kept in the audit log.
#[utoipa::path(post, path = "/api/v1/exports/data-value-sets/push", tag = "indicators", params(ExchangeParams),
    responses((status = 200, body = service::PushSummary),
        (status = 403, body = Problem), (status = 422, body = Problem), (status = 502, body = Problem)))]
pub async fn push_data_value_sets(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    QueryArgs(p): QueryArgs<ExchangeParams>,
) -> AppResult<Json<service::PushSummary>> {
    let m = mapping(&state)?;
    let summary = service::push_period(
        &state.store,
        &ctx.actor(),
        &user.principal,
        &m,
        state.config.dhis2_server.as_deref(),
        &p.period,
        &p.codes(),
        state.config.small_cell_threshold,
    )
    .await?;
    Ok(Json(summary))
}

/// Every indicator's newest definition.
#[utoipa::path(get, path = "/api/v1/indicators", tag = "indicators",
    responses((status = 200, body = Vec<IndicatorSummary>), (status = 403, body = Problem)))]
pub async fn list_indicators(
    State(state): State<AppState>,
    Auth(_, user): Auth,
) -> AppResult<Json<Vec<IndicatorSummary>>> {
    Ok(Json(state.store.indicators(&user.principal).await?))
}

/// Publishes a definition (the body is its JSON): a new indicator or a newer
/// version. Every problem is named at once, each with where it is.
/// M&E officers and administrators.
#[utoipa::path(post, path = "/api/v1/indicators", tag = "indicators",
    request_body(content = IndicatorDefinition, content_type = "application/json"),
    responses((status = 201, body = IndicatorSummary), (status = 403, body = Problem),
        (status = 422, body = Problem)))]
pub async fn publish_indicator(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    body: Bytes,
) -> AppResult<Response> {
    let text = std::str::from_utf8(&body)
        .map_err(|_| ValidationErrors::single("definition", "indicator-def-syntax"))?;
    let summary = state
        .store
        .publish_indicator(&ctx.actor(), &user.principal, text)
        .await?;
    Ok((StatusCode::CREATED, Json(summary)).into_response())
}

/// An indicator: its newest definition and every version kept.
#[derive(Serialize, ToSchema)]
pub struct IndicatorDetail {
    pub definition: IndicatorDefinition,
    pub versions: Vec<IndicatorSummary>,
}

#[utoipa::path(get, path = "/api/v1/indicators/{code}", tag = "indicators",
    params(("code" = String, Path)),
    responses((status = 200, body = IndicatorDetail), (status = 404, body = Problem)))]
pub async fn get_indicator(
    State(state): State<AppState>,
    Auth(_, user): Auth,
    Param(code): Param<String>,
) -> AppResult<Json<IndicatorDetail>> {
    user.need(kopru_domain::Action::ViewIndicators)?;
    let versions = state.store.indicator_versions(&code).await?;
    let definition = state.store.indicator(&code, None).await?;
    Ok(Json(IndicatorDetail {
        definition,
        versions,
    }))
}

/// An indicator's values, computed from the records now: the total, or a
/// table by one or two breakdowns with its margins; the target set for the
/// area and period and the progress towards it. Cells below the small-cell
/// threshold are hidden (`hidden: true`, no value) from readers of
/// aggregates only, with the cells that would give them away.
#[utoipa::path(get, path = "/api/v1/indicators/{code}/values", tag = "indicators",
    params(("code" = String, Path), ValuesParams),
    responses((status = 200, body = IndicatorValues), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn get_indicator_values(
    State(state): State<AppState>,
    Auth(_, user): Auth,
    Param(code): Param<String>,
    QueryArgs(p): QueryArgs<ValuesParams>,
) -> AppResult<Json<IndicatorValues>> {
    let (_, v) = service::values(
        &state.store,
        &user.principal,
        &code,
        &p,
        state.config.small_cell_threshold,
    )
    .await?;
    Ok(Json(v))
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(default)]
#[into_params(parameter_in = Query)]
pub struct ExportFormat {
    /// `csv` (default) or `xlsx`.
    pub format: String,
}

/// The values' table as CSV or XLSX, in the reader's language, hidden cells
/// as "<5" exactly as on the page.
#[utoipa::path(get, path = "/api/v1/indicators/{code}/export", tag = "indicators",
    params(("code" = String, Path), ValuesParams, ExportFormat),
    responses((status = 200, description = "CSV or XLSX"), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn export_indicator_values(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param(code): Param<String>,
    QueryArgs(p): QueryArgs<ValuesParams>,
    QueryArgs(f): QueryArgs<ExportFormat>,
) -> AppResult<Response> {
    let (_, v) = service::values(
        &state.store,
        &user.principal,
        &code,
        &p,
        state.config.small_cell_threshold,
    )
    .await?;
    let tr = |id: &str| ctx.t(id);
    let (header, rows) = service::table_rows(&v.table, &tr);
    let name = format!("{}-{}", code, v.table.period.label.replace(['/', '.'], "-"));
    let format = if f.format == "xlsx" { "xlsx" } else { "csv" };
    crate::export::table_response(format, &name, &header, &rows, b',')
}

#[utoipa::path(get, path = "/api/v1/indicators/{code}/targets", tag = "indicators",
    params(("code" = String, Path)),
    responses((status = 200, body = Vec<TargetRow>), (status = 403, body = Problem)))]
pub async fn list_indicator_targets(
    State(state): State<AppState>,
    Auth(_, user): Auth,
    Param(code): Param<String>,
) -> AppResult<Json<Vec<TargetRow>>> {
    Ok(Json(
        state
            .store
            .indicator_targets(&user.principal, &code)
            .await?,
    ))
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(default)]
pub struct TargetInput {
    #[serde(flatten)]
    pub target: TargetDraft,
    /// The version read when replacing a target (none for a new one).
    pub version: Option<i64>,
}

/// Sets the baseline and target for an area (empty: the installation) and a
/// period: absolute, or relative to a reference value (`gap_closed` 0.5
/// halves the gap). Replacing one needs the version read.
#[utoipa::path(put, path = "/api/v1/indicators/{code}/targets", tag = "indicators",
    params(("code" = String, Path)), request_body = TargetInput,
    responses((status = 200, body = TargetRow), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn set_indicator_target(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param(code): Param<String>,
    JsonBody(i): JsonBody<TargetInput>,
) -> AppResult<Json<TargetRow>> {
    Ok(Json(
        state
            .store
            .set_indicator_target(&ctx.actor(), &user.principal, &code, &i.target, i.version)
            .await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/dashboards", tag = "indicators",
    responses((status = 200, body = Vec<DashboardRow>), (status = 403, body = Problem)))]
pub async fn list_dashboards(
    State(state): State<AppState>,
    Auth(_, user): Auth,
) -> AppResult<Json<Vec<DashboardRow>>> {
    Ok(Json(
        state.store.indicator_dashboards(&user.principal).await?,
    ))
}

/// Composes a dashboard: a programme's (or result area's) indicators, each
/// with one breakdown. M&E officers and administrators.
#[utoipa::path(post, path = "/api/v1/dashboards", tag = "indicators", request_body = DashboardDraft,
    responses((status = 201, body = DashboardRow), (status = 403, body = Problem),
        (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn create_dashboard(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    JsonBody(d): JsonBody<DashboardDraft>,
) -> AppResult<Response> {
    let row = state
        .store
        .save_dashboard(&ctx.actor(), &user.principal, &d, None)
        .await?;
    Ok((StatusCode::CREATED, Json(row)).into_response())
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(default)]
#[into_params(parameter_in = Query)]
pub struct DashboardParams {
    /// The period of every value; this year when empty.
    pub period: String,
    /// Only this area (and below).
    pub area: String,
}

/// A dashboard with every indicator's values, targets and progress for the
/// period, small cells hidden as on every page.
#[utoipa::path(get, path = "/api/v1/dashboards/{code}", tag = "indicators",
    params(("code" = String, Path), DashboardParams),
    responses((status = 200, body = service::DashboardView), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn get_dashboard(
    State(state): State<AppState>,
    Auth(_, user): Auth,
    Param(code): Param<String>,
    QueryArgs(p): QueryArgs<DashboardParams>,
) -> AppResult<Json<service::DashboardView>> {
    Ok(Json(
        service::dashboard_view(
            &state.store,
            &user.principal,
            &code,
            &p.period,
            &p.area,
            state.config.small_cell_threshold,
        )
        .await?,
    ))
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(default)]
pub struct DashboardInput {
    #[serde(flatten)]
    pub dashboard: DashboardDraft,
    /// The version read.
    pub version: i64,
}

#[utoipa::path(put, path = "/api/v1/dashboards/{code}", tag = "indicators",
    params(("code" = String, Path)), request_body = DashboardInput,
    responses((status = 200, body = DashboardRow), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn update_dashboard(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param(code): Param<String>,
    JsonBody(mut i): JsonBody<DashboardInput>,
) -> AppResult<Json<DashboardRow>> {
    i.dashboard.code = code;
    Ok(Json(
        state
            .store
            .save_dashboard(&ctx.actor(), &user.principal, &i.dashboard, Some(i.version))
            .await?,
    ))
}
