//! Duplicate people in the registry: the registry seen as `kopru_linkage`
//! records, batch runs that fill a review queue, decisions on pairs, and
//! merges that an unmerge undoes exactly.
//!
//! Scope: a queued pair is visible only to a user who may see both records;
//! deciding needs the right to edit one of them, merging the right to edit both.

use crate::audit::{append, Actor};
use crate::registry::{
    person_for, record_update, row_fields, update_person_in, PersonRow, PERSON_COLUMNS, PERSON_FROM,
};
use crate::scope::{push_in_area, push_visible, Entity};
use crate::snapshot::Snapshot;
use crate::{clock, new_id, Result, Sql, Store, StoreError};
use kopru_domain::merge::{merge_drafts, MergeField};
use kopru_domain::person::Person;
use kopru_domain::policy::{Action, Principal};
use kopru_domain::search::{name_tokens, phonetic};
use kopru_domain::{Scope, ValidationErrors};
use kopru_linkage::{Model, Record, RecordInput};
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

/// Pairs at or above this match probability go to the review queue, and are
/// shown as possible duplicates when a person is entered.
pub const REVIEW_FROM: f64 = 0.5;

/// The engine's view of a stored person.
pub fn record_input(p: &PersonRow, address: Option<&str>) -> RecordInput {
    let o = |v: &Option<String>| v.clone().unwrap_or_default();
    RecordInput {
        id: p.id.clone(),
        given_name: p.given_names.clone(),
        family_name: p.family_name.clone(),
        father_name: o(&p.father_name),
        mother_name: o(&p.mother_name),
        birth_date: o(&p.birth_date),
        sex: p.sex.clone(),
        national_id: o(&p.national_id),
        locality: p.area_code.clone(),
        postcode: String::new(),
        address: address.unwrap_or_default().to_owned(),
        phone: o(&p.phone),
        household: o(&p.household_id),
    }
}

/// The engine's view of a person being entered.
pub fn entry_input(p: &Person) -> RecordInput {
    let o = |v: &Option<String>| v.clone().unwrap_or_default();
    RecordInput {
        id: String::new(),
        given_name: p.given_names.clone(),
        family_name: p.family_name.clone(),
        father_name: o(&p.father_name),
        mother_name: o(&p.mother_name),
        birth_date: p
            .birth
            .as_ref()
            .map(|b| b.value.clone())
            .unwrap_or_default(),
        sex: p.sex.as_str().to_owned(),
        national_id: o(&p.national_id),
        locality: p.area_code.to_string(),
        postcode: String::new(),
        address: String::new(),
        phone: o(&p.phone),
        household: String::new(),
    }
}

/// One field's part in a pair's score, for people to read.
#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct FieldScore {
    /// given_name, family_name, father_name, mother_name, birth_date, sex,
    /// national_id, locality, postcode, address, phone, household
    pub field: String,
    /// The level of agreement, e.g. "exact", "one year apart".
    pub level: String,
    /// Evidence in bits: positive for "same person".
    pub weight: f64,
}

/// Why the engine thinks two records are one person.
#[derive(Clone, Debug, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Explanation {
    /// Bits before any field is looked at (how rare a match between two records is).
    pub prior: f64,
    pub weight: f64,
    pub probability: f64,
    pub fields: Vec<FieldScore>,
}

/// Scores a pair under `model`, field by field.
pub fn explain(model: &Model, a: &Record, b: &Record) -> Explanation {
    let e = kopru_linkage::explain(model, a, b);
    Explanation {
        prior: e.prior,
        weight: e.weight,
        probability: e.probability,
        fields: e
            .contributions
            .into_iter()
            .map(|c| FieldScore {
                field: c.field.to_owned(),
                level: c.level.to_owned(),
                weight: (c.weight * 10.0).round() / 10.0,
            })
            .collect(),
    }
}

/// The message id saying what a field's agreement shows, when it counts for a match.
pub fn reason(f: &FieldScore) -> Option<&'static str> {
    if f.weight <= 0.0 {
        return None;
    }
    Some(match (f.field.as_str(), f.level.as_str()) {
        ("national_id", _) => "dup-same-id",
        ("given_name", _) => "dup-given-name",
        ("family_name", _) => "dup-family-name",
        ("birth_date", "same date" | "same as far as both are known") => "dup-same-birth-date",
        ("birth_date", _) => "dup-close-birth-year",
        ("father_name", _) => "dup-father-name",
        ("mother_name", _) => "dup-mother-name",
        ("locality", _) => "dup-same-area",
        ("phone", _) => "dup-same-phone",
        ("household", _) => "dup-same-household",
        _ => return None,
    })
}

/// What `kopru dedup run` did.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct RunSummary {
    pub id: String,
    pub records: usize,
    pub pairs_compared: usize,
    pub pairs_queued: usize,
    /// Pairs left out because someone already decided them.
    pub pairs_decided_before: usize,
}

