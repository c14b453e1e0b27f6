//! Programme participation, job seekers, employers, placements, their
//! retention checks and the employment numbers through the API.

use super::{n, o, today};
use crate::context::Auth;
use crate::error::{AppError, AppResult, Problem};
use crate::extract::{JsonBody, Param, QueryArgs};
use crate::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use kopru_domain::employment::{placement_ending, JobSeekerDraft, PlacementDraft};
use kopru_domain::outcome::{exit, EntryDraft};
use kopru_domain::reference::InstitutionDraft;
use kopru_domain::Action;
use kopru_store::directory::InstitutionRow;
use kopru_store::outcomes::checks::{ChecksDue, OutcomeCheckRow};
use kopru_store::outcomes::employment::{EmploymentFilter, JobPlacementRow, JobSeekerRow};
use kopru_store::outcomes::participation::{ParticipationFilter, ParticipationRow};
use kopru_store::outcomes::summary::EmploymentSummary;
use kopru_store::records::ListFilter;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_participations, enter_programme))
        .routes(routes!(leave_programme))
        .routes(routes!(list_job_seekers))
        .routes(routes!(get_job_seeker, save_job_seeker))
        .routes(routes!(list_employers, create_employer))
        .routes(routes!(list_job_placements, record_job_placement))
        .routes(routes!(get_job_placement))
        .routes(routes!(end_job_placement))
        .routes(routes!(retention_checks))
        .routes(routes!(checks_due))
        .routes(routes!(answer_check))
        .routes(routes!(employment_summary))
}

#[derive(Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
#[serde(default)]
pub struct ParticipationParams {
    pub person_id: Option<String>,
    pub programme: Option<String>,
    /// Only those still in the programme.
    pub open: bool,
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}

#[utoipa::path(get, path = "/api/v1/participations", tag = "outcomes", params(ParticipationParams),
    responses((status = 200, body = Vec<ParticipationRow>)))]
pub async fn list_participations(
    State(state): State<AppState>,
    Auth(_, user): Auth,
    QueryArgs(p): QueryArgs<ParticipationParams>,
) -> AppResult<Json<Vec<ParticipationRow>>> {
    let f = ParticipationFilter {
        person_id: p.person_id,
        programme_code: p.programme,
        open: p.open,
        limit: p.limit.unwrap_or(100),
        offset: p.offset.unwrap_or(0),
    };
    Ok(Json(state.store.participations(&user.principal, &f).await?))
}

#[derive(Deserialize, Serialize, ToSchema, Default)]
#[serde(default)]
pub struct ParticipationInput {
    pub person_id: String,
    pub programme_code: String,
    pub entered_on: String,
    /// employed, self_employed, unemployed, long_term_unemployed, inactive, in_education
    pub labour_status: String,
    /// Highest education: isced_0 … isced_8
    pub education: String,
    /// housing_exclusion, slum_dweller, rural, single_parent, foreign_background,
    /// third_country_national (special categories come from the person's encrypted values)
    pub groups: Vec<String>,
    /// The person's case or activity that opened it.
    pub case_id: Option<String>,
    pub activity_id: Option<String>,
}

/// A person enters a programme (one open participation per programme).
#[utoipa::path(post, path = "/api/v1/participations", tag = "outcomes", request_body = ParticipationInput,
    responses((status = 201, body = ParticipationRow), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn enter_programme(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    JsonBody(i): JsonBody<ParticipationInput>,
) -> AppResult<Response> {
    let e = EntryDraft {
        programme_code: i.programme_code,
        entered_on: i.entered_on,
        labour_status: i.labour_status,
        education: i.education,
        groups: i.groups,
        case_id: o(&i.case_id),
        activity_id: o(&i.activity_id),
    }
    .validate(&today())?;
    let row = state
        .store
        .enter_programme(&ctx.actor(), &user.principal, &i.person_id, &e)
        .await?;
    Ok((StatusCode::CREATED, Json(row)).into_response())
}

#[derive(Deserialize, Serialize, ToSchema, Default)]
#[serde(default)]
pub struct ExitInput {
    pub left_on: String,
    /// job_searching, in_education_or_training, gained_qualification, in_employment
    pub results: Vec<String>,
    pub version: i64,
}

/// The person leaves the programme; a six-month follow-up is created for the caller.
#[utoipa::path(post, path = "/api/v1/participations/{id}/exit", tag = "outcomes", params(("id" = String, Path)),
    request_body = ExitInput,
    responses((status = 200, body = ParticipationRow), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn leave_programme(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param(id): Param<String>,
    JsonBody(i): JsonBody<ExitInput>,
) -> AppResult<Json<ParticipationRow>> {
    let x = exit(&i.left_on, &i.results, &today())?;
    Ok(Json(
        state
            .store
            .leave_programme(&ctx.actor(), &user.principal, &id, i.version, &x)
            .await?,
    ))
}

#[derive(Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
#[serde(default)]
pub struct EmploymentParams {
    pub person_id: Option<String>,
    /// People of this unit.
    pub unit: Option<String>,
    /// Job seekers: active, placed, inactive.
    pub status: Option<String>,
    /// Job seekers seeking this occupation.
    pub occupation: Option<String>,
    /// Placements not ended.
    pub open: bool,
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}

impl EmploymentParams {
    fn filter(self) -> EmploymentFilter {
        EmploymentFilter {
            person_id: self.person_id,
            unit: self.unit,
            status: self.status,
            occupation: self.occupation,
            open: self.open,
            limit: self.limit.unwrap_or(100),
            offset: self.offset.unwrap_or(0),
        }
    }
}

#[utoipa::path(get, path = "/api/v1/job-seekers", tag = "outcomes", params(EmploymentParams),
    responses((status = 200, body = Vec<JobSeekerRow>)))]
