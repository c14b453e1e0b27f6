use crate::context::Auth;
use crate::error::{AppError, AppResult, Problem};
use crate::extract::Param;
use crate::extract::{JsonBody, QueryArgs};
use crate::pages::users::{new_user, parse_assignment};
use crate::AppState;
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use kopru_domain::codes::{Label, Password};
use kopru_domain::export::safe_cell;
use kopru_domain::reference::{InstitutionDraft, ProgrammeDraft, UnitDraft};
use kopru_domain::{Action, ValidationErrors};
use kopru_store::accounts::{ApiToken, AssignmentRow, User};
use kopru_store::audit::{Entry, Filter};
use kopru_store::directory::{Area, InstitutionRow, ListFilter, ProgrammeRow, UnitRow};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

// ---------- me ----------

#[derive(Serialize, ToSchema)]
pub struct Me {
    pub id: String,
    pub username: String,
    pub display_name: String,
    pub locale: String,
    pub roles: Vec<RoleOut>,
}

#[derive(Serialize, ToSchema)]
pub struct RoleOut {
    pub role: String,
    pub scope: String,
}

#[utoipa::path(get, path = "/api/v1/me", tag = "accounts",
    responses((status = 200, body = Me), (status = 401, body = Problem)))]
pub async fn me(Auth(ctx, user): Auth) -> Json<Me> {
    Json(Me {
        id: user.principal.user_id.clone(),
        username: user.principal.username.clone(),
        display_name: user.display_name.clone(),
        locale: ctx.locale().tag().to_owned(),
        roles: user
            .principal
            .assignments
            .iter()
            .map(|a| RoleOut {
                role: a.role.as_str().to_owned(),
                scope: a.scope.to_string(),
            })
            .collect(),
    })
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

fn require_version(v: Option<i64>) -> AppResult<i64> {
    v.ok_or_else(|| AppError::Invalid(ValidationErrors::single("version", "err-required")))
}

/// Maps a conflict to a 409 carrying the record as it is now.
fn with_current<T: Serialize>(e: AppError, current: Option<T>) -> AppError {
    match e {
        AppError::Conflict { .. } => AppError::Conflict {
            current: current.and_then(|c| serde_json::to_value(c).ok()),
        },
        other => other,
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

// ---------- units and institutions ----------

#[derive(Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// Any part of the name or code, in any script or spelling.
    #[serde(default)]
    pub q: Option<String>,
    /// Only rows in this area or below it.
    #[serde(default)]
    pub area: Option<String>,
    #[serde(default)]
    pub kind: Option<String>,
    /// 1 to 500, default 50.
    #[serde(default)]
    pub limit: Option<i64>,
    #[serde(default)]
    pub offset: Option<i64>,
}

impl ListParams {
    fn filter(&self) -> ListFilter {
        ListFilter {
            q: self.q.clone(),
            area: self.area.clone(),
            kind: self.kind.clone(),
            limit: self.limit.unwrap_or(50).clamp(1, 500),
            offset: self.offset.unwrap_or(0).max(0),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct UnitList {
    pub items: Vec<UnitRow>,
    pub total: i64,
}

#[derive(Serialize, ToSchema)]
pub struct InstitutionList {
    pub items: Vec<InstitutionRow>,
    pub total: i64,
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(default)]
pub struct UnitInput {
    pub code: String,
    pub name: String,
    /// coordination_unit, municipal_unit, mobile_team, community_action_group, institutional_working_group
    pub kind: String,
    pub area_code: String,
    pub programme_code: Option<String>,
    /// Required when updating: the version you read.
    pub version: Option<i64>,
}

impl UnitInput {
    fn draft(&self) -> UnitDraft {
        UnitDraft {
            code: self.code.clone(),
            name: self.name.clone(),
            kind: self.kind.clone(),
            area_code: self.area_code.clone(),
            programme_code: self.programme_code.clone().unwrap_or_default(),
        }
    }
}

#[utoipa::path(get, path = "/api/v1/units", tag = "organisation", params(ListParams),
    responses((status = 200, body = UnitList), (status = 401, body = Problem)))]
pub async fn list_units(
    State(state): State<AppState>,
    Auth(_, user): Auth,
    QueryArgs(p): QueryArgs<ListParams>,
) -> AppResult<Json<UnitList>> {
    let page = state.store.units(&user.principal, &p.filter()).await?;
    Ok(Json(UnitList {
        items: page.rows,
        total: page.total,
    }))
}

#[utoipa::path(get, path = "/api/v1/units/{id}", tag = "organisation", params(("id" = String, Path)),
    responses((status = 200, body = UnitRow), (status = 404, body = Problem)))]
pub async fn get_unit(
    State(state): State<AppState>,
    Auth(_, user): Auth,
    Param(id): Param<String>,
) -> AppResult<Json<UnitRow>> {
    state
        .store
        .unit(&user.principal, &id)
        .await?
        .map(Json)
        .ok_or(AppError::NotFound)
}

#[utoipa::path(post, path = "/api/v1/units", tag = "organisation", request_body = UnitInput,
    responses((status = 201, body = UnitRow), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn create_unit(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    JsonBody(input): JsonBody<UnitInput>,
) -> AppResult<Response> {
    let u = input.draft().validate()?;
    let row = state
        .store
        .create_unit(&ctx.actor(), &user.principal, &u)
        .await?;
    Ok((StatusCode::CREATED, Json(row)).into_response())
}

#[utoipa::path(put, path = "/api/v1/units/{id}", tag = "organisation", params(("id" = String, Path)), request_body = UnitInput,
    responses((status = 200, body = UnitRow), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn update_unit(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param(id): Param<String>,
    JsonBody(input): JsonBody<UnitInput>,
) -> AppResult<Json<UnitRow>> {
    let version = require_version(input.version)?;
    let u = input.draft().validate()?;
    match state
        .store
        .update_unit(&ctx.actor(), &user.principal, &id, version, &u)
        .await
    {
        Ok(row) => Ok(Json(row)),
        Err(e) => Err(with_current(
            e.into(),
            state.store.unit(&user.principal, &id).await?,
        )),
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
    /// Required when updating: the version you read.
    pub version: Option<i64>,
}

impl InstitutionInput {
    fn draft(&self) -> InstitutionDraft {
        InstitutionDraft {
            code: self.code.clone(),
            name: self.name.clone(),
            kind: self.kind.clone(),
            area_code: self.area_code.clone(),
            address: self.address.clone().unwrap_or_default(),
            phone: self.phone.clone().unwrap_or_default(),
            email: self.email.clone().unwrap_or_default(),
            contact_person: self.contact_person.clone().unwrap_or_default(),
            services: self.services.clone(),
        }
    }
}

#[utoipa::path(get, path = "/api/v1/institutions", tag = "organisation", params(ListParams),
    responses((status = 200, body = InstitutionList), (status = 401, body = Problem)))]
pub async fn list_institutions(
    State(state): State<AppState>,
    Auth(_, user): Auth,
    QueryArgs(p): QueryArgs<ListParams>,
) -> AppResult<Json<InstitutionList>> {
    let page = state
        .store
        .institutions(&user.principal, &p.filter())
        .await?;
    Ok(Json(InstitutionList {
        items: page.rows,
        total: page.total,
    }))
}

#[utoipa::path(get, path = "/api/v1/institutions/{id}", tag = "organisation", params(("id" = String, Path)),
    responses((status = 200, body = InstitutionRow), (status = 404, body = Problem)))]
