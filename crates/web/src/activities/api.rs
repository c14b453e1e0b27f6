//! `/api/v1/activities` and `/api/v1/persons/{id}/activities`: activities,
//! their sessions, participants, attendance and head counts, through the
//! same store calls as the pages.

use super::parse_marks;
use crate::context::Auth;
use crate::error::{AppError, AppResult, Problem};
use crate::extract::{JsonBody, Param, QueryArgs};
use crate::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use kopru_domain::activity::{
    head_count, score, ActivityDraft, ActivityStatus, AgeBand, CountedSex, ProfessionalDraft,
    SessionDraft, TransportDraft,
};
use kopru_domain::{Action, ValidationErrors};
use kopru_store::activities::{
    ActivityFile, ActivityFilter, ActivityRow, ActivityStats, CalendarRow, CertificateRow,
    EnrolReport, EnrolSource, HeadCountRow, ParticipantList, ParticipantRow, PersonActivityRow,
    SavedMarks, SessionRow, SheetRow, TotalBy, TransportFilter, TransportRow, TransportTotal,
};
use kopru_store::registry::PersonFilter;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::router::UtoipaMethodRouterExt;
use utoipa_axum::routes;

/// The routes of this file, with their OpenAPI operations.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_activities, create_activity))
        .routes(routes!(export_activities))
        .routes(routes!(activity_statistics))
        .routes(routes!(calendar))
        .routes(routes!(get_activity, update_activity))
        .routes(routes!(activity_status))
        .routes(routes!(list_sessions, add_session))
        .routes(routes!(list_participants, enrol))
        .routes(routes!(set_scores))
        .routes(routes!(withdraw))
        .routes(routes!(certificate))
        .routes(routes!(get_attendance, put_attendance))
        .routes(
            routes!(import_attendance).layer(axum::extract::DefaultBodyLimit::max(
                super::service::MAX_SHEET + 1,
            )),
        )
        .routes(routes!(get_head_counts, put_head_counts))
        .routes(routes!(person_activities))
        .routes(routes!(list_transport, record_transport))
        .routes(routes!(transport_totals))
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(default)]
pub struct ActivityInput {
    pub programme_code: String,
    /// One of the programme's result areas.
    pub result_area: Option<String>,
    /// The organising unit; or give `institution_code`.
    pub unit_code: Option<String>,
    pub institution_code: Option<String>,
    /// training, vocational_course, after_school, awareness_event,
    /// health_literacy, professional_training, community_meeting, field_research
    pub kind: String,
    /// The title by language: tr, en, sr-Cyrl, sr-Latn, rom (at least one).
    pub titles: BTreeMap<String, String>,
    /// Where it takes place, down to a neighbourhood.
    pub area_code: String,
    pub venue: Option<String>,
    /// YYYY-MM-DD
    pub starts_on: String,
    pub ends_on: Option<String>,
    pub capacity: Option<i64>,
    pub target_group: Option<String>,
    /// User ids.
    pub facilitators: Vec<String>,
    pub budget_line: Option<String>,
    /// Decimal, e.g. "12500.00".
    pub cost: Option<String>,
    /// ISO 4217, e.g. TRY, RSD, EUR.
    pub currency: Option<String>,
    /// Completion: percent of sessions attended (1–100).
    pub min_share: Option<i64>,
    /// Completion: every module attended.
    pub all_modules: bool,
    /// Completion: post-test pass mark (0–100).
    pub pass_mark: Option<i64>,
    /// For updates: the version you read.
    pub version: i64,
}

impl ActivityInput {
    fn draft(&self) -> ActivityDraft {
        let o = |v: &Option<String>| v.clone().unwrap_or_default();
        let n = |v: Option<i64>| v.map(|n| n.to_string()).unwrap_or_default();
        ActivityDraft {
            programme_code: self.programme_code.clone(),
            result_area: o(&self.result_area),
            unit_code: o(&self.unit_code),
            institution_code: o(&self.institution_code),
            kind: self.kind.clone(),
            titles: self
                .titles
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
            area_code: self.area_code.clone(),
            venue: o(&self.venue),
            starts_on: self.starts_on.clone(),
            ends_on: o(&self.ends_on),
            capacity: n(self.capacity),
            target_group: o(&self.target_group),
            facilitators: self.facilitators.clone(),
            budget_line: o(&self.budget_line),
            cost: o(&self.cost),
            currency: o(&self.currency),
            min_share: n(self.min_share),
            all_modules: self.all_modules,
            pass_mark: n(self.pass_mark),
        }
    }
}

