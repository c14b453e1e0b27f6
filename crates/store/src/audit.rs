//! Appending to, reading and verifying the hash-chained audit log.

use crate::scope::{push_visible, Entity};
use crate::{clock, Result, Sql, Store};
use kopru_domain::audit::{chain_hash, EntryFields, GENESIS_HASH};
use kopru_domain::Scope;
use serde::Serialize;
use sqlx::AnyConnection;

/// What happened, by whom, to what. `details` must never hold special-category
/// values or secrets: it is shown to auditors and kept for years.
#[derive(Debug, Clone, Default)]
pub struct Event {
    pub actor_id: Option<String>,
    pub actor_name: String,
    pub action: String,
    pub record_type: Option<String>,
    pub record_id: Option<String>,
    pub area_code: Option<String>,
    pub unit_code: Option<String>,
    pub client_addr: Option<String>,
    /// `ok`, `denied`, `failed`.
    pub outcome: String,
    pub details: serde_json::Value,
}

impl Event {
    pub fn new(action: &str) -> Self {
        Event {
            action: action.to_owned(),
            outcome: "ok".into(),
            details: serde_json::Value::Object(Default::default()),
            ..Default::default()
        }
    }
    pub fn record(mut self, record_type: &str, record_id: &str) -> Self {
        self.record_type = Some(record_type.to_owned());
        self.record_id = Some(record_id.to_owned());
        self
    }
    pub fn area(mut self, area_code: Option<&str>) -> Self {
        self.area_code = area_code.map(str::to_owned);
        self
    }
    pub fn unit(mut self, unit_code: Option<&str>) -> Self {
        self.unit_code = unit_code.map(str::to_owned);
        self
    }
    pub fn outcome(mut self, outcome: &str) -> Self {
        self.outcome = outcome.to_owned();
        self
    }
    pub fn details(mut self, details: serde_json::Value) -> Self {
        self.details = details;
        self
    }
}

/// Who acts and from where; carried by every request into the store.
#[derive(Debug, Clone, Default)]
pub struct Actor {
    pub user_id: Option<String>,
    pub username: String,
    pub client_addr: Option<String>,
}

impl Actor {
    pub fn system(name: &str) -> Self {
        Actor {
            user_id: None,
            username: name.to_owned(),
            client_addr: None,
        }
    }
    pub fn event(&self, action: &str) -> Event {
        let mut e = Event::new(action);
        e.actor_id = self.user_id.clone();
        e.actor_name = self.username.clone();
        e.client_addr = self.client_addr.clone();
        e
    }
}

/// Appends inside the caller's transaction, so a write and its audit entry
/// commit or roll back together. The head row is updated first: that takes the
/// row lock in PostgreSQL and the write lock in SQLite, so appends are serial.
pub async fn append(conn: &mut AnyConnection, e: &Event) -> Result<i64> {
    let (seq, prev_hash): (i64, String) =
        Sql::new("UPDATE audit_head SET seq = seq + 1 WHERE id = 1 RETURNING seq, hash")
            .fetch_one(&mut *conn)
            .await?;
    let mut entry = Entry {
        seq,
        at: clock::now(),
        actor_id: e.actor_id.clone(),
        actor_name: e.actor_name.clone(),
        action: e.action.clone(),
        record_type: e.record_type.clone(),
        record_id: e.record_id.clone(),
        area_code: e.area_code.clone(),
        unit_code: e.unit_code.clone(),
        client_addr: e.client_addr.clone(),
        outcome: e.outcome.clone(),
        details: e.details.to_string(),
        prev_hash,
        hash: String::new(),
    };
    entry.hash = entry.computed_hash();
    let hash = entry.hash.clone();
    let Entry {
        at,
        actor_id,
        actor_name,
        action,
        record_type,
        record_id,
        area_code,
        unit_code,
        client_addr,
        outcome,
        details,
        prev_hash,
        hash: h,
        ..
    } = entry;
    let mut q = Sql::new(
        "INSERT INTO audit_log (seq, at, actor_id, actor_name, action, record_type, record_id, \
         area_code, unit_code, client_addr, outcome, details, prev_hash, hash) VALUES (",
    );
    q.bind(seq);
    for v in [
        Some(at),
        actor_id,
        Some(actor_name),
        Some(action),
        record_type,
        record_id,
        area_code,
        unit_code,
        client_addr,
        Some(outcome),
        Some(details),
        Some(prev_hash),
        Some(h),
    ] {
        q.push(", ").bind(v);
    }
    q.push(")");
    q.execute(&mut *conn).await?;
    Sql::new("UPDATE audit_head SET hash = ")
        .bind(hash)
        .push(" WHERE id = 1")
        .execute(&mut *conn)
        .await?;
    Ok(seq)
}

