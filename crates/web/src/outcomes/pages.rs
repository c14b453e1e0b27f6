//! A person's civil documents: the list with a form for each procedure and
//! one to record a new one.

use crate::context::{Auth, Ctx, SignedIn};
use crate::error::{AppError, AppResult};
use crate::extract::{FormBody, Param};
use crate::pages::{form_errors, render, FormErrors};
use crate::AppState;
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use kopru_domain::outcome::DocumentKind;
use kopru_domain::Action;
use kopru_store::outcomes::DocumentRow;
use serde::Deserialize;

/// The pages of this file.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/persons/{id}/documents", get(documents_page).post(add))
        .route("/persons/{id}/documents/{did}", post(update))
}

#[derive(Template)]
#[template(path = "documents.html")]
pub struct DocumentsPage {
    pub ctx: Ctx,
    pub person_id: String,
    pub person_name: String,
    pub rows: Vec<DocumentRow>,
    pub can_edit: bool,
    pub errors: FormErrors,
    /// The document the errors belong to ("new" for the new one).
    pub section: String,
}

impl DocumentsPage {
    pub fn kinds(&self) -> Vec<(&'static str, String)> {
        DocumentKind::ALL
            .iter()
            .map(|k| (k.as_str(), self.ctx.t(&k.message_id())))
            .collect()
    }
    pub fn tone(&self, status: &str) -> &'static str {
        match status {
            "obtained" => "ok",
            "refused" => "bad",
            _ => "info",
        }
    }
    pub fn opt(&self, v: &Option<String>) -> String {
        v.clone().unwrap_or_default()
    }
}

async fn view(
    state: &AppState,
    ctx: Ctx,
    user: &SignedIn,
    id: &str,
    errors: FormErrors,
    section: &str,
) -> AppResult<DocumentsPage> {
    let p = state
        .store
        .person(&ctx.actor(), &user.principal, id)
        .await?;
    let rows = state.store.documents(&user.principal, id).await?;
    let can_edit = user.principal.may(Action::EditPersons) && p.merged_into.is_none();
    Ok(DocumentsPage {
        ctx,
        person_id: p.id.clone(),
        person_name: format!("{} {}", p.given_names, p.family_name),
        rows,
        can_edit,
        errors,
        section: section.to_owned(),
    })
}

pub async fn documents_page(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param(id): Param<String>,
) -> AppResult<Response> {
    let page = view(&state, ctx, &user, &id, FormErrors::default(), "").await?;
    Ok(render(&page)?.into_response())
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct DocumentForm {
    pub kind: String,
    pub requested_on: String,
    pub obtained_on: String,
    pub refused_on: String,
    pub refusal_reason: String,
    pub note: String,
    pub version: i64,
}

impl DocumentForm {
    fn check(&self) -> Result<kopru_domain::outcome::Document, kopru_domain::ValidationErrors> {
        super::document(
            &self.kind,
            &self.requested_on,
            &self.obtained_on,
            &self.refused_on,
            &self.refusal_reason,
            &self.note,
        )
    }
}

async fn after(
    state: &AppState,
    ctx: Ctx,
    user: &SignedIn,
    id: &str,
    section: &str,
    result: Result<DocumentRow, AppError>,
) -> AppResult<Response> {
    match result {
        Ok(_) => Ok(Redirect::to(&format!("/persons/{id}/documents")).into_response()),
        Err(e) => {
            let errors = form_errors(ctx.tr, e)?;
            let page = view(state, ctx, user, id, errors, section).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
        }
    }
}

pub async fn add(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param(id): Param<String>,
    FormBody(f): FormBody<DocumentForm>,
) -> AppResult<Response> {
    let result = match f.check() {
        Ok(d) => state
            .store
            .add_document(&ctx.actor(), &user.principal, &id, &d)
            .await
            .map_err(AppError::from),
        Err(e) => Err(e.into()),
    };
    after(&state, ctx, &user, &id, "new", result).await
}

pub async fn update(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param((id, did)): Param<(String, String)>,
    FormBody(f): FormBody<DocumentForm>,
) -> AppResult<Response> {
    let result = match f.check() {
        Ok(d) => state
            .store
            .update_document(&ctx.actor(), &user.principal, &id, &did, f.version, &d)
            .await
            .map_err(AppError::from),
        Err(e) => Err(e.into()),
    };
    after(&state, ctx, &user, &id, &did, result).await
}
