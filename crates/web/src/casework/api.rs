//! `/api/v1/cases`, `/api/v1/referrals`, `/api/v1/transfers`,
//! `/api/v1/follow-ups`, `/api/v1/my-work`, `/api/v1/dashboard`: case
//! management through the same store calls as the pages.

use super::attachment_response;
use crate::context::Auth;
use crate::error::{AppError, AppResult, Problem};
use crate::extract::{JsonBody, Param, QueryArgs};
use crate::AppState;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use kopru_domain::case::CaseStatus;
use kopru_domain::casework::{
    CaseDraft, CaseUpdateDraft, ClosureDraft, ContactDraft, FollowUpDraft, GoalDraft,
    ReferralDraft, ReferralMoveDraft, ServiceDraft,
};
use kopru_domain::{Action, ValidationErrors};
use kopru_store::casework::referrals::{ReferralFilter, ReferralRow, ReferralView, ResponseTime};
use kopru_store::casework::{
    AttachmentRow, CaseFile, CaseFilter, CaseRow, ContactRow, FollowUpChange, FollowUpRow, GoalRow,
    PlannedService, PlannedServiceRow, ServiceRow, SubmissionRow, TransferRow, WorkerRow,
};
use kopru_store::clock::today;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::router::UtoipaMethodRouterExt;
use utoipa_axum::routes;

/// The routes of this file, with their OpenAPI operations.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_cases, open_case))
        .routes(routes!(export_cases))
        .routes(routes!(get_case, update_case))
        .routes(routes!(case_status))
        .routes(routes!(close_case))
        .routes(routes!(assign_case))
        .routes(routes!(request_transfer))
        .routes(routes!(add_goal))
        .routes(routes!(update_goal))
        .routes(routes!(add_planned_service))
        .routes(routes!(add_contact))
        .routes(
            routes!(add_attachment).layer(axum::extract::DefaultBodyLimit::max(
                super::MAX_ATTACHMENT_BODY,
            )),
        )
        .routes(routes!(get_attachment))
        .routes(routes!(add_service))
        .routes(routes!(add_follow_up))
        .routes(routes!(submit_form))
        .routes(routes!(get_submission))
        .routes(routes!(send_referral))
        .routes(routes!(update_follow_up))
        .routes(routes!(list_transfers))
        .routes(routes!(answer_transfer))
        .routes(routes!(list_referrals))
        .routes(routes!(get_referral))
        .routes(routes!(move_referral))
        .routes(routes!(response_times))
        .routes(routes!(set_response_time))
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(default)]
pub struct CaseInput {
    /// The person the case is for (or give `household_id`).
    pub person_id: Option<String>,
    pub household_id: Option<String>,
    pub unit_code: String,
    pub programme_code: Option<String>,
    /// low, normal (default), high, urgent
    pub priority: Option<String>,
    /// education, health, employment, housing, social_assistance, civil_documents, legal
    pub domains: Vec<String>,
    pub summary: Option<String>,
    /// YYYY-MM-DD; today when absent.
    pub opened_on: Option<String>,
    /// User ids of the workers (the first leads); default: the caller.
    pub workers: Vec<String>,
}

#[derive(Serialize, ToSchema)]
pub struct CaseList {
    pub items: Vec<CaseRow>,
    pub has_more: bool,
}

#[derive(Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
#[serde(default)]
pub struct CaseParams {
    /// open, assessed, plan_agreed, in_service, closed
    pub status: Option<String>,
    /// Only cases not closed.
    pub open: bool,
    pub unit: Option<String>,
    pub domain: Option<String>,
    /// Only cases this user (id) works on.
    pub worker: Option<String>,
    /// Only the caller's own cases.
    pub mine: bool,
    pub person: Option<String>,
    pub household: Option<String>,
    /// Part of the person's name or the household's address.
    pub q: Option<String>,
    pub limit: Option<i64>,
    pub offset: Option<i64>,
    /// For the export: csv (default) or xlsx.
    pub format: Option<String>,
    /// Exports: `codes` (default) or `labels` (headers and values in the
    /// reader's language, codes in extra columns, `;` where the reader's
    /// spreadsheet expects it).
    #[serde(default)]
    pub names: Option<String>,
}

