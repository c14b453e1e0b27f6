//! Strategy monitoring (issue 20): strategies and action plans, a plan's
//! sheet imported and exported, actions, reporting cycles and progress
//! reports with their review. `api` and `pages` are the ways in; the plan's
//! file is read and written here, shared by both.

pub mod annual;
pub mod api;
pub mod pages;
pub mod visit_api;
pub mod visit_pages;

use crate::error::{field_messages, AppError, AppResult, ProblemField};
use crate::i18n::Tr;
use crate::AppState;
use kopru_domain::strategy::{guess_plan_mapping, plan_line, PLAN_FIELDS};
use kopru_domain::strategy::{Breakdown, ReportDraft, ReportValueDraft};
use kopru_domain::Action;
use kopru_domain::{Principal, ValidationErrors};
use kopru_store::audit::Actor;
use kopru_store::strategy::reports::ProgressReportRow;
use kopru_store::strategy::{text_in, ActionFilter};
use kopru_store::Store;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::ToSchema;

/// A plan's sheet is a ministry's table: a few thousand rows at most.
pub const MAX_PLAN_ROWS: usize = 10_000;
pub const MAX_PLAN_BYTES: usize = 10 * 1024 * 1024;

#[derive(Serialize, utoipa::ToSchema, Clone)]
pub struct PlanColumn {
    pub header: String,
    /// The field it fills, or null when ignored.
    pub field: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema, Clone)]
pub struct PlanRejectedRow {
    /// The row number as the file shows it (the header is row 1).
    pub row: usize,
    pub errors: Vec<ProblemField>,
}

#[derive(Serialize, utoipa::ToSchema, Clone)]
pub struct PlanImportReport {
    pub dry_run: bool,
    pub columns: Vec<PlanColumn>,
    pub total_rows: usize,
    /// The plan's revision after the import.
    pub revision: i64,
    pub actions_added: usize,
    pub actions_updated: usize,
    pub actions_unchanged: usize,
    /// Actions the sheet no longer lists (only when every row was accepted).
    pub actions_removed: usize,
    pub indicators_added: usize,
    pub indicators_updated: usize,
    /// Every refused row and why.
    pub rejected: Vec<PlanRejectedRow>,
}

/// Reads a plan's sheet (CSV or XLSX, the registry import's reader and
/// bounds), checks every row, and imports the accepted ones into the plan.
pub async fn import_plan(
    store: &Store,
    actor: &Actor,
    by: &Principal,
    tr: Tr,
    plan_id: &str,
    bytes: &[u8],
    dry_run: bool,
) -> AppResult<PlanImportReport> {
    let table = crate::tabular::read(bytes).map_err(|c| ValidationErrors::single("file", c))?;
    if table.rows.len() > MAX_PLAN_ROWS {
        return Err(ValidationErrors::single("file", "err-plan-too-long").into());
    }
    let mapping = guess_plan_mapping(&table.headers);
    let has = |f: &str| mapping.contains(&Some(f));
    if !(has("number")
        && has("responsible")
        && has("policy_area")
        && has("objective_number")
        && (has("text_tr") || has("text_en") || has("text_sr")))
    {
        return Err(ValidationErrors::single("file", "err-plan-missing-columns").into());
    }
    let mut lines = Vec::new();
    let mut rejected = Vec::new();
    for (row, cells) in &table.rows {
        match plan_line(cells, &mapping) {
            Ok(l) => lines.push((*row, l)),
            Err(e) => rejected.push(PlanRejectedRow {
                row: *row,
                errors: field_messages(tr, &e.0),
            }),
        }
    }
    let refused = rejected.len();
    let out = store
        .import_action_plan(actor, by, plan_id, lines, refused, dry_run)
        .await?;
    for (row, errors) in &out.rejected {
        rejected.push(PlanRejectedRow {
            row: *row,
            errors: field_messages(tr, errors),
        });
    }
    rejected.sort_by_key(|r| r.row);
    Ok(PlanImportReport {
        dry_run,
        columns: table
            .headers
            .iter()
            .zip(&mapping)
            .map(|(h, f)| PlanColumn {
                header: h.clone(),
                field: f.map(str::to_owned),
            })
            .collect(),
        total_rows: table.rows.len(),
        revision: out.revision,
        actions_added: out.actions_added,
        actions_updated: out.actions_updated,
        actions_unchanged: out.actions_unchanged,
        actions_removed: out.actions_removed,
        indicators_added: out.indicators_added,
        indicators_updated: out.indicators_updated,
        rejected,
    })
}

