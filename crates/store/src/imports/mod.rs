//! Committing imported people: every accepted row in one transaction, rows
//! seen before (same fingerprint) skipped, every refusal reported by row.

use crate::audit::{append, Actor};
use crate::scope::Entity;
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

/// An import that stopped part-way: the batches before it stay committed and
/// importing the same file again resumes after them (their rows are skipped).
#[derive(Debug, thiserror::Error)]
#[error("import stopped after {rows_done} rows: {error}")]
pub struct ImportInterrupted {
    /// Rows handled (committed, skipped or refused) before the failure.
    pub rows_done: usize,
    /// What the committed batches did (`import_id` is `None` when none was).
    pub outcome: ImportOutcome,
    pub error: crate::StoreError,
}

/// A file's validated rows, for `Store::import_persons`.
pub struct ImportInput<'a> {
    pub file_name: &'a str,
    /// Rows in the file, including those refused before they got here.
    pub total_rows: usize,
    pub rows: Vec<ImportRow>,
    pub dry_run: bool,
}

/// Rows per lookup or fingerprint statement (see `registry::ROWS_PER_STATEMENT`).
const BATCH: usize = 500;

/// Rows per committed batch. Each batch is written in index order (people by
/// name, name words by word, fingerprints by value), so that it sweeps each
/// index once rather than touching its pages at random. Larger batches import
/// faster (300,000 people: 5,500 rows/s in batches of 10,000, 5,800 of 20,000,
/// 6,900 of 50,000); smaller ones let other writers in sooner (each batch
/// holds the SQLite write lock for 2–4 s) and move the progress bar more often.
pub const BATCH_ROWS: usize = 20_000;

/// Batches larger than this get a wider page cache (`WriteTx::widen_cache`).
const WIDE_CACHE_ROWS: usize = 5_000;

/// What the rows seen so far tell about the rows still to come.
#[derive(Default)]
struct Seen {
    /// Verdict per (unit, area), checked once with the very predicate of reads.
    places: HashMap<(String, String), Option<&'static str>>,
    fingerprints: HashSet<String>,
    national_ids: HashSet<(String, String)>,
}

