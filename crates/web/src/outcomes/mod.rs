//! Outcomes per person (issue 19): so far civil documents. `api` and
//! `pages` are the two ways in; both use the store's `outcomes` feature
//! through the person's visibility.

pub mod api;
pub mod pages;

use kopru_domain::outcome::{Document, DocumentDraft};
use kopru_domain::ValidationErrors;

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
    .validate(&kopru_store::clock::today())
}