impl CaseParams {
    pub fn filter(&self, user_id: &str) -> CaseFilter {
        CaseFilter {
            status: self.status.clone(),
            open_only: self.open,
            unit: self.unit.clone(),
            domain: self.domain.clone(),
            worker_id: if self.mine {
                Some(user_id.to_owned())
            } else {
                self.worker.clone()
            },
            person_id: self.person.clone(),
            household_id: self.household.clone(),
            q: self.q.clone(),
            limit: self.limit.unwrap_or(50).clamp(1, 500),
            offset: self.offset.unwrap_or(0).max(0),
        }
    }
}

#[utoipa::path(get, path = "/api/v1/cases", tag = "cases", params(CaseParams),
    responses((status = 200, body = CaseList), (status = 401, body = Problem)))]
pub async fn list_cases(
    State(state): State<AppState>,
    Auth(_, user): Auth,
    QueryArgs(p): QueryArgs<CaseParams>,
) -> AppResult<Json<CaseList>> {
    if !user.principal.may(Action::ViewCases) {
        return Err(AppError::Forbidden);
    }
    let f = p.filter(&user.principal.user_id);
    let mut items = state.store.cases(&user.principal, &f).await?;
    let has_more = items.len() as i64 > f.limit;
    items.truncate(f.limit as usize);
    Ok(Json(CaseList { items, has_more }))
}

/// Opens a case for a person or a household.
#[utoipa::path(post, path = "/api/v1/cases", tag = "cases", request_body = CaseInput,
    responses((status = 201, body = CaseRow), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn open_case(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    JsonBody(input): JsonBody<CaseInput>,
) -> AppResult<Response> {
    let o = |v: &Option<String>| v.clone().unwrap_or_default();
    let new = CaseDraft {
        person_id: o(&input.person_id),
        household_id: o(&input.household_id),
        unit_code: input.unit_code.clone(),
        programme_code: o(&input.programme_code),
        priority: o(&input.priority),
        domains: input.domains.clone(),
        summary: o(&input.summary),
        opened_on: o(&input.opened_on),
    }
    .validate(&today())?;
    let row = state
        .store
        .open_case(&ctx.actor(), &user.principal, &new, &input.workers)
        .await?;
    Ok((StatusCode::CREATED, Json(row)).into_response())
}

/// Everything on a case: workers, status history, goals, planned services,
/// contacts, attachments, services, follow-ups, submissions, transfers, referrals.
#[utoipa::path(get, path = "/api/v1/cases/{id}", tag = "cases", params(("id" = String, Path)),
    responses((status = 200, body = CaseFile), (status = 404, body = Problem)))]
pub async fn get_case(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param(id): Param<String>,
) -> AppResult<Json<CaseFile>> {
    Ok(Json(
        state
            .store
            .case_file(&ctx.actor(), &user.principal, &id)
            .await?,
    ))
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(default)]
pub struct CaseUpdateInput {
    pub priority: String,
    pub domains: Vec<String>,
    pub summary: Option<String>,
    /// The version you read.
    pub version: i64,
}

