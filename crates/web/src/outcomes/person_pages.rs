//! A person's outcome pages: education (a school year per row, its dated
//! statuses), health (insurance, family doctor, immunisation for readers
//! of health data) and employment (programme participation, the job-seeker
//! profile, placements and their checks). Each page lists what is recorded
//! and offers the forms the caller may use; a form that fails comes back
//! open with what was typed and every problem named.

use super::form::{Form, Section, Sent};
use super::today;
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
use axum::routing::{get, post};
use axum::Router;
use kopru_domain::employment::{
    placement_ending, Availability, ContractType, EmploymentAgency, JobSeekerDraft, PlacementDraft,
    PlacementEnd, SeekerStatus, SocialSecurity, WageBand,
};
use kopru_domain::outcome::{
    exit, immunisation, school_year_of, CoverageDraft, CoverageKind, DisadvantagedGroup,
    EnrolmentDraft, EnrolmentStatus, EntryDraft, ImmunisationStatus, InsuranceScheme, IscedLevel,
    LabourStatus, LeavingResult, NotEnrolledReason, SchoolLevel, SchoolSupport,
};
use kopru_domain::Action;
use kopru_store::outcomes::checks::OutcomeCheckRow;
use kopru_store::outcomes::education::EnrolmentRow;
use kopru_store::outcomes::employment::{EmploymentFilter, JobPlacementRow, JobSeekerRow};
use kopru_store::outcomes::health::{CoverageRow, ImmunisationRow};
use kopru_store::outcomes::participation::{ParticipationFilter, ParticipationRow};
use kopru_store::records::ListFilter;
use kopru_store::registry::PersonRow;
use serde::de::DeserializeOwned;
use serde::Deserialize;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/persons/{id}/education",
            get(education_page).post(add_enrolment),
        )
        .route("/persons/{id}/education/{eid}", post(update_enrolment))
        .route("/persons/{id}/health", get(health_page).post(add_coverage))
        .route("/persons/{id}/health/immunisation", post(add_immunisation))
        .route("/persons/{id}/health/{cid}", post(update_coverage))
        .route("/persons/{id}/employment", get(employment_page))
        .route("/persons/{id}/employment/seeker", post(save_seeker))
        .route("/persons/{id}/employment/participations", post(enter))
        .route(
            "/persons/{id}/employment/participations/{xid}/exit",
            post(leave),
        )
        .route("/persons/{id}/employment/placements", post(add_placement))
        .route(
            "/persons/{id}/employment/placements/{pid}/end",
            post(end_placement),
        )
}

/// The version an edit form read, carried in its action's query string.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct VersionArg {
    pub version: i64,
}

/// A form's fields as sent, kept to be shown again after an error.
type Pairs = Vec<(String, String)>;

/// A form's typed value from the fields as sent.
fn parse<T: DeserializeOwned>(pairs: &Pairs) -> AppResult<T> {
    let text = serde_html_form::to_string(pairs).map_err(|_| AppError::BadRequest("err-form"))?;
    serde_html_form::from_str(&text).map_err(|_| AppError::BadRequest("err-form"))
}

/// Institutions of `kinds` near a person (their province), for a select.
async fn nearby(
    state: &AppState,
    user: &SignedIn,
    p: &PersonRow,
    kinds: &[&str],
) -> AppResult<Vec<(String, String)>> {
    let path = state.store.area_path(&p.area_code).await?;
    let province = path.get(1).or(path.first()).map(|a| a.code.clone());
    let mut out = Vec::new();
    for kind in kinds {
        let f = ListFilter {
            q: None,
            area: province.clone(),
            kind: Some((*kind).to_owned()),
            limit: 500,
            offset: 0,
        };
        let page = state.store.institutions(&user.principal, &f).await?;
        out.extend(page.rows.into_iter().map(|i| (i.id, i.name)));
    }
    Ok(out)
}

