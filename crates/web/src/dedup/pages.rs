//! The duplicate review queue, side-by-side review, merge and unmerge.

use crate::context::{Auth, Ctx};
use crate::error::{AppError, AppResult};
use crate::extract::{FormBody, Param, QueryArgs};
use crate::pages::{form_errors, query_string, render, FormErrors};
use crate::AppState;
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use kopru_domain::merge::{default_choices, MergeField};
use kopru_domain::Action;
use kopru_store::dedup::{
    FieldScore, MergeRequest, MergeRow, PairDetail, PairFilter, PairSummary, REVIEW_FROM,
};
use kopru_store::registry::PersonRow;
use serde::Deserialize;

/// The pages of this file.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/duplicates", get(queue))
        .route("/duplicates/run", post(run))
        .route("/duplicates/{id}", get(pair))
        .route("/duplicates/{id}/decision", post(decide))
        .route("/duplicates/{id}/merge", post(merge))
        .route("/merges/{id}", get(merge_detail))
        .route("/merges/{id}/unmerge", post(unmerge))
}

const PAGE: i64 = 50;
const STATUSES: [&str; 5] = ["open", "unsure", "different", "same", "merged"];

#[derive(Deserialize, Default)]
pub struct QueueParams {
    #[serde(default)]
    status: String,
    #[serde(default)]
    area: String,
    #[serde(default)]
    page: Option<i64>,
}

#[derive(Template)]
#[template(path = "duplicates.html")]
pub struct QueuePage {
    pub ctx: Ctx,
    pub rows: Vec<PairSummary>,
    pub status: String,
    pub area: String,
    pub page: i64,
    pub has_more: bool,
    pub can_run: bool,
    /// After a run: records scored, pairs queued.
    pub ran: Option<(usize, usize)>,
}

impl QueuePage {
    pub fn statuses(&self) -> Vec<(&'static str, String)> {
        STATUSES
            .iter()
            .map(|s| (*s, self.ctx.t(&format!("dup-status-{s}"))))
            .collect()
    }
    pub fn link(&self, page: i64) -> String {
        let p = page.to_string();
        query_string(&[("status", &self.status), ("area", &self.area), ("page", &p)])
    }
    pub fn percent(&self, p: &f64) -> String {
        format!("{:.0}%", p * 100.0)
    }
}

async fn queue_page(
    state: &AppState,
    ctx: Ctx,
    user: &crate::context::SignedIn,
    p: QueueParams,
    ran: Option<(usize, usize)>,
) -> AppResult<QueuePage> {
    if !user.principal.may(Action::ViewPersons) {
        return Err(AppError::Forbidden);
    }
    let status = if STATUSES.contains(&p.status.as_str()) {
        p.status
    } else {
        "open".to_owned()
    };
    let page = p.page.unwrap_or(1).max(1);
    let mut rows = state
        .store
        .duplicate_pairs(
            &user.principal,
            &PairFilter {
                status: Some(status.clone()),
                area: Some(p.area.clone()),
                limit: PAGE,
                offset: (page - 1) * PAGE,
            },
        )
        .await?;
    let has_more = rows.len() as i64 > PAGE;
    rows.truncate(PAGE as usize);
    Ok(QueuePage {
        ctx,
        rows,
        status,
        area: p.area,
        page,
        has_more,
        can_run: user.principal.may(Action::RunDuplicateCheck),
        ran,
    })
}

pub async fn queue(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    QueryArgs(p): QueryArgs<QueueParams>,
) -> AppResult<Response> {
    Ok(render(&queue_page(&state, ctx, &user, p, None).await?)?.into_response())
}

#[derive(Deserialize, Default)]
pub struct RunForm {
    #[serde(default)]
    area: String,
}

/// Runs the engine over the user's scope (or an area of it) and shows the queue.
pub async fn run(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    FormBody(f): FormBody<RunForm>,
) -> AppResult<Response> {
    if !user.principal.may(Action::RunDuplicateCheck) {
        return Err(AppError::Forbidden);
    }
    let area = f.area.trim();
    let summary = state
        .store
        .dedup_run(
            &ctx.actor(),
            &user.principal,
            (!area.is_empty()).then_some(area),
            REVIEW_FROM,
        )
        .await?;
    let page = queue_page(
        &state,
        ctx,
        &user,
        QueueParams {
            area: f.area,
            ..Default::default()
        },
        Some((summary.records, summary.pairs_queued)),
    )
    .await?;
    Ok(render(&page)?.into_response())
}

