//! Areas, programmes, units and institutions.

use crate::context::{Auth, Ctx};
use crate::error::{AppError, AppResult};
use crate::extract::Param;
use crate::extract::{FormBody, QueryArgs};
use crate::pages::{
    changed_fields, form_errors, query_string, render, version_of, FormErrors, Pager, PAGE_SIZE,
};
use crate::records::{record_pages, RecordForm, RecordFormPage};
use crate::AppState;
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;
use kopru_domain::reference::{Institution, Unit};
use kopru_domain::reference::{
    InstitutionDraft, InstitutionKind, ProgrammeDraft, ServiceKind, UnitDraft, UnitKind,
};
use kopru_domain::{Action, ValidationErrors};
use kopru_store::directory::{Area, InstitutionRow, ListFilter, ProgrammeRow, UnitRow};
use serde::Deserialize;

/// The pages of this file.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/areas", get(areas_page))
        .route("/programmes", get(programmes_page))
        .route("/programmes/new", get(programme_new).post(programme_create))
        .route(
            "/programmes/{id}",
            get(programme_edit).post(programme_update),
        )
        .route("/units", get(units_page))
        .route("/units/new", get(unit_new).post(unit_create))
        .route("/units/{id}", get(unit_edit).post(unit_update))
        .route("/institutions", get(institutions_page))
        .route(
            "/institutions/new",
            get(institution_new).post(institution_create),
        )
        .route(
            "/institutions/{id}",
            get(institution_edit).post(institution_update),
        )
}

// ---------- areas ----------

#[derive(Deserialize, Default)]
pub struct AreaQuery {
    #[serde(default)]
    parent: String,
    #[serde(default)]
    q: String,
    /// `options`: answer with `<option>`s for a picker.
    #[serde(default)]
    format: String,
    /// The picker sends the field's own name.
    #[serde(default)]
    area_code: String,
    #[serde(default)]
    area: String,
    #[serde(default)]
    to_area: String,
}

#[derive(Template)]
#[template(path = "areas.html")]
pub struct AreasPage {
    pub ctx: Ctx,
    pub path: Vec<Area>,
    pub areas: Vec<Area>,
    pub q: String,
    pub parent: String,
}

#[derive(Template)]
#[template(
    source = "{% for a in areas %}<option value=\"{{ a.code }}\">{{ tr.area_name(a.name, a.name_alt) }} ({{ a.code }})</option>{% endfor %}",
    ext = "html"
)]
pub struct AreaOptions {
    pub tr: crate::i18n::Tr,
    pub areas: Vec<Area>,
}

pub async fn areas_page(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    QueryArgs(q): QueryArgs<AreaQuery>,
) -> AppResult<Response> {
    let parent = q.parent.trim().to_ascii_uppercase();
    let parent_opt = (!parent.is_empty()).then_some(parent.as_str());
    // The picker sends the value under its own field's name.
    let text = [
        q.q.trim(),
        q.area_code.trim(),
        q.area.trim(),
        q.to_area.trim(),
    ]
    .into_iter()
    .find(|t| !t.is_empty())
    .unwrap_or("");
    if q.format == "options" {
        let areas = if text.is_empty() {
            Vec::new()
        } else {
            let home = state.store.home_areas(&user.principal).await?;
            state
                .store
                .areas_near(None, Some(text), 30, Some(&home))
                .await?
        };
        return Ok(render(&AreaOptions { tr: ctx.tr, areas })?.into_response());
    }
    if let Some(p) = parent_opt {
        if state.store.area(p).await?.is_none() {
            return Err(AppError::NotFound);
        }
    }
    let areas = state
        .store
        .areas(parent_opt, (!text.is_empty()).then_some(text), 1000)
        .await?;
    let path = match parent_opt {
        Some(p) => state.store.area_path(p).await?,
        None => Vec::new(),
    };
    Ok(render(&AreasPage {
        ctx,
        path,
        areas,
        q: text.to_owned(),
        parent,
    })?
    .into_response())
}

// ---------- shared list query ----------

#[derive(Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    area: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    page: Option<i64>,
}

