//! Forms: needs assessments, home visits, case closure. A form is a versioned
//! JSON document (shipped in `forms/` or uploaded by an administrator); it is
//! checked whole when loaded (`FormDefinition::parse`), and every submission is
//! checked against the version it was made with (`FormDefinition::check`),
//! which also extracts typed values so answers can be filtered and counted.

use crate::codes;
use crate::error::ValidationErrors;
use crate::locale::{serbian_cyrillic_to_latin, Locale};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::HashMap;

/// Text in the four languages of the interface. `sr-Latn` may be left out:
/// it is then transliterated from `sr-Cyrl`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Text {
    #[serde(default)]
    pub tr: String,
    #[serde(default)]
    pub en: String,
    #[serde(rename = "sr-Cyrl", default)]
    pub sr_cyrl: String,
    #[serde(rename = "sr-Latn", default)]
    pub sr_latn: String,
}

impl Text {
    pub fn get(&self, locale: Locale) -> &str {
        match locale {
            Locale::Tr => &self.tr,
            Locale::En => &self.en,
            Locale::SrCyrl => &self.sr_cyrl,
            Locale::SrLatn => &self.sr_latn,
        }
    }

    /// Fills `sr-Latn` and names the languages still missing.
    fn complete(&mut self) -> Vec<&'static str> {
        if self.sr_latn.trim().is_empty() {
            self.sr_latn = serbian_cyrillic_to_latin(&self.sr_cyrl);
        }
        [
            ("tr", &self.tr),
            ("en", &self.en),
            ("sr-Cyrl", &self.sr_cyrl),
            ("sr-Latn", &self.sr_latn),
        ]
        .into_iter()
        .filter(|(_, t)| t.trim().is_empty())
        .map(|(l, _)| l)
        .collect()
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldKind {
    Text,
    LongText,
    Integer,
    Decimal,
    Date,
    YesNo,
    SingleChoice,
    MultipleChoice,
    RepeatingGroup,
    Calculated,
}

impl FieldKind {
    fn is_number(self) -> bool {
        matches!(
            self,
            FieldKind::Integer | FieldKind::Decimal | FieldKind::Calculated | FieldKind::YesNo
        )
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Choice {
    pub value: String,
    pub label: Text,
}

/// When a field is shown. A hidden field's answer is dropped and it is never
/// required. Fields are named by id: inside a repeating group, the item's own
/// fields first, then the form's.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Condition {
    /// The field's answer is this value (for a multiple choice: includes it).
    Equals {
        field: String,
        value: Value,
    },
    /// The field's answer is one of these values.
    In {
        field: String,
        values: Vec<Value>,
    },
    /// The field has an answer.
    Answered {
        field: String,
    },
    /// The field's number is at least this.
    AtLeast {
        field: String,
        value: f64,
    },
    /// The field's number is below this.
    Below {
        field: String,
        value: f64,
    },
    All(Vec<Condition>),
    Any(Vec<Condition>),
    Not(Box<Condition>),
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Field {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: FieldKind,
    pub label: Text,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hint: Option<Text>,
    #[serde(default)]
    pub required: bool,
    /// For integer and decimal fields.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<f64>,
    /// For text fields: a regular expression the whole answer must match.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pattern: Option<String>,
    /// For dates: whether a date after today is refused.
    #[serde(default)]
    pub not_in_future: bool,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<Choice>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub show_if: Option<Condition>,
    /// The fields of each item of a repeating group.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<Field>,
    /// For calculated fields: arithmetic (`+ - * /`, parentheses) over
    /// number fields, `count(group)`, `sum(group.field)` and `years_since(date)`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub formula: Option<String>,
    #[serde(skip)]
    compiled: Option<Expr>,
    #[serde(skip)]
    regex: Option<regex_lite::Regex>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Section {
    pub id: String,
    pub title: Text,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub show_if: Option<Condition>,
    pub fields: Vec<Field>,
}

/// A form as its definition file says, checked whole: only `parse` makes one.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FormDefinition {
    /// Stable across versions, e.g. `needs_education`.
    pub id: String,
    pub version: u32,
    pub title: Text,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<Text>,
    pub sections: Vec<Section>,
}

/// One thing wrong with a definition: a message id, where (a path such as
/// `sections[1].fields[2] (school_name)`), and what was found.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DefinitionProblem {
    pub code: &'static str,
    pub at: String,
    pub detail: String,
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("form definition: {}", .0.iter().map(|p| format!("{} at {}: {}", p.code, p.at, p.detail)).collect::<Vec<_>>().join("; "))]
pub struct DefinitionErrors(pub Vec<DefinitionProblem>);

/// A value extracted from an answer, typed, for filtering and counting. A
/// multiple choice gives one per chosen option; a repeating group's fields
/// are named `group[i].field`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TypedValue {
    pub path: String,
    pub field: String,
    pub kind: FieldKind,
    pub text: Option<String>,
    pub number: Option<f64>,
    pub date: Option<String>,
}

/// A submission's answers as checked: what is kept (hidden fields dropped,
/// calculated fields computed) and the typed values.
#[derive(Clone, Debug, PartialEq)]
pub struct CheckedAnswers {
    pub answers: Map<String, Value>,
    pub values: Vec<TypedValue>,
}

macro_rules! shipped {
    ($($name:literal),+ $(,)?) => {
        /// The forms shipped in the repository's `forms/` directory, by id:
        /// installed when the database is migrated.
        pub const SHIPPED: &[(&str, &str)] = &[
            $(($name, include_str!(concat!("../../../forms/", $name, ".json")))),+
        ];
    };
}

shipped!(
    "needs_education",
    "needs_health",
    "needs_employment",
    "needs_housing",
    "needs_social_assistance",
    "needs_civil_documents",
    "needs_legal",
    "home_visit",
    "case_closure",
);

const ID_MAX: usize = 64;

fn valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= ID_MAX
        && id.starts_with(|c: char| c.is_ascii_lowercase())
        && id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

impl FormDefinition {
    /// Reads and checks a definition: JSON syntax and keys (unknown keys are
    /// refused, so a misspelt one is not silently ignored), ids, every text in
    /// the four languages, options, ranges, patterns, conditions and formulas
    /// that name fields that exist. Every problem is reported.
    pub fn parse(json: &str) -> Result<FormDefinition, DefinitionErrors> {
        let mut form: FormDefinition = serde_json::from_str(json).map_err(|e| {
            DefinitionErrors(vec![DefinitionProblem {
                code: "form-def-syntax",
                at: format!("line {}, column {}", e.line(), e.column()),
                detail: e.to_string(),
            }])
        })?;
        let mut problems = Vec::new();
        let mut p = |code: &'static str, at: &str, detail: String| {
            problems.push(DefinitionProblem {
                code,
                at: at.to_owned(),
                detail,
            })
        };
        if !valid_id(&form.id) {
            p("form-def-bad-id", "id", form.id.clone());
        }
        if form.version == 0 {
            p("form-def-bad-version", "version", "0".into());
        }
        for lang in form.title.complete() {
            p("form-def-missing-language", "title", lang.into());
        }
        if let Some(d) = form.description.as_mut() {
            for lang in d.complete() {
                p("form-def-missing-language", "description", lang.into());
            }
        }
        if form.sections.is_empty() {
            p("form-def-empty", "sections", String::new());
        }
        // Every field id, with its kind and whether it is in a group (by the group's id).
        let mut known: HashMap<String, (FieldKind, Option<String>)> = HashMap::new();
        let mut section_ids = Vec::new();
        for (s, section) in form.sections.iter_mut().enumerate() {
            let at = format!("sections[{s}] ({})", section.id);
            if !valid_id(&section.id) || section_ids.contains(&section.id) {
                p("form-def-bad-id", &at, section.id.clone());
            }
            section_ids.push(section.id.clone());
            for lang in section.title.complete() {
                p(
                    "form-def-missing-language",
                    &format!("{at}.title"),
                    lang.into(),
                );
            }
            if let Some(c) = &section.show_if {
                check_condition(c, &known, None, &format!("{at}.show_if"), &mut p);
            }
            for (f, field) in section.fields.iter_mut().enumerate() {
                let at = format!("{at}.fields[{f}] ({})", field.id);
                check_field(field, &at, None, &mut known, &mut p);
            }
        }
        if problems.is_empty() {
            Ok(form)
        } else {
            Err(DefinitionErrors(problems))
        }
    }

