//! Importing people through the browser: upload, check (a dry run with the
//! column mapping shown and adjustable), then commit.

use super::{query_string, render, FormErrors};
use crate::context::{Auth, Ctx};
use crate::error::{AppError, AppResult};
use crate::extract::{FormBody, Param, QueryArgs};
use crate::import::{self, ImportReport, ImportRequest};
use crate::AppState;
use askama::Template;
use axum::extract::{Multipart, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use kopru_domain::import::FIELDS;
use kopru_domain::Action;
use kopru_store::directory::{ListFilter, UnitRow};
use serde::Deserialize;

#[derive(Template)]
#[template(path = "import_upload.html")]
pub struct UploadPage {
    pub ctx: Ctx,
    pub units: Vec<UnitRow>,
    pub mappings: Vec<String>,
    pub errors: FormErrors,
    pub form: UploadForm,
}

#[derive(Default, Clone)]
pub struct UploadForm {
    pub area_code: String,
}

async fn upload_page(
    state: &AppState,
    ctx: Ctx,
    user: &crate::context::SignedIn,
    errors: FormErrors,
) -> AppResult<UploadPage> {
    let units = state
        .store
        .units(
            &user.principal,
            &ListFilter {
                limit: 500,
                ..Default::default()
            },
        )
        .await?
        .rows;
    let mappings = state.store.mapping_names().await?;
    Ok(UploadPage {
        ctx,
        units,
        mappings,
        errors,
        form: UploadForm::default(),
    })
}

pub async fn upload_form(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
) -> AppResult<Response> {
    if !user.principal.may(Action::ImportPersons) {
        return Err(AppError::Forbidden);
    }
    Ok(render(&upload_page(&state, ctx, &user, FormErrors::default()).await?)?.into_response())
}

pub async fn upload(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    mut multipart: Multipart,
) -> AppResult<Response> {
    if !user.principal.may(Action::ImportPersons) {
        return Err(AppError::Forbidden);
    }
    let (mut file, mut name, mut unit, mut area, mut mapping) = (
        Vec::new(),
        String::new(),
        String::new(),
        String::new(),
        String::new(),
    );
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(|_| AppError::BadRequest("err-form"))?
    {
        match field.name().unwrap_or("") {
            "file" => {
                name = field
                    .file_name()
                    .unwrap_or("upload")
                    .chars()
                    .take(200)
                    .collect();
                file = field
                    .bytes()
                    .await
                    .map_err(|_| AppError::TooLarge)?
                    .to_vec();
            }
            "unit" => unit = field.text().await.unwrap_or_default(),
            "area" => area = field.text().await.unwrap_or_default(),
            "mapping" => mapping = field.text().await.unwrap_or_default(),
            _ => {}
        }
    }
    if let Err(code) = crate::tabular::read(&file).map(|_| ()) {
        let page = upload_page(
            &state,
            ctx.clone(),
            &user,
            FormErrors::single(ctx.tr, "file", code),
        )
        .await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response());
    }
    let id = state
        .store
        .save_upload(&user.principal.user_id, &name, &file)
        .await?;
    let q = query_string(&[("unit", &unit), ("area", &area), ("mapping", &mapping)]);
    Ok(Redirect::to(&format!("/imports/{id}?{q}")).into_response())
}

#[derive(Deserialize, Default, Clone)]
pub struct CheckQuery {
    #[serde(default)]
    pub unit: String,
    #[serde(default)]
    pub area: String,
    #[serde(default)]
    pub mapping: String,
    /// The field of each column, in order ("" ignores a column).
    #[serde(default)]
    pub col: Vec<String>,
    #[serde(default)]
    pub save_as: String,
}

impl CheckQuery {
    fn query(&self) -> String {
        let mut pairs: Vec<(&str, &str)> = vec![
            ("unit", &self.unit),
            ("area", &self.area),
            ("mapping", &self.mapping),
        ];
        for c in &self.col {
            pairs.push(("col", c));
        }
        // Keep empty column choices: they hold positions.
        let mut s = query_string(&pairs[..3]);
        for c in &self.col {
            s.push_str(&format!(
                "&col={}",
                query_string(&[("x", c)]).trim_start_matches("x=")
            ));
        }
        s
    }
}

