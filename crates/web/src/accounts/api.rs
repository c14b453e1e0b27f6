//! The accounts API: who am I, users and their roles, API tokens.

use crate::accounts::service::{new_user, parse_assignment};
use crate::context::Auth;
use crate::error::{AppError, AppResult, Problem};
use crate::extract::Param;
use crate::extract::{JsonBody, QueryArgs};
use crate::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use kopru_domain::codes::{Label, Password};
use kopru_domain::{Action, ValidationErrors};
use kopru_store::accounts::{ApiToken, AssignmentRow, User};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The routes of this file, with their OpenAPI operations.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(me))
        .routes(routes!(set_job_title))
        .routes(routes!(list_users, create_user))
        .routes(routes!(get_user))
        .routes(routes!(add_role))
        .routes(routes!(remove_role))
        .routes(routes!(reset_password))
        .routes(routes!(set_status))
        .routes(routes!(list_tokens, create_token))
        .routes(routes!(revoke_token))
}

// ---------- me ----------

#[derive(Serialize, ToSchema)]
pub struct Me {
    pub id: String,
    pub username: String,
    pub display_name: String,
    pub locale: String,
    pub roles: Vec<RoleOut>,
}

#[derive(Serialize, ToSchema)]
pub struct RoleOut {
    pub role: String,
    pub scope: String,
}

#[utoipa::path(get, path = "/api/v1/me", tag = "accounts",
    responses((status = 200, body = Me), (status = 401, body = Problem)))]
pub async fn me(Auth(ctx, user): Auth) -> Json<Me> {
    Json(Me {
        id: user.principal.user_id.clone(),
        username: user.principal.username.clone(),
        display_name: user.display_name.clone(),
        locale: ctx.locale().tag().to_owned(),
        roles: user
            .principal
            .assignments
            .iter()
            .map(|a| RoleOut {
                role: a.role.as_str().to_owned(),
                scope: a.scope.to_string(),
            })
            .collect(),
    })
}

/// The signed-in user's title for letters.
#[derive(Deserialize, ToSchema, Default)]
#[serde(default)]
pub struct JobTitleInput {
    /// Empty or absent clears it.
    pub job_title: Option<String>,
}

/// Sets the title printed under the user's name on referral letters.
#[utoipa::path(put, path = "/api/v1/me/job-title", tag = "accounts", request_body = JobTitleInput,
    responses((status = 204), (status = 401, body = Problem), (status = 422, body = Problem)))]
pub async fn set_job_title(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    JsonBody(input): JsonBody<JobTitleInput>,
) -> AppResult<StatusCode> {
    let title = crate::accounts::service::job_title(input.job_title.as_deref().unwrap_or(""))?;
    state
        .store
        .set_job_title(&ctx.actor(), &user.principal.user_id, title.as_deref())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

// ---------- users ----------

#[derive(Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
pub struct UserParams {
    #[serde(default)]
    pub q: Option<String>,
    #[serde(default)]
    pub limit: Option<i64>,
    #[serde(default)]
    pub offset: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct UserOut {
    #[serde(flatten)]
    pub user: User,
    pub roles: Vec<AssignmentRow>,
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(default)]
pub struct UserInput {
    pub username: String,
    pub display_name: String,
    /// At least 10 characters; the user must change it at first sign-in.
    pub password: String,
    pub role: String,
    /// `country:TR`, `area:TR-06`, `unit:CODE`, `institution:CODE`, or empty for the installation.
    pub scope: String,
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(default)]
pub struct RoleInput {
    pub role: String,
    pub scope: String,
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(default)]
pub struct PasswordInput {
    pub password: String,
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(default)]
pub struct UserStatusInput {
    pub disabled: bool,
}

#[utoipa::path(get, path = "/api/v1/users", tag = "accounts", params(UserParams),
    responses((status = 200, body = Vec<User>), (status = 403, body = Problem)))]
pub async fn list_users(
    State(state): State<AppState>,
    Auth(_, user): Auth,
    QueryArgs(p): QueryArgs<UserParams>,
) -> AppResult<Json<Vec<User>>> {
    user.need(Action::ViewUsers)?;
    let rows = state
        .store
        .users(
            &user.principal,
            p.q.as_deref(),
            p.limit.unwrap_or(50),
            p.offset.unwrap_or(0),
        )
        .await?;
    Ok(Json(rows))
}

#[utoipa::path(get, path = "/api/v1/users/{id}", tag = "accounts", params(("id" = String, Path)),
    responses((status = 200, body = UserOut), (status = 404, body = Problem)))]
pub async fn get_user(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param(id): Param<String>,
) -> AppResult<Json<UserOut>> {
    user.need(Action::ViewUsers)?;
    let (u, roles) = state
        .store
        .visible_user(&ctx.actor(), &user.principal, &id)
        .await?;
    Ok(Json(UserOut { user: u, roles }))
}

