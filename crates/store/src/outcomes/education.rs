//! School and pre-school enrolment per child and school year. The row holds
//! the year's current state; every status it took is a dated event, so
//! "enrolled on 1 October" and "dropped out in March" both stay answerable.

use super::{audit_person, institution_of_kind, person_for_edit, row_person_for_edit};
use crate::audit::{append, Actor};
use crate::error::{Result, StoreError};
use crate::records::update_versioned;
use crate::registry::person_for;
use crate::scope::{push_visible, Entity};
use crate::sql::{Sql, Val};
use crate::{clock, new_id, Store};
use kopru_domain::outcome::{school_year_of, Enrolment};
use kopru_domain::person::age_on;
use kopru_domain::{Action, Principal, ValidationErrors};
use serde::Serialize;
use sqlx::AnyConnection;

/// The ages at which a child is expected in pre-school or school (the
/// pre-school year at 5 to the end of upper secondary at 17).
pub const SCHOOL_AGES: std::ops::RangeInclusive<i64> = 5..=17;

/// The institution kinds a child is enrolled in.
pub const SCHOOL_KINDS: [&str; 2] = ["school", "pre_school"];

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct EnrolmentRow {
    pub id: String,
    pub person_id: String,
    /// `2026-2027`
    pub school_year: String,
    /// pre_school, primary, lower_secondary, upper_secondary
    pub level: String,
    pub school_id: Option<String>,
    pub school_name: Option<String>,
    pub grade: Option<i64>,
    /// enrolled, attending_regularly, irregular_attendance, dropped_out, completed, not_enrolled
    pub status: String,
    /// The day the status began.
    pub status_on: String,
    /// Why not enrolled or dropped out.
    pub reason: Option<String>,
    pub absent_days_term1: Option<i64>,
    pub absent_days_term2: Option<i64>,
    /// after_school, pedagogical_assistant, school_materials
    #[serde(serialize_with = "crate::columns::csv_list")]
    #[schema(value_type = Vec<String>)]
    pub supports: String,
    pub note: Option<String>,
    pub version: i64,
    pub created_by: String,
    pub created_at: String,
    pub updated_at: String,
    /// Every status the enrolment took, in date order.
    #[sqlx(skip)]
    pub events: Vec<EnrolmentEventRow>,
}

#[derive(Debug, Clone, Default, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct EnrolmentEventRow {
    pub enrolment_id: String,
    pub on_date: String,
    pub status: String,
    pub reason: Option<String>,
    pub recorded_by: String,
}

/// A school-age child of a household with no place on a school's roll this
/// school year.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct ChildOutOfSchool {
    pub person_id: String,
    pub given_names: String,
    pub family_name: String,
    pub birth_date: Option<String>,
    #[sqlx(skip)]
    pub age: Option<i64>,
    /// This year's status when one is recorded (not enrolled, dropped out, completed).
    pub status: Option<String>,
    pub reason: Option<String>,
}

const ENROLMENT_SELECT: &str = "SELECT e.id, e.person_id, e.school_year, e.level, e.school_id, \
     i.name AS school_name, e.grade, e.status, e.status_on, e.reason, e.absent_days_term1, \
     e.absent_days_term2, e.supports, e.note, e.version, e.created_by, e.created_at, e.updated_at \
     FROM enrolments e LEFT JOIN institutions i ON i.id = e.school_id";

fn columns(e: &Enrolment) -> Vec<(&'static str, Val)> {
    let supports: Vec<&str> = e.supports.iter().map(|s| s.as_str()).collect();
    vec![
        ("level", e.level.as_str().into()),
        ("school_id", e.school_id.clone().into()),
        ("grade", e.grade.into()),
        ("status", e.status.as_str().into()),
        ("status_on", e.status_on.clone().into()),
        ("reason", e.reason.map(|r| r.as_str().to_owned()).into()),
        ("absent_days_term1", e.absent_days_term1.into()),
        ("absent_days_term2", e.absent_days_term2.into()),
        ("supports", supports.join(",").into()),
        ("note", e.note.clone().into()),
        ("updated_at", clock::now().into()),
    ]
}

