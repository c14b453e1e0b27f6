//! An activity's printed papers: a session's sign-in sheet (in the
//! organiser's language), a participant's certificate of completion (in the
//! participant's language) and the public page where anyone checks a
//! certificate by its code.

use crate::context::{Auth, Ctx};
use crate::error::{AppError, AppResult};
use crate::extract::{Param, QueryArgs};
use crate::i18n::Tr;
use crate::pages::render;
use crate::pdf::Block;
use crate::AppState;
use askama::Template;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use kopru_domain::Locale;
use kopru_store::activities::{normalise_code, ActivityRow, CertificateRow};
use serde::Deserialize;

/// The pages of this file.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/activities/{id}/sessions/{sid}/sign-in.pdf",
            get(sign_in_sheet),
        )
        .route(
            "/activities/{id}/participants/{pid}/certificate.pdf",
            get(certificate_pdf),
        )
        .route("/activities/{id}/transport.xlsx", get(payment_list))
        .route(
            "/activities/{id}/sessions/{sid}/sheet.xlsx",
            get(sheet_template),
        )
        .route("/certificates", get(check_page))
        .route("/certificates/{code}", get(check_code))
}

/// The language an organiser's papers are printed in.
fn organiser_language(a: &ActivityRow) -> Tr {
    Tr::new(if a.area_code.starts_with("RS") {
        Locale::SrCyrl
    } else {
        Locale::Tr
    })
}

/// A session's sign-in sheet: the participants on the list, numbered, with
/// room to sign.
pub async fn sign_in_sheet(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param((id, sid)): Param<(String, String)>,
) -> AppResult<Response> {
    let (a, s, rows, hidden) = state
        .store
        .attendance_sheet_read(&ctx.actor(), &user.principal, &id, &sid)
        .await?;
    let tr = organiser_language(&a);
    let title = a.title_in(tr.tag());
    let mut when = tr.date(&s.held_on);
    if let (Some(st), Some(e)) = (&s.starts_at, &s.ends_at) {
        when.push_str(&format!(" {st}–{e}"));
    }
    let mut blocks = vec![
        Block::Title(a.organiser_name.clone()),
        Block::Small(a.programme_name.clone()),
        Block::Rule,
        Block::Heading(format!("{} — {title}", tr.t("sign-in-title"))),
        Block::Pair(tr.t("session-when"), when),
        Block::Pair(
            tr.t("field-venue"),
            s.venue
                .clone()
                .or(a.venue.clone())
                .map(|v| format!("{v}, {}", a.area_name))
                .unwrap_or(a.area_name.clone()),
        ),
    ];
    if let Some(m) = s.module.as_ref().or(s.topic.as_ref()) {
        blocks.push(Block::Pair(tr.t("session-module-topic"), m.clone()));
    }
    if let Some(f) = &s.facilitator_name {
        blocks.push(Block::Pair(tr.t("session-facilitator"), f.clone()));
    }
    blocks.push(Block::Space(8.0));
    blocks.push(Block::Row {
        cells: vec![
            ("#".into(), 0.07),
            (tr.t("field-name"), 0.45),
            (tr.t("sign-in-signature"), 0.48),
        ],
        bold: true,
        min_height: 0.0,
    });
    for (i, r) in rows.iter().enumerate() {
        let name = match &r.institution_name {
            Some(inst) => format!("{}\n{inst}", r.name),
            None => r.name.clone(),
        };
        blocks.push(Block::Row {
            cells: vec![
                ((i + 1).to_string(), 0.07),
                (name, 0.45),
                (String::new(), 0.48),
            ],
            bold: false,
            min_height: 22.0,
        });
    }
    // Blank lines for people who come without being enrolled.
    for i in rows.len()..rows.len() + 5 {
        blocks.push(Block::Row {
            cells: vec![
                ((i + 1).to_string(), 0.07),
                (String::new(), 0.45),
                (String::new(), 0.48),
            ],
            bold: false,
            min_height: 22.0,
        });
    }
    if hidden > 0 {
        blocks.push(Block::Small(
            tr.count("activity-hidden-participants", hidden),
        ));
    }
    blocks.push(Block::Space(12.0));
    blocks.push(Block::Pair(
        tr.t("sign-in-facilitator-signature"),
        String::new(),
    ));
    let pdf = crate::pdf::render(&title, tr.tag(), &blocks)
        .map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(crate::pdf::download(&format!("sign-in-{}", s.held_on), pdf))
}

