//! Programme participation as ESF+ reporting asks it: entry with labour
//! status, education, disadvantaged groups and age; exit with the immediate
//! results; and, six months after leaving, the labour situation then —
//! asked through a check created for the worker who recorded the exit.
//! A person who re-enters a programme is one participant: entries are
//! counted by person and programme (`summary`).

use super::checks::{create_check, CheckKind};
use super::{audit_person, known_programme, person_for_edit, row_person_for_edit};
use crate::audit::{append, Actor};
use crate::error::{Result, StoreError};
use crate::records::update_versioned;
use crate::scope::{push_visible, Entity};
use crate::sql::{Sql, Val};
use crate::{clock, new_id, Store};
use kopru_domain::case::add_months;
use kopru_domain::outcome::{Entry, Exit};
use kopru_domain::person::age_on;
use kopru_domain::{Action, Principal, ValidationErrors};
use serde::Serialize;
use sqlx::AnyConnection;

/// Months after leaving when the labour situation is asked again.
pub const FOLLOW_UP_MONTHS: i64 = 6;

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct ParticipationRow {
    pub id: String,
    pub person_id: String,
    pub programme_code: String,
    pub entered_on: String,
    /// At entry: employed, self_employed, unemployed, long_term_unemployed, inactive, in_education
    pub labour_status: String,
    /// Highest education at entry: isced_0 … isced_8
    pub education: String,
    /// Disadvantaged groups at entry that are not special categories.
    #[serde(serialize_with = "crate::columns::csv_list")]
    #[schema(value_type = Vec<String>)]
    pub groups: String,
    pub age_at_entry: Option<i64>,
    pub case_id: Option<String>,
    pub activity_id: Option<String>,
    pub left_on: Option<String>,
    /// On leaving: job_searching, in_education_or_training, gained_qualification, in_employment
    #[serde(serialize_with = "crate::columns::csv_list")]
    #[schema(value_type = Vec<String>)]
    pub results: String,
    pub version: i64,
    pub created_by: String,
    pub created_at: String,
    pub updated_at: String,
}

const PARTICIPATION_SELECT: &str = "SELECT x.id, x.person_id, x.programme_code, x.entered_on, \
     x.labour_status, x.education, x.groups, x.age_at_entry, x.case_id, x.activity_id, x.left_on, \
     COALESCE(x.results, '') AS results, x.version, x.created_by, x.created_at, x.updated_at \
     FROM participations x";

/// Which participations a list shows.
#[derive(Debug, Clone, Default)]
pub struct ParticipationFilter {
    pub person_id: Option<String>,
    pub programme_code: Option<String>,
    /// Only those still in the programme.
    pub open: bool,
    pub limit: i64,
    pub offset: i64,
}

async fn participation_of(conn: &mut AnyConnection, id: &str) -> Result<ParticipationRow> {
    Sql::new(&format!("{PARTICIPATION_SELECT} WHERE x.id = "))
        .bind(id.to_owned())
        .fetch_optional(conn)
        .await?
        .ok_or(StoreError::NotFound)
}

impl Store {
    /// Participations of people the caller may see, the latest entry first.
    pub async fn participations(
        &self,
        by: &Principal,
        f: &ParticipationFilter,
    ) -> Result<Vec<ParticipationRow>> {
        let mut q = Sql::new(&format!(
            "{PARTICIPATION_SELECT} JOIN persons p ON p.id = x.person_id WHERE "
        ));
        push_visible(&mut q, Entity::Person, "p", &by.grants(Action::ViewPersons));
        if let Some(id) = &f.person_id {
            q.push(" AND x.person_id = ").bind(id.clone());
        }
        if let Some(code) = &f.programme_code {
            q.push(" AND x.programme_code = ").bind(code.clone());
        }
        if f.open {
            q.push(" AND x.left_on IS NULL");
        }
        q.push(" ORDER BY x.entered_on DESC, x.id")
            .limit(f.limit, f.offset);
        Ok(q.fetch_all(self.pool()).await?)
    }

