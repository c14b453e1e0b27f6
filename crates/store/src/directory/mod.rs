//! Areas, programmes, units and institutions: the organisation and the
//! service directory.

use crate::audit::{append, Actor};
pub use crate::columns::split_list;
use crate::records::{diff, Column, Record};
pub use crate::records::{ListFilter, Page};
use crate::scope::Entity;
use crate::{clock, new_id, Result, Sql, Store, StoreError};
use kopru_domain::policy::{Action, Principal};
use kopru_domain::reference::{Institution, Programme, Unit};
use kopru_domain::search::fold;
use kopru_domain::{Scope, ValidationErrors};
use serde::Serialize;
use sqlx::AnyConnection;

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Area {
    pub code: String,
    pub parent_code: Option<String>,
    pub country: String,
    pub level: i64,
    pub kind: String,
    pub name: String,
    /// The name in the other script (Cyrillic for Serbia), when there is one.
    pub name_alt: Option<String>,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct ProgrammeRow {
    pub id: String,
    pub code: String,
    pub name: String,
    pub donor: Option<String>,
    pub starts_on: Option<String>,
    pub ends_on: Option<String>,
    #[serde(serialize_with = "crate::columns::json_list")]
    #[schema(value_type = Vec<String>)]
    pub result_areas: String,
    pub version: i64,
    pub created_at: String,
    pub updated_at: String,
}

impl ProgrammeRow {
    pub fn result_area_list(&self) -> Vec<String> {
        serde_json::from_str(&self.result_areas).unwrap_or_default()
    }
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct UnitRow {
    pub id: String,
    pub code: String,
    pub name: String,
    pub kind: String,
    pub area_code: String,
    pub area_name: String,
    /// The area's name in the other script, when there is one.
    pub area_name_alt: Option<String>,
    pub programme_code: Option<String>,
    pub address: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub version: i64,
    pub created_at: String,
    pub updated_at: String,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct InstitutionRow {
    pub id: String,
    pub code: String,
    pub name: String,
    pub kind: String,
    pub area_code: String,
    pub area_name: String,
    /// The area's name in the other script, when there is one.
    pub area_name_alt: Option<String>,
    pub address: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub contact_person: Option<String>,
    #[serde(serialize_with = "crate::columns::csv_list")]
    #[schema(value_type = Vec<String>)]
    pub services: String,
    /// An employer's sector and size (micro, small, medium, large).
    pub sector: Option<String>,
    pub size: Option<String>,
    pub version: i64,
    pub created_at: String,
    pub updated_at: String,
}

const UNIT_SELECT: &str = "SELECT u.id, u.code, u.name, u.kind, u.area_code, ar.name AS area_name, ar.name_alt AS area_name_alt, \
     p.code AS programme_code, u.address, u.phone, u.email, u.version, u.created_at, u.updated_at \
     FROM units u JOIN areas ar ON ar.code = u.area_code LEFT JOIN programmes p ON p.id = u.programme_id";
const INSTITUTION_SELECT: &str = "SELECT u.id, u.code, u.name, u.kind, u.area_code, ar.name AS area_name, ar.name_alt AS area_name_alt, \
     u.address, u.phone, u.email, u.contact_person, u.services, u.sector, u.size, u.version, u.created_at, u.updated_at \
     FROM institutions u JOIN areas ar ON ar.code = u.area_code";
const PROGRAMME_COLUMNS: &str =
    "id, code, name, donor, starts_on, ends_on, result_areas, version, created_at, updated_at";

impl Store {
    // ---- areas ----

    /// Areas directly below `parent` (or the countries when `None`), or, with
    /// `q`, areas anywhere whose name matches in any script.
    pub async fn areas(
        &self,
        parent: Option<&str>,
        q: Option<&str>,
        limit: i64,
    ) -> Result<Vec<Area>> {
        self.areas_near(parent, q, limit, None).await
    }

    /// The areas a user works in: their area and country grants, and the areas
    /// of the units and institutions they are assigned to. Empty for
    /// installation-wide users.
    pub async fn home_areas(&self, by: &Principal) -> Result<Vec<String>> {
        let mut out = Vec::new();
        let mut placed = Vec::new();
        for a in &by.assignments {
            match &a.scope {
                Scope::Installation => {}
                Scope::Country(c) | Scope::Area(c) => out.push(c.as_str().to_owned()),
                Scope::Unit(c) | Scope::Institution(c) => placed.push(c.as_str().to_owned()),
            }
        }
        if !placed.is_empty() {
            let mut q = Sql::new("SELECT area_code FROM units WHERE code IN (");
            q.bind_list(placed.clone())
                .push(") UNION SELECT area_code FROM institutions WHERE code IN (")
                .bind_list(placed)
                .push(")");
            let rows: Vec<(String,)> = q.fetch_all(self.pool()).await?;
            out.extend(rows.into_iter().map(|(a,)| a));
        }
        out.sort();
        out.dedup();
        Ok(out)
    }

    /// As [`Store::areas`]; a search lists the areas under `home` first, then
    /// the rest of their countries, then the world (typing «Ниш» in Niš must
    /// not offer Manisa first).
    pub async fn areas_near(
        &self,
        parent: Option<&str>,
        q: Option<&str>,
        limit: i64,
        home: Option<&[String]>,
    ) -> Result<Vec<Area>> {
        let mut s = Sql::new(
            "SELECT code, parent_code, country, level, kind, name, name_alt FROM areas WHERE ",
        );
        match (q.map(fold).filter(|t| !t.is_empty()), parent) {
            (Some(text), parent) => {
                s.push("search_key LIKE ")
                    .bind(format!("%{}%", crate::sql::like_escape(&text)))
                    .push(" ESCAPE '\\'");
                if let Some(p) = parent {
                    s.push(" AND code IN (SELECT descendant_code FROM area_closure WHERE ancestor_code = ")
                        .bind(p.to_ascii_uppercase())
                        .push(")");
                }
                s.push(" ORDER BY ");
                if let Some(home) = home.filter(|h| !h.is_empty()) {
                    s.push("CASE WHEN code IN (SELECT descendant_code FROM area_closure WHERE ancestor_code IN (")
                        .bind_list(home.to_vec())
                        .push(")) THEN 0 WHEN country IN (SELECT country FROM areas WHERE code IN (")
                        .bind_list(home.to_vec())
                        .push(")) THEN 1 ELSE 2 END, ");
                }
                s.push("level, name");
            }
            (None, Some(p)) => {
                s.push("parent_code = ")
                    .bind(p.to_ascii_uppercase())
                    .push(" ORDER BY name");
            }
            (None, None) => {
                s.push("parent_code IS NULL ORDER BY name");
            }
        }
        s.push(" LIMIT ").bind(limit.clamp(1, 2000));
        Ok(s.fetch_all(self.pool()).await?)
    }

    pub async fn area(&self, code: &str) -> Result<Option<Area>> {
        Ok(Sql::new("SELECT code, parent_code, country, level, kind, name, name_alt FROM areas WHERE code = ")
            .bind(code.to_ascii_uppercase())
            .fetch_optional(self.pool())
            .await?)
    }

    /// The chain from the country down to `code`, for breadcrumbs.
    pub async fn area_path(&self, code: &str) -> Result<Vec<Area>> {
        Ok(Sql::new(
            "SELECT a.code, a.parent_code, a.country, a.level, a.kind, a.name, a.name_alt \
             FROM area_closure c JOIN areas a ON a.code = c.ancestor_code WHERE c.descendant_code = ",
        )
        .bind(code.to_ascii_uppercase())
        .push(" ORDER BY a.level")
        .fetch_all(self.pool())
        .await?)
    }

    pub async fn area_count(&self, country: &str, kind: &str) -> Result<i64> {
        let (n,): (i64,) = Sql::new("SELECT COUNT(*) FROM areas WHERE country = ")
            .bind(country.to_owned())
            .push(" AND kind = ")
            .bind(kind.to_owned())
            .fetch_one(self.pool())
            .await?;
        Ok(n)
    }

    // ---- programmes ----

    pub async fn programmes(&self) -> Result<Vec<ProgrammeRow>> {
        Ok(Sql::new(&format!(
            "SELECT {PROGRAMME_COLUMNS} FROM programmes ORDER BY code"
        ))
        .fetch_all(self.pool())
        .await?)
    }

    pub async fn programme(&self, id: &str) -> Result<Option<ProgrammeRow>> {
        Ok(Sql::new(&format!(
            "SELECT {PROGRAMME_COLUMNS} FROM programmes WHERE id = "
        ))
        .bind(id.to_owned())
        .fetch_optional(self.pool())
        .await?)
    }

    pub async fn create_programme(
        &self,
        actor: &Actor,
        by: &Principal,
        p: &Programme,
    ) -> Result<ProgrammeRow> {
        if !by.may(Action::ManageProgrammes) {
            return Err(StoreError::Forbidden);
        }
        let id = new_id();
        let now = clock::now();
        let mut tx = self.begin_write().await?;
        let mut q = Sql::new(&format!(
            "INSERT INTO programmes ({PROGRAMME_COLUMNS}) VALUES ("
        ));
        q.bind(id.clone())
            .push(", ")
            .bind(p.code.as_str().to_owned())
            .push(", ")
            .bind(p.name.as_str().to_owned())
            .push(", ")
            .bind(p.donor.clone())
            .push(", ")
            .bind(p.starts_on.clone())
            .push(", ")
            .bind(p.ends_on.clone())
            .push(", ")
            .bind(serde_json::to_string(&p.result_areas).unwrap_or_else(|_| "[]".into()))
            .push(", 1, ")
            .bind(now.clone())
            .push(", ")
            .bind(now)
            .push(")");
        q.execute(tx.conn())
            .await
            .map_err(|e| StoreError::unique_to_field(e, "code"))?;
        append(
            tx.conn(),
            &actor
                .event("programme.create")
                .record("programme", &id)
                .details(serde_json::json!({ "code": p.code.as_str(), "name": p.name.as_str() })),
        )
        .await?;
        tx.commit().await?;
        self.programme(&id).await?.ok_or(StoreError::NotFound)
    }

    pub async fn update_programme(
        &self,
        actor: &Actor,
        by: &Principal,
        id: &str,
        version: i64,
        p: &Programme,
    ) -> Result<ProgrammeRow> {
        if !by.may(Action::ManageProgrammes) {
            return Err(StoreError::Forbidden);
        }
        let mut tx = self.begin_write().await?;
        let old: ProgrammeRow = Sql::new(&format!(
            "SELECT {PROGRAMME_COLUMNS} FROM programmes WHERE id = "
        ))
        .bind(id.to_owned())
        .fetch_optional(tx.conn())
        .await?
        .ok_or(StoreError::NotFound)?;
        let areas = serde_json::to_string(&p.result_areas).unwrap_or_else(|_| "[]".into());
        let mut q = Sql::new("UPDATE programmes SET code = ");
        q.bind(p.code.as_str().to_owned())
            .push(", name = ")
            .bind(p.name.as_str().to_owned())
            .push(", donor = ")
            .bind(p.donor.clone())
            .push(", starts_on = ")
            .bind(p.starts_on.clone())
            .push(", ends_on = ")
            .bind(p.ends_on.clone())
            .push(", result_areas = ")
            .bind(areas.clone())
            .push(", version = version + 1, updated_at = ")
            .bind(clock::now())
            .push(" WHERE id = ")
            .bind(id.to_owned())
            .push(" AND version = ")
            .bind(version);
        let n = q
            .execute(tx.conn())
            .await
            .map_err(|e| StoreError::unique_to_field(e, "code"))?;
        if n == 0 {
            return Err(StoreError::Conflict {
                current: old.version,
            });
        }
        let o = |v: &Option<String>| v.clone();
        let changes = diff(
            &[
                ("code", Some(old.code.clone())),
                ("name", Some(old.name.clone())),
                ("donor", o(&old.donor)),
                ("starts_on", o(&old.starts_on)),
                ("ends_on", o(&old.ends_on)),
                ("result_areas", Some(old.result_areas.clone())),
            ],
            &[
                ("code", Some(p.code.as_str().to_owned())),
                ("name", Some(p.name.as_str().to_owned())),
                ("donor", o(&p.donor)),
                ("starts_on", o(&p.starts_on)),
                ("ends_on", o(&p.ends_on)),
                ("result_areas", Some(areas.clone())),
            ],
        );
        append(
            tx.conn(),
            &actor
                .event("programme.update")
                .record("programme", id)
                .details(changes),
        )
        .await?;
        tx.commit().await?;
        self.programme(id).await?.ok_or(StoreError::NotFound)
    }

    // ---- units ----

    pub async fn units(&self, viewer: &Principal, f: &ListFilter) -> Result<Page<UnitRow>> {
        self.records(viewer, f).await
    }

    pub async fn unit(&self, viewer: &Principal, id: &str) -> Result<Option<UnitRow>> {
        self.record(viewer, id).await
    }

    pub async fn create_unit(&self, actor: &Actor, by: &Principal, u: &Unit) -> Result<UnitRow> {
        self.create_record(actor, by, u).await
    }

    pub async fn update_unit(
        &self,
        actor: &Actor,
        by: &Principal,
        id: &str,
        version: i64,
        u: &Unit,
    ) -> Result<UnitRow> {
        self.update_record(actor, by, id, version, u).await
    }

    pub async fn institutions(
        &self,
        viewer: &Principal,
        f: &ListFilter,
    ) -> Result<Page<InstitutionRow>> {
        self.records(viewer, f).await
    }

    pub async fn institution(
        &self,
        viewer: &Principal,
        id: &str,
    ) -> Result<Option<InstitutionRow>> {
        self.record(viewer, id).await
    }

    pub async fn create_institution(
        &self,
        actor: &Actor,
        by: &Principal,
        i: &Institution,
    ) -> Result<InstitutionRow> {
        self.create_record(actor, by, i).await
    }

    pub async fn update_institution(
        &self,
        actor: &Actor,
        by: &Principal,
        id: &str,
        version: i64,
        i: &Institution,
    ) -> Result<InstitutionRow> {
        self.update_record(actor, by, id, version, i).await
    }
}

/// The programme a unit names, by code: its id.
async fn programme_id(conn: &mut AnyConnection, code: Option<&str>) -> Result<Option<String>> {
    let Some(code) = code else { return Ok(None) };
    let row: Option<(String,)> = Sql::new("SELECT id FROM programmes WHERE code = ")
        .bind(code.to_owned())
        .fetch_optional(conn)
        .await?;
    match row {
        Some((id,)) => Ok(Some(id)),
        None => Err(ValidationErrors::single("programme_code", "err-programme-unknown").into()),
    }
}

impl Record for UnitRow {
    type Value = Unit;
    const KIND: &'static str = "unit";
    const ENTITY: Entity = Entity::Unit;
    const TABLE: &'static str = "units";
    const SELECT: &'static str = UNIT_SELECT;
    const VIEW: Action = Action::ViewDirectory;
    const MANAGE: Action = Action::ManageUnits;

    fn version(&self) -> i64 {
        self.version
    }
    fn place(u: &Unit) -> (&str, &str) {
        (u.area_code.as_str(), u.code.as_str())
    }
    fn audit_unit(u: &Unit) -> Option<&str> {
        Some(u.code.as_str())
    }
    fn search_text(u: &Unit) -> String {
        format!("{} {}", u.name, u.code)
    }
    async fn columns(conn: &mut AnyConnection, u: &Unit) -> Result<Vec<Column>> {
        let programme = programme_id(conn, u.programme_code.as_ref().map(|c| c.as_str())).await?;
        let mut c = Self::fields(u);
        c.retain(|(name, _)| *name != "programme_code"); // written by id
        c.push(("programme_id", programme));
        Ok(c)
    }
    fn fields(u: &Unit) -> Vec<Column> {
        vec![
            ("code", Some(u.code.as_str().to_owned())),
            ("name", Some(u.name.as_str().to_owned())),
            ("kind", Some(u.kind.as_str().to_owned())),
            ("area_code", Some(u.area_code.as_str().to_owned())),
            (
                "programme_code",
                u.programme_code.as_ref().map(|c| c.as_str().to_owned()),
            ),
            ("address", u.address.clone()),
            ("phone", u.phone.clone()),
            ("email", u.email.clone()),
        ]
    }
    fn row_fields(&self) -> Vec<Column> {
        vec![
            ("code", Some(self.code.clone())),
            ("name", Some(self.name.clone())),
            ("kind", Some(self.kind.clone())),
            ("area_code", Some(self.area_code.clone())),
            ("programme_code", self.programme_code.clone()),
            ("address", self.address.clone()),
            ("phone", self.phone.clone()),
            ("email", self.email.clone()),
        ]
    }
}

impl Record for InstitutionRow {
    type Value = Institution;
    const KIND: &'static str = "institution";
    const ENTITY: Entity = Entity::Institution;
    const TABLE: &'static str = "institutions";
    const SELECT: &'static str = INSTITUTION_SELECT;
    const VIEW: Action = Action::ViewDirectory;
    const MANAGE: Action = Action::ManageInstitutions;

    fn version(&self) -> i64 {
        self.version
    }
    fn place(i: &Institution) -> (&str, &str) {
        (i.area_code.as_str(), i.code.as_str())
    }
    fn search_text(i: &Institution) -> String {
        format!("{} {}", i.name, i.code)
    }
    async fn columns(_: &mut AnyConnection, i: &Institution) -> Result<Vec<Column>> {
        Ok(Self::fields(i))
    }
    fn fields(i: &Institution) -> Vec<Column> {
        let services: Vec<&str> = i.services.iter().map(|s| s.as_str()).collect();
        vec![
            ("code", Some(i.code.as_str().to_owned())),
            ("name", Some(i.name.as_str().to_owned())),
            ("kind", Some(i.kind.as_str().to_owned())),
            ("area_code", Some(i.area_code.as_str().to_owned())),
            ("address", i.address.clone()),
            ("phone", i.phone.clone()),
            ("email", i.email.clone()),
            ("contact_person", i.contact_person.clone()),
            ("services", Some(services.join(","))),
            ("sector", i.sector.clone()),
            ("size", i.size.map(|s| s.as_str().to_owned())),
        ]
    }
    fn row_fields(&self) -> Vec<Column> {
        vec![
            ("code", Some(self.code.clone())),
            ("name", Some(self.name.clone())),
            ("kind", Some(self.kind.clone())),
            ("area_code", Some(self.area_code.clone())),
            ("address", self.address.clone()),
            ("phone", self.phone.clone()),
            ("email", self.email.clone()),
            ("contact_person", self.contact_person.clone()),
            ("services", Some(self.services.clone())),
            ("sector", self.sector.clone()),
            ("size", self.size.clone()),
        ]
    }
}
