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
        Dimension::Ethnicity | Dimension::Disability => t(&id("special-value")),
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

/// The installation's DHIS2 mapping, or the shipped example.
pub fn dhis2_mapping(
    configured: Option<&std::sync::Arc<kopru_domain::dhis2::Mapping>>,
) -> Result<std::sync::Arc<kopru_domain::dhis2::Mapping>, ServiceError> {
    match configured {
        Some(m) => Ok(m.clone()),
        None => kopru_domain::dhis2::Mapping::parse(kopru_domain::dhis2::EXAMPLE_MAPPING)
            .map(std::sync::Arc::new)
            .map_err(|e| ServiceError::Internal(format!("the example mapping: {e}"))),
    }
}

/// What a DHIS2 instance answered to values sent to it (its import summary).
#[derive(Debug, Clone, Default, PartialEq, Serialize, utoipa::ToSchema)]
pub struct PushSummary {
    /// DHIS2's word: `SUCCESS`, `WARNING` or `ERROR` (`OK` in newer answers' envelope).
    pub status: String,
    /// Values sent, and small cells left out of them (hidden from the sender).
    pub sent: usize,
    pub suppressed: usize,
    pub imported: i64,
    pub updated: i64,
    pub ignored: i64,
    pub deleted: i64,
    /// What DHIS2 refused, as it says it (at most 50).
    pub conflicts: Vec<String>,
}

/// Sends the mapped indicators of one period, as `GET
/// /api/v1/exports/data-value-sets` gives them to the sender, to the
/// configured DHIS2 instance, and keeps what it answered in the audit log.
/// M&E officers and administrators (`ManageIndicators`) only.
#[allow(clippy::too_many_arguments)]
pub async fn push_period(
    store: &Store,
    actor: &kopru_store::audit::Actor,
    by: &Principal,
    mapping: &kopru_domain::dhis2::Mapping,
    server: Option<&crate::Dhis2Server>,
    period: &str,
    only: &[String],
    threshold: i64,
) -> Result<PushSummary, ServiceError> {
    if !by.may(kopru_domain::Action::ManageIndicators) {
        return Err(kopru_store::StoreError::Forbidden.into());
    }
    let Some(server) = server else {
        return Err(ValidationErrors::single("dhis2", "err-dhis2-not-configured").into());
    };
    let p = period_or_this_year(period).map_err(|c| ValidationErrors::single("period", c))?;
    if p.dhis2().is_none() {
        return Err(ValidationErrors::single("period", "err-dhis2-period").into());
    }
    let (values, hidden) = export_values(store, by, mapping, &p.label, only, threshold).await?;
    let body = kopru_domain::dhis2::data_value_sets(mapping, &values);
    let sent = body["dataValues"].as_array().map_or(0, Vec::len);
    let result = push_to_dhis2(server, &body, sent, hidden).await;
    let details = match &result {
        Ok(s) => serde_json::json!({"period": p.label, "sent": s.sent, "suppressed": s.suppressed,
            "status": s.status, "imported": s.imported, "updated": s.updated,
            "ignored": s.ignored, "conflicts": s.conflicts.len()}),
        Err(e) => {
            serde_json::json!({"period": p.label, "sent": values.len(), "error": e.to_string()})
        }
    };
    store
        .audit(
            &actor
                .event("indicator.dhis2_push")
                .outcome(if result.is_ok() { "ok" } else { "failed" })
                .details(details),
        )
        .await?;
    result
}

/// The longest answer read from DHIS2; an import summary is a few kilobytes.
const MAX_ANSWER: usize = 1 << 20;