#[derive(Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
#[serde(default)]
pub struct ActivityParams {
    /// A programme's code.
    pub programme: Option<String>,
    pub result_area: Option<String>,
    pub kind: Option<String>,
    pub unit: Option<String>,
    pub institution: Option<String>,
    /// An area and everything below it.
    pub area: Option<String>,
    /// Activities running on or after this date.
    pub from: Option<String>,
    /// Activities starting on or before this date.
    pub to: Option<String>,
    /// planned, running, completed, cancelled
    pub status: Option<String>,
    /// Words of the title.
    pub q: Option<String>,
    /// Only activities the caller facilitates.
    pub mine: bool,
    /// Only planned and running activities.
    pub open: bool,
    pub limit: Option<i64>,
    pub offset: Option<i64>,
    /// For the export: csv (default) or xlsx.
    pub format: Option<String>,
    /// Exports: `codes` (default) or `labels` (in the reader's language).
    pub names: Option<String>,
}

impl ActivityParams {
    pub fn filter(&self, user_id: &str) -> ActivityFilter {
        ActivityFilter {
            programme: self.programme.clone(),
            result_area: self.result_area.clone(),
            kind: self.kind.clone(),
            unit: self.unit.clone(),
            institution: self.institution.clone(),
            area: self.area.clone(),
            from: self.from.clone(),
            to: self.to.clone(),
            status: self.status.clone(),
            q: self.q.clone(),
            facilitator: self.mine.then(|| user_id.to_owned()),
            open_only: self.open,
            limit: self.limit.unwrap_or(50).clamp(1, 500),
            offset: self.offset.unwrap_or(0).max(0),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct ActivityList {
    pub items: Vec<ActivityRow>,
    pub has_more: bool,
}

#[utoipa::path(get, path = "/api/v1/activities", tag = "activities", params(ActivityParams),
    responses((status = 200, body = ActivityList), (status = 401, body = Problem)))]
pub async fn list_activities(
    State(state): State<AppState>,
    Auth(_, user): Auth,
    QueryArgs(p): QueryArgs<ActivityParams>,
) -> AppResult<Json<ActivityList>> {
    let f = p.filter(&user.principal.user_id);
    let mut items = state.store.activities(&user.principal, &f).await?;
    let has_more = items.len() as i64 > f.limit;
    items.truncate(f.limit as usize);
    Ok(Json(ActivityList { items, has_more }))
}

/// Plans an activity.
#[utoipa::path(post, path = "/api/v1/activities", tag = "activities", request_body = ActivityInput,
    responses((status = 201, body = ActivityRow), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn create_activity(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    JsonBody(input): JsonBody<ActivityInput>,
) -> AppResult<Response> {
    if !user.principal.may(Action::ManageActivities) {
        return Err(AppError::Forbidden);
    }
    let new = input.draft().validate()?;
    let row = state
        .store
        .create_activity(&ctx.actor(), &user.principal, &new)
        .await?;
    Ok((StatusCode::CREATED, Json(row)).into_response())
}

/// An activity with its facilitators and sessions.
#[utoipa::path(get, path = "/api/v1/activities/{id}", tag = "activities", params(("id" = String, Path)),
    responses((status = 200, body = ActivityFile), (status = 404, body = Problem)))]
pub async fn get_activity(
    State(state): State<AppState>,
    Auth(_, user): Auth,
    Param(id): Param<String>,
) -> AppResult<Json<ActivityFile>> {
    Ok(Json(state.store.activity_file(&user.principal, &id).await?))
}

