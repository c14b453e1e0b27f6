//! Activity pages: the list with its filters, planning and editing an
//! activity, its page (facts, status, sessions, participants, enrolment) and
//! a session's attendance checklist — one tap per person, saved as tapped.

use super::parse_marks;
use crate::context::{Auth, Ctx, SignedIn};
use crate::error::{AppError, AppResult};
use crate::extract::{FormBody, Param, QueryArgs};
use crate::pages::{done, form_errors, render, FormErrors, Pager, PAGE_SIZE};
use crate::AppState;
use askama::Template;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use kopru_domain::activity::{
    format_amount, head_count, score, ActivityDraft, ActivityKind, ActivityStatus, AgeBand,
    AttendanceMark, CountedSex, ProfessionalDraft, SessionDraft, TransportDraft, TransportMode,
};
use kopru_domain::{Action, ValidationErrors};
use kopru_store::activities::{
    ActivityFile, ActivityFilter, ActivityRow, CalendarRow, EnrolSource, HeadCountRow,
    ParticipantList, SessionRow, SheetRow, TransportFilter, TransportRow,
};
use kopru_store::clock::today;
use kopru_store::records::ListFilter;
use kopru_store::registry::{PersonFilter, PersonRow};
use serde::Deserialize;

/// The pages of this file.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/activities", get(list_page))
        .route("/activities/new", get(new_page).post(create))
        .route("/activities/calendar", get(calendar_page))
        .route("/activities/enrol", post(enrol_from))
        .route("/activities/{id}", get(activity_page))
        .route("/activities/{id}/edit", get(edit_page).post(edit))
        .route("/activities/{id}/status", post(status))
        .route("/activities/{id}/sessions", post(session_add))
        .route("/activities/{id}/enrol", post(enrol))
        .route("/activities/{id}/professionals", post(professional_add))
        .route("/activities/{id}/transport", post(transport_add))
        .route("/activities/{id}/participants/{pid}/scores", post(scores))
        .route("/activities/{id}/sessions/{sid}", get(session_page))
        .route(
            "/activities/{id}/sessions/{sid}/attendance",
            post(attendance),
        )
        .route(
            "/activities/{id}/sessions/{sid}/head-counts",
            post(head_counts),
        )
        .route(
            "/activities/{id}/sessions/{sid}/import",
            post(import_sheet).layer(axum::extract::DefaultBodyLimit::max(
                super::service::MAX_SHEET + 64 * 1024,
            )),
        )
}

// ---------------- the list ----------------

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ListQuery {
    pub q: String,
    pub programme: String,
    pub result_area: String,
    pub kind: String,
    pub status: String,
    pub unit: String,
    pub area: String,
    pub from: String,
    pub to: String,
    pub mine: String,
    pub page: i64,
}

#[derive(Template)]
#[template(path = "activities.html")]
pub struct ListPage {
    pub ctx: Ctx,
    pub rows: Vec<ActivityRow>,
    pub q: ListQuery,
    pub programmes: Vec<(String, String)>,
    pub pager: Pager,
    pub can_manage: bool,
}

impl ListPage {
    pub fn kinds(&self) -> Vec<(&'static str, String)> {
        kinds(&self.ctx)
    }
    pub fn statuses(&self) -> Vec<(&'static str, String)> {
        statuses(&self.ctx)
    }
    pub fn title(&self, a: &ActivityRow) -> String {
        a.title_in(self.ctx.tr.tag())
    }
    pub fn tone(&self, status: &str) -> &'static str {
        status_tone(status)
    }
    /// The filter as query parameters, for the export links.
    pub fn export_query(&self) -> String {
        let q = &self.q;
        crate::pages::query_string(&[
            ("q", &q.q),
            ("programme", &q.programme),
            ("result_area", &q.result_area),
            ("kind", &q.kind),
            ("status", &q.status),
            ("unit", &q.unit),
            ("area", &q.area),
            ("from", &q.from),
            ("to", &q.to),
        ])
    }
}

fn kinds(ctx: &Ctx) -> Vec<(&'static str, String)> {
    ActivityKind::ALL
        .iter()
        .map(|k| (k.as_str(), ctx.t(&k.message_id())))
        .collect()
}

fn statuses(ctx: &Ctx) -> Vec<(&'static str, String)> {
    ActivityStatus::ALL
        .iter()
        .map(|s| (s.as_str(), ctx.t(&s.message_id())))
        .collect()
}

/// The badge tone of an activity's status.
pub fn status_tone(status: &str) -> &'static str {
    match status {
        "running" => "info",
        "completed" => "ok",
        "cancelled" => "bad",
        _ => "plain",
    }
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

pub async fn list_page(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    QueryArgs(q): QueryArgs<ListQuery>,
) -> AppResult<Response> {
    let page = q.page.max(1);
    let f = ActivityFilter {
        programme: Some(q.programme.clone()),
        result_area: Some(q.result_area.clone()),
        kind: Some(q.kind.clone()),
        status: Some(q.status.clone()),
        unit: Some(q.unit.clone()),
        area: Some(q.area.clone()),
        from: Some(q.from.clone()),
        to: Some(q.to.clone()),
        q: Some(q.q.clone()),
        facilitator: (q.mine == "1").then(|| user.principal.user_id.clone()),
        limit: PAGE_SIZE,
        offset: Pager::offset(page),
        ..Default::default()
    };
    let mut rows = state.store.activities(&user.principal, &f).await?;
    let more = rows.len() as i64 > PAGE_SIZE;
    rows.truncate(PAGE_SIZE as usize);
    let base = crate::pages::query_string(&[
        ("q", &q.q),
        ("programme", &q.programme),
        ("result_area", &q.result_area),
        ("kind", &q.kind),
        ("status", &q.status),
        ("unit", &q.unit),
        ("area", &q.area),
        ("from", &q.from),
        ("to", &q.to),
        ("mine", &q.mine),
    ]);
    let total = Pager::offset(page) + rows.len() as i64 + i64::from(more);
    let pager = Pager::new(page, total, base);
    let programmes = programme_choices(&state).await?;
    Ok(render(&ListPage {
        can_manage: user.principal.may(Action::ManageActivities),
        ctx,
        rows,
        q,
        programmes,
        pager,
    })?
    .into_response())
}

