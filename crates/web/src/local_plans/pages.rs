//! ROMACTED pages: the municipality's groups and joint action plans
//! (`/local-action-plans`, with the forms to add either), a group with its
//! members, meetings and minutes, and needs with their votes
//! (`/local-groups/{id}`), a plan with its measures, adoption and progress
//! (`/local-action-plans/{id}`).

use crate::context::{Auth, Ctx, SignedIn};
use crate::error::{AppError, AppResult};
use crate::extract::{FormBody, Param};
use crate::pages::{form_errors, render, version_of, FormErrors};
use crate::AppState;
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;
use kopru_domain::local_plan::{
    vote_count, GroupKind, LocalPlanDraft, MeasureDraft, MeasureProgressDraft, NeedDraft,
};
use kopru_domain::strategy::{ActionStatus, POLICY_AREAS};
use kopru_domain::{Action, ValidationErrors};
use kopru_store::activities::{ActivityFilter, ActivityRow};
use kopru_store::local_plans::{GroupFile, GroupRow, LocalPlanFile, LocalPlanRow};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/local-action-plans", get(index).post(create))
        .route("/local-action-plans/{id}", get(plan_page).post(plan_post))
        .route("/local-groups/{id}", get(group_page).post(group_post))
}

/// The form's fields as sent, with a lookup.
struct Sent(Vec<(String, String)>);

impl Sent {
    fn get(&self, k: &str) -> String {
        self.0
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    }
}

fn typed(sent: &Option<(String, Vec<(String, String)>)>, form: &str, field: &str) -> String {
    match sent {
        Some((f, pairs)) if f == form => Sent(pairs.clone()).get(field),
        _ => String::new(),
    }
}

#[derive(Template)]
#[template(path = "local_plans.html")]
pub struct IndexPage {
    pub ctx: Ctx,
    pub plans: Vec<LocalPlanRow>,
    pub groups: Vec<GroupRow>,
    /// Community meetings not yet a group (for the form).
    pub meetings: Vec<ActivityRow>,
    pub can_manage: bool,
    pub errors: FormErrors,
    pub sent: Option<(String, Vec<(String, String)>)>,
}

impl IndexPage {
    pub fn title(&self, texts: &str) -> String {
        kopru_store::strategy::text_in(texts, self.ctx.tr.tag())
    }
    pub fn typed(&self, form: &str, field: &str) -> String {
        typed(&self.sent, form, field)
    }
    pub fn open(&self, form: &str) -> bool {
        matches!(&self.sent, Some((f, _)) if f == form)
    }
    pub fn kinds(&self) -> [&'static str; 2] {
        [
            GroupKind::CommunityActionGroup.as_str(),
            GroupKind::InstitutionalWorkingGroup.as_str(),
        ]
    }
}

async fn index_view(
    state: &AppState,
    ctx: Ctx,
    user: &SignedIn,
    errors: FormErrors,
    sent: Option<(String, Vec<(String, String)>)>,
) -> AppResult<IndexPage> {
    user.need(Action::ViewActivities)?;
    let groups = state.store.local_groups(&user.principal).await?;
    let can_manage = user.principal.may(Action::ManageActivities);
    let meetings = if can_manage {
        let f = ActivityFilter {
            kind: Some("community_meeting".into()),
            ..Default::default()
        };
        state
            .store
            .activities(&user.principal, &f)
            .await?
            .into_iter()
            .filter(|a| !groups.iter().any(|g| g.activity_id == a.id))
            .collect()
    } else {
        Vec::new()
    };
    Ok(IndexPage {
        plans: state.store.local_action_plans(&user.principal).await?,
        groups,
        meetings,
        can_manage,
        ctx,
        errors,
        sent,
    })
}

pub async fn index(State(state): State<AppState>, Auth(ctx, user): Auth) -> AppResult<Response> {
    let page = index_view(&state, ctx, &user, FormErrors::default(), None).await?;
    Ok(render(&page)?.into_response())
}