pub async fn get_institution(
    State(state): State<AppState>,
    Auth(_, user): Auth,
    Param(id): Param<String>,
) -> AppResult<Json<InstitutionRow>> {
    state
        .store
        .institution(&user.principal, &id)
        .await?
        .map(Json)
        .ok_or(AppError::NotFound)
}

#[utoipa::path(post, path = "/api/v1/institutions", tag = "organisation", request_body = InstitutionInput,
    responses((status = 201, body = InstitutionRow), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn create_institution(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    JsonBody(input): JsonBody<InstitutionInput>,
) -> AppResult<Response> {
    let i = input.draft().validate()?;
    let row = state
        .store
        .create_institution(&ctx.actor(), &user.principal, &i)
        .await?;
    Ok((StatusCode::CREATED, Json(row)).into_response())
}

#[utoipa::path(put, path = "/api/v1/institutions/{id}", tag = "organisation", params(("id" = String, Path)), request_body = InstitutionInput,
    responses((status = 200, body = InstitutionRow), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn update_institution(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param(id): Param<String>,
    JsonBody(input): JsonBody<InstitutionInput>,
) -> AppResult<Json<InstitutionRow>> {
    let version = require_version(input.version)?;
    let i = input.draft().validate()?;
    match state
        .store
        .update_institution(&ctx.actor(), &user.principal, &id, version, &i)
        .await
    {
        Ok(row) => Ok(Json(row)),
        Err(e) => Err(with_current(
            e.into(),
            state.store.institution(&user.principal, &id).await?,
        )),
    }
}

/// Writes a CSV (UTF-8 with BOM so that Excel reads Turkish and Serbian letters),
/// neutralising formula-like cells.
fn csv_response(
    filename: &str,
    header_row: &[&str],
    rows: Vec<Vec<String>>,
) -> AppResult<Response> {
    let mut out = Vec::with_capacity(64 * (rows.len() + 1));
    out.extend_from_slice("\u{feff}".as_bytes());
    {
        let mut w = csv::Writer::from_writer(&mut out);
        w.write_record(header_row)
            .map_err(|e| AppError::Internal(e.to_string()))?;
        for r in rows {
            w.write_record(r.iter().map(|c| safe_cell(c).into_owned()))
                .map_err(|e| AppError::Internal(e.to_string()))?;
        }
        w.flush().map_err(|e| AppError::Internal(e.to_string()))?;
    }
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{filename}\""),
            ),
        ],
        out,
    )
        .into_response())
}

