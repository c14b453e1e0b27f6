//! Incremental maintenance of materialised runs (`cache`): a run is kept
//! with each subject's share of it (the `FINE` groups their rows fall in),
//! and after a write only the subjects it touched are read again — their
//! old share taken out of the run, the new one put in. A run of a million
//! people then follows an attendance mark in milliseconds instead of
//! being computed again from ten million rows (BENCHMARKS.md).
//!
//! **Who was touched** comes from the audit chain, which every write through
//! the store's services appends to in its own transaction: the entries
//! since the run's stamp name their record (a person, a case, a referral,
//! an activity, a household), and the record names its people. Reads and
//! records no source reads change nothing; anything else (a unit, a
//! programme, an import, an unknown kind of entry), more than
//! `MAX_ENTRIES` entries or `MAX_SUBJECTS` people, or a write that bypassed
//! the services (`Store::data_changed`) make the run computed whole again.
//! Conservative, never stale: an unknown entry costs time, not correctness.
//!
//! A share is recomputed, not patched: the subject's rows are read afresh
//! (`sources::push_select` restricts each source by an indexed person
//! column), so reading a subject twice, or a write that lands between the
//! stamp and the read, leaves the same run.

use super::engine::{Agg, Run};
use super::sources::{Subjects, PROFESSIONAL};
use crate::error::Result;
use crate::sql::Sql;
use sqlx::AnyConnection;
use std::collections::hash_map::DefaultHasher;
use std::collections::{BTreeMap, HashMap};
use std::hash::{Hash, Hasher};

/// Audit entries read at most to find who was touched; past it, whole.
const MAX_ENTRIES: i64 = 2_000;
/// Subjects read again at most; past it, the run is computed whole.
pub(crate) const MAX_SUBJECTS: usize = 2_000;

/// A subject's share of a run: the groups their rows fall in.
enum Share {
    One(u32, Agg),
    Many(Vec<(u32, Agg)>),
}

/// Every subject's share of one run, keyed by a 128-bit hash of the
/// subject's id (two SipHash functions; a collision among a million ids has
/// odds of about 10⁻²⁶) to hold a million subjects in tens of megabytes.
#[derive(Default)]
pub(crate) struct Shares {
    keys: Vec<Vec<String>>,
    index: HashMap<Vec<String>, u32>,
    of: HashMap<u128, Share>,
}

fn subject_hash(s: &str) -> u128 {
    let half = |salt: u8| {
        let mut h = DefaultHasher::new();
        (salt, s).hash(&mut h);
        h.finish()
    };
    (u128::from(half(0)) << 64) | u128::from(half(1))
}

impl Shares {
    /// Subjects held (the cache's memory bound counts them).
    pub(crate) fn len(&self) -> usize {
        self.of.len()
    }

    fn key_index(&mut self, key: Vec<String>) -> u32 {
        if let Some(i) = self.index.get(&key) {
            return *i;
        }
        let i = u32::try_from(self.keys.len()).unwrap_or(u32::MAX);
        self.keys.push(key.clone());
        self.index.insert(key, i);
        i
    }

    /// Adds one group of a subject's rows to their share and to `run`.
    pub(crate) fn add(&mut self, run: &mut Run, key: Vec<String>, subject: &str, agg: Agg) {
        let k = self.key_index(key);
        if let Some(key) = self.keys.get(k as usize) {
            match run.get_mut(key) {
                Some(cell) => cell.add(agg),
                None => {
                    run.insert(key.clone(), agg);
                }
            }
        }
        let h = subject_hash(subject);
        match self.of.remove(&h) {
            None => {
                self.of.insert(h, Share::One(k, agg));
            }
            Some(Share::One(k0, a0)) => {
                self.of.insert(h, Share::Many(vec![(k0, a0), (k, agg)]));
            }
            Some(Share::Many(mut v)) => {
                v.push((k, agg));
                self.of.insert(h, Share::Many(v));
            }
        }
    }

