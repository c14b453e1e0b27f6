//! What the indicator pages, the API and the exports share: reading a
//! request for values into a checked query, the values with their target,
//! and a table as rows of text for CSV and XLSX.

use crate::service::ServiceError;
use kopru_domain::indicator::{bands_for, progress, Dimension, Every, IndicatorDefinition, Period};
use kopru_domain::{Principal, ValidationErrors};
use kopru_store::indicators::engine::{Cell, IndicatorTable, Key, ValuesQuery};
use kopru_store::indicators::TargetRow;
use kopru_store::Store;
use serde::{Deserialize, Serialize};

/// A request for values, as a query string or a form gives it.
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::IntoParams)]
#[serde(default)]
#[into_params(parameter_in = Query)]
pub struct ValuesParams {
    /// `2026`, `2026-Q2`, `2026-05`, `2025/2026`, `2026-01-10..2026-02-20`; this year when empty.
    pub period: String,
    /// Up to two of the indicator's breakdowns: `sex`, `age`, `area`, `unit`,
    /// `programme`, `group`, `window`, `institution`, `period` (a series), `ethnicity`.
    pub by: String,
    /// An area code: only rows there; `by=area` then splits by its children.
    pub area: String,
    /// Age bands: `own` (the indicator's; ESF+'s when it has none), `esf`, `five`.
    pub bands: String,
    /// How `by=period` splits the period: `month`, `quarter`, `year`, `school_year`.
    pub every: String,
}

impl ValuesParams {
    /// The query these parameters ask, every problem named.
    pub fn query(
        &self,
        def: &IndicatorDefinition,
        today: &str,
        threshold: i64,
    ) -> Result<ValuesQuery, ValidationErrors> {
        let mut e = ValidationErrors::new();
        let period = if self.period.trim().is_empty() {
            Period::parse(today.get(..4).unwrap_or("2026"))
        } else {
            Period::parse(&self.period)
        };
        let period = e.take("period", period);
        let by = e.take("by", def.breakdown(&self.by));
        let bands = e.take("bands", bands_for(def, &self.bands));
        let every = e.take("every", Every::parse(&self.every));
        let area = self.area.trim().to_ascii_uppercase();
        if area.len() > 40 || !area.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
            e.push("area", "err-area-code");
        }
        e.into_result()?;
        match (period, by, bands, every) {
            (Some(period), Some(by), Some(bands), Some(every)) => Ok(ValuesQuery {
                period,
                by,
                area: Some(area).filter(|a| !a.is_empty()),
                bands,
                every,
                threshold,
            }),
            _ => Err(ValidationErrors::single("period", "err-indicator-period")),
        }
    }
}

/// A period as written, or this year (in the installation's calendar) when blank.
pub fn period_or_this_year(raw: &str) -> Result<Period, &'static str> {
    if raw.trim().is_empty() {
        let today = kopru_store::clock::today();
        Period::parse(today.get(..4).unwrap_or("2026"))
    } else {
        Period::parse(raw)
    }
}

/// An indicator's values with the target set for the area and period, and
/// how far the total has come towards it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct IndicatorValues {
    #[serde(flatten)]
    pub table: IndicatorTable,
    pub target: Option<TargetRow>,
    /// The value the target asks for (a relative target worked out).
    pub goal: Option<f64>,
    /// Percent of the way from the baseline to the goal.
    pub progress: Option<f64>,
}

/// The newest definition and its values for the reader.
pub async fn values(
    store: &Store,
    by: &Principal,
    code: &str,
    params: &ValuesParams,
    threshold: i64,
) -> Result<(IndicatorDefinition, IndicatorValues), ServiceError> {
    let def = store.indicator(code, None).await?;
    let query = params.query(&def, &kopru_store::clock::today(), threshold)?;
    let table = store.indicator_values(by, &def, &query).await?;
    let target = store
        .indicator_target(code, query.area.as_deref(), &query.period.label)
        .await?;
    let goal = target.as_ref().and_then(TargetRow::goal);
    let progress = match (goal, table.total.value, table.total.hidden) {
        (Some(g), Some(v), false) => progress(v, target.as_ref().and_then(|t| t.baseline), g),
        _ => None,
    };
    Ok((
        def,
        IndicatorValues {
            table,
            target,
            goal,
            progress,
        },
    ))
}

/// A key as a reader sees it: sexes and groups translated, the rest as the
/// engine named them.
pub fn key_label(t: &dyn Fn(&str) -> String, d: Dimension, k: &Key) -> String {
    let id = |prefix: &str| format!("{prefix}-{}", k.key.replace('_', "-"));
    match d {
        Dimension::Sex => t(&id("sex")),
        Dimension::Group if k.key == "none" => t("indicator-group-none"),
        Dimension::Group => t(&id("group")),
        Dimension::Age if k.key == "unknown" => t("indicator-age-unknown"),
        Dimension::Window => format!("{} {}", k.label, t("indicator-months")),
        _ if k.key.is_empty() => t("indicator-elsewhere"),
        _ => k.label.clone(),
    }
}

/// A cell as text: "<5" when hidden, a percentage for a ratio, a number.
pub fn cell_text(c: &Cell, threshold: i64, percent: bool) -> String {
    if c.hidden {
        return format!("<{threshold}");
    }
    match c.value {
        None => "–".to_owned(),
        Some(v) if percent => format!("{v:.1}%"),
        Some(v) if v.fract() == 0.0 => format!("{v:.0}"),
        Some(v) => format!("{v:.2}"),
    }
}