#[utoipa::path(put, path = "/api/v1/cases/{id}", tag = "cases", params(("id" = String, Path)), request_body = CaseUpdateInput,
    responses((status = 200, body = CaseRow), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn update_case(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param(id): Param<String>,
    JsonBody(input): JsonBody<CaseUpdateInput>,
) -> AppResult<Json<CaseRow>> {
    let u = CaseUpdateDraft {
        priority: input.priority,
        domains: input.domains,
        summary: input.summary.unwrap_or_default(),
    }
    .validate()?;
    Ok(Json(
        state
            .store
            .update_case(&ctx.actor(), &user.principal, &id, input.version, &u)
            .await?,
    ))
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(default)]
pub struct CaseStatusInput {
    /// assessed, plan_agreed, in_service; open to reopen a closed case (with a note).
    pub status: String,
    pub note: Option<String>,
    pub version: i64,
}

/// Moves a case along its workflow; an illegal move is refused (422).
#[utoipa::path(post, path = "/api/v1/cases/{id}/status", tag = "cases", params(("id" = String, Path)), request_body = CaseStatusInput,
    responses((status = 200, body = CaseRow), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn case_status(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param(id): Param<String>,
    JsonBody(input): JsonBody<CaseStatusInput>,
) -> AppResult<Json<CaseRow>> {
    let to = CaseStatus::parse(&input.status)
        .map_err(|code| ValidationErrors::single("status", code))?;
    Ok(Json(
        state
            .store
            .change_case_status(
                &ctx.actor(),
                &user.principal,
                &id,
                input.version,
                to,
                input.note.as_deref(),
            )
            .await?,
    ))
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(default)]
pub struct CloseInput {
    /// goals_met, moved_away, no_longer_eligible, declined, lost_contact, deceased, transferred_out
    pub reason: String,
    pub note: Option<String>,
    /// Goal id → achieved, partly_achieved, not_achieved, dropped (every goal without an outcome).
    pub outcomes: BTreeMap<String, String>,
    pub version: i64,
}

#[utoipa::path(post, path = "/api/v1/cases/{id}/close", tag = "cases", params(("id" = String, Path)), request_body = CloseInput,
    responses((status = 200, body = CaseRow), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn close_case(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param(id): Param<String>,
    JsonBody(input): JsonBody<CloseInput>,
) -> AppResult<Json<CaseRow>> {
    let draft = ClosureDraft {
        reason: input.reason,
        note: input.note.unwrap_or_default(),
        outcomes: input.outcomes.into_iter().collect(),
    };
    Ok(Json(
        state
            .store
            .close_case(&ctx.actor(), &user.principal, &id, input.version, &draft)
            .await?,
    ))
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(default)]
pub struct WorkersInput {
    /// User ids; the first leads.
    pub workers: Vec<String>,
}

/// Reassigns a case (coordinators).
#[utoipa::path(put, path = "/api/v1/cases/{id}/workers", tag = "cases", params(("id" = String, Path)), request_body = WorkersInput,
    responses((status = 200, body = Vec<WorkerRow>), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn assign_case(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param(id): Param<String>,
    JsonBody(input): JsonBody<WorkersInput>,
) -> AppResult<Json<Vec<WorkerRow>>> {
    Ok(Json(
        state
            .store
            .assign_case(&ctx.actor(), &user.principal, &id, &input.workers)
            .await?,
    ))
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(default)]
pub struct TransferInput {
    pub to_unit: String,
    /// A worker of the receiving unit; without one the unit's coordinator answers.
    pub to_user_id: Option<String>,
    pub reason: String,
}

#[utoipa::path(post, path = "/api/v1/cases/{id}/transfers", tag = "cases", params(("id" = String, Path)), request_body = TransferInput,
    responses((status = 201, body = TransferRow), (status = 422, body = Problem)))]
pub async fn request_transfer(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param(id): Param<String>,
    JsonBody(input): JsonBody<TransferInput>,
) -> AppResult<Response> {
    let to_user = input.to_user_id.as_deref().filter(|s| !s.trim().is_empty());
    let row = state
        .store
        .request_transfer(
            &ctx.actor(),
            &user.principal,
            &id,
            &input.to_unit,
            to_user,
            &input.reason,
        )
        .await?;
    Ok((StatusCode::CREATED, Json(row)).into_response())
}

/// Transfers waiting for the caller's answer.
#[utoipa::path(get, path = "/api/v1/transfers", tag = "cases",
    responses((status = 200, body = Vec<TransferRow>)))]
pub async fn list_transfers(
    State(state): State<AppState>,
    Auth(_, user): Auth,
) -> AppResult<Json<Vec<TransferRow>>> {
    Ok(Json(state.store.pending_transfers(&user.principal).await?))
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(default)]
pub struct TransferAnswer {
    pub accept: bool,
    /// Required when declining.
    pub note: Option<String>,
}

