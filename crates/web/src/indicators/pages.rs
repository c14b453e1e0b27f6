//! Indicator pages: the list by set (`/indicators`), and an indicator with
//! its value, target and progress, a trend, a breakdown table exported to
//! CSV and XLSX, and its targets (`/indicators/{code}`).

use super::service::{self, cell_text, key_label, DashboardEntry, DashboardView, ValuesParams};
use crate::context::{Auth, Ctx};
use crate::error::{AppError, AppResult};
use crate::extract::{FormBody, Param, QueryArgs};
use crate::pages::{form_errors, render, FormErrors};
use crate::AppState;
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;
use kopru_domain::indicator::{
    DashboardDraft, DashboardItem, Dimension, IndicatorDefinition, IndicatorKind, TargetDraft,
};
use kopru_domain::{Action, ValidationErrors};
use kopru_store::indicators::engine::{Cell, IndicatorTable};
use kopru_store::indicators::{DashboardRow, IndicatorSummary, TargetRow};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/indicators", get(index).post(publish_post))
        .route("/indicators/{code}", get(indicator_page).post(target_post))
        .route("/dashboards", axum::routing::post(dashboard_post))
        .route("/dhis2/push", axum::routing::post(push_post))
        .route(
            "/dashboards/{code}",
            get(dashboard_page).post(dashboard_edit_post),
        )
}

/// The sets the list shows, in order; others follow under their own name.
const SETS: [&str; 4] = ["headline", "esf_output", "esf_result", "siroma"];

#[derive(Template)]
#[template(path = "indicators.html")]
pub struct IndexPage {
    pub ctx: Ctx,
    pub sets: Vec<(String, Vec<IndicatorSummary>)>,
    pub dashboards: Vec<DashboardRow>,
    pub can_manage: bool,
    /// A DHIS2 server is configured and the reader may send to it.
    pub can_push: bool,
    /// What DHIS2 answered to the values just sent.
    pub pushed: Option<service::PushSummary>,
    pub errors: FormErrors,
    pub sent: Vec<(String, String)>,
}

impl IndexPage {
    pub fn title(&self, d: &DashboardRow) -> String {
        pick_title(&d.titles, self.ctx.tr.tag())
    }
    pub fn sent(&self, k: &str) -> String {
        sent_value(&self.sent, k)
    }
    /// Which of the two forms was sent back with problems.
    pub fn push_result(&self) -> String {
        self.pushed.as_ref().map_or_else(String::new, |p| {
            self.ctx.tr.numbers(
                "indicator-push-result",
                &[
                    ("sent", i64::try_from(p.sent).unwrap_or(i64::MAX)),
                    ("imported", p.imported),
                    ("updated", p.updated),
                    ("ignored", p.ignored),
                    (
                        "suppressed",
                        i64::try_from(p.suppressed).unwrap_or(i64::MAX),
                    ),
                ],
            )
        })
    }
    pub fn pushing(&self) -> bool {
        self.sent.iter().any(|(k, _)| k == "push_period")
    }
    pub fn publishing(&self) -> bool {
        self.sent.iter().any(|(k, _)| k == "definition")
    }
    pub fn name(&self, d: &IndicatorDefinition) -> String {
        d.name(self.ctx.tr.tag()).to_owned()
    }
    pub fn set_title(&self, set: &str) -> String {
        if SETS.contains(&set) {
            self.ctx.l("indicator-set", set)
        } else {
            set.to_owned()
        }
    }
}

/// A title in the reader's language, else Turkish, English, any.
fn pick_title(titles: &std::collections::BTreeMap<String, String>, lang: &str) -> String {
    titles
        .get(lang)
        .or_else(|| titles.get("tr"))
        .or_else(|| titles.get("en"))
        .or_else(|| titles.values().next())
        .cloned()
        .unwrap_or_default()
}

fn sent_value(sent: &[(String, String)], k: &str) -> String {
    sent.iter()
        .find(|(n, _)| n == k)
        .map(|(_, v)| v.clone())
        .unwrap_or_default()
}

