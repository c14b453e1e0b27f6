//! Programme activities: what a unit or an institution runs for a programme
//! (trainings, courses, after-school activities, events, community meetings),
//! their sessions, participants and attendance.
//!
//! Every read goes through [`activity_in`], filtered by the caller's grants
//! (`scope::Entity::Activity`: the place, and the organising unit or
//! institution). Writes check `ManageActivities` (or `TakeAttendance`) on the
//! same predicate, for the activity as it is and, on a move, where it goes.
//! Participants who are people of the registry show their names only to
//! those who may see the person (`ViewPersons`); a person's
//! self-identification is never copied here.

mod attendance;
mod calendar;
mod certificates;
mod participants;
mod transport;
mod volunteers;

pub use attendance::{AttendanceRow, HeadCountRow, MarkInput, SavedMarks, SheetRow};
pub use calendar::{ActivityStats, CalendarRow};
pub use certificates::{normalise_code, CertificateRow};
pub use participants::{
    EnrolReport, EnrolSource, ParticipantList, ParticipantRow, PersonActivityRow, Refusal,
};
pub use transport::{TotalBy, TransportFilter, TransportRow, TransportTotal};
pub use volunteers::{HoursRow, PlacementFile, PlacementFilter, PlacementRow};

use crate::audit::{append, Actor};
use crate::error::{Result, StoreError};
use crate::scope::{organised_allowed, push_in_area, push_visible, Entity};
use crate::sql::{like_escape, Sql};
use crate::{clock, new_id, Store};
use kopru_domain::activity::{ActivityStatus, CompletionRule, NewActivity, NewSession, Organiser};
use kopru_domain::{Action, Principal, Scope, ValidationErrors};
use serde::Serialize;
use sqlx::AnyConnection;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct ActivityRow {
    pub id: String,
    pub programme_code: String,
    pub programme_name: String,
    pub result_area: Option<String>,
    pub unit_code: Option<String>,
    pub institution_code: Option<String>,
    /// The organising unit's or institution's name.
    pub organiser_name: String,
    pub area_code: String,
    pub area_name: String,
    /// training, vocational_course, after_school, awareness_event,
    /// health_literacy, professional_training, community_meeting, field_research
    pub kind: String,
    /// The title by language tag (tr, en, sr-Cyrl, sr-Latn, rom).
    #[serde(serialize_with = "crate::columns::json_value")]
    #[schema(value_type = Object)]
    pub titles: String,
    pub venue: Option<String>,
    pub starts_on: String,
    pub ends_on: Option<String>,
    pub capacity: Option<i64>,
    pub target_group: Option<String>,
    pub budget_line: Option<String>,
    /// Hundredths of `currency`.
    pub cost_minor: Option<i64>,
    pub currency: Option<String>,
    /// planned, running, completed, cancelled
    pub status: String,
    pub cancel_reason: Option<String>,
    /// Completion: percent of sessions attended.
    pub min_share: Option<i64>,
    /// Completion: every module attended.
    #[serde(serialize_with = "crate::columns::flag")]
    #[schema(value_type = bool)]
    pub all_modules: i64,
    /// Completion: post-test pass mark.
    pub pass_mark: Option<i64>,
    pub session_count: i64,
    /// Enrolled and not withdrawn.
    pub participant_count: i64,
    pub version: i64,
    pub created_by: String,
    pub created_at: String,
    pub updated_at: String,
}

impl ActivityRow {
    pub fn title_map(&self) -> BTreeMap<String, String> {
        serde_json::from_str(&self.titles).unwrap_or_default()
    }
    /// The title in `lang` (see [`activity_title`]).
    pub fn title_in(&self, lang: &str) -> String {
        activity_title(&self.titles, lang)
    }
    pub fn status(&self) -> Option<ActivityStatus> {
        ActivityStatus::parse(&self.status).ok()
    }
    pub fn rule(&self) -> CompletionRule {
        CompletionRule {
            min_share: self.min_share,
            all_modules: self.all_modules != 0,
            pass_mark: self.pass_mark,
        }
    }
    pub fn is_cancelled(&self) -> bool {
        self.status == ActivityStatus::Cancelled.as_str()
    }
}