/// One row of the side-by-side table.
pub struct FieldRow {
    pub field: &'static str,
    pub label: String,
    pub left: String,
    pub right: String,
    pub differs: bool,
    /// "a" or "b": which record's value the merge keeps by default.
    pub pick: &'static str,
}

#[derive(Template)]
#[template(path = "duplicate_pair.html")]
pub struct PairPage {
    pub ctx: Ctx,
    pub d: PairDetail,
    pub rows: Vec<FieldRow>,
    pub can_edit: bool,
    pub errors: FormErrors,
}

impl PairPage {
    pub fn percent(&self) -> String {
        format!("{:.0}%", self.d.pair.probability * 100.0)
    }
    pub fn field_label(&self, f: &FieldScore) -> String {
        self.ctx
            .t(&format!("dup-field-{}", f.field.replace('_', "-")))
    }
    pub fn level_label(&self, f: &FieldScore) -> String {
        self.ctx
            .t(&format!("dup-level-{}", f.level.replace(' ', "-")))
    }
    pub fn bits(&self, f: &FieldScore) -> String {
        format!("{:+.1}", f.weight)
    }
    /// Width of the evidence bar, in percent of the cell (±20 bits fills it).
    pub fn bar(&self, f: &FieldScore) -> u32 {
        ((f.weight.abs() / 20.0).min(1.0) * 100.0).round() as u32
    }
    pub fn status_label(&self) -> String {
        self.ctx.t(&format!("dup-status-{}", self.d.pair.status))
    }
}

fn value_label(ctx: &Ctx, f: MergeField, p: &PersonRow, raw: String) -> String {
    let label = |prefix: &str, v: &str| {
        if v.is_empty() {
            String::new()
        } else {
            ctx.t(&format!("{prefix}-{}", v.replace('_', "-")))
        }
    };
    match f {
        MergeField::Sex => label("sex", &raw),
        MergeField::Education => label("education", &raw),
        MergeField::BirthRegistered => label("answer", &raw),
        MergeField::IdCard => label("id-card", &raw),
        MergeField::Statelessness => label("statelessness", &raw),
        MergeField::Groups => PersonRow::list(&p.groups_list)
            .iter()
            .map(|g| label("group", g))
            .collect::<Vec<_>>()
            .join(", "),
        MergeField::LegallyInvisible if !raw.is_empty() => ctx.t("answer-yes"),
        MergeField::Place => format!(
            "{} · {}",
            p.unit_code,
            ctx.tr.area_name(&p.area_name, &p.area_name_alt)
        ),
        _ => raw,
    }
}

fn field_rows(ctx: &Ctx, a: &PersonRow, b: &PersonRow) -> Vec<FieldRow> {
    let (da, db) = (a.draft(), b.draft());
    let take_b = default_choices(&da, &db);
    MergeField::ALL
        .into_iter()
        .map(|f| {
            let (va, vb) = (f.value(&da), f.value(&db));
            FieldRow {
                field: f.name(),
                label: ctx.t(&format!("merge-field-{}", f.name().replace('_', "-"))),
                differs: va != vb,
                left: value_label(ctx, f, a, va),
                right: value_label(ctx, f, b, vb),
                pick: if take_b.contains(&f) { "b" } else { "a" },
            }
        })
        .collect()
}

async fn pair_page(
    state: &AppState,
    ctx: Ctx,
    user: &crate::context::SignedIn,
    id: &str,
    errors: FormErrors,
) -> AppResult<PairPage> {
    let d = state
        .store
        .duplicate_pair(&ctx.actor(), &user.principal, id)
        .await?;
    let rows = field_rows(&ctx, &d.person, &d.other);
    Ok(PairPage {
        can_edit: user.principal.may(Action::EditPersons)
            && d.person.merged_into.is_none()
            && d.other.merged_into.is_none()
            && d.pair.status != "merged",
        ctx,
        d,
        rows,
        errors,
    })
}

pub async fn pair(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param(id): Param<String>,
) -> AppResult<Response> {
    Ok(render(&pair_page(&state, ctx, &user, &id, FormErrors::default()).await?)?.into_response())
}

#[derive(Deserialize, Default)]
pub struct DecisionForm {
    #[serde(default)]
    decision: String,
}