pub async fn list_job_seekers(
    State(state): State<AppState>,
    Auth(_, user): Auth,
    QueryArgs(p): QueryArgs<EmploymentParams>,
) -> AppResult<Json<Vec<JobSeekerRow>>> {
    Ok(Json(
        state
            .store
            .job_seekers(&user.principal, &p.filter())
            .await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/persons/{id}/job-seeker", tag = "outcomes", params(("id" = String, Path)),
    responses((status = 200, body = JobSeekerRow), (status = 404, body = Problem)))]
pub async fn get_job_seeker(
    State(state): State<AppState>,
    Auth(_, user): Auth,
    Param(id): Param<String>,
) -> AppResult<Json<JobSeekerRow>> {
    state
        .store
        .job_seeker(&user.principal, &id)
        .await?
        .map(Json)
        .ok_or(AppError::NotFound)
}

#[derive(Deserialize, Serialize, ToSchema, Default)]
#[serde(default)]
pub struct JobSeekerInput {
    /// iskur, nsz, none
    pub agency: Option<String>,
    pub agency_number: Option<String>,
    pub registered_on: Option<String>,
    pub occupations: Vec<String>,
    pub skills: Option<String>,
    pub driving_licence: Option<String>,
    pub languages: Vec<String>,
    pub work_history: Option<String>,
    /// full_time, part_time, shifts, seasonal, not_now
    pub availability: String,
    pub labour_status: String,
    pub groups: Vec<String>,
    /// active (default), placed, inactive
    pub status: Option<String>,
    /// The version you read; leave out to create the profile.
    pub version: Option<i64>,
}

/// Creates or changes the person's job-seeker profile.
#[utoipa::path(put, path = "/api/v1/persons/{id}/job-seeker", tag = "outcomes", params(("id" = String, Path)),
    request_body = JobSeekerInput,
    responses((status = 200, body = JobSeekerRow), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn save_job_seeker(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param(id): Param<String>,
    JsonBody(i): JsonBody<JobSeekerInput>,
) -> AppResult<Json<JobSeekerRow>> {
    let j = JobSeekerDraft {
        agency: o(&i.agency),
        agency_number: o(&i.agency_number),
        registered_on: o(&i.registered_on),
        occupations: i.occupations.join(","),
        skills: o(&i.skills),
        driving_licence: o(&i.driving_licence),
        languages: i.languages.join(","),
        work_history: o(&i.work_history),
        availability: i.availability,
        labour_status: i.labour_status,
        groups: i.groups,
        status: o(&i.status),
    }
    .validate(&today())?;
    Ok(Json(
        state
            .store
            .save_job_seeker(&ctx.actor(), &user.principal, &id, i.version, &j)
            .await?,
    ))
}

#[derive(Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
#[serde(default)]
pub struct EmployerParams {
    /// Any part of the name or code.
    pub q: Option<String>,
    /// Only employers in this area or below it.
    pub area: Option<String>,
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}

/// Employers: institutions of the directory of kind `employer`.
#[utoipa::path(get, path = "/api/v1/employers", tag = "outcomes", params(EmployerParams),
    responses((status = 200, body = Vec<InstitutionRow>)))]
pub async fn list_employers(
    State(state): State<AppState>,
    Auth(_, user): Auth,
    QueryArgs(p): QueryArgs<EmployerParams>,
) -> AppResult<Json<Vec<InstitutionRow>>> {
    let f = ListFilter {
        q: p.q,
        area: p.area,
        kind: Some("employer".into()),
        limit: p.limit.unwrap_or(100),
        offset: p.offset.unwrap_or(0),
    };
    Ok(Json(
        state.store.institutions(&user.principal, &f).await?.rows,
    ))
}