/// A candidate pair with both people's names, for the queue.
#[derive(Clone, Debug, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct PairSummary {
    pub id: String,
    pub probability: f64,
    /// open, same, different, unsure, merged
    pub status: String,
    /// How many records the engine put in this pair's group.
    pub cluster_size: i64,
    pub found_at: String,
    pub decided_by: Option<String>,
    pub decided_at: Option<String>,
    pub person_id: String,
    pub person_name: String,
    pub person_birth: Option<String>,
    pub person_area: String,
    pub other_person_id: String,
    pub other_name: String,
    pub other_birth: Option<String>,
    pub other_area: String,
}

#[derive(Clone, Debug, Default)]
pub struct PairFilter {
    /// open (default), same, different, unsure, merged
    pub status: Option<String>,
    /// Pairs with at least one person in this area or below.
    pub area: Option<String>,
    pub limit: i64,
    pub offset: i64,
}

/// A pair with both records and the engine's explanation.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct PairDetail {
    pub pair: PairSummary,
    pub explanation: Explanation,
    pub person: PersonRow,
    pub other: PersonRow,
}

/// A merge as people see it.
#[derive(Clone, Debug, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct MergeRow {
    pub id: String,
    pub survivor_id: String,
    pub merged_id: String,
    pub pair_id: Option<String>,
    /// JSON list of the fields whose value came from the merged record.
    #[serde(skip)]
    pub choices: String,
    pub merged_by: String,
    pub merged_at: String,
    pub unmerged_by: Option<String>,
    pub unmerged_at: Option<String>,
}

impl MergeRow {
    pub fn fields_taken(&self) -> Vec<String> {
        serde_json::from_str(&self.choices).unwrap_or_default()
    }
}

/// What a reviewer asks for.
#[derive(Clone, Debug)]
pub struct MergeRequest {
    pub survivor_id: String,
    pub merged_id: String,
    /// The versions the reviewer saw; a record changed since is not merged.
    pub survivor_version: i64,
    pub merged_version: i64,
    /// Fields whose value the survivor takes from the merged record.
    pub take_from_merged: Vec<MergeField>,
    pub pair_id: Option<String>,
}

const PAIR_SUMMARY: &str = "SELECT d.id, d.probability, d.status, d.cluster_size, d.found_at, d.decided_by, d.decided_at, \
     a.id AS person_id, a.given_names || ' ' || a.family_name AS person_name, a.birth_date AS person_birth, a.area_code AS person_area, \
     b.id AS other_person_id, b.given_names || ' ' || b.family_name AS other_name, b.birth_date AS other_birth, b.area_code AS other_area \
     FROM duplicate_pairs d JOIN persons a ON a.id = d.person_id JOIN persons b ON b.id = d.other_person_id WHERE ";

const MERGE_COLUMNS: &str = "SELECT id, survivor_id, merged_id, pair_id, choices, merged_by, merged_at, unmerged_by, unmerged_at FROM person_merges";

/// What a run covered, as a key: its grants (sorted) and its area. Runs over
/// the same key replace each other's open queue; `installation` is the
/// installation-wide run whose model scores every new entry.
fn run_scope_key(grants: &[Scope], area: Option<&str>) -> String {
    let mut parts: Vec<String> = grants.iter().map(|g| g.to_string()).collect();
    parts.sort();
    parts.dedup();
    let whole = parts.iter().any(|p| p == "installation");
    match (whole, area) {
        (true, None) => "installation".into(),
        (true, Some(a)) => format!("area:{}", a.to_ascii_uppercase()),
        (false, None) => parts.join(","),
        (false, Some(a)) => format!("{}|area:{}", parts.join(","), a.to_ascii_uppercase()),
    }
}

fn ordered<'a>(x: &'a str, y: &'a str) -> (&'a str, &'a str) {
    if x <= y {
        (x, y)
    } else {
        (y, x)
    }
}

fn check_decision(decision: &str) -> Result<()> {
    if matches!(decision, "same" | "different" | "unsure") {
        Ok(())
    } else {
        Err(ValidationErrors::single("decision", "err-choice").into())
    }
}

impl Store {
    /// The installation's model: the newest installation-wide run's, or the
    /// built-in one before any. A run over one unit or area estimates its own
    /// model for its own queue and never becomes everybody's.
    pub async fn linkage_model(&self) -> Result<Arc<Model>> {
        let newest: Option<(String,)> = Sql::new(
            "SELECT id FROM duplicate_runs WHERE scope_key = 'installation' \
             ORDER BY finished_at DESC, id DESC LIMIT 1",
        )
        .fetch_optional(self.pool())
        .await?;
        let key = newest.map(|(id,)| id).unwrap_or_default();
        let cached = self.model_cache.0.lock().ok().and_then(|c| {
            c.as_ref()
                .filter(|(k, _)| *k == key)
                .map(|(_, m)| m.clone())
        });
        if let Some(m) = cached {
            return Ok(m);
        }
        let model = if key.is_empty() {
            Model::built_in()
        } else {
            let (text,): (String,) = Sql::new("SELECT model FROM duplicate_runs WHERE id = ")
                .bind(key.clone())
                .fetch_one(self.pool())
                .await?;
            Model::from_json(&text).unwrap_or_else(|e| {
                tracing::warn!(run = %key, error = %e, "kept linkage model unreadable; using the built-in one");
                Model::built_in()
            })
        };
        let model = Arc::new(model);
        if let Ok(mut cache) = self.model_cache.0.lock() {
            *cache = Some((key, model.clone()));
        }
        Ok(model)
    }

