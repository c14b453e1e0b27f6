//! `/api/v1/persons` and `/api/v1/households`.

use super::service::{
    create_person_checked, date_or_today, membership_reason, split_parts, update_person_checked,
    validate_consent, ConsentInput, HouseholdInput, PersonInput, SplitInput,
};
use crate::context::Auth;
use crate::error::{AppError, AppResult, Problem};
use crate::extract::{JsonBody, Param, QueryArgs};
use crate::service::ServiceError;
use crate::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use kopru_domain::person::{Relationship, SpecialCategory};
use kopru_domain::ValidationErrors;
pub use kopru_store::clock::today;
use kopru_store::registry::{
    ConsentRow, HistoryRow, HouseholdRow, MemberRow, PersonFilter, PersonRow, SpecialValue,
};
use kopru_store::StoreError;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The routes of this file, with their OpenAPI operations.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_persons, create_person))
        .routes(routes!(get_person, update_person))
        .routes(routes!(super::export::export_persons))
        .routes(routes!(person_history))
        .routes(routes!(get_special))
        .routes(routes!(put_special))
        .routes(routes!(list_consents, add_consent))
        .routes(routes!(person_transfers, request_person_transfer))
        .routes(routes!(pending_person_transfers))
        .routes(routes!(answer_person_transfer))
        .routes(routes!(withdraw_consent))
        .routes(routes!(list_households, create_household))
        .routes(routes!(get_household, update_household))
        .routes(routes!(list_members, add_member))
        .routes(routes!(end_member))
        .routes(routes!(split_household))
        .routes(routes!(merge_household))
}

#[derive(Serialize, ToSchema)]
pub struct PersonOut {
    #[serde(flatten)]
    pub person: PersonRow,
    /// Things worth checking that did not stop saving (message ids), e.g. warn-jmbg-birth-date.
    pub warnings: Vec<String>,
}

#[derive(Serialize, ToSchema)]
pub struct PersonList {
    pub items: Vec<PersonRow>,
    /// More rows follow (ask again with a larger offset).
    pub has_more: bool,
}

#[derive(Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
pub struct PersonParams {
    /// Any part of any name in any script or spelling, an ID or phone number, or part of an address.
    #[serde(default)]
    pub q: Option<String>,
    #[serde(default)]
    pub unit: Option<String>,
    #[serde(default)]
    pub area: Option<String>,
    #[serde(default)]
    pub limit: Option<i64>,
    #[serde(default)]
    pub offset: Option<i64>,
}

#[utoipa::path(get, path = "/api/v1/persons", tag = "registry", params(PersonParams),
    responses((status = 200, body = PersonList), (status = 401, body = Problem)))]
pub async fn list_persons(
    State(state): State<AppState>,
    Auth(_, user): Auth,
    QueryArgs(p): QueryArgs<PersonParams>,
) -> AppResult<Json<PersonList>> {
    if !user.principal.may(kopru_domain::Action::ViewPersons) {
        return Err(AppError::Forbidden);
    }
    let limit = p.limit.unwrap_or(50).clamp(1, 500);
    let mut items = state
        .store
        .persons(
            &user.principal,
            &PersonFilter {
                q: p.q,
                unit: p.unit,
                area: p.area,
                limit,
                offset: p.offset.unwrap_or(0),
                after: None,
            },
        )
        .await?;
    let has_more = items.len() as i64 > limit;
    items.truncate(limit as usize);
    Ok(Json(PersonList { items, has_more }))
}

#[utoipa::path(post, path = "/api/v1/persons", tag = "registry", request_body = PersonInput,
    responses((status = 201, body = PersonOut), (status = 409, description = "Likely duplicates: `current.candidates` lists them; send again with confirm_new", body = Problem), (status = 422, body = Problem)))]
pub async fn create_person(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    JsonBody(input): JsonBody<PersonInput>,
) -> AppResult<Response> {
    let (person, warnings) =
        create_person_checked(&state.store, &ctx.actor(), &user.principal, &input).await?;
    Ok((StatusCode::CREATED, Json(PersonOut { person, warnings })).into_response())
}