#[derive(Deserialize, Serialize, ToSchema, Default)]
#[serde(default)]
pub struct EmployerInput {
    pub code: String,
    pub name: String,
    pub area_code: String,
    pub sector: Option<String>,
    /// micro, small, medium, large
    pub size: Option<String>,
    pub address: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub contact_person: Option<String>,
}

/// Adds an employer to the directory (an institution of kind `employer`).
#[utoipa::path(post, path = "/api/v1/employers", tag = "outcomes", request_body = EmployerInput,
    responses((status = 201, body = InstitutionRow), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn create_employer(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    JsonBody(i): JsonBody<EmployerInput>,
) -> AppResult<Response> {
    let v = InstitutionDraft {
        code: i.code,
        name: i.name,
        kind: "employer".into(),
        area_code: i.area_code,
        address: o(&i.address),
        phone: o(&i.phone),
        email: o(&i.email),
        contact_person: o(&i.contact_person),
        services: vec![],
        sector: o(&i.sector),
        size: o(&i.size),
    }
    .validate()?;
    let row = state
        .store
        .create_institution(&ctx.actor(), &user.principal, &v)
        .await?;
    Ok((StatusCode::CREATED, Json(row)).into_response())
}

#[utoipa::path(get, path = "/api/v1/placements", tag = "outcomes", params(EmploymentParams),
    responses((status = 200, body = Vec<JobPlacementRow>)))]
pub async fn list_job_placements(
    State(state): State<AppState>,
    Auth(_, user): Auth,
    QueryArgs(p): QueryArgs<EmploymentParams>,
) -> AppResult<Json<Vec<JobPlacementRow>>> {
    Ok(Json(
        state
            .store
            .job_placements(&user.principal, &p.filter())
            .await?,
    ))
}

#[derive(Deserialize, Serialize, ToSchema, Default)]
#[serde(default)]
pub struct JobPlacementInput {
    pub person_id: String,
    /// An institution of kind `employer`.
    pub employer_id: String,
    pub occupation: String,
    pub started_on: String,
    /// permanent, fixed_term, seasonal, apprenticeship, self_employment, informal
    pub contract_type: String,
    pub hours_per_week: Option<i64>,
    /// below_minimum, minimum, up_to_150, above_150 (of the minimum wage)
    pub wage_band: Option<String>,
    /// registered (SGK, CROSO), informal
    pub social_security: String,
    pub subsidised: bool,
    pub programme_code: Option<String>,
    pub activity_id: Option<String>,
    pub note: Option<String>,
}

/// Records a placement; retention checks at 3, 6 and 12 months are created for the caller.
#[utoipa::path(post, path = "/api/v1/placements", tag = "outcomes", request_body = JobPlacementInput,
    responses((status = 201, body = JobPlacementRow), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn record_job_placement(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    JsonBody(i): JsonBody<JobPlacementInput>,
) -> AppResult<Response> {
    let x = PlacementDraft {
        employer_id: i.employer_id,
        occupation: i.occupation,
        started_on: i.started_on,
        contract_type: i.contract_type,
        hours_per_week: n(i.hours_per_week),
        wage_band: o(&i.wage_band),
        social_security: i.social_security,
        subsidised: i.subsidised.to_string(),
        programme_code: o(&i.programme_code),
        activity_id: o(&i.activity_id),
        note: o(&i.note),
    }
    .validate(&today())?;
    let row = state
        .store
        .add_job_placement(&ctx.actor(), &user.principal, &i.person_id, &x)
        .await?;
    Ok((StatusCode::CREATED, Json(row)).into_response())
}

#[utoipa::path(get, path = "/api/v1/placements/{id}", tag = "outcomes", params(("id" = String, Path)),
    responses((status = 200, body = JobPlacementRow), (status = 404, body = Problem)))]
pub async fn get_job_placement(
    State(state): State<AppState>,
    Auth(_, user): Auth,
    Param(id): Param<String>,
) -> AppResult<Json<JobPlacementRow>> {
    Ok(Json(state.store.job_placement(&user.principal, &id).await?))
}

#[derive(Deserialize, Serialize, ToSchema, Default)]
#[serde(default)]
pub struct PlacementEndInput {
    pub ended_on: String,
    /// contract_ended, resigned, dismissed, better_job, health, care_duties, other
    pub end_reason: String,
    pub version: i64,
}