// ---------------- the calendar ----------------

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct CalendarQuery {
    /// week (default) or month
    pub view: String,
    /// A day in the week or month shown; today when absent.
    pub date: String,
    pub unit: String,
}

#[derive(Template)]
#[template(path = "activity_calendar.html")]
pub struct CalendarPage {
    pub ctx: Ctx,
    pub q: CalendarQuery,
    pub month: bool,
    pub from: String,
    pub to: String,
    pub prev: String,
    pub next: String,
    /// (date, sessions that day), days without sessions left out.
    pub days: Vec<(String, Vec<CalendarRow>)>,
    pub today: String,
}

impl CalendarPage {
    pub fn link(&self, date: &str, month: bool) -> String {
        crate::pages::query_string(&[
            ("view", if month { "month" } else { "week" }),
            ("date", date),
            ("unit", &self.q.unit),
        ])
    }
    pub fn weekday(&self, date: &str) -> String {
        let n = kopru_domain::case::day_number(date).unwrap_or(0);
        self.ctx.t(&format!("weekday-{}", (n + 3).rem_euclid(7)))
    }
}

/// The week (Monday to Sunday) or the month around `date`, and the dates
/// one period before and after.
fn calendar_range(date: &str, month: bool) -> (String, String, String, String) {
    use kopru_domain::case::{date_of, day_number};
    let today = today();
    let n = day_number(date).or_else(|| day_number(&today)).unwrap_or(0);
    if month {
        let first = date_of(n);
        let first = format!("{}-01", &first[..7]);
        let f = day_number(&first).unwrap_or(n);
        let next_first = date_of(f + 32);
        let next_first = format!("{}-01", &next_first[..7]);
        let nf = day_number(&next_first).unwrap_or(f + 31);
        let prev_first = date_of(f - 1);
        let prev_first = format!("{}-01", &prev_first[..7]);
        (first, date_of(nf - 1), prev_first, next_first)
    } else {
        let monday = n - (n + 3).rem_euclid(7);
        (
            date_of(monday),
            date_of(monday + 6),
            date_of(monday - 7),
            date_of(monday + 7),
        )
    }
}

pub async fn calendar_page(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    QueryArgs(q): QueryArgs<CalendarQuery>,
) -> AppResult<Response> {
    let month = q.view == "month";
    let (from, to, prev, next) = calendar_range(&q.date, month);
    let rows = state
        .store
        .sessions_between(&user.principal, &from, &to, Some(q.unit.as_str()))
        .await?;
    let mut days: Vec<(String, Vec<CalendarRow>)> = Vec::new();
    for r in rows {
        match days.last_mut() {
            Some((d, list)) if *d == r.held_on => list.push(r),
            _ => days.push((r.held_on.clone(), vec![r])),
        }
    }
    Ok(render(&CalendarPage {
        ctx,
        q,
        month,
        from,
        to,
        prev,
        next,
        days,
        today: today(),
    })?
    .into_response())
}

// ---------------- planning and editing ----------------

/// The activity form as the page sends it.
#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct ActivityForm {
    pub programme_code: String,
    pub result_area: String,
    pub unit_code: String,
    pub institution_code: String,
    pub kind: String,
    pub title_tr: String,
    pub title_en: String,
    #[serde(rename = "title_sr-Cyrl")]
    pub title_sr_cyrl: String,
    #[serde(rename = "title_sr-Latn")]
    pub title_sr_latn: String,
    pub title_rom: String,
    pub area_code: String,
    pub venue: String,
    pub starts_on: String,
    pub ends_on: String,
    pub capacity: String,
    pub target_group: String,
    pub budget_line: String,
    pub cost: String,
    pub currency: String,
    pub min_share: String,
    pub all_modules: String,
    pub pass_mark: String,
    /// User ids, one per ticked box.
    pub facilitators: Vec<String>,
    pub version: i64,
}

impl ActivityForm {
    fn draft(&self) -> ActivityDraft {
        ActivityDraft {
            programme_code: self.programme_code.clone(),
            result_area: self.result_area.clone(),
            unit_code: self.unit_code.clone(),
            institution_code: self.institution_code.clone(),
            kind: self.kind.clone(),
            titles: vec![
                ("tr".into(), self.title_tr.clone()),
                ("en".into(), self.title_en.clone()),
                ("sr-Cyrl".into(), self.title_sr_cyrl.clone()),
                ("sr-Latn".into(), self.title_sr_latn.clone()),
                ("rom".into(), self.title_rom.clone()),
            ],
            area_code: self.area_code.clone(),
            venue: self.venue.clone(),
            starts_on: self.starts_on.clone(),
            ends_on: self.ends_on.clone(),
            capacity: self.capacity.clone(),
            target_group: self.target_group.clone(),
            facilitators: self.facilitators.clone(),
            budget_line: self.budget_line.clone(),
            cost: self.cost.clone(),
            currency: self.currency.clone(),
            min_share: self.min_share.clone(),
            all_modules: self.all_modules == "1",
            pass_mark: self.pass_mark.clone(),
        }
    }