/// A new plan (`form=plan`) or group (`form=group`).
pub async fn create(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    FormBody(pairs): FormBody<Vec<(String, String)>>,
) -> AppResult<Response> {
    let pairs: Vec<(String, String)> = pairs.into_iter().take(30).collect();
    let f = Sent(pairs.clone());
    let year = |k: &str| f.get(k).trim().parse::<i64>().unwrap_or(0);
    let form = f.get("form");
    let done: Result<String, AppError> = match form.as_str() {
        "plan" => {
            let d = LocalPlanDraft {
                municipality: f.get("municipality"),
                title: f.get("title"),
                starts_year: year("starts_year"),
                ends_year: year("ends_year"),
                adopted_on: f.get("adopted_on"),
                decision_number: f.get("decision_number"),
            };
            match d.validate() {
                Ok(p) => state
                    .store
                    .create_local_plan(&ctx.actor(), &user.principal, &p)
                    .await
                    .map(|r| format!("/local-action-plans/{}", r.id))
                    .map_err(Into::into),
                Err(e) => Err(e.into()),
            }
        }
        "group" => match GroupKind::parse(f.get("kind").trim()) {
            Ok(kind) => state
                .store
                .create_local_group(
                    &ctx.actor(),
                    &user.principal,
                    f.get("activity_id").trim(),
                    kind,
                )
                .await
                .map(|g| format!("/local-groups/{}", g.id))
                .map_err(Into::into),
            Err(c) => Err(ValidationErrors::single("kind", c).into()),
        },
        _ => Err(AppError::BadRequest("err-choice")),
    };
    match done {
        Ok(to) => Ok(Redirect::to(&to).into_response()),
        Err(e) => {
            let errors = form_errors(ctx.tr, e)?;
            let page = index_view(&state, ctx, &user, errors, Some((form, pairs))).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
        }
    }
}

#[derive(Template)]
#[template(path = "local_group.html")]
pub struct GroupPage {
    pub ctx: Ctx,
    pub f: GroupFile,
    pub errors: FormErrors,
    pub sent: Option<(String, Vec<(String, String)>)>,
}

impl GroupPage {
    pub fn title(&self) -> String {
        kopru_store::strategy::text_in(&self.f.group.titles, self.ctx.tr.tag())
    }
    pub fn typed(&self, form: &str, field: &str) -> String {
        typed(&self.sent, form, field)
    }
    pub fn open(&self, form: &str) -> bool {
        matches!(&self.sent, Some((f, _)) if f == form)
    }
    pub fn sectors(&self) -> Vec<&'static str> {
        POLICY_AREAS.iter().map(|(c, _)| *c).collect()
    }
    /// A need's rank within its sector (1: the most voted).
    pub fn rank(&self, id: &str) -> usize {
        let Some(n) = self.f.needs.iter().find(|n| n.id == id) else {
            return 0;
        };
        self.f
            .needs
            .iter()
            .filter(|m| m.sector == n.sector && m.votes > n.votes)
            .count()
            + 1
    }
}

async fn group_view(
    state: &AppState,
    ctx: Ctx,
    user: &SignedIn,
    id: &str,
    errors: FormErrors,
    sent: Option<(String, Vec<(String, String)>)>,
) -> AppResult<GroupPage> {
    user.need(Action::ViewActivities)?;
    Ok(GroupPage {
        f: state.store.local_group(&user.principal, id).await?,
        ctx,
        errors,
        sent,
    })
}

pub async fn group_page(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param(id): Param<String>,
) -> AppResult<Response> {
    let page = group_view(&state, ctx, &user, &id, FormErrors::default(), None).await?;
    Ok(render(&page)?.into_response())
}

/// A need (`form=need`), votes (`form=votes`) or minutes (`form=minutes`).
pub async fn group_post(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param(id): Param<String>,
    FormBody(pairs): FormBody<Vec<(String, String)>>,
) -> AppResult<Response> {
    let pairs: Vec<(String, String)> = pairs.into_iter().take(30).collect();
    let f = Sent(pairs.clone());
    let form = f.get("form");
    let (store, actor, by) = (&state.store, ctx.actor(), &user.principal);
    let done: Result<(), AppError> = match form.as_str() {
        "need" => {
            let d = NeedDraft {
                sector: f.get("sector"),
                problem: f.get("problem"),
                votes: f.get("votes"),
                raised_on: f.get("raised_on"),
            };
            match d.validate() {
                Ok(n) => store
                    .add_need(&actor, by, &id, &n)
                    .await
                    .map(|_| ())
                    .map_err(Into::into),
                Err(e) => Err(e.into()),
            }
        }
        "votes" => match (vote_count(&f.get("votes")), version_of(&f.get("version"))) {
            (Ok(v), Ok(version)) => store
                .set_need_votes(&actor, by, &f.get("need_id"), v, version)
                .await
                .map(|_| ())
                .map_err(Into::into),
            (Err(e), _) => Err(e.into()),
            (_, Err(e)) => Err(e),
        },
        "minutes" => match version_of(&f.get("version")) {
            Ok(version) => store
                .save_minutes(
                    &actor,
                    by,
                    &id,
                    &f.get("session_id"),
                    &f.get("minutes"),
                    version,
                )
                .await
                .map_err(Into::into),
            Err(e) => Err(e),
        },
        _ => Err(AppError::BadRequest("err-choice")),
    };
    match done {
        Ok(()) => Ok(Redirect::to(&format!("/local-groups/{id}#{form}")).into_response()),
        Err(e) => {
            let errors = form_errors(ctx.tr, e)?;
            let page = group_view(&state, ctx, &user, &id, errors, Some((form, pairs))).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
        }
    }
}

