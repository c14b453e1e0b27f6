//! Creating strategies and plans, and importing a plan's sheet: every row
//! checked, the accepted ones written in one transaction; a re-import
//! updates the actions and indicators it names (the previous state of each
//! changed action kept under the plan's revision), adds new ones and — only
//! when every row was accepted — takes out those it no longer lists.

use super::{indicators_of, ActionPlanRow, StrategyRow};
use crate::audit::{append, Actor};
use crate::error::{Result, StoreError};
use crate::sql::{Sql, Val};
use crate::{clock, new_id, Store};
use kopru_domain::strategy::{number_sort_key, Indicator, PlanAction, PlanLine, POLICY_AREAS};
use kopru_domain::{Action, FieldError, Principal, Scope, ValidationErrors};
use serde::Serialize;
use sqlx::AnyConnection;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// A new strategy.
#[derive(Debug, Clone)]
pub struct StrategyInput {
    pub code: kopru_domain::codes::Code,
    pub titles: BTreeMap<String, String>,
    /// TR or RS.
    pub country: String,
    pub starts_year: i64,
    pub ends_year: i64,
}

/// A new action plan (a phase of a strategy).
#[derive(Debug, Clone)]
pub struct PlanInput {
    pub code: kopru_domain::codes::Code,
    pub titles: BTreeMap<String, String>,
    pub starts_year: i64,
    pub ends_year: i64,
    pub cycle_months: i64,
}

/// What an import did (or, in a dry run, would do).
#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct PlanImportOutcome {
    pub dry_run: bool,
    /// The plan's revision after the import.
    pub revision: i64,
    pub actions_added: usize,
    pub actions_updated: usize,
    pub actions_unchanged: usize,
    /// Actions the sheet no longer lists (kept, marked as taken out).
    pub actions_removed: usize,
    pub indicators_added: usize,
    pub indicators_updated: usize,
    #[schema(value_type = Vec<Object>)]
    #[serde(skip)]
    pub rejected: Vec<(usize, Vec<FieldError>)>,
}

fn manages(by: &Principal, country: &str) -> bool {
    by.grants(Action::ManageStrategy).iter().any(|g| match g {
        Scope::Installation => true,
        Scope::Country(c) => c.as_str() == country,
        _ => false,
    })
}

fn json(m: &BTreeMap<String, String>) -> String {
    serde_json::to_string(m).unwrap_or_else(|_| "{}".into())
}

impl Store {
    /// Creates a strategy (an M&E officer of its country, or of the installation).
    pub async fn create_strategy(
        &self,
        actor: &Actor,
        by: &Principal,
        s: &StrategyInput,
    ) -> Result<StrategyRow> {
        if !manages(by, &s.country) {
            return Err(StoreError::Forbidden);
        }
        if !matches!(s.country.as_str(), "TR" | "RS") {
            return Err(ValidationErrors::single("country", "err-choice").into());
        }
        if s.ends_year < s.starts_year {
            return Err(ValidationErrors::single("ends_year", "err-ends-before-start").into());
        }
        let mut tx = self.begin_write().await?;
        let id = new_id();
        let now = clock::now();
        Sql::insert(
            "strategies",
            &[
                ("id", id.clone().into()),
                ("code", s.code.to_string().into()),
                ("titles", json(&s.titles).into()),
                ("country", s.country.clone().into()),
                ("starts_year", s.starts_year.into()),
                ("ends_year", s.ends_year.into()),
                ("version", 1i64.into()),
                ("created_by", actor.username.clone().into()),
                ("created_at", now.clone().into()),
                ("updated_at", now.into()),
            ],
        )
        .execute(tx.conn())
        .await
        .map_err(|e| StoreError::unique_to_field(e, "code"))?;
        append(
            tx.conn(),
            &actor
                .event("strategy.create")
                .record("strategy", &id)
                .details(serde_json::json!({ "code": s.code.to_string() })),
        )
        .await?;
        tx.commit().await?;
        self.strategies(by)
            .await?
            .into_iter()
            .find(|x| x.id == id)
            .ok_or(StoreError::NotFound)
    }

