//! The web side of `kopru_store::records`, written once: list parameters,
//! read, create, versioned update (a 409 carries the record as it is now),
//! and a whole-list export as CSV or XLSX, audited. A feature's `api.rs`
//! keeps only its annotated handlers (each a line that calls in here) and
//! its pages call the same store methods.

use crate::context::{Ctx, SignedIn};
use crate::error::{AppError, AppResult};
use crate::AppState;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use kopru_domain::ValidationErrors;
use kopru_store::records::{ListFilter, Page, Record};
use serde::{Deserialize, Serialize};
use utoipa::IntoParams;

/// A record as the API reads and writes it.
pub trait ApiRecord: Record + Serialize {
    /// What a client sends to create or update one.
    type Input: Sync;
    fn validate(input: &Self::Input) -> Result<Self::Value, ValidationErrors>;
    /// The version the client read (required to update).
    fn input_version(input: &Self::Input) -> Option<i64>;
    /// The export's columns, and a row's cells in that order.
    const EXPORT_COLUMNS: &'static [&'static str];
    fn cells(&self) -> Vec<String>;
}

#[derive(Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// Any part of the name or code, in any script or spelling.
    #[serde(default)]
    pub q: Option<String>,
    /// Only rows in this area or below it.
    #[serde(default)]
    pub area: Option<String>,
    #[serde(default)]
    pub kind: Option<String>,
    /// 1 to 500, default 50.
    #[serde(default)]
    pub limit: Option<i64>,
    #[serde(default)]
    pub offset: Option<i64>,
}

/// An export's filters (those of the list, without paging) and its format.
#[derive(Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
pub struct ExportParams {
    /// Any part of the name or code, in any script or spelling.
    #[serde(default)]
    pub q: Option<String>,
    /// Only rows in this area or below it.
    #[serde(default)]
    pub area: Option<String>,
    #[serde(default)]
    pub kind: Option<String>,
    /// `csv` (the default: UTF-8 with BOM) or `xlsx`.
    #[serde(default)]
    pub format: Option<String>,
    /// `codes` (default) or `labels`: headers in the reader's language and
    /// the reader's list separator.
    #[serde(default)]
    pub names: Option<String>,
}

impl ListParams {
    pub fn filter(&self) -> ListFilter {
        ListFilter {
            q: self.q.clone(),
            area: self.area.clone(),
            kind: self.kind.clone(),
            limit: self.limit.unwrap_or(50).clamp(1, 500),
            offset: self.offset.unwrap_or(0).max(0),
        }
    }
}

pub fn require_version(v: Option<i64>) -> AppResult<i64> {
    v.ok_or_else(|| AppError::Invalid(ValidationErrors::single("version", "err-required")))
}

/// Maps a conflict to a 409 carrying the record as it is now.
pub fn with_current<T: Serialize>(e: AppError, current: Option<T>) -> AppError {
    match e {
        AppError::Conflict { .. } => AppError::Conflict {
            current: current.and_then(|c| serde_json::to_value(c).ok()),
        },
        other => other,
    }
}

pub async fn list<R: ApiRecord>(
    state: &AppState,
    user: &SignedIn,
    p: &ListParams,
) -> AppResult<Page<R>> {
    Ok(state.store.records(&user.principal, &p.filter()).await?)
}

pub async fn get<R: ApiRecord>(state: &AppState, user: &SignedIn, id: &str) -> AppResult<Json<R>> {
    state
        .store
        .record(&user.principal, id)
        .await?
        .map(Json)
        .ok_or(AppError::NotFound)
}

/// 201 with the record as stored.
pub async fn create<R: ApiRecord>(
    state: &AppState,
    ctx: &Ctx,
    user: &SignedIn,
    input: &R::Input,
) -> AppResult<Response> {
    let value = R::validate(input)?;
    let row: R = state
        .store
        .create_record(&ctx.actor(), &user.principal, &value)
        .await?;
    Ok((StatusCode::CREATED, Json(row)).into_response())
}

