//! Strategy monitoring pages: the strategies and plans (`/strategy`), a
//! plan's progress, actions, cycles, import and export
//! (`/action-plans/{id}`), the progress reports to fill or review
//! (`/progress-reports`) and one report with its form and its review
//! (`/progress-reports/{id}`).

use super::{may_view, ReportInput};
use crate::context::{Auth, Ctx, SignedIn};
use crate::error::{AppError, AppResult};
use crate::extract::{FileForm, FormBody, Param};
use crate::pages::{form_errors, render, FormErrors};
use crate::AppState;
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use kopru_domain::strategy::{review_comments, ActionStatus, ReportValueDraft};
use kopru_domain::Action;
use kopru_store::strategy::progress::{PlanProgress, StatusCounts};
use kopru_store::strategy::reports::{
    CycleRow, Decision, ProgressReportRow, ReportFile, ReportFilter,
};
use kopru_store::strategy::{text_in, ActionFilter, ActionPlanRow, PlanActionRow, StrategyRow};
use std::collections::BTreeMap;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/strategy", get(strategy_page))
        .route("/strategies", post(create_strategy))
        .route("/action-plans", post(create_plan))
        .route("/action-plans/{id}", get(plan_page))
        .route(
            "/action-plans/{id}/import",
            post(import).layer(axum::extract::DefaultBodyLimit::max(super::MAX_PLAN_BYTES)),
        )
        .route("/action-plans/{id}/cycles", post(open_cycle))
        .route(
            "/action-plans/{id}/annual-reports/{year}",
            get(annual_page).post(save_annual),
        )
        .route("/actions/{id}", get(action_page))
        .route("/progress-reports", get(reports_page))
        .route("/progress-reports/{id}", get(report_page).post(save_report))
        .route("/progress-reports/{id}/review", post(review_report))
        .route("/progress-reports/{id}/corrections", post(correct_report))
        .route(
            "/progress-reports/{id}/evidence",
            post(add_evidence).layer(axum::extract::DefaultBodyLimit::max(
                kopru_domain::attachment::ATTACHMENT_MAX_BYTES + 64 * 1024,
            )),
        )
        .route(
            "/progress-reports/{id}/evidence/{evidence_id}",
            get(evidence),
        )
}

#[derive(Template)]
#[template(path = "strategy.html")]
pub struct StrategyPage {
    pub ctx: Ctx,
    pub strategies: Vec<(StrategyRow, Vec<ActionPlanRow>)>,
    pub can_manage: bool,
    pub errors: FormErrors,
    /// Which form came back with errors (strategy or plan), and what was typed.
    pub sent: Option<(String, HeadForm)>,
}

impl StrategyPage {
    pub fn title(&self, texts: &str) -> String {
        text_in(texts, self.ctx.tr.tag())
    }
    /// What was typed in `form`'s `field`, when it came back.
    pub fn typed(&self, form: &str, field: &str) -> String {
        match &self.sent {
            Some((f, h)) if f == form => match field {
                "code" => h.code.clone(),
                "title_tr" => h.title_tr.clone(),
                "title_en" => h.title_en.clone(),
                "starts_year" => h.starts_year.clone(),
                "ends_year" => h.ends_year.clone(),
                _ => String::new(),
            },
            _ => String::new(),
        }
    }
    pub fn open(&self, form: &str) -> bool {
        matches!(&self.sent, Some((f, _)) if f == form)
    }
}

/// A new strategy or action plan from the page.
#[derive(serde::Deserialize, Default, Clone)]
#[serde(default)]
pub struct HeadForm {
    pub strategy_id: String,
    pub code: String,
    pub title_tr: String,
    pub title_en: String,
    pub country: String,
    pub starts_year: String,
    pub ends_year: String,
}

impl HeadForm {
    fn head(&self) -> Result<kopru_domain::strategy::Head, kopru_domain::ValidationErrors> {
        let year = |v: &str| v.trim().parse::<i64>().unwrap_or(0);
        kopru_domain::strategy::head(
            &self.code,
            &self.title_tr,
            &self.title_en,
            "",
            year(&self.starts_year),
            year(&self.ends_year),
        )
    }
}

