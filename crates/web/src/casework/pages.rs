//! Case pages: the case list, opening a case, the case itself (status,
//! plan, contacts, services, follow-ups, assessments, referrals, transfers,
//! closure). Filling a form and reading a submission: `submission_pages`.

use crate::context::{Auth, Ctx, SignedIn};
use crate::error::{AppError, AppResult};
use crate::extract::{FormBody, Param, QueryArgs};
use crate::pages::{done, form_errors, render, FormErrors, Pager, PAGE_SIZE};
use crate::AppState;
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use kopru_domain::case::{
    CaseStatus, ClosureReason, ContactKind, DeliveredService, Domain, GoalStatus, Priority,
};
use kopru_domain::casework::{
    CaseDraft, ClosureDraft, ContactDraft, FollowUpDraft, GoalDraft, ReferralDraft, ServiceDraft,
    SharedField,
};
use kopru_domain::{Action, ValidationErrors};
use kopru_store::casework::{CaseFile, CaseFilter, CaseRow, WorkerRow};
use kopru_store::clock::today;
use kopru_store::directory::{InstitutionRow, ListFilter};
use serde::Deserialize;

/// The pages of this file.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/cases", get(cases_page))
        .route("/cases/new", get(case_new).post(case_create))
        .route("/cases/{id}", get(case_page))
        .route("/cases/{id}/status", post(case_status))
        .route("/cases/{id}/edit", post(case_edit))
        .route("/cases/{id}/close", post(case_close))
        .route("/cases/{id}/goals", post(goal_add))
        .route("/cases/{id}/goals/{gid}", post(goal_update))
        .route("/cases/{id}/planned-services", post(planned_add))
        .route("/cases/{id}/contacts", post(contact_add))
        .route(
            "/cases/{id}/attachments",
            post(attachment_add).layer(axum::extract::DefaultBodyLimit::max(
                super::MAX_ATTACHMENT_BODY,
            )),
        )
        .route("/cases/{id}/attachments/{aid}", get(attachment_get))
        .route("/cases/{id}/services", post(service_add))
        .route("/cases/{id}/follow-ups", post(follow_up_add))
        .route("/cases/{id}/referrals", post(referral_send))
        .route("/cases/{id}/transfers", post(transfer_request))
        .route("/cases/{id}/workers", post(workers_set))
        .route("/follow-ups/{id}", post(follow_up_update))
        .route("/transfers/{id}/answer", post(transfer_answer))
}

// ---------------- list ----------------

#[derive(Template)]
#[template(path = "cases.html")]
pub struct CasesPage {
    pub ctx: Ctx,
    pub cases: Vec<CaseRow>,
    pub q: CaseQuery,
    pub pager: Pager,
    pub can_export: bool,
    pub export_query: String,
}

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct CaseQuery {
    pub status: String,
    pub domain: String,
    pub q: String,
    pub mine: String,
    pub page: i64,
}

impl CasesPage {
    pub fn statuses(&self) -> Vec<(&'static str, String)> {
        CaseStatus::ALL
            .iter()
            .map(|s| (s.as_str(), self.ctx.l("case-status", s.as_str())))
            .collect()
    }
    pub fn domains(&self) -> Vec<(&'static str, String)> {
        Domain::ALL
            .iter()
            .map(|d| (d.as_str(), self.ctx.l("case-domain", d.as_str())))
            .collect()
    }
    pub fn domain_names(&self, c: &CaseRow) -> String {
        domain_names(&self.ctx, c)
    }
}

fn domain_names(ctx: &Ctx, c: &CaseRow) -> String {
    c.domain_list()
        .iter()
        .map(|d| ctx.l("case-domain", d))
        .collect::<Vec<_>>()
        .join(", ")
}

