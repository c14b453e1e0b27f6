//! Volunteer placements: a person of the registry, usually trained in an
//! activity, placed by a unit in a host institution, with the hours given
//! each month — logged by the unit, confirmed by the host's focal point.
//!
//! Placements are scoped like activities (`Entity::VolunteerPlacement`: the
//! host's area, the placing unit, the host institution). The volunteer's name
//! is shown to those who may see the person and to the host's focal point,
//! who works with them.

use super::activity_in;
use crate::audit::{append, Actor};
use crate::error::{Result, StoreError};
use crate::registry::person_for;
use crate::scope::{organised_allowed, push_visible, Entity};
use crate::sql::Sql;
use crate::{clock, new_id, Store};
use kopru_domain::activity::NewPlacement;
use kopru_domain::{Action, Principal, Scope, ValidationErrors};
use serde::Serialize;
use sqlx::AnyConnection;

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct PlacementRow {
    pub id: String,
    pub person_id: String,
    /// Blank for those who may not see the volunteer.
    pub name: String,
    pub activity_id: Option<String>,
    pub institution_code: String,
    pub institution_name: String,
    pub unit_code: String,
    pub area_code: String,
    pub role: String,
    pub supervisor: Option<String>,
    pub starts_on: String,
    pub ends_on: Option<String>,
    pub hours_per_week: Option<i64>,
    pub ended_on: Option<String>,
    pub end_reason: Option<String>,
    /// Hours logged, all months.
    pub hours_total: i64,
    /// Months logged and not yet confirmed by the host.
    pub unconfirmed: i64,
    pub version: i64,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct HoursRow {
    pub month: String,
    pub hours: i64,
    pub note: Option<String>,
    pub logged_by: String,
    pub logged_at: String,
    pub confirmed_by: Option<String>,
    pub confirmed_at: Option<String>,
}

/// A placement with its months.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PlacementFile {
    pub placement: PlacementRow,
    pub hours: Vec<HoursRow>,
}

#[derive(Debug, Clone, Default)]
pub struct PlacementFilter {
    pub unit: Option<String>,
    pub institution: Option<String>,
    pub person: Option<String>,
    /// Only placements not ended.
    pub active: bool,
    /// Only placements with months waiting for the host's confirmation.
    pub unconfirmed: bool,
    pub limit: i64,
    pub offset: i64,
}

fn select(q: &mut Sql, by: &Principal) {
    q.push("SELECT v.id, v.person_id, CASE WHEN ");
    push_visible(q, Entity::Person, "p", &by.grants(Action::ViewPersons));
    q.push(" OR ");
    push_visible(
        q,
        Entity::VolunteerPlacement,
        "v",
        &by.grants(Action::ConfirmVolunteerHours),
    );
    q.push(
        " THEN p.given_names || ' ' || p.family_name ELSE '' END AS name, \
         v.activity_id, v.institution_code, i.name AS institution_name, v.unit_code, v.area_code, \
         v.role, v.supervisor, v.starts_on, v.ends_on, v.hours_per_week, v.ended_on, v.end_reason, \
         COALESCE((SELECT CAST(SUM(h.hours) AS BIGINT) FROM volunteer_hours h WHERE h.placement_id = v.id), 0) AS hours_total, \
         (SELECT COUNT(*) FROM volunteer_hours h WHERE h.placement_id = v.id AND h.confirmed_at IS NULL) AS unconfirmed, \
         v.version FROM volunteer_placements v JOIN persons p ON p.id = v.person_id \
         JOIN institutions i ON i.code = v.institution_code WHERE ",
    );
}

/// The placement `id` if it is within `grants`.
async fn placement_in(
    conn: &mut AnyConnection,
    by: &Principal,
    grants: &[Scope],
    id: &str,
) -> Result<PlacementRow> {
    let mut q = Sql::new("");
    select(&mut q, by);
    q.push("v.id = ").bind(id.to_owned()).push(" AND ");
    push_visible(&mut q, Entity::VolunteerPlacement, "v", grants);
    q.fetch_optional(conn).await?.ok_or(StoreError::NotFound)
}