    fn from_row(a: &ActivityRow) -> Self {
        let t = a.title_map();
        let get = |k: &str| t.get(k).cloned().unwrap_or_default();
        let n = |v: Option<i64>| v.map(|n| n.to_string()).unwrap_or_default();
        let o = |v: &Option<String>| v.clone().unwrap_or_default();
        ActivityForm {
            programme_code: a.programme_code.clone(),
            result_area: o(&a.result_area),
            unit_code: o(&a.unit_code),
            institution_code: o(&a.institution_code),
            kind: a.kind.clone(),
            title_tr: get("tr"),
            title_en: get("en"),
            title_sr_cyrl: get("sr-Cyrl"),
            title_sr_latn: get("sr-Latn"),
            title_rom: get("rom"),
            area_code: a.area_code.clone(),
            venue: o(&a.venue),
            starts_on: a.starts_on.clone(),
            ends_on: o(&a.ends_on),
            capacity: n(a.capacity),
            target_group: o(&a.target_group),
            budget_line: o(&a.budget_line),
            cost: a.cost_minor.map(format_amount).unwrap_or_default(),
            currency: o(&a.currency),
            min_share: n(a.min_share),
            all_modules: if a.all_modules != 0 {
                "1".into()
            } else {
                String::new()
            },
            pass_mark: n(a.pass_mark),
            facilitators: Vec::new(),
            version: a.version,
        }
    }
}

#[derive(Template)]
#[template(path = "activity_form.html")]
pub struct FormPage {
    pub ctx: Ctx,
    pub form: ActivityForm,
    /// The activity being edited; `None` when planning a new one.
    pub id: Option<String>,
    pub programmes: Vec<(String, String)>,
    /// Every programme's result areas, for the list under the field.
    pub result_areas: Vec<String>,
    pub units: Vec<(String, String)>,
    /// Who may facilitate: the workers of the activity's unit and of the
    /// user's own units, and whoever facilitates it now: (id, name).
    pub workers: Vec<(String, String)>,
    pub errors: FormErrors,
}

impl FormPage {
    pub fn is_facilitator(&self, id: &str) -> bool {
        self.form.facilitators.iter().any(|f| f == id)
    }
    pub fn kinds(&self) -> Vec<(&'static str, String)> {
        kinds(&self.ctx)
    }
    pub fn action(&self) -> String {
        match &self.id {
            Some(id) => format!("/activities/{id}/edit"),
            None => "/activities/new".into(),
        }
    }
    /// (field name, language name, value) of the title inputs.
    pub fn titles(&self) -> Vec<(&'static str, &'static str, String)> {
        vec![
            ("title_tr", "Türkçe", self.form.title_tr.clone()),
            ("title_en", "English", self.form.title_en.clone()),
            ("title_sr-Cyrl", "Српски", self.form.title_sr_cyrl.clone()),
            ("title_sr-Latn", "Srpski", self.form.title_sr_latn.clone()),
            ("title_rom", "Romani", self.form.title_rom.clone()),
        ]
    }
}

async fn form_page(
    state: &AppState,
    ctx: Ctx,
    user: &SignedIn,
    form: ActivityForm,
    id: Option<String>,
    errors: FormErrors,
) -> AppResult<FormPage> {
    let programmes = state.store.programmes().await?;
    let mut result_areas: Vec<String> = programmes
        .iter()
        .flat_map(|p| p.result_area_list())
        .collect();
    result_areas.sort();
    result_areas.dedup();
    let units = state
        .store
        .units(
            &user.principal.acting_as(Action::ManageActivities),
            &ListFilter {
                limit: 500,
                ..Default::default()
            },
        )
        .await?
        .rows
        .into_iter()
        .map(|u| (u.code, u.name))
        .collect();
    // The workers of the chosen unit and of the user's own units; current
    // facilitators from elsewhere are kept in the list so a save keeps them.
    let mut worker_units: Vec<String> = user
        .principal
        .grants(Action::ManageActivities)
        .iter()
        .filter_map(|g| match g {
            kopru_domain::Scope::Unit(c) => Some(c.as_str().to_owned()),
            _ => None,
        })
        .collect();
    if !form.unit_code.trim().is_empty() {
        worker_units.push(form.unit_code.trim().to_ascii_uppercase());
    }
    worker_units.sort();
    worker_units.dedup();
    let mut workers: Vec<(String, String)> = Vec::new();
    for u in &worker_units {
        for w in state.store.unit_workers(&user.principal, u).await? {
            if !workers.iter().any(|(id, _)| *id == w.user_id) {
                workers.push((w.user_id, w.display_name));
            }
        }
    }
    if let Some(id) = &id {
        for f in state
            .store
            .activity_file(&user.principal, id)
            .await?
            .facilitators
        {
            if !workers.iter().any(|(w, _)| *w == f.user_id) {
                workers.push((f.user_id, f.display_name));
            }
        }
    }
    Ok(FormPage {
        ctx,
        form,
        id,
        programmes: programmes.into_iter().map(|p| (p.code, p.name)).collect(),
        result_areas,
        units,
        workers,
        errors,
    })
}

pub async fn new_page(State(state): State<AppState>, Auth(ctx, user): Auth) -> AppResult<Response> {
    if !user.principal.may(Action::ManageActivities) {
        return Err(AppError::Forbidden);
    }
    let form = ActivityForm {
        starts_on: today(),
        ..Default::default()
    };
    let page = form_page(&state, ctx, &user, form, None, FormErrors::default()).await?;
    Ok(render(&page)?.into_response())
}

