//! Indicators (issue 21): definitions kept by version (the sets shipped in
//! `indicators/` installed on migrate, M&E officers publish newer ones),
//! baselines and targets, and the engine that computes values from the
//! records (`engine`, over the `sources`), its runs kept in memory until the
//! data changes (`cache`) and computed again after a restart (`warm`).

pub(crate) mod cache;
pub(crate) mod incremental;
pub use cache::CacheStats;
pub mod engine;
pub(crate) mod sources;
pub(crate) mod warm;

use crate::audit::{append, Actor};
use crate::error::{Result, StoreError};
use crate::sql::Sql;
use crate::{clock, new_id, Store};
use kopru_domain::indicator::{effective_target, IndicatorDefinition, TargetDraft, SHIPPED};
use kopru_domain::{Action, Principal, ValidationErrors};
use serde::Serialize;

/// One indicator as listed: its newest version.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct IndicatorSummary {
    pub code: String,
    pub version: i64,
    /// `shipped` or `published`.
    pub source: String,
    pub published_by: Option<String>,
    pub published_at: String,
    pub definition: IndicatorDefinition,
}

#[derive(sqlx::FromRow)]
struct VersionRow {
    code: String,
    version: i64,
    definition: String,
    source: String,
    published_by: Option<String>,
    published_at: String,
}

impl VersionRow {
    fn summary(self) -> Result<IndicatorSummary> {
        Ok(IndicatorSummary {
            definition: kept(&self.code, &self.definition)?,
            code: self.code,
            version: self.version,
            source: self.source,
            published_by: self.published_by,
            published_at: self.published_at,
        })
    }
}

/// A kept definition, parsed again (it was checked when published).
fn kept(code: &str, text: &str) -> Result<IndicatorDefinition> {
    IndicatorDefinition::parse(text)
        .map_err(|e| StoreError::Other(format!("kept indicator {code}: {e}")))
}

const VERSIONS: &str =
    "SELECT code, version, definition, source, published_by, published_at FROM indicator_versions";

/// A baseline and target as kept, with the value it asks for.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct TargetRow {
    pub id: String,
    pub code: String,
    /// Empty: the whole installation.
    pub area_code: String,
    pub period: String,
    pub period_start: String,
    pub period_end: String,
    pub baseline: Option<f64>,
    pub baseline_year: Option<i64>,
    pub target: Option<f64>,
    pub reference_value: Option<f64>,
    pub gap_closed: Option<f64>,
    pub note: Option<String>,
    pub version: i64,
    pub updated_by: String,
    pub updated_at: String,
}

impl TargetRow {
    /// The absolute target, or the one a relative target works out to.
    pub fn goal(&self) -> Option<f64> {
        effective_target(
            self.target,
            self.baseline,
            self.reference_value,
            self.gap_closed,
        )
    }
}

const TARGETS: &str = "SELECT id, code, area_code, period, period_start, period_end, baseline, \
     baseline_year, target, reference_value, gap_closed, note, version, updated_by, updated_at \
     FROM indicator_targets";

impl Store {
    /// Installs the shipped definitions' versions this database lacks.
    pub(crate) async fn install_shipped_indicators(&self) -> Result<()> {
        for (name, text) in SHIPPED {
            let defs = IndicatorDefinition::parse_set(text)
                .map_err(|e| StoreError::Other(format!("shipped indicators {name}: {e}")))?;
            for def in defs {
                let have: Option<(i64,)> =
                    Sql::new("SELECT version FROM indicator_versions WHERE code = ")
                        .bind(def.code.clone())
                        .push(" AND version = ")
                        .bind(i64::from(def.version))
                        .fetch_optional(self.pool())
                        .await?;
                if have.is_some() {
                    continue;
                }
                match insert_version(&def, None).execute(self.pool()).await {
                    Ok(_) => {}
                    Err(sqlx::Error::Database(db)) if db.is_unique_violation() => {}
                    Err(e) => return Err(e.into()),
                }
            }
        }
        Ok(())
    }