/// Every grant that shows placements: those who plan activities, those who
/// see activities, and the host's focal point.
fn view_grants(by: &Principal) -> Vec<Scope> {
    let mut g = by.grants(Action::ViewActivities);
    for s in by.grants(Action::ConfirmVolunteerHours) {
        if !g.contains(&s) {
            g.push(s);
        }
    }
    g
}

/// The placement for a write under `action`: visible (else 404), within the
/// grants of `action` (else 403).
async fn placement_for(
    conn: &mut AnyConnection,
    by: &Principal,
    action: Action,
    id: &str,
) -> Result<PlacementRow> {
    let p = placement_in(conn, by, &view_grants(by), id).await?;
    if placement_in(conn, by, &by.grants(action), id)
        .await
        .is_err()
    {
        return Err(StoreError::Forbidden);
    }
    Ok(p)
}

fn audit_placement(actor: &Actor, action: &str, p: &PlacementRow) -> crate::audit::Event {
    actor
        .event(action)
        .record("volunteer_placement", &p.id)
        .area(Some(&p.area_code))
        .unit(Some(&p.unit_code))
}

impl Store {
    /// Places a volunteer the caller may see in a host institution, for a
    /// unit where the caller manages activities. A training named must be
    /// one the person took part in.
    pub async fn create_placement(
        &self,
        actor: &Actor,
        by: &Principal,
        new: &NewPlacement,
    ) -> Result<PlacementRow> {
        let mut tx = self.begin_write().await?;
        let person = person_for(tx.conn(), by, Action::ViewPersons, &new.person_id)
            .await
            .map_err(|_| ValidationErrors::single("person_id", "err-not-found"))?;
        if person.merged_into.is_some() {
            return Err(ValidationErrors::single("person_id", "err-person-merged").into());
        }
        let host: Option<(String,)> = Sql::new("SELECT area_code FROM institutions WHERE code = ")
            .bind(new.institution_code.as_str().to_owned())
            .fetch_optional(tx.conn())
            .await?;
        let Some((area,)) = host else {
            return Err(
                ValidationErrors::single("institution_code", "err-institution-unknown").into(),
            );
        };
        if let Some(a) = &new.activity_id {
            activity_in(tx.conn(), &by.grants(Action::ViewActivities), a)
                .await
                .map_err(|_| ValidationErrors::single("activity_id", "err-not-found"))?;
            let trained: Option<(i64,)> =
                Sql::new("SELECT 1 FROM activity_participants WHERE activity_id = ")
                    .bind(a.clone())
                    .push(" AND person_id = ")
                    .bind(person.id.clone())
                    .fetch_optional(tx.conn())
                    .await?;
            if trained.is_none() {
                return Err(
                    ValidationErrors::single("activity_id", "err-volunteer-not-trained").into(),
                );
            }
        }
        let unit_ok: Option<(i64,)> = Sql::new("SELECT 1 FROM units WHERE code = ")
            .bind(new.unit_code.as_str().to_owned())
            .fetch_optional(tx.conn())
            .await?;
        if unit_ok.is_none() {
            return Err(ValidationErrors::single("unit_code", "err-unit-unknown").into());
        }
        // The placement where it would be, by the predicate that filters reads.
        let allowed = organised_allowed(
            tx.conn(),
            Entity::VolunteerPlacement,
            &by.grants(Action::ManageActivities),
            &area,
            Some(new.unit_code.as_str()),
            Some(new.institution_code.as_str()),
        )
        .await?;
        if !allowed {
            return Err(ValidationErrors::single("unit_code", "err-scope-denied").into());
        }
        let id = new_id();
        let now = clock::now();
        Sql::new(
            "INSERT INTO volunteer_placements (id, person_id, activity_id, institution_code, \
             unit_code, area_code, role, supervisor, starts_on, ends_on, hours_per_week, version, \
             created_by, created_at, updated_at) VALUES (",
        )
        .bind(id.clone())
        .push(", ")
        .bind(person.id.clone())
        .push(", ")
        .bind(new.activity_id.clone())
        .push(", ")
        .bind(new.institution_code.as_str().to_owned())
        .push(", ")
        .bind(new.unit_code.as_str().to_owned())
        .push(", ")
        .bind(area)
        .push(", ")
        .bind(new.role.clone())
        .push(", ")
        .bind(new.supervisor.clone())
        .push(", ")
        .bind(new.starts_on.clone())
        .push(", ")
        .bind(new.ends_on.clone())
        .push(", ")
        .bind(new.hours_per_week)
        .push(", 1, ")
        .bind(actor.username.clone())
        .push(", ")
        .bind(now.clone())
        .push(", ")
        .bind(now)
        .push(")")
        .execute(tx.conn())
        .await?;
        let row = placement_in(tx.conn(), by, &view_grants(by), &id).await?;
        append(tx.conn(), &audit_placement(actor, "volunteer.place", &row)).await?;
        tx.commit().await?;
        Ok(row)
    }

