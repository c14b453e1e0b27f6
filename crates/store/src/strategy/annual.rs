//! The annual monitoring report of an action plan (issue 20 §3): every
//! action's status at the year's end and what was done in the year, as the
//! approved progress reports say; status counts per policy area; the
//! reported indicators' values in the year against the year's target; and
//! the narrative sections people write, kept per year and language (the
//! only part stored — the figures are read afresh each time).

use super::progress::{IndicatorProgress, StatusCounts};
use super::{ActionPlanRow, ACTION_SELECT};
use crate::audit::{append, Actor};
use crate::error::{Result, StoreError};
use crate::records::update_versioned;
use crate::scope::{push_visible, Entity};
use crate::sql::Sql;
use crate::{clock, new_id, Store};
use kopru_domain::{Action, Principal, Scope};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};

/// One action as the year ended.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AnnualAction {
    pub id: String,
    pub number: String,
    /// The action's text by language (JSON).
    #[serde(serialize_with = "crate::columns::json_value")]
    #[schema(value_type = Object)]
    pub texts: String,
    pub policy_area: String,
    pub objective_number: String,
    pub responsible_code: String,
    pub responsible_name: String,
    pub ends: String,
    /// As the last approved report up to the year's end says; not_started without one.
    pub status: String,
    /// What was done, from the year's last approved report (none when the
    /// year has no approved report of the action).
    pub done_text: Option<String>,
    /// That report's cycle.
    pub cycle: Option<String>,
}

/// The annual report: what it is generated from and what was written.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AnnualReport {
    pub plan: ActionPlanRow,
    /// The strategy's titles (JSON).
    #[serde(serialize_with = "crate::columns::json_value")]
    #[schema(value_type = Object)]
    pub strategy_titles: String,
    pub year: i64,
    pub language: String,
    /// The narrative by section: summary, context, conclusions,
    /// recommendations, and `area.<code>` for each policy area.
    pub sections: BTreeMap<String, String>,
    /// 0 while nothing was written; send it back to save.
    pub version: i64,
    pub updated_by: Option<String>,
    pub updated_at: Option<String>,
    pub overall: StatusCounts,
    pub on_track_share: Option<f64>,
    pub by_policy_area: Vec<StatusCounts>,
    pub actions: Vec<AnnualAction>,
    /// Reported indicators: values of the year's cycles, the year's target.
    pub indicators: Vec<IndicatorProgress>,
    /// Reports approved for the year's cycles, and reports those cycles asked for.
    pub reports_approved: i64,
    pub reports_expected: i64,
}

type Written = (String, String, i64, String, String);

async fn written(
    conn: &mut sqlx::AnyConnection,
    plan_id: &str,
    year: i64,
    language: &str,
) -> Result<Option<Written>> {
    Ok(Sql::new(
        "SELECT id, sections, version, updated_by, updated_at FROM annual_reports WHERE plan_id = ",
    )
    .bind(plan_id.to_owned())
    .push(" AND year = ")
    .bind(year)
    .push(" AND language = ")
    .bind(language.to_owned())
    .fetch_optional(conn)
    .await?)
}