impl Store {
    /// Appends one entry in a transaction of its own (views, logins, exports).
    pub async fn audit(&self, e: &Event) -> Result<i64> {
        let mut tx = self.begin_write().await?;
        let seq = append(tx.conn(), e).await?;
        tx.commit().await?;
        Ok(seq)
    }
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Entry {
    pub seq: i64,
    pub at: String,
    pub actor_id: Option<String>,
    pub actor_name: String,
    pub action: String,
    pub record_type: Option<String>,
    pub record_id: Option<String>,
    pub area_code: Option<String>,
    pub unit_code: Option<String>,
    pub client_addr: Option<String>,
    pub outcome: String,
    pub details: String,
    pub prev_hash: String,
    pub hash: String,
}

impl Entry {
    /// The hash this entry's fields and `prev_hash` give; equals `hash` unless tampered with.
    pub fn computed_hash(&self) -> String {
        chain_hash(
            &self.prev_hash,
            &EntryFields {
                seq: self.seq,
                at: &self.at,
                actor_id: self.actor_id.as_deref(),
                actor_name: &self.actor_name,
                action: &self.action,
                record_type: self.record_type.as_deref(),
                record_id: self.record_id.as_deref(),
                area_code: self.area_code.as_deref(),
                unit_code: self.unit_code.as_deref(),
                client_addr: self.client_addr.as_deref(),
                outcome: &self.outcome,
                details: &self.details,
            },
        )
    }
}

/// Filters for browsing; all optional.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub actor: Option<String>,
    /// Matches the action exactly or as a prefix ending in `.` (e.g. `unit.`).
    pub action: Option<String>,
    pub record_type: Option<String>,
    pub record_id: Option<String>,
    pub outcome: Option<String>,
    /// Inclusive `YYYY-MM-DD`.
    pub from: Option<String>,
    /// Inclusive `YYYY-MM-DD`.
    pub to: Option<String>,
    /// Entries with `seq` below this (for paging backwards).
    pub before_seq: Option<i64>,
}

const ENTRY_COLUMNS: &str = "a.seq, a.at, a.actor_id, a.actor_name, a.action, a.record_type, \
     a.record_id, a.area_code, a.unit_code, a.client_addr, a.outcome, a.details, a.prev_hash, a.hash";

