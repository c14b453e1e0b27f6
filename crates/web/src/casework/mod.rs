//! Case work: cases with their plans, contacts, services, forms and
//! attachments; referrals to institutions and their answers; the forms
//! themselves. `api` and `pages` are the two ways in; both use the store's
//! `casework` feature with the caller's grants.

pub mod api;
pub mod form_api;
pub mod form_pages;
pub mod pages;
pub mod referral_pages;
pub mod submission_pages;

use axum::http::header;
use axum::response::{IntoResponse, Response};
use kopru_store::casework::AttachmentRow;

/// The largest attachment body accepted (the store refuses above 5 MiB with
/// a clear error; this lets that error be given rather than a cut connection).
pub const MAX_ATTACHMENT_BODY: usize = kopru_domain::casework::ATTACHMENT_MAX_BYTES + 64 * 1024;

pub fn attachment_response(row: &AttachmentRow, bytes: Vec<u8>) -> Response {
    // Served as a download, never rendered inline from our origin (a PDF
    // could carry script); the name was cleaned when it was stored.
    let ascii: String = row
        .file_name
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect();
    (
        [
            (header::CONTENT_TYPE, row.media_type.clone()),
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