/// What every outcome page of a person shows at its top.
pub struct Head {
    pub person_id: String,
    pub person_name: String,
    pub can_edit: bool,
    pub errors_any: bool,
}

async fn head(
    state: &AppState,
    ctx: &Ctx,
    user: &SignedIn,
    id: &str,
    sent: &Sent,
) -> AppResult<(PersonRow, Head)> {
    let p = state
        .store
        .person(&ctx.actor(), &user.principal, id)
        .await?;
    let head = Head {
        person_id: p.id.clone(),
        person_name: format!("{} {}", p.given_names, p.family_name),
        can_edit: user.principal.may(Action::EditPersons) && p.merged_into.is_none(),
        errors_any: sent.errors.any(),
    };
    Ok((p, head))
}

/// The three outcome pages of a person that take forms.
#[derive(Clone, Copy)]
enum Tab {
    Education,
    Health,
    Employment,
}

impl Tab {
    fn path(self, id: &str) -> String {
        match self {
            Tab::Education => format!("/persons/{id}/education"),
            Tab::Health => format!("/persons/{id}/health"),
            Tab::Employment => format!("/persons/{id}/employment"),
        }
    }

    async fn view(
        self,
        state: &AppState,
        ctx: Ctx,
        user: &SignedIn,
        id: &str,
        sent: Sent,
    ) -> AppResult<Response> {
        match self {
            Tab::Education => education_view(state, ctx, user, id, sent, "").await,
            Tab::Health => health_view(state, ctx, user, id, sent).await,
            Tab::Employment => employment_view(state, ctx, user, id, sent).await,
        }
    }
}

/// The page again after a write: the same page on success, or with the
/// failed section open, what was typed and the problems (422).
#[allow(clippy::too_many_arguments)]
async fn after<T>(
    result: AppResult<T>,
    state: &AppState,
    ctx: Ctx,
    user: &SignedIn,
    id: &str,
    tab: Tab,
    section: &str,
    pairs: Pairs,
) -> AppResult<Response> {
    match result {
        Ok(_) => Ok(Redirect::to(&tab.path(id)).into_response()),
        Err(e) => {
            let errors = form_errors(ctx.tr, e)?;
            let page = tab
                .view(state, ctx, user, id, Sent::new(section, errors, pairs))
                .await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
    }
}

// ---------------------------------------------------------------- education

#[derive(Template)]
#[template(path = "person_education.html")]
pub struct EducationPage {
    pub ctx: Ctx,
    pub head: Head,
    pub rows: Vec<(EnrolmentRow, Option<Section>)>,
    pub new: Option<Section>,
}

fn enrolment_form<'a>(
    ctx: &'a Ctx,
    sent: &'a Sent,
    id: &str,
    e: Option<&EnrolmentRow>,
    schools: &[(String, String)],
    prefill_school: &str,
) -> Form<'a> {
    let v = |f: fn(&EnrolmentRow) -> String| e.map(f).unwrap_or_default();
    let supports: Vec<String> = e
        .map(|e| kopru_store::columns::split_list(&e.supports))
        .unwrap_or_default();
    let mut f = Form::new(ctx, sent, id);
    if e.is_none() {
        f = f.text("school_year", &school_year_of(&today()), true);
    }
    let school = e
        .and_then(|e| e.school_id.clone())
        .unwrap_or_else(|| prefill_school.to_owned());
    let status = e.map(|e| e.status.clone()).unwrap_or_else(|| {
        if prefill_school.is_empty() {
            String::new()
        } else {
            "enrolled".into()
        }
    });
    f.choice(
        "level",
        &v(|e| e.level.clone()),
        &choices!(ctx, SchoolLevel),
        true,
    )
    .choice("school_id", &school, schools, false)
    .number(
        "grade",
        &v(|e| e.grade.map(|g| g.to_string()).unwrap_or_default()),
        0,
        13,
    )
    .choice("status", &status, &choices!(ctx, EnrolmentStatus), true)
    .date("status_on", &v(|e| e.status_on.clone()), false)
    .choice(
        "reason",
        &v(|e| e.reason.clone().unwrap_or_default()),
        &choices!(ctx, NotEnrolledReason),
        false,
    )
    .number(
        "absent_days_term1",
        &v(|e| {
            e.absent_days_term1
                .map(|g| g.to_string())
                .unwrap_or_default()
        }),
        0,
        200,
    )
    .number(
        "absent_days_term2",
        &v(|e| {
            e.absent_days_term2
                .map(|g| g.to_string())
                .unwrap_or_default()
        }),
        0,
        200,
    )
    .several("supports", &supports, &choices!(ctx, SchoolSupport))
    .long("note", &v(|e| e.note.clone().unwrap_or_default()))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct EducationArgs {
    /// A school to propose, by its code (from a referral it delivered).
    pub school_code: String,
}