/// Collects every row of a scoped list, page by page.
async fn all_pages<T, F, Fut>(mut filter: ListFilter, fetch: F) -> AppResult<Vec<T>>
where
    F: Fn(ListFilter) -> Fut,
    Fut: std::future::Future<
        Output = Result<kopru_store::directory::Page<T>, kopru_store::StoreError>,
    >,
{
    let mut out = Vec::new();
    filter.limit = 500;
    filter.offset = 0;
    loop {
        let page = fetch(filter.clone()).await?;
        let n = page.rows.len() as i64;
        out.extend(page.rows);
        if n < filter.limit {
            return Ok(out);
        }
        filter.offset += n;
    }
}

#[utoipa::path(get, path = "/api/v1/units/export", tag = "organisation", params(ListParams),
    responses((status = 200, description = "CSV, UTF-8 with BOM", content_type = "text/csv")))]
pub async fn export_units(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    QueryArgs(p): QueryArgs<ListParams>,
) -> AppResult<Response> {
    let rows = all_pages(p.filter(), |f| {
        let (s, pr) = (state.store.clone(), user.principal.clone());
        async move { s.units(&pr, &f).await }
    })
    .await?;
    state
        .store
        .audit(
            &ctx.actor()
                .event("unit.export")
                .details(serde_json::json!({ "rows": rows.len() })),
        )
        .await?;
    let data = rows
        .into_iter()
        .map(|u| {
            vec![
                u.code,
                u.name,
                u.kind,
                u.area_code,
                u.area_name,
                u.programme_code.unwrap_or_default(),
            ]
        })
        .collect();
    csv_response(
        "units.csv",
        &[
            "code",
            "name",
            "kind",
            "area_code",
            "area_name",
            "programme_code",
        ],
        data,
    )
}

#[utoipa::path(get, path = "/api/v1/institutions/export", tag = "organisation", params(ListParams),
    responses((status = 200, description = "CSV, UTF-8 with BOM", content_type = "text/csv")))]
pub async fn export_institutions(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    QueryArgs(p): QueryArgs<ListParams>,
) -> AppResult<Response> {
    let rows = all_pages(p.filter(), |f| {
        let (s, pr) = (state.store.clone(), user.principal.clone());
        async move { s.institutions(&pr, &f).await }
    })
    .await?;
    state
        .store
        .audit(
            &ctx.actor()
                .event("institution.export")
                .details(serde_json::json!({ "rows": rows.len() })),
        )
        .await?;
    let data = rows
        .into_iter()
        .map(|i| {
            vec![
                i.code,
                i.name,
                i.kind,
                i.area_code,
                i.area_name,
                i.address.unwrap_or_default(),
                i.phone.unwrap_or_default(),
                i.email.unwrap_or_default(),
                i.contact_person.unwrap_or_default(),
                i.services,
            ]
        })
        .collect();
    csv_response(
        "institutions.csv",
        &[
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
        ],
        data,
    )
}