#[utoipa::path(post, path = "/api/v1/transfers/{id}/answer", tag = "cases", params(("id" = String, Path)), request_body = TransferAnswer,
    responses((status = 200, body = TransferRow), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn answer_transfer(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param(id): Param<String>,
    JsonBody(input): JsonBody<TransferAnswer>,
) -> AppResult<Json<TransferRow>> {
    Ok(Json(
        state
            .store
            .answer_transfer(
                &ctx.actor(),
                &user.principal,
                &id,
                input.accept,
                input.note.as_deref(),
            )
            .await?,
    ))
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(default)]
pub struct GoalInput {
    pub domain: String,
    pub description: String,
    pub target_date: Option<String>,
    /// planned (default), in_progress, achieved, partly_achieved, not_achieved, dropped
    pub status: Option<String>,
    /// When updating: the version you read.
    pub version: i64,
}

impl GoalInput {
    fn draft(&self) -> GoalDraft {
        GoalDraft {
            domain: self.domain.clone(),
            description: self.description.clone(),
            target_date: self.target_date.clone().unwrap_or_default(),
            status: self.status.clone().unwrap_or_default(),
        }
    }
}

#[utoipa::path(post, path = "/api/v1/cases/{id}/goals", tag = "cases", params(("id" = String, Path)), request_body = GoalInput,
    responses((status = 201, body = GoalRow), (status = 422, body = Problem)))]
pub async fn add_goal(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param(id): Param<String>,
    JsonBody(input): JsonBody<GoalInput>,
) -> AppResult<Response> {
    let g = input.draft().validate()?;
    let row = state
        .store
        .add_goal(&ctx.actor(), &user.principal, &id, &g)
        .await?;
    Ok((StatusCode::CREATED, Json(row)).into_response())
}

#[utoipa::path(put, path = "/api/v1/cases/{id}/goals/{gid}", tag = "cases", params(("id" = String, Path), ("gid" = String, Path)), request_body = GoalInput,
    responses((status = 200, body = GoalRow), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn update_goal(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    axum::extract::Path((id, gid)): axum::extract::Path<(String, String)>,
    JsonBody(input): JsonBody<GoalInput>,
) -> AppResult<Json<GoalRow>> {
    let g = input.draft().validate()?;
    Ok(Json(
        state
            .store
            .update_goal(&ctx.actor(), &user.principal, &id, &gid, input.version, &g)
            .await?,
    ))
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(default)]
pub struct PlannedServiceInput {
    pub goal_id: Option<String>,
    /// A service the unit gives (counselling, accompaniment, transport_support,
    /// in_kind_aid, documents_help) or one of the directory's (school_enrolment, …).
    pub service: String,
    pub description: Option<String>,
    pub planned_on: Option<String>,
}

#[utoipa::path(post, path = "/api/v1/cases/{id}/planned-services", tag = "cases", params(("id" = String, Path)), request_body = PlannedServiceInput,
    responses((status = 201, body = PlannedServiceRow), (status = 422, body = Problem)))]
pub async fn add_planned_service(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param(id): Param<String>,
    JsonBody(input): JsonBody<PlannedServiceInput>,
) -> AppResult<Response> {
    let row = state
        .store
        .add_planned_service(
            &ctx.actor(),
            &user.principal,
            &id,
            &PlannedService {
                goal_id: input.goal_id.as_deref().filter(|g| !g.is_empty()),
                service: &input.service,
                description: input.description.as_deref().unwrap_or(""),
                planned_on: input.planned_on.as_deref().unwrap_or(""),
            },
        )
        .await?;
    Ok((StatusCode::CREATED, Json(row)).into_response())
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(default)]
pub struct ContactInput {
    /// home_visit, office_visit, phone_call, accompaniment
    pub kind: String,
    /// YYYY-MM-DD, not in the future; today when absent.
    pub date: Option<String>,
    pub duration_minutes: Option<i64>,
    pub participants: Option<String>,
    pub narrative: Option<String>,
}

#[utoipa::path(post, path = "/api/v1/cases/{id}/contacts", tag = "cases", params(("id" = String, Path)), request_body = ContactInput,
    responses((status = 201, body = ContactRow), (status = 422, body = Problem)))]
pub async fn add_contact(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param(id): Param<String>,
    JsonBody(input): JsonBody<ContactInput>,
) -> AppResult<Response> {
    let c = ContactDraft {
        kind: input.kind,
        date: input.date.unwrap_or_default(),
        duration_minutes: input
            .duration_minutes
            .map(|d| d.to_string())
            .unwrap_or_default(),
        participants: input.participants.unwrap_or_default(),
        narrative: input.narrative.unwrap_or_default(),
    }
    .validate(&today())?;
    let row = state
        .store
        .add_contact(&ctx.actor(), &user.principal, &id, &c)
        .await?;
    Ok((StatusCode::CREATED, Json(row)).into_response())
}

