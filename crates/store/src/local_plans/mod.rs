//! ROMACTED's local work (issue 20 §5): community action groups and
//! institutional working groups of a municipality, their needs
//! assessment, and the joint local action plan with measures and progress.
//! A group is an activity (`activities`): its participants are its members,
//! its sessions and attendance its meetings; minutes are kept here. Every
//! row carries its `municipality` and is read through `Entity::LocalPlan`:
//! within the municipality's area for area grants, the unit's area for unit
//! grants. Those who manage activities there write.

use crate::audit::{append, Actor};
use crate::error::{Result, StoreError};
use crate::records::update_versioned;
use crate::scope::{placed_at, push_visible, visible_row, Entity};
use crate::sql::Sql;
use crate::{clock, new_id, Store};
use kopru_domain::local_plan::{GroupKind, LocalPlan, Measure, MeasureProgress, Need};
use kopru_domain::{Action, Principal, ValidationErrors};
use serde::Serialize;
use sqlx::AnyConnection;

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct GroupRow {
    pub id: String,
    pub activity_id: String,
    /// community_action_group, institutional_working_group
    pub kind: String,
    pub municipality: String,
    pub municipality_name: String,
    /// The activity's titles by language.
    #[serde(serialize_with = "crate::columns::json_value")]
    #[schema(value_type = Object)]
    pub titles: String,
    pub members: i64,
    pub meetings: i64,
    pub needs: i64,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct GroupMemberRow {
    /// person or professional
    pub kind: String,
    pub person_id: Option<String>,
    pub name: String,
    pub sex: Option<String>,
    /// Their role in the group (a professional's position).
    pub position: Option<String>,
    pub institution_code: Option<String>,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct GroupMeetingRow {
    pub session_id: String,
    pub held_on: String,
    pub topic: Option<String>,
    /// Members marked present.
    pub present: i64,
    pub minutes: Option<String>,
    /// The minutes' version (0: none written yet).
    pub minutes_version: i64,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct NeedRow {
    pub id: String,
    pub group_id: String,
    pub sector: String,
    pub problem: String,
    pub votes: i64,
    pub raised_on: String,
    pub version: i64,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct GroupFile {
    pub group: GroupRow,
    pub members: Vec<GroupMemberRow>,
    pub meetings: Vec<GroupMeetingRow>,
    /// By sector, the most voted first.
    pub needs: Vec<NeedRow>,
    pub can_edit: bool,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct LocalPlanRow {
    pub id: String,
    pub municipality: String,
    pub municipality_name: String,
    pub title: String,
    pub starts_year: i64,
    pub ends_year: i64,
    /// The municipal council's adoption into the budget.
    pub adopted_on: Option<String>,
    pub decision_number: Option<String>,
    pub measures: i64,
    /// Hundredths, all measures.
    pub budget_minor: Option<i64>,
    pub version: i64,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct MeasureRow {
    pub id: String,
    pub number: String,
    pub body: String,
    pub need_id: Option<String>,
    pub need_problem: Option<String>,
    pub responsible: String,
    pub starts: String,
    pub ends: String,
    pub budget_minor: Option<i64>,
    /// municipal_budget, external_funds, small_grant
    pub funding: Option<String>,
    pub budget_line: Option<String>,
    /// As its last progress report says.
    pub status: String,
    pub spent_minor: Option<i64>,
    pub version: i64,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct MeasureProgressRow {
    pub measure_id: String,
    pub reported_on: String,
    pub status: String,
    pub note: String,
    pub spending_minor: Option<i64>,
    pub written_by: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct LocalPlanFile {
    pub plan: LocalPlanRow,
    pub measures: Vec<MeasureRow>,
    /// Every measure's progress, the latest first.
    pub progress: Vec<MeasureProgressRow>,
    /// The municipality's needs the measures can answer, by sector and votes.
    pub needs: Vec<NeedRow>,
    pub can_edit: bool,
}

const GROUP_SELECT: &str = "SELECT g.id, g.activity_id, g.kind, g.municipality, ar.name AS municipality_name, a.titles, \
     (SELECT COUNT(*) FROM activity_participants p WHERE p.activity_id = g.activity_id AND p.withdrawn_on IS NULL) AS members, \
     (SELECT COUNT(*) FROM activity_sessions s WHERE s.activity_id = g.activity_id) AS meetings, \
     (SELECT COUNT(*) FROM community_needs n WHERE n.group_id = g.id) AS needs \
     FROM local_groups g JOIN activities a ON a.id = g.activity_id JOIN areas ar ON ar.code = g.municipality";

const PLAN_SELECT: &str = "SELECT p.id, p.municipality, ar.name AS municipality_name, p.title, p.starts_year, p.ends_year, \
     p.adopted_on, p.decision_number, \
     (SELECT COUNT(*) FROM local_measures m WHERE m.plan_id = p.id) AS measures, \
     (SELECT CAST(SUM(m.budget_minor) AS BIGINT) FROM local_measures m WHERE m.plan_id = p.id) AS budget_minor, p.version \
     FROM local_action_plans p JOIN areas ar ON ar.code = p.municipality";

const MEASURE_SELECT: &str = "SELECT m.id, m.number, m.body, m.need_id, n.problem AS need_problem, m.responsible, m.starts, m.ends, \
     m.budget_minor, m.funding, m.budget_line, m.status, m.spent_minor, m.version \
     FROM local_measures m LEFT JOIN community_needs n ON n.id = m.need_id";

const NEED_SELECT: &str =
    "SELECT n.id, n.group_id, n.sector, n.problem, n.votes, n.raised_on, n.version FROM community_needs n";

/// Whether `by` manages activities where `municipality` is.
async fn may_write(conn: &mut AnyConnection, by: &Principal, municipality: &str) -> Result<bool> {
    let grants = by.grants(Action::ManageActivities);
    placed_at(
        conn,
        Entity::LocalPlan,
        &grants,
        "municipality",
        municipality,
    )
    .await
}

async fn group_for(conn: &mut AnyConnection, by: &Principal, id: &str) -> Result<GroupRow> {
    let grants = by.grants(Action::ViewActivities);
    visible_row(conn, GROUP_SELECT, "g", id, Entity::LocalPlan, &grants).await
}

async fn plan_for(conn: &mut AnyConnection, by: &Principal, id: &str) -> Result<LocalPlanRow> {
    let grants = by.grants(Action::ViewActivities);
    visible_row(conn, PLAN_SELECT, "p", id, Entity::LocalPlan, &grants).await
}

/// A row the caller may change: found where it sees, and in its write scope.
async fn writable(conn: &mut AnyConnection, by: &Principal, municipality: &str) -> Result<()> {
    if may_write(conn, by, municipality).await? {
        Ok(())
    } else {
        Err(StoreError::Forbidden)
    }
}

async fn needs_of(conn: &mut AnyConnection, column: &str, value: &str) -> Result<Vec<NeedRow>> {
    Ok(Sql::new(&format!("{NEED_SELECT} WHERE n.{column} = "))
        .bind(value.to_owned())
        .push(" ORDER BY n.sector, n.votes DESC, n.raised_on")
        .fetch_all(conn)
        .await?)
}

impl Store {
    /// The groups the caller may see.
    pub async fn local_groups(&self, by: &Principal) -> Result<Vec<GroupRow>> {
        let mut q = Sql::new(&format!("{GROUP_SELECT} WHERE "));
        push_visible(
            &mut q,
            Entity::LocalPlan,
            "g",
            &by.grants(Action::ViewActivities),
        );
        q.push(" ORDER BY g.municipality, g.kind LIMIT 500");
        Ok(q.fetch_all(self.pool()).await?)
    }

    /// Makes a community meeting (an activity the caller sees) a group of its municipality.
    pub async fn create_local_group(
        &self,
        actor: &Actor,
        by: &Principal,
        activity_id: &str,
        kind: GroupKind,
    ) -> Result<GroupRow> {
        let activity = self.activity(by, activity_id).await?;
        if activity.kind != kopru_domain::activity::ActivityKind::CommunityMeeting.as_str() {
            return Err(ValidationErrors::single("activity_id", "err-group-activity").into());
        }
        let mut tx = self.begin_write().await?;
        writable(tx.conn(), by, &activity.area_code).await?;
        let id = new_id();
        Sql::insert(
            "local_groups",
            &[
                ("id", id.clone().into()),
                ("activity_id", activity.id.clone().into()),
                ("kind", kind.as_str().into()),
                ("municipality", activity.area_code.clone().into()),
                ("created_by", actor.username.clone().into()),
                ("created_at", clock::now().into()),
            ],
        )
        .execute(tx.conn())
        .await
        .map_err(|e| StoreError::unique_to_field(e, "activity_id"))?;
        append(
            tx.conn(),
            &actor
                .event("local_group.create")
                .record("local_group", &id)
                .details(serde_json::json!({ "activity": activity.id, "kind": kind.as_str() })),
        )
        .await?;
        let row = group_for(tx.conn(), by, &id).await?;
        tx.commit().await?;
        Ok(row)
    }

    /// A group with its members, meetings (with minutes) and needs.
    pub async fn local_group(&self, by: &Principal, id: &str) -> Result<GroupFile> {
        let mut conn = self.acquire().await?;
        let group = group_for(&mut conn, by, id).await?;
        let members = Sql::new(
            "SELECT p.kind, p.person_id, COALESCE(pe.given_names || ' ' || pe.family_name, p.professional_name, '') AS name, \
             COALESCE(pe.sex, p.sex) AS sex, p.position, p.institution_code \
             FROM activity_participants p LEFT JOIN persons pe ON pe.id = p.person_id \
             WHERE p.withdrawn_on IS NULL AND p.activity_id = ",
        )
        .bind(group.activity_id.clone())
        .push(" ORDER BY p.kind DESC, name LIMIT 500")
        .fetch_all(&mut *conn)
        .await?;
        let meetings = Sql::new(
            "SELECT s.id AS session_id, s.held_on, s.topic, \
             (SELECT COUNT(*) FROM attendance t WHERE t.session_id = s.id AND t.mark = 'present') AS present, \
             m.body AS minutes, COALESCE(m.version, 0) AS minutes_version \
             FROM activity_sessions s LEFT JOIN group_minutes m ON m.session_id = s.id WHERE s.activity_id = ",
        )
        .bind(group.activity_id.clone())
        .push(" ORDER BY s.held_on DESC, s.starts_at LIMIT 500")
        .fetch_all(&mut *conn)
        .await?;
        let needs = needs_of(&mut conn, "group_id", &group.id).await?;
        let can_edit = may_write(&mut conn, by, &group.municipality).await?;
        Ok(GroupFile {
            group,
            members,
            meetings,
            needs,
            can_edit,
        })
    }

    /// Writes (or rewrites) the minutes of one of the group's meetings.
    pub async fn save_minutes(
        &self,
        actor: &Actor,
        by: &Principal,
        group_id: &str,
        session_id: &str,
        body: &str,
        version: i64,
    ) -> Result<()> {
        let body = kopru_domain::casework::long_text(body, 20_000)
            .and_then(|t| t.ok_or("err-required"))
            .map_err(|c| ValidationErrors::single("minutes", c))?;
        let mut tx = self.begin_write().await?;
        let g = group_for(tx.conn(), by, group_id).await?;
        writable(tx.conn(), by, &g.municipality).await?;
        let found: Option<(i32,)> = Sql::new("SELECT 1 FROM activity_sessions WHERE id = ")
            .bind(session_id.to_owned())
            .push(" AND activity_id = ")
            .bind(g.activity_id.clone())
            .fetch_optional(tx.conn())
            .await?;
        if found.is_none() {
            return Err(StoreError::NotFound);
        }
        let current: Option<(i64,)> =
            Sql::new("SELECT version FROM group_minutes WHERE session_id = ")
                .bind(session_id.to_owned())
                .fetch_optional(tx.conn())
                .await?;
        let now = clock::now();
        match current {
            Some((cur,)) => {
                let n = Sql::new("UPDATE group_minutes SET body = ")
                    .bind(body)
                    .push(", written_by = ")
                    .bind(actor.username.clone())
                    .push(", written_at = ")
                    .bind(now)
                    .push(", version = version + 1 WHERE session_id = ")
                    .bind(session_id.to_owned())
                    .push(" AND version = ")
                    .bind(version)
                    .execute(tx.conn())
                    .await?;
                if n == 0 {
                    return Err(StoreError::Conflict { current: cur });
                }
            }
            None if version != 0 => return Err(StoreError::Conflict { current: 0 }),
            None => {
                Sql::insert(
                    "group_minutes",
                    &[
                        ("session_id", session_id.to_owned().into()),
                        ("group_id", g.id.clone().into()),
                        ("municipality", g.municipality.clone().into()),
                        ("body", body.into()),
                        ("version", 1i64.into()),
                        ("written_by", actor.username.clone().into()),
                        ("written_at", now.into()),
                    ],
                )
                .execute(tx.conn())
                .await?;
            }
        }
        append(
            tx.conn(),
            &actor
                .event("local_group.minutes")
                .record("local_group", &g.id)
                .details(serde_json::json!({ "session": session_id })),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Adds a problem the group raised.
    pub async fn add_need(
        &self,
        actor: &Actor,
        by: &Principal,
        group_id: &str,
        n: &Need,
    ) -> Result<NeedRow> {
        let mut tx = self.begin_write().await?;
        let g = group_for(tx.conn(), by, group_id).await?;
        writable(tx.conn(), by, &g.municipality).await?;
        let id = new_id();
        Sql::insert(
            "community_needs",
            &[
                ("id", id.clone().into()),
                ("group_id", g.id.clone().into()),
                ("municipality", g.municipality.clone().into()),
                ("sector", n.sector.into()),
                ("problem", n.problem.clone().into()),
                ("votes", n.votes.into()),
                ("raised_on", n.raised_on.clone().into()),
                ("version", 1i64.into()),
                ("created_at", clock::now().into()),
            ],
        )
        .execute(tx.conn())
        .await?;
        append(
            tx.conn(),
            &actor
                .event("local_group.need")
                .record("local_group", &g.id)
                .details(serde_json::json!({ "sector": n.sector })),
        )
        .await?;
        let row = Sql::new(&format!("{NEED_SELECT} WHERE n.id = "))
            .bind(id)
            .fetch_one(tx.conn())
            .await?;
        tx.commit().await?;
        Ok(row)
    }

    /// Records the group's vote count on a need.
    pub async fn set_need_votes(
        &self,
        actor: &Actor,
        by: &Principal,
        need_id: &str,
        votes: i64,
        version: i64,
    ) -> Result<NeedRow> {
        let mut tx = self.begin_write().await?;
        let mut q = Sql::new(&format!("{NEED_SELECT} WHERE n.id = "));
        q.bind(need_id.to_owned()).push(" AND ");
        push_visible(
            &mut q,
            Entity::LocalPlan,
            "n",
            &by.grants(Action::ViewActivities),
        );
        let cur: NeedRow = q
            .fetch_optional(tx.conn())
            .await?
            .ok_or(StoreError::NotFound)?;
        let (municipality,): (String,) =
            Sql::new("SELECT municipality FROM community_needs WHERE id = ")
                .bind(cur.id.clone())
                .fetch_one(tx.conn())
                .await?;
        writable(tx.conn(), by, &municipality).await?;
        update_versioned(
            tx.conn(),
            "community_needs",
            &[("votes", votes.into())],
            &cur.id,
            version,
            cur.version,
        )
        .await?;
        append(
            tx.conn(),
            &actor
                .event("local_group.votes")
                .record("local_group", &cur.group_id)
                .details(serde_json::json!({ "need": cur.id, "votes": votes })),
        )
        .await?;
        let row = Sql::new(&format!("{NEED_SELECT} WHERE n.id = "))
            .bind(cur.id)
            .fetch_one(tx.conn())
            .await?;
        tx.commit().await?;
        Ok(row)
    }

    /// The joint local action plans the caller may see.
    pub async fn local_action_plans(&self, by: &Principal) -> Result<Vec<LocalPlanRow>> {
        let mut q = Sql::new(&format!("{PLAN_SELECT} WHERE "));
        push_visible(
            &mut q,
            Entity::LocalPlan,
            "p",
            &by.grants(Action::ViewActivities),
        );
        q.push(" ORDER BY p.municipality, p.starts_year DESC LIMIT 500");
        Ok(q.fetch_all(self.pool()).await?)
    }

    /// A new joint action plan of a municipality where the caller manages activities.
    pub async fn create_local_plan(
        &self,
        actor: &Actor,
        by: &Principal,
        p: &LocalPlan,
    ) -> Result<LocalPlanRow> {
        let mut tx = self.begin_write().await?;
        let known: Option<(i32,)> = Sql::new("SELECT 1 FROM areas WHERE code = ")
            .bind(p.municipality.clone())
            .fetch_optional(tx.conn())
            .await?;
        if known.is_none() {
            return Err(ValidationErrors::single("municipality", "err-area-unknown").into());
        }
        writable(tx.conn(), by, &p.municipality).await?;
        let id = new_id();
        let now = clock::now();
        let (adopted_on, decision) = p.adoption.clone().unzip();
        Sql::insert(
            "local_action_plans",
            &[
                ("id", id.clone().into()),
                ("municipality", p.municipality.clone().into()),
                ("title", p.title.clone().into()),
                ("starts_year", p.starts_year.into()),
                ("ends_year", p.ends_year.into()),
                ("adopted_on", adopted_on.into()),
                ("decision_number", decision.into()),
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
            &actor
                .event("local_plan.create")
                .record("local_plan", &id)
                .details(serde_json::json!({ "municipality": p.municipality })),
        )
        .await?;
        let row = plan_for(tx.conn(), by, &id).await?;
        tx.commit().await?;
        Ok(row)
    }

    /// Changes a plan's title, years or adoption (`version` as read); its
    /// municipality stays.
    pub async fn update_local_plan(
        &self,
        actor: &Actor,
        by: &Principal,
        id: &str,
        version: i64,
        p: &LocalPlan,
    ) -> Result<LocalPlanRow> {
        let mut tx = self.begin_write().await?;
        let cur = plan_for(tx.conn(), by, id).await?;
        writable(tx.conn(), by, &cur.municipality).await?;
        if p.municipality != cur.municipality {
            return Err(ValidationErrors::single("municipality", "err-municipality-fixed").into());
        }
        let (adopted_on, decision) = p.adoption.clone().unzip();
        update_versioned(
            tx.conn(),
            "local_action_plans",
            &[
                ("title", p.title.clone().into()),
                ("starts_year", p.starts_year.into()),
                ("ends_year", p.ends_year.into()),
                ("adopted_on", adopted_on.clone().into()),
                ("decision_number", decision.into()),
                ("updated_at", clock::now().into()),
            ],
            &cur.id,
            version,
            cur.version,
        )
        .await?;
        append(
            tx.conn(),
            &actor
                .event("local_plan.update")
                .record("local_plan", &cur.id)
                .details(serde_json::json!({ "adopted_on": adopted_on })),
        )
        .await?;
        let row = plan_for(tx.conn(), by, &cur.id).await?;
        tx.commit().await?;
        Ok(row)
    }

    /// A plan with its measures, their progress and the municipality's needs.
    pub async fn local_plan(&self, by: &Principal, id: &str) -> Result<LocalPlanFile> {
        let mut conn = self.acquire().await?;
        let plan = plan_for(&mut conn, by, id).await?;
        let measures: Vec<MeasureRow> = Sql::new(&format!("{MEASURE_SELECT} WHERE m.plan_id = "))
            .bind(plan.id.clone())
            .push(" ORDER BY m.sort_key")
            .fetch_all(&mut *conn)
            .await?;
        let progress = Sql::new(
            "SELECT g.measure_id, g.reported_on, g.status, g.note, g.spending_minor, g.written_by \
             FROM local_measure_progress g JOIN local_measures m ON m.id = g.measure_id WHERE m.plan_id = ",
        )
        .bind(plan.id.clone())
        .push(" ORDER BY g.reported_on DESC, g.written_at DESC LIMIT 2000")
        .fetch_all(&mut *conn)
        .await?;
        let needs = needs_of(&mut conn, "municipality", &plan.municipality).await?;
        let can_edit = may_write(&mut conn, by, &plan.municipality).await?;
        Ok(LocalPlanFile {
            plan,
            measures,
            progress,
            needs,
            can_edit,
        })
    }

    /// Adds a measure to a plan; the need it answers is one of the municipality's.
    pub async fn add_measure(
        &self,
        actor: &Actor,
        by: &Principal,
        plan_id: &str,
        m: &Measure,
    ) -> Result<MeasureRow> {
        let mut tx = self.begin_write().await?;
        let plan = plan_for(tx.conn(), by, plan_id).await?;
        writable(tx.conn(), by, &plan.municipality).await?;
        if let Some(need) = &m.need_id {
            let found: Option<(i32,)> = Sql::new("SELECT 1 FROM community_needs WHERE id = ")
                .bind(need.clone())
                .push(" AND municipality = ")
                .bind(plan.municipality.clone())
                .fetch_optional(tx.conn())
                .await?;
            if found.is_none() {
                return Err(ValidationErrors::single("need_id", "err-choice").into());
            }
        }
        let id = new_id();
        let now = clock::now();
        Sql::insert(
            "local_measures",
            &[
                ("id", id.clone().into()),
                ("plan_id", plan.id.clone().into()),
                ("municipality", plan.municipality.clone().into()),
                ("number", m.number.clone().into()),
                (
                    "sort_key",
                    kopru_domain::strategy::number_sort_key(&m.number).into(),
                ),
                ("body", m.text.clone().into()),
                ("need_id", m.need_id.clone().into()),
                ("responsible", m.responsible.clone().into()),
                ("starts", m.starts.clone().into()),
                ("ends", m.ends.clone().into()),
                ("budget_minor", m.budget_minor.into()),
                ("funding", m.funding.map(|f| f.as_str().to_owned()).into()),
                ("budget_line", m.budget_line.clone().into()),
                ("status", "not_started".into()),
                ("version", 1i64.into()),
                ("created_at", now.clone().into()),
                ("updated_at", now.into()),
            ],
        )
        .execute(tx.conn())
        .await
        .map_err(|e| StoreError::unique_to_field(e, "number"))?;
        append(
            tx.conn(),
            &actor
                .event("local_plan.measure")
                .record("local_plan", &plan.id)
                .details(serde_json::json!({ "number": m.number })),
        )
        .await?;
        let row = measure_row(tx.conn(), &id).await?;
        tx.commit().await?;
        Ok(row)
    }

    /// Reports progress on a measure: its status follows, spending adds up.
    pub async fn report_measure(
        &self,
        actor: &Actor,
        by: &Principal,
        plan_id: &str,
        measure_id: &str,
        version: i64,
        g: &MeasureProgress,
    ) -> Result<MeasureRow> {
        let mut tx = self.begin_write().await?;
        let plan = plan_for(tx.conn(), by, plan_id).await?;
        writable(tx.conn(), by, &plan.municipality).await?;
        let cur: MeasureRow = measure_row(tx.conn(), measure_id).await?;
        let (of_plan,): (String,) = Sql::new("SELECT plan_id FROM local_measures WHERE id = ")
            .bind(cur.id.clone())
            .fetch_one(tx.conn())
            .await?;
        if of_plan != plan.id {
            return Err(StoreError::NotFound);
        }
        let spent = match (cur.spent_minor, g.spending_minor) {
            (Some(a), Some(b)) => Some(a.saturating_add(b)),
            (a, b) => a.or(b),
        };
        update_versioned(
            tx.conn(),
            "local_measures",
            &[
                ("status", g.status.as_str().into()),
                ("spent_minor", spent.into()),
                ("updated_at", clock::now().into()),
            ],
            &cur.id,
            version,
            cur.version,
        )
        .await?;
        Sql::insert(
            "local_measure_progress",
            &[
                ("id", new_id().into()),
                ("measure_id", cur.id.clone().into()),
                ("reported_on", g.reported_on.clone().into()),
                ("status", g.status.as_str().into()),
                ("note", g.note.clone().into()),
                ("spending_minor", g.spending_minor.into()),
                ("written_by", actor.username.clone().into()),
                ("written_at", clock::now().into()),
            ],
        )
        .execute(tx.conn())
        .await?;
        append(
            tx.conn(),
            &actor
                .event("local_plan.progress")
                .record("local_plan", &plan.id)
                .details(serde_json::json!({ "measure": cur.number, "status": g.status.as_str() })),
        )
        .await?;
        let row = measure_row(tx.conn(), &cur.id).await?;
        tx.commit().await?;
        Ok(row)
    }
}

async fn measure_row(conn: &mut AnyConnection, id: &str) -> Result<MeasureRow> {
    Sql::new(&format!("{MEASURE_SELECT} WHERE m.id = "))
        .bind(id.to_owned())
        .fetch_optional(conn)
        .await?
        .ok_or(StoreError::NotFound)
}