    /// Every field, groups' fields included, with the group it is in.
    pub fn fields(&self) -> Vec<(&Field, Option<&Field>)> {
        let mut out = Vec::new();
        for s in &self.sections {
            for f in &s.fields {
                out.push((f, None));
                for g in &f.fields {
                    out.push((g, Some(f)));
                }
            }
        }
        out
    }

    /// Checks a submission's answers (a JSON object, field id → answer; a
    /// repeating group's answer is a list of such objects). Answers may come
    /// typed (JSON API) or as text (an HTML form). `today` is `YYYY-MM-DD`.
    /// Errors name fields by path (`children[1].age`) with a message id.
    pub fn check(
        &self,
        answers: &Map<String, Value>,
        today: &str,
    ) -> Result<CheckedAnswers, ValidationErrors> {
        self.walk(answers, today, &mut Vec::new())
    }

    /// What the answers given so far hide: the paths of fields (`pregnancy_week`,
    /// `children[0].school`) and sections (`section:<id>`) whose show-if
    /// condition is false. For a form being filled, so the page can hide them.
    pub fn hidden(&self, answers: &Map<String, Value>, today: &str) -> Vec<String> {
        let mut hidden = Vec::new();
        let _ = self.walk(answers, today, &mut hidden);
        hidden
    }

    fn walk(
        &self,
        answers: &Map<String, Value>,
        today: &str,
        hidden: &mut Vec<String>,
    ) -> Result<CheckedAnswers, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let mut kept = Map::new();
        let mut values = Vec::new();
        for section in &self.sections {
            let shown = section
                .show_if
                .as_ref()
                .is_none_or(|c| evaluate(c, &kept, None));
            if !shown {
                hidden.push(format!("section:{}", section.id));
                continue;
            }
            for field in &section.fields {
                check_answer(
                    field,
                    answers,
                    None,
                    "",
                    today,
                    &mut kept,
                    &mut values,
                    &mut errors,
                    hidden,
                );
            }
        }
        // Unknown answers are refused, not dropped: a client sending a field
        // the form does not have is out of step with the form's version.
        let ids: Vec<&str> = self
            .sections
            .iter()
            .flat_map(|s| s.fields.iter().map(|f| f.id.as_str()))
            .collect();
        for key in answers.keys() {
            if !ids.contains(&key.as_str()) {
                errors.push(key.clone(), "form-err-unknown-field");
            }
        }
        errors.into_result()?;
        Ok(CheckedAnswers {
            answers: kept,
            values,
        })
    }
}

type Report<'a> = dyn FnMut(&'static str, &str, String) + 'a;