pub async fn update<R: ApiRecord>(
    state: &AppState,
    ctx: &Ctx,
    user: &SignedIn,
    id: &str,
    input: &R::Input,
) -> AppResult<Json<R>> {
    let version = require_version(R::input_version(input))?;
    let value = R::validate(input)?;
    match state
        .store
        .update_record::<R>(&ctx.actor(), &user.principal, id, version, &value)
        .await
    {
        Ok(row) => Ok(Json(row)),
        Err(e) => Err(with_current(
            e.into(),
            state.store.record::<R>(&user.principal, id).await?,
        )),
    }
}

/// Every record the filter matches within the caller's scope, page by page,
/// as one CSV or XLSX file; audited (`<kind>.export`, with the row count)
/// before it is sent.
pub async fn export<R: ApiRecord>(
    state: &AppState,
    ctx: &Ctx,
    user: &SignedIn,
    p: &ExportParams,
) -> AppResult<Response> {
    let format = p.format.as_deref().unwrap_or("csv");
    if !matches!(format, "csv" | "xlsx") {
        return Err(ValidationErrors::single("format", "err-choice").into());
    }
    let filter = ListFilter {
        q: p.q.clone(),
        area: p.area.clone(),
        kind: p.kind.clone(),
        limit: 500,
        offset: 0,
    };
    let found: Vec<R> = state.store.all_records(&user.principal, &filter).await?;
    let rows: Vec<Vec<String>> = found.iter().map(R::cells).collect();
    state
        .store
        .audit(
            &ctx.actor()
                .event(&format!("{}.export", R::KIND))
                .details(serde_json::json!({ "rows": rows.len(), "format": format })),
        )
        .await?;
    let naming = crate::export::Naming::from_param(p.names.as_deref(), ctx.tr)?;
    let header: Vec<String> = R::EXPORT_COLUMNS.iter().map(|c| naming.header(c)).collect();
    crate::export::table_response(format, R::TABLE, &header, &rows, naming.separator())
}

// ---------- pages ----------

/// A record's edit form as a page posts it.
pub trait RecordForm: Clone + Default + Send + Sync + 'static {
    type Row: Record;
    fn validate(&self) -> Result<<Self::Row as Record>::Value, ValidationErrors>;
    fn from_row(row: &Self::Row) -> Self;
    /// The hidden `version` field.
    fn version(&self) -> &str;
    /// The fields a conflict banner compares, by name, as shown.
    fn shown(&self) -> Vec<(&'static str, String)>;
}

/// The page that shows a record's form (new, edit, or back with errors).
pub trait RecordFormPage: askama::Template + Sized + Send {
    type Form: RecordForm;
    fn build(
        state: &AppState,
        ctx: Ctx,
        id: Option<String>,
        form: Self::Form,
        can_edit: bool,
    ) -> impl std::future::Future<Output = AppResult<Self>> + Send;
    fn errors(&mut self) -> &mut crate::pages::FormErrors;
    fn conflict(&mut self) -> &mut Vec<(String, String, String)>;
    /// Where a saved record is shown.
    fn saved(row: &<Self::Form as RecordForm>::Row) -> String;
}

type RowOf<P> = <<P as RecordFormPage>::Form as RecordForm>::Row;

fn may_manage<P: RecordFormPage>(user: &SignedIn) -> bool {
    user.principal.may(<RowOf<P> as Record>::MANAGE)
}

pub async fn new_page<P: RecordFormPage>(
    state: &AppState,
    ctx: Ctx,
    user: &SignedIn,
) -> AppResult<Response> {
    if !may_manage::<P>(user) {
        return Err(AppError::Forbidden);
    }
    let page = P::build(state, ctx, None, P::Form::default(), true).await?;
    Ok(crate::pages::render(&page)?.into_response())
}

pub async fn edit_page<P: RecordFormPage>(
    state: &AppState,
    ctx: Ctx,
    user: &SignedIn,
    id: String,
) -> AppResult<Response> {
    let row: RowOf<P> = state
        .store
        .record(&user.principal, &id)
        .await?
        .ok_or(AppError::NotFound)?;
    let can_edit = may_manage::<P>(user);
    let page = P::build(state, ctx, Some(id), P::Form::from_row(&row), can_edit).await?;
    Ok(crate::pages::render(&page)?.into_response())
}

