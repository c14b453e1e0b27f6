//! `/api/v1/persons` and `/api/v1/households`.

use crate::context::Auth;
use crate::error::{AppError, AppResult, Problem};
use crate::extract::{JsonBody, Param, QueryArgs};
use crate::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use kopru_domain::person::{
    ConsentPurpose, HouseholdDraft, LegalBasis, PersonDraft, Relationship, SpecialCategory,
};
use kopru_domain::reference::InstitutionKind;
use kopru_domain::ValidationErrors;
pub use kopru_store::clock::today;
use kopru_store::registry::{
    ConsentRow, HistoryRow, HouseholdRow, MemberRow, NewConsent, PersonFilter, PersonRow,
    SpecialValue,
};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::{IntoParams, ToSchema};

#[derive(Deserialize, ToSchema, Default, Clone)]
#[serde(default)]
pub struct PersonInput {
    pub given_names: String,
    pub family_name: String,
    pub father_name: Option<String>,
    pub mother_name: Option<String>,
    pub aliases: Vec<String>,
    /// female, male, unknown
    pub sex: Option<String>,
    /// YYYY, YYYY-MM or YYYY-MM-DD
    pub birth_date: Option<String>,
    /// The year is a guess.
    pub birth_estimated: bool,
    /// As the API returns it: `estimated` has the same effect as `birth_estimated`.
    pub birth_precision: Option<String>,
    /// tr_tckn, rs_jmbg, other, foreign (guessed from the length when absent)
    pub id_type: Option<String>,
    pub national_id: Option<String>,
    pub nationality: Option<String>,
    pub phone: Option<String>,
    /// Lower-case language names or codes: romani, tr, sr, …
    pub languages: Vec<String>,
    pub education: Option<String>,
    pub birth_registered: Option<String>,
    pub id_card: Option<String>,
    pub statelessness: Option<String>,
    pub legally_invisible: bool,
    /// informal_settlement, migrant, internally_displaced, returnee, stateless
    pub groups: Vec<String>,
    pub unit_code: String,
    pub area_code: String,
    /// On creation: the household to join, and how.
    pub household_id: Option<String>,
    pub relationship: Option<String>,
    /// Required when updating: the version you read.
    pub version: Option<i64>,
    /// Create even though likely duplicates exist (they are then recorded as different people).
    pub confirm_new: bool,
}