async fn enrolment_of(conn: &mut AnyConnection, id: &str) -> Result<EnrolmentRow> {
    let mut row: EnrolmentRow = Sql::new(&format!("{ENROLMENT_SELECT} WHERE e.id = "))
        .bind(id.to_owned())
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(StoreError::NotFound)?;
    row.events = events_of(conn, &[row.id.clone()]).await?;
    Ok(row)
}

async fn events_of(conn: &mut AnyConnection, ids: &[String]) -> Result<Vec<EnrolmentEventRow>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut q = Sql::new(
        "SELECT enrolment_id, on_date, status, reason, recorded_by FROM enrolment_events WHERE enrolment_id IN (",
    );
    q.bind_list(ids.iter().cloned())
        .push(") ORDER BY on_date, recorded_at");
    Ok(q.fetch_all(conn).await?)
}

async fn add_event(
    conn: &mut AnyConnection,
    actor: &Actor,
    enrolment_id: &str,
    e: &Enrolment,
) -> Result<()> {
    Sql::insert(
        "enrolment_events",
        &[
            ("id", new_id().into()),
            ("enrolment_id", enrolment_id.into()),
            ("on_date", e.status_on.clone().into()),
            ("status", e.status.as_str().into()),
            ("reason", e.reason.map(|r| r.as_str().to_owned()).into()),
            ("recorded_by", actor.username.clone().into()),
            ("recorded_at", clock::now().into()),
        ],
    )
    .execute(conn)
    .await?;
    Ok(())
}

async fn check_school(conn: &mut AnyConnection, e: &Enrolment) -> Result<()> {
    if let Some(s) = &e.school_id {
        institution_of_kind(conn, "school_id", s, &SCHOOL_KINDS, "err-school-unknown").await?;
    }
    Ok(())
}

impl Store {
    /// A child's enrolments, the latest school year first, each with its events.
    pub async fn enrolments(&self, by: &Principal, person_id: &str) -> Result<Vec<EnrolmentRow>> {
        let mut conn = self.acquire().await?;
        person_for(&mut conn, by, Action::ViewPersons, person_id).await?;
        let mut rows: Vec<EnrolmentRow> =
            Sql::new(&format!("{ENROLMENT_SELECT} WHERE e.person_id = "))
                .bind(person_id.to_owned())
                .push(" ORDER BY e.school_year DESC, e.id")
                .fetch_all(&mut *conn)
                .await?;
        let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
        let events = events_of(&mut conn, &ids).await?;
        for r in &mut rows {
            r.events = events
                .iter()
                .filter(|e| e.enrolment_id == r.id)
                .cloned()
                .collect();
        }
        Ok(rows)
    }

    /// Records a child's school year. One per child and year: update the one there.
    pub async fn add_enrolment(
        &self,
        actor: &Actor,
        by: &Principal,
        person_id: &str,
        e: &Enrolment,
    ) -> Result<EnrolmentRow> {
        let mut tx = self.begin_write().await?;
        let p = person_for_edit(tx.conn(), by, person_id).await?;
        check_school(tx.conn(), e).await?;
        let dup: Option<(i64,)> = Sql::new("SELECT 1 FROM enrolments WHERE person_id = ")
            .bind(p.id.clone())
            .push(" AND school_year = ")
            .bind(e.school_year.clone())
            .fetch_optional(tx.conn())
            .await?;
        if dup.is_some() {
            return Err(
                ValidationErrors::single("school_year", "err-enrolment-year-exists").into(),
            );
        }
        let id = new_id();
        let now = clock::now();
        let mut cols = vec![
            ("id", Val::from(id.clone())),
            ("person_id", p.id.clone().into()),
            ("school_year", e.school_year.clone().into()),
            ("version", 1i64.into()),
            ("created_by", actor.username.clone().into()),
            ("created_at", now.into()),
        ];
        cols.extend(columns(e));
        Sql::insert("enrolments", &cols).execute(tx.conn()).await?;
        add_event(tx.conn(), actor, &id, e).await?;
        append(
            tx.conn(),
            &audit_person(
                actor,
                "enrolment.add",
                &p,
                serde_json::json!({ "enrolment": id, "status": e.status.as_str() }),
            ),
        )
        .await?;
        let row = enrolment_of(tx.conn(), &id).await?;
        tx.commit().await?;
        Ok(row)
    }