#[derive(Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
#[serde(default)]
pub struct AttachmentParams {
    pub file_name: String,
    /// The contact it belongs to, if any.
    pub contact_id: Option<String>,
}

/// Attaches a file (the request body): JPEG, PNG, WebP or PDF, at most 5 MiB,
/// recognised by its content. Stored encrypted.
#[utoipa::path(post, path = "/api/v1/cases/{id}/attachments", tag = "cases", params(("id" = String, Path), AttachmentParams),
    request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses((status = 201, body = AttachmentRow), (status = 422, body = Problem)))]
pub async fn add_attachment(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param(id): Param<String>,
    QueryArgs(p): QueryArgs<AttachmentParams>,
    body: Bytes,
) -> AppResult<Response> {
    let row = state
        .store
        .add_attachment(
            &ctx.actor(),
            &user.principal,
            &id,
            p.contact_id.as_deref().filter(|c| !c.is_empty()),
            &p.file_name,
            &body,
        )
        .await?;
    Ok((StatusCode::CREATED, Json(row)).into_response())
}

/// An attachment's content (the reading is audited).
#[utoipa::path(get, path = "/api/v1/cases/{id}/attachments/{aid}", tag = "cases", params(("id" = String, Path), ("aid" = String, Path)),
    responses((status = 200, description = "The file", content_type = "application/octet-stream"), (status = 404, body = Problem)))]
pub async fn get_attachment(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    axum::extract::Path((id, aid)): axum::extract::Path<(String, String)>,
) -> AppResult<Response> {
    let (row, bytes) = state
        .store
        .attachment(&ctx.actor(), &user.principal, &id, &aid)
        .await?;
    Ok(attachment_response(&row, bytes))
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(default)]
pub struct ServiceInput {
    /// counselling, accompaniment, transport_support, in_kind_aid, documents_help
    pub kind: String,
    pub date: Option<String>,
    /// Default 1.
    pub quantity: Option<f64>,
    pub note: Option<String>,
}

#[utoipa::path(post, path = "/api/v1/cases/{id}/services", tag = "cases", params(("id" = String, Path)), request_body = ServiceInput,
    responses((status = 201, body = ServiceRow), (status = 422, body = Problem)))]
pub async fn add_service(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param(id): Param<String>,
    JsonBody(input): JsonBody<ServiceInput>,
) -> AppResult<Response> {
    let s = ServiceDraft {
        kind: input.kind,
        date: input.date.unwrap_or_default(),
        quantity: input.quantity.map(|q| q.to_string()).unwrap_or_default(),
        note: input.note.unwrap_or_default(),
    }
    .validate(&today())?;
    let row = state
        .store
        .add_service(&ctx.actor(), &user.principal, &id, &s)
        .await?;
    Ok((StatusCode::CREATED, Json(row)).into_response())
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(default)]
pub struct FollowUpInput {
    pub title: String,
    pub due_on: String,
    /// A worker of the case's unit; default: the caller.
    pub assignee_id: Option<String>,
}

#[utoipa::path(post, path = "/api/v1/cases/{id}/follow-ups", tag = "cases", params(("id" = String, Path)), request_body = FollowUpInput,
    responses((status = 201, body = FollowUpRow), (status = 422, body = Problem)))]
pub async fn add_follow_up(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param(id): Param<String>,
    JsonBody(input): JsonBody<FollowUpInput>,
) -> AppResult<Response> {
    let f = FollowUpDraft {
        title: input.title,
        due_on: input.due_on,
        assignee_id: input.assignee_id.unwrap_or_default(),
    }
    .validate()?;
    let row = state
        .store
        .add_follow_up(&ctx.actor(), &user.principal, &id, &f)
        .await?;
    Ok((StatusCode::CREATED, Json(row)).into_response())
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(default)]
pub struct FollowUpUpdate {
    pub version: i64,
    pub done: bool,
    /// Undoes a completion.
    pub reopen: bool,
    pub assignee_id: Option<String>,
    pub due_on: Option<String>,
}

