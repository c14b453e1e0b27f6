//! Server-rendered pages. Handlers take `Auth` (or `Ctx` for public pages), ask
//! the store with the principal's grants, and render an askama template.

pub mod account;
pub mod audit;
pub mod cases;
pub mod directory;
pub mod duplicates;
pub mod forms;
pub mod home;
pub mod imports;
pub mod referrals;
pub mod registry;
pub mod users;

use crate::error::{AppError, AppResult};
use crate::i18n::Tr;
use crate::AppState;
use askama::Template;
use axum::response::Html;
use axum::routing::{get, post};
use axum::Router;
use kopru_domain::ValidationErrors;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(home::home))
        .route("/login", get(account::login_page).post(account::login))
        .route("/logout", post(account::logout))
        .route("/lang", post(account::set_language))
        .route("/account", get(account::account_page))
        .route("/account/password", post(account::change_password))
        .route("/account/tokens", post(account::create_token))
        .route("/account/tokens/{id}/revoke", post(account::revoke_token))
        .route("/areas", get(directory::areas_page))
        .route("/programmes", get(directory::programmes_page))
        .route(
            "/programmes/new",
            get(directory::programme_new).post(directory::programme_create),
        )
        .route(
            "/programmes/{id}",
            get(directory::programme_edit).post(directory::programme_update),
        )
        .route("/units", get(directory::units_page))
        .route(
            "/units/new",
            get(directory::unit_new).post(directory::unit_create),
        )
        .route(
            "/units/{id}",
            get(directory::unit_edit).post(directory::unit_update),
        )
        .route("/institutions", get(directory::institutions_page))
        .route(
            "/institutions/new",
            get(directory::institution_new).post(directory::institution_create),
        )
        .route(
            "/institutions/{id}",
            get(directory::institution_edit).post(directory::institution_update),
        )
        .route("/users", get(users::users_page))
        .route("/users/new", get(users::user_new).post(users::user_create))
        .route("/users/{id}", get(users::user_detail))
        .route("/users/{id}/roles", post(users::role_add))
        .route("/users/{id}/roles/{rid}/remove", post(users::role_remove))
        .route("/users/{id}/password", post(users::password_reset))
        .route("/users/{id}/status", post(users::status_set))
        .route("/audit", get(audit::audit_page))
        .route("/forms", get(forms::forms_page).post(forms::publish))
        .route("/forms/{id}", get(forms::form_page))
        .route("/cases", get(cases::cases_page))
        .route("/cases/new", get(cases::case_new).post(cases::case_create))
        .route("/cases/{id}", get(cases::case_page))
        .route("/cases/{id}/status", post(cases::case_status))
        .route("/cases/{id}/edit", post(cases::case_edit))
        .route("/cases/{id}/close", post(cases::case_close))
        .route("/cases/{id}/goals", post(cases::goal_add))
        .route("/cases/{id}/goals/{gid}", post(cases::goal_update))
        .route("/cases/{id}/planned-services", post(cases::planned_add))
        .route("/cases/{id}/contacts", post(cases::contact_add))
        .route(
            "/cases/{id}/attachments",
            post(cases::attachment_add).layer(axum::extract::DefaultBodyLimit::max(
                crate::api::cases::MAX_ATTACHMENT_BODY,
            )),
        )
        .route("/cases/{id}/attachments/{aid}", get(cases::attachment_get))
        .route("/cases/{id}/services", post(cases::service_add))
        .route("/cases/{id}/follow-ups", post(cases::follow_up_add))
        .route("/cases/{id}/referrals", post(cases::referral_send))
        .route("/cases/{id}/transfers", post(cases::transfer_request))
        .route("/cases/{id}/workers", post(cases::workers_set))
        .route(
            "/cases/{id}/forms/{form_id}",
            get(cases::form_fill).post(cases::form_submit),
        )
        .route(
            "/cases/{id}/forms/{form_id}/hidden",
            post(cases::form_hidden),
        )
        .route("/cases/{id}/submissions/{sid}", get(cases::submission_page))
        .route("/follow-ups/{id}", post(cases::follow_up_update))
        .route("/transfers/{id}/answer", post(cases::transfer_answer))
        .route("/referrals", get(referrals::referrals_page))
        .route("/referrals/{id}", get(referrals::referral_page))
        .route("/referrals/{id}/moves", post(referrals::referral_move))
        .route("/referrals/{id}/letter", get(referrals::referral_letter))
        .route(
            "/response-times",
            get(referrals::response_times_page).post(referrals::response_time_set),
        )
        .route("/my-work", get(referrals::my_work_page))
        .route("/dashboard", get(referrals::dashboard_page))
        .route("/duplicates", get(duplicates::queue))
        .route("/duplicates/run", post(duplicates::run))
        .route("/duplicates/{id}", get(duplicates::pair))
        .route("/duplicates/{id}/decision", post(duplicates::decide))
        .route("/duplicates/{id}/merge", post(duplicates::merge))
        .route("/merges/{id}", get(duplicates::merge_detail))
        .route("/merges/{id}/unmerge", post(duplicates::unmerge))
        .route("/persons", get(registry::persons_page))
        .route(
            "/persons/new",
            get(registry::person_new).post(registry::person_create),
        )
        .route("/persons/{id}", get(registry::person_detail))
        .route(
            "/persons/{id}/edit",
            get(registry::person_edit).post(registry::person_update),
        )
        .route("/persons/{id}/consents", post(registry::consent_add))
        .route(
            "/persons/{id}/transfers",
            post(registry::person_transfer_request),
        )
        .route(
            "/person-transfers/{id}/answer",
            post(registry::person_transfer_answer),
        )
        .route(
            "/persons/{id}/consents/{cid}/withdraw",
            post(registry::consent_withdraw),
        )
        .route("/persons/{id}/special", post(registry::special_set))
        .route(
            "/imports",
            get(imports::upload_form).post(imports::upload).layer(
                axum::extract::DefaultBodyLimit::max(crate::api::registry::MAX_IMPORT),
            ),
        )
        .route("/imports/{id}", get(imports::check))
        .route("/imports/jobs/{id}", get(imports::job))
        .route("/imports/jobs/{id}/progress", get(imports::job_progress))
        .route("/imports/jobs/{id}/{file}", get(imports::job_rejected))
        .route("/imports/{id}/commit", post(imports::commit))
        .route("/imports/{id}/{file}", get(imports::rejected))
        .route(
            "/households/new",
            get(registry::household_new).post(registry::household_create),
        )
        .route("/households/{id}", get(registry::household_detail))
        .route("/households/{id}/split", post(registry::household_split))
        .route("/households/{id}/merge", post(registry::household_merge))
        .route(
            "/households/{id}/edit",
            get(registry::household_edit).post(registry::household_update),
        )
        .route(
            "/households/{id}/members/{mid}/end",
            post(registry::member_end),
        )
}

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