#[utoipa::path(post, path = "/api/v1/users", tag = "accounts", request_body = UserInput,
    responses((status = 201, body = UserOut), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn create_user(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    JsonBody(input): JsonBody<UserInput>,
) -> AppResult<Response> {
    user.need(Action::ManageUsers)?;
    let new = new_user(
        &input.username,
        &input.display_name,
        &input.password,
        &input.role,
        &input.scope,
    )?;
    let created = state
        .store
        .create_user(&ctx.actor(), Some(&user.principal), new)
        .await?;
    let roles = state.store.assignments_of(&created.id).await?;
    Ok((
        StatusCode::CREATED,
        Json(UserOut {
            user: created,
            roles,
        }),
    )
        .into_response())
}

#[utoipa::path(post, path = "/api/v1/users/{id}/roles", tag = "accounts", params(("id" = String, Path)), request_body = RoleInput,
    responses((status = 204), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn add_role(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param(id): Param<String>,
    JsonBody(input): JsonBody<RoleInput>,
) -> AppResult<StatusCode> {
    user.need(Action::ManageUsers)?;
    let mut e = ValidationErrors::new();
    let a = parse_assignment(&input.role, &input.scope, &mut e);
    e.clone().into_result()?;
    let a = a.ok_or(AppError::Invalid(e))?;
    state
        .store
        .add_assignment(&ctx.actor(), &user.principal, &id, &a)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(delete, path = "/api/v1/users/{id}/roles/{rid}", tag = "accounts", params(("id" = String, Path), ("rid" = String, Path)),
    responses((status = 204), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn remove_role(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param((_id, rid)): Param<(String, String)>,
) -> AppResult<StatusCode> {
    user.need(Action::ManageUsers)?;
    state
        .store
        .remove_assignment(&ctx.actor(), &user.principal, &rid)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(post, path = "/api/v1/users/{id}/password", tag = "accounts", params(("id" = String, Path)), request_body = PasswordInput,
    responses((status = 204), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn reset_password(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param(id): Param<String>,
    JsonBody(input): JsonBody<PasswordInput>,
) -> AppResult<StatusCode> {
    user.need(Action::ManageUsers)?;
    let p = Password::parse(&input.password)
        .map_err(|c| AppError::Invalid(ValidationErrors::single("password", c)))?;
    state
        .store
        .reset_password(&ctx.actor(), &user.principal, &id, &p)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(post, path = "/api/v1/users/{id}/status", tag = "accounts", params(("id" = String, Path)), request_body = UserStatusInput,
    responses((status = 204), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn set_status(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param(id): Param<String>,
    JsonBody(input): JsonBody<UserStatusInput>,
) -> AppResult<StatusCode> {
    user.need(Action::ManageUsers)?;
    if id == user.principal.user_id {
        return Err(AppError::BadRequest("err-disable-self"));
    }
    state
        .store
        .set_disabled(&ctx.actor(), &user.principal, &id, input.disabled)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

// ---------- tokens ----------

#[derive(Deserialize, ToSchema, Default)]
#[serde(default)]
pub struct TokenInput {
    pub name: String,
}

#[derive(Serialize, ToSchema)]
pub struct NewToken {
    pub id: String,
    /// Shown once; only its hash is kept.
    pub token: String,
}

#[utoipa::path(get, path = "/api/v1/tokens", tag = "accounts", responses((status = 200, body = Vec<ApiToken>)))]
pub async fn list_tokens(
    State(state): State<AppState>,
    Auth(_, user): Auth,
) -> AppResult<Json<Vec<ApiToken>>> {
    Ok(Json(state.store.tokens_of(&user.principal.user_id).await?))
}

#[utoipa::path(post, path = "/api/v1/tokens", tag = "accounts", request_body = TokenInput,
    responses((status = 201, body = NewToken), (status = 422, body = Problem)))]
pub async fn create_token(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    JsonBody(input): JsonBody<TokenInput>,
) -> AppResult<Response> {
    let name = Label::parse(&input.name)
        .map_err(|c| AppError::Invalid(ValidationErrors::single("name", c)))?;
    let (id, token) = state
        .store
        .create_token(&ctx.actor(), &user.principal.user_id, name.as_str())
        .await?;
    Ok((StatusCode::CREATED, Json(NewToken { id, token })).into_response())
}

#[utoipa::path(delete, path = "/api/v1/tokens/{id}", tag = "accounts", params(("id" = String, Path)),
    responses((status = 204), (status = 404, body = Problem)))]
pub async fn revoke_token(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param(id): Param<String>,
) -> AppResult<StatusCode> {
    state
        .store
        .revoke_token(&ctx.actor(), &user.principal.user_id, &id)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