impl PersonInput {
    pub fn draft(&self) -> PersonDraft {
        let o = |v: &Option<String>| v.clone().unwrap_or_default();
        PersonDraft {
            given_names: self.given_names.clone(),
            family_name: self.family_name.clone(),
            father_name: o(&self.father_name),
            mother_name: o(&self.mother_name),
            aliases: self.aliases.clone(),
            sex: o(&self.sex),
            birth_date: o(&self.birth_date),
            birth_estimated: self.birth_estimated
                || self.birth_precision.as_deref() == Some("estimated"),
            id_type: o(&self.id_type),
            national_id: o(&self.national_id),
            nationality: o(&self.nationality),
            phone: o(&self.phone),
            languages: self.languages.clone(),
            education: o(&self.education),
            birth_registered: o(&self.birth_registered),
            id_card: o(&self.id_card),
            statelessness: o(&self.statelessness),
            legally_invisible: self.legally_invisible,
            groups: self.groups.clone(),
            unit_code: self.unit_code.clone(),
            area_code: self.area_code.clone(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct PersonOut {
    #[serde(flatten)]
    pub person: PersonRow,
    /// Things worth checking that did not stop saving (message ids), e.g. warn-jmbg-birth-date.
    pub warnings: Vec<String>,
}

#[derive(Serialize, ToSchema)]
pub struct PersonList {
    pub items: Vec<PersonRow>,
    /// More rows follow (ask again with a larger offset).
    pub has_more: bool,
}

#[derive(Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
pub struct PersonParams {
    /// Any part of any name in any script or spelling, an ID or phone number, or part of an address.
    #[serde(default)]
    pub q: Option<String>,
    #[serde(default)]
    pub unit: Option<String>,
    #[serde(default)]
    pub area: Option<String>,
    #[serde(default)]
    pub limit: Option<i64>,
    #[serde(default)]
    pub offset: Option<i64>,
}

#[utoipa::path(get, path = "/api/v1/persons", tag = "registry", params(PersonParams),
    responses((status = 200, body = PersonList), (status = 401, body = Problem)))]
pub async fn list_persons(
    State(state): State<AppState>,
    Auth(_, user): Auth,
    QueryArgs(p): QueryArgs<PersonParams>,
) -> AppResult<Json<PersonList>> {
    if !user.principal.may(kopru_domain::Action::ViewPersons) {
        return Err(AppError::Forbidden);
    }
    let limit = p.limit.unwrap_or(50).clamp(1, 500);
    let mut items = state
        .store
        .persons(
            &user.principal,
            &PersonFilter {
                q: p.q,
                unit: p.unit,
                area: p.area,
                limit,
                offset: p.offset.unwrap_or(0),
                after: None,
            },
        )
        .await?;
    let has_more = items.len() as i64 > limit;
    items.truncate(limit as usize);
    Ok(Json(PersonList { items, has_more }))
}

/// Creates a person unless likely duplicates exist and `confirm_new` is not set.
pub async fn create_person_checked(
    state: &AppState,
    ctx: &crate::context::Ctx,
    user: &crate::context::SignedIn,
    input: &PersonInput,
) -> AppResult<(PersonRow, Vec<String>)> {
    let person = input.draft().validate(&today())?;
    let candidates = state
        .store
        .likely_duplicates(&user.principal, &person, None)
        .await?;
    if !candidates.is_empty() && !input.confirm_new {
        return Err(AppError::PossibleDuplicates(candidates));
    }
    let household = match (&input.household_id, &input.relationship) {
        (Some(h), r) if !h.is_empty() => {
            let rel = Relationship::parse(r.as_deref().unwrap_or("other_relative"))
                .map_err(|c| ValidationErrors::single("relationship", c))?;
            Some((h.as_str(), rel))
        }
        _ => None,
    };
    let row = state
        .store
        .create_person(&ctx.actor(), &user.principal, &person, household)
        .await?;
    for c in &candidates {
        state
            .store
            .record_duplicate_decision(
                &ctx.actor(),
                &user.principal,
                &row.id,
                &c.person.id,
                "different",
            )
            .await?;
    }
    Ok((
        row,
        person.warnings.iter().map(|w| (*w).to_owned()).collect(),
    ))
}

#[utoipa::path(post, path = "/api/v1/persons", tag = "registry", request_body = PersonInput,
    responses((status = 201, body = PersonOut), (status = 409, description = "Likely duplicates: `current.candidates` lists them; send again with confirm_new", body = Problem), (status = 422, body = Problem)))]
pub async fn create_person(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    JsonBody(input): JsonBody<PersonInput>,
) -> AppResult<Response> {
    let (person, warnings) = create_person_checked(&state, &ctx, &user, &input).await?;
    Ok((StatusCode::CREATED, Json(PersonOut { person, warnings })).into_response())
}

#[utoipa::path(get, path = "/api/v1/persons/{id}", tag = "registry", params(("id" = String, Path)),
    responses((status = 200, body = PersonRow), (status = 404, body = Problem)))]
pub async fn get_person(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param(id): Param<String>,
) -> AppResult<Json<PersonRow>> {
    Ok(Json(
        state
            .store
            .person(&ctx.actor(), &user.principal, &id)
            .await?,
    ))
}

#[utoipa::path(put, path = "/api/v1/persons/{id}", tag = "registry", params(("id" = String, Path)), request_body = PersonInput,
    responses((status = 200, body = PersonOut), (status = 404, body = Problem), (status = 409, description = "Stale version (`current` is the saved record), or likely duplicates (`current.candidates`; send again with confirm_new)", body = Problem), (status = 422, body = Problem)))]
pub async fn update_person(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param(id): Param<String>,
    JsonBody(input): JsonBody<PersonInput>,
) -> AppResult<Json<PersonOut>> {
    match update_person_checked(&state, &ctx, &user, &id, &input).await {
        Ok((person, warnings)) => Ok(Json(PersonOut { person, warnings })),
        Err(AppError::Conflict { .. }) => {
            let current = state
                .store
                .person(&ctx.actor(), &user.principal, &id)
                .await?;
            Err(AppError::Conflict {
                current: serde_json::to_value(current).ok(),
            })
        }
        Err(e) => Err(e),
    }
}

