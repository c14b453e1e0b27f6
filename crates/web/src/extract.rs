//! Body extractors whose every rejection is a clear, localised 4xx.

use crate::error::AppError;
use axum::body::Bytes;
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
        let (parts, body) = req.into_parts();
        let bytes = match Bytes::from_request(Request::from_parts(parts.clone(), body), state).await
        {
            Ok(b) => b,
            Err(r) if r.status().as_u16() == 413 => return Err(AppError::TooLarge),
            Err(_) => return Err(AppError::BadRequest("err-body")),
        };
        if has_nul(&bytes) {
            return Err(AppError::BadRequest("err-control-chars"));
        }
        let req = Request::from_parts(parts, axum::body::Body::from(bytes));
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

/// `Option<JsonBody<T>>`: no body and no content type is `None`; anything
/// else is read as [`JsonBody`], with the same answers to bad input.
impl<S, T> axum::extract::OptionalFromRequest<S> for JsonBody<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = AppError;
    async fn from_request(req: Request, state: &S) -> Result<Option<Self>, Self::Rejection> {
        let empty = !req.headers().contains_key(header::CONTENT_TYPE)
            && req
                .headers()
                .get(header::CONTENT_LENGTH)
                .is_none_or(|l| l.as_bytes() == b"0");
        if empty {
            return Ok(None);
        }
        <JsonBody<T> as FromRequest<S>>::from_request(req, state)
            .await
            .map(Some)
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
        if has_nul(&bytes) {
            return Err(AppError::BadRequest("err-control-chars"));
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
        if has_nul(q.as_bytes()) {
            return Err(AppError::BadRequest("err-control-chars"));
        }
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
        // A NUL names nothing (and PostgreSQL refuses it in text).
        if has_nul(parts.uri.path().as_bytes()) {
            return Err(AppError::NotFound);
        }
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Path(v)| Param(v))
            .map_err(|_| AppError::NotFound)
    }
}

/// A NUL character, raw or escaped (`%00` in a URL or a form, `\u0000` in
/// JSON): never meant by anyone, and PostgreSQL cannot store it in text.
fn has_nul(bytes: &[u8]) -> bool {
    bytes.contains(&0)
        || bytes.windows(3).any(|w| w == b"%00")
        || bytes.windows(6).any(|w| w.eq_ignore_ascii_case(b"\\u0000"))
}

/// A page's upload form (multipart): one file in the field `file` and short
/// text fields. A broken body → 400 `err-form`; a file over the route's
/// limit → 413.
pub struct FileForm {
    /// The file's name as the browser sent it (at most 200 characters) and its bytes.
    pub file: Option<(String, Bytes)>,
    /// Every other field, its text cut at 1,000 characters.
    pub fields: Vec<(String, String)>,
}

impl FileForm {
    /// A text field's value, or "" when absent.
    pub fn text(&self, name: &str) -> String {
        self.fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    }

    /// The file's bytes (empty when none was sent).
    pub fn bytes(&self) -> &[u8] {
        self.file.as_ref().map(|(_, b)| b.as_ref()).unwrap_or(&[])
    }

    /// The file's name ("upload" when the browser gave none).
    pub fn file_name(&self) -> &str {
        match &self.file {
            Some((n, _)) if !n.is_empty() => n,
            _ => "upload",
        }
    }
}

impl<S> FromRequest<S> for FileForm
where
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let mut multipart = axum::extract::Multipart::from_request(req, state)
            .await
            .map_err(|_| AppError::BadRequest("err-form"))?;
        let mut form = FileForm {
            file: None,
            fields: Vec::new(),
        };
        while let Some(field) = multipart
            .next_field()
            .await
            .map_err(|_| AppError::BadRequest("err-form"))?
        {
            let name = field.name().unwrap_or("").to_owned();
            if name == "file" {
                let file_name: String = field.file_name().unwrap_or("").chars().take(200).collect();
                let bytes = field.bytes().await.map_err(|_| AppError::TooLarge)?;
                form.file = Some((file_name, bytes));
            } else {
                let text = field.text().await.unwrap_or_default();
                form.fields.push((name, text.chars().take(1000).collect()));
            }
        }
        Ok(form)
    }
}