impl Store {
    /// The annual report of `year` for the caller: the actions it may see
    /// (a focal point's report covers its institution's actions).
    pub async fn annual_report(
        &self,
        by: &Principal,
        plan_id: &str,
        year: i64,
        language: &str,
    ) -> Result<AnnualReport> {
        let plan = self.action_plan(by, plan_id).await?;
        if year < plan.starts_year || year > plan.ends_year {
            return Err(kopru_domain::ValidationErrors::single(
                "year",
                "err-plan-outside-strategy",
            )
            .into());
        }
        let progress = self.plan_progress(by, &plan.id).await?;
        let grants = by.grants(Action::ViewStrategy);
        let mut conn = self.acquire().await?;
        let (strategy_titles,): (String,) = Sql::new("SELECT titles FROM strategies WHERE id = ")
            .bind(plan.strategy_id.clone())
            .fetch_one(&mut *conn)
            .await?;
        let mut q = Sql::new(&format!(
            "{ACTION_SELECT} WHERE a.removed_in IS NULL AND a.plan_id = "
        ));
        q.bind(plan.id.clone()).push(" AND ");
        push_visible(&mut q, Entity::PlanAction, "a", &grants);
        q.push(" ORDER BY a.sort_key LIMIT 5000");
        let actions: Vec<super::PlanActionRow> = q.fetch_all(&mut *conn).await?;

        // Approved reports up to the year's end, oldest first: the last one
        // of each action gives its status; the year's gives what was done.
        let (first, last) = (format!("{year}-01-01"), format!("{year}-12-31"));
        let mut q = Sql::new(
            "SELECT r.action_id, r.action_status, r.done_text, c.title, c.due_on \
             FROM progress_reports r JOIN reporting_cycles c ON c.id = r.cycle_id \
             JOIN plan_actions a ON a.id = r.action_id \
             WHERE r.status = 'approved' AND c.plan_id = ",
        );
        q.bind(plan.id.clone())
            .push(" AND c.due_on <= ")
            .bind(last.clone())
            .push(" AND ");
        push_visible(&mut q, Entity::PlanAction, "a", &grants);
        q.push(" ORDER BY c.due_on");
        // action, its status, what was done, cycle, due on
        type Approved = (String, Option<String>, Option<String>, String, String);
        let reports: Vec<Approved> = q.fetch_all(&mut *conn).await?;
        let mut latest: HashMap<String, (Option<String>, Option<String>, String, String)> =
            HashMap::new();
        for (action, status, done, cycle, due_on) in reports {
            latest.insert(action, (status, done, cycle, due_on));
        }

        // Counted per action and cycle: a corrected report and its correction are one.
        let mut q = Sql::new(
            "SELECT COUNT(DISTINCT r.cycle_id || ':' || r.action_id), \
             COUNT(DISTINCT CASE WHEN r.status = 'approved' THEN r.cycle_id || ':' || r.action_id END) \
             FROM progress_reports r JOIN reporting_cycles c ON c.id = r.cycle_id \
             JOIN plan_actions a ON a.id = r.action_id \
             WHERE c.plan_id = ",
        );
        q.bind(plan.id.clone())
            .push(" AND c.due_on >= ")
            .bind(first.clone())
            .push(" AND c.due_on <= ")
            .bind(last.clone())
            .push(" AND ");
        push_visible(&mut q, Entity::PlanAction, "a", &grants);
        let (reports_expected, reports_approved): (i64, i64) = q.fetch_one(&mut *conn).await?;

        let mut overall = StatusCounts::default();
        let mut areas: Vec<StatusCounts> = Vec::new();
        let mut rows = Vec::with_capacity(actions.len());
        for a in actions {
            let found = latest.get(&a.id);
            let status = found
                .and_then(|(s, ..)| s.clone())
                .unwrap_or_else(|| "not_started".to_owned());
            let in_year = found.filter(|(.., due_on)| due_on.as_str() >= first.as_str());
            overall.add(&status, 1);
            match areas.iter_mut().find(|c| c.key == a.policy_area) {
                Some(c) => c.add(&status, 1),
                None => {
                    let mut c = StatusCounts {
                        key: a.policy_area.clone(),
                        label: a.policy_area.clone(),
                        ..Default::default()
                    };
                    c.add(&status, 1);
                    areas.push(c);
                }
            }
            rows.push(AnnualAction {
                id: a.id,
                number: a.number,
                texts: a.texts,
                policy_area: a.policy_area,
                objective_number: a.objective_number,
                responsible_code: a.responsible_code,
                responsible_name: a.responsible_name,
                ends: a.ends,
                status,
                done_text: in_year.and_then(|(_, d, ..)| d.clone()),
                cycle: in_year.map(|(_, _, c, _)| c.clone()),
            });
        }

        let year_text = year.to_string();
        let indicators = progress
            .indicators
            .into_iter()
            .map(|mut i| {
                i.values.retain(|v| v.due_on.starts_with(&year_text));
                let targets: BTreeMap<String, String> =
                    serde_json::from_str(&i.indicator.targets).unwrap_or_default();
                i.target = targets.get(&year_text).cloned().or_else(|| {
                    targets
                        .range(..=year_text.clone())
                        .next_back()
                        .map(|(_, v)| v.clone())
                });
                i
            })
            .collect();

        let w = written(&mut conn, &plan.id, year, language).await?;
        let (sections, version, updated_by, updated_at) = match w {
            Some((_, s, v, by, at)) => (
                serde_json::from_str(&s).unwrap_or_default(),
                v,
                Some(by),
                Some(at),
            ),
            None => (BTreeMap::new(), 0, None, None),
        };
        Ok(AnnualReport {
            on_track_share: overall.on_track_share(),
            plan,
            strategy_titles,
            year,
            language: language.to_owned(),
            sections,
            version,
            updated_by,
            updated_at,
            overall,
            by_policy_area: areas,
            actions: rows,
            indicators,
            reports_approved,
            reports_expected,
        })
    }

