//! "My work" and the caseload dashboard.

use crate::charts;
use crate::context::{Auth, Ctx};
use crate::error::AppResult;
use crate::extract::QueryArgs;
use crate::pages::render;
use crate::AppState;
use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use kopru_domain::Action;
use kopru_store::work::{Dashboard, MyWork, WorkScope};
use serde::Deserialize;

/// The pages of this file.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/my-work", get(my_work_page))
        .route("/dashboard", get(dashboard_page))
}

// ---------------- my work ----------------

#[derive(Template)]
#[template(path = "my_work.html")]
pub struct WorkPage {
    pub ctx: Ctx,
    pub w: MyWork,
    /// The unit shown (a coordinator's view), or empty for the user's own.
    pub unit: String,
    /// Units whose work the user may see.
    pub units: Vec<String>,
    pub workers: Vec<kopru_store::casework::WorkerRow>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct WorkQuery {
    pub unit: String,
    /// `1`: the caller's own list, even for a coordinator (who otherwise
    /// opens on their unit's).
    pub mine: String,
    pub quiet_days: Option<i64>,
}

impl WorkPage {
    /// The name of a retention check by its months.
    pub fn retention_id(&self, months: &i64) -> String {
        format!("timeline-retention-{months}")
    }
    /// Where a form on this page returns: the same view (the unit's, or the
    /// caller's own), so that reassigning a follow-up does not change lists.
    pub fn back(&self) -> String {
        if !self.unit.is_empty() {
            format!("/my-work?unit={}", self.unit)
        } else if !self.units.is_empty() {
            "/my-work?mine=1".to_owned()
        } else {
            "/my-work".to_owned()
        }
    }
}

pub async fn my_work_page(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    QueryArgs(q): QueryArgs<WorkQuery>,
) -> AppResult<Response> {
    // The units whose caseload the caller manages (an area grant has no
    // unit list of its own to land on).
    let units: Vec<String> = user
        .principal
        .grants(Action::ManageCaseload)
        .iter()
        .filter_map(|g| match g {
            kopru_domain::Scope::Unit(c) => Some(c.as_str().to_owned()),
            _ => None,
        })
        .collect();
    // A coordinator's work is their unit's: that is where they land, and
    // their own list is a link away.
    let mut unit = q.unit.trim().to_uppercase();
    if unit.is_empty() && q.mine.is_empty() {
        if let Some(first) = units.first() {
            unit = first.clone();
        }
    }
    let scope = if unit.is_empty() {
        WorkScope::Mine
    } else {
        WorkScope::Unit(unit.clone())
    };
    let w = state
        .store
        .my_work(&user.principal, &scope, q.quiet_days.unwrap_or(30))
        .await?;
    let workers = if unit.is_empty() {
        Vec::new()
    } else {
        state.store.unit_workers(&user.principal, &unit).await?
    };
    Ok(render(&WorkPage {
        ctx,
        w,
        unit,
        units,
        workers,
    })?
    .into_response())
}

// ---------------- dashboard ----------------

#[derive(Template)]
#[template(path = "dashboard.html")]
pub struct DashboardPage {
    pub ctx: Ctx,
    pub d: Dashboard,
    pub unit: String,
    /// Activities and participation this year (so far).
    pub a: kopru_store::activities::ActivityStats,
}

impl DashboardPage {
    fn chart(&self, title: &str, prefix: &str, rows: &[kopru_store::work::Count]) -> String {
        let rows: Vec<(String, i64)> = rows
            .iter()
            .map(|c| {
                let label = if prefix.is_empty() {
                    c.key.clone()
                } else {
                    self.ctx.l(prefix, &c.key)
                };
                (label, c.count)
            })
            .collect();
        charts::bars(&self.ctx.t(title), &rows)
    }
    fn pairs(&self, title: &str, prefix: &str, rows: &[(String, i64)]) -> String {
        let rows: Vec<(String, i64)> = rows
            .iter()
            .map(|(k, n)| {
                let label = if k == "unknown" && prefix == "age-band" {
                    self.ctx.t("counted-sex-unknown")
                } else {
                    self.ctx.l(prefix, k)
                };
                (label, *n)
            })
            .collect();
        charts::bars(&self.ctx.t(title), &rows)
    }
    pub fn activities_by_kind(&self) -> String {
        self.pairs("dash-activities-by-kind", "activity-kind", &self.a.by_kind)
    }
    pub fn participants_by_sex(&self) -> String {
        self.pairs(
            "dash-participants-by-sex",
            "sex",
            &self.a.participants_by_sex,
        )
    }
    pub fn participants_by_age(&self) -> String {
        self.pairs(
            "dash-participants-by-age",
            "age-band",
            &self.a.participants_by_age,
        )
    }
    pub fn by_status(&self) -> String {
        self.chart("dash-by-status", "case-status", &self.d.cases_by_status)
    }
    pub fn by_domain(&self) -> String {
        self.chart("dash-by-domain", "case-domain", &self.d.cases_by_domain)
    }
    pub fn by_worker(&self) -> String {
        self.chart("dash-by-worker", "", &self.d.cases_by_worker)
    }
    pub fn referrals(&self) -> String {
        self.chart(
            "dash-referrals-by-status",
            "referral-status",
            &self.d.referrals_by_status,
        )
    }
    pub fn median(&self, v: &Option<f64>) -> String {
        match v {
            Some(x) => self.ctx.locale().format_decimal(*x, 1),
            None => "—".into(),
        }
    }
    pub fn count_of(&self, list: &[kopru_store::work::Count], key: &str) -> i64 {
        list.iter().find(|c| c.key == key).map_or(0, |c| c.count)
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct DashboardQuery {
    pub unit: String,
}

pub async fn dashboard_page(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    QueryArgs(q): QueryArgs<DashboardQuery>,
) -> AppResult<Response> {
    let unit = q.unit.trim().to_uppercase();
    let d = state
        .store
        .dashboard(
            &user.principal,
            Some(unit.as_str()).filter(|u| !u.is_empty()),
        )
        .await?;
    let to = kopru_store::clock::today();
    let from = format!("{}-01-01", to.get(..4).unwrap_or("2026"));
    let a = state
        .store
        .activity_stats(
            &user.principal,
            Some(unit.as_str()).filter(|u| !u.is_empty()),
            &from,
            &to,
        )
        .await?;
    Ok(render(&DashboardPage { ctx, d, unit, a })?.into_response())
}