/// Changes an activity (send the version you read; 409 if it changed since).
#[utoipa::path(put, path = "/api/v1/activities/{id}", tag = "activities", params(("id" = String, Path)), request_body = ActivityInput,
    responses((status = 200, body = ActivityRow), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn update_activity(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param(id): Param<String>,
    JsonBody(input): JsonBody<ActivityInput>,
) -> AppResult<Json<ActivityRow>> {
    let new = input.draft().validate()?;
    Ok(Json(
        state
            .store
            .update_activity(&ctx.actor(), &user.principal, &id, input.version, &new)
            .await?,
    ))
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(default)]
pub struct ActivityStatusInput {
    /// running, completed, cancelled
    pub status: String,
    /// Why it was cancelled (required then).
    pub reason: Option<String>,
    pub version: i64,
}

/// Moves an activity along planned → running → completed, or cancels it.
#[utoipa::path(post, path = "/api/v1/activities/{id}/status", tag = "activities", params(("id" = String, Path)), request_body = ActivityStatusInput,
    responses((status = 200, body = ActivityRow), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn activity_status(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param(id): Param<String>,
    JsonBody(input): JsonBody<ActivityStatusInput>,
) -> AppResult<Json<ActivityRow>> {
    let to =
        ActivityStatus::parse(&input.status).map_err(|c| ValidationErrors::single("status", c))?;
    Ok(Json(
        state
            .store
            .change_activity_status(
                &ctx.actor(),
                &user.principal,
                &id,
                input.version,
                to,
                input.reason.as_deref(),
            )
            .await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/activities/{id}/sessions", tag = "activities", params(("id" = String, Path)),
    responses((status = 200, body = Vec<SessionRow>), (status = 404, body = Problem)))]
pub async fn list_sessions(
    State(state): State<AppState>,
    Auth(_, user): Auth,
    Param(id): Param<String>,
) -> AppResult<Json<Vec<SessionRow>>> {
    Ok(Json(state.store.sessions(&user.principal, &id).await?))
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(default)]
pub struct SessionInput {
    /// YYYY-MM-DD, within the activity's dates.
    pub held_on: String,
    /// HH:MM
    pub starts_at: Option<String>,
    pub ends_at: Option<String>,
    /// The module of a multi-module programme.
    pub module: Option<String>,
    pub topic: Option<String>,
    /// A user id; absent: the activity's facilitators.
    pub facilitator_id: Option<String>,
    /// Where it is held, when not at the activity's venue.
    pub venue: Option<String>,
}

/// Adds a session.
#[utoipa::path(post, path = "/api/v1/activities/{id}/sessions", tag = "activities", params(("id" = String, Path)), request_body = SessionInput,
    responses((status = 201, body = SessionRow), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn add_session(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param(id): Param<String>,
    JsonBody(input): JsonBody<SessionInput>,
) -> AppResult<Response> {
    let o = |v: &Option<String>| v.clone().unwrap_or_default();
    let new = SessionDraft {
        held_on: input.held_on.clone(),
        starts_at: o(&input.starts_at),
        ends_at: o(&input.ends_at),
        module: o(&input.module),
        topic: o(&input.topic),
        facilitator_id: o(&input.facilitator_id),
        venue: o(&input.venue),
    }
    .validate()?;
    let row = state
        .store
        .add_session(&ctx.actor(), &user.principal, &id, &new)
        .await?;
    Ok((StatusCode::CREATED, Json(row)).into_response())
}

/// The participants the caller may see (with completion) and how many
/// others are on the list. The read is audited.
#[utoipa::path(get, path = "/api/v1/activities/{id}/participants", tag = "activities", params(("id" = String, Path)),
    responses((status = 200, body = ParticipantList), (status = 404, body = Problem)))]
pub async fn list_participants(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param(id): Param<String>,
) -> AppResult<Json<ParticipantList>> {
    Ok(Json(
        state
            .store
            .participants(&ctx.actor(), &user.principal, &id)
            .await?,
    ))
}

#[derive(Deserialize, Serialize, ToSchema, Default, Clone)]
#[serde(default)]
pub struct PersonFilterInput {
    /// Names, an ID or phone number, part of an address.
    pub q: Option<String>,
    pub unit: Option<String>,
    pub area: Option<String>,
}

#[derive(Deserialize, Serialize, ToSchema, Default)]
#[serde(default)]
pub struct ProfessionalInput {
    pub name: String,
    pub institution_code: Option<String>,
    pub position: Option<String>,
    /// female, male, unknown
    pub sex: Option<String>,
}

/// Who to enrol: give exactly one of the fields.
#[derive(Deserialize, ToSchema, Default)]
#[serde(default)]
pub struct EnrolInput {
    /// People of the registry, chosen one by one.
    pub person_ids: Vec<String>,
    /// The current members of a household.
    pub household_id: Option<String>,
    /// The person of a case (kept on the participant).
    pub case_id: Option<String>,
    /// Everyone the person list's filter finds (at most 500).
    pub filter: Option<PersonFilterInput>,
    /// A professional who is not a beneficiary.
    pub professional: Option<ProfessionalInput>,
}

#[derive(Serialize, ToSchema)]
#[serde(untagged)]
pub enum Enrolled {
    People(EnrolReport),
    Professional(Box<ParticipantRow>),
}

/// Enrols people of the registry (each once; the answer names who was
/// enrolled, who was already on the list and who was refused, and why) or
/// a professional.
#[utoipa::path(post, path = "/api/v1/activities/{id}/participants", tag = "activities", params(("id" = String, Path)), request_body = EnrolInput,
    responses((status = 200, body = Enrolled), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn enrol(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param(id): Param<String>,
    JsonBody(input): JsonBody<EnrolInput>,
) -> AppResult<Json<Enrolled>> {
    let given = [
        !input.person_ids.is_empty(),
        input.household_id.is_some(),
        input.case_id.is_some(),
        input.filter.is_some(),
        input.professional.is_some(),
    ]
    .iter()
    .filter(|b| **b)
    .count();
    if given != 1 {
        return Err(ValidationErrors::single("person_ids", "err-enrol-one-source").into());
    }
    if let Some(p) = &input.professional {
        let o = |v: &Option<String>| v.clone().unwrap_or_default();
        let pro = ProfessionalDraft {
            name: p.name.clone(),
            institution_code: o(&p.institution_code),
            position: o(&p.position),
            sex: o(&p.sex),
        }
        .validate()?;
        let row = state
            .store
            .enrol_professional(&ctx.actor(), &user.principal, &id, &pro)
            .await?;
        return Ok(Json(Enrolled::Professional(Box::new(row))));
    }
    let source = if let Some(h) = input.household_id {
        EnrolSource::Household(h)
    } else if let Some(c) = input.case_id {
        EnrolSource::Case(c)
    } else if let Some(f) = input.filter {
        EnrolSource::Filter(PersonFilter {
            q: f.q,
            unit: f.unit,
            area: f.area,
            ..Default::default()
        })
    } else {
        EnrolSource::Persons(input.person_ids)
    };
    Ok(Json(Enrolled::People(
        state
            .store
            .enrol_persons(&ctx.actor(), &user.principal, &id, &source)
            .await?,
    )))
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(default)]
pub struct ScoresInput {
    /// 0–100; absent clears.
    pub pre_score: Option<i64>,
    pub post_score: Option<i64>,
    pub version: i64,
}

/// Records a participant's pre- and post-test scores.
#[utoipa::path(put, path = "/api/v1/activities/{id}/participants/{pid}/scores", tag = "activities",
    params(("id" = String, Path), ("pid" = String, Path)), request_body = ScoresInput,
    responses((status = 200, body = ParticipantRow), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn set_scores(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param((id, pid)): Param<(String, String)>,
    JsonBody(input): JsonBody<ScoresInput>,
) -> AppResult<Json<ParticipantRow>> {
    let mut e = ValidationErrors::new();
    let n = |v: Option<i64>| v.map(|n| n.to_string()).unwrap_or_default();
    let pre = e.take("pre_score", score(&n(input.pre_score)));
    let post = e.take("post_score", score(&n(input.post_score)));
    e.into_result()?;
    Ok(Json(
        state
            .store
            .set_scores(
                &ctx.actor(),
                &user.principal,
                &id,
                &pid,
                input.version,
                pre.flatten(),
                post.flatten(),
            )
            .await?,
    ))
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(default)]
pub struct VersionInput {
    pub version: i64,
}

/// Takes a participant off the list; their attendance stays.
#[utoipa::path(post, path = "/api/v1/activities/{id}/participants/{pid}/withdraw", tag = "activities",
    params(("id" = String, Path), ("pid" = String, Path)), request_body = VersionInput,
    responses((status = 200, body = ParticipantRow), (status = 409, body = Problem)))]
pub async fn withdraw(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param((id, pid)): Param<(String, String)>,
    JsonBody(input): JsonBody<VersionInput>,
) -> AppResult<Json<ParticipantRow>> {
    Ok(Json(
        state
            .store
            .withdraw_participant(&ctx.actor(), &user.principal, &id, &pid, input.version)
            .await?,
    ))
}

/// Issues (or gives again) the certificate of a participant who completed
/// the activity; 422 `err-not-completed` otherwise. The PDF is at
/// `/activities/{id}/participants/{pid}/certificate.pdf`; anyone checks a
/// code at `/certificates/{code}`.
#[utoipa::path(post, path = "/api/v1/activities/{id}/participants/{pid}/certificate", tag = "activities",
    params(("id" = String, Path), ("pid" = String, Path)),
    responses((status = 200, body = CertificateRow), (status = 422, body = Problem)))]