    /// Saves an annual report's narrative (already checked): those who
    /// manage the strategy's country write it; `version` is what the writer
    /// read (0 for the first writing), so two editors never overwrite each
    /// other unseen.
    #[allow(clippy::too_many_arguments)]
    pub async fn save_annual_narrative(
        &self,
        actor: &Actor,
        by: &Principal,
        plan_id: &str,
        year: i64,
        language: &str,
        sections: &BTreeMap<String, String>,
        version: i64,
    ) -> Result<()> {
        let plan = self.action_plan(by, plan_id).await?;
        let manages = by.grants(Action::ManageStrategy).iter().any(|g| match g {
            Scope::Installation => true,
            Scope::Country(c) => c.as_str() == plan.country,
            _ => false,
        });
        if !manages {
            return Err(StoreError::Forbidden);
        }
        if year < plan.starts_year || year > plan.ends_year {
            return Err(kopru_domain::ValidationErrors::single(
                "year",
                "err-plan-outside-strategy",
            )
            .into());
        }
        let text = serde_json::to_string(sections).unwrap_or_else(|_| "{}".into());
        let now = clock::now();
        let mut tx = self.begin_write().await?;
        let id = match written(tx.conn(), &plan.id, year, language).await? {
            Some((id, _, current, _, _)) => {
                update_versioned(
                    tx.conn(),
                    "annual_reports",
                    &[
                        ("sections", text.into()),
                        ("updated_by", actor.username.clone().into()),
                        ("updated_at", now.into()),
                    ],
                    &id,
                    version,
                    current,
                )
                .await?;
                id
            }
            None if version != 0 => return Err(StoreError::Conflict { current: 0 }),
            None => {
                let id = new_id();
                Sql::insert(
                    "annual_reports",
                    &[
                        ("id", id.clone().into()),
                        ("plan_id", plan.id.clone().into()),
                        ("year", year.into()),
                        ("language", language.to_owned().into()),
                        ("sections", text.into()),
                        ("version", 1i64.into()),
                        ("updated_by", actor.username.clone().into()),
                        ("updated_at", now.into()),
                    ],
                )
                .execute(tx.conn())
                .await
                // Two first writings at once: the second is told to reload.
                .map_err(|e| match &e {
                    sqlx::Error::Database(db) if db.is_unique_violation() => {
                        StoreError::Conflict { current: 1 }
                    }
                    _ => StoreError::from(e),
                })?;
                id
            }
        };
        append(
            tx.conn(),
            &actor
                .event("annual_report.save")
                .record("annual_report", &id)
                .details(
                    serde_json::json!({ "plan": plan.code, "year": year, "language": language }),
                ),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}