pub async fn cases_page(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    QueryArgs(q): QueryArgs<CaseQuery>,
) -> AppResult<Response> {
    if !user.principal.may(Action::ViewCases) {
        return Err(AppError::Forbidden);
    }
    let page = q.page.max(1);
    let mine = q.mine == "1";
    let f = CaseFilter {
        status: Some(q.status.clone()),
        domain: Some(q.domain.clone()),
        q: Some(q.q.clone()),
        worker_id: mine.then(|| user.principal.user_id.clone()),
        limit: PAGE_SIZE,
        offset: Pager::offset(page),
        ..Default::default()
    };
    let mut cases = state.store.cases(&user.principal, &f).await?;
    let more = cases.len() as i64 > PAGE_SIZE;
    cases.truncate(PAGE_SIZE as usize);
    let base = crate::pages::query_string(&[
        ("status", &q.status),
        ("domain", &q.domain),
        ("q", &q.q),
        ("mine", &q.mine),
    ]);
    // The list pages by "is there more", so the pager knows one page ahead.
    let total = Pager::offset(page) + cases.len() as i64 + i64::from(more);
    let pager = Pager::new(page, total, base.clone());
    let can_export = user.principal.may(Action::ExportPersons);
    Ok(render(&CasesPage {
        ctx,
        cases,
        q,
        pager,
        can_export,
        export_query: base,
    })?
    .into_response())
}

// ---------------- opening a case ----------------

#[derive(Template)]
#[template(path = "case_new.html")]
pub struct CaseNewPage {
    pub ctx: Ctx,
    pub form: CaseForm,
    pub subject: String,
    pub units: Vec<String>,
    /// (code, name) of the programmes a case may belong to.
    pub programmes: Vec<(String, String)>,
    pub errors: FormErrors,
}

impl CaseNewPage {
    pub fn domains(&self) -> Vec<(&'static str, String, bool)> {
        Domain::ALL
            .iter()
            .map(|d| {
                (
                    d.as_str(),
                    self.ctx.l("case-domain", d.as_str()),
                    self.form.domains.iter().any(|x| x == d.as_str()),
                )
            })
            .collect()
    }
    pub fn priorities(&self) -> Vec<(&'static str, String)> {
        Priority::ALL
            .iter()
            .map(|p| (p.as_str(), self.ctx.l("case-priority", p.as_str())))
            .collect()
    }
}

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct CaseForm {
    pub person: String,
    pub household: String,
    pub unit_code: String,
    pub priority: String,
    pub domains: Vec<String>,
    pub summary: String,
    pub programme_code: String,
}

async fn programme_choices(state: &AppState) -> AppResult<Vec<(String, String)>> {
    Ok(state
        .store
        .programmes()
        .await?
        .into_iter()
        .map(|p| (p.code, p.name))
        .collect())
}

/// The units where the user may open cases (their unit grants).
fn case_units(user: &SignedIn) -> Vec<String> {
    user.principal
        .grants(Action::EditCases)
        .iter()
        .filter_map(|g| match g {
            kopru_domain::Scope::Unit(c) => Some(c.as_str().to_owned()),
            _ => None,
        })
        .collect()
}

async fn subject_name(state: &AppState, ctx: &Ctx, user: &SignedIn, f: &CaseForm) -> String {
    if !f.person.is_empty() {
        if let Ok(p) = state
            .store
            .person(&ctx.actor(), &user.principal, &f.person)
            .await
        {
            return p.full_name();
        }
    } else if !f.household.is_empty() {
        if let Ok(h) = state.store.household(&user.principal, &f.household).await {
            return h.address.unwrap_or_default();
        }
    }
    String::new()
}

pub async fn case_new(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    QueryArgs(mut form): QueryArgs<CaseForm>,
) -> AppResult<Response> {
    if !user.principal.may(Action::EditCases) {
        return Err(AppError::Forbidden);
    }
    let units = case_units(&user);
    if form.unit_code.is_empty() {
        form.unit_code = units.first().cloned().unwrap_or_default();
    }
    let subject = subject_name(&state, &ctx, &user, &form).await;
    let programmes = programme_choices(&state).await?;
    Ok(render(&CaseNewPage {
        ctx,
        form,
        subject,
        units,
        programmes,
        errors: FormErrors::default(),
    })?
    .into_response())
}

pub async fn case_create(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    FormBody(form): FormBody<CaseForm>,
) -> AppResult<Response> {
    let draft = CaseDraft {
        person_id: form.person.clone(),
        household_id: form.household.clone(),
        unit_code: form.unit_code.clone(),
        priority: form.priority.clone(),
        domains: form.domains.clone(),
        summary: form.summary.clone(),
        programme_code: form.programme_code.clone(),
        ..Default::default()
    };
    let result = match draft.validate(&today()) {
        Ok(new) => state
            .store
            .open_case(&ctx.actor(), &user.principal, &new, &[])
            .await
            .map_err(AppError::from),
        Err(e) => Err(e.into()),
    };
    match result {
        Ok(c) => Ok(Redirect::to(&format!("/cases/{}", c.id)).into_response()),
        Err(e) => {
            let errors = form_errors(ctx.tr, e)?;
            let subject = subject_name(&state, &ctx, &user, &form).await;
            let units = case_units(&user);
            let programmes = programme_choices(&state).await?;
            Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                render(&CaseNewPage {
                    ctx,
                    form,
                    subject,
                    units,
                    programmes,
                    errors,
                })?,
            )
                .into_response())
        }
    }
}