#[utoipa::path(get, path = "/api/v1/persons/{id}", tag = "registry", params(("id" = String, Path)),
    responses((status = 200, body = PersonRow), (status = 404, body = Problem)))]
pub async fn get_person(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param(id): Param<String>,
) -> AppResult<Json<PersonRow>> {
    Ok(Json(
        state
            .store
            .person(&ctx.actor(), &user.principal, &id)
            .await?,
    ))
}

#[utoipa::path(put, path = "/api/v1/persons/{id}", tag = "registry", params(("id" = String, Path)), request_body = PersonInput,
    responses((status = 200, body = PersonOut), (status = 404, body = Problem), (status = 409, description = "Stale version (`current` is the saved record), or likely duplicates (`current.candidates`; send again with confirm_new)", body = Problem), (status = 422, body = Problem)))]
pub async fn update_person(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param(id): Param<String>,
    JsonBody(input): JsonBody<PersonInput>,
) -> AppResult<Json<PersonOut>> {
    match update_person_checked(&state.store, &ctx.actor(), &user.principal, &id, &input).await {
        Ok((person, warnings)) => Ok(Json(PersonOut { person, warnings })),
        Err(ServiceError::Store(StoreError::Conflict { .. })) => {
            let current = state
                .store
                .person(&ctx.actor(), &user.principal, &id)
                .await?;
            Err(AppError::Conflict {
                current: serde_json::to_value(current).ok(),
            })
        }
        Err(e) => Err(e.into()),
    }
}

#[utoipa::path(get, path = "/api/v1/persons/{id}/history", tag = "registry", params(("id" = String, Path)),
    responses((status = 200, body = Vec<HistoryRow>), (status = 404, body = Problem)))]
pub async fn person_history(
    State(state): State<AppState>,
    Auth(_, user): Auth,
    Param(id): Param<String>,
) -> AppResult<Json<Vec<HistoryRow>>> {
    Ok(Json(
        state.store.person_history(&user.principal, &id).await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/persons/{id}/special", tag = "registry", params(("id" = String, Path)),
    responses((status = 200, description = "The special categories you may read, by category", body = BTreeMap<String, SpecialValue>), (status = 404, body = Problem)))]
pub async fn get_special(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param(id): Param<String>,
) -> AppResult<Json<BTreeMap<String, SpecialValue>>> {
    let values = state
        .store
        .special(&ctx.actor(), &user.principal, &id)
        .await?;
    Ok(Json(
        values
            .into_iter()
            .map(|(c, v)| (c.as_str().to_owned(), v))
            .collect(),
    ))
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(default)]
pub struct SpecialInput {
    /// ethnicity: roma, not_roma, not_stated; others: yes, no, not_stated. not_stated removes the record.
    pub value: String,
    pub notes: Option<String>,
}

#[utoipa::path(put, path = "/api/v1/persons/{id}/special/{category}", tag = "registry",
    params(("id" = String, Path), ("category" = String, Path, description = "ethnicity, health, disability, criminal_record, violence_survivor")),
    request_body = SpecialInput,
    responses((status = 204), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, description = "Invalid, or no consent for services", body = Problem)))]
pub async fn put_special(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param((id, category)): Param<(String, String)>,
    JsonBody(input): JsonBody<SpecialInput>,
) -> AppResult<StatusCode> {
    let c = SpecialCategory::parse(&category).map_err(|_| AppError::NotFound)?;
    let v = SpecialValue::validate(c, &input.value, input.notes.as_deref().unwrap_or(""))?;
    state
        .store
        .set_special(&ctx.actor(), &user.principal, &id, c, v.as_ref())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(get, path = "/api/v1/persons/{id}/consents", tag = "registry", params(("id" = String, Path)),
    responses((status = 200, body = Vec<ConsentRow>), (status = 404, body = Problem)))]
pub async fn list_consents(
    State(state): State<AppState>,
    Auth(_, user): Auth,
    Param(id): Param<String>,
) -> AppResult<Json<Vec<ConsentRow>>> {
    Ok(Json(state.store.consents(&user.principal, &id).await?))
}

