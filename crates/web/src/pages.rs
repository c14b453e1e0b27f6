//! The page parts every feature's `pages.rs` builds from: rendering, form
//! errors, paging, query strings, safe return addresses. Handlers take `Auth`
//! (or `Ctx` for public pages), ask the store with the principal's grants,
//! and render an askama template.

use crate::error::{AppError, AppResult};
use crate::i18n::Tr;
use askama::Template;
use axum::response::Html;
use kopru_domain::ValidationErrors;

pub fn render<T: Template>(t: &T) -> AppResult<Html<String>> {
    Ok(Html(t.render()?))
}

/// Field errors translated for a form.
#[derive(Default, Debug, Clone)]
pub struct FormErrors(pub Vec<(String, String)>);

impl FormErrors {
    pub fn new(tr: Tr, v: &ValidationErrors) -> Self {
        FormErrors(
            v.0.iter()
                .map(|e| (e.field.clone(), tr.t(e.code)))
                .collect(),
        )
    }
    pub fn single(tr: Tr, field: &str, code: &str) -> Self {
        FormErrors(vec![(field.to_owned(), tr.t(code))])
    }
    pub fn get(&self, field: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(f, _)| f == field)
            .map(|(_, m)| m.as_str())
    }
    pub fn any(&self) -> bool {
        !self.0.is_empty()
    }
}

/// Splits a store error into field errors for re-rendering a form, or passes it on.
pub fn form_errors(tr: Tr, e: AppError) -> Result<FormErrors, AppError> {
    match e {
        AppError::Invalid(v) => Ok(FormErrors::new(tr, &v)),
        other => Err(other),
    }
}

/// For a conflict banner: the fields whose saved value differs from what the
/// user sent, as (label, sent, saved).
pub fn changed_fields(
    ctx: &crate::context::Ctx,
    pairs: &[(&str, &str, &str)],
) -> Vec<(String, String, String)> {
    pairs
        .iter()
        .filter(|(_, mine, theirs)| mine.trim() != theirs.trim())
        .map(|(f, mine, theirs)| {
            (
                ctx.t(&format!("field-{}", f.replace('_', "-"))),
                (*mine).to_owned(),
                (*theirs).to_owned(),
            )
        })
        .collect()
}

/// A write's result as a page's form handler needs it: done, or the error
/// to show (field errors go back into the form).
pub fn done<T>(r: Result<T, impl Into<AppError>>) -> Result<(), AppError> {
    r.map(|_| ()).map_err(Into::into)
}

/// Parses the hidden `version` field of an edit form.
pub fn version_of(raw: &str) -> AppResult<i64> {
    raw.trim()
        .parse()
        .map_err(|_| AppError::BadRequest("err-version"))
}

/// A local path to go back to; anything else becomes `/` (no open redirects).
/// Only visible ASCII is kept: browsers drop tabs and line breaks from a URL
/// (`/\t/evil.example` becomes `//evil.example`, another site) and read `\` as `/`.
pub fn safe_next(next: &str) -> String {
    let b = next.as_bytes();
    let local = b.first() == Some(&b'/')
        && !matches!(b.get(1), Some(b'/' | b'\\'))
        && b.iter().all(|c| c.is_ascii_graphic() && *c != b'\\');
    if local {
        next.to_owned()
    } else {
        "/".to_owned()
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn only_same_site_paths_are_followed() {
        for ok in ["/", "/persons?q=a%20b", "/cases/1#x"] {
            assert_eq!(super::safe_next(ok), ok);
        }
        for bad in [
            "//evil.example",
            "/\t/evil.example",
            "/\n/evil.example",
            "/\r\n/evil.example",
            "/\\evil.example",
            "\\/evil.example",
            "https://evil.example",
            "/ /x",
            "/\u{0}/x",
            "evil.example",
            "",
        ] {
            assert_eq!(super::safe_next(bad), "/", "{bad:?}");
        }
    }
}

/// Paging for list pages: 50 rows a page.
pub const PAGE_SIZE: i64 = 50;

#[derive(Debug, Clone)]
pub struct Pager {
    pub page: i64,
    pub pages: i64,
    pub total: i64,
    /// The query string without `page`, to build links.
    pub base: String,
}

impl Pager {
    pub fn new(page: i64, total: i64, base: String) -> Self {
        let pages = ((total + PAGE_SIZE - 1) / PAGE_SIZE).max(1);
        Pager {
            page: page.clamp(1, pages),
            pages,
            total,
            base,
        }
    }
    pub fn offset(page: i64) -> i64 {
        (page.max(1) - 1) * PAGE_SIZE
    }
    pub fn link<N: std::borrow::Borrow<i64>>(&self, page: N) -> String {
        let page = *page.borrow();
        if self.base.is_empty() {
            format!("?page={page}")
        } else {
            format!("?{}&page={page}", self.base)
        }
    }
    pub fn has_prev(&self) -> bool {
        self.page > 1
    }
    pub fn has_next(&self) -> bool {
        self.page < self.pages
    }
    pub fn prev(&self) -> i64 {
        self.page - 1
    }
    pub fn next(&self) -> i64 {
        self.page + 1
    }
}

/// Encodes query parameters for pager links.
pub fn query_string(pairs: &[(&str, &str)]) -> String {
    let pairs: Vec<(&str, &str)> = pairs
        .iter()
        .copied()
        .filter(|(_, v)| !v.is_empty())
        .collect();
    serde_html_form::to_string(pairs).unwrap_or_default()
}

/// Planned and running activities of `unit` the user may enrol people in: (id, title).
pub async fn open_activities(
    state: &crate::AppState,
    user: &crate::context::SignedIn,
    unit: &str,
    lang: &str,
) -> AppResult<Vec<(String, String)>> {
    Ok(state
        .store
        .activities(
            &user
                .principal
                .acting_as(kopru_domain::Action::ManageActivities),
            &kopru_store::activities::ActivityFilter {
                unit: Some(unit.to_owned()),
                open_only: true,
                limit: 100,
                ..Default::default()
            },
        )
        .await?
        .into_iter()
        .map(|a| (a.id.clone(), a.title_in(lang)))
        .collect())
}

/// One input as rendered by `form_input.html`: a field of a case form at a
/// path (`needs`, `children[1].age`), or of an outcome page's form.
pub struct Input {
    pub name: String,
    pub kind: &'static str,
    pub label: String,
    pub hint: String,
    pub required: bool,
    pub conditional: bool,
    pub options: Vec<(String, String, bool)>,
    pub value: String,
    pub error: Option<String>,
    pub min: String,
    pub max: String,
}

/// A stored file sent back: always as a download, never rendered inline
/// from our origin (a PDF could carry script), the name (cleaned when it
/// was stored) reduced to ASCII for the header.
/// A file name's stem kept to ASCII letters, digits and dashes (a plan's
/// code, a reference number), for documents we name ourselves.
pub fn file_stem(stem: &str) -> String {
    stem.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

pub fn download(file_name: &str, media_type: &str, bytes: Vec<u8>) -> axum::response::Response {
    use axum::http::header;
    use axum::response::IntoResponse;
    let ascii: String = file_name
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() && c != '"' || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect();
    (
        [
            (header::CONTENT_TYPE, media_type.to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{ascii}\""),
            ),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_owned()),
        ],
        bytes,
    )
        .into_response()
}
