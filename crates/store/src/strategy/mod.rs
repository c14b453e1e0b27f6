//! Strategy monitoring (issue 20): strategies, their policy areas and
//! objectives, action plans with their actions and indicators (imported
//! from a ministry's sheet and revised by re-importing it), reporting
//! cycles and the progress reports responsible institutions fill. Reads and
//! writes go through `Entity::PlanAction` / `Entity::ProgressReport`: a
//! strategy's monitors see it by country, a focal point the actions of its
//! institution and those it cooperates on.

pub mod annual;
pub mod plans;
pub mod progress;
pub mod reports;
pub mod visits;

use crate::error::{Result, StoreError};
use crate::scope::{push_visible, Entity};
use crate::sql::Sql;
use crate::Store;
use kopru_domain::{Action, Principal};
use serde::Serialize;
use std::collections::BTreeMap;

/// A text of `texts` (a JSON map: tr, en, sr) in `lang`, else Turkish,
/// English or Serbian, whichever the plan has; Serbian in the reader's script.
pub fn text_in(texts: &str, lang: &str) -> String {
    let m: BTreeMap<String, String> = serde_json::from_str(texts).unwrap_or_default();
    let key = if lang.starts_with("sr") { "sr" } else { lang };
    let pick = m
        .get(key)
        .map(|t| (key, t))
        .or_else(|| m.get("tr").map(|t| ("tr", t)))
        .or_else(|| m.get("en").map(|t| ("en", t)))
        .or_else(|| m.iter().next().map(|(k, t)| (k.as_str(), t)));
    match pick {
        Some(("sr", t)) if lang == "sr-Latn" => kopru_domain::locale::serbian_cyrillic_to_latin(t),
        Some((_, t)) => t.clone(),
        None => String::new(),
    }
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct StrategyRow {
    pub id: String,
    pub code: String,
    /// The title by language (tr, en, sr).
    #[serde(serialize_with = "crate::columns::json_value")]
    #[schema(value_type = Object)]
    pub titles: String,
    pub country: String,
    pub starts_year: i64,
    pub ends_year: i64,
    pub version: i64,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct ActionPlanRow {
    pub id: String,
    pub strategy_id: String,
    pub code: String,
    #[serde(serialize_with = "crate::columns::json_value")]
    #[schema(value_type = Object)]
    pub titles: String,
    pub starts_year: i64,
    pub ends_year: i64,
    /// Months between reporting cycles.
    pub cycle_months: i64,
    /// How many times the plan's sheet was imported.
    pub revision: i64,
    pub version: i64,
    pub country: String,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct PlanActionRow {
    pub id: String,
    pub plan_id: String,
    pub number: String,
    #[serde(serialize_with = "crate::columns::json_value")]
    #[schema(value_type = Object)]
    pub texts: String,
    pub policy_area: String,
    pub objective_number: String,
    #[serde(serialize_with = "crate::columns::json_value")]
    #[schema(value_type = Object)]
    pub objective_texts: String,
    pub responsible_code: String,
    pub responsible_name: String,
    /// Cooperating institutions' codes.
    #[serde(serialize_with = "crate::columns::csv_list")]
    #[schema(value_type = Vec<String>)]
    pub partners: String,
    pub starts: String,
    pub ends: String,
    pub budget_minor: Option<i64>,
    pub currency: Option<String>,
    pub budget_source: Option<String>,
    /// not_started, on_track, delayed, completed, cancelled: as the last approved report says
    pub status: String,
    pub added_in: i64,
    /// The plan revision that took it out; reports against it stay.
    pub removed_in: Option<i64>,
    pub version: i64,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct PlanIndicatorRow {
    pub id: String,
    pub action_id: Option<String>,
    pub code: String,
    #[serde(serialize_with = "crate::columns::json_value")]
    #[schema(value_type = Object)]
    pub definitions: String,
    pub unit: String,
    pub baseline_value: Option<String>,
    pub baseline_year: Option<i64>,
    /// Target by year.
    #[serde(serialize_with = "crate::columns::json_value")]
    #[schema(value_type = Object)]
    pub targets: String,
    pub verification: Option<String>,
    /// reported, computed
    pub mode: String,
    pub engine_code: Option<String>,
    /// none, sex, province, sex_province
    pub breakdown: String,
    pub removed_in: Option<i64>,
}

const PLAN_SELECT: &str = "SELECT p.id, p.strategy_id, p.code, p.titles, p.starts_year, p.ends_year, p.cycle_months, \
     p.revision, p.version, s.country FROM action_plans p JOIN strategies s ON s.id = p.strategy_id WHERE 1 = 1";

pub(crate) const ACTION_SELECT: &str = "SELECT a.id, a.plan_id, a.number, a.texts, pa.code AS policy_area, \
     o.number AS objective_number, o.texts AS objective_texts, a.responsible_code, i.name AS responsible_name, \
     '' AS partners, \
     a.starts, a.ends, a.budget_minor, a.currency, a.budget_source, a.status, a.added_in, a.removed_in, a.version \
     FROM plan_actions a JOIN objectives o ON o.id = a.objective_id \
     JOIN policy_areas pa ON pa.id = o.policy_area_id \
     JOIN institutions i ON i.code = a.responsible_code";

/// What an action was in an earlier revision of its plan.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct ActionRevisionRow {
    /// The plan's revision this state belonged to (reports made against it say so).
    pub revision: i64,
    /// The action then: number, texts, responsible, partners, period, budget, indicators.
    #[serde(serialize_with = "crate::columns::json_value")]
    #[schema(value_type = Object)]
    pub snapshot: String,
}

/// Which actions a list shows.
#[derive(Debug, Clone, Default)]
pub struct ActionFilter {
    pub plan_id: Option<String>,
    pub policy_area: Option<String>,
    pub responsible: Option<String>,
    pub status: Option<String>,
    /// Also the actions a later revision took out.
    pub with_removed: bool,
}

/// Fills each row's cooperating institutions (one query for the page).
async fn with_partners(
    conn: &mut sqlx::AnyConnection,
    mut rows: Vec<PlanActionRow>,
) -> Result<Vec<PlanActionRow>> {
    if rows.is_empty() {
        return Ok(rows);
    }
    let mut q =
        Sql::new("SELECT action_id, institution_code FROM action_partners WHERE action_id IN (");
    q.bind_list(rows.iter().map(|r| r.id.clone()))
        .push(") ORDER BY institution_code");
    let pairs: Vec<(String, String)> = q.fetch_all(conn).await?;
    for r in &mut rows {
        let codes: Vec<&str> = pairs
            .iter()
            .filter(|(a, _)| *a == r.id)
            .map(|(_, c)| c.as_str())
            .collect();
        r.partners = codes.join(",");
    }
    Ok(rows)
}

impl Store {
    /// Strategies, for whoever may view strategy monitoring.
    pub async fn strategies(&self, by: &Principal) -> Result<Vec<StrategyRow>> {
        if !by.may(Action::ViewStrategy) {
            return Err(StoreError::Forbidden);
        }
        Ok(Sql::new(
            "SELECT id, code, titles, country, starts_year, ends_year, version FROM strategies ORDER BY starts_year DESC, code",
        )
        .fetch_all(self.pool())
        .await?)
    }

    /// Action plans (of one strategy, or all).
    pub async fn action_plans(
        &self,
        by: &Principal,
        strategy_id: Option<&str>,
    ) -> Result<Vec<ActionPlanRow>> {
        if !by.may(Action::ViewStrategy) {
            return Err(StoreError::Forbidden);
        }
        let mut q = Sql::new(PLAN_SELECT);
        if let Some(s) = strategy_id {
            q.push(" AND p.strategy_id = ").bind(s.to_owned());
        }
        q.push(" ORDER BY p.starts_year, p.code");
        Ok(q.fetch_all(self.pool()).await?)
    }

    /// One action plan, by its id or its code.
    pub async fn action_plan(&self, by: &Principal, id: &str) -> Result<ActionPlanRow> {
        if !by.may(Action::ViewStrategy) {
            return Err(StoreError::Forbidden);
        }
        Sql::new(&format!("{PLAN_SELECT} AND (p.id = "))
            .bind(id.to_owned())
            .push(" OR p.code = ")
            .bind(id.to_owned())
            .push(")")
            .fetch_optional(self.pool())
            .await?
            .ok_or(StoreError::NotFound)
    }

    /// The actions the caller may see, by number.
    pub async fn plan_actions(
        &self,
        by: &Principal,
        f: &ActionFilter,
    ) -> Result<Vec<PlanActionRow>> {
        let mut q = Sql::new(&format!("{ACTION_SELECT} WHERE "));
        push_visible(
            &mut q,
            Entity::PlanAction,
            "a",
            &by.grants(Action::ViewStrategy),
        );
        if let Some(p) = &f.plan_id {
            q.push(" AND a.plan_id = ").bind(p.clone());
        }
        if let Some(a) = &f.policy_area {
            q.push(" AND pa.code = ").bind(a.clone());
        }
        if let Some(r) = &f.responsible {
            q.push(" AND a.responsible_code = ").bind(r.clone());
        }
        if let Some(s) = &f.status {
            q.push(" AND a.status = ").bind(s.clone());
        }
        if !f.with_removed {
            q.push(" AND a.removed_in IS NULL");
        }
        q.push(" ORDER BY a.plan_id, a.sort_key LIMIT 5000");
        let mut conn = self.acquire().await?;
        let rows = q.fetch_all(&mut *conn).await?;
        with_partners(&mut conn, rows).await
    }

    /// What an action the caller may see was in earlier revisions, the latest first.
    pub async fn action_revisions(
        &self,
        by: &Principal,
        id: &str,
    ) -> Result<Vec<ActionRevisionRow>> {
        let mut conn = self.acquire().await?;
        let row = action_for(&mut conn, by, Action::ViewStrategy, id).await?;
        Ok(
            Sql::new("SELECT revision, snapshot FROM action_revisions WHERE action_id = ")
                .bind(row.id)
                .push(" ORDER BY revision DESC")
                .fetch_all(&mut *conn)
                .await?,
        )
    }

    /// One action the caller may see, with its indicators.
    pub async fn plan_action(
        &self,
        by: &Principal,
        id: &str,
    ) -> Result<(PlanActionRow, Vec<PlanIndicatorRow>)> {
        let mut conn = self.acquire().await?;
        let row = action_for(&mut conn, by, Action::ViewStrategy, id).await?;
        let indicators = indicators_of(&mut conn, std::slice::from_ref(&row.id)).await?;
        Ok((row, indicators))
    }
}

/// An action visible to `by` under `action`'s grants (else not found).
pub(crate) async fn action_for(
    conn: &mut sqlx::AnyConnection,
    by: &Principal,
    action: Action,
    id: &str,
) -> Result<PlanActionRow> {
    let mut q = Sql::new(&format!("{ACTION_SELECT} WHERE a.id = "));
    q.bind(id.to_owned()).push(" AND ");
    push_visible(&mut q, Entity::PlanAction, "a", &by.grants(action));
    let row: PlanActionRow = q
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(StoreError::NotFound)?;
    with_partners(conn, vec![row])
        .await?
        .into_iter()
        .next()
        .ok_or(StoreError::NotFound)
}

pub(crate) async fn indicators_of(
    conn: &mut sqlx::AnyConnection,
    action_ids: &[String],
) -> Result<Vec<PlanIndicatorRow>> {
    if action_ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut q = Sql::new(
        "SELECT id, action_id, code, definitions, unit, baseline_value, baseline_year, targets, verification, \
         mode, engine_code, breakdown, removed_in FROM plan_indicators WHERE removed_in IS NULL AND action_id IN (",
    );
    q.bind_list(action_ids.iter().cloned())
        .push(") ORDER BY code");
    Ok(q.fetch_all(conn).await?)
}