#[utoipa::path(post, path = "/api/v1/persons/{id}/consents", tag = "registry", params(("id" = String, Path)), request_body = ConsentInput,
    responses((status = 201, body = Vec<ConsentRow>), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn add_consent(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param(id): Param<String>,
    JsonBody(input): JsonBody<ConsentInput>,
) -> AppResult<Response> {
    let consent = validate_consent(&input)?;
    state
        .store
        .record_consent(&ctx.actor(), &user.principal, &id, &consent)
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(state.store.consents(&user.principal, &id).await?),
    )
        .into_response())
}

/// Why a consent is withdrawn (optional body).
#[derive(Deserialize, ToSchema, Default)]
#[serde(default)]
pub struct WithdrawalInput {
    /// In the person's words, up to 200 characters.
    pub reason: Option<String>,
}

/// Withdraws a consent; the body may say why.
#[utoipa::path(post, path = "/api/v1/persons/{id}/consents/{cid}/withdraw", tag = "registry", params(("id" = String, Path), ("cid" = String, Path)),
    request_body(content = Option<WithdrawalInput>, content_type = "application/json"),
    responses((status = 204), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn withdraw_consent(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param((id, cid)): Param<(String, String)>,
    body: Option<JsonBody<WithdrawalInput>>,
) -> AppResult<StatusCode> {
    let reason = body
        .and_then(|JsonBody(b)| b.reason)
        .map(|r| crate::registry::service::withdrawal_reason(&r))
        .transpose()?
        .flatten();
    state
        .store
        .withdraw_consent(
            &ctx.actor(),
            &user.principal,
            &id,
            &cid,
            &today(),
            reason.as_deref(),
        )
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
pub struct HouseholdParams {
    /// Only households in this area or below it.
    #[serde(default)]
    pub area: Option<String>,
    #[serde(default)]
    pub limit: Option<i64>,
    #[serde(default)]
    pub offset: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct HouseholdList {
    pub items: Vec<HouseholdRow>,
    pub has_more: bool,
}

#[utoipa::path(get, path = "/api/v1/households", tag = "registry", params(HouseholdParams),
    responses((status = 200, body = HouseholdList), (status = 403, body = Problem)))]
pub async fn list_households(
    State(state): State<AppState>,
    Auth(_, user): Auth,
    QueryArgs(p): QueryArgs<HouseholdParams>,
) -> AppResult<Json<HouseholdList>> {
    if !user.principal.may(kopru_domain::Action::ViewPersons) {
        return Err(AppError::Forbidden);
    }
    let limit = p.limit.unwrap_or(50).clamp(1, 500);
    let mut items = state
        .store
        .households(
            &user.principal,
            p.area.as_deref(),
            limit,
            p.offset.unwrap_or(0),
        )
        .await?;
    let has_more = items.len() as i64 > limit;
    items.truncate(limit as usize);
    Ok(Json(HouseholdList { items, has_more }))
}

#[utoipa::path(post, path = "/api/v1/households", tag = "registry", request_body = HouseholdInput,
    responses((status = 201, body = HouseholdRow), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn create_household(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    JsonBody(input): JsonBody<HouseholdInput>,
) -> AppResult<Response> {
    let h = input.draft().validate()?;
    let row = state
        .store
        .create_household(&ctx.actor(), &user.principal, &h)
        .await?;
    Ok((StatusCode::CREATED, Json(row)).into_response())
}

#[utoipa::path(get, path = "/api/v1/households/{id}", tag = "registry", params(("id" = String, Path)),
    responses((status = 200, body = HouseholdRow), (status = 404, body = Problem)))]
pub async fn get_household(
    State(state): State<AppState>,
    Auth(_, user): Auth,
    Param(id): Param<String>,
) -> AppResult<Json<HouseholdRow>> {
    Ok(Json(state.store.household(&user.principal, &id).await?))
}