pub async fn certificate(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param((id, pid)): Param<(String, String)>,
) -> AppResult<Json<CertificateRow>> {
    Ok(Json(
        state
            .store
            .issue_certificate(&ctx.actor(), &user.principal, &id, &pid)
            .await?,
    ))
}

#[derive(Serialize, ToSchema)]
pub struct AttendanceSheet {
    pub session: SessionRow,
    pub items: Vec<SheetRow>,
    /// People on the list the caller may not see.
    pub hidden: i64,
}

#[utoipa::path(get, path = "/api/v1/activities/{id}/sessions/{sid}/attendance", tag = "activities",
    params(("id" = String, Path), ("sid" = String, Path)),
    responses((status = 200, body = AttendanceSheet), (status = 404, body = Problem)))]
pub async fn get_attendance(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param((id, sid)): Param<(String, String)>,
) -> AppResult<Json<AttendanceSheet>> {
    let (_, session, items, hidden) = state
        .store
        .attendance_sheet_read(&ctx.actor(), &user.principal, &id, &sid)
        .await?;
    Ok(Json(AttendanceSheet {
        session,
        items,
        hidden,
    }))
}

#[derive(Deserialize, Serialize, ToSchema, Default)]
#[serde(default)]
pub struct MarkEntry {
    pub participant_id: String,
    /// present, absent, excused
    pub mark: String,
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(default)]
pub struct SheetInput {
    pub marks: Vec<MarkEntry>,
}

