//! Committing imported people: every accepted row in one transaction, rows
//! seen before (same fingerprint) skipped, every refusal reported by row.

use crate::audit::{append, Actor};
use crate::scope::{push_visible, Entity};
use crate::{clock, new_id, Result, Sql, Store};
use kopru_domain::person::Person;
use kopru_domain::policy::{Action, Principal};
use kopru_domain::{FieldError, ValidationErrors};
use std::collections::{HashMap, HashSet};

/// One row that passed validation.
pub struct ImportRow {
    pub row: usize,
    pub person: Person,
    pub fingerprint: String,
}

#[derive(Debug, Clone, Default)]
pub struct ImportOutcome {
    pub import_id: Option<String>,
    /// Rows that were (or, in a dry run, would be) added.
    pub imported: usize,
    /// Rows imported before (same person data): skipped.
    pub already_imported: Vec<usize>,
    /// Rows refused here (place, ID numbers, duplicates within the file).
    pub rejected: Vec<(usize, Vec<FieldError>)>,
}

/// Rows per lookup or fingerprint statement (see `registry::ROWS_PER_STATEMENT`).
const BATCH: usize = 500;

/// Imports larger than this get a wider page cache (`WriteTx::widen_cache`).
const WIDE_CACHE_ROWS: usize = 5_000;