async fn education_view(
    state: &AppState,
    ctx: Ctx,
    user: &SignedIn,
    id: &str,
    sent: Sent,
    prefill_school: &str,
) -> AppResult<Response> {
    let (p, head) = head(state, &ctx, user, id, &sent).await?;
    let enrolments = state.store.enrolments(&user.principal, id).await?;
    let schools = if head.can_edit {
        nearby(state, user, &p, &["pre_school", "school"]).await?
    } else {
        vec![]
    };
    let mut rows = Vec::new();
    for e in enrolments {
        let section = head.can_edit.then(|| {
            enrolment_form(&ctx, &sent, &e.id, Some(&e), &schools, "").section(
                &e.id,
                ctx.t("action-edit"),
                format!("/persons/{id}/education/{}?version={}", e.id, e.version),
                "action-save",
            )
        });
        rows.push((e, section));
    }
    let new = head.can_edit.then(|| {
        let mut s = enrolment_form(&ctx, &sent, "new", None, &schools, prefill_school).section(
            "new",
            ctx.t("education-new"),
            format!("/persons/{id}/education"),
            "action-save",
        );
        s.open = s.open || !prefill_school.is_empty();
        s
    });
    Ok(render(&EducationPage {
        ctx,
        head,
        rows,
        new,
    })?
    .into_response())
}

pub async fn education_page(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param(id): Param<String>,
    QueryArgs(a): QueryArgs<EducationArgs>,
) -> AppResult<Response> {
    let code = a.school_code.trim();
    let mut school = String::new();
    if !code.is_empty() {
        let f = ListFilter {
            q: Some(code.to_owned()),
            area: None,
            kind: None,
            limit: 50,
            offset: 0,
        };
        let found = state.store.institutions(&user.principal, &f).await?;
        if let Some(i) = found
            .rows
            .into_iter()
            .find(|i| i.code == code && ["school", "pre_school"].contains(&i.kind.as_str()))
        {
            school = i.id;
        }
    }
    education_view(&state, ctx, &user, &id, Sent::default(), &school).await
}

pub async fn add_enrolment(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param(id): Param<String>,
    FormBody(pairs): FormBody<Pairs>,
) -> AppResult<Response> {
    let result = async {
        let d: EnrolmentDraft = parse(&pairs)?;
        let e = d.validate(&today())?;
        Ok(state
            .store
            .add_enrolment(&ctx.actor(), &user.principal, &id, &e)
            .await?)
    }
    .await;
    after(
        result,
        &state,
        ctx,
        &user,
        &id,
        Tab::Education,
        "new",
        pairs,
    )
    .await
}