    /// The newest version of every indicator, by code.
    pub async fn indicators(&self, by: &Principal) -> Result<Vec<IndicatorSummary>> {
        if !by.may(Action::ViewIndicators) {
            return Err(StoreError::Forbidden);
        }
        let rows: Vec<VersionRow> = Sql::new(VERSIONS)
            .push(
                " v WHERE version = (SELECT MAX(w.version) FROM indicator_versions w WHERE w.code = v.code) \
                 ORDER BY code",
            )
            .fetch_all(self.pool())
            .await?;
        rows.into_iter().map(VersionRow::summary).collect()
    }

    /// An indicator's definition: the given version, or the newest.
    pub async fn indicator(&self, code: &str, version: Option<i64>) -> Result<IndicatorDefinition> {
        let mut q = Sql::new("SELECT definition FROM indicator_versions WHERE code = ");
        q.bind(code.to_owned());
        match version {
            Some(v) => {
                q.push(" AND version = ").bind(v);
            }
            None => {
                q.push(" ORDER BY version DESC LIMIT 1");
            }
        }
        let row: Option<(String,)> = q.fetch_optional(self.pool()).await?;
        let (text,) = row.ok_or(StoreError::NotFound)?;
        kept(code, &text)
    }

    /// Every version of an indicator, newest first.
    pub async fn indicator_versions(&self, code: &str) -> Result<Vec<IndicatorSummary>> {
        let rows: Vec<VersionRow> = Sql::new(VERSIONS)
            .push(" WHERE code = ")
            .bind(code.to_owned())
            .push(" ORDER BY version DESC")
            .fetch_all(self.pool())
            .await?;
        if rows.is_empty() {
            return Err(StoreError::NotFound);
        }
        rows.into_iter().map(VersionRow::summary).collect()
    }

    /// Publishes a definition (JSON): a new indicator or a newer version.
    /// Every problem is named at once; a ratio's parts must be indicators
    /// that count; a version not above the newest is refused.
    pub async fn publish_indicator(
        &self,
        actor: &Actor,
        by: &Principal,
        json: &str,
    ) -> Result<IndicatorSummary> {
        if !by.may(Action::ManageIndicators) {
            return Err(StoreError::Forbidden);
        }
        let def = IndicatorDefinition::parse(json).map_err(StoreError::from)?;
        let mut errors = ValidationErrors::new();
        for (field, part) in [
            ("numerator", &def.numerator),
            ("denominator", &def.denominator),
        ] {
            let Some(code) = part else { continue };
            match self.indicator(code, None).await {
                Ok(p) if p.kind.is_count() => {}
                Ok(_) => errors.push(format!("{field}: {code}"), "indicator-def-ratio"),
                Err(StoreError::NotFound) => errors.push(
                    format!("{field}: {code}"),
                    "indicator-def-unknown-indicator",
                ),
                Err(e) => return Err(e),
            }
        }
        if !errors.is_empty() {
            return Err(StoreError::Invalid(errors));
        }
        let mut tx = self.begin_write().await?;
        let newest: Option<(Option<i64>,)> =
            Sql::new("SELECT MAX(version) FROM indicator_versions WHERE code = ")
                .bind(def.code.clone())
                .fetch_optional(tx.conn())
                .await?;
        if newest
            .and_then(|r| r.0)
            .is_some_and(|n| i64::from(def.version) <= n)
        {
            return Err(StoreError::Invalid(ValidationErrors::single(
                "version",
                "indicator-def-version-not-newer",
            )));
        }
        insert_version(&def, Some(&actor.username))
            .execute(tx.conn())
            .await
            .map_err(|e| StoreError::unique_to_field(e, "version"))?;
        append(
            tx.conn(),
            &actor
                .event("indicator.publish")
                .record("indicator", &def.code)
                .details(serde_json::json!({ "version": def.version })),
        )
        .await?;
        let row: VersionRow = Sql::new(VERSIONS)
            .push(" WHERE code = ")
            .bind(def.code.clone())
            .push(" AND version = ")
            .bind(i64::from(def.version))
            .fetch_one(tx.conn())
            .await?;
        tx.commit().await?;
        row.summary()
    }

