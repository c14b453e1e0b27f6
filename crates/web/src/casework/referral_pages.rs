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
        .route("/referrals/{id}/letter.pdf", get(referral_letter_pdf))
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
            // A full birth date as the reader writes dates; a year or month as it is.
            (kopru_domain::casework::SharedField::BirthDate, Value::String(s)) if s.len() == 10 => {
                ctx.tr.date(s)
            }
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
    pub letter: Letter,
    pub answers: Vec<Answer>,
    pub assessment_title: String,
}

/// What a referral letter says, in the reader's language, written once for
/// the printed page and the PDF.
pub struct Letter {
    /// The sending unit: name, then address and contact lines.
    pub unit: String,
    pub letterhead: Vec<String>,
    pub reference: String,
    pub date: String,
    pub to: String,
    pub to_address: Option<String>,
    pub subject: String,
    /// (label, value) lines under the subject: urgency, answer due.
    pub terms: Vec<(String, String)>,
    pub reason: String,
    pub shared: Vec<(String, String)>,
    pub sender: String,
    pub sender_title: Option<String>,
}

fn letter(ctx: &Ctx, r: &ReferralRow, shared: Vec<(String, String)>) -> Letter {
    let mut letterhead = Vec::new();
    if let Some(a) = &r.unit_address {
        letterhead.push(a.clone());
    }
    let contact: Vec<String> = [
        r.unit_phone
            .as_ref()
            .map(|p| format!("{}: {p}", ctx.t("field-phone"))),
        r.unit_email
            .as_ref()
            .map(|e| format!("{}: {e}", ctx.t("field-email"))),
    ]
    .into_iter()
    .flatten()
    .collect();
    if !contact.is_empty() {
        letterhead.push(contact.join(" · "));
    }
    Letter {
        unit: r.unit_name.clone(),
        letterhead,
        // Letters sent before numbering began keep their record's id.
        reference: r.reference_no.clone().unwrap_or_else(|| r.id.clone()),
        date: ctx.tr.date(&r.sent_on),
        to: r.institution_name.clone(),
        to_address: r.institution_address.clone(),
        subject: format!(
            "{}: {}",
            ctx.t("referral-letter"),
            ctx.l("service-kind", &r.service)
        ),
        terms: vec![
            (
                ctx.t("referral-urgency"),
                ctx.l("case-priority", &r.urgency),
            ),
            (ctx.t("referral-due"), ctx.tr.date(&r.due_on)),
        ],
        reason: r.reason.clone(),
        shared,
        sender: r.sender_name.clone(),
        sender_title: r.sender_title.clone(),
    }
}

/// The referral as `user` may read it (the read audited), with its letter,
/// the shared assessment's answers and that form's title.
async fn letter_of(
    state: &AppState,
    ctx: &Ctx,
    user: &crate::context::SignedIn,
    id: &str,
) -> AppResult<(ReferralRow, Letter, Vec<Answer>, String)> {
    let v = state
        .store
        .referral(&ctx.actor(), &user.principal, id)
        .await?;
    let (shared, answers, assessment_title) = shared_for_reading(state, ctx, &v.referral).await?;
    let letter = letter(ctx, &v.referral, shared);
    Ok((v.referral, letter, answers, assessment_title))
}

/// A letter to print for an institution that does not use Köprü: the
/// referral and only what was shared.
pub async fn referral_letter(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param(id): Param<String>,
) -> AppResult<Response> {
    let (r, letter, answers, assessment_title) = letter_of(&state, &ctx, &user, &id).await?;
    Ok(render(&LetterPage {
        ctx,
        r,
        letter,
        answers,
        assessment_title,
    })?
    .into_response())
}

/// The same letter as a PDF file, A4, to send or file.
pub async fn referral_letter_pdf(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param(id): Param<String>,
) -> AppResult<Response> {
    use crate::pdf::Block;
    let (_, l, answers, assessment_title) = letter_of(&state, &ctx, &user, &id).await?;
    let mut blocks = vec![Block::Title(l.unit.clone())];
    blocks.extend(l.letterhead.iter().cloned().map(Block::Small));
    blocks.push(Block::Rule);
    blocks.push(Block::Right(format!(
        "{} {} · {}",
        ctx.t("referral-number"),
        l.reference,
        l.date
    )));
    blocks.push(Block::Space(8.0));
    blocks.push(Block::Text(format!(
        "{} {}",
        ctx.t("referral-letter-to"),
        l.to
    )));
    if let Some(a) = &l.to_address {
        blocks.push(Block::Small(a.clone()));
    }
    blocks.push(Block::Space(6.0));
    blocks.push(Block::Heading(l.subject.clone()));
    blocks.extend(l.terms.iter().cloned().map(|(k, v)| Block::Pair(k, v)));
    blocks.push(Block::Heading(ctx.t("field-reason")));
    blocks.push(Block::Text(l.reason.clone()));
    blocks.push(Block::Heading(ctx.t("referral-shared")));
    blocks.extend(l.shared.iter().cloned().map(|(k, v)| Block::Pair(k, v)));
    if !answers.is_empty() {
        blocks.push(Block::Heading(assessment_title.clone()));
        for a in &answers {
            let value = if a.rows.is_empty() {
                a.value.clone()
            } else {
                a.rows
                    .iter()
                    .map(|row| {
                        row.iter()
                            .map(|c| format!("{}: {}", c.label, c.value))
                            .collect::<Vec<_>>()
                            .join("; ")
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            };
            blocks.push(Block::Pair(a.label.clone(), value));
        }
    }
    blocks.push(Block::Space(10.0));
    blocks.push(Block::Text(l.sender.clone()));
    if let Some(t) = &l.sender_title {
        blocks.push(Block::Text(t.clone()));
    }
    blocks.push(Block::Text(l.unit.clone()));
    blocks.push(Block::Space(18.0));
    blocks.push(Block::Rule);
    blocks.push(Block::Small(ctx.t("referral-letter-answer")));
    blocks.push(Block::Pair(
        ctx.t("referral-answer"),
        format!(
            "☐ {}    ☐ {}",
            ctx.l("referral-status", "accepted"),
            ctx.l("referral-status", "declined")
        ),
    ));
    blocks.push(Block::Pair(ctx.t("field-reason"), String::new()));
    blocks.push(Block::Space(14.0));
    blocks.push(Block::Pair(ctx.t("referral-service-on"), String::new()));
    blocks.push(Block::Space(14.0));
    blocks.push(Block::Pair(ctx.t("referral-signature"), String::new()));
    let pdf = crate::pdf::render(&l.subject, ctx.tr.tag(), &blocks)
        .map_err(|e| crate::error::AppError::Internal(e.to_string()))?;
    Ok(crate::pdf::download(&l.reference, pdf))
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
