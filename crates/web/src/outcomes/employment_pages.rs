//! A unit's employment page (job seekers by status, placements in a period
//! by sex, age band, group and contract, retention at 3/6/12 months, ESF+
//! participants) and the page where a worker answers a retention check or a
//! six-month follow-up from "my work".

use super::form::{Form, Section, Sent};
use super::{answer, period, CheckForm};
use crate::charts;
use crate::choices;
use crate::context::{Auth, Ctx, SignedIn};
use crate::error::{AppError, AppResult};
use crate::extract::{FormBody, Param, QueryArgs};
use crate::pages::{form_errors, render};
use crate::AppState;
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;
use kopru_domain::employment::StillWorking;
use kopru_domain::outcome::LabourStatus;
use kopru_domain::Action;
use kopru_store::outcomes::checks::{ChecksDue, OutcomeCheckRow};
use kopru_store::outcomes::summary::EmploymentSummary;
use kopru_store::records::Count;
use serde::Deserialize;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/employment", get(employment_page))
        .route("/outcome-checks/{id}", get(check_page).post(answer_check))
}

#[derive(Template)]
#[template(path = "employment.html")]
pub struct EmploymentUnitPage {
    pub ctx: Ctx,
    pub unit: String,
    pub from: String,
    pub to: String,
    pub s: EmploymentSummary,
    /// The unit's checks due (its coordinator), else the caller's own.
    pub due: Option<ChecksDue>,
}

impl EmploymentUnitPage {
    fn chart(&self, title: &str, prefix: &str, rows: &[Count]) -> String {
        let rows: Vec<(String, i64)> = rows
            .iter()
            .map(|c| {
                let label = if c.key == "unknown" {
                    self.ctx.t("counted-sex-unknown")
                } else {
                    self.ctx.l(prefix, &c.key)
                };
                (label, c.count)
            })
            .collect();
        charts::bars(&self.ctx.t(title), &rows)
    }
    pub fn seekers(&self) -> String {
        self.chart(
            "employment-seekers-by-status",
            "seeker-status",
            &self.s.job_seekers_by_status,
        )
    }
    pub fn by_sex(&self) -> String {
        self.chart("employment-placed-by-sex", "sex", &self.s.placements_by_sex)
    }
    pub fn by_age(&self) -> String {
        self.chart(
            "employment-placed-by-age",
            "esf-age",
            &self.s.placements_by_age,
        )
    }
    pub fn by_group(&self) -> String {
        self.chart(
            "employment-placed-by-group",
            "disadvantaged-group",
            &self.s.placements_by_group,
        )
    }
    pub fn by_contract(&self) -> String {
        self.chart(
            "employment-placed-by-contract",
            "contract-type",
            &self.s.placements_by_contract,
        )
    }
    pub fn entries_by_status(&self) -> String {
        self.chart(
            "employment-participants-by-status",
            "labour-status",
            &self.s.participants_by_labour_status,
        )
    }
    pub fn leavers_by_result(&self) -> String {
        self.chart(
            "employment-leavers-by-result",
            "leaving-result",
            &self.s.leavers_by_result,
        )
    }
    pub fn share(&self, part: &i64, whole: &i64) -> String {
        if *whole == 0 {
            "—".into()
        } else {
            format!("{} %", (part * 100) / whole)
        }
    }
    pub fn retention_label(&self, months: &i64) -> String {
        self.ctx.t(&format!("timeline-retention-{months}"))
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct EmploymentQuery {
    pub unit: String,
    pub from: String,
    pub to: String,
}

pub async fn employment_page(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    QueryArgs(q): QueryArgs<EmploymentQuery>,
) -> AppResult<Response> {
    if !user.principal.may(Action::ViewCaseStatistics) {
        return Err(AppError::Forbidden);
    }
    let mut unit = q.unit.trim().to_uppercase();
    if unit.is_empty() {
        // A unit's staff land on their unit's numbers.
        unit = user
            .principal
            .grants(Action::ViewCaseStatistics)
            .iter()
            .find_map(|g| {
                matches!(g, kopru_domain::Scope::Unit(_)).then(|| g.code().unwrap_or("").to_owned())
            })
            .unwrap_or_default();
    }
    let (from, to) = match period(&q.from, &q.to) {
        Ok(p) => p,
        Err(_) => period("", "")?,
    };
    let u = Some(unit.as_str()).filter(|u| !u.is_empty());
    let s = state
        .store
        .employment_summary(&user.principal, u, &from, &to)
        .await?;
    let due = match state.store.checks_due(&user.principal, u).await {
        Ok(d) => Some(d),
        Err(kopru_store::StoreError::Forbidden) => {
            Some(state.store.checks_due(&user.principal, None).await?)
        }
        Err(e) => return Err(e.into()),
    };
    let due = due.filter(|d| d.count > 0);
    Ok(render(&EmploymentUnitPage {
        ctx,
        unit,
        from,
        to,
        s,
        due,
    })?
    .into_response())
}

#[derive(Template)]
#[template(path = "outcome_check.html")]
pub struct CheckPage {
    pub ctx: Ctx,
    pub c: OutcomeCheckRow,
    pub form: Option<Section>,
    pub errors_any: bool,
}

impl CheckPage {
    pub fn title(&self) -> String {
        if self.c.kind == "six_month" {
            self.ctx.t("timeline-six-month")
        } else {
            self.ctx.t(&format!("timeline-retention-{}", self.c.months))
        }
    }
}

async fn check_view(
    state: &AppState,
    ctx: Ctx,
    user: &SignedIn,
    id: &str,
    sent: Sent,
) -> AppResult<Response> {
    let c = state.store.outcome_check(&user.principal, id).await?;
    let can_edit = user.principal.may(Action::EditPersons) && c.answered_on.is_none();
    let form = can_edit.then(|| {
        let f = Form::new(&ctx, &sent, "answer").date("answered_on", &super::today(), true);
        let f = if c.kind == "six_month" {
            f.choice("labour_status", "", &choices!(ctx, LabourStatus), true)
                .yes_no("improved", None)
        } else {
            f.choice("still_working", "", &choices!(ctx, StillWorking), true)
                .yes_no("insured", None)
        };
        f.long("note", "").section(
            "answer",
            ctx.t("check-answer"),
            format!("/outcome-checks/{id}?version={}", c.version),
            "action-save",
        )
    });
    let form = form.map(|mut s| {
        s.open = true;
        s
    });
    let errors_any = sent.errors.any();
    Ok(render(&CheckPage {
        ctx,
        c,
        form,
        errors_any,
    })?
    .into_response())
}

pub async fn check_page(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param(id): Param<String>,
) -> AppResult<Response> {
    check_view(&state, ctx, &user, &id, Sent::default()).await
}

pub async fn answer_check(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param(id): Param<String>,
    QueryArgs(v): QueryArgs<super::person_pages::VersionArg>,
    FormBody(pairs): FormBody<Vec<(String, String)>>,
) -> AppResult<Response> {
    let result = async {
        let text =
            serde_html_form::to_string(&pairs).map_err(|_| AppError::BadRequest("err-form"))?;
        let f: CheckForm =
            serde_html_form::from_str(&text).map_err(|_| AppError::BadRequest("err-form"))?;
        answer(&state, &ctx.actor(), &user.principal, &id, v.version, &f).await
    }
    .await;
    match result {
        Ok(c) => Ok(Redirect::to(&format!("/persons/{}/employment", c.person_id)).into_response()),
        Err(e) => {
            let errors = form_errors(ctx.tr, e)?;
            let page =
                check_view(&state, ctx, &user, &id, Sent::new("answer", errors, pairs)).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
    }
}