// ---------------- the case ----------------

/// One line of the case timeline, in the reader's language.
pub struct TimelineLine {
    pub at: String,
    pub when: String,
    pub what: String,
    pub link: Option<String>,
    pub note: Option<String>,
    pub actor: String,
}

#[derive(Template)]
#[template(path = "case.html")]
pub struct CasePage {
    pub ctx: Ctx,
    pub f: CaseFile,
    pub can_edit: bool,
    pub can_manage: bool,
    pub can_override: bool,
    pub institutions: Vec<InstitutionRow>,
    pub workers: Vec<WorkerRow>,
    /// A household case's current members (id, name), who may be referred.
    pub members: Vec<(String, String)>,
    /// (form id, title) of the forms that can be filled on this case.
    pub forms: Vec<(String, String)>,
    pub errors: FormErrors,
    /// Which form the errors belong to, so it is shown open.
    pub section: String,
    pub today: String,
    /// What the case's person took part in.
    pub activities: Vec<kopru_store::activities::PersonActivityRow>,
    pub show_person: bool,
    /// Planned and running activities of the case's unit: (id, title).
    pub open_activities: Vec<(String, String)>,
}

impl CasePage {
    pub fn next_statuses(&self) -> Vec<(&'static str, String)> {
        CaseStatus::parse(&self.f.case.status)
            .map(|s| {
                s.next()
                    .iter()
                    .filter(|n| **n != CaseStatus::Closed && !s.is_closed())
                    .map(|n| (n.as_str(), self.ctx.l("case-status", n.as_str())))
                    .collect()
            })
            .unwrap_or_default()
    }
    pub fn closed(&self) -> bool {
        self.f.case.is_closed()
    }
    pub fn domain_names(&self) -> String {
        domain_names(&self.ctx, &self.f.case)
    }
    pub fn list(&self, kind: &str) -> Vec<(&'static str, String)> {
        let (prefix, values): (&str, Vec<&'static str>) = match kind {
            "domain" => (
                "case-domain",
                Domain::ALL.iter().map(|v| v.as_str()).collect(),
            ),
            "goal" => (
                "goal-status",
                GoalStatus::ALL.iter().map(|v| v.as_str()).collect(),
            ),
            "outcome" => (
                "goal-status",
                GoalStatus::ALL
                    .iter()
                    .filter(|g| g.is_outcome())
                    .map(|v| v.as_str())
                    .collect(),
            ),
            "contact" => (
                "contact-kind",
                ContactKind::ALL.iter().map(|v| v.as_str()).collect(),
            ),
            "service" => (
                "delivered-service",
                DeliveredService::ALL.iter().map(|v| v.as_str()).collect(),
            ),
            "closure" => (
                "closure-reason",
                ClosureReason::ALL.iter().map(|v| v.as_str()).collect(),
            ),
            "priority" => (
                "case-priority",
                Priority::ALL.iter().map(|v| v.as_str()).collect(),
            ),
            "shared" => (
                "shared-field",
                SharedField::ALL
                    .iter()
                    .filter(|f| **f != SharedField::Name)
                    .map(|v| v.as_str())
                    .collect(),
            ),
            _ => ("", Vec::new()),
        };
        values
            .into_iter()
            .map(|v| (v, self.ctx.l(prefix, v)))
            .collect()
    }
    /// Every (institution code, service) the referral form offers, labelled.
    pub fn services_offered(&self) -> Vec<(String, String)> {
        let mut out = Vec::new();
        for i in &self.institutions {
            for s in kopru_store::directory::split_list(&i.services) {
                out.push((
                    format!("{}|{}", i.code, s),
                    format!("{} — {}", i.name, self.ctx.l("service-kind", &s)),
                ));
            }
        }
        out
    }
    pub fn open_goals(&self) -> Vec<&kopru_store::casework::GoalRow> {
        self.f
            .goals
            .iter()
            .filter(|g| GoalStatus::parse(&g.status).is_ok_and(|s| !s.is_outcome()))
            .collect()
    }
    pub fn attachments_of(&self, contact: &str) -> Vec<&kopru_store::casework::AttachmentRow> {
        self.f
            .attachments
            .iter()
            .filter(|a| a.contact_id.as_deref() == Some(contact))
            .collect()
    }
    /// The timeline as the reader reads it: (when, what, link, note, who).
    pub fn timeline(&self) -> Vec<TimelineLine> {
        let tr = &self.ctx.tr;
        self.f
            .timeline()
            .into_iter()
            .map(|e| {
                let subject = e.subject.clone().unwrap_or_default();
                let status = e.status.clone().unwrap_or_default();
                let what = match e.kind.as_str() {
                    "contact" => format!(
                        "{}: {}",
                        tr.t("timeline-contact"),
                        self.ctx.l("contact-kind", &subject)
                    ),
                    "service" => format!(
                        "{}: {}",
                        tr.t("timeline-service"),
                        self.service_name(&subject)
                    ),
                    "assessment" => format!(
                        "{}: {}",
                        tr.t("timeline-assessment"),
                        self.form_title(&subject)
                    ),
                    "attachment" => format!("{}: {subject}", tr.t("timeline-attachment")),
                    "follow_up.planned" => format!(
                        "{}: {subject} ({} {})",
                        tr.t("timeline-follow-up-planned"),
                        tr.t("case-due-on"),
                        tr.date(e.note.as_deref().unwrap_or(""))
                    ),
                    "follow_up.done" => format!("{}: {subject}", tr.t("timeline-follow-up-done")),
                    "referral" => format!(
                        "{} {subject}: {}",
                        tr.t("timeline-referral"),
                        self.ctx.l("referral-status", &status)
                    ),
                    case_event => {
                        let kind = case_event.trim_start_matches("case.");
                        let mut what = self.ctx.l("case-event", kind);
                        if !status.is_empty() {
                            what.push_str(&format!(" → {}", self.ctx.l("case-status", &status)));
                        }
                        what
                    }
                };
                let note = match e.kind.as_str() {
                    "follow_up.planned" => None,
                    _ => e.note.clone(),
                };
                let when = if e.at.len() > 10 {
                    tr.datetime(&e.at)
                } else {
                    tr.date(&e.at)
                };
                TimelineLine {
                    at: e.at,
                    when,
                    what,
                    link: e.link,
                    note,
                    actor: e.actor,
                }
            })
            .collect()
    }
    /// The tone of the status badge.
    pub fn status_tone(&self) -> &'static str {
        if self.closed() {
            "plain"
        } else {
            "ok"
        }
    }
    /// The page's sections, for the jump links: (anchor, label).
    pub fn sections(&self) -> Vec<(&'static str, String)> {
        [
            ("follow-ups", "case-follow-ups"),
            ("contacts", "case-contacts"),
            ("referrals", "nav-referrals"),
            ("assessments", "case-assessments"),
            ("plan", "case-plan"),
            ("services", "case-services"),
            ("workers", "case-workers"),
            ("timeline", "case-timeline"),
        ]
        .into_iter()
        .map(|(id, msg)| (id, self.ctx.t(msg)))
        .collect()
    }
    /// The key facts at the top of the case: (label, value).
    pub fn key_facts(&self) -> Vec<(String, String)> {
        let c = &self.f.case;
        let tr = &self.ctx.tr;
        let mut facts = vec![
            (
                tr.t("case-priority"),
                self.ctx.l("case-priority", &c.priority),
            ),
            (tr.t("case-domains"), self.domain_names()),
            (tr.t("case-opened"), tr.date(&c.opened_on)),
        ];
        if let Some(lead) = self.f.workers.iter().find(|w| w.lead != 0) {
            facts.push((tr.t("case-lead"), lead.display_name.clone()));
        }
        if let Some(next) = self
            .f
            .follow_ups
            .iter()
            .filter(|f| f.done_on.is_none())
            .min_by(|a, b| a.due_on.cmp(&b.due_on))
        {
            facts.push((
                tr.t("case-next-follow-up"),
                format!("{} · {}", tr.date(&next.due_on), next.title),
            ));
        }
        let waiting = self
            .f
            .referrals
            .iter()
            .filter(|r| {
                kopru_domain::case::ReferralStatus::parse(&r.status)
                    .is_ok_and(|s| s.awaits_answer())
            })
            .count();
        if waiting > 0 {
            facts.push((tr.t("case-referrals-waiting"), tr.num(waiting as i64)));
        }
        facts.push((tr.t("field-unit"), c.unit_code.clone()));
        facts
    }
    pub fn form_title(&self, id: &str) -> String {
        self.forms
            .iter()
            .find(|(f, _)| f == id)
            .map(|(_, t)| t.clone())
            .unwrap_or_else(|| id.to_owned())
    }
    pub fn overdue(&self, r: &kopru_store::casework::referrals::ReferralRow) -> bool {
        r.is_overdue(&self.today)
    }
    pub fn size(&self, bytes: &i64) -> String {
        format!("{} KB", (*bytes + 1023) / 1024)
    }
    pub fn shown(&self, name: &str) -> bool {
        self.section == name
    }
    pub fn service_name(&self, s: &str) -> String {
        if DeliveredService::parse(s).is_ok() {
            self.ctx.l("delivered-service", s)
        } else {
            self.ctx.l("service-kind", s)
        }
    }
    pub fn directory_services(&self) -> Vec<(&'static str, String)> {
        kopru_domain::reference::ServiceKind::ALL
            .iter()
            .map(|s| (s.as_str(), self.ctx.l("service-kind", s.as_str())))
            .collect()
    }
    pub fn outcome_field(&self, goal: &str) -> String {
        format!("outcome.{goal}")
    }
    pub fn has_domain(&self, d: &str) -> bool {
        self.f.case.domain_list().iter().any(|x| x == d)
    }
    pub fn qty(&self, q: &f64) -> String {
        if q.fract() == 0.0 {
            self.ctx.locale().format_int(*q as i64)
        } else {
            self.ctx.locale().format_decimal(*q, 2)
        }
    }
}