/// Saves a session's sheet. Marks not sent stay as they are, so two
/// facilitators saving at once lose nothing; sending a sheet again changes
/// nothing. Every problem is named by the mark's position.
#[utoipa::path(put, path = "/api/v1/activities/{id}/sessions/{sid}/attendance", tag = "activities",
    params(("id" = String, Path), ("sid" = String, Path)), request_body = SheetInput,
    responses((status = 200, body = SavedMarks), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn put_attendance(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param((id, sid)): Param<(String, String)>,
    JsonBody(input): JsonBody<SheetInput>,
) -> AppResult<Json<SavedMarks>> {
    let marks = parse_marks(
        input
            .marks
            .iter()
            .map(|m| (m.participant_id.as_str(), m.mark.as_str())),
    )?;
    Ok(Json(
        state
            .store
            .save_attendance(&ctx.actor(), &user.principal, &id, &sid, &marks)
            .await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/activities/{id}/sessions/{sid}/head-counts", tag = "activities",
    params(("id" = String, Path), ("sid" = String, Path)),
    responses((status = 200, body = Vec<HeadCountRow>), (status = 404, body = Problem)))]
pub async fn get_head_counts(
    State(state): State<AppState>,
    Auth(_, user): Auth,
    Param((id, sid)): Param<(String, String)>,
) -> AppResult<Json<Vec<HeadCountRow>>> {
    Ok(Json(
        state.store.head_counts(&user.principal, &id, &sid).await?,
    ))
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(default)]
pub struct HeadCountInput {
    /// female, male, unknown
    pub sex: String,
    /// 0_6, 7_17, 18_29, 30_54, 55_plus
    pub age_band: String,
    pub count: i64,
}

/// Replaces a session's head counts (mass events where names are not taken).
#[utoipa::path(put, path = "/api/v1/activities/{id}/sessions/{sid}/head-counts", tag = "activities",
    params(("id" = String, Path), ("sid" = String, Path)), request_body = Vec<HeadCountInput>,
    responses((status = 200, body = Vec<HeadCountRow>), (status = 422, body = Problem)))]