/// The title of `titles` (a JSON map by language) in `lang`, else in the
/// other Serbian script, else Turkish, English, or whichever the organisers gave.
pub fn activity_title(titles: &str, lang: &str) -> String {
    let titles: BTreeMap<String, String> = serde_json::from_str(titles).unwrap_or_default();
    if let Some(t) = titles.get(lang) {
        return t.clone();
    }
    match lang {
        "sr-Latn" => {
            if let Some(t) = titles.get("sr-Cyrl") {
                return kopru_domain::locale::serbian_cyrillic_to_latin(t);
            }
        }
        "sr-Cyrl" => {
            if let Some(t) = titles.get("sr-Latn") {
                return t.clone();
            }
        }
        _ => {}
    }
    ["tr", "en", "sr-Latn", "sr-Cyrl", "rom"]
        .iter()
        .find_map(|l| titles.get(*l))
        .or_else(|| titles.values().next())
        .cloned()
        .unwrap_or_default()
}

const ACTIVITY_SELECT: &str = "SELECT a.id, pr.code AS programme_code, pr.name AS programme_name, \
     a.result_area, a.unit_code, a.institution_code, \
     COALESCE(un.name, i.name, '') AS organiser_name, a.area_code, ar.name AS area_name, \
     a.kind, a.titles, a.venue, a.starts_on, a.ends_on, a.capacity, a.target_group, \
     a.budget_line, a.cost_minor, a.currency, a.status, a.cancel_reason, \
     a.min_share, a.all_modules, a.pass_mark, \
     (SELECT COUNT(*) FROM activity_sessions s WHERE s.activity_id = a.id) AS session_count, \
     (SELECT COUNT(*) FROM activity_participants ap WHERE ap.activity_id = a.id AND ap.withdrawn_on IS NULL) AS participant_count, \
     a.version, a.created_by, a.created_at, a.updated_at \
     FROM activities a JOIN programmes pr ON pr.id = a.programme_id \
     JOIN areas ar ON ar.code = a.area_code \
     LEFT JOIN units un ON un.code = a.unit_code \
     LEFT JOIN institutions i ON i.code = a.institution_code";

/// The activity `id` if it is within `grants`.
pub(crate) async fn activity_in(
    conn: &mut AnyConnection,
    grants: &[Scope],
    id: &str,
) -> Result<ActivityRow> {
    let mut q = Sql::new(&format!("{ACTIVITY_SELECT} WHERE a.id = "));
    q.bind(id.to_owned()).push(" AND ");
    push_visible(&mut q, Entity::Activity, "a", grants);
    q.fetch_optional(conn).await?.ok_or(StoreError::NotFound)
}

/// The activity for a write under `action`: visible to the caller at all
/// (else 404), within the grants of `action` (else 403), not cancelled.
pub(crate) async fn activity_for(
    conn: &mut AnyConnection,
    by: &Principal,
    action: Action,
    id: &str,
) -> Result<ActivityRow> {
    let a = activity_in(conn, &by.grants(Action::ViewActivities), id).await?;
    if activity_in(conn, &by.grants(action), id).await.is_err() {
        return Err(StoreError::Forbidden);
    }
    if a.is_cancelled() {
        return Err(ValidationErrors::single("status", "err-activity-cancelled").into());
    }
    Ok(a)
}

fn audit_activity(actor: &Actor, action: &str, a: &ActivityRow) -> crate::audit::Event {
    actor
        .event(action)
        .record("activity", &a.id)
        .area(Some(&a.area_code))
        .unit(a.unit_code.as_deref())
}

/// Bumps the activity's version if it is still at `version`.
async fn bump(conn: &mut AnyConnection, a: &ActivityRow, version: i64) -> Result<()> {
    let n = Sql::new("UPDATE activities SET version = version + 1, updated_at = ")
        .bind(clock::now())
        .push(" WHERE id = ")
        .bind(a.id.clone())
        .push(" AND version = ")
        .bind(version)
        .execute(conn)
        .await?;
    if n == 0 {
        return Err(StoreError::Conflict { current: a.version });
    }
    Ok(())
}