async fn case_view(
    state: &AppState,
    ctx: Ctx,
    user: &SignedIn,
    id: &str,
    errors: FormErrors,
    section: &str,
) -> AppResult<CasePage> {
    let f = state
        .store
        .case_file(&ctx.actor(), &user.principal, id)
        .await?;
    let p = &user.principal;
    let in_unit = |a: Action| {
        p.grants(a).iter().any(|g| match g {
            kopru_domain::Scope::Unit(c) => c.as_str() == f.case.unit_code,
            kopru_domain::Scope::Installation => true,
            _ => false,
        })
    };
    let can_edit = in_unit(Action::EditCases);
    let can_manage = in_unit(Action::ManageCaseload);
    let can_override = in_unit(Action::OverrideConsent);
    let institutions = if can_edit {
        state
            .store
            .institutions(
                p,
                &ListFilter {
                    limit: 500,
                    ..Default::default()
                },
            )
            .await?
            .rows
    } else {
        Vec::new()
    };
    let workers = if can_edit {
        state.store.unit_workers(p, &f.case.unit_code).await?
    } else {
        Vec::new()
    };
    let members = match (&f.case.household_id, can_edit) {
        (Some(h), true) => state
            .store
            .household_members(p, h)
            .await?
            .into_iter()
            .filter(|m| m.left_on.is_none())
            .map(|m| (m.person_id, format!("{} {}", m.given_names, m.family_name)))
            .collect(),
        _ => Vec::new(),
    };
    let activities = match &f.case.person_id {
        Some(person) => state.store.person_activities(p, person).await?,
        None => state
            .store
            .household_activities(p, f.case.household_id.as_deref().unwrap_or_default())
            .await
            .unwrap_or_default(),
    };
    let open_activities = if can_edit {
        crate::pages::open_activities(state, user, &f.case.unit_code, ctx.tr.tag()).await?
    } else {
        Vec::new()
    };
    let mut forms: Vec<(String, String)> = Vec::new();
    for s in state.store.forms().await? {
        forms.push((
            s.form_id.clone(),
            super::form_pages::title_in(&ctx, &s.title),
        ));
    }
    // The case's own domains' assessments first, then the rest.
    let domains = f.case.domain_list();
    forms.sort_by_key(|(id, _)| {
        let own = id
            .strip_prefix("needs_")
            .is_some_and(|d| domains.iter().any(|x| x == d));
        (!own, id.clone())
    });
    Ok(CasePage {
        ctx,
        f,
        can_edit,
        can_manage,
        can_override,
        institutions,
        workers,
        members,
        forms,
        errors,
        section: section.to_owned(),
        today: today(),
        activities,
        show_person: false,
        open_activities,
    })
}