async fn strategy_view(
    state: &AppState,
    ctx: Ctx,
    user: &SignedIn,
    errors: FormErrors,
    sent: Option<(String, HeadForm)>,
) -> AppResult<StrategyPage> {
    may_view(user)?;
    let mut strategies = Vec::new();
    for s in state.store.strategies(&user.principal).await? {
        let plans = state
            .store
            .action_plans(&user.principal, Some(&s.id))
            .await?;
        strategies.push((s, plans));
    }
    Ok(StrategyPage {
        can_manage: user.principal.may(Action::ManageStrategy),
        ctx,
        strategies,
        errors,
        sent,
    })
}

pub async fn create_strategy(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    FormBody(f): FormBody<HeadForm>,
) -> AppResult<Response> {
    let result = match f.head() {
        Ok(h) => state
            .store
            .create_strategy(
                &ctx.actor(),
                &user.principal,
                &kopru_store::strategy::plans::StrategyInput {
                    code: h.code,
                    titles: h.titles,
                    country: f.country.trim().to_ascii_uppercase(),
                    starts_year: h.starts_year,
                    ends_year: h.ends_year,
                },
            )
            .await
            .map(|_| ())
            .map_err(AppError::from),
        Err(e) => Err(e.into()),
    };
    match result {
        Ok(()) => Ok(Redirect::to("/strategy").into_response()),
        Err(e) => {
            let errors = form_errors(ctx.tr, e)?;
            let page =
                strategy_view(&state, ctx, &user, errors, Some(("strategy".into(), f))).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
        }
    }
}

pub async fn create_plan(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    FormBody(f): FormBody<HeadForm>,
) -> AppResult<Response> {
    let result = match f.head() {
        Ok(h) => state
            .store
            .create_action_plan(
                &ctx.actor(),
                &user.principal,
                &f.strategy_id,
                &kopru_store::strategy::plans::PlanInput {
                    code: h.code,
                    titles: h.titles,
                    starts_year: h.starts_year,
                    ends_year: h.ends_year,
                    cycle_months: 3,
                },
            )
            .await
            .map_err(AppError::from),
        Err(e) => Err(e.into()),
    };
    match result {
        Ok(plan) => Ok(Redirect::to(&format!("/action-plans/{}", plan.id)).into_response()),
        Err(e) => {
            let errors = form_errors(ctx.tr, e)?;
            let page = strategy_view(&state, ctx, &user, errors, Some(("plan".into(), f))).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
        }
    }
}

pub async fn strategy_page(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
) -> AppResult<Response> {
    let page = strategy_view(&state, ctx, &user, FormErrors::default(), None).await?;
    Ok(render(&page)?.into_response())
}

#[derive(Template)]
#[template(path = "action_plan.html")]
pub struct PlanPage {
    pub ctx: Ctx,
    pub p: PlanProgress,
    pub actions: Vec<PlanActionRow>,
    pub cycles: Vec<CycleRow>,
    pub can_manage: bool,
    pub errors: FormErrors,
    pub import: Option<super::PlanImportReport>,
}