pub async fn put_head_counts(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param((id, sid)): Param<(String, String)>,
    JsonBody(input): JsonBody<Vec<HeadCountInput>>,
) -> AppResult<Json<Vec<HeadCountRow>>> {
    let mut e = ValidationErrors::new();
    let mut counts = Vec::new();
    if input.len() > 100 {
        return Err(ValidationErrors::single("counts", "err-too-many").into());
    }
    for (i, c) in input.iter().enumerate() {
        let sex = e.take(&format!("[{i}].sex"), CountedSex::parse(&c.sex));
        let band = e.take(&format!("[{i}].age_band"), AgeBand::parse(&c.age_band));
        let n = e.take(&format!("[{i}].count"), head_count(&c.count.to_string()));
        if let (Some(s), Some(b), Some(n)) = (sex, band, n) {
            counts.push((s, b, n));
        }
    }
    e.into_result()?;
    Ok(Json(
        state
            .store
            .set_head_counts(&ctx.actor(), &user.principal, &id, &sid, &counts)
            .await?,
    ))
}

/// The activities a person took part in, with attendance, scores and completion.
#[utoipa::path(get, path = "/api/v1/persons/{id}/activities", tag = "activities", params(("id" = String, Path)),
    responses((status = 200, body = Vec<PersonActivityRow>), (status = 404, body = Problem)))]
pub async fn person_activities(
    State(state): State<AppState>,
    Auth(_, user): Auth,
    Param(id): Param<String>,
) -> AppResult<Json<Vec<PersonActivityRow>>> {
    Ok(Json(
        state.store.person_activities(&user.principal, &id).await?,
    ))
}

#[derive(Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
#[serde(default)]
pub struct TransportParams {
    pub activity: Option<String>,
    pub unit: Option<String>,
    pub programme: Option<String>,
    /// YYYY-MM
    pub month: Option<String>,
    /// For totals: activity (default), unit or programme.
    pub by: Option<String>,
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}

impl TransportParams {
    fn filter(&self) -> TransportFilter {
        TransportFilter {
            activity: self.activity.clone(),
            unit: self.unit.clone(),
            programme: self.programme.clone(),
            month: self.month.clone(),
            limit: self.limit.unwrap_or(100).clamp(1, 500),
            offset: self.offset.unwrap_or(0).max(0),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct TransportList {
    pub items: Vec<TransportRow>,
    pub has_more: bool,
}

/// Transport payments of the activities the caller may see (names only of
/// people the caller may see).
#[utoipa::path(get, path = "/api/v1/transport-payments", tag = "activities", params(TransportParams),
    responses((status = 200, body = TransportList), (status = 404, body = Problem)))]
pub async fn list_transport(
    State(state): State<AppState>,
    Auth(_, user): Auth,
    QueryArgs(p): QueryArgs<TransportParams>,
) -> AppResult<Json<TransportList>> {
    let f = p.filter();
    let mut items = state.store.transport_payments(&user.principal, &f).await?;
    let has_more = items.len() as i64 > f.limit;
    items.truncate(f.limit as usize);
    Ok(Json(TransportList { items, has_more }))
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(default)]
pub struct TransportInput {
    pub activity_id: String,
    pub participant_id: String,
    /// For one session; or give `month`.
    pub session_id: Option<String>,
    /// YYYY-MM, for a month.
    pub month: Option<String>,
    /// public_transport, minibus, taxi, own_vehicle, travel_card, other
    pub mode: String,
    /// Decimal, e.g. "150.00".
    pub amount: String,
    /// ISO 4217, e.g. TRY.
    pub currency: String,
    /// YYYY-MM-DD; absent: not paid yet.
    pub paid_on: Option<String>,
    /// Who paid (an office, a person).
    pub paid_by: Option<String>,
}

/// Records transport support for a participant: one payment per
/// participant and session or month (a second is refused, 422).
#[utoipa::path(post, path = "/api/v1/transport-payments", tag = "activities", request_body = TransportInput,
    responses((status = 201, body = TransportRow), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn record_transport(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    JsonBody(input): JsonBody<TransportInput>,
) -> AppResult<Response> {
    let o = |v: &Option<String>| v.clone().unwrap_or_default();
    let t = TransportDraft {
        participant_id: input.participant_id.clone(),
        session_id: o(&input.session_id),
        month: o(&input.month),
        mode: input.mode.clone(),
        amount: input.amount.clone(),
        currency: input.currency.clone(),
        paid_on: o(&input.paid_on),
        paid_by: o(&input.paid_by),
    }
    .validate(&kopru_store::clock::today())?;
    let row = state
        .store
        .record_transport(&ctx.actor(), &user.principal, &input.activity_id, &t)
        .await?;
    Ok((StatusCode::CREATED, Json(row)).into_response())
}

/// Totals of transport support by activity, unit or programme, per currency.
#[utoipa::path(get, path = "/api/v1/transport-payments/totals", tag = "activities", params(TransportParams),
    responses((status = 200, body = Vec<TransportTotal>), (status = 400, body = Problem)))]
