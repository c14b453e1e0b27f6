//! Monitoring visits and their recommendations through the API, and the
//! visit report (PDF), which the visit's page links to.

use crate::context::Auth;
use crate::error::{AppError, AppResult, Problem};
use crate::extract::{JsonBody, Param, QueryArgs};
use crate::pdf::Block;
use crate::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use kopru_domain::strategy::{
    FindingDraft, FollowUpDraft, MeetingDraft, RecommendationDraft, VisitDraft,
};
use kopru_store::strategy::visits::{
    MeetingRow, RecommendationFile, RecommendationFilter, RecommendationRow, VisitFile, VisitRow,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<crate::AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_visits, create_visit))
        .routes(routes!(get_visit, update_visit))
        .routes(routes!(add_visit_meeting))
        .routes(routes!(add_visit_finding))
        .routes(routes!(add_visit_recommendation))
        .routes(routes!(visit_report_pdf))
        .routes(routes!(list_recommendations))
        .routes(routes!(get_recommendation))
        .routes(routes!(follow_up_recommendation))
}

#[utoipa::path(get, path = "/api/v1/monitoring-visits", tag = "strategy",
    responses((status = 200, body = Vec<VisitRow>), (status = 403, body = Problem)))]
pub async fn list_visits(
    State(state): State<AppState>,
    Auth(_, user): Auth,
) -> AppResult<Json<Vec<VisitRow>>> {
    Ok(Json(state.store.monitoring_visits(&user.principal).await?))
}

#[utoipa::path(post, path = "/api/v1/monitoring-visits", tag = "strategy", request_body = VisitDraft,
    responses((status = 201, body = VisitRow), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn create_visit(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    JsonBody(d): JsonBody<VisitDraft>,
) -> AppResult<Response> {
    let v = d.validate()?;
    let row = state
        .store
        .create_visit(&ctx.actor(), &user.principal, &v)
        .await?;
    Ok((StatusCode::CREATED, Json(row)).into_response())
}

#[utoipa::path(get, path = "/api/v1/monitoring-visits/{id}", tag = "strategy", params(("id" = String, Path)),
    responses((status = 200, description = "The visit with its agenda, findings and recommendations", body = VisitFile), (status = 404, body = Problem)))]
pub async fn get_visit(
    State(state): State<AppState>,
    Auth(_, user): Auth,
    Param(id): Param<String>,
) -> AppResult<Json<VisitFile>> {
    Ok(Json(
        state.store.monitoring_visit(&user.principal, &id).await?,
    ))
}

#[derive(Deserialize, Serialize, ToSchema, Default)]
#[serde(default)]
pub struct VisitUpdate {
    /// The version read.
    pub version: i64,
    #[serde(flatten)]
    pub visit: VisitDraft,
}