impl PlanPage {
    pub fn title(&self, texts: &str) -> String {
        text_in(texts, self.ctx.tr.tag())
    }
    pub fn share(&self, c: &StatusCounts) -> String {
        c.on_track_share()
            .map(|s| format!("{} %", self.ctx.tr.num(s.round() as i64)))
            .unwrap_or_else(|| "—".into())
    }
    pub fn light(&self, c: &StatusCounts) -> &'static str {
        c.light()
    }
    pub fn sections(&self) -> Vec<(&'static str, String)> {
        [
            ("progress", "plan-progress"),
            ("indicators", "plan-indicators"),
            ("actions", "plan-actions"),
            ("cycles", "plan-cycles"),
            ("annual", "plan-annual-reports"),
            ("sheet", "plan-sheet"),
        ]
        .iter()
        .map(|(id, m)| (*id, self.ctx.t(m)))
        .collect()
    }
    /// The years an annual report can be made for: the plan's, up to this one.
    pub fn report_years(&self) -> Vec<i64> {
        let this_year = kopru_store::clock::today()
            .get(..4)
            .and_then(|y| y.parse::<i64>().ok())
            .unwrap_or(self.p.plan.ends_year);
        (self.p.plan.starts_year..=self.p.plan.ends_year.min(this_year))
            .rev()
            .collect()
    }
    /// The status tables: (caption, rows, rows are policy areas).
    pub fn tables(&self) -> Vec<(String, &Vec<StatusCounts>, bool)> {
        vec![
            (self.ctx.t("plan-by-area"), &self.p.by_policy_area, true),
            (
                self.ctx.t("plan-by-institution"),
                &self.p.by_institution,
                false,
            ),
        ]
    }
    pub fn status_light(&self, status: &str) -> &'static str {
        ActionStatus::parse(status)
            .map(|s| s.light())
            .unwrap_or("grey")
    }
}

