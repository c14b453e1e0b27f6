//! Registry pages: search, person and household forms and records.

use crate::context::{Auth, Ctx, SignedIn};
use crate::error::{AppError, AppResult};
use crate::extract::{FormBody, Param, QueryArgs};
use crate::pages::{form_errors, render, FormErrors};
use crate::registry::service::{
    create_person_checked, date_or_today, membership_reason, split_parts, today,
    update_person_checked, validate_consent, ConsentInput, HouseholdInput, PersonInput, SplitInput,
    SplitMember,
};
use crate::service::ServiceError;
use crate::AppState;
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use kopru_domain::person::{
    ConsentPurpose, Education, Group, IdCard, IdType, LegalBasis, Relationship, SpecialCategory,
    Statelessness, Tenure, YesNoUnknown,
};
use kopru_domain::Action;
use kopru_store::dedup::Candidate;
use kopru_store::directory::{ListFilter, UnitRow};
use kopru_store::registry::{
    ConsentRow, HistoryRow, HouseholdRow, MemberRow, PersonFilter, PersonRow, SpecialValue,
};
use serde::Deserialize;

/// The pages of this file.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/persons", get(persons_page))
        .route("/persons/new", get(person_new).post(person_create))
        .route("/persons/{id}", get(person_detail))
        .route("/persons/{id}/edit", get(person_edit).post(person_update))
        .route("/persons/{id}/consents", post(consent_add))
        .route("/persons/{id}/transfers", post(person_transfer_request))
        .route(
            "/person-transfers/{id}/answer",
            post(person_transfer_answer),
        )
        .route(
            "/persons/{id}/consents/{cid}/withdraw",
            post(consent_withdraw),
        )
        .route("/persons/{id}/special", post(special_set))
        .route("/households/new", get(household_new).post(household_create))
        .route("/households/{id}", get(household_detail))
        .route("/households/{id}/split", post(household_split))
        .route("/households/{id}/merge", post(household_merge))
        .route(
            "/households/{id}/edit",
            get(household_edit).post(household_update),
        )
        .route("/households/{id}/members/{mid}/end", post(member_end))
}

const PAGE: i64 = 50;

/// (value, label) options for a closed list, labels from `<prefix>-<value>`.
fn opts(
    ctx: &Ctx,
    prefix: &str,
    values: impl IntoIterator<Item = &'static str>,
) -> Vec<(String, String)> {
    values
        .into_iter()
        .map(|v| {
            (
                v.to_owned(),
                ctx.t(&format!("{prefix}-{}", v.replace('_', "-"))),
            )
        })
        .collect()
}

#[derive(Deserialize, Default)]
pub struct SearchQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    page: Option<i64>,
}

#[derive(Template)]
#[template(path = "persons.html")]
pub struct PersonsPage {
    pub ctx: Ctx,
    pub q: String,
    pub rows: Vec<PersonRow>,
    pub page: i64,
    pub has_more: bool,
    pub can_edit: bool,
    pub can_export: bool,
    pub can_import: bool,
    /// Planned and running activities everyone found may be enrolled in: (id, title).
    pub open_activities: Vec<(String, String)>,
}

impl PersonsPage {
    /// (column, label, checked by default) for the export form.
    pub fn export_columns(&self) -> Vec<(&'static str, String, bool)> {
        crate::registry::export::PERSON_COLUMNS
            .iter()
            .map(|c| {
                (
                    *c,
                    self.ctx.t(&format!("field-{}", c.replace('_', "-"))),
                    crate::registry::export::DEFAULT_COLUMNS.contains(c),
                )
            })
            .collect()
    }
}

impl PersonsPage {
    pub fn next_link(&self) -> String {
        crate::pages::query_string(&[("q", &self.q), ("page", &(self.page + 1).to_string())])
    }
    pub fn prev_link(&self) -> String {
        crate::pages::query_string(&[("q", &self.q), ("page", &(self.page - 1).to_string())])
    }
}

pub async fn persons_page(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    QueryArgs(q): QueryArgs<SearchQuery>,
) -> AppResult<Response> {
    if !user.principal.may(Action::ViewPersons) {
        return Err(AppError::Forbidden);
    }
    let page = q.page.unwrap_or(1).max(1);
    let mut rows = state
        .store
        .persons(
            &user.principal,
            &PersonFilter {
                q: Some(q.q.clone()),
                limit: PAGE,
                offset: (page - 1) * PAGE,
                ..Default::default()
            },
        )
        .await?;
    let has_more = rows.len() as i64 > PAGE;
    rows.truncate(PAGE as usize);
    let can_edit = user.principal.may(Action::EditPersons);
    let can_export = user.principal.may(Action::ExportPersons);
    let can_import = user.principal.may(Action::ImportPersons);
    let open_activities = if !rows.is_empty() && !q.q.trim().is_empty() {
        crate::pages::open_activities(&state, &user, "", ctx.tr.tag()).await?
    } else {
        Vec::new()
    };
    Ok(render(&PersonsPage {
        ctx,
        q: q.q,
        rows,
        page,
        has_more,
        can_edit,
        can_export,
        can_import,
        open_activities,
    })?
    .into_response())
}