    /// Scores every open record within `by`'s grants to run the duplicate
    /// check (coordinators, administrators), and `area` if given, and queues
    /// the pairs at or above `min_probability` for review, with their
    /// explanations. Pairs someone already decided are not queued again; open
    /// pairs of an earlier run over exactly the same scope are replaced, and
    /// no other queue is touched.
    pub async fn dedup_run(
        &self,
        actor: &Actor,
        by: &Principal,
        area: Option<&str>,
        min_probability: f64,
    ) -> Result<RunSummary> {
        let grants = by.grants(Action::RunDuplicateCheck);
        if grants.is_empty() {
            return Err(StoreError::Forbidden);
        }
        let scope_key = run_scope_key(&grants, area);
        let started_at = clock::now();
        let mut q = Sql::new(&format!(
            "SELECT {PERSON_COLUMNS}, h.address AS household_address {PERSON_FROM} \
             LEFT JOIN households h ON h.id = p.household_id WHERE p.merged_into IS NULL AND "
        ));
        push_visible(&mut q, Entity::Person, "p", &grants);
        if let Some(a) = area {
            q.push(" AND ");
            push_in_area(&mut q, "p.area_code", a);
        }
        let rows: Vec<PersonWithAddress> = q.fetch_all(self.pool()).await?;
        let mut interner = kopru_linkage::Interner::default();
        let records: Vec<Record> = rows
            .iter()
            .map(|r| interner.record(&record_input(&r.person, r.household_address.as_deref()), 0))
            .collect();
        drop(interner);
        drop(rows);
        let (records, linkage) = tokio::task::spawn_blocking(move || {
            let linkage = kopru_linkage::link(&records, &kopru_linkage::Settings::default());
            (records, linkage)
        })
        .await
        .map_err(|e| StoreError::Other(format!("linkage stopped: {e}")))?;
        let mut cluster_size: HashMap<usize, i64> = HashMap::new();
        for c in &linkage.cluster_of {
            *cluster_size.entry(*c).or_default() += 1;
        }
        let decided: HashSet<(String, String)> = {
            let rows: Vec<(String, String)> = Sql::new(
                "SELECT person_id, other_person_id FROM duplicate_decisions WHERE decision = 'different' \
                 UNION SELECT person_id, other_person_id FROM duplicate_pairs WHERE status <> 'open'",
            )
            .fetch_all(self.pool())
            .await?;
            rows.into_iter()
                .map(|(x, y)| {
                    let (a, b) = ordered(&x, &y);
                    (a.to_owned(), b.to_owned())
                })
                .collect()
        };
        let mut model = linkage.model.clone();
        model.compact();
        let run_id = new_id();
        let mut queued = Vec::new();
        let mut decided_before = 0;
        for p in linkage
            .pairs
            .iter()
            .filter(|p| p.probability >= min_probability)
        {
            let (ra, rb) = (&records[p.a as usize], &records[p.b as usize]);
            let (lo, hi) = ordered(&ra.id, &rb.id);
            if decided.contains(&(lo.to_owned(), hi.to_owned())) {
                decided_before += 1;
                continue;
            }
            let (first, second) = if ra.id == lo { (ra, rb) } else { (rb, ra) };
            let cluster = linkage.cluster_of[p.a as usize];
            queued.push((
                lo.to_owned(),
                hi.to_owned(),
                p.probability,
                serde_json::to_string(&explain(&linkage.model, first, second)).unwrap_or_default(),
                records[cluster].id.clone(),
                cluster_size.get(&cluster).copied().unwrap_or(1),
            ));
        }
        let mut tx = self.begin_write().await?;
        tx.widen_cache().await?;
        let mut run = Sql::new("INSERT INTO duplicate_runs (id, area_code, scope_key, started_by, started_at, finished_at, records, pairs_compared, pairs_queued, model) VALUES (");
        run.bind(run_id.clone())
            .push(", ")
            .bind(area.map(str::to_ascii_uppercase))
            .push(", ")
            .bind(scope_key.clone())
            .push(", ")
            .bind(actor.username.clone())
            .push(", ")
            .bind(started_at)
            .push(", ")
            .bind(clock::now())
            .push(", ")
            .bind(records.len() as i64)
            .push(", ")
            .bind(linkage.compared as i64)
            .push(", ")
            .bind(queued.len() as i64)
            .push(", ")
            .bind(model.to_json())
            .push(")");
        run.execute(tx.conn()).await?;
        let mut clear = Sql::new(
            "DELETE FROM duplicate_pairs WHERE status = 'open' AND run_id IN (SELECT id FROM duplicate_runs WHERE id <> ",
        );
        clear
            .bind(run_id.clone())
            .push(" AND scope_key = ")
            .bind(scope_key)
            .push(")");
        clear.execute(tx.conn()).await?;
        let found_at = clock::now();
        for chunk in queued.chunks(200) {
            let mut q = Sql::new("INSERT INTO duplicate_pairs (id, person_id, other_person_id, probability, explanation, cluster_key, cluster_size, run_id, status, found_at) VALUES ");
            for (i, (lo, hi, p, explanation, cluster, size)) in chunk.iter().enumerate() {
                if i > 0 {
                    q.push(", ");
                }
                q.push("(")
                    .bind(new_id())
                    .push(", ")
                    .bind(lo.clone())
                    .push(", ")
                    .bind(hi.clone())
                    .push(", ")
                    .bind(*p)
                    .push(", ")
                    .bind(explanation.clone())
                    .push(", ")
                    .bind(cluster.clone())
                    .push(", ")
                    .bind(*size)
                    .push(", ")
                    .bind(run_id.clone())
                    .push(", 'open', ")
                    .bind(found_at.clone())
                    .push(")");
            }
            // An open pair of another area's run stays as it is.
            q.push(" ON CONFLICT (person_id, other_person_id) DO NOTHING");
            q.execute(tx.conn()).await?;
        }
        append(
            tx.conn(),
            &actor.event("duplicates.run").details(serde_json::json!({
                "run": run_id,
                "area": area,
                "records": records.len(),
                "queued": queued.len(),
            })),
        )
        .await?;
        tx.commit().await?;
        crate::release_free_memory();
        Ok(RunSummary {
            id: run_id,
            records: records.len(),
            pairs_compared: linkage.compared,
            pairs_queued: queued.len(),
            pairs_decided_before: decided_before,
        })
    }