async fn plan_view(
    state: &AppState,
    ctx: Ctx,
    user: &SignedIn,
    id: &str,
    errors: FormErrors,
    import: Option<super::PlanImportReport>,
) -> AppResult<PlanPage> {
    may_view(user)?;
    let p = state.store.plan_progress(&user.principal, id).await?;
    let actions = state
        .store
        .plan_actions(
            &user.principal,
            &ActionFilter {
                plan_id: Some(p.plan.id.clone()),
                ..Default::default()
            },
        )
        .await?;
    let cycles = state.store.cycles(&user.principal, &p.plan.id).await?;
    Ok(PlanPage {
        can_manage: user.principal.may(Action::ManageStrategy),
        ctx,
        p,
        actions,
        cycles,
        errors,
        import,
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

/// The plan's sheet from the page: checked (`dry_run`) or imported; the
/// report shows on the plan's page.
pub async fn import(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param(id): Param<String>,
    form: FileForm,
) -> AppResult<Response> {
    let dry_run = form.text("dry_run") == "1";
    let result = super::import_plan(
        &state.store,
        &ctx.actor(),
        &user.principal,
        ctx.tr,
        &id,
        form.bytes(),
        dry_run,
    )
    .await;
    match result {
        Ok(report) => {
            let page =
                plan_view(&state, ctx, &user, &id, FormErrors::default(), Some(report)).await?;
            Ok(render(&page)?.into_response())
        }
        Err(e) => {
            let errors = form_errors(ctx.tr, e)?;
            let page = plan_view(&state, ctx, &user, &id, errors, None).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
        }
    }
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct CycleForm {
    pub title: String,
    pub opens_on: String,
    pub due_on: String,
}

pub async fn open_cycle(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param(id): Param<String>,
    FormBody(f): FormBody<CycleForm>,
) -> AppResult<Response> {
    match state
        .store
        .open_cycle(
            &ctx.actor(),
            &user.principal,
            &id,
            &f.title,
            &f.opens_on,
            &f.due_on,
        )
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!("/action-plans/{id}#cycles")).into_response()),
        Err(e) => {
            let errors = form_errors(ctx.tr, e.into())?;
            let page = plan_view(&state, ctx, &user, &id, errors, None).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
        }
    }
}

#[derive(Template)]
#[template(path = "progress_reports.html")]
pub struct ReportsPage {
    pub ctx: Ctx,
    /// The caller's institution's reports to fill or rework.
    pub due: Vec<ProgressReportRow>,
    /// Submitted reports to review (M&E officers).
    pub to_review: Vec<ProgressReportRow>,
    /// Late reports across what the caller sees.
    pub late: Vec<ProgressReportRow>,
}

impl ReportsPage {
    pub fn title(&self, texts: &str) -> String {
        text_in(texts, self.ctx.tr.tag())
    }
    /// (anchor, heading, rows, shown even when empty) of the page's lists.
    pub fn lists(&self) -> Vec<(&'static str, String, &Vec<ProgressReportRow>, bool)> {
        let reports = self.ctx.allows(Action::ReportProgress);
        vec![
            ("due", self.ctx.t("reports-due"), &self.due, reports),
            (
                "to-review",
                self.ctx.t("reports-to-review"),
                &self.to_review,
                !reports,
            ),
            ("late", self.ctx.t("reports-late"), &self.late, false),
        ]
    }
}

pub async fn reports_page(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
) -> AppResult<Response> {
    may_view(&user)?;
    let due = state.store.reports_due(&user.principal).await?;
    let to_review = if user.principal.may(Action::ReviewProgress) {
        state
            .store
            .progress_reports(
                &user.principal,
                &ReportFilter {
                    status: Some("submitted".into()),
                    ..Default::default()
                },
            )
            .await?
    } else {
        Vec::new()
    };
    let late = state
        .store
        .progress_reports(
            &user.principal,
            &ReportFilter {
                late: true,
                ..Default::default()
            },
        )
        .await?;
    Ok(render(&ReportsPage {
        ctx,
        due,
        to_review,
        late,
    })?
    .into_response())
}

/// One value cell of the report's form: its field name, its labels and value.
pub struct ValueCell {
    pub name: String,
    pub sex: String,
    pub province: String,
    pub value: String,
}

/// A reported indicator on the form: its cells (a total; by sex; plus any
/// province already reported).
pub struct IndicatorCells {
    pub code: String,
    pub definition: String,
    pub unit: String,
    pub breakdown: String,
    pub cells: Vec<ValueCell>,
    /// Broken down by province: a province may be added (its cells: total,
    /// or by sex), one at a time.
    pub new_province: Option<NewProvince>,
}

/// The inputs that add a province's values to an indicator.
pub struct NewProvince {
    /// `np.<code>`: the province chosen.
    pub select: String,
    pub chosen: String,
    /// (`npv.<code>.<sex>`, sex or "" for the total, what was typed)
    pub cells: Vec<(String, String, String)>,
}

#[derive(Template)]
#[template(path = "progress_report.html")]
pub struct ReportPage {
    pub ctx: Ctx,
    pub f: ReportFile,
    pub indicators: Vec<IndicatorCells>,
    pub comments: BTreeMap<String, String>,
    pub statuses: Vec<(String, String)>,
    pub errors: FormErrors,
    /// What was typed, when the form came back.
    pub sent: Option<BTreeMap<String, String>>,
    /// The institution's focal point may correct an approved report.
    pub can_correct: bool,
    /// The plan's country's provinces, when an indicator is broken down by province.
    pub provinces: Vec<(String, String)>,
}

impl ReportPage {
    pub fn title(&self, texts: &str) -> String {
        text_in(texts, self.ctx.tr.tag())
    }
    /// A field's value: what was typed, else what is saved.
    pub fn value(&self, field: &str) -> String {
        if let Some(s) = &self.sent {
            return s.get(field).cloned().unwrap_or_default();
        }
        let r = &self.f.report;
        match field {
            "action_status" => r.action_status.clone().unwrap_or_default(),
            "done_text" => r.done_text.clone().unwrap_or_default(),
            "obstacles" => r.obstacles.clone().unwrap_or_default(),
            "spending" => r
                .spending_minor
                .map(|m| format!("{}.{:02}", m / 100, m % 100))
                .unwrap_or_default(),
            _ => String::new(),
        }
    }
    pub fn comment(&self, field: &str) -> Option<&String> {
        self.comments.get(field)
    }
    pub fn facts(&self) -> Vec<(String, String)> {
        let status = self.value("action_status");
        vec![
            (
                self.ctx.t("field-action-status"),
                if status.is_empty() {
                    "—".into()
                } else {
                    self.ctx.l("action-status", &status)
                },
            ),
            (self.ctx.t("field-done-text"), self.value("done_text")),
            (self.ctx.t("field-spending"), self.value("spending")),
            (self.ctx.t("field-obstacles"), self.value("obstacles")),
        ]
    }
    /// The fields a return may comment on.
    pub fn review_fields(&self) -> &'static [&'static str] {
        &[
            "action_status",
            "done_text",
            "spending",
            "obstacles",
            "values",
            "evidence",
        ]
    }
}