fn check_field(
    field: &mut Field,
    at: &str,
    group: Option<&str>,
    known: &mut HashMap<String, (FieldKind, Option<String>)>,
    p: &mut Report,
) {
    if !valid_id(&field.id) {
        p("form-def-bad-id", at, field.id.clone());
    } else if known.contains_key(&field.id) {
        p("form-def-duplicate-id", at, field.id.clone());
    }
    for lang in field.label.complete() {
        p(
            "form-def-missing-language",
            &format!("{at}.label"),
            lang.into(),
        );
    }
    if let Some(h) = field.hint.as_mut() {
        for lang in h.complete() {
            p(
                "form-def-missing-language",
                &format!("{at}.hint"),
                lang.into(),
            );
        }
    }
    // The condition may name only fields before this one.
    if let Some(c) = &field.show_if {
        check_condition(c, known, group, &format!("{at}.show_if"), p);
    }
    let kind = field.kind;
    let choice = matches!(kind, FieldKind::SingleChoice | FieldKind::MultipleChoice);
    if choice {
        if field.options.is_empty() {
            p("form-def-no-options", at, String::new());
        }
        let mut seen: Vec<&str> = Vec::new();
        for (o, option) in field.options.iter_mut().enumerate() {
            if option.value.trim().is_empty() || seen.contains(&option.value.as_str()) {
                p(
                    "form-def-bad-option",
                    &format!("{at}.options[{o}]"),
                    option.value.clone(),
                );
            }
            seen.push(&option.value);
            for lang in option.label.complete() {
                p(
                    "form-def-missing-language",
                    &format!("{at}.options[{o}].label"),
                    lang.into(),
                );
            }
        }
    } else if !field.options.is_empty() {
        p("form-def-options-not-allowed", at, format!("{kind:?}"));
    }
    let number = matches!(kind, FieldKind::Integer | FieldKind::Decimal);
    if (field.min.is_some() || field.max.is_some()) && !number {
        p("form-def-range-not-allowed", at, format!("{kind:?}"));
    }
    if let (Some(lo), Some(hi)) = (field.min, field.max) {
        if lo > hi {
            p("form-def-bad-range", at, format!("{lo} > {hi}"));
        }
    }
    if let Some(pattern) = &field.pattern {
        if !matches!(kind, FieldKind::Text) {
            p("form-def-pattern-not-allowed", at, format!("{kind:?}"));
        }
        match regex_lite::Regex::new(&format!("^(?:{pattern})$")) {
            Ok(r) => field.regex = Some(r),
            Err(e) => p("form-def-bad-pattern", at, e.to_string()),
        }
    }
    if field.not_in_future && kind != FieldKind::Date {
        p(
            "form-def-not-in-future-not-allowed",
            at,
            format!("{kind:?}"),
        );
    }
    match kind {
        FieldKind::RepeatingGroup => {
            if group.is_some() {
                p("form-def-nested-group", at, String::new());
            }
            if field.fields.is_empty() {
                p("form-def-empty", &format!("{at}.fields"), String::new());
            }
        }
        _ if !field.fields.is_empty() => {
            p("form-def-fields-not-allowed", at, format!("{kind:?}"));
        }
        _ => {}
    }
    if kind == FieldKind::Calculated {
        match field.formula.as_deref().map(parse_formula) {
            None => p("form-def-no-formula", at, String::new()),
            Some(Err(detail)) if detail.starts_with(TOO_COMPLEX) => {
                p("form-def-formula-too-complex", at, detail)
            }
            Some(Err(detail)) => p("form-def-bad-formula", at, detail),
            Some(Ok(expr)) => {
                check_expr(&expr, known, group, at, p);
                field.compiled = Some(expr);
            }
        }
        if field.required {
            p("form-def-calculated-required", at, String::new());
        }
    } else if field.formula.is_some() {
        p("form-def-formula-not-allowed", at, format!("{kind:?}"));
    }
    known.insert(field.id.clone(), (kind, group.map(str::to_owned)));
    if kind == FieldKind::RepeatingGroup {
        let id = field.id.clone();
        for (g, inner) in field.fields.iter_mut().enumerate() {
            let at = format!("{at}.fields[{g}] ({})", inner.id);
            check_field(inner, &at, Some(&id), known, p);
        }
    }
}

/// A field a condition or formula names must exist before it, and be at the
/// form's level or in the same group.
fn reachable(
    id: &str,
    known: &HashMap<String, (FieldKind, Option<String>)>,
    group: Option<&str>,
) -> Option<FieldKind> {
    known
        .get(id)
        .filter(|(_, g)| g.is_none() || g.as_deref() == group)
        .map(|(k, _)| *k)
}

fn check_condition(
    c: &Condition,
    known: &HashMap<String, (FieldKind, Option<String>)>,
    group: Option<&str>,
    at: &str,
    p: &mut Report,
) {
    match c {
        Condition::Equals { field, .. }
        | Condition::In { field, .. }
        | Condition::Answered { field } => {
            if reachable(field, known, group).is_none() {
                p("form-def-unknown-field", at, field.clone());
            }
        }
        Condition::AtLeast { field, .. } | Condition::Below { field, .. } => {
            match reachable(field, known, group) {
                None => p("form-def-unknown-field", at, field.clone()),
                Some(k) if !k.is_number() => p("form-def-not-a-number", at, field.clone()),
                Some(_) => {}
            }
        }
        Condition::All(cs) | Condition::Any(cs) => {
            for c in cs {
                check_condition(c, known, group, at, p);
            }
        }
        Condition::Not(c) => check_condition(c, known, group, at, p),
    }
}

fn check_expr(
    e: &Expr,
    known: &HashMap<String, (FieldKind, Option<String>)>,
    group: Option<&str>,
    at: &str,
    p: &mut Report,
) {
    match e {
        Expr::Number(_) => {}
        Expr::Field(id) => match reachable(id, known, group) {
            None => p("form-def-unknown-field", at, id.clone()),
            Some(k) if !k.is_number() => p("form-def-not-a-number", at, id.clone()),
            Some(_) => {}
        },
        Expr::Count(g) => match known.get(g) {
            Some((FieldKind::RepeatingGroup, None)) => {}
            _ => p("form-def-not-a-group", at, g.clone()),
        },
        Expr::Sum(g, f) => match (known.get(g), known.get(f)) {
            (Some((FieldKind::RepeatingGroup, None)), Some((k, Some(in_group))))
                if in_group == g && k.is_number() => {}
            _ => p("form-def-not-a-group", at, format!("{g}.{f}")),
        },
        Expr::YearsSince(id) => match reachable(id, known, group) {
            Some(FieldKind::Date) => {}
            _ => p("form-def-not-a-date", at, id.clone()),
        },
        Expr::Neg(x) => check_expr(x, known, group, at, p),
        Expr::Binary(_, a, b) => {
            check_expr(a, known, group, at, p);
            check_expr(b, known, group, at, p);
        }
    }
}