    /// Placements the caller may see, the latest first.
    pub async fn placements(
        &self,
        by: &Principal,
        f: &PlacementFilter,
    ) -> Result<Vec<PlacementRow>> {
        let mut q = Sql::new("");
        select(&mut q, by);
        push_visible(&mut q, Entity::VolunteerPlacement, "v", &view_grants(by));
        if let Some(u) = f.unit.as_deref().filter(|s| !s.is_empty()) {
            q.push(" AND v.unit_code = ").bind(u.to_ascii_uppercase());
        }
        if let Some(i) = f.institution.as_deref().filter(|s| !s.is_empty()) {
            q.push(" AND v.institution_code = ")
                .bind(i.to_ascii_uppercase());
        }
        if let Some(p) = f.person.as_deref().filter(|s| !s.is_empty()) {
            q.push(" AND v.person_id = ").bind(p.to_owned());
        }
        if f.active {
            q.push(" AND v.ended_on IS NULL");
        }
        if f.unconfirmed {
            q.push(" AND EXISTS (SELECT 1 FROM volunteer_hours h WHERE h.placement_id = v.id AND h.confirmed_at IS NULL)");
        }
        q.push(" ORDER BY v.starts_on DESC, v.id")
            .page(f.limit, f.offset);
        Ok(q.fetch_all(self.pool()).await?)
    }

    /// A placement and its months.
    pub async fn placement(&self, by: &Principal, id: &str) -> Result<PlacementFile> {
        let mut conn = self.acquire().await?;
        let placement = placement_in(&mut conn, by, &view_grants(by), id).await?;
        let hours = Sql::new(
            "SELECT month, hours, note, logged_by, logged_at, confirmed_by, confirmed_at \
             FROM volunteer_hours WHERE placement_id = ",
        )
        .bind(id.to_owned())
        .push(" ORDER BY month DESC")
        .fetch_all(&mut *conn)
        .await?;
        Ok(PlacementFile { placement, hours })
    }