// ---------- users ----------

#[derive(Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
pub struct UserParams {
    #[serde(default)]
    pub q: Option<String>,
    #[serde(default)]
    pub limit: Option<i64>,
    #[serde(default)]
    pub offset: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct UserOut {
    #[serde(flatten)]
    pub user: User,
    pub roles: Vec<AssignmentRow>,
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(default)]
pub struct UserInput {
    pub username: String,
    pub display_name: String,
    /// At least 10 characters; the user must change it at first sign-in.
    pub password: String,
    pub role: String,
    /// `country:TR`, `area:TR-06`, `unit:CODE`, `institution:CODE`, or empty for the installation.
    pub scope: String,
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(default)]
pub struct RoleInput {
    pub role: String,
    pub scope: String,
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(default)]
pub struct PasswordInput {
    pub password: String,
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(default)]
pub struct StatusInput {
    pub disabled: bool,
}

fn need(user: &crate::context::SignedIn, action: Action) -> AppResult<()> {
    if user.principal.may(action) {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

#[utoipa::path(get, path = "/api/v1/users", tag = "accounts", params(UserParams),
    responses((status = 200, body = Vec<User>), (status = 403, body = Problem)))]
pub async fn list_users(
    State(state): State<AppState>,
    Auth(_, user): Auth,
    QueryArgs(p): QueryArgs<UserParams>,
) -> AppResult<Json<Vec<User>>> {
    need(&user, Action::ViewUsers)?;
    let rows = state
        .store
        .users(
            &user.principal,
            p.q.as_deref(),
            p.limit.unwrap_or(50),
            p.offset.unwrap_or(0),
        )
        .await?;
    Ok(Json(rows))
}

#[utoipa::path(get, path = "/api/v1/users/{id}", tag = "accounts", params(("id" = String, Path)),
    responses((status = 200, body = UserOut), (status = 404, body = Problem)))]
pub async fn get_user(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param(id): Param<String>,
) -> AppResult<Json<UserOut>> {
    need(&user, Action::ViewUsers)?;
    let (u, roles) = state
        .store
        .visible_user(&ctx.actor(), &user.principal, &id)
        .await?;
    Ok(Json(UserOut { user: u, roles }))
}