/// Updates a person unless the edit makes it look like another record (and
/// `confirm_new` is not set) or the version is stale. Confirming records the
/// candidates as different people, so they are not shown again.
pub async fn update_person_checked(
    state: &AppState,
    ctx: &crate::context::Ctx,
    user: &crate::context::SignedIn,
    id: &str,
    input: &PersonInput,
) -> AppResult<(PersonRow, Vec<String>)> {
    let version = input
        .version
        .ok_or_else(|| ValidationErrors::single("version", "err-required"))?;
    let person = input.draft().validate(&today())?;
    let candidates = state
        .store
        .likely_duplicates(&user.principal, &person, Some(id))
        .await?;
    if !candidates.is_empty() && !input.confirm_new {
        return Err(AppError::PossibleDuplicates(candidates));
    }
    let row = state
        .store
        .update_person(&ctx.actor(), &user.principal, id, version, &person)
        .await?;
    for c in &candidates {
        state
            .store
            .record_duplicate_decision(&ctx.actor(), &user.principal, id, &c.person.id, "different")
            .await?;
    }
    Ok((
        row,
        person.warnings.iter().map(|w| (*w).to_owned()).collect(),
    ))
}

#[utoipa::path(get, path = "/api/v1/persons/{id}/history", tag = "registry", params(("id" = String, Path)),
    responses((status = 200, body = Vec<HistoryRow>), (status = 404, body = Problem)))]
pub async fn person_history(
    State(state): State<AppState>,
    Auth(_, user): Auth,
    Param(id): Param<String>,
) -> AppResult<Json<Vec<HistoryRow>>> {
    Ok(Json(
        state.store.person_history(&user.principal, &id).await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/persons/{id}/special", tag = "registry", params(("id" = String, Path)),
    responses((status = 200, description = "The special categories you may read, by category", body = BTreeMap<String, SpecialValue>), (status = 404, body = Problem)))]
pub async fn get_special(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param(id): Param<String>,
) -> AppResult<Json<BTreeMap<String, SpecialValue>>> {
    let values = state
        .store
        .special(&ctx.actor(), &user.principal, &id)
        .await?;
    Ok(Json(
        values
            .into_iter()
            .map(|(c, v)| (c.as_str().to_owned(), v))
            .collect(),
    ))
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(default)]
pub struct SpecialInput {
    /// ethnicity: roma, not_roma, not_stated; others: yes, no, not_stated. not_stated removes the record.
    pub value: String,
    pub notes: Option<String>,
}

#[utoipa::path(put, path = "/api/v1/persons/{id}/special/{category}", tag = "registry",
    params(("id" = String, Path), ("category" = String, Path, description = "ethnicity, health, disability, criminal_record, violence_survivor")),
    request_body = SpecialInput,
    responses((status = 204), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, description = "Invalid, or no consent for services", body = Problem)))]
pub async fn put_special(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param((id, category)): Param<(String, String)>,
    JsonBody(input): JsonBody<SpecialInput>,
) -> AppResult<StatusCode> {
    let c = SpecialCategory::parse(&category).map_err(|_| AppError::NotFound)?;
    let v = SpecialValue::validate(c, &input.value, input.notes.as_deref().unwrap_or(""))?;
    state
        .store
        .set_special(&ctx.actor(), &user.principal, &id, c, v.as_ref())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(default)]
pub struct ConsentInput {
    /// services, referral_sharing, statistics
    pub purpose: String,
    /// consent, explicit_consent, legal_obligation, vital_interest, public_task
    pub legal_basis: String,
    /// Which text the person was shown (e.g. "2026-01").
    pub text_version: String,
    /// The language it was shown in (tr, en, sr-Cyrl, sr-Latn, rom, …).
    pub language: String,
    /// YYYY-MM-DD; today when absent.
    pub given_on: Option<String>,
    /// For `referral_sharing`: the kinds of institution the person agreed to
    /// share with (school, family_health_centre, …); empty means every kind.
    pub institution_kinds: Vec<String>,
}

pub fn validate_consent(c: &ConsentInput) -> Result<NewConsent, ValidationErrors> {
    let mut e = ValidationErrors::new();
    let purpose = e.take("purpose", ConsentPurpose::parse(&c.purpose));
    let basis = e.take("legal_basis", LegalBasis::parse(&c.legal_basis));
    let version = e.take(
        "text_version",
        kopru_domain::codes::Label::parse(&c.text_version),
    );
    let language = e.take("language", kopru_domain::codes::Label::parse(&c.language));
    let on = match c.given_on.as_deref().filter(|s| !s.trim().is_empty()) {
        None => Some(today()),
        Some(d) => e.take(
            "given_on",
            kopru_domain::codes::optional_date(d).map(|x| x.unwrap_or_default()),
        ),
    };
    if let Some(d) = &on {
        if d.as_str() > today().as_str() {
            e.push("given_on", "err-date-future");
        }
    }
    let mut covers = Vec::new();
    for k in c.institution_kinds.iter().filter(|k| !k.trim().is_empty()) {
        if let Some(k) = e.take("institution_kinds", InstitutionKind::parse(k)) {
            if !covers.contains(&k) {
                covers.push(k);
            }
        }
    }
    if !covers.is_empty() && purpose != Some(ConsentPurpose::ReferralSharing) {
        e.push("institution_kinds", "err-consent-kinds-only-for-sharing");
    }
    match (purpose, basis, version, language, on) {
        (Some(purpose), Some(basis), Some(v), Some(l), Some(given_on)) if e.is_empty() => {
            Ok(NewConsent {
                purpose,
                basis,
                text_version: v.to_string(),
                language: l.to_string(),
                given_on,
                covers,
            })
        }
        _ => Err(e),
    }
}

