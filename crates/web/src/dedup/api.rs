//! `/api/v1/duplicates` (the review queue and decisions) and `/api/v1/merges`.

use crate::context::Auth;
use crate::error::{AppError, AppResult, Problem};
use crate::extract::{JsonBody, Param, QueryArgs};
use crate::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use kopru_domain::merge::MergeField;
use kopru_domain::{Action, ValidationErrors};
use kopru_store::dedup::{
    MergeRequest, MergeRow, PairDetail, PairFilter, PairSummary, RunSummary, REVIEW_FROM,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The routes of this file, with their OpenAPI operations.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_pairs))
        .routes(routes!(run))
        .routes(routes!(get_pair))
        .routes(routes!(decide_pair))
        .routes(routes!(merge))
        .routes(routes!(get_merge))
        .routes(routes!(unmerge))
        .routes(routes!(person_merges))
}

#[derive(Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
pub struct PairParams {
    /// open (default), unsure, different, same, merged
    #[serde(default)]
    pub status: Option<String>,
    /// Pairs with at least one person in this area or below it.
    #[serde(default)]
    pub area: Option<String>,
    #[serde(default)]
    pub limit: Option<i64>,
    #[serde(default)]
    pub offset: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct PairList {
    pub items: Vec<PairSummary>,
    pub has_more: bool,
}

#[utoipa::path(get, path = "/api/v1/duplicates", tag = "duplicates", params(PairParams),
    responses((status = 200, body = PairList), (status = 403, body = Problem)))]
pub async fn list_pairs(
    State(state): State<AppState>,
    Auth(_, user): Auth,
    QueryArgs(p): QueryArgs<PairParams>,
) -> AppResult<Json<PairList>> {
    if !user.principal.may(Action::ViewPersons) {
        return Err(AppError::Forbidden);
    }
    let limit = p.limit.unwrap_or(50).clamp(1, 500);
    let mut items = state
        .store
        .duplicate_pairs(
            &user.principal,
            &PairFilter {
                status: p.status,
                area: p.area,
                limit,
                offset: p.offset.unwrap_or(0),
            },
        )
        .await?;
    let has_more = items.len() as i64 > limit;
    items.truncate(limit as usize);
    Ok(Json(PairList { items, has_more }))
}

#[utoipa::path(get, path = "/api/v1/duplicates/{id}", tag = "duplicates", params(("id" = String, Path)),
    responses((status = 200, body = PairDetail), (status = 404, body = Problem)))]
pub async fn get_pair(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param(id): Param<String>,
) -> AppResult<Json<PairDetail>> {
    Ok(Json(
        state
            .store
            .duplicate_pair(&ctx.actor(), &user.principal, &id)
            .await?,
    ))
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(default)]
pub struct DecisionInput {
    /// same, different or unsure. "different" is remembered: the pair is not proposed again.
    pub decision: String,
}

#[utoipa::path(post, path = "/api/v1/duplicates/{id}/decision", tag = "duplicates", params(("id" = String, Path)),
    request_body = DecisionInput,
    responses((status = 200, body = PairSummary), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn decide_pair(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param(id): Param<String>,
    JsonBody(input): JsonBody<DecisionInput>,
) -> AppResult<Json<PairSummary>> {
    Ok(Json(
        state
            .store
            .decide_pair(&ctx.actor(), &user.principal, &id, input.decision.trim())
            .await?,
    ))
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(default)]
pub struct RunInput {
    /// Only people in this area or below it (default: everyone in your scope).
    pub area: Option<String>,
}

/// Runs the engine over the registry within your scope now and refills the
/// queue. For a whole country, `kopru dedup run` on the server is better:
/// this request lasts as long as the run.
#[utoipa::path(post, path = "/api/v1/duplicates/runs", tag = "duplicates", request_body = RunInput,
    responses((status = 200, body = RunSummary), (status = 403, body = Problem)))]
pub async fn run(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    JsonBody(input): JsonBody<RunInput>,
) -> AppResult<Json<RunSummary>> {
    if !user.principal.may(Action::RunDuplicateCheck) {
        return Err(AppError::Forbidden);
    }
    let area = input
        .area
        .as_deref()
        .map(str::trim)
        .filter(|a| !a.is_empty());
    Ok(Json(
        state
            .store
            .dedup_run(&ctx.actor(), &user.principal, area, REVIEW_FROM)
            .await?,
    ))
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(default)]
pub struct MergeInput {
    /// The record that stays.
    pub survivor_id: String,
    /// The record merged into it (closed, kept for unmerging).
    pub merged_id: String,
    /// The versions you reviewed; a record changed since is not merged (409).
    pub survivor_version: i64,
    pub merged_version: i64,
    /// Fields whose value comes from the merged record: given_names, family_name,
    /// father_name, mother_name, sex, birth_date, national_id, nationality, phone,
    /// languages, education, birth_registered, id_card, statelessness,
    /// legally_invisible, groups, place.
    pub take_from_merged: Vec<String>,
    /// The queued pair this merge answers, if any.
    pub pair_id: Option<String>,
}

impl MergeInput {
    pub fn request(&self) -> Result<MergeRequest, ValidationErrors> {
        let mut fields = Vec::new();
        for f in &self.take_from_merged {
            fields.push(
                MergeField::parse(f)
                    .map_err(|c| ValidationErrors::single("take_from_merged", c))?,
            );
        }
        Ok(MergeRequest {
            survivor_id: self.survivor_id.trim().to_owned(),
            merged_id: self.merged_id.trim().to_owned(),
            survivor_version: self.survivor_version,
            merged_version: self.merged_version,
            take_from_merged: fields,
            pair_id: self.pair_id.clone().filter(|p| !p.is_empty()),
        })
    }
}

#[utoipa::path(post, path = "/api/v1/merges", tag = "duplicates", request_body = MergeInput,
    responses((status = 201, body = MergeRow), (status = 404, body = Problem), (status = 409, description = "A record changed since the versions given", body = Problem), (status = 422, body = Problem)))]
pub async fn merge(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    JsonBody(input): JsonBody<MergeInput>,
) -> AppResult<Response> {
    let row = state
        .store
        .merge_persons(&ctx.actor(), &user.principal, &input.request()?)
        .await?;
    Ok((StatusCode::CREATED, Json(row)).into_response())
}

#[utoipa::path(get, path = "/api/v1/merges/{id}", tag = "duplicates", params(("id" = String, Path)),
    responses((status = 200, body = MergeRow), (status = 404, body = Problem)))]
pub async fn get_merge(
    State(state): State<AppState>,
    Auth(_, user): Auth,
    Param(id): Param<String>,
) -> AppResult<Json<MergeRow>> {
    Ok(Json(state.store.merge(&user.principal, &id).await?))
}

/// Restores both records exactly as they were; refused (422) once anything the
/// merge touched has changed since.
#[utoipa::path(post, path = "/api/v1/merges/{id}/unmerge", tag = "duplicates", params(("id" = String, Path)),
    responses((status = 200, body = MergeRow), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn unmerge(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param(id): Param<String>,
) -> AppResult<Json<MergeRow>> {
    Ok(Json(
        state
            .store
            .unmerge(&ctx.actor(), &user.principal, &id)
            .await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/persons/{id}/merges", tag = "duplicates", params(("id" = String, Path)),
    responses((status = 200, body = Vec<MergeRow>), (status = 404, body = Problem)))]
pub async fn person_merges(
    State(state): State<AppState>,
    Auth(_, user): Auth,
    Param(id): Param<String>,
) -> AppResult<Json<Vec<MergeRow>>> {
    Ok(Json(state.store.merges_of(&user.principal, &id).await?))
}