/// What the activities list is filtered by.
#[derive(Debug, Clone, Default)]
pub struct ActivityFilter {
    pub programme: Option<String>,
    pub result_area: Option<String>,
    pub kind: Option<String>,
    pub unit: Option<String>,
    pub institution: Option<String>,
    /// An area and everything below it.
    pub area: Option<String>,
    /// Activities that overlap `from`..=`to` (dates).
    pub from: Option<String>,
    pub to: Option<String>,
    pub status: Option<String>,
    /// Words of the title, in any of its languages.
    pub q: Option<String>,
    /// Only activities this user facilitates.
    pub facilitator: Option<String>,
    /// Only planned and running activities.
    pub open_only: bool,
    pub limit: i64,
    pub offset: i64,
}

fn given(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// A session of an activity.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct SessionRow {
    pub id: String,
    pub activity_id: String,
    pub held_on: String,
    pub starts_at: Option<String>,
    pub ends_at: Option<String>,
    pub module: Option<String>,
    pub topic: Option<String>,
    pub facilitator_id: Option<String>,
    pub facilitator_name: Option<String>,
    pub venue: Option<String>,
    /// When attendance was last saved; absent: not taken yet.
    pub attendance_at: Option<String>,
    /// Participants marked present.
    pub present: i64,
    /// People counted at the session (head counts).
    pub counted: i64,
    pub version: i64,
}

const SESSION_SELECT: &str = "SELECT s.id, s.activity_id, s.held_on, s.starts_at, s.ends_at, \
     s.module, s.topic, s.facilitator_id, fu.display_name AS facilitator_name, s.venue, \
     s.attendance_at, \
     (SELECT COUNT(*) FROM attendance t WHERE t.session_id = s.id AND t.mark = 'present') AS present, \
     COALESCE((SELECT CAST(SUM(h.count) AS BIGINT) FROM session_head_counts h WHERE h.session_id = s.id), 0) AS counted, \
     s.version \
     FROM activity_sessions s LEFT JOIN users fu ON fu.id = s.facilitator_id";

/// A facilitator of an activity.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct FacilitatorRow {
    pub user_id: String,
    pub display_name: String,
}

/// An activity with its facilitators and sessions.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ActivityFile {
    pub activity: ActivityRow,
    pub facilitators: Vec<FacilitatorRow>,
    pub sessions: Vec<SessionRow>,
}

/// Checks what a new or changed activity refers to and returns the
/// programme's id. Every problem is a field error.
async fn check_references(
    conn: &mut AnyConnection,
    by: &Principal,
    new: &NewActivity,
) -> Result<String> {
    let mut e = ValidationErrors::new();
    let programme: Option<(String, String)> =
        Sql::new("SELECT id, result_areas FROM programmes WHERE code = ")
            .bind(new.programme_code.as_str().to_owned())
            .fetch_optional(&mut *conn)
            .await?;
    match &programme {
        None => e.push("programme_code", "err-programme-unknown"),
        Some((_, areas)) => {
            let areas: Vec<String> = serde_json::from_str(areas).unwrap_or_default();
            if let Some(ra) = &new.result_area {
                if !areas.iter().any(|a| a == ra) {
                    e.push("result_area", "err-result-area-unknown");
                }
            }
        }
    }
    let area: Option<(i64,)> = Sql::new("SELECT 1 FROM areas WHERE code = ")
        .bind(new.area_code.as_str().to_owned())
        .fetch_optional(&mut *conn)
        .await?;
    if area.is_none() {
        e.push("area_code", "err-area-unknown");
    }
    let (field, table, code) = match &new.organiser {
        Organiser::Unit(c) => ("unit_code", "units", c),
        Organiser::Institution(c) => ("institution_code", "institutions", c),
    };
    let organiser: Option<(i64,)> = Sql::new(&format!("SELECT 1 FROM {table} WHERE code = "))
        .bind(code.as_str().to_owned())
        .fetch_optional(&mut *conn)
        .await?;
    if organiser.is_none() {
        e.push(
            field,
            if table == "units" {
                "err-unit-unknown"
            } else {
                "err-institution-unknown"
            },
        );
    }
    for f in &new.facilitators {
        let user: Option<(i64,)> =
            Sql::new("SELECT 1 FROM users WHERE disabled_at IS NULL AND id = ")
                .bind(f.clone())
                .fetch_optional(&mut *conn)
                .await?;
        if user.is_none() {
            e.push("facilitators", "err-user-unknown");
        }
    }
    e.into_result()?;
    // The activity where it would be, by the very predicate that filters reads.
    let (unit, institution) = match &new.organiser {
        Organiser::Unit(c) => (Some(c.as_str()), None),
        Organiser::Institution(c) => (None, Some(c.as_str())),
    };
    let allowed = organised_allowed(
        &mut *conn,
        Entity::Activity,
        &by.grants(Action::ManageActivities),
        new.area_code.as_str(),
        unit,
        institution,
    )
    .await?;
    if !allowed {
        return Err(ValidationErrors::single(field, "err-scope-denied").into());
    }
    Ok(programme.map(|(id, _)| id).unwrap_or_default())
}