pub async fn index(State(state): State<AppState>, Auth(ctx, user): Auth) -> AppResult<Response> {
    let page = index_view(&state, ctx, &user, FormErrors::default(), vec![]).await?;
    Ok(render(&page)?.into_response())
}

/// Sends one period's mapped values to the configured DHIS2 server and shows
/// its answer on the list page (what it refused included); a failure to reach
/// it, or a refusal of the credentials, is said beside the form.
pub async fn push_post(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    FormBody(pairs): FormBody<Vec<(String, String)>>,
) -> AppResult<Response> {
    let pairs: Vec<(String, String)> = pairs.into_iter().take(5).collect();
    let mapping = service::dhis2_mapping(state.config.dhis2_mapping.as_ref())?;
    let result = service::push_period(
        &state.store,
        &ctx.actor(),
        &user.principal,
        &mapping,
        state.config.dhis2_server.as_deref(),
        &sent_value(&pairs, "push_period"),
        &[],
        state.config.small_cell_threshold,
    )
    .await;
    let tr = ctx.tr;
    let (status, errors, pushed) = match result {
        Ok(s) => (StatusCode::OK, FormErrors::default(), Some(s)),
        Err(crate::service::ServiceError::Upstream(id, cause)) => {
            tracing::warn!(error = %cause, "DHIS2 push");
            (
                StatusCode::BAD_GATEWAY,
                FormErrors::single(tr, "dhis2", id),
                None,
            )
        }
        Err(e) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            form_errors(tr, e.into())?,
            None,
        ),
    };
    let mut page = index_view(&state, ctx, &user, errors, pairs).await?;
    page.pushed = pushed;
    Ok((status, render(&page)?).into_response())
}

async fn index_view(
    state: &AppState,
    ctx: Ctx,
    user: &crate::context::SignedIn,
    errors: FormErrors,
    sent: Vec<(String, String)>,
) -> AppResult<IndexPage> {
    let all = state.store.indicators(&user.principal).await?;
    let mut sets: Vec<(String, Vec<IndicatorSummary>)> =
        SETS.iter().map(|s| ((*s).to_owned(), Vec::new())).collect();
    for i in all {
        // Parts of ratios (`headline_parts`) are reached from their ratio.
        let set = i
            .definition
            .sets
            .first()
            .cloned()
            .unwrap_or_else(|| "other".to_owned());
        if set.ends_with("_parts") {
            continue;
        }
        match sets.iter_mut().find(|(s, _)| *s == set) {
            Some((_, v)) => v.push(i),
            None => sets.push((set, vec![i])),
        }
    }
    sets.retain(|(_, v)| !v.is_empty());
    Ok(IndexPage {
        dashboards: state.store.indicator_dashboards(&user.principal).await?,
        can_manage: user.principal.may(Action::ManageIndicators),
        can_push: user.principal.may(Action::ManageIndicators)
            && state.config.dhis2_server.is_some(),
        pushed: None,
        ctx,
        sets,
        errors,
        sent,
    })
}

/// Publishes a definition pasted on the list page (JSON, as in `indicators/`):
/// every problem is listed beside the form.
pub async fn publish_post(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    FormBody(pairs): FormBody<Vec<(String, String)>>,
) -> AppResult<Response> {
    let pairs: Vec<(String, String)> = pairs.into_iter().take(5).collect();
    let json = sent_value(&pairs, "definition");
    match state
        .store
        .publish_indicator(&ctx.actor(), &user.principal, &json)
        .await
    {
        Ok(d) => Ok(Redirect::to(&format!("/indicators/{}", d.code)).into_response()),
        Err(e) => {
            let errors = form_errors(ctx.tr, e.into())?;
            let page = index_view(&state, ctx, &user, errors, pairs).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
        }
    }
}