/// Ends a placement once, with a date and a reason.
#[utoipa::path(post, path = "/api/v1/placements/{id}/end", tag = "outcomes", params(("id" = String, Path)),
    request_body = PlacementEndInput,
    responses((status = 200, body = JobPlacementRow), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn end_job_placement(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param(id): Param<String>,
    JsonBody(i): JsonBody<PlacementEndInput>,
) -> AppResult<Json<JobPlacementRow>> {
    let x = placement_ending(&i.ended_on, &i.end_reason, &today())?;
    Ok(Json(
        state
            .store
            .end_job_placement(&ctx.actor(), &user.principal, &id, i.version, &x)
            .await?,
    ))
}

/// The placement's retention checks at 3, 6 and 12 months, answered or not.
#[utoipa::path(get, path = "/api/v1/placements/{id}/retention-checks", tag = "outcomes", params(("id" = String, Path)),
    responses((status = 200, body = Vec<OutcomeCheckRow>), (status = 404, body = Problem)))]
pub async fn retention_checks(
    State(state): State<AppState>,
    Auth(_, user): Auth,
    Param(id): Param<String>,
) -> AppResult<Json<Vec<OutcomeCheckRow>>> {
    state.store.job_placement(&user.principal, &id).await?;
    Ok(Json(state.store.checks_of(&user.principal, &id).await?))
}

#[derive(Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
#[serde(default)]
pub struct DueParams {
    /// A unit's (its coordinator); the caller's own when left out.
    pub unit: Option<String>,
}

/// Retention checks and six-month follow-ups due by a week from today.
#[utoipa::path(get, path = "/api/v1/outcome-checks", tag = "outcomes", params(DueParams),
    responses((status = 200, body = ChecksDue), (status = 403, body = Problem)))]
pub async fn checks_due(
    State(state): State<AppState>,
    Auth(_, user): Auth,
    QueryArgs(p): QueryArgs<DueParams>,
) -> AppResult<Json<ChecksDue>> {
    Ok(Json(
        state
            .store
            .checks_due(&user.principal, p.unit.as_deref())
            .await?,
    ))
}

#[derive(Deserialize, Serialize, ToSchema, Default)]
#[serde(default)]
pub struct CheckAnswerInput {
    /// Today when left out.
    pub answered_on: Option<String>,
    /// Retention: same_employer, other_employer, not_working, unreachable
    pub still_working: Option<String>,
    /// Retention, when working: registered with social security.
    pub insured: Option<bool>,
    /// Six-month follow-up: the labour status then.
    pub labour_status: Option<String>,
    /// Six-month follow-up: an improved labour-market situation.
    pub improved: bool,
    pub note: Option<String>,
    pub version: i64,
}

/// Answers a retention check (`still_working`, `insured`) or a six-month follow-up (`labour_status`, `improved`).
#[utoipa::path(post, path = "/api/v1/outcome-checks/{id}", tag = "outcomes", params(("id" = String, Path)),
    request_body = CheckAnswerInput,
    responses((status = 200, body = OutcomeCheckRow), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn answer_check(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param(id): Param<String>,
    JsonBody(i): JsonBody<CheckAnswerInput>,
) -> AppResult<Json<OutcomeCheckRow>> {
    let insured = i.insured.map(|b| b.to_string()).unwrap_or_default();
    Ok(Json(
        super::answer(
            &state,
            &ctx.actor(),
            &user.principal,
            &id,
            i.version,
            &super::CheckForm {
                answered_on: o(&i.answered_on),
                still_working: o(&i.still_working),
                insured,
                labour_status: o(&i.labour_status),
                improved: i.improved.to_string(),
                note: o(&i.note),
            },
        )
        .await?,
    ))
}

#[derive(Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
#[serde(default)]
pub struct SummaryParams {
    pub unit: Option<String>,
    /// YYYY-MM-DD; the first of this year when left out.
    pub from: Option<String>,
    /// YYYY-MM-DD; today when left out.
    pub to: Option<String>,
}

/// A unit's employment numbers: job seekers, placements, retention, ESF+ participants (counts only).
#[utoipa::path(get, path = "/api/v1/outcomes/employment", tag = "outcomes", params(SummaryParams),
    responses((status = 200, body = EmploymentSummary), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn employment_summary(
    State(state): State<AppState>,
    Auth(_, user): Auth,
    QueryArgs(p): QueryArgs<SummaryParams>,
) -> AppResult<Json<EmploymentSummary>> {
    if !user.principal.may(Action::ViewCaseStatistics) {
        return Err(AppError::Forbidden);
    }
    let (from, to) = super::period(&o(&p.from), &o(&p.to))?;
    Ok(Json(
        state
            .store
            .employment_summary(&user.principal, p.unit.as_deref(), &from, &to)
            .await?,
    ))
}
