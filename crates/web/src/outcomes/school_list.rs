//! A school's enrolment list (issue 19 §5): a CSV or XLSX of pupils, read by
//! the registry import's reader and within its bounds, each row's pupil
//! found in the registry by the linkage engine's duplicate check, and their
//! school year recorded — added, changed as a dated event, or left as it is
//! when the list says nothing new (a list imported twice adds nothing). A
//! pupil the registry does not hold, or holds more than once as far as the
//! engine can tell, is reported with the row, never created or guessed.
//! `POST /api/v1/enrolment-lists` and the pages `/enrolment-lists` share
//! `run`; writing needs the right to edit the people the list names.

use crate::context::{Auth, Ctx, SignedIn};
use crate::error::{field_messages, AppError, AppResult, Problem, ProblemField};
use crate::extract::{FormBody, Param, QueryArgs};
use crate::i18n::Tr;
use crate::pages::{render, FormErrors};
use crate::AppState;
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Json, Router};
use kopru_domain::outcome::{
    school_year_of, Enrolment, EnrolmentStatus, SchoolLevel, SchoolSupport,
};
use kopru_domain::school_list::{guess_list_mapping, list_row, ListDefaults, LIST_FIELDS};
use kopru_domain::{Action, Principal, ValidationErrors};
use kopru_store::audit::Actor;
use kopru_store::outcomes::education::EnrolmentRow;
use kopru_store::records::ListFilter;
use kopru_store::Store;
use serde::{Deserialize, Serialize};
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::router::UtoipaMethodRouterExt;
use utoipa_axum::routes;

/// A list is a school's roll: a few thousand rows at most.
pub const MAX_LIST_ROWS: usize = 5_000;

/// The engine's probability from which the one likely record is the pupil
/// (below it, or with a second likely record, a person decides).
pub const MATCH_FROM: f64 = 0.9;

/// Institution kinds a list can come from.
const SCHOOL_KINDS: [&str; 2] = ["school", "pre_school"];

/// What the list is and what its rows have in common.
#[derive(Deserialize, IntoParams, Default, Clone)]
#[into_params(parameter_in = Query)]
#[serde(default)]
pub struct ListParams {
    /// The school (an institution of kind school or pre_school).
    pub school_id: String,
    /// `2026-2027`; the current school year when blank.
    pub school_year: String,
    /// For rows without a level column: pre_school, primary, lower_secondary, upper_secondary.
    pub level: String,
    /// For rows without a status column; `enrolled` when blank.
    pub status: String,
    /// For rows without a date column; today when blank.
    pub status_on: String,
    /// Check and report without recording anything.
    pub dry_run: bool,
}

impl ListParams {
    fn query(&self) -> String {
        crate::pages::query_string(&[
            ("school_id", &self.school_id),
            ("school_year", &self.school_year),
            ("level", &self.level),
            ("status", &self.status),
            ("status_on", &self.status_on),
        ])
    }
}

#[derive(Serialize, utoipa::ToSchema, Clone)]
pub struct ListColumn {
    pub header: String,
    /// The field it fills, or null when ignored.
    pub field: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema, Clone)]
pub struct ListCandidate {
    pub person_id: String,
    pub name: String,
    pub birth_date: Option<String>,
    /// The linkage engine's match probability, 0 to 1.
    pub score: f64,
}

#[derive(Serialize, utoipa::ToSchema, Clone)]
pub struct ListRowResult {
    /// The row number as the file shows it (the header is row 1).
    pub row: usize,
    /// The pupil's name as the list writes it.
    pub name: String,
    /// enrolled (a school year added), updated (changed: a dated event),
    /// unchanged (already recorded so), not_found (no record in the
    /// registry), to_check (more than one likely record, or one not likely
    /// enough: a person decides), rejected (the row's problems in `errors`).
    pub result: String,
    /// The pupil's record, when found.
    pub person_id: Option<String>,
    pub candidates: Vec<ListCandidate>,
    pub errors: Vec<ProblemField>,
}

