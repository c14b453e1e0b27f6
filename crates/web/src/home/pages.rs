use crate::context::Auth;
use crate::error::AppResult;
use crate::pages::render;
use crate::AppState;
use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use kopru_store::directory::ListFilter;

/// The pages of this file.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(home))
        // The sample confirmation on the page posts back to it.
        .route("/design", get(design).post(design))
}

/// The page parts, each shown once with sample content: the reference for
/// whoever builds the next page (administrators only).
#[derive(Template)]
#[template(path = "design.html")]
pub struct DesignPage {
    pub ctx: crate::context::Ctx,
}

impl DesignPage {
    pub fn sample_facts(&self) -> Vec<(String, String)> {
        vec![
            (
                self.ctx.t("case-priority"),
                self.ctx.l("case-priority", "high"),
            ),
            (self.ctx.t("case-opened"), self.ctx.tr.date("2026-11-07")),
            (self.ctx.t("case-lead"), "Mehmet Demir".into()),
            (self.ctx.t("field-unit"), "SHKB-ANK-01".into()),
        ]
    }
    pub fn sample_sections(&self) -> Vec<(&'static str, String)> {
        vec![
            ("parts-table", self.ctx.t("design-table")),
            ("parts-form", self.ctx.t("design-form")),
            ("parts-actions", self.ctx.t("design-actions")),
        ]
    }
    pub fn sample_bars(&self) -> String {
        crate::charts::bars(
            &self.ctx.t("design-chart"),
            &[
                (self.ctx.l("case-domain", "education"), 42),
                (self.ctx.l("case-domain", "health"), 17),
                (self.ctx.l("case-domain", "civil_documents"), 8),
            ],
        )
    }
}

pub async fn design(Auth(ctx, user): Auth) -> AppResult<Response> {
    user.need(kopru_domain::Action::ManageUsers)?;
    Ok(render(&DesignPage { ctx })?.into_response())
}

#[derive(Template)]
#[template(path = "home.html")]
pub struct HomePage {
    pub ctx: crate::context::Ctx,
    pub units: i64,
    pub institutions: i64,
    pub programmes: i64,
    pub roles: Vec<(String, String)>,
    /// Field workers: overdue follow-ups, this week's, new answers to their referrals.
    pub work: Option<(i64, i64, i64)>,
    /// Focal points: referrals to their institution waiting for an answer (up to 500).
    pub inbox: Option<i64>,
}

pub async fn home(State(state): State<AppState>, Auth(ctx, user): Auth) -> AppResult<Response> {
    let one = ListFilter {
        limit: 1,
        ..Default::default()
    };
    let units = state.store.units(&user.principal, &one).await?.total;
    let institutions = state.store.institutions(&user.principal, &one).await?.total;
    let programmes = state.store.programmes().await?.len() as i64;
    let roles = user.role_labels(ctx.tr);
    let work = if user.principal.may(kopru_domain::Action::EditCases) {
        let w = state
            .store
            .my_work(&user.principal, &kopru_store::work::WorkScope::Mine, 30)
            .await?;
        let new_answers = w
            .answered_referrals
            .iter()
            .filter(|r| r.answer_unseen())
            .count() as i64;
        Some((
            w.overdue_follow_ups_count,
            w.week_follow_ups_count,
            new_answers,
        ))
    } else {
        None
    };
    let inbox = if user.principal.may(kopru_domain::Action::AnswerReferrals) {
        let f = kopru_store::casework::referrals::ReferralFilter {
            awaiting: true,
            limit: 500,
            ..Default::default()
        };
        Some(
            state
                .store
                .referrals(&user.principal, &f)
                .await?
                .len()
                .min(500) as i64,
        )
    } else {
        None
    };
    Ok(render(&HomePage {
        ctx,
        units,
        institutions,
        programmes,
        roles,
        work,
        inbox,
    })?
    .into_response())
}
