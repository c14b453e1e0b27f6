//! Users and their role assignments (administrators; auditors read).

use super::service::{new_user, parse_assignment};
use crate::context::{Auth, Ctx};
use crate::error::{AppError, AppResult};
use crate::extract::Param;
use crate::extract::{FormBody, QueryArgs};
use crate::pages::{query_string, render, FormErrors, Pager, PAGE_SIZE};
use crate::AppState;
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use kopru_domain::codes::Password;
use kopru_domain::{Action, Role, ValidationErrors};
use kopru_store::accounts::{AssignmentRow, User};
use serde::Deserialize;

/// The pages of this file.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/users", get(users_page))
        .route("/users/new", get(user_new).post(user_create))
        .route("/users/{id}", get(user_detail))
        .route("/users/{id}/roles", post(role_add))
        .route("/users/{id}/roles/{rid}/remove", post(role_remove))
        .route("/users/{id}/password", post(password_reset))
        .route("/users/{id}/status", post(status_set))
}

fn role_options(ctx: &Ctx) -> Vec<(String, String)> {
    Role::ALL
        .iter()
        .map(|r| (r.as_str().to_owned(), ctx.t(&r.message_id())))
        .collect()
}

#[derive(Deserialize, Default)]
pub struct UsersQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    page: Option<i64>,
}

#[derive(Template)]
#[template(path = "users.html")]
pub struct UsersPage {
    pub ctx: Ctx,
    pub rows: Vec<User>,
    pub q: String,
    pub pager: Pager,
}

pub async fn users_page(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    QueryArgs(q): QueryArgs<UsersQuery>,
) -> AppResult<Response> {
    if !user.principal.may(Action::ViewUsers) {
        return Err(AppError::Forbidden);
    }
    let page = q.page.unwrap_or(1);
    // One row more than a page tells whether there is a next page without a count.
    let mut rows = state
        .store
        .users(
            &user.principal,
            Some(&q.q),
            PAGE_SIZE + 1,
            Pager::offset(page),
        )
        .await?;
    let more = rows.len() as i64 > PAGE_SIZE;
    rows.truncate(PAGE_SIZE as usize);
    let known = Pager::offset(page) + rows.len() as i64 + i64::from(more);
    let pager = Pager::new(page, known, query_string(&[("q", &q.q)]));
    Ok(render(&UsersPage {
        ctx,
        rows,
        q: q.q,
        pager,
    })?
    .into_response())
}

#[derive(Deserialize, Default, Clone)]
pub struct NewUserForm {
    #[serde(default)]
    pub username: String,
    #[serde(default)]
    pub display_name: String,
    #[serde(default)]
    pub password: String,
    #[serde(default)]
    pub role: String,
    #[serde(default)]
    pub scope: String,
}

#[derive(Template)]
#[template(path = "user_new.html")]
pub struct NewUserPage {
    pub ctx: Ctx,
    pub form: NewUserForm,
    pub errors: FormErrors,
    pub roles: Vec<(String, String)>,
}

pub async fn user_new(Auth(ctx, user): Auth) -> AppResult<Response> {
    if !user.principal.may(Action::ManageUsers) {
        return Err(AppError::Forbidden);
    }
    let roles = role_options(&ctx);
    Ok(render(&NewUserPage {
        ctx,
        form: NewUserForm::default(),
        errors: FormErrors::default(),
        roles,
    })?
    .into_response())
}

pub async fn user_create(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    FormBody(form): FormBody<NewUserForm>,
) -> AppResult<Response> {
    let result = match new_user(
        &form.username,
        &form.display_name,
        &form.password,
        &form.role,
        &form.scope,
    ) {
        Ok(new) => state
            .store
            .create_user(&ctx.actor(), Some(&user.principal), new)
            .await
            .map_err(AppError::from),
        Err(e) => Err(AppError::Invalid(e)),
    };
    match result {
        Ok(u) => Ok(Redirect::to(&format!("/users/{}", u.id)).into_response()),
        Err(err) => {
            let errors = crate::pages::form_errors(ctx.tr, err)?;
            let roles = role_options(&ctx);
            Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                render(&NewUserPage {
                    ctx,
                    form,
                    errors,
                    roles,
                })?,
            )
                .into_response())
        }
    }
}

#[derive(Template)]
#[template(path = "user_detail.html")]
pub struct UserDetailPage {
    pub ctx: Ctx,
    pub user: User,
    pub assignments: Vec<AssignmentRow>,
    pub roles: Vec<(String, String)>,
    pub errors: FormErrors,
    pub notice: Option<String>,
    pub can_manage: bool,
}