    /// Logs (or corrects) the hours of a month; a month the host confirmed is closed.
    #[allow(clippy::too_many_arguments)]
    pub async fn log_hours(
        &self,
        actor: &Actor,
        by: &Principal,
        id: &str,
        month: &str,
        hours: i64,
        note: Option<&str>,
    ) -> Result<PlacementFile> {
        let mut tx = self.begin_write().await?;
        let p = placement_for(tx.conn(), by, Action::ManageActivities, id).await?;
        let last = p.ended_on.clone().unwrap_or_else(clock::today);
        if month < p.starts_on.get(..7).unwrap_or_default()
            || month > last.get(..7).unwrap_or_default()
        {
            return Err(ValidationErrors::single("month", "err-month-outside-placement").into());
        }
        let confirmed: Option<(Option<String>,)> =
            Sql::new("SELECT confirmed_at FROM volunteer_hours WHERE placement_id = ")
                .bind(id.to_owned())
                .push(" AND month = ")
                .bind(month.to_owned())
                .fetch_optional(tx.conn())
                .await?;
        if matches!(confirmed, Some((Some(_),))) {
            return Err(ValidationErrors::single("month", "err-hours-confirmed").into());
        }
        Sql::new(
            "INSERT INTO volunteer_hours (placement_id, month, hours, note, logged_by, logged_at) VALUES (",
        )
        .bind(id.to_owned())
        .push(", ")
        .bind(month.to_owned())
        .push(", ")
        .bind(hours)
        .push(", ")
        .bind(note.map(str::to_owned))
        .push(", ")
        .bind(actor.username.clone())
        .push(", ")
        .bind(clock::now())
        .push(
            ") ON CONFLICT (placement_id, month) DO UPDATE SET hours = excluded.hours, \
             note = excluded.note, logged_by = excluded.logged_by, logged_at = excluded.logged_at",
        )
        .execute(tx.conn())
        .await?;
        append(
            tx.conn(),
            &audit_placement(actor, "volunteer.hours", &p)
                .details(serde_json::json!({"month": month, "hours": hours})),
        )
        .await?;
        tx.commit().await?;
        self.placement(by, id).await
    }

    /// The host's focal point confirms a month's hours.
    pub async fn confirm_hours(
        &self,
        actor: &Actor,
        by: &Principal,
        id: &str,
        month: &str,
    ) -> Result<PlacementFile> {
        let mut tx = self.begin_write().await?;
        let p = placement_for(tx.conn(), by, Action::ConfirmVolunteerHours, id).await?;
        let n = Sql::new("UPDATE volunteer_hours SET confirmed_by = ")
            .bind(actor.username.clone())
            .push(", confirmed_at = ")
            .bind(clock::now())
            .push(" WHERE placement_id = ")
            .bind(id.to_owned())
            .push(" AND month = ")
            .bind(month.to_owned())
            .push(" AND confirmed_at IS NULL")
            .execute(tx.conn())
            .await?;
        if n == 0 {
            return Err(ValidationErrors::single("month", "err-hours-nothing-to-confirm").into());
        }
        append(
            tx.conn(),
            &audit_placement(actor, "volunteer.confirm", &p)
                .details(serde_json::json!({"month": month})),
        )
        .await?;
        tx.commit().await?;
        self.placement(by, id).await
    }

    /// Ends a placement, with the date and the reason.
    pub async fn end_placement(
        &self,
        actor: &Actor,
        by: &Principal,
        id: &str,
        version: i64,
        on: &str,
        reason: &str,
    ) -> Result<PlacementRow> {
        let mut tx = self.begin_write().await?;
        let p = placement_for(tx.conn(), by, Action::ManageActivities, id).await?;
        if p.ended_on.is_some() {
            return Err(ValidationErrors::single("ended_on", "err-placement-ended").into());
        }
        if on < p.starts_on.as_str() {
            return Err(ValidationErrors::single("ended_on", "err-ends-before-start").into());
        }
        let n = Sql::new("UPDATE volunteer_placements SET version = version + 1, ended_on = ")
            .bind(on.to_owned())
            .push(", end_reason = ")
            .bind(reason.to_owned())
            .push(", updated_at = ")
            .bind(clock::now())
            .push(" WHERE id = ")
            .bind(id.to_owned())
            .push(" AND version = ")
            .bind(version)
            .execute(tx.conn())
            .await?;
        if n == 0 {
            return Err(StoreError::Conflict { current: p.version });
        }
        append(tx.conn(), &audit_placement(actor, "volunteer.end", &p)).await?;
        let row = placement_in(tx.conn(), by, &view_grants(by), id).await?;
        tx.commit().await?;
        Ok(row)
    }
}