    /// Adds an action plan (a phase) to a strategy.
    pub async fn create_action_plan(
        &self,
        actor: &Actor,
        by: &Principal,
        strategy_id: &str,
        p: &PlanInput,
    ) -> Result<ActionPlanRow> {
        let strategy = self
            .strategies(by)
            .await?
            .into_iter()
            .find(|s| s.id == strategy_id || s.code == strategy_id)
            .ok_or(StoreError::NotFound)?;
        if !manages(by, &strategy.country) {
            return Err(StoreError::Forbidden);
        }
        let mut e = ValidationErrors::new();
        if p.ends_year < p.starts_year {
            e.push("ends_year", "err-ends-before-start");
        }
        if p.starts_year < strategy.starts_year || p.ends_year > strategy.ends_year {
            e.push("starts_year", "err-plan-outside-strategy");
        }
        if !matches!(p.cycle_months, 1 | 2 | 3 | 4 | 6 | 12) {
            e.push("cycle_months", "err-choice");
        }
        e.into_result()?;
        let mut tx = self.begin_write().await?;
        let id = new_id();
        let now = clock::now();
        Sql::insert(
            "action_plans",
            &[
                ("id", id.clone().into()),
                ("strategy_id", strategy.id.clone().into()),
                ("code", p.code.to_string().into()),
                ("titles", json(&p.titles).into()),
                ("starts_year", p.starts_year.into()),
                ("ends_year", p.ends_year.into()),
                ("cycle_months", p.cycle_months.into()),
                ("revision", 0i64.into()),
                ("version", 1i64.into()),
                ("created_by", actor.username.clone().into()),
                ("created_at", now.clone().into()),
                ("updated_at", now.into()),
            ],
        )
        .execute(tx.conn())
        .await
        .map_err(|e| StoreError::unique_to_field(e, "code"))?;
        append(
            tx.conn(),
            &actor
                .event("action_plan.create")
                .record("action_plan", &id)
                .details(
                    serde_json::json!({ "code": p.code.to_string(), "strategy": strategy.code }),
                ),
        )
        .await?;
        tx.commit().await?;
        self.action_plan(by, &id).await
    }

