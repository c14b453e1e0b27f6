//! ROMACTED through the API: groups (`/api/v1/local-groups`), needs and
//! their votes (`/api/v1/community-needs`), joint local action plans with
//! measures and progress (`/api/v1/local-action-plans`).

use crate::context::Auth;
use crate::error::{AppResult, Problem};
use crate::extract::{JsonBody, Param};
use crate::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use kopru_domain::local_plan::{
    vote_count, GroupKind, LocalPlanDraft, MeasureDraft, MeasureProgressDraft, NeedDraft,
};
use kopru_domain::ValidationErrors;
use kopru_store::local_plans::{
    GroupFile, GroupRow, LocalPlanFile, LocalPlanRow, MeasureRow, NeedRow,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_local_groups, create_local_group))
        .routes(routes!(get_local_group))
        .routes(routes!(save_group_minutes))
        .routes(routes!(add_community_need))
        .routes(routes!(set_need_votes))
        .routes(routes!(list_local_plans, create_local_plan))
        .routes(routes!(get_local_plan, update_local_plan))
        .routes(routes!(add_local_measure))
        .routes(routes!(report_local_measure))
}

#[derive(Deserialize, Serialize, ToSchema, Default)]
#[serde(default)]
pub struct GroupInput {
    /// A community meeting (an activity) whose participants are the group's members.
    pub activity_id: String,
    /// community_action_group or institutional_working_group
    pub kind: String,
}

#[utoipa::path(get, path = "/api/v1/local-groups", tag = "local plans",
    responses((status = 200, body = Vec<GroupRow>)))]
pub async fn list_local_groups(
    State(state): State<AppState>,
    Auth(_, user): Auth,
) -> AppResult<Json<Vec<GroupRow>>> {
    Ok(Json(state.store.local_groups(&user.principal).await?))
}

#[utoipa::path(post, path = "/api/v1/local-groups", tag = "local plans", request_body = GroupInput,
    responses((status = 201, body = GroupRow), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn create_local_group(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    JsonBody(i): JsonBody<GroupInput>,
) -> AppResult<Response> {
    let kind = GroupKind::parse(i.kind.trim()).map_err(|c| ValidationErrors::single("kind", c))?;
    let row = state
        .store
        .create_local_group(&ctx.actor(), &user.principal, i.activity_id.trim(), kind)
        .await?;
    Ok((StatusCode::CREATED, Json(row)).into_response())
}

#[utoipa::path(get, path = "/api/v1/local-groups/{id}", tag = "local plans", params(("id" = String, Path)),
    responses((status = 200, description = "The group: members, meetings with minutes, needs by sector and votes", body = GroupFile), (status = 404, body = Problem)))]
pub async fn get_local_group(
    State(state): State<AppState>,
    Auth(_, user): Auth,
    Param(id): Param<String>,
) -> AppResult<Json<GroupFile>> {
    Ok(Json(state.store.local_group(&user.principal, &id).await?))
}

#[derive(Deserialize, Serialize, ToSchema, Default)]
#[serde(default)]
pub struct MinutesInput {
    pub minutes: String,
    /// The minutes' version read (0 before the first writing).
    pub version: i64,
}

