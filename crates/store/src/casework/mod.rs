//! Cases: opened for a person or a household, worked by a unit's field
//! workers through assessments (form submissions), a service plan, contacts,
//! services delivered and follow-ups, and closed with an outcome per goal.
//!
//! Every read goes through [`case_in`], which filters by the caller's grants
//! (`scope::Entity::Case`); every write checks `EditCases` in the case's unit
//! and refuses to touch a closed case, which is read-only until reopened.

mod contacts;
mod follow_ups;
pub mod forms;
mod plans;
pub mod referrals;
mod submissions;

use crate::audit::{append, Actor};
pub(crate) use crate::clock::today;
use crate::error::{Result, StoreError};
use crate::registry::{household_in, person_for};
use crate::scope::{place_allowed, push_visible, Entity};
use crate::sql::{like_escape, Sql};
use crate::{clock, new_id, Store};
use kopru_domain::case::{CaseStatus, GoalStatus};
use kopru_domain::casework::{
    attachment_name, attachment_type, CaseUpdate, Closure, ClosureDraft, Contact, FollowUp, Goal,
    NewCase, Service, Subject,
};
use kopru_domain::{Action, Principal, Scope, ValidationErrors};
use serde::Serialize;
use serde_json::{Map, Value};
use sqlx::AnyConnection;

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct CaseRow {
    pub id: String,
    pub person_id: Option<String>,
    pub household_id: Option<String>,
    /// The person's name, or the household's address.
    pub subject_name: String,
    pub unit_code: String,
    pub area_code: String,
    pub programme_id: Option<String>,
    pub priority: String,
    #[serde(serialize_with = "crate::columns::json_list")]
    #[schema(value_type = Vec<String>)]
    pub domains: String,
    pub status: String,
    pub summary: Option<String>,
    pub opened_on: String,
    pub closed_on: Option<String>,
    pub closure_reason: Option<String>,
    pub closure_note: Option<String>,
    pub last_contact_on: Option<String>,
    /// The lead worker's display name.
    pub lead_worker: Option<String>,
    pub version: i64,
    pub created_by: String,
    pub created_at: String,
    pub updated_at: String,
}

impl CaseRow {
    pub fn domain_list(&self) -> Vec<String> {
        serde_json::from_str(&self.domains).unwrap_or_default()
    }
    pub fn is_closed(&self) -> bool {
        self.status == CaseStatus::Closed.as_str()
    }
}

macro_rules! case_columns {
    () => {
        "SELECT c.id, c.person_id, c.household_id, \
     COALESCE(p.given_names || ' ' || p.family_name, h.address, h.settlement, '') AS subject_name, \
     c.unit_code, c.area_code, c.programme_id, c.priority, c.domains, c.status, c.summary, \
     c.opened_on, c.closed_on, c.closure_reason, c.closure_note, c.last_contact_on, \
     lw.display_name AS lead_worker, \
     c.version, c.created_by, c.created_at, c.updated_at "
    };
}
macro_rules! case_joins {
    () => {
        " LEFT JOIN persons p ON p.id = c.person_id \
     LEFT JOIN households h ON h.id = c.household_id LEFT JOIN users lw ON lw.id = c.lead_worker_id"
    };
}

pub(crate) const CASE_SELECT: &str = concat!(case_columns!(), "FROM cases c", case_joins!());

/// A worker's cases: read from `case_workers` first. (`CROSS JOIN` fixes
/// the order in SQLite, which would otherwise walk the whole unit; PostgreSQL
/// plans it as the inner join it is.)
pub(crate) const WORKER_CASE_SELECT: &str = concat!(
    case_columns!(),
    "FROM case_workers cw CROSS JOIN cases c",
    case_joins!(),
    " WHERE c.id = cw.case_id AND cw.user_id = "
);

const WORKER_SELECT: &str = "SELECT w.user_id, u.username, u.display_name, w.lead FROM case_workers w JOIN users u ON u.id = w.user_id WHERE w.case_id = ";
const GOAL_SELECT: &str = "SELECT id, case_id, domain, description, target_date, status, version, created_by, updated_at FROM case_goals";
const PLANNED_SELECT: &str = "SELECT id, case_id, goal_id, service, description, planned_on, created_by FROM case_planned_services";
const CONTACT_SELECT: &str = "SELECT id, case_id, kind, contact_on, duration_minutes, participants, narrative, recorded_by, recorded_at FROM case_contacts";
const ATTACHMENT_SELECT: &str = "SELECT id, case_id, contact_id, file_name, media_type, size_bytes, uploaded_by, uploaded_at FROM case_attachments";
const SERVICE_SELECT: &str =
    "SELECT id, case_id, kind, service_on, quantity, note, recorded_by FROM case_services";
const SUBMISSION_SELECT: &str = "SELECT id, case_id, form_id, form_version, answers, submitted_by, submitted_at FROM form_submissions";

/// A case as `grants` may see it.
pub(crate) async fn case_in(
    conn: &mut AnyConnection,
    grants: &[Scope],
    id: &str,
) -> Result<CaseRow> {
    let mut q = Sql::new(&format!("{CASE_SELECT} WHERE c.id = "));
    q.bind(id.to_owned()).push(" AND ");
    push_visible(&mut q, Entity::Case, "c", grants);
    q.fetch_optional(conn).await?.ok_or(StoreError::NotFound)
}

/// A case `by` may change: visible, in a unit where `by` edits cases, and open.
pub(crate) async fn case_for_edit(
    conn: &mut AnyConnection,
    by: &Principal,
    id: &str,
) -> Result<CaseRow> {
    let c = case_in(&mut *conn, &by.grants(Action::ViewCases), id).await?;
    if case_in(&mut *conn, &by.grants(Action::EditCases), id)
        .await
        .is_err()
    {
        return Err(StoreError::Forbidden);
    }
    if c.is_closed() {
        return Err(ValidationErrors::single("status", "err-case-closed").into());
    }
    Ok(c)
}