#[derive(Serialize, utoipa::ToSchema, Clone)]
pub struct EnrolmentListReport {
    pub dry_run: bool,
    pub school_id: String,
    pub school_name: String,
    pub school_year: String,
    pub columns: Vec<ListColumn>,
    pub total_rows: usize,
    /// School years added (or, in a dry run, that would be).
    pub enrolled: usize,
    pub updated: usize,
    pub unchanged: usize,
    pub not_found: usize,
    pub to_check: usize,
    pub rejected: usize,
    /// Every row, in file order.
    pub rows: Vec<ListRowResult>,
}

/// Reads the list, finds each pupil and (unless a dry run) records their
/// school year. Problems of the list as a whole (unreadable, no name
/// column, unknown school, bad defaults) are refused before any row.
pub async fn run(
    store: &Store,
    actor: &Actor,
    by: &Principal,
    tr: Tr,
    bytes: &[u8],
    p: &ListParams,
) -> AppResult<EnrolmentListReport> {
    if !by.may(Action::EditPersons) {
        return Err(AppError::Forbidden);
    }
    let today = kopru_store::clock::today();
    let school = store
        .institution(by, p.school_id.trim())
        .await?
        .filter(|s| SCHOOL_KINDS.contains(&s.kind.as_str()))
        .ok_or_else(|| ValidationErrors::single("school_id", "err-school-unknown"))?;
    let defaults = ListDefaults {
        school_id: school.id.clone(),
        school_year: match p.school_year.trim() {
            "" => school_year_of(&today),
            y => y.to_owned(),
        },
        level: p.level.trim().to_owned(),
        status: match p.status.trim() {
            "" => "enrolled".to_owned(),
            s => s.to_owned(),
        },
        status_on: p.status_on.trim().to_owned(),
        unit_code: "LIST".to_owned(),
        area_code: school.area_code.clone(),
    };
    // The defaults are a school year of their own: checked once, not per row.
    if !p.level.trim().is_empty() || !p.status.trim().is_empty() {
        kopru_domain::outcome::EnrolmentDraft {
            school_year: defaults.school_year.clone(),
            level: if defaults.level.is_empty() {
                "primary".into()
            } else {
                defaults.level.clone()
            },
            school_id: defaults.school_id.clone(),
            status: defaults.status.clone(),
            status_on: defaults.status_on.clone(),
            reason: "other".into(),
            ..Default::default()
        }
        .validate(&today)?;
    }
    let table =
        crate::tabular::read(bytes).map_err(|code| ValidationErrors::single("file", code))?;
    if table.rows.len() > MAX_LIST_ROWS {
        return Err(ValidationErrors::single("file", "err-list-too-long").into());
    }
    let mapping = guess_list_mapping(&table.headers);
    let has = |f: &str| mapping.contains(&Some(f));
    if !(has("full_name") || (has("given_names") && has("family_name"))) {
        return Err(ValidationErrors::single("file", "err-import-missing-columns").into());
    }
    let mut report = EnrolmentListReport {
        dry_run: p.dry_run,
        school_id: school.id.clone(),
        school_name: school.name.clone(),
        school_year: defaults.school_year.clone(),
        columns: table
            .headers
            .iter()
            .zip(&mapping)
            .map(|(h, f)| ListColumn {
                header: h.clone(),
                field: f.map(str::to_owned),
            })
            .collect(),
        total_rows: table.rows.len(),
        enrolled: 0,
        updated: 0,
        unchanged: 0,
        not_found: 0,
        to_check: 0,
        rejected: 0,
        rows: Vec::with_capacity(table.rows.len()),
    };
    let mut seen: Vec<String> = Vec::new();
    for (row, cells) in &table.rows {
        let r = one_row(
            store, actor, by, tr, &mapping, &defaults, &today, cells, &mut seen, p.dry_run,
        )
        .await?;
        match r.result.as_str() {
            "enrolled" => report.enrolled += 1,
            "updated" => report.updated += 1,
            "unchanged" => report.unchanged += 1,
            "not_found" => report.not_found += 1,
            "to_check" => report.to_check += 1,
            _ => report.rejected += 1,
        }
        report.rows.push(ListRowResult { row: *row, ..r });
    }
    Ok(report)
}