/// A calculated field's formula, parsed.
#[derive(Clone, Debug)]
enum Expr {
    Number(f64),
    Field(String),
    Count(String),
    Sum(String, String),
    YearsSince(String),
    Neg(Box<Expr>),
    Binary(char, Box<Expr>, Box<Expr>),
}

/// How a refusal for size or nesting begins (`form-def-formula-too-complex`).
const TOO_COMPLEX: &str = "too complex: ";
/// The longest formula accepted, in bytes: a real one is a line.
pub const MAX_FORMULA_LEN: usize = 500;
/// The deepest nesting of parentheses and signs accepted.
pub const MAX_FORMULA_DEPTH: usize = 20;
/// The most numbers, fields and functions one formula may name.
pub const MAX_FORMULA_TERMS: usize = 100;

/// Recursive descent over `expr := term (('+'|'-') term)*`,
/// `term := factor (('*'|'/') factor)*`,
/// `factor := number | name | name '(' name ('.' name)? ')' | '(' expr ')' | '-' factor`.
///
/// Bounded in length, nesting and terms, so that neither the parser nor the
/// recursive checks and evaluation of the tree can exhaust the stack: a tree
/// has at most `MAX_FORMULA_TERMS` leaves and is at most
/// `(MAX_FORMULA_DEPTH + 1) * MAX_FORMULA_TERMS` deep.
fn parse_formula(text: &str) -> Result<Expr, String> {
    if text.len() > MAX_FORMULA_LEN {
        return Err(format!(
            "{TOO_COMPLEX}longer than {MAX_FORMULA_LEN} characters"
        ));
    }
    struct P<'a> {
        s: &'a [u8],
        i: usize,
        depth: usize,
        terms: usize,
    }
    impl P<'_> {
        fn skip(&mut self) {
            while self.s.get(self.i).is_some_and(u8::is_ascii_whitespace) {
                self.i += 1;
            }
        }
        fn peek(&mut self) -> Option<u8> {
            self.skip();
            self.s.get(self.i).copied()
        }
        fn eat(&mut self, c: u8) -> bool {
            if self.peek() == Some(c) {
                self.i += 1;
                true
            } else {
                false
            }
        }
        fn name(&mut self) -> Option<String> {
            self.skip();
            let start = self.i;
            while self
                .s
                .get(self.i)
                .is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'_')
            {
                self.i += 1;
            }
            (self.i > start).then(|| String::from_utf8_lossy(&self.s[start..self.i]).into_owned())
        }
        fn expr(&mut self) -> Result<Expr, String> {
            let mut left = self.term()?;
            while let Some(op) = self.peek().filter(|c| *c == b'+' || *c == b'-') {
                self.i += 1;
                left = Expr::Binary(op as char, Box::new(left), Box::new(self.term()?));
            }
            Ok(left)
        }
        fn term(&mut self) -> Result<Expr, String> {
            let mut left = self.factor()?;
            while let Some(op) = self.peek().filter(|c| *c == b'*' || *c == b'/') {
                self.i += 1;
                left = Expr::Binary(op as char, Box::new(left), Box::new(self.factor()?));
            }
            Ok(left)
        }
        fn nested<T>(
            &mut self,
            f: impl FnOnce(&mut Self) -> Result<T, String>,
        ) -> Result<T, String> {
            if self.depth >= MAX_FORMULA_DEPTH {
                return Err(format!(
                    "{TOO_COMPLEX}more than {MAX_FORMULA_DEPTH} levels of parentheses or signs at {}",
                    self.i + 1
                ));
            }
            self.depth += 1;
            let r = f(self);
            self.depth -= 1;
            r
        }
        fn factor(&mut self) -> Result<Expr, String> {
            if self.peek().is_some_and(|c| c != b'-' && c != b'(') {
                self.terms += 1;
                if self.terms > MAX_FORMULA_TERMS {
                    return Err(format!(
                        "{TOO_COMPLEX}more than {MAX_FORMULA_TERMS} numbers and fields"
                    ));
                }
            }
            match self.peek() {
                Some(b'-') => {
                    self.i += 1;
                    self.nested(|p| Ok(Expr::Neg(Box::new(p.factor()?))))
                }
                Some(b'(') => {
                    self.i += 1;
                    let e = self.nested(Self::expr)?;
                    if !self.eat(b')') {
                        return Err(format!("')' expected at {}", self.i + 1));
                    }
                    Ok(e)
                }
                Some(c) if c.is_ascii_digit() => {
                    let start = self.i;
                    while self
                        .s
                        .get(self.i)
                        .is_some_and(|c| c.is_ascii_digit() || *c == b'.')
                    {
                        self.i += 1;
                    }
                    let t = String::from_utf8_lossy(&self.s[start..self.i]);
                    t.parse()
                        .map(Expr::Number)
                        .map_err(|_| format!("not a number: {t}"))
                }
                Some(c) if c.is_ascii_lowercase() => {
                    let name = self.name().unwrap_or_default();
                    if !self.eat(b'(') {
                        return Ok(Expr::Field(name));
                    }
                    let arg = self
                        .name()
                        .ok_or_else(|| format!("a field name expected in {name}()"))?;
                    let inner = if self.eat(b'.') {
                        Some(
                            self.name()
                                .ok_or_else(|| format!("a field name expected after {arg}."))?,
                        )
                    } else {
                        None
                    };
                    if !self.eat(b')') {
                        return Err(format!("')' expected after {name}({arg}"));
                    }
                    match (name.as_str(), inner) {
                        ("count", None) => Ok(Expr::Count(arg)),
                        ("sum", Some(f)) => Ok(Expr::Sum(arg, f)),
                        ("years_since", None) => Ok(Expr::YearsSince(arg)),
                        _ => Err(format!("unknown function or arguments: {name}()")),
                    }
                }
                Some(c) => Err(format!("unexpected '{}' at {}", c as char, self.i + 1)),
                None => Err("the formula ends too soon".into()),
            }
        }
    }
    let mut p = P {
        s: text.as_bytes(),
        i: 0,
        depth: 0,
        terms: 0,
    };
    let e = p.expr()?;
    if p.peek().is_some() {
        return Err(format!("unexpected text at {}", p.i + 1));
    }
    Ok(e)
}

