//! A plan's progress as the caller may see it: actions by status per policy
//! area, objective and responsible institution (traffic lights), the share
//! of actions on track — the tenth headline indicator — the reported
//! indicators' approved values per cycle against their targets, and who has
//! not reported in the open cycles.

use super::{ActionPlanRow, PlanIndicatorRow};
use crate::error::Result;
use crate::scope::{push_visible, Entity};
use crate::sql::Sql;
use crate::Store;
use kopru_domain::strategy::ActionStatus;
use kopru_domain::{Action, Principal};
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct StatusCounts {
    /// The policy area's or objective's code or number, the institution's code; "" for the plan.
    pub key: String,
    /// Its name (an institution's), or its texts as JSON (an objective's).
    pub label: String,
    pub total: i64,
    pub not_started: i64,
    pub on_track: i64,
    pub delayed: i64,
    pub completed: i64,
    pub cancelled: i64,
}

impl StatusCounts {
    pub(crate) fn add(&mut self, status: &str, n: i64) {
        self.total += n;
        match ActionStatus::parse(status) {
            Ok(ActionStatus::OnTrack) => self.on_track += n,
            Ok(ActionStatus::Delayed) => self.delayed += n,
            Ok(ActionStatus::Completed) => self.completed += n,
            Ok(ActionStatus::Cancelled) => self.cancelled += n,
            _ => self.not_started += n,
        }
    }

    /// Actions on track or completed, in percent of those not cancelled
    /// (none when every action is cancelled).
    pub fn on_track_share(&self) -> Option<f64> {
        let base = self.total - self.cancelled;
        (base > 0).then(|| 100.0 * (self.on_track + self.completed) as f64 / base as f64)
    }