impl UserDetailPage {
    pub fn role_label(&self, role: &str) -> String {
        Role::parse(role)
            .map(|r| self.ctx.t(&r.message_id()))
            .unwrap_or_else(|_| role.to_owned())
    }
}

async fn detail(
    state: &AppState,
    ctx: Ctx,
    viewer: &kopru_domain::Principal,
    id: &str,
    errors: FormErrors,
    notice: Option<String>,
) -> AppResult<UserDetailPage> {
    let (user, assignments) = state.store.visible_user(&ctx.actor(), viewer, id).await?;
    let roles = role_options(&ctx);
    Ok(UserDetailPage {
        ctx,
        user,
        assignments,
        roles,
        errors,
        notice,
        can_manage: viewer.may(Action::ManageUsers),
    })
}

#[derive(Deserialize, Default)]
pub struct DoneQuery {
    #[serde(default)]
    done: String,
}

pub async fn user_detail(
    State(state): State<AppState>,
    Auth(ctx, me): Auth,
    Param(id): Param<String>,
    QueryArgs(q): QueryArgs<DoneQuery>,
) -> AppResult<Response> {
    if !me.principal.may(Action::ViewUsers) {
        return Err(AppError::Forbidden);
    }
    let notice = (!q.done.is_empty()).then(|| {
        ctx.t(&format!(
            "user-done-{}",
            q.done.replace(|c: char| !c.is_ascii_alphanumeric(), "")
        ))
    });
    Ok(render(
        &detail(
            &state,
            ctx,
            &me.principal,
            &id,
            FormErrors::default(),
            notice,
        )
        .await?,
    )?
    .into_response())
}

#[derive(Deserialize)]
pub struct RoleForm {
    #[serde(default)]
    role: String,
    #[serde(default)]
    scope: String,
}

pub async fn role_add(
    State(state): State<AppState>,
    Auth(ctx, me): Auth,
    Param(id): Param<String>,
    FormBody(f): FormBody<RoleForm>,
) -> AppResult<Response> {
    let mut e = ValidationErrors::new();
    let result = match parse_assignment(&f.role, &f.scope, &mut e) {
        Some(a) if e.is_empty() => state
            .store
            .add_assignment(&ctx.actor(), &me.principal, &id, &a)
            .await
            .map_err(AppError::from),
        _ => Err(AppError::Invalid(e)),
    };
    match result {
        Ok(()) => Ok(Redirect::to(&format!("/users/{id}?done=role")).into_response()),
        Err(err) => {
            let errors = crate::pages::form_errors(ctx.tr, err)?;
            let page = detail(&state, ctx, &me.principal, &id, errors, None).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
        }
    }
}

pub async fn role_remove(
    State(state): State<AppState>,
    Auth(ctx, me): Auth,
    Param((id, rid)): Param<(String, String)>,
) -> AppResult<Response> {
    state
        .store
        .remove_assignment(&ctx.actor(), &me.principal, &rid)
        .await?;
    Ok(Redirect::to(&format!("/users/{id}?done=role")).into_response())
}

#[derive(Deserialize)]
pub struct ResetForm {
    #[serde(default)]
    password: String,
}

pub async fn password_reset(
    State(state): State<AppState>,
    Auth(ctx, me): Auth,
    Param(id): Param<String>,
    FormBody(f): FormBody<ResetForm>,
) -> AppResult<Response> {
    match Password::parse(&f.password) {
        Ok(p) => {
            state
                .store
                .reset_password(&ctx.actor(), &me.principal, &id, &p)
                .await?;
            Ok(Redirect::to(&format!("/users/{id}?done=password")).into_response())
        }
        Err(code) => {
            let page = detail(
                &state,
                ctx.clone(),
                &me.principal,
                &id,
                FormErrors::single(ctx.tr, "password", code),
                None,
            )
            .await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
        }
    }
}

#[derive(Deserialize)]
pub struct StatusForm {
    #[serde(default)]
    disabled: String,
}

pub async fn status_set(
    State(state): State<AppState>,
    Auth(ctx, me): Auth,
    Param(id): Param<String>,
    FormBody(f): FormBody<StatusForm>,
) -> AppResult<Response> {
    if id == me.principal.user_id {
        return Err(AppError::BadRequest("err-disable-self"));
    }
    state
        .store
        .set_disabled(&ctx.actor(), &me.principal, &id, f.disabled == "1")
        .await?;
    Ok(Redirect::to(&format!("/users/{id}?done=status")).into_response())
}
