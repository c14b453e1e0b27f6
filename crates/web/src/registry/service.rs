//! What the registry's pages and API share: the input they read, its
//! validation, and the checked writes (a new person is refused while likely
//! duplicates stand unconfirmed). Below HTTP: no extractor, no response.

use crate::service::ServiceError;
use kopru_domain::person::{ConsentPurpose, HouseholdDraft, LegalBasis, PersonDraft, Relationship};
use kopru_domain::policy::Principal;
use kopru_domain::reference::InstitutionKind;
use kopru_domain::ValidationErrors;
use kopru_store::audit::Actor;
pub use kopru_store::clock::today;
use kopru_store::registry::{NewConsent, PersonRow};
use kopru_store::Store;
use serde::Deserialize;
use utoipa::ToSchema;

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

/// Creates a person unless likely duplicates exist and `confirm_new` is not set.
pub async fn create_person_checked(
    store: &Store,
    actor: &Actor,
    by: &Principal,
    input: &PersonInput,
) -> Result<(PersonRow, Vec<String>), ServiceError> {
    let person = input.draft().validate(&today())?;
    let candidates = store.likely_duplicates(by, &person, None).await?;
    if !candidates.is_empty() && !input.confirm_new {
        return Err(ServiceError::PossibleDuplicates(candidates));
    }
    let household = match (&input.household_id, &input.relationship) {
        (Some(h), r) if !h.is_empty() => {
            let rel = Relationship::parse(r.as_deref().unwrap_or("other_relative"))
                .map_err(|c| ValidationErrors::single("relationship", c))?;
            Some((h.as_str(), rel))
        }
        _ => None,
    };
    let row = store.create_person(actor, by, &person, household).await?;
    for c in &candidates {
        store
            .record_duplicate_decision(actor, by, &row.id, &c.person.id, "different")
            .await?;
    }
    Ok((
        row,
        person.warnings.iter().map(|w| (*w).to_owned()).collect(),
    ))
}

/// Updates a person unless the edit makes it look like another record (and
/// `confirm_new` is not set) or the version is stale. Confirming records the
/// candidates as different people, so they are not shown again.
pub async fn update_person_checked(
    store: &Store,
    actor: &Actor,
    by: &Principal,
    id: &str,
    input: &PersonInput,
) -> Result<(PersonRow, Vec<String>), ServiceError> {
    let version = input
        .version
        .ok_or_else(|| ValidationErrors::single("version", "err-required"))?;
    let person = input.draft().validate(&today())?;
    let candidates = store.likely_duplicates(by, &person, Some(id)).await?;
    if !candidates.is_empty() && !input.confirm_new {
        return Err(ServiceError::PossibleDuplicates(candidates));
    }
    let row = store.update_person(actor, by, id, version, &person).await?;
    for c in &candidates {
        store
            .record_duplicate_decision(actor, by, id, &c.person.id, "different")
            .await?;
    }
    Ok((
        row,
        person.warnings.iter().map(|w| (*w).to_owned()).collect(),
    ))
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
    /// Who gave it on the person's behalf, by name and relation ("Ayşe Kaya,
    /// mother"); required for a child's consent.
    pub given_by: Option<String>,
}

/// A withdrawal's reason: blank is none; otherwise a short line of text.
pub fn withdrawal_reason(reason: &str) -> Result<Option<String>, ValidationErrors> {
    kopru_domain::codes::optional_label(reason)
        .map(|l| l.map(|l| l.to_string()))
        .map_err(|code| ValidationErrors::single("reason", code))
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
    let given_by = match c
        .given_by
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        None => None,
        Some(g) => e
            .take("given_by", kopru_domain::codes::Label::parse(g))
            .map(|l| l.to_string()),
    };
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
                given_by,
            })
        }
        _ => Err(e),
    }
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