pub async fn create(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    FormBody(form): FormBody<ActivityForm>,
) -> AppResult<Response> {
    if !user.principal.may(Action::ManageActivities) {
        return Err(AppError::Forbidden);
    }
    let result = match form.draft().validate() {
        Ok(new) => state
            .store
            .create_activity(&ctx.actor(), &user.principal, &new)
            .await
            .map_err(AppError::from),
        Err(e) => Err(e.into()),
    };
    match result {
        Ok(a) => Ok(Redirect::to(&format!("/activities/{}", a.id)).into_response()),
        Err(e) => {
            let errors = form_errors(ctx.tr, e)?;
            let page = form_page(&state, ctx, &user, form, None, errors).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
        }
    }
}

pub async fn edit_page(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param(id): Param<String>,
) -> AppResult<Response> {
    let file = state.store.activity_file(&user.principal, &id).await?;
    let form = ActivityForm {
        facilitators: file
            .facilitators
            .iter()
            .map(|f| f.user_id.clone())
            .collect(),
        ..ActivityForm::from_row(&file.activity)
    };
    let page = form_page(&state, ctx, &user, form, Some(id), FormErrors::default()).await?;
    Ok(render(&page)?.into_response())
}

pub async fn edit(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param(id): Param<String>,
    FormBody(form): FormBody<ActivityForm>,
) -> AppResult<Response> {
    let file = state.store.activity_file(&user.principal, &id).await?;
    let result = match form.draft().validate() {
        Ok(new) => state
            .store
            .update_activity(&ctx.actor(), &user.principal, &id, form.version, &new)
            .await
            .map_err(AppError::from),
        Err(e) => Err(e.into()),
    };
    match result {
        Ok(_) => Ok(Redirect::to(&format!("/activities/{id}")).into_response()),
        Err(AppError::Conflict { .. }) => {
            let errors = FormErrors::single(ctx.tr, "version", "problem-conflict");
            let mut form = form;
            form.version = file.activity.version;
            let page = form_page(&state, ctx, &user, form, Some(id), errors).await?;
            Ok((StatusCode::CONFLICT, render(&page)?).into_response())
        }
        Err(e) => {
            let errors = form_errors(ctx.tr, e)?;
            let page = form_page(&state, ctx, &user, form, Some(id), errors).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
        }
    }
}

// ---------------- the activity ----------------

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ActivityQuery {
    /// People to enrol: a search of the registry.
    pub q: String,
}

#[derive(Template)]
#[template(path = "activity.html")]
pub struct ActivityPage {
    pub ctx: Ctx,
    pub f: ActivityFile,
    pub participants: ParticipantList,
    pub can_manage: bool,
    pub can_mark: bool,
    pub can_enrol: bool,
    pub q: String,
    pub found: Vec<PersonRow>,
    pub transport: Vec<TransportRow>,
    /// Who may facilitate a session: the organising unit's workers, (id, name).
    pub workers: Vec<(String, String)>,
    pub today: String,
    pub errors: FormErrors,
}