    /// Imports a plan's checked rows (`lines`: row number and line). Rows
    /// naming unknown institutions, or an action twice with different
    /// contents, are refused with the others already refused by the caller;
    /// `refused_rows` counts those (a sheet with any refused row takes no
    /// action out).
    pub async fn import_action_plan(
        &self,
        actor: &Actor,
        by: &Principal,
        plan_id: &str,
        lines: Vec<(usize, PlanLine)>,
        refused_rows: usize,
        dry_run: bool,
    ) -> Result<PlanImportOutcome> {
        let plan = self.action_plan(by, plan_id).await?;
        if !manages(by, &plan.country) {
            return Err(StoreError::Forbidden);
        }
        let mut tx = self.begin_write().await?;
        let mut out = PlanImportOutcome {
            dry_run,
            ..Default::default()
        };
        // Institutions the rows name.
        let mut codes: BTreeSet<String> = BTreeSet::new();
        for (_, l) in &lines {
            codes.insert(l.action.responsible.to_string());
            codes.extend(l.action.partners.iter().map(|c| c.to_string()));
        }
        let known: BTreeSet<String> = if codes.is_empty() {
            BTreeSet::new()
        } else {
            let mut q = Sql::new("SELECT code FROM institutions WHERE code IN (");
            q.bind_list(codes.iter().cloned()).push(")");
            let rows: Vec<(String,)> = q.fetch_all(tx.conn()).await?;
            rows.into_iter().map(|r| r.0).collect()
        };
        // One action per number: the first row gives it, later rows add indicators.
        let mut actions: BTreeMap<String, (usize, &PlanLine)> = BTreeMap::new();
        let mut indicators: Vec<(String, &Indicator)> = Vec::new();
        let mut seen_indicators: BTreeSet<String> = BTreeSet::new();
        for (row, l) in &lines {
            let mut e = ValidationErrors::new();
            if !known.contains(l.action.responsible.as_str()) {
                e.push("responsible", "err-institution-unknown");
            }
            if l.action
                .partners
                .iter()
                .any(|p| !known.contains(p.as_str()))
            {
                e.push("partners", "err-institution-unknown");
            }
            if let Some((_, first)) = actions.get(&l.action.number) {
                if first.action != l.action || first.objective_number != l.objective_number {
                    e.push("number", "err-action-twice");
                }
            }
            if let Some(i) = &l.indicator {
                if seen_indicators.contains(&i.code) {
                    e.push("indicator_code", "err-indicator-twice");
                }
            }
            if !e.is_empty() {
                out.rejected.push((*row, e.0));
                continue;
            }
            actions.entry(l.action.number.clone()).or_insert((*row, l));
            if let Some(i) = &l.indicator {
                seen_indicators.insert(i.code.clone());
                indicators.push((l.action.number.clone(), i));
            }
        }
        let clean = out.rejected.is_empty() && refused_rows == 0;
        let revision = plan.revision + 1;
        let now = clock::now();
        // Policy areas and objectives, made as the rows name them.
        let mut objective_ids: HashMap<String, String> = HashMap::new();
        for (_, l) in actions.values() {
            let area_id = policy_area_id(tx.conn(), &plan.strategy_id, l.policy_area).await?;
            let key = l.objective_number.clone();
            if objective_ids.contains_key(&key) {
                continue;
            }
            let found: Option<(String, String)> =
                Sql::new("SELECT id, texts FROM objectives WHERE strategy_id = ")
                    .bind(plan.strategy_id.clone())
                    .push(" AND number = ")
                    .bind(key.clone())
                    .fetch_optional(tx.conn())
                    .await?;
            let id = match found {
                Some((id, texts)) => {
                    if let Some(t) = &l.objective_texts {
                        if json(t) != texts {
                            Sql::update(
                                "objectives",
                                &[
                                    ("texts", json(t).into()),
                                    ("policy_area_id", area_id.into()),
                                ],
                            )
                            .push(" WHERE id = ")
                            .bind(id.clone())
                            .execute(tx.conn())
                            .await?;
                        }
                    }
                    id
                }
                None => {
                    let id = new_id();
                    Sql::insert(
                        "objectives",
                        &[
                            ("id", id.clone().into()),
                            ("strategy_id", plan.strategy_id.clone().into()),
                            ("policy_area_id", area_id.into()),
                            ("number", key.clone().into()),
                            (
                                "texts",
                                json(&l.objective_texts.clone().unwrap_or_else(|| {
                                    BTreeMap::from([("tr".to_owned(), key.clone())])
                                }))
                                .into(),
                            ),
                        ],
                    )
                    .execute(tx.conn())
                    .await?;
                    id
                }
            };
            objective_ids.insert(key, id);
        }
        // Actions.
        let current: Vec<(String, String, i64)> =
            Sql::new("SELECT id, number, version FROM plan_actions WHERE plan_id = ")
                .bind(plan.id.clone())
                .fetch_all(tx.conn())
                .await?;
        let by_number: HashMap<String, (String, i64)> = current
            .iter()
            .map(|(id, n, v)| (n.clone(), (id.clone(), *v)))
            .collect();
        let mut action_ids: HashMap<String, String> = HashMap::new();
        for (number, (_, l)) in &actions {
            let objective = objective_ids
                .get(&l.objective_number)
                .cloned()
                .unwrap_or_default();
            let cols = action_columns(&l.action, &objective, &plan.country);
            match by_number.get(number) {
                None => {
                    let id = new_id();
                    let mut all = vec![
                        ("id", Val::from(id.clone())),
                        ("plan_id", plan.id.clone().into()),
                        ("number", number.clone().into()),
                        ("sort_key", number_sort_key(number).into()),
                        ("status", l.action.status.as_str().into()),
                        ("added_in", revision.into()),
                        ("version", 1i64.into()),
                        ("updated_at", now.clone().into()),
                    ];
                    all.extend(cols);
                    Sql::insert("plan_actions", &all).execute(tx.conn()).await?;
                    write_partners(tx.conn(), &id, &l.action).await?;
                    action_ids.insert(number.clone(), id);
                    out.actions_added += 1;
                }
                Some((id, _)) => {
                    let before = action_state(tx.conn(), id).await?;
                    let mut all = cols;
                    all.push(("removed_in", Val::Int(None)));
                    all.push(("updated_at", now.clone().into()));
                    Sql::update("plan_actions", &all)
                        .push(" WHERE id = ")
                        .bind(id.clone())
                        .execute(tx.conn())
                        .await?;
                    write_partners(tx.conn(), id, &l.action).await?;
                    let after = action_state(tx.conn(), id).await?;
                    if before != after {
                        keep_revision(tx.conn(), id, plan.revision, &before).await?;
                        Sql::new("UPDATE plan_actions SET version = version + 1 WHERE id = ")
                            .bind(id.clone())
                            .execute(tx.conn())
                            .await?;
                        out.actions_updated += 1;
                    } else {
                        out.actions_unchanged += 1;
                    }
                    action_ids.insert(number.clone(), id.clone());
                }
            }
        }
        if clean {
            for (id, number, _) in &current {
                if actions.contains_key(number) {
                    continue;
                }
                let before = action_state(tx.conn(), id).await?;
                let n = Sql::new("UPDATE plan_actions SET removed_in = ")
                    .bind(revision)
                    .push(", version = version + 1 WHERE removed_in IS NULL AND id = ")
                    .bind(id.clone())
                    .execute(tx.conn())
                    .await?;
                if n > 0 {
                    keep_revision(tx.conn(), id, plan.revision, &before).await?;
                    out.actions_removed += 1;
                }
            }
        }
        // Indicators, by code within the plan.
        for (number, i) in &indicators {
            let Some(action_id) = action_ids.get(number) else {
                continue;
            };
            let cols = indicator_columns(i, action_id);
            let found: Option<(String,)> =
                Sql::new("SELECT id FROM plan_indicators WHERE plan_id = ")
                    .bind(plan.id.clone())
                    .push(" AND code = ")
                    .bind(i.code.clone())
                    .fetch_optional(tx.conn())
                    .await?;
            match found {
                None => {
                    let mut all = vec![
                        ("id", Val::from(new_id())),
                        ("plan_id", plan.id.clone().into()),
                        ("code", i.code.clone().into()),
                    ];
                    all.extend(cols);
                    Sql::insert("plan_indicators", &all)
                        .execute(tx.conn())
                        .await?;
                    out.indicators_added += 1;
                }
                Some((id,)) => {
                    let n = Sql::update("plan_indicators", &cols)
                        .push(" WHERE id = ")
                        .bind(id)
                        .execute(tx.conn())
                        .await?;
                    out.indicators_updated += n as usize;
                }
            }
        }
        if clean {
            let listed: Vec<String> = indicators.iter().map(|(_, i)| i.code.clone()).collect();
            let mut q = Sql::new("UPDATE plan_indicators SET removed_in = ");
            q.bind(revision)
                .push(" WHERE removed_in IS NULL AND plan_id = ")
                .bind(plan.id.clone());
            if !listed.is_empty() {
                q.push(" AND code NOT IN (").bind_list(listed).push(")");
            }
            q.execute(tx.conn()).await?;
        }
        let changed = out.actions_added + out.actions_updated + out.actions_removed > 0
            || out.indicators_added > 0;
        out.revision = if changed { revision } else { plan.revision };
        if changed {
            Sql::new("UPDATE action_plans SET revision = ")
                .bind(revision)
                .push(", version = version + 1, updated_at = ")
                .bind(now)
                .push(" WHERE id = ")
                .bind(plan.id.clone())
                .execute(tx.conn())
                .await?;
        }
        append(
            tx.conn(),
            &actor
                .event("action_plan.import")
                .record("action_plan", &plan.id)
                .details(serde_json::json!({
                    "revision": out.revision, "added": out.actions_added, "updated": out.actions_updated,
                    "removed": out.actions_removed, "refused": out.rejected.len() + refused_rows,
                })),
        )
        .await?;
        if dry_run {
            // Dropped unfinished: rolled back, nothing written.
            drop(tx);
        } else {
            tx.commit().await?;
        }
        Ok(out)
    }
}

