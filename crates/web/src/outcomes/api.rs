//! `/api/v1/persons/{id}/documents`: a person's civil documents.

use crate::context::Auth;
use crate::error::{AppResult, Problem};
use crate::extract::{JsonBody, Param};
use crate::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use kopru_store::outcomes::DocumentRow;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The routes of this file, with their OpenAPI operations.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_documents, add_document))
        .routes(routes!(update_document))
}

#[utoipa::path(get, path = "/api/v1/persons/{id}/documents", tag = "outcomes", params(("id" = String, Path)),
    responses((status = 200, body = Vec<DocumentRow>), (status = 404, body = Problem)))]
pub async fn list_documents(
    State(state): State<AppState>,
    Auth(_, user): Auth,
    Param(id): Param<String>,
) -> AppResult<Json<Vec<DocumentRow>>> {
    Ok(Json(state.store.documents(&user.principal, &id).await?))
}

#[derive(Deserialize, Serialize, ToSchema, Default)]
#[serde(default)]
pub struct DocumentInput {
    /// birth_registration, identity_card, residence_registration,
    /// citizenship, statelessness_determination
    pub kind: String,
    /// YYYY-MM-DD (needed unless obtained or refused)
    pub requested_on: Option<String>,
    /// YYYY-MM-DD: the status becomes obtained.
    pub obtained_on: Option<String>,
    /// YYYY-MM-DD: the status becomes refused (give the reason).
    pub refused_on: Option<String>,
    pub refusal_reason: Option<String>,
    pub note: Option<String>,
    /// For updates: the version you read.
    pub version: i64,
}

impl DocumentInput {
    fn check(&self) -> Result<kopru_domain::outcome::Document, kopru_domain::ValidationErrors> {
        let o = |v: &Option<String>| v.clone().unwrap_or_default();
        super::document(
            &self.kind,
            &o(&self.requested_on),
            &o(&self.obtained_on),
            &o(&self.refused_on),
            &o(&self.refusal_reason),
            &o(&self.note),
        )
    }
}

/// Records a civil document's procedure; the status follows the dates.
#[utoipa::path(post, path = "/api/v1/persons/{id}/documents", tag = "outcomes", params(("id" = String, Path)),
    request_body = DocumentInput,
    responses((status = 201, body = DocumentRow), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn add_document(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param(id): Param<String>,
    JsonBody(input): JsonBody<DocumentInput>,
) -> AppResult<Response> {
    let d = input.check()?;
    let row = state
        .store
        .add_document(&ctx.actor(), &user.principal, &id, &d)
        .await?;
    Ok((StatusCode::CREATED, Json(row)).into_response())
}

/// Changes a document's procedure (send the version you read; 409 if it changed).
#[utoipa::path(put, path = "/api/v1/persons/{id}/documents/{did}", tag = "outcomes",
    params(("id" = String, Path), ("did" = String, Path)), request_body = DocumentInput,
    responses((status = 200, body = DocumentRow), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn update_document(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param((id, did)): Param<(String, String)>,
    JsonBody(input): JsonBody<DocumentInput>,
) -> AppResult<Json<DocumentRow>> {
    let d = input.check()?;
    Ok(Json(
        state
            .store
            .update_document(&ctx.actor(), &user.principal, &id, &did, input.version, &d)
            .await?,
    ))
}
