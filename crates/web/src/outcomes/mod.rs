//! Outcomes per person (issue 19): civil documents, school enrolment, health
//! coverage and immunisation, programme participation, job seekers,
//! employers, placements and their retention checks, a unit's employment
//! page and a person's outcomes timeline. `api`, `employment_api` and the
//! `*_pages` files are the ways in; all use the store's `outcomes` feature
//! through the person's visibility.

pub mod api;
pub mod employment_api;
pub mod employment_pages;
pub mod form;
pub mod pages;
pub mod person_pages;
pub mod school_list;

use kopru_domain::outcome::{Document, DocumentDraft};
use kopru_domain::ValidationErrors;

/// Today in the installation's time zone: what "not in the future" means.
pub fn today() -> String {
    kopru_store::clock::today()
}

/// A document as a form or a JSON body gives it, checked against today.
pub fn document(
    kind: &str,
    requested_on: &str,
    obtained_on: &str,
    refused_on: &str,
    refusal_reason: &str,
    note: &str,
) -> Result<Document, ValidationErrors> {
    DocumentDraft {
        kind: kind.to_owned(),
        requested_on: requested_on.to_owned(),
        obtained_on: obtained_on.to_owned(),
        refused_on: refused_on.to_owned(),
        refusal_reason: refusal_reason.to_owned(),
        note: note.to_owned(),
    }
    .validate(&today())
}

/// An optional text of a JSON body as a draft's text.
pub(crate) fn o(v: &Option<String>) -> String {
    v.clone().unwrap_or_default()
}

/// An optional number of a JSON body as a draft's text.
pub(crate) fn n(v: Option<i64>) -> String {
    v.map(|n| n.to_string()).unwrap_or_default()
}

/// An answer to a retention check or a six-month follow-up as a form gives it.
#[derive(serde::Deserialize, Default, Clone)]
#[serde(default)]
pub struct CheckForm {
    pub answered_on: String,
    pub still_working: String,
    pub insured: String,
    pub labour_status: String,
    pub improved: String,
    pub note: String,
}

/// Answers a check with the validation its kind asks for.
pub async fn answer(
    state: &crate::AppState,
    actor: &kopru_store::audit::Actor,
    by: &kopru_domain::Principal,
    id: &str,
    version: i64,
    f: &CheckForm,
) -> crate::error::AppResult<kopru_store::outcomes::checks::OutcomeCheckRow> {
    use kopru_domain::employment::{check_answer, six_month_answer};
    use kopru_domain::outcome::yes;
    let check = state.store.outcome_check(by, id).await?;
    let today = today();
    Ok(if check.kind == "six_month" {
        let a = six_month_answer(
            &f.answered_on,
            &f.labour_status,
            yes(&f.improved),
            &f.note,
            &today,
        )?;
        state
            .store
            .answer_six_month_check(actor, by, id, version, &a)
            .await?
    } else {
        let a = check_answer(
            &f.answered_on,
            &f.still_working,
            &f.insured,
            &f.note,
            &today,
        )?;
        state
            .store
            .answer_retention_check(actor, by, id, version, &a)
            .await?
    })
}

/// A period from two dates as typed: from the first of this year to today
/// when left out; `from` not after `to`.
pub fn period(from: &str, to: &str) -> Result<(String, String), ValidationErrors> {
    use kopru_domain::codes::optional_date;
    let today = today();
    let mut e = ValidationErrors::new();
    let f = e.take("from", optional_date(from));
    let t = e.take("to", optional_date(to));
    e.into_result()?;
    let to = t.flatten().unwrap_or_else(|| today.clone());
    let from = f
        .flatten()
        .unwrap_or_else(|| format!("{}-01-01", &today[..4]));
    if from > to {
        return Err(ValidationErrors::single("to", "err-ends-before-start"));
    }
    Ok((from, to))
}