    /// The review queue within `by`'s grants: pairs whose two records `by` may both see.
    pub async fn duplicate_pairs(
        &self,
        by: &Principal,
        f: &PairFilter,
    ) -> Result<Vec<PairSummary>> {
        let status = f.status.clone().unwrap_or_else(|| "open".into());
        let mut q = Sql::new(PAIR_SUMMARY);
        q.push("d.status = ").bind(status.clone()).push(" AND ");
        push_pair_visible(&mut q, by);
        if matches!(status.as_str(), "open" | "unsure") {
            q.push(" AND a.merged_into IS NULL AND b.merged_into IS NULL");
        }
        if let Some(area) = f.area.as_deref().filter(|a| !a.is_empty()) {
            q.push(" AND (");
            push_in_area(&mut q, "a.area_code", area);
            q.push(" OR ");
            push_in_area(&mut q, "b.area_code", area);
            q.push(")");
        }
        q.push(" ORDER BY d.probability DESC, d.id")
            .page(f.limit, f.offset);
        Ok(q.fetch_all(self.pool()).await?)
    }

    /// One queued pair with both records, if `by` may see both.
    pub async fn duplicate_pair(
        &self,
        actor: &Actor,
        by: &Principal,
        id: &str,
    ) -> Result<PairDetail> {
        let mut q = Sql::new(PAIR_SUMMARY);
        q.push("d.id = ").bind(id.to_owned()).push(" AND ");
        push_pair_visible(&mut q, by);
        let pair: PairSummary = q
            .fetch_optional(self.pool())
            .await?
            .ok_or(StoreError::NotFound)?;
        let (text,): (String,) = Sql::new("SELECT explanation FROM duplicate_pairs WHERE id = ")
            .bind(id.to_owned())
            .fetch_one(self.pool())
            .await?;
        let person = self.person(actor, by, &pair.person_id).await?;
        let other = self.person(actor, by, &pair.other_person_id).await?;
        Ok(PairDetail {
            explanation: serde_json::from_str(&text).unwrap_or_default(),
            pair,
            person,
            other,
        })
    }