/// The person form's fields, as the browser sends them.
#[derive(Deserialize, Default, Clone)]
pub struct PersonForm {
    #[serde(default)]
    pub given_names: String,
    #[serde(default)]
    pub family_name: String,
    #[serde(default)]
    pub father_name: String,
    #[serde(default)]
    pub mother_name: String,
    #[serde(default)]
    pub aliases: String,
    #[serde(default)]
    pub sex: String,
    #[serde(default)]
    pub birth_date: String,
    #[serde(default)]
    pub birth_estimated: String,
    #[serde(default)]
    pub id_type: String,
    #[serde(default)]
    pub national_id: String,
    #[serde(default)]
    pub nationality: String,
    #[serde(default)]
    pub phone: String,
    #[serde(default)]
    pub languages: String,
    #[serde(default)]
    pub education: String,
    #[serde(default)]
    pub birth_registered: String,
    #[serde(default)]
    pub id_card: String,
    #[serde(default)]
    pub statelessness: String,
    #[serde(default)]
    pub legally_invisible: String,
    #[serde(default)]
    pub groups: Vec<String>,
    #[serde(default)]
    pub unit_code: String,
    #[serde(default)]
    pub area_code: String,
    #[serde(default)]
    pub household_id: String,
    #[serde(default)]
    pub relationship: String,
    #[serde(default)]
    pub version: String,
    #[serde(default)]
    pub confirm_new: String,
}

impl PersonForm {
    /// A new person's form: every answer "not known" until someone gives it,
    /// so that nothing is recorded that nobody said (not a sex, a schooling,
    /// a birth registration, an ID or a status picked by the form's order).
    pub fn blank() -> Self {
        let unknown = || "unknown".to_owned();
        PersonForm {
            sex: unknown(),
            education: unknown(),
            birth_registered: unknown(),
            id_card: unknown(),
            statelessness: unknown(),
            ..PersonForm::default()
        }
    }

    fn input(&self) -> PersonInput {
        let opt = |s: &str| (!s.trim().is_empty()).then(|| s.to_owned());
        PersonInput {
            given_names: self.given_names.clone(),
            family_name: self.family_name.clone(),
            father_name: opt(&self.father_name),
            mother_name: opt(&self.mother_name),
            aliases: self.aliases.lines().map(str::to_owned).collect(),
            sex: opt(&self.sex),
            birth_date: opt(&self.birth_date),
            birth_estimated: !self.birth_estimated.is_empty(),
            birth_precision: None,
            id_type: opt(&self.id_type),
            national_id: opt(&self.national_id),
            nationality: opt(&self.nationality),
            phone: opt(&self.phone),
            languages: self
                .languages
                .split([',', ';'])
                .map(str::to_owned)
                .collect(),
            education: opt(&self.education),
            birth_registered: opt(&self.birth_registered),
            id_card: opt(&self.id_card),
            statelessness: opt(&self.statelessness),
            legally_invisible: !self.legally_invisible.is_empty(),
            groups: self.groups.clone(),
            unit_code: self.unit_code.clone(),
            area_code: self.area_code.clone(),
            household_id: opt(&self.household_id),
            relationship: opt(&self.relationship),
            version: self.version.trim().parse().ok(),
            confirm_new: !self.confirm_new.is_empty(),
        }
    }

    fn from_row(r: &PersonRow) -> Self {
        let list = PersonRow::list;
        PersonForm {
            given_names: r.given_names.clone(),
            family_name: r.family_name.clone(),
            father_name: r.father_name.clone().unwrap_or_default(),
            mother_name: r.mother_name.clone().unwrap_or_default(),
            aliases: list(&r.aliases).join("\n"),
            sex: r.sex.clone(),
            birth_date: r.birth_date.clone().unwrap_or_default(),
            birth_estimated: if r.birth_precision.as_deref() == Some("estimated") {
                "1".into()
            } else {
                String::new()
            },
            id_type: r.id_type.clone().unwrap_or_default(),
            national_id: r.national_id.clone().unwrap_or_default(),
            nationality: r.nationality.clone().unwrap_or_default(),
            phone: r.phone.clone().unwrap_or_default(),
            languages: list(&r.languages).join(", "),
            education: r.education.clone(),
            birth_registered: r.birth_registered.clone(),
            id_card: r.id_card.clone(),
            statelessness: r.statelessness.clone(),
            legally_invisible: if r.legally_invisible != 0 {
                "1".into()
            } else {
                String::new()
            },
            groups: list(&r.groups_list),
            unit_code: r.unit_code.clone(),
            area_code: r.area_code.clone(),
            household_id: r.household_id.clone().unwrap_or_default(),
            relationship: String::new(),
            version: r.version.to_string(),
            confirm_new: String::new(),
        }
    }

    pub fn has_group(&self, g: &str) -> bool {
        self.groups.iter().any(|x| x == g)
    }
}

#[derive(Template)]
#[template(path = "person_form.html")]
pub struct PersonFormPage {
    pub ctx: Ctx,
    pub id: Option<String>,
    pub form: PersonForm,
    pub errors: FormErrors,
    pub candidates: Vec<Candidate>,
    pub conflict: Vec<(String, String, String)>,
    pub units: Vec<UnitRow>,
    pub sexes: Vec<(String, String)>,
    pub id_types: Vec<(String, String)>,
    pub educations: Vec<(String, String)>,
    pub yes_no: Vec<(String, String)>,
    pub id_cards: Vec<(String, String)>,
    pub statelessness: Vec<(String, String)>,
    pub groups: Vec<(String, String)>,
    pub relationships: Vec<(String, String)>,
}