#[utoipa::path(put, path = "/api/v1/local-groups/{id}/minutes/{session_id}", tag = "local plans",
    params(("id" = String, Path), ("session_id" = String, Path)), request_body = MinutesInput,
    responses((status = 204), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn save_group_minutes(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param((id, session_id)): Param<(String, String)>,
    JsonBody(i): JsonBody<MinutesInput>,
) -> AppResult<StatusCode> {
    state
        .store
        .save_minutes(
            &ctx.actor(),
            &user.principal,
            &id,
            &session_id,
            &i.minutes,
            i.version,
        )
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(post, path = "/api/v1/local-groups/{id}/needs", tag = "local plans", params(("id" = String, Path)), request_body = NeedDraft,
    responses((status = 201, body = NeedRow), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn add_community_need(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param(id): Param<String>,
    JsonBody(d): JsonBody<NeedDraft>,
) -> AppResult<Response> {
    let n = d.validate()?;
    let row = state
        .store
        .add_need(&ctx.actor(), &user.principal, &id, &n)
        .await?;
    Ok((StatusCode::CREATED, Json(row)).into_response())
}

#[derive(Deserialize, Serialize, ToSchema, Default)]
#[serde(default)]
pub struct VotesInput {
    pub votes: String,
    pub version: i64,
}

#[utoipa::path(put, path = "/api/v1/community-needs/{id}/votes", tag = "local plans", params(("id" = String, Path)), request_body = VotesInput,
    responses((status = 200, body = NeedRow), (status = 403, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn set_need_votes(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param(id): Param<String>,
    JsonBody(i): JsonBody<VotesInput>,
) -> AppResult<Json<NeedRow>> {
    let votes = vote_count(&i.votes)?;
    Ok(Json(
        state
            .store
            .set_need_votes(&ctx.actor(), &user.principal, &id, votes, i.version)
            .await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/local-action-plans", tag = "local plans",
    responses((status = 200, body = Vec<LocalPlanRow>)))]
pub async fn list_local_plans(
    State(state): State<AppState>,
    Auth(_, user): Auth,
) -> AppResult<Json<Vec<LocalPlanRow>>> {
    Ok(Json(state.store.local_action_plans(&user.principal).await?))
}

#[utoipa::path(post, path = "/api/v1/local-action-plans", tag = "local plans", request_body = LocalPlanDraft,
    responses((status = 201, body = LocalPlanRow), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn create_local_plan(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    JsonBody(d): JsonBody<LocalPlanDraft>,
) -> AppResult<Response> {
    let p = d.validate()?;
    let row = state
        .store
        .create_local_plan(&ctx.actor(), &user.principal, &p)
        .await?;
    Ok((StatusCode::CREATED, Json(row)).into_response())
}

#[utoipa::path(get, path = "/api/v1/local-action-plans/{id}", tag = "local plans", params(("id" = String, Path)),
    responses((status = 200, description = "The plan, its measures with their progress, and the municipality's needs", body = LocalPlanFile), (status = 404, body = Problem)))]
pub async fn get_local_plan(
    State(state): State<AppState>,
    Auth(_, user): Auth,
    Param(id): Param<String>,
) -> AppResult<Json<LocalPlanFile>> {
    Ok(Json(state.store.local_plan(&user.principal, &id).await?))
}

#[derive(Deserialize, Serialize, ToSchema, Default)]
#[serde(default)]
pub struct LocalPlanUpdate {
    pub version: i64,
    #[serde(flatten)]
    pub plan: LocalPlanDraft,
}

#[utoipa::path(put, path = "/api/v1/local-action-plans/{id}", tag = "local plans", params(("id" = String, Path)), request_body = LocalPlanUpdate,
    responses((status = 200, description = "Changed: the title, years, or the council's adoption (date and decision number)", body = LocalPlanRow),
        (status = 403, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn update_local_plan(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param(id): Param<String>,
    JsonBody(u): JsonBody<LocalPlanUpdate>,
) -> AppResult<Json<LocalPlanRow>> {
    let p = u.plan.validate()?;
    Ok(Json(
        state
            .store
            .update_local_plan(&ctx.actor(), &user.principal, &id, u.version, &p)
            .await?,
    ))
}

#[utoipa::path(post, path = "/api/v1/local-action-plans/{id}/measures", tag = "local plans", params(("id" = String, Path)), request_body = MeasureDraft,
    responses((status = 201, body = MeasureRow), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn add_local_measure(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param(id): Param<String>,
    JsonBody(d): JsonBody<MeasureDraft>,
) -> AppResult<Response> {
    let m = d.validate()?;
    let row = state
        .store
        .add_measure(&ctx.actor(), &user.principal, &id, &m)
        .await?;
    Ok((StatusCode::CREATED, Json(row)).into_response())
}

#[utoipa::path(post, path = "/api/v1/local-action-plans/{id}/measures/{measure_id}/progress", tag = "local plans",
    params(("id" = String, Path), ("measure_id" = String, Path)), request_body = MeasureProgressDraft,
    responses((status = 200, body = MeasureRow), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn report_local_measure(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param((id, measure_id)): Param<(String, String)>,
    JsonBody(d): JsonBody<MeasureProgressDraft>,
) -> AppResult<Json<MeasureRow>> {
    let g = d.validate()?;
    Ok(Json(
        state
            .store
            .report_measure(
                &ctx.actor(),
                &user.principal,
                &id,
                &measure_id,
                d.version,
                &g,
            )
            .await?,
    ))
}