pub async fn update_enrolment(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param((id, eid)): Param<(String, String)>,
    QueryArgs(v): QueryArgs<VersionArg>,
    FormBody(pairs): FormBody<Pairs>,
) -> AppResult<Response> {
    let result = async {
        let cur = state.store.enrolments(&user.principal, &id).await?;
        let row = cur.iter().find(|e| e.id == eid).ok_or(AppError::NotFound)?;
        let mut d: EnrolmentDraft = parse(&pairs)?;
        d.school_year = row.school_year.clone();
        let e = d.validate(&today())?;
        Ok(state
            .store
            .update_enrolment(&ctx.actor(), &user.principal, &eid, v.version, &e)
            .await?)
    }
    .await;
    after(result, &state, ctx, &user, &id, Tab::Education, &eid, pairs).await
}

// ---------------------------------------------------------------- health

#[derive(Template)]
#[template(path = "person_health.html")]
pub struct HealthPage {
    pub ctx: Ctx,
    pub head: Head,
    pub rows: Vec<(CoverageRow, Option<Section>)>,
    pub new: Option<Section>,
    /// None: the reader may not read health data.
    pub immunisations: Option<Vec<ImmunisationRow>>,
    pub new_immunisation: Option<Section>,
}

fn coverage_form<'a>(
    ctx: &'a Ctx,
    sent: &'a Sent,
    id: &str,
    c: Option<&CoverageRow>,
    centres: &[(String, String)],
) -> Form<'a> {
    let v = |f: fn(&CoverageRow) -> Option<String>| c.and_then(f).unwrap_or_default();
    let mut f = Form::new(ctx, sent, id);
    if c.is_none() {
        f = f.choice("kind", "", &choices!(ctx, CoverageKind), true);
    }
    f.choice(
        "scheme",
        &v(|c| c.scheme.clone()),
        &choices!(ctx, InsuranceScheme),
        false,
    )
    .choice(
        "institution_id",
        &v(|c| c.institution_id.clone()),
        centres,
        false,
    )
    .text("doctor", &v(|c| c.doctor.clone()), false)
    .date("started_on", &v(|c| Some(c.started_on.clone())), true)
    .date("ended_on", &v(|c| c.ended_on.clone()), false)
    .long("note", &v(|c| c.note.clone()))
}

async fn health_view(
    state: &AppState,
    ctx: Ctx,
    user: &SignedIn,
    id: &str,
    sent: Sent,
) -> AppResult<Response> {
    let (p, head) = head(state, &ctx, user, id, &sent).await?;
    let coverage = state.store.health_coverage(&user.principal, id).await?;
    let centres = if head.can_edit {
        nearby(state, user, &p, &["family_health_centre", "hospital"]).await?
    } else {
        vec![]
    };
    let mut rows = Vec::new();
    for c in coverage {
        let section = head.can_edit.then(|| {
            coverage_form(&ctx, &sent, &c.id, Some(&c), &centres).section(
                &c.id,
                ctx.t("action-edit"),
                format!("/persons/{id}/health/{}?version={}", c.id, c.version),
                "action-save",
            )
        });
        rows.push((c, section));
    }
    let new = head.can_edit.then(|| {
        coverage_form(&ctx, &sent, "new", None, &centres).section(
            "new",
            ctx.t("health-new"),
            format!("/persons/{id}/health"),
            "action-save",
        )
    });
    let immunisations = state
        .store
        .immunisations(&ctx.actor(), &user.principal, id)
        .await?;
    let new_immunisation = (head.can_edit && immunisations.is_some()).then(|| {
        Form::new(&ctx, &sent, "immunisation")
            .choice("status", "", &choices!(ctx, ImmunisationStatus), true)
            .date("assessed_on", "", false)
            .long("note", "")
            .section(
                "immunisation",
                ctx.t("immunisation-new"),
                format!("/persons/{id}/health/immunisation"),
                "action-save",
            )
    });
    Ok(render(&HealthPage {
        ctx,
        head,
        rows,
        new,
        immunisations,
        new_immunisation,
    })?
    .into_response())
}

pub async fn health_page(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param(id): Param<String>,
) -> AppResult<Response> {
    health_view(&state, ctx, &user, &id, Sent::default()).await
}

