//! Volunteer pages: the placements a user sees (a host's focal point sees
//! its volunteers and the months waiting for confirmation), placing a
//! volunteer, and a placement's months.

use super::{end_input, hours_input};
use crate::context::{Auth, Ctx, SignedIn};
use crate::error::{AppError, AppResult};
use crate::extract::{FormBody, Param, QueryArgs};
use crate::pages::{done, form_errors, render, FormErrors};
use crate::AppState;
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use kopru_domain::activity::PlacementDraft;
use kopru_domain::Action;
use kopru_store::activities::{PlacementFile, PlacementFilter, PlacementRow};
use kopru_store::clock::today;
use serde::Deserialize;

/// The pages of this file.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/volunteers", get(list_page))
        .route("/volunteers/new", get(new_page).post(create))
        .route("/volunteers/{id}", get(placement_page))
        .route("/volunteers/{id}/hours", post(hours))
        .route("/volunteers/{id}/hours/{month}/confirm", post(confirm))
        .route("/volunteers/{id}/end", post(end))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ListQuery {
    pub active: String,
    pub unconfirmed: String,
}

#[derive(Template)]
#[template(path = "volunteers.html")]
pub struct ListPage {
    pub ctx: Ctx,
    pub rows: Vec<PlacementRow>,
    pub q: ListQuery,
    pub can_place: bool,
}

pub async fn list_page(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    QueryArgs(q): QueryArgs<ListQuery>,
) -> AppResult<Response> {
    let rows = state
        .store
        .placements(
            &user.principal,
            &PlacementFilter {
                active: q.active == "1",
                unconfirmed: q.unconfirmed == "1",
                limit: 200,
                ..Default::default()
            },
        )
        .await?;
    let can_place =
        user.principal.may(Action::ManageActivities) && user.principal.may(Action::ViewPersons);
    Ok(render(&ListPage {
        ctx,
        rows,
        q,
        can_place,
    })?
    .into_response())
}

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct PlacementForm {
    pub person: String,
    pub activity_id: String,
    pub institution_code: String,
    pub unit_code: String,
    pub role: String,
    pub supervisor: String,
    pub starts_on: String,
    pub ends_on: String,
    pub hours_per_week: String,
}

#[derive(Template)]
#[template(path = "volunteer_new.html")]
pub struct NewPage {
    pub ctx: Ctx,
    pub form: PlacementForm,
    pub person_name: String,
    /// The activities the person took part in: (id, title).
    pub trainings: Vec<(String, String)>,
    pub units: Vec<String>,
    pub errors: FormErrors,
}

async fn new_view(
    state: &AppState,
    ctx: Ctx,
    user: &SignedIn,
    form: PlacementForm,
    errors: FormErrors,
) -> AppResult<NewPage> {
    let p = state
        .store
        .person(&ctx.actor(), &user.principal, &form.person)
        .await?;
    let trainings = state
        .store
        .person_activities(&user.principal, &p.id)
        .await?
        .into_iter()
        .map(|a| (a.activity_id.clone(), a.title_in(ctx.tr.tag())))
        .collect();
    let units = user
        .principal
        .grants(Action::ManageActivities)
        .iter()
        .filter_map(|g| match g {
            kopru_domain::Scope::Unit(c) => Some(c.as_str().to_owned()),
            _ => None,
        })
        .chain(std::iter::once(p.unit_code.clone()))
        .fold(Vec::new(), |mut v, u| {
            if !v.contains(&u) {
                v.push(u);
            }
            v
        });
    Ok(NewPage {
        person_name: format!("{} {}", p.given_names, p.family_name),
        ctx,
        form,
        trainings,
        units,
        errors,
    })
}

pub async fn new_page(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    QueryArgs(form): QueryArgs<PlacementForm>,
) -> AppResult<Response> {
    let form = PlacementForm {
        starts_on: today(),
        ..form
    };
    let page = new_view(&state, ctx, &user, form, FormErrors::default()).await?;
    Ok(render(&page)?.into_response())
}

pub async fn create(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    FormBody(form): FormBody<PlacementForm>,
) -> AppResult<Response> {
    let draft = PlacementDraft {
        person_id: form.person.clone(),
        activity_id: form.activity_id.clone(),
        institution_code: form.institution_code.clone(),
        unit_code: form.unit_code.clone(),
        role: form.role.clone(),
        supervisor: form.supervisor.clone(),
        starts_on: form.starts_on.clone(),
        ends_on: form.ends_on.clone(),
        hours_per_week: form.hours_per_week.clone(),
    };
    let result = match draft.validate() {
        Ok(new) => state
            .store
            .create_placement(&ctx.actor(), &user.principal, &new)
            .await
            .map_err(AppError::from),
        Err(e) => Err(e.into()),
    };
    match result {
        Ok(p) => Ok(Redirect::to(&format!("/volunteers/{}", p.id)).into_response()),
        Err(e) => {
            let errors = form_errors(ctx.tr, e)?;
            let page = new_view(&state, ctx, &user, form, errors).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
        }
    }
}

