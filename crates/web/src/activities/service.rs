//! What pages and the API share for activities: reading a sign-in sheet
//! (CSV or XLSX) into a session's attendance.

use crate::service::ServiceError;
use kopru_domain::activity::read_sign_in;
use kopru_domain::{Principal, ValidationErrors};
use kopru_store::activities::MarkInput;
use kopru_store::audit::Actor;
use kopru_store::Store;
use serde::Serialize;

/// The largest sign-in sheet read (a session's list is at most a few hundred rows).
pub const MAX_SHEET: usize = 2 * 1024 * 1024;
/// Rows read from a sheet at most.
pub const MAX_SHEET_ROWS: usize = 5000;

/// A row of a sheet that was not taken, with its reason (a Fluent id).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SheetRejection {
    /// The row number as the spreadsheet shows it.
    pub row: usize,
    pub reason: String,
}

/// What an imported sheet did.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SheetImport {
    /// Marks written (new or changed).
    pub saved: i64,
    /// Marks that were already so (a sheet imported again changes nothing).
    pub unchanged: i64,
    pub rejected: Vec<SheetRejection>,
}

/// Reads `bytes` as a sign-in sheet of the session and saves the rows it
/// understands; every other row is reported with its reason.
pub async fn import_sheet(
    store: &Store,
    actor: &Actor,
    by: &Principal,
    activity_id: &str,
    session_id: &str,
    bytes: &[u8],
) -> Result<SheetImport, ServiceError> {
    if bytes.len() > MAX_SHEET {
        return Err(ValidationErrors::single("file", "err-sheet-too-large").into());
    }
    let table = crate::tabular::read(bytes).map_err(|c| ValidationErrors::single("file", c))?;
    if table.rows.len() > MAX_SHEET_ROWS {
        return Err(ValidationErrors::single("file", "err-too-many").into());
    }
    let (_, _, list, _) = store.attendance_sheet(by, activity_id, session_id).await?;
    let participants: Vec<(String, String)> = list
        .iter()
        .map(|r| (r.participant_id.clone(), r.name.clone()))
        .collect();
    let reading = read_sign_in(&table.headers, &table.rows, &participants)
        .map_err(|c| ValidationErrors::single("file", c))?;
    let marks: Vec<MarkInput> = reading
        .marks
        .iter()
        .map(|(_, p, m)| MarkInput {
            participant_id: p.clone(),
            mark: *m,
        })
        .collect();
    let (saved, unchanged) = if marks.is_empty() {
        (0, 0)
    } else {
        let s = store
            .save_attendance(actor, by, activity_id, session_id, &marks)
            .await?;
        (s.saved, s.unchanged)
    };
    Ok(SheetImport {
        saved,
        unchanged,
        rejected: reading
            .rejected
            .into_iter()
            .map(|(row, reason)| SheetRejection {
                row,
                reason: reason.to_owned(),
            })
            .collect(),
    })
}
