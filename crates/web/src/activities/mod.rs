//! Programme activities: the list and its filters, an activity's page with
//! its sessions and participants, the attendance checklist of a session.
//! `api` and `pages` are the two ways in; both use the store's `activities`
//! feature with the caller's grants.

pub mod api;
pub mod document_pages;
pub mod pages;
pub mod service;
pub mod volunteer_api;
pub mod volunteer_pages;

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

/// A month's hours as entered: every problem named.
pub fn hours_input(
    month: &str,
    hours: &str,
    note: &str,
) -> Result<(String, i64, Option<String>), ValidationErrors> {
    let mut e = ValidationErrors::new();
    let m = e.take(
        "month",
        kopru_domain::activity::month(month).and_then(|m| m.ok_or("err-required")),
    );
    let h = e.take("hours", kopru_domain::activity::volunteer_hours(hours));
    let n = e.take("note", kopru_domain::casework::long_text(note, 500));
    e.into_result()?;
    match (m, h, n) {
        (Some(m), Some(h), Some(n)) => Ok((m, h, n)),
        _ => Err(ValidationErrors::single("hours", "err-required")),
    }
}

/// The end of a placement as entered.
pub fn end_input(on: &str, reason: &str) -> Result<(String, String), ValidationErrors> {
    let mut e = ValidationErrors::new();
    let today = kopru_store::clock::today();
    let d = e.take(
        "ended_on",
        kopru_domain::codes::optional_date(on).and_then(|d| match d {
            None => Ok(today.clone()),
            Some(d) if d > today => Err("err-date-in-future"),
            Some(d) => Ok(d),
        }),
    );
    let r = e.take(
        "reason",
        kopru_domain::codes::Label::parse(reason).map(|l| l.to_string()),
    );
    e.into_result()?;
    match (d, r) {
        (Some(d), Some(r)) => Ok((d, r)),
        _ => Err(ValidationErrors::single("reason", "err-required")),
    }
}