pub async fn case_page(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param(id): Param<String>,
) -> AppResult<Response> {
    let page = case_view(&state, ctx, &user, &id, FormErrors::default(), "").await?;
    Ok(render(&page)?.into_response())
}

/// After a case action: back to the case (at `anchor`), or the case page
/// again with the errors in the section they belong to.
async fn after(
    state: &AppState,
    ctx: Ctx,
    user: &SignedIn,
    id: &str,
    anchor: &str,
    result: Result<(), AppError>,
) -> AppResult<Response> {
    match result {
        Ok(()) => Ok(Redirect::to(&format!("/cases/{id}#{anchor}")).into_response()),
        Err(e) => {
            let errors = form_errors(ctx.tr, e)?;
            let page = case_view(state, ctx, user, id, errors, anchor).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct StatusForm {
    pub status: String,
    pub note: String,
    pub version: i64,
}

pub async fn case_status(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param(id): Param<String>,
    FormBody(f): FormBody<StatusForm>,
) -> AppResult<Response> {
    let result = match CaseStatus::parse(&f.status) {
        Ok(to) => done(
            state
                .store
                .change_case_status(
                    &ctx.actor(),
                    &user.principal,
                    &id,
                    f.version,
                    to,
                    Some(f.note.as_str()).filter(|n| !n.trim().is_empty()),
                )
                .await,
        ),
        Err(code) => Err(ValidationErrors::single("status", code).into()),
    };
    after(&state, ctx, &user, &id, "status", result).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct CaseEditForm {
    pub priority: String,
    pub domains: Vec<String>,
    pub summary: String,
    pub version: i64,
}

pub async fn case_edit(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param(id): Param<String>,
    FormBody(f): FormBody<CaseEditForm>,
) -> AppResult<Response> {
    let draft = kopru_domain::casework::CaseUpdateDraft {
        priority: f.priority,
        domains: f.domains,
        summary: f.summary,
    };
    let result = match draft.validate() {
        Ok(u) => done(
            state
                .store
                .update_case(&ctx.actor(), &user.principal, &id, f.version, &u)
                .await,
        ),
        Err(e) => Err(e.into()),
    };
    after(&state, ctx, &user, &id, "edit", result).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct CloseForm {
    pub reason: String,
    pub note: String,
    pub version: i64,
    /// `outcome.<goal id>` fields arrive through `rest`.
    #[serde(flatten)]
    pub rest: std::collections::HashMap<String, String>,
}

pub async fn case_close(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param(id): Param<String>,
    FormBody(f): FormBody<CloseForm>,
) -> AppResult<Response> {
    let outcomes = f
        .rest
        .iter()
        .filter_map(|(k, v)| {
            k.strip_prefix("outcome.")
                .map(|g| (g.to_owned(), v.clone()))
        })
        .collect();
    let draft = ClosureDraft {
        reason: f.reason,
        note: f.note,
        outcomes,
    };
    let result = done(
        state
            .store
            .close_case(&ctx.actor(), &user.principal, &id, f.version, &draft)
            .await,
    );
    after(&state, ctx, &user, &id, "close", result).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct GoalForm {
    pub domain: String,
    pub description: String,
    pub target_date: String,
    pub status: String,
    pub version: i64,
}

impl GoalForm {
    fn draft(self) -> GoalDraft {
        GoalDraft {
            domain: self.domain,
            description: self.description,
            target_date: self.target_date,
            status: self.status,
        }
    }
}

pub async fn goal_add(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param(id): Param<String>,
    FormBody(f): FormBody<GoalForm>,
) -> AppResult<Response> {
    let result = match f.draft().validate() {
        Ok(g) => done(
            state
                .store
                .add_goal(&ctx.actor(), &user.principal, &id, &g)
                .await,
        ),
        Err(e) => Err(e.into()),
    };
    after(&state, ctx, &user, &id, "plan", result).await
}

pub async fn goal_update(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param((id, gid)): Param<(String, String)>,
    FormBody(f): FormBody<GoalForm>,
) -> AppResult<Response> {
    let version = f.version;
    let result = match f.draft().validate() {
        Ok(g) => done(
            state
                .store
                .update_goal(&ctx.actor(), &user.principal, &id, &gid, version, &g)
                .await,
        ),
        Err(e) => Err(e.into()),
    };
    after(&state, ctx, &user, &id, "plan", result).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct PlannedForm {
    pub goal_id: String,
    pub service: String,
    pub description: String,
    pub planned_on: String,
}

pub async fn planned_add(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param(id): Param<String>,
    FormBody(f): FormBody<PlannedForm>,
) -> AppResult<Response> {
    let result = done(
        state
            .store
            .add_planned_service(
                &ctx.actor(),
                &user.principal,
                &id,
                &kopru_store::casework::PlannedService {
                    goal_id: Some(f.goal_id.as_str()).filter(|g| !g.is_empty()),
                    service: &f.service,
                    description: &f.description,
                    planned_on: &f.planned_on,
                },
            )
            .await,
    );
    after(&state, ctx, &user, &id, "plan", result).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ContactForm {
    pub kind: String,
    pub date: String,
    pub duration_minutes: String,
    pub participants: String,
    pub narrative: String,
}

pub async fn contact_add(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param(id): Param<String>,
    FormBody(f): FormBody<ContactForm>,
) -> AppResult<Response> {
    let draft = ContactDraft {
        kind: f.kind,
        date: f.date,
        duration_minutes: f.duration_minutes,
        participants: f.participants,
        narrative: f.narrative,
    };
    let result = match draft.validate(&today()) {
        Ok(c) => done(
            state
                .store
                .add_contact(&ctx.actor(), &user.principal, &id, &c)
                .await,
        ),
        Err(e) => Err(e.into()),
    };
    after(&state, ctx, &user, &id, "contacts", result).await
}

/// An attachment from the page: a multipart form with `file` and an optional `contact_id`.
pub async fn attachment_add(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param(id): Param<String>,
    form: crate::extract::FileForm,
) -> AppResult<Response> {
    let contact =
        Some(form.text("contact_id")).filter(|t| !t.is_empty() && !t.chars().any(char::is_control));
    let result = match form.file {
        Some((name, bytes)) => done(
            state
                .store
                .add_attachment(
                    &ctx.actor(),
                    &user.principal,
                    &id,
                    contact.as_deref(),
                    &name,
                    &bytes,
                )
                .await,
        ),
        None => Err(ValidationErrors::single("file", "err-attachment-empty").into()),
    };
    after(&state, ctx, &user, &id, "contacts", result).await
}

pub async fn attachment_get(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param((id, aid)): Param<(String, String)>,
) -> AppResult<Response> {
    let (row, bytes) = state
        .store
        .attachment(&ctx.actor(), &user.principal, &id, &aid)
        .await?;
    Ok(crate::casework::attachment_response(&row, bytes))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ServiceForm {
    pub kind: String,
    pub date: String,
    pub quantity: String,
    pub note: String,
}

pub async fn service_add(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param(id): Param<String>,
    FormBody(f): FormBody<ServiceForm>,
) -> AppResult<Response> {
    let draft = ServiceDraft {
        kind: f.kind,
        date: f.date,
        quantity: f.quantity,
        note: f.note,
    };
    let result = match draft.validate(&today()) {
        Ok(s) => done(
            state
                .store
                .add_service(&ctx.actor(), &user.principal, &id, &s)
                .await,
        ),
        Err(e) => Err(e.into()),
    };
    after(&state, ctx, &user, &id, "services", result).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct FollowUpForm {
    pub title: String,
    pub due_on: String,
    pub assignee_id: String,
}

pub async fn follow_up_add(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param(id): Param<String>,
    FormBody(f): FormBody<FollowUpForm>,
) -> AppResult<Response> {
    let draft = FollowUpDraft {
        title: f.title,
        due_on: f.due_on,
        assignee_id: f.assignee_id,
    };
    let result = match draft.validate() {
        Ok(fu) => done(
            state
                .store
                .add_follow_up(&ctx.actor(), &user.principal, &id, &fu)
                .await,
        ),
        Err(e) => Err(e.into()),
    };
    after(&state, ctx, &user, &id, "follow-ups", result).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct FollowUpUpdateForm {
    pub version: i64,
    pub done: String,
    /// "1": undo a completion.
    pub reopen: String,
    pub assignee_id: String,
    /// A new due date.
    pub due_on: String,
    /// Where to go back to (the case, or "my work").
    pub next: String,
}

pub async fn follow_up_update(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param(fid): Param<String>,
    FormBody(f): FormBody<FollowUpUpdateForm>,
) -> AppResult<Response> {
    let row = state
        .store
        .update_follow_up(
            &ctx.actor(),
            &user.principal,
            &fid,
            f.version,
            &kopru_store::casework::FollowUpChange {
                done: f.done == "1",
                reopen: f.reopen == "1",
                assignee: Some(f.assignee_id.as_str()).filter(|a| !a.is_empty()),
                due_on: Some(f.due_on.as_str()).filter(|d| !d.is_empty()),
            },
        )
        .await?;
    let next = if f.next.is_empty() {
        format!("/cases/{}#follow-ups", row.case_id)
    } else {
        crate::pages::safe_next(&f.next)
    };
    Ok(Redirect::to(&next).into_response())
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ReferralForm {
    /// `INSTITUTION|service`
    pub target: String,
    /// For a household's case: the member referred.
    pub person_id: String,
    pub reason: String,
    pub urgency: String,
    pub shared: Vec<String>,
    pub override_reason: String,
}

pub async fn referral_send(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param(id): Param<String>,
    FormBody(f): FormBody<ReferralForm>,
) -> AppResult<Response> {
    let (institution, service) = f.target.split_once('|').unwrap_or(("", ""));
    let draft = ReferralDraft {
        institution_code: institution.to_owned(),
        service: service.to_owned(),
        reason: f.reason,
        urgency: f.urgency,
        shared: f.shared,
        override_reason: f.override_reason,
        person_id: f.person_id,
    };
    let result = match draft.validate() {
        Ok(r) => state
            .store
            .send_referral(&ctx.actor(), &user.principal, &id, &r)
            .await
            .map_err(AppError::from),
        Err(e) => Err(e.into()),
    };
    match result {
        Ok(r) => Ok(Redirect::to(&format!("/referrals/{}", r.id)).into_response()),
        Err(e) => after(&state, ctx, &user, &id, "referrals", Err(e)).await,
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct TransferForm {
    pub to_unit: String,
    /// A worker of the receiving unit, by username (optional).
    pub to_username: String,
    pub reason: String,
}

pub async fn transfer_request(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param(id): Param<String>,
    FormBody(f): FormBody<TransferForm>,
) -> AppResult<Response> {
    let to_user = match f.to_username.trim() {
        "" => Ok(None),
        name => match state.store.user_by_username(name).await? {
            Some(u) => Ok(Some(u.id)),
            None => Err(ValidationErrors::single(
                "to_user_id",
                "err-worker-not-in-unit",
            )),
        },
    };
    let result = match to_user {
        Ok(to_user) => done(
            state
                .store
                .request_transfer(
                    &ctx.actor(),
                    &user.principal,
                    &id,
                    &f.to_unit,
                    to_user.as_deref(),
                    &f.reason,
                )
                .await,
        ),
        Err(e) => Err(e.into()),
    };
    after(&state, ctx, &user, &id, "transfer", result).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct WorkersForm {
    pub lead: String,
    pub workers: Vec<String>,
}

pub async fn workers_set(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param(id): Param<String>,
    FormBody(f): FormBody<WorkersForm>,
) -> AppResult<Response> {
    let mut list = vec![f.lead.clone()];
    list.extend(f.workers.into_iter().filter(|w| *w != f.lead));
    let result = done(
        state
            .store
            .assign_case(&ctx.actor(), &user.principal, &id, &list)
            .await,
    );
    after(&state, ctx, &user, &id, "workers", result).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct TransferAnswerForm {
    pub accept: String,
    pub note: String,
}

pub async fn transfer_answer(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param(tid): Param<String>,
    FormBody(f): FormBody<TransferAnswerForm>,
) -> AppResult<Response> {
    let accept = f.accept == "1";
    let t = state
        .store
        .answer_transfer(
            &ctx.actor(),
            &user.principal,
            &tid,
            accept,
            Some(f.note.as_str()),
        )
        .await?;
    if accept {
        Ok(Redirect::to(&format!("/cases/{}", t.case_id)).into_response())
    } else {
        Ok(Redirect::to("/my-work").into_response())
    }
}
