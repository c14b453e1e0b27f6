//! Body extractors whose every rejection is a clear, localised 4xx.

use crate::error::AppError;
use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, Request};
use axum::http::header;
use http_body_util::BodyExt;
use serde::de::DeserializeOwned;

/// JSON body. Syntax errors → 400, wrong shapes → 422, wrong content type → 415,
/// too large → 413.
pub struct JsonBody<T>(pub T);

impl<S, T> FromRequest<S> for JsonBody<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = AppError;
    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(v)) => Ok(JsonBody(v)),
            Err(JsonRejection::JsonDataError(_)) => Err(AppError::Invalid(
                kopru_domain::ValidationErrors::single("body", "err-json-data"),
            )),
            Err(JsonRejection::JsonSyntaxError(_)) => Err(AppError::BadRequest("err-json-syntax")),
            Err(JsonRejection::MissingJsonContentType(_)) => Err(AppError::UnsupportedMediaType),
            Err(JsonRejection::BytesRejection(r)) if r.status().as_u16() == 413 => {
                Err(AppError::TooLarge)
            }
            Err(_) => Err(AppError::BadRequest("err-body")),
        }
    }
}

/// An `application/x-www-form-urlencoded` body; repeated keys fill `Vec` fields.
pub struct FormBody<T>(pub T);

impl<S, T> FromRequest<S> for FormBody<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = AppError;
    async fn from_request(req: Request, _state: &S) -> Result<Self, Self::Rejection> {
        let is_form = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|c| c.starts_with("application/x-www-form-urlencoded"));
        if !is_form {
            return Err(AppError::UnsupportedMediaType);
        }
        let limit = crate::MAX_BODY;
        let bytes = http_body_util::Limited::new(req.into_body(), limit)
            .collect()
            .await
            .map_err(|_| AppError::TooLarge)?
            .to_bytes();
        if std::str::from_utf8(&bytes).is_err() {
            return Err(AppError::BadRequest("err-utf8"));
        }
        serde_html_form::from_bytes(&bytes)
            .map(FormBody)
            .map_err(|_| AppError::BadRequest("err-form"))
    }
}

/// Query string parameters; a malformed query is a 400, not a 500.
pub struct QueryArgs<T>(pub T);

impl<S, T> axum::extract::FromRequestParts<S> for QueryArgs<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = AppError;
    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _: &S,
    ) -> Result<Self, Self::Rejection> {
        let q = parts.uri.query().unwrap_or("");
        serde_html_form::from_str(q)
            .map(QueryArgs)
            .map_err(|_| AppError::BadRequest("err-query"))
    }
}

/// Path parameters; one that cannot be decoded names nothing, so it is a 404.
pub struct Param<T>(pub T);

impl<S, T> axum::extract::FromRequestParts<S> for Param<T>
where
    S: Send + Sync,
    T: DeserializeOwned + Send,
{
    type Rejection = AppError;
    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &S,
    ) -> Result<Self, Self::Rejection> {
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Path(v)| Param(v))
            .map_err(|_| AppError::NotFound)
    }
}