#[derive(Template)]
#[template(path = "local_plan.html")]
pub struct PlanPage {
    pub ctx: Ctx,
    pub f: LocalPlanFile,
    pub errors: FormErrors,
    pub sent: Option<(String, Vec<(String, String)>)>,
}

impl PlanPage {
    pub fn typed(&self, form: &str, field: &str) -> String {
        typed(&self.sent, form, field)
    }
    pub fn open(&self, form: &str) -> bool {
        matches!(&self.sent, Some((f, _)) if f == form)
    }
    pub fn money(&self, minor: &Option<i64>) -> String {
        minor
            .map(|m| self.ctx.locale().format_decimal(m as f64 / 100.0, 2))
            .unwrap_or_default()
    }
    pub fn statuses(&self) -> Vec<&'static str> {
        ActionStatus::ALL.iter().map(|s| s.as_str()).collect()
    }
    pub fn fundings(&self) -> [&'static str; 3] {
        ["municipal_budget", "external_funds", "small_grant"]
    }
    /// The measure's progress reports, the latest first.
    pub fn progress_of(&self, id: &str) -> Vec<&kopru_store::local_plans::MeasureProgressRow> {
        self.f
            .progress
            .iter()
            .filter(|p| p.measure_id == id)
            .collect()
    }
    pub fn today(&self) -> String {
        kopru_store::clock::today()
    }
}

async fn plan_view(
    state: &AppState,
    ctx: Ctx,
    user: &SignedIn,
    id: &str,
    errors: FormErrors,
    sent: Option<(String, Vec<(String, String)>)>,
) -> AppResult<PlanPage> {
    user.need(Action::ViewActivities)?;
    Ok(PlanPage {
        f: state.store.local_plan(&user.principal, id).await?,
        ctx,
        errors,
        sent,
    })
}

pub async fn plan_page(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param(id): Param<String>,
) -> AppResult<Response> {
    let page = plan_view(&state, ctx, &user, &id, FormErrors::default(), None).await?;
    Ok(render(&page)?.into_response())
}

/// The adoption (`form=adoption`), a measure (`form=measure`) or a
/// measure's progress (`form=progress`).
pub async fn plan_post(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param(id): Param<String>,
    FormBody(pairs): FormBody<Vec<(String, String)>>,
) -> AppResult<Response> {
    let pairs: Vec<(String, String)> = pairs.into_iter().take(30).collect();
    let f = Sent(pairs.clone());
    let form = f.get("form");
    let (store, actor, by) = (&state.store, ctx.actor(), &user.principal);
    let done: Result<(), AppError> = match form.as_str() {
        "adoption" => {
            let cur = store.local_plan(by, &id).await?.plan;
            let d = LocalPlanDraft {
                municipality: cur.municipality,
                title: cur.title,
                starts_year: cur.starts_year,
                ends_year: cur.ends_year,
                adopted_on: f.get("adopted_on"),
                decision_number: f.get("decision_number"),
            };
            match (d.validate(), version_of(&f.get("version"))) {
                (Ok(p), Ok(version)) => store
                    .update_local_plan(&actor, by, &id, version, &p)
                    .await
                    .map(|_| ())
                    .map_err(Into::into),
                (Err(e), _) => Err(e.into()),
                (_, Err(e)) => Err(e),
            }
        }
        "measure" => {
            let d = MeasureDraft {
                number: f.get("number"),
                text: f.get("text"),
                need_id: f.get("need_id"),
                responsible: f.get("responsible"),
                starts: f.get("starts"),
                ends: f.get("ends"),
                budget: f.get("budget"),
                funding: f.get("funding"),
                budget_line: f.get("budget_line"),
            };
            match d.validate() {
                Ok(m) => store
                    .add_measure(&actor, by, &id, &m)
                    .await
                    .map(|_| ())
                    .map_err(Into::into),
                Err(e) => Err(e.into()),
            }
        }
        "progress" => {
            let d = MeasureProgressDraft {
                reported_on: f.get("reported_on"),
                status: f.get("status"),
                note: f.get("note"),
                spending: f.get("spending"),
                version: 0,
            };
            match (d.validate(), version_of(&f.get("version"))) {
                (Ok(g), Ok(version)) => store
                    .report_measure(&actor, by, &id, &f.get("measure_id"), version, &g)
                    .await
                    .map(|_| ())
                    .map_err(Into::into),
                (Err(e), _) => Err(e.into()),
                (_, Err(e)) => Err(e),
            }
        }
        _ => Err(AppError::BadRequest("err-choice")),
    };
    match done {
        Ok(()) => Ok(Redirect::to(&format!("/local-action-plans/{id}#{form}")).into_response()),
        Err(e) => {
            let errors = form_errors(ctx.tr, e)?;
            let page = plan_view(&state, ctx, &user, &id, errors, Some((form, pairs))).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
        }
    }
}
