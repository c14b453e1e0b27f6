//! Employment: a job seeker's profile (one per person), placements with an
//! employer of the directory (an institution of kind `employer`), and the
//! retention checks each placement creates at 3, 6 and 12 months.

use super::checks::{create_check, CheckKind};
use super::{
    audit_person, institution_of_kind, known_programme, person_for_edit, row_person_for_edit,
};
use crate::audit::{append, Actor};
use crate::error::{Result, StoreError};
use crate::records::update_versioned;
use crate::registry::person_for;
use crate::scope::{push_visible, Entity};
use crate::sql::{Sql, Val};
use crate::{clock, new_id, Store};
use kopru_domain::case::add_months;
use kopru_domain::employment::{JobSeeker, Placement, PlacementEnding, RETENTION_MONTHS};
use kopru_domain::{Action, Principal, ValidationErrors};
use serde::Serialize;
use sqlx::AnyConnection;

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct JobSeekerRow {
    pub id: String,
    pub person_id: String,
    pub person_name: String,
    pub unit_code: String,
    /// iskur, nsz, none
    pub agency: String,
    pub agency_number: Option<String>,
    pub registered_on: Option<String>,
    #[serde(serialize_with = "crate::columns::json_list")]
    #[schema(value_type = Vec<String>)]
    pub occupations: String,
    pub skills: Option<String>,
    pub driving_licence: Option<String>,
    #[serde(serialize_with = "crate::columns::json_list")]
    #[schema(value_type = Vec<String>)]
    pub languages: String,
    pub work_history: Option<String>,
    /// full_time, part_time, shifts, seasonal, not_now
    pub availability: String,
    pub labour_status: String,
    #[serde(serialize_with = "crate::columns::csv_list")]
    #[schema(value_type = Vec<String>)]
    pub groups: String,
    /// active, placed, inactive
    pub status: String,
    pub version: i64,
    pub updated_at: String,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct JobPlacementRow {
    pub id: String,
    pub person_id: String,
    pub person_name: String,
    pub employer_id: String,
    pub employer_name: String,
    pub occupation: String,
    pub started_on: String,
    /// permanent, fixed_term, seasonal, apprenticeship, self_employment, informal
    pub contract_type: String,
    pub hours_per_week: Option<i64>,
    /// below_minimum, minimum, up_to_150, above_150 (of the minimum wage)
    pub wage_band: Option<String>,
    /// registered (SGK, CROSO), informal
    pub social_security: String,
    #[serde(serialize_with = "crate::columns::flag")]
    #[schema(value_type = bool)]
    pub subsidised: i64,
    pub programme_code: Option<String>,
    pub activity_id: Option<String>,
    pub note: Option<String>,
    pub ended_on: Option<String>,
    pub end_reason: Option<String>,
    pub version: i64,
    pub created_by: String,
    pub created_at: String,
}

const SEEKER_SELECT: &str = "SELECT j.id, j.person_id, p.given_names || ' ' || p.family_name AS person_name, \
     p.unit_code, j.agency, j.agency_number, j.registered_on, j.occupations, j.skills, j.driving_licence, \
     j.languages, j.work_history, j.availability, j.labour_status, j.groups, j.status, j.version, j.updated_at \
     FROM job_seekers j JOIN persons p ON p.id = j.person_id";

const PLACEMENT_SELECT: &str = "SELECT pl.id, pl.person_id, p.given_names || ' ' || p.family_name AS person_name, \
     pl.employer_id, emp.name AS employer_name, pl.occupation, pl.started_on, pl.contract_type, \
     pl.hours_per_week, pl.wage_band, pl.social_security, pl.subsidised, pl.programme_code, pl.activity_id, \
     pl.note, pl.ended_on, pl.end_reason, pl.version, pl.created_by, pl.created_at \
     FROM placements pl JOIN persons p ON p.id = pl.person_id JOIN institutions emp ON emp.id = pl.employer_id";

/// Which job seekers or placements a list shows.
#[derive(Debug, Clone, Default)]
pub struct EmploymentFilter {
    pub person_id: Option<String>,
    /// People of this unit.
    pub unit: Option<String>,
    /// Job seekers: active, placed, inactive. Placements: open (not ended) when `open`.
    pub status: Option<String>,
    /// Job seekers seeking this occupation (any part of it).
    pub occupation: Option<String>,
    pub open: bool,
    pub limit: i64,
    pub offset: i64,
}

fn seeker_columns(j: &JobSeeker) -> Vec<(&'static str, Val)> {
    let groups: Vec<&str> = j.groups.iter().map(|g| g.as_str()).collect();
    let json = |v: &Vec<String>| serde_json::to_string(v).unwrap_or_else(|_| "[]".into());
    vec![
        ("agency", j.agency.as_str().into()),
        ("agency_number", j.agency_number.clone().into()),
        ("registered_on", j.registered_on.clone().into()),
        ("occupations", json(&j.occupations).into()),
        ("skills", j.skills.clone().into()),
        ("driving_licence", j.driving_licence.clone().into()),
        ("languages", json(&j.languages).into()),
        ("work_history", j.work_history.clone().into()),
        ("availability", j.availability.as_str().into()),
        ("labour_status", j.labour_status.as_str().into()),
        ("groups", groups.join(",").into()),
        ("status", j.status.as_str().into()),
        ("updated_at", clock::now().into()),
    ]
}

async fn seeker_of(conn: &mut AnyConnection, person_id: &str) -> Result<Option<JobSeekerRow>> {
    Ok(Sql::new(&format!("{SEEKER_SELECT} WHERE j.person_id = "))
        .bind(person_id.to_owned())
        .push(" ORDER BY j.updated_at DESC LIMIT 1")
        .fetch_optional(conn)
        .await?)
}

async fn placement_of(conn: &mut AnyConnection, id: &str) -> Result<JobPlacementRow> {
    Sql::new(&format!("{PLACEMENT_SELECT} WHERE pl.id = "))
        .bind(id.to_owned())
        .fetch_optional(conn)
        .await?
        .ok_or(StoreError::NotFound)
}

impl Store {
    /// A person's job-seeker profile, if any.
    pub async fn job_seeker(
        &self,
        by: &Principal,
        person_id: &str,
    ) -> Result<Option<JobSeekerRow>> {
        let mut conn = self.acquire().await?;
        person_for(&mut conn, by, Action::ViewPersons, person_id).await?;
        seeker_of(&mut conn, person_id).await
    }

    /// Creates the person's profile (`version` none) or changes it if nobody
    /// changed it since `version`.
    pub async fn save_job_seeker(
        &self,
        actor: &Actor,
        by: &Principal,
        person_id: &str,
        version: Option<i64>,
        j: &JobSeeker,
    ) -> Result<JobSeekerRow> {
        let mut tx = self.begin_write().await?;
        let p = person_for_edit(tx.conn(), by, person_id).await?;
        let cur = seeker_of(tx.conn(), &p.id).await?;
        match (&cur, version) {
            (None, _) => {
                let mut cols = vec![
                    ("id", Val::from(new_id())),
                    ("person_id", p.id.clone().into()),
                    ("unit_code", p.unit_code.clone().into()),
                    ("version", 1i64.into()),
                    ("created_by", actor.username.clone().into()),
                    ("created_at", clock::now().into()),
                ];
                cols.extend(seeker_columns(j));
                Sql::insert("job_seekers", &cols).execute(tx.conn()).await?;
            }
            (Some(c), Some(v)) => {
                update_versioned(
                    tx.conn(),
                    "job_seekers",
                    &seeker_columns(j),
                    &c.id,
                    v,
                    c.version,
                )
                .await?;
            }
            (Some(c), None) => return Err(StoreError::Conflict { current: c.version }),
        }
        append(
            tx.conn(),
            &audit_person(
                actor,
                "job_seeker.save",
                &p,
                serde_json::json!({ "status": j.status.as_str() }),
            ),
        )
        .await?;
        let row = seeker_of(tx.conn(), &p.id)
            .await?
            .ok_or(StoreError::NotFound)?;
        tx.commit().await?;
        Ok(row)
    }

    /// Job seekers the caller may see, the most recently changed first.
    pub async fn job_seekers(
        &self,
        by: &Principal,
        f: &EmploymentFilter,
    ) -> Result<Vec<JobSeekerRow>> {
        let mut q = Sql::new(&format!("{SEEKER_SELECT} WHERE "));
        push_visible(&mut q, Entity::Person, "p", &by.grants(Action::ViewPersons));
        if let Some(u) = &f.unit {
            q.push(" AND j.unit_code = ").bind(u.clone());
        }
        if let Some(s) = &f.status {
            q.push(" AND j.status = ").bind(s.clone());
        }
        if let Some(o) = f
            .occupation
            .as_deref()
            .map(str::trim)
            .filter(|o| !o.is_empty())
        {
            q.push(" AND LOWER(j.occupations) LIKE ")
                .bind(format!("%{}%", crate::sql::like_escape(&o.to_lowercase())))
                .push(" ESCAPE '\\'");
        }
        q.push(" ORDER BY j.updated_at DESC, j.id")
            .limit(f.limit, f.offset);
        Ok(q.fetch_all(self.pool()).await?)
    }

    /// Placements the caller may see, the latest start first.
    pub async fn job_placements(
        &self,
        by: &Principal,
        f: &EmploymentFilter,
    ) -> Result<Vec<JobPlacementRow>> {
        let mut q = Sql::new(&format!("{PLACEMENT_SELECT} WHERE "));
        push_visible(&mut q, Entity::Person, "p", &by.grants(Action::ViewPersons));
        if let Some(id) = &f.person_id {
            q.push(" AND pl.person_id = ").bind(id.clone());
        }
        if let Some(u) = &f.unit {
            q.push(" AND pl.unit_code = ").bind(u.clone());
        }
        if f.open {
            q.push(" AND pl.ended_on IS NULL");
        }
        q.push(" ORDER BY pl.started_on DESC, pl.id")
            .limit(f.limit, f.offset);
        Ok(q.fetch_all(self.pool()).await?)
    }

    /// One placement the caller may see.
    pub async fn job_placement(&self, by: &Principal, id: &str) -> Result<JobPlacementRow> {
        let mut q = Sql::new(&format!("{PLACEMENT_SELECT} WHERE pl.id = "));
        q.bind(id.to_owned()).push(" AND ");
        push_visible(&mut q, Entity::Person, "p", &by.grants(Action::ViewPersons));
        q.fetch_optional(self.pool())
            .await?
            .ok_or(StoreError::NotFound)
    }

    /// Records a placement and its retention checks at 3, 6 and 12 months,
    /// assigned to the caller; the person's job-seeker profile becomes placed.
    pub async fn add_job_placement(
        &self,
        actor: &Actor,
        by: &Principal,
        person_id: &str,
        x: &Placement,
    ) -> Result<JobPlacementRow> {
        let mut tx = self.begin_write().await?;
        let p = person_for_edit(tx.conn(), by, person_id).await?;
        institution_of_kind(
            tx.conn(),
            "employer_id",
            &x.employer_id,
            &["employer"],
            "err-employer-unknown",
        )
        .await?;
        if let Some(code) = &x.programme_code {
            known_programme(tx.conn(), "programme_code", code.as_str()).await?;
        }
        if let Some(a) = &x.activity_id {
            let hit: Option<(i64,)> = Sql::new("SELECT 1 FROM activities WHERE id = ")
                .bind(a.clone())
                .fetch_optional(tx.conn())
                .await?;
            if hit.is_none() {
                return Err(ValidationErrors::single("activity_id", "err-activity-unknown").into());
            }
        }
        let id = new_id();
        let now = clock::now();
        Sql::insert(
            "placements",
            &[
                ("id", id.clone().into()),
                ("person_id", p.id.clone().into()),
                ("unit_code", p.unit_code.clone().into()),
                ("employer_id", x.employer_id.clone().into()),
                ("occupation", x.occupation.clone().into()),
                ("started_on", x.started_on.clone().into()),
                ("contract_type", x.contract_type.as_str().into()),
                ("hours_per_week", x.hours_per_week.into()),
                (
                    "wage_band",
                    x.wage_band.map(|w| w.as_str().to_owned()).into(),
                ),
                ("social_security", x.social_security.as_str().into()),
                ("subsidised", x.subsidised.into()),
                (
                    "programme_code",
                    x.programme_code
                        .as_ref()
                        .map(|c| c.as_str().to_owned())
                        .into(),
                ),
                ("activity_id", x.activity_id.clone().into()),
                ("note", x.note.clone().into()),
                ("version", 1i64.into()),
                ("created_by", actor.username.clone().into()),
                ("created_at", now.clone().into()),
                ("updated_at", now.clone().into()),
            ],
        )
        .execute(tx.conn())
        .await?;
        for months in RETENTION_MONTHS {
            let due = add_months(&x.started_on, months)
                .ok_or_else(|| ValidationErrors::single("started_on", "err-date"))?;
            create_check(
                tx.conn(),
                CheckKind::Retention,
                &id,
                &p,
                months,
                &by.user_id,
                &due,
            )
            .await?;
        }
        Sql::update(
            "job_seekers",
            &[("status", "placed".into()), ("updated_at", now.into())],
        )
        .push(", version = version + 1 WHERE status = 'active' AND person_id = ")
        .bind(p.id.clone())
        .execute(tx.conn())
        .await?;
        append(
            tx.conn(),
            &audit_person(
                actor,
                "placement.add",
                &p,
                serde_json::json!({ "placement": id }),
            ),
        )
        .await?;
        let row = placement_of(tx.conn(), &id).await?;
        tx.commit().await?;
        Ok(row)
    }

    /// Ends a placement once, with a date and a reason.
    pub async fn end_job_placement(
        &self,
        actor: &Actor,
        by: &Principal,
        id: &str,
        version: i64,
        x: &PlacementEnding,
    ) -> Result<JobPlacementRow> {
        let mut tx = self.begin_write().await?;
        let p = row_person_for_edit(tx.conn(), by, "placements", id).await?;
        let cur = placement_of(tx.conn(), id).await?;
        if cur.ended_on.is_some() {
            return Err(ValidationErrors::single("ended_on", "err-placement-ended").into());
        }
        if x.ended_on < cur.started_on {
            return Err(ValidationErrors::single("ended_on", "err-ends-before-start").into());
        }
        update_versioned(
            tx.conn(),
            "placements",
            &[
                ("ended_on", x.ended_on.clone().into()),
                ("end_reason", x.reason.as_str().into()),
                ("updated_at", clock::now().into()),
            ],
            id,
            version,
            cur.version,
        )
        .await?;
        append(
            tx.conn(),
            &audit_person(
                actor,
                "placement.end",
                &p,
                serde_json::json!({ "placement": id, "reason": x.reason.as_str() }),
            ),
        )
        .await?;
        let row = placement_of(tx.conn(), id).await?;
        tx.commit().await?;
        Ok(row)
    }
}