/// The plan as the sheet it is imported from (headers are the field names,
/// so the file imports back as it is): one row per action and indicator.
pub async fn export_plan(store: &Store, by: &Principal, plan_id: &str) -> AppResult<Vec<u8>> {
    let plan = store.action_plan(by, plan_id).await?;
    let actions = store
        .plan_actions(
            by,
            &ActionFilter {
                plan_id: Some(plan.id.clone()),
                ..Default::default()
            },
        )
        .await?;
    let fail = |e: rust_xlsxwriter::XlsxError| AppError::Internal(format!("xlsx: {e}"));
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    let bold = rust_xlsxwriter::Format::new().set_bold();
    for (c, h) in PLAN_FIELDS.iter().enumerate() {
        sheet
            .write_string_with_format(0, c as u16, *h, &bold)
            .map_err(fail)?;
    }
    let mut row = 1u32;
    for a in &actions {
        let (_, indicators) = store.plan_action(by, &a.id).await?;
        let texts: BTreeMap<String, String> = serde_json::from_str(&a.texts).unwrap_or_default();
        let objective: BTreeMap<String, String> =
            serde_json::from_str(&a.objective_texts).unwrap_or_default();
        let budget = a
            .budget_minor
            .map(|m| format!("{}.{:02}", m / 100, m % 100))
            .unwrap_or_default();
        let base: BTreeMap<&str, String> = BTreeMap::from([
            ("policy_area", a.policy_area.clone()),
            ("objective_number", a.objective_number.clone()),
            (
                "objective_text",
                objective
                    .get("tr")
                    .cloned()
                    .unwrap_or_else(|| text_in(&a.objective_texts, "en")),
            ),
            ("number", a.number.clone()),
            ("text_tr", texts.get("tr").cloned().unwrap_or_default()),
            ("text_en", texts.get("en").cloned().unwrap_or_default()),
            ("text_sr", texts.get("sr").cloned().unwrap_or_default()),
            ("responsible", a.responsible_code.clone()),
            ("partners", a.partners.replace(',', "; ")),
            ("starts", a.starts.clone()),
            ("ends", a.ends.clone()),
            ("budget", budget),
            ("currency", a.currency.clone().unwrap_or_default()),
            ("budget_source", a.budget_source.clone().unwrap_or_default()),
            ("status", a.status.clone()),
        ]);
        let mut write = |cells: &BTreeMap<&str, String>| -> AppResult<()> {
            for (c, f) in PLAN_FIELDS.iter().enumerate() {
                if let Some(v) = cells.get(f) {
                    sheet
                        .write_string(row, c as u16, kopru_domain::export::safe_cell(v).as_ref())
                        .map_err(fail)?;
                }
            }
            row += 1;
            Ok(())
        };
        if indicators.is_empty() {
            write(&base)?;
        }
        for i in &indicators {
            let defs: BTreeMap<String, String> =
                serde_json::from_str(&i.definitions).unwrap_or_default();
            let targets: BTreeMap<String, String> =
                serde_json::from_str(&i.targets).unwrap_or_default();
            let mut cells = base.clone();
            cells.extend([
                ("indicator_code", i.code.clone()),
                ("definition_tr", defs.get("tr").cloned().unwrap_or_default()),
                ("definition_en", defs.get("en").cloned().unwrap_or_default()),
                ("definition_sr", defs.get("sr").cloned().unwrap_or_default()),
                ("unit", i.unit.clone()),
                (
                    "baseline_value",
                    i.baseline_value.clone().unwrap_or_default(),
                ),
                (
                    "baseline_year",
                    i.baseline_year.map(|y| y.to_string()).unwrap_or_default(),
                ),
                (
                    "targets",
                    targets
                        .iter()
                        .map(|(y, v)| format!("{y}: {v}"))
                        .collect::<Vec<_>>()
                        .join("; "),
                ),
                ("verification", i.verification.clone().unwrap_or_default()),
                ("mode", i.mode.clone()),
                ("engine_code", i.engine_code.clone().unwrap_or_default()),
                ("breakdown", i.breakdown.clone()),
            ]);
            write(&cells)?;
        }
    }
    book.save_to_buffer().map_err(fail)
}

#[derive(Deserialize, Serialize, ToSchema, Default)]
#[serde(default)]
pub struct ReportInput {
    /// not_started, on_track, delayed, completed, cancelled
    pub action_status: String,
    pub done_text: String,
    /// Spent in the period, in the plan's currency.
    pub spending: String,
    pub obstacles: String,
    #[schema(value_type = Vec<Object>)]
    pub values: Vec<ReportValueDraft>,
    pub version: i64,
}

/// Saves or submits a report, checked against its action's indicators.
pub(crate) async fn save_report(
    state: &AppState,
    ctx: &crate::context::Ctx,
    user: &crate::context::SignedIn,
    id: &str,
    i: ReportInput,
    submit: bool,
) -> AppResult<ProgressReportRow> {
    let file = state.store.progress_report(&user.principal, id).await?;
    let breakdowns: BTreeMap<String, Breakdown> = file
        .indicators
        .iter()
        .map(|x| {
            (
                x.code.clone(),
                Breakdown::parse(&x.breakdown).unwrap_or(Breakdown::Total),
            )
        })
        .collect();
    let r = ReportDraft {
        action_status: i.action_status,
        done_text: i.done_text,
        spending: i.spending,
        obstacles: i.obstacles,
        values: i.values,
    }
    .validate(submit, &breakdowns)?;
    Ok(state
        .store
        .save_progress_report(&ctx.actor(), &user.principal, id, i.version, &r, submit)
        .await?)
}

/// Whether the caller may see strategy monitoring at all.
pub(crate) fn may_view(user: &crate::context::SignedIn) -> AppResult<()> {
    if user.principal.may(Action::ViewStrategy) {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

/// What an evidence file is, read from its content: a picture or a PDF (as
/// case attachments), or a spreadsheet the reader reads whole; at most 5 MB.
pub fn evidence_type(bytes: &[u8]) -> Result<&'static str, ValidationErrors> {
    use kopru_domain::attachment::{attachment_type, ATTACHMENT_MAX_BYTES, XLSX};
    if bytes.starts_with(b"PK\x03\x04") && bytes.len() <= ATTACHMENT_MAX_BYTES {
        return crate::tabular::read(bytes)
            .map(|_| XLSX)
            .map_err(|_| ValidationErrors::single("file", "err-attachment-damaged"));
    }
    attachment_type(bytes).map_err(|c| ValidationErrors::single("file", c))
}