#[derive(Template)]
#[template(path = "import_report.html")]
pub struct ReportPage {
    pub ctx: Ctx,
    pub id: String,
    pub file_name: String,
    pub report: ImportReport,
    pub q: CheckQuery,
    pub query: String,
    pub fields: Vec<(String, String)>,
    pub errors: FormErrors,
}

async fn run(
    state: &AppState,
    ctx: &Ctx,
    user: &crate::context::SignedIn,
    id: &str,
    q: &CheckQuery,
    dry_run: bool,
) -> AppResult<(String, ImportReport)> {
    let (name, bytes) = state.store.upload(&user.principal.user_id, id).await?;
    let mapping = if !q.col.is_empty() {
        Some(
            q.col
                .iter()
                .map(|c| (!c.is_empty()).then(|| c.clone()))
                .collect(),
        )
    } else if !q.mapping.is_empty() {
        Some(
            state
                .store
                .mapping(&q.mapping)
                .await?
                .ok_or(AppError::Invalid(kopru_domain::ValidationErrors::single(
                    "mapping",
                    "err-import-mapping",
                )))?,
        )
    } else {
        None
    };
    let report = import::run(
        &state.store,
        &ctx.actor(),
        &user.principal,
        ctx.tr,
        ImportRequest {
            file_name: &name,
            bytes: &bytes,
            unit_code: &q.unit,
            area_code: &q.area,
            mapping,
            dry_run,
        },
    )
    .await?;
    Ok((name, report))
}

fn report_page(
    ctx: Ctx,
    id: String,
    file_name: String,
    report: ImportReport,
    q: CheckQuery,
    errors: FormErrors,
) -> ReportPage {
    let mut fields = vec![(String::new(), ctx.t("import-ignored"))];
    fields.extend(FIELDS.iter().map(|f| {
        (
            (*f).to_owned(),
            ctx.t(&format!("field-{}", f.replace('_', "-"))),
        )
    }));
    let mut q = q;
    q.col = report
        .columns
        .iter()
        .map(|c| c.field.clone().unwrap_or_default())
        .collect();
    let query = q.query();
    ReportPage {
        ctx,
        id,
        file_name,
        report,
        q,
        query,
        fields,
        errors,
    }
}

pub async fn check(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param(id): Param<String>,
    QueryArgs(q): QueryArgs<CheckQuery>,
) -> AppResult<Response> {
    if !user.principal.may(Action::ImportPersons) {
        return Err(AppError::Forbidden);
    }
    match run(&state, &ctx, &user, &id, &q, true).await {
        Ok((name, report)) => Ok(render(&report_page(
            ctx,
            id,
            name,
            report,
            q,
            FormErrors::default(),
        ))?
        .into_response()),
        Err(AppError::Invalid(v)) => {
            let page = upload_page(&state, ctx.clone(), &user, FormErrors::new(ctx.tr, &v)).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
        }
        Err(e) => Err(e),
    }
}

pub async fn commit(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param(id): Param<String>,
    FormBody(q): FormBody<CheckQuery>,
) -> AppResult<Response> {
    if !user.principal.may(Action::ImportPersons) {
        return Err(AppError::Forbidden);
    }
    if !q.save_as.trim().is_empty() {
        let cols: Vec<Option<String>> = q
            .col
            .iter()
            .map(|c| (!c.is_empty()).then(|| c.clone()))
            .collect();
        state
            .store
            .save_mapping(&ctx.actor(), q.save_as.trim(), &cols)
            .await?;
    }
    let (name, report) = run(&state, &ctx, &user, &id, &q, false).await?;
    Ok(render(&report_page(
        ctx,
        id,
        name,
        report,
        q,
        FormErrors::default(),
    ))?
    .into_response())
}

#[derive(Deserialize, Default)]
pub struct RejectedQuery {
    #[serde(flatten)]
    pub q: CheckQuery,
}

pub async fn rejected(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param((id, format)): Param<(String, String)>,
    QueryArgs(q): QueryArgs<CheckQuery>,
) -> AppResult<Response> {
    if !user.principal.may(Action::ImportPersons) {
        return Err(AppError::Forbidden);
    }
    let (_, report) = run(&state, &ctx, &user, &id, &q, true).await?;
    let format = match format.as_str() {
        "rejected.csv" => "csv",
        "rejected.xlsx" => "xlsx",
        _ => return Err(AppError::NotFound),
    };
    crate::api::registry::report_response(&report, Some(format))
}