async fn case_event(
    conn: &mut AnyConnection,
    case_id: &str,
    actor: &Actor,
    kind: &str,
    from: Option<&str>,
    to: Option<&str>,
    note: Option<&str>,
) -> Result<()> {
    Sql::new(
        "INSERT INTO case_events (id, case_id, at, actor, kind, from_status, to_status, note) VALUES (",
    )
    .bind(new_id())
    .push(", ")
    .bind(case_id.to_owned())
    .push(", ")
    .bind(clock::now())
    .push(", ")
    .bind(actor.username.clone())
    .push(", ")
    .bind(kind.to_owned())
    .push(", ")
    .bind(from.map(str::to_owned))
    .push(", ")
    .bind(to.map(str::to_owned))
    .push(", ")
    .bind(note.map(str::to_owned))
    .push(")")
    .execute(conn)
    .await?;
    Ok(())
}

fn audit_case(actor: &Actor, action: &str, c: &CaseRow) -> crate::audit::Event {
    actor
        .event(action)
        .record("case", &c.id)
        .area(Some(&c.area_code))
        .unit(Some(&c.unit_code))
}

/// Bumps the case's version if it is still at `version`.
async fn bump(conn: &mut AnyConnection, c: &CaseRow, version: i64) -> Result<()> {
    let n = Sql::new("UPDATE cases SET version = version + 1, updated_at = ")
        .bind(clock::now())
        .push(" WHERE id = ")
        .bind(c.id.clone())
        .push(" AND version = ")
        .bind(version)
        .execute(conn)
        .await?;
    if n == 0 {
        return Err(StoreError::Conflict { current: c.version });
    }
    Ok(())
}

/// Is `user_id` a field worker or coordinator of `unit`? Only they can be
/// assigned its cases and follow-ups.
async fn works_in_unit(conn: &mut AnyConnection, user_id: &str, unit: &str) -> Result<bool> {
    let hit: Option<(i64,)> = Sql::new(
        "SELECT 1 FROM role_assignments ra JOIN users u ON u.id = ra.user_id \
         WHERE u.disabled_at IS NULL AND ra.scope_kind = 'unit' AND ra.user_id = ",
    )
    .bind(user_id.to_owned())
    .push(" AND ra.scope_code = ")
    .bind(unit.to_owned())
    .push(" AND ra.role IN ('unit_coordinator', 'social_mediator', 'health_mediator', 'pedagogical_assistant', 'volunteer') LIMIT 1")
    .fetch_optional(conn)
    .await?;
    Ok(hit.is_some())
}

