//! One registry of the tables whose rows hang off a person or a household,
//! and what a merge does with each. Merges move the rows it says move;
//! merge snapshots (what an unmerge puts back) keep the tables it says to
//! keep; data-subject exports and erasure will walk the same list.
//!
//! A feature whose table refers to `persons` or `households` adds a row here
//! in the same change as its migration: the test below reads the database's
//! own catalogue on both engines and fails on any reference missing from it.

/// How a snapshot's rows are put back by an unmerge.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Restore {
    /// Other rows refer to these: every column is written back over the row with the same key.
    Update,
    /// Nothing refers to these: the people's rows are deleted and the kept ones inserted.
    Replace,
}

/// What merging two records does with a table's rows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OnMerge {
    /// The rows move to the surviving record (`UPDATE … SET column = survivor`).
    Move,
    /// The merge handles these rows itself: the record, its search names
    /// (rebuilt), its special-category values (re-encrypted to the survivor),
    /// a household's members (they leave one household and join the other).
    Own,
    /// The duplicate queue and merge log: they name both records and stay as they are.
    Keep,
}

/// A table that refers to a person (or a household) through `column`.
#[derive(Debug)]
pub struct Link {
    pub table: &'static str,
    pub column: &'static str,
    pub on_merge: OnMerge,
    /// Kept in a merge's snapshot and put back on unmerge: the columns that
    /// identify a row (for `Update`) and order rows, and how they go back.
    pub snapshot: Option<(&'static [&'static str], Restore)>,
}

const fn link(
    table: &'static str,
    column: &'static str,
    on_merge: OnMerge,
    snapshot: Option<(&'static [&'static str], Restore)>,
) -> Link {
    Link {
        table,
        column,
        on_merge,
        snapshot,
    }
}

use OnMerge::{Keep, Move, Own};
use Restore::{Replace, Update};

/// Every table that refers to a person. Order matters for restoring a
/// snapshot: people first (the survivor before the merged record: the
/// survivor may hold the other's ID number, unique among open records,
/// until it is restored).
pub const PERSON_LINKS: &[Link] = &[
    link("persons", "id", Own, Some((&["id"], Update))),
    link(
        "households",
        "head_person_id",
        Move,
        Some((&["id"], Update)),
    ),
    link(
        "household_members",
        "person_id",
        Move,
        Some((&["id"], Replace)),
    ),
    link("consents", "person_id", Move, Some((&["id"], Replace))),
    link(
        "person_special",
        "person_id",
        Own,
        Some((&["category"], Replace)),
    ),
    link(
        "person_names",
        "person_id",
        Own,
        Some((&["token", "sound", "field"], Replace)),
    ),
    link("cases", "person_id", Move, Some((&["id"], Update))),
    link("referrals", "person_id", Move, Some((&["id"], Update))),
    link(
        "import_fingerprints",
        "person_id",
        Move,
        Some((&["fingerprint"], Replace)),
    ),
    link(
        "person_transfers",
        "person_id",
        Move,
        Some((&["id"], Replace)),
    ),
    link(
        "activity_participants",
        "person_id",
        Move,
        Some((&["id"], Update)),
    ),
    link(
        "volunteer_placements",
        "person_id",
        Move,
        Some((&["id"], Update)),
    ),
    link(
        "person_documents",
        "person_id",
        Move,
        Some((&["id"], Update)),
    ),
    link("enrolments", "person_id", Move, Some((&["id"], Update))),
    link(
        "health_coverage",
        "person_id",
        Move,
        Some((&["id"], Update)),
    ),
    link("immunisations", "person_id", Move, Some((&["id"], Update))),
    link("participations", "person_id", Move, Some((&["id"], Update))),
    link("job_seekers", "person_id", Move, Some((&["id"], Update))),
    link("placements", "person_id", Move, Some((&["id"], Update))),
    link("outcome_checks", "person_id", Move, Some((&["id"], Update))),
    link("persons", "merged_into", Own, None),
    link("duplicate_pairs", "person_id", Keep, None),
    link("duplicate_pairs", "other_person_id", Keep, None),
    link("duplicate_decisions", "person_id", Keep, None),
    link("duplicate_decisions", "other_person_id", Keep, None),
    link("person_merges", "survivor_id", Keep, None),
    link("person_merges", "merged_id", Keep, None),
];

/// Every table that refers to a household. A household merge moves the
/// members itself (they leave one and join the other, so history shows both).
pub const HOUSEHOLD_LINKS: &[Link] = &[
    link("households", "merged_into", Own, None),
    link("persons", "household_id", Own, None),
    link("household_members", "household_id", Own, None),
    link("cases", "household_id", Move, None),
];

/// The person tables a merge moves to the survivor, as (table, column).
pub fn person_moves() -> impl Iterator<Item = (&'static str, &'static str)> {
    PERSON_LINKS
        .iter()
        .filter(|l| l.on_merge == Move)
        .map(|l| (l.table, l.column))
}