/// Marks a follow-up done, moves its due date, or reassigns it (coordinators, or its assignee).
#[utoipa::path(put, path = "/api/v1/follow-ups/{id}", tag = "cases", params(("id" = String, Path)), request_body = FollowUpUpdate,
    responses((status = 200, body = FollowUpRow), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn update_follow_up(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param(id): Param<String>,
    JsonBody(input): JsonBody<FollowUpUpdate>,
) -> AppResult<Json<FollowUpRow>> {
    Ok(Json(
        state
            .store
            .update_follow_up(
                &ctx.actor(),
                &user.principal,
                &id,
                input.version,
                &FollowUpChange {
                    done: input.done,
                    reopen: input.reopen,
                    assignee: input.assignee_id.as_deref(),
                    due_on: input.due_on.as_deref(),
                },
            )
            .await?,
    ))
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(default)]
pub struct SubmissionInput {
    pub form_id: String,
    /// Field id → answer (a repeating group: a list of such objects).
    #[schema(value_type = Object)]
    pub answers: serde_json::Map<String, serde_json::Value>,
}

/// Fills a form on a case (its newest version); answers are checked against it.
#[utoipa::path(post, path = "/api/v1/cases/{id}/submissions", tag = "cases", params(("id" = String, Path)), request_body = SubmissionInput,
    responses((status = 201, body = SubmissionRow), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn submit_form(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param(id): Param<String>,
    JsonBody(input): JsonBody<SubmissionInput>,
) -> AppResult<Response> {
    let row = state
        .store
        .submit_form(
            &ctx.actor(),
            &user.principal,
            &id,
            &input.form_id,
            &input.answers,
        )
        .await?;
    Ok((StatusCode::CREATED, Json(row)).into_response())
}

#[derive(Serialize, ToSchema)]
pub struct SubmissionOut {
    pub submission: SubmissionRow,
    /// The form version it was made with.
    #[schema(value_type = Object)]
    pub form: kopru_domain::form::FormDefinition,
}

#[utoipa::path(get, path = "/api/v1/cases/{id}/submissions/{sid}", tag = "cases", params(("id" = String, Path), ("sid" = String, Path)),
    responses((status = 200, body = SubmissionOut), (status = 404, body = Problem)))]
pub async fn get_submission(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    axum::extract::Path((id, sid)): axum::extract::Path<(String, String)>,
) -> AppResult<Json<SubmissionOut>> {
    let (submission, form) = state
        .store
        .submission(&ctx.actor(), &user.principal, &id, &sid)
        .await?;
    Ok(Json(SubmissionOut { submission, form }))
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(default)]
pub struct ReferralInput {
    pub institution_code: String,
    /// A service the institution offers (school_enrolment, health_care, …).
    pub service: String,
    pub reason: String,
    /// low, normal (default), high, urgent
    pub urgency: Option<String>,
    /// What to share besides the name: birth_date, sex, national_id, phone,
    /// address, languages, assessment.
    pub shared: Vec<String>,
    /// Send without a covering consent (coordinators), saying why.
    pub override_reason: Option<String>,
    /// For a household's case: the member referred (a current member).
    pub person_id: Option<String>,
}

/// Sends a referral from a person's case. Refused (422, field `consent`)
/// unless the person's consent covers sharing with that kind of institution.
#[utoipa::path(post, path = "/api/v1/cases/{id}/referrals", tag = "referrals", params(("id" = String, Path)), request_body = ReferralInput,
    responses((status = 201, body = ReferralRow), (status = 422, body = Problem)))]
pub async fn send_referral(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param(id): Param<String>,
    JsonBody(input): JsonBody<ReferralInput>,
) -> AppResult<Response> {
    let r = ReferralDraft {
        institution_code: input.institution_code,
        service: input.service,
        reason: input.reason,
        urgency: input.urgency.unwrap_or_default(),
        shared: input.shared,
        override_reason: input.override_reason.unwrap_or_default(),
        person_id: input.person_id.unwrap_or_default(),
    }
    .validate()?;
    let row = state
        .store
        .send_referral(&ctx.actor(), &user.principal, &id, &r)
        .await?;
    Ok((StatusCode::CREATED, Json(row)).into_response())
}