    /// An indicator's targets, by area and period.
    pub async fn indicator_targets(&self, by: &Principal, code: &str) -> Result<Vec<TargetRow>> {
        if !by.may(Action::ViewIndicators) {
            return Err(StoreError::Forbidden);
        }
        Ok(Sql::new(TARGETS)
            .push(" WHERE code = ")
            .bind(code.to_owned())
            .push(" ORDER BY area_code, period_start")
            .fetch_all(self.pool())
            .await?)
    }

    /// The target for an area (or the installation) and exactly this period.
    pub async fn indicator_target(
        &self,
        code: &str,
        area: Option<&str>,
        period: &str,
    ) -> Result<Option<TargetRow>> {
        Ok(Sql::new(TARGETS)
            .push(" WHERE code = ")
            .bind(code.to_owned())
            .push(" AND area_code = ")
            .bind(area.unwrap_or_default().to_ascii_uppercase())
            .push(" AND period = ")
            .bind(period.to_owned())
            .fetch_optional(self.pool())
            .await?)
    }

    /// Sets (adds or replaces) the baseline and target of an indicator for
    /// an area and a period. Replacing needs the version read (409 when
    /// someone changed it since).
    pub async fn set_indicator_target(
        &self,
        actor: &Actor,
        by: &Principal,
        code: &str,
        draft: &TargetDraft,
        version: Option<i64>,
    ) -> Result<TargetRow> {
        if !by.may(Action::ManageIndicators) {
            return Err(StoreError::Forbidden);
        }
        self.indicator(code, None).await?;
        let t = draft.validate().map_err(StoreError::Invalid)?;
        if !t.area.is_empty() {
            let known: Option<(String,)> = Sql::new("SELECT code FROM areas WHERE code = ")
                .bind(t.area.clone())
                .fetch_optional(self.pool())
                .await?;
            if known.is_none() {
                return Err(StoreError::Invalid(ValidationErrors::single(
                    "area",
                    "err-area-unknown",
                )));
            }
        }
        let mut tx = self.begin_write().await?;
        let current: Option<(String, i64)> =
            Sql::new("SELECT id, version FROM indicator_targets WHERE code = ")
                .bind(code.to_owned())
                .push(" AND area_code = ")
                .bind(t.area.clone())
                .push(" AND period = ")
                .bind(t.period.label.clone())
                .fetch_optional(tx.conn())
                .await?;
        let cols = |id: &str| -> Vec<(&'static str, crate::sql::Val)> {
            vec![
                ("id", id.into()),
                ("code", code.into()),
                ("area_code", t.area.clone().into()),
                ("period", t.period.label.clone().into()),
                ("period_start", t.period.start.clone().into()),
                ("period_end", t.period.end.clone().into()),
                ("baseline_year", t.baseline_year.into()),
                ("note", t.note.clone().into()),
                ("updated_by", actor.username.clone().into()),
                ("updated_at", clock::now().into()),
            ]
        };
        let id = match current {
            Some((id, have)) => {
                if version != Some(have) {
                    return Err(StoreError::Conflict { current: have });
                }
                let mut c = cols(&id);
                c.remove(0);
                crate::records::update_versioned(
                    tx.conn(),
                    "indicator_targets",
                    &c,
                    &id,
                    have,
                    have,
                )
                .await?;
                id
            }
            None => {
                let id = new_id();
                let mut c = cols(&id);
                c.push(("version", 1i64.into()));
                Sql::insert("indicator_targets", &c)
                    .execute(tx.conn())
                    .await
                    .map_err(|e| StoreError::unique_to_field(e, "period"))?;
                id
            }
        };
        // Numbers are not among `Val`'s kinds: set them apart. A missing one
        // is written as NULL, never bound: sqlx's Any driver binds a None as
        // an INT4 on PostgreSQL, and the statement it caches then refuses a
        // number in the same place ("incorrect binary data format").
        let mut q = Sql::new("UPDATE indicator_targets SET ");
        for (i, (column, value)) in [
            ("baseline", t.baseline),
            ("target", t.target),
            ("reference_value", t.reference_value),
            ("gap_closed", t.gap_closed),
        ]
        .into_iter()
        .enumerate()
        {
            if i > 0 {
                q.push(", ");
            }
            q.push(&format!("{column} = "));
            match value {
                Some(v) => {
                    q.bind(v);
                }
                None => {
                    q.push("NULL");
                }
            }
        }
        q.push(" WHERE id = ")
            .bind(id.clone())
            .execute(tx.conn())
            .await?;
        append(
            tx.conn(),
            &actor
                .event("indicator.target")
                .record("indicator", code)
                .details(serde_json::json!({
                    "area": t.area, "period": t.period.label,
                    "baseline": t.baseline, "target": t.target,
                    "reference_value": t.reference_value, "gap_closed": t.gap_closed,
                })),
        )
        .await?;
        let row: TargetRow = Sql::new(TARGETS)
            .push(" WHERE id = ")
            .bind(id)
            .fetch_one(tx.conn())
            .await?;
        tx.commit().await?;
        Ok(row)
    }
}

