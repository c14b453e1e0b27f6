//! Signing in and out, the language switch, and the user's own account:
//! password, language, API tokens.

use crate::context::{set_cookie, Auth, Ctx, LANG_COOKIE, SESSION_COOKIE};
use crate::error::{AppError, AppResult};
use crate::extract::Param;
use crate::extract::{FormBody, QueryArgs};
use crate::pages::{render, safe_next, FormErrors};
use crate::AppState;
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use kopru_domain::codes::Password;
use kopru_domain::Locale;
use kopru_store::accounts::{ApiToken, LoginError, SESSION_IDLE};
use serde::Deserialize;

/// The pages of this file.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/login", get(login_page).post(login))
        .route("/logout", post(logout))
        .route("/lang", post(set_language))
        .route("/account", get(account_page))
        .route("/account/password", post(change_password))
        .route("/account/title", post(change_job_title))
        .route("/account/tokens", post(create_token))
        .route("/account/tokens/{id}/revoke", post(revoke_token))
}

#[derive(Template)]
#[template(path = "login.html")]
pub struct LoginPage {
    pub ctx: Ctx,
    pub username: String,
    pub error: Option<String>,
}

pub async fn login_page(ctx: Ctx) -> AppResult<Response> {
    if ctx.user.is_some() {
        return Ok(Redirect::to("/").into_response());
    }
    Ok(render(&LoginPage {
        ctx,
        username: String::new(),
        error: None,
    })?
    .into_response())
}

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
}

pub async fn login(
    State(state): State<AppState>,
    ctx: Ctx,
    FormBody(f): FormBody<LoginForm>,
) -> AppResult<Response> {
    let outcome = state
        .store
        .login(&f.username, &f.password, &ctx.client_addr)
        .await?;
    match outcome {
        Ok(user) => {
            let secret = state.store.create_session(&user.id).await?;
            let target = if user.must_change_password != 0 {
                "/account?must=1"
            } else {
                "/"
            };
            let mut resp = Redirect::to(target).into_response();
            set_cookie(
                &mut resp,
                SESSION_COOKIE,
                &secret,
                Some(SESSION_IDLE.whole_seconds()),
                ctx.secure_cookies,
                true,
            );
            Ok(resp)
        }
        Err(e) => {
            let (status, msg) = match e {
                LoginError::BadCredentials => (StatusCode::UNAUTHORIZED, ctx.t("login-failed")),
                LoginError::Throttled { minutes } => (
                    StatusCode::TOO_MANY_REQUESTS,
                    ctx.tr.count("login-throttled", minutes),
                ),
            };
            let page = LoginPage {
                ctx,
                username: f.username,
                error: Some(msg),
            };
            Ok((status, render(&page)?).into_response())
        }
    }
}

pub async fn logout(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    if let Some(secret) = ctx.user.as_ref().and_then(|u| u.session_secret.clone()) {
        state.store.end_session(&ctx.actor(), &secret).await?;
    }
    let mut resp = Redirect::to("/login").into_response();
    set_cookie(
        &mut resp,
        SESSION_COOKIE,
        "",
        Some(0),
        ctx.secure_cookies,
        true,
    );
    Ok(resp)
}

#[derive(Deserialize)]
pub struct LangForm {
    #[serde(default)]
    lang: String,
    #[serde(default)]
    next: String,
}

/// Switches the language: saved on the account when signed in, and in a cookie.
pub async fn set_language(
    State(state): State<AppState>,
    ctx: Ctx,
    FormBody(f): FormBody<LangForm>,
) -> AppResult<Response> {
    let locale = Locale::parse(&f.lang).ok_or(AppError::BadRequest("err-language"))?;
    if let Some(u) = &ctx.user {
        state
            .store
            .set_locale(&u.principal.user_id, locale.tag())
            .await?;
    }
    let mut resp = Redirect::to(&safe_next(&f.next)).into_response();
    set_cookie(
        &mut resp,
        LANG_COOKIE,
        locale.tag(),
        Some(365 * 24 * 3600),
        ctx.secure_cookies,
        true,
    );
    Ok(resp)
}

#[derive(Template)]
#[template(path = "account.html")]
pub struct AccountPage {
    pub ctx: Ctx,
    pub roles: Vec<(String, String)>,
    pub tokens: Vec<ApiToken>,
    pub new_token: Option<String>,
    pub notice: Option<String>,
    pub must_change: bool,
    pub errors: FormErrors,
    /// The title on letters, as stored.
    pub job_title: String,
}

