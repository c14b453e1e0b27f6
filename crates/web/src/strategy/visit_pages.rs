//! Monitoring visit pages: the visits (`/monitoring-visits`, with the form
//! to plan one), a visit with its agenda, findings and recommendations and
//! the forms to add them (`/monitoring-visits/{id}`), open recommendations
//! across visits (`/recommendations`) and one recommendation with its
//! follow-ups (`/recommendations/{id}`).

use super::may_view;
use crate::context::{Auth, Ctx, SignedIn};
use crate::error::AppResult;
use crate::extract::{FormBody, Param, QueryArgs};
use crate::pages::{form_errors, render, version_of, FormErrors};
use crate::AppState;
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use kopru_domain::strategy::{
    FindingDraft, FollowUpDraft, MeetingDraft, RecommendationDraft, VisitDraft, POLICY_AREAS,
};
use kopru_domain::Action;
use kopru_store::directory::InstitutionRow;
use kopru_store::records::ListFilter;
use kopru_store::strategy::visits::{
    RecommendationFilter, RecommendationFollowUpRow, RecommendationRow, VisitFile, VisitRow,
};
use kopru_store::strategy::{ActionFilter, PlanActionRow};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/monitoring-visits", get(visits_page).post(create_visit))
        .route("/monitoring-visits/{id}", get(visit_page))
        .route("/monitoring-visits/{id}/{part}", post(add_to_visit))
        .route("/recommendations", get(recommendations_page))
        .route(
            "/recommendations/{id}",
            get(recommendation_page).post(follow_up),
        )
}

#[derive(Template)]
#[template(path = "monitoring_visits.html")]
pub struct VisitsPage {
    pub ctx: Ctx,
    pub visits: Vec<VisitRow>,
    pub can_manage: bool,
    pub errors: FormErrors,
    pub sent: VisitDraft,
}

pub async fn visits_page(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
) -> AppResult<Response> {
    visits_view(
        &state,
        ctx,
        &user,
        FormErrors::default(),
        VisitDraft::default(),
        StatusCode::OK,
    )
    .await
}

async fn visits_view(
    state: &AppState,
    ctx: Ctx,
    user: &SignedIn,
    errors: FormErrors,
    sent: VisitDraft,
    status: StatusCode,
) -> AppResult<Response> {
    may_view(user)?;
    let page = VisitsPage {
        visits: state.store.monitoring_visits(&user.principal).await?,
        can_manage: user.principal.may(Action::ManageStrategy),
        ctx,
        errors,
        sent,
    };
    Ok((status, render(&page)?).into_response())
}