    /// Takes `subject`'s share out of `run`.
    fn remove(&mut self, run: &mut Run, subject: &str) {
        let Some(share) = self.of.remove(&subject_hash(subject)) else {
            return;
        };
        let parts: Vec<(u32, Agg)> = match share {
            Share::One(k, a) => vec![(k, a)],
            Share::Many(v) => v,
        };
        for (k, a) in parts {
            let Some(key) = self.keys.get(k as usize) else {
                continue;
            };
            if let Some(cell) = run.get_mut(key) {
                cell.sub(a);
                if cell.n <= 0 {
                    run.remove(key);
                }
            }
        }
    }

    /// Replaces the shares of `who` in `run` by `fresh`, their groups read
    /// again (a subject without fresh rows no longer counts).
    pub(crate) fn replace(
        &mut self,
        run: &mut Run,
        who: &Subjects,
        fresh: Vec<(Vec<String>, String, Agg)>,
    ) {
        for s in who {
            self.remove(run, s);
        }
        for (key, subject, agg) in fresh {
            self.add(run, key, &subject, agg);
        }
    }
}

/// What an audit entry does to the runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Effect {
    /// Nothing any restrictable source reads.
    None,
    /// The people of its record.
    Record,
    /// Unknown or wide: compute whole.
    Everything,
}

fn effect(action: &str, record_type: Option<&str>, outcome: &str) -> Effect {
    // A denied or failed attempt wrote nothing (its transaction rolled back).
    if outcome != "ok" {
        return Effect::None;
    }
    let read = [".view", ".read", "_view", "auth.login", "auth.logout"];
    if read.iter().any(|r| action.ends_with(r)) {
        return Effect::None;
    }
    match record_type {
        Some("person" | "case" | "referral" | "activity" | "household") => Effect::Record,
        // Strategy monitoring: only the `actions` source reads it, and that
        // source is always computed whole.
        Some(
            "action_plan" | "annual_report" | "local_group" | "local_plan" | "monitoring_visit"
            | "progress_report" | "recommendation" | "reporting_cycle" | "strategy",
        ) => Effect::None,
        // Accounts, definitions and settings: no source reads them.
        Some("user" | "api_token" | "dashboard" | "indicator" | "import_mapping" | "form") => {
            Effect::None
        }
        None if matches!(
            action,
            "duplicates.run" | "keys.reencrypt" | "referral.response_time"
        ) =>
        {
            Effect::None
        }
        _ => Effect::Everything,
    }
}

/// An audit entry's action, record type and id, outcome and details.
type AuditEntry = (String, Option<String>, Option<String>, String, String);

