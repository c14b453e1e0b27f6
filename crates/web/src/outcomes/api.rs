//! A person's outcomes through the API: civil documents, school enrolments,
//! health coverage and immunisation, the outcomes timeline, and a
//! household's children out of school.

use super::{n, o, today};
use crate::context::Auth;
use crate::error::AppError;
use crate::error::{AppResult, Problem};
use crate::extract::{JsonBody, Param};
use crate::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use kopru_domain::outcome::{CoverageDraft, EnrolmentDraft};
use kopru_store::outcomes::education::{ChildOutOfSchool, EnrolmentRow};
use kopru_store::outcomes::health::{CoverageRow, ImmunisationRow};
use kopru_store::outcomes::timeline::OutcomeStep;
use kopru_store::outcomes::DocumentRow;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The routes of this file, with their OpenAPI operations.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_documents, add_document))
        .routes(routes!(update_document))
        .routes(routes!(list_enrolments, add_enrolment))
        .routes(routes!(update_enrolment))
        .routes(routes!(children_out_of_school))
        .routes(routes!(list_coverage, add_coverage))
        .routes(routes!(update_coverage))
        .routes(routes!(list_immunisations, add_immunisation))
        .routes(routes!(outcome_timeline))
}

#[utoipa::path(get, path = "/api/v1/persons/{id}/documents", tag = "outcomes", params(("id" = String, Path)),
    responses((status = 200, body = Vec<DocumentRow>), (status = 404, body = Problem)))]
pub async fn list_documents(
    State(state): State<AppState>,
    Auth(_, user): Auth,
    Param(id): Param<String>,
) -> AppResult<Json<Vec<DocumentRow>>> {
    Ok(Json(state.store.documents(&user.principal, &id).await?))
}

#[derive(Deserialize, Serialize, ToSchema, Default)]
#[serde(default)]
pub struct DocumentInput {
    /// birth_registration, identity_card, residence_registration,
    /// citizenship, statelessness_determination
    pub kind: String,
    /// YYYY-MM-DD (needed unless obtained or refused)
    pub requested_on: Option<String>,
    /// YYYY-MM-DD: the status becomes obtained.
    pub obtained_on: Option<String>,
    /// YYYY-MM-DD: the status becomes refused (give the reason).
    pub refused_on: Option<String>,
    pub refusal_reason: Option<String>,
    pub note: Option<String>,
    /// For updates: the version you read.
    pub version: i64,
}

impl DocumentInput {
    fn check(&self) -> Result<kopru_domain::outcome::Document, kopru_domain::ValidationErrors> {
        let o = |v: &Option<String>| v.clone().unwrap_or_default();
        super::document(
            &self.kind,
            &o(&self.requested_on),
            &o(&self.obtained_on),
            &o(&self.refused_on),
            &o(&self.refusal_reason),
            &o(&self.note),
        )
    }
}

/// Records a civil document's procedure; the status follows the dates.
#[utoipa::path(post, path = "/api/v1/persons/{id}/documents", tag = "outcomes", params(("id" = String, Path)),
    request_body = DocumentInput,
    responses((status = 201, body = DocumentRow), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn add_document(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param(id): Param<String>,
    JsonBody(input): JsonBody<DocumentInput>,
) -> AppResult<Response> {
    let d = input.check()?;
    let row = state
        .store
        .add_document(&ctx.actor(), &user.principal, &id, &d)
        .await?;
    Ok((StatusCode::CREATED, Json(row)).into_response())
}

/// Changes a document's procedure (send the version you read; 409 if it changed).
#[utoipa::path(put, path = "/api/v1/persons/{id}/documents/{did}", tag = "outcomes",
    params(("id" = String, Path), ("did" = String, Path)), request_body = DocumentInput,
    responses((status = 200, body = DocumentRow), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn update_document(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param((id, did)): Param<(String, String)>,
    JsonBody(input): JsonBody<DocumentInput>,
) -> AppResult<Json<DocumentRow>> {
    let d = input.check()?;
    Ok(Json(
        state
            .store
            .update_document(&ctx.actor(), &user.principal, &id, &did, input.version, &d)
            .await?,
    ))
}

#[derive(Deserialize, Serialize, ToSchema, Default)]
#[serde(default)]
pub struct EnrolmentInput {
    /// `2026-2027`
    pub school_year: String,
    /// pre_school, primary, lower_secondary, upper_secondary
    pub level: String,
    /// A school or pre-school of the directory (needed while on the roll).
    pub school_id: Option<String>,
    pub grade: Option<i64>,
    /// enrolled, attending_regularly, irregular_attendance, dropped_out, completed, not_enrolled
    pub status: String,
    /// The day the status began (today when left out).
    pub status_on: Option<String>,
    /// Why not enrolled or dropped out: no_documents, distance_or_transport, cost,
    /// work_or_care, early_marriage, disability_access, refused_by_school,
    /// family_decision, seasonal_migration, other
    pub reason: Option<String>,
    pub absent_days_term1: Option<i64>,
    pub absent_days_term2: Option<i64>,
    /// after_school, pedagogical_assistant, school_materials
    pub supports: Vec<String>,
    pub note: Option<String>,
    /// For updates: the version you read.
    pub version: i64,
}

impl EnrolmentInput {
    fn check(&self) -> Result<kopru_domain::outcome::Enrolment, kopru_domain::ValidationErrors> {
        EnrolmentDraft {
            school_year: self.school_year.clone(),
            level: self.level.clone(),
            school_id: o(&self.school_id),
            grade: n(self.grade),
            status: self.status.clone(),
            status_on: o(&self.status_on),
            reason: o(&self.reason),
            absent_days_term1: n(self.absent_days_term1),
            absent_days_term2: n(self.absent_days_term2),
            supports: self.supports.clone(),
            note: o(&self.note),
        }
        .validate(&today())
    }
}

#[utoipa::path(get, path = "/api/v1/persons/{id}/enrolments", tag = "outcomes", params(("id" = String, Path)),
    responses((status = 200, body = Vec<EnrolmentRow>), (status = 404, body = Problem)))]
