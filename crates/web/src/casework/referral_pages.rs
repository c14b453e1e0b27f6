//! Referral pages: the list (an institution's inbox, or a unit's sent
//! referrals), a referral with its timeline and the answer form, the
//! printable letter; "my work" and the caseload dashboard.

use super::submission_pages::{answers_for_reading, Answer};
use crate::context::{Auth, Ctx};
use crate::error::AppResult;
use crate::extract::{FormBody, Param, QueryArgs};
use crate::pages::{form_errors, render, FormErrors, Pager, PAGE_SIZE};
use crate::AppState;
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use kopru_domain::casework::ReferralMoveDraft;
use kopru_domain::Action;
use kopru_store::casework::referrals::{ReferralFilter, ReferralRow, ReferralView};
use kopru_store::clock::today;
use serde::Deserialize;
use serde_json::Value;

/// The pages of this file.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/referrals", get(referrals_page))
        .route("/referrals/{id}", get(referral_page))
        .route("/referrals/{id}/moves", post(referral_move))
        .route("/referrals/{id}/letter", get(referral_letter))
        .route(
            "/response-times",
            get(response_times_page).post(response_time_set),
        )
}

#[derive(Template)]
#[template(path = "referrals.html")]
pub struct ReferralsPage {
    pub ctx: Ctx,
    pub referrals: Vec<ReferralRow>,
    pub inbox: bool,
    pub q: ReferralQuery,
    pub pager: Pager,
    pub today: String,
}

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct ReferralQuery {
    pub status: String,
    /// `awaiting` or `overdue`.
    pub show: String,
    pub page: i64,
}

impl ReferralsPage {
    pub fn statuses(&self) -> Vec<(&'static str, String)> {
        kopru_domain::case::ReferralStatus::ALL
            .iter()
            .map(|s| (s.as_str(), self.ctx.l("referral-status", s.as_str())))
            .collect()
    }
    pub fn overdue(&self, r: &ReferralRow) -> bool {
        r.is_overdue(&self.today)
    }
}

pub async fn referrals_page(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    QueryArgs(q): QueryArgs<ReferralQuery>,
) -> AppResult<Response> {
    let page = q.page.max(1);
    let f = ReferralFilter {
        status: Some(q.status.clone()),
        awaiting: q.show == "awaiting",
        overdue: q.show == "overdue",
        limit: PAGE_SIZE,
        offset: Pager::offset(page),
        ..Default::default()
    };
    let mut referrals = state.store.referrals(&user.principal, &f).await?;
    let more = referrals.len() as i64 > PAGE_SIZE;
    referrals.truncate(PAGE_SIZE as usize);
    let base = crate::pages::query_string(&[("status", &q.status), ("show", &q.show)]);
    let total = Pager::offset(page) + referrals.len() as i64 + i64::from(more);
    Ok(render(&ReferralsPage {
        inbox: user.principal.may(Action::AnswerReferrals),
        ctx,
        referrals,
        q,
        pager: Pager::new(page, total, base),
        today: today(),
    })?
    .into_response())
}

#[derive(Template)]
#[template(path = "referral.html")]
pub struct ReferralPage {
    pub ctx: Ctx,
    pub v: ReferralView,
    pub shared: Vec<(String, String)>,
    pub answers: Vec<Answer>,
    pub assessment_title: String,
    pub errors: FormErrors,
    pub today: String,
}

impl ReferralPage {
    pub fn overdue(&self) -> bool {
        self.v.referral.is_overdue(&self.today)
    }
    pub fn needs_reason(&self, status: &str) -> bool {
        kopru_domain::case::ReferralStatus::parse(status).is_ok_and(|s| s.needs_reason())
    }
}

/// The shared information in words, in the reader's language.
async fn shared_for_reading(
    state: &AppState,
    ctx: &Ctx,
    r: &ReferralRow,
) -> AppResult<(Vec<(String, String)>, Vec<Answer>, String)> {
    let data = r.shared();
    let mut rows = Vec::new();
    let mut assessment = Vec::new();
    let mut title = String::new();
    for field in kopru_domain::casework::SharedField::ALL {
        let Some(v) = data.get(field.as_str()) else {
            continue;
        };
        let label = ctx.l("shared-field", field.as_str());
        let text = match (field, v) {
            (_, Value::Null) => ctx.t("referral-not-recorded"),
            (kopru_domain::casework::SharedField::Sex, Value::String(s)) => ctx.l("sex", s),
            (kopru_domain::casework::SharedField::Assessment, Value::Object(a)) => {
                let form_id = a.get("form_id").and_then(|v| v.as_str()).unwrap_or("");
                let version = a.get("version").and_then(|v| v.as_i64());
                if let Ok(form) = state.store.form(form_id, version).await {
                    title = form.title.get(ctx.locale()).to_owned();
                    if a.get("withheld").is_some() {
                        rows.push((title.clone(), ctx.t("case-form-restricted")));
                    }
                    if let Some(Value::Object(answers)) = a.get("answers") {
                        assessment = answers_for_reading(ctx, &form, answers);
                    }
                }
                continue;
            }
            (_, Value::Object(o)) => o
                .iter()
                .filter(|(k, _)| *k != "area_code")
                .filter_map(|(_, v)| v.as_str())
                .collect::<Vec<_>>()
                .join(", "),
            (_, Value::Array(a)) => a
                .iter()
                .filter_map(|v| v.as_str())
                .collect::<Vec<_>>()
                .join(", "),
            (_, Value::String(s)) => s.clone(),
            (_, other) => other.to_string(),
        };
        rows.push((label, text));
    }
    Ok((rows, assessment, title))
}