#[utoipa::path(get, path = "/api/v1/persons/{id}/consents", tag = "registry", params(("id" = String, Path)),
    responses((status = 200, body = Vec<ConsentRow>), (status = 404, body = Problem)))]
pub async fn list_consents(
    State(state): State<AppState>,
    Auth(_, user): Auth,
    Param(id): Param<String>,
) -> AppResult<Json<Vec<ConsentRow>>> {
    Ok(Json(state.store.consents(&user.principal, &id).await?))
}

#[utoipa::path(post, path = "/api/v1/persons/{id}/consents", tag = "registry", params(("id" = String, Path)), request_body = ConsentInput,
    responses((status = 201, body = Vec<ConsentRow>), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn add_consent(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param(id): Param<String>,
    JsonBody(input): JsonBody<ConsentInput>,
) -> AppResult<Response> {
    let consent = validate_consent(&input)?;
    state
        .store
        .record_consent(&ctx.actor(), &user.principal, &id, &consent)
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(state.store.consents(&user.principal, &id).await?),
    )
        .into_response())
}

#[utoipa::path(post, path = "/api/v1/persons/{id}/consents/{cid}/withdraw", tag = "registry", params(("id" = String, Path), ("cid" = String, Path)),
    responses((status = 204), (status = 404, body = Problem)))]
pub async fn withdraw_consent(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param((id, cid)): Param<(String, String)>,
) -> AppResult<StatusCode> {
    state
        .store
        .withdraw_consent(&ctx.actor(), &user.principal, &id, &cid, &today())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, ToSchema, Default, Clone)]
#[serde(default)]
pub struct HouseholdInput {
    pub unit_code: String,
    pub area_code: String,
    pub address: Option<String>,
    /// Neighbourhood (mahalle) or settlement (naselje).
    pub settlement: Option<String>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    /// owner, tenant, social_housing, informal, other, unknown
    pub tenure: Option<String>,
    pub rooms: Option<i64>,
    /// yes, no, unknown
    pub tap_water: Option<String>,
    pub indoor_toilet: Option<String>,
    pub electricity: Option<String>,
    pub damp_roof: Option<String>,
    /// Required when updating.
    pub version: Option<i64>,
}

impl HouseholdInput {
    pub fn draft(&self) -> HouseholdDraft {
        let o = |v: &Option<String>| v.clone().unwrap_or_default();
        HouseholdDraft {
            unit_code: self.unit_code.clone(),
            area_code: self.area_code.clone(),
            address: o(&self.address),
            settlement: o(&self.settlement),
            latitude: self.latitude.map(|v| v.to_string()).unwrap_or_default(),
            longitude: self.longitude.map(|v| v.to_string()).unwrap_or_default(),
            tenure: o(&self.tenure),
            rooms: self.rooms.map(|v| v.to_string()).unwrap_or_default(),
            tap_water: o(&self.tap_water),
            indoor_toilet: o(&self.indoor_toilet),
            electricity: o(&self.electricity),
            damp_roof: o(&self.damp_roof),
        }
    }
}

#[derive(Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
pub struct HouseholdParams {
    /// Only households in this area or below it.
    #[serde(default)]
    pub area: Option<String>,
    #[serde(default)]
    pub limit: Option<i64>,
    #[serde(default)]
    pub offset: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct HouseholdList {
    pub items: Vec<HouseholdRow>,
    pub has_more: bool,
}

#[utoipa::path(get, path = "/api/v1/households", tag = "registry", params(HouseholdParams),
    responses((status = 200, body = HouseholdList), (status = 403, body = Problem)))]