#[derive(Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
#[serde(default)]
pub struct ReferralParams {
    /// sent, received, accepted, declined, delivered, not_delivered, closed
    pub status: Option<String>,
    pub institution: Option<String>,
    pub unit: Option<String>,
    /// Only those waiting for an answer.
    pub awaiting: bool,
    /// Only those waiting past their due date.
    pub overdue: bool,
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}

impl ReferralParams {
    pub fn filter(&self) -> ReferralFilter {
        ReferralFilter {
            status: self.status.clone(),
            institution: self.institution.clone(),
            unit: self.unit.clone(),
            overdue: self.overdue,
            awaiting: self.awaiting,
            limit: self.limit.unwrap_or(50).clamp(1, 500),
            offset: self.offset.unwrap_or(0).max(0),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct ReferralList {
    pub items: Vec<ReferralRow>,
    pub has_more: bool,
}

/// Referrals the caller may see: from cases in their scope, or (focal points)
/// to their institution — its inbox.
#[utoipa::path(get, path = "/api/v1/referrals", tag = "referrals", params(ReferralParams),
    responses((status = 200, body = ReferralList)))]
pub async fn list_referrals(
    State(state): State<AppState>,
    Auth(_, user): Auth,
    QueryArgs(p): QueryArgs<ReferralParams>,
) -> AppResult<Json<ReferralList>> {
    let f = p.filter();
    let mut items = state.store.referrals(&user.principal, &f).await?;
    let has_more = items.len() as i64 > f.limit;
    items.truncate(f.limit as usize);
    Ok(Json(ReferralList { items, has_more }))
}

#[utoipa::path(get, path = "/api/v1/referrals/{id}", tag = "referrals", params(("id" = String, Path)),
    responses((status = 200, body = ReferralView), (status = 404, body = Problem)))]
pub async fn get_referral(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param(id): Param<String>,
) -> AppResult<Json<ReferralView>> {
    Ok(Json(
        state
            .store
            .referral(&ctx.actor(), &user.principal, &id)
            .await?,
    ))
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(default)]
pub struct ReferralMoveInput {
    /// received, accepted, declined, delivered, not_delivered, closed
    pub status: String,
    /// Required for declined and not_delivered.
    pub reason: Option<String>,
    pub note: Option<String>,
    /// When the service was given (delivered); today when absent.
    pub service_on: Option<String>,
    pub version: i64,
}

