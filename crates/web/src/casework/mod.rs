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

use axum::response::Response;
use kopru_store::casework::AttachmentRow;

/// The largest attachment body accepted (the store refuses above 5 MiB with
/// a clear error; this lets that error be given rather than a cut connection).
pub const MAX_ATTACHMENT_BODY: usize = kopru_domain::casework::ATTACHMENT_MAX_BYTES + 64 * 1024;

pub fn attachment_response(row: &AttachmentRow, bytes: Vec<u8>) -> Response {
    crate::pages::download(&row.file_name, &row.media_type, bytes)
}