/// A formula's value; `None` when a value it needs is not answered (or a
/// division by zero).
fn compute(
    e: &Expr,
    top: &Map<String, Value>,
    item: Option<&Map<String, Value>>,
    today: &str,
) -> Option<f64> {
    let lookup = |id: &str| item.and_then(|i| i.get(id)).or_else(|| top.get(id));
    match e {
        Expr::Number(n) => Some(*n),
        Expr::Field(id) => lookup(id).and_then(number_of),
        Expr::Count(g) => Some(top.get(g).and_then(Value::as_array).map_or(0, Vec::len) as f64),
        Expr::Sum(g, f) => Some(
            top.get(g)
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|i| i.get(f).and_then(number_of))
                .sum(),
        ),
        Expr::YearsSince(id) => {
            let date = lookup(id)?.as_str()?;
            let ((y0, md0), (y1, md1)) = (year_and_rest(date)?, year_and_rest(today)?);
            Some((y1 - y0 - i64::from(md1 < md0)) as f64)
        }
        Expr::Neg(x) => compute(x, top, item, today).map(|v| -v),
        Expr::Binary(op, a, b) => {
            let (a, b) = (compute(a, top, item, today)?, compute(b, top, item, today)?);
            match op {
                '+' => Some(a + b),
                '-' => Some(a - b),
                '*' => Some(a * b),
                _ if b == 0.0 => None,
                _ => Some(a / b),
            }
        }
    }
}

/// `YYYY-MM-DD` as the year and `MM-DD`.
fn year_and_rest(d: &str) -> Option<(i64, &str)> {
    Some((d.get(..4)?.parse().ok()?, d.get(5..)?))
}

fn number_of(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::Bool(b) => Some(f64::from(u8::from(*b))),
        _ => None,
    }
}

fn evaluate(c: &Condition, top: &Map<String, Value>, item: Option<&Map<String, Value>>) -> bool {
    let lookup = |id: &str| item.and_then(|i| i.get(id)).or_else(|| top.get(id));
    let is = |answer: &Value, value: &Value| match answer {
        Value::Array(chosen) => chosen.contains(value),
        other => other == value,
    };
    match c {
        Condition::Equals { field, value } => lookup(field).is_some_and(|a| is(a, value)),
        Condition::In { field, values } => {
            lookup(field).is_some_and(|a| values.iter().any(|v| is(a, v)))
        }
        Condition::Answered { field } => lookup(field).is_some(),
        Condition::AtLeast { field, value } => lookup(field)
            .and_then(number_of)
            .is_some_and(|n| n >= *value),
        Condition::Below { field, value } => lookup(field)
            .and_then(number_of)
            .is_some_and(|n| n < *value),
        Condition::All(cs) => cs.iter().all(|c| evaluate(c, top, item)),
        Condition::Any(cs) => cs.iter().any(|c| evaluate(c, top, item)),
        Condition::Not(c) => !evaluate(c, top, item),
    }
}

/// Whether an answer is empty: absent, null, "" or an empty list.
fn blank(v: Option<&Value>) -> bool {
    match v {
        None | Some(Value::Null) => true,
        Some(Value::String(s)) => s.trim().is_empty(),
        Some(Value::Array(a)) => a.is_empty(),
        _ => false,
    }
}