/// Saves a new record (`id` none) or an edit; on invalid input the form comes
/// back with its errors (422); on a newer version, with the saved values and
/// a banner of what differs (409).
pub async fn save_page<P: RecordFormPage>(
    state: &AppState,
    ctx: Ctx,
    user: &SignedIn,
    id: Option<String>,
    form: P::Form,
) -> AppResult<Response> {
    // A version that is not a number is a malformed request, whatever the fields say.
    let version = match &id {
        Some(_) => Some(crate::pages::version_of(form.version())?),
        None => None,
    };
    let result = match (form.validate(), &id, version) {
        (Err(e), _, _) => Err(AppError::Invalid(e)),
        (Ok(v), Some(id), Some(version)) => state
            .store
            .update_record::<RowOf<P>>(&ctx.actor(), &user.principal, id, version, &v)
            .await
            .map_err(AppError::from),
        (Ok(v), _, _) => state
            .store
            .create_record::<RowOf<P>>(&ctx.actor(), &user.principal, &v)
            .await
            .map_err(AppError::from),
    };
    match (result, id) {
        (Ok(row), _) => Ok(axum::response::Redirect::to(&P::saved(&row)).into_response()),
        (Err(AppError::Conflict { .. }), Some(id)) => {
            let row: RowOf<P> = state
                .store
                .record(&user.principal, &id)
                .await?
                .ok_or(AppError::NotFound)?;
            let current = P::Form::from_row(&row);
            let (mine, theirs) = (form.shown(), current.shown());
            let pairs: Vec<(&str, &str, &str)> = mine
                .iter()
                .zip(&theirs)
                .map(|((f, a), (_, b))| (*f, a.as_str(), b.as_str()))
                .collect();
            let conflict = crate::pages::changed_fields(&ctx, &pairs);
            let mut page = P::build(state, ctx, Some(id), current, true).await?;
            *page.conflict() = conflict;
            Ok((StatusCode::CONFLICT, crate::pages::render(&page)?).into_response())
        }
        (Err(e), id) => {
            let errors = crate::pages::form_errors(ctx.tr, e)?;
            let mut page = P::build(state, ctx, id, form, true).await?;
            *page.errors() = errors;
            Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                crate::pages::render(&page)?,
            )
                .into_response())
        }
    }
}