    /// The traffic light: green from 75 % on track, amber from 50 %, red below.
    pub fn light(&self) -> &'static str {
        match self.on_track_share() {
            None => "grey",
            Some(s) if s >= 75.0 => "green",
            Some(s) if s >= 50.0 => "amber",
            Some(_) => "red",
        }
    }
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CycleValue {
    pub cycle: String,
    pub due_on: String,
    /// The approved total (a report's total row, else the sum of its cells) over the reporting actions.
    pub value: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct IndicatorProgress {
    pub indicator: PlanIndicatorRow,
    pub action_number: String,
    pub values: Vec<CycleValue>,
    /// The target of the year of the latest value (or of the plan's last year).
    pub target: Option<String>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct NotReported {
    pub cycle: String,
    pub due_on: String,
    pub responsible_code: String,
    pub responsible_name: String,
    /// Reports not submitted (drafts and returned ones).
    pub open: i64,
    #[serde(serialize_with = "crate::columns::flag")]
    #[schema(value_type = bool)]
    pub late: i64,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PlanProgress {
    pub plan: ActionPlanRow,
    pub overall: StatusCounts,
    /// Share of actions on track or completed, percent (headline indicator 10).
    pub on_track_share: Option<f64>,
    pub by_policy_area: Vec<StatusCounts>,
    pub by_objective: Vec<StatusCounts>,
    pub by_institution: Vec<StatusCounts>,
    pub indicators: Vec<IndicatorProgress>,
    pub not_reported: Vec<NotReported>,
}

fn shown(v: f64) -> String {
    if v.fract() == 0.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.2}").trim_end_matches('0').to_owned()
    }
}

impl Store {
    pub async fn plan_progress(&self, by: &Principal, plan_id: &str) -> Result<PlanProgress> {
        let plan = self.action_plan(by, plan_id).await?;
        let grants = by.grants(Action::ViewStrategy);
        let mut conn = self.acquire().await?;
        let mut q = Sql::new(
            "SELECT pa.code, o.number, o.texts, a.responsible_code, i.name, a.status, COUNT(*) \
             FROM plan_actions a JOIN objectives o ON o.id = a.objective_id \
             JOIN policy_areas pa ON pa.id = o.policy_area_id JOIN institutions i ON i.code = a.responsible_code \
             WHERE a.removed_in IS NULL AND a.plan_id = ",
        );
        q.bind(plan.id.clone()).push(" AND ");
        push_visible(&mut q, Entity::PlanAction, "a", &grants);
        q.push(" GROUP BY pa.code, pa.position, o.number, o.texts, a.responsible_code, i.name, a.status \
                ORDER BY pa.position, o.number");
        let rows: Vec<(String, String, String, String, String, String, i64)> =
            q.fetch_all(&mut *conn).await?;
        let mut overall = StatusCounts::default();
        let mut areas: Vec<StatusCounts> = Vec::new();
        let mut objectives: Vec<StatusCounts> = Vec::new();
        let mut institutions: BTreeMap<String, StatusCounts> = BTreeMap::new();
        fn slot<'a>(v: &'a mut Vec<StatusCounts>, key: &str, label: &str) -> &'a mut StatusCounts {
            if let Some(i) = v.iter().position(|c| c.key == key) {
                return &mut v[i];
            }
            v.push(StatusCounts {
                key: key.to_owned(),
                label: label.to_owned(),
                ..Default::default()
            });
            let last = v.len() - 1;
            &mut v[last]
        }
        for (area, objective, texts, inst, name, status, n) in &rows {
            overall.add(status, *n);
            slot(&mut areas, area, area).add(status, *n);
            slot(&mut objectives, objective, texts).add(status, *n);
            institutions
                .entry(inst.clone())
                .or_insert_with(|| StatusCounts {
                    key: inst.clone(),
                    label: name.clone(),
                    ..Default::default()
                })
                .add(status, *n);
        }
        objectives.sort_by(|a, b| {
            kopru_domain::strategy::number_sort_key(&a.key)
                .cmp(&kopru_domain::strategy::number_sort_key(&b.key))
        });

        // Reported indicators of the visible actions, and their approved values.
        let mut q = Sql::new(
            "SELECT pi.id, pi.action_id, pi.code, pi.definitions, pi.unit, pi.baseline_value, pi.baseline_year, pi.targets, \
             pi.verification, pi.mode, pi.engine_code, pi.breakdown, pi.removed_in, a.number \
             FROM plan_indicators pi JOIN plan_actions a ON a.id = pi.action_id \
             WHERE pi.removed_in IS NULL AND a.removed_in IS NULL AND pi.plan_id = ",
        );
        q.bind(plan.id.clone()).push(" AND ");
        push_visible(&mut q, Entity::PlanAction, "a", &grants);
        q.push(" ORDER BY a.sort_key, pi.code LIMIT 2000");
        type IndicatorWithNumber = (
            String,
            Option<String>,
            String,
            String,
            String,
            Option<String>,
            Option<i64>,
            String,
            Option<String>,
            String,
            Option<String>,
            String,
            Option<i64>,
            String,
        );
        let found: Vec<IndicatorWithNumber> = q.fetch_all(&mut *conn).await?;
        // Each approved report's value of an indicator (its total row, else
        // the sum of its cells), summed per cycle: one row per indicator and
        // cycle, counted by the database (rows, not values, cost a request).
        let mut q = Sql::new(
            "SELECT x.indicator_id, c.title, c.due_on, SUM(x.v) FROM (\
             SELECT r.id, r.cycle_id, v.indicator_id, COALESCE(\
             MAX(CASE WHEN v.sex = '' AND v.province = '' THEN CAST(v.value AS DOUBLE PRECISION) END), \
             SUM(CASE WHEN v.sex <> '' OR v.province <> '' THEN CAST(v.value AS DOUBLE PRECISION) END)) AS v \
             FROM report_values v JOIN progress_reports r ON r.id = v.report_id \
             JOIN plan_actions a ON a.id = r.action_id \
             WHERE r.status = 'approved' AND r.cycle_id IN (SELECT id FROM reporting_cycles WHERE plan_id = ",
        );
        q.bind(plan.id.clone()).push(") AND ");
        push_visible(&mut q, Entity::PlanAction, "a", &grants);
        q.push(
            " GROUP BY r.id, r.cycle_id, v.indicator_id) x JOIN reporting_cycles c ON c.id = x.cycle_id \
             GROUP BY x.indicator_id, c.title, c.due_on ORDER BY x.indicator_id, c.due_on",
        );
        let values: Vec<(String, String, String, Option<f64>)> = q.fetch_all(&mut *conn).await?;
        let mut by_indicator: BTreeMap<String, Vec<CycleValue>> = BTreeMap::new();
        for (indicator, cycle, due_on, value) in values {
            by_indicator.entry(indicator).or_default().push(CycleValue {
                cycle,
                due_on,
                value: shown(value.unwrap_or(0.0)),
            });
        }
        let mut indicators = Vec::new();
        for f in found {
            let series: Vec<CycleValue> = by_indicator.remove(&f.0).unwrap_or_default();
            let targets: BTreeMap<String, String> = serde_json::from_str(&f.7).unwrap_or_default();
            let year = series
                .last()
                .and_then(|v| v.due_on.get(..4).map(str::to_owned))
                .unwrap_or_else(|| plan.ends_year.to_string());
            let target = targets
                .get(&year)
                .cloned()
                .or_else(|| targets.range(..=year).next_back().map(|(_, v)| v.clone()));
            indicators.push(IndicatorProgress {
                action_number: f.13.clone(),
                indicator: PlanIndicatorRow {
                    id: f.0,
                    action_id: f.1,
                    code: f.2,
                    definitions: f.3,
                    unit: f.4,
                    baseline_value: f.5,
                    baseline_year: f.6,
                    targets: f.7,
                    verification: f.8,
                    mode: f.9,
                    engine_code: f.10,
                    breakdown: f.11,
                    removed_in: f.12,
                },
                values: series,
                target,
            });
        }

        let mut q = Sql::new(
            "SELECT c.title, c.due_on, r.responsible_code, i.name, COUNT(*), \
             MAX(CASE WHEN c.due_on < ",
        );
        q.bind(crate::clock::today()).push(
            " THEN 1 ELSE 0 END) FROM progress_reports r JOIN reporting_cycles c ON c.id = r.cycle_id \
             JOIN institutions i ON i.code = r.responsible_code \
             WHERE c.status = 'open' AND r.status IN ('draft', 'returned') AND c.plan_id = ",
        );
        q.bind(plan.id.clone()).push(" AND ");
        push_visible(&mut q, Entity::ProgressReport, "r", &grants);
        q.push(" GROUP BY c.title, c.due_on, r.responsible_code, i.name ORDER BY c.due_on, i.name");
        let open: Vec<(String, String, String, String, i64, i64)> = q.fetch_all(&mut *conn).await?;
        Ok(PlanProgress {
            on_track_share: overall.on_track_share(),
            overall,
            by_policy_area: areas,
            by_objective: objectives,
            by_institution: institutions.into_values().collect(),
            indicators,
            not_reported: open
                .into_iter()
                .map(|(cycle, due_on, code, name, n, late)| NotReported {
                    cycle,
                    due_on,
                    responsible_code: code,
                    responsible_name: name,
                    open: n,
                    late,
                })
                .collect(),
            plan,
        })
    }
}