fn certificate_blocks(c: &CertificateRow, tr: &Tr, check_url: &str) -> Vec<Block> {
    let dates = match &c.ends_on {
        Some(e) if *e != c.starts_on => format!("{} – {}", tr.date(&c.starts_on), tr.date(e)),
        _ => tr.date(&c.starts_on),
    };
    vec![
        Block::Small(c.programme_name.clone()),
        Block::Rule,
        Block::Space(30.0),
        Block::Title(tr.t("certificate-title")),
        Block::Space(18.0),
        Block::Text(tr.t("certificate-certifies")),
        Block::Space(6.0),
        Block::Title(c.holder.clone()),
        Block::Space(6.0),
        Block::Text(tr.t("certificate-completed")),
        Block::Space(4.0),
        Block::Heading(c.title()),
        Block::Space(10.0),
        Block::Pair(
            tr.t("field-kind"),
            tr.t(&format!("activity-kind-{}", c.kind.replace('_', "-"))),
        ),
        Block::Pair(tr.t("activity-organiser"), c.organiser_name.clone()),
        Block::Pair(tr.t("activity-place"), c.area_name.clone()),
        Block::Pair(tr.t("activity-dates"), dates),
        Block::Pair(tr.t("certificate-completed-on"), tr.date(&c.completed_on)),
        Block::Space(40.0),
        Block::Pair(tr.t("sign-in-facilitator-signature"), String::new()),
        Block::Space(40.0),
        Block::Rule,
        Block::Small(tr.t1("certificate-check", "url", check_url)),
        Block::Heading(c.code.clone()),
    ]
}

/// Where a certificate is checked, on the host the request came to.
fn check_url(headers: &HeaderMap, code: &str) -> String {
    let host = headers
        .get(axum::http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| {
            h.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-.:[]".contains(&b))
        })
        .unwrap_or("");
    format!("{host}/certificates/{code}")
}

/// A participant's certificate: issued on first print if they completed
/// the activity, printed in their language.
pub async fn certificate_pdf(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    headers: HeaderMap,
    Param((id, pid)): Param<(String, String)>,
) -> AppResult<Response> {
    let c = state
        .store
        .issue_certificate(&ctx.actor(), &user.principal, &id, &pid)
        .await?;
    let tr = Tr::new(Locale::parse(&c.language).unwrap_or(Locale::Tr));
    let blocks = certificate_blocks(&c, &tr, &check_url(&headers, &c.code));
    let pdf = crate::pdf::render(&tr.t("certificate-title"), tr.tag(), &blocks)
        .map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(crate::pdf::download(
        &format!("certificate-{}", c.code),
        pdf,
    ))
}

#[derive(Template)]
#[template(path = "certificate_check.html")]
pub struct CheckPage {
    pub ctx: Ctx,
    pub code: String,
    pub found: Option<CertificateRow>,
}