fn result(name: String, result: &str) -> ListRowResult {
    ListRowResult {
        row: 0,
        name,
        result: result.to_owned(),
        person_id: None,
        candidates: Vec::new(),
        errors: Vec::new(),
    }
}

#[allow(clippy::too_many_arguments)]
async fn one_row(
    store: &Store,
    actor: &Actor,
    by: &Principal,
    tr: Tr,
    mapping: &[Option<&str>],
    defaults: &ListDefaults,
    today: &str,
    cells: &[String],
    seen: &mut Vec<String>,
    dry_run: bool,
) -> AppResult<ListRowResult> {
    let written = |i: Option<usize>| i.and_then(|i| cells.get(i)).map(|c| c.trim().to_owned());
    let position = |f: &str| mapping.iter().position(|m| *m == Some(f));
    let name = written(position("full_name"))
        .or_else(|| {
            let g = written(position("given_names")).unwrap_or_default();
            let f = written(position("family_name")).unwrap_or_default();
            Some(format!("{g} {f}").trim().to_owned())
        })
        .unwrap_or_default()
        .chars()
        .take(200)
        .collect::<String>();
    let rejected = |name: String, e: &ValidationErrors| ListRowResult {
        errors: field_messages(tr, &e.0),
        ..result(name, "rejected")
    };
    let row = match list_row(cells, mapping, defaults, today) {
        Ok(r) => r,
        Err(e) => return Ok(rejected(name, &e)),
    };
    let found = store.likely_duplicates(by, &row.pupil, None).await?;
    let same_id = row.pupil.national_id.as_ref().and_then(|n| {
        found
            .iter()
            .find(|c| c.person.national_id.as_deref() == Some(n.as_str()))
    });
    let sure = same_id.or(match found.as_slice() {
        [one] if one.score >= MATCH_FROM => Some(one),
        _ => None,
    });
    let Some(pupil) = sure else {
        let candidates: Vec<ListCandidate> = found
            .iter()
            .take(3)
            .map(|c| ListCandidate {
                person_id: c.person.id.clone(),
                name: format!("{} {}", c.person.given_names, c.person.family_name),
                birth_date: c.person.birth_date.clone(),
                score: c.score,
            })
            .collect();
        let what = if candidates.is_empty() {
            "not_found"
        } else {
            "to_check"
        };
        return Ok(ListRowResult {
            candidates,
            ..result(name, what)
        });
    };
    let person_id = pupil.person.id.clone();
    if seen.contains(&person_id) {
        let e = ValidationErrors::single("full_name", "err-list-pupil-twice");
        return Ok(ListRowResult {
            person_id: Some(person_id),
            ..rejected(name, &e)
        });
    }
    seen.push(person_id.clone());
    let current = store
        .enrolments(by, &person_id)
        .await?
        .into_iter()
        .find(|e| e.school_year == row.enrolment.school_year);
    let found = |what: &str| ListRowResult {
        person_id: Some(person_id.clone()),
        ..result(name.clone(), what)
    };
    let written = match &current {
        None => if !dry_run {
            store
                .add_enrolment(actor, by, &person_id, &row.enrolment)
                .await
                .map(|_| ())
        } else {
            Ok(())
        }
        .map(|()| "enrolled"),
        Some(cur) => {
            let next = merged(cur, row.enrolment);
            if same(cur, &next) {
                Ok("unchanged")
            } else if dry_run {
                Ok("updated")
            } else {
                store
                    .update_enrolment(actor, by, &cur.id, cur.version, &next)
                    .await
                    .map(|_| "updated")
            }
        }
    };
    match written {
        Ok(what) => Ok(found(what)),
        // The row's own problem (a pupil the caller may see but not edit,
        // a record merged meanwhile): reported with the row.
        Err(kopru_store::StoreError::Invalid(e)) => Ok(ListRowResult {
            person_id: Some(person_id.clone()),
            ..rejected(name.clone(), &e)
        }),
        Err(kopru_store::StoreError::Forbidden) | Err(kopru_store::StoreError::NotFound) => {
            let e = ValidationErrors::single("full_name", "err-scope-denied");
            Ok(ListRowResult {
                person_id: Some(person_id.clone()),
                ..rejected(name.clone(), &e)
            })
        }
        Err(e) => Err(e.into()),
    }
}