impl ActivityPage {
    pub fn title(&self) -> String {
        self.f.activity.title_in(self.ctx.tr.tag())
    }
    pub fn tone(&self) -> &'static str {
        status_tone(&self.f.activity.status)
    }
    pub fn facts(&self) -> Vec<(String, String)> {
        let a = &self.f.activity;
        let ctx = &self.ctx;
        let mut out = vec![
            (ctx.t("field-kind"), ctx.l("activity-kind", &a.kind)),
            (
                ctx.t("field-programme"),
                match &a.result_area {
                    Some(r) => format!("{} — {r}", a.programme_code),
                    None => a.programme_code.clone(),
                },
            ),
            (ctx.t("activity-organiser"), a.organiser_name.clone()),
            (
                ctx.t("activity-place"),
                match &a.venue {
                    Some(v) => format!("{v}, {}", a.area_name),
                    None => a.area_name.clone(),
                },
            ),
            (
                ctx.t("activity-dates"),
                match &a.ends_on {
                    Some(e) if *e != a.starts_on => {
                        format!("{} – {}", ctx.tr.date(&a.starts_on), ctx.tr.date(e))
                    }
                    _ => ctx.tr.date(&a.starts_on),
                },
            ),
            (
                ctx.t("activity-participants"),
                match a.capacity {
                    Some(c) => format!("{} / {c}", a.participant_count),
                    None => a.participant_count.to_string(),
                },
            ),
            (ctx.t("activity-completion-rule"), self.rule_text()),
        ];
        if let Some(t) = &a.target_group {
            out.push((ctx.t("field-target-group"), t.clone()));
        }
        if !self.f.facilitators.is_empty() {
            let names: Vec<&str> = self
                .f
                .facilitators
                .iter()
                .map(|f| f.display_name.as_str())
                .collect();
            out.push((ctx.t("activity-facilitators"), names.join(", ")));
        }
        if let (Some(c), Some(cur)) = (a.cost_minor, &a.currency) {
            let line = a.budget_line.clone().unwrap_or_default();
            out.push((
                ctx.t("field-cost"),
                format!("{} {cur} {line}", format_amount(c))
                    .trim()
                    .to_owned(),
            ));
        }
        if let Some(r) = &a.cancel_reason {
            out.push((ctx.t("activity-cancel-reason"), r.clone()));
        }
        out
    }
    pub fn rule_text(&self) -> String {
        let a = &self.f.activity;
        let mut parts = Vec::new();
        if let Some(s) = a.min_share {
            parts.push(
                self.ctx
                    .tr
                    .t1("activity-rule-share", "share", &s.to_string()),
            );
        }
        if a.all_modules != 0 {
            parts.push(self.ctx.t("activity-rule-modules"));
        }
        if let Some(p) = a.pass_mark {
            parts.push(self.ctx.tr.t1("activity-rule-pass", "mark", &p.to_string()));
        }
        if parts.is_empty() {
            self.ctx.t("activity-rule-once")
        } else {
            parts.join("; ")
        }
    }
    /// The status moves the activity may make now: (status, button label).
    pub fn moves(&self) -> Vec<(&'static str, String)> {
        self.f
            .activity
            .status()
            .map(|s| s.next())
            .unwrap_or(&[])
            .iter()
            .filter(|s| **s != ActivityStatus::Cancelled)
            .map(|s| (s.as_str(), self.ctx.l("activity-move", s.as_str())))
            .collect()
    }
    pub fn may_cancel(&self) -> bool {
        self.f
            .activity
            .status()
            .is_some_and(|s| s.may_become(ActivityStatus::Cancelled))
    }
    pub fn is_open(&self) -> bool {
        !self
            .f
            .activity
            .status()
            .is_some_and(ActivityStatus::is_final)
    }
    pub fn session_when(&self, s: &SessionRow) -> String {
        let mut out = self.ctx.tr.date(&s.held_on);
        if let Some(st) = &s.starts_at {
            out.push_str(&format!(" {st}"));
            if let Some(e) = &s.ends_at {
                out.push_str(&format!("–{e}"));
            }
        }
        out
    }
    pub fn session_about(&self, s: &SessionRow) -> String {
        match (&s.module, &s.topic) {
            (Some(m), Some(t)) => format!("{m}: {t}"),
            (Some(m), None) => m.clone(),
            (None, Some(t)) => t.clone(),
            (None, None) => String::new(),
        }
    }
    /// Whether attendance of a past session is still missing.
    pub fn missing(&self, s: &SessionRow) -> bool {
        s.attendance_at.is_none() && s.counted == 0 && s.held_on < self.today
    }
    pub fn can_take(&self, s: &SessionRow) -> bool {
        self.can_mark && s.held_on <= self.today && !self.f.activity.is_cancelled()
    }
    pub fn tabs(&self) -> Vec<(&'static str, String)> {
        vec![
            ("sessions", self.ctx.t("activity-sessions")),
            ("participants", self.ctx.t("activity-participants")),
            ("transport", self.ctx.t("transport-title")),
        ]
    }
    /// The months of the activity's sessions and payments, for the payment lists.
    pub fn months(&self) -> Vec<String> {
        let mut m: Vec<String> = self
            .f
            .sessions
            .iter()
            .filter_map(|s| s.held_on.get(..7).map(str::to_owned))
            .chain(self.transport.iter().map(|t| t.month.clone()))
            .collect();
        m.sort();
        m.dedup();
        m
    }
    pub fn modes(&self) -> Vec<(&'static str, String)> {
        TransportMode::ALL
            .iter()
            .map(|m| (m.as_str(), self.ctx.t(&m.message_id())))
            .collect()
    }
    pub fn amount(&self, t: &TransportRow) -> String {
        format!("{} {}", format_amount(t.amount_minor), t.currency)
    }
    /// Totals of the activity's payments, per currency.
    pub fn transport_totals(&self) -> Vec<String> {
        let mut by: std::collections::BTreeMap<&str, i64> = Default::default();
        for t in &self.transport {
            *by.entry(t.currency.as_str()).or_default() += t.amount_minor;
        }
        by.into_iter()
            .map(|(c, n)| format!("{} {c}", format_amount(n)))
            .collect()
    }
    pub fn default_currency(&self) -> &str {
        match &self.f.activity.currency {
            Some(c) => c,
            None if self.f.activity.area_code.starts_with("RS") => "RSD",
            None => "TRY",
        }
    }
}

async fn activity_view(
    state: &AppState,
    ctx: Ctx,
    user: &SignedIn,
    id: &str,
    q: String,
    errors: FormErrors,
) -> AppResult<ActivityPage> {
    let f = state.store.activity_file(&user.principal, id).await?;
    let participants = state
        .store
        .participants(&ctx.actor(), &user.principal, id)
        .await?;
    let can_manage = state
        .store
        .activity(&user.principal.acting_as(Action::ManageActivities), id)
        .await
        .is_ok();
    let can_mark = state
        .store
        .activity(&user.principal.acting_as(Action::TakeAttendance), id)
        .await
        .is_ok();
    let can_enrol = can_manage && user.principal.may(Action::ViewPersons);
    let found = if can_enrol && !q.trim().is_empty() {
        let mut rows = state
            .store
            .persons(
                &user.principal,
                &PersonFilter {
                    q: Some(q.clone()),
                    limit: 20,
                    ..Default::default()
                },
            )
            .await?;
        rows.truncate(20);
        rows
    } else {
        Vec::new()
    };
    let transport = state
        .store
        .transport_payments(
            &user.principal,
            &TransportFilter {
                activity: Some(id.to_owned()),
                limit: 500,
                ..Default::default()
            },
        )
        .await?;
    let workers = match (&f.activity.unit_code, can_manage) {
        (Some(unit), true) => state
            .store
            .unit_workers(&user.principal, unit)
            .await?
            .into_iter()
            .map(|w| (w.user_id, w.display_name))
            .collect(),
        _ => Vec::new(),
    };
    Ok(ActivityPage {
        ctx,
        f,
        participants,
        transport,
        workers,
        can_manage,
        can_mark,
        can_enrol,
        q,
        found,
        today: today(),
        errors,
    })
}

