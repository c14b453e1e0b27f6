//! Forms on a case: filling one (inputs generated from the definition, shown
//! or hidden by its conditions), saving a submission, reading one.

use crate::context::{Auth, Ctx};
use crate::error::{AppError, AppResult};
use crate::extract::Param;
use crate::pages::{form_errors, render, FormErrors};
use crate::AppState;
use askama::Template;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use kopru_domain::form::{Field, FieldKind, FormDefinition, Text};
use kopru_store::casework::{CaseRow, SubmissionRow};
use kopru_store::clock::today;
use serde_json::{Map, Value};

/// The pages of this file.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/cases/{id}/forms/{form_id}",
            get(form_fill).post(form_submit),
        )
        .route("/cases/{id}/forms/{form_id}/hidden", post(form_hidden))
        .route("/cases/{id}/submissions/{sid}", get(submission_page))
}

// ---------------- forms on a case ----------------

pub use crate::pages::Input;

pub enum Item {
    Field(Input),
    /// A repeating group: its label and rows of inputs.
    Group(String, Vec<Vec<Input>>),
    /// A calculated field: its label and formula.
    Calculated(String, String),
}

pub struct InputSection {
    pub id: String,
    pub title: String,
    pub conditional: bool,
    pub items: Vec<Item>,
}

fn t(ctx: &Ctx, text: &Text) -> String {
    text.get(ctx.locale()).to_owned()
}

fn kind_name(k: FieldKind) -> &'static str {
    match k {
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

/// An answer as the text an input holds.
fn as_text(v: Option<&Value>) -> String {
    match v {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Bool(true)) => "yes".into(),
        Some(Value::Bool(false)) => "no".into(),
        Some(Value::Number(n)) => n.to_string(),
        _ => String::new(),
    }
}

fn input(ctx: &Ctx, f: &Field, name: String, answer: Option<&Value>, errors: &FormErrors) -> Input {
    let chosen: Vec<String> = match answer {
        Some(Value::Array(a)) => a.iter().map(|v| as_text(Some(v))).collect(),
        other => vec![as_text(other)],
    };
    let fmt = |v: Option<f64>| v.map(|x| x.to_string()).unwrap_or_default();
    Input {
        error: errors.get(&name).map(str::to_owned),
        kind: kind_name(f.kind),
        label: t(ctx, &f.label),
        hint: f.hint.as_ref().map(|h| t(ctx, h)).unwrap_or_default(),
        required: f.required,
        conditional: f.show_if.is_some(),
        options: f
            .options
            .iter()
            .map(|o| (o.value.clone(), t(ctx, &o.label), chosen.contains(&o.value)))
            .collect(),
        value: chosen.first().cloned().unwrap_or_default(),
        min: fmt(f.min),
        max: fmt(f.max),
        name,
    }
}

/// Inputs for every field, holding `answers`; groups get their rows plus two empty ones.
pub fn inputs(
    ctx: &Ctx,
    form: &FormDefinition,
    answers: &Map<String, Value>,
    errors: &FormErrors,
) -> Vec<InputSection> {
    form.sections
        .iter()
        .map(|s| InputSection {
            id: s.id.clone(),
            title: t(ctx, &s.title),
            conditional: s.show_if.is_some(),
            items: s
                .fields
                .iter()
                .map(|f| match f.kind {
                    FieldKind::RepeatingGroup => {
                        let rows: Vec<Map<String, Value>> = answers
                            .get(&f.id)
                            .and_then(|v| v.as_array())
                            .map(|a| a.iter().filter_map(|r| r.as_object().cloned()).collect())
                            .unwrap_or_default();
                        let n = rows.len() + 2;
                        let empty = Map::new();
                        let rows = (0..n)
                            .map(|i| {
                                let row = rows.get(i).unwrap_or(&empty);
                                f.fields
                                    .iter()
                                    .filter(|c| c.kind != FieldKind::Calculated)
                                    .map(|c| {
                                        input(
                                            ctx,
                                            c,
                                            format!("{}[{i}].{}", f.id, c.id),
                                            row.get(&c.id),
                                            errors,
                                        )
                                    })
                                    .collect()
                            })
                            .collect();
                        Item::Group(t(ctx, &f.label), rows)
                    }
                    FieldKind::Calculated => {
                        Item::Calculated(t(ctx, &f.label), f.formula.clone().unwrap_or_default())
                    }
                    _ => Item::Field(input(ctx, f, f.id.clone(), answers.get(&f.id), errors)),
                })
                .collect(),
        })
        .collect()
}