impl ListQuery {
    fn filter(&self) -> ListFilter {
        ListFilter {
            q: Some(self.q.clone()),
            area: Some(self.area.clone()),
            kind: Some(self.kind.clone()),
            limit: PAGE_SIZE,
            offset: Pager::offset(self.page.unwrap_or(1)),
        }
    }
    fn base(&self) -> String {
        query_string(&[("q", &self.q), ("area", &self.area), ("kind", &self.kind)])
    }
}

/// (value, label) pairs for a `<select>`.
fn options<T: Copy>(
    ctx: &Ctx,
    all: &[T],
    value: impl Fn(T) -> &'static str,
    msg: impl Fn(T) -> String,
) -> Vec<(String, String)> {
    all.iter()
        .map(|k| (value(*k).to_owned(), ctx.t(&msg(*k))))
        .collect()
}

fn unit_kinds(ctx: &Ctx) -> Vec<(String, String)> {
    options(ctx, UnitKind::ALL, UnitKind::as_str, UnitKind::message_id)
}
fn institution_kinds(ctx: &Ctx) -> Vec<(String, String)> {
    options(
        ctx,
        InstitutionKind::ALL,
        InstitutionKind::as_str,
        InstitutionKind::message_id,
    )
}
fn service_kinds(ctx: &Ctx) -> Vec<(String, String)> {
    options(
        ctx,
        ServiceKind::ALL,
        ServiceKind::as_str,
        ServiceKind::message_id,
    )
}

// ---------- programmes ----------

#[derive(Template)]
#[template(path = "programmes.html")]
pub struct ProgrammesPage {
    pub ctx: Ctx,
    pub programmes: Vec<ProgrammeRow>,
}

impl ProgrammesPage {
    /// Each result area with the link to its activities.
    pub fn result_area_links(&self, p: &ProgrammeRow) -> Vec<(String, String)> {
        p.result_area_list()
            .into_iter()
            .map(|area| {
                let link = format!(
                    "/activities?{}",
                    crate::pages::query_string(&[("programme", &p.code), ("result_area", &area)])
                );
                (area, link)
            })
            .collect()
    }
}

pub async fn programmes_page(
    State(state): State<AppState>,
    Auth(ctx, _): Auth,
) -> AppResult<Response> {
    let programmes = state.store.programmes().await?;
    Ok(render(&ProgrammesPage { ctx, programmes })?.into_response())
}

#[derive(Deserialize, Default, Clone)]
pub struct ProgrammeForm {
    #[serde(default)]
    pub code: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub donor: String,
    #[serde(default)]
    pub starts_on: String,
    #[serde(default)]
    pub ends_on: String,
    #[serde(default)]
    pub result_areas: String,
    #[serde(default)]
    pub version: String,
}

impl ProgrammeForm {
    fn draft(&self) -> ProgrammeDraft {
        ProgrammeDraft {
            code: self.code.clone(),
            name: self.name.clone(),
            donor: self.donor.clone(),
            starts_on: self.starts_on.clone(),
            ends_on: self.ends_on.clone(),
            result_areas: self.result_areas.lines().map(str::to_owned).collect(),
        }
    }
    fn from_row(r: &ProgrammeRow) -> Self {
        ProgrammeForm {
            code: r.code.clone(),
            name: r.name.clone(),
            donor: r.donor.clone().unwrap_or_default(),
            starts_on: r.starts_on.clone().unwrap_or_default(),
            ends_on: r.ends_on.clone().unwrap_or_default(),
            result_areas: r.result_area_list().join("\n"),
            version: r.version.to_string(),
        }
    }
}

#[derive(Template)]
#[template(path = "programme_form.html")]
pub struct ProgrammeFormPage {
    pub ctx: Ctx,
    pub id: Option<String>,
    pub form: ProgrammeForm,
    pub errors: FormErrors,
    pub conflict: Vec<(String, String, String)>,
    pub can_edit: bool,
}

