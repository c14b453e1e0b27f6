//! Checks a worker answers later: retention at 3, 6 and 12 months after a
//! placement starts, and the labour situation six months after a person
//! leaves a programme. Each is due on a date and assigned to the worker who
//! recorded what created it; "my work" lists those due, answered once.

use super::{audit_person, row_person_for_edit};
use crate::audit::{append, Actor};
use crate::error::{Result, StoreError};
use crate::records::update_versioned;
use crate::registry::PersonRow;
use crate::scope::{push_visible, Entity};
use crate::sql::{Sql, Val};
use crate::{clock, new_id, Store};
use kopru_domain::case::{date_of, day_number};
use kopru_domain::employment::{CheckAnswer, SixMonthAnswer};
use kopru_domain::{Action, Principal, Scope, ValidationErrors};
use serde::Serialize;
use sqlx::AnyConnection;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckKind {
    Retention,
    SixMonth,
}

impl CheckKind {
    pub fn as_str(self) -> &'static str {
        match self {
            CheckKind::Retention => "retention",
            CheckKind::SixMonth => "six_month",
        }
    }
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct OutcomeCheckRow {
    pub id: String,
    /// retention (after a placement starts), six_month (after leaving a programme)
    pub kind: String,
    /// The placement or the participation.
    pub subject_id: String,
    /// The employer (retention) or the programme (six-month follow-up).
    pub subject_label: Option<String>,
    pub person_id: String,
    pub person_name: String,
    pub months: i64,
    pub assignee_id: String,
    pub due_on: String,
    pub answered_on: Option<String>,
    /// same_employer, other_employer, not_working, unreachable
    pub still_working: Option<String>,
    pub insured: Option<i64>,
    /// Six months after leaving: the labour status then.
    pub labour_status: Option<String>,
    pub improved: Option<i64>,
    pub note: Option<String>,
    pub answered_by: Option<String>,
    pub version: i64,
}

const CHECK_SELECT: &str = "SELECT oc.id, oc.kind, oc.subject_id, \
     COALESCE(emp.name, x.programme_code) AS subject_label, oc.person_id, \
     p.given_names || ' ' || p.family_name AS person_name, oc.months, oc.assignee_id, oc.due_on, \
     oc.answered_on, oc.still_working, oc.insured, oc.labour_status, oc.improved, oc.note, \
     oc.answered_by, oc.version \
     FROM outcome_checks oc CROSS JOIN persons p \
     LEFT JOIN placements pl ON pl.id = oc.subject_id \
     LEFT JOIN institutions emp ON emp.id = pl.employer_id \
     LEFT JOIN participations x ON x.id = oc.subject_id \
     WHERE p.id = oc.person_id AND ";

/// Creates a check, in the transaction of what causes it.
pub(crate) async fn create_check(
    conn: &mut AnyConnection,
    kind: CheckKind,
    subject_id: &str,
    person: &PersonRow,
    months: i64,
    assignee_id: &str,
    due_on: &str,
) -> Result<()> {
    Sql::insert(
        "outcome_checks",
        &[
            ("id", new_id().into()),
            ("kind", kind.as_str().into()),
            ("subject_id", subject_id.into()),
            ("person_id", person.id.clone().into()),
            ("unit_code", person.unit_code.clone().into()),
            ("months", months.into()),
            ("assignee_id", assignee_id.into()),
            ("due_on", due_on.into()),
            ("version", 1i64.into()),
        ],
    )
    .execute(conn)
    .await?;
    Ok(())
}

async fn check_of(conn: &mut AnyConnection, id: &str) -> Result<OutcomeCheckRow> {
    Sql::new(&format!("{CHECK_SELECT}oc.id = "))
        .bind(id.to_owned())
        .fetch_optional(conn)
        .await?
        .ok_or(StoreError::NotFound)
}

/// Checks due for "my work": overdue and up to a week ahead.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ChecksDue {
    /// Due up to seven days ahead or overdue, the oldest first, at most 200.
    pub rows: Vec<OutcomeCheckRow>,
    pub count: i64,
}

impl Store {
    /// The checks of a placement or a participation the caller may see.
    pub async fn checks_of(
        &self,
        by: &Principal,
        subject_id: &str,
    ) -> Result<Vec<OutcomeCheckRow>> {
        let mut q = Sql::new(&format!("{CHECK_SELECT}oc.subject_id = "));
        q.bind(subject_id.to_owned()).push(" AND ");
        push_visible(&mut q, Entity::Person, "p", &by.grants(Action::ViewPersons));
        q.push(" ORDER BY oc.due_on, oc.id");
        Ok(q.fetch_all(self.pool()).await?)
    }

    /// A person's checks, answered or not.
    pub async fn person_checks(
        &self,
        by: &Principal,
        person_id: &str,
    ) -> Result<Vec<OutcomeCheckRow>> {
        let mut q = Sql::new(&format!("{CHECK_SELECT}oc.person_id = "));
        q.bind(person_id.to_owned()).push(" AND ");
        push_visible(&mut q, Entity::Person, "p", &by.grants(Action::ViewPersons));
        q.push(" ORDER BY oc.due_on, oc.id");
        Ok(q.fetch_all(self.pool()).await?)
    }

