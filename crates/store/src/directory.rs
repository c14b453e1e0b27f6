//! Areas, programmes, units and institutions: the organisation and the
//! service directory.

use crate::audit::{append, Actor};
use crate::scope::{place_allowed, push_visible, Entity};
use crate::{clock, new_id, Result, Sql, Store, StoreError};
use kopru_domain::policy::{Action, Principal};
use kopru_domain::reference::{Institution, Programme, Unit};
use kopru_domain::search::fold;
use kopru_domain::{Scope, ValidationErrors};
use serde::{Serialize, Serializer};
use sqlx::AnyConnection;

fn json_list<S: Serializer>(text: &str, s: S) -> std::result::Result<S::Ok, S::Error> {
    let v: Vec<String> = serde_json::from_str(text).unwrap_or_default();
    v.serialize(s)
}

fn csv_list<S: Serializer>(text: &str, s: S) -> std::result::Result<S::Ok, S::Error> {
    split_list(text).serialize(s)
}

pub fn split_list(text: &str) -> Vec<String> {
    text.split(',')
        .filter(|x| !x.is_empty())
        .map(str::to_owned)
        .collect()
}

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
    #[serde(serialize_with = "json_list")]
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
    #[serde(serialize_with = "csv_list")]
    #[schema(value_type = Vec<String>)]
    pub services: String,
    pub version: i64,
    pub created_at: String,
    pub updated_at: String,
}

/// Filters shared by the directory lists.
#[derive(Debug, Clone, Default)]
pub struct ListFilter {
    /// Any part of the name or code, in any script or spelling.
    pub q: Option<String>,
    /// Only rows in this area or below it.
    pub area: Option<String>,
    pub kind: Option<String>,
    pub limit: i64,
    pub offset: i64,
}

pub struct Page<T> {
    pub rows: Vec<T>,
    pub total: i64,
}

const UNIT_SELECT: &str = "SELECT u.id, u.code, u.name, u.kind, u.area_code, ar.name AS area_name, ar.name_alt AS area_name_alt, \
     p.code AS programme_code, u.version, u.created_at, u.updated_at \
     FROM units u JOIN areas ar ON ar.code = u.area_code LEFT JOIN programmes p ON p.id = u.programme_id";
const INSTITUTION_SELECT: &str = "SELECT u.id, u.code, u.name, u.kind, u.area_code, ar.name AS area_name, ar.name_alt AS area_name_alt, \
     u.address, u.phone, u.email, u.contact_person, u.services, u.version, u.created_at, u.updated_at \
     FROM institutions u JOIN areas ar ON ar.code = u.area_code";
const PROGRAMME_COLUMNS: &str =
    "id, code, name, donor, starts_on, ends_on, result_areas, version, created_at, updated_at";

/// Appends the filter's conditions for a table aliased `u` with `search_key`,
/// `area_code` and `kind` columns.
fn push_filter(q: &mut Sql, f: &ListFilter) {
    if let Some(text) = f.q.as_deref().map(fold).filter(|s| !s.is_empty()) {
        q.push(" AND u.search_key LIKE ")
            .bind(format!("%{}%", crate::sql::like_escape(&text)))
            .push(" ESCAPE '\\'");
    }
    if let Some(area) = f.area.as_deref().filter(|s| !s.is_empty()) {
        q.push(
            " AND u.area_code IN (SELECT descendant_code FROM area_closure WHERE ancestor_code = ",
        )
        .bind(area.to_ascii_uppercase())
        .push(")");
    }
    if let Some(kind) = f.kind.as_deref().filter(|s| !s.is_empty()) {
        q.push(" AND u.kind = ").bind(kind.to_owned());
    }
}