fn cells(
    f: &ReportFile,
    sent: Option<&BTreeMap<String, String>>,
    lang: &str,
) -> Vec<IndicatorCells> {
    f.indicators
        .iter()
        .map(|i| {
            let mut keys: Vec<(String, String)> = vec![(String::new(), String::new())];
            if matches!(i.breakdown.as_str(), "sex" | "sex_province") {
                keys.push(("female".into(), String::new()));
                keys.push(("male".into(), String::new()));
            }
            for v in f.values.iter().filter(|v| v.indicator_id == i.id) {
                let k = (v.sex.clone(), v.province.clone());
                if !keys.contains(&k) {
                    keys.push(k);
                }
            }
            let typed = |k: &str| sent.and_then(|s| s.get(k)).cloned().unwrap_or_default();
            let new_province =
                matches!(i.breakdown.as_str(), "province" | "sex_province").then(|| {
                    let sexes: &[&str] = if i.breakdown == "sex_province" {
                        &["female", "male"]
                    } else {
                        &[""]
                    };
                    NewProvince {
                        select: format!("np.{}", i.code),
                        chosen: typed(&format!("np.{}", i.code)),
                        cells: sexes
                            .iter()
                            .map(|sex| {
                                let name = format!("npv.{}.{sex}", i.code);
                                let value = typed(&name);
                                (name, (*sex).to_owned(), value)
                            })
                            .collect(),
                    }
                });
            IndicatorCells {
                new_province,
                code: i.code.clone(),
                definition: text_in(&i.definitions, lang),
                unit: i.unit.clone(),
                breakdown: i.breakdown.clone(),
                cells: keys
                    .into_iter()
                    .map(|(sex, province)| {
                        let name = format!("v.{}.{}.{}", i.code, sex, province);
                        let value = match sent {
                            Some(s) => s.get(&name).cloned().unwrap_or_default(),
                            None => f
                                .values
                                .iter()
                                .find(|v| {
                                    v.indicator_id == i.id && v.sex == sex && v.province == province
                                })
                                .map(|v| v.value.clone())
                                .unwrap_or_default(),
                        };
                        ValueCell {
                            name,
                            sex,
                            province,
                            value,
                        }
                    })
                    .collect(),
            }
        })
        .collect()
}

async fn report_view(
    state: &AppState,
    ctx: Ctx,
    user: &SignedIn,
    id: &str,
    errors: FormErrors,
    sent: Option<BTreeMap<String, String>>,
) -> AppResult<ReportPage> {
    may_view(user)?;
    let f = state.store.progress_report(&user.principal, id).await?;
    let comments: BTreeMap<String, String> =
        serde_json::from_str(&f.report.review_comments).unwrap_or_default();
    let indicators = cells(&f, sent.as_ref(), ctx.tr.tag());
    let can_correct = f.report.status == "approved"
        && user
            .principal
            .grants(Action::ReportProgress)
            .iter()
            .any(|g| g.code() == Some(f.report.responsible_code.as_str()));
    let provinces = if indicators.iter().any(|i| i.new_province.is_some()) {
        let plan = state
            .store
            .action_plan(&user.principal, &f.action.plan_id)
            .await?;
        state
            .store
            .areas(Some(&plan.country), None, 200)
            .await?
            .into_iter()
            .map(|a| (a.code, a.name))
            .collect()
    } else {
        Vec::new()
    };
    Ok(ReportPage {
        provinces,
        can_correct,
        statuses: crate::choices!(ctx, ActionStatus),
        ctx,
        f,
        indicators,
        comments,
        errors,
        sent,
    })
}

pub async fn report_page(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param(id): Param<String>,
) -> AppResult<Response> {
    let page = report_view(&state, ctx, &user, &id, FormErrors::default(), None).await?;
    Ok(render(&page)?.into_response())
}