pub async fn list_enrolments(
    State(state): State<AppState>,
    Auth(_, user): Auth,
    Param(id): Param<String>,
) -> AppResult<Json<Vec<EnrolmentRow>>> {
    Ok(Json(state.store.enrolments(&user.principal, &id).await?))
}

/// Records a child's school year (one per year); its status is the first dated event.
#[utoipa::path(post, path = "/api/v1/persons/{id}/enrolments", tag = "outcomes", params(("id" = String, Path)),
    request_body = EnrolmentInput,
    responses((status = 201, body = EnrolmentRow), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn add_enrolment(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param(id): Param<String>,
    JsonBody(input): JsonBody<EnrolmentInput>,
) -> AppResult<Response> {
    let e = input.check()?;
    let row = state
        .store
        .add_enrolment(&ctx.actor(), &user.principal, &id, &e)
        .await?;
    Ok((StatusCode::CREATED, Json(row)).into_response())
}

/// Changes a school year's record; a new status is a new dated event (send the version you read).
#[utoipa::path(put, path = "/api/v1/persons/{id}/enrolments/{eid}", tag = "outcomes",
    params(("id" = String, Path), ("eid" = String, Path)), request_body = EnrolmentInput,
    responses((status = 200, body = EnrolmentRow), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn update_enrolment(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param((id, eid)): Param<(String, String)>,
    JsonBody(input): JsonBody<EnrolmentInput>,
) -> AppResult<Json<EnrolmentRow>> {
    let e = input.check()?;
    let row = state
        .store
        .update_enrolment(&ctx.actor(), &user.principal, &eid, input.version, &e)
        .await?;
    if row.person_id != id {
        return Err(AppError::NotFound);
    }
    Ok(Json(row))
}

/// The household's current members of school age with no place on a school's roll this school year.
#[utoipa::path(get, path = "/api/v1/households/{id}/children-out-of-school", tag = "outcomes", params(("id" = String, Path)),
    responses((status = 200, body = Vec<ChildOutOfSchool>), (status = 404, body = Problem)))]
pub async fn children_out_of_school(
    State(state): State<AppState>,
    Auth(_, user): Auth,
    Param(id): Param<String>,
) -> AppResult<Json<Vec<ChildOutOfSchool>>> {
    state.store.household(&user.principal, &id).await?;
    Ok(Json(
        state
            .store
            .children_out_of_school(&user.principal, &id)
            .await?,
    ))
}

#[derive(Deserialize, Serialize, ToSchema, Default)]
#[serde(default)]
pub struct CoverageInput {
    /// insurance, family_doctor
    pub kind: String,
    /// For an insurance: general_health_insurance (GSS), health_insurance_card (RFZO), private, other
    pub scheme: Option<String>,
    /// For a family doctor: a family health centre or hospital of the directory.
    pub institution_id: Option<String>,
    pub doctor: Option<String>,
    pub started_on: String,
    pub ended_on: Option<String>,
    pub note: Option<String>,
    /// For updates: the version you read.
    pub version: i64,
}