pub async fn decide(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param(id): Param<String>,
    FormBody(f): FormBody<DecisionForm>,
) -> AppResult<Response> {
    match state
        .store
        .decide_pair(&ctx.actor(), &user.principal, &id, f.decision.trim())
        .await
    {
        Ok(_) => Ok(Redirect::to("/duplicates").into_response()),
        Err(e) => {
            let errors = form_errors(ctx.tr, e.into())?;
            let page = pair_page(&state, ctx, &user, &id, errors).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
        }
    }
}

/// The merge form: which record survives, and for each field which record's
/// value it keeps (`a` or `b`, named after the field).
pub async fn merge(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param(id): Param<String>,
    FormBody(form): FormBody<Vec<(String, String)>>,
) -> AppResult<Response> {
    let get = |k: &str| {
        form.iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.as_str())
            .unwrap_or_default()
    };
    let d = state
        .store
        .duplicate_pair(&ctx.actor(), &user.principal, &id)
        .await?;
    let survivor_is_b = get("survivor") == "b";
    let (survivor, merged) = if survivor_is_b {
        (&d.other, &d.person)
    } else {
        (&d.person, &d.other)
    };
    let version = |k: &str, fallback: i64| get(k).parse().unwrap_or(fallback);
    let (va, vb) = (version("version_a", -1), version("version_b", -1));
    let take_from_merged: Vec<MergeField> = MergeField::ALL
        .into_iter()
        .filter(|f| {
            let side = get(f.name());
            if survivor_is_b {
                side == "a"
            } else {
                side == "b"
            }
        })
        .collect();
    let req = MergeRequest {
        survivor_id: survivor.id.clone(),
        merged_id: merged.id.clone(),
        survivor_version: if survivor_is_b { vb } else { va },
        merged_version: if survivor_is_b { va } else { vb },
        take_from_merged,
        pair_id: Some(id.clone()),
    };
    match state
        .store
        .merge_persons(&ctx.actor(), &user.principal, &req)
        .await
    {
        Ok(m) => Ok(Redirect::to(&format!("/merges/{}", m.id)).into_response()),
        Err(e) => {
            let errors = match AppError::from(e) {
                AppError::Conflict { .. } => FormErrors::single(ctx.tr, "merge", "merge-stale"),
                other => form_errors(ctx.tr, other)?,
            };
            let page = pair_page(&state, ctx, &user, &id, errors).await?;
            Ok((StatusCode::CONFLICT, render(&page)?).into_response())
        }
    }
}

#[derive(Template)]
#[template(path = "merge.html")]
pub struct MergePage {
    pub ctx: Ctx,
    pub m: MergeRow,
    pub survivor: PersonRow,
    pub merged: PersonRow,
    pub can_edit: bool,
    pub errors: FormErrors,
}

impl MergePage {
    pub fn fields(&self) -> Vec<String> {
        self.m
            .fields_taken()
            .iter()
            .map(|f| self.ctx.t(&format!("merge-field-{}", f.replace('_', "-"))))
            .collect()
    }
}

async fn merge_page(
    state: &AppState,
    ctx: Ctx,
    user: &crate::context::SignedIn,
    id: &str,
    errors: FormErrors,
) -> AppResult<MergePage> {
    let m = state.store.merge(&user.principal, id).await?;
    let survivor = state
        .store
        .person(&ctx.actor(), &user.principal, &m.survivor_id)
        .await?;
    let merged = state
        .store
        .person(&ctx.actor(), &user.principal, &m.merged_id)
        .await?;
    Ok(MergePage {
        can_edit: user.principal.may(Action::EditPersons) && m.unmerged_at.is_none(),
        ctx,
        m,
        survivor,
        merged,
        errors,
    })
}

pub async fn merge_detail(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param(id): Param<String>,
) -> AppResult<Response> {
    Ok(render(&merge_page(&state, ctx, &user, &id, FormErrors::default()).await?)?.into_response())
}

pub async fn unmerge(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param(id): Param<String>,
) -> AppResult<Response> {
    match state
        .store
        .unmerge(&ctx.actor(), &user.principal, &id)
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!("/merges/{id}")).into_response()),
        Err(e) => {
            let errors = form_errors(ctx.tr, e.into())?;
            let page = merge_page(&state, ctx, &user, &id, errors).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
        }
    }
}