fn insert_version(def: &IndicatorDefinition, published_by: Option<&str>) -> Sql {
    // Definitions are strings, numbers and lists of them: this cannot fail.
    let text = serde_json::to_string(def).unwrap_or_default();
    let mut q = Sql::new(
        "INSERT INTO indicator_versions (code, version, definition, source, published_by, published_at) VALUES (",
    );
    q.bind(def.code.clone())
        .push(", ")
        .bind(i64::from(def.version))
        .push(", ")
        .bind(text)
        .push(", ")
        .bind(if published_by.is_some() {
            "published"
        } else {
            "shipped"
        })
        .push(", ")
        .bind(published_by.map(str::to_owned))
        .push(", ")
        .bind(clock::now())
        .push(")");
    q
}

/// A dashboard as kept.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DashboardRow {
    pub id: String,
    pub code: String,
    #[schema(value_type = Object)]
    pub titles: std::collections::BTreeMap<String, String>,
    pub programme_code: Option<String>,
    pub result_area: Option<String>,
    pub items: Vec<kopru_domain::indicator::DashboardItem>,
    pub version: i64,
    pub updated_by: String,
    pub updated_at: String,
}

#[derive(sqlx::FromRow)]
struct DashboardText {
    id: String,
    code: String,
    titles: String,
    programme_code: Option<String>,
    result_area: Option<String>,
    items: String,
    version: i64,
    updated_by: String,
    updated_at: String,
}

impl From<DashboardText> for DashboardRow {
    fn from(r: DashboardText) -> Self {
        DashboardRow {
            id: r.id,
            code: r.code,
            titles: serde_json::from_str(&r.titles).unwrap_or_default(),
            programme_code: r.programme_code,
            result_area: r.result_area,
            items: serde_json::from_str(&r.items).unwrap_or_default(),
            version: r.version,
            updated_by: r.updated_by,
            updated_at: r.updated_at,
        }
    }
}

const DASHBOARDS: &str = "SELECT id, code, titles, programme_code, result_area, items, version, \
     updated_by, updated_at FROM dashboards";

impl Store {
    /// Every dashboard, by programme and code.
    pub async fn indicator_dashboards(&self, by: &Principal) -> Result<Vec<DashboardRow>> {
        if !by.may(Action::ViewIndicators) {
            return Err(StoreError::Forbidden);
        }
        let rows: Vec<DashboardText> = Sql::new(DASHBOARDS)
            .push(" ORDER BY programme_code, code")
            .fetch_all(self.pool())
            .await?;
        Ok(rows.into_iter().map(DashboardRow::from).collect())
    }