impl Store {
    /// Imports validated rows in batches of `BATCH_ROWS`, each committed on
    /// its own; `progress` is told how many rows are done after each. With
    /// `dry_run` nothing is written, and the outcome says what would happen.
    pub async fn import_persons(
        &self,
        actor: &Actor,
        by: &Principal,
        input: ImportInput<'_>,
        progress: &(dyn Fn(usize) + Send + Sync),
    ) -> std::result::Result<ImportOutcome, ImportInterrupted> {
        let ImportInput {
            file_name,
            total_rows,
            rows,
            dry_run,
        } = input;
        let mut out = ImportOutcome::default();
        let mut seen = Seen::default();
        let mut done = 0;
        let interrupted = |error, done, out: &mut ImportOutcome| ImportInterrupted {
            rows_done: done,
            outcome: std::mem::take(out),
            error,
        };
        if dry_run {
            let mut conn = self
                .pool()
                .acquire()
                .await
                .map_err(|e| interrupted(e.into(), 0, &mut out))?;
            for chunk in rows.chunks(BATCH_ROWS) {
                let accepted = classify(&mut conn, by, chunk, &mut seen, &mut out)
                    .await
                    .map_err(|e| interrupted(e, done, &mut out))?;
                out.imported += accepted.len();
                done += chunk.len();
                progress(done);
            }
            return Ok(out);
        }
        let import_id = new_id();
        let now = clock::now();
        // Rows the caller refused (validation) count as rejected from the start.
        let refused_before = total_rows.saturating_sub(rows.len());
        let mut chunks: Vec<&[ImportRow]> = rows.chunks(BATCH_ROWS).collect();
        if chunks.is_empty() {
            // Nothing valid: the import is still recorded, with its refusals.
            chunks.push(&[]);
        }
        let widen = rows.len() > WIDE_CACHE_ROWS;
        for (k, chunk) in chunks.into_iter().enumerate() {
            let rejected_before = out.rejected.len();
            let already_before = out.already_imported.len();
            let batch = async {
                let mut tx = self.begin_write().await?;
                if widen {
                    tx.widen_cache().await?;
                }
                let accepted = classify(tx.conn(), by, chunk, &mut seen, &mut out).await?;
                if k == 0 {
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
                        .push(", 0, 0, ")
                        .bind(refused_before as i64)
                        .push(")");
                    q.execute(tx.conn()).await?;
                }
                write_batch(tx.conn(), &accepted, &import_id, &now).await?;
                let (added, already, rejected) = (
                    accepted.len(),
                    out.already_imported.len() - already_before,
                    out.rejected.len() - rejected_before,
                );
                Sql::new("UPDATE imports SET rows_imported = rows_imported + ")
                    .bind(added as i64)
                    .push(", rows_already = rows_already + ")
                    .bind(already as i64)
                    .push(", rows_rejected = rows_rejected + ")
                    .bind(rejected as i64)
                    .push(" WHERE id = ")
                    .bind(import_id.clone())
                    .execute(tx.conn())
                    .await?;
                let first_row = chunk.first().map(|r| r.row);
                let last_row = chunk.last().map(|r| r.row);
                append(
                    tx.conn(),
                    &actor.event("person.import").record("import", &import_id).details(serde_json::json!({
                        "file": file_name, "batch": k + 1, "rows": [first_row, last_row],
                        "imported": added, "already": already, "rejected": rejected,
                    })),
                )
                .await?;
                tx.commit().await?;
                Ok::<usize, crate::StoreError>(added)
            }
            .await;
            match batch {
                Ok(added) => {
                    out.imported += added;
                    out.import_id = Some(import_id.clone());
                    done += chunk.len();
                    progress(done);
                }
                Err(e) => {
                    // The batch was rolled back: what it found is not part of the outcome.
                    out.rejected.truncate(rejected_before);
                    out.already_imported.truncate(already_before);
                    return Err(interrupted(e, done, &mut out));
                }
            }
        }
        if widen {
            crate::release_free_memory();
        }
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

/// Sorts a batch's rows into accepted and not: refused (place, ID number
/// taken, duplicate of an earlier row of the file) or imported before.
async fn classify<'r>(
    conn: &mut sqlx::AnyConnection,
    by: &Principal,
    rows: &'r [ImportRow],
    seen: &mut Seen,
    out: &mut ImportOutcome,
) -> Result<Vec<&'r ImportRow>> {
    for r in rows {
        let key = (
            r.person.unit_code.to_string(),
            r.person.area_code.to_string(),
        );
        if let std::collections::hash_map::Entry::Vacant(e) = seen.places.entry(key) {
            let (unit, area) = e.key().clone();
            e.insert(place_verdict(&mut *conn, by, &unit, &area).await?);
        }
    }
    // Rows imported before, and ID numbers already registered.
    let mut imported_before: HashSet<String> = HashSet::new();
    let mut taken_ids: HashSet<(String, String)> = HashSet::new();
    for chunk in rows.chunks(BATCH) {
        let mut q = Sql::new("SELECT fingerprint FROM import_fingerprints WHERE fingerprint IN (");
        q.bind_list(chunk.iter().map(|r| r.fingerprint.clone()))
            .push(")");
        let found: Vec<(String,)> = q.fetch_all(&mut *conn).await?;
        imported_before.extend(found.into_iter().map(|(f,)| f));
        let ids: Vec<&String> = chunk
            .iter()
            .filter_map(|r| r.person.national_id.as_ref())
            .collect();
        if !ids.is_empty() {
            let mut q = Sql::new("SELECT id_type, national_id FROM persons WHERE national_id IN (");
            q.bind_list(ids.into_iter().cloned()).push(")");
            let found: Vec<(Option<String>, String)> = q.fetch_all(&mut *conn).await?;
            taken_ids.extend(found.into_iter().map(|(t, n)| (t.unwrap_or_default(), n)));
        }
    }
    let mut accepted = Vec::new();
    for r in rows {
        if imported_before.contains(&r.fingerprint) {
            out.already_imported.push(r.row);
            continue;
        }
        if seen.fingerprints.contains(&r.fingerprint) {
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
        if let Some(Some(code)) = seen.places.get(&key) {
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
            if taken_ids.contains(&id_key) || seen.national_ids.contains(&id_key) {
                out.rejected
                    .push((r.row, vec![FieldError::new("national_id", "err-taken")]));
                continue;
            }
            seen.national_ids.insert(id_key);
        }
        seen.fingerprints.insert(r.fingerprint.clone());
        accepted.push(r);
    }
    Ok(accepted)
}

/// Writes a batch's people, their name words and fingerprints, each table in
/// its index order (see `BATCH_ROWS`).
async fn write_batch(
    conn: &mut sqlx::AnyConnection,
    rows: &[&ImportRow],
    import_id: &str,
    now: &str,
) -> Result<()> {
    let mut rows: Vec<(String, &ImportRow)> = rows
        .iter()
        .map(|r| (crate::registry::sort_key(&r.person), *r))
        .collect();
    rows.sort_by(|a, b| a.0.cmp(&b.0));
    // Ids are time-ordered: handed out in name order, they follow it too.
    let mut ids: Vec<String> = rows.iter().map(|_| new_id()).collect();
    ids.sort();
    crate::registry::insert_persons(
        &mut *conn,
        rows.iter().map(|(_, r)| &r.person).zip(ids.iter()),
        now,
    )
    .await?;
    let mut prints: Vec<(&str, &str)> = rows
        .iter()
        .zip(ids.iter())
        .map(|((_, r), id)| (r.fingerprint.as_str(), id.as_str()))
        .collect();
    prints.sort();
    for chunk in prints.chunks(BATCH) {
        let mut q =
            Sql::new("INSERT INTO import_fingerprints (fingerprint, person_id, import_id) VALUES ");
        for (i, (print, id)) in chunk.iter().enumerate() {
            if i > 0 {
                q.push(", ");
            }
            q.push("(")
                .bind((*print).to_owned())
                .push(", ")
                .bind((*id).to_owned())
                .push(", ")
                .bind(import_id.to_owned())
                .push(")");
        }
        q.execute(&mut *conn).await?;
    }
    Ok(())
}

/// `None` when people may be placed in this unit and area, else why not.
async fn place_verdict(
    conn: &mut sqlx::AnyConnection,
    by: &Principal,
    unit: &str,
    area: &str,
) -> Result<Option<&'static str>> {
    use crate::scope::{record_place, PlaceRefusal};
    let grants = by.grants(Action::ImportPersons);
    Ok(
        match record_place(conn, Entity::Person, &grants, unit, area).await? {
            None => None,
            Some(PlaceRefusal::Denied) => Some("err-import-place"),
            Some(r) => Some(r.field_error().1),
        },
    )
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