pub async fn add_coverage(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param(id): Param<String>,
    FormBody(pairs): FormBody<Pairs>,
) -> AppResult<Response> {
    let result = async {
        let d: CoverageDraft = parse(&pairs)?;
        let c = d.validate(&today())?;
        Ok(state
            .store
            .add_coverage(&ctx.actor(), &user.principal, &id, &c)
            .await?)
    }
    .await;
    after(result, &state, ctx, &user, &id, Tab::Health, "new", pairs).await
}

pub async fn update_coverage(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param((id, cid)): Param<(String, String)>,
    QueryArgs(v): QueryArgs<VersionArg>,
    FormBody(pairs): FormBody<Pairs>,
) -> AppResult<Response> {
    let result = async {
        let cur = state.store.health_coverage(&user.principal, &id).await?;
        let row = cur.iter().find(|c| c.id == cid).ok_or(AppError::NotFound)?;
        let mut d: CoverageDraft = parse(&pairs)?;
        d.kind = row.kind.clone();
        let c = d.validate(&today())?;
        Ok(state
            .store
            .update_coverage(&ctx.actor(), &user.principal, &cid, v.version, &c)
            .await?)
    }
    .await;
    after(result, &state, ctx, &user, &id, Tab::Health, &cid, pairs).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ImmunisationForm {
    pub status: String,
    pub assessed_on: String,
    pub note: String,
}

pub async fn add_immunisation(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param(id): Param<String>,
    FormBody(pairs): FormBody<Pairs>,
) -> AppResult<Response> {
    let result = async {
        let f: ImmunisationForm = parse(&pairs)?;
        let v = immunisation(&f.status, &f.assessed_on, &f.note, &today())?;
        Ok(state
            .store
            .add_immunisation(&ctx.actor(), &user.principal, &id, &v)
            .await?)
    }
    .await;
    after(
        result,
        &state,
        ctx,
        &user,
        &id,
        Tab::Health,
        "immunisation",
        pairs,
    )
    .await
}

// ---------------------------------------------------------------- employment

#[derive(Template)]
#[template(path = "person_employment.html")]
pub struct EmploymentPage {
    pub ctx: Ctx,
    pub head: Head,
    pub seeker: Option<JobSeekerRow>,
    pub seeker_form: Option<Section>,
    /// Courses the person completed (activities), by title.
    pub courses: Vec<String>,
    pub participations: Vec<(ParticipationRow, Option<Section>)>,
    pub new_participation: Option<Section>,
    pub placements: Vec<(JobPlacementRow, Vec<OutcomeCheckRow>, Option<Section>)>,
    pub new_placement: Option<Section>,
    /// Six-month follow-ups of the person's participations.
    pub follow_ups: Vec<OutcomeCheckRow>,
}

async fn employment_view(
    state: &AppState,
    ctx: Ctx,
    user: &SignedIn,
    id: &str,
    sent: Sent,
) -> AppResult<Response> {
    let (p, head) = head(state, &ctx, user, id, &sent).await?;
    let lang = ctx.tr.tag();
    let seeker = state.store.job_seeker(&user.principal, id).await?;
    let activities = state.store.person_activities(&user.principal, id).await?;
    let courses: Vec<String> = activities
        .iter()
        .filter(|a| a.completion.as_ref().is_some_and(|c| c.complete))
        .map(|a| kopru_store::activities::activity_title(&a.titles, lang))
        .collect();
    let seeker_form = head.can_edit.then(|| {
        let s = seeker.as_ref();
        let v = |f: fn(&JobSeekerRow) -> Option<String>| s.and_then(f).unwrap_or_default();
        let list = |t: &str| {
            serde_json::from_str::<Vec<String>>(t)
                .unwrap_or_default()
                .join(", ")
        };
        let groups = s
            .map(|s| kopru_store::columns::split_list(&s.groups))
            .unwrap_or_default();
        let action = match s {
            Some(s) => format!("/persons/{id}/employment/seeker?version={}", s.version),
            None => format!("/persons/{id}/employment/seeker"),
        };
        Form::new(&ctx, &sent, "seeker")
            .choice(
                "agency",
                &v(|s| Some(s.agency.clone())),
                &choices!(ctx, EmploymentAgency),
                false,
            )
            .text("agency_number", &v(|s| s.agency_number.clone()), false)
            .date("registered_on", &v(|s| s.registered_on.clone()), false)
            .text(
                "occupations",
                &s.map(|s| list(&s.occupations)).unwrap_or_default(),
                false,
            )
            .long("skills", &v(|s| s.skills.clone()))
            .text("driving_licence", &v(|s| s.driving_licence.clone()), false)
            .text(
                "languages",
                &s.map(|s| list(&s.languages)).unwrap_or_default(),
                false,
            )
            .long("work_history", &v(|s| s.work_history.clone()))
            .choice(
                "availability",
                &v(|s| Some(s.availability.clone())),
                &choices!(ctx, Availability),
                true,
            )
            .choice(
                "labour_status",
                &v(|s| Some(s.labour_status.clone())),
                &choices!(ctx, LabourStatus),
                true,
            )
            .several("groups", &groups, &choices!(ctx, DisadvantagedGroup))
            .choice(
                "status",
                &v(|s| Some(s.status.clone())),
                &choices!(ctx, SeekerStatus),
                false,
            )
            .section(
                "seeker",
                ctx.t(if s.is_some() {
                    "action-edit"
                } else {
                    "seeker-new"
                }),
                action,
                "action-save",
            )
    });
    let pf = ParticipationFilter {
        person_id: Some(id.to_owned()),
        limit: 500,
        ..Default::default()
    };
    let mut participations = Vec::new();
    for x in state.store.participations(&user.principal, &pf).await? {
        let section = (head.can_edit && x.left_on.is_none()).then(|| {
            Form::new(&ctx, &sent, &x.id)
                .date("left_on", "", true)
                .several("results", &[], &choices!(ctx, LeavingResult))
                .section(
                    &x.id,
                    ctx.t("participation-exit"),
                    format!(
                        "/persons/{id}/employment/participations/{}/exit?version={}",
                        x.id, x.version
                    ),
                    "action-save",
                )
        });
        participations.push((x, section));
    }
    let programmes: Vec<(String, String)> = state
        .store
        .programmes()
        .await?
        .into_iter()
        .map(|p| (p.code.clone(), p.name))
        .collect();
    let new_participation = head.can_edit.then(|| {
        let opened_by: Vec<(String, String)> = activities
            .iter()
            .map(|a| {
                (
                    a.activity_id.clone(),
                    kopru_store::activities::activity_title(&a.titles, lang),
                )
            })
            .collect();
        Form::new(&ctx, &sent, "participation")
            .choice("programme_code", "", &programmes, true)
            .date("entered_on", &today(), true)
            .choice(
                "labour_status",
                &seeker
                    .as_ref()
                    .map(|s| s.labour_status.clone())
                    .unwrap_or_default(),
                &choices!(ctx, LabourStatus),
                true,
            )
            .choice("education", "", &choices!(ctx, IscedLevel), true)
            .several("groups", &[], &choices!(ctx, DisadvantagedGroup))
            .choice("activity_id", "", &opened_by, false)
            .section(
                "participation",
                ctx.t("participation-new"),
                format!("/persons/{id}/employment/participations"),
                "action-save",
            )
    });
    // The person's checks, read once: retention by placement, the six-month follow-ups apart.
    let (follow_ups, checks): (Vec<OutcomeCheckRow>, Vec<OutcomeCheckRow>) = state
        .store
        .person_checks(&user.principal, id)
        .await?
        .into_iter()
        .partition(|c| c.kind == "six_month");
    let ef = EmploymentFilter {
        person_id: Some(id.to_owned()),
        limit: 500,
        ..Default::default()
    };
    let mut placements = Vec::new();
    for pl in state.store.job_placements(&user.principal, &ef).await? {
        let checks = checks
            .iter()
            .filter(|c| c.subject_id == pl.id)
            .cloned()
            .collect();
        let section = (head.can_edit && pl.ended_on.is_none()).then(|| {
            Form::new(&ctx, &sent, &pl.id)
                .date("ended_on", "", true)
                .choice("end_reason", "", &choices!(ctx, PlacementEnd), true)
                .section(
                    &pl.id,
                    ctx.t("placement-end"),
                    format!(
                        "/persons/{id}/employment/placements/{}/end?version={}",
                        pl.id, pl.version
                    ),
                    "action-save",
                )
        });
        placements.push((pl, checks, section));
    }
    let employers = if head.can_edit {
        nearby(state, user, &p, &["employer"]).await?
    } else {
        vec![]
    };
    let new_placement = head.can_edit.then(|| {
        Form::new(&ctx, &sent, "placement")
            .choice("employer_id", "", &employers, true)
            .text("occupation", "", true)
            .date("started_on", &today(), true)
            .choice("contract_type", "", &choices!(ctx, ContractType), true)
            .number("hours_per_week", "", 1, 80)
            .choice("wage_band", "", &choices!(ctx, WageBand), false)
            .choice("social_security", "", &choices!(ctx, SocialSecurity), true)
            .yes_no("subsidised", None)
            .choice("programme_code", "", &programmes, false)
            .long("note", "")
            .section(
                "placement",
                ctx.t("placement-new"),
                format!("/persons/{id}/employment/placements"),
                "action-save",
            )
    });
    Ok(render(&EmploymentPage {
        ctx,
        head,
        seeker,
        seeker_form,
        courses,
        participations,
        new_participation,
        placements,
        new_placement,
        follow_ups,
    })?
    .into_response())
}

pub async fn employment_page(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param(id): Param<String>,
) -> AppResult<Response> {
    employment_view(&state, ctx, &user, &id, Sent::default()).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct OptionalVersion {
    pub version: Option<i64>,
}

pub async fn save_seeker(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param(id): Param<String>,
    QueryArgs(v): QueryArgs<OptionalVersion>,
    FormBody(pairs): FormBody<Pairs>,
) -> AppResult<Response> {
    let result = async {
        let d: JobSeekerDraft = parse(&pairs)?;
        let j = d.validate(&today())?;
        Ok(state
            .store
            .save_job_seeker(&ctx.actor(), &user.principal, &id, v.version, &j)
            .await?)
    }
    .await;
    after(
        result,
        &state,
        ctx,
        &user,
        &id,
        Tab::Employment,
        "seeker",
        pairs,
    )
    .await
}

pub async fn enter(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param(id): Param<String>,
    FormBody(pairs): FormBody<Pairs>,
) -> AppResult<Response> {
    let result = async {
        let d: EntryDraft = parse(&pairs)?;
        let e = d.validate(&today())?;
        Ok(state
            .store
            .enter_programme(&ctx.actor(), &user.principal, &id, &e)
            .await?)
    }
    .await;
    after(
        result,
        &state,
        ctx,
        &user,
        &id,
        Tab::Employment,
        "participation",
        pairs,
    )
    .await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ExitForm {
    pub left_on: String,
    pub results: Vec<String>,
}

pub async fn leave(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param((id, xid)): Param<(String, String)>,
    QueryArgs(v): QueryArgs<VersionArg>,
    FormBody(pairs): FormBody<Pairs>,
) -> AppResult<Response> {
    let result = async {
        let f: ExitForm = parse(&pairs)?;
        let x = exit(&f.left_on, &f.results, &today())?;
        Ok(state
            .store
            .leave_programme(&ctx.actor(), &user.principal, &xid, v.version, &x)
            .await?)
    }
    .await;
    after(
        result,
        &state,
        ctx,
        &user,
        &id,
        Tab::Employment,
        &xid,
        pairs,
    )
    .await
}

pub async fn add_placement(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param(id): Param<String>,
    FormBody(pairs): FormBody<Pairs>,
) -> AppResult<Response> {
    let result = async {
        let d: PlacementDraft = parse(&pairs)?;
        let x = d.validate(&today())?;
        Ok(state
            .store
            .add_job_placement(&ctx.actor(), &user.principal, &id, &x)
            .await?)
    }
    .await;
    after(
        result,
        &state,
        ctx,
        &user,
        &id,
        Tab::Employment,
        "placement",
        pairs,
    )
    .await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct EndForm {
    pub ended_on: String,
    pub end_reason: String,
}

pub async fn end_placement(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param((id, pid)): Param<(String, String)>,
    QueryArgs(v): QueryArgs<VersionArg>,
    FormBody(pairs): FormBody<Pairs>,
) -> AppResult<Response> {
    let result = async {
        let f: EndForm = parse(&pairs)?;
        let x = placement_ending(&f.ended_on, &f.end_reason, &today())?;
        Ok(state
            .store
            .end_job_placement(&ctx.actor(), &user.principal, &pid, v.version, &x)
            .await?)
    }
    .await;
    after(
        result,
        &state,
        ctx,
        &user,
        &id,
        Tab::Employment,
        &pid,
        pairs,
    )
    .await
}

impl EducationPage {
    pub fn tone(&self, status: &str) -> &'static str {
        match status {
            "attending_regularly" | "completed" => "ok",
            "enrolled" => "info",
            "irregular_attendance" => "warn",
            _ => "bad",
        }
    }
    pub fn supports(&self, e: &EnrolmentRow) -> Vec<String> {
        kopru_store::columns::split_list(&e.supports)
            .iter()
            .map(|s| self.ctx.l("school-support", s))
            .collect()
    }
}

impl EmploymentPage {
    pub fn seeker_facts(&self, s: &JobSeekerRow) -> Vec<(String, String)> {
        let ctx = &self.ctx;
        let list = |t: &str| {
            serde_json::from_str::<Vec<String>>(t)
                .unwrap_or_default()
                .join(", ")
        };
        let opt = |v: &Option<String>| v.clone().unwrap_or_else(|| "—".into());
        let groups: Vec<String> = kopru_store::columns::split_list(&s.groups)
            .iter()
            .map(|g| ctx.l("disadvantaged-group", g))
            .collect();
        vec![
            (ctx.t("field-status"), ctx.l("seeker-status", &s.status)),
            (
                ctx.t("field-agency"),
                format!(
                    "{} {} {}",
                    ctx.l("employment-agency", &s.agency),
                    opt(&s.agency_number),
                    s.registered_on
                        .as_deref()
                        .map(|d| ctx.tr.date(d))
                        .unwrap_or_default()
                ),
            ),
            (ctx.t("field-occupations"), list(&s.occupations)),
            (
                ctx.t("field-labour-status"),
                ctx.l("labour-status", &s.labour_status),
            ),
            (
                ctx.t("field-availability"),
                ctx.l("availability", &s.availability),
            ),
            (ctx.t("field-languages"), list(&s.languages)),
            (ctx.t("field-driving-licence"), opt(&s.driving_licence)),
            (ctx.t("field-skills"), opt(&s.skills)),
            (ctx.t("field-groups"), groups.join(", ")),
        ]
    }
    pub fn retention_label(&self, months: &i64) -> String {
        self.ctx.t(&format!("timeline-retention-{months}"))
    }
    pub fn check_tone(&self, w: &str) -> &'static str {
        match w {
            "same_employer" | "other_employer" => "ok",
            "unreachable" => "warn",
            _ => "bad",
        }
    }
    pub fn list(&self, csv: &str) -> Vec<String> {
        kopru_store::columns::split_list(csv)
    }
}