/// Answers a referral (the institution's focal point) or records the answer
/// (the sending unit); an illegal move is refused (422).
#[utoipa::path(post, path = "/api/v1/referrals/{id}/moves", tag = "referrals", params(("id" = String, Path)), request_body = ReferralMoveInput,
    responses((status = 200, body = ReferralRow), (status = 403, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn move_referral(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param(id): Param<String>,
    JsonBody(input): JsonBody<ReferralMoveInput>,
) -> AppResult<Json<ReferralRow>> {
    let m = ReferralMoveDraft {
        status: input.status,
        reason: input.reason.unwrap_or_default(),
        note: input.note.unwrap_or_default(),
        service_on: input.service_on.unwrap_or_default(),
    }
    .validate(&today())?;
    Ok(Json(
        state
            .store
            .move_referral(&ctx.actor(), &user.principal, &id, input.version, &m)
            .await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/response-times", tag = "referrals",
    responses((status = 200, body = Vec<ResponseTime>)))]
pub async fn response_times(
    State(state): State<AppState>,
    Auth(_, _user): Auth,
) -> AppResult<Json<Vec<ResponseTime>>> {
    Ok(Json(state.store.response_times().await?))
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(default)]
pub struct ResponseTimeInput {
    pub working_days: i64,
}

/// Sets how many working days an institution kind has to answer (programme
/// managers, administrators).
#[utoipa::path(put, path = "/api/v1/response-times/{kind}", tag = "referrals", params(("kind" = String, Path)), request_body = ResponseTimeInput,
    responses((status = 200, body = Vec<ResponseTime>), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn set_response_time(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param(kind): Param<String>,
    JsonBody(input): JsonBody<ResponseTimeInput>,
) -> AppResult<Json<Vec<ResponseTime>>> {
    Ok(Json(
        state
            .store
            .set_response_time(&ctx.actor(), &user.principal, &kind, input.working_days)
            .await?,
    ))
}

/// The columns of a case export.
pub const CASE_COLUMNS: &[&str] = &[
    "id",
    "subject",
    "person_id",
    "household_id",
    "unit_code",
    "area_code",
    "status",
    "priority",
    "domains",
    "opened_on",
    "closed_on",
    "closure_reason",
    "last_contact_on",
    "lead_worker",
];

/// The closed-list columns of a case export, with their message prefixes:
/// named in the reader's language when labelled, their codes then added.
const CASE_CODED: &[(&str, &str)] = &[
    ("status", "case-status"),
    ("priority", "case-priority"),
    ("domains", "case-domain"),
    ("closure_reason", "closure-reason"),
];

fn case_header(n: &crate::export::Naming) -> Vec<String> {
    let mut h: Vec<String> = CASE_COLUMNS.iter().map(|c| n.header(c)).collect();
    if n.labels() {
        h.extend(CASE_CODED.iter().map(|(c, _)| n.code_header(c)));
    }
    h
}

fn case_cells_named(c: &CaseRow, n: &crate::export::Naming) -> Vec<String> {
    let mut cells = case_cells(c);
    if n.labels() {
        let mut codes = Vec::new();
        for (col, prefix) in CASE_CODED {
            if let Some(cell) = CASE_COLUMNS
                .iter()
                .position(|x| x == col)
                .and_then(|i| cells.get_mut(i))
            {
                codes.push(cell.clone());
                *cell = n.value(prefix, cell);
            }
        }
        cells.extend(codes);
    }
    cells
}

fn case_cells(c: &CaseRow) -> Vec<String> {
    let o = |v: &Option<String>| v.clone().unwrap_or_default();
    vec![
        c.id.clone(),
        c.subject_name.clone(),
        o(&c.person_id),
        o(&c.household_id),
        c.unit_code.clone(),
        c.area_code.clone(),
        c.status.clone(),
        c.priority.clone(),
        c.domain_list().join(", "),
        c.opened_on.clone(),
        o(&c.closed_on),
        o(&c.closure_reason),
        o(&c.last_contact_on),
        o(&c.lead_worker),
    ]
}

/// The case list as CSV or XLSX, with the list's filters, within the caller's
/// scope (coordinators and administrators). Audited.
#[utoipa::path(get, path = "/api/v1/cases/export", tag = "cases", params(CaseParams),
    responses((status = 200, description = "CSV (UTF-8 with BOM) or XLSX", content_type = "text/csv"), (status = 403, body = Problem)))]
pub async fn export_cases(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    QueryArgs(p): QueryArgs<CaseParams>,
) -> AppResult<Response> {
    if !(user.principal.may(Action::ExportPersons) && user.principal.may(Action::ViewCases)) {
        return Err(AppError::Forbidden);
    }
    let format = p.format.clone().unwrap_or_else(|| "csv".into());
    if !matches!(format.as_str(), "csv" | "xlsx") {
        return Err(ValidationErrors::single("format", "err-choice").into());
    }
    let naming = crate::export::Naming::from_param(p.names.as_deref(), ctx.tr)?;
    state
        .store
        .audit(
            &ctx.actor()
                .event("case.export")
                .record("case", "*")
                .details(serde_json::json!({
                    "format": format, "status": p.status, "unit": p.unit, "domain": p.domain, "q": p.q,
                })),
        )
        .await?;
    let mut f = p.filter(&user.principal.user_id);
    f.limit = 500;
    f.offset = 0;
    let mut rows: Vec<Vec<String>> = Vec::new();
    loop {
        let page = state.store.cases_for_export(&user.principal, &f).await?;
        let more = page.len() as i64 > f.limit;
        rows.extend(
            page.iter()
                .take(f.limit as usize)
                .map(|c| case_cells_named(c, &naming)),
        );
        if !more {
            break;
        }
        f.offset += f.limit;
    }
    crate::export::table_response(
        &format,
        "cases",
        &case_header(&naming),
        &rows,
        naming.separator(),
    )
}