pub async fn list_households(
    State(state): State<AppState>,
    Auth(_, user): Auth,
    QueryArgs(p): QueryArgs<HouseholdParams>,
) -> AppResult<Json<HouseholdList>> {
    if !user.principal.may(kopru_domain::Action::ViewPersons) {
        return Err(AppError::Forbidden);
    }
    let limit = p.limit.unwrap_or(50).clamp(1, 500);
    let mut items = state
        .store
        .households(
            &user.principal,
            p.area.as_deref(),
            limit,
            p.offset.unwrap_or(0),
        )
        .await?;
    let has_more = items.len() as i64 > limit;
    items.truncate(limit as usize);
    Ok(Json(HouseholdList { items, has_more }))
}

#[utoipa::path(post, path = "/api/v1/households", tag = "registry", request_body = HouseholdInput,
    responses((status = 201, body = HouseholdRow), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn create_household(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    JsonBody(input): JsonBody<HouseholdInput>,
) -> AppResult<Response> {
    let h = input.draft().validate()?;
    let row = state
        .store
        .create_household(&ctx.actor(), &user.principal, &h)
        .await?;
    Ok((StatusCode::CREATED, Json(row)).into_response())
}

#[utoipa::path(get, path = "/api/v1/households/{id}", tag = "registry", params(("id" = String, Path)),
    responses((status = 200, body = HouseholdRow), (status = 404, body = Problem)))]
pub async fn get_household(
    State(state): State<AppState>,
    Auth(_, user): Auth,
    Param(id): Param<String>,
) -> AppResult<Json<HouseholdRow>> {
    Ok(Json(state.store.household(&user.principal, &id).await?))
}

#[utoipa::path(put, path = "/api/v1/households/{id}", tag = "registry", params(("id" = String, Path)), request_body = HouseholdInput,
    responses((status = 200, body = HouseholdRow), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn update_household(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param(id): Param<String>,
    JsonBody(input): JsonBody<HouseholdInput>,
) -> AppResult<Json<HouseholdRow>> {
    let version = input
        .version
        .ok_or_else(|| ValidationErrors::single("version", "err-required"))?;
    let h = input.draft().validate()?;
    match state
        .store
        .update_household(&ctx.actor(), &user.principal, &id, version, &h)
        .await
    {
        Ok(row) => Ok(Json(row)),
        Err(kopru_store::StoreError::Conflict { .. }) => {
            let current = state.store.household(&user.principal, &id).await?;
            Err(AppError::Conflict {
                current: serde_json::to_value(current).ok(),
            })
        }
        Err(e) => Err(e.into()),
    }
}

#[utoipa::path(get, path = "/api/v1/households/{id}/members", tag = "registry", params(("id" = String, Path)),
    responses((status = 200, body = Vec<MemberRow>), (status = 404, body = Problem)))]
pub async fn list_members(
    State(state): State<AppState>,
    Auth(_, user): Auth,
    Param(id): Param<String>,
) -> AppResult<Json<Vec<MemberRow>>> {
    Ok(Json(
        state.store.household_members(&user.principal, &id).await?,
    ))
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(default)]
pub struct MemberInput {
    pub person_id: String,
    /// head, spouse, child, parent, sibling, grandchild, grandparent, other_relative, non_relative
    pub relationship: String,
    /// YYYY-MM-DD; today when absent.
    pub on: Option<String>,
    /// birth, move_in, marriage, split, merge, registration, other
    pub reason: Option<String>,
}

pub fn membership_reason(raw: &str, leaving: bool) -> Result<String, ValidationErrors> {
    let allowed: &[&str] = if leaving {
        &["moved_out", "death", "split", "merge", "marriage", "other"]
    } else {
        &[
            "birth",
            "move_in",
            "marriage",
            "split",
            "merge",
            "registration",
            "other",
        ]
    };
    let r = raw.trim();
    let r = if r.is_empty() { "other" } else { r };
    if allowed.contains(&r) {
        Ok(r.to_owned())
    } else {
        Err(ValidationErrors::single("reason", "err-choice"))
    }
}

/// A date field, or today when it is empty.
pub fn date_or_today(d: Option<&str>, field: &str) -> Result<String, ValidationErrors> {
    match d.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(today()),
        Some(v) => kopru_domain::codes::optional_date(v)
            .map(|x| x.unwrap_or_default())
            .map_err(|c| ValidationErrors::single(field, c)),
    }
}

