//! Moving a person to another unit: a request from someone who may edit the
//! person where they are now, answered by the receiving unit's coordinator
//! (as a case transfer is). Until it is accepted the record stays in its
//! unit's view; on acceptance its unit and area change, with history and
//! audit, and it leaves the sending unit's view. A direct edit cannot move a
//! record out of the writer's grants (`scope::record_place`).

use crate::audit::{append, Actor};
use crate::registry::{person_for, record_update};
use crate::scope::{push_visible, record_place, Entity, PlaceRefusal};
use crate::{clock, new_id, Result, Sql, Store, StoreError};
use kopru_domain::{Action, Principal, Scope, ValidationErrors};
use serde::Serialize;

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct PersonTransferRow {
    pub id: String,
    pub person_id: String,
    pub person_name: String,
    pub from_unit: String,
    pub from_area: String,
    pub to_unit: String,
    pub to_area: String,
    pub reason: String,
    /// pending, accepted, declined
    pub status: String,
    pub requested_by: String,
    pub requested_at: String,
    pub answered_by: Option<String>,
    pub answered_at: Option<String>,
    pub answer_note: Option<String>,
}

const SELECT: &str = "SELECT t.id, t.person_id, p.given_names || ' ' || p.family_name AS person_name, \
     t.from_unit, t.from_area, t.to_unit, t.to_area, t.reason, t.status, t.requested_by, t.requested_at, \
     t.answered_by, t.answered_at, t.answer_note FROM person_transfers t JOIN persons p ON p.id = t.person_id";

/// The receiving side: grants to manage the caseload of the receiving unit.
fn receiver_grants(by: &Principal) -> Vec<Scope> {
    by.grants(Action::ManageCaseload)
}

impl Store {
    /// Asks the receiving unit to take a person over. `to_area` must be the
    /// receiving unit's area or below it; the person must be editable by the
    /// requester where it is now.
    pub async fn request_person_transfer(
        &self,
        actor: &Actor,
        by: &Principal,
        person_id: &str,
        to_unit: &str,
        to_area: &str,
        reason: &str,
    ) -> Result<PersonTransferRow> {
        let (to_unit, reason) = (to_unit.trim(), reason.trim());
        let to_area = to_area.trim().to_ascii_uppercase();
        let to_area = to_area.as_str();
        let mut e = ValidationErrors::new();
        if reason.is_empty() {
            e.push("reason", "err-required");
        }
        let mut tx = self.begin_write().await?;
        let p = person_for(tx.conn(), by, Action::EditPersons, person_id).await?;
        if p.merged_into.is_some() {
            return Err(ValidationErrors::single("person", "err-person-merged").into());
        }
        if p.unit_code == to_unit {
            e.push("to_unit", "err-transfer-same-unit");
        }
        // The new place must agree with itself; the requester need not see it.
        match record_place(
            tx.conn(),
            Entity::Person,
            &[Scope::Installation],
            to_unit,
            to_area,
        )
        .await?
        {
            None | Some(PlaceRefusal::Denied) => {}
            Some(r) => {
                let (field, code) = r.field_error();
                e.push(
                    if field == "unit_code" {
                        "to_unit"
                    } else {
                        "to_area"
                    },
                    code,
                );
            }
        }
        e.into_result()?;
        let id = new_id();
        let now = clock::now();
        Sql::new("INSERT INTO person_transfers (id, person_id, from_unit, from_area, to_unit, to_area, reason, status, requested_by, requested_at) VALUES (")
            .bind(id.clone()).push(", ")
            .bind(p.id.clone()).push(", ")
            .bind(p.unit_code.clone()).push(", ")
            .bind(p.area_code.clone()).push(", ")
            .bind(to_unit.to_owned()).push(", ")
            .bind(to_area.to_owned()).push(", ")
            .bind(reason.to_owned()).push(", 'pending', ")
            .bind(actor.username.clone()).push(", ")
            .bind(now).push(")")
            .execute(tx.conn())
            .await
            .map_err(|e| StoreError::unique_to_field(e, "to_unit"))?;
        append(
            tx.conn(),
            &actor
                .event("person.transfer.request")
                .record("person", &p.id)
                .area(Some(&p.area_code))
                .unit(Some(&p.unit_code))
                .details(serde_json::json!({ "to_unit": to_unit, "to_area": to_area })),
        )
        .await?;
        let row = transfer_in(tx.conn(), &id).await?;
        tx.commit().await?;
        Ok(row)
    }

    /// Pending requests `by` may answer: to a unit whose caseload they manage.
    pub async fn pending_person_transfers(&self, by: &Principal) -> Result<Vec<PersonTransferRow>> {
        let grants = receiver_grants(by);
        let mut q = Sql::new(&format!(
            "{SELECT} WHERE t.status = 'pending' AND EXISTS (SELECT 1 FROM units tu WHERE tu.code = t.to_unit AND "
        ));
        push_visible(&mut q, Entity::Unit, "tu", &grants);
        q.push(") ORDER BY t.requested_at LIMIT 200");
        Ok(q.fetch_all(self.pool()).await?)
    }