impl Store {
    /// Imports validated rows. With `dry_run` nothing is written, and the
    /// outcome says what would happen.
    pub async fn import_persons(
        &self,
        actor: &Actor,
        by: &Principal,
        file_name: &str,
        total_rows: usize,
        rows: Vec<ImportRow>,
        dry_run: bool,
    ) -> Result<ImportOutcome> {
        let mut out = ImportOutcome::default();
        let mut tx = self.begin_write().await?;
        if rows.len() > WIDE_CACHE_ROWS {
            tx.widen_cache().await?;
        }
        // Each distinct (unit, area) is checked once, with the very predicate of reads.
        let mut places: HashMap<(String, String), Option<&'static str>> = HashMap::new();
        for r in &rows {
            let key = (
                r.person.unit_code.to_string(),
                r.person.area_code.to_string(),
            );
            if places.contains_key(&key) {
                continue;
            }
            let verdict = place_verdict(tx.conn(), by, &key.0, &key.1).await?;
            places.insert(key, verdict);
        }
        // Rows imported before, and ID numbers already registered.
        let mut seen_before: HashSet<String> = HashSet::new();
        let mut taken_ids: HashSet<(String, String)> = HashSet::new();
        for chunk in rows.chunks(BATCH) {
            let mut q =
                Sql::new("SELECT fingerprint FROM import_fingerprints WHERE fingerprint IN (");
            q.bind_list(chunk.iter().map(|r| r.fingerprint.clone()))
                .push(")");
            let found: Vec<(String,)> = q.fetch_all(tx.conn()).await?;
            seen_before.extend(found.into_iter().map(|(f,)| f));
            let ids: Vec<&String> = chunk
                .iter()
                .filter_map(|r| r.person.national_id.as_ref())
                .collect();
            if !ids.is_empty() {
                let mut q =
                    Sql::new("SELECT id_type, national_id FROM persons WHERE national_id IN (");
                q.bind_list(ids.into_iter().cloned()).push(")");
                let found: Vec<(Option<String>, String)> = q.fetch_all(tx.conn()).await?;
                taken_ids.extend(found.into_iter().map(|(t, n)| (t.unwrap_or_default(), n)));
            }
        }
        let mut accepted: Vec<&ImportRow> = Vec::new();
        let mut in_file: HashMap<&str, usize> = HashMap::new();
        let mut ids_in_file: HashMap<(String, String), usize> = HashMap::new();
        for r in &rows {
            if seen_before.contains(&r.fingerprint) {
                out.already_imported.push(r.row);
                continue;
            }
            if let Some(first) = in_file.get(r.fingerprint.as_str()) {
                let _ = first;
                out.rejected.push((
                    r.row,
                    vec![FieldError::new("row", "err-import-duplicate-row")],
                ));
                continue;
            }
            let key = (
                r.person.unit_code.to_string(),
                r.person.area_code.to_string(),
            );
            if let Some(Some(code)) = places.get(&key) {
                let field = if *code == "err-area-unknown" {
                    "area_code"
                } else {
                    "unit_code"
                };
                out.rejected
                    .push((r.row, vec![FieldError::new(field, code)]));
                continue;
            }
            if let (Some(t), Some(n)) = (r.person.id_type, &r.person.national_id) {
                let id_key = (t.as_str().to_owned(), n.clone());
                if taken_ids.contains(&id_key) || ids_in_file.contains_key(&id_key) {
                    out.rejected
                        .push((r.row, vec![FieldError::new("national_id", "err-taken")]));
                    continue;
                }
                ids_in_file.insert(id_key, r.row);
            }
            in_file.insert(&r.fingerprint, r.row);
            accepted.push(r);
        }
        out.imported = accepted.len();
        if dry_run {
            return Ok(out);
        }
        let import_id = new_id();
        let now = clock::now();
        let mut q = Sql::new("INSERT INTO imports (id, file_name, imported_by, imported_at, rows_total, rows_imported, rows_already, rows_rejected) VALUES (");
        q.bind(import_id.clone())
            .push(", ")
            .bind(file_name.to_owned())
            .push(", ")
            .bind(actor.username.clone())
            .push(", ")
            .bind(now.clone())
            .push(", ")
            .bind(total_rows as i64)
            .push(", ")
            .bind(out.imported as i64)
            .push(", ")
            .bind(out.already_imported.len() as i64)
            .push(", ")
            .bind((total_rows - out.imported - out.already_imported.len()) as i64)
            .push(")");
        q.execute(tx.conn()).await?;
        for chunk in accepted.chunks(BATCH) {
            let ids: Vec<String> = chunk.iter().map(|_| new_id()).collect();
            crate::registry::insert_persons(
                tx.conn(),
                chunk.iter().map(|r| &r.person).zip(ids.iter()),
                &now,
            )
            .await?;
            let mut q = Sql::new(
                "INSERT INTO import_fingerprints (fingerprint, person_id, import_id) VALUES ",
            );
            for (i, (r, id)) in chunk.iter().zip(ids.iter()).enumerate() {
                if i > 0 {
                    q.push(", ");
                }
                q.push("(")
                    .bind(r.fingerprint.clone())
                    .push(", ")
                    .bind(id.clone())
                    .push(", ")
                    .bind(import_id.clone())
                    .push(")");
            }
            q.execute(tx.conn()).await?;
        }
        append(
            tx.conn(),
            &actor.event("person.import").record("import", &import_id).details(serde_json::json!({
                "file": file_name, "imported": out.imported, "already": out.already_imported.len(), "rejected": out.rejected.len(),
            })),
        )
        .await?;
        tx.commit().await?;
        out.import_id = Some(import_id);
        Ok(out)
    }

    /// Saves a column mapping under a name for the next import.
    pub async fn save_mapping(
        &self,
        actor: &Actor,
        name: &str,
        columns: &[Option<String>],
    ) -> Result<()> {
        let name = kopru_domain::codes::Label::parse(name)
            .map_err(|c| ValidationErrors::single("mapping_name", c))?;
        let mut tx = self.begin_write().await?;
        let mut q = Sql::new(
            "INSERT INTO import_mappings (name, columns, created_by, created_at) VALUES (",
        );
        q.bind(name.to_string()).push(", ").bind(serde_json::to_string(columns).unwrap_or_default()).push(", ")
            .bind(actor.username.clone()).push(", ").bind(clock::now())
            .push(") ON CONFLICT (name) DO UPDATE SET columns = excluded.columns, created_by = excluded.created_by, created_at = excluded.created_at");
        q.execute(tx.conn()).await?;
        append(
            tx.conn(),
            &actor
                .event("import.mapping.save")
                .record("import_mapping", name.as_str()),
        )
        .await?;
        tx.commit().await
    }