/// One list query and its count, both scoped, for a directory table.
async fn scoped_page<T>(
    store: &Store,
    select: &str,
    entity: Entity,
    grants: &[kopru_domain::Scope],
    f: &ListFilter,
) -> Result<Page<T>>
where
    T: for<'r> sqlx::FromRow<'r, sqlx::any::AnyRow> + Send + Unpin,
{
    let mut q = Sql::new(&format!("{select} WHERE "));
    push_visible(&mut q, entity, "u", grants);
    push_filter(&mut q, f);
    q.push(" ORDER BY u.name, u.code LIMIT ")
        .bind(f.limit.clamp(1, 500))
        .push(" OFFSET ")
        .bind(f.offset.max(0));
    let rows = q.fetch_all(store.pool()).await?;
    let mut c = Sql::new(&format!(
        "SELECT COUNT(*) FROM {} u WHERE ",
        entity_table(entity)
    ));
    push_visible(&mut c, entity, "u", grants);
    push_filter(&mut c, f);
    let (total,): (i64,) = c.fetch_one(store.pool()).await?;
    Ok(Page { rows, total })
}

/// Fetches one row by id within grants.
async fn scoped_one<T>(
    conn: &mut AnyConnection,
    select: &str,
    entity: Entity,
    grants: &[kopru_domain::Scope],
    id: &str,
) -> Result<Option<T>>
where
    T: for<'r> sqlx::FromRow<'r, sqlx::any::AnyRow> + Send + Unpin,
{
    let mut q = Sql::new(&format!("{select} WHERE u.id = "));
    q.bind(id.to_owned()).push(" AND ");
    push_visible(&mut q, entity, "u", grants);
    Ok(q.fetch_optional(conn).await?)
}

/// The row as it is before an edit: 404 when the editor cannot see it, 403 when
/// they can see it but their grants for `manage` do not cover it.
async fn editable<T>(
    conn: &mut AnyConnection,
    select: &str,
    entity: Entity,
    by: &Principal,
    manage: Action,
    id: &str,
) -> Result<T>
where
    T: for<'r> sqlx::FromRow<'r, sqlx::any::AnyRow> + Send + Unpin,
{
    let old = scoped_one(
        &mut *conn,
        select,
        entity,
        &by.grants(Action::ViewDirectory),
        id,
    )
    .await?
    .ok_or(StoreError::NotFound)?;
    let mut q = Sql::new(&format!(
        "SELECT 1 FROM {} u WHERE u.id = ",
        entity_table(entity)
    ));
    q.bind(id.to_owned()).push(" AND ");
    push_visible(&mut q, entity, "u", &by.grants(manage));
    let may: Option<(i64,)> = q.fetch_optional(conn).await?;
    if may.is_none() {
        return Err(StoreError::Forbidden);
    }
    Ok(old)
}

pub(crate) fn entity_table(entity: Entity) -> &'static str {
    match entity {
        Entity::Unit => "units",
        Entity::Institution => "institutions",
        Entity::User => "users",
        Entity::AuditEntry => "audit_log",
        Entity::Person => "persons",
        Entity::Household => "households",
        Entity::Case => "cases",
        Entity::Referral => "referrals",
    }
}

async fn area_exists(conn: &mut AnyConnection, code: &str) -> Result<bool> {
    let hit: Option<(i64,)> = Sql::new("SELECT 1 FROM areas WHERE code = ")
        .bind(code.to_owned())
        .fetch_optional(conn)
        .await?;
    Ok(hit.is_some())
}

/// Before writing a row of `entity` at `area`: the area must exist and the
/// writer's grants for `action` must cover the place.
async fn check_place(
    conn: &mut AnyConnection,
    by: &Principal,
    action: Action,
    entity: Entity,
    area: &str,
    code: &str,
) -> Result<()> {
    if !area_exists(&mut *conn, area).await? {
        return Err(ValidationErrors::single("area_code", "err-area-unknown").into());
    }
    if !place_allowed(conn, entity, &by.grants(action), area, code).await? {
        return Err(StoreError::Forbidden);
    }
    Ok(())
}

