//! The directory API: areas, programmes, units and institutions.

use crate::context::Auth;
use crate::error::{AppError, AppResult, Problem};
use crate::extract::Param;
use crate::extract::{JsonBody, QueryArgs};
use crate::records::{record_api, require_version, with_current, ApiRecord};
use crate::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use kopru_domain::reference::{Institution, InstitutionDraft, ProgrammeDraft, Unit, UnitDraft};
use kopru_domain::ValidationErrors;
use kopru_store::directory::{Area, InstitutionRow, ProgrammeRow, UnitRow};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The routes of this file, with their OpenAPI operations.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_areas))
        .routes(routes!(get_area))
        .routes(routes!(list_programmes, create_programme))
        .routes(routes!(get_programme, update_programme))
        .routes(routes!(list_units, create_unit))
        .routes(routes!(export_units))
        .routes(routes!(get_unit, update_unit))
        .routes(routes!(list_institutions, create_institution))
        .routes(routes!(export_institutions))
        .routes(routes!(get_institution, update_institution))
}

// ---------- areas ----------

#[derive(Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
pub struct AreaParams {
    /// Children of this area; without it, the countries.
    #[serde(default)]
    pub parent: Option<String>,
    /// Name in any script or spelling.
    #[serde(default)]
    pub q: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/areas", tag = "reference", params(AreaParams),
    responses((status = 200, body = Vec<Area>), (status = 401, body = Problem)))]
pub async fn list_areas(
    State(state): State<AppState>,
    Auth(_, _): Auth,
    QueryArgs(p): QueryArgs<AreaParams>,
) -> AppResult<Json<Vec<Area>>> {
    Ok(Json(
        state
            .store
            .areas(
                p.parent.as_deref().filter(|s| !s.is_empty()),
                p.q.as_deref(),
                2000,
            )
            .await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/areas/{code}", tag = "reference", params(("code" = String, Path, description = "ISO 3166-2 or Köprü area code")),
    responses((status = 200, body = Area), (status = 404, body = Problem)))]
pub async fn get_area(
    State(state): State<AppState>,
    Auth(_, _): Auth,
    Param(code): Param<String>,
) -> AppResult<Json<Area>> {
    state
        .store
        .area(&code)
        .await?
        .map(Json)
        .ok_or(AppError::NotFound)
}

// ---------- programmes ----------

#[derive(Deserialize, ToSchema, Default)]
#[serde(default)]
pub struct ProgrammeInput {
    pub code: String,
    pub name: String,
    pub donor: Option<String>,
    /// YYYY-MM-DD
    pub starts_on: Option<String>,
    /// YYYY-MM-DD
    pub ends_on: Option<String>,
    pub result_areas: Vec<String>,
    /// Required when updating: the version you read.
    pub version: Option<i64>,
}

impl ProgrammeInput {
    fn draft(&self) -> ProgrammeDraft {
        ProgrammeDraft {
            code: self.code.clone(),
            name: self.name.clone(),
            donor: self.donor.clone().unwrap_or_default(),
            starts_on: self.starts_on.clone().unwrap_or_default(),
            ends_on: self.ends_on.clone().unwrap_or_default(),
            result_areas: self.result_areas.clone(),
        }
    }
}

#[utoipa::path(get, path = "/api/v1/programmes", tag = "reference",
    responses((status = 200, body = Vec<ProgrammeRow>)))]
pub async fn list_programmes(
    State(state): State<AppState>,
    Auth(_, _): Auth,
) -> AppResult<Json<Vec<ProgrammeRow>>> {
    Ok(Json(state.store.programmes().await?))
}

#[utoipa::path(get, path = "/api/v1/programmes/{id}", tag = "reference", params(("id" = String, Path)),
    responses((status = 200, body = ProgrammeRow), (status = 404, body = Problem)))]
pub async fn get_programme(
    State(state): State<AppState>,
    Auth(_, _): Auth,
    Param(id): Param<String>,
) -> AppResult<Json<ProgrammeRow>> {
    state
        .store
        .programme(&id)
        .await?
        .map(Json)
        .ok_or(AppError::NotFound)
}

