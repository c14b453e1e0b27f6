//! Monitoring visits (issue 20 §4): a visit to a province planned with its
//! days and team; its agenda of meetings with institutions of the
//! directory (directorates, muhtarlıks, NGOs); findings linked to a policy
//! area or a plan's action; recommendations with a responsible institution
//! and a due date, followed up by their owners until closed. Reads go
//! through `Entity::MonitoringVisit` / `Entity::Recommendation`: monitors
//! by the visit's province, an institution the visits that met it or
//! addressed it a recommendation, and its own recommendations.

use crate::audit::{append, Actor};
use crate::error::{Result, StoreError};
use crate::records::update_versioned;
use crate::scope::{placed_at, push_visible, visible_row, Entity};
use crate::sql::Sql;
use crate::{clock, new_id, Store};
use kopru_domain::strategy::{Finding, Meeting, Recommendation, RecommendationStatus, Visit};
use kopru_domain::{Action, Principal, Scope, ValidationErrors};
use serde::Serialize;
use sqlx::AnyConnection;

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct VisitRow {
    pub id: String,
    pub country: String,
    /// The province's area code, and its name.
    pub province: String,
    pub province_name: String,
    pub title: String,
    pub starts_on: String,
    pub ends_on: String,
    /// The team's members.
    #[serde(serialize_with = "crate::columns::json_value")]
    #[schema(value_type = Vec<String>)]
    pub team: String,
    pub purpose: Option<String>,
    pub meetings: i64,
    /// Recommendations not yet implemented or dropped.
    pub open_recommendations: i64,
    pub version: i64,
    pub created_by: String,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct MeetingRow {
    pub id: String,
    pub held_on: String,
    pub institution_code: String,
    pub institution_name: String,
    /// The institution's kind: ministry, neighbourhood_head, ngo, …
    pub institution_kind: String,
    pub participants: Option<String>,
    pub notes: Option<String>,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct FindingRow {
    pub id: String,
    pub meeting_id: Option<String>,
    pub body: String,
    pub policy_area: Option<String>,
    pub action_id: Option<String>,
    pub action_number: Option<String>,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct RecommendationRow {
    pub id: String,
    pub visit_id: String,
    pub visit_title: String,
    pub province: String,
    pub finding_id: Option<String>,
    pub body: String,
    pub responsible_code: String,
    pub responsible_name: String,
    pub due_on: String,
    /// open, in_progress, implemented, dropped
    pub status: String,
    pub closed_on: Option<String>,
    /// 1 when still open past its due date.
    pub overdue: i64,
    pub version: i64,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct RecommendationFollowUpRow {
    pub status: String,
    pub note: String,
    pub written_by: String,
    pub written_at: String,
}

/// A visit with its agenda, findings and recommendations.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct VisitFile {
    pub visit: VisitRow,
    pub meetings: Vec<MeetingRow>,
    pub findings: Vec<FindingRow>,
    pub recommendations: Vec<RecommendationRow>,
    /// Whether the caller may change the visit and add to it.
    pub can_edit: bool,
}

/// A recommendation, its follow-ups (the latest first), and whether the
/// caller may add one (its owner's focal point, or who plans visits there).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RecommendationFile {
    pub recommendation: RecommendationRow,
    pub follow_ups: Vec<RecommendationFollowUpRow>,
    pub can_follow_up: bool,
}

/// Which recommendations a list shows.
#[derive(Debug, Clone, Default)]
pub struct RecommendationFilter {
    /// open (open or in progress, the default), closed, or all
    pub state: Option<String>,
    pub responsible: Option<String>,
    pub visit_id: Option<String>,
    /// Only those past their due date and still open.
    pub overdue: bool,
}

const VISIT_SELECT: &str = "SELECT v.id, v.country, v.province, ar.name AS province_name, v.title, v.starts_on, v.ends_on, \
     v.team, v.purpose, \
     (SELECT COUNT(*) FROM visit_meetings m WHERE m.visit_id = v.id) AS meetings, \
     (SELECT COUNT(*) FROM recommendations r WHERE r.visit_id = v.id AND r.status IN ('open', 'in_progress')) AS open_recommendations, \
     v.version, v.created_by \
     FROM monitoring_visits v JOIN areas ar ON ar.code = v.province";

fn recommendation_query() -> Sql {
    let mut q = Sql::new(
        "SELECT r.id, r.visit_id, v.title AS visit_title, r.province, r.finding_id, r.body, r.responsible_code, \
         i.name AS responsible_name, r.due_on, r.status, r.closed_on, \
         CASE WHEN r.status IN ('open', 'in_progress') AND r.due_on < ",
    );
    q.bind(clock::today()).push(
        " THEN 1 ELSE 0 END AS overdue, r.version \
         FROM recommendations r JOIN monitoring_visits v ON v.id = r.visit_id \
         JOIN institutions i ON i.code = r.responsible_code",
    );
    q
}

/// Whether `by` plans visits in `province` (an M&E officer of its country).
async fn manages(conn: &mut AnyConnection, by: &Principal, province: &str) -> Result<bool> {
    let grants: Vec<Scope> = by
        .grants(Action::ManageStrategy)
        .into_iter()
        .filter(|g| !matches!(g, Scope::Institution(_) | Scope::Unit(_)))
        .collect();
    placed_at(conn, Entity::Recommendation, &grants, "province", province).await
}

async fn visit_for(conn: &mut AnyConnection, by: &Principal, id: &str) -> Result<VisitRow> {
    let grants = by.grants(Action::ViewStrategy);
    visible_row(
        conn,
        VISIT_SELECT,
        "v",
        id,
        Entity::MonitoringVisit,
        &grants,
    )
    .await
}

/// A visit the caller may change (else forbidden, or not found when unseen).
async fn editable(conn: &mut AnyConnection, by: &Principal, id: &str) -> Result<VisitRow> {
    let v = visit_for(conn, by, id).await?;
    if !manages(conn, by, &v.province).await? {
        return Err(StoreError::Forbidden);
    }
    Ok(v)
}

async fn institution_exists(conn: &mut AnyConnection, code: &str) -> Result<bool> {
    let found: Option<(i32,)> = Sql::new("SELECT 1 FROM institutions WHERE code = ")
        .bind(code.to_owned())
        .fetch_optional(conn)
        .await?;
    Ok(found.is_some())
}

/// The province's country, when `code` is a province.
async fn province_country(conn: &mut AnyConnection, code: &str) -> Result<Option<String>> {
    let found: Option<(Option<String>,)> =
        Sql::new("SELECT parent_code FROM areas WHERE kind = 'province' AND code = ")
            .bind(code.to_owned())
            .fetch_optional(conn)
            .await?;
    Ok(found.and_then(|(p,)| p))
}

fn team_json(v: &Visit) -> String {
    serde_json::to_string(&v.team).unwrap_or_else(|_| "[]".into())
}

impl Store {
    /// The visits the caller may see, the latest first.
    pub async fn monitoring_visits(&self, by: &Principal) -> Result<Vec<VisitRow>> {
        if !by.may(Action::ViewStrategy) {
            return Err(StoreError::Forbidden);
        }
        let mut q = Sql::new(&format!("{VISIT_SELECT} WHERE "));
        push_visible(
            &mut q,
            Entity::MonitoringVisit,
            "v",
            &by.grants(Action::ViewStrategy),
        );
        q.push(" ORDER BY v.starts_on DESC, v.title LIMIT 500");
        Ok(q.fetch_all(self.pool()).await?)
    }

    /// One visit with its agenda, findings and recommendations (an
    /// institution sees the recommendations addressed to it).
    pub async fn monitoring_visit(&self, by: &Principal, id: &str) -> Result<VisitFile> {
        let mut conn = self.acquire().await?;
        let visit = visit_for(&mut conn, by, id).await?;
        let meetings = Sql::new(
            "SELECT m.id, m.held_on, m.institution_code, i.name AS institution_name, i.kind AS institution_kind, \
             m.participants, m.notes FROM visit_meetings m JOIN institutions i ON i.code = m.institution_code \
             WHERE m.visit_id = ",
        )
        .bind(visit.id.clone())
        .push(" ORDER BY m.held_on, m.created_at")
        .fetch_all(&mut *conn)
        .await?;
        let findings = Sql::new(
            "SELECT f.id, f.meeting_id, f.body, f.policy_area, f.action_id, a.number AS action_number \
             FROM visit_findings f LEFT JOIN plan_actions a ON a.id = f.action_id WHERE f.visit_id = ",
        )
        .bind(visit.id.clone())
        .push(" ORDER BY f.created_at")
        .fetch_all(&mut *conn)
        .await?;
        let mut q = recommendation_query();
        q.push(" WHERE r.visit_id = ")
            .bind(visit.id.clone())
            .push(" AND ");
        push_visible(
            &mut q,
            Entity::Recommendation,
            "r",
            &by.grants(Action::ViewStrategy),
        );
        q.push(" ORDER BY r.due_on, r.created_at");
        let recommendations = q.fetch_all(&mut *conn).await?;
        let can_edit = manages(&mut conn, by, &visit.province).await?;
        Ok(VisitFile {
            visit,
            meetings,
            findings,
            recommendations,
            can_edit,
        })
    }

    /// Plans a visit to a province of the caller's country.
    pub async fn create_visit(&self, actor: &Actor, by: &Principal, v: &Visit) -> Result<VisitRow> {
        let mut tx = self.begin_write().await?;
        let Some(country) = province_country(tx.conn(), &v.province).await? else {
            return Err(ValidationErrors::single("province", "err-province").into());
        };
        if !manages(tx.conn(), by, &v.province).await? {
            return Err(StoreError::Forbidden);
        }
        let id = new_id();
        let now = clock::now();
        Sql::insert(
            "monitoring_visits",
            &[
                ("id", id.clone().into()),
                ("country", country.into()),
                ("province", v.province.clone().into()),
                ("title", v.title.clone().into()),
                ("starts_on", v.starts_on.clone().into()),
                ("ends_on", v.ends_on.clone().into()),
                ("team", team_json(v).into()),
                ("purpose", v.purpose.clone().into()),
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
                .event("monitoring_visit.create")
                .record("monitoring_visit", &id)
                .details(serde_json::json!({ "province": v.province, "starts_on": v.starts_on })),
        )
        .await?;
        let row = visit_for(tx.conn(), by, &id).await?;
        tx.commit().await?;
        Ok(row)
    }

    /// Changes a visit's plan (`version` as read). Its meetings must still
    /// fall within its days.
    pub async fn update_visit(
        &self,
        actor: &Actor,
        by: &Principal,
        id: &str,
        version: i64,
        v: &Visit,
    ) -> Result<VisitRow> {
        let mut tx = self.begin_write().await?;
        let cur = editable(tx.conn(), by, id).await?;
        let Some(country) = province_country(tx.conn(), &v.province).await? else {
            return Err(ValidationErrors::single("province", "err-province").into());
        };
        if !manages(tx.conn(), by, &v.province).await? {
            return Err(StoreError::Forbidden);
        }
        let (outside,): (i64,) = Sql::new("SELECT COUNT(*) FROM visit_meetings WHERE visit_id = ")
            .bind(cur.id.clone())
            .push(" AND (held_on < ")
            .bind(v.starts_on.clone())
            .push(" OR held_on > ")
            .bind(v.ends_on.clone())
            .push(")")
            .fetch_one(tx.conn())
            .await?;
        if outside > 0 {
            return Err(ValidationErrors::single("starts_on", "err-meeting-outside-visit").into());
        }
        update_versioned(
            tx.conn(),
            "monitoring_visits",
            &[
                ("country", country.into()),
                ("province", v.province.clone().into()),
                ("title", v.title.clone().into()),
                ("starts_on", v.starts_on.clone().into()),
                ("ends_on", v.ends_on.clone().into()),
                ("team", team_json(v).into()),
                ("purpose", v.purpose.clone().into()),
                ("updated_at", clock::now().into()),
            ],
            &cur.id,
            version,
            cur.version,
        )
        .await?;
        Sql::new("UPDATE recommendations SET province = ")
            .bind(v.province.clone())
            .push(" WHERE visit_id = ")
            .bind(cur.id.clone())
            .execute(tx.conn())
            .await?;
        append(
            tx.conn(),
            &actor
                .event("monitoring_visit.update")
                .record("monitoring_visit", &cur.id),
        )
        .await?;
        let row = visit_for(tx.conn(), by, &cur.id).await?;
        tx.commit().await?;
        Ok(row)
    }

    /// Adds a meeting to a visit's agenda.
    pub async fn add_meeting(
        &self,
        actor: &Actor,
        by: &Principal,
        visit_id: &str,
        m: &kopru_domain::strategy::MeetingDraft,
    ) -> Result<MeetingRow> {
        let mut tx = self.begin_write().await?;
        let v = editable(tx.conn(), by, visit_id).await?;
        let m: Meeting = m.validate((&v.starts_on, &v.ends_on))?;
        if !institution_exists(tx.conn(), &m.institution).await? {
            return Err(ValidationErrors::single("institution", "err-institution-unknown").into());
        }
        let id = new_id();
        Sql::insert(
            "visit_meetings",
            &[
                ("id", id.clone().into()),
                ("visit_id", v.id.clone().into()),
                ("held_on", m.held_on.clone().into()),
                ("institution_code", m.institution.clone().into()),
                ("participants", m.participants.clone().into()),
                ("notes", m.notes.clone().into()),
                ("created_at", clock::now().into()),
            ],
        )
        .execute(tx.conn())
        .await?;
        append(
            tx.conn(),
            &actor
                .event("monitoring_visit.meeting")
                .record("monitoring_visit", &v.id)
                .details(serde_json::json!({ "institution": m.institution, "held_on": m.held_on })),
        )
        .await?;
        let row = Sql::new(
            "SELECT m.id, m.held_on, m.institution_code, i.name AS institution_name, i.kind AS institution_kind, \
             m.participants, m.notes FROM visit_meetings m JOIN institutions i ON i.code = m.institution_code \
             WHERE m.id = ",
        )
        .bind(id)
        .fetch_one(tx.conn())
        .await?;
        tx.commit().await?;
        Ok(row)
    }

    /// Records a finding of a visit; one linked to an action takes the
    /// action's policy area.
    pub async fn add_finding(
        &self,
        actor: &Actor,
        by: &Principal,
        visit_id: &str,
        f: &Finding,
    ) -> Result<String> {
        let mut tx = self.begin_write().await?;
        let v = editable(tx.conn(), by, visit_id).await?;
        let mut e = ValidationErrors::new();
        if let Some(m) = &f.meeting_id {
            let found: Option<(i32,)> = Sql::new("SELECT 1 FROM visit_meetings WHERE id = ")
                .bind(m.clone())
                .push(" AND visit_id = ")
                .bind(v.id.clone())
                .fetch_optional(tx.conn())
                .await?;
            if found.is_none() {
                e.push("meeting_id", "err-choice");
            }
        }
        let mut area = f.policy_area.map(str::to_owned);
        if let Some(a) = &f.action_id {
            match super::action_for(tx.conn(), by, Action::ViewStrategy, a).await {
                Ok(action) => area = Some(action.policy_area),
                Err(StoreError::NotFound) => e.push("action_id", "err-choice"),
                Err(other) => return Err(other),
            }
        }
        e.into_result()?;
        let id = new_id();
        Sql::insert(
            "visit_findings",
            &[
                ("id", id.clone().into()),
                ("visit_id", v.id.clone().into()),
                ("meeting_id", f.meeting_id.clone().into()),
                ("body", f.text.clone().into()),
                ("policy_area", area.into()),
                ("action_id", f.action_id.clone().into()),
                ("created_at", clock::now().into()),
            ],
        )
        .execute(tx.conn())
        .await?;
        append(
            tx.conn(),
            &actor
                .event("monitoring_visit.finding")
                .record("monitoring_visit", &v.id),
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Addresses a recommendation of a visit to an institution.
    pub async fn add_recommendation(
        &self,
        actor: &Actor,
        by: &Principal,
        visit_id: &str,
        r: &Recommendation,
    ) -> Result<RecommendationRow> {
        let mut tx = self.begin_write().await?;
        let v = editable(tx.conn(), by, visit_id).await?;
        let mut e = ValidationErrors::new();
        if !institution_exists(tx.conn(), &r.responsible).await? {
            e.push("responsible", "err-institution-unknown");
        }
        if r.due_on < v.starts_on {
            e.push("due_on", "err-due-before-visit");
        }
        if let Some(f) = &r.finding_id {
            let found: Option<(i32,)> = Sql::new("SELECT 1 FROM visit_findings WHERE id = ")
                .bind(f.clone())
                .push(" AND visit_id = ")
                .bind(v.id.clone())
                .fetch_optional(tx.conn())
                .await?;
            if found.is_none() {
                e.push("finding_id", "err-choice");
            }
        }
        e.into_result()?;
        let id = new_id();
        let now = clock::now();
        Sql::insert(
            "recommendations",
            &[
                ("id", id.clone().into()),
                ("visit_id", v.id.clone().into()),
                ("finding_id", r.finding_id.clone().into()),
                ("province", v.province.clone().into()),
                ("body", r.text.clone().into()),
                ("responsible_code", r.responsible.clone().into()),
                ("due_on", r.due_on.clone().into()),
                ("status", RecommendationStatus::Open.as_str().into()),
                ("version", 1i64.into()),
                ("created_at", now.clone().into()),
                ("updated_at", now.into()),
            ],
        )
        .execute(tx.conn())
        .await?;
        append(
            tx.conn(),
            &actor
                .event("recommendation.create")
                .record("recommendation", &id)
                .details(serde_json::json!({ "visit": v.id, "responsible": r.responsible })),
        )
        .await?;
        let row = recommendation_for(tx.conn(), by, &id).await?;
        tx.commit().await?;
        Ok(row)
    }

    /// Recommendations across visits, the earliest due first.
    pub async fn recommendations(
        &self,
        by: &Principal,
        f: &RecommendationFilter,
    ) -> Result<Vec<RecommendationRow>> {
        if !by.may(Action::ViewStrategy) {
            return Err(StoreError::Forbidden);
        }
        let mut q = recommendation_query();
        q.push(" WHERE ");
        push_visible(
            &mut q,
            Entity::Recommendation,
            "r",
            &by.grants(Action::ViewStrategy),
        );
        match f.state.as_deref() {
            Some("all") => {}
            Some("closed") => {
                q.push(" AND r.status IN ('implemented', 'dropped')");
            }
            _ => {
                q.push(" AND r.status IN ('open', 'in_progress')");
            }
        }
        if let Some(r) = &f.responsible {
            q.push(" AND r.responsible_code = ").bind(r.clone());
        }
        if let Some(v) = &f.visit_id {
            q.push(" AND r.visit_id = ").bind(v.clone());
        }
        if f.overdue {
            q.push(" AND r.status IN ('open', 'in_progress') AND r.due_on < ")
                .bind(clock::today());
        }
        q.push(" ORDER BY r.due_on, r.created_at LIMIT 1000");
        Ok(q.fetch_all(self.pool()).await?)
    }

    /// Open recommendations addressed to the caller's institution (focal points).
    pub async fn recommendations_due(&self, by: &Principal) -> Result<Vec<RecommendationRow>> {
        let codes = super::reports::reporting_institutions(by);
        if codes.is_empty() {
            return Ok(Vec::new());
        }
        let mut q = recommendation_query();
        q.push(" WHERE r.status IN ('open', 'in_progress') AND r.responsible_code IN (")
            .bind_list(codes)
            .push(") ORDER BY r.due_on LIMIT 200");
        Ok(q.fetch_all(self.pool()).await?)
    }

    /// One recommendation and its follow-ups, the latest first.
    pub async fn recommendation(&self, by: &Principal, id: &str) -> Result<RecommendationFile> {
        let mut conn = self.acquire().await?;
        let row = recommendation_for(&mut conn, by, id).await?;
        let can_follow_up = super::reports::reports_for(by, &row.responsible_code)
            || manages(&mut conn, by, &row.province).await?;
        let follow_ups = Sql::new(
            "SELECT status, note, written_by, written_at FROM recommendation_follow_ups WHERE recommendation_id = ",
        )
        .bind(row.id.clone())
        .push(" ORDER BY written_at DESC")
        .fetch_all(&mut *conn)
        .await?;
        Ok(RecommendationFile {
            recommendation: row,
            follow_ups,
            can_follow_up,
        })
    }

    /// A follow-up by the recommendation's owner (its institution's focal
    /// point) or by those who plan visits there: where it stands and what
    /// was done. Implemented or dropped closes it (dated today); a later
    /// follow-up may reopen it.
    pub async fn follow_up_recommendation(
        &self,
        actor: &Actor,
        by: &Principal,
        id: &str,
        version: i64,
        status: RecommendationStatus,
        note: &str,
    ) -> Result<RecommendationRow> {
        let mut tx = self.begin_write().await?;
        let cur = recommendation_for(tx.conn(), by, id).await?;
        if !super::reports::reports_for(by, &cur.responsible_code)
            && !manages(tx.conn(), by, &cur.province).await?
        {
            return Err(StoreError::Forbidden);
        }
        let now = clock::now();
        let closed_on = status.is_closed().then(clock::today);
        update_versioned(
            tx.conn(),
            "recommendations",
            &[
                ("status", status.as_str().into()),
                ("closed_on", closed_on.into()),
                ("updated_at", now.clone().into()),
            ],
            &cur.id,
            version,
            cur.version,
        )
        .await?;
        Sql::insert(
            "recommendation_follow_ups",
            &[
                ("id", new_id().into()),
                ("recommendation_id", cur.id.clone().into()),
                ("status", status.as_str().into()),
                ("note", note.to_owned().into()),
                ("written_by", actor.username.clone().into()),
                ("written_at", now.into()),
            ],
        )
        .execute(tx.conn())
        .await?;
        append(
            tx.conn(),
            &actor
                .event("recommendation.follow_up")
                .record("recommendation", &cur.id)
                .details(serde_json::json!({ "status": status.as_str() })),
        )
        .await?;
        let row = recommendation_for(tx.conn(), by, &cur.id).await?;
        tx.commit().await?;
        Ok(row)
    }
}

async fn recommendation_for(
    conn: &mut AnyConnection,
    by: &Principal,
    id: &str,
) -> Result<RecommendationRow> {
    let mut q = recommendation_query();
    q.push(" WHERE r.id = ").bind(id.to_owned()).push(" AND ");
    push_visible(
        &mut q,
        Entity::Recommendation,
        "r",
        &by.grants(Action::ViewStrategy),
    );
    q.fetch_optional(conn).await?.ok_or(StoreError::NotFound)
}