#[utoipa::path(post, path = "/api/v1/users", tag = "accounts", request_body = UserInput,
    responses((status = 201, body = UserOut), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn create_user(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    JsonBody(input): JsonBody<UserInput>,
) -> AppResult<Response> {
    need(&user, Action::ManageUsers)?;
    let new = new_user(
        &input.username,
        &input.display_name,
        &input.password,
        &input.role,
        &input.scope,
    )?;
    let created = state
        .store
        .create_user(&ctx.actor(), Some(&user.principal), new)
        .await?;
    let roles = state.store.assignments_of(&created.id).await?;
    Ok((
        StatusCode::CREATED,
        Json(UserOut {
            user: created,
            roles,
        }),
    )
        .into_response())
}

#[utoipa::path(post, path = "/api/v1/users/{id}/roles", tag = "accounts", params(("id" = String, Path)), request_body = RoleInput,
    responses((status = 204), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn add_role(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param(id): Param<String>,
    JsonBody(input): JsonBody<RoleInput>,
) -> AppResult<StatusCode> {
    need(&user, Action::ManageUsers)?;
    let mut e = ValidationErrors::new();
    let a = parse_assignment(&input.role, &input.scope, &mut e);
    e.clone().into_result()?;
    let a = a.ok_or(AppError::Invalid(e))?;
    state
        .store
        .add_assignment(&ctx.actor(), &user.principal, &id, &a)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(delete, path = "/api/v1/users/{id}/roles/{rid}", tag = "accounts", params(("id" = String, Path), ("rid" = String, Path)),
    responses((status = 204), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn remove_role(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param((_id, rid)): Param<(String, String)>,
) -> AppResult<StatusCode> {
    need(&user, Action::ManageUsers)?;
    state
        .store
        .remove_assignment(&ctx.actor(), &user.principal, &rid)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(post, path = "/api/v1/users/{id}/password", tag = "accounts", params(("id" = String, Path)), request_body = PasswordInput,
    responses((status = 204), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn reset_password(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param(id): Param<String>,
    JsonBody(input): JsonBody<PasswordInput>,
) -> AppResult<StatusCode> {
    need(&user, Action::ManageUsers)?;
    let p = Password::parse(&input.password)
        .map_err(|c| AppError::Invalid(ValidationErrors::single("password", c)))?;
    state
        .store
        .reset_password(&ctx.actor(), &user.principal, &id, &p)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(post, path = "/api/v1/users/{id}/status", tag = "accounts", params(("id" = String, Path)), request_body = StatusInput,
    responses((status = 204), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn set_status(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param(id): Param<String>,
    JsonBody(input): JsonBody<StatusInput>,
) -> AppResult<StatusCode> {
    need(&user, Action::ManageUsers)?;
    if id == user.principal.user_id {
        return Err(AppError::BadRequest("err-disable-self"));
    }
    state
        .store
        .set_disabled(&ctx.actor(), &user.principal, &id, input.disabled)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

// ---------- tokens ----------

#[derive(Deserialize, ToSchema, Default)]
#[serde(default)]
pub struct TokenInput {
    pub name: String,
}

#[derive(Serialize, ToSchema)]
pub struct NewToken {
    pub id: String,
    /// Shown once; only its hash is kept.
    pub token: String,
}

#[utoipa::path(get, path = "/api/v1/tokens", tag = "accounts", responses((status = 200, body = Vec<ApiToken>)))]
pub async fn list_tokens(
    State(state): State<AppState>,
    Auth(_, user): Auth,
) -> AppResult<Json<Vec<ApiToken>>> {
    Ok(Json(state.store.tokens_of(&user.principal.user_id).await?))
}

#[utoipa::path(post, path = "/api/v1/tokens", tag = "accounts", request_body = TokenInput,
    responses((status = 201, body = NewToken), (status = 422, body = Problem)))]
pub async fn create_token(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    JsonBody(input): JsonBody<TokenInput>,
) -> AppResult<Response> {
    let name = Label::parse(&input.name)
        .map_err(|c| AppError::Invalid(ValidationErrors::single("name", c)))?;
    let (id, token) = state
        .store
        .create_token(&ctx.actor(), &user.principal.user_id, name.as_str())
        .await?;
    Ok((StatusCode::CREATED, Json(NewToken { id, token })).into_response())
}

#[utoipa::path(delete, path = "/api/v1/tokens/{id}", tag = "accounts", params(("id" = String, Path)),
    responses((status = 204), (status = 404, body = Problem)))]
pub async fn revoke_token(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param(id): Param<String>,
) -> AppResult<StatusCode> {
    state
        .store
        .revoke_token(&ctx.actor(), &user.principal.user_id, &id)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

// ---------- audit ----------

#[derive(Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
pub struct AuditParams {
    #[serde(default)]
    pub actor: Option<String>,
    /// Exact action, or a prefix ending in `.` such as `unit.`.
    #[serde(default)]
    pub action: Option<String>,
    #[serde(default)]
    pub record_type: Option<String>,
    #[serde(default)]
    pub record_id: Option<String>,
    #[serde(default)]
    pub outcome: Option<String>,
    /// YYYY-MM-DD, inclusive.
    #[serde(default)]
    pub from: Option<String>,
    /// YYYY-MM-DD, inclusive.
    #[serde(default)]
    pub to: Option<String>,
    /// Entries older than this sequence number (paging).
    #[serde(default)]
    pub before: Option<i64>,
    #[serde(default)]
    pub limit: Option<i64>,
}

#[utoipa::path(get, path = "/api/v1/audit", tag = "audit", params(AuditParams),
    responses((status = 200, body = Vec<Entry>), (status = 403, body = Problem)))]
pub async fn list_audit(
    State(state): State<AppState>,
    Auth(_, user): Auth,
    QueryArgs(p): QueryArgs<AuditParams>,
) -> AppResult<Json<Vec<Entry>>> {
    need(&user, Action::ViewAudit)?;
    let f = Filter {
        actor: p.actor,
        action: p.action,
        record_type: p.record_type,
        record_id: p.record_id,
        outcome: p.outcome,
        from: p.from,
        to: p.to,
        before_seq: p.before,
    };
    let rows = state
        .store
        .audit_entries(
            &user.principal.grants(Action::ViewAudit),
            &f,
            p.limit.unwrap_or(100),
        )
        .await?;
    Ok(Json(rows))
}