impl CheckPage {
    pub fn title(&self, c: &CertificateRow) -> String {
        kopru_store::activities::activity_title(&c.titles, self.ctx.tr.tag())
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct CheckQuery {
    pub code: String,
}

async fn check(state: &AppState, ctx: Ctx, code: String) -> AppResult<Response> {
    let found = if code.trim().is_empty() {
        None
    } else {
        state.store.check_certificate(&code).await?
    };
    let code = normalise_code(&code).unwrap_or(code);
    Ok(render(&CheckPage { ctx, code, found })?.into_response())
}

/// The public page: type a code, see whose certificate it is.
pub async fn check_page(
    State(state): State<AppState>,
    ctx: Ctx,
    QueryArgs(q): QueryArgs<CheckQuery>,
) -> AppResult<Response> {
    check(&state, ctx, q.code).await
}

pub async fn check_code(
    State(state): State<AppState>,
    ctx: Ctx,
    Param(code): Param<String>,
) -> AppResult<Response> {
    check(&state, ctx, code).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct MonthQuery {
    pub month: String,
}

/// The month's transport payments of an activity as a spreadsheet for the
/// finance office: one row per payment with the sessions attended that
/// month, amounts as numbers, a total, and a column to sign.
pub async fn payment_list(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param(id): Param<String>,
    QueryArgs(q): QueryArgs<MonthQuery>,
) -> AppResult<Response> {
    use rust_xlsxwriter::{Format, Formula, Workbook};
    let month = kopru_domain::activity::month(&q.month)
        .ok()
        .flatten()
        .ok_or(AppError::BadRequest("err-month"))?;
    let a = state.store.activity(&user.principal, &id).await?;
    let rows = state
        .store
        .transport_payments(
            &user.principal,
            &kopru_store::activities::TransportFilter {
                activity: Some(id.clone()),
                month: Some(month.clone()),
                limit: 500,
                ..Default::default()
            },
        )
        .await?;
    if rows.len() > 500 {
        // The list is whole or not made: never a silently cut payment list.
        return Err(kopru_domain::ValidationErrors::single("month", "err-too-many").into());
    }
    let present: std::collections::BTreeMap<String, i64> = state
        .store
        .present_in_month(&user.principal, &id, &month)
        .await?
        .into_iter()
        .collect();
    let fail = |e: rust_xlsxwriter::XlsxError| AppError::Internal(format!("xlsx: {e}"));
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    let bold = Format::new().set_bold();
    let money = Format::new().set_num_format("#,##0.00");
    let title = format!(
        "{} — {} {month}",
        a.title_in(ctx.tr.tag()),
        ctx.t("transport-title")
    );
    sheet
        .write_string_with_format(0, 0, &title, &bold)
        .map_err(fail)?;
    sheet
        .write_string(1, 0, format!("{} · {}", a.organiser_name, a.programme_name))
        .map_err(fail)?;
    let header = [
        "#".to_owned(),
        ctx.t("field-name"),
        ctx.t("transport-sessions-attended"),
        ctx.t("field-mode"),
        ctx.t("field-amount"),
        ctx.t("field-currency"),
        ctx.t("field-paid-on"),
        ctx.t("field-paid-by"),
        ctx.t("sign-in-signature"),
    ];
    for (c, h) in header.iter().enumerate() {
        sheet
            .write_string_with_format(3, c as u16, h, &bold)
            .map_err(fail)?;
    }
    let first = 4u32;
    for (i, r) in rows.iter().enumerate() {
        let row = first + i as u32;
        sheet.write_number(row, 0, (i + 1) as f64).map_err(fail)?;
        sheet.write_string(row, 1, &r.name).map_err(fail)?;
        sheet
            .write_number(row, 2, *present.get(&r.participant_id).unwrap_or(&0) as f64)
            .map_err(fail)?;
        sheet
            .write_string(row, 3, ctx.l("transport-mode", &r.mode))
            .map_err(fail)?;
        sheet
            .write_number_with_format(row, 4, r.amount_minor as f64 / 100.0, &money)
            .map_err(fail)?;
        sheet.write_string(row, 5, &r.currency).map_err(fail)?;
        if let Some(d) = &r.paid_on {
            sheet.write_string(row, 6, ctx.tr.date(d)).map_err(fail)?;
        }
        if let Some(b) = &r.paid_by {
            sheet.write_string(row, 7, b).map_err(fail)?;
        }
    }
    let total_row = first + rows.len() as u32;
    sheet
        .write_string_with_format(total_row, 1, ctx.t("transport-total"), &bold)
        .map_err(fail)?;
    let formula = if rows.is_empty() {
        Formula::new("=0")
    } else {
        Formula::new(format!("=SUM(E{}:E{})", first + 1, total_row)).set_result(format!(
            "{:.2}",
            rows.iter().map(|r| r.amount_minor).sum::<i64>() as f64 / 100.0
        ))
    };
    sheet
        .write_formula_with_format(total_row, 4, formula, &money)
        .map_err(fail)?;
    sheet.set_column_width(1, 28).map_err(fail)?;
    sheet.set_column_width(8, 24).map_err(fail)?;
    let buf = workbook.save_to_buffer().map_err(fail)?;
    Ok((
        [
            (
                axum::http::header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_owned(),
            ),
            (
                axum::http::header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"transport-{month}.xlsx\""),
            ),
        ],
        buf,
    )
        .into_response())
}

/// A session's sheet to fill in a spreadsheet and import back: the
/// participant's id, name and an empty mark column.
pub async fn sheet_template(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param((id, sid)): Param<(String, String)>,
) -> AppResult<Response> {
    let (_, s, rows, _) = state
        .store
        .attendance_sheet_read(&ctx.actor(), &user.principal, &id, &sid)
        .await?;
    let header = [
        "participant_id".to_owned(),
        "name".to_owned(),
        "mark".to_owned(),
    ];
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            vec![
                r.participant_id.clone(),
                r.name.clone(),
                r.mark.clone().unwrap_or_default(),
            ]
        })
        .collect();
    crate::export::table_response(
        "xlsx",
        &format!("attendance-{}", s.held_on),
        &header,
        &cells,
        b',',
    )
}