    /// A person enters a programme. One open participation per person and
    /// programme; a case or an activity that opens it must be the person's.
    pub async fn enter_programme(
        &self,
        actor: &Actor,
        by: &Principal,
        person_id: &str,
        e: &Entry,
    ) -> Result<ParticipationRow> {
        let mut tx = self.begin_write().await?;
        let p = person_for_edit(tx.conn(), by, person_id).await?;
        known_programme(tx.conn(), "programme_code", e.programme_code.as_str()).await?;
        let open: Option<(i64,)> =
            Sql::new("SELECT 1 FROM participations WHERE left_on IS NULL AND person_id = ")
                .bind(p.id.clone())
                .push(" AND programme_code = ")
                .bind(e.programme_code.as_str().to_owned())
                .fetch_optional(tx.conn())
                .await?;
        if open.is_some() {
            return Err(
                ValidationErrors::single("programme_code", "err-participation-open").into(),
            );
        }
        if let Some(c) = &e.case_id {
            let hit: Option<(i64,)> = Sql::new("SELECT 1 FROM cases WHERE id = ")
                .bind(c.clone())
                .push(" AND person_id = ")
                .bind(p.id.clone())
                .fetch_optional(tx.conn())
                .await?;
            if hit.is_none() {
                return Err(ValidationErrors::single("case_id", "err-not-persons-case").into());
            }
        }
        if let Some(a) = &e.activity_id {
            let hit: Option<(i64,)> =
                Sql::new("SELECT 1 FROM activity_participants WHERE activity_id = ")
                    .bind(a.clone())
                    .push(" AND person_id = ")
                    .bind(p.id.clone())
                    .fetch_optional(tx.conn())
                    .await?;
            if hit.is_none() {
                return Err(
                    ValidationErrors::single("activity_id", "err-not-persons-activity").into(),
                );
            }
        }
        let id = new_id();
        let now = clock::now();
        let groups: Vec<&str> = e.groups.iter().map(|g| g.as_str()).collect();
        let age = p
            .birth_date
            .as_deref()
            .and_then(|b| age_on(b, &e.entered_on));
        Sql::insert(
            "participations",
            &[
                ("id", id.clone().into()),
                ("person_id", p.id.clone().into()),
                ("unit_code", p.unit_code.clone().into()),
                ("programme_code", e.programme_code.as_str().into()),
                ("entered_on", e.entered_on.clone().into()),
                ("labour_status", e.labour_status.as_str().into()),
                ("education", e.education.as_str().into()),
                ("groups", groups.join(",").into()),
                ("age_at_entry", Val::Int(age)),
                ("case_id", e.case_id.clone().into()),
                ("activity_id", e.activity_id.clone().into()),
                ("version", 1i64.into()),
                ("created_by", actor.username.clone().into()),
                ("created_at", now.clone().into()),
                ("updated_at", now.into()),
            ],
        )
        .execute(tx.conn())
        .await?;
        append(
            tx.conn(),
            &audit_person(
                actor,
                "participation.enter",
                &p,
                serde_json::json!({ "participation": id, "programme": e.programme_code.as_str() }),
            ),
        )
        .await?;
        let row = participation_of(tx.conn(), &id).await?;
        tx.commit().await?;
        Ok(row)
    }

    /// The person leaves the programme: the date and the immediate results,
    /// and a check for the caller six months later.
    pub async fn leave_programme(
        &self,
        actor: &Actor,
        by: &Principal,
        id: &str,
        version: i64,
        x: &Exit,
    ) -> Result<ParticipationRow> {
        let mut tx = self.begin_write().await?;
        let p = row_person_for_edit(tx.conn(), by, "participations", id).await?;
        let cur = participation_of(tx.conn(), id).await?;
        if cur.left_on.is_some() {
            return Err(ValidationErrors::single("left_on", "err-participation-closed").into());
        }
        if x.left_on < cur.entered_on {
            return Err(ValidationErrors::single("left_on", "err-ends-before-start").into());
        }
        let results: Vec<&str> = x.results.iter().map(|r| r.as_str()).collect();
        update_versioned(
            tx.conn(),
            "participations",
            &[
                ("left_on", x.left_on.clone().into()),
                ("results", results.join(",").into()),
                ("updated_at", clock::now().into()),
            ],
            id,
            version,
            cur.version,
        )
        .await?;
        let due = add_months(&x.left_on, FOLLOW_UP_MONTHS)
            .ok_or_else(|| ValidationErrors::single("left_on", "err-date"))?;
        create_check(
            tx.conn(),
            CheckKind::SixMonth,
            id,
            &p,
            FOLLOW_UP_MONTHS,
            &by.user_id,
            &due,
        )
        .await?;
        append(
            tx.conn(),
            &audit_person(
                actor,
                "participation.leave",
                &p,
                serde_json::json!({ "participation": id, "results": results }),
            ),
        )
        .await?;
        let row = participation_of(tx.conn(), id).await?;
        tx.commit().await?;
        Ok(row)
    }
}