/// Saves (or with `submit=1` submits) the report from its form.
pub async fn save_report(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param(id): Param<String>,
    FormBody(pairs): FormBody<Vec<(String, String)>>,
) -> AppResult<Response> {
    let sent: BTreeMap<String, String> = pairs.into_iter().take(4000).collect();
    let get = |k: &str| sent.get(k).cloned().unwrap_or_default();
    let values = sent
        .iter()
        .filter_map(|(k, v)| {
            let rest = k.strip_prefix("v.")?;
            let mut parts = rest.splitn(3, '.');
            let (code, sex, province) = (parts.next()?, parts.next()?, parts.next().unwrap_or(""));
            Some(ReportValueDraft {
                indicator: code.to_owned(),
                sex: sex.to_owned(),
                province: province.to_owned(),
                value: v.clone(),
            })
        })
        .collect();
    // A province added on the form: its values as cells of that province.
    let mut values: Vec<ReportValueDraft> = values;
    for (k, province) in sent
        .iter()
        .filter(|(k, v)| k.starts_with("np.") && !v.is_empty())
    {
        let code = &k[3..];
        let prefix = format!("npv.{code}.");
        for (name, value) in sent
            .iter()
            .filter(|(n, v)| n.starts_with(&prefix) && !v.is_empty())
        {
            values.push(ReportValueDraft {
                indicator: code.to_owned(),
                sex: name[prefix.len()..].to_owned(),
                province: province.clone(),
                value: value.clone(),
            });
        }
    }
    let input = ReportInput {
        action_status: get("action_status"),
        done_text: get("done_text"),
        spending: get("spending"),
        obstacles: get("obstacles"),
        values,
        version: crate::pages::version_of(&get("version"))?,
    };
    let submit = get("submit") == "1";
    match super::save_report(&state, &ctx, &user, &id, input, submit).await {
        Ok(_) => Ok(Redirect::to(&format!("/progress-reports/{id}")).into_response()),
        Err(e) => {
            let errors = form_errors(ctx.tr, e)?;
            let page = report_view(&state, ctx, &user, &id, errors, Some(sent)).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
        }
    }
}