pub async fn transport_totals(
    State(state): State<AppState>,
    Auth(_, user): Auth,
    QueryArgs(p): QueryArgs<TransportParams>,
) -> AppResult<Json<Vec<TransportTotal>>> {
    let by = TotalBy::parse(p.by.as_deref().unwrap_or(""))
        .ok_or_else(|| ValidationErrors::single("by", "err-choice"))?;
    Ok(Json(
        state
            .store
            .transport_totals(&user.principal, by, &p.filter())
            .await?,
    ))
}

const EXPORT_COLUMNS: [&str; 16] = [
    "id",
    "title",
    "kind",
    "programme_code",
    "result_area",
    "unit_code",
    "institution_code",
    "area_code",
    "venue",
    "starts_on",
    "ends_on",
    "status",
    "capacity",
    "participants",
    "sessions",
    "cost",
];

/// The activities a filter finds, whole, as CSV or XLSX (every page of the
/// list, or an error: never a cut file).
#[utoipa::path(get, path = "/api/v1/activities/export", tag = "activities", params(ActivityParams),
    responses((status = 200, description = "CSV or XLSX"), (status = 422, body = Problem)))]
pub async fn export_activities(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    QueryArgs(p): QueryArgs<ActivityParams>,
) -> AppResult<Response> {
    let format = p.format.clone().unwrap_or_else(|| "csv".into());
    if !matches!(format.as_str(), "csv" | "xlsx") {
        return Err(ValidationErrors::single("format", "err-choice").into());
    }
    let naming = crate::export::Naming::from_param(p.names.as_deref(), ctx.tr)?;
    let mut f = p.filter(&user.principal.user_id);
    f.limit = 500;
    f.offset = 0;
    let lang = ctx.tr.tag();
    let mut rows: Vec<Vec<String>> = Vec::new();
    loop {
        let page = state.store.activities(&user.principal, &f).await?;
        let more = page.len() as i64 > f.limit;
        for a in page.iter().take(f.limit as usize) {
            let o = |v: &Option<String>| v.clone().unwrap_or_default();
            let mut cells = vec![
                a.id.clone(),
                a.title_in(lang),
                naming.value("activity-kind", &a.kind),
                a.programme_code.clone(),
                o(&a.result_area),
                o(&a.unit_code),
                o(&a.institution_code),
                a.area_code.clone(),
                o(&a.venue),
                a.starts_on.clone(),
                o(&a.ends_on),
                naming.value("activity-status", &a.status),
                a.capacity.map(|c| c.to_string()).unwrap_or_default(),
                a.participant_count.to_string(),
                a.session_count.to_string(),
                match (a.cost_minor, &a.currency) {
                    (Some(c), Some(cur)) => {
                        format!("{} {cur}", kopru_domain::activity::format_amount(c))
                    }
                    _ => String::new(),
                },
            ];
            if naming.labels() {
                cells.push(a.kind.clone());
                cells.push(a.status.clone());
            }
            rows.push(cells);
        }
        if !more {
            break;
        }
        if rows.len() >= 100_000 {
            return Err(ValidationErrors::single("limit", "err-too-many").into());
        }
        f.offset += f.limit;
    }
    let mut header: Vec<String> = EXPORT_COLUMNS.iter().map(|c| naming.header(c)).collect();
    if naming.labels() {
        header.push(naming.code_header("kind"));
        header.push(naming.code_header("status"));
    }
    crate::export::table_response(&format, "activities", &header, &rows, naming.separator())
}

