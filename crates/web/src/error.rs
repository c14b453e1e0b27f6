//! One error type for every handler. It renders as RFC 9457 problem details for
//! the API and as a localised HTML page for browsers; which one is decided from
//! the request (kept in a task-local by the context middleware).

use crate::i18n::Tr;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use kopru_domain::{FieldError, Locale, ValidationErrors};
use kopru_store::StoreError;
use serde::Serialize;

/// What an error response needs to know about the request it answers.
#[derive(Clone, Copy, Debug)]
pub struct ResponseStyle {
    pub locale: Locale,
    pub json: bool,
}

tokio::task_local! {
    pub static STYLE: ResponseStyle;
}

pub fn current_style() -> ResponseStyle {
    STYLE.try_with(|s| *s).unwrap_or(ResponseStyle {
        locale: Locale::En,
        json: true,
    })
}

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("authentication required")]
    Unauthorized,
    #[error("forbidden")]
    Forbidden,
    #[error("not found")]
    NotFound,
    /// Someone saved the record since the caller loaded it.
    #[error("conflict")]
    Conflict { current: Option<serde_json::Value> },
    #[error("invalid input")]
    Invalid(ValidationErrors),
    /// A malformed request; the string is a Fluent message id.
    #[error("bad request: {0}")]
    BadRequest(&'static str),
    #[error("payload too large")]
    TooLarge,
    #[error("unsupported media type")]
    UnsupportedMediaType,
    #[error("too many attempts")]
    Throttled { minutes: i64 },
    #[error("CSRF check failed")]
    Csrf,
    #[error("internal error: {0}")]
    Internal(String),
    /// The person being registered may already be on record.
    #[error("possible duplicates")]
    PossibleDuplicates(Vec<kopru_store::dedup::Candidate>),
    /// The user must set a new password first (pages only).
    #[error("password change required")]
    MustChangePassword,
    /// A server we send to failed or refused; a Fluent message id.
    #[error("upstream: {0}")]
    Upstream(&'static str),
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => AppError::NotFound,
            StoreError::Forbidden => AppError::Forbidden,
            StoreError::Conflict { .. } => AppError::Conflict { current: None },
            StoreError::Invalid(v) => AppError::Invalid(v),
            other => AppError::Internal(other.to_string()),
        }
    }
}

impl From<crate::service::ServiceError> for AppError {
    fn from(e: crate::service::ServiceError) -> Self {
        use crate::service::ServiceError;
        match e {
            ServiceError::Invalid(v) => AppError::Invalid(v),
            ServiceError::PossibleDuplicates(c) => AppError::PossibleDuplicates(c),
            ServiceError::Store(e) => e.into(),
            ServiceError::Internal(m) => AppError::Internal(m),
            ServiceError::Upstream(id, cause) => {
                tracing::warn!(error = %cause, "upstream server");
                AppError::Upstream(id)
            }
        }
    }
}

impl From<ValidationErrors> for AppError {
    fn from(e: ValidationErrors) -> Self {
        AppError::Invalid(e)
    }
}