#[utoipa::path(post, path = "/api/v1/programmes", tag = "reference", request_body = ProgrammeInput,
    responses((status = 201, body = ProgrammeRow), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn create_programme(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    JsonBody(input): JsonBody<ProgrammeInput>,
) -> AppResult<Response> {
    let p = input.draft().validate()?;
    let row = state
        .store
        .create_programme(&ctx.actor(), &user.principal, &p)
        .await?;
    Ok((StatusCode::CREATED, Json(row)).into_response())
}

#[utoipa::path(put, path = "/api/v1/programmes/{id}", tag = "reference", params(("id" = String, Path)), request_body = ProgrammeInput,
    responses((status = 200, body = ProgrammeRow), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn update_programme(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param(id): Param<String>,
    JsonBody(input): JsonBody<ProgrammeInput>,
) -> AppResult<Json<ProgrammeRow>> {
    let version = require_version(input.version)?;
    let p = input.draft().validate()?;
    match state
        .store
        .update_programme(&ctx.actor(), &user.principal, &id, version, &p)
        .await
    {
        Ok(row) => Ok(Json(row)),
        Err(e) => Err(with_current(e.into(), state.store.programme(&id).await?)),
    }
}

// ---------- units and institutions: `crate::records` does the work ----------

#[derive(Deserialize, ToSchema, Default)]
#[serde(default)]
pub struct UnitInput {
    pub code: String,
    pub name: String,
    /// coordination_unit, municipal_unit, mobile_team, community_action_group, institutional_working_group
    pub kind: String,
    pub area_code: String,
    pub programme_code: Option<String>,
    /// The unit's letterhead: postal address, phone and e-mail.
    pub address: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    /// Required when updating: the version you read.
    pub version: Option<i64>,
}

impl ApiRecord for UnitRow {
    type Input = UnitInput;
    fn validate(u: &UnitInput) -> Result<Unit, ValidationErrors> {
        UnitDraft {
            code: u.code.clone(),
            name: u.name.clone(),
            kind: u.kind.clone(),
            area_code: u.area_code.clone(),
            programme_code: u.programme_code.clone().unwrap_or_default(),
            address: u.address.clone().unwrap_or_default(),
            phone: u.phone.clone().unwrap_or_default(),
            email: u.email.clone().unwrap_or_default(),
        }
        .validate()
    }
    fn input_version(u: &UnitInput) -> Option<i64> {
        u.version
    }
    const EXPORT_COLUMNS: &'static [&'static str] = &[
        "code",
        "name",
        "kind",
        "area_code",
        "area_name",
        "programme_code",
    ];
    fn cells(&self) -> Vec<String> {
        vec![
            self.code.clone(),
            self.name.clone(),
            self.kind.clone(),
            self.area_code.clone(),
            self.area_name.clone(),
            self.programme_code.clone().unwrap_or_default(),
        ]
    }
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(default)]
pub struct InstitutionInput {
    pub code: String,
    pub name: String,
    pub kind: String,
    pub area_code: String,
    pub address: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub contact_person: Option<String>,
    pub services: Vec<String>,
    /// An employer's sector of activity.
    pub sector: Option<String>,
    /// An employer's size: micro, small, medium, large.
    pub size: Option<String>,
    /// Required when updating: the version you read.
    pub version: Option<i64>,
}

impl ApiRecord for InstitutionRow {
    type Input = InstitutionInput;
    fn validate(i: &InstitutionInput) -> Result<Institution, ValidationErrors> {
        InstitutionDraft {
            code: i.code.clone(),
            name: i.name.clone(),
            kind: i.kind.clone(),
            area_code: i.area_code.clone(),
            address: i.address.clone().unwrap_or_default(),
            phone: i.phone.clone().unwrap_or_default(),
            email: i.email.clone().unwrap_or_default(),
            contact_person: i.contact_person.clone().unwrap_or_default(),
            services: i.services.clone(),
            sector: i.sector.clone().unwrap_or_default(),
            size: i.size.clone().unwrap_or_default(),
        }
        .validate()
    }
    fn input_version(i: &InstitutionInput) -> Option<i64> {
        i.version
    }
    const EXPORT_COLUMNS: &'static [&'static str] = &[
        "code",
        "name",
        "kind",
        "area_code",
        "area_name",
        "address",
        "phone",
        "email",
        "contact_person",
        "services",
        "sector",
        "size",
    ];
    fn cells(&self) -> Vec<String> {
        let o = |v: &Option<String>| v.clone().unwrap_or_default();
        vec![
            self.code.clone(),
            self.name.clone(),
            self.kind.clone(),
            self.area_code.clone(),
            self.area_name.clone(),
            o(&self.address),
            o(&self.phone),
            o(&self.email),
            o(&self.contact_person),
            self.services.clone(),
            o(&self.sector),
            o(&self.size),
        ]
    }
}

record_api!(
    row: UnitRow, input: UnitInput, list: UnitList, tag: "organisation",
    paths: ("/api/v1/units", "/api/v1/units/{id}", "/api/v1/units/export"),
    handlers: (list_units, get_unit, create_unit, update_unit, export_units),
);

record_api!(
    row: InstitutionRow, input: InstitutionInput, list: InstitutionList, tag: "organisation",
    paths: ("/api/v1/institutions", "/api/v1/institutions/{id}", "/api/v1/institutions/export"),
    handlers: (list_institutions, get_institution, create_institution, update_institution, export_institutions),
);
