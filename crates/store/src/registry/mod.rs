//! The beneficiary registry: households, people, their names for search,
//! consents, encrypted special-category data and field-level history.
//!
//! Every read goes through the `Person`/`Household` scope predicates; every view
//! of a person's record and every decryption of special-category data is audited
//! (by field name and category, never by value).

mod consents;
mod households;
pub(crate) mod search;
use households::add_member_in;
pub(crate) use households::household_in;
mod special;
pub mod transfers;

use crate::audit::{append, Actor};
use crate::scope::{push_visible, Entity};
use crate::{clock, new_id, Result, Sql, Store, StoreError};
use kopru_domain::person::{
    ConsentPurpose, Household, LegalBasis, Person, Relationship, SpecialCategory,
};
use kopru_domain::policy::{Action, Principal};
use kopru_domain::search::{fold, name_tokens, phonetic};
use kopru_domain::ValidationErrors;
use serde::{Deserialize, Serialize, Serializer};
use sqlx::AnyConnection;

/// An alias as the API returns it.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Alias {
    pub name: String,
    /// ISO 15924: Latn, Cyrl, Zyyy (mixed), Zzzz (no letters); derived from the letters.
    pub script: &'static str,
}

/// Aliases with the script each is written in.
fn alias_list<S: Serializer>(text: &str, s: S) -> std::result::Result<S::Ok, S::Error> {
    let names: Vec<String> = serde_json::from_str(text).unwrap_or_default();
    names
        .into_iter()
        .map(|name| Alias {
            script: kopru_domain::search::script_of(&name),
            name,
        })
        .collect::<Vec<_>>()
        .serialize(s)
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct PersonRow {
    pub id: String,
    pub unit_code: String,
    pub area_code: String,
    pub area_name: String,
    pub area_name_alt: Option<String>,
    pub household_id: Option<String>,
    pub given_names: String,
    pub family_name: String,
    pub father_name: Option<String>,
    pub mother_name: Option<String>,
    /// Other names and aliases, each with the script it is written in.
    #[serde(serialize_with = "alias_list")]
    #[schema(value_type = Vec<Alias>)]
    pub aliases: String,
    pub sex: String,
    /// `YYYY`, `YYYY-MM` or `YYYY-MM-DD`, as precise as known.
    pub birth_date: Option<String>,
    /// exact, month, year, estimated
    pub birth_precision: Option<String>,
    pub id_type: Option<String>,
    pub national_id: Option<String>,
    pub nationality: Option<String>,
    pub phone: Option<String>,
    #[serde(serialize_with = "crate::columns::json_list")]
    #[schema(value_type = Vec<String>)]
    pub languages: String,
    pub education: String,
    pub birth_registered: String,
    pub id_card: String,
    pub statelessness: String,
    #[serde(serialize_with = "crate::columns::flag")]
    #[schema(value_type = bool)]
    pub legally_invisible: i64,
    #[serde(serialize_with = "crate::columns::json_list", rename = "groups")]
    #[schema(value_type = Vec<String>)]
    pub groups_list: String,
    /// Set when this record was merged into another (the survivor's id): it is
    /// read-only and left out of lists until unmerged.
    pub merged_into: Option<String>,
    pub version: i64,
    pub created_at: String,
    pub updated_at: String,
    /// Folded "family given" name: the list order, and the keyset for paging.
    #[serde(skip)]
    pub sort_key: String,
}

impl PersonRow {
    pub fn full_name(&self) -> String {
        format!("{} {}", self.given_names, self.family_name)
    }
    pub fn list(text: &str) -> Vec<String> {
        serde_json::from_str(text).unwrap_or_default()
    }

    /// The record as a form would hold it (to edit, or to merge field by field).
    pub fn draft(&self) -> kopru_domain::person::PersonDraft {
        let o = |v: &Option<String>| v.clone().unwrap_or_default();
        kopru_domain::person::PersonDraft {
            given_names: self.given_names.clone(),
            family_name: self.family_name.clone(),
            father_name: o(&self.father_name),
            mother_name: o(&self.mother_name),
            aliases: Self::list(&self.aliases),
            sex: self.sex.clone(),
            birth_date: o(&self.birth_date),
            birth_estimated: self.birth_precision.as_deref() == Some("estimated"),
            id_type: o(&self.id_type),
            national_id: o(&self.national_id),
            nationality: o(&self.nationality),
            phone: o(&self.phone),
            languages: Self::list(&self.languages),
            education: self.education.clone(),
            birth_registered: self.birth_registered.clone(),
            id_card: self.id_card.clone(),
            statelessness: self.statelessness.clone(),
            legally_invisible: self.legally_invisible != 0,
            groups: Self::list(&self.groups_list),
            unit_code: self.unit_code.clone(),
            area_code: self.area_code.clone(),
        }
    }
}

pub(crate) const PERSON_COLUMNS: &str = "p.id, p.unit_code, p.area_code, ar.name AS area_name, ar.name_alt AS area_name_alt, \
     p.household_id, p.given_names, p.family_name, p.father_name, p.mother_name, p.aliases, p.sex, p.birth_date, \
     p.birth_precision, p.id_type, p.national_id, p.nationality, p.phone, p.languages, p.education, \
     p.birth_registered, p.id_card, p.statelessness, p.legally_invisible, p.groups_list, p.merged_into, p.version, \
     p.created_at, p.updated_at, p.sort_key";
pub(crate) const PERSON_FROM: &str = "FROM persons p JOIN areas ar ON ar.code = p.area_code";

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct HouseholdRow {
    pub id: String,
    pub unit_code: String,
    pub area_code: String,
    pub area_name: String,
    pub area_name_alt: Option<String>,
    pub address: Option<String>,
    pub settlement: Option<String>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub tenure: String,
    pub rooms: Option<i64>,
    pub tap_water: String,
    pub indoor_toilet: String,
    pub electricity: String,
    pub damp_roof: String,
    pub head_person_id: Option<String>,
    /// Set when this household was merged into another: that household's id.
    pub merged_into: Option<String>,
    pub version: i64,
    pub created_at: String,
    pub updated_at: String,
}

const HOUSEHOLD_SELECT: &str = "SELECT h.id, h.unit_code, h.area_code, ar.name AS area_name, ar.name_alt AS area_name_alt, \
     h.address, h.settlement, h.latitude, h.longitude, h.tenure, h.rooms, h.tap_water, h.indoor_toilet, \
     h.electricity, h.damp_roof, h.head_person_id, h.merged_into, h.version, h.created_at, h.updated_at \
     FROM households h JOIN areas ar ON ar.code = h.area_code";

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct MemberRow {
    pub id: String,
    pub household_id: String,
    pub person_id: String,
    pub given_names: String,
    pub family_name: String,
    pub birth_date: Option<String>,
    pub birth_precision: Option<String>,
    pub relationship: String,
    pub joined_on: String,
    pub join_reason: String,
    pub left_on: Option<String>,
    pub leave_reason: Option<String>,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct ConsentRow {
    pub id: String,
    pub person_id: String,
    pub purpose: String,
    pub legal_basis: String,
    pub text_version: String,
    pub language: String,
    pub given_on: String,
    pub recorded_by: String,
    pub recorded_at: String,
    pub withdrawn_on: Option<String>,
    pub withdrawn_by: Option<String>,
    /// Who gave it on the person's behalf (a child's parent or guardian).
    pub given_by: Option<String>,
    /// Why it was withdrawn, as the person said.
    pub withdrawal_reason: Option<String>,
    /// For referral sharing: a JSON list of the institution kinds covered;
    /// absent means every kind.
    pub institution_kinds: Option<String>,
}

/// A consent (or another legal basis) as recorded.
#[derive(Debug, Clone)]
pub struct NewConsent {
    pub purpose: ConsentPurpose,
    pub basis: LegalBasis,
    pub text_version: String,
    pub language: String,
    pub given_on: String,
    /// Institution kinds a referral-sharing consent covers; empty: every kind.
    pub covers: Vec<kopru_domain::reference::InstitutionKind>,
    /// Who gave it on the person's behalf; required when the person was a
    /// child on `given_on` and the basis is consent.
    pub given_by: Option<String>,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct HistoryRow {
    pub version: i64,
    pub field: String,
    pub old_value: Option<String>,
    pub new_value: Option<String>,
    pub changed_by: String,
    pub changed_at: String,
}

/// One special-category value: a choice (`yes`, `no`, `roma`, …) and optional notes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SpecialValue {
    pub value: String,
    #[serde(default)]
    pub notes: Option<String>,
}

impl SpecialValue {
    /// The allowed values of each category; "not stated" removes the record.
    pub fn choices(c: SpecialCategory) -> &'static [&'static str] {
        match c {
            SpecialCategory::Ethnicity => &["roma", "not_roma", "not_stated"],
            _ => &["yes", "no", "not_stated"],
        }
    }
    pub fn validate(
        c: SpecialCategory,
        value: &str,
        notes: &str,
    ) -> std::result::Result<Option<Self>, ValidationErrors> {
        let v = value.trim();
        if v.is_empty() || v == "not_stated" {
            return Ok(None);
        }
        if !Self::choices(c).contains(&v) {
            return Err(ValidationErrors::single(c.as_str(), "err-choice"));
        }
        let notes = kopru_domain::codes::optional_text(notes)
            .map_err(|code| ValidationErrors::single(format!("{}_notes", c.as_str()), code))?;
        Ok(Some(SpecialValue {
            value: v.to_owned(),
            notes,
        }))
    }
}

/// A list or search of people.
#[derive(Debug, Clone, Default)]
pub struct PersonFilter {
    /// Names in any script or spelling, an ID or phone number, or part of an address.
    pub q: Option<String>,
    pub unit: Option<String>,
    pub area: Option<String>,
    pub limit: i64,
    pub offset: i64,
    /// Keyset paging for lists without a query: rows after this (sort_key, id).
    pub after: Option<(String, String)>,
}

fn digits(s: &str) -> String {
    s.chars().filter(char::is_ascii_digit).collect()
}

/// The national significant part of a phone number: its last nine digits.
fn phone_key(phone: &str) -> Option<String> {
    let d = digits(phone);
    (d.len() >= 6).then(|| d[d.len().saturating_sub(9)..].to_owned())
}

pub(crate) fn sort_key(p: &Person) -> String {
    fold(&format!("{} {}", p.family_name, p.given_names))
}

fn json<T: Serialize>(v: &T) -> String {
    serde_json::to_string(v).unwrap_or_else(|_| "[]".into())
}

/// Values of a person's plain fields, as shown in the history.
fn person_fields(p: &Person) -> Vec<(&'static str, Option<String>)> {
    vec![
        ("given_names", Some(p.given_names.clone())),
        ("family_name", Some(p.family_name.clone())),
        ("father_name", p.father_name.clone()),
        ("mother_name", p.mother_name.clone()),
        (
            "aliases",
            Some(p.aliases.join(", ")).filter(|s| !s.is_empty()),
        ),
        ("sex", Some(p.sex.as_str().to_owned())),
        (
            "birth_date",
            p.birth
                .as_ref()
                .map(|b| format!("{} ({})", b.value, b.precision.as_str())),
        ),
        ("national_id", p.national_id.clone()),
        ("nationality", p.nationality.clone()),
        ("phone", p.phone.clone()),
        (
            "languages",
            Some(p.languages.join(", ")).filter(|s| !s.is_empty()),
        ),
        ("education", Some(p.education.as_str().to_owned())),
        (
            "birth_registered",
            Some(p.birth_registered.as_str().to_owned()),
        ),
        ("id_card", Some(p.id_card.as_str().to_owned())),
        ("statelessness", Some(p.statelessness.as_str().to_owned())),
        (
            "legally_invisible",
            Some(if p.legally_invisible { "yes" } else { "no" }.to_owned()),
        ),
        (
            "groups",
            Some(
                p.groups
                    .iter()
                    .map(|g| g.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            )
            .filter(|s| !s.is_empty()),
        ),
        ("unit_code", Some(p.unit_code.to_string())),
        ("area_code", Some(p.area_code.to_string())),
    ]
}

pub(crate) fn row_fields(r: &PersonRow) -> Vec<(&'static str, Option<String>)> {
    let joined = |t: &str| Some(PersonRow::list(t).join(", ")).filter(|s| !s.is_empty());
    vec![
        ("given_names", Some(r.given_names.clone())),
        ("family_name", Some(r.family_name.clone())),
        ("father_name", r.father_name.clone()),
        ("mother_name", r.mother_name.clone()),
        ("aliases", joined(&r.aliases)),
        ("sex", Some(r.sex.clone())),
        (
            "birth_date",
            r.birth_date
                .as_ref()
                .map(|b| format!("{b} ({})", r.birth_precision.clone().unwrap_or_default())),
        ),
        ("national_id", r.national_id.clone()),
        ("nationality", r.nationality.clone()),
        ("phone", r.phone.clone()),
        ("languages", joined(&r.languages)),
        ("education", Some(r.education.clone())),
        ("birth_registered", Some(r.birth_registered.clone())),
        ("id_card", Some(r.id_card.clone())),
        ("statelessness", Some(r.statelessness.clone())),
        (
            "legally_invisible",
            Some(
                if r.legally_invisible != 0 {
                    "yes"
                } else {
                    "no"
                }
                .to_owned(),
            ),
        ),
        ("groups", joined(&r.groups_list)),
        ("unit_code", Some(r.unit_code.clone())),
        ("area_code", Some(r.area_code.clone())),
    ]
}

/// Records an update's changed fields: old and new values in the history, field
/// names only in the audit log (which auditors across the area read).
#[allow(clippy::too_many_arguments)]
pub(crate) async fn record_update(
    conn: &mut AnyConnection,
    actor: &Actor,
    record_type: &str,
    id: &str,
    version: i64,
    area: &str,
    unit: &str,
    changes: &[(&str, Option<String>, Option<String>)],
) -> Result<()> {
    write_history(
        &mut *conn,
        record_type,
        id,
        version,
        &actor.username,
        changes,
    )
    .await?;
    let fields: Vec<&str> = changes.iter().map(|c| c.0).collect();
    append(
        conn,
        &actor
            .event(&format!("{record_type}.update"))
            .record(record_type, id)
            .area(Some(area))
            .unit(Some(unit))
            .details(serde_json::json!({ "fields": fields })),
    )
    .await?;
    Ok(())
}

async fn write_history(
    conn: &mut AnyConnection,
    record_type: &str,
    record_id: &str,
    version: i64,
    by: &str,
    changes: &[(&str, Option<String>, Option<String>)],
) -> Result<()> {
    let now = clock::now();
    for (field, old, new) in changes {
        let mut q = Sql::new("INSERT INTO record_history (id, record_type, record_id, version, field, old_value, new_value, changed_by, changed_at) VALUES (");
        q.bind(new_id())
            .push(", ")
            .bind(record_type.to_owned())
            .push(", ")
            .bind(record_id.to_owned())
            .push(", ")
            .bind(version)
            .push(", ")
            .bind((*field).to_owned())
            .push(", ")
            .bind(old.clone())
            .push(", ")
            .bind(new.clone())
            .push(", ")
            .bind(by.to_owned())
            .push(", ")
            .bind(now.clone())
            .push(")");
        q.execute(&mut *conn).await?;
    }
    Ok(())
}

/// Inserts many people (with their name tokens) in two statements; used by
/// imports and by `create_person`. Scope and validation are the caller's.
pub(crate) async fn insert_persons<'a>(
    conn: &mut AnyConnection,
    people: impl Iterator<Item = (&'a Person, &'a String)>,
    now: &str,
) -> Result<()> {
    let people: Vec<(&Person, &String)> = people.collect();
    // Each statement is a hand-off to sqlx's SQLite worker thread and a
    // statement-cache lookup: a few thousand parameters per statement amortise
    // them (placeholders are anonymous on SQLite, see `sql`, so binding stays
    // linear; PostgreSQL allows 65,535).
    for chunk in people.chunks(ROWS_PER_STATEMENT) {
        let mut q = Sql::new(
            "INSERT INTO persons (id, unit_code, area_code, household_id, given_names, family_name, father_name, mother_name, \
             aliases, sex, birth_date, birth_precision, birth_year, id_type, national_id, nationality, phone, phone_digits, \
             languages, education, birth_registered, id_card, statelessness, legally_invisible, groups_list, sort_key, \
             version, created_at, updated_at) VALUES ",
        );
        for (i, (p, id)) in chunk.iter().enumerate() {
            if i > 0 {
                q.push(", ");
            }
            q.push("(")
                .bind((*id).clone())
                .push(", ")
                .bind(p.unit_code.to_string())
                .push(", ")
                .bind(p.area_code.to_string())
                .push(", NULL, ");
            bind_person_values(&mut q, p);
            q.push(", 1, ")
                .bind(now.to_owned())
                .push(", ")
                .bind(now.to_owned())
                .push(")");
        }
        q.execute(&mut *conn)
            .await
            .map_err(|e| StoreError::unique_to_field(e, "national_id"))?;
    }
    let mut names: Vec<(&String, &Person, String, &'static str)> = people
        .iter()
        .flat_map(|(p, id)| name_rows(p).into_iter().map(move |(t, f)| (*id, *p, t, f)))
        .collect();
    // In index order: each word's new rows then land together at the end of its range.
    names.sort_by(|a, b| (&a.2, a.0).cmp(&(&b.2, b.0)));
    for chunk in names.chunks(NAMES_PER_STATEMENT) {
        insert_names(&mut *conn, chunk).await?;
    }
    let mut words: Vec<&str> = names.iter().map(|n| n.2.as_str()).collect();
    words.dedup();
    insert_words(conn, &words).await
}

/// Name rows per multi-row INSERT (7 parameters each).
const NAMES_PER_STATEMENT: usize = 500;

/// One multi-row INSERT of name words, each with its person's place (for scope).
async fn insert_names(
    conn: &mut AnyConnection,
    rows: &[(&String, &Person, String, &'static str)],
) -> Result<()> {
    let mut q = Sql::new(
        "INSERT INTO person_names (person_id, token, sound, field, unit_code, area_code, birth_year) VALUES ",
    );
    for (i, (id, p, t, f)) in rows.iter().enumerate() {
        if i > 0 {
            q.push(", ");
        }
        q.push("(")
            .bind((*id).clone())
            .push(", ")
            .bind(t.clone())
            .push(", ")
            .bind(phonetic(t))
            .push(", ")
            .bind((*f).to_owned())
            .push(", ")
            .bind(p.unit_code.to_string())
            .push(", ")
            .bind(p.area_code.to_string())
            .push(", ")
            .bind(p.birth.as_ref().map_or(0, |b| b.year()))
            .push(")");
    }
    q.execute(conn).await?;
    Ok(())
}

/// People per multi-row INSERT (29 parameters each).
const ROWS_PER_STATEMENT: usize = 100;

/// The folded name words of a person and which name each came from.
fn name_rows(p: &Person) -> Vec<(String, &'static str)> {
    let mut rows: Vec<(String, &'static str)> = Vec::new();
    let mut add = |text: &str, field: &'static str| {
        for t in name_tokens(text) {
            if !rows.iter().any(|(x, _)| *x == t) {
                rows.push((t, field));
            }
        }
    };
    add(&p.given_names, "given");
    add(&p.family_name, "family");
    if let Some(f) = &p.father_name {
        add(f, "father");
    }
    if let Some(m) = &p.mother_name {
        add(m, "mother");
    }
    for a in &p.aliases {
        add(a, "alias");
    }
    rows
}

async fn write_names(conn: &mut AnyConnection, person_id: &str, p: &Person) -> Result<()> {
    Sql::new("DELETE FROM person_names WHERE person_id = ")
        .bind(person_id.to_owned())
        .execute(&mut *conn)
        .await?;
    let id = person_id.to_owned();
    let rows: Vec<(&String, &Person, String, &'static str)> = name_rows(p)
        .into_iter()
        .map(|(t, f)| (&id, p, t, f))
        .collect();
    if rows.is_empty() {
        return Ok(());
    }
    insert_names(&mut *conn, &rows).await?;
    let words: Vec<&str> = rows.iter().map(|r| r.2.as_str()).collect();
    insert_words(conn, &words).await
}

/// Adds name words not seen before to the vocabulary (`name_words`) that typo
/// tolerance compares query words with.
async fn insert_words(conn: &mut AnyConnection, words: &[&str]) -> Result<()> {
    for chunk in words.chunks(NAMES_PER_STATEMENT) {
        let mut q = Sql::new("INSERT INTO name_words (token, length) VALUES ");
        for (i, w) in chunk.iter().enumerate() {
            if i > 0 {
                q.push(", ");
            }
            q.push("(")
                .bind((*w).to_owned())
                .push(", ")
                .bind(w.chars().count() as i64)
                .push(")");
        }
        q.push(" ON CONFLICT (token) DO NOTHING");
        q.execute(&mut *conn).await?;
    }
    Ok(())
}

/// `WITH wanted(id) AS (VALUES ($1), ($2), …)`: a short list of ids for a
/// query to start from. Written as `p.id IN (…) AND p.unit_code = …`, SQLite
/// (which has no statistics here) guesses ten people per unit and walks the
/// unit's index instead of fetching the ids: 35 ms for a large unit instead of 1.
/// Joined from this list, it looks each id up.
fn with_wanted(ids: impl Iterator<Item = String>) -> Sql {
    let mut q = Sql::new("WITH wanted(id) AS (VALUES ");
    for (i, id) in ids.enumerate() {
        if i > 0 {
            q.push(", ");
        }
        q.push("(").bind(id).push(")");
    }
    q.push(")");
    q
}

/// The row of a person `by` may act on with `action`, or NotFound.
pub(crate) async fn person_for(
    conn: &mut AnyConnection,
    by: &Principal,
    action: Action,
    id: &str,
) -> Result<PersonRow> {
    let mut q = Sql::new(&format!(
        "SELECT {PERSON_COLUMNS} {PERSON_FROM} WHERE p.id = "
    ));
    q.bind(id.to_owned()).push(" AND ");
    push_visible(&mut q, Entity::Person, "p", &by.grants(action));
    q.fetch_optional(conn).await?.ok_or(StoreError::NotFound)
}

/// `by` acting as an exporter: only the assignments that permit exports, or
/// `Forbidden` when none does. Every export reads through it, so the store
/// enforces the export right whatever the web layer checked.
pub(crate) fn exporter(by: &Principal) -> Result<Principal> {
    let e = by.acting_as(Action::ExportPersons);
    if e.assignments.is_empty() {
        return Err(StoreError::Forbidden);
    }
    Ok(e)
}

/// A person or household is placed in a unit and an area that agree and lie
/// within the writer's grants (`scope::record_place`).
async fn check_person_place(
    conn: &mut AnyConnection,
    by: &Principal,
    entity: Entity,
    unit: &str,
    area: &str,
) -> Result<()> {
    let grants = by.grants(Action::EditPersons);
    match crate::scope::record_place(conn, entity, &grants, unit, area).await? {
        None => Ok(()),
        Some(crate::scope::PlaceRefusal::Denied) => Err(StoreError::Forbidden),
        Some(r) => {
            let (field, code) = r.field_error();
            Err(ValidationErrors::single(field, code).into())
        }
    }
}

/// Writes `p` over `old` if it is still at `version`: the row, its name words
/// and a history entry per changed field (inside the caller's transaction).
pub(crate) async fn update_person_in(
    conn: &mut AnyConnection,
    actor: &Actor,
    by: &Principal,
    old: &PersonRow,
    version: i64,
    p: &Person,
) -> Result<()> {
    let id = old.id.as_str();
    check_person_place(
        &mut *conn,
        by,
        Entity::Person,
        p.unit_code.as_str(),
        p.area_code.as_str(),
    )
    .await?;
    let mut q = Sql::new("UPDATE persons SET unit_code = ");
    q.bind(p.unit_code.to_string())
        .push(", area_code = ")
        .bind(p.area_code.to_string());
    q.push(", (given_names, family_name, father_name, mother_name, aliases, sex, birth_date, birth_precision, birth_year, \
            id_type, national_id, nationality, phone, phone_digits, languages, education, birth_registered, id_card, \
            statelessness, legally_invisible, groups_list, sort_key) = (");
    bind_person_values(&mut q, p);
    q.push("), version = version + 1, updated_at = ")
        .bind(clock::now());
    q.push(" WHERE id = ")
        .bind(id.to_owned())
        .push(" AND version = ")
        .bind(version);
    let n = q
        .execute(&mut *conn)
        .await
        .map_err(|e| StoreError::unique_to_field(e, "national_id"))?;
    if n == 0 {
        return Err(StoreError::Conflict {
            current: old.version,
        });
    }
    write_names(&mut *conn, id, p).await?;
    if old.unit_code != p.unit_code.as_str() {
        crate::person_links::follow_person_unit(&mut *conn, id).await?;
    }
    let before = row_fields(old);
    let after = person_fields(p);
    let changes: Vec<(&str, Option<String>, Option<String>)> = before
        .into_iter()
        .zip(after)
        .filter(|((_, o), (_, n))| o != n)
        .map(|((f, o), (_, n))| (f, o, n))
        .collect();
    record_update(
        &mut *conn,
        actor,
        "person",
        id,
        old.version + 1,
        p.area_code.as_str(),
        p.unit_code.as_str(),
        &changes,
    )
    .await?;
    Ok(())
}

impl Store {
    // ---------------- people ----------------

    /// Creates a person, optionally as a member of a household.
    pub async fn create_person(
        &self,
        actor: &Actor,
        by: &Principal,
        p: &Person,
        household: Option<(&str, Relationship)>,
    ) -> Result<PersonRow> {
        let mut tx = self.begin_write().await?;
        check_person_place(
            tx.conn(),
            by,
            Entity::Person,
            p.unit_code.as_str(),
            p.area_code.as_str(),
        )
        .await?;
        let id = new_id();
        insert_persons(tx.conn(), std::iter::once((p, &id)), &clock::now()).await?;
        if let Some((hh, rel)) = household {
            add_member_in(
                tx.conn(),
                by,
                actor,
                hh,
                &id,
                rel,
                &clock::today(),
                "registration",
            )
            .await?;
        }
        append(
            tx.conn(),
            &actor
                .event("person.create")
                .record("person", &id)
                .area(Some(p.area_code.as_str()))
                .unit(Some(p.unit_code.as_str())),
        )
        .await?;
        let row = person_for(tx.conn(), by, Action::EditPersons, &id).await?;
        tx.commit().await?;
        Ok(row)
    }

    /// Updates a person if nobody changed the record since `version`; records
    /// every changed field in the history.
    pub async fn update_person(
        &self,
        actor: &Actor,
        by: &Principal,
        id: &str,
        version: i64,
        p: &Person,
    ) -> Result<PersonRow> {
        let mut tx = self.begin_write().await?;
        let old = person_for(tx.conn(), by, Action::ViewPersons, id).await?;
        if person_for(tx.conn(), by, Action::EditPersons, id)
            .await
            .is_err()
        {
            return Err(StoreError::Forbidden);
        }
        if old.merged_into.is_some() {
            return Err(ValidationErrors::single("person", "err-person-merged").into());
        }
        update_person_in(tx.conn(), actor, by, &old, version, p).await?;
        let row = person_for(tx.conn(), by, Action::ViewPersons, id).await;
        tx.commit().await?;
        row
    }

    /// A page of people for an export: as [`Store::persons`], read with only
    /// the assignments that permit exporting (`Action::ExportPersons`).
    pub async fn persons_for_export(
        &self,
        by: &Principal,
        f: &PersonFilter,
    ) -> Result<Vec<PersonRow>> {
        self.persons(&exporter(by)?, f).await
    }

    /// A person's record as `by` may see it. The view is audited.
    pub async fn person(&self, actor: &Actor, by: &Principal, id: &str) -> Result<PersonRow> {
        let mut conn = self.acquire().await?;
        let row = person_for(&mut conn, by, Action::ViewPersons, id).await?;
        drop(conn);
        self.audit(
            &actor
                .event("person.view")
                .record("person", id)
                .area(Some(&row.area_code))
                .unit(Some(&row.unit_code)),
        )
        .await?;
        Ok(row)
    }

    /// Lists or searches people within `by`'s grants, best matches first. Asks for
    /// one row more than `limit` so the caller knows whether there is a next page.
    pub async fn persons(&self, by: &Principal, f: &PersonFilter) -> Result<Vec<PersonRow>> {
        let q_text = f.q.as_deref().map(str::trim).unwrap_or("");
        let id_digits = digits(q_text);
        let looks_numeric = !q_text.is_empty()
            && q_text
                .chars()
                .all(|c| c.is_ascii_digit() || " +-()/".contains(c))
            && id_digits.len() >= 6;
        let words = name_tokens(q_text);
        let mut q;
        if looks_numeric {
            q = Sql::new(&format!(
                "SELECT {PERSON_COLUMNS} {PERSON_FROM} WHERE (p.national_id = "
            ));
            q.bind(id_digits.clone())
                .push(" OR p.phone_digits = ")
                .bind(phone_key(&id_digits).unwrap_or_default())
                .push(") AND ");
            return self.finish_person_query(q, by, f, "p.sort_key, p.id").await;
        }
        if words.is_empty() {
            q = Sql::new(&format!("SELECT {PERSON_COLUMNS} {PERSON_FROM} WHERE "));
            return self.finish_person_query(q, by, f, "p.sort_key, p.id").await;
        }
        let need = (f.offset.max(0) + f.limit.clamp(1, 500) + 1) as usize;
        let mut conn = self.acquire().await?;
        let ranked = crate::registry::search::ranked_ids(&mut conn, by, f, &words, need).await?;
        drop(conn);
        let page: Vec<&(String, i64)> = ranked.iter().skip(f.offset.max(0) as usize).collect();
        let mut rows: Vec<PersonRow> = if page.is_empty() {
            Vec::new()
        } else {
            // The same scope again: the ids came from the name index.
            let mut q = with_wanted(page.iter().map(|(id, _)| id.clone()));
            q.push(&format!(
                " SELECT {PERSON_COLUMNS} FROM wanted w JOIN persons p ON p.id = w.id \
                 JOIN areas ar ON ar.code = p.area_code WHERE "
            ));
            push_visible(&mut q, Entity::Person, "p", &by.grants(Action::ViewPersons));
            q.fetch_all(self.pool()).await?
        };
        let rank: std::collections::HashMap<&str, usize> = page
            .iter()
            .enumerate()
            .map(|(i, (id, _))| (id.as_str(), i))
            .collect();
        rows.sort_by_key(|r| rank.get(r.id.as_str()).copied().unwrap_or(usize::MAX));
        if !rows.is_empty() || f.offset > 0 {
            return Ok(rows);
        }
        // No name matches: perhaps the words are part of a household's address.
        // Households first (a scan of the smaller table), then their members by index.
        let mut hq = Sql::new("SELECT h.id FROM households h WHERE h.search_key LIKE ");
        hq.bind(format!("%{}%", crate::sql::like_escape(&fold(q_text))))
            .push(" ESCAPE '\\' AND ");
        push_visible(
            &mut hq,
            Entity::Household,
            "h",
            &by.grants(Action::ViewPersons),
        );
        hq.push(" LIMIT 500");
        let households: Vec<(String,)> = hq.fetch_all(self.pool()).await?;
        if households.is_empty() {
            return Ok(Vec::new());
        }
        let mut q = with_wanted(households.into_iter().map(|(h,)| h));
        q.push(&format!(
            " SELECT {PERSON_COLUMNS} FROM wanted w JOIN persons p ON p.household_id = w.id \
             JOIN areas ar ON ar.code = p.area_code WHERE "
        ));
        self.finish_person_query(q, by, f, "p.sort_key, p.id").await
    }

    /// Adds scope, filters, order and paging to a person query ending in `WHERE `.
    async fn finish_person_query(
        &self,
        mut q: Sql,
        by: &Principal,
        f: &PersonFilter,
        order: &str,
    ) -> Result<Vec<PersonRow>> {
        crate::registry::search::push_person_filters(&mut q, "p", by, f);
        // A record merged into another lives on only behind its survivor.
        q.push(" AND p.merged_into IS NULL");
        if let Some((key, id)) = &f.after {
            // Keyset paging: cost does not grow with the page number.
            q.push(" AND (p.sort_key > ")
                .bind(key.clone())
                .push(" OR (p.sort_key = ")
                .bind(key.clone())
                .push(" AND p.id > ")
                .bind(id.clone())
                .push("))");
        }
        q.push(&format!(" ORDER BY {order}"))
            .page(f.limit, f.offset);
        Ok(q.fetch_all(self.pool()).await?)
    }

    pub async fn person_history(&self, by: &Principal, id: &str) -> Result<Vec<HistoryRow>> {
        let mut conn = self.acquire().await?;
        person_for(&mut conn, by, Action::ViewPersons, id).await?;
        Ok(Sql::new("SELECT version, field, old_value, new_value, changed_by, changed_at FROM record_history WHERE record_type = 'person' AND record_id = ")
            .bind(id.to_owned())
            .push(" ORDER BY changed_at DESC, field")
            .fetch_all(&mut *conn)
            .await?)
    }
}

fn household_key(h: &Household) -> String {
    fold(&format!(
        "{} {}",
        h.address.clone().unwrap_or_default(),
        h.settlement.clone().unwrap_or_default()
    ))
}

fn bind_household_values(q: &mut Sql, h: &Household) {
    q.bind(h.unit_code.to_string())
        .push(", ")
        .bind(h.area_code.to_string())
        .push(", ")
        .bind(h.address.clone())
        .push(", ")
        .bind(h.settlement.clone())
        .push(", ")
        .bind(h.latitude)
        .push(", ")
        .bind(h.longitude)
        .push(", ")
        .bind(h.tenure.as_str().to_owned())
        .push(", ")
        .bind(h.rooms)
        .push(", ")
        .bind(h.tap_water.as_str().to_owned())
        .push(", ")
        .bind(h.indoor_toilet.as_str().to_owned())
        .push(", ")
        .bind(h.electricity.as_str().to_owned())
        .push(", ")
        .bind(h.damp_roof.as_str().to_owned());
}

/// Binds the person's columns from `given_names` to `sort_key`, in table order.
fn bind_person_values(q: &mut Sql, p: &Person) {
    q.bind(p.given_names.clone())
        .push(", ")
        .bind(p.family_name.clone())
        .push(", ")
        .bind(p.father_name.clone())
        .push(", ")
        .bind(p.mother_name.clone())
        .push(", ")
        .bind(json(&p.aliases))
        .push(", ")
        .bind(p.sex.as_str().to_owned())
        .push(", ")
        .bind(p.birth.as_ref().map(|b| b.value.clone()))
        .push(", ")
        .bind(p.birth.as_ref().map(|b| b.precision.as_str().to_owned()))
        .push(", ")
        .bind(p.birth.as_ref().map(|b| b.year()))
        .push(", ")
        .bind(p.id_type.map(|t| t.as_str().to_owned()))
        .push(", ")
        .bind(p.national_id.clone())
        .push(", ")
        .bind(p.nationality.clone())
        .push(", ")
        .bind(p.phone.clone())
        .push(", ")
        .bind(p.phone.as_deref().and_then(phone_key))
        .push(", ")
        .bind(json(&p.languages))
        .push(", ")
        .bind(p.education.as_str().to_owned())
        .push(", ")
        .bind(p.birth_registered.as_str().to_owned())
        .push(", ")
        .bind(p.id_card.as_str().to_owned())
        .push(", ")
        .bind(p.statelessness.as_str().to_owned())
        .push(", ")
        .bind(i64::from(p.legally_invisible))
        .push(", ")
        .bind(json(
            &p.groups.iter().map(|g| g.as_str()).collect::<Vec<_>>(),
        ))
        .push(", ")
        .bind(sort_key(p));
}