#[derive(Debug, Clone, Default)]
pub struct CaseFilter {
    pub status: Option<String>,
    /// Only cases not closed.
    pub open_only: bool,
    pub unit: Option<String>,
    pub domain: Option<String>,
    /// Only cases this user works on.
    pub worker_id: Option<String>,
    pub person_id: Option<String>,
    pub household_id: Option<String>,
    /// Part of the person's name or the household's address.
    pub q: Option<String>,
    pub limit: i64,
    pub offset: i64,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct WorkerRow {
    pub user_id: String,
    pub username: String,
    pub display_name: String,
    #[serde(serialize_with = "crate::columns::flag")]
    #[schema(value_type = bool)]
    pub lead: i64,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct CaseEventRow {
    pub at: String,
    pub actor: String,
    /// opened, status, assigned, transfer_requested, transfer_accepted, transfer_declined, closed, reopened
    pub kind: String,
    pub from_status: Option<String>,
    pub to_status: Option<String>,
    pub note: Option<String>,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct GoalRow {
    pub id: String,
    pub case_id: String,
    pub domain: String,
    pub description: String,
    pub target_date: Option<String>,
    pub status: String,
    pub version: i64,
    pub created_by: String,
    pub updated_at: String,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct PlannedServiceRow {
    pub id: String,
    pub case_id: String,
    pub goal_id: Option<String>,
    pub service: String,
    pub description: Option<String>,
    pub planned_on: Option<String>,
    pub created_by: String,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct ContactRow {
    pub id: String,
    pub case_id: String,
    pub kind: String,
    pub contact_on: String,
    pub duration_minutes: Option<i64>,
    pub participants: Option<String>,
    pub narrative: Option<String>,
    pub recorded_by: String,
    pub recorded_at: String,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct AttachmentRow {
    pub id: String,
    pub case_id: String,
    pub contact_id: Option<String>,
    pub file_name: String,
    pub media_type: String,
    pub size_bytes: i64,
    pub uploaded_by: String,
    pub uploaded_at: String,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct ServiceRow {
    pub id: String,
    pub case_id: String,
    pub kind: String,
    pub service_on: String,
    pub quantity: f64,
    pub note: Option<String>,
    pub recorded_by: String,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct FollowUpRow {
    pub id: String,
    pub case_id: String,
    pub subject_name: String,
    pub unit_code: String,
    pub title: String,
    pub due_on: String,
    pub assignee_id: String,
    pub assignee_name: String,
    pub done_on: Option<String>,
    pub done_by: Option<String>,
    pub version: i64,
    pub created_by: String,
    pub created_at: String,
}

pub(crate) const FOLLOW_UP_SELECT: &str = "SELECT f.id, f.case_id, \
     COALESCE(p.given_names || ' ' || p.family_name, h.address, h.settlement, '') AS subject_name, \
     f.unit_code, f.title, f.due_on, f.assignee_id, u.display_name AS assignee_name, f.done_on, f.done_by, \
     f.version, f.created_by, f.created_at \
     FROM follow_ups f JOIN cases c ON c.id = f.case_id JOIN users u ON u.id = f.assignee_id \
     LEFT JOIN persons p ON p.id = c.person_id LEFT JOIN households h ON h.id = c.household_id";

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct SubmissionRow {
    pub id: String,
    pub case_id: String,
    pub form_id: String,
    pub form_version: i64,
    /// The answers as kept (JSON object: field id → answer).
    #[serde(serialize_with = "crate::columns::json_value")]
    #[schema(value_type = Object)]
    pub answers: String,
    pub submitted_by: String,
    pub submitted_at: String,
    /// The answers are special-category data the viewer may not read: left out.
    #[sqlx(skip)]
    pub withheld: bool,
}

impl SubmissionRow {
    pub fn answer_map(&self) -> Map<String, Value> {
        serde_json::from_str(&self.answers).unwrap_or_default()
    }
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct TransferRow {
    pub id: String,
    pub case_id: String,
    pub subject_name: String,
    pub from_unit: String,
    pub to_unit: String,
    pub to_user_id: Option<String>,
    pub reason: String,
    /// pending, accepted, declined
    pub status: String,
    pub requested_by: String,
    pub requested_at: String,
    pub answered_by: Option<String>,
    pub answered_at: Option<String>,
    pub answer_note: Option<String>,
}

const TRANSFER_SELECT: &str = "SELECT t.id, t.case_id, \
     COALESCE(p.given_names || ' ' || p.family_name, h.address, h.settlement, '') AS subject_name, \
     t.from_unit, t.to_unit, t.to_user_id, t.reason, t.status, t.requested_by, t.requested_at, \
     t.answered_by, t.answered_at, t.answer_note \
     FROM case_transfers t JOIN cases c ON c.id = t.case_id \
     LEFT JOIN persons p ON p.id = c.person_id LEFT JOIN households h ON h.id = c.household_id";

/// A service the plan foresees, as entered.
#[derive(Debug, Clone, Copy)]
pub struct PlannedService<'a> {
    pub goal_id: Option<&'a str>,
    /// A delivered-service kind or a directory service kind.
    pub service: &'a str,
    pub description: &'a str,
    pub planned_on: &'a str,
}

/// What to change on a follow-up: any of done, assignee, due date.
#[derive(Debug, Clone, Copy, Default)]
pub struct FollowUpChange<'a> {
    pub done: bool,
    /// Undoes a completion (a tap on "done" by mistake); audited.
    pub reopen: bool,
    pub assignee: Option<&'a str>,
    pub due_on: Option<&'a str>,
}

/// Everything recorded on a case, for its page and the API.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CaseFile {
    pub case: CaseRow,
    pub workers: Vec<WorkerRow>,
    pub events: Vec<CaseEventRow>,
    pub goals: Vec<GoalRow>,
    pub planned_services: Vec<PlannedServiceRow>,
    pub contacts: Vec<ContactRow>,
    pub attachments: Vec<AttachmentRow>,
    pub services: Vec<ServiceRow>,
    pub follow_ups: Vec<FollowUpRow>,
    pub submissions: Vec<SubmissionRow>,
    pub transfers: Vec<TransferRow>,
    pub referrals: Vec<crate::casework::referrals::ReferralRow>,
    /// Every move of the case's referrals, oldest first.
    pub referral_events: Vec<CaseReferralEventRow>,
}

/// A move of one of a case's referrals, with the institution's name.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct CaseReferralEventRow {
    pub referral_id: String,
    pub institution_name: String,
    pub at: String,
    pub actor: String,
    pub status: String,
    pub note: Option<String>,
}

/// One line of a case's timeline: what happened, when, by whom.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TimelineEntry {
    /// A date (`2026-11-07`) or a moment (`2026-11-07T10:15:00Z`); entries sort by it.
    pub at: String,
    pub actor: String,
    /// `case.opened`, `case.status`, … (the case's own events), `contact`,
    /// `service`, `assessment`, `attachment`, `follow_up.planned`,
    /// `follow_up.done`, `referral` (a referral's move; `status` says which).
    pub kind: String,
    /// The status reached, for case and referral moves.
    pub status: Option<String>,
    /// The kind of contact or service, the form, the file, the task or the institution.
    pub subject: Option<String>,
    pub note: Option<String>,
    /// The page that shows the thing, when it has one.
    pub link: Option<String>,
}

impl CaseFile {
    /// Everything recorded on the case, newest first: the case's own moves,
    /// contacts, services, assessments, attachments, follow-ups planned and
    /// done, and every move of its referrals.
    pub fn timeline(&self) -> Vec<TimelineEntry> {
        let entry = |at: &str, actor: &str, kind: &str| TimelineEntry {
            at: at.to_owned(),
            actor: actor.to_owned(),
            kind: kind.to_owned(),
            status: None,
            subject: None,
            note: None,
            link: None,
        };
        let case = &self.case.id;
        let mut out = Vec::new();
        for e in &self.events {
            out.push(TimelineEntry {
                status: e.to_status.clone(),
                note: e.note.clone(),
                ..entry(&e.at, &e.actor, &format!("case.{}", e.kind))
            });
        }
        for c in &self.contacts {
            out.push(TimelineEntry {
                subject: Some(c.kind.clone()),
                ..entry(&c.contact_on, &c.recorded_by, "contact")
            });
        }
        for s in &self.services {
            out.push(TimelineEntry {
                subject: Some(s.kind.clone()),
                note: s.note.clone(),
                ..entry(&s.service_on, &s.recorded_by, "service")
            });
        }
        for s in &self.submissions {
            out.push(TimelineEntry {
                subject: Some(s.form_id.clone()),
                link: (!s.withheld).then(|| format!("/cases/{case}/submissions/{}", s.id)),
                ..entry(&s.submitted_at, &s.submitted_by, "assessment")
            });
        }
        for a in &self.attachments {
            out.push(TimelineEntry {
                subject: Some(a.file_name.clone()),
                link: Some(format!("/cases/{case}/attachments/{}", a.id)),
                ..entry(&a.uploaded_at, &a.uploaded_by, "attachment")
            });
        }
        for f in &self.follow_ups {
            out.push(TimelineEntry {
                subject: Some(f.title.clone()),
                note: Some(f.due_on.clone()),
                ..entry(&f.created_at, &f.created_by, "follow_up.planned")
            });
            if let Some(done) = &f.done_on {
                out.push(TimelineEntry {
                    subject: Some(f.title.clone()),
                    ..entry(done, f.done_by.as_deref().unwrap_or(""), "follow_up.done")
                });
            }
        }
        for r in &self.referral_events {
            out.push(TimelineEntry {
                status: Some(r.status.clone()),
                subject: Some(r.institution_name.clone()),
                note: r.note.clone(),
                link: Some(format!("/referrals/{}", r.referral_id)),
                ..entry(&r.at, &r.actor, "referral")
            });
        }
        // Newest first, in the installation's calendar (a timestamp late in
        // the evening UTC is the next local day); a day's dated entries after
        // that day's timed ones.
        out.sort_by_cached_key(|e| std::cmp::Reverse(crate::clock::local_key(&e.at)));
        out
    }
}

impl Store {
    /// Opens a case for a person or a household the caller may see, in a unit
    /// where the caller works on cases. `workers` (user ids) must work in that
    /// unit; none given: the caller, when the caller does field work there.
    pub async fn open_case(
        &self,
        actor: &Actor,
        by: &Principal,
        new: &NewCase,
        workers: &[String],
    ) -> Result<CaseRow> {
        let mut tx = self.begin_write().await?;
        let (person_id, household_id, area) = match &new.subject {
            Subject::Person(id) => {
                let p = person_for(tx.conn(), by, Action::ViewPersons, id)
                    .await
                    .map_err(|_| ValidationErrors::single("person_id", "err-not-found"))?;
                if p.merged_into.is_some() {
                    return Err(ValidationErrors::single("person_id", "err-person-merged").into());
                }
                (Some(p.id), None, p.area_code)
            }
            Subject::Household(id) => {
                let h = household_in(tx.conn(), &by.grants(Action::ViewPersons), id)
                    .await
                    .map_err(|_| ValidationErrors::single("household_id", "err-not-found"))?;
                (None, Some(h.id), h.area_code)
            }
        };
        let unit = new.unit_code.as_str();
        if !place_allowed(
            tx.conn(),
            Entity::Case,
            &by.grants(Action::EditCases),
            &area,
            unit,
        )
        .await?
        {
            return Err(ValidationErrors::single("unit_code", "err-scope-denied").into());
        }
        let programme_id: Option<String> = match &new.programme_code {
            None => None,
            Some(code) => {
                let row: Option<(String,)> = Sql::new("SELECT id FROM programmes WHERE code = ")
                    .bind(code.as_str().to_owned())
                    .fetch_optional(tx.conn())
                    .await?;
                Some(
                    row.ok_or_else(|| {
                        ValidationErrors::single("programme_code", "err-programme-unknown")
                    })?
                    .0,
                )
            }
        };
        let mut assigned: Vec<String> = Vec::new();
        for w in workers.iter().filter(|w| !w.trim().is_empty()) {
            if !works_in_unit(tx.conn(), w, unit).await? {
                return Err(ValidationErrors::single("workers", "err-worker-not-in-unit").into());
            }
            if !assigned.contains(w) {
                assigned.push(w.clone());
            }
        }
        if assigned.is_empty() && works_in_unit(tx.conn(), &by.user_id, unit).await? {
            assigned.push(by.user_id.clone());
        }
        let id = new_id();
        let now = clock::now();
        let domains =
            serde_json::to_string(&new.domains.iter().map(|d| d.as_str()).collect::<Vec<_>>())
                .unwrap_or_else(|_| "[]".into());
        Sql::new("INSERT INTO cases (id, person_id, household_id, unit_code, area_code, programme_id, priority, domains, status, summary, opened_on, version, created_by, created_at, updated_at) VALUES (")
            .bind(id.clone()).push(", ")
            .bind(person_id).push(", ")
            .bind(household_id).push(", ")
            .bind(unit.to_owned()).push(", ")
            .bind(area).push(", ")
            .bind(programme_id).push(", ")
            .bind(new.priority.as_str().to_owned()).push(", ")
            .bind(domains).push(", ")
            .bind(CaseStatus::Open.as_str().to_owned()).push(", ")
            .bind(new.summary.clone()).push(", ")
            .bind(new.opened_on.clone()).push(", 1, ")
            .bind(actor.username.clone()).push(", ")
            .bind(now.clone()).push(", ")
            .bind(now.clone()).push(")")
            .execute(tx.conn())
            .await?;
        for (i, w) in assigned.iter().enumerate() {
            insert_worker(tx.conn(), &id, w, i == 0, &actor.username).await?;
        }
        case_event(tx.conn(), &id, actor, "opened", None, Some("open"), None).await?;
        let row = case_in(tx.conn(), &by.grants(Action::ViewCases), &id).await?;
        append(tx.conn(), &audit_case(actor, "case.open", &row)).await?;
        tx.commit().await?;
        Ok(row)
    }

    /// A page of cases for an export: as [`Store::cases`], read with only the
    /// assignments that permit exporting.
    pub async fn cases_for_export(&self, by: &Principal, f: &CaseFilter) -> Result<Vec<CaseRow>> {
        self.cases(&crate::registry::exporter(by)?, f).await
    }

    /// Cases within `by`'s grants, newest first.
    pub async fn cases(&self, by: &Principal, f: &CaseFilter) -> Result<Vec<CaseRow>> {
        let worker = f.worker_id.as_deref().filter(|s| !s.is_empty());
        let mut q = match worker {
            Some(w) => {
                let mut q = Sql::new(WORKER_CASE_SELECT);
                q.bind(w.to_owned()).push(" AND ");
                q
            }
            None => Sql::new(&format!("{CASE_SELECT} WHERE ")),
        };
        push_visible(&mut q, Entity::Case, "c", &by.grants(Action::ViewCases));
        if let Some(s) = f.status.as_deref().filter(|s| !s.is_empty()) {
            q.push(" AND c.status = ").bind(s.to_owned());
        }
        if f.open_only {
            q.push(" AND c.status <> 'closed'");
        }
        if let Some(u) = f.unit.as_deref().filter(|s| !s.is_empty()) {
            q.push(" AND c.unit_code = ").bind(u.to_owned());
        }
        if let Some(d) = f.domain.as_deref().filter(|s| !s.is_empty()) {
            q.push(" AND c.domains LIKE ")
                .bind(format!("%\"{}\"%", like_escape(d)))
                .push(" ESCAPE '\\'");
        }
        if let Some(p) = f.person_id.as_deref().filter(|s| !s.is_empty()) {
            q.push(" AND c.person_id = ").bind(p.to_owned());
        }
        if let Some(h) = f.household_id.as_deref().filter(|s| !s.is_empty()) {
            q.push(" AND c.household_id = ").bind(h.to_owned());
        }
        if let Some(text) = f.q.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            // Folded keys, so case and script do not matter on either engine;
            // every word must appear, in any order.
            for word in kopru_domain::search::fold(text).split_whitespace().take(6) {
                let pattern = format!("%{}%", like_escape(word));
                q.push(" AND (p.sort_key LIKE ")
                    .bind(pattern.clone())
                    .push(" ESCAPE '\\' OR h.search_key LIKE ")
                    .bind(pattern)
                    .push(" ESCAPE '\\')");
            }
        }
        q.push(" ORDER BY c.opened_on DESC, c.id DESC")
            .page(f.limit, f.offset);
        Ok(q.fetch_all(self.pool()).await?)
    }

    /// A case and everything recorded on it. The view is audited; answered
    /// referrals count as seen by the worker who sent them.
    pub async fn case_file(&self, actor: &Actor, by: &Principal, id: &str) -> Result<CaseFile> {
        let mut conn = self.acquire().await?;
        let case = case_in(&mut conn, &by.grants(Action::ViewCases), id).await?;
        let workers: Vec<WorkerRow> = Sql::new(WORKER_SELECT)
            .bind(id.to_owned())
            .push(" ORDER BY w.lead DESC, u.display_name")
            .fetch_all(&mut *conn)
            .await?;
        let c = &mut *conn;
        let events: Vec<CaseEventRow> = all_of_case(
            c,
            "SELECT at, actor, kind, from_status, to_status, note FROM case_events WHERE case_id = ",
            id,
            "at, id",
        )
        .await?;
        let goal_where = format!("{GOAL_SELECT} WHERE case_id = ");
        let goals: Vec<GoalRow> = all_of_case(c, &goal_where, id, "created_at, id").await?;
        let planned_where = format!("{PLANNED_SELECT} WHERE case_id = ");
        let planned_services: Vec<PlannedServiceRow> =
            all_of_case(c, &planned_where, id, "created_at, id").await?;
        let contact_where = format!("{CONTACT_SELECT} WHERE case_id = ");
        let contacts: Vec<ContactRow> =
            all_of_case(c, &contact_where, id, "contact_on DESC, recorded_at DESC").await?;
        let attachment_where = format!("{ATTACHMENT_SELECT} WHERE case_id = ");
        let attachments: Vec<AttachmentRow> =
            all_of_case(c, &attachment_where, id, "uploaded_at").await?;
        let service_where = format!("{SERVICE_SELECT} WHERE case_id = ");
        let services: Vec<ServiceRow> =
            all_of_case(c, &service_where, id, "service_on DESC, recorded_at DESC").await?;
        let follow_up_where = format!("{FOLLOW_UP_SELECT} WHERE f.case_id = ");
        let follow_ups: Vec<FollowUpRow> = all_of_case(
            c,
            &follow_up_where,
            id,
            "f.done_on IS NOT NULL, f.due_on, f.id",
        )
        .await?;
        let submission_where = format!("{SUBMISSION_SELECT} WHERE case_id = ");
        let mut submissions: Vec<SubmissionRow> =
            all_of_case(c, &submission_where, id, "submitted_at DESC").await?;
        let transfer_where = format!("{TRANSFER_SELECT} WHERE t.case_id = ");
        let transfers: Vec<TransferRow> =
            all_of_case(c, &transfer_where, id, "t.requested_at DESC").await?;
        let referrals = crate::casework::referrals::referrals_of_case(&mut conn, id).await?;
        let referral_events: Vec<CaseReferralEventRow> = all_of_case(
            &mut conn,
            "SELECT e.referral_id, i.name AS institution_name, e.at, e.actor, e.status, e.note \
             FROM referral_events e JOIN referrals r ON r.id = e.referral_id \
             JOIN institutions i ON i.code = r.institution_code WHERE r.case_id = ",
            id,
            "e.at, e.id",
        )
        .await?;
        let mut special_read = Vec::new();
        // One permission check per form, not per submission.
        let mut may_read: std::collections::HashMap<String, bool> = Default::default();
        for s in &mut submissions {
            let may = match may_read.get(&s.form_id) {
                Some(m) => *m,
                None => {
                    let m = may_read_form(&mut conn, by, id, &s.form_id).await?;
                    may_read.insert(s.form_id.clone(), m);
                    m
                }
            };
            if may {
                if self.open_answers(s)? {
                    special_read.push(s.id.clone());
                }
            } else {
                s.withheld = true;
                s.answers = "null".into();
            }
        }
        drop(conn);
        // The view (and any special-category answers read) is audited; answers
        // the sender now sees stop being news on "my work".
        let mut tx = self.begin_write().await?;
        if !special_read.is_empty() {
            append(
                tx.conn(),
                &audit_case(actor, "case.special_form_view", &case)
                    .details(serde_json::json!({ "submissions": special_read })),
            )
            .await?;
        }
        if referrals
            .iter()
            .any(|r| r.sent_by_id == by.user_id && r.answer_unseen())
        {
            Sql::new("UPDATE referrals SET answer_seen_at = ")
                .bind(clock::now())
                .push(" WHERE case_id = ")
                .bind(id.to_owned())
                .push(" AND sent_by_id = ")
                .bind(by.user_id.clone())
                .push(" AND answer_seen_at IS NULL AND answered_on IS NOT NULL")
                .execute(tx.conn())
                .await?;
        }
        append(tx.conn(), &audit_case(actor, "case.view", &case)).await?;
        tx.commit().await?;
        Ok(CaseFile {
            case,
            workers,
            events,
            goals,
            planned_services,
            contacts,
            attachments,
            services,
            follow_ups,
            submissions,
            transfers,
            referrals,
            referral_events,
        })
    }

    /// The case alone, as `by` may see it (no audit: for headers and checks).
    pub async fn case(&self, by: &Principal, id: &str) -> Result<CaseRow> {
        let mut conn = self.acquire().await?;
        case_in(&mut conn, &by.grants(Action::ViewCases), id).await
    }

    /// Changes priority, domains and summary if nobody changed the case since `version`.
    pub async fn update_case(
        &self,
        actor: &Actor,
        by: &Principal,
        id: &str,
        version: i64,
        u: &CaseUpdate,
    ) -> Result<CaseRow> {
        let mut tx = self.begin_write().await?;
        let c = case_for_edit(tx.conn(), by, id).await?;
        bump(tx.conn(), &c, version).await?;
        let domains =
            serde_json::to_string(&u.domains.iter().map(|d| d.as_str()).collect::<Vec<_>>())
                .unwrap_or_else(|_| "[]".into());
        Sql::new("UPDATE cases SET priority = ")
            .bind(u.priority.as_str().to_owned())
            .push(", domains = ")
            .bind(domains)
            .push(", summary = ")
            .bind(u.summary.clone())
            .push(" WHERE id = ")
            .bind(id.to_owned())
            .execute(tx.conn())
            .await?;
        append(tx.conn(), &audit_case(actor, "case.update", &c)).await?;
        let row = case_in(tx.conn(), &by.grants(Action::ViewCases), id).await?;
        tx.commit().await?;
        Ok(row)
    }

    /// Moves a case along its workflow (not to `closed`: see [`Store::close_case`]).
    /// Reopening a closed case goes back to `open` and needs a note.
    pub async fn change_case_status(
        &self,
        actor: &Actor,
        by: &Principal,
        id: &str,
        version: i64,
        to: CaseStatus,
        note: Option<&str>,
    ) -> Result<CaseRow> {
        let mut tx = self.begin_write().await?;
        let c = case_in(tx.conn(), &by.grants(Action::ViewCases), id).await?;
        if case_in(tx.conn(), &by.grants(Action::EditCases), id)
            .await
            .is_err()
        {
            return Err(StoreError::Forbidden);
        }
        let from = CaseStatus::parse(&c.status).map_err(|_| StoreError::Other("status".into()))?;
        if to == CaseStatus::Closed {
            return Err(ValidationErrors::single("status", "err-case-close-with-reason").into());
        }
        if !from.may_become(to) {
            return Err(ValidationErrors::single("status", "err-transition").into());
        }
        let reopening = from.is_closed();
        if reopening && note.is_none_or(|n| n.trim().is_empty()) {
            return Err(ValidationErrors::single("note", "err-reason-required").into());
        }
        bump(tx.conn(), &c, version).await?;
        let mut q = Sql::new("UPDATE cases SET status = ");
        q.bind(to.as_str().to_owned());
        if reopening {
            q.push(", closed_on = NULL, closure_reason = NULL, closure_note = NULL");
        }
        q.push(" WHERE id = ").bind(id.to_owned());
        q.execute(tx.conn()).await?;
        let kind = if reopening { "reopened" } else { "status" };
        case_event(
            tx.conn(),
            id,
            actor,
            kind,
            Some(from.as_str()),
            Some(to.as_str()),
            note,
        )
        .await?;
        append(
            tx.conn(),
            &audit_case(actor, "case.status", &c)
                .details(serde_json::json!({ "from": from.as_str(), "to": to.as_str() })),
        )
        .await?;
        let row = case_in(tx.conn(), &by.grants(Action::ViewCases), id).await?;
        tx.commit().await?;
        Ok(row)
    }

    /// Closes a case with a reason and an outcome for every goal without one.
    pub async fn close_case(
        &self,
        actor: &Actor,
        by: &Principal,
        id: &str,
        version: i64,
        draft: &ClosureDraft,
    ) -> Result<CaseRow> {
        let mut tx = self.begin_write().await?;
        let c = case_for_edit(tx.conn(), by, id).await?;
        let goals: Vec<(String, String)> =
            Sql::new("SELECT id, status FROM case_goals WHERE case_id = ")
                .bind(id.to_owned())
                .fetch_all(tx.conn())
                .await?;
        let open: Vec<String> = goals
            .into_iter()
            .filter(|(_, s)| GoalStatus::parse(s).is_ok_and(|s| !s.is_outcome()))
            .map(|(g, _)| g)
            .collect();
        let closure: Closure = draft.validate(&open)?;
        bump(tx.conn(), &c, version).await?;
        let now = clock::now();
        for (goal, outcome) in &closure.outcomes {
            Sql::new("UPDATE case_goals SET status = ")
                .bind(outcome.as_str().to_owned())
                .push(", version = version + 1, updated_at = ")
                .bind(now.clone())
                .push(" WHERE id = ")
                .bind(goal.clone())
                .execute(tx.conn())
                .await?;
        }
        Sql::new("UPDATE cases SET status = 'closed', closed_on = ")
            .bind(today())
            .push(", closure_reason = ")
            .bind(closure.reason.as_str().to_owned())
            .push(", closure_note = ")
            .bind(closure.note.clone())
            .push(" WHERE id = ")
            .bind(id.to_owned())
            .execute(tx.conn())
            .await?;
        // Open follow-ups of a closed case would sit on "my work" forever.
        Sql::new("UPDATE follow_ups SET done_on = ")
            .bind(today())
            .push(", done_by = ")
            .bind(actor.username.clone())
            .push(" WHERE case_id = ")
            .bind(id.to_owned())
            .push(" AND done_on IS NULL")
            .execute(tx.conn())
            .await?;
        case_event(
            tx.conn(),
            id,
            actor,
            "closed",
            Some(&c.status),
            Some("closed"),
            Some(closure.reason.as_str()),
        )
        .await?;
        append(
            tx.conn(),
            &audit_case(actor, "case.close", &c)
                .details(serde_json::json!({ "reason": closure.reason.as_str() })),
        )
        .await?;
        let row = case_in(tx.conn(), &by.grants(Action::ViewCases), id).await?;
        tx.commit().await?;
        Ok(row)
    }

    /// Replaces the workers of a case (the first is the lead). Coordinators.
    pub async fn assign_case(
        &self,
        actor: &Actor,
        by: &Principal,
        id: &str,
        workers: &[String],
    ) -> Result<Vec<WorkerRow>> {
        let mut tx = self.begin_write().await?;
        let c = case_for_edit(tx.conn(), by, id).await?;
        if case_in(tx.conn(), &by.grants(Action::ManageCaseload), id)
            .await
            .is_err()
        {
            return Err(StoreError::Forbidden);
        }
        let mut assigned: Vec<&String> = Vec::new();
        for w in workers.iter().filter(|w| !w.trim().is_empty()) {
            if !works_in_unit(tx.conn(), w, &c.unit_code).await? {
                return Err(ValidationErrors::single("workers", "err-worker-not-in-unit").into());
            }
            if !assigned.contains(&w) {
                assigned.push(w);
            }
        }
        if assigned.is_empty() {
            return Err(ValidationErrors::single("workers", "err-required").into());
        }
        Sql::new("DELETE FROM case_workers WHERE case_id = ")
            .bind(id.to_owned())
            .execute(tx.conn())
            .await?;
        for (i, w) in assigned.iter().enumerate() {
            insert_worker(tx.conn(), id, w, i == 0, &actor.username).await?;
        }
        let names: Vec<(String,)> = {
            let mut q = Sql::new("SELECT username FROM users WHERE id IN (");
            q.bind_list(assigned.iter().map(|s| (*s).clone())).push(")");
            q.fetch_all(tx.conn()).await?
        };
        let note = names
            .into_iter()
            .map(|n| n.0)
            .collect::<Vec<_>>()
            .join(", ");
        case_event(tx.conn(), id, actor, "assigned", None, None, Some(&note)).await?;
        append(tx.conn(), &audit_case(actor, "case.assign", &c)).await?;
        let rows: Vec<WorkerRow> = Sql::new(WORKER_SELECT)
            .bind(id.to_owned())
            .push(" ORDER BY w.lead DESC, u.display_name")
            .fetch_all(tx.conn())
            .await?;
        tx.commit().await?;
        Ok(rows)
    }

    /// Asks to hand a case to another unit (or another worker of this one).
    /// The receiver accepts or declines; until then nothing moves.
    pub async fn request_transfer(
        &self,
        actor: &Actor,
        by: &Principal,
        id: &str,
        to_unit: &str,
        to_user: Option<&str>,
        reason: &str,
    ) -> Result<TransferRow> {
        let mut tx = self.begin_write().await?;
        let c = case_for_edit(tx.conn(), by, id).await?;
        let mut e = ValidationErrors::new();
        let reason = e
            .take(
                "reason",
                kopru_domain::casework::long_text(reason, 1000)
                    .and_then(|r| r.ok_or("err-required")),
            )
            .unwrap_or_default();
        let unit: Option<(String,)> = Sql::new("SELECT code FROM units WHERE code = ")
            .bind(to_unit.trim().to_uppercase())
            .fetch_optional(tx.conn())
            .await?;
        let to_unit = match unit {
            Some((u,)) => u,
            None => {
                e.push("to_unit", "err-unit-unknown");
                String::new()
            }
        };
        if let Some(u) = to_user {
            if !to_unit.is_empty() && !works_in_unit(tx.conn(), u, &to_unit).await? {
                e.push("to_user_id", "err-worker-not-in-unit");
            }
        } else if to_unit == c.unit_code {
            e.push("to_unit", "err-transfer-same-unit");
        }
        e.into_result()?;
        let pending: Option<(i64,)> =
            Sql::new("SELECT 1 FROM case_transfers WHERE status = 'pending' AND case_id = ")
                .bind(id.to_owned())
                .fetch_optional(tx.conn())
                .await?;
        if pending.is_some() {
            return Err(ValidationErrors::single("to_unit", "err-transfer-pending").into());
        }
        let tid = new_id();
        Sql::new("INSERT INTO case_transfers (id, case_id, from_unit, to_unit, to_user_id, reason, status, requested_by, requested_at) VALUES (")
            .bind(tid.clone()).push(", ")
            .bind(id.to_owned()).push(", ")
            .bind(c.unit_code.clone()).push(", ")
            .bind(to_unit.clone()).push(", ")
            .bind(to_user.map(str::to_owned)).push(", ")
            .bind(reason.clone()).push(", 'pending', ")
            .bind(actor.username.clone()).push(", ")
            .bind(clock::now()).push(")")
            .execute(tx.conn())
            .await?;
        case_event(
            tx.conn(),
            id,
            actor,
            "transfer_requested",
            None,
            None,
            Some(&to_unit),
        )
        .await?;
        append(
            tx.conn(),
            &audit_case(actor, "case.transfer_request", &c)
                .details(serde_json::json!({ "to_unit": to_unit })),
        )
        .await?;
        let row = transfer_in(tx.conn(), &tid).await?;
        tx.commit().await?;
        Ok(row)
    }

    /// Transfers waiting for `by`: to them by name, or to a unit whose
    /// caseload they manage.
    pub async fn pending_transfers(&self, by: &Principal) -> Result<Vec<TransferRow>> {
        let units = managed_units(by);
        let mut q = Sql::new(&format!(
            "{TRANSFER_SELECT} WHERE t.status = 'pending' AND (t.to_user_id = "
        ));
        q.bind(by.user_id.clone());
        if !units.is_empty() {
            q.push(" OR (t.to_user_id IS NULL AND t.to_unit IN (")
                .bind_list(units)
                .push("))");
        }
        // Only while the receiver still works in the receiving unit.
        q.push(") AND EXISTS (SELECT 1 FROM units tu WHERE tu.code = t.to_unit AND ");
        push_visible(&mut q, Entity::Unit, "tu", &by.grants(Action::ViewCases));
        q.push(") ORDER BY t.requested_at");
        Ok(q.fetch_all(self.pool()).await?)
    }

    /// The receiver's answer. Accepted: the case moves to the receiving unit
    /// (its workers become the named receiver, or none until the coordinator
    /// assigns), keeping its history; declined: it stays, with the reason.
    pub async fn answer_transfer(
        &self,
        actor: &Actor,
        by: &Principal,
        transfer_id: &str,
        accept: bool,
        note: Option<&str>,
    ) -> Result<TransferRow> {
        let mut tx = self.begin_write().await?;
        // Only the receiver finds it: the named worker, or a coordinator of the receiving unit.
        let t: TransferRow = {
            let units = managed_units(by);
            let mut q = Sql::new(&format!("{TRANSFER_SELECT} WHERE t.id = "));
            q.bind(transfer_id.to_owned())
                .push(" AND (t.to_user_id = ")
                .bind(by.user_id.clone());
            if !units.is_empty() {
                q.push(" OR t.to_unit IN (").bind_list(units).push(")");
            }
            q.push(")");
            q.fetch_optional(tx.conn())
                .await?
                .ok_or(StoreError::NotFound)?
        };
        if t.status != "pending" {
            return Err(ValidationErrors::single("status", "err-transfer-answered").into());
        }
        let note = note.map(str::trim).filter(|n| !n.is_empty());
        if !accept && note.is_none() {
            return Err(ValidationErrors::single("note", "err-reason-required").into());
        }
        let now = clock::now();
        Sql::new("UPDATE case_transfers SET status = ")
            .bind(if accept { "accepted" } else { "declined" }.to_owned())
            .push(", answered_by = ")
            .bind(actor.username.clone())
            .push(", answered_at = ")
            .bind(now.clone())
            .push(", answer_note = ")
            .bind(note.map(str::to_owned))
            .push(" WHERE id = ")
            .bind(transfer_id.to_owned())
            .execute(tx.conn())
            .await?;
        let (area,): (String,) = Sql::new("SELECT area_code FROM cases WHERE id = ")
            .bind(t.case_id.clone())
            .fetch_one(tx.conn())
            .await?;
        if accept {
            Sql::new("UPDATE cases SET unit_code = ")
                .bind(t.to_unit.clone())
                .push(", version = version + 1, updated_at = ")
                .bind(now.clone())
                .push(" WHERE id = ")
                .bind(t.case_id.clone())
                .execute(tx.conn())
                .await?;
            Sql::new("DELETE FROM case_workers WHERE case_id = ")
                .bind(t.case_id.clone())
                .execute(tx.conn())
                .await?;
            set_lead(tx.conn(), &t.case_id, None).await?;
            if let Some(u) = &t.to_user_id {
                insert_worker(tx.conn(), &t.case_id, u, true, &actor.username).await?;
            }
            // The case's referrals are the receiving unit's to follow now.
            Sql::new("UPDATE referrals SET unit_code = ")
                .bind(t.to_unit.clone())
                .push(" WHERE case_id = ")
                .bind(t.case_id.clone())
                .execute(tx.conn())
                .await?;
            // The sender's open follow-ups go with the case to whoever takes it.
            Sql::new("UPDATE follow_ups SET unit_code = ")
                .bind(t.to_unit.clone())
                .push(", assignee_id = ")
                .bind(t.to_user_id.clone().unwrap_or_else(|| by.user_id.clone()))
                .push(" WHERE case_id = ")
                .bind(t.case_id.clone())
                .push(" AND done_on IS NULL")
                .execute(tx.conn())
                .await?;
        }
        let kind = if accept {
            "transfer_accepted"
        } else {
            "transfer_declined"
        };
        case_event(tx.conn(), &t.case_id, actor, kind, None, None, note).await?;
        append(
            tx.conn(),
            &actor
                .event(&format!("case.{kind}"))
                .record("case", &t.case_id)
                .area(Some(&area))
                .unit(Some(&t.to_unit))
                .details(serde_json::json!({ "from_unit": t.from_unit })),
        )
        .await?;
        let row = transfer_in(tx.conn(), transfer_id).await?;
        tx.commit().await?;
        Ok(row)
    }
}

async fn insert_worker(
    conn: &mut AnyConnection,
    case_id: &str,
    user_id: &str,
    lead: bool,
    by: &str,
) -> Result<()> {
    Sql::new(
        "INSERT INTO case_workers (case_id, user_id, lead, assigned_at, assigned_by) VALUES (",
    )
    .bind(case_id.to_owned())
    .push(", ")
    .bind(user_id.to_owned())
    .push(", ")
    .bind(i64::from(lead))
    .push(", ")
    .bind(clock::now())
    .push(", ")
    .bind(by.to_owned())
    .push(")")
    .execute(&mut *conn)
    .await?;
    if lead {
        set_lead(conn, case_id, Some(user_id)).await?;
    }
    Ok(())
}

/// May `by` read and write answers of `form_id` on this case? Forms holding
/// special-category data need that category's action in the case's scope.
pub(crate) async fn may_read_form(
    conn: &mut AnyConnection,
    by: &Principal,
    case_id: &str,
    form_id: &str,
) -> Result<bool> {
    match kopru_domain::casework::form_special_category(form_id) {
        None => Ok(true),
        Some(cat) => Ok(case_in(conn, &by.grants(Action::for_special(cat)), case_id)
            .await
            .is_ok()),
    }
}

/// Keeps `cases.lead_worker_id` equal to the lead in `case_workers`.
async fn set_lead(conn: &mut AnyConnection, case_id: &str, user_id: Option<&str>) -> Result<()> {
    Sql::new("UPDATE cases SET lead_worker_id = ")
        .bind(user_id.map(str::to_owned))
        .push(" WHERE id = ")
        .bind(case_id.to_owned())
        .execute(conn)
        .await?;
    Ok(())
}

/// Units whose caseload `by` manages (coordinators).
fn managed_units(by: &Principal) -> Vec<String> {
    by.grants(Action::ManageCaseload)
        .into_iter()
        .filter_map(|g| match g {
            Scope::Unit(c) => Some(c.as_str().to_owned()),
            _ => None,
        })
        .collect()
}

async fn transfer_in(conn: &mut AnyConnection, id: &str) -> Result<TransferRow> {
    Sql::new(&format!("{TRANSFER_SELECT} WHERE t.id = "))
        .bind(id.to_owned())
        .fetch_optional(conn)
        .await?
        .ok_or(StoreError::NotFound)
}

async fn goal_in(conn: &mut AnyConnection, case_id: &str, id: &str) -> Result<GoalRow> {
    one_of_case(conn, GOAL_SELECT, case_id, id).await
}

async fn attachment_in(conn: &mut AnyConnection, case_id: &str, id: &str) -> Result<AttachmentRow> {
    one_of_case(conn, ATTACHMENT_SELECT, case_id, id).await
}

async fn follow_up_in(conn: &mut AnyConnection, id: &str) -> Result<FollowUpRow> {
    Sql::new(&format!("{FOLLOW_UP_SELECT} WHERE f.id = "))
        .bind(id.to_owned())
        .fetch_optional(conn)
        .await?
        .ok_or(StoreError::NotFound)
}

async fn submission_in(conn: &mut AnyConnection, case_id: &str, id: &str) -> Result<SubmissionRow> {
    one_of_case(conn, SUBMISSION_SELECT, case_id, id).await
}

/// One row of a case's table (`select` reads it) by id, only if it belongs to the case.
async fn one_of_case<T>(
    conn: &mut AnyConnection,
    select: &str,
    case_id: &str,
    id: &str,
) -> Result<T>
where
    T: for<'r> sqlx::FromRow<'r, sqlx::any::AnyRow> + Send + Unpin,
{
    Sql::new(&format!("{select} WHERE id = "))
        .bind(id.to_owned())
        .push(" AND case_id = ")
        .bind(case_id.to_owned())
        .fetch_optional(conn)
        .await?
        .ok_or(StoreError::NotFound)
}

/// Every row of one of a case's tables: `select_where` ends in `case_id = `.
async fn all_of_case<T>(
    conn: &mut AnyConnection,
    select_where: &str,
    case_id: &str,
    order: &str,
) -> Result<Vec<T>>
where
    T: for<'r> sqlx::FromRow<'r, sqlx::any::AnyRow> + Send + Unpin,
{
    Ok(Sql::new(select_where)
        .bind(case_id.to_owned())
        .push(&format!(" ORDER BY {order}"))
        .fetch_all(conn)
        .await?)
}