    /// Changes a school year's record if nobody changed it since `version`.
    /// A new status (or a new date for it) is a new dated event. The school
    /// year stays.
    pub async fn update_enrolment(
        &self,
        actor: &Actor,
        by: &Principal,
        id: &str,
        version: i64,
        e: &Enrolment,
    ) -> Result<EnrolmentRow> {
        let mut tx = self.begin_write().await?;
        let p = row_person_for_edit(tx.conn(), by, "enrolments", id).await?;
        let cur = enrolment_of(tx.conn(), id).await?;
        if cur.school_year != e.school_year {
            return Err(ValidationErrors::single("school_year", "err-enrolment-year-fixed").into());
        }
        check_school(tx.conn(), e).await?;
        update_versioned(
            tx.conn(),
            "enrolments",
            &columns(e),
            id,
            version,
            cur.version,
        )
        .await?;
        let changed = cur.status != e.status.as_str() || cur.status_on != e.status_on;
        if changed {
            add_event(tx.conn(), actor, id, e).await?;
        }
        append(
            tx.conn(),
            &audit_person(
                actor,
                "enrolment.update",
                &p,
                serde_json::json!({ "enrolment": id, "status": e.status.as_str() }),
            ),
        )
        .await?;
        let row = enrolment_of(tx.conn(), id).await?;
        tx.commit().await?;
        Ok(row)
    }

    /// The household's current members of school age who have no place on a
    /// school's roll in the current school year (none recorded, or not
    /// enrolled, dropped out), as far as the caller may see them.
    pub async fn children_out_of_school(
        &self,
        by: &Principal,
        household_id: &str,
    ) -> Result<Vec<ChildOutOfSchool>> {
        let today = clock::today();
        let year = school_year_of(&today);
        let mut conn = self.acquire().await?;
        let mut q = Sql::new(
            "SELECT p.id AS person_id, p.given_names, p.family_name, p.birth_date, e.status, e.reason \
             FROM household_members m JOIN persons p ON p.id = m.person_id \
             LEFT JOIN enrolments e ON e.person_id = p.id AND e.school_year = ",
        );
        q.bind(year)
            .push(" WHERE m.household_id = ")
            .bind(household_id.to_owned())
            .push(" AND m.left_on IS NULL AND p.merged_into IS NULL AND ");
        push_visible(&mut q, Entity::Person, "p", &by.grants(Action::ViewPersons));
        q.push(" ORDER BY p.birth_date, p.id");
        let rows: Vec<ChildOutOfSchool> = q.fetch_all(&mut *conn).await?;
        let on_roll = |r: &ChildOutOfSchool| {
            matches!(
                r.status.as_deref(),
                Some("enrolled" | "attending_regularly" | "irregular_attendance" | "completed")
            )
        };
        // Two enrolments of one year (after a merge): one on the roll is enough.
        let in_school: std::collections::HashSet<String> = rows
            .iter()
            .filter(|r| on_roll(r))
            .map(|r| r.person_id.clone())
            .collect();
        let mut out: Vec<ChildOutOfSchool> = Vec::new();
        for mut r in rows {
            r.age = r.birth_date.as_deref().and_then(|b| age_on(b, &today));
            let school_age = r.age.is_some_and(|a| SCHOOL_AGES.contains(&a));
            if school_age
                && !in_school.contains(&r.person_id)
                && !out.iter().any(|o| o.person_id == r.person_id)
            {
                out.push(r);
            }
        }
        Ok(out)
    }
}