async fn policy_area_id(conn: &mut AnyConnection, strategy_id: &str, code: &str) -> Result<String> {
    let found: Option<(String,)> = Sql::new("SELECT id FROM policy_areas WHERE strategy_id = ")
        .bind(strategy_id.to_owned())
        .push(" AND code = ")
        .bind(code.to_owned())
        .fetch_optional(&mut *conn)
        .await?;
    if let Some((id,)) = found {
        return Ok(id);
    }
    let id = new_id();
    let position = POLICY_AREAS
        .iter()
        .position(|(c, _)| *c == code)
        .unwrap_or(POLICY_AREAS.len()) as i64;
    Sql::insert(
        "policy_areas",
        &[
            ("id", id.clone().into()),
            ("strategy_id", strategy_id.into()),
            ("code", code.into()),
            ("titles", "{}".into()),
            ("position", position.into()),
        ],
    )
    .execute(conn)
    .await?;
    Ok(id)
}

fn action_columns(a: &PlanAction, objective_id: &str, country: &str) -> Vec<(&'static str, Val)> {
    vec![
        ("objective_id", objective_id.into()),
        ("texts", json(&a.texts).into()),
        ("responsible_code", a.responsible.to_string().into()),
        ("country", country.into()),
        ("starts", a.starts.clone().into()),
        ("ends", a.ends.clone().into()),
        ("budget_minor", Val::Int(a.budget_minor)),
        ("currency", a.currency.clone().into()),
        ("budget_source", a.budget_source.clone().into()),
    ]
}