pub async fn programme_new(Auth(ctx, user): Auth) -> AppResult<Response> {
    if !user.principal.may(Action::ManageProgrammes) {
        return Err(AppError::Forbidden);
    }
    let page = ProgrammeFormPage {
        ctx,
        id: None,
        form: ProgrammeForm::default(),
        errors: FormErrors::default(),
        conflict: vec![],
        can_edit: true,
    };
    Ok(render(&page)?.into_response())
}

pub async fn programme_create(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    FormBody(form): FormBody<ProgrammeForm>,
) -> AppResult<Response> {
    let result = match form.draft().validate() {
        Ok(p) => state
            .store
            .create_programme(&ctx.actor(), &user.principal, &p)
            .await
            .map_err(AppError::from),
        Err(e) => Err(AppError::Invalid(e)),
    };
    match result {
        Ok(_) => Ok(Redirect::to("/programmes").into_response()),
        Err(e) => {
            let errors = form_errors(ctx.tr, e)?;
            let page = ProgrammeFormPage {
                ctx,
                id: None,
                form,
                errors,
                conflict: vec![],
                can_edit: true,
            };
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
        }
    }
}

pub async fn programme_edit(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param(id): Param<String>,
) -> AppResult<Response> {
    let row = state
        .store
        .programme(&id)
        .await?
        .ok_or(AppError::NotFound)?;
    let can_edit = user.principal.may(Action::ManageProgrammes);
    let page = ProgrammeFormPage {
        ctx,
        id: Some(id),
        form: ProgrammeForm::from_row(&row),
        errors: FormErrors::default(),
        conflict: vec![],
        can_edit,
    };
    Ok(render(&page)?.into_response())
}

pub async fn programme_update(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param(id): Param<String>,
    FormBody(form): FormBody<ProgrammeForm>,
) -> AppResult<Response> {
    let version = version_of(&form.version)?;
    let result = match form.draft().validate() {
        Ok(p) => state
            .store
            .update_programme(&ctx.actor(), &user.principal, &id, version, &p)
            .await
            .map_err(AppError::from),
        Err(e) => Err(AppError::Invalid(e)),
    };
    match result {
        Ok(_) => Ok(Redirect::to("/programmes").into_response()),
        Err(AppError::Conflict { .. }) => {
            let row = state
                .store
                .programme(&id)
                .await?
                .ok_or(AppError::NotFound)?;
            let current = ProgrammeForm::from_row(&row);
            let conflict = changed_fields(
                &ctx,
                &[
                    ("code", &form.code, &current.code),
                    ("name", &form.name, &current.name),
                    ("donor", &form.donor, &current.donor),
                    ("starts_on", &form.starts_on, &current.starts_on),
                    ("ends_on", &form.ends_on, &current.ends_on),
                    ("result_areas", &form.result_areas, &current.result_areas),
                ],
            );
            let page = ProgrammeFormPage {
                ctx,
                id: Some(id),
                form: current,
                errors: FormErrors::default(),
                conflict,
                can_edit: true,
            };
            Ok((StatusCode::CONFLICT, render(&page)?).into_response())
        }
        Err(e) => {
            let errors = form_errors(ctx.tr, e)?;
            let page = ProgrammeFormPage {
                ctx,
                id: Some(id),
                form,
                errors,
                conflict: vec![],
                can_edit: true,
            };
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
        }
    }
}

// ---------- units ----------

#[derive(Template)]
#[template(path = "units.html")]
pub struct UnitsPage {
    pub ctx: Ctx,
    pub rows: Vec<UnitRow>,
    pub pager: Pager,
    pub q: String,
    pub area: String,
    pub kind: String,
    pub kinds: Vec<(String, String)>,
}

pub async fn units_page(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    QueryArgs(q): QueryArgs<ListQuery>,
) -> AppResult<Response> {
    let page = state.store.units(&user.principal, &q.filter()).await?;
    let pager = Pager::new(q.page.unwrap_or(1), page.total, q.base());
    let kinds = unit_kinds(&ctx);
    let p = UnitsPage {
        ctx,
        rows: page.rows,
        pager,
        q: q.q,
        area: q.area,
        kind: q.kind,
        kinds,
    };
    Ok(render(&p)?.into_response())
}