#[derive(Deserialize, Default)]
pub struct AccountQuery {
    #[serde(default)]
    done: String,
    #[serde(default)]
    must: String,
}

async fn account_view(
    state: &AppState,
    ctx: Ctx,
    notice: Option<String>,
    new_token: Option<String>,
    errors: FormErrors,
) -> AppResult<AccountPage> {
    let user = ctx.user.clone().ok_or(AppError::Unauthorized)?;
    let roles = user.role_labels(ctx.tr);
    let tokens = state.store.tokens_of(&user.principal.user_id).await?;
    let job_title = state
        .store
        .user_by_id(&user.principal.user_id)
        .await?
        .and_then(|u| u.job_title)
        .unwrap_or_default();
    Ok(AccountPage {
        job_title,
        must_change: user.must_change_password,
        ctx,
        roles,
        tokens,
        new_token,
        notice,
        errors,
    })
}

pub async fn account_page(
    State(state): State<AppState>,
    Auth(ctx, _): Auth,
    QueryArgs(q): QueryArgs<AccountQuery>,
) -> AppResult<Response> {
    let notice = match q.done.as_str() {
        "password" => Some(ctx.t("account-password-changed")),
        "revoked" => Some(ctx.t("account-token-revoked")),
        "title" => Some(ctx.t("account-title-saved")),
        _ => None,
    };
    let _ = q.must;
    Ok(
        render(&account_view(&state, ctx, notice, None, FormErrors::default()).await?)?
            .into_response(),
    )
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct JobTitleForm {
    job_title: String,
}

pub async fn change_job_title(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    FormBody(f): FormBody<JobTitleForm>,
) -> AppResult<Response> {
    match crate::accounts::service::job_title(&f.job_title) {
        Ok(title) => {
            state
                .store
                .set_job_title(&ctx.actor(), &user.principal.user_id, title.as_deref())
                .await?;
            Ok(Redirect::to("/account?done=title").into_response())
        }
        Err(crate::service::ServiceError::Invalid(e)) => {
            let errors = FormErrors::new(ctx.tr, &e);
            let page = account_view(&state, ctx, None, None, errors).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    current: String,
    #[serde(default)]
    new: String,
    #[serde(default)]
    confirm: String,
}

pub async fn change_password(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    FormBody(f): FormBody<PasswordForm>,
) -> AppResult<Response> {
    let fail = |field: &str, code: &str| FormErrors::single(ctx.tr, field, code);
    let errors = match Password::parse(&f.new) {
        Err(code) => Some(fail("new", code)),
        Ok(_) if f.new != f.confirm => Some(fail("confirm", "err-password-mismatch")),
        Ok(p) => {
            if state
                .store
                .change_own_password(&ctx.actor(), &user.principal.user_id, &f.current, &p)
                .await?
            {
                // Changing the password ended every session; start a fresh one here.
                let secret = state.store.create_session(&user.principal.user_id).await?;
                let mut resp = Redirect::to("/account?done=password").into_response();
                set_cookie(
                    &mut resp,
                    SESSION_COOKIE,
                    &secret,
                    Some(SESSION_IDLE.whole_seconds()),
                    ctx.secure_cookies,
                    true,
                );
                return Ok(resp);
            }
            Some(fail("current", "err-password-wrong"))
        }
    };
    let page = account_view(&state, ctx, None, None, errors.unwrap_or_default()).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
}

#[derive(Deserialize)]
pub struct TokenForm {
    #[serde(default)]
    name: String,
}

pub async fn create_token(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    FormBody(f): FormBody<TokenForm>,
) -> AppResult<Response> {
    let name = match kopru_domain::codes::Label::parse(&f.name) {
        Ok(n) => n,
        Err(code) => {
            let page = account_view(
                &state,
                ctx.clone(),
                None,
                None,
                FormErrors::single(ctx.tr, "name", code),
            )
            .await?;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response());
        }
    };
    let (_, secret) = state
        .store
        .create_token(&ctx.actor(), &user.principal.user_id, name.as_str())
        .await?;
    let page = account_view(
        &state,
        ctx.clone(),
        Some(ctx.t("account-token-created")),
        Some(secret),
        FormErrors::default(),
    )
    .await?;
    Ok(render(&page)?.into_response())
}

pub async fn revoke_token(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param(id): Param<String>,
) -> AppResult<Response> {
    state
        .store
        .revoke_token(&ctx.actor(), &user.principal.user_id, &id)
        .await?;
    Ok(Redirect::to("/account?done=revoked").into_response())
}