/// A posted HTML form as answers: multiple choices as lists, group rows
/// (`group[i].field`) as lists of objects, empty inputs left out.
pub fn answers_from_form(form: &FormDefinition, pairs: &[(String, String)]) -> Map<String, Value> {
    let mut out = Map::new();
    for s in &form.sections {
        for f in &s.fields {
            match f.kind {
                FieldKind::Calculated => {}
                FieldKind::MultipleChoice => {
                    let chosen: Vec<Value> = pairs
                        .iter()
                        .filter(|(k, v)| *k == f.id && !v.is_empty())
                        .map(|(_, v)| Value::String(v.clone()))
                        .collect();
                    if !chosen.is_empty() {
                        out.insert(f.id.clone(), Value::Array(chosen));
                    }
                }
                FieldKind::RepeatingGroup => {
                    let mut rows: std::collections::BTreeMap<usize, Map<String, Value>> =
                        Default::default();
                    let prefix = format!("{}[", f.id);
                    for (k, v) in pairs.iter().filter(|(_, v)| !v.trim().is_empty()) {
                        let Some(rest) = k.strip_prefix(&prefix) else {
                            continue;
                        };
                        let Some((i, child)) = rest.split_once("].") else {
                            continue;
                        };
                        let Ok(i) = i.parse::<usize>() else { continue };
                        if i > 200 {
                            continue;
                        }
                        let Some(c) = f.fields.iter().find(|c| c.id == child) else {
                            continue;
                        };
                        let row = rows.entry(i).or_default();
                        if c.kind == FieldKind::MultipleChoice {
                            let list = row
                                .entry(child.to_owned())
                                .or_insert_with(|| Value::Array(Vec::new()));
                            if let Value::Array(a) = list {
                                a.push(Value::String(v.clone()));
                            }
                        } else {
                            row.insert(child.to_owned(), Value::String(v.clone()));
                        }
                    }
                    if !rows.is_empty() {
                        out.insert(
                            f.id.clone(),
                            Value::Array(rows.into_values().map(Value::Object).collect()),
                        );
                    }
                }
                _ => {
                    if let Some((_, v)) = pairs
                        .iter()
                        .find(|(k, v)| *k == f.id && !v.trim().is_empty())
                    {
                        out.insert(f.id.clone(), Value::String(v.clone()));
                    }
                }
            }
        }
    }
    out
}

#[derive(Template)]
#[template(path = "case_form.html")]
pub struct CaseFormPage {
    pub ctx: Ctx,
    pub case: CaseRow,
    pub form_id: String,
    pub title: String,
    pub version: u32,
    pub sections: Vec<InputSection>,
    pub errors: FormErrors,
}

impl CaseFormPage {
    /// The form to fill on a case, with what was typed and what was wrong.
    fn new(
        ctx: Ctx,
        case: CaseRow,
        form: &kopru_domain::form::FormDefinition,
        answers: &Map<String, Value>,
        errors: FormErrors,
    ) -> Self {
        let sections = inputs(&ctx, form, answers, &errors);
        CaseFormPage {
            title: t(&ctx, &form.title),
            ctx,
            case,
            form_id: form.id.clone(),
            version: form.version,
            sections,
            errors,
        }
    }
}

pub async fn form_fill(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param((id, form_id)): Param<(String, String)>,
) -> AppResult<Response> {
    let case = state.store.case(&user.principal, &id).await?;
    let form = state.store.form(&form_id, None).await?;
    let page = CaseFormPage::new(ctx, case, &form, &Map::new(), FormErrors::default());
    Ok(render(&page)?.into_response())
}

pub async fn form_submit(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param((id, form_id)): Param<(String, String)>,
    body: Bytes,
) -> AppResult<Response> {
    let pairs: Vec<(String, String)> =
        serde_html_form::from_bytes(&body).map_err(|_| AppError::BadRequest("err-form"))?;
    let form = state.store.form(&form_id, None).await?;
    let answers = answers_from_form(&form, &pairs);
    match state
        .store
        .submit_form(&ctx.actor(), &user.principal, &id, &form_id, &answers)
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!("/cases/{id}#assessments")).into_response()),
        Err(e) => {
            let errors = form_errors(ctx.tr, e.into())?;
            let case = state.store.case(&user.principal, &id).await?;
            let page = CaseFormPage::new(ctx, case, &form, &answers, errors);
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
        }
    }
}