    pub async fn mapping(&self, name: &str) -> Result<Option<Vec<Option<String>>>> {
        let row: Option<(String,)> = Sql::new("SELECT columns FROM import_mappings WHERE name = ")
            .bind(name.to_owned())
            .fetch_optional(self.pool())
            .await?;
        Ok(row.and_then(|(c,)| serde_json::from_str(&c).ok()))
    }

    pub async fn mapping_names(&self) -> Result<Vec<String>> {
        let rows: Vec<(String,)> = Sql::new("SELECT name FROM import_mappings ORDER BY name")
            .fetch_all(self.pool())
            .await?;
        Ok(rows.into_iter().map(|(n,)| n).collect())
    }
}

/// `None` when people may be placed in this unit and area, else why not.
async fn place_verdict(
    conn: &mut sqlx::AnyConnection,
    by: &Principal,
    unit: &str,
    area: &str,
) -> Result<Option<&'static str>> {
    let unit_ok: Option<(i64,)> = Sql::new("SELECT 1 FROM units WHERE code = ")
        .bind(unit.to_owned())
        .fetch_optional(&mut *conn)
        .await?;
    if unit_ok.is_none() {
        return Ok(Some("err-unit-unknown"));
    }
    let area_ok: Option<(i64,)> = Sql::new("SELECT 1 FROM areas WHERE code = ")
        .bind(area.to_owned())
        .fetch_optional(&mut *conn)
        .await?;
    if area_ok.is_none() {
        return Ok(Some("err-area-unknown"));
    }
    let mut q = Sql::new("SELECT 1 FROM (SELECT ");
    q.bind(area.to_owned())
        .push(" AS area_code, ")
        .bind(unit.to_owned())
        .push(" AS unit_code) x WHERE ");
    push_visible(
        &mut q,
        Entity::Person,
        "x",
        &by.grants(Action::ImportPersons),
    );
    let ok: Option<(i64,)> = q.fetch_optional(&mut *conn).await?;
    Ok(if ok.is_some() {
        None
    } else {
        Some("err-import-place")
    })
}

impl Store {
    /// Keeps an uploaded file (base64) until it is committed; old uploads are dropped.
    pub async fn save_upload(
        &self,
        user_id: &str,
        file_name: &str,
        bytes: &[u8],
    ) -> Result<String> {
        use base64::Engine;
        let id = new_id();
        let mut tx = self.begin_write().await?;
        Sql::new("DELETE FROM import_uploads WHERE created_at < ")
            .bind(clock::from_now(-time::Duration::days(2)))
            .execute(tx.conn())
            .await?;
        let mut q = Sql::new(
            "INSERT INTO import_uploads (id, user_id, file_name, content, created_at) VALUES (",
        );
        q.bind(id.clone())
            .push(", ")
            .bind(user_id.to_owned())
            .push(", ")
            .bind(file_name.to_owned())
            .push(", ")
            .bind(base64::engine::general_purpose::STANDARD.encode(bytes))
            .push(", ")
            .bind(clock::now())
            .push(")");
        q.execute(tx.conn()).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// An upload of `user_id`: (file name, bytes).
    pub async fn upload(&self, user_id: &str, id: &str) -> Result<(String, Vec<u8>)> {
        use base64::Engine;
        let row: Option<(String, String)> =
            Sql::new("SELECT file_name, content FROM import_uploads WHERE id = ")
                .bind(id.to_owned())
                .push(" AND user_id = ")
                .bind(user_id.to_owned())
                .fetch_optional(self.pool())
                .await?;
        let (name, content) = row.ok_or(crate::StoreError::NotFound)?;
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(content)
            .map_err(|_| crate::StoreError::NotFound)?;
        Ok((name, bytes))
    }
}
