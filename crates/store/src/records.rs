//! Plumbing written once for records kept in one table with a code, a name,
//! a kind and a place (`area_code`), a `search_key` and a `version`: list
//! with scope, filters and paging; read within scope; create and update with
//! the place checked against the writer's grants, a version check, a unique
//! code turned into a field error, and an audit entry that says what changed.
//!
//! The directory's units and institutions are such records; a new feature
//! whose rows have that shape implements [`Record`] and gets the rest.

use crate::audit::{append, Actor};
use crate::scope::{place_allowed, push_visible, Entity};
use crate::{clock, new_id, Result, Sql, Store, StoreError};
use kopru_domain::policy::{Action, Principal};
use kopru_domain::search::fold;
use kopru_domain::{Scope, ValidationErrors};
use sqlx::AnyConnection;
use std::future::Future;

/// Filters shared by record lists.
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

/// A count of rows by a key (a status, a kind, a worker) for dashboards.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct Count {
    pub key: String,
    pub count: i64,
}

/// One page of a list and the count of all rows the filter matches.
pub struct Page<T> {
    pub rows: Vec<T>,
    pub total: i64,
}

/// A column's value to write.
pub type Column = (&'static str, Option<String>);

/// A record of the shape above. `SELECT` reads the table aliased `u`.
pub trait Record: for<'r> sqlx::FromRow<'r, sqlx::any::AnyRow> + Send + Unpin {
    /// The validated value a create or an update writes.
    type Value: Sync;
    /// The record type in the audit log and the prefix of its events (`unit.create`).
    const KIND: &'static str;
    const ENTITY: Entity;
    const TABLE: &'static str;
    /// `SELECT … FROM <table> u …`, without a `WHERE`.
    const SELECT: &'static str;
    /// The action that lets a user see these records, and the one that lets
    /// them create and edit them.
    const VIEW: Action;
    const MANAGE: Action;

    fn version(&self) -> i64;
    /// Where a value is: its area and its code (the unit code for a unit).
    fn place(v: &Self::Value) -> (&str, &str);
    /// The unit an audit entry names, if the record is (or belongs to) one.
    fn audit_unit(_v: &Self::Value) -> Option<&str> {
        None
    }
    /// The text a list's `q` searches (folded before it is stored).
    fn search_text(v: &Self::Value) -> String;
    /// The columns to write (looked up where a value names another record).
    fn columns(
        conn: &mut AnyConnection,
        v: &Self::Value,
    ) -> impl Future<Output = Result<Vec<Column>>> + Send;
    /// The audited fields of a value, and of a stored row, by the same names.
    fn fields(v: &Self::Value) -> Vec<Column>;
    fn row_fields(&self) -> Vec<Column>;
}

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

/// Fetches one row by id within grants.
async fn scoped_one<R: Record>(
    conn: &mut AnyConnection,
    grants: &[Scope],
    id: &str,
) -> Result<Option<R>> {
    let mut q = Sql::new(&format!("{} WHERE u.id = ", R::SELECT));
    q.bind(id.to_owned()).push(" AND ");
    push_visible(&mut q, R::ENTITY, "u", grants);
    Ok(q.fetch_optional(conn).await?)
}

/// The row as it is before an edit: 404 when the editor cannot see it, 403 when
/// they can see it but their grants to manage do not cover it.
async fn editable<R: Record>(conn: &mut AnyConnection, by: &Principal, id: &str) -> Result<R> {
    let old = scoped_one::<R>(&mut *conn, &by.grants(R::VIEW), id)
        .await?
        .ok_or(StoreError::NotFound)?;
    let mut q = Sql::new(&format!("SELECT 1 FROM {} u WHERE u.id = ", R::TABLE));
    q.bind(id.to_owned()).push(" AND ");
    push_visible(&mut q, R::ENTITY, "u", &by.grants(R::MANAGE));
    let may: Option<(i64,)> = q.fetch_optional(conn).await?;
    if may.is_none() {
        return Err(StoreError::Forbidden);
    }
    Ok(old)
}

/// Before writing a value: its area must exist and the writer's grants to
/// manage must cover the place.
async fn check_place<R: Record>(
    conn: &mut AnyConnection,
    by: &Principal,
    v: &R::Value,
) -> Result<()> {
    let (area, code) = R::place(v);
    let known: Option<(i64,)> = Sql::new("SELECT 1 FROM areas WHERE code = ")
        .bind(area.to_owned())
        .fetch_optional(&mut *conn)
        .await?;
    if known.is_none() {
        return Err(ValidationErrors::single("area_code", "err-area-unknown").into());
    }
    if !place_allowed(conn, R::ENTITY, &by.grants(R::MANAGE), area, code).await? {
        return Err(StoreError::Forbidden);
    }
    Ok(())
}

/// `UPDATE table SET cols…, version = version + 1 WHERE id = $ AND version = $`:
/// a `Conflict` naming `current` when the row changed since `version` was read.
pub(crate) async fn update_versioned(
    conn: &mut AnyConnection,
    table: &str,
    cols: &[(&str, crate::sql::Val)],
    id: &str,
    version: i64,
    current: i64,
) -> Result<()> {
    let n = Sql::update(table, cols)
        .push(", version = version + 1 WHERE id = ")
        .bind(id.to_owned())
        .push(" AND version = ")
        .bind(version)
        .execute(conn)
        .await?;
    if n == 0 {
        return Err(StoreError::Conflict { current });
    }
    Ok(())
}

/// Field-by-field changes for the audit entry: `{field: [old, new]}`.
pub(crate) fn diff(old: &[Column], new: &[Column]) -> serde_json::Value {
    let mut m = serde_json::Map::new();
    for ((field, a), (_, b)) in old.iter().zip(new) {
        if a != b {
            m.insert((*field).to_owned(), serde_json::json!([a, b]));
        }
    }
    serde_json::Value::Object(m)
}

impl Store {
    /// A page of records the viewer may see, with the count of all that match.
    pub async fn records<R: Record>(&self, viewer: &Principal, f: &ListFilter) -> Result<Page<R>> {
        let grants = viewer.grants(R::VIEW);
        let rows = self.records_page(&grants, f).await?;
        let mut c = Sql::new(&format!("SELECT COUNT(*) FROM {} u WHERE ", R::TABLE));
        push_visible(&mut c, R::ENTITY, "u", &grants);
        push_filter(&mut c, f);
        let (total,): (i64,) = c.fetch_one(self.pool()).await?;
        Ok(Page { rows, total })
    }

    /// Every record the filter matches that the viewer may see (its paging
    /// ignored), read 500 at a time, for an export: no count per page.
    pub async fn all_records<R: Record>(
        &self,
        viewer: &Principal,
        f: &ListFilter,
    ) -> Result<Vec<R>> {
        let grants = viewer.grants(R::VIEW);
        let mut page = f.clone();
        page.limit = 500;
        page.offset = 0;
        let mut out = Vec::new();
        loop {
            let rows = self.records_page::<R>(&grants, &page).await?;
            let n = rows.len() as i64;
            out.extend(rows);
            if n < page.limit {
                return Ok(out);
            }
            page.offset += n;
        }
    }

    async fn records_page<R: Record>(&self, grants: &[Scope], f: &ListFilter) -> Result<Vec<R>> {
        let mut q = Sql::new(&format!("{} WHERE ", R::SELECT));
        push_visible(&mut q, R::ENTITY, "u", grants);
        push_filter(&mut q, f);
        q.push(" ORDER BY u.name, u.code").limit(f.limit, f.offset);
        Ok(q.fetch_all(self.pool()).await?)
    }

    /// One record, if the viewer may see it.
    pub async fn record<R: Record>(&self, viewer: &Principal, id: &str) -> Result<Option<R>> {
        let mut conn = self.acquire().await?;
        scoped_one(&mut conn, &viewer.grants(R::VIEW), id).await
    }

    pub async fn create_record<R: Record>(
        &self,
        actor: &Actor,
        by: &Principal,
        v: &R::Value,
    ) -> Result<R> {
        let mut tx = self.begin_write().await?;
        check_place::<R>(tx.conn(), by, v).await?;
        let id = new_id();
        let now = clock::now();
        let columns = R::columns(tx.conn(), v).await?;
        let names: Vec<&str> = columns.iter().map(|(c, _)| *c).collect();
        let mut q = Sql::new(&format!(
            "INSERT INTO {} (id, {}, search_key, version, created_at, updated_at) VALUES (",
            R::TABLE,
            names.join(", ")
        ));
        q.bind(id.clone());
        for (_, value) in columns {
            q.push(", ").bind(value);
        }
        q.push(", ")
            .bind(fold(&R::search_text(v)))
            .push(", 1, ")
            .bind(now.clone())
            .push(", ")
            .bind(now)
            .push(")");
        q.execute(tx.conn())
            .await
            .map_err(|e| StoreError::unique_to_field(e, "code"))?;
        let created: serde_json::Map<String, serde_json::Value> = R::fields(v)
            .into_iter()
            .map(|(f, v)| (f.to_owned(), serde_json::json!(v)))
            .collect();
        append(
            tx.conn(),
            &actor
                .event(&format!("{}.create", R::KIND))
                .record(R::KIND, &id)
                .area(Some(R::place(v).0))
                .unit(R::audit_unit(v))
                .details(serde_json::Value::Object(created)),
        )
        .await?;
        let row = scoped_one(tx.conn(), &[Scope::Installation], &id).await?;
        tx.commit().await?;
        row.ok_or(StoreError::NotFound)
    }

    /// Writes `v` over the record read at `version`; `Conflict` when it changed since.
    pub async fn update_record<R: Record>(
        &self,
        actor: &Actor,
        by: &Principal,
        id: &str,
        version: i64,
        v: &R::Value,
    ) -> Result<R> {
        let mut tx = self.begin_write().await?;
        let old: R = editable(tx.conn(), by, id).await?;
        check_place::<R>(tx.conn(), by, v).await?;
        let mut q = Sql::new(&format!("UPDATE {} SET ", R::TABLE));
        for (name, value) in R::columns(tx.conn(), v).await? {
            q.push(&format!("{name} = ")).bind(value).push(", ");
        }
        q.push("search_key = ")
            .bind(fold(&R::search_text(v)))
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
                current: old.version(),
            });
        }
        append(
            tx.conn(),
            &actor
                .event(&format!("{}.update", R::KIND))
                .record(R::KIND, id)
                .area(Some(R::place(v).0))
                .unit(R::audit_unit(v))
                .details(diff(&old.row_fields(), &R::fields(v))),
        )
        .await?;
        let row = scoped_one(tx.conn(), &[Scope::Installation], id).await?;
        tx.commit().await?;
        row.ok_or(StoreError::NotFound)
    }
}
