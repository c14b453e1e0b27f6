//! Outcomes recorded per person with dates (issue 19): civil documents,
//! school enrolment, health coverage and immunisation, programme
//! participation, job seekers, placements and the checks that follow them.
//! Every read and write goes through the person: visible to the caller
//! (`ViewPersons`), written with `EditPersons` on the person's place, a merged
//! record read-only; each write audited with the person's unit and area.

pub mod checks;
pub mod documents;
pub mod education;
pub mod employment;
pub mod health;
pub mod participation;
pub mod summary;
pub mod timeline;

pub use documents::DocumentRow;

use crate::audit::{Actor, Event};
use crate::error::{Result, StoreError};
use crate::registry::{person_for, PersonRow};
use crate::sql::Sql;
use kopru_domain::{Action, Principal, ValidationErrors};
use sqlx::AnyConnection;

/// An audit entry about one of a person's outcome rows.
pub(crate) fn audit_person(
    actor: &Actor,
    action: &str,
    p: &PersonRow,
    details: serde_json::Value,
) -> Event {
    actor
        .event(action)
        .record("person", &p.id)
        .area(Some(&p.area_code))
        .unit(Some(&p.unit_code))
        .details(details)
}

/// The person for a write: visible (else 404), editable by the caller
/// (else 403), not merged into another record.
pub(crate) async fn person_for_edit(
    conn: &mut AnyConnection,
    by: &Principal,
    person_id: &str,
) -> Result<PersonRow> {
    let p = person_for(&mut *conn, by, Action::ViewPersons, person_id).await?;
    if person_for(&mut *conn, by, Action::EditPersons, person_id)
        .await
        .is_err()
    {
        return Err(StoreError::Forbidden);
    }
    if p.merged_into.is_some() {
        return Err(ValidationErrors::single("person_id", "err-person-merged").into());
    }
    Ok(p)
}

/// The person an outcome row belongs to, for a write: the row must exist
/// (404), its person be editable by the caller.
pub(crate) async fn row_person_for_edit(
    conn: &mut AnyConnection,
    by: &Principal,
    table: &str,
    id: &str,
) -> Result<PersonRow> {
    let owner: Option<(String,)> = Sql::new(&format!("SELECT person_id FROM {table} WHERE id = "))
        .bind(id.to_owned())
        .fetch_optional(&mut *conn)
        .await?;
    let (person_id,) = owner.ok_or(StoreError::NotFound)?;
    person_for_edit(conn, by, &person_id).await
}

/// A code of the directory's programmes, or the field's error.
pub(crate) async fn known_programme(
    conn: &mut AnyConnection,
    field: &str,
    code: &str,
) -> Result<()> {
    let hit: Option<(i64,)> = Sql::new("SELECT 1 FROM programmes WHERE code = ")
        .bind(code.to_owned())
        .fetch_optional(conn)
        .await?;
    if hit.is_none() {
        return Err(ValidationErrors::single(field, "err-programme-unknown").into());
    }
    Ok(())
}

/// An institution of the directory of one of `kinds`, or the field's error.
pub(crate) async fn institution_of_kind(
    conn: &mut AnyConnection,
    field: &str,
    id: &str,
    kinds: &[&str],
    code: &'static str,
) -> Result<()> {
    let mut q = Sql::new("SELECT 1 FROM institutions WHERE id = ");
    q.bind(id.to_owned())
        .push(" AND kind IN (")
        .bind_list(kinds.iter().map(|k| (*k).to_owned()))
        .push(")");
    let hit: Option<(i64,)> = q.fetch_optional(conn).await?;
    if hit.is_none() {
        return Err(ValidationErrors::single(field, code).into());
    }
    Ok(())
}