impl From<askama::Error> for AppError {
    fn from(e: askama::Error) -> Self {
        AppError::Internal(format!("template: {e}"))
    }
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Problem {
    /// A URI naming the kind of problem.
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// One entry per invalid field (422).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<ProblemField>,
    /// The record as it is now (409).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub current: Option<serde_json::Value>,
}

#[derive(Serialize, utoipa::ToSchema, Clone, Debug)]
pub struct ProblemField {
    pub field: String,
    pub code: String,
    pub message: String,
}

pub fn field_messages(tr: Tr, errors: &[FieldError]) -> Vec<ProblemField> {
    errors
        .iter()
        .map(|e| ProblemField {
            field: e.field.clone(),
            code: e.code.to_owned(),
            message: tr.t(e.code),
        })
        .collect()
}

impl AppError {
    fn parts(&self) -> (StatusCode, &'static str, &'static str) {
        match self {
            AppError::Unauthorized => (
                StatusCode::UNAUTHORIZED,
                "unauthorized",
                "problem-unauthorized",
            ),
            AppError::Forbidden => (StatusCode::FORBIDDEN, "forbidden", "problem-forbidden"),
            AppError::NotFound => (StatusCode::NOT_FOUND, "not-found", "problem-not-found"),
            AppError::Conflict { .. } => (StatusCode::CONFLICT, "conflict", "problem-conflict"),
            AppError::Invalid(_) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid",
                "problem-invalid",
            ),
            AppError::BadRequest(_) => (
                StatusCode::BAD_REQUEST,
                "bad-request",
                "problem-bad-request",
            ),
            AppError::TooLarge => (
                StatusCode::PAYLOAD_TOO_LARGE,
                "too-large",
                "problem-too-large",
            ),
            AppError::UnsupportedMediaType => (
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported-media-type",
                "problem-unsupported-media-type",
            ),
            AppError::Throttled { .. } => (
                StatusCode::TOO_MANY_REQUESTS,
                "throttled",
                "problem-throttled",
            ),
            AppError::Csrf => (StatusCode::FORBIDDEN, "csrf", "problem-csrf"),
            AppError::PossibleDuplicates(_) => (
                StatusCode::CONFLICT,
                "possible-duplicate",
                "problem-possible-duplicate",
            ),
            AppError::MustChangePassword => (
                StatusCode::FORBIDDEN,
                "password-change-required",
                "account-must-change",
            ),
            AppError::Upstream(_) => (StatusCode::BAD_GATEWAY, "upstream", "problem-upstream"),
            AppError::Internal(_) => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                "problem-internal",
            ),
        }
    }

    fn detail(&self, tr: Tr) -> Option<String> {
        match self {
            AppError::BadRequest(id) | AppError::Upstream(id) => Some(tr.t(id)),
            AppError::Throttled { minutes } => Some(tr.count("login-throttled", *minutes)),
            _ => None,
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let style = current_style();
        let tr = Tr::new(style.locale);
        if let AppError::Internal(msg) = &self {
            // The message may name a table or constraint, never personal data:
            // queries bind values as parameters and errors do not echo them.
            tracing::error!(error = %msg, "internal error");
        }
        let (status, kind, title_id) = self.parts();
        if !style.json {
            if matches!(self, AppError::Unauthorized) {
                return Redirect::to("/login").into_response();
            }
            if matches!(self, AppError::MustChangePassword) {
                return Redirect::to("/account?must=1").into_response();
            }
            let title = tr.t(title_id);
            let detail = self.detail(tr).unwrap_or_default();
            let fields: String = match &self {
                AppError::Invalid(v) => v
                    .0
                    .iter()
                    .map(|e| format!("<li>{}: {}</li>", escape(&e.field), escape(&tr.t(e.code))))
                    .collect(),
                _ => String::new(),
            };
            let body = format!(
                "<!doctype html><html lang=\"{lang}\"><head><meta charset=\"utf-8\">\
                 <meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
                 <title>{title}</title><link rel=\"stylesheet\" href=\"/static/app.css\"></head>\
                 <body><main class=\"narrow\"><h1>{title}</h1><p>{detail}</p><ul>{fields}</ul>\
                 <p><a href=\"/\">{home}</a></p></main></body></html>",
                lang = tr.tag(),
                title = escape(&title),
                detail = escape(&detail),
                home = escape(&tr.t("nav-home")),
            );
            return (status, Html(body)).into_response();
        }
        let errors = match &self {
            AppError::Invalid(v) => field_messages(tr, &v.0),
            _ => Vec::new(),
        };
        let current = match &self {
            AppError::Conflict { current } => current.clone(),
            AppError::PossibleDuplicates(c) => Some(serde_json::json!({ "candidates": c })),
            _ => None,
        };
        let problem = Problem {
            kind: format!("/problems/{kind}"),
            title: tr.t(title_id),
            status: status.as_u16(),
            detail: self.detail(tr),
            errors,
            current,
        };
        let body = serde_json::to_vec(&problem).unwrap_or_default();
        let mut resp = (status, body).into_response();
        resp.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        if matches!(self, AppError::Unauthorized) {
            resp.headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        resp
    }
}

pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

pub type AppResult<T> = Result<T, AppError>;