/// A dashboard as its form sends it: titles, programme, result area, and the
/// items one a line, `CODE` or `CODE breakdown`.
fn draft_of(pairs: &[(String, String)], code: String) -> DashboardDraft {
    let get = |k: &str| sent_value(pairs, k);
    let mut titles = std::collections::BTreeMap::new();
    for l in ["tr", "en"] {
        titles.insert(l.to_owned(), get(&format!("title_{l}")));
    }
    let items = get("items")
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .take(kopru_domain::indicator::MAX_DASHBOARD_ITEMS + 1)
        .map(|l| {
            let mut parts = l.split_whitespace();
            DashboardItem {
                indicator: parts.next().unwrap_or_default().to_owned(),
                by: parts.next().unwrap_or_default().to_owned(),
            }
        })
        .collect();
    DashboardDraft {
        code,
        titles,
        programme_code: get("programme_code"),
        result_area: get("result_area"),
        items,
    }
}

/// Composes a dashboard from the list page's form: the items one a line,
/// `CODE` or `CODE breakdown`.
pub async fn dashboard_post(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    FormBody(pairs): FormBody<Vec<(String, String)>>,
) -> AppResult<Response> {
    let pairs: Vec<(String, String)> = pairs.into_iter().take(20).collect();
    let draft = draft_of(&pairs, sent_value(&pairs, "code"));
    match state
        .store
        .save_dashboard(&ctx.actor(), &user.principal, &draft, None)
        .await
    {
        Ok(d) => Ok(Redirect::to(&format!("/dashboards/{}", d.code)).into_response()),
        Err(e) => {
            let errors = form_errors(ctx.tr, e.into())?;
            let page = index_view(&state, ctx, &user, errors, pairs).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
        }
    }
}

#[derive(Template)]
#[template(path = "indicator_dashboard.html")]
pub struct DashboardPage {
    pub ctx: Ctx,
    pub view: DashboardView,
    pub area: String,
    pub threshold: i64,
    pub can_manage: bool,
    pub errors: FormErrors,
    /// What the edit form sent, when it is shown again.
    pub sent: Vec<(String, String)>,
    /// Someone saved the dashboard since the form was opened.
    pub stale: bool,
    pub maps: std::sync::Arc<crate::charts::Maps>,
}