/// The five API operations of an [`ApiRecord`] — list (with its `…List`
/// answer type), read, create, update, export — each an annotated handler
/// that calls the functions above. A feature writes
/// `record_api!(UnitRow, UnitInput, UnitList, "organisation", "/api/v1/units", …)`
/// and mounts the five in its `routes()`.
macro_rules! record_api {
    (
        row: $row:ident, input: $input:ident, list: $list:ident, tag: $tag:literal,
        paths: ($lp:literal, $ip:literal, $ep:literal),
        handlers: ($list_fn:ident, $get_fn:ident, $create_fn:ident, $update_fn:ident, $export_fn:ident) $(,)?
    ) => {
        /// One page of the list and the count of all that match.
        #[derive(serde::Serialize, utoipa::ToSchema)]
        pub struct $list {
            pub items: Vec<$row>,
            pub total: i64,
        }

        #[utoipa::path(get, path = $lp, tag = $tag, params($crate::records::ListParams),
            responses((status = 200, body = $list)))]
        pub async fn $list_fn(
            axum::extract::State(state): axum::extract::State<$crate::AppState>,
            $crate::context::Auth(_, user): $crate::context::Auth,
            $crate::extract::QueryArgs(p): $crate::extract::QueryArgs<$crate::records::ListParams>,
        ) -> $crate::error::AppResult<axum::Json<$list>> {
            let page = $crate::records::list::<$row>(&state, &user, &p).await?;
            Ok(axum::Json($list {
                items: page.rows,
                total: page.total,
            }))
        }

        #[utoipa::path(get, path = $ip, tag = $tag, params(("id" = String, Path)),
            responses((status = 200, body = $row)))]
        pub async fn $get_fn(
            axum::extract::State(state): axum::extract::State<$crate::AppState>,
            $crate::context::Auth(_, user): $crate::context::Auth,
            $crate::extract::Param(id): $crate::extract::Param<String>,
        ) -> $crate::error::AppResult<axum::Json<$row>> {
            $crate::records::get(&state, &user, &id).await
        }

        #[utoipa::path(post, path = $lp, tag = $tag, request_body = $input,
            responses((status = 201, body = $row)))]
        pub async fn $create_fn(
            axum::extract::State(state): axum::extract::State<$crate::AppState>,
            $crate::context::Auth(ctx, user): $crate::context::Auth,
            $crate::extract::JsonBody(input): $crate::extract::JsonBody<$input>,
        ) -> $crate::error::AppResult<axum::response::Response> {
            $crate::records::create::<$row>(&state, &ctx, &user, &input).await
        }

        #[utoipa::path(put, path = $ip, tag = $tag, params(("id" = String, Path)), request_body = $input,
            responses((status = 200, body = $row)))]
        pub async fn $update_fn(
            axum::extract::State(state): axum::extract::State<$crate::AppState>,
            $crate::context::Auth(ctx, user): $crate::context::Auth,
            $crate::extract::Param(id): $crate::extract::Param<String>,
            $crate::extract::JsonBody(input): $crate::extract::JsonBody<$input>,
        ) -> $crate::error::AppResult<axum::Json<$row>> {
            $crate::records::update(&state, &ctx, &user, &id, &input).await
        }

        #[utoipa::path(get, path = $ep, tag = $tag, params($crate::records::ExportParams),
            responses((status = 200, description = "CSV (UTF-8 with BOM) or XLSX", content_type = "text/csv")))]
        pub async fn $export_fn(
            axum::extract::State(state): axum::extract::State<$crate::AppState>,
            $crate::context::Auth(ctx, user): $crate::context::Auth,
            $crate::extract::QueryArgs(p): $crate::extract::QueryArgs<$crate::records::ExportParams>,
        ) -> $crate::error::AppResult<axum::response::Response> {
            $crate::records::export::<$row>(&state, &ctx, &user, &p).await
        }
    };
}
pub(crate) use record_api;

/// The four page handlers of a [`RecordFormPage`]: the empty form, create,
/// the edit form, save. A feature writes
/// `record_pages!(UnitFormPage, UnitForm, unit_new, unit_create, unit_edit, unit_update);`
/// and routes `/units/new` and `/units/{id}` to them.
macro_rules! record_pages {
    ($page:ident, $form:ident, $new_fn:ident, $create_fn:ident, $edit_fn:ident, $update_fn:ident) => {
        pub async fn $new_fn(
            axum::extract::State(state): axum::extract::State<$crate::AppState>,
            $crate::context::Auth(ctx, user): $crate::context::Auth,
        ) -> $crate::error::AppResult<axum::response::Response> {
            $crate::records::new_page::<$page>(&state, ctx, &user).await
        }

        pub async fn $create_fn(
            axum::extract::State(state): axum::extract::State<$crate::AppState>,
            $crate::context::Auth(ctx, user): $crate::context::Auth,
            $crate::extract::FormBody(form): $crate::extract::FormBody<$form>,
        ) -> $crate::error::AppResult<axum::response::Response> {
            $crate::records::save_page::<$page>(&state, ctx, &user, None, form).await
        }

        pub async fn $edit_fn(
            axum::extract::State(state): axum::extract::State<$crate::AppState>,
            $crate::context::Auth(ctx, user): $crate::context::Auth,
            $crate::extract::Param(id): $crate::extract::Param<String>,
        ) -> $crate::error::AppResult<axum::response::Response> {
            $crate::records::edit_page::<$page>(&state, ctx, &user, id).await
        }

        pub async fn $update_fn(
            axum::extract::State(state): axum::extract::State<$crate::AppState>,
            $crate::context::Auth(ctx, user): $crate::context::Auth,
            $crate::extract::Param(id): $crate::extract::Param<String>,
            $crate::extract::FormBody(form): $crate::extract::FormBody<$form>,
        ) -> $crate::error::AppResult<axum::response::Response> {
            $crate::records::save_page::<$page>(&state, ctx, &user, Some(id), form).await
        }
    };
}
pub(crate) use record_pages;