fn titles_json(new: &NewActivity) -> String {
    serde_json::to_string(&new.titles).unwrap_or_else(|_| "{}".into())
}

fn search_key(new: &NewActivity) -> String {
    let all: Vec<&str> = new.titles.values().map(String::as_str).collect();
    kopru_domain::search::fold(&all.join(" "))
}

async fn set_facilitators(conn: &mut AnyConnection, id: &str, users: &[String]) -> Result<()> {
    Sql::new("DELETE FROM activity_facilitators WHERE activity_id = ")
        .bind(id.to_owned())
        .execute(&mut *conn)
        .await?;
    for u in users {
        Sql::new("INSERT INTO activity_facilitators (activity_id, user_id) VALUES (")
            .bind(id.to_owned())
            .push(", ")
            .bind(u.clone())
            .push(")")
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

impl Store {
    /// Plans an activity where the caller may manage activities.
    pub async fn create_activity(
        &self,
        actor: &Actor,
        by: &Principal,
        new: &NewActivity,
    ) -> Result<ActivityRow> {
        let mut tx = self.begin_write().await?;
        let programme_id = check_references(tx.conn(), by, new).await?;
        let id = new_id();
        let now = clock::now();
        let (unit, institution) = match &new.organiser {
            Organiser::Unit(c) => (Some(c.as_str().to_owned()), None),
            Organiser::Institution(c) => (None, Some(c.as_str().to_owned())),
        };
        Sql::new(
            "INSERT INTO activities (id, programme_id, result_area, unit_code, institution_code, \
             area_code, kind, titles, search_key, venue, starts_on, ends_on, capacity, target_group, \
             budget_line, cost_minor, currency, status, min_share, all_modules, pass_mark, version, \
             created_by, created_at, updated_at) VALUES (",
        )
        .bind(id.clone())
        .push(", ")
        .bind(programme_id)
        .push(", ")
        .bind(new.result_area.clone())
        .push(", ")
        .bind(unit)
        .push(", ")
        .bind(institution)
        .push(", ")
        .bind(new.area_code.as_str().to_owned())
        .push(", ")
        .bind(new.kind.as_str().to_owned())
        .push(", ")
        .bind(titles_json(new))
        .push(", ")
        .bind(search_key(new))
        .push(", ")
        .bind(new.venue.clone())
        .push(", ")
        .bind(new.starts_on.clone())
        .push(", ")
        .bind(new.ends_on.clone())
        .push(", ")
        .bind(new.capacity)
        .push(", ")
        .bind(new.target_group.clone())
        .push(", ")
        .bind(new.budget_line.clone())
        .push(", ")
        .bind(new.cost)
        .push(", ")
        .bind(new.currency.clone())
        .push(", ")
        .bind(ActivityStatus::Planned.as_str().to_owned())
        .push(", ")
        .bind(new.rule.min_share)
        .push(", ")
        .bind(i64::from(new.rule.all_modules))
        .push(", ")
        .bind(new.rule.pass_mark)
        .push(", 1, ")
        .bind(actor.username.clone())
        .push(", ")
        .bind(now.clone())
        .push(", ")
        .bind(now)
        .push(")")
        .execute(tx.conn())
        .await?;
        set_facilitators(tx.conn(), &id, &new.facilitators).await?;
        let row = activity_in(tx.conn(), &by.grants(Action::ManageActivities), &id).await?;
        append(tx.conn(), &audit_activity(actor, "activity.create", &row)).await?;
        tx.commit().await?;
        Ok(row)
    }

    /// Changes an activity if nobody changed it since `version`; the new place
    /// and organiser must be within the caller's grants too.
    pub async fn update_activity(
        &self,
        actor: &Actor,
        by: &Principal,
        id: &str,
        version: i64,
        new: &NewActivity,
    ) -> Result<ActivityRow> {
        let mut tx = self.begin_write().await?;
        let a = activity_for(tx.conn(), by, Action::ManageActivities, id).await?;
        let programme_id = check_references(tx.conn(), by, new).await?;
        bump(tx.conn(), &a, version).await?;
        let (unit, institution) = match &new.organiser {
            Organiser::Unit(c) => (Some(c.as_str().to_owned()), None),
            Organiser::Institution(c) => (None, Some(c.as_str().to_owned())),
        };
        Sql::new("UPDATE activities SET programme_id = ")
            .bind(programme_id)
            .push(", result_area = ")
            .bind(new.result_area.clone())
            .push(", unit_code = ")
            .bind(unit)
            .push(", institution_code = ")
            .bind(institution)
            .push(", area_code = ")
            .bind(new.area_code.as_str().to_owned())
            .push(", kind = ")
            .bind(new.kind.as_str().to_owned())
            .push(", titles = ")
            .bind(titles_json(new))
            .push(", search_key = ")
            .bind(search_key(new))
            .push(", venue = ")
            .bind(new.venue.clone())
            .push(", starts_on = ")
            .bind(new.starts_on.clone())
            .push(", ends_on = ")
            .bind(new.ends_on.clone())
            .push(", capacity = ")
            .bind(new.capacity)
            .push(", target_group = ")
            .bind(new.target_group.clone())
            .push(", budget_line = ")
            .bind(new.budget_line.clone())
            .push(", cost_minor = ")
            .bind(new.cost)
            .push(", currency = ")
            .bind(new.currency.clone())
            .push(", min_share = ")
            .bind(new.rule.min_share)
            .push(", all_modules = ")
            .bind(i64::from(new.rule.all_modules))
            .push(", pass_mark = ")
            .bind(new.rule.pass_mark)
            .push(" WHERE id = ")
            .bind(id.to_owned())
            .execute(tx.conn())
            .await?;
        set_facilitators(tx.conn(), id, &new.facilitators).await?;
        let row = activity_in(tx.conn(), &by.grants(Action::ManageActivities), id).await?;
        append(tx.conn(), &audit_activity(actor, "activity.update", &row)).await?;
        tx.commit().await?;
        Ok(row)
    }

    /// Moves an activity along planned → running → completed, or cancels it
    /// (with a reason).
    pub async fn change_activity_status(
        &self,
        actor: &Actor,
        by: &Principal,
        id: &str,
        version: i64,
        to: ActivityStatus,
        reason: Option<&str>,
    ) -> Result<ActivityRow> {
        let mut tx = self.begin_write().await?;
        let a = activity_for(tx.conn(), by, Action::ManageActivities, id).await?;
        let from = a.status().unwrap_or(ActivityStatus::Planned);
        if !from.may_become(to) {
            return Err(ValidationErrors::single("status", "err-transition").into());
        }
        let reason = reason.map(str::trim).filter(|r| !r.is_empty());
        if to == ActivityStatus::Cancelled && reason.is_none() {
            return Err(ValidationErrors::single("reason", "err-required").into());
        }
        bump(tx.conn(), &a, version).await?;
        Sql::new("UPDATE activities SET status = ")
            .bind(to.as_str().to_owned())
            .push(", cancel_reason = ")
            .bind(reason.map(str::to_owned))
            .push(" WHERE id = ")
            .bind(id.to_owned())
            .execute(tx.conn())
            .await?;
        let row = activity_in(tx.conn(), &by.grants(Action::ViewActivities), id).await?;
        append(
            tx.conn(),
            &audit_activity(actor, "activity.status", &row)
                .details(serde_json::json!({"from": from.as_str(), "to": to.as_str()})),
        )
        .await?;
        tx.commit().await?;
        Ok(row)
    }

    /// Activities within `by`'s grants, the latest first.
    pub async fn activities(&self, by: &Principal, f: &ActivityFilter) -> Result<Vec<ActivityRow>> {
        let mut q = Sql::new(&format!("{ACTIVITY_SELECT} WHERE "));
        push_visible(
            &mut q,
            Entity::Activity,
            "a",
            &by.grants(Action::ViewActivities),
        );
        if let Some(p) = given(&f.programme) {
            q.push(" AND pr.code = ").bind(p.to_ascii_uppercase());
        }
        if let Some(r) = given(&f.result_area) {
            q.push(" AND a.result_area = ").bind(r.to_owned());
        }
        if let Some(k) = given(&f.kind) {
            q.push(" AND a.kind = ").bind(k.to_owned());
        }
        if let Some(u) = given(&f.unit) {
            q.push(" AND a.unit_code = ").bind(u.to_ascii_uppercase());
        }
        if let Some(i) = given(&f.institution) {
            q.push(" AND a.institution_code = ")
                .bind(i.to_ascii_uppercase());
        }
        if let Some(area) = given(&f.area) {
            q.push(" AND ");
            push_in_area(&mut q, "a.area_code", area);
        }
        if let Some(from) = given(&f.from) {
            q.push(" AND COALESCE(a.ends_on, a.starts_on) >= ")
                .bind(from.to_owned());
        }
        if let Some(to) = given(&f.to) {
            q.push(" AND a.starts_on <= ").bind(to.to_owned());
        }
        if let Some(s) = given(&f.status) {
            q.push(" AND a.status = ").bind(s.to_owned());
        }
        if f.open_only {
            q.push(" AND a.status IN ('planned', 'running')");
        }
        if let Some(u) = given(&f.facilitator) {
            q.push(" AND EXISTS (SELECT 1 FROM activity_facilitators af WHERE af.activity_id = a.id AND af.user_id = ")
                .bind(u.to_owned())
                .push(")");
        }
        if let Some(text) = given(&f.q) {
            for word in kopru_domain::search::fold(text).split_whitespace().take(6) {
                q.push(" AND a.search_key LIKE ")
                    .bind(format!("%{}%", like_escape(word)))
                    .push(" ESCAPE '\\'");
            }
        }
        q.push(" ORDER BY a.starts_on DESC, a.id DESC")
            .page(f.limit, f.offset);
        Ok(q.fetch_all(self.pool()).await?)
    }

    /// The activity alone, as `by` may see it (no audit: for headers and checks).
    pub async fn activity(&self, by: &Principal, id: &str) -> Result<ActivityRow> {
        let mut conn = self.acquire().await?;
        activity_in(&mut conn, &by.grants(Action::ViewActivities), id).await
    }

    /// An activity with its facilitators and sessions.
    pub async fn activity_file(&self, by: &Principal, id: &str) -> Result<ActivityFile> {
        let mut conn = self.acquire().await?;
        let activity = activity_in(&mut conn, &by.grants(Action::ViewActivities), id).await?;
        let facilitators: Vec<FacilitatorRow> = Sql::new(
            "SELECT u.id AS user_id, u.display_name FROM activity_facilitators af \
             JOIN users u ON u.id = af.user_id WHERE af.activity_id = ",
        )
        .bind(id.to_owned())
        .push(" ORDER BY u.display_name")
        .fetch_all(&mut *conn)
        .await?;
        let sessions = sessions_of(&mut conn, id).await?;
        Ok(ActivityFile {
            activity,
            facilitators,
            sessions,
        })
    }

    /// Adds a session to an activity that is not finished.
    pub async fn add_session(
        &self,
        actor: &Actor,
        by: &Principal,
        activity_id: &str,
        new: &NewSession,
    ) -> Result<SessionRow> {
        let mut tx = self.begin_write().await?;
        let a = activity_for(tx.conn(), by, Action::ManageActivities, activity_id).await?;
        if a.status().is_some_and(ActivityStatus::is_final) {
            return Err(ValidationErrors::single("status", "err-activity-finished").into());
        }
        if new.held_on < a.starts_on || a.ends_on.as_ref().is_some_and(|e| new.held_on > *e) {
            return Err(ValidationErrors::single("held_on", "err-session-outside-activity").into());
        }
        if let Some(f) = &new.facilitator_id {
            let user: Option<(i64,)> =
                Sql::new("SELECT 1 FROM users WHERE disabled_at IS NULL AND id = ")
                    .bind(f.clone())
                    .fetch_optional(tx.conn())
                    .await?;
            if user.is_none() {
                return Err(ValidationErrors::single("facilitator_id", "err-user-unknown").into());
            }
        }
        let id = new_id();
        Sql::new(
            "INSERT INTO activity_sessions (id, activity_id, held_on, starts_at, ends_at, module, \
             topic, facilitator_id, venue, version, created_at) VALUES (",
        )
        .bind(id.clone())
        .push(", ")
        .bind(activity_id.to_owned())
        .push(", ")
        .bind(new.held_on.clone())
        .push(", ")
        .bind(new.starts_at.clone())
        .push(", ")
        .bind(new.ends_at.clone())
        .push(", ")
        .bind(new.module.clone())
        .push(", ")
        .bind(new.topic.clone())
        .push(", ")
        .bind(new.facilitator_id.clone())
        .push(", ")
        .bind(new.venue.clone())
        .push(", 1, ")
        .bind(clock::now())
        .push(")")
        .execute(tx.conn())
        .await?;
        append(
            tx.conn(),
            &audit_activity(actor, "activity.session.add", &a)
                .details(serde_json::json!({"session": id, "held_on": new.held_on})),
        )
        .await?;
        let row = session_in(tx.conn(), activity_id, &id).await?;
        tx.commit().await?;
        Ok(row)
    }

    /// The sessions of an activity the caller may see, in date order.
    pub async fn sessions(&self, by: &Principal, activity_id: &str) -> Result<Vec<SessionRow>> {
        let mut conn = self.acquire().await?;
        activity_in(&mut conn, &by.grants(Action::ViewActivities), activity_id).await?;
        sessions_of(&mut conn, activity_id).await
    }

    /// One session of an activity the caller may see.
    pub async fn session(
        &self,
        by: &Principal,
        activity_id: &str,
        session_id: &str,
    ) -> Result<(ActivityRow, SessionRow)> {
        let mut conn = self.acquire().await?;
        let a = activity_in(&mut conn, &by.grants(Action::ViewActivities), activity_id).await?;
        let s = session_in(&mut conn, activity_id, session_id).await?;
        Ok((a, s))
    }
}

async fn sessions_of(conn: &mut AnyConnection, activity_id: &str) -> Result<Vec<SessionRow>> {
    Ok(
        Sql::new(&format!("{SESSION_SELECT} WHERE s.activity_id = "))
            .bind(activity_id.to_owned())
            .push(" ORDER BY s.held_on, s.starts_at, s.id")
            .fetch_all(conn)
            .await?,
    )
}

pub(crate) async fn session_in(
    conn: &mut AnyConnection,
    activity_id: &str,
    session_id: &str,
) -> Result<SessionRow> {
    Sql::new(&format!("{SESSION_SELECT} WHERE s.activity_id = "))
        .bind(activity_id.to_owned())
        .push(" AND s.id = ")
        .bind(session_id.to_owned())
        .fetch_optional(conn)
        .await?
        .ok_or(StoreError::NotFound)
}