    pub async fn indicator_dashboard(&self, by: &Principal, code: &str) -> Result<DashboardRow> {
        if !by.may(Action::ViewIndicators) {
            return Err(StoreError::Forbidden);
        }
        let row: Option<DashboardText> = Sql::new(DASHBOARDS)
            .push(" WHERE code = ")
            .bind(code.to_ascii_uppercase())
            .fetch_optional(self.pool())
            .await?;
        row.map(DashboardRow::from).ok_or(StoreError::NotFound)
    }

    /// Adds a dashboard (`version` none) or replaces one (the version read:
    /// 409 when someone changed it since). Every item must be an indicator
    /// that allows its breakdown; the programme must exist.
    pub async fn save_dashboard(
        &self,
        actor: &Actor,
        by: &Principal,
        draft: &kopru_domain::indicator::DashboardDraft,
        version: Option<i64>,
    ) -> Result<DashboardRow> {
        if !by.may(Action::ManageIndicators) {
            return Err(StoreError::Forbidden);
        }
        let d = draft.validate().map_err(StoreError::Invalid)?;
        let mut errors = ValidationErrors::new();
        for (i, it) in d.items.iter().enumerate() {
            match self.indicator(&it.indicator, None).await {
                Ok(def) => {
                    if let Err(c) = def.breakdown(&it.by) {
                        errors.push(format!("items[{i}].by"), c);
                    }
                }
                Err(StoreError::NotFound) => errors.push(
                    format!("items[{i}].indicator"),
                    "indicator-def-unknown-indicator",
                ),
                Err(e) => return Err(e),
            }
        }
        if !d.programme_code.is_empty() {
            let known: Option<(String,)> = Sql::new("SELECT code FROM programmes WHERE code = ")
                .bind(d.programme_code.clone())
                .fetch_optional(self.pool())
                .await?;
            if known.is_none() {
                errors.push("programme_code", "err-programme-unknown");
            }
        }
        if !errors.is_empty() {
            return Err(StoreError::Invalid(errors));
        }
        let text = |v: &str| Some(v.to_owned()).filter(|v| !v.is_empty());
        let cols = vec![
            (
                "titles",
                serde_json::to_string(&d.titles).unwrap_or_default().into(),
            ),
            ("programme_code", text(&d.programme_code).into()),
            ("result_area", text(&d.result_area).into()),
            (
                "items",
                serde_json::to_string(&d.items).unwrap_or_default().into(),
            ),
            ("updated_by", actor.username.clone().into()),
            ("updated_at", clock::now().into()),
        ];
        let mut tx = self.begin_write().await?;
        let current: Option<(String, i64)> =
            Sql::new("SELECT id, version FROM dashboards WHERE code = ")
                .bind(d.code.clone())
                .fetch_optional(tx.conn())
                .await?;
        let id = match (current, version) {
            (Some((id, have)), Some(v)) => {
                crate::records::update_versioned(tx.conn(), "dashboards", &cols, &id, v, have)
                    .await?;
                id
            }
            (Some((_, have)), None) => return Err(StoreError::Conflict { current: have }),
            (None, Some(_)) => return Err(StoreError::NotFound),
            (None, None) => {
                let id = new_id();
                let mut c = cols.clone();
                c.push(("id", id.clone().into()));
                c.push(("code", d.code.clone().into()));
                c.push(("version", 1i64.into()));
                Sql::insert("dashboards", &c)
                    .execute(tx.conn())
                    .await
                    .map_err(|e| StoreError::unique_to_field(e, "code"))?;
                id
            }
        };
        append(
            tx.conn(),
            &actor
                .event("dashboard.save")
                .record("dashboard", &id)
                .details(serde_json::json!({ "code": d.code, "items": d.items.len() })),
        )
        .await?;
        let row: DashboardText = Sql::new(DASHBOARDS)
            .push(" WHERE id = ")
            .bind(id)
            .fetch_one(tx.conn())
            .await?;
        tx.commit().await?;
        Ok(row.into())
    }
}