impl PersonFormPage {
    async fn new(
        state: &AppState,
        ctx: Ctx,
        user: &SignedIn,
        id: Option<String>,
        form: PersonForm,
    ) -> AppResult<Self> {
        let units = state
            .store
            .units(
                &user.principal,
                &ListFilter {
                    limit: 500,
                    ..Default::default()
                },
            )
            .await?
            .rows;
        Ok(PersonFormPage {
            sexes: opts(&ctx, "sex", ["female", "male", "unknown"]),
            id_types: opts(&ctx, "id-type", IdType::ALL.iter().map(|v| v.as_str())),
            educations: opts(&ctx, "education", Education::ALL.iter().map(|v| v.as_str())),
            yes_no: opts(&ctx, "answer", YesNoUnknown::ALL.iter().map(|v| v.as_str())),
            id_cards: opts(&ctx, "id-card", IdCard::ALL.iter().map(|v| v.as_str())),
            statelessness: opts(
                &ctx,
                "statelessness",
                Statelessness::ALL.iter().map(|v| v.as_str()),
            ),
            groups: opts(&ctx, "group", Group::ALL.iter().map(|v| v.as_str())),
            relationships: opts(
                &ctx,
                "relationship",
                Relationship::ALL.iter().map(|v| v.as_str()),
            ),
            ctx,
            id,
            form,
            errors: FormErrors::default(),
            candidates: Vec::new(),
            conflict: Vec::new(),
            units,
        })
    }

    pub fn reason(&self, id: &str) -> String {
        self.ctx.t(id)
    }
    pub fn percent(&self, score: &f64) -> String {
        format!("{:.0}%", score * 100.0)
    }
}

#[derive(Deserialize, Default)]
pub struct NewPersonQuery {
    #[serde(default)]
    household: String,
}

pub async fn person_new(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    QueryArgs(q): QueryArgs<NewPersonQuery>,
) -> AppResult<Response> {
    if !user.principal.may(Action::EditPersons) {
        return Err(AppError::Forbidden);
    }
    let mut form = PersonForm::blank();
    if !q.household.is_empty() {
        let hh = state.store.household(&user.principal, &q.household).await?;
        form.household_id = hh.id;
        form.unit_code = hh.unit_code;
        form.area_code = hh.area_code;
        form.relationship = "child".into();
    }
    let page = PersonFormPage::new(&state, ctx, &user, None, form).await?;
    Ok(render(&page)?.into_response())
}

pub async fn person_create(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    FormBody(form): FormBody<PersonForm>,
) -> AppResult<Response> {
    match create_person_checked(&state.store, &ctx.actor(), &user.principal, &form.input()).await {
        Ok((row, _)) => Ok(Redirect::to(&format!("/persons/{}", row.id)).into_response()),
        Err(ServiceError::PossibleDuplicates(candidates)) => {
            let mut page = PersonFormPage::new(&state, ctx, &user, None, form).await?;
            page.candidates = candidates;
            Ok((StatusCode::CONFLICT, render(&page)?).into_response())
        }
        Err(e) => {
            let errors = form_errors(ctx.tr, e.into())?;
            let mut page = PersonFormPage::new(&state, ctx, &user, None, form).await?;
            page.errors = errors;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
        }
    }
}

pub async fn person_edit(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param(id): Param<String>,
) -> AppResult<Response> {
    let row = state
        .store
        .person(&ctx.actor(), &user.principal, &id)
        .await?;
    let page =
        PersonFormPage::new(&state, ctx, &user, Some(id), PersonForm::from_row(&row)).await?;
    Ok(render(&page)?.into_response())
}

pub async fn person_update(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param(id): Param<String>,
    FormBody(form): FormBody<PersonForm>,
) -> AppResult<Response> {
    let input = form.input();
    if input.version.is_none() {
        return Err(AppError::BadRequest("err-version"));
    }
    match update_person_checked(&state.store, &ctx.actor(), &user.principal, &id, &input).await {
        Ok(_) => Ok(Redirect::to(&format!("/persons/{id}")).into_response()),
        Err(ServiceError::PossibleDuplicates(candidates)) => {
            let mut page = PersonFormPage::new(&state, ctx, &user, Some(id), form).await?;
            page.candidates = candidates;
            Ok((StatusCode::CONFLICT, render(&page)?).into_response())
        }
        Err(ServiceError::Store(kopru_store::StoreError::Conflict { .. })) => {
            let row = state
                .store
                .person(&ctx.actor(), &user.principal, &id)
                .await?;
            let current = PersonForm::from_row(&row);
            let conflict = crate::pages::changed_fields(
                &ctx,
                &[
                    ("given_names", &form.given_names, &current.given_names),
                    ("family_name", &form.family_name, &current.family_name),
                    ("father_name", &form.father_name, &current.father_name),
                    ("birth_date", &form.birth_date, &current.birth_date),
                    ("national_id", &form.national_id, &current.national_id),
                    ("phone", &form.phone, &current.phone),
                    ("area_code", &form.area_code, &current.area_code),
                ],
            );
            let mut page = PersonFormPage::new(&state, ctx, &user, Some(id), current).await?;
            page.conflict = conflict;
            Ok((StatusCode::CONFLICT, render(&page)?).into_response())
        }
        Err(e) => {
            let errors = form_errors(ctx.tr, e.into())?;
            let mut page = PersonFormPage::new(&state, ctx, &user, Some(id), form).await?;
            page.errors = errors;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
        }
    }
}