/// An answer read as its field's type: `Ok(value)` to keep, or a message id.
fn read_answer(field: &Field, raw: &Value, today: &str) -> Result<Value, &'static str> {
    let text = |v: &Value| match v {
        Value::String(s) => Some(s.trim().to_owned()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    };
    let in_range = |n: f64| -> Result<(), &'static str> {
        if field.min.is_some_and(|lo| n < lo) {
            return Err("form-err-below-min");
        }
        if field.max.is_some_and(|hi| n > hi) {
            return Err("form-err-above-max");
        }
        Ok(())
    };
    match field.kind {
        FieldKind::Text | FieldKind::LongText => {
            let s = text(raw).ok_or("form-err-text")?;
            let limit = if field.kind == FieldKind::Text {
                500
            } else {
                10_000
            };
            if s.chars().count() > limit {
                return Err("form-err-too-long");
            }
            if field.regex.as_ref().is_some_and(|r| !r.is_match(&s)) {
                return Err("form-err-pattern");
            }
            Ok(Value::String(s))
        }
        FieldKind::Integer => {
            let n: i64 = match raw {
                Value::Number(n) => n.as_i64().ok_or("form-err-integer")?,
                Value::String(s) => s.trim().parse().map_err(|_| "form-err-integer")?,
                _ => return Err("form-err-integer"),
            };
            in_range(n as f64)?;
            Ok(Value::from(n))
        }
        FieldKind::Decimal => {
            let n: f64 = match raw {
                Value::Number(n) => n.as_f64().ok_or("form-err-decimal")?,
                // Both decimal separators people write.
                Value::String(s) => s
                    .trim()
                    .replace(',', ".")
                    .parse()
                    .map_err(|_| "form-err-decimal")?,
                _ => return Err("form-err-decimal"),
            };
            if !n.is_finite() {
                return Err("form-err-decimal");
            }
            in_range(n)?;
            Ok(Value::from(n))
        }
        FieldKind::Date => {
            let s = text(raw).ok_or("err-date")?;
            let d = codes::optional_date(&s)?.ok_or("err-date")?;
            if field.not_in_future && d.as_str() > today {
                return Err("form-err-future");
            }
            Ok(Value::String(d))
        }
        FieldKind::YesNo => match raw {
            Value::Bool(b) => Ok(Value::Bool(*b)),
            Value::String(s) => match s.trim() {
                "yes" | "true" | "1" | "on" => Ok(Value::Bool(true)),
                "no" | "false" | "0" => Ok(Value::Bool(false)),
                _ => Err("form-err-yes-no"),
            },
            _ => Err("form-err-yes-no"),
        },
        FieldKind::SingleChoice => {
            let s = text(raw).ok_or("err-choice")?;
            field
                .options
                .iter()
                .any(|o| o.value == s)
                .then_some(Value::String(s))
                .ok_or("err-choice")
        }
        FieldKind::MultipleChoice => {
            let chosen: Vec<String> = match raw {
                Value::Array(a) => a
                    .iter()
                    .map(|v| text(v).ok_or("err-choice"))
                    .collect::<Result<_, _>>()?,
                other => vec![text(other).ok_or("err-choice")?],
            };
            let mut out: Vec<Value> = Vec::new();
            // In the definition's order, each once.
            for o in &field.options {
                if chosen.contains(&o.value) {
                    out.push(Value::String(o.value.clone()));
                }
            }
            if chosen
                .iter()
                .any(|c| !field.options.iter().any(|o| &o.value == c))
            {
                return Err("err-choice");
            }
            Ok(Value::Array(out))
        }
        // Not read from an answer: computed or checked item by item.
        FieldKind::Calculated | FieldKind::RepeatingGroup => Err("form-err-not-an-answer"),
    }
}

fn typed(field: &Field, path: &str, v: &Value) -> Vec<TypedValue> {
    let base = TypedValue {
        path: path.to_owned(),
        field: field.id.clone(),
        kind: field.kind,
        text: None,
        number: None,
        date: None,
    };
    match (field.kind, v) {
        (FieldKind::MultipleChoice, Value::Array(chosen)) => chosen
            .iter()
            .map(|c| TypedValue {
                text: c.as_str().map(str::to_owned),
                ..base.clone()
            })
            .collect(),
        (FieldKind::Date, Value::String(d)) => vec![TypedValue {
            date: Some(d.clone()),
            ..base
        }],
        (FieldKind::Text | FieldKind::LongText | FieldKind::SingleChoice, Value::String(s)) => {
            vec![TypedValue {
                text: Some(s.clone()),
                ..base
            }]
        }
        (_, v) => vec![TypedValue {
            number: number_of(v),
            ..base
        }],
    }
}