pub async fn create_visit(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    FormBody(d): FormBody<VisitDraft>,
) -> AppResult<Response> {
    let created = match d.validate() {
        Ok(v) => state
            .store
            .create_visit(&ctx.actor(), &user.principal, &v)
            .await
            .map_err(Into::into),
        Err(e) => Err(e.into()),
    };
    match created {
        Ok(row) => Ok(Redirect::to(&format!("/monitoring-visits/{}", row.id)).into_response()),
        Err(e) => {
            let errors = form_errors(ctx.tr, e)?;
            visits_view(
                &state,
                ctx,
                &user,
                errors,
                d,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}

#[derive(Template)]
#[template(path = "monitoring_visit.html")]
pub struct VisitPage {
    pub ctx: Ctx,
    pub f: VisitFile,
    /// Institutions of the province and national ones, for the forms.
    pub institutions: Vec<InstitutionRow>,
    /// Actions a finding may be linked to.
    pub actions: Vec<PlanActionRow>,
    pub errors: FormErrors,
    /// Which form came back, with what was typed.
    pub sent: Option<(String, Vec<(String, String)>)>,
}

impl VisitPage {
    pub fn facts(&self) -> Vec<(String, String)> {
        let v = &self.f.visit;
        let team = serde_json::from_str::<Vec<String>>(&v.team)
            .unwrap_or_default()
            .join(", ");
        vec![
            (self.ctx.t("field-province"), v.province_name.clone()),
            (
                self.ctx.t("field-dates"),
                format!(
                    "{} – {}",
                    self.ctx.tr.date(&v.starts_on),
                    self.ctx.tr.date(&v.ends_on)
                ),
            ),
            (self.ctx.t("field-team"), team),
        ]
    }
    pub fn areas(&self) -> Vec<&'static str> {
        POLICY_AREAS.iter().map(|(c, _)| *c).collect()
    }
    pub fn action_title(&self, a: &PlanActionRow) -> String {
        kopru_store::strategy::text_in(&a.texts, self.ctx.tr.tag())
    }
    /// What was typed in `form`'s `field`, when that form came back.
    pub fn typed(&self, form: &str, field: &str) -> String {
        match &self.sent {
            Some((f, pairs)) if f == form => pairs
                .iter()
                .find(|(k, _)| k == field)
                .map(|(_, v)| v.clone())
                .unwrap_or_default(),
            _ => String::new(),
        }
    }
    /// The visit's own form: what was typed when it came back with an
    /// error, else what is saved (also after a conflict).
    pub fn edit_value(&self, field: &str) -> String {
        if matches!(&self.sent, Some((f, pairs)) if f == "visit" && !pairs.is_empty()) {
            return self.typed("visit", field);
        }
        let v = &self.f.visit;
        match field {
            "title" => v.title.clone(),
            "province" => v.province.clone(),
            "starts_on" => v.starts_on.clone(),
            "ends_on" => v.ends_on.clone(),
            "team" => serde_json::from_str::<Vec<String>>(&v.team)
                .unwrap_or_default()
                .join("\n"),
            "purpose" => v.purpose.clone().unwrap_or_default(),
            "version" => v.version.to_string(),
            _ => String::new(),
        }
    }
    pub fn open(&self, form: &str) -> bool {
        matches!(&self.sent, Some((f, _)) if f == form)
    }
    pub fn findings_of(&self, meeting: &str) -> Vec<&kopru_store::strategy::visits::FindingRow> {
        self.f
            .findings
            .iter()
            .filter(|x| x.meeting_id.as_deref() == Some(meeting))
            .collect()
    }
    pub fn general_findings(&self) -> Vec<&kopru_store::strategy::visits::FindingRow> {
        self.f
            .findings
            .iter()
            .filter(|x| x.meeting_id.is_none())
            .collect()
    }
}

async fn visit_view(
    state: &AppState,
    ctx: Ctx,
    user: &SignedIn,
    id: &str,
    errors: FormErrors,
    sent: Option<(String, Vec<(String, String)>)>,
) -> AppResult<VisitPage> {
    may_view(user)?;
    let f = state.store.monitoring_visit(&user.principal, id).await?;
    let (mut institutions, mut actions) = (Vec::new(), Vec::new());
    if f.can_edit {
        let local = ListFilter {
            area: Some(f.visit.province.clone()),
            limit: 300,
            ..Default::default()
        };
        institutions = state
            .store
            .institutions(&user.principal, &local)
            .await?
            .rows;
        let national = ListFilter {
            kind: Some("ministry".into()),
            limit: 100,
            ..Default::default()
        };
        for i in state
            .store
            .institutions(&user.principal, &national)
            .await?
            .rows
        {
            if !institutions.iter().any(|x| x.code == i.code) {
                institutions.push(i);
            }
        }
        actions = state
            .store
            .plan_actions(&user.principal, &ActionFilter::default())
            .await?;
    }
    Ok(VisitPage {
        ctx,
        f,
        institutions,
        actions,
        errors,
        sent,
    })
}

pub async fn visit_page(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param(id): Param<String>,
) -> AppResult<Response> {
    let page = visit_view(&state, ctx, &user, &id, FormErrors::default(), None).await?;
    Ok(render(&page)?.into_response())
}

/// A meeting, a finding or a recommendation added from the visit's page.
pub async fn add_to_visit(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param((id, part)): Param<(String, String)>,
    FormBody(pairs): FormBody<Vec<(String, String)>>,
) -> AppResult<Response> {
    let pairs: Vec<(String, String)> = pairs.into_iter().take(50).collect();
    let get = |k: &str| {
        pairs
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let (store, actor, by) = (&state.store, ctx.actor(), &user.principal);
    let done: Result<(), crate::error::AppError> = match part.as_str() {
        "meetings" => {
            let d = MeetingDraft {
                held_on: get("held_on"),
                institution: get("institution"),
                participants: get("participants"),
                notes: get("notes"),
            };
            store
                .add_meeting(&actor, by, &id, &d)
                .await
                .map(|_| ())
                .map_err(Into::into)
        }
        "findings" => {
            let d = FindingDraft {
                meeting_id: get("meeting_id"),
                text: get("text"),
                policy_area: get("policy_area"),
                action_id: get("action_id"),
            };
            match d.validate() {
                Ok(f) => store
                    .add_finding(&actor, by, &id, &f)
                    .await
                    .map(|_| ())
                    .map_err(Into::into),
                Err(e) => Err(e.into()),
            }
        }
        "recommendations" => {
            let d = RecommendationDraft {
                finding_id: get("finding_id"),
                text: get("text"),
                responsible: get("responsible"),
                due_on: get("due_on"),
            };
            match d.validate() {
                Ok(r) => store
                    .add_recommendation(&actor, by, &id, &r)
                    .await
                    .map(|_| ())
                    .map_err(Into::into),
                Err(e) => Err(e.into()),
            }
        }
        "visit" => {
            let d = VisitDraft {
                province: get("province"),
                title: get("title"),
                starts_on: get("starts_on"),
                ends_on: get("ends_on"),
                team: get("team"),
                purpose: get("purpose"),
            };
            match (d.validate(), version_of(&get("version"))) {
                (Ok(v), Ok(version)) => store
                    .update_visit(&actor, by, &id, version, &v)
                    .await
                    .map(|_| ())
                    .map_err(Into::into),
                (Err(e), _) => Err(e.into()),
                (_, Err(e)) => Err(e),
            }
        }
        _ => Err(crate::error::AppError::NotFound),
    };
    match done {
        Ok(()) => Ok(Redirect::to(&format!("/monitoring-visits/{id}#{part}")).into_response()),
        // Saved by someone else since the form was read: nothing is
        // overwritten; the form comes back open with the saved values.
        Err(crate::error::AppError::Conflict { .. }) => {
            let errors = FormErrors::single(ctx.tr, "version", "problem-conflict");
            let page =
                visit_view(&state, ctx, &user, &id, errors, Some((part, Vec::new()))).await?;
            Ok((StatusCode::CONFLICT, render(&page)?).into_response())
        }
        Err(e) => {
            let errors = form_errors(ctx.tr, e)?;
            let page = visit_view(&state, ctx, &user, &id, errors, Some((part, pairs))).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
        }
    }
}

#[derive(Template)]
#[template(path = "recommendations.html")]
pub struct RecommendationsPage {
    pub ctx: Ctx,
    pub rows: Vec<RecommendationRow>,
    pub state: String,
    pub overdue: bool,
}

impl RecommendationsPage {
    pub fn is_tab(&self, s: &str) -> bool {
        !self.overdue && self.state == s
    }
    /// (state, its label) of the list's tabs.
    pub fn tabs(&self) -> Vec<(&'static str, String)> {
        ["open", "closed", "all"]
            .into_iter()
            .map(|s| (s, self.ctx.t(&format!("recommendations-{s}"))))
            .collect()
    }
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct RecommendationQuery {
    pub state: String,
    pub overdue: bool,
}

pub async fn recommendations_page(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    QueryArgs(q): QueryArgs<RecommendationQuery>,
) -> AppResult<Response> {
    may_view(&user)?;
    let wanted = match q.state.as_str() {
        "closed" | "all" => q.state.clone(),
        _ => "open".to_owned(),
    };
    let rows = state
        .store
        .recommendations(
            &user.principal,
            &RecommendationFilter {
                state: Some(wanted.clone()),
                overdue: q.overdue,
                ..Default::default()
            },
        )
        .await?;
    let page = RecommendationsPage {
        ctx,
        rows,
        state: wanted,
        overdue: q.overdue,
    };
    Ok(render(&page)?.into_response())
}

#[derive(Template)]
#[template(path = "recommendation.html")]
pub struct RecommendationPage {
    pub ctx: Ctx,
    pub r: RecommendationRow,
    pub follow_ups: Vec<RecommendationFollowUpRow>,
    pub may_follow_up: bool,
    pub errors: FormErrors,
    pub sent: FollowUpDraft,
}

impl RecommendationPage {
    pub fn statuses(&self) -> [&'static str; 4] {
        ["open", "in_progress", "implemented", "dropped"]
    }
}

async fn recommendation_view(
    state: &AppState,
    ctx: Ctx,
    user: &SignedIn,
    id: &str,
    errors: FormErrors,
    sent: Option<FollowUpDraft>,
) -> AppResult<RecommendationPage> {
    may_view(user)?;
    let file = state.store.recommendation(&user.principal, id).await?;
    let (r, follow_ups, may_follow_up) = (file.recommendation, file.follow_ups, file.can_follow_up);
    let sent = sent.unwrap_or_else(|| FollowUpDraft {
        status: r.status.clone(),
        ..Default::default()
    });
    Ok(RecommendationPage {
        ctx,
        r,
        follow_ups,
        may_follow_up,
        errors,
        sent,
    })
}

pub async fn recommendation_page(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param(id): Param<String>,
) -> AppResult<Response> {
    let page = recommendation_view(&state, ctx, &user, &id, FormErrors::default(), None).await?;
    Ok(render(&page)?.into_response())
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct FollowUpForm {
    pub status: String,
    pub note: String,
    pub version: String,
}

pub async fn follow_up(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param(id): Param<String>,
    FormBody(f): FormBody<FollowUpForm>,
) -> AppResult<Response> {
    let d = FollowUpDraft {
        status: f.status,
        note: f.note,
        version: version_of(&f.version)?,
    };
    let done = match d.validate() {
        Ok((status, note)) => state
            .store
            .follow_up_recommendation(&ctx.actor(), &user.principal, &id, d.version, status, &note)
            .await
            .map(|_| ())
            .map_err(Into::into),
        Err(e) => Err(e.into()),
    };
    match done {
        Ok(()) => Ok(Redirect::to(&format!("/recommendations/{id}")).into_response()),
        Err(e) => {
            let errors = form_errors(ctx.tr, e)?;
            let page = recommendation_view(&state, ctx, &user, &id, errors, Some(d)).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
        }
    }
}