/// A special category the viewer may read and write: (category, current value, notes, choices).
pub type SpecialRow = (String, String, Option<String>, Vec<(String, String)>);

#[derive(Template)]
#[template(path = "person.html")]
pub struct PersonPage {
    pub ctx: Ctx,
    pub p: PersonRow,
    pub household: Option<HouseholdRow>,
    pub members: Vec<MemberRow>,
    pub consents: Vec<ConsentRow>,
    pub special: Vec<SpecialRow>,
    pub history: Vec<HistoryRow>,
    pub merges: Vec<kopru_store::dedup::MergeRow>,
    pub can_edit: bool,
    pub has_services_consent: bool,
    pub purposes: Vec<(String, String)>,
    pub bases: Vec<(String, String)>,
    /// Institution kinds a referral-sharing consent may be limited to.
    pub institution_kinds: Vec<(String, String)>,
    pub cases: Vec<kopru_store::casework::CaseRow>,
    pub can_open_case: bool,
    pub transfers: Vec<kopru_store::registry::transfers::PersonTransferRow>,
    /// The activities the person took part in.
    pub activities: Vec<kopru_store::activities::PersonActivityRow>,
    pub show_person: bool,
    /// Civil documents requested, obtained or refused.
    pub documents: Vec<kopru_store::outcomes::DocumentRow>,
    /// Outcomes across education, health, documents, employment, cases and activities, the latest first.
    pub timeline: Vec<kopru_store::outcomes::timeline::OutcomeStep>,
    pub errors: FormErrors,
}

/// Languages a consent text is given in: the four of the interface and Romani.
const CONSENT_LANGUAGES: [&str; 5] = ["tr", "sr-Cyrl", "sr-Latn", "en", "rom"];

impl PersonPage {
    /// An outcome step in words: its message ids translated and joined.
    pub fn what(&self, e: &kopru_store::outcomes::timeline::OutcomeStep) -> String {
        e.what
            .iter()
            .map(|id| self.ctx.t(id))
            .collect::<Vec<_>>()
            .join(" · ")
    }

    /// (code, name) of the languages a consent can be given in.
    pub fn consent_languages(&self) -> Vec<(&'static str, String)> {
        CONSENT_LANGUAGES
            .iter()
            .map(|l| (*l, self.consent_language(l)))
            .collect()
    }
    pub fn is_reader_language(&self, code: &str) -> bool {
        code == self.ctx.tr.tag()
    }
    /// A consent language's name; an unlisted code (from an import) as it is.
    pub fn consent_language(&self, code: &str) -> String {
        match kopru_domain::Locale::parse(code) {
            Some(l) if l.tag() == code => l.native_name().to_owned(),
            _ if code == "rom" => self.ctx.t("consent-language-rom"),
            _ => code.to_owned(),
        }
    }
    /// Under 18 today (the rule the store applies to a consent's day):
    /// a consent then needs who gave it.
    pub fn is_child(&self) -> bool {
        kopru_domain::person::was_child_on(self.p.birth_date.as_deref(), &today())
    }
    /// The kinds a consent covers, in words ("every kind" when unlimited).
    pub fn covers(&self, c: &ConsentRow) -> String {
        match &c.institution_kinds {
            None => String::new(),
            Some(json) => serde_json::from_str::<Vec<String>>(json)
                .unwrap_or_default()
                .iter()
                .map(|k| self.ctx.l("institution-kind", k))
                .collect::<Vec<_>>()
                .join(", "),
        }
    }
    pub fn birth(&self) -> String {
        birth_display(&self.ctx, &self.p.birth_date, &self.p.birth_precision)
    }
    pub fn label(&self, prefix: &str, v: &str) -> String {
        self.ctx.t(&format!("{prefix}-{}", v.replace('_', "-")))
    }
    pub fn list(&self, text: &str) -> Vec<String> {
        PersonRow::list(text)
    }
    /// The script a name is written in, named in the viewer's language.
    pub fn script(&self, name: &str) -> String {
        self.ctx.t(&format!(
            "script-{}",
            kopru_domain::search::script_of(name).to_ascii_lowercase()
        ))
    }
    pub fn field_name(&self, f: &str) -> String {
        self.ctx.t(&format!("field-{}", f.replace('_', "-")))
    }
}

/// "1985", "≈1985", "03.1985", "12.03.1985": a birth date shown as precisely as it is known.
pub fn birth_display(ctx: &Ctx, date: &Option<String>, precision: &Option<String>) -> String {
    let Some(d) = date else { return String::new() };
    match precision.as_deref() {
        Some("estimated") => format!("≈{d}"),
        Some("year") => d.clone(),
        Some("month") => match ctx.locale() {
            kopru_domain::Locale::En => d.clone(),
            _ => format!("{}.{}", &d[5..7.min(d.len())], &d[..4]),
        },
        _ => ctx.tr.date(d),
    }
}