#[utoipa::path(post, path = "/api/v1/households/{id}/members", tag = "registry", params(("id" = String, Path)), request_body = MemberInput,
    responses((status = 201, body = Vec<MemberRow>), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn add_member(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param(id): Param<String>,
    JsonBody(input): JsonBody<MemberInput>,
) -> AppResult<Response> {
    let rel = Relationship::parse(&input.relationship)
        .map_err(|c| ValidationErrors::single("relationship", c))?;
    let on = date_or_today(input.on.as_deref(), "on")?;
    let reason = membership_reason(input.reason.as_deref().unwrap_or(""), false)?;
    state
        .store
        .add_member(
            &ctx.actor(),
            &user.principal,
            &id,
            &input.person_id,
            rel,
            &on,
            &reason,
        )
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(state.store.household_members(&user.principal, &id).await?),
    )
        .into_response())
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(default)]
pub struct LeaveInput {
    pub on: Option<String>,
    /// moved_out, death, split, merge, marriage, other
    pub reason: Option<String>,
}

#[utoipa::path(post, path = "/api/v1/households/{id}/members/{mid}/end", tag = "registry", params(("id" = String, Path), ("mid" = String, Path)), request_body = LeaveInput,
    responses((status = 204), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn end_member(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param((_id, mid)): Param<(String, String)>,
    JsonBody(input): JsonBody<LeaveInput>,
) -> AppResult<StatusCode> {
    let on = date_or_today(input.on.as_deref(), "on")?;
    let reason = membership_reason(input.reason.as_deref().unwrap_or(""), true)?;
    state
        .store
        .end_membership(&ctx.actor(), &user.principal, &mid, &on, &reason)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
pub struct ImportParams {
    /// The unit for rows without a unit column.
    #[serde(default)]
    pub unit: Option<String>,
    /// The area for rows without an area column.
    #[serde(default)]
    pub area: Option<String>,
    /// A saved column mapping; otherwise columns are recognised by their headers.
    #[serde(default)]
    pub mapping: Option<String>,
    /// Validate and report without saving anything.
    #[serde(default)]
    pub dry_run: bool,
    /// `csv` or `xlsx`: answer with the rejected rows as a file instead of JSON.
    #[serde(default)]
    pub report: Option<String>,
}

/// The file import limit: larger than ordinary requests.
pub const MAX_IMPORT: usize = 25 * 1024 * 1024;

#[utoipa::path(post, path = "/api/v1/imports/persons", tag = "registry", params(ImportParams),
    request_body(content = Vec<u8>, description = "A CSV (UTF-8, Windows-1254 or Windows-1250; comma, semicolon or tab) or XLSX file", content_type = "application/octet-stream"),
    responses((status = 200, description = "Checked (dry run) or imported: the report", body = crate::import::ImportReport),
        (status = 202, description = "Still importing (a large file): follow the job at `Location`", body = crate::import_jobs::ImportJobOut),
        (status = 403, body = Problem), (status = 422, description = "Unreadable file, unmapped columns or unknown mapping", body = Problem)))]
pub async fn import_persons(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    QueryArgs(p): QueryArgs<ImportParams>,
    body: axum::body::Bytes,
) -> AppResult<Response> {
    if !user.principal.may(kopru_domain::Action::ImportPersons) {
        return Err(AppError::Forbidden);
    }
    let format = p.report.as_deref().map(report_format).transpose()?;
    let mapping = match &p.mapping {
        Some(name) if !name.is_empty() => Some(
            state
                .store
                .mapping(name)
                .await?
                .ok_or_else(|| ValidationErrors::single("mapping", "err-import-mapping"))?,
        ),
        _ => None,
    };
    let prepared = crate::import::prepare(
        ctx.tr,
        crate::import::ImportRequest {
            file_name: "api-upload",
            bytes: &body,
            unit_code: p.unit.as_deref().unwrap_or(""),
            area_code: p.area.as_deref().unwrap_or(""),
            mapping,
            dry_run: p.dry_run,
        },
    )?;
    if p.dry_run {
        let report =
            crate::import::commit_quietly(&state.store, &ctx.actor(), &user.principal, prepared)
                .await?;
        return report_response(&report, format);
    }
    let job = state.import_jobs.start(
        state.store.clone(),
        ctx.actor(),
        user.principal.clone(),
        prepared,
        None,
    );
    let ended = job.ended_within(state.config.import_wait).await;
    job_response(&job, format, JobAsker::Starter { ended })
}

#[derive(Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
pub struct JobParams {
    /// `csv` or `xlsx`: once done, answer with the rejected rows as a file.
    #[serde(default)]
    pub report: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/imports/jobs/{id}", tag = "registry", params(("id" = String, Path), JobParams),
    responses((status = 200, description = "The job: running (with rows done), done (with the report) or failed (with why)", body = crate::import_jobs::ImportJobOut),
        (status = 404, description = "No such job of this user's", body = Problem)))]
