//! "My work" and the caseload dashboard, through the API.

use crate::context::Auth;
use crate::error::{AppResult, Problem};
use crate::extract::QueryArgs;
use crate::AppState;
use axum::extract::State;
use axum::Json;
use kopru_store::work::{Dashboard, MyWork, WorkScope};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The routes of this file, with their OpenAPI operations.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(my_work))
        .routes(routes!(dashboard))
}

#[derive(Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
#[serde(default)]
pub struct WorkParams {
    /// A unit whose work to show (its coordinator); default: the caller's own.
    pub unit: Option<String>,
    /// Cases without a contact for this many days are listed (default 30).
    pub quiet_days: Option<i64>,
}

impl WorkParams {
    pub fn scope(&self) -> WorkScope {
        match self
            .unit
            .as_deref()
            .map(str::trim)
            .filter(|u| !u.is_empty())
        {
            Some(u) => WorkScope::Unit(u.to_uppercase()),
            None => WorkScope::Mine,
        }
    }
}

/// Overdue and this week's follow-ups, answered referrals, overdue referrals,
/// cases with no recent contact, transfers waiting.
#[utoipa::path(get, path = "/api/v1/my-work", tag = "cases", params(WorkParams),
    responses((status = 200, body = MyWork), (status = 403, body = Problem)))]
pub async fn my_work(
    State(state): State<AppState>,
    Auth(_, user): Auth,
    QueryArgs(p): QueryArgs<WorkParams>,
) -> AppResult<Json<MyWork>> {
    Ok(Json(
        state
            .store
            .my_work(&user.principal, &p.scope(), p.quiet_days.unwrap_or(30))
            .await?,
    ))
}

#[derive(Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
#[serde(default)]
pub struct DashboardParams {
    pub unit: Option<String>,
}

/// Open cases by status, domain and worker; referrals by status and
/// institution with median response time; overdue counts. Within the caller's scope.
#[utoipa::path(get, path = "/api/v1/dashboard", tag = "cases", params(DashboardParams),
    responses((status = 200, body = Dashboard), (status = 403, body = Problem)))]
pub async fn dashboard(
    State(state): State<AppState>,
    Auth(_, user): Auth,
    QueryArgs(p): QueryArgs<DashboardParams>,
) -> AppResult<Json<Dashboard>> {
    Ok(Json(
        state
            .store
            .dashboard(&user.principal, p.unit.as_deref())
            .await?,
    ))
}