#[derive(Template)]
#[template(path = "volunteer.html")]
pub struct PlacementPage {
    pub ctx: Ctx,
    pub f: PlacementFile,
    pub can_log: bool,
    pub can_confirm: bool,
    pub this_month: String,
    pub errors: FormErrors,
}

impl PlacementPage {
    pub fn facts(&self) -> Vec<(String, String)> {
        let p = &self.f.placement;
        let c = &self.ctx;
        let mut out = vec![
            (c.t("volunteer-host"), p.institution_name.clone()),
            (c.t("volunteer-role"), p.role.clone()),
            (
                c.t("activity-dates"),
                match &p.ends_on {
                    Some(e) => format!("{} – {}", c.tr.date(&p.starts_on), c.tr.date(e)),
                    None => c.tr.date(&p.starts_on),
                },
            ),
            (c.t("field-unit"), p.unit_code.clone()),
            (c.t("volunteer-hours-total"), p.hours_total.to_string()),
        ];
        if let Some(s) = &p.supervisor {
            out.push((c.t("volunteer-supervisor"), s.clone()));
        }
        if let Some(h) = p.hours_per_week {
            out.push((c.t("field-hours-per-week"), h.to_string()));
        }
        if let (Some(d), Some(r)) = (&p.ended_on, &p.end_reason) {
            out.push((c.t("volunteer-ended"), format!("{} · {r}", c.tr.date(d))));
        }
        out
    }
}

async fn placement_view(
    state: &AppState,
    ctx: Ctx,
    user: &SignedIn,
    id: &str,
    errors: FormErrors,
) -> AppResult<PlacementPage> {
    let f = state.store.placement(&user.principal, id).await?;
    // Each button only where the store would take it: the placement read
    // with the assignments that permit the action alone.
    let may = |a: Action| {
        let p = user.principal.acting_as(a);
        let store = state.store.clone();
        async move { !p.assignments.is_empty() && store.placement(&p, id).await.is_ok() }
    };
    let can_log = f.placement.ended_on.is_none() && may(Action::ManageActivities).await;
    let can_confirm = may(Action::ConfirmVolunteerHours).await;
    Ok(PlacementPage {
        ctx,
        f,
        can_log,
        can_confirm,
        this_month: today().get(..7).unwrap_or_default().to_owned(),
        errors,
    })
}

pub async fn placement_page(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param(id): Param<String>,
) -> AppResult<Response> {
    let page = placement_view(&state, ctx, &user, &id, FormErrors::default()).await?;
    Ok(render(&page)?.into_response())
}

async fn after(
    state: &AppState,
    ctx: Ctx,
    user: &SignedIn,
    id: &str,
    result: Result<(), AppError>,
) -> AppResult<Response> {
    match result {
        Ok(()) => Ok(Redirect::to(&format!("/volunteers/{id}")).into_response()),
        Err(e) => {
            let errors = form_errors(ctx.tr, e)?;
            let page = placement_view(state, ctx, user, id, errors).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct HoursForm {
    pub month: String,
    pub hours: String,
    pub note: String,
}

pub async fn hours(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param(id): Param<String>,
    FormBody(f): FormBody<HoursForm>,
) -> AppResult<Response> {
    let result = match hours_input(&f.month, &f.hours, &f.note) {
        Ok((m, h, n)) => done(
            state
                .store
                .log_hours(&ctx.actor(), &user.principal, &id, &m, h, n.as_deref())
                .await,
        ),
        Err(e) => Err(e.into()),
    };
    after(&state, ctx, &user, &id, result).await
}

pub async fn confirm(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param((id, month)): Param<(String, String)>,
) -> AppResult<Response> {
    let result = done(
        state
            .store
            .confirm_hours(&ctx.actor(), &user.principal, &id, &month)
            .await,
    );
    after(&state, ctx, &user, &id, result).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct EndForm {
    pub ended_on: String,
    pub reason: String,
    pub version: i64,
}

pub async fn end(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param(id): Param<String>,
    FormBody(f): FormBody<EndForm>,
) -> AppResult<Response> {
    let result = match end_input(&f.ended_on, &f.reason) {
        Ok((on, reason)) => done(
            state
                .store
                .end_placement(&ctx.actor(), &user.principal, &id, f.version, &on, &reason)
                .await,
        ),
        Err(e) => Err(e.into()),
    };
    after(&state, ctx, &user, &id, result).await
}