impl DashboardPage {
    /// The edit form's value: what was sent, else what is saved.
    pub fn edit_value(&self, k: &str) -> String {
        if !self.sent.is_empty() && !self.stale {
            return sent_value(&self.sent, k);
        }
        let d = &self.view.dashboard;
        match k {
            "title_tr" => d.titles.get("tr").cloned().unwrap_or_default(),
            "title_en" => d.titles.get("en").cloned().unwrap_or_default(),
            "programme_code" => d.programme_code.clone().unwrap_or_default(),
            "result_area" => d.result_area.clone().unwrap_or_default(),
            "items" => d
                .items
                .iter()
                .map(|i| format!("{} {}", i.indicator, i.by).trim().to_owned())
                .collect::<Vec<_>>()
                .join("\n"),
            _ => String::new(),
        }
    }
    pub fn editing(&self) -> bool {
        !self.sent.is_empty()
    }
    pub fn title(&self) -> String {
        pick_title(&self.view.dashboard.titles, self.ctx.tr.tag())
    }
    pub fn name(&self, e: &DashboardEntry) -> String {
        pick_title(&e.names, self.ctx.tr.tag())
    }
    pub fn text(&self, e: &DashboardEntry, c: &Cell) -> String {
        cell_text(
            c,
            self.threshold,
            e.values.table.kind == IndicatorKind::Ratio,
        )
    }
    pub fn by_label(&self, e: &DashboardEntry) -> String {
        e.values
            .table
            .by
            .first()
            .map(|d| self.ctx.t(&format!("indicator-by-{}", d.as_str())))
            .unwrap_or_default()
    }
    /// An item by area as a map.
    pub fn maps(&self, e: &DashboardEntry) -> Vec<String> {
        let id = format!("map-{}", e.indicator.to_ascii_lowercase());
        area_maps(
            &self.ctx,
            &self.maps,
            &id,
            &self.name(e),
            &e.values.table,
            &|c| self.text(e, c),
        )
    }
    /// (label, value, hidden) per row of an item's one-way table.
    pub fn rows(&self, e: &DashboardEntry) -> Vec<(String, String, bool)> {
        let tr = |id: &str| self.ctx.t(id);
        let t = &e.values.table;
        match t.by.first() {
            Some(d) => t
                .rows
                .iter()
                .zip(&t.row_totals)
                .map(|(k, c)| (key_label(&tr, *d, k), self.text(e, c), c.hidden))
                .collect(),
            None => Vec::new(),
        }
    }
    pub fn progress(&self, e: &DashboardEntry) -> String {
        e.values
            .progress
            .map(|p| format!("{p:.0}%"))
            .unwrap_or_default()
    }
    pub fn goal(&self, e: &DashboardEntry) -> String {
        e.values
            .goal
            .map(|g| {
                if g.fract() == 0.0 {
                    format!("{g:.0}")
                } else {
                    format!("{g:.2}")
                }
            })
            .unwrap_or_default()
    }
    pub fn any_hidden(&self) -> bool {
        self.view
            .items
            .iter()
            .any(|i| i.values.table.small_cells_hidden)
    }
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct DashboardQuery {
    pub period: String,
    pub area: String,
}

pub async fn dashboard_page(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param(code): Param<String>,
    QueryArgs(q): QueryArgs<DashboardQuery>,
) -> AppResult<Response> {
    let view = service::dashboard_view(
        &state.store,
        &user.principal,
        &code,
        &q.period,
        &q.area,
        state.config.small_cell_threshold,
    )
    .await?;
    Ok(render(&DashboardPage {
        can_manage: user.principal.may(Action::ManageIndicators),
        ctx,
        view,
        area: q.area,
        threshold: state.config.small_cell_threshold,
        errors: FormErrors::default(),
        sent: Vec::new(),
        stale: false,
        maps: state.config.maps.clone(),
    })?
    .into_response())
}

/// Saves the dashboard's edit form (titles, programme, result area, items),
/// refused with the saved version shown when someone saved it meanwhile.
pub async fn dashboard_edit_post(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param(code): Param<String>,
    FormBody(pairs): FormBody<Vec<(String, String)>>,
) -> AppResult<Response> {
    let pairs: Vec<(String, String)> = pairs.into_iter().take(20).collect();
    let draft = draft_of(&pairs, code.clone());
    let version = sent_value(&pairs, "version").trim().parse::<i64>().ok();
    let (status, errors, stale) = match state
        .store
        .save_dashboard(
            &ctx.actor(),
            &user.principal,
            &draft,
            Some(version.unwrap_or(-1)),
        )
        .await
    {
        Ok(d) => return Ok(Redirect::to(&format!("/dashboards/{}", d.code)).into_response()),
        Err(kopru_store::StoreError::Conflict { .. }) => (
            StatusCode::CONFLICT,
            FormErrors::single(ctx.tr, "version", "problem-conflict"),
            true,
        ),
        Err(e) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            form_errors(ctx.tr, e.into())?,
            false,
        ),
    };
    let view = service::dashboard_view(
        &state.store,
        &user.principal,
        &code,
        "",
        "",
        state.config.small_cell_threshold,
    )
    .await?;
    let page = DashboardPage {
        can_manage: user.principal.may(Action::ManageIndicators),
        ctx,
        view,
        area: String::new(),
        threshold: state.config.small_cell_threshold,
        errors,
        sent: pairs,
        stale,
        maps: state.config.maps.clone(),
    };
    Ok((status, render(&page)?).into_response())
}

/// A cross-table's row: its label, its cells as (text, hidden), its total.
pub type CrossRow = (String, Vec<(String, bool)>, String);