fn indicator_columns(i: &Indicator, action_id: &str) -> Vec<(&'static str, Val)> {
    vec![
        ("action_id", action_id.into()),
        ("definitions", json(&i.definitions).into()),
        ("unit", i.unit.clone().into()),
        ("baseline_value", i.baseline_value.clone().into()),
        ("baseline_year", Val::Int(i.baseline_year)),
        ("targets", json(&i.targets).into()),
        ("verification", i.verification.clone().into()),
        ("mode", i.mode.as_str().into()),
        ("engine_code", i.engine_code.clone().into()),
        ("breakdown", i.breakdown.as_str().into()),
        ("removed_in", Val::Int(None)),
    ]
}

async fn write_partners(conn: &mut AnyConnection, action_id: &str, a: &PlanAction) -> Result<()> {
    Sql::new("DELETE FROM action_partners WHERE action_id = ")
        .bind(action_id.to_owned())
        .execute(&mut *conn)
        .await?;
    for p in &a.partners {
        Sql::insert(
            "action_partners",
            &[
                ("action_id", action_id.into()),
                ("institution_code", p.to_string().into()),
            ],
        )
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// An action as it stands (its row, partners and indicators), for comparing
/// and for keeping under a revision.
async fn action_state(conn: &mut AnyConnection, id: &str) -> Result<serde_json::Value> {
    type State = (
        String,
        String,
        String,
        String,
        String,
        String,
        Option<i64>,
        Option<String>,
        Option<String>,
        Option<i64>,
    );
    let (number, objective, texts, responsible, starts, ends, budget, currency, source, removed): State =
        Sql::new(
            "SELECT number, objective_id, texts, responsible_code, starts, ends, budget_minor, currency, budget_source, removed_in \
             FROM plan_actions WHERE id = ",
        )
        .bind(id.to_owned())
        .fetch_one(&mut *conn)
        .await?;
    let partners: Vec<(String,)> =
        Sql::new("SELECT institution_code FROM action_partners WHERE action_id = ")
            .bind(id.to_owned())
            .push(" ORDER BY institution_code")
            .fetch_all(&mut *conn)
            .await?;
    let indicators = indicators_of(conn, &[id.to_owned()]).await?;
    Ok(serde_json::json!({
        "number": number, "objective_id": objective,
        "texts": serde_json::from_str::<serde_json::Value>(&texts).unwrap_or_default(),
        "responsible": responsible, "starts": starts, "ends": ends, "budget_minor": budget,
        "currency": currency, "budget_source": source, "removed_in": removed,
        "partners": partners.into_iter().map(|p| p.0).collect::<Vec<_>>(),
        "indicators": indicators,
    }))
}

async fn keep_revision(
    conn: &mut AnyConnection,
    action_id: &str,
    revision: i64,
    state: &serde_json::Value,
) -> Result<()> {
    let exists: Option<(i64,)> = Sql::new("SELECT 1 FROM action_revisions WHERE action_id = ")
        .bind(action_id.to_owned())
        .push(" AND revision = ")
        .bind(revision)
        .fetch_optional(&mut *conn)
        .await?;
    if exists.is_none() {
        Sql::insert(
            "action_revisions",
            &[
                ("action_id", action_id.into()),
                ("revision", revision.into()),
                ("snapshot", state.to_string().into()),
            ],
        )
        .execute(conn)
        .await?;
    }
    Ok(())
}
