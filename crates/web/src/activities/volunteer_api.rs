//! `/api/v1/volunteer-placements`: volunteers placed in host institutions,
//! their monthly hours and the host's confirmation.

use crate::context::Auth;
use crate::error::{AppResult, Problem};
use crate::extract::{JsonBody, Param, QueryArgs};
use crate::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use kopru_domain::activity::PlacementDraft;
use kopru_store::activities::{PlacementFile, PlacementFilter, PlacementRow};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The routes of this file, with their OpenAPI operations.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_placements, create_placement))
        .routes(routes!(get_placement))
        .routes(routes!(log_hours))
        .routes(routes!(confirm_hours))
        .routes(routes!(end_placement))
}

#[derive(Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
#[serde(default)]
pub struct PlacementParams {
    pub unit: Option<String>,
    /// The host institution's code.
    pub institution: Option<String>,
    pub person: Option<String>,
    /// Only placements not ended.
    pub active: bool,
    /// Only placements with months the host has not confirmed.
    pub unconfirmed: bool,
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}

impl PlacementParams {
    pub fn filter(&self) -> PlacementFilter {
        PlacementFilter {
            unit: self.unit.clone(),
            institution: self.institution.clone(),
            person: self.person.clone(),
            active: self.active,
            unconfirmed: self.unconfirmed,
            limit: self.limit.unwrap_or(50).clamp(1, 500),
            offset: self.offset.unwrap_or(0).max(0),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct PlacementList {
    pub items: Vec<PlacementRow>,
    pub has_more: bool,
}

#[utoipa::path(get, path = "/api/v1/volunteer-placements", tag = "activities", params(PlacementParams),
    responses((status = 200, body = PlacementList), (status = 401, body = Problem)))]
pub async fn list_placements(
    State(state): State<AppState>,
    Auth(_, user): Auth,
    QueryArgs(p): QueryArgs<PlacementParams>,
) -> AppResult<Json<PlacementList>> {
    let f = p.filter();
    let mut items = state.store.placements(&user.principal, &f).await?;
    let has_more = items.len() as i64 > f.limit;
    items.truncate(f.limit as usize);
    Ok(Json(PlacementList { items, has_more }))
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(default)]
pub struct PlacementInput {
    pub person_id: String,
    /// The training the volunteer took part in.
    pub activity_id: Option<String>,
    /// The host institution.
    pub institution_code: String,
    /// The placing unit.
    pub unit_code: String,
    pub role: String,
    pub supervisor: Option<String>,
    pub starts_on: String,
    pub ends_on: Option<String>,
    pub hours_per_week: Option<i64>,
}

/// Places a volunteer in a host institution.
#[utoipa::path(post, path = "/api/v1/volunteer-placements", tag = "activities", request_body = PlacementInput,
    responses((status = 201, body = PlacementRow), (status = 422, body = Problem)))]
pub async fn create_placement(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    JsonBody(input): JsonBody<PlacementInput>,
) -> AppResult<Response> {
    let o = |v: &Option<String>| v.clone().unwrap_or_default();
    let new = PlacementDraft {
        person_id: input.person_id.clone(),
        activity_id: o(&input.activity_id),
        institution_code: input.institution_code.clone(),
        unit_code: input.unit_code.clone(),
        role: input.role.clone(),
        supervisor: o(&input.supervisor),
        starts_on: input.starts_on.clone(),
        ends_on: o(&input.ends_on),
        hours_per_week: input
            .hours_per_week
            .map(|h| h.to_string())
            .unwrap_or_default(),
    }
    .validate()?;
    let row = state
        .store
        .create_placement(&ctx.actor(), &user.principal, &new)
        .await?;
    Ok((StatusCode::CREATED, Json(row)).into_response())
}

#[utoipa::path(get, path = "/api/v1/volunteer-placements/{id}", tag = "activities", params(("id" = String, Path)),
    responses((status = 200, body = PlacementFile), (status = 404, body = Problem)))]
pub async fn get_placement(
    State(state): State<AppState>,
    Auth(_, user): Auth,
    Param(id): Param<String>,
) -> AppResult<Json<PlacementFile>> {
    Ok(Json(state.store.placement(&user.principal, &id).await?))
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(default)]
pub struct HoursInput {
    /// YYYY-MM
    pub month: String,
    /// 0–300
    pub hours: i64,
    pub note: Option<String>,
}

/// Logs (or corrects) a month's hours; a confirmed month is closed (422).
#[utoipa::path(put, path = "/api/v1/volunteer-placements/{id}/hours", tag = "activities", params(("id" = String, Path)),
    request_body = HoursInput, responses((status = 200, body = PlacementFile), (status = 422, body = Problem)))]
pub async fn log_hours(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param(id): Param<String>,
    JsonBody(input): JsonBody<HoursInput>,
) -> AppResult<Json<PlacementFile>> {
    let (month, hours, note) = super::hours_input(
        &input.month,
        &input.hours.to_string(),
        input.note.as_deref().unwrap_or(""),
    )?;
    Ok(Json(
        state
            .store
            .log_hours(
                &ctx.actor(),
                &user.principal,
                &id,
                &month,
                hours,
                note.as_deref(),
            )
            .await?,
    ))
}

/// The host institution's focal point confirms a month's hours.
#[utoipa::path(post, path = "/api/v1/volunteer-placements/{id}/hours/{month}/confirm", tag = "activities",
    params(("id" = String, Path), ("month" = String, Path)),
    responses((status = 200, body = PlacementFile), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn confirm_hours(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param((id, month)): Param<(String, String)>,
) -> AppResult<Json<PlacementFile>> {
    Ok(Json(
        state
            .store
            .confirm_hours(&ctx.actor(), &user.principal, &id, &month)
            .await?,
    ))
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(default)]
pub struct EndInput {
    /// YYYY-MM-DD
    pub ended_on: String,
    pub reason: String,
    pub version: i64,
}

/// Ends a placement with its date and reason.
#[utoipa::path(post, path = "/api/v1/volunteer-placements/{id}/end", tag = "activities", params(("id" = String, Path)),
    request_body = EndInput, responses((status = 200, body = PlacementRow), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn end_placement(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param(id): Param<String>,
    JsonBody(input): JsonBody<EndInput>,
) -> AppResult<Json<PlacementRow>> {
    let (on, reason) = super::end_input(&input.ended_on, &input.reason)?;
    Ok(Json(
        state
            .store
            .end_placement(
                &ctx.actor(),
                &user.principal,
                &id,
                input.version,
                &on,
                &reason,
            )
            .await?,
    ))
}