/// The subjects whose rows the audit entries after `from` up to `to` may
/// have changed, or `None` when the runs must be computed whole.
pub(crate) async fn touched(
    conn: &mut AnyConnection,
    from: i64,
    to: i64,
) -> Result<Option<Subjects>> {
    let mut who = Subjects::new();
    if to <= from {
        return Ok(Some(who));
    }
    if to - from > MAX_ENTRIES {
        return Ok(None);
    }
    let entries: Vec<AuditEntry> = Sql::new(
        "SELECT action, record_type, record_id, outcome, details FROM audit_log WHERE seq > ",
    )
    .bind(from)
    .push(" AND seq <= ")
    .bind(to)
    .fetch_all(&mut *conn)
    .await?;
    let mut records: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (action, record_type, record_id, outcome, details) in entries {
        match effect(&action, record_type.as_deref(), &outcome) {
            Effect::None => {}
            Effect::Everything => return Ok(None),
            Effect::Record => {
                let (Some(t), Some(id)) = (record_type, record_id) else {
                    return Ok(None);
                };
                if t == "person" {
                    // A merge, an unmerge or a decision names the other record.
                    let d: serde_json::Value = serde_json::from_str(&details).unwrap_or_default();
                    for k in ["merged", "other"] {
                        if let Some(o) = d.get(k).and_then(|v| v.as_str()) {
                            who.insert(o.to_owned());
                        }
                    }
                    who.insert(id);
                } else {
                    records.entry(t).or_default().push(id);
                }
            }
        }
    }
    for (t, ids) in records {
        let select = match t.as_str() {
            "case" => "SELECT person_id, CAST(NULL AS TEXT) FROM cases WHERE id IN (",
            "referral" => "SELECT person_id, CAST(NULL AS TEXT) FROM referrals WHERE id IN (",
            "household" => {
                "SELECT person_id, CAST(NULL AS TEXT) FROM household_members WHERE household_id IN ("
            }
            // A participant counts as their person, or as a professional
            // before they are linked to one: both are read again.
            "activity" => "SELECT person_id, id FROM activity_participants WHERE activity_id IN (",
            _ => return Ok(None),
        };
        let rows: Vec<(Option<String>, Option<String>)> = Sql::new(select)
            .bind_list(ids)
            .push(")")
            .fetch_all(&mut *conn)
            .await?;
        for (person, participant) in rows {
            who.extend(person);
            if let Some(p) = participant {
                who.insert(format!("{PROFESSIONAL}{p}"));
            }
        }
        if who.len() > MAX_SUBJECTS {
            return Ok(None);
        }
    }
    Ok((who.len() <= MAX_SUBJECTS).then_some(who))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn agg(n: i64, s: f64) -> Agg {
        Agg { n, s }
    }

    fn key(k: &str) -> Vec<String> {
        vec![k.to_owned()]
    }

    #[test]
    fn replacing_a_share_moves_its_count_between_groups() {
        let mut run = Run::new();
        let mut shares = Shares::default();
        shares.add(&mut run, key("a"), "p1", agg(1, 2.0));
        shares.add(&mut run, key("a"), "p2", agg(1, 3.0));
        shares.add(&mut run, key("b"), "p2", agg(2, 1.0));
        assert_eq!(run[&key("a")], agg(2, 5.0));
        let who: Subjects = ["p2".to_owned(), "p3".to_owned()].into();
        shares.replace(
            &mut run,
            &who,
            vec![(key("c"), "p2".to_owned(), agg(1, 0.0))],
        );
        assert_eq!(run[&key("a")], agg(1, 2.0));
        assert!(!run.contains_key(&key("b")), "an emptied group goes");
        assert_eq!(run[&key("c")], agg(1, 0.0));
        // Read twice, the same run.
        shares.replace(
            &mut run,
            &who,
            vec![(key("c"), "p2".to_owned(), agg(1, 0.0))],
        );
        assert_eq!(run.len(), 2);
        assert_eq!(run[&key("c")], agg(1, 0.0));
        // A subject without fresh rows no longer counts.
        shares.replace(&mut run, &["p1".to_owned()].into(), vec![]);
        assert!(!run.contains_key(&key("a")));
        assert_eq!(shares.len(), 1);
    }

    #[test]
    fn reads_and_unread_records_change_nothing_and_the_unknown_everything() {
        assert_eq!(effect("person.view", Some("person"), "ok"), Effect::None);
        assert_eq!(
            effect("person.special.read", Some("person"), "ok"),
            Effect::None
        );
        assert_eq!(effect("auth.login", None, "ok"), Effect::None);
        assert_eq!(effect("case.contact", Some("case"), "ok"), Effect::Record);
        assert_eq!(
            effect("attendance.save", Some("activity"), "ok"),
            Effect::Record
        );
        assert_eq!(
            effect("person.merge", Some("person"), "denied"),
            Effect::None
        );
        assert_eq!(
            effect("unit.update", Some("unit"), "ok"),
            Effect::Everything
        );
        assert_eq!(
            effect("person.import", Some("import"), "ok"),
            Effect::Everything
        );
        assert_eq!(effect("something.new", None, "ok"), Effect::Everything);
        assert_eq!(
            effect("local_plan.update", Some("local_plan"), "ok"),
            Effect::None
        );
    }
}