#[utoipa::path(put, path = "/api/v1/households/{id}", tag = "registry", params(("id" = String, Path)), request_body = HouseholdInput,
    responses((status = 200, body = HouseholdRow), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn update_household(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param(id): Param<String>,
    JsonBody(input): JsonBody<HouseholdInput>,
) -> AppResult<Json<HouseholdRow>> {
    let version = input
        .version
        .ok_or_else(|| ValidationErrors::single("version", "err-required"))?;
    let h = input.draft().validate()?;
    match state
        .store
        .update_household(&ctx.actor(), &user.principal, &id, version, &h)
        .await
    {
        Ok(row) => Ok(Json(row)),
        Err(kopru_store::StoreError::Conflict { .. }) => {
            let current = state.store.household(&user.principal, &id).await?;
            Err(AppError::Conflict {
                current: serde_json::to_value(current).ok(),
            })
        }
        Err(e) => Err(e.into()),
    }
}

#[utoipa::path(get, path = "/api/v1/households/{id}/members", tag = "registry", params(("id" = String, Path)),
    responses((status = 200, body = Vec<MemberRow>), (status = 404, body = Problem)))]
pub async fn list_members(
    State(state): State<AppState>,
    Auth(_, user): Auth,
    Param(id): Param<String>,
) -> AppResult<Json<Vec<MemberRow>>> {
    Ok(Json(
        state.store.household_members(&user.principal, &id).await?,
    ))
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(default)]
pub struct MemberInput {
    pub person_id: String,
    /// head, spouse, child, parent, sibling, grandchild, grandparent, other_relative, non_relative
    pub relationship: String,
    /// YYYY-MM-DD; today when absent.
    pub on: Option<String>,
    /// birth, move_in, marriage, split, merge, registration, other
    pub reason: Option<String>,
}

#[utoipa::path(post, path = "/api/v1/households/{id}/members", tag = "registry", params(("id" = String, Path)), request_body = MemberInput,
    responses((status = 201, body = Vec<MemberRow>), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn add_member(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param(id): Param<String>,
    JsonBody(input): JsonBody<MemberInput>,
) -> AppResult<Response> {
    let rel = Relationship::parse(&input.relationship)
        .map_err(|c| ValidationErrors::single("relationship", c))?;
    let on = date_or_today(input.on.as_deref(), "on")?;
    let reason = membership_reason(input.reason.as_deref().unwrap_or(""), false)?;
    state
        .store
        .add_member(
            &ctx.actor(),
            &user.principal,
            &id,
            &input.person_id,
            rel,
            &on,
            &reason,
        )
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(state.store.household_members(&user.principal, &id).await?),
    )
        .into_response())
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(default)]
pub struct LeaveInput {
    pub on: Option<String>,
    /// moved_out, death, split, merge, marriage, other
    pub reason: Option<String>,
}

