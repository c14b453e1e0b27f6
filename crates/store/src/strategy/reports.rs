//! Reporting cycles and progress reports. Opening a cycle gives each action
//! in force a report for its responsible institution to fill; the focal
//! point saves, then submits; the M&E officer approves (the report is then
//! locked and the action takes its status) or returns it with a comment per
//! field. A correction of an approved report is a new report with a reason;
//! when it is approved the earlier one is superseded. Every step is
//! versioned: a review never overwrites an edit it did not see.

use super::{action_for, indicators_of, PlanActionRow, PlanIndicatorRow};
use crate::audit::{append, Actor};
use crate::error::{Result, StoreError};
use crate::records::update_versioned;
use crate::scope::{push_visible, Entity};
use crate::sql::{Sql, Val};
use crate::{clock, new_id, Store};
use kopru_domain::strategy::{Report, ReportStatus};
use kopru_domain::{Action, Principal, Scope, ValidationErrors};
use serde::Serialize;
use sqlx::AnyConnection;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct CycleRow {
    pub id: String,
    pub plan_id: String,
    pub title: String,
    pub opens_on: String,
    pub due_on: String,
    /// open, closed
    pub status: String,
    pub reports: i64,
    pub approved: i64,
    pub submitted: i64,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct ProgressReportRow {
    pub id: String,
    pub cycle_id: String,
    pub cycle_title: String,
    pub due_on: String,
    pub action_id: String,
    pub action_number: String,
    #[serde(serialize_with = "crate::columns::json_value")]
    #[schema(value_type = Object)]
    pub action_texts: String,
    pub responsible_code: String,
    pub responsible_name: String,
    pub plan_revision: i64,
    /// draft, submitted, returned, approved, superseded
    pub status: String,
    /// Not yet submitted (or returned and not resubmitted) after the due date.
    #[serde(serialize_with = "crate::columns::flag")]
    #[schema(value_type = bool)]
    pub late: i64,
    pub action_status: Option<String>,
    pub done_text: Option<String>,
    pub spending_minor: Option<i64>,
    pub obstacles: Option<String>,
    /// The last return's comments, by field.
    #[serde(serialize_with = "crate::columns::json_value")]
    #[schema(value_type = Object)]
    pub review_comments: String,
    /// The approved report this one corrects, and why.
    pub corrects: Option<String>,
    pub correction_reason: Option<String>,
    pub submitted_by: Option<String>,
    pub submitted_at: Option<String>,
    pub reviewed_by: Option<String>,
    pub reviewed_at: Option<String>,
    pub version: i64,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct ReportValueRow {
    pub indicator_id: String,
    pub indicator_code: String,
    /// female, male or "" (total)
    pub sex: String,
    /// A province's code or "".
    pub province: String,
    pub value: String,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct EvidenceRow {
    pub id: String,
    pub report_id: String,
    pub file_name: String,
    pub media_type: String,
    pub size_bytes: i64,
    pub uploaded_by: String,
    pub uploaded_at: String,
}

const EVIDENCE_SELECT: &str = "SELECT id, report_id, file_name, media_type, size_bytes, uploaded_by, uploaded_at FROM report_evidence";

/// At most this many files per report.
pub const MAX_EVIDENCE: i64 = 20;

/// A report with what it is about.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ReportFile {
    pub report: ProgressReportRow,
    pub action: PlanActionRow,
    /// The action's indicators whose values the institution reports.
    pub indicators: Vec<PlanIndicatorRow>,
    pub values: Vec<ReportValueRow>,
    /// Files attached as evidence (sealed; read through the report).
    pub evidence: Vec<EvidenceRow>,
    /// May the caller fill and submit it (its institution's, not locked)?
    pub can_edit: bool,
    /// May the caller approve or return it (submitted, reviewer)?
    pub can_review: bool,
}

const REPORT_SELECT: &str = "SELECT r.id, r.cycle_id, c.title AS cycle_title, c.due_on, r.action_id, a.number AS action_number, \
     a.texts AS action_texts, r.responsible_code, i.name AS responsible_name, r.plan_revision, r.status, \
     CASE WHEN r.status IN ('draft', 'returned') AND c.due_on < ";

const REPORT_FROM: &str = " THEN 1 ELSE 0 END AS late, r.action_status, r.done_text, r.spending_minor, r.obstacles, \
     COALESCE(r.review_comments, '{}') AS review_comments, r.corrects, r.correction_reason, r.submitted_by, r.submitted_at, \
     r.reviewed_by, r.reviewed_at, r.version \
     FROM progress_reports r JOIN reporting_cycles c ON c.id = r.cycle_id \
     JOIN plan_actions a ON a.id = r.action_id JOIN institutions i ON i.code = r.responsible_code";

fn report_query() -> Sql {
    let mut q = Sql::new(REPORT_SELECT);
    q.bind(clock::today()).push(REPORT_FROM);
    q
}

/// Which reports a list shows.
#[derive(Debug, Clone, Default)]
pub struct ReportFilter {
    pub cycle_id: Option<String>,
    pub action_id: Option<String>,
    pub status: Option<String>,
    pub responsible: Option<String>,
    pub late: bool,
}

/// The cycles of a plan, with counts.
const CYCLE_SELECT: &str = "SELECT c.id, c.plan_id, c.title, c.opens_on, c.due_on, c.status, \
     (SELECT COUNT(*) FROM progress_reports r WHERE r.cycle_id = c.id AND r.corrects IS NULL) AS reports, \
     (SELECT COUNT(*) FROM progress_reports r WHERE r.cycle_id = c.id AND r.status = 'approved') AS approved, \
     (SELECT COUNT(*) FROM progress_reports r WHERE r.cycle_id = c.id AND r.status = 'submitted') AS submitted \
     FROM reporting_cycles c";

async fn report_for(
    conn: &mut AnyConnection,
    by: &Principal,
    action: Action,
    id: &str,
) -> Result<ProgressReportRow> {
    let mut q = report_query();
    q.push(" WHERE r.id = ").bind(id.to_owned()).push(" AND ");
    push_visible(&mut q, Entity::ProgressReport, "r", &by.grants(action));
    q.fetch_optional(conn).await?.ok_or(StoreError::NotFound)
}

/// Ends a report's write: the audit entry (the action and the cycle named),
/// the report as it now stands, the commit.
async fn finish(
    mut tx: crate::WriteTx,
    actor: &Actor,
    by: &Principal,
    event: &str,
    cur: &ProgressReportRow,
    id: &str,
) -> Result<ProgressReportRow> {
    append(
        tx.conn(),
        &actor
            .event(event)
            .record("progress_report", id)
            .details(serde_json::json!({ "action": cur.action_number, "cycle": cur.cycle_title })),
    )
    .await?;
    let row = report_for(tx.conn(), by, Action::ViewStrategy, id).await?;
    tx.commit().await?;
    Ok(row)
}

/// The institutions `by` reports for (as their focal point).
pub(crate) fn reporting_institutions(by: &Principal) -> Vec<String> {
    by.grants(Action::ReportProgress)
        .iter()
        .filter_map(|g| match g {
            Scope::Institution(c) => Some(c.as_str().to_owned()),
            _ => None,
        })
        .collect()
}

/// Whether `by` reports for the institution `code` (its own focal point).
pub(crate) fn reports_for(by: &Principal, code: &str) -> bool {
    reporting_institutions(by).iter().any(|c| c == code)
}

fn manages_country(by: &Principal, action: Action, country: &str) -> bool {
    by.grants(action).iter().any(|g| match g {
        Scope::Installation => true,
        Scope::Country(c) => c.as_str() == country,
        _ => false,
    })
}

/// How a reviewer decides.
#[derive(Debug, Clone)]
pub enum Decision {
    Approve,
    /// Back to the institution with a comment on each field that needs work.
    Return(BTreeMap<String, String>),
}

impl Store {
    /// Opens a reporting cycle of a plan: a draft report for each action in
    /// force (not taken out, not cancelled or completed) for its
    /// responsible institution.
    pub async fn open_cycle(
        &self,
        actor: &Actor,
        by: &Principal,
        plan_id: &str,
        title: &str,
        opens_on: &str,
        due_on: &str,
    ) -> Result<CycleRow> {
        let plan = self.action_plan(by, plan_id).await?;
        if !manages_country(by, Action::ManageStrategy, &plan.country) {
            return Err(StoreError::Forbidden);
        }
        let mut e = ValidationErrors::new();
        let title = e.take(
            "title",
            kopru_domain::codes::Label::parse(title).map(|l| l.to_string()),
        );
        let opens = e.take(
            "opens_on",
            kopru_domain::codes::optional_date(opens_on).and_then(|d| d.ok_or("err-required")),
        );
        let due = e.take(
            "due_on",
            kopru_domain::codes::optional_date(due_on).and_then(|d| d.ok_or("err-required")),
        );
        if let (Some(o), Some(d)) = (&opens, &due) {
            if d < o {
                e.push("due_on", "err-ends-before-start");
            }
        }
        e.into_result()?;
        let (title, opens, due) = (
            title.unwrap_or_default(),
            opens.unwrap_or_default(),
            due.unwrap_or_default(),
        );
        let mut tx = self.begin_write().await?;
        let id = new_id();
        let now = clock::now();
        Sql::insert(
            "reporting_cycles",
            &[
                ("id", id.clone().into()),
                ("plan_id", plan.id.clone().into()),
                ("title", title.clone().into()),
                ("opens_on", opens.into()),
                ("due_on", due.into()),
                ("status", "open".into()),
                ("opened_by", actor.username.clone().into()),
                ("opened_at", now.clone().into()),
            ],
        )
        .execute(tx.conn())
        .await
        .map_err(|e| StoreError::unique_to_field(e, "title"))?;
        let actions: Vec<(String, String, String)> = Sql::new(
            "SELECT id, responsible_code, country FROM plan_actions WHERE removed_in IS NULL \
             AND status NOT IN ('cancelled', 'completed') AND plan_id = ",
        )
        .bind(plan.id.clone())
        .push(" ORDER BY sort_key")
        .fetch_all(tx.conn())
        .await?;
        for (action_id, responsible, country) in &actions {
            Sql::insert(
                "progress_reports",
                &[
                    ("id", new_id().into()),
                    ("cycle_id", id.clone().into()),
                    ("action_id", action_id.clone().into()),
                    ("responsible_code", responsible.clone().into()),
                    ("country", country.clone().into()),
                    ("plan_revision", plan.revision.into()),
                    ("status", ReportStatus::Draft.as_str().into()),
                    ("version", 1i64.into()),
                    ("updated_at", now.clone().into()),
                ],
            )
            .execute(tx.conn())
            .await?;
        }
        append(
            tx.conn(),
            &actor
                .event("cycle.open")
                .record("reporting_cycle", &id)
                .details(serde_json::json!({ "plan": plan.code, "title": title, "reports": actions.len() })),
        )
        .await?;
        tx.commit().await?;
        self.cycle(by, &id).await
    }

    /// Closes a cycle: nothing more is submitted in it.
    pub async fn close_cycle(&self, actor: &Actor, by: &Principal, id: &str) -> Result<CycleRow> {
        let c = self.cycle(by, id).await?;
        let plan = self.action_plan(by, &c.plan_id).await?;
        if !manages_country(by, Action::ManageStrategy, &plan.country) {
            return Err(StoreError::Forbidden);
        }
        let mut tx = self.begin_write().await?;
        Sql::new("UPDATE reporting_cycles SET status = 'closed' WHERE id = ")
            .bind(id.to_owned())
            .execute(tx.conn())
            .await?;
        append(
            tx.conn(),
            &actor.event("cycle.close").record("reporting_cycle", id),
        )
        .await?;
        tx.commit().await?;
        self.cycle(by, id).await
    }

    pub async fn cycles(&self, by: &Principal, plan_id: &str) -> Result<Vec<CycleRow>> {
        let plan = self.action_plan(by, plan_id).await?;
        Ok(Sql::new(&format!("{CYCLE_SELECT} WHERE c.plan_id = "))
            .bind(plan.id)
            .push(" ORDER BY c.opens_on DESC, c.title")
            .fetch_all(self.pool())
            .await?)
    }

    pub async fn cycle(&self, by: &Principal, id: &str) -> Result<CycleRow> {
        if !by.may(Action::ViewStrategy) {
            return Err(StoreError::Forbidden);
        }
        Sql::new(&format!("{CYCLE_SELECT} WHERE c.id = "))
            .bind(id.to_owned())
            .fetch_optional(self.pool())
            .await?
            .ok_or(StoreError::NotFound)
    }

    /// Reports the caller may see, late first, then by cycle and number.
    pub async fn progress_reports(
        &self,
        by: &Principal,
        f: &ReportFilter,
    ) -> Result<Vec<ProgressReportRow>> {
        let mut q = report_query();
        q.push(" WHERE ");
        push_visible(
            &mut q,
            Entity::ProgressReport,
            "r",
            &by.grants(Action::ViewStrategy),
        );
        if let Some(c) = &f.cycle_id {
            q.push(" AND r.cycle_id = ").bind(c.clone());
        }
        if let Some(a) = &f.action_id {
            q.push(" AND r.action_id = ").bind(a.clone());
        }
        if let Some(s) = &f.status {
            q.push(" AND r.status = ").bind(s.clone());
        }
        if let Some(i) = &f.responsible {
            q.push(" AND r.responsible_code = ").bind(i.clone());
        }
        if f.late {
            q.push(" AND r.status IN ('draft', 'returned') AND c.due_on < ")
                .bind(clock::today());
        }
        q.push(" ORDER BY c.due_on DESC, a.sort_key, r.id LIMIT 5000");
        Ok(q.fetch_all(self.pool()).await?)
    }

    /// The reports the caller's institution has to fill or rework: drafts
    /// and returned reports of open cycles, the earliest due first.
    pub async fn reports_due(&self, by: &Principal) -> Result<Vec<ProgressReportRow>> {
        let codes = reporting_institutions(by);
        if codes.is_empty() {
            return Ok(Vec::new());
        }
        let mut q = report_query();
        q.push(" WHERE c.status = 'open' AND r.status IN ('draft', 'returned') AND r.responsible_code IN (")
            .bind_list(codes)
            .push(") ORDER BY c.due_on, a.sort_key LIMIT 200");
        Ok(q.fetch_all(self.pool()).await?)
    }

    /// A report with its action, the indicators it reports and its values.
    pub async fn progress_report(&self, by: &Principal, id: &str) -> Result<ReportFile> {
        let mut conn = self.acquire().await?;
        let report = report_for(&mut conn, by, Action::ViewStrategy, id).await?;
        let action = action_for(&mut conn, by, Action::ViewStrategy, &report.action_id).await?;
        let indicators: Vec<PlanIndicatorRow> =
            indicators_of(&mut conn, std::slice::from_ref(&action.id))
                .await?
                .into_iter()
                .filter(|i| i.mode == "reported")
                .collect();
        let values: Vec<ReportValueRow> = Sql::new(
            "SELECT v.indicator_id, i.code AS indicator_code, v.sex, v.province, v.value FROM report_values v \
             JOIN plan_indicators i ON i.id = v.indicator_id WHERE v.report_id = ",
        )
        .bind(report.id.clone())
        .push(" ORDER BY i.code, v.province, v.sex")
        .fetch_all(&mut *conn)
        .await?;
        let open_cycle: Option<(String,)> =
            Sql::new("SELECT status FROM reporting_cycles WHERE id = ")
                .bind(report.cycle_id.clone())
                .fetch_optional(&mut *conn)
                .await?;
        let cycle_open = open_cycle.is_some_and(|(s,)| s == "open");
        let can_edit = cycle_open
            && reports_for(by, &report.responsible_code)
            && matches!(report.status.as_str(), "draft" | "returned");
        let can_review = report.status == "submitted"
            && manages_country(
                by,
                Action::ReviewProgress,
                &action_country(&mut conn, &action.id).await?,
            );
        let evidence: Vec<EvidenceRow> = Sql::new(&format!("{EVIDENCE_SELECT} WHERE report_id = "))
            .bind(report.id.clone())
            .push(" ORDER BY uploaded_at, id")
            .fetch_all(&mut *conn)
            .await?;
        Ok(ReportFile {
            report,
            action,
            indicators,
            values,
            evidence,
            can_edit,
            can_review,
        })
    }

    /// Saves a report (`submit`: and sends it for review) if nobody changed
    /// it since `version`. Only the responsible institution's focal point,
    /// only while it is a draft or returned and the cycle is open.
    pub async fn save_progress_report(
        &self,
        actor: &Actor,
        by: &Principal,
        id: &str,
        version: i64,
        r: &Report,
        submit: bool,
    ) -> Result<ProgressReportRow> {
        let mut tx = self.begin_write().await?;
        let cur = report_for(tx.conn(), by, Action::ViewStrategy, id).await?;
        if !reports_for(by, &cur.responsible_code) {
            return Err(StoreError::Forbidden);
        }
        if !matches!(cur.status.as_str(), "draft" | "returned") {
            return Err(ValidationErrors::single("status", "err-report-locked").into());
        }
        let (cycle_status,): (String,) =
            Sql::new("SELECT status FROM reporting_cycles WHERE id = ")
                .bind(cur.cycle_id.clone())
                .fetch_one(tx.conn())
                .await?;
        if cycle_status != "open" {
            return Err(ValidationErrors::single("cycle", "err-cycle-closed").into());
        }
        // Values name the action's reported indicators by code.
        let indicators: Vec<(String, String)> = Sql::new(
            "SELECT id, code FROM plan_indicators WHERE removed_in IS NULL AND mode = 'reported' AND action_id = ",
        )
        .bind(cur.action_id.clone())
        .fetch_all(tx.conn())
        .await?;
        let now = clock::now();
        let mut cols: Vec<(&str, Val)> = vec![
            ("action_status", r.action_status.as_str().into()),
            ("done_text", r.done_text.clone().into()),
            ("spending_minor", Val::Int(r.spending_minor)),
            ("obstacles", r.obstacles.clone().into()),
            ("updated_at", now.clone().into()),
        ];
        if submit {
            cols.push(("status", ReportStatus::Submitted.as_str().into()));
            cols.push(("submitted_by", actor.username.clone().into()));
            cols.push(("submitted_at", now.into()));
        }
        update_versioned(
            tx.conn(),
            "progress_reports",
            &cols,
            id,
            version,
            cur.version,
        )
        .await?;
        Sql::new("DELETE FROM report_values WHERE report_id = ")
            .bind(id.to_owned())
            .execute(tx.conn())
            .await?;
        for (code, sex, province, value) in &r.values {
            let Some((indicator_id, _)) = indicators.iter().find(|(_, c)| c == code) else {
                return Err(ValidationErrors::single("values", "err-indicator-unknown").into());
            };
            Sql::insert(
                "report_values",
                &[
                    ("report_id", id.into()),
                    ("indicator_id", indicator_id.clone().into()),
                    ("sex", sex.clone().into()),
                    ("province", province.clone().into()),
                    ("value", value.clone().into()),
                ],
            )
            .execute(tx.conn())
            .await?;
        }
        let event = if submit {
            "progress_report.submit"
        } else {
            "progress_report.save"
        };
        finish(tx, actor, by, event, &cur, id).await
    }

    /// Approves a submitted report (locked; the action takes its status; a
    /// correction supersedes the report it corrects) or returns it with
    /// comments, if nobody changed it since `version`.
    pub async fn review_progress_report(
        &self,
        actor: &Actor,
        by: &Principal,
        id: &str,
        version: i64,
        d: &Decision,
    ) -> Result<ProgressReportRow> {
        let mut tx = self.begin_write().await?;
        let cur = report_for(tx.conn(), by, Action::ViewStrategy, id).await?;
        let country = action_country(tx.conn(), &cur.action_id).await?;
        if !manages_country(by, Action::ReviewProgress, &country) {
            return Err(StoreError::Forbidden);
        }
        if cur.status != "submitted" {
            return Err(ValidationErrors::single("status", "err-report-not-submitted").into());
        }
        let now = clock::now();
        let mut cols: Vec<(&str, Val)> = vec![
            ("reviewed_by", actor.username.clone().into()),
            ("reviewed_at", now.clone().into()),
            ("updated_at", now.clone().into()),
        ];
        match d {
            Decision::Approve => {
                cols.push(("status", ReportStatus::Approved.as_str().into()));
                cols.push(("review_comments", Val::Text(None)));
            }
            Decision::Return(comments) => {
                cols.push(("status", ReportStatus::Returned.as_str().into()));
                cols.push((
                    "review_comments",
                    serde_json::to_string(comments).unwrap_or_default().into(),
                ));
            }
        }
        update_versioned(
            tx.conn(),
            "progress_reports",
            &cols,
            id,
            version,
            cur.version,
        )
        .await?;
        if matches!(d, Decision::Approve) {
            if let Some(s) = &cur.action_status {
                Sql::new("UPDATE plan_actions SET status = ")
                    .bind(s.clone())
                    .push(", version = version + 1, updated_at = ")
                    .bind(now)
                    .push(" WHERE id = ")
                    .bind(cur.action_id.clone())
                    .execute(tx.conn())
                    .await?;
            }
            if let Some(earlier) = &cur.corrects {
                Sql::new("UPDATE progress_reports SET status = 'superseded', version = version + 1 WHERE id = ")
                    .bind(earlier.clone())
                    .execute(tx.conn())
                    .await?;
            }
        }
        let event = match d {
            Decision::Approve => "progress_report.approve",
            Decision::Return(_) => "progress_report.return",
        };
        finish(tx, actor, by, event, &cur, id).await
    }

    /// Starts a correction of an approved report: a new draft with the same
    /// content and the reason; the approved one stays until the correction
    /// is approved.
    pub async fn correct_progress_report(
        &self,
        actor: &Actor,
        by: &Principal,
        id: &str,
        reason: &str,
    ) -> Result<ProgressReportRow> {
        let reason = kopru_domain::casework::long_text(reason, 1000)
            .map_err(|c| ValidationErrors::single("reason", c))?
            .ok_or_else(|| ValidationErrors::single("reason", "err-required"))?;
        let mut tx = self.begin_write().await?;
        let cur = report_for(tx.conn(), by, Action::ViewStrategy, id).await?;
        if !reports_for(by, &cur.responsible_code) {
            return Err(StoreError::Forbidden);
        }
        if cur.status != "approved" {
            return Err(ValidationErrors::single("status", "err-report-not-approved").into());
        }
        let pending: Option<(String,)> = Sql::new(
            "SELECT id FROM progress_reports WHERE status IN ('draft', 'submitted', 'returned') AND corrects = ",
        )
        .bind(id.to_owned())
        .fetch_optional(tx.conn())
        .await?;
        if pending.is_some() {
            return Err(ValidationErrors::single("status", "err-correction-open").into());
        }
        let new = new_id();
        let now = clock::now();
        Sql::new(
            "INSERT INTO progress_reports (id, cycle_id, action_id, responsible_code, country, plan_revision, status, \
             action_status, done_text, spending_minor, obstacles, corrects, correction_reason, version, updated_at) \
             SELECT ",
        )
        .bind(new.clone())
        .push(", cycle_id, action_id, responsible_code, country, plan_revision, 'draft', action_status, done_text, \
               spending_minor, obstacles, id, ")
        .bind(reason)
        .push(", 1, ")
        .bind(now)
        .push(" FROM progress_reports WHERE id = ")
        .bind(id.to_owned())
        .execute(tx.conn())
        .await?;
        Sql::new(
            "INSERT INTO report_values (report_id, indicator_id, sex, province, value) SELECT ",
        )
        .bind(new.clone())
        .push(", indicator_id, sex, province, value FROM report_values WHERE report_id = ")
        .bind(id.to_owned())
        .execute(tx.conn())
        .await?;
        append(
            tx.conn(),
            &actor
                .event("progress_report.correct")
                .record("progress_report", &new)
                .details(serde_json::json!({ "corrects": id })),
        )
        .await?;
        let row = report_for(tx.conn(), by, Action::ViewStrategy, &new).await?;
        tx.commit().await?;
        Ok(row)
    }
}

impl Store {
    /// Attaches a file to a report the caller's institution is filling
    /// (`media_type` read from the content by the caller), sealed with the
    /// keyring (`evidence/<id>`).
    pub async fn add_evidence(
        &self,
        actor: &Actor,
        by: &Principal,
        report_id: &str,
        file_name: &str,
        media_type: &'static str,
        bytes: &[u8],
    ) -> Result<EvidenceRow> {
        let keys = self
            .keyring()
            .map_err(|_| ValidationErrors::single("file", "err-no-encryption-key"))?;
        let mut tx = self.begin_write().await?;
        let cur = report_for(tx.conn(), by, Action::ViewStrategy, report_id).await?;
        if !reports_for(by, &cur.responsible_code) {
            return Err(StoreError::Forbidden);
        }
        if !matches!(cur.status.as_str(), "draft" | "returned") {
            return Err(ValidationErrors::single("file", "err-report-locked").into());
        }
        let (n,): (i64,) = Sql::new("SELECT COUNT(*) FROM report_evidence WHERE report_id = ")
            .bind(report_id.to_owned())
            .fetch_one(tx.conn())
            .await?;
        if n >= MAX_EVIDENCE {
            return Err(ValidationErrors::single("file", "err-too-many").into());
        }
        let id = new_id();
        let sealed = keys
            .encrypt_bytes(&format!("evidence/{id}"), bytes)
            .map_err(|e| StoreError::Other(e.to_string()))?;
        Sql::insert(
            "report_evidence",
            &[
                ("id", id.clone().into()),
                ("report_id", report_id.into()),
                (
                    "file_name",
                    kopru_domain::attachment::attachment_name(file_name, media_type).into(),
                ),
                ("media_type", media_type.into()),
                ("size_bytes", (bytes.len() as i64).into()),
                ("ciphertext", sealed.into()),
                ("key_id", keys.active_id().into()),
                ("uploaded_by", actor.username.clone().into()),
                ("uploaded_at", clock::now().into()),
            ],
        )
        .execute(tx.conn())
        .await?;
        append(
            tx.conn(),
            &actor
                .event("progress_report.evidence_add")
                .record("progress_report", report_id)
                .details(serde_json::json!({ "evidence": id, "media_type": media_type })),
        )
        .await?;
        let row: EvidenceRow = Sql::new(&format!("{EVIDENCE_SELECT} WHERE id = "))
            .bind(id)
            .fetch_one(tx.conn())
            .await?;
        tx.commit().await?;
        Ok(row)
    }

    /// An evidence file's bytes, for whoever may see its report; audited.
    pub async fn evidence_file(
        &self,
        actor: &Actor,
        by: &Principal,
        report_id: &str,
        id: &str,
    ) -> Result<(EvidenceRow, Vec<u8>)> {
        let mut conn = self.acquire().await?;
        report_for(&mut conn, by, Action::ViewStrategy, report_id).await?;
        let row: EvidenceRow = Sql::new(&format!("{EVIDENCE_SELECT} WHERE id = "))
            .bind(id.to_owned())
            .push(" AND report_id = ")
            .bind(report_id.to_owned())
            .fetch_optional(&mut *conn)
            .await?
            .ok_or(StoreError::NotFound)?;
        let (sealed,): (String,) = Sql::new("SELECT ciphertext FROM report_evidence WHERE id = ")
            .bind(id.to_owned())
            .fetch_one(&mut *conn)
            .await?;
        drop(conn);
        let keys = self
            .keyring()
            .map_err(|_| StoreError::Other("no encryption key".into()))?;
        let bytes = keys
            .decrypt_bytes(&format!("evidence/{id}"), &sealed)
            .map_err(|e| StoreError::Other(e.to_string()))?;
        self.audit(
            &actor
                .event("progress_report.evidence_view")
                .record("progress_report", report_id)
                .details(serde_json::json!({ "evidence": id })),
        )
        .await?;
        Ok((row, bytes))
    }
}

async fn action_country(conn: &mut AnyConnection, action_id: &str) -> Result<String> {
    let (c,): (String,) = Sql::new("SELECT country FROM plan_actions WHERE id = ")
        .bind(action_id.to_owned())
        .fetch_one(conn)
        .await?;
    Ok(c)
}
