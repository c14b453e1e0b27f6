//! `/api/v1/forms`: form definitions by version, and publishing new ones.

use crate::context::Auth;
use crate::error::{AppResult, Problem};
use crate::extract::{Param, QueryArgs};
use crate::AppState;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use kopru_domain::ValidationErrors;
use kopru_store::casework::forms::FormSummary;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The routes of this file, with their OpenAPI operations.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_forms, publish_form))
        .routes(routes!(get_form))
        .routes(routes!(form_versions))
}

/// The newest version of every form.
#[utoipa::path(get, path = "/api/v1/forms", tag = "forms",
    responses((status = 200, body = Vec<FormSummary>), (status = 401, body = Problem)))]
pub async fn list_forms(
    State(state): State<AppState>,
    Auth(_, _user): Auth,
) -> AppResult<Json<Vec<FormSummary>>> {
    Ok(Json(state.store.forms().await?))
}

#[derive(Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
pub struct VersionParams {
    /// A kept version (default: the newest).
    #[serde(default)]
    pub version: Option<i64>,
}

/// A form's definition as JSON: sections, fields, conditions, formulas, and
/// every text in the four languages. Old versions stay readable.
#[utoipa::path(get, path = "/api/v1/forms/{id}", tag = "forms",
    params(("id" = String, Path), VersionParams),
    responses((status = 200, body = Object), (status = 404, body = Problem)))]
pub async fn get_form(
    State(state): State<AppState>,
    Auth(_, _user): Auth,
    Param(id): Param<String>,
    QueryArgs(p): QueryArgs<VersionParams>,
) -> AppResult<Json<kopru_domain::form::FormDefinition>> {
    Ok(Json(state.store.form(&id, p.version).await?))
}

/// Every kept version of a form, newest first.
#[utoipa::path(get, path = "/api/v1/forms/{id}/versions", tag = "forms",
    params(("id" = String, Path)),
    responses((status = 200, body = Vec<FormSummary>), (status = 404, body = Problem)))]
pub async fn form_versions(
    State(state): State<AppState>,
    Auth(_, _user): Auth,
    Param(id): Param<String>,
) -> AppResult<Json<Vec<FormSummary>>> {
    Ok(Json(state.store.form_versions(&id).await?))
}

/// Publishes a form definition (the body is the definition's JSON): a new
/// form, or a newer version of one. A malformed definition is refused with
/// every problem, each naming where it is (`sections[0] (child).fields[2]
/// (birth)`) and what is wrong. Administrators and programme managers.
#[utoipa::path(post, path = "/api/v1/forms", tag = "forms",
    request_body(content = Object, content_type = "application/json"),
    responses((status = 201, body = FormSummary), (status = 403, body = Problem),
        (status = 422, body = Problem)))]
pub async fn publish_form(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    body: Bytes,
) -> AppResult<Response> {
    let text = std::str::from_utf8(&body)
        .map_err(|_| ValidationErrors::single("definition", "form-def-syntax"))?;
    let summary = state
        .store
        .publish_form(&ctx.actor(), &user.principal, text)
        .await?;
    Ok((StatusCode::CREATED, Json(summary)).into_response())
}