async fn person_view(
    state: &AppState,
    ctx: Ctx,
    user: &SignedIn,
    id: &str,
    errors: FormErrors,
) -> AppResult<PersonPage> {
    let p = state
        .store
        .person(&ctx.actor(), &user.principal, id)
        .await?;
    let (household, members) = match &p.household_id {
        Some(h) => (
            Some(state.store.household(&user.principal, h).await?),
            state.store.household_members(&user.principal, h).await?,
        ),
        None => (None, Vec::new()),
    };
    let consents = state.store.consents(&user.principal, id).await?;
    let has_services_consent = consents
        .iter()
        .any(|c| c.purpose == "services" && c.withdrawn_on.is_none());
    let (readable, values) = state
        .store
        .special_view(&ctx.actor(), &user.principal, id)
        .await?;
    // One row per category the user may read (and so write): current value, notes, choices.
    let mut special = Vec::new();
    for c in SpecialCategory::ALL {
        if !readable.contains(c) {
            continue;
        }
        let v: Option<&SpecialValue> = values.iter().find(|(k, _)| k == c).map(|(_, v)| v);
        let choices = SpecialValue::choices(*c)
            .iter()
            .map(|ch| {
                (
                    (*ch).to_owned(),
                    ctx.t(&format!("special-value-{}", ch.replace('_', "-"))),
                )
            })
            .collect();
        special.push((
            c.as_str().to_owned(),
            v.map(|v| v.value.clone())
                .unwrap_or_else(|| "not_stated".into()),
            v.and_then(|v| v.notes.clone()),
            choices,
        ));
    }
    let history = state.store.person_history(&user.principal, id).await?;
    let merges = state.store.merges_of(&user.principal, id).await?;
    // A record merged into another is read-only until unmerged.
    let can_edit = user.principal.may(Action::EditPersons) && p.merged_into.is_none();
    let cases = if user.principal.may(Action::ViewCases) {
        state
            .store
            .cases(
                &user.principal,
                &kopru_store::casework::CaseFilter {
                    person_id: Some(id.to_owned()),
                    limit: 50,
                    ..Default::default()
                },
            )
            .await?
    } else {
        Vec::new()
    };
    let can_open_case = user.principal.may(Action::EditCases) && p.merged_into.is_none();
    let transfers = state.store.person_transfers(&user.principal, id).await?;
    let activities = state.store.person_activities(&user.principal, id).await?;
    let documents = state.store.documents(&user.principal, id).await?;
    let timeline = state
        .store
        .outcome_timeline(&user.principal, id, ctx.tr.tag())
        .await?;
    Ok(PersonPage {
        timeline,
        transfers,
        activities,
        documents,
        show_person: false,
        institution_kinds: opts(
            &ctx,
            "institution-kind",
            kopru_domain::reference::InstitutionKind::ALL
                .iter()
                .map(|v| v.as_str()),
        ),
        cases,
        can_open_case,
        purposes: opts(
            &ctx,
            "purpose",
            ConsentPurpose::ALL.iter().map(|v| v.as_str()),
        ),
        bases: opts(&ctx, "basis", LegalBasis::ALL.iter().map(|v| v.as_str())),
        ctx,
        p,
        household,
        members,
        consents,
        special,
        history,
        merges,
        can_edit,
        has_services_consent,
        errors,
    })
}

pub async fn person_detail(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param(id): Param<String>,
) -> AppResult<Response> {
    Ok(
        render(&person_view(&state, ctx, &user, &id, FormErrors::default()).await?)?
            .into_response(),
    )
}

#[derive(Deserialize, Default)]
pub struct ConsentForm {
    #[serde(default)]
    purpose: String,
    #[serde(default)]
    legal_basis: String,
    #[serde(default)]
    text_version: String,
    #[serde(default)]
    language: String,
    #[serde(default)]
    given_on: String,
    #[serde(default)]
    institution_kinds: Vec<String>,
    #[serde(default)]
    given_by: String,
}