impl CoverageInput {
    fn check(&self) -> Result<kopru_domain::outcome::Coverage, kopru_domain::ValidationErrors> {
        CoverageDraft {
            kind: self.kind.clone(),
            scheme: o(&self.scheme),
            institution_id: o(&self.institution_id),
            doctor: o(&self.doctor),
            started_on: self.started_on.clone(),
            ended_on: o(&self.ended_on),
            note: o(&self.note),
        }
        .validate(&today())
    }
}

#[utoipa::path(get, path = "/api/v1/persons/{id}/health-coverage", tag = "outcomes", params(("id" = String, Path)),
    responses((status = 200, body = Vec<CoverageRow>), (status = 404, body = Problem)))]
pub async fn list_coverage(
    State(state): State<AppState>,
    Auth(_, user): Auth,
    Param(id): Param<String>,
) -> AppResult<Json<Vec<CoverageRow>>> {
    Ok(Json(
        state.store.health_coverage(&user.principal, &id).await?,
    ))
}

/// Records an insurance or a family-doctor registration.
#[utoipa::path(post, path = "/api/v1/persons/{id}/health-coverage", tag = "outcomes", params(("id" = String, Path)),
    request_body = CoverageInput,
    responses((status = 201, body = CoverageRow), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn add_coverage(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param(id): Param<String>,
    JsonBody(input): JsonBody<CoverageInput>,
) -> AppResult<Response> {
    let c = input.check()?;
    let row = state
        .store
        .add_coverage(&ctx.actor(), &user.principal, &id, &c)
        .await?;
    Ok((StatusCode::CREATED, Json(row)).into_response())
}

/// Changes a coverage record (send the version you read; 409 if it changed).
#[utoipa::path(put, path = "/api/v1/persons/{id}/health-coverage/{cid}", tag = "outcomes",
    params(("id" = String, Path), ("cid" = String, Path)), request_body = CoverageInput,
    responses((status = 200, body = CoverageRow), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn update_coverage(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param((id, cid)): Param<(String, String)>,
    JsonBody(input): JsonBody<CoverageInput>,
) -> AppResult<Json<CoverageRow>> {
    let c = input.check()?;
    let row = state
        .store
        .update_coverage(&ctx.actor(), &user.principal, &cid, input.version, &c)
        .await?;
    if row.person_id != id {
        return Err(AppError::NotFound);
    }
    Ok(Json(row))
}

/// A child's immunisation statuses (special category: `ReadHealth` over the person; every reading audited).
#[utoipa::path(get, path = "/api/v1/persons/{id}/immunisations", tag = "outcomes", params(("id" = String, Path)),
    responses((status = 200, body = Vec<ImmunisationRow>), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn list_immunisations(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param(id): Param<String>,
) -> AppResult<Json<Vec<ImmunisationRow>>> {
    state
        .store
        .immunisations(&ctx.actor(), &user.principal, &id)
        .await?
        .map(Json)
        .ok_or(AppError::Forbidden)
}

#[derive(Deserialize, Serialize, ToSchema, Default)]
#[serde(default)]
pub struct ImmunisationInput {
    /// up_to_date, not_up_to_date, unknown
    pub status: String,
    /// Today when left out.
    pub assessed_on: Option<String>,
    pub note: Option<String>,
}

/// Records an immunisation status, sealed (needs `ReadHealth` and a consent for services).
#[utoipa::path(post, path = "/api/v1/persons/{id}/immunisations", tag = "outcomes", params(("id" = String, Path)),
    request_body = ImmunisationInput,
    responses((status = 204), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn add_immunisation(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param(id): Param<String>,
    JsonBody(input): JsonBody<ImmunisationInput>,
) -> AppResult<StatusCode> {
    let v = kopru_domain::outcome::immunisation(
        &input.status,
        &o(&input.assessed_on),
        &o(&input.note),
        &today(),
    )?;
    state
        .store
        .add_immunisation(&ctx.actor(), &user.principal, &id, &v)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The person's outcomes as dated steps, the latest first.
#[utoipa::path(get, path = "/api/v1/persons/{id}/outcomes", tag = "outcomes", params(("id" = String, Path)),
    responses((status = 200, body = Vec<OutcomeStep>), (status = 404, body = Problem)))]
pub async fn outcome_timeline(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param(id): Param<String>,
) -> AppResult<Json<Vec<OutcomeStep>>> {
    Ok(Json(
        state
            .store
            .outcome_timeline(&user.principal, &id, ctx.tr.tag())
            .await?,
    ))
}