#[allow(clippy::too_many_arguments)]
fn check_answer(
    field: &Field,
    given: &Map<String, Value>,
    top: Option<&Map<String, Value>>,
    prefix: &str,
    today: &str,
    kept: &mut Map<String, Value>,
    values: &mut Vec<TypedValue>,
    errors: &mut ValidationErrors,
    hidden: &mut Vec<String>,
) {
    let path = format!("{prefix}{}", field.id);
    // Conditions see the answers kept so far: this item's, then the form's.
    let (scope_top, scope_item) = match top {
        Some(t) => (t, Some(&*kept)),
        None => (&*kept, None),
    };
    if let Some(c) = &field.show_if {
        if !evaluate(c, scope_top, scope_item) {
            hidden.push(path);
            return;
        }
    }
    match field.kind {
        FieldKind::Calculated => {
            if let Some(v) = field
                .compiled
                .as_ref()
                .and_then(|e| compute(e, scope_top, scope_item, today))
                .filter(|v| v.is_finite())
            {
                let v = (v * 100.0).round() / 100.0;
                values.extend(typed(field, &path, &Value::from(v)));
                kept.insert(field.id.clone(), Value::from(v));
            }
        }
        FieldKind::RepeatingGroup => {
            let items = match given.get(&field.id) {
                None | Some(Value::Null) => Vec::new(),
                Some(Value::Array(items)) => items.clone(),
                Some(_) => {
                    errors.push(path, "form-err-group");
                    return;
                }
            };
            if field.required && items.is_empty() {
                errors.push(path.clone(), "err-required");
            }
            let mut out = Vec::new();
            for (i, item) in items.iter().enumerate() {
                let Some(item) = item.as_object() else {
                    errors.push(format!("{path}[{i}]"), "form-err-group");
                    continue;
                };
                let mut kept_item = Map::new();
                let item_prefix = format!("{path}[{i}].");
                for inner in &field.fields {
                    check_answer(
                        inner,
                        item,
                        Some(&*kept),
                        &item_prefix,
                        today,
                        &mut kept_item,
                        values,
                        errors,
                        hidden,
                    );
                }
                for key in item.keys() {
                    if !field.fields.iter().any(|f| &f.id == key) {
                        errors.push(format!("{item_prefix}{key}"), "form-err-unknown-field");
                    }
                }
                out.push(Value::Object(kept_item));
            }
            if !out.is_empty() {
                kept.insert(field.id.clone(), Value::Array(out));
            }
        }
        _ => {
            let raw = given.get(&field.id);
            if blank(raw) {
                if field.required {
                    errors.push(path, "err-required");
                }
                return;
            }
            match raw.map(|r| read_answer(field, r, today)) {
                Some(Ok(v)) => {
                    values.extend(typed(field, &path, &v));
                    kept.insert(field.id.clone(), v);
                }
                Some(Err(code)) => errors.push(path, code),
                None => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_answers_so_far_say_which_questions_are_hidden() {
        let form = SHIPPED
            .iter()
            .find(|(id, _)| *id == "needs_education")
            .map(|(_, j)| FormDefinition::parse(j).unwrap())
            .unwrap();
        let given = |v: Value| v.as_object().unwrap().clone();
        let hidden = form.hidden(&given(json!({})), "2026-11-24");
        assert!(hidden.contains(&"school_name".to_owned()), "{hidden:?}");
        let hidden = form.hidden(&given(json!({"enrolled": "yes"})), "2026-11-24");
        assert!(!hidden.contains(&"school_name".to_owned()), "{hidden:?}");
        assert!(hidden.contains(&"days_absent".to_owned()), "{hidden:?}");
        let hidden = form.hidden(
            &given(json!({"enrolled": "yes", "attendance": "irregular"})),
            "2026-11-24",
        );
        assert!(!hidden.contains(&"days_absent".to_owned()), "{hidden:?}");
    }

    fn text(en: &str) -> Value {
        json!({"tr": format!("{en} (tr)"), "en": en, "sr-Cyrl": "Школа"})
    }

    fn school_form() -> Value {
        json!({
            "id": "needs_education",
            "version": 2,
            "title": text("Education needs"),
            "sections": [{
                "id": "child",
                "title": text("Child"),
                "fields": [
                    {"id": "birth", "type": "date", "label": text("Birth date"), "required": true, "not_in_future": true},
                    {"id": "age", "type": "calculated", "label": text("Age"), "formula": "years_since(birth)"},
                    {"id": "enrolled", "type": "yes_no", "label": text("Enrolled"), "required": true},
                    {"id": "school", "type": "text", "label": text("School"), "required": true,
                     "show_if": {"equals": {"field": "enrolled", "value": true}}},
                    {"id": "why_not", "type": "multiple_choice", "label": text("Why not"),
                     "show_if": {"not": {"equals": {"field": "enrolled", "value": true}}},
                     "options": [
                        {"value": "documents", "label": text("No documents")},
                        {"value": "distance", "label": text("Too far")},
                        {"value": "cost", "label": text("Cost")}
                     ]},
                    {"id": "absences", "type": "integer", "label": text("Days absent"), "min": 0, "max": 200},
                    {"id": "id_number", "type": "text", "label": text("ID"), "pattern": "[0-9]{11}"},
                    {"id": "siblings", "type": "repeating_group", "label": text("Siblings"), "fields": [
                        {"id": "sibling_age", "type": "integer", "label": text("Age"), "required": true, "min": 0},
                        {"id": "sibling_in_school", "type": "yes_no", "label": text("In school"),
                         "show_if": {"at_least": {"field": "sibling_age", "value": 6}}}
                    ]},
                    {"id": "children", "type": "calculated", "label": text("Children"), "formula": "count(siblings) + 1"},
                    {"id": "sibling_years", "type": "calculated", "label": text("Sum"), "formula": "sum(siblings.sibling_age) / count(siblings)"}
                ]
            }]
        })
    }

    fn parse(v: &Value) -> Result<FormDefinition, DefinitionErrors> {
        FormDefinition::parse(&v.to_string())
    }

    fn codes(e: DefinitionErrors) -> Vec<&'static str> {
        e.0.iter().map(|p| p.code).collect()
    }

    #[test]
    fn a_definition_parses_and_fills_serbian_latin_from_cyrillic() {
        let form = parse(&school_form()).expect("valid");
        assert_eq!(form.version, 2);
        assert_eq!(form.title.get(Locale::SrLatn), "Škola");
        assert_eq!(form.fields().len(), 12);
        // What an administrator downloads is what they uploaded (plus sr-Latn).
        let again =
            FormDefinition::parse(&serde_json::to_string(&form).unwrap()).expect("round trip");
        assert_eq!(again.fields().len(), 12);
    }

    #[test]
    fn malformed_definitions_are_refused_naming_every_problem() {
        let e = FormDefinition::parse("{\"id\": \"x\",\n \"version\": }").unwrap_err();
        assert_eq!(codes(e.clone()), ["form-def-syntax"]);
        assert!(e.0[0].at.starts_with("line 2"), "{e:?}");

        let mut misspelt = school_form();
        misspelt["sections"][0]["fields"][0]["lable"] = json!("x");
        let e = parse(&misspelt).unwrap_err();
        assert!(e.0[0].detail.contains("unknown field `lable`"), "{e:?}");

        let mut bad = school_form();
        let fields = &mut bad["sections"][0]["fields"];
        fields[1]["formula"] = json!("years_since(enrolled"); // unclosed
        fields[2]["id"] = json!("birth"); // duplicate
        fields[3]["show_if"] = json!({"equals": {"field": "later_field", "value": 1}});
        fields[4]["options"] = json!([]);
        fields[5]["min"] = json!(10);
        fields[5]["max"] = json!(1);
        fields[6]["pattern"] = json!("([0-9]");
        fields[8]["label"] = json!({"en": "Children", "tr": ""});
        fields[9]["formula"] = json!("count(birth)");
        let e = parse(&bad).unwrap_err();
        let found = codes(e.clone());
        for code in [
            "form-def-bad-formula",
            "form-def-duplicate-id",
            "form-def-unknown-field",
            "form-def-no-options",
            "form-def-bad-range",
            "form-def-bad-pattern",
            "form-def-missing-language",
            "form-def-not-a-group",
        ] {
            assert!(found.contains(&code), "{code} not in {e:?}");
        }
        // Each problem says where.
        let dup =
            e.0.iter()
                .find(|p| p.code == "form-def-duplicate-id")
                .unwrap();
        assert_eq!(dup.at, "sections[0] (child).fields[2] (birth)");
        // A condition may not look ahead to a field not yet asked.
        let mut ahead = school_form();
        ahead["sections"][0]["fields"][0]["show_if"] = json!({"answered": {"field": "school"}});
        assert_eq!(
            codes(parse(&ahead).unwrap_err()),
            ["form-def-unknown-field"]
        );
    }

    #[test]
    fn answers_are_checked_by_type_range_pattern_and_visibility() {
        let form = parse(&school_form()).unwrap();
        let answers = json!({
            "birth": "2015-09-20",
            "enrolled": "no",          // as an HTML form sends it
            "school": "Should be dropped: hidden",
            "why_not": ["cost", "documents"],
            "absences": "12",
            "siblings": [{"sibling_age": 4}, {"sibling_age": "9", "sibling_in_school": true}]
        });
        let checked = form
            .check(answers.as_object().unwrap(), "2026-11-24")
            .expect("valid");
        let a = &checked.answers;
        assert_eq!(a["enrolled"], json!(false));
        assert!(!a.contains_key("school"), "hidden answers are not kept");
        assert_eq!(a["why_not"], json!(["documents", "cost"]));
        assert_eq!(a["absences"], json!(12));
        assert_eq!(a["age"], json!(11.0));
        assert_eq!(a["children"], json!(3.0));
        assert_eq!(a["sibling_years"], json!(6.5));
        // The four-year-old is not asked about school.
        assert_eq!(a["siblings"][0], json!({"sibling_age": 4}));
        // Typed values: one per chosen option, group fields by path.
        let why: Vec<_> = checked
            .values
            .iter()
            .filter(|v| v.field == "why_not")
            .collect();
        assert_eq!(why.len(), 2);
        assert!(checked
            .values
            .iter()
            .any(|v| v.path == "siblings[1].sibling_age" && v.number == Some(9.0)));
        assert!(checked
            .values
            .iter()
            .any(|v| v.field == "birth" && v.date.as_deref() == Some("2015-09-20")));

        let bad = json!({
            "birth": "2030-01-01",
            "enrolled": true,
            "absences": 500,
            "id_number": "12ab",
            "why_not": ["cost"],
            "siblings": [{"sibling_age": -1}, {}],
            "shoe_size": 40
        });
        let errors = form
            .check(bad.as_object().unwrap(), "2026-11-24")
            .unwrap_err();
        let got: Vec<(&str, &str)> = errors
            .0
            .iter()
            .map(|e| (e.field.as_str(), e.code))
            .collect();
        for want in [
            ("birth", "form-err-future"),
            ("school", "err-required"),
            ("absences", "form-err-above-max"),
            ("id_number", "form-err-pattern"),
            ("siblings[0].sibling_age", "form-err-below-min"),
            ("siblings[1].sibling_age", "err-required"),
            ("shoe_size", "form-err-unknown-field"),
        ] {
            assert!(got.contains(&want), "{want:?} not in {got:?}");
        }
        // why_not is hidden when enrolled: not an error, just dropped.
        assert!(!got.iter().any(|(f, _)| *f == "why_not"));
    }

    #[test]
    fn formulas_parse_with_precedence_and_refuse_junk() {
        let e = parse_formula("1 + 2 * (3 - 1) / 4").unwrap();
        let empty = Map::new();
        assert_eq!(compute(&e, &empty, None, "2026-01-01"), Some(2.0));
        for junk in ["", "1 +", "(1", "foo(x)", "sum(g)", "1 $ 2", "count(a.b)"] {
            assert!(parse_formula(junk).is_err(), "{junk}");
        }
        let div = parse_formula("1 / 0").unwrap();
        assert_eq!(compute(&div, &empty, None, "2026-01-01"), None);
    }

    /// The outside test's two formulas that overflowed the stack, and their
    /// neighbours just inside the bounds.
    #[test]
    fn formulas_are_bounded_in_length_nesting_and_terms() {
        let deep = format!("{}1{}", "(".repeat(3000), ")".repeat(3000));
        let long = vec!["a"; 10_000].join("+");
        let signs = format!("{}1", "-".repeat(400));
        for bad in [&deep, &long, &signs] {
            let err = parse_formula(bad).unwrap_err();
            assert!(err.starts_with(TOO_COMPLEX), "{err}");
        }
        let just_deep = format!("{}1{}", "(".repeat(20), ")".repeat(20));
        assert!(parse_formula(&just_deep).is_ok());
        let many = vec!["1"; 100].join("+");
        let e = parse_formula(&many).unwrap();
        assert_eq!(compute(&e, &Map::new(), None, "2026-01-01"), Some(100.0));
        assert!(parse_formula(&vec!["1"; 101].join("+")).is_err());
        // Within a definition: refused with the field's path, nothing overflows.
        let def = json!({"id": "f", "version": 1, "title": {"tr": "F", "en": "F", "sr-Cyrl": "Ф"},
            "sections": [{"id": "s", "title": {"tr": "S", "en": "S", "sr-Cyrl": "С"}, "fields": [
                {"id": "a", "type": "integer", "label": {"tr": "A", "en": "A", "sr-Cyrl": "А"}},
                {"id": "c", "type": "calculated", "formula": long,
                 "label": {"tr": "C", "en": "C", "sr-Cyrl": "Ц"}}]}]});
        let problems = FormDefinition::parse(&def.to_string()).unwrap_err();
        assert!(
            problems
                .0
                .iter()
                .any(|p| p.code == "form-def-formula-too-complex" && p.at.contains("fields[1]")),
            "{problems:?}"
        );
    }
}

#[cfg(test)]
mod built_in {
    /// Every form shipped in `forms/` is a valid definition, named as its file.
    #[test]
    fn the_shipped_forms_parse() {
        for (name, text) in super::SHIPPED {
            let form = super::FormDefinition::parse(text).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(form.id, *name);
        }
    }
}