/// Field-by-field changes for the audit entry: `{field: [old, new]}`.
fn diff(pairs: &[(&str, Option<&str>, Option<&str>)]) -> serde_json::Value {
    let mut m = serde_json::Map::new();
    for (field, old, new) in pairs {
        if old != new {
            m.insert((*field).to_owned(), serde_json::json!([old, new]));
        }
    }
    serde_json::Value::Object(m)
}

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
        let changes = diff(&[
            ("code", Some(&old.code), Some(p.code.as_str())),
            ("name", Some(&old.name), Some(p.name.as_str())),
            ("donor", old.donor.as_deref(), p.donor.as_deref()),
            (
                "starts_on",
                old.starts_on.as_deref(),
                p.starts_on.as_deref(),
            ),
            ("ends_on", old.ends_on.as_deref(), p.ends_on.as_deref()),
            ("result_areas", Some(&old.result_areas), Some(&areas)),
        ]);
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
        scoped_page(
            self,
            UNIT_SELECT,
            Entity::Unit,
            &viewer.grants(Action::ViewDirectory),
            f,
        )
        .await
    }

    pub async fn unit(&self, viewer: &Principal, id: &str) -> Result<Option<UnitRow>> {
        let mut conn = self.acquire().await?;
        scoped_one(
            &mut conn,
            UNIT_SELECT,
            Entity::Unit,
            &viewer.grants(Action::ViewDirectory),
            id,
        )
        .await
    }

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

    pub async fn create_unit(&self, actor: &Actor, by: &Principal, u: &Unit) -> Result<UnitRow> {
        let mut tx = self.begin_write().await?;
        check_place(
            tx.conn(),
            by,
            Action::ManageUnits,
            Entity::Unit,
            u.area_code.as_str(),
            u.code.as_str(),
        )
        .await?;
        let programme_id =
            Self::programme_id(tx.conn(), u.programme_code.as_ref().map(|c| c.as_str())).await?;
        let id = new_id();
        let now = clock::now();
        let mut q = Sql::new(
            "INSERT INTO units (id, code, name, kind, area_code, programme_id, search_key, version, created_at, updated_at) VALUES (",
        );
        q.bind(id.clone())
            .push(", ")
            .bind(u.code.as_str().to_owned())
            .push(", ")
            .bind(u.name.as_str().to_owned())
            .push(", ")
            .bind(u.kind.as_str().to_owned())
            .push(", ")
            .bind(u.area_code.as_str().to_owned())
            .push(", ")
            .bind(programme_id)
            .push(", ")
            .bind(fold(&format!("{} {}", u.name, u.code)))
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
            &actor.event("unit.create").record("unit", &id)
                .area(Some(u.area_code.as_str())).unit(Some(u.code.as_str()))
                .details(serde_json::json!({ "code": u.code.as_str(), "name": u.name.as_str(), "kind": u.kind.as_str() })),
        )
        .await?;
        let row = scoped_one(
            tx.conn(),
            UNIT_SELECT,
            Entity::Unit,
            &[kopru_domain::Scope::Installation],
            &id,
        )
        .await?;
        tx.commit().await?;
        row.ok_or(StoreError::NotFound)
    }

    pub async fn update_unit(
        &self,
        actor: &Actor,
        by: &Principal,
        id: &str,
        version: i64,
        u: &Unit,
    ) -> Result<UnitRow> {
        let mut tx = self.begin_write().await?;
        let old: UnitRow = editable(
            tx.conn(),
            UNIT_SELECT,
            Entity::Unit,
            by,
            Action::ManageUnits,
            id,
        )
        .await?;
        check_place(
            tx.conn(),
            by,
            Action::ManageUnits,
            Entity::Unit,
            u.area_code.as_str(),
            u.code.as_str(),
        )
        .await?;
        let programme_id =
            Self::programme_id(tx.conn(), u.programme_code.as_ref().map(|c| c.as_str())).await?;
        let mut q = Sql::new("UPDATE units SET code = ");
        q.bind(u.code.as_str().to_owned())
            .push(", name = ")
            .bind(u.name.as_str().to_owned())
            .push(", kind = ")
            .bind(u.kind.as_str().to_owned())
            .push(", area_code = ")
            .bind(u.area_code.as_str().to_owned())
            .push(", programme_id = ")
            .bind(programme_id)
            .push(", search_key = ")
            .bind(fold(&format!("{} {}", u.name, u.code)))
            .push(", version = version + 1, updated_at = ")
            .bind(clock::now())
            .push(" WHERE id = ")
            .bind(id.to_owned())
            .push(" AND version = ")
            .bind(version);
        if q.execute(tx.conn())
            .await
            .map_err(|e| StoreError::unique_to_field(e, "code"))?
            == 0
        {
            return Err(StoreError::Conflict {
                current: old.version,
            });
        }
        let changes = diff(&[
            ("code", Some(&old.code), Some(u.code.as_str())),
            ("name", Some(&old.name), Some(u.name.as_str())),
            ("kind", Some(&old.kind), Some(u.kind.as_str())),
            (
                "area_code",
                Some(&old.area_code),
                Some(u.area_code.as_str()),
            ),
            (
                "programme_code",
                old.programme_code.as_deref(),
                u.programme_code.as_ref().map(|c| c.as_str()),
            ),
        ]);
        append(
            tx.conn(),
            &actor
                .event("unit.update")
                .record("unit", id)
                .area(Some(u.area_code.as_str()))
                .unit(Some(u.code.as_str()))
                .details(changes),
        )
        .await?;
        let row = scoped_one(
            tx.conn(),
            UNIT_SELECT,
            Entity::Unit,
            &[kopru_domain::Scope::Installation],
            id,
        )
        .await?;
        tx.commit().await?;
        row.ok_or(StoreError::NotFound)
    }

    // ---- institutions ----

    pub async fn institutions(
        &self,
        viewer: &Principal,
        f: &ListFilter,
    ) -> Result<Page<InstitutionRow>> {
        scoped_page(
            self,
            INSTITUTION_SELECT,
            Entity::Institution,
            &viewer.grants(Action::ViewDirectory),
            f,
        )
        .await
    }

    pub async fn institution(
        &self,
        viewer: &Principal,
        id: &str,
    ) -> Result<Option<InstitutionRow>> {
        let mut conn = self.acquire().await?;
        scoped_one(
            &mut conn,
            INSTITUTION_SELECT,
            Entity::Institution,
            &viewer.grants(Action::ViewDirectory),
            id,
        )
        .await
    }

    pub async fn create_institution(
        &self,
        actor: &Actor,
        by: &Principal,
        i: &Institution,
    ) -> Result<InstitutionRow> {
        let mut tx = self.begin_write().await?;
        check_place(
            tx.conn(),
            by,
            Action::ManageInstitutions,
            Entity::Institution,
            i.area_code.as_str(),
            i.code.as_str(),
        )
        .await?;
        let id = new_id();
        let now = clock::now();
        let services: Vec<&str> = i.services.iter().map(|s| s.as_str()).collect();
        let mut q = Sql::new(
            "INSERT INTO institutions (id, code, name, kind, area_code, address, phone, email, contact_person, \
             services, search_key, version, created_at, updated_at) VALUES (",
        );
        q.bind(id.clone())
            .push(", ")
            .bind(i.code.as_str().to_owned())
            .push(", ")
            .bind(i.name.as_str().to_owned())
            .push(", ")
            .bind(i.kind.as_str().to_owned())
            .push(", ")
            .bind(i.area_code.as_str().to_owned())
            .push(", ")
            .bind(i.address.clone())
            .push(", ")
            .bind(i.phone.clone())
            .push(", ")
            .bind(i.email.clone())
            .push(", ")
            .bind(i.contact_person.clone())
            .push(", ")
            .bind(services.join(","))
            .push(", ")
            .bind(fold(&format!("{} {}", i.name, i.code)))
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
            &actor.event("institution.create").record("institution", &id).area(Some(i.area_code.as_str()))
                .details(serde_json::json!({ "code": i.code.as_str(), "name": i.name.as_str(), "kind": i.kind.as_str() })),
        )
        .await?;
        let row = scoped_one(
            tx.conn(),
            INSTITUTION_SELECT,
            Entity::Institution,
            &[kopru_domain::Scope::Installation],
            &id,
        )
        .await?;
        tx.commit().await?;
        row.ok_or(StoreError::NotFound)
    }

    pub async fn update_institution(
        &self,
        actor: &Actor,
        by: &Principal,
        id: &str,
        version: i64,
        i: &Institution,
    ) -> Result<InstitutionRow> {
        let mut tx = self.begin_write().await?;
        let old: InstitutionRow = editable(
            tx.conn(),
            INSTITUTION_SELECT,
            Entity::Institution,
            by,
            Action::ManageInstitutions,
            id,
        )
        .await?;
        check_place(
            tx.conn(),
            by,
            Action::ManageInstitutions,
            Entity::Institution,
            i.area_code.as_str(),
            i.code.as_str(),
        )
        .await?;
        let services: Vec<&str> = i.services.iter().map(|s| s.as_str()).collect();
        let services = services.join(",");
        let mut q = Sql::new("UPDATE institutions SET code = ");
        q.bind(i.code.as_str().to_owned())
            .push(", name = ")
            .bind(i.name.as_str().to_owned())
            .push(", kind = ")
            .bind(i.kind.as_str().to_owned())
            .push(", area_code = ")
            .bind(i.area_code.as_str().to_owned())
            .push(", address = ")
            .bind(i.address.clone())
            .push(", phone = ")
            .bind(i.phone.clone())
            .push(", email = ")
            .bind(i.email.clone())
            .push(", contact_person = ")
            .bind(i.contact_person.clone())
            .push(", services = ")
            .bind(services.clone())
            .push(", search_key = ")
            .bind(fold(&format!("{} {}", i.name, i.code)))
            .push(", version = version + 1, updated_at = ")
            .bind(clock::now())
            .push(" WHERE id = ")
            .bind(id.to_owned())
            .push(" AND version = ")
            .bind(version);
        if q.execute(tx.conn())
            .await
            .map_err(|e| StoreError::unique_to_field(e, "code"))?
            == 0
        {
            return Err(StoreError::Conflict {
                current: old.version,
            });
        }
        let changes = diff(&[
            ("code", Some(&old.code), Some(i.code.as_str())),
            ("name", Some(&old.name), Some(i.name.as_str())),
            ("kind", Some(&old.kind), Some(i.kind.as_str())),
            (
                "area_code",
                Some(&old.area_code),
                Some(i.area_code.as_str()),
            ),
            ("address", old.address.as_deref(), i.address.as_deref()),
            ("phone", old.phone.as_deref(), i.phone.as_deref()),
            ("email", old.email.as_deref(), i.email.as_deref()),
            (
                "contact_person",
                old.contact_person.as_deref(),
                i.contact_person.as_deref(),
            ),
            ("services", Some(&old.services), Some(&services)),
        ]);
        append(
            tx.conn(),
            &actor
                .event("institution.update")
                .record("institution", id)
                .area(Some(i.area_code.as_str()))
                .details(changes),
        )
        .await?;
        let row = scoped_one(
            tx.conn(),
            INSTITUTION_SELECT,
            Entity::Institution,
            &[kopru_domain::Scope::Installation],
            id,
        )
        .await?;
        tx.commit().await?;
        row.ok_or(StoreError::NotFound)
    }
}