    /// Records a reviewer's answer on a queued pair: same, different or unsure.
    /// "different" is remembered: the pair is not proposed again.
    pub async fn decide_pair(
        &self,
        actor: &Actor,
        by: &Principal,
        id: &str,
        decision: &str,
    ) -> Result<PairSummary> {
        check_decision(decision)?;
        let mut tx = self.begin_write().await?;
        let mut q = Sql::new(PAIR_SUMMARY);
        q.push("d.id = ").bind(id.to_owned()).push(" AND ");
        push_pair_visible(&mut q, by);
        let pair: PairSummary = q
            .fetch_optional(tx.conn())
            .await?
            .ok_or(StoreError::NotFound)?;
        may_edit_either(tx.conn(), by, &pair.person_id, &pair.other_person_id).await?;
        if pair.status == "merged" {
            return Err(ValidationErrors::single("decision", "err-pair-merged").into());
        }
        Sql::new("UPDATE duplicate_pairs SET status = ")
            .bind(decision.to_owned())
            .push(", decided_by = ")
            .bind(actor.username.clone())
            .push(", decided_at = ")
            .bind(clock::now())
            .push(" WHERE id = ")
            .bind(id.to_owned())
            .execute(tx.conn())
            .await?;
        remember(
            tx.conn(),
            actor,
            &pair.person_id,
            &pair.other_person_id,
            decision,
            Some(id),
        )
        .await?;
        let mut q = Sql::new(PAIR_SUMMARY);
        q.push("d.id = ").bind(id.to_owned());
        let pair = q.fetch_one(tx.conn()).await?;
        tx.commit().await?;
        Ok(pair)
    }

    /// Merges `merged_id` into `survivor_id`: the survivor takes the chosen
    /// fields, gains the other's names as aliases, and takes over its household
    /// links, consents, special-category values it lacks and import
    /// fingerprints; the merged record is closed (read-only, out of lists and
    /// searches) and points at the survivor. Everything it changed is kept so
    /// that `unmerge` restores both records exactly.
    pub async fn merge_persons(
        &self,
        actor: &Actor,
        by: &Principal,
        req: &MergeRequest,
    ) -> Result<MergeRow> {
        if req.survivor_id == req.merged_id {
            return Err(ValidationErrors::single("merged_id", "err-merge-self").into());
        }
        let mut tx = self.begin_write().await?;
        let conn = tx.conn();
        let a = person_for(&mut *conn, by, Action::EditPersons, &req.survivor_id).await?;
        let b = person_for(&mut *conn, by, Action::EditPersons, &req.merged_id).await?;
        if a.merged_into.is_some() || b.merged_into.is_some() {
            return Err(ValidationErrors::single("merged_id", "err-person-merged").into());
        }
        if a.version != req.survivor_version {
            return Err(StoreError::Conflict { current: a.version });
        }
        if b.version != req.merged_version {
            return Err(StoreError::Conflict { current: b.version });
        }
        let merged =
            merge_drafts(&a.draft(), &b.draft(), &req.take_from_merged).validate(&clock::today())?;
        let before = Snapshot::take(&mut *conn, &[&a.id, &b.id]).await?;
        let now = clock::now();
        // Close the merged record first: the survivor may take its ID number.
        Sql::new("UPDATE persons SET merged_into = ")
            .bind(a.id.clone())
            .push(", version = version + 1, updated_at = ")
            .bind(now.clone())
            .push(" WHERE id = ")
            .bind(b.id.clone())
            .execute(&mut *conn)
            .await?;
        record_update(
            &mut *conn,
            actor,
            "person",
            &b.id,
            b.version + 1,
            &b.area_code,
            &b.unit_code,
            &[("merged_into", None, Some(a.id.clone()))],
        )
        .await?;
        Sql::new("DELETE FROM person_names WHERE person_id = ")
            .bind(b.id.clone())
            .execute(&mut *conn)
            .await?;
        update_person_in(&mut *conn, actor, by, &a, a.version, &merged).await?;
        // Household links: the same household twice would list the person twice.
        Sql::new("DELETE FROM household_members WHERE person_id = ")
            .bind(b.id.clone())
            .push(" AND left_on IS NULL AND household_id IN (SELECT household_id FROM household_members WHERE person_id = ")
            .bind(a.id.clone())
            .push(" AND left_on IS NULL)")
            .execute(&mut *conn)
            .await?;
        for (table, column) in crate::person_links::person_moves() {
            Sql::new(&format!("UPDATE {table} SET {column} = "))
                .bind(a.id.clone())
                .push(&format!(" WHERE {column} = "))
                .bind(b.id.clone())
                .execute(&mut *conn)
                .await?;
        }
        crate::person_links::follow_person_unit(&mut *conn, &a.id).await?;
        // Special categories the survivor has no value for (its own values win),
        // re-encrypted: each value is sealed to its person and category. Without
        // keys they cannot move and stay with the closed record.
        if let Ok(keys) = self.keyring() {
            let mut q =
                Sql::new("SELECT category, ciphertext FROM person_special WHERE person_id = ");
            q.bind(b.id.clone())
                .push(" AND category NOT IN (SELECT s.category FROM person_special s WHERE s.person_id = ")
                .bind(a.id.clone())
                .push(")");
            let moving: Vec<(String, String)> = q.fetch_all(&mut *conn).await?;
            for (category, sealed) in moving {
                let crypt = |e: crate::crypto::CryptoError| StoreError::Other(e.to_string());
                let plain = keys
                    .decrypt(&format!("{}/{category}", b.id), &sealed)
                    .map_err(crypt)?;
                let resealed = keys
                    .encrypt(&format!("{}/{category}", a.id), &plain)
                    .map_err(crypt)?;
                Sql::new("UPDATE person_special SET person_id = ")
                    .bind(a.id.clone())
                    .push(", ciphertext = ")
                    .bind(resealed)
                    .push(", key_id = ")
                    .bind(keys.active_id().to_owned())
                    .push(" WHERE person_id = ")
                    .bind(b.id.clone())
                    .push(" AND category = ")
                    .bind(category)
                    .execute(&mut *conn)
                    .await?;
            }
        }
        if a.household_id.is_none() && b.household_id.is_some() {
            Sql::new("UPDATE persons SET household_id = ")
                .bind(b.household_id.clone())
                .push(" WHERE id = ")
                .bind(a.id.clone())
                .execute(&mut *conn)
                .await?;
        }
        let (lo, hi) = ordered(&a.id, &b.id);
        Sql::new("UPDATE duplicate_pairs SET status = 'merged', decided_by = ")
            .bind(actor.username.clone())
            .push(", decided_at = ")
            .bind(now.clone())
            .push(" WHERE person_id = ")
            .bind(lo.to_owned())
            .push(" AND other_person_id = ")
            .bind(hi.to_owned())
            .execute(&mut *conn)
            .await?;
        remember(
            &mut *conn,
            actor,
            &a.id,
            &b.id,
            "same",
            req.pair_id.as_deref(),
        )
        .await?;
        let after = Snapshot::take(&mut *conn, &[&a.id, &b.id]).await?;
        let id = new_id();
        let taken: Vec<&str> = req.take_from_merged.iter().map(|f| f.name()).collect();
        Sql::new("INSERT INTO person_merges (id, survivor_id, merged_id, pair_id, choices, before_rows, after_rows, merged_by, merged_at) VALUES (")
            .bind(id.clone())
            .push(", ")
            .bind(a.id.clone())
            .push(", ")
            .bind(b.id.clone())
            .push(", ")
            .bind(req.pair_id.clone())
            .push(", ")
            .bind(serde_json::to_string(&taken).unwrap_or_default())
            .push(", ")
            .bind(before.to_json())
            .push(", ")
            .bind(after.to_json())
            .push(", ")
            .bind(actor.username.clone())
            .push(", ")
            .bind(now)
            .push(")")
            .execute(&mut *conn)
            .await?;
        append(
            &mut *conn,
            &actor
                .event("person.merge")
                .record("person", &a.id)
                .area(Some(&a.area_code))
                .unit(Some(&a.unit_code))
                .details(serde_json::json!({ "merge": id, "merged": b.id, "fields_taken": taken })),
        )
        .await?;
        let row = merge_row(&mut *conn, &id).await?;
        tx.commit().await?;
        Ok(row)
    }