#[derive(Template)]
#[template(path = "indicator.html")]
pub struct IndicatorPage {
    pub ctx: Ctx,
    pub def: IndicatorDefinition,
    pub params: ValuesParams,
    pub table: IndicatorTable,
    pub trend: Option<IndicatorTable>,
    pub target: Option<TargetRow>,
    pub goal: Option<f64>,
    pub progress: Option<f64>,
    pub targets: Vec<TargetRow>,
    pub can_manage: bool,
    pub errors: FormErrors,
    /// What the target form sent, when it is shown again.
    pub sent: Vec<(String, String)>,
    pub query_string: String,
    pub maps: std::sync::Arc<crate::charts::Maps>,
}

impl IndicatorPage {
    pub fn name(&self) -> String {
        self.def.name(self.ctx.tr.tag()).to_owned()
    }
    pub fn description(&self) -> String {
        self.def
            .descriptions
            .get(self.ctx.tr.tag())
            .cloned()
            .unwrap_or_default()
    }
    fn percent(&self) -> bool {
        self.def.kind == IndicatorKind::Ratio
    }
    pub fn text(&self, c: &Cell) -> String {
        cell_text(c, self.table.threshold, self.percent())
    }
    /// The area breakdown's values on a map, one per country drawn.
    pub fn maps(&self) -> Vec<String> {
        area_maps(
            &self.ctx,
            &self.maps,
            "map",
            &self.name(),
            &self.table,
            &|c| self.text(c),
        )
    }
    /// The table is by area and has rows: when none of them has a shape
    /// (districts and neighbourhoods) that is said under the table.
    pub fn by_area(&self) -> bool {
        self.table.by.contains(&Dimension::Area) && !self.table.rows.is_empty()
    }
    pub fn fmt(&self, v: &f64) -> String {
        if v.fract() == 0.0 {
            format!("{v:.0}")
        } else {
            format!("{v:.2}")
        }
    }
    pub fn maybe(&self, v: &Option<f64>) -> String {
        v.as_ref().map_or_else(|| "–".to_owned(), |v| self.fmt(v))
    }
    pub fn progress_text(&self) -> String {
        self.progress
            .map(|p| format!("{p:.0}%"))
            .unwrap_or_default()
    }
    /// Width of the progress bar, 0–100.
    pub fn progress_width(&self) -> i64 {
        self.progress.map_or(0, |p| p.clamp(0.0, 100.0) as i64)
    }
    pub fn dims(&self) -> Vec<(&'static str, String)> {
        self.def
            .disaggregations
            .iter()
            .chain(std::iter::once(&Dimension::Period))
            .map(|d| {
                (
                    d.as_str(),
                    self.ctx.t(&format!("indicator-by-{}", d.as_str())),
                )
            })
            .collect()
    }
    pub fn by_at(&self, i: usize) -> &'static str {
        self.table.by.get(i).map_or("", |d| d.as_str())
    }
    fn label(&self, axis: usize, i: usize) -> String {
        let tr = |id: &str| self.ctx.t(id);
        let keys = if axis == 0 {
            &self.table.rows
        } else {
            &self.table.columns
        };
        match (self.table.by.get(axis), keys.get(i)) {
            (Some(d), Some(k)) => key_label(&tr, *d, k),
            _ => String::new(),
        }
    }
    /// A one-way table: (label, value, hidden) per row.
    pub fn one_way(&self) -> Vec<(String, String, bool)> {
        self.table
            .row_totals
            .iter()
            .enumerate()
            .map(|(i, c)| (self.label(0, i), self.text(c), c.hidden))
            .collect()
    }
    pub fn column_heads(&self) -> Vec<String> {
        (0..self.table.columns.len())
            .map(|j| self.label(1, j))
            .collect()
    }
    /// A cross-table: (label, cells as (value, hidden), row total) per row.
    pub fn cross(&self) -> Vec<CrossRow> {
        self.table
            .cells
            .iter()
            .enumerate()
            .map(|(i, row)| {
                (
                    self.label(0, i),
                    row.iter().map(|c| (self.text(c), c.hidden)).collect(),
                    self.table
                        .row_totals
                        .get(i)
                        .map(|c| self.text(c))
                        .unwrap_or_default(),
                )
            })
            .collect()
    }
    pub fn column_totals(&self) -> Vec<String> {
        self.table
            .column_totals
            .iter()
            .map(|c| self.text(c))
            .collect()
    }
    pub fn by_label(&self, i: usize) -> String {
        self.table
            .by
            .get(i)
            .map(|d| self.ctx.t(&format!("indicator-by-{}", d.as_str())))
            .unwrap_or_default()
    }
    /// The trend as bars: each period's value (hidden ones as nought, named).
    pub fn trend_bars(&self) -> String {
        let Some(t) = &self.trend else {
            return String::new();
        };
        let rows: Vec<(String, i64)> = t
            .rows
            .iter()
            .zip(&t.row_totals)
            .map(|(k, c)| {
                let label = if c.hidden {
                    format!("{} ({})", k.label, self.text(c))
                } else {
                    k.label.clone()
                };
                (label, c.value.map_or(0, |v| v.round() as i64))
            })
            .collect();
        crate::charts::bars(&self.ctx.t("indicator-trend"), &rows)
    }
    pub fn sent(&self, k: &str) -> String {
        self.sent
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    }
    pub fn goal_of(&self, t: &TargetRow) -> String {
        self.maybe(&t.goal())
    }
    pub fn everies(&self) -> [&'static str; 4] {
        ["month", "quarter", "year", "school_year"]
    }
    pub fn band_choices(&self) -> [&'static str; 3] {
        ["own", "esf", "five"]
    }
}