    /// A person's transfer requests, newest first, for those who see the person.
    pub async fn person_transfers(
        &self,
        by: &Principal,
        person_id: &str,
    ) -> Result<Vec<PersonTransferRow>> {
        let mut conn = self.acquire().await?;
        person_for(&mut conn, by, Action::ViewPersons, person_id).await?;
        Ok(Sql::new(&format!("{SELECT} WHERE t.person_id = "))
            .bind(person_id.to_owned())
            .push(" ORDER BY t.requested_at DESC")
            .fetch_all(&mut *conn)
            .await?)
    }

    /// The receiving coordinator's answer. Accepted: the person's unit and
    /// area become the requested ones (history, audit); declined: nothing
    /// moves, the reason is kept.
    pub async fn answer_person_transfer(
        &self,
        actor: &Actor,
        by: &Principal,
        transfer_id: &str,
        accept: bool,
        note: Option<&str>,
    ) -> Result<PersonTransferRow> {
        let note = note.map(str::trim).filter(|n| !n.is_empty());
        if !accept && note.is_none() {
            return Err(ValidationErrors::single("note", "err-required").into());
        }
        let mut tx = self.begin_write().await?;
        let mut q = Sql::new(&format!("{SELECT} WHERE t.id = "));
        q.bind(transfer_id.to_owned())
            .push(" AND t.status = 'pending' AND EXISTS (SELECT 1 FROM units tu WHERE tu.code = t.to_unit AND ");
        push_visible(&mut q, Entity::Unit, "tu", &receiver_grants(by));
        q.push(")");
        let t: PersonTransferRow = q
            .fetch_optional(tx.conn())
            .await?
            .ok_or(StoreError::NotFound)?;
        let now = clock::now();
        Sql::new("UPDATE person_transfers SET status = ")
            .bind(if accept { "accepted" } else { "declined" })
            .push(", answered_by = ")
            .bind(actor.username.clone())
            .push(", answered_at = ")
            .bind(now.clone())
            .push(", answer_note = ")
            .bind(note.map(str::to_owned))
            .push(" WHERE id = ")
            .bind(t.id.clone())
            .execute(tx.conn())
            .await?;
        if accept {
            let (version, unit, area, merged): (i64, String, String, Option<String>) = Sql::new(
                "SELECT version, unit_code, area_code, merged_into FROM persons WHERE id = ",
            )
            .bind(t.person_id.clone())
            .fetch_one(tx.conn())
            .await?;
            // Moved or merged since the request: it no longer says where from.
            if merged.is_some() || unit != t.from_unit || area != t.from_area {
                return Err(StoreError::Conflict { current: version });
            }
            Sql::new("UPDATE persons SET unit_code = ")
                .bind(t.to_unit.clone())
                .push(", area_code = ")
                .bind(t.to_area.clone())
                .push(", version = version + 1, updated_at = ")
                .bind(now.clone())
                .push(" WHERE id = ")
                .bind(t.person_id.clone())
                .execute(tx.conn())
                .await?;
            // The name index carries the place too (scope is filtered inside it).
            Sql::new("UPDATE person_names SET unit_code = ")
                .bind(t.to_unit.clone())
                .push(", area_code = ")
                .bind(t.to_area.clone())
                .push(" WHERE person_id = ")
                .bind(t.person_id.clone())
                .execute(tx.conn())
                .await?;
            crate::person_links::follow_person_unit(tx.conn(), &t.person_id).await?;
            record_update(
                tx.conn(),
                actor,
                "person",
                &t.person_id,
                version + 1,
                &t.to_area,
                &t.to_unit,
                &[
                    (
                        "unit_code",
                        Some(t.from_unit.clone()),
                        Some(t.to_unit.clone()),
                    ),
                    (
                        "area_code",
                        Some(t.from_area.clone()),
                        Some(t.to_area.clone()),
                    ),
                ],
            )
            .await?;
        }
        append(
            tx.conn(),
            &actor
                .event(if accept {
                    "person.transfer.accept"
                } else {
                    "person.transfer.decline"
                })
                .record("person", &t.person_id)
                .area(Some(&t.to_area))
                .unit(Some(&t.to_unit))
                .details(serde_json::json!({ "transfer": t.id, "from_unit": t.from_unit })),
        )
        .await?;
        let row = transfer_in(tx.conn(), &t.id).await?;
        tx.commit().await?;
        Ok(row)
    }
}

async fn transfer_in(conn: &mut sqlx::AnyConnection, id: &str) -> Result<PersonTransferRow> {
    Sql::new(&format!("{SELECT} WHERE t.id = "))
        .bind(id.to_owned())
        .fetch_optional(conn)
        .await?
        .ok_or(StoreError::NotFound)
}