pub async fn activity_page(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param(id): Param<String>,
    QueryArgs(q): QueryArgs<ActivityQuery>,
) -> AppResult<Response> {
    let page = activity_view(&state, ctx, &user, &id, q.q, FormErrors::default()).await?;
    Ok(render(&page)?.into_response())
}

/// After an action on the activity: back to it (at `anchor`), or the page
/// again with the errors.
async fn after(
    state: &AppState,
    ctx: Ctx,
    user: &SignedIn,
    id: &str,
    anchor: &str,
    result: Result<(), AppError>,
) -> AppResult<Response> {
    match result {
        Ok(()) => Ok(Redirect::to(&format!("/activities/{id}#{anchor}")).into_response()),
        Err(e) => {
            let errors = form_errors(ctx.tr, e)?;
            let page = activity_view(state, ctx, user, id, String::new(), errors).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct StatusForm {
    pub status: String,
    pub reason: String,
    pub version: i64,
}

pub async fn status(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param(id): Param<String>,
    FormBody(f): FormBody<StatusForm>,
) -> AppResult<Response> {
    let result = match ActivityStatus::parse(&f.status) {
        Ok(to) => done(
            state
                .store
                .change_activity_status(
                    &ctx.actor(),
                    &user.principal,
                    &id,
                    f.version,
                    to,
                    Some(f.reason.as_str()),
                )
                .await,
        ),
        Err(code) => Err(ValidationErrors::single("status", code).into()),
    };
    after(&state, ctx, &user, &id, "status", result).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct SessionForm {
    pub held_on: String,
    pub starts_at: String,
    pub ends_at: String,
    pub module: String,
    pub topic: String,
    pub facilitator_id: String,
    pub venue: String,
}

pub async fn session_add(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param(id): Param<String>,
    FormBody(f): FormBody<SessionForm>,
) -> AppResult<Response> {
    let draft = SessionDraft {
        held_on: f.held_on,
        starts_at: f.starts_at,
        ends_at: f.ends_at,
        module: f.module,
        topic: f.topic,
        facilitator_id: f.facilitator_id,
        venue: f.venue,
    };
    let result = match draft.validate() {
        Ok(new) => done(
            state
                .store
                .add_session(&ctx.actor(), &user.principal, &id, &new)
                .await,
        ),
        Err(e) => Err(e.into()),
    };
    after(&state, ctx, &user, &id, "sessions", result).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct EnrolForm {
    pub person_ids: Vec<String>,
}

pub async fn enrol(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param(id): Param<String>,
    FormBody(f): FormBody<EnrolForm>,
) -> AppResult<Response> {
    let result = if f.person_ids.is_empty() {
        Err(ValidationErrors::single("person_ids", "err-enrol-choose").into())
    } else {
        enrolled(
            state
                .store
                .enrol_persons(
                    &ctx.actor(),
                    &user.principal,
                    &id,
                    &EnrolSource::Persons(f.person_ids),
                )
                .await,
        )
    };
    after(&state, ctx, &user, &id, "participants", result).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct EnrolFromForm {
    pub activity_id: String,
    pub case_id: String,
    pub household_id: String,
    /// The person list's search: everyone it finds (at most 500).
    pub q: String,
}

/// From a case, a household or the person list: enrols the case's person,
/// the household's current members or everyone the search finds, then
/// shows the activity.
pub async fn enrol_from(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    FormBody(f): FormBody<EnrolFromForm>,
) -> AppResult<Response> {
    let source = if !f.case_id.is_empty() {
        EnrolSource::Case(f.case_id)
    } else if !f.household_id.is_empty() {
        EnrolSource::Household(f.household_id)
    } else if !f.q.trim().is_empty() {
        EnrolSource::Filter(kopru_store::registry::PersonFilter {
            q: Some(f.q),
            ..Default::default()
        })
    } else {
        return Err(AppError::BadRequest("err-form"));
    };
    let id = f.activity_id;
    let result = enrolled(
        state
            .store
            .enrol_persons(&ctx.actor(), &user.principal, &id, &source)
            .await,
    );
    after(&state, ctx, &user, &id, "participants", result).await
}

/// An enrolment as a page shows it: every person refused is an error.
fn enrolled(
    r: Result<kopru_store::activities::EnrolReport, kopru_store::StoreError>,
) -> Result<(), AppError> {
    let r = r?;
    if r.refused.is_empty() {
        return Ok(());
    }
    let mut e = ValidationErrors::new();
    for refusal in &r.refused {
        e.push("person_ids", refusal_code(&refusal.reason));
    }
    Err(e.into())
}

/// The static message id of a refusal's reason.
fn refusal_code(reason: &str) -> &'static str {
    match reason {
        "err-activity-full" => "err-activity-full",
        "err-person-merged" => "err-person-merged",
        _ => "err-not-found",
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ProfessionalForm {
    pub name: String,
    pub institution_code: String,
    pub position: String,
    pub sex: String,
}

pub async fn professional_add(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param(id): Param<String>,
    FormBody(f): FormBody<ProfessionalForm>,
) -> AppResult<Response> {
    let draft = ProfessionalDraft {
        name: f.name,
        institution_code: f.institution_code,
        position: f.position,
        sex: f.sex,
    };
    let result = match draft.validate() {
        Ok(p) => done(
            state
                .store
                .enrol_professional(&ctx.actor(), &user.principal, &id, &p)
                .await,
        ),
        Err(e) => Err(e.into()),
    };
    after(&state, ctx, &user, &id, "participants", result).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ScoresForm {
    pub pre_score: String,
    pub post_score: String,
    pub version: i64,
}

pub async fn scores(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param((id, pid)): Param<(String, String)>,
    FormBody(f): FormBody<ScoresForm>,
) -> AppResult<Response> {
    let mut e = ValidationErrors::new();
    let pre = e.take("pre_score", score(&f.pre_score));
    let post = e.take("post_score", score(&f.post_score));
    let result = match (e.into_result(), pre, post) {
        (Ok(()), Some(pre), Some(post)) => done(
            state
                .store
                .set_scores(
                    &ctx.actor(),
                    &user.principal,
                    &id,
                    &pid,
                    f.version,
                    pre,
                    post,
                )
                .await,
        ),
        (Err(e), _, _) => Err(e.into()),
        _ => Err(ValidationErrors::single("post_score", "err-number").into()),
    };
    after(&state, ctx, &user, &id, "participants", result).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct TransportForm {
    pub participant_id: String,
    pub session_id: String,
    pub month: String,
    pub mode: String,
    pub amount: String,
    pub currency: String,
    pub paid_on: String,
    pub paid_by: String,
}

pub async fn transport_add(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param(id): Param<String>,
    FormBody(f): FormBody<TransportForm>,
) -> AppResult<Response> {
    let draft = TransportDraft {
        participant_id: f.participant_id,
        session_id: f.session_id,
        month: f.month,
        mode: f.mode,
        amount: f.amount,
        currency: f.currency,
        paid_on: f.paid_on,
        paid_by: f.paid_by,
    };
    let result = match draft.validate(&today()) {
        Ok(t) => done(
            state
                .store
                .record_transport(&ctx.actor(), &user.principal, &id, &t)
                .await,
        ),
        Err(e) => Err(e.into()),
    };
    after(&state, ctx, &user, &id, "transport", result).await
}

// ---------------- a session: attendance and head counts ----------------

/// One sex's row of the head-count grid: (sex, its label, [(field name, band label, count)]).
pub type GridRow = (&'static str, String, Vec<(String, String, i64)>);

#[derive(Template)]
#[template(path = "activity_session.html")]
pub struct SessionPage {
    pub ctx: Ctx,
    pub a: ActivityRow,
    pub s: SessionRow,
    pub rows: Vec<SheetRow>,
    pub hidden: i64,
    pub counts: Vec<HeadCountRow>,
    pub can_mark: bool,
    pub errors: FormErrors,
    /// What an imported sheet did, right after the import.
    pub imported: Option<super::service::SheetImport>,
}

impl SessionPage {
    pub fn title(&self) -> String {
        self.a.title_in(self.ctx.tr.tag())
    }
    pub fn facts(&self) -> Vec<(String, String)> {
        let s = &self.s;
        let ctx = &self.ctx;
        let mut when = ctx.tr.date(&s.held_on);
        if let Some(st) = &s.starts_at {
            when.push_str(&format!(" {st}"));
            if let Some(e) = &s.ends_at {
                when.push_str(&format!("–{e}"));
            }
        }
        let mut out = vec![(ctx.t("session-when"), when)];
        if let Some(m) = &s.module {
            out.push((ctx.t("field-module"), m.clone()));
        }
        if let Some(t) = &s.topic {
            out.push((ctx.t("field-topic"), t.clone()));
        }
        if let Some(v) = s.venue.as_ref().or(self.a.venue.as_ref()) {
            out.push((ctx.t("field-venue"), v.clone()));
        }
        if let Some(f) = &s.facilitator_name {
            out.push((ctx.t("session-facilitator"), f.clone()));
        }
        out.push((
            ctx.t("session-attendance"),
            ctx.tr.count("session-present-count", self.present() as i64),
        ));
        out
    }
    pub fn marks(&self) -> Vec<(&'static str, String)> {
        AttendanceMark::ALL
            .iter()
            .map(|m| (m.as_str(), self.ctx.t(&m.message_id())))
            .collect()
    }
    pub fn is_marked(&self, r: &SheetRow, mark: &str) -> bool {
        r.mark.as_deref() == Some(mark)
    }
    pub fn unmarked(&self) -> usize {
        self.rows.iter().filter(|r| r.mark.is_none()).count()
    }
    pub fn present(&self) -> usize {
        self.rows
            .iter()
            .filter(|r| r.mark.as_deref() == Some("present"))
            .count()
    }
    /// (sex, sex label, [(field name, band label, count)]) for the head-count grid.
    pub fn grid(&self) -> Vec<GridRow> {
        CountedSex::ALL
            .iter()
            .map(|sex| {
                let cells = AgeBand::ALL
                    .iter()
                    .map(|band| {
                        let n = self
                            .counts
                            .iter()
                            .find(|c| c.sex == sex.as_str() && c.age_band == band.as_str())
                            .map_or(0, |c| c.count);
                        (
                            format!("{}.{}", sex.as_str(), band.as_str()),
                            self.ctx.t(&band.message_id()),
                            n,
                        )
                    })
                    .collect();
                (sex.as_str(), self.ctx.t(&sex.message_id()), cells)
            })
            .collect()
    }
}

async fn session_view(
    state: &AppState,
    ctx: Ctx,
    user: &SignedIn,
    id: &str,
    sid: &str,
    errors: FormErrors,
) -> AppResult<SessionPage> {
    let (a, s, rows, hidden) = state
        .store
        .attendance_sheet_read(&ctx.actor(), &user.principal, id, sid)
        .await?;
    let counts = state.store.head_counts(&user.principal, id, sid).await?;
    let can_mark = !a.is_cancelled()
        && s.held_on <= today()
        && state
            .store
            .activity(&user.principal.acting_as(Action::TakeAttendance), id)
            .await
            .is_ok();
    Ok(SessionPage {
        ctx,
        a,
        s,
        rows,
        hidden,
        counts,
        can_mark,
        errors,
        imported: None,
    })
}

pub async fn session_page(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param((id, sid)): Param<(String, String)>,
) -> AppResult<Response> {
    let page = session_view(&state, ctx, &user, &id, &sid, FormErrors::default()).await?;
    Ok(render(&page)?.into_response())
}

/// The saved-state line of one row, for a tap saved through htmx.
#[derive(Template)]
#[template(
    source = "<span class=\"muted saved\" id=\"saved-{{ pid }}\" role=\"status\">{{ text }}</span>",
    ext = "html"
)]
struct SavedLine {
    pid: String,
    text: String,
}

/// Saves marks: `m.<participant id>=<mark>` fields (one, from a tap, or the
/// whole sheet), and with `rest=absent` every participant not yet marked.
pub async fn attendance(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    headers: HeaderMap,
    Param((id, sid)): Param<(String, String)>,
    FormBody(fields): FormBody<Vec<(String, String)>>,
) -> AppResult<Response> {
    let mut pairs: Vec<(String, String)> = fields
        .iter()
        .filter_map(|(k, v)| k.strip_prefix("m.").map(|p| (p.to_owned(), v.clone())))
        .collect();
    if fields.iter().any(|(k, v)| k == "rest" && v == "absent") {
        let (_, _, rows, _) = state
            .store
            .attendance_sheet(&user.principal, &id, &sid)
            .await?;
        for r in rows.iter().filter(|r| r.mark.is_none()) {
            if !pairs.iter().any(|(p, _)| *p == r.participant_id) {
                pairs.push((r.participant_id.clone(), "absent".into()));
            }
        }
    }
    let result = match parse_marks(pairs.iter().map(|(p, m)| (p.as_str(), m.as_str()))) {
        Ok(marks) => state
            .store
            .save_attendance(&ctx.actor(), &user.principal, &id, &sid, &marks)
            .await
            .map_err(AppError::from),
        Err(e) => Err(e.into()),
    };
    let htmx = headers.get("hx-request").is_some();
    match result {
        Ok(_) if htmx && pairs.len() == 1 => {
            let (pid, _) = &pairs[0];
            let line = SavedLine {
                pid: pid.clone(),
                text: ctx.t("attendance-saved"),
            };
            Ok(render(&line)?.into_response())
        }
        Ok(_) => Ok(Redirect::to(&format!("/activities/{id}/sessions/{sid}")).into_response()),
        Err(e) => {
            let errors = form_errors(ctx.tr, e)?;
            let page = session_view(&state, ctx, &user, &id, &sid, errors).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
        }
    }
}

/// A sign-in sheet uploaded from the session's page: the marks saved and
/// every row refused, shown on the page.
pub async fn import_sheet(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param((id, sid)): Param<(String, String)>,
    form: crate::extract::FileForm,
) -> AppResult<Response> {
    let result = super::service::import_sheet(
        &state.store,
        &ctx.actor(),
        &user.principal,
        &id,
        &sid,
        form.bytes(),
    )
    .await
    .map_err(AppError::from);
    match result {
        Ok(report) => {
            let mut page =
                session_view(&state, ctx, &user, &id, &sid, FormErrors::default()).await?;
            page.imported = Some(report);
            Ok(render(&page)?.into_response())
        }
        Err(e) => {
            let errors = form_errors(ctx.tr, e)?;
            let page = session_view(&state, ctx, &user, &id, &sid, errors).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
        }
    }
}

/// Head counts: `<sex>.<age band>=<count>` fields.
pub async fn head_counts(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param((id, sid)): Param<(String, String)>,
    FormBody(fields): FormBody<Vec<(String, String)>>,
) -> AppResult<Response> {
    let mut e = ValidationErrors::new();
    let mut counts = Vec::new();
    for (k, v) in fields.iter().filter(|(k, _)| k != "_csrf") {
        let Some((sex, band)) = k.split_once('.') else {
            continue;
        };
        let (Ok(sex), Ok(band)) = (CountedSex::parse(sex), AgeBand::parse(band)) else {
            continue;
        };
        if let Some(n) = e.take(k, head_count(v)) {
            counts.push((sex, band, n));
        }
    }
    let result = match e.into_result() {
        Ok(()) => done(
            state
                .store
                .set_head_counts(&ctx.actor(), &user.principal, &id, &sid, &counts)
                .await,
        ),
        Err(e) => Err(e.into()),
    };
    match result {
        Ok(()) => {
            Ok(Redirect::to(&format!("/activities/{id}/sessions/{sid}#counts")).into_response())
        }
        Err(e) => {
            let errors = form_errors(ctx.tr, e)?;
            let page = session_view(&state, ctx, &user, &id, &sid, errors).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::calendar_range;

    #[test]
    fn weeks_start_on_monday_and_months_on_the_first() {
        // 2026-12-03 is a Thursday.
        let (from, to, prev, next) = calendar_range("2026-12-03", false);
        assert_eq!((from.as_str(), to.as_str()), ("2026-11-30", "2026-12-06"));
        assert_eq!((prev.as_str(), next.as_str()), ("2026-11-23", "2026-12-07"));
        let (from, to, prev, next) = calendar_range("2026-12-31", true);
        assert_eq!((from.as_str(), to.as_str()), ("2026-12-01", "2026-12-31"));
        assert_eq!((prev.as_str(), next.as_str()), ("2026-11-01", "2027-01-01"));
        let (from, to, _, _) = calendar_range("2028-02-10", true);
        assert_eq!((from.as_str(), to.as_str()), ("2028-02-01", "2028-02-29"));
    }
}