pub async fn consent_add(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param(id): Param<String>,
    FormBody(f): FormBody<ConsentForm>,
) -> AppResult<Response> {
    let input = ConsentInput {
        purpose: f.purpose,
        legal_basis: f.legal_basis,
        text_version: f.text_version,
        language: f.language,
        given_on: Some(f.given_on),
        institution_kinds: f.institution_kinds,
        given_by: Some(f.given_by),
    };
    let checked = match validate_consent(&input) {
        Ok(consent) => {
            match state
                .store
                .record_consent(&ctx.actor(), &user.principal, &id, &consent)
                .await
            {
                Ok(_) => Ok(()),
                Err(kopru_store::StoreError::Invalid(e)) => Err(e),
                Err(e) => return Err(e.into()),
            }
        }
        Err(e) => Err(e),
    };
    match checked {
        Ok(()) => Ok(Redirect::to(&format!("/persons/{id}#consent")).into_response()),
        Err(e) => {
            let page =
                person_view(&state, ctx.clone(), &user, &id, FormErrors::new(ctx.tr, &e)).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct TransferForm {
    pub to_unit: String,
    pub to_area: String,
    pub reason: String,
}

/// Asks another unit to take the person over (the person page's form).
pub async fn person_transfer_request(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param(id): Param<String>,
    FormBody(f): FormBody<TransferForm>,
) -> AppResult<Response> {
    let r = state
        .store
        .request_person_transfer(
            &ctx.actor(),
            &user.principal,
            &id,
            &f.to_unit,
            &f.to_area,
            &f.reason,
        )
        .await;
    match r {
        Ok(_) => Ok(Redirect::to(&format!("/persons/{id}#transfer")).into_response()),
        Err(e) => {
            let errors = crate::pages::form_errors(ctx.tr, e.into())?;
            let page = person_view(&state, ctx.clone(), &user, &id, errors).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct TransferAnswerForm {
    pub accept: String,
    pub note: String,
}

/// The receiving coordinator's answer, from "my work".
pub async fn person_transfer_answer(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param(id): Param<String>,
    FormBody(f): FormBody<TransferAnswerForm>,
) -> AppResult<Response> {
    state
        .store
        .answer_person_transfer(
            &ctx.actor(),
            &user.principal,
            &id,
            f.accept == "1",
            Some(f.note.as_str()),
        )
        .await?;
    Ok(Redirect::to("/my-work").into_response())
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct WithdrawForm {
    pub reason: String,
}

pub async fn consent_withdraw(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param((id, cid)): Param<(String, String)>,
    FormBody(f): FormBody<WithdrawForm>,
) -> AppResult<Response> {
    let reason = crate::registry::service::withdrawal_reason(&f.reason)?;
    state
        .store
        .withdraw_consent(
            &ctx.actor(),
            &user.principal,
            &id,
            &cid,
            &today(),
            reason.as_deref(),
        )
        .await?;
    Ok(Redirect::to(&format!("/persons/{id}#consent")).into_response())
}

#[derive(Deserialize, Default)]
pub struct SpecialForm {
    #[serde(default)]
    category: String,
    #[serde(default)]
    value: String,
    #[serde(default)]
    notes: String,
}

pub async fn special_set(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param(id): Param<String>,
    FormBody(f): FormBody<SpecialForm>,
) -> AppResult<Response> {
    let c = SpecialCategory::parse(&f.category).map_err(|_| AppError::BadRequest("err-form"))?;
    let result = match SpecialValue::validate(c, &f.value, &f.notes) {
        Ok(v) => state
            .store
            .set_special(&ctx.actor(), &user.principal, &id, c, v.as_ref())
            .await
            .map_err(AppError::from),
        Err(e) => Err(AppError::Invalid(e)),
    };
    match result {
        Ok(()) => Ok(Redirect::to(&format!("/persons/{id}#special")).into_response()),
        Err(e) => {
            let errors = form_errors(ctx.tr, e)?;
            let page = person_view(&state, ctx, &user, &id, errors).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
        }
    }
}

// ---------- households ----------

#[derive(Deserialize, Default, Clone)]
pub struct HouseholdForm {
    #[serde(default)]
    pub unit_code: String,
    #[serde(default)]
    pub area_code: String,
    #[serde(default)]
    pub address: String,
    #[serde(default)]
    pub settlement: String,
    #[serde(default)]
    pub latitude: String,
    #[serde(default)]
    pub longitude: String,
    #[serde(default)]
    pub tenure: String,
    #[serde(default)]
    pub rooms: String,
    #[serde(default)]
    pub tap_water: String,
    #[serde(default)]
    pub indoor_toilet: String,
    #[serde(default)]
    pub electricity: String,
    #[serde(default)]
    pub damp_roof: String,
    #[serde(default)]
    pub version: String,
}

impl HouseholdForm {
    /// A new household's form: tenure and amenities "not known" until asked.
    pub fn blank() -> Self {
        let unknown = || "unknown".to_owned();
        HouseholdForm {
            tenure: unknown(),
            tap_water: unknown(),
            indoor_toilet: unknown(),
            electricity: unknown(),
            damp_roof: unknown(),
            ..HouseholdForm::default()
        }
    }

    fn draft(&self) -> kopru_domain::person::HouseholdDraft {
        kopru_domain::person::HouseholdDraft {
            unit_code: self.unit_code.clone(),
            area_code: self.area_code.clone(),
            address: self.address.clone(),
            settlement: self.settlement.clone(),
            latitude: self.latitude.clone(),
            longitude: self.longitude.clone(),
            tenure: self.tenure.clone(),
            rooms: self.rooms.clone(),
            tap_water: self.tap_water.clone(),
            indoor_toilet: self.indoor_toilet.clone(),
            electricity: self.electricity.clone(),
            damp_roof: self.damp_roof.clone(),
        }
    }
    fn from_row(h: &HouseholdRow) -> Self {
        HouseholdForm {
            unit_code: h.unit_code.clone(),
            area_code: h.area_code.clone(),
            address: h.address.clone().unwrap_or_default(),
            settlement: h.settlement.clone().unwrap_or_default(),
            latitude: h.latitude.map(|v| v.to_string()).unwrap_or_default(),
            longitude: h.longitude.map(|v| v.to_string()).unwrap_or_default(),
            tenure: h.tenure.clone(),
            rooms: h.rooms.map(|v| v.to_string()).unwrap_or_default(),
            tap_water: h.tap_water.clone(),
            indoor_toilet: h.indoor_toilet.clone(),
            electricity: h.electricity.clone(),
            damp_roof: h.damp_roof.clone(),
            version: h.version.to_string(),
        }
    }
}

#[derive(Template)]
#[template(path = "household_form.html")]
pub struct HouseholdFormPage {
    pub ctx: Ctx,
    pub id: Option<String>,
    pub form: HouseholdForm,
    pub errors: FormErrors,
    pub units: Vec<UnitRow>,
    pub tenures: Vec<(String, String)>,
    pub yes_no: Vec<(String, String)>,
    pub conflict: Vec<(String, String, String)>,
}

impl HouseholdFormPage {
    async fn new(
        state: &AppState,
        ctx: Ctx,
        user: &SignedIn,
        id: Option<String>,
        form: HouseholdForm,
    ) -> AppResult<Self> {
        let units = state
            .store
            .units(
                &user.principal,
                &ListFilter {
                    limit: 500,
                    ..Default::default()
                },
            )
            .await?
            .rows;
        Ok(HouseholdFormPage {
            tenures: opts(&ctx, "tenure", Tenure::ALL.iter().map(|v| v.as_str())),
            yes_no: opts(&ctx, "answer", YesNoUnknown::ALL.iter().map(|v| v.as_str())),
            ctx,
            id,
            form,
            errors: FormErrors::default(),
            units,
            conflict: Vec::new(),
        })
    }
    /// The housing questions, with the form's current answers.
    pub fn housing(&self) -> Vec<(&'static str, String, String)> {
        [
            ("tap_water", &self.form.tap_water),
            ("indoor_toilet", &self.form.indoor_toilet),
            ("electricity", &self.form.electricity),
            ("damp_roof", &self.form.damp_roof),
        ]
        .into_iter()
        .map(|(f, v)| {
            (
                f,
                self.ctx.t(&format!("field-{}", f.replace('_', "-"))),
                v.clone(),
            )
        })
        .collect()
    }
}

pub async fn household_new(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
) -> AppResult<Response> {
    if !user.principal.may(Action::EditPersons) {
        return Err(AppError::Forbidden);
    }
    Ok(
        render(&HouseholdFormPage::new(&state, ctx, &user, None, HouseholdForm::blank()).await?)?
            .into_response(),
    )
}

pub async fn household_create(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    FormBody(form): FormBody<HouseholdForm>,
) -> AppResult<Response> {
    let result = match form.draft().validate() {
        Ok(h) => state
            .store
            .create_household(&ctx.actor(), &user.principal, &h)
            .await
            .map_err(AppError::from),
        Err(e) => Err(AppError::Invalid(e)),
    };
    match result {
        Ok(row) => Ok(Redirect::to(&format!("/households/{}", row.id)).into_response()),
        Err(e) => {
            let errors = form_errors(ctx.tr, e)?;
            let mut page = HouseholdFormPage::new(&state, ctx, &user, None, form).await?;
            page.errors = errors;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
        }
    }
}

pub async fn household_edit(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param(id): Param<String>,
) -> AppResult<Response> {
    let row = state.store.household(&user.principal, &id).await?;
    Ok(render(
        &HouseholdFormPage::new(&state, ctx, &user, Some(id), HouseholdForm::from_row(&row))
            .await?,
    )?
    .into_response())
}

pub async fn household_update(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param(id): Param<String>,
    FormBody(form): FormBody<HouseholdForm>,
) -> AppResult<Response> {
    let version: i64 = form
        .version
        .trim()
        .parse()
        .map_err(|_| AppError::BadRequest("err-version"))?;
    let result = match form.draft().validate() {
        Ok(h) => state
            .store
            .update_household(&ctx.actor(), &user.principal, &id, version, &h)
            .await
            .map_err(AppError::from),
        Err(e) => Err(AppError::Invalid(e)),
    };
    match result {
        Ok(_) => Ok(Redirect::to(&format!("/households/{id}")).into_response()),
        Err(AppError::Conflict { .. }) => {
            let row = state.store.household(&user.principal, &id).await?;
            let current = HouseholdForm::from_row(&row);
            let conflict = crate::pages::changed_fields(
                &ctx,
                &[
                    ("address", &form.address, &current.address),
                    ("settlement", &form.settlement, &current.settlement),
                    ("area_code", &form.area_code, &current.area_code),
                ],
            );
            let mut page = HouseholdFormPage::new(&state, ctx, &user, Some(id), current).await?;
            page.conflict = conflict;
            Ok((StatusCode::CONFLICT, render(&page)?).into_response())
        }
        Err(e) => {
            let errors = form_errors(ctx.tr, e)?;
            let mut page = HouseholdFormPage::new(&state, ctx, &user, Some(id), form).await?;
            page.errors = errors;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
        }
    }
}

#[derive(Template)]
#[template(path = "household.html")]
pub struct HouseholdPage {
    /// School-age members with no place on a school's roll this school year.
    pub out_of_school: Vec<kopru_store::outcomes::education::ChildOutOfSchool>,
    pub ctx: Ctx,
    pub h: HouseholdRow,
    pub members: Vec<MemberRow>,
    pub can_edit: bool,
    pub relationships: Vec<&'static str>,
    /// Other open households of the same area: (id, address).
    /// The households found by the merge picker's search, (id, label).
    pub merge_targets: Vec<(String, String)>,
    pub merge_q: String,
    /// The activities the current members took part in.
    pub activities: Vec<kopru_store::activities::PersonActivityRow>,
    pub show_person: bool,
    /// Planned and running activities of the household's unit: (id, title).
    pub open_activities: Vec<(String, String)>,
}

impl HouseholdPage {
    pub fn label(&self, prefix: &str, v: &str) -> String {
        self.ctx.t(&format!("{prefix}-{}", v.replace('_', "-")))
    }
    pub fn birth(&self, m: &MemberRow) -> String {
        birth_display(&self.ctx, &m.birth_date, &m.birth_precision)
    }
    pub fn current(&self) -> Vec<&MemberRow> {
        self.members
            .iter()
            .filter(|m| m.left_on.is_none())
            .collect()
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct HouseholdQuery {
    /// The merge picker's search: a member's name or part of the address.
    pub merge_q: String,
}

/// Households the merge picker offers for one search.
const MERGE_CHOICES: i64 = 20;

pub async fn household_detail(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param(id): Param<String>,
    QueryArgs(query): QueryArgs<HouseholdQuery>,
) -> AppResult<Response> {
    let h = state.store.household(&user.principal, &id).await?;
    let members = state.store.household_members(&user.principal, &id).await?;
    let can_edit = user.principal.may(Action::EditPersons) && h.merged_into.is_none();
    let merge_q = query.merge_q.trim().chars().take(100).collect::<String>();
    let merge_targets = if can_edit && merge_q.chars().count() >= 2 {
        state
            .store
            .find_households(&user.principal, &h.area_code, &merge_q, MERGE_CHOICES + 1)
            .await?
            .into_iter()
            .filter(|o| o.id != h.id && o.merged_into.is_none())
            .map(|o| {
                let label = [o.address.clone(), o.settlement.clone()]
                    .into_iter()
                    .flatten()
                    .collect::<Vec<_>>()
                    .join(" · ");
                (o.id, label)
            })
            .collect()
    } else {
        Vec::new()
    };
    let activities = state
        .store
        .household_activities(&user.principal, &h.id)
        .await?;
    let out_of_school = state
        .store
        .children_out_of_school(&user.principal, &h.id)
        .await?;
    let open_activities = if can_edit {
        crate::pages::open_activities(&state, &user, &h.unit_code, ctx.tr.tag()).await?
    } else {
        Vec::new()
    };
    Ok(render(&HouseholdPage {
        out_of_school,
        ctx,
        h,
        members,
        can_edit,
        relationships: Relationship::ALL.iter().map(|r| r.as_str()).collect(),
        merge_targets,
        merge_q,
        activities,
        show_person: true,
        open_activities,
    })?
    .into_response())
}

#[derive(Deserialize, Default)]
pub struct SplitForm {
    /// One per current member: empty (stays) or `person_id|relationship`.
    #[serde(default)]
    r#move: Vec<String>,
    #[serde(default)]
    address: String,
    #[serde(default)]
    settlement: String,
    #[serde(default)]
    on: String,
}

pub async fn household_split(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param(id): Param<String>,
    FormBody(f): FormBody<SplitForm>,
) -> AppResult<Response> {
    let old = state.store.household(&user.principal, &id).await?;
    let input = SplitInput {
        members: f
            .r#move
            .iter()
            .filter_map(|v| v.split_once('|'))
            .map(|(p, r)| SplitMember {
                person_id: p.to_owned(),
                relationship: r.to_owned(),
            })
            .collect(),
        household: HouseholdInput {
            unit_code: old.unit_code,
            area_code: old.area_code,
            address: Some(f.address),
            settlement: Some(f.settlement),
            ..Default::default()
        },
        on: Some(f.on),
    };
    let (members, household, on) = split_parts(&input)?;
    let row = state
        .store
        .split_household(
            &ctx.actor(),
            &user.principal,
            &id,
            &members,
            &household,
            &on,
        )
        .await?;
    Ok(Redirect::to(&format!("/households/{}", row.id)).into_response())
}

#[derive(Deserialize, Default)]
pub struct MergeForm {
    #[serde(default)]
    into: String,
    #[serde(default)]
    version: i64,
    #[serde(default)]
    on: String,
}

/// Merges the household of the page into the chosen one.
pub async fn household_merge(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param(id): Param<String>,
    FormBody(f): FormBody<MergeForm>,
) -> AppResult<Response> {
    let on = date_or_today(Some(&f.on), "on")?;
    state
        .store
        .merge_households(&ctx.actor(), &user.principal, &f.into, &id, f.version, &on)
        .await?;
    Ok(Redirect::to(&format!("/households/{}", f.into)).into_response())
}

#[derive(Deserialize, Default)]
pub struct LeaveForm {
    #[serde(default)]
    reason: String,
}

pub async fn member_end(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param((id, mid)): Param<(String, String)>,
    FormBody(f): FormBody<LeaveForm>,
) -> AppResult<Response> {
    let reason = membership_reason(&f.reason, true)?;
    state
        .store
        .end_membership(&ctx.actor(), &user.principal, &mid, &today(), &reason)
        .await?;
    Ok(Redirect::to(&format!("/households/{id}")).into_response())
}