    /// Undoes a merge: both records exactly as they were before it. Refused
    /// once anything the merge touched has changed since (an edit of the
    /// survivor, a new consent, a household change): undoing would lose that work.
    pub async fn unmerge(&self, actor: &Actor, by: &Principal, merge_id: &str) -> Result<MergeRow> {
        let mut tx = self.begin_write().await?;
        let conn = tx.conn();
        let m = merge_row(&mut *conn, merge_id).await?;
        let a = person_for(&mut *conn, by, Action::EditPersons, &m.survivor_id).await?;
        person_for(&mut *conn, by, Action::EditPersons, &m.merged_id).await?;
        if m.unmerged_at.is_some() {
            return Err(ValidationErrors::single("merge", "err-merge-undone").into());
        }
        let (before, after): (String, String) =
            Sql::new("SELECT before_rows, after_rows FROM person_merges WHERE id = ")
                .bind(merge_id.to_owned())
                .fetch_one(&mut *conn)
                .await?;
        let now_rows = Snapshot::take(&mut *conn, &[&m.survivor_id, &m.merged_id]).await?;
        if now_rows != Snapshot::from_json(&after)? {
            return Err(ValidationErrors::single("merge", "err-merge-changed").into());
        }
        Snapshot::from_json(&before)?.restore(&mut *conn).await?;
        let restored = person_for(&mut *conn, by, Action::ViewPersons, &m.survivor_id).await?;
        let changes: Vec<(&str, Option<String>, Option<String>)> = row_fields(&a)
            .into_iter()
            .zip(row_fields(&restored))
            .filter(|((_, o), (_, n))| o != n)
            .map(|((f, o), (_, n))| (f, o, n))
            .collect();
        record_update(
            &mut *conn,
            actor,
            "person",
            &a.id,
            restored.version,
            &restored.area_code,
            &restored.unit_code,
            &changes,
        )
        .await?;
        let b = person_for(&mut *conn, by, Action::ViewPersons, &m.merged_id).await?;
        record_update(
            &mut *conn,
            actor,
            "person",
            &b.id,
            b.version,
            &b.area_code,
            &b.unit_code,
            &[("merged_into", Some(a.id.clone()), None)],
        )
        .await?;
        let now = clock::now();
        let (lo, hi) = ordered(&m.survivor_id, &m.merged_id);
        // The pair goes back to the queue for a fresh look.
        Sql::new("UPDATE duplicate_pairs SET status = 'open', decided_by = NULL, decided_at = NULL WHERE status = 'merged' AND person_id = ")
            .bind(lo.to_owned())
            .push(" AND other_person_id = ")
            .bind(hi.to_owned())
            .execute(&mut *conn)
            .await?;
        Sql::new("UPDATE person_merges SET unmerged_by = ")
            .bind(actor.username.clone())
            .push(", unmerged_at = ")
            .bind(now)
            .push(" WHERE id = ")
            .bind(merge_id.to_owned())
            .execute(&mut *conn)
            .await?;
        append(
            &mut *conn,
            &actor
                .event("person.unmerge")
                .record("person", &m.survivor_id)
                .area(Some(&restored.area_code))
                .unit(Some(&restored.unit_code))
                .details(serde_json::json!({ "merge": merge_id, "merged": m.merged_id })),
        )
        .await?;
        let row = merge_row(&mut *conn, merge_id).await?;
        tx.commit().await?;
        Ok(row)
    }