#[derive(Deserialize, Default, Clone)]
pub struct UnitForm {
    #[serde(default)]
    pub code: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub area_code: String,
    #[serde(default)]
    pub programme_code: String,
    #[serde(default)]
    pub address: String,
    #[serde(default)]
    pub phone: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub version: String,
}

impl RecordForm for UnitForm {
    type Row = UnitRow;
    fn validate(&self) -> Result<Unit, ValidationErrors> {
        UnitDraft {
            code: self.code.clone(),
            name: self.name.clone(),
            kind: self.kind.clone(),
            area_code: self.area_code.clone(),
            programme_code: self.programme_code.clone(),
            address: self.address.clone(),
            phone: self.phone.clone(),
            email: self.email.clone(),
        }
        .validate()
    }
    fn from_row(r: &UnitRow) -> Self {
        UnitForm {
            code: r.code.clone(),
            name: r.name.clone(),
            kind: r.kind.clone(),
            area_code: r.area_code.clone(),
            programme_code: r.programme_code.clone().unwrap_or_default(),
            address: r.address.clone().unwrap_or_default(),
            phone: r.phone.clone().unwrap_or_default(),
            email: r.email.clone().unwrap_or_default(),
            version: r.version.to_string(),
        }
    }
    fn version(&self) -> &str {
        &self.version
    }
    fn shown(&self) -> Vec<(&'static str, String)> {
        vec![
            ("code", self.code.clone()),
            ("name", self.name.clone()),
            ("kind", self.kind.clone()),
            ("area_code", self.area_code.clone()),
            ("programme_code", self.programme_code.clone()),
        ]
    }
}

#[derive(Template)]
#[template(path = "unit_form.html")]
pub struct UnitFormPage {
    pub ctx: Ctx,
    pub id: Option<String>,
    pub form: UnitForm,
    pub errors: FormErrors,
    pub conflict: Vec<(String, String, String)>,
    pub kinds: Vec<(String, String)>,
    pub programmes: Vec<ProgrammeRow>,
    pub can_edit: bool,
}

impl RecordFormPage for UnitFormPage {
    type Form = UnitForm;
    async fn build(
        state: &AppState,
        ctx: Ctx,
        id: Option<String>,
        form: UnitForm,
        can_edit: bool,
    ) -> AppResult<Self> {
        let kinds = unit_kinds(&ctx);
        let programmes = state.store.programmes().await?;
        Ok(UnitFormPage {
            ctx,
            id,
            form,
            errors: FormErrors::default(),
            conflict: vec![],
            kinds,
            programmes,
            can_edit,
        })
    }
    fn errors(&mut self) -> &mut FormErrors {
        &mut self.errors
    }
    fn conflict(&mut self) -> &mut Vec<(String, String, String)> {
        &mut self.conflict
    }
    fn saved(row: &UnitRow) -> String {
        format!("/units?q={}", row.code)
    }
}

record_pages!(
    UnitFormPage,
    UnitForm,
    unit_new,
    unit_create,
    unit_edit,
    unit_update
);

// ---------- institutions ----------

#[derive(Template)]
#[template(path = "institutions.html")]
pub struct InstitutionsPage {
    pub ctx: Ctx,
    pub rows: Vec<InstitutionRow>,
    pub pager: Pager,
    pub q: String,
    pub area: String,
    pub kind: String,
    pub kinds: Vec<(String, String)>,
}

pub async fn institutions_page(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    QueryArgs(q): QueryArgs<ListQuery>,
) -> AppResult<Response> {
    let page = state
        .store
        .institutions(&user.principal, &q.filter())
        .await?;
    let pager = Pager::new(q.page.unwrap_or(1), page.total, q.base());
    let kinds = institution_kinds(&ctx);
    let p = InstitutionsPage {
        ctx,
        rows: page.rows,
        pager,
        q: q.q,
        area: q.area,
        kind: q.kind,
        kinds,
    };
    Ok(render(&p)?.into_response())
}