    /// Unanswered checks due by a week from today: the caller's own (`unit`
    /// none), or a unit's (its coordinator: people of the unit), through the
    /// person's scope.
    pub async fn checks_due(&self, by: &Principal, unit: Option<&str>) -> Result<ChecksDue> {
        if let Some(u) = unit {
            let manages = by
                .grants(Action::ManageCaseload)
                .iter()
                .any(|g| matches!(g, Scope::Installation) || g.code() == Some(u));
            if !manages {
                return Err(StoreError::Forbidden);
            }
        }
        let until = day_number(&clock::today())
            .map(|d| date_of(d + 7))
            .unwrap_or_else(clock::today);
        let grants = by.grants(Action::ViewPersons);
        let filter = |q: &mut Sql| {
            q.push(" oc.answered_on IS NULL AND oc.due_on <= ")
                .bind(until.clone());
            match unit {
                None => q.push(" AND oc.assignee_id = ").bind(by.user_id.clone()),
                Some(u) => q.push(" AND oc.unit_code = ").bind(u.to_owned()),
            };
            q.push(" AND ");
            push_visible(q, Entity::Person, "p", &grants);
        };
        let mut q = Sql::new(CHECK_SELECT);
        filter(&mut q);
        q.push(" ORDER BY oc.due_on, oc.id LIMIT 200");
        let mut n = Sql::new(
            "SELECT COUNT(*) FROM outcome_checks oc CROSS JOIN persons p WHERE p.id = oc.person_id AND",
        );
        filter(&mut n);
        let mut conn = self.acquire().await?;
        let rows = q.fetch_all(&mut *conn).await?;
        let (count,): (i64,) = n.fetch_one(&mut *conn).await?;
        Ok(ChecksDue { rows, count })
    }

    /// Answers a retention check (whether the person still works, insured
    /// or not) if nobody answered it since `version`.
    pub async fn answer_retention_check(
        &self,
        actor: &Actor,
        by: &Principal,
        id: &str,
        version: i64,
        a: &CheckAnswer,
    ) -> Result<OutcomeCheckRow> {
        self.answer_check(
            actor,
            by,
            id,
            version,
            CheckKind::Retention,
            &[
                ("answered_on", a.answered_on.clone().into()),
                ("still_working", a.still_working.as_str().into()),
                ("insured", Val::Int(a.insured.map(i64::from))),
                ("note", a.note.clone().into()),
            ],
        )
        .await
    }

    /// Answers a six-month follow-up after leaving a programme.
    pub async fn answer_six_month_check(
        &self,
        actor: &Actor,
        by: &Principal,
        id: &str,
        version: i64,
        a: &SixMonthAnswer,
    ) -> Result<OutcomeCheckRow> {
        self.answer_check(
            actor,
            by,
            id,
            version,
            CheckKind::SixMonth,
            &[
                ("answered_on", a.answered_on.clone().into()),
                ("labour_status", a.labour_status.as_str().into()),
                ("improved", a.improved.into()),
                ("note", a.note.clone().into()),
            ],
        )
        .await
    }

    async fn answer_check(
        &self,
        actor: &Actor,
        by: &Principal,
        id: &str,
        version: i64,
        kind: CheckKind,
        cols: &[(&'static str, Val)],
    ) -> Result<OutcomeCheckRow> {
        let mut tx = self.begin_write().await?;
        let p = row_person_for_edit(tx.conn(), by, "outcome_checks", id).await?;
        let cur = check_of(tx.conn(), id).await?;
        if cur.kind != kind.as_str() {
            return Err(StoreError::NotFound);
        }
        if cur.answered_on.is_some() {
            return Err(ValidationErrors::single("answered_on", "err-check-answered").into());
        }
        let mut cols = cols.to_vec();
        cols.push(("answered_by", actor.username.clone().into()));
        update_versioned(tx.conn(), "outcome_checks", &cols, id, version, cur.version).await?;
        append(
            tx.conn(),
            &audit_person(
                actor,
                "outcome_check.answer",
                &p,
                serde_json::json!({ "check": id, "kind": kind.as_str(), "months": cur.months }),
            ),
        )
        .await?;
        let row = check_of(tx.conn(), id).await?;
        tx.commit().await?;
        Ok(row)
    }
}

impl Store {
    /// One check the caller may see.
    pub async fn outcome_check(&self, by: &Principal, id: &str) -> Result<OutcomeCheckRow> {
        let mut q = Sql::new(&format!("{CHECK_SELECT}oc.id = "));
        q.bind(id.to_owned()).push(" AND ");
        push_visible(&mut q, Entity::Person, "p", &by.grants(Action::ViewPersons));
        q.fetch_optional(self.pool())
            .await?
            .ok_or(StoreError::NotFound)
    }
}
