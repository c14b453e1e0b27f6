//! `/forms`: the form definitions, a preview of each version, and publishing.

use crate::context::{Auth, Ctx};
use crate::error::AppResult;
use crate::extract::{FormBody, Param, QueryArgs};
use crate::pages::{form_errors, render, FormErrors};
use crate::AppState;
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;
use kopru_domain::form::{Field, FieldKind, FormDefinition, Text};
use kopru_domain::Action;
use kopru_store::casework::forms::FormSummary;
use serde::Deserialize;

/// The pages of this file.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/forms", get(forms_page).post(publish))
        .route("/forms/{id}", get(form_page))
}

#[derive(Template)]
#[template(path = "forms.html")]
pub struct FormsPage {
    pub ctx: Ctx,
    pub forms: Vec<FormSummary>,
    pub can_publish: bool,
    /// What was pasted, kept when it is refused.
    pub definition: String,
    pub errors: FormErrors,
}

impl FormsPage {
    pub fn title(&self, f: &FormSummary) -> String {
        title_in(&self.ctx, &f.title)
    }
}

pub fn title_in(ctx: &Ctx, title: &serde_json::Value) -> String {
    title
        .get(ctx.locale().tag())
        .or_else(|| title.get("en"))
        .and_then(|t| t.as_str())
        .unwrap_or("")
        .to_owned()
}

pub async fn forms_page(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
) -> AppResult<Response> {
    let forms = state.store.forms().await?;
    let can_publish = user.principal.may(Action::ManageForms);
    Ok(render(&FormsPage {
        ctx,
        forms,
        can_publish,
        definition: String::new(),
        errors: FormErrors::default(),
    })?
    .into_response())
}

#[derive(Deserialize, Default)]
pub struct PublishForm {
    #[serde(default)]
    pub definition: String,
}

pub async fn publish(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    FormBody(form): FormBody<PublishForm>,
) -> AppResult<Response> {
    match state
        .store
        .publish_form(&ctx.actor(), &user.principal, &form.definition)
        .await
    {
        Ok(f) => Ok(
            Redirect::to(&format!("/forms/{}?version={}", f.form_id, f.version)).into_response(),
        ),
        Err(e) => {
            let errors = form_errors(ctx.tr, e.into())?;
            let forms = state.store.forms().await?;
            Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                render(&FormsPage {
                    ctx,
                    forms,
                    can_publish: true,
                    definition: form.definition,
                    errors,
                })?,
            )
                .into_response())
        }
    }
}

#[derive(Template)]
#[template(path = "form.html")]
pub struct FormPage {
    pub ctx: Ctx,
    pub form: FormDefinition,
    pub versions: Vec<FormSummary>,
}

impl FormPage {
    pub fn t(&self, text: &Text) -> String {
        text.get(self.ctx.locale()).to_owned()
    }
    pub fn hint(&self, f: &Field) -> String {
        f.hint.as_ref().map(|h| self.t(h)).unwrap_or_default()
    }
    pub fn kind(&self, f: &Field) -> &'static str {
        match f.kind {
            FieldKind::Text => "text",
            FieldKind::LongText => "long_text",
            FieldKind::Integer | FieldKind::Decimal => "number",
            FieldKind::Date => "date",
            FieldKind::YesNo => "yes_no",
            FieldKind::SingleChoice => "single_choice",
            FieldKind::MultipleChoice => "multiple_choice",
            FieldKind::RepeatingGroup => "group",
            FieldKind::Calculated => "calculated",
        }
    }
    pub fn other_versions(&self) -> Vec<i64> {
        self.versions
            .iter()
            .map(|v| v.version)
            .filter(|v| *v != i64::from(self.form.version))
            .collect()
    }
    /// A field shown only under a condition says so.
    pub fn conditional(&self, f: &Field) -> bool {
        f.show_if.is_some()
    }
    pub fn range(&self, f: &Field) -> String {
        let locale = self.ctx.locale();
        let fmt = |v: f64| {
            if v.fract() == 0.0 {
                locale.format_int(v as i64)
            } else {
                locale.format_decimal(v, 2)
            }
        };
        match (f.min, f.max) {
            (Some(lo), Some(hi)) => format!("{} – {}", fmt(lo), fmt(hi)),
            (Some(lo), None) => format!("≥ {}", fmt(lo)),
            (None, Some(hi)) => format!("≤ {}", fmt(hi)),
            (None, None) => String::new(),
        }
    }
}

#[derive(Deserialize, Default)]
pub struct VersionQuery {
    #[serde(default)]
    pub version: Option<i64>,
}

pub async fn form_page(
    State(state): State<AppState>,
    Auth(ctx, _): Auth,
    Param(id): Param<String>,
    QueryArgs(q): QueryArgs<VersionQuery>,
) -> AppResult<Response> {
    let form = state.store.form(&id, q.version).await?;
    let versions = state.store.form_versions(&id).await?;
    Ok(render(&FormPage {
        ctx,
        form,
        versions,
    })?
    .into_response())
}