/// The list's year over the one recorded: what the list does not say
/// (support received, a note, absences it has no column for, a reason) stays.
fn merged(cur: &EnrolmentRow, mut next: Enrolment) -> Enrolment {
    next.supports = cur
        .supports
        .split(',')
        .filter_map(|s| SchoolSupport::parse(s).ok())
        .collect();
    next.note = cur.note.clone();
    if next.absent_days_term1.is_none() {
        next.absent_days_term1 = cur.absent_days_term1;
    }
    if next.absent_days_term2.is_none() {
        next.absent_days_term2 = cur.absent_days_term2;
    }
    if next.grade.is_none() {
        next.grade = cur.grade;
    }
    if next.reason.is_none() && next.status.as_str() == cur.status {
        next.reason = cur
            .reason
            .as_deref()
            .and_then(|r| kopru_domain::outcome::NotEnrolledReason::parse(r).ok());
    }
    next
}

/// The list says nothing the record does not.
fn same(cur: &EnrolmentRow, next: &Enrolment) -> bool {
    cur.school_id == next.school_id
        && cur.level == next.level.as_str()
        && cur.grade == next.grade
        && cur.status == next.status.as_str()
        && cur.status_on == next.status_on
        && cur.absent_days_term1 == next.absent_days_term1
        && cur.absent_days_term2 == next.absent_days_term2
        && cur.reason.as_deref() == next.reason.map(|r| r.as_str())
}

// ---------------------------------------------------------------- API

pub fn api_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(
        routes!(import_enrolment_list).layer(axum::extract::DefaultBodyLimit::max(MAX_LIST_BYTES)),
    )
}

/// A school's list is small: 5,000 rows fit well within this.
pub const MAX_LIST_BYTES: usize = 5 * 1024 * 1024;

#[utoipa::path(post, path = "/api/v1/enrolment-lists", tag = "outcomes", params(ListParams),
    request_body(content = Vec<u8>, description = "A school's enrolment list: CSV (UTF-8, Windows-1254 or Windows-1250; comma, semicolon or tab) or XLSX, a header row and one pupil per row", content_type = "application/octet-stream"),
    responses((status = 200, description = "Every row's result: school years added, changed, unchanged; pupils not found or to check; rows refused and why", body = EnrolmentListReport),
        (status = 403, body = Problem), (status = 422, description = "Unreadable file, no name column, unknown school, bad defaults", body = Problem)))]
pub async fn import_enrolment_list(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    QueryArgs(p): QueryArgs<ListParams>,
    body: axum::body::Bytes,
) -> AppResult<Json<EnrolmentListReport>> {
    Ok(Json(
        run(
            &state.store,
            &ctx.actor(),
            &user.principal,
            ctx.tr,
            &body,
            &p,
        )
        .await?,
    ))
}

// ---------------------------------------------------------------- pages

pub fn page_routes() -> Router<AppState> {
    Router::new()
        .route("/enrolment-lists", get(upload_form).post(upload))
        .route("/enrolment-lists/{id}", get(check).post(commit))
        .layer(axum::extract::DefaultBodyLimit::max(MAX_LIST_BYTES))
}

#[derive(Template)]
#[template(path = "enrolment_list.html")]
pub struct ListPage {
    pub ctx: Ctx,
    pub schools: Vec<(String, String)>,
    pub levels: Vec<(String, String)>,
    pub statuses: Vec<(String, String)>,
    pub p: ListParams,
    pub errors: FormErrors,
    /// The upload being checked, and what checking it found.
    pub upload: Option<String>,
    pub report: Option<EnrolmentListReport>,
    pub query: String,
}