pub async fn import_job(
    State(state): State<AppState>,
    Auth(_ctx, user): Auth,
    Param(id): Param<String>,
    QueryArgs(p): QueryArgs<JobParams>,
) -> AppResult<Response> {
    if !user.principal.may(kopru_domain::Action::ImportPersons) {
        return Err(AppError::Forbidden);
    }
    let format = p.report.as_deref().map(report_format).transpose()?;
    let job = state
        .import_jobs
        .get(&id, &user.principal.user_id)
        .ok_or(AppError::NotFound)?;
    job_response(&job, format, JobAsker::Follower)
}

/// Who asks about a job.
enum JobAsker {
    /// The request that started it, after waiting: `ended` or not.
    Starter { ended: bool },
    /// A later request for the job.
    Follower,
}

/// The starting request answers with the report (200) or the failure once the
/// job has ended, and with 202, the job and its address while it has not. A
/// later request gets the job itself (its report inside once done), or its
/// rejected rows as a file when `format` asks for them.
fn job_response(
    job: &crate::import_jobs::ImportJob,
    format: Option<&'static str>,
    asker: JobAsker,
) -> AppResult<Response> {
    use crate::import_jobs::{ImportJobOut, JobState};
    let location = format!("/api/v1/imports/jobs/{}", job.id);
    match (asker, job.state()) {
        (JobAsker::Starter { ended: false }, _) => Ok((
            StatusCode::ACCEPTED,
            [(axum::http::header::LOCATION, location)],
            Json(ImportJobOut::of(job)),
        )
            .into_response()),
        (JobAsker::Starter { .. }, JobState::Failed(message)) => Err(AppError::Internal(message)),
        (JobAsker::Starter { .. }, JobState::Done(report)) => {
            let mut r = report_response(&report, format)?;
            if let Ok(v) = axum::http::HeaderValue::from_str(&location) {
                r.headers_mut()
                    .insert(axum::http::header::CONTENT_LOCATION, v);
            }
            Ok(r)
        }
        (JobAsker::Follower, JobState::Done(report)) if format.is_some() => {
            report_response(&report, format)
        }
        (JobAsker::Follower, _) if format.is_some() => Err(AppError::NotFound),
        _ => Ok(Json(ImportJobOut::of(job)).into_response()),
    }
}

fn report_format(f: &str) -> AppResult<&'static str> {
    match f {
        "csv" => Ok("csv"),
        "xlsx" => Ok("xlsx"),
        _ => Err(ValidationErrors::single("report", "err-choice").into()),
    }
}

/// The report as JSON, or its rejected rows as CSV or XLSX.
pub fn report_response(
    report: &crate::import::ImportReport,
    format: Option<&str>,
) -> AppResult<Response> {
    use axum::http::header;
    match format {
        Some("csv") => Ok((
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
                (
                    header::CONTENT_DISPOSITION,
                    "attachment; filename=\"rejected-rows.csv\"",
                ),
            ],
            crate::import::rejected_csv(report),
        )
            .into_response()),
        Some("xlsx") => Ok((
            [
                (
                    header::CONTENT_TYPE,
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                ),
                (
                    header::CONTENT_DISPOSITION,
                    "attachment; filename=\"rejected-rows.xlsx\"",
                ),
            ],
            crate::import::rejected_xlsx(report)?,
        )
            .into_response()),
        Some(_) => Err(ValidationErrors::single("report", "err-choice").into()),
        None => Ok(Json(report.clone()).into_response()),
    }
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(default)]
pub struct SplitMember {
    pub person_id: String,
    /// Relationship to the head of the new household.
    pub relationship: String,
}

#[derive(Deserialize, ToSchema)]
pub struct SplitInput {
    /// Current members who form the new household.
    #[serde(default)]
    pub members: Vec<SplitMember>,
    /// The new household (its `version` is ignored).
    pub household: HouseholdInput,
    /// YYYY-MM-DD; today when absent.
    #[serde(default)]
    pub on: Option<String>,
}

/// A validated split: members with their new relationships, the new household, the date.
pub type Split = (
    Vec<(String, Relationship)>,
    kopru_domain::person::Household,
    String,
);

/// Validates a split request.
pub fn split_parts(input: &SplitInput) -> Result<Split, ValidationErrors> {
    let mut members = Vec::new();
    for m in &input.members {
        let rel = Relationship::parse(&m.relationship)
            .map_err(|c| ValidationErrors::single("relationship", c))?;
        members.push((m.person_id.clone(), rel));
    }
    let household = input.household.draft().validate()?;
    let on = date_or_today(input.on.as_deref(), "on")?;
    Ok((members, household, on))
}