/// A table's area breakdown (its margins where there are two breakdowns)
/// as maps: each country's with shapes, and the map of the area whose parts
/// the rows are where the installation has one (`charts::Maps`).
fn area_maps(
    ctx: &Ctx,
    maps: &crate::charts::Maps,
    id: &str,
    name: &str,
    t: &IndicatorTable,
    text: &dyn Fn(&Cell) -> String,
) -> Vec<String> {
    let (keys, cells) = match t.by.iter().position(|d| *d == Dimension::Area) {
        Some(0) => (&t.rows, &t.row_totals),
        Some(_) if t.by.len() == 2 => (&t.columns, &t.column_totals),
        _ => return Vec::new(),
    };
    let values: Vec<crate::charts::MapValue> = keys
        .iter()
        .zip(cells)
        .map(|(k, c)| crate::charts::MapValue {
            code: k.key.clone(),
            label: k.label.clone(),
            value: c.value,
            text: text(c),
            hidden: c.hidden,
        })
        .collect();
    let title = format!("{name} · {} · {}", t.period.label, ctx.t("indicator-map"));
    let words = crate::charts::MapWords {
        id,
        title: &title,
        no_value: &ctx.t("indicator-map-no-value"),
        hidden: &ctx.t("indicator-map-hidden"),
    };
    maps.for_areas(values.iter().map(|v| v.code.as_str()))
        .into_iter()
        .filter_map(|key| crate::charts::choropleth(maps, key, &values, &words))
        .collect()
}

async fn page(
    state: &AppState,
    ctx: Ctx,
    user: &crate::context::SignedIn,
    code: &str,
    params: ValuesParams,
    errors: FormErrors,
    sent: Vec<(String, String)>,
) -> AppResult<IndicatorPage> {
    let threshold = state.config.small_cell_threshold;
    let (def, v) = service::values(&state.store, &user.principal, code, &params, threshold).await?;
    // The trend: the same period by month (or as asked), no other breakdown.
    let trend = if v.table.by.is_empty() || v.table.by == [Dimension::Period] {
        let p = ValuesParams {
            by: "period".into(),
            every: if params.every.is_empty() {
                "month".into()
            } else {
                params.every.clone()
            },
            ..params.clone()
        };
        Some(
            service::values(&state.store, &user.principal, code, &p, threshold)
                .await?
                .1
                .table,
        )
    } else {
        None
    };
    let query_string = serde_html_form::to_string(&params).unwrap_or_default();
    Ok(IndicatorPage {
        targets: state.store.indicator_targets(&user.principal, code).await?,
        can_manage: user.principal.may(Action::ManageIndicators),
        ctx,
        def,
        params,
        table: v.table,
        trend,
        target: v.target,
        goal: v.goal,
        progress: v.progress,
        errors,
        sent,
        query_string,
        maps: state.config.maps.clone(),
    })
}