/// The table as a header and rows of text, margins included: what CSV and
/// XLSX exports hold, hidden cells as "<5".
pub fn table_rows(
    t: &IndicatorTable,
    tr: &dyn Fn(&str) -> String,
) -> (Vec<String>, Vec<Vec<String>>) {
    let percent = t.kind == kopru_domain::indicator::IndicatorKind::Ratio;
    let text = |c: &Cell| cell_text(c, t.threshold, percent);
    let total = tr("indicator-total");
    match t.by.as_slice() {
        [] => (
            vec![tr("indicator-period"), total],
            vec![vec![t.period.label.clone(), text(&t.total)]],
        ),
        [d] => {
            let mut rows: Vec<Vec<String>> = t
                .rows
                .iter()
                .zip(&t.row_totals)
                .map(|(k, c)| vec![key_label(tr, *d, k), text(c)])
                .collect();
            rows.push(vec![total.clone(), text(&t.total)]);
            (
                vec![tr(&format!("indicator-by-{}", d.as_str())), total],
                rows,
            )
        }
        [d, e] => {
            let mut header = vec![format!(
                "{} \\ {}",
                tr(&format!("indicator-by-{}", d.as_str())),
                tr(&format!("indicator-by-{}", e.as_str()))
            )];
            header.extend(t.columns.iter().map(|k| key_label(tr, *e, k)));
            header.push(total.clone());
            let mut rows: Vec<Vec<String>> = t
                .rows
                .iter()
                .enumerate()
                .map(|(i, k)| {
                    let mut r = vec![key_label(tr, *d, k)];
                    r.extend(t.cells[i].iter().map(text));
                    r.push(text(&t.row_totals[i]));
                    r
                })
                .collect();
            let mut last = vec![total];
            last.extend(t.column_totals.iter().map(text));
            last.push(text(&t.total));
            rows.push(last);
            (header, rows)
        }
        _ => (vec![], vec![]),
    }
}

/// The values a DHIS2 export sends: every mapped indicator (or those asked)
/// in every mapped area, for one period, as the reader may read them. Hidden
/// small cells are left out and counted.
pub async fn export_values(
    store: &Store,
    by: &Principal,
    mapping: &kopru_domain::dhis2::Mapping,
    period: &str,
    only: &[String],
    threshold: i64,
) -> Result<(Vec<kopru_domain::dhis2::ExportValue>, usize), ServiceError> {
    use kopru_domain::dhis2::ExportValue;
    let period = period_or_this_year(period).map_err(|c| ValidationErrors::single("period", c))?;
    let mut out = Vec::new();
    let mut hidden = 0;
    for code in only {
        if !mapping.data_elements.contains_key(code) {
            return Err(ValidationErrors::single("indicators", "err-dhis2-unmapped").into());
        }
    }
    for (code, e) in &mapping.data_elements {
        if !only.is_empty() && !only.contains(code) {
            continue;
        }
        let def = match store.indicator(code, None).await {
            Ok(d) => d,
            // A mapping may name indicators this installation does not have.
            Err(kopru_store::StoreError::NotFound) => continue,
            Err(e) => return Err(e.into()),
        };
        for area in mapping.org_units.keys() {
            let params = ValuesParams {
                period: period.label.clone(),
                by: e.by.map(|d| d.as_str().to_owned()).unwrap_or_default(),
                area: area.clone(),
                ..Default::default()
            };
            let query = params.query(&def, &kopru_store::clock::today(), threshold)?;
            let t = store.indicator_values(by, &def, &query).await?;
            let cells: Vec<(Option<String>, &Cell)> = if e.by.is_some() {
                t.rows
                    .iter()
                    .zip(&t.row_totals)
                    .map(|(k, c)| (Some(k.key.clone()), c))
                    .collect()
            } else {
                vec![(None, &t.total)]
            };
            for (option, c) in cells {
                if c.hidden {
                    hidden += 1;
                    continue;
                }
                if let Some(value) = c.value {
                    out.push(ExportValue {
                        indicator: code.clone(),
                        area: area.clone(),
                        period: period.clone(),
                        option,
                        value,
                    });
                }
            }
        }
    }
    Ok((out, hidden))
}

/// One indicator of a dashboard with its values.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DashboardEntry {
    pub indicator: String,
    #[schema(value_type = Object)]
    pub names: std::collections::BTreeMap<String, String>,
    pub values: IndicatorValues,
}

/// A dashboard with every indicator's values for a period (and an area).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DashboardView {
    pub dashboard: kopru_store::indicators::DashboardRow,
    pub period: Period,
    pub items: Vec<DashboardEntry>,
}

pub async fn dashboard_view(
    store: &Store,
    by: &Principal,
    code: &str,
    period: &str,
    area: &str,
    threshold: i64,
) -> Result<DashboardView, ServiceError> {
    let dashboard = store.indicator_dashboard(by, code).await?;
    let period = period_or_this_year(period).map_err(|c| ValidationErrors::single("period", c))?;
    let mut items = Vec::new();
    for it in &dashboard.items {
        let params = ValuesParams {
            period: period.label.clone(),
            by: it.by.clone(),
            area: area.to_owned(),
            ..Default::default()
        };
        let (def, values) = values(store, by, &it.indicator, &params, threshold).await?;
        items.push(DashboardEntry {
            indicator: it.indicator.clone(),
            names: def.names,
            values,
        });
    }
    Ok(DashboardView {
        dashboard,
        period,
        items,
    })
}