impl ListPage {
    pub fn tone(&self, result: &str) -> &'static str {
        match result {
            "enrolled" | "updated" => "ok",
            "unchanged" => "plain",
            "rejected" => "bad",
            _ => "warn",
        }
    }
    pub fn fields(&self) -> &'static [&'static str] {
        LIST_FIELDS
    }
}

async fn page(
    state: &AppState,
    ctx: Ctx,
    user: &SignedIn,
    p: ListParams,
    errors: FormErrors,
    upload: Option<String>,
    report: Option<EnrolmentListReport>,
) -> AppResult<ListPage> {
    if !user.principal.may(Action::EditPersons) {
        return Err(AppError::Forbidden);
    }
    let mut schools = Vec::new();
    for kind in SCHOOL_KINDS {
        let f = ListFilter {
            kind: Some(kind.to_owned()),
            limit: 500,
            ..Default::default()
        };
        let found = state.store.institutions(&user.principal, &f).await?;
        schools.extend(found.rows.into_iter().map(|i| (i.id, i.name)));
    }
    let mut p = p;
    if p.school_year.is_empty() {
        p.school_year = school_year_of(&kopru_store::clock::today());
    }
    Ok(ListPage {
        levels: crate::choices!(ctx, SchoolLevel),
        statuses: crate::choices!(ctx, EnrolmentStatus),
        query: p.query(),
        ctx,
        schools,
        p,
        errors,
        upload,
        report,
    })
}

pub async fn upload_form(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    QueryArgs(p): QueryArgs<ListParams>,
) -> AppResult<Response> {
    let pg = page(&state, ctx, &user, p, FormErrors::default(), None, None).await?;
    Ok(render(&pg)?.into_response())
}

pub async fn upload(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    form: crate::extract::FileForm,
) -> AppResult<Response> {
    if !user.principal.may(Action::EditPersons) {
        return Err(AppError::Forbidden);
    }
    let p = ListParams {
        school_id: form.text("school_id"),
        school_year: form.text("school_year"),
        level: form.text("level"),
        status: form.text("status"),
        status_on: form.text("status_on"),
        dry_run: true,
    };
    let (file, name) = (form.bytes(), form.file_name());
    if let Err(code) = crate::tabular::read(file).map(|_| ()) {
        let errors = FormErrors::single(ctx.tr, "file", code);
        let pg = page(&state, ctx, &user, p, errors, None, None).await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&pg)?).into_response());
    }
    let id = state
        .store
        .save_upload(&user.principal.user_id, name, file)
        .await?;
    Ok(Redirect::to(&format!("/enrolment-lists/{id}?{}", p.query())).into_response())
}

/// Runs the list on the upload `id` (a dry run, or for real) and shows what
/// it found or did; the list's own problems come back on the form.
async fn run_page(
    state: &AppState,
    ctx: Ctx,
    user: &SignedIn,
    id: String,
    mut p: ListParams,
    dry_run: bool,
) -> AppResult<Response> {
    let (_, bytes) = state.store.upload(&user.principal.user_id, &id).await?;
    p.dry_run = dry_run;
    match run(
        &state.store,
        &ctx.actor(),
        &user.principal,
        ctx.tr,
        &bytes,
        &p,
    )
    .await
    {
        Ok(report) => {
            let pg = page(
                state,
                ctx,
                user,
                p,
                FormErrors::default(),
                Some(id),
                Some(report),
            )
            .await?;
            Ok(render(&pg)?.into_response())
        }
        Err(e) => {
            // The list's own problems come back on the form; anything else is an error.
            let errors = crate::pages::form_errors(ctx.tr, e)?;
            let pg = page(state, ctx, user, p, errors, None, None).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&pg)?).into_response())
        }
    }
}

pub async fn check(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param(id): Param<String>,
    QueryArgs(p): QueryArgs<ListParams>,
) -> AppResult<Response> {
    run_page(&state, ctx, &user, id, p, true).await
}

pub async fn commit(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param(id): Param<String>,
    FormBody(p): FormBody<ListParams>,
) -> AppResult<Response> {
    run_page(&state, ctx, &user, id, p, false).await
}