/// The page takes `period`, `by1`/`by2` (the form's two selects) or `by`,
/// `area`, `bands`, `every`.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct PageParams {
    pub by1: String,
    pub by2: String,
    #[serde(flatten)]
    pub values: ValuesParams,
}

impl PageParams {
    fn values(mut self) -> ValuesParams {
        let picked: Vec<&str> = [self.by1.trim(), self.by2.trim()]
            .into_iter()
            .filter(|s| !s.is_empty())
            .collect();
        if !picked.is_empty() {
            let mut uniq: Vec<&str> = Vec::new();
            for p in picked {
                if !uniq.contains(&p) {
                    uniq.push(p);
                }
            }
            self.values.by = uniq.join(",");
        }
        self.values
    }
}

pub async fn indicator_page(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param(code): Param<String>,
    QueryArgs(p): QueryArgs<PageParams>,
) -> AppResult<Response> {
    let params = p.values();
    match page(
        &state,
        ctx.clone(),
        &user,
        &code,
        params.clone(),
        FormErrors::default(),
        vec![],
    )
    .await
    {
        Ok(page) => Ok(render(&page)?.into_response()),
        // A query the indicator cannot answer: the page with its default
        // values and the problems named beside the form.
        Err(AppError::Invalid(v)) => {
            let errors = FormErrors::new(ctx.tr, &v);
            let page = page_default(&state, ctx, &user, &code, errors).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
        }
        Err(e) => Err(e),
    }
}

async fn page_default(
    state: &AppState,
    ctx: Ctx,
    user: &crate::context::SignedIn,
    code: &str,
    errors: FormErrors,
) -> AppResult<IndicatorPage> {
    page(
        state,
        ctx,
        user,
        code,
        ValuesParams::default(),
        errors,
        vec![],
    )
    .await
}

fn number(e: &mut ValidationErrors, field: &str, raw: &str) -> Option<f64> {
    let s = raw.trim().replace(',', ".");
    if s.is_empty() {
        return None;
    }
    match s.parse::<f64>() {
        Ok(v) if v.is_finite() => Some(v),
        _ => {
            e.push(field, "err-number");
            None
        }
    }
}

/// Sets a baseline and target from the page's form.
pub async fn target_post(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param(code): Param<String>,
    FormBody(pairs): FormBody<Vec<(String, String)>>,
) -> AppResult<Response> {
    let pairs: Vec<(String, String)> = pairs.into_iter().take(20).collect();
    let get = |k: &str| {
        pairs
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let mut e = ValidationErrors::new();
    let draft = TargetDraft {
        area: get("area"),
        period: get("period"),
        baseline: number(&mut e, "baseline", &get("baseline")),
        baseline_year: get("baseline_year").trim().parse().ok(),
        target: number(&mut e, "target", &get("target")),
        reference_value: number(&mut e, "reference_value", &get("reference_value")),
        gap_closed: number(&mut e, "gap_closed", &get("gap_closed")),
        note: get("note"),
    };
    let version = get("version").trim().parse::<i64>().ok();
    let done: Result<(), AppError> = if e.is_empty() {
        state
            .store
            .set_indicator_target(&ctx.actor(), &user.principal, &code, &draft, version)
            .await
            .map(|_| ())
            .map_err(Into::into)
    } else {
        Err(e.into())
    };
    match done {
        Ok(()) => Ok(Redirect::to(&format!("/indicators/{code}#targets")).into_response()),
        Err(e) => {
            let errors = form_errors(ctx.tr, e)?;
            let page = page(
                &state,
                ctx,
                &user,
                &code,
                ValuesParams::default(),
                errors,
                pairs,
            )
            .await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
        }
    }
}