impl Store {
    /// Newest first, at most `limit`, within the caller's audit grants.
    pub async fn audit_entries(
        &self,
        grants: &[Scope],
        f: &Filter,
        limit: i64,
    ) -> Result<Vec<Entry>> {
        let mut q = Sql::new(&format!("SELECT {ENTRY_COLUMNS} FROM audit_log a WHERE "));
        push_visible(&mut q, Entity::AuditEntry, "a", grants);
        if let Some(v) = f.actor.as_deref().filter(|s| !s.is_empty()) {
            q.push(" AND a.actor_name = ").bind(v.to_owned());
        }
        if let Some(v) = f.action.as_deref().filter(|s| !s.is_empty()) {
            if let Some(prefix) = v.strip_suffix('.') {
                q.push(" AND a.action LIKE ")
                    .bind(format!("{}.%", crate::sql::like_escape(prefix)))
                    .push(" ESCAPE '\\'");
            } else {
                q.push(" AND a.action = ").bind(v.to_owned());
            }
        }
        if let Some(v) = f.record_type.as_deref().filter(|s| !s.is_empty()) {
            q.push(" AND a.record_type = ").bind(v.to_owned());
        }
        if let Some(v) = f.record_id.as_deref().filter(|s| !s.is_empty()) {
            q.push(" AND a.record_id = ").bind(v.to_owned());
        }
        if let Some(v) = f.outcome.as_deref().filter(|s| !s.is_empty()) {
            q.push(" AND a.outcome = ").bind(v.to_owned());
        }
        if let Some(v) = f.from.as_deref().filter(|s| !s.is_empty()) {
            q.push(" AND a.at >= ").bind(v.to_owned());
        }
        if let Some(v) = f.to.as_deref().filter(|s| !s.is_empty()) {
            // The whole last day: every timestamp of that day sorts below "T~".
            q.push(" AND a.at < ").bind(format!("{v}T~"));
        }
        if let Some(v) = f.before_seq {
            q.push(" AND a.seq < ").bind(v);
        }
        q.push(" ORDER BY a.seq DESC LIMIT ")
            .bind(limit.clamp(1, 1000));
        Ok(q.fetch_all(self.pool()).await?)
    }
}

/// Where the chain first breaks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Break {
    pub seq: i64,
    pub reason: &'static str,
}

#[derive(Debug, Clone)]
pub struct Verification {
    pub entries: i64,
    pub head_hash: String,
    pub first_break: Option<Break>,
}

impl Store {
    /// Re-computes every hash in order. Detects a changed entry (its hash no
    /// longer matches), a deleted or inserted one (sequence gap or a `prev_hash`
    /// that is not the previous entry's hash), and a truncated tail (the head
    /// row disagrees with the last entry).
    pub async fn verify_audit(&self) -> Result<Verification> {
        let mut expected_seq = 1i64;
        let mut prev = GENESIS_HASH.to_owned();
        let mut last_seq = 0i64;
        let mut entries = 0i64;
        loop {
            let batch: Vec<Entry> = Sql::new(&format!(
                "SELECT {ENTRY_COLUMNS} FROM audit_log a WHERE a.seq > "
            ))
            .bind(last_seq)
            .push(" ORDER BY a.seq LIMIT 5000")
            .fetch_all(self.pool())
            .await?;
            if batch.is_empty() {
                break;
            }
            for e in &batch {
                let broken = |reason| {
                    Ok(Verification {
                        entries,
                        head_hash: prev.clone(),
                        first_break: Some(Break { seq: e.seq, reason }),
                    })
                };
                if e.seq != expected_seq {
                    return broken(if e.seq > expected_seq {
                        "an entry before this one is missing"
                    } else {
                        "sequence out of order"
                    });
                }
                if e.prev_hash != prev {
                    return broken(
                        "does not follow the previous entry (inserted or removed entry)",
                    );
                }
                let recomputed = e.computed_hash();
                if recomputed != e.hash {
                    return broken("content changed after it was written");
                }
                prev = e.hash.clone();
                expected_seq += 1;
                entries += 1;
            }
            last_seq = batch.last().map(|e| e.seq).unwrap_or(last_seq);
        }
        let (head_seq, head_hash): (i64, String) =
            Sql::new("SELECT seq, hash FROM audit_head WHERE id = 1")
                .fetch_one(self.pool())
                .await?;
        let first_break = if head_seq != entries || head_hash != prev {
            Some(Break {
                seq: head_seq.max(entries),
                reason: "entries at the end were removed (the head disagrees with the last entry)",
            })
        } else {
            None
        };
        Ok(Verification {
            entries,
            head_hash: prev,
            first_break,
        })
    }
}