    /// Merges a person took part in (as survivor or as merged record), newest first.
    pub async fn merges_of(&self, by: &Principal, person_id: &str) -> Result<Vec<MergeRow>> {
        let mut conn = self.acquire().await?;
        person_for(&mut conn, by, Action::ViewPersons, person_id).await?;
        let rows = Sql::new(&format!("{MERGE_COLUMNS} WHERE survivor_id = "))
            .bind(person_id.to_owned())
            .push(" OR merged_id = ")
            .bind(person_id.to_owned())
            .push(" ORDER BY merged_at DESC, id")
            .fetch_all(&mut *conn)
            .await?;
        Ok(rows)
    }

    /// A merge, if `by` may see both records.
    pub async fn merge(&self, by: &Principal, id: &str) -> Result<MergeRow> {
        let mut conn = self.acquire().await?;
        let m = merge_row(&mut conn, id).await?;
        person_for(&mut conn, by, Action::ViewPersons, &m.survivor_id).await?;
        person_for(&mut conn, by, Action::ViewPersons, &m.merged_id).await?;
        Ok(m)
    }
}

#[derive(sqlx::FromRow)]
struct PersonWithAddress {
    #[sqlx(flatten)]
    person: PersonRow,
    household_address: Option<String>,
}

async fn merge_row(conn: &mut sqlx::AnyConnection, id: &str) -> Result<MergeRow> {
    Sql::new(&format!("{MERGE_COLUMNS} WHERE id = "))
        .bind(id.to_owned())
        .fetch_optional(conn)
        .await?
        .ok_or(StoreError::NotFound)
}

/// Both records of a pair visible (aliases `a` and `b`).
fn push_pair_visible(q: &mut Sql, by: &Principal) {
    let grants = by.grants(Action::ViewPersons);
    push_visible(q, Entity::Person, "a", &grants);
    q.push(" AND ");
    push_visible(q, Entity::Person, "b", &grants);
}

async fn may_edit_either(
    conn: &mut sqlx::AnyConnection,
    by: &Principal,
    x: &str,
    y: &str,
) -> Result<()> {
    if person_for(&mut *conn, by, Action::EditPersons, x)
        .await
        .is_ok()
        || person_for(&mut *conn, by, Action::EditPersons, y)
            .await
            .is_ok()
    {
        Ok(())
    } else {
        Err(StoreError::Forbidden)
    }
}

/// Keeps a decision about two records and audits it.
pub(crate) async fn remember(
    conn: &mut sqlx::AnyConnection,
    actor: &Actor,
    person_id: &str,
    other_id: &str,
    decision: &str,
    pair_id: Option<&str>,
) -> Result<()> {
    Sql::new("INSERT INTO duplicate_decisions (id, person_id, other_person_id, decision, decided_by, decided_at) VALUES (")
        .bind(new_id())
        .push(", ")
        .bind(person_id.to_owned())
        .push(", ")
        .bind(other_id.to_owned())
        .push(", ")
        .bind(decision.to_owned())
        .push(", ")
        .bind(actor.username.clone())
        .push(", ")
        .bind(clock::now())
        .push(")")
        .execute(&mut *conn)
        .await?;
    append(
        conn,
        &actor
            .event("person.duplicate_decision")
            .record("person", person_id)
            .details(
                serde_json::json!({ "other": other_id, "decision": decision, "pair": pair_id }),
            ),
    )
    .await?;
    Ok(())
}