/// Approves, or returns with a comment per field (`c.<field>`).
pub async fn review_report(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param(id): Param<String>,
    FormBody(pairs): FormBody<Vec<(String, String)>>,
) -> AppResult<Response> {
    let sent: BTreeMap<String, String> = pairs.into_iter().take(100).collect();
    let version = crate::pages::version_of(sent.get("version").map_or("", String::as_str))?;
    let decision = if sent.get("decision").map(String::as_str) == Some("approve") {
        Ok(Decision::Approve)
    } else {
        let comments: BTreeMap<String, String> = sent
            .iter()
            .filter_map(|(k, v)| Some((k.strip_prefix("c.")?.to_owned(), v.clone())))
            .collect();
        review_comments(&comments).map(Decision::Return)
    };
    let result = match decision {
        Ok(d) => state
            .store
            .review_progress_report(&ctx.actor(), &user.principal, &id, version, &d)
            .await
            .map_err(AppError::from),
        Err(e) => Err(e.into()),
    };
    match result {
        Ok(_) => Ok(Redirect::to(&format!("/progress-reports/{id}")).into_response()),
        Err(e) => {
            let errors = form_errors(ctx.tr, e)?;
            let page = report_view(&state, ctx, &user, &id, errors, None).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
        }
    }
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct CorrectionForm {
    pub reason: String,
}

pub async fn correct_report(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param(id): Param<String>,
    FormBody(f): FormBody<CorrectionForm>,
) -> AppResult<Response> {
    match state
        .store
        .correct_progress_report(&ctx.actor(), &user.principal, &id, &f.reason)
        .await
    {
        Ok(row) => Ok(Redirect::to(&format!("/progress-reports/{}", row.id)).into_response()),
        Err(e) => {
            let errors = form_errors(ctx.tr, e.into())?;
            let page = report_view(&state, ctx, &user, &id, errors, None).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
        }
    }
}

/// Evidence from the report's page (a multipart form with `file`).
pub async fn add_evidence(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param(id): Param<String>,
    form: FileForm,
) -> AppResult<Response> {
    let result = match super::evidence_type(form.bytes()) {
        Ok(media) => state
            .store
            .add_evidence(
                &ctx.actor(),
                &user.principal,
                &id,
                form.file_name(),
                media,
                form.bytes(),
            )
            .await
            .map_err(AppError::from),
        Err(e) => Err(e.into()),
    };
    match result {
        Ok(_) => Ok(Redirect::to(&format!("/progress-reports/{id}#evidence")).into_response()),
        Err(e) => {
            let errors = form_errors(ctx.tr, e)?;
            let page = report_view(&state, ctx, &user, &id, errors, None).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
        }
    }
}

pub async fn evidence(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param((id, evidence_id)): Param<(String, String)>,
) -> AppResult<Response> {
    let (row, bytes) = state
        .store
        .evidence_file(&ctx.actor(), &user.principal, &id, &evidence_id)
        .await?;
    Ok(crate::pages::download(
        &row.file_name,
        &row.media_type,
        bytes,
    ))
}

/// An earlier state of an action, for the page.
pub struct Earlier {
    pub revision: i64,
    pub text: String,
    pub responsible: String,
    pub period: String,
}

#[derive(Template)]
#[template(path = "plan_action.html")]
pub struct ActionPage {
    pub ctx: Ctx,
    pub a: PlanActionRow,
    pub indicators: Vec<kopru_store::strategy::PlanIndicatorRow>,
    pub reports: Vec<ProgressReportRow>,
    pub earlier: Vec<Earlier>,
}

impl ActionPage {
    pub fn title(&self, texts: &str) -> String {
        text_in(texts, self.ctx.tr.tag())
    }
    pub fn facts(&self) -> Vec<(String, String)> {
        let a = &self.a;
        let mut out = vec![
            (self.ctx.t("field-responsible"), a.responsible_name.clone()),
            (
                self.ctx.t("field-period"),
                format!("{}–{}", a.starts, a.ends),
            ),
            (
                self.ctx.t("field-status"),
                self.ctx.l("action-status", &a.status),
            ),
        ];
        if !a.partners.is_empty() {
            out.push((self.ctx.t("field-partners"), a.partners.replace(',', ", ")));
        }
        if let Some(b) = a.budget_minor {
            out.push((
                self.ctx.t("field-budget"),
                format!(
                    "{} {}",
                    self.ctx.tr.num(b / 100),
                    a.currency.clone().unwrap_or_default()
                ),
            ));
        }
        out
    }
}

/// An action: what it is, its indicators, its reports in every cycle, and
/// what it was in earlier revisions of the plan.
pub async fn action_page(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param(id): Param<String>,
) -> AppResult<Response> {
    may_view(&user)?;
    let (a, indicators) = state.store.plan_action(&user.principal, &id).await?;
    let reports = state
        .store
        .progress_reports(
            &user.principal,
            &ReportFilter {
                action_id: Some(a.id.clone()),
                ..Default::default()
            },
        )
        .await?;
    let lang = ctx.tr.tag();
    let earlier = state
        .store
        .action_revisions(&user.principal, &id)
        .await?
        .into_iter()
        .map(|r| {
            let v: serde_json::Value = serde_json::from_str(&r.snapshot).unwrap_or_default();
            let s = |k: &str| v[k].as_str().unwrap_or_default().to_owned();
            Earlier {
                revision: r.revision,
                text: text_in(&v["texts"].to_string(), lang),
                responsible: s("responsible"),
                period: format!("{}–{}", s("starts"), s("ends")),
            }
        })
        .collect();
    Ok(render(&ActionPage {
        ctx,
        a,
        indicators,
        reports,
        earlier,
    })?
    .into_response())
}

#[derive(Template)]
#[template(path = "annual_report.html")]
pub struct AnnualPage {
    pub ctx: Ctx,
    pub r: kopru_store::strategy::annual::AnnualReport,
    pub can_manage: bool,
    pub errors: FormErrors,
    /// What was typed, when the form came back.
    pub sent: Option<BTreeMap<String, String>>,
}

impl AnnualPage {
    pub fn title(&self, texts: &str) -> String {
        text_in(texts, self.ctx.tr.tag())
    }
    pub fn share(&self) -> String {
        match self.r.on_track_share {
            Some(s) => format!("{} %", self.ctx.tr.num(s.round() as i64)),
            None => "—".to_owned(),
        }
    }
    /// (language tag, its name in itself) offered for the plan.
    pub fn languages(&self) -> Vec<(&'static str, &'static str)> {
        super::annual::languages(&self.r.plan.country)
            .iter()
            .filter_map(|t| kopru_domain::Locale::parse(t).map(|l| (*t, l.native_name())))
            .collect()
    }
    /// (key, label) of the narrative sections, in the order the report prints them.
    pub fn sections(&self) -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> = ["summary", "context"]
            .iter()
            .map(|k| ((*k).to_owned(), self.ctx.t(&format!("annual-section-{k}"))))
            .collect();
        for c in &self.r.by_policy_area {
            out.push((format!("area.{}", c.key), self.ctx.l("policy-area", &c.key)));
        }
        for k in ["conclusions", "recommendations"] {
            out.push((k.to_owned(), self.ctx.t(&format!("annual-section-{k}"))));
        }
        out
    }
    pub fn text(&self, key: &str) -> String {
        match &self.sent {
            Some(sent) => sent.get(key).cloned().unwrap_or_default(),
            None => self.r.sections.get(key).cloned().unwrap_or_default(),
        }
    }
    pub fn field(&self, key: &str) -> String {
        format!("sections.{key}")
    }
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct LanguageQuery {
    pub language: Option<String>,
}

async fn annual_view(
    state: &AppState,
    ctx: Ctx,
    user: &SignedIn,
    (id, year, language): (&str, i64, Option<&str>),
    errors: FormErrors,
    sent: Option<BTreeMap<String, String>>,
) -> AppResult<AnnualPage> {
    may_view(user)?;
    let r = super::annual::load(
        &state.store,
        &user.principal,
        id,
        year,
        language,
        ctx.locale(),
    )
    .await?;
    Ok(AnnualPage {
        can_manage: user.principal.may(Action::ManageStrategy),
        ctx,
        r,
        errors,
        sent,
    })
}

pub async fn annual_page(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param((id, year)): Param<(String, i64)>,
    crate::extract::QueryArgs(q): crate::extract::QueryArgs<LanguageQuery>,
) -> AppResult<Response> {
    let page = annual_view(
        &state,
        ctx,
        &user,
        (&id, year, q.language.as_deref()),
        FormErrors::default(),
        None,
    )
    .await?;
    Ok(render(&page)?.into_response())
}

/// Saves the narrative (`s.<section>` fields) of the report in its language.
pub async fn save_annual(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param((id, year)): Param<(String, i64)>,
    crate::extract::QueryArgs(q): crate::extract::QueryArgs<LanguageQuery>,
    FormBody(pairs): FormBody<Vec<(String, String)>>,
) -> AppResult<Response> {
    let version = pairs
        .iter()
        .find(|(k, _)| k == "version")
        .map(|(_, v)| crate::pages::version_of(v))
        .transpose()?
        .unwrap_or(0);
    let sections: BTreeMap<String, String> = pairs
        .into_iter()
        .take(100)
        .filter_map(|(k, v)| Some((k.strip_prefix("s.")?.to_owned(), v)))
        .collect();
    let language = q.language.as_deref();
    match super::annual::save(
        &state.store,
        &ctx.actor(),
        &user.principal,
        &id,
        year,
        language,
        ctx.locale(),
        &sections,
        version,
    )
    .await
    {
        Ok(r) => Ok(Redirect::to(&format!(
            "/action-plans/{}/annual-reports/{year}?language={}#narrative",
            r.plan.id, r.language
        ))
        .into_response()),
        Err(e) => {
            let errors = form_errors(ctx.tr, e)?;
            let page = annual_view(
                &state,
                ctx,
                &user,
                (&id, year, language),
                errors,
                Some(sections),
            )
            .await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
        }
    }
}