#[utoipa::path(post, path = "/api/v1/households/{id}/split", tag = "registry", params(("id" = String, Path)), request_body = SplitInput,
    responses((status = 201, description = "The new household", body = HouseholdRow), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn split_household(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param(id): Param<String>,
    JsonBody(input): JsonBody<SplitInput>,
) -> AppResult<Response> {
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
    Ok((StatusCode::CREATED, Json(row)).into_response())
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(default)]
pub struct MergeInput {
    /// The household that joins this one and is closed.
    pub from: String,
    /// The version of `from` you read.
    pub from_version: Option<i64>,
    /// YYYY-MM-DD; today when absent.
    pub on: Option<String>,
}

#[utoipa::path(post, path = "/api/v1/households/{id}/merge", tag = "registry", params(("id" = String, Path)), request_body = MergeInput,
    responses((status = 200, description = "The household that received the members", body = HouseholdRow), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn merge_household(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param(id): Param<String>,
    JsonBody(input): JsonBody<MergeInput>,
) -> AppResult<Json<HouseholdRow>> {
    let version = input
        .from_version
        .ok_or_else(|| ValidationErrors::single("from_version", "err-required"))?;
    let on = date_or_today(input.on.as_deref(), "on")?;
    Ok(Json(
        state
            .store
            .merge_households(
                &ctx.actor(),
                &user.principal,
                &id,
                &input.from,
                version,
                &on,
            )
            .await?,
    ))
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(default)]
pub struct PersonTransferInput {
    /// The unit asked to take the person over.
    pub to_unit: String,
    /// Where the person lives now: the receiving unit's area or below it.
    pub to_area: String,
    pub reason: String,
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(default)]
pub struct PersonTransferAnswer {
    pub accept: bool,
    /// Required when declining.
    pub note: Option<String>,
}

/// Asks another unit to take a person over (their unit and area change when
/// its coordinator accepts). A direct edit cannot move a person out of the
/// writer's scope.
#[utoipa::path(post, path = "/api/v1/persons/{id}/transfers", tag = "registry", params(("id" = String, Path)),
    request_body = PersonTransferInput,
    responses((status = 201, body = kopru_store::person_transfers::PersonTransferRow)))]
pub async fn request_person_transfer(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param(id): Param<String>,
    JsonBody(input): JsonBody<PersonTransferInput>,
) -> AppResult<Response> {
    let row = state
        .store
        .request_person_transfer(
            &ctx.actor(),
            &user.principal,
            &id,
            &input.to_unit,
            &input.to_area,
            &input.reason,
        )
        .await?;
    Ok((StatusCode::CREATED, Json(row)).into_response())
}

/// A person's transfer requests, newest first.
#[utoipa::path(get, path = "/api/v1/persons/{id}/transfers", tag = "registry", params(("id" = String, Path)),
    responses((status = 200, body = Vec<kopru_store::person_transfers::PersonTransferRow>)))]
pub async fn person_transfers(
    State(state): State<AppState>,
    Auth(_, user): Auth,
    Param(id): Param<String>,
) -> AppResult<Json<Vec<kopru_store::person_transfers::PersonTransferRow>>> {
    Ok(Json(
        state.store.person_transfers(&user.principal, &id).await?,
    ))
}

/// Requests waiting for the caller: people asked into a unit whose caseload they manage.
#[utoipa::path(get, path = "/api/v1/person-transfers", tag = "registry",
    responses((status = 200, body = Vec<kopru_store::person_transfers::PersonTransferRow>)))]
pub async fn pending_person_transfers(
    State(state): State<AppState>,
    Auth(_, user): Auth,
) -> AppResult<Json<Vec<kopru_store::person_transfers::PersonTransferRow>>> {
    Ok(Json(
        state
            .store
            .pending_person_transfers(&user.principal)
            .await?,
    ))
}

/// The receiving coordinator accepts (the person moves) or declines (with a note).
#[utoipa::path(post, path = "/api/v1/person-transfers/{id}/answer", tag = "registry", params(("id" = String, Path)),
    request_body = PersonTransferAnswer,
    responses((status = 200, body = kopru_store::person_transfers::PersonTransferRow)))]
pub async fn answer_person_transfer(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param(id): Param<String>,
    JsonBody(input): JsonBody<PersonTransferAnswer>,
) -> AppResult<Json<kopru_store::person_transfers::PersonTransferRow>> {
    Ok(Json(
        state
            .store
            .answer_person_transfer(
                &ctx.actor(),
                &user.principal,
                &id,
                input.accept,
                input.note.as_deref(),
            )
            .await?,
    ))
}