async fn referral_view(
    state: &AppState,
    ctx: Ctx,
    user: &crate::context::SignedIn,
    id: &str,
    errors: FormErrors,
) -> AppResult<ReferralPage> {
    let v = state
        .store
        .referral(&ctx.actor(), &user.principal, id)
        .await?;
    let (shared, answers, assessment_title) = shared_for_reading(state, &ctx, &v.referral).await?;
    Ok(ReferralPage {
        ctx,
        v,
        shared,
        answers,
        assessment_title,
        errors,
        today: today(),
    })
}

pub async fn referral_page(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param(id): Param<String>,
) -> AppResult<Response> {
    let page = referral_view(&state, ctx, &user, &id, FormErrors::default()).await?;
    Ok(render(&page)?.into_response())
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct MoveForm {
    pub status: String,
    pub reason: String,
    pub note: String,
    pub service_on: String,
    pub version: i64,
}

pub async fn referral_move(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param(id): Param<String>,
    FormBody(f): FormBody<MoveForm>,
) -> AppResult<Response> {
    let draft = ReferralMoveDraft {
        status: f.status,
        reason: f.reason,
        note: f.note,
        service_on: f.service_on,
    };
    let result = match draft.validate(&today()) {
        Ok(m) => state
            .store
            .move_referral(&ctx.actor(), &user.principal, &id, f.version, &m)
            .await
            .map(|_| ())
            .map_err(Into::into),
        Err(e) => Err(e.into()),
    };
    match result {
        Ok(()) => Ok(Redirect::to(&format!("/referrals/{id}")).into_response()),
        Err(e) => {
            let errors = form_errors(ctx.tr, e)?;
            let page = referral_view(&state, ctx, &user, &id, errors).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
        }
    }
}

#[derive(Template)]
#[template(path = "referral_letter.html")]
pub struct LetterPage {
    pub ctx: Ctx,
    pub r: ReferralRow,
    pub shared: Vec<(String, String)>,
    pub answers: Vec<Answer>,
    pub assessment_title: String,
}

/// A letter to print for an institution that does not use Köprü: the
/// referral and only what was shared.
pub async fn referral_letter(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param(id): Param<String>,
) -> AppResult<Response> {
    let v = state
        .store
        .referral(&ctx.actor(), &user.principal, &id)
        .await?;
    let (shared, answers, assessment_title) = shared_for_reading(&state, &ctx, &v.referral).await?;
    Ok(render(&LetterPage {
        ctx,
        r: v.referral,
        shared,
        answers,
        assessment_title,
    })?
    .into_response())
}

// ---------------- response times ----------------

#[derive(Template)]
#[template(path = "response_times.html")]
pub struct ResponseTimesPage {
    pub ctx: Ctx,
    pub times: Vec<kopru_store::casework::referrals::ResponseTime>,
    pub can_edit: bool,
    pub errors: FormErrors,
}

async fn response_times_view(
    state: &AppState,
    ctx: Ctx,
    user: &crate::context::SignedIn,
    errors: FormErrors,
) -> AppResult<ResponseTimesPage> {
    Ok(ResponseTimesPage {
        times: state.store.response_times().await?,
        can_edit: user.principal.may(Action::ManageProgrammes),
        ctx,
        errors,
    })
}

pub async fn response_times_page(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
) -> AppResult<Response> {
    let page = response_times_view(&state, ctx, &user, FormErrors::default()).await?;
    Ok(render(&page)?.into_response())
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ResponseTimeForm {
    pub institution_kind: String,
    pub working_days: String,
}

pub async fn response_time_set(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    FormBody(f): FormBody<ResponseTimeForm>,
) -> AppResult<Response> {
    let result = match f.working_days.trim().parse::<i64>() {
        Ok(days) => state
            .store
            .set_response_time(&ctx.actor(), &user.principal, &f.institution_kind, days)
            .await
            .map(|_| ())
            .map_err(Into::into),
        Err(_) => Err(kopru_domain::ValidationErrors::single("working_days", "err-number").into()),
    };
    match result {
        Ok(()) => Ok(Redirect::to("/response-times").into_response()),
        Err(e) => {
            let errors = form_errors(ctx.tr, e)?;
            let page = response_times_view(&state, ctx, &user, errors).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
        }
    }
}