#[utoipa::path(post, path = "/api/v1/households/{id}/members/{mid}/end", tag = "registry", params(("id" = String, Path), ("mid" = String, Path)), request_body = LeaveInput,
    responses((status = 204), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn end_member(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param((_id, mid)): Param<(String, String)>,
    JsonBody(input): JsonBody<LeaveInput>,
) -> AppResult<StatusCode> {
    let on = date_or_today(input.on.as_deref(), "on")?;
    let reason = membership_reason(input.reason.as_deref().unwrap_or(""), true)?;
    state
        .store
        .end_membership(&ctx.actor(), &user.principal, &mid, &on, &reason)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(post, path = "/api/v1/households/{id}/split", tag = "registry", params(("id" = String, Path)), request_body = SplitInput,
    responses((status = 201, description = "The new household", body = HouseholdRow), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn split_household(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param(id): Param<String>,
    JsonBody(input): JsonBody<SplitInput>,
) -> AppResult<Response> {
    let (members, household, on) = split_parts(&input)?;
    let row = state
        .store
        .split_household(
            &ctx.actor(),
            &user.principal,
            &id,
            &members,
            &household,
            &on,
        )
        .await?;
    Ok((StatusCode::CREATED, Json(row)).into_response())
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(default)]
pub struct HouseholdMergeInput {
    /// The household that joins this one and is closed.
    pub from: String,
    /// The version of `from` you read.
    pub from_version: Option<i64>,
    /// YYYY-MM-DD; today when absent.
    pub on: Option<String>,
}

#[utoipa::path(post, path = "/api/v1/households/{id}/merge", tag = "registry", params(("id" = String, Path)), request_body = HouseholdMergeInput,
    responses((status = 200, description = "The household that received the members", body = HouseholdRow), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn merge_household(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param(id): Param<String>,
    JsonBody(input): JsonBody<HouseholdMergeInput>,
) -> AppResult<Json<HouseholdRow>> {
    let version = input
        .from_version
        .ok_or_else(|| ValidationErrors::single("from_version", "err-required"))?;
    let on = date_or_today(input.on.as_deref(), "on")?;
    Ok(Json(
        state
            .store
            .merge_households(
                &ctx.actor(),
                &user.principal,
                &id,
                &input.from,
                version,
                &on,
            )
            .await?,
    ))
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(default)]
pub struct PersonTransferInput {
    /// The unit asked to take the person over.
    pub to_unit: String,
    /// Where the person lives now: the receiving unit's area or below it.
    pub to_area: String,
    pub reason: String,
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(default)]
pub struct PersonTransferAnswer {
    pub accept: bool,
    /// Required when declining.
    pub note: Option<String>,
}

/// Asks another unit to take a person over (their unit and area change when
/// its coordinator accepts). A direct edit cannot move a person out of the
/// writer's scope.
#[utoipa::path(post, path = "/api/v1/persons/{id}/transfers", tag = "registry", params(("id" = String, Path)),
    request_body = PersonTransferInput,
    responses((status = 201, body = kopru_store::registry::transfers::PersonTransferRow)))]
pub async fn request_person_transfer(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param(id): Param<String>,
    JsonBody(input): JsonBody<PersonTransferInput>,
) -> AppResult<Response> {
    let row = state
        .store
        .request_person_transfer(
            &ctx.actor(),
            &user.principal,
            &id,
            &input.to_unit,
            &input.to_area,
            &input.reason,
        )
        .await?;
    Ok((StatusCode::CREATED, Json(row)).into_response())
}

/// A person's transfer requests, newest first.
#[utoipa::path(get, path = "/api/v1/persons/{id}/transfers", tag = "registry", params(("id" = String, Path)),
    responses((status = 200, body = Vec<kopru_store::registry::transfers::PersonTransferRow>)))]
pub async fn person_transfers(
    State(state): State<AppState>,
    Auth(_, user): Auth,
    Param(id): Param<String>,
) -> AppResult<Json<Vec<kopru_store::registry::transfers::PersonTransferRow>>> {
    Ok(Json(
        state.store.person_transfers(&user.principal, &id).await?,
    ))
}

/// Requests waiting for the caller: people asked into a unit whose caseload they manage.
#[utoipa::path(get, path = "/api/v1/person-transfers", tag = "registry",
    responses((status = 200, body = Vec<kopru_store::registry::transfers::PersonTransferRow>)))]
pub async fn pending_person_transfers(
    State(state): State<AppState>,
    Auth(_, user): Auth,
) -> AppResult<Json<Vec<kopru_store::registry::transfers::PersonTransferRow>>> {
    Ok(Json(
        state
            .store
            .pending_person_transfers(&user.principal)
            .await?,
    ))
}

/// The receiving coordinator accepts (the person moves) or declines (with a note).
#[utoipa::path(post, path = "/api/v1/person-transfers/{id}/answer", tag = "registry", params(("id" = String, Path)),
    request_body = PersonTransferAnswer,
    responses((status = 200, body = kopru_store::registry::transfers::PersonTransferRow)))]
pub async fn answer_person_transfer(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param(id): Param<String>,
    JsonBody(input): JsonBody<PersonTransferAnswer>,
) -> AppResult<Json<kopru_store::registry::transfers::PersonTransferRow>> {
    Ok(Json(
        state
            .store
            .answer_person_transfer(
                &ctx.actor(),
                &user.principal,
                &id,
                input.accept,
                input.note.as_deref(),
            )
            .await?,
    ))
}