#[derive(Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
#[serde(default)]
pub struct StatsParams {
    pub unit: Option<String>,
    /// YYYY-MM-DD; the first of January when absent.
    pub from: Option<String>,
    /// YYYY-MM-DD; today when absent.
    pub to: Option<String>,
}

/// Activities, sessions held and unique participants (by sex and age band)
/// in a period, within the caller's scope.
#[utoipa::path(get, path = "/api/v1/activities/statistics", tag = "activities", params(StatsParams),
    responses((status = 200, body = ActivityStats), (status = 422, body = Problem)))]
pub async fn activity_statistics(
    State(state): State<AppState>,
    Auth(_, user): Auth,
    QueryArgs(p): QueryArgs<StatsParams>,
) -> AppResult<Json<ActivityStats>> {
    let (from, to) = period(&p.from, &p.to)?;
    Ok(Json(
        state
            .store
            .activity_stats(&user.principal, p.unit.as_deref(), &from, &to)
            .await?,
    ))
}

/// A period from optional dates: every problem named; the year so far by default.
fn period(
    from: &Option<String>,
    to: &Option<String>,
) -> Result<(String, String), ValidationErrors> {
    use kopru_domain::codes::optional_date;
    let mut e = ValidationErrors::new();
    let today = kopru_store::clock::today();
    let to = e
        .take("to", optional_date(to.as_deref().unwrap_or("")))
        .flatten()
        .unwrap_or_else(|| today.clone());
    let from = e
        .take("from", optional_date(from.as_deref().unwrap_or("")))
        .flatten()
        .unwrap_or_else(|| format!("{}-01-01", &to[..4]));
    if from > to {
        e.push("to", "err-ends-before-start");
    }
    e.into_result()?;
    Ok((from, to))
}

#[derive(Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
#[serde(default)]
pub struct CalendarParams {
    pub unit: Option<String>,
    /// YYYY-MM-DD
    pub from: Option<String>,
    /// YYYY-MM-DD
    pub to: Option<String>,
}

/// Sessions between two dates (at most 1000), in time order.
#[utoipa::path(get, path = "/api/v1/activities/calendar", tag = "activities", params(CalendarParams),
    responses((status = 200, body = Vec<CalendarRow>), (status = 422, body = Problem)))]
pub async fn calendar(
    State(state): State<AppState>,
    Auth(_, user): Auth,
    QueryArgs(p): QueryArgs<CalendarParams>,
) -> AppResult<Json<Vec<CalendarRow>>> {
    let (from, to) = period(&p.from, &p.to)?;
    Ok(Json(
        state
            .store
            .sessions_between(&user.principal, &from, &to, p.unit.as_deref())
            .await?,
    ))
}

/// Imports a session's sign-in sheet (CSV or XLSX): rows name a participant
/// by `participant_id` (the sheet from `/activities/{id}/sessions/{sid}/sheet.xlsx`)
/// or by name as on the list, and a mark (present/absent/excused in any of
/// the languages, or a filled signature cell). Every rejected row comes back
/// with its reason; importing the same sheet again changes nothing.
#[utoipa::path(post, path = "/api/v1/activities/{id}/sessions/{sid}/attendance/import", tag = "activities",
    params(("id" = String, Path), ("sid" = String, Path)),
    request_body(content = Vec<u8>, description = "A CSV or XLSX sign-in sheet", content_type = "application/octet-stream"),
    responses((status = 200, body = super::service::SheetImport), (status = 413, body = Problem), (status = 422, body = Problem)))]
pub async fn import_attendance(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param((id, sid)): Param<(String, String)>,
    body: axum::body::Bytes,
) -> AppResult<Json<super::service::SheetImport>> {
    Ok(Json(
        super::service::import_sheet(
            &state.store,
            &ctx.actor(),
            &user.principal,
            &id,
            &sid,
            &body,
        )
        .await?,
    ))
}