/// A likely existing record of the same person.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Candidate {
    pub person: PersonRow,
    /// The engine's match probability, 0 to 1.
    pub score: f64,
    /// Message ids of what matched.
    pub reasons: Vec<String>,
    /// Each field's part in the score.
    pub explanation: Explanation,
}

impl Store {
    /// Likely existing records of the person being entered: records with the
    /// same ID number, or sharing two name sounds with a birth year at most three
    /// apart, scored by the linkage engine with the registry's model; those at
    /// `REVIEW_FROM` or above, most likely first. The name search is skipped
    /// when no record could reach `REVIEW_FROM` on what was entered (the
    /// engine's `best_possible`).
    /// Pairs already judged different are left out; so is `exclude` (the record itself).
    pub async fn likely_duplicates(
        &self,
        by: &Principal,
        p: &Person,
        exclude: Option<&str>,
    ) -> Result<Vec<Candidate>> {
        let grants = by.grants(Action::ViewPersons);
        let model = self.linkage_model().await?;
        let entry = kopru_linkage::Record::new(&entry_input(p), 0);
        // When even a perfect agreement on everything entered could not make
        // a likely match (a common name alone, no birth date), only the same
        // ID number can find the person: searching every namesake is wasted.
        let names_can_match =
            kopru_linkage::probability(model.best_possible(&entry)) >= REVIEW_FROM;
        if !names_can_match && p.national_id.is_none() {
            return Ok(Vec::new());
        }
        let given: Vec<String> = name_tokens(&p.given_names)
            .iter()
            .map(|t| phonetic(t))
            .collect();
        let family: Vec<String> = name_tokens(&p.family_name)
            .iter()
            .map(|t| phonetic(t))
            .collect();
        let mut q = Sql::new(&format!("SELECT {PERSON_COLUMNS} {PERSON_FROM} WHERE ("));
        if let Some(n) = &p.national_id {
            q.push("p.national_id = ").bind(n.clone()).push(" OR ");
        }
        if names_can_match {
            q.push("(p.id IN (SELECT person_id FROM person_names WHERE sound IN (");
            if family.is_empty() && given.is_empty() {
                q.push("''");
            }
            q.bind_list(family.iter().chain(given.iter()).cloned())
                .push(")");
            // Born within three years, or of unknown birth (0): a list, so the
            // index (sound, birth_year) is sought once per sound and year.
            if let Some(b) = &p.birth {
                q.push(" AND birth_year IN (0, ")
                    .bind_list(b.year() - 3..=b.year() + 3)
                    .push(")");
            }
            q.push(" GROUP BY person_id HAVING COUNT(DISTINCT sound) >= ")
                .bind(2i64.min((family.len() + given.len()) as i64));
            q.push("))");
        } else {
            q.push("1 = 0");
        }
        q.push(") AND ");
        push_visible(&mut q, Entity::Person, "p", &grants);
        if let Some(x) = exclude {
            q.push(" AND p.id <> ").bind(x.to_owned());
            q.push(" AND p.id NOT IN (SELECT other_person_id FROM duplicate_decisions WHERE decision = 'different' AND person_id = ").bind(x.to_owned()).push(")");
            q.push(" AND p.id NOT IN (SELECT person_id FROM duplicate_decisions WHERE decision = 'different' AND other_person_id = ").bind(x.to_owned()).push(")");
        }
        q.push(" AND p.merged_into IS NULL LIMIT 200");
        let rows: Vec<PersonRow> = q.fetch_all(self.pool()).await?;
        // The retrieval above is the blocking; the engine does the scoring.
        let mut out = Vec::new();
        for r in rows {
            let other = kopru_linkage::Record::new(&record_input(&r, None), 0);
            let explanation = explain(&model, &entry, &other);
            if explanation.probability < REVIEW_FROM {
                continue;
            }
            let mut reasons: Vec<String> = Vec::new();
            for f in &explanation.fields {
                if let Some(m) = reason(f) {
                    if !reasons.iter().any(|x| x == m) {
                        reasons.push(m.to_owned());
                    }
                }
            }
            out.push(Candidate {
                person: r,
                score: explanation.probability,
                reasons,
                explanation,
            });
        }
        out.sort_by(|a, b| b.score.total_cmp(&a.score));
        out.truncate(10);
        Ok(out)
    }

    /// Remembers that two records are (or are not) the same person.
    pub async fn record_duplicate_decision(
        &self,
        actor: &Actor,
        by: &Principal,
        person_id: &str,
        other_id: &str,
        decision: &str,
    ) -> Result<()> {
        if !matches!(decision, "different" | "same" | "unsure") {
            return Err(ValidationErrors::single("decision", "err-choice").into());
        }
        let mut tx = self.begin_write().await?;
        person_for(tx.conn(), by, Action::EditPersons, person_id).await?;
        person_for(tx.conn(), by, Action::ViewPersons, other_id).await?;
        remember(tx.conn(), actor, person_id, other_id, decision, None).await?;
        tx.commit().await
    }
}