/// Which questions the answers typed so far hide, as a style sheet that
/// replaces the page's `#form-hidden` (htmx, on every change): the inputs
/// themselves are not touched, so nothing typed is lost. Without JavaScript
/// every question stays visible and the server drops what does not apply.
pub async fn form_hidden(
    State(state): State<AppState>,
    Auth(_, user): Auth,
    Param((id, form_id)): Param<(String, String)>,
    body: Bytes,
) -> AppResult<Response> {
    state.store.case(&user.principal, &id).await?;
    let pairs: Vec<(String, String)> =
        serde_html_form::from_bytes(&body).map_err(|_| AppError::BadRequest("err-form"))?;
    let form = state.store.form(&form_id, None).await?;
    let answers = answers_from_form(&form, &pairs);
    let selectors: Vec<String> = form
        .hidden(&answers, &today())
        .iter()
        .filter(|p| {
            p.chars()
                .all(|c| c.is_ascii_alphanumeric() || "_[].:".contains(c))
        })
        .map(|p| format!("[data-f=\"{p}\"]"))
        .collect();
    let css = if selectors.is_empty() {
        String::new()
    } else {
        format!("{}{{display:none}}", selectors.join(","))
    };
    Ok(axum::response::Html(format!(
        "<style id=\"form-hidden\" hx-swap-oob=\"true\">{css}</style>"
    ))
    .into_response())
}

/// A kept answer, for reading: the field's label and the answer in words.
pub struct Answer {
    pub label: String,
    pub value: String,
    /// Group rows, each a list of answers.
    pub rows: Vec<Vec<Answer>>,
}

/// The answers of a submission in the reader's language, with the labels
/// of the form version it was made with.
pub fn answers_for_reading(
    ctx: &Ctx,
    form: &FormDefinition,
    answers: &Map<String, Value>,
) -> Vec<Answer> {
    fn one(ctx: &Ctx, f: &Field, v: &Value) -> Answer {
        let option = |x: &Value| {
            let s = as_text(Some(x));
            f.options
                .iter()
                .find(|o| o.value == s)
                .map(|o| t(ctx, &o.label))
                .unwrap_or(s)
        };
        let value = match (f.kind, v) {
            (FieldKind::YesNo, v) => match as_text(Some(v)).as_str() {
                "yes" | "true" => ctx.t("answer-yes"),
                "no" | "false" => ctx.t("answer-no"),
                other => other.to_owned(),
            },
            (_, Value::Array(a)) if f.kind != FieldKind::RepeatingGroup => {
                a.iter().map(option).collect::<Vec<_>>().join(", ")
            }
            (FieldKind::SingleChoice, v) => option(v),
            (FieldKind::Date, v) => ctx.tr.date(&as_text(Some(v))),
            (_, v) => as_text(Some(v)),
        };
        let rows = match (f.kind, v) {
            (FieldKind::RepeatingGroup, Value::Array(a)) => a
                .iter()
                .filter_map(|r| r.as_object())
                .map(|r| {
                    f.fields
                        .iter()
                        .filter_map(|c| r.get(&c.id).map(|v| one(ctx, c, v)))
                        .collect()
                })
                .collect(),
            _ => Vec::new(),
        };
        Answer {
            label: t(ctx, &f.label),
            value,
            rows,
        }
    }
    form.sections
        .iter()
        .flat_map(|s| s.fields.iter())
        .filter_map(|f| answers.get(&f.id).map(|v| one(ctx, f, v)))
        .collect()
}

#[derive(Template)]
#[template(path = "submission.html")]
pub struct SubmissionPage {
    pub ctx: Ctx,
    pub case: CaseRow,
    pub s: SubmissionRow,
    pub title: String,
    pub answers: Vec<Answer>,
}

pub async fn submission_page(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    Param((id, sid)): Param<(String, String)>,
) -> AppResult<Response> {
    let case = state.store.case(&user.principal, &id).await?;
    let (s, form) = state
        .store
        .submission(&ctx.actor(), &user.principal, &id, &sid)
        .await?;
    let answers = answers_for_reading(&ctx, &form, &s.answer_map());
    Ok(render(&SubmissionPage {
        title: t(&ctx, &form.title),
        ctx,
        case,
        s,
        answers,
    })?
    .into_response())
}