/// Person tables that carry their person's unit (`unit_code`, as
/// `persons.unit_code`) so that a unit's counts and lists are range scans
/// of the table's own index instead of a walk through the unit's people.
pub const FOLLOW_PERSON_UNIT: &[&str] = &[
    "job_seekers",
    "participations",
    "placements",
    "outcome_checks",
];

/// Sets the unit of a person's rows in [`FOLLOW_PERSON_UNIT`] to the
/// person's: after the person moves (an edit, an accepted transfer) and
/// after a merge moved the other record's rows to them. Unmerge needs no
/// call: it restores the rows as they were, unit included.
pub(crate) async fn follow_person_unit(
    conn: &mut sqlx::AnyConnection,
    person_id: &str,
) -> crate::error::Result<()> {
    for table in FOLLOW_PERSON_UNIT {
        crate::sql::Sql::new(&format!(
            "UPDATE {table} SET unit_code = (SELECT p.unit_code FROM persons p WHERE p.id = "
        ))
        .bind(person_id.to_owned())
        .push(") WHERE person_id = ")
        .bind(person_id.to_owned())
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// The household tables a household merge moves to the household kept.
pub fn household_moves() -> impl Iterator<Item = (&'static str, &'static str)> {
    HOUSEHOLD_LINKS
        .iter()
        .filter(|l| l.on_merge == Move)
        .map(|l| (l.table, l.column))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Backend, Sql};

    /// The columns that refer to `target`: declared foreign keys, read from
    /// the engine's catalogue, and (for people) any column named `person_id`
    /// or `…_person_id`, in case a migration forgot to declare one.
    async fn references_to(store: &crate::Store, target: &str) -> Vec<(String, String)> {
        let mut conn = store.acquire().await.expect("connection");
        let declared: Vec<(String, String)> = match store.backend() {
            Backend::Sqlite => Sql::new(
                "SELECT m.name, f.\"from\" FROM sqlite_master m, pragma_foreign_key_list(m.name) f \
                 WHERE m.type = 'table' AND f.\"table\" = ",
            )
            .bind(target.to_owned())
            .fetch_all(&mut *conn)
            .await
            .expect("sqlite catalogue"),
            Backend::Postgres => Sql::new(
                "SELECT c.conrelid::regclass::text, a.attname::text FROM pg_constraint c \
                 JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = ANY (c.conkey) \
                 WHERE c.contype = 'f' AND c.confrelid = ",
            )
            .bind(target.to_owned())
            .push("::regclass")
            .fetch_all(&mut *conn)
            .await
            .expect("postgres catalogue"),
        };
        let named: Vec<(String, String)> = match store.backend() {
            Backend::Sqlite => Sql::new(
                "SELECT m.name, c.name FROM sqlite_master m, pragma_table_info(m.name) c \
                 WHERE m.type = 'table' AND (c.name = 'person_id' OR c.name LIKE '%\\_person\\_id' ESCAPE '\\')",
            )
            .fetch_all(&mut *conn)
            .await
            .expect("sqlite columns"),
            Backend::Postgres => Sql::new(
                "SELECT table_name::text, column_name::text FROM information_schema.columns \
                 WHERE table_schema = current_schema() \
                 AND (column_name = 'person_id' OR column_name LIKE '%\\_person\\_id' ESCAPE '\\')",
            )
            .fetch_all(&mut *conn)
            .await
            .expect("postgres columns"),
        };
        let mut all = declared;
        if target == "persons" {
            all.extend(named);
        }
        all.sort();
        all.dedup();
        all
    }

    fn missing(links: &[Link], found: &[(String, String)]) -> Vec<String> {
        found
            .iter()
            .filter(|(t, c)| !links.iter().any(|l| l.table == t && l.column == c))
            .map(|(t, c)| format!("{t}.{c}"))
            .collect()
    }

    #[tokio::test]
    async fn every_reference_to_a_person_or_household_is_registered() {
        let db = crate::testing::fresh_db().await;
        let persons = references_to(&db.store, "persons").await;
        assert!(
            persons
                .iter()
                .any(|(t, c)| t == "cases" && c == "person_id"),
            "the catalogue query finds the references: {persons:?}"
        );
        assert_eq!(
            missing(PERSON_LINKS, &persons),
            Vec::<String>::new(),
            "tables referring to persons missing from PERSON_LINKS"
        );
        let households = references_to(&db.store, "households").await;
        assert!(households.iter().any(|(t, _)| t == "household_members"));
        assert_eq!(
            missing(HOUSEHOLD_LINKS, &households),
            Vec::<String>::new(),
            "tables referring to households missing from HOUSEHOLD_LINKS"
        );
    }

    #[test]
    fn a_missing_table_is_reported() {
        let found = vec![
            ("cases".to_owned(), "person_id".to_owned()),
            ("future_table".to_owned(), "person_id".to_owned()),
        ];
        assert_eq!(
            missing(PERSON_LINKS, &found),
            vec!["future_table.person_id"]
        );
    }

    #[test]
    fn snapshots_start_with_people() {
        let first = PERSON_LINKS.iter().find(|l| l.snapshot.is_some());
        assert_eq!(first.map(|l| l.table), Some("persons"));
    }
}
