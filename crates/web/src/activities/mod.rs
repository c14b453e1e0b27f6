//! Programme activities: the list and its filters, an activity's page with
//! its sessions and participants, the attendance checklist of a session.
//! `api` and `pages` are the two ways in; both use the store's `activities`
//! feature with the caller's grants.

pub mod api;
pub mod document_pages;
pub mod pages;

use kopru_domain::activity::AttendanceMark;
use kopru_domain::ValidationErrors;
use kopru_store::activities::MarkInput;

/// Marks as (participant id, mark) pairs checked into what the store saves;
/// every bad mark is named by its position.
pub fn parse_marks<'a>(
    pairs: impl Iterator<Item = (&'a str, &'a str)>,
) -> Result<Vec<MarkInput>, ValidationErrors> {
    let mut e = ValidationErrors::new();
    let mut out = Vec::new();
    for (i, (participant, mark)) in pairs.enumerate() {
        if i >= 2000 {
            e.push("marks", "err-too-many");
            break;
        }
        if participant.trim().is_empty() {
            e.push(format!("marks[{i}].participant_id"), "err-required");
        }
        if let Some(mark) = e.take(&format!("marks[{i}].mark"), AttendanceMark::parse(mark)) {
            out.push(MarkInput {
                participant_id: participant.trim().to_owned(),
                mark,
            });
        }
    }
    e.into_result()?;
    Ok(out)
}