/// Sends a `dataValueSets` document to `server` (`POST {url}/api/dataValueSets`,
/// JSON) and reads its import summary — as DHIS2 2.36 and older answer it,
/// and wrapped in `response` as 2.38 and newer do, with 409 for conflicts.
/// The answer is read up to 1 MiB; the exchange gives up after 60 seconds.
pub async fn push_to_dhis2(
    server: &crate::Dhis2Server,
    body: &serde_json::Value,
    sent: usize,
    suppressed: usize,
) -> Result<PushSummary, ServiceError> {
    use crate::Dhis2Auth;
    let url = format!("{}/api/dataValueSets", server.url.trim_end_matches('/'));
    let client = reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(60))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|e| ServiceError::Internal(format!("http client: {e}")))?;
    let request = client
        .post(&url)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .header(reqwest::header::ACCEPT, "application/json")
        .body(body.to_string());
    let request = match &server.auth {
        Dhis2Auth::Token(t) => {
            request.header(reqwest::header::AUTHORIZATION, format!("ApiToken {t}"))
        }
        Dhis2Auth::Basic { username, password } => request.basic_auth(username, Some(password)),
    };
    let mut resp = request
        .send()
        .await
        .map_err(|e| ServiceError::Upstream("err-dhis2-unreachable", format!("{url}: {e}")))?;
    // DHIS2's status: 401/403 refuse the credentials, 409 carries conflicts.
    let status = resp.status();
    if matches!(status.as_u16(), 401 | 403) {
        return Err(ServiceError::Upstream(
            "err-dhis2-refused",
            format!("{url}: {status}"),
        ));
    }
    let mut answer = Vec::new();
    loop {
        match resp.chunk().await {
            Ok(Some(c)) => {
                if answer.len() + c.len() > MAX_ANSWER {
                    return Err(ServiceError::Upstream(
                        "err-dhis2-answer",
                        format!("{url}: an answer over {MAX_ANSWER} bytes"),
                    ));
                }
                answer.extend_from_slice(&c);
            }
            Ok(None) => break,
            Err(e) => {
                return Err(ServiceError::Upstream(
                    "err-dhis2-unreachable",
                    format!("{url}: {e}"),
                ))
            }
        }
    }
    let summary = serde_json::from_slice::<serde_json::Value>(&answer)
        .ok()
        .and_then(|v| import_summary(&v));
    match summary {
        // A 409 carries the summary of what was refused.
        Some(mut s) if status.is_success() || status.as_u16() == 409 => {
            s.sent = sent;
            s.suppressed = suppressed;
            Ok(s)
        }
        _ => Err(ServiceError::Upstream(
            "err-dhis2-answer",
            format!(
                "{url}: {status}, {} bytes that are not an import summary",
                answer.len()
            ),
        )),
    }
}

/// DHIS2's import summary, bare or in the `response` envelope.
fn import_summary(v: &serde_json::Value) -> Option<PushSummary> {
    let s = match v.get("response") {
        Some(r) if r.get("importCount").is_some() => r,
        _ => v,
    };
    let count = s.get("importCount")?;
    let n = |k: &str| {
        count
            .get(k)
            .and_then(serde_json::Value::as_i64)
            .unwrap_or(0)
    };
    let text = |c: &serde_json::Value, k: &str| -> String {
        match c.get(k) {
            Some(serde_json::Value::String(s)) => s.clone(),
            Some(serde_json::Value::Object(o)) => o
                .values()
                .filter_map(serde_json::Value::as_str)
                .collect::<Vec<_>>()
                .join(", "),
            _ => String::new(),
        }
    };
    let conflicts = s
        .get("conflicts")
        .and_then(serde_json::Value::as_array)
        .map(|a| {
            a.iter()
                .take(50)
                .map(|c| {
                    let object = match text(c, "object") {
                        o if o.is_empty() => text(c, "objects"),
                        o => o,
                    };
                    format!("{object}: {}", text(c, "value"))
                })
                .collect()
        })
        .unwrap_or_default();
    Some(PushSummary {
        status: s
            .get("status")
            .and_then(serde_json::Value::as_str)
            .unwrap_or("")
            .to_owned(),
        imported: n("imported"),
        updated: n("updated"),
        ignored: n("ignored"),
        deleted: n("deleted"),
        conflicts,
        ..PushSummary::default()
    })
}

#[cfg(test)]
mod tests {
    use super::import_summary;
    use serde_json::json;

    #[test]
    fn import_summaries_are_read_bare_and_in_their_envelope() {
        let old = json!({"responseType": "ImportSummary", "status": "SUCCESS",
            "importCount": {"imported": 3, "updated": 1, "ignored": 0, "deleted": 0}});
        let s = import_summary(&old).unwrap();
        assert_eq!(
            (s.status.as_str(), s.imported, s.updated),
            ("SUCCESS", 3, 1)
        );
        let new = json!({"httpStatus": "Conflict", "status": "WARNING", "response": {
            "responseType": "ImportSummary", "status": "WARNING",
            "importCount": {"imported": 1, "updated": 0, "ignored": 2, "deleted": 0},
            "conflicts": [{"objects": {"dataElement": "abc"}, "value": "Data element not found"},
                          {"object": "xyz", "value": "Period not open"}]}});
        let s = import_summary(&new).unwrap();
        assert_eq!((s.status.as_str(), s.ignored), ("WARNING", 2));
        assert_eq!(
            s.conflicts,
            ["abc: Data element not found", "xyz: Period not open"]
        );
        assert_eq!(import_summary(&json!({"status": "ERROR"})), None);
        assert_eq!(import_summary(&json!([1, 2])), None);
    }
}