#[derive(Deserialize, Default, Clone)]
pub struct InstitutionForm {
    #[serde(default)]
    pub code: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub area_code: String,
    #[serde(default)]
    pub address: String,
    #[serde(default)]
    pub phone: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub contact_person: String,
    #[serde(default)]
    pub services: Vec<String>,
    #[serde(default)]
    pub sector: String,
    #[serde(default)]
    pub size: String,
    #[serde(default)]
    pub version: String,
}

impl InstitutionForm {
    pub fn has_service(&self, s: &str) -> bool {
        self.services.iter().any(|x| x == s)
    }
}

impl RecordForm for InstitutionForm {
    type Row = InstitutionRow;
    fn validate(&self) -> Result<Institution, ValidationErrors> {
        InstitutionDraft {
            code: self.code.clone(),
            name: self.name.clone(),
            kind: self.kind.clone(),
            area_code: self.area_code.clone(),
            address: self.address.clone(),
            phone: self.phone.clone(),
            email: self.email.clone(),
            contact_person: self.contact_person.clone(),
            services: self.services.clone(),
            sector: self.sector.clone(),
            size: self.size.clone(),
        }
        .validate()
    }
    fn from_row(r: &InstitutionRow) -> Self {
        InstitutionForm {
            code: r.code.clone(),
            name: r.name.clone(),
            kind: r.kind.clone(),
            area_code: r.area_code.clone(),
            address: r.address.clone().unwrap_or_default(),
            phone: r.phone.clone().unwrap_or_default(),
            email: r.email.clone().unwrap_or_default(),
            contact_person: r.contact_person.clone().unwrap_or_default(),
            services: kopru_store::directory::split_list(&r.services),
            sector: r.sector.clone().unwrap_or_default(),
            size: r.size.clone().unwrap_or_default(),
            version: r.version.to_string(),
        }
    }
    fn version(&self) -> &str {
        &self.version
    }
    fn shown(&self) -> Vec<(&'static str, String)> {
        vec![
            ("code", self.code.clone()),
            ("name", self.name.clone()),
            ("kind", self.kind.clone()),
            ("area_code", self.area_code.clone()),
            ("address", self.address.clone()),
            ("phone", self.phone.clone()),
            ("email", self.email.clone()),
            ("contact_person", self.contact_person.clone()),
            ("services", self.services.join(", ")),
            ("sector", self.sector.clone()),
            ("size", self.size.clone()),
        ]
    }
}

#[derive(Template)]
#[template(path = "institution_form.html")]
pub struct InstitutionFormPage {
    pub ctx: Ctx,
    pub id: Option<String>,
    pub form: InstitutionForm,
    pub errors: FormErrors,
    pub conflict: Vec<(String, String, String)>,
    pub kinds: Vec<(String, String)>,
    pub services: Vec<(String, String)>,
    pub sizes: Vec<(&'static str, String)>,
    pub can_edit: bool,
}

impl RecordFormPage for InstitutionFormPage {
    type Form = InstitutionForm;
    async fn build(
        _: &AppState,
        ctx: Ctx,
        id: Option<String>,
        form: InstitutionForm,
        can_edit: bool,
    ) -> AppResult<Self> {
        let kinds = institution_kinds(&ctx);
        let services = service_kinds(&ctx);
        let sizes = kopru_domain::employment::EmployerSize::ALL
            .iter()
            .map(|s| (s.as_str(), ctx.t(&s.message_id())))
            .collect();
        Ok(InstitutionFormPage {
            ctx,
            id,
            form,
            errors: FormErrors::default(),
            conflict: vec![],
            kinds,
            services,
            sizes,
            can_edit,
        })
    }
    fn errors(&mut self) -> &mut FormErrors {
        &mut self.errors
    }
    fn conflict(&mut self) -> &mut Vec<(String, String, String)> {
        &mut self.conflict
    }
    fn saved(row: &InstitutionRow) -> String {
        format!("/institutions?q={}", row.code)
    }
}

record_pages!(
    InstitutionFormPage,
    InstitutionForm,
    institution_new,
    institution_create,
    institution_edit,
    institution_update
);