#[utoipa::path(put, path = "/api/v1/monitoring-visits/{id}", tag = "strategy", params(("id" = String, Path)), request_body = VisitUpdate,
    responses((status = 200, body = VisitRow), (status = 403, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn update_visit(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param(id): Param<String>,
    JsonBody(u): JsonBody<VisitUpdate>,
) -> AppResult<Json<VisitRow>> {
    let v = u.visit.validate()?;
    Ok(Json(
        state
            .store
            .update_visit(&ctx.actor(), &user.principal, &id, u.version, &v)
            .await?,
    ))
}

#[utoipa::path(post, path = "/api/v1/monitoring-visits/{id}/meetings", tag = "strategy", params(("id" = String, Path)), request_body = MeetingDraft,
    responses((status = 201, body = MeetingRow), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn add_visit_meeting(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param(id): Param<String>,
    JsonBody(d): JsonBody<MeetingDraft>,
) -> AppResult<Response> {
    let row = state
        .store
        .add_meeting(&ctx.actor(), &user.principal, &id, &d)
        .await?;
    Ok((StatusCode::CREATED, Json(row)).into_response())
}

#[derive(Serialize, ToSchema)]
pub struct Created {
    pub id: String,
}

#[utoipa::path(post, path = "/api/v1/monitoring-visits/{id}/findings", tag = "strategy", params(("id" = String, Path)), request_body = FindingDraft,
    responses((status = 201, body = Created), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn add_visit_finding(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param(id): Param<String>,
    JsonBody(d): JsonBody<FindingDraft>,
) -> AppResult<Response> {
    let f = d.validate()?;
    let id = state
        .store
        .add_finding(&ctx.actor(), &user.principal, &id, &f)
        .await?;
    Ok((StatusCode::CREATED, Json(Created { id })).into_response())
}

#[utoipa::path(post, path = "/api/v1/monitoring-visits/{id}/recommendations", tag = "strategy", params(("id" = String, Path)), request_body = RecommendationDraft,
    responses((status = 201, body = RecommendationRow), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn add_visit_recommendation(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param(id): Param<String>,
    JsonBody(d): JsonBody<RecommendationDraft>,
) -> AppResult<Response> {
    let r = d.validate()?;
    let row = state
        .store
        .add_recommendation(&ctx.actor(), &user.principal, &id, &r)
        .await?;
    Ok((StatusCode::CREATED, Json(row)).into_response())
}

/// The visit report: the plan of the visit, each meeting with its
/// participants, notes and findings, and the recommendations.
pub fn visit_blocks(tr: crate::i18n::Tr, f: &VisitFile) -> Vec<Block> {
    let v = &f.visit;
    let team: Vec<String> = serde_json::from_str(&v.team).unwrap_or_default();
    let mut b = vec![
        Block::Small(tr.t("visit-report")),
        Block::Title(v.title.clone()),
        Block::Pair(tr.t("field-province"), v.province_name.clone()),
        Block::Pair(
            tr.t("field-dates"),
            format!("{} – {}", tr.date(&v.starts_on), tr.date(&v.ends_on)),
        ),
        Block::Pair(tr.t("field-team"), team.join(", ")),
    ];
    if let Some(p) = &v.purpose {
        b.push(Block::Pair(tr.t("field-purpose"), p.clone()));
    }
    b.push(Block::Rule);
    let finding_line = |x: &kopru_store::strategy::visits::FindingRow| {
        let link = match (&x.action_number, &x.policy_area) {
            (Some(n), _) => format!("{} {n}", tr.t("field-action")),
            (None, Some(a)) => tr.t(&format!("policy-area-{}", a.replace('_', "-"))),
            _ => String::new(),
        };
        format!("• {} ({link})", x.body)
    };
    b.push(Block::Heading(tr.t("visit-agenda")));
    for m in &f.meetings {
        b.push(Block::Heading(format!(
            "{} · {}",
            tr.date(&m.held_on),
            m.institution_name
        )));
        if let Some(p) = &m.participants {
            b.push(Block::Pair(tr.t("field-participants"), p.clone()));
        }
        if let Some(n) = &m.notes {
            b.push(Block::Text(n.clone()));
        }
        for x in f
            .findings
            .iter()
            .filter(|x| x.meeting_id.as_ref() == Some(&m.id))
        {
            b.push(Block::Text(finding_line(x)));
        }
    }
    let general: Vec<_> = f
        .findings
        .iter()
        .filter(|x| x.meeting_id.is_none())
        .collect();
    if !general.is_empty() {
        b.push(Block::Heading(tr.t("visit-findings")));
        for x in general {
            b.push(Block::Text(finding_line(x)));
        }
    }
    if !f.recommendations.is_empty() {
        let shares = [0.46, 0.24, 0.14, 0.16];
        b.push(Block::Heading(tr.t("visit-recommendations")));
        b.push(Block::Row {
            cells: [
                tr.t("field-recommendation"),
                tr.t("field-responsible"),
                tr.t("field-due-on"),
                tr.t("field-status"),
            ]
            .into_iter()
            .zip(shares)
            .collect(),
            bold: true,
            min_height: 0.0,
        });
        for r in &f.recommendations {
            b.push(Block::Row {
                cells: [
                    r.body.clone(),
                    r.responsible_name.clone(),
                    tr.date(&r.due_on),
                    tr.t(&format!(
                        "recommendation-status-{}",
                        r.status.replace('_', "-")
                    )),
                ]
                .into_iter()
                .zip(shares)
                .collect(),
                bold: false,
                min_height: 0.0,
            });
        }
    }
    b
}

#[utoipa::path(get, path = "/api/v1/monitoring-visits/{id}/pdf", tag = "strategy", params(("id" = String, Path)),
    responses((status = 200, description = "The visit report as PDF, in the reader's language", content_type = "application/pdf"), (status = 404, body = Problem)))]
pub async fn visit_report_pdf(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param(id): Param<String>,
) -> AppResult<Response> {
    let f = state.store.monitoring_visit(&user.principal, &id).await?;
    let pdf = crate::pdf::render(&f.visit.title, ctx.tr.tag(), &visit_blocks(ctx.tr, &f))
        .map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(crate::pdf::download(
        &format!("visit-{}-{}", f.visit.province, f.visit.starts_on),
        pdf,
    ))
}

#[derive(Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
#[serde(default)]
pub struct RecommendationParams {
    /// open (the default: open or in progress), closed, or all
    pub state: Option<String>,
    /// The responsible institution's code.
    pub responsible: Option<String>,
    pub visit_id: Option<String>,
    /// Only those past their due date and still open.
    pub overdue: bool,
}

impl RecommendationParams {
    pub fn filter(&self) -> RecommendationFilter {
        RecommendationFilter {
            state: self.state.clone(),
            responsible: self.responsible.clone().filter(|s| !s.is_empty()),
            visit_id: self.visit_id.clone().filter(|s| !s.is_empty()),
            overdue: self.overdue,
        }
    }
}

#[utoipa::path(get, path = "/api/v1/recommendations", tag = "strategy", params(RecommendationParams),
    responses((status = 200, description = "Recommendations across visits, the earliest due first", body = Vec<RecommendationRow>), (status = 403, body = Problem)))]
pub async fn list_recommendations(
    State(state): State<AppState>,
    Auth(_, user): Auth,
    QueryArgs(p): QueryArgs<RecommendationParams>,
) -> AppResult<Json<Vec<RecommendationRow>>> {
    Ok(Json(
        state
            .store
            .recommendations(&user.principal, &p.filter())
            .await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/recommendations/{id}", tag = "strategy", params(("id" = String, Path)),
    responses((status = 200, body = RecommendationFile), (status = 404, body = Problem)))]
pub async fn get_recommendation(
    State(state): State<AppState>,
    Auth(_, user): Auth,
    Param(id): Param<String>,
) -> AppResult<Json<RecommendationFile>> {
    Ok(Json(
        state.store.recommendation(&user.principal, &id).await?,
    ))
}

#[utoipa::path(post, path = "/api/v1/recommendations/{id}/follow-ups", tag = "strategy", params(("id" = String, Path)), request_body = FollowUpDraft,
    responses((status = 200, body = RecommendationRow), (status = 403, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn follow_up_recommendation(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param(id): Param<String>,
    JsonBody(d): JsonBody<FollowUpDraft>,
) -> AppResult<Json<RecommendationRow>> {
    let (status, note) = d.validate()?;
    Ok(Json(
        state
            .store
            .follow_up_recommendation(&ctx.actor(), &user.principal, &id, d.version, status, &note)
            .await?,
    ))
}
