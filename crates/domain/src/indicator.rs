//! Indicators as declarative definitions, and the rules that do not need the
//! database: what a definition may say, periods, age bands, the dimensions a
//! table is broken down by, and small-cell suppression.
//!
//! A definition is JSON (the files in `indicators/`, and what an M&E officer
//! publishes). It names a **source** — a fixed vocabulary of row kinds the
//! store knows how to read (attendance, contacts, documents obtained, …) —
//! never SQL, so a definition cannot read what its source does not expose.
//! [`IndicatorDefinition::parse`] checks a whole definition and names every
//! problem at once.

use crate::form::{DefinitionErrors, DefinitionProblem};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The largest definition (or set of definitions) a parser reads.
pub const MAX_DEFINITION_BYTES: usize = 256 * 1024;
/// The languages every name is given in.
pub const LANGUAGES: [&str; 4] = ["tr", "en", "sr-Cyrl", "sr-Latn"];
/// Cells below this are shown as "<5" to aggregate-only viewers, unless the
/// installation sets another.
pub const DEFAULT_THRESHOLD: i64 = 5;

macro_rules! shipped {
    ($($name:literal),+ $(,)?) => {
        /// The indicator sets shipped in the repository's `indicators/`
        /// directory: each file a JSON array of definitions, installed when
        /// the database is migrated.
        pub const SHIPPED: &[(&str, &str)] = &[
            $(($name, include_str!(concat!("../../../indicators/", $name, ".json")))),+
        ];
    };
}

shipped!("headline", "esf", "siroma");

/// What an indicator counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum IndicatorKind {
    /// Distinct people (or other subjects) with at least one row in the period.
    People,
    /// Rows in the period.
    Events,
    /// Numerator over denominator, both indicators, as a percentage.
    Ratio,
    /// Distinct people whose entry falls in the period, counted in each
    /// follow-up window (months after entry) in which the conditions held.
    Cohort,
    /// The sum of a source's number (a service's quantity).
    Sum,
    /// The average of a number-typed source value.
    Average,
}

impl IndicatorKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::People => "people",
            Self::Events => "events",
            Self::Ratio => "ratio",
            Self::Cohort => "cohort",
            Self::Sum => "sum",
            Self::Average => "average",
        }
    }
    /// Counts of people or rows: what small-cell suppression protects.
    pub fn is_count(self) -> bool {
        matches!(self, Self::People | Self::Events | Self::Cohort)
    }
}

/// What a source's rows are about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subject {
    /// A person of the registry (or, at activities, a professional).
    Person,
    /// An action of an action plan.
    Action,
}

/// A kind of row the engine reads. Each has a date (`at`), a place, a unit,
/// a programme, and the fields its conditions may test.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Source {
    pub name: &'static str,
    pub subject: Subject,
    /// Fields compared with `in` / `not_in`.
    pub fields: &'static [&'static str],
    /// Comma-joined lists tested with `has`.
    pub list_fields: &'static [&'static str],
    /// Rows carry `months` (the follow-up window): cohorts read them.
    pub windows: bool,
    /// Rows carry a number: sums and averages read them.
    pub number: bool,
}

const fn src(name: &'static str, fields: &'static [&'static str]) -> Source {
    Source {
        name,
        subject: Subject::Person,
        fields,
        list_fields: &[],
        windows: false,
        number: false,
    }
}

/// Every source, in the order the documentation lists them.
pub const SOURCES: &[Source] = &[
    // Any service a person received: attendance marked present, a case
    // contact, a case service, a referral sent.
    src("reached", &["channel"]),
    src(
        "attendance",
        &["mark", "activity_kind", "result_area", "participant_kind"],
    ),
    // A participant of an activity, dated by the activity's end (or start).
    src(
        "participants",
        &[
            "activity_kind",
            "activity_status",
            "result_area",
            "participant_kind",
            "withdrawn",
            "completed",
        ],
    ),
    src("contacts", &["contact_kind"]),
    Source {
        number: true,
        ..src("services", &["service_kind"])
    },
    src(
        "referrals",
        &["institution_kind", "service", "referral_status"],
    ),
    src("enrolments", &["level", "status"]),
    src("documents", &["document_kind", "status"]),
    src("coverage", &["coverage_kind", "scheme"]),
    src(
        "placements",
        &["contract_type", "social_security", "subsidised"],
    ),
    Source {
        list_fields: &["groups"],
        ..src("entries", &["labour_status", "education"])
    },
    Source {
        list_fields: &["groups", "results"],
        ..src("leavers", &["labour_status", "education"])
    },
    Source {
        windows: true,
        ..src(
            "checks",
            &[
                "check_kind",
                "working",
                "still_working",
                "insured",
                "labour_status",
                "improved",
            ],
        )
    },
    Source {
        subject: Subject::Action,
        ..src("actions", &["status", "responsible"])
    },
    // One typed answer of a form filled on a case (special-category forms
    // keep none), dated by the submission's day; its number when the
    // question is a number.
    Source {
        number: true,
        ..src("answers", &["form", "field", "answer"])
    },
];

pub fn source(name: &str) -> Option<&'static Source> {
    SOURCES.iter().find(|s| s.name == name)
}

/// A condition on a source's rows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Condition {
    pub field: String,
    /// The field's value is one of these.
    #[serde(default, rename = "in", skip_serializing_if = "Vec::is_empty")]
    pub is_in: Vec<String>,
    /// The field's value is none of these.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_in: Vec<String>,
    /// The (comma-joined list) field holds this value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub has: Option<String>,
}

/// An age band, both ends included; `max` none: and older.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Band {
    pub min: u32,
    #[serde(default)]
    pub max: Option<u32>,
}

impl Band {
    pub fn label(&self) -> String {
        match self.max {
            Some(m) => format!("{}-{}", self.min, m),
            None => format!("{}+", self.min),
        }
    }
}

/// ESF+'s bands: under 18, 18–29, 30–54, 55 and over.
pub const ESF_BANDS: [Band; 4] = [
    Band {
        min: 0,
        max: Some(17),
    },
    Band {
        min: 18,
        max: Some(29),
    },
    Band {
        min: 30,
        max: Some(54),
    },
    Band { min: 55, max: None },
];

/// Five-year bands to 85 and over.
pub fn five_year_bands() -> Vec<Band> {
    let mut out: Vec<Band> = (0..17)
        .map(|i| Band {
            min: i * 5,
            max: Some(i * 5 + 4),
        })
        .collect();
    out.push(Band { min: 85, max: None });
    out
}

/// A breakdown an indicator may be read by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Dimension {
    Sex,
    Age,
    Area,
    Unit,
    Programme,
    /// A disadvantaged group recorded on the person (not special categories).
    Group,
    /// Self-identified ethnicity: special category, for roles that may read it.
    Ethnicity,
    /// Disability: special category, for roles that may read health data.
    Disability,
    /// The follow-up window of a cohort (months after entry).
    Window,
    /// The responsible institution (actions).
    Institution,
    /// Month, quarter, year or school year: a series.
    Period,
}

impl Dimension {
    pub const ALL: [Dimension; 11] = [
        Self::Sex,
        Self::Age,
        Self::Area,
        Self::Unit,
        Self::Programme,
        Self::Group,
        Self::Ethnicity,
        Self::Disability,
        Self::Window,
        Self::Institution,
        Self::Period,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Sex => "sex",
            Self::Age => "age",
            Self::Area => "area",
            Self::Unit => "unit",
            Self::Programme => "programme",
            Self::Group => "group",
            Self::Ethnicity => "ethnicity",
            Self::Disability => "disability",
            Self::Window => "window",
            Self::Institution => "institution",
            Self::Period => "period",
        }
    }
    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|d| d.as_str() == raw.trim())
    }
    /// Dimensions whose values split each subject into exactly one cell
    /// (the engine attributes a person to their first row in the period),
    /// so cells add up to the total.
    pub fn partitions(self) -> bool {
        !matches!(self, Self::Window | Self::Period | Self::Group)
    }
    /// The special category a breakdown reads from each person's sealed
    /// values (only for roles that may read it).
    pub fn special_category(self) -> Option<crate::person::SpecialCategory> {
        match self {
            Self::Ethnicity => Some(crate::person::SpecialCategory::Ethnicity),
            Self::Disability => Some(crate::person::SpecialCategory::Disability),
            _ => None,
        }
    }
}

/// How DHIS2 knows an indicator: its data element, and the category option
/// combo of the total (breakdowns map through the installation's mapping file).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Dhis2Mapping {
    pub data_element: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category_option_combo: Option<String>,
}

/// A checked definition.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IndicatorDefinition {
    /// Letters, digits, `_`, `-` and `.`; at most 40.
    pub code: String,
    pub version: u32,
    /// The name in `tr`, `en`, `sr-Cyrl` and `sr-Latn`.
    pub names: BTreeMap<String, String>,
    /// What is counted, in the same languages (optional).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub descriptions: BTreeMap<String, String>,
    pub kind: IndicatorKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    #[serde(default, rename = "where", skip_serializing_if = "Vec::is_empty")]
    pub conditions: Vec<Condition>,
    /// Only people of this age on the day counted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub age: Option<Band>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub numerator: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub denominator: Option<String>,
    /// A cohort's follow-up windows, in months.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub windows: Vec<u32>,
    /// The breakdowns allowed.
    #[serde(default)]
    pub disaggregations: Vec<Dimension>,
    /// The indicator's own age bands (else ESF+'s).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub age_bands: Vec<Band>,
    /// Where the indicator is listed: `headline`, `esf_output`,
    /// `esf_result`, `siroma`, or an installation's own.
    #[serde(default)]
    pub sets: Vec<String>,
    /// SİROMA's (or another programme's) result area.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result_area: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dhis2: Option<Dhis2Mapping>,
}

fn problem(out: &mut Vec<DefinitionProblem>, code: &'static str, at: &str, detail: &str) {
    out.push(DefinitionProblem {
        code,
        at: at.to_owned(),
        detail: detail.to_owned(),
    });
}

fn valid_code(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 40
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'))
}

impl IndicatorDefinition {
    /// One definition from JSON, checked whole.
    pub fn parse(json: &str) -> Result<IndicatorDefinition, DefinitionErrors> {
        if json.len() > MAX_DEFINITION_BYTES {
            return Err(DefinitionErrors(vec![DefinitionProblem {
                code: "indicator-def-too-large",
                at: String::new(),
                detail: format!("{} bytes", json.len()),
            }]));
        }
        let def: IndicatorDefinition = serde_json::from_str(json).map_err(syntax)?;
        def.checked("")
    }

    /// A set of definitions (a JSON array), each checked; problems are
    /// named `[i] code.field`.
    pub fn parse_set(json: &str) -> Result<Vec<IndicatorDefinition>, DefinitionErrors> {
        if json.len() > MAX_DEFINITION_BYTES {
            return Err(DefinitionErrors(vec![DefinitionProblem {
                code: "indicator-def-too-large",
                at: String::new(),
                detail: format!("{} bytes", json.len()),
            }]));
        }
        let defs: Vec<IndicatorDefinition> = serde_json::from_str(json).map_err(syntax)?;
        let mut problems = Vec::new();
        let mut out = Vec::new();
        for (i, d) in defs.into_iter().enumerate() {
            let at = format!("[{i}] {} ", d.code);
            match d.checked(&at) {
                Ok(d) => {
                    if out.iter().any(|o: &IndicatorDefinition| o.code == d.code) {
                        problem(&mut problems, "indicator-def-duplicate-code", &at, "");
                    }
                    out.push(d)
                }
                Err(e) => problems.extend(e.0),
            }
        }
        check_references(&out, &mut problems);
        if problems.is_empty() {
            Ok(out)
        } else {
            Err(DefinitionErrors(problems))
        }
    }

    fn checked(self, at: &str) -> Result<IndicatorDefinition, DefinitionErrors> {
        let mut p = Vec::new();
        let d = &self;
        let here = |f: &str| format!("{at}{f}");
        if !valid_code(&d.code) {
            problem(&mut p, "indicator-def-code", &here("code"), &d.code);
        }
        if d.version == 0 {
            problem(&mut p, "indicator-def-version", &here("version"), "0");
        }
        for l in LANGUAGES {
            match d.names.get(l) {
                Some(n) if !n.trim().is_empty() && n.chars().count() <= 200 => {}
                _ => problem(&mut p, "indicator-def-name", &here("names"), l),
            }
        }
        for (l, text) in d.names.iter().chain(d.descriptions.iter()) {
            if !LANGUAGES.contains(&l.as_str()) {
                problem(&mut p, "indicator-def-language", &here("names"), l);
            }
            if text.chars().count() > 2000 {
                problem(&mut p, "indicator-def-too-long", &here("descriptions"), l);
            }
        }
        let needs_source = d.kind != IndicatorKind::Ratio;
        let source = d.source.as_deref().and_then(source);
        match (&d.source, needs_source) {
            (Some(s), true) if source.is_none() => {
                problem(&mut p, "indicator-def-source", &here("source"), s)
            }
            (None, true) => problem(&mut p, "indicator-def-source-required", &here("source"), ""),
            (Some(_), false) => problem(&mut p, "indicator-def-not-for-kind", &here("source"), ""),
            _ => {}
        }
        if let Some(s) = source {
            for (i, c) in d.conditions.iter().enumerate() {
                let w = here(&format!("where[{i}]"));
                let list = s.list_fields.contains(&c.field.as_str());
                let plain = s.fields.contains(&c.field.as_str());
                if !list && !plain {
                    problem(&mut p, "indicator-def-field", &w, &c.field);
                }
                let tests = usize::from(!c.is_in.is_empty())
                    + usize::from(!c.not_in.is_empty())
                    + usize::from(c.has.is_some());
                if tests != 1 {
                    problem(&mut p, "indicator-def-condition", &w, "");
                }
                if list && c.has.is_none() || plain && c.has.is_some() {
                    problem(&mut p, "indicator-def-condition-kind", &w, &c.field);
                }
                if c.is_in.len() + c.not_in.len() > 50
                    || c.is_in
                        .iter()
                        .chain(c.not_in.iter())
                        .chain(c.has.iter())
                        .any(|v| v.is_empty() || v.len() > 100)
                {
                    problem(&mut p, "indicator-def-values", &w, "");
                }
            }
            if d.conditions.len() > 20 {
                problem(&mut p, "indicator-def-values", &here("where"), "> 20");
            }
            match d.kind {
                IndicatorKind::Cohort if !s.windows => problem(
                    &mut p,
                    "indicator-def-not-for-kind",
                    &here("source"),
                    s.name,
                ),
                IndicatorKind::Sum | IndicatorKind::Average if !s.number => problem(
                    &mut p,
                    "indicator-def-not-for-kind",
                    &here("source"),
                    s.name,
                ),
                _ => {}
            }
            // Adding up answers means one question of one form.
            let one = |field: &str| {
                d.conditions
                    .iter()
                    .any(|c| c.field == field && c.is_in.len() == 1)
            };
            if s.name == "answers"
                && matches!(d.kind, IndicatorKind::Sum | IndicatorKind::Average)
                && !(one("form") && one("field"))
            {
                problem(&mut p, "indicator-def-answer-field", &here("where"), "");
            }
            if s.subject == Subject::Action
                && d.disaggregations.iter().any(|x| {
                    !matches!(
                        x,
                        Dimension::Institution | Dimension::Period | Dimension::Area
                    )
                })
            {
                problem(
                    &mut p,
                    "indicator-def-dimension",
                    &here("disaggregations"),
                    "",
                );
            }
        }
        let ratio = d.kind == IndicatorKind::Ratio;
        for (name, v) in [("numerator", &d.numerator), ("denominator", &d.denominator)] {
            match (v, ratio) {
                (Some(c), true) if !valid_code(c) => {
                    problem(&mut p, "indicator-def-code", &here(name), c)
                }
                (None, true) => problem(&mut p, "indicator-def-ratio", &here(name), ""),
                (Some(_), false) => problem(&mut p, "indicator-def-not-for-kind", &here(name), ""),
                _ => {}
            }
        }
        if ratio && !d.conditions.is_empty() {
            problem(&mut p, "indicator-def-not-for-kind", &here("where"), "");
        }
        let cohort = d.kind == IndicatorKind::Cohort;
        if cohort && (d.windows.is_empty() || d.windows.len() > 12) {
            problem(&mut p, "indicator-def-windows", &here("windows"), "");
        }
        if !cohort && !d.windows.is_empty() {
            problem(&mut p, "indicator-def-not-for-kind", &here("windows"), "");
        }
        if d.windows.iter().any(|w| *w == 0 || *w > 120) {
            problem(&mut p, "indicator-def-windows", &here("windows"), "");
        }
        if cohort != d.disaggregations.contains(&Dimension::Window) {
            problem(
                &mut p,
                "indicator-def-window-dimension",
                &here("disaggregations"),
                "",
            );
        }
        let mut seen = Vec::new();
        for x in &d.disaggregations {
            if seen.contains(x) {
                problem(
                    &mut p,
                    "indicator-def-dimension",
                    &here("disaggregations"),
                    x.as_str(),
                );
            }
            seen.push(*x);
        }
        if let Some(a) = d.age {
            if a.max.is_some_and(|m| m < a.min) || a.min > 130 {
                problem(&mut p, "indicator-def-age", &here("age"), "");
            }
        }
        if let Err(code) = check_bands(&d.age_bands) {
            problem(&mut p, code, &here("age_bands"), "");
        }
        if d.sets.len() > 10 || d.sets.iter().any(|s| !valid_code(s)) {
            problem(&mut p, "indicator-def-sets", &here("sets"), "");
        }
        if d.result_area
            .as_deref()
            .is_some_and(|r| r.trim().is_empty() || r.len() > 100)
        {
            problem(&mut p, "indicator-def-values", &here("result_area"), "");
        }
        if let Some(m) = &d.dhis2 {
            if !valid_dhis2_uid(&m.data_element)
                || m.category_option_combo
                    .as_deref()
                    .is_some_and(|c| !valid_dhis2_uid(c))
            {
                problem(
                    &mut p,
                    "indicator-def-dhis2",
                    &here("dhis2"),
                    &m.data_element,
                );
            }
        }
        if p.is_empty() {
            Ok(self)
        } else {
            Err(DefinitionErrors(p))
        }
    }

    pub fn name(&self, lang: &str) -> &str {
        self.names
            .get(lang)
            .or_else(|| self.names.get("en"))
            .map(String::as_str)
            .unwrap_or(&self.code)
    }

    /// The bands an `age` breakdown uses: the indicator's own, else ESF+'s.
    pub fn bands(&self) -> Vec<Band> {
        if self.age_bands.is_empty() {
            ESF_BANDS.to_vec()
        } else {
            self.age_bands.clone()
        }
    }

    /// The breakdowns asked for, checked against those allowed: at most two.
    pub fn breakdown(&self, by: &str) -> Result<Vec<Dimension>, &'static str> {
        let mut out = Vec::new();
        for part in by.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            let d = Dimension::parse(part).ok_or("err-indicator-dimension")?;
            // Period is a series of any indicator.
            if !self.disaggregations.contains(&d) && d != Dimension::Period {
                return Err("err-indicator-dimension-not-allowed");
            }
            if out.contains(&d) {
                return Err("err-indicator-dimension");
            }
            out.push(d);
        }
        if out.len() > 2 {
            return Err("err-indicator-two-dimensions");
        }
        Ok(out)
    }
}

/// The other indicators a set's ratios name must be in the set (or known).
fn check_references(defs: &[IndicatorDefinition], out: &mut Vec<DefinitionProblem>) {
    for d in defs {
        for c in [&d.numerator, &d.denominator].into_iter().flatten() {
            match defs.iter().find(|o| &o.code == c) {
                None => problem(out, "indicator-def-unknown-indicator", &d.code, c),
                Some(o) if o.kind == IndicatorKind::Ratio || !o.kind.is_count() => {
                    problem(out, "indicator-def-ratio", &d.code, c)
                }
                _ => {}
            }
        }
    }
}

fn syntax(e: serde_json::Error) -> DefinitionErrors {
    DefinitionErrors(vec![DefinitionProblem {
        code: "indicator-def-syntax",
        at: format!("line {}, column {}", e.line(), e.column()),
        detail: e.to_string(),
    }])
}

/// DHIS2's identifiers: 11 characters, a letter first.
pub fn valid_dhis2_uid(s: &str) -> bool {
    s.len() == 11
        && s.as_bytes()[0].is_ascii_alphabetic()
        && s.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// Bands must rise without overlap; only the last may be open.
pub fn check_bands(bands: &[Band]) -> Result<(), &'static str> {
    if bands.len() > 30 {
        return Err("indicator-def-age-bands");
    }
    let mut next = 0u32;
    for (i, b) in bands.iter().enumerate() {
        let last = i + 1 == bands.len();
        if (i > 0 && b.min < next) || b.max.is_some_and(|m| m < b.min) || (b.max.is_none() && !last)
        {
            return Err("indicator-def-age-bands");
        }
        next = b.max.map_or(u32::MAX, |m| m.saturating_add(1));
    }
    Ok(())
}

/// How the bands of a breakdown are chosen.
pub fn bands_for(def: &IndicatorDefinition, choice: &str) -> Result<Vec<Band>, &'static str> {
    match choice.trim() {
        "" | "own" => Ok(def.bands()),
        "esf" => Ok(ESF_BANDS.to_vec()),
        "five" => Ok(five_year_bands()),
        _ => Err("err-indicator-bands"),
    }
}

// ---------------------------------------------------------------- periods

/// A closed range of days, `YYYY-MM-DD` both.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Period {
    pub start: String,
    pub end: String,
    /// As written: `2026`, `2026-Q2`, `2026-05`, `2025/2026`, `2026-01-10..2026-02-20`.
    pub label: String,
}

/// How a series splits a period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Every {
    Month,
    Quarter,
    Year,
    SchoolYear,
}

impl Every {
    pub fn parse(raw: &str) -> Result<Every, &'static str> {
        match raw.trim() {
            "month" => Ok(Every::Month),
            "quarter" => Ok(Every::Quarter),
            "" | "year" => Ok(Every::Year),
            "school_year" => Ok(Every::SchoolYear),
            _ => Err("err-indicator-every"),
        }
    }
}

fn days_in_month(y: i32, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        _ => 28,
    }
}

fn year(s: &str) -> Option<i32> {
    (s.len() == 4 && s.bytes().all(|b| b.is_ascii_digit()))
        .then(|| s.parse().ok())
        .flatten()
        .filter(|y| (1900..=2200).contains(y))
}

fn valid_day(s: &str) -> bool {
    let b = s.as_bytes();
    if s.len() != 10 || !s.is_ascii() || b[4] != b'-' || b[7] != b'-' {
        return false;
    }
    let (Some(y), Ok(m), Ok(d)) = (year(&s[..4]), s[5..7].parse::<u32>(), s[8..].parse::<u32>())
    else {
        return false;
    };
    s[5..7].bytes().all(|c| c.is_ascii_digit())
        && s[8..].bytes().all(|c| c.is_ascii_digit())
        && (1..=12).contains(&m)
        && (1..=days_in_month(y, m)).contains(&d)
}

impl Period {
    fn new(start: String, end: String, label: &str) -> Period {
        Period {
            start,
            end,
            label: label.to_owned(),
        }
    }

    pub fn month(y: i32, m: u32) -> Period {
        Period::new(
            format!("{y:04}-{m:02}-01"),
            format!("{y:04}-{m:02}-{:02}", days_in_month(y, m)),
            &format!("{y:04}-{m:02}"),
        )
    }

    pub fn quarter(y: i32, q: u32) -> Period {
        let first = (q - 1) * 3 + 1;
        let last = first + 2;
        Period::new(
            format!("{y:04}-{first:02}-01"),
            format!("{y:04}-{last:02}-{:02}", days_in_month(y, last)),
            &format!("{y:04}-Q{q}"),
        )
    }

    pub fn year(y: i32) -> Period {
        Period::new(
            format!("{y:04}-01-01"),
            format!("{y:04}-12-31"),
            &format!("{y:04}"),
        )
    }

    /// 1 September to 31 August.
    pub fn school_year(y: i32) -> Period {
        Period::new(
            format!("{y:04}-09-01"),
            format!("{:04}-08-31", y + 1),
            &format!("{y:04}/{:04}", y + 1),
        )
    }

    /// `2026`, `2026-Q2`, `2026-05`, `2025/2026`, `2026-01-10..2026-02-20`
    /// (at most 20 years long).
    pub fn parse(raw: &str) -> Result<Period, &'static str> {
        let s = raw.trim();
        // Every form is ASCII: slicing by byte below is then by character.
        if s.len() > 40 || !s.is_ascii() {
            return Err("err-indicator-period");
        }
        if let Some((a, b)) = s.split_once("..") {
            if !valid_day(a) || !valid_day(b) || a > b {
                return Err("err-indicator-period");
            }
            let span = year(&b[..4]).unwrap_or(0) - year(&a[..4]).unwrap_or(0);
            if span > 20 {
                return Err("err-indicator-period");
            }
            return Ok(Period::new(a.to_owned(), b.to_owned(), s));
        }
        if let Some((a, b)) = s.split_once('/') {
            return match (year(a), year(b)) {
                (Some(x), Some(y)) if y == x + 1 => Ok(Period::school_year(x)),
                _ => Err("err-indicator-period"),
            };
        }
        if let Some(y) = year(s) {
            return Ok(Period::year(y));
        }
        if s.len() == 7 {
            if let Some(y) = year(&s[..4]) {
                let rest = &s[4..];
                if let Some(q) = rest.strip_prefix("-Q") {
                    if let Ok(q @ 1..=4) = q.parse::<u32>() {
                        return Ok(Period::quarter(y, q));
                    }
                } else if let Some(m) = rest.strip_prefix('-') {
                    if m.bytes().all(|b| b.is_ascii_digit()) {
                        if let Ok(m @ 1..=12) = m.parse::<u32>() {
                            return Ok(Period::month(y, m));
                        }
                    }
                }
            }
        }
        Err("err-indicator-period")
    }

    /// The period split into months, quarters, years or school years, each
    /// cut to the period (at most 240 parts).
    pub fn split(&self, every: Every) -> Vec<Period> {
        let (Some(y0), Some(y1)) = (year(&self.start[..4]), year(&self.end[..4])) else {
            return vec![];
        };
        let mut parts = Vec::new();
        for y in (y0 - 1)..=y1 {
            match every {
                Every::Month => parts.extend((1..=12).map(|m| Period::month(y, m))),
                Every::Quarter => parts.extend((1..=4).map(|q| Period::quarter(y, q))),
                Every::Year => parts.push(Period::year(y)),
                Every::SchoolYear => parts.push(Period::school_year(y)),
            }
        }
        parts
            .into_iter()
            .filter(|p| p.end >= self.start && p.start <= self.end)
            .map(|mut p| {
                if p.start < self.start {
                    p.start = self.start.clone();
                }
                if p.end > self.end {
                    p.end = self.end.clone();
                }
                p
            })
            .take(240)
            .collect()
    }

    /// ISO 8601 as ADX asks: the start date and a duration (`2026-01-01/P1Y`),
    /// or start/end dates when the period is not a whole month, quarter or year.
    pub fn iso8601(&self) -> String {
        let whole = |p: Period| p.start == self.start && p.end == self.end;
        let y = year(&self.start[..4]).unwrap_or(1970);
        let m: u32 = self.start[5..7].parse().unwrap_or(1);
        if whole(Period::year(y)) {
            format!("{}/P1Y", self.start)
        } else if m % 3 == 1 && whole(Period::quarter(y, m.div_ceil(3))) {
            format!("{}/P3M", self.start)
        } else if whole(Period::month(y, m)) {
            format!("{}/P1M", self.start)
        } else {
            // SDMX's time range: the first day and a number of days.
            let days = crate::case::day_number(&self.end)
                .zip(crate::case::day_number(&self.start))
                .map_or(1, |(e, s)| e - s + 1);
            format!("{}/P{days}D", self.start)
        }
    }

    /// DHIS2's period id: `2026`, `2026Q2`, `202605`, `2025Sep` (a financial
    /// year from September); a custom range has none.
    pub fn dhis2(&self) -> Option<String> {
        let y = year(&self.start[..4])?;
        let m: u32 = self.start[5..7].parse().ok()?;
        let is = |p: Period| p.start == self.start && p.end == self.end;
        if is(Period::year(y)) {
            Some(format!("{y}"))
        } else if m % 3 == 1 && is(Period::quarter(y, m.div_ceil(3))) {
            Some(format!("{y}Q{}", m.div_ceil(3)))
        } else if is(Period::month(y, m)) {
            Some(format!("{y}{m:02}"))
        } else if is(Period::school_year(y)) {
            Some(format!("{y}Sep"))
        } else {
            None
        }
    }
}

// ---------------------------------------------------------------- small cells

/// A table of counts with its margins: `cells[r][c]`, the row totals, the
/// column totals and the grand total. A one-way table has one column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grid {
    pub cells: Vec<Vec<i64>>,
    pub row_totals: Vec<i64>,
    pub col_totals: Vec<i64>,
    pub total: i64,
}

/// Which entries of a [`Grid`] are hidden.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Hidden {
    pub cells: Vec<Vec<bool>>,
    pub row_totals: Vec<bool>,
    pub col_totals: Vec<bool>,
    pub total: bool,
}

impl Hidden {
    /// Hidden where either is (a rate hides what its numerator or its
    /// denominator would give away).
    pub fn or(&self, o: &Hidden) -> Hidden {
        let line = |a: &[bool], b: &[bool]| -> Vec<bool> {
            (0..a.len().max(b.len()))
                .map(|i| a.get(i).copied().unwrap_or(false) || b.get(i).copied().unwrap_or(false))
                .collect()
        };
        Hidden {
            cells: (0..self.cells.len().max(o.cells.len()))
                .map(|i| {
                    line(
                        self.cells.get(i).map_or(&[][..], Vec::as_slice),
                        o.cells.get(i).map_or(&[][..], Vec::as_slice),
                    )
                })
                .collect(),
            row_totals: line(&self.row_totals, &o.row_totals),
            col_totals: line(&self.col_totals, &o.col_totals),
            total: self.total || o.total,
        }
    }
}

/// A place in a grid: a cell, a row total, a column total, the total.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum At {
    Cell(usize, usize),
    Row(usize),
    Col(usize),
    Total,
}

impl Grid {
    fn lines(&self) -> Vec<Vec<At>> {
        let rows = self.cells.len();
        let cols = self.col_totals.len();
        let mut lines = Vec::new();
        for r in 0..rows {
            let mut l: Vec<At> = (0..cols).map(|c| At::Cell(r, c)).collect();
            l.push(At::Row(r));
            lines.push(l);
        }
        for c in 0..cols {
            let mut l: Vec<At> = (0..rows).map(|r| At::Cell(r, c)).collect();
            l.push(At::Col(c));
            lines.push(l);
        }
        let mut l: Vec<At> = (0..cols).map(At::Col).collect();
        l.push(At::Total);
        lines.push(l);
        let mut l: Vec<At> = (0..rows).map(At::Row).collect();
        l.push(At::Total);
        lines.push(l);
        lines
    }

    fn value(&self, at: At) -> i64 {
        match at {
            At::Cell(r, c) => self.cells[r][c],
            At::Row(r) => self.row_totals[r],
            At::Col(c) => self.col_totals[c],
            At::Total => self.total,
        }
    }
}

impl Hidden {
    fn get(&self, at: At) -> bool {
        match at {
            At::Cell(r, c) => self.cells[r][c],
            At::Row(r) => self.row_totals[r],
            At::Col(c) => self.col_totals[c],
            At::Total => self.total,
        }
    }
    fn set(&mut self, at: At) {
        match at {
            At::Cell(r, c) => self.cells[r][c] = true,
            At::Row(r) => self.row_totals[r] = true,
            At::Col(c) => self.col_totals[c] = true,
            At::Total => self.total = true,
        }
    }
    pub fn any(&self) -> bool {
        self.total
            || self.row_totals.iter().any(|b| *b)
            || self.col_totals.iter().any(|b| *b)
            || self.cells.iter().flatten().any(|b| *b)
    }
}

/// Small-cell suppression. Primary: every entry from 1 to `threshold - 1`
/// (zeros are shown: they reveal no one). Secondary: while some line (a row
/// with its total, a column with its total, the row totals with the grand
/// total, the column totals with it) hides exactly one entry, the smallest
/// shown entry of that line is hidden too — cells before totals, non-zero
/// before zero — so no hidden entry is the difference of shown ones.
pub fn suppress(grid: &Grid, threshold: i64) -> Hidden {
    let mut h = Hidden {
        cells: grid
            .cells
            .iter()
            .map(|r| r.iter().map(|v| *v > 0 && *v < threshold).collect())
            .collect(),
        row_totals: grid
            .row_totals
            .iter()
            .map(|v| *v > 0 && *v < threshold)
            .collect(),
        col_totals: grid
            .col_totals
            .iter()
            .map(|v| *v > 0 && *v < threshold)
            .collect(),
        total: grid.total > 0 && grid.total < threshold,
    };
    let lines = grid.lines();
    loop {
        let mut changed = false;
        for line in &lines {
            let hidden = line.iter().filter(|a| h.get(**a)).count();
            if hidden != 1 {
                continue;
            }
            let pick = line
                .iter()
                .filter(|a| !h.get(**a))
                .min_by_key(|a| {
                    let v = grid.value(**a);
                    (!matches!(a, At::Cell(..)), v == 0, v)
                })
                .copied();
            if let Some(a) = pick {
                h.set(a);
                changed = true;
            }
        }
        if !changed {
            return h;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_sets_parse_and_name_each_other() {
        let mut codes = Vec::new();
        for (name, text) in SHIPPED {
            let defs = IndicatorDefinition::parse_set(text)
                .unwrap_or_else(|e| panic!("{name}: {:?}", e.0));
            assert!(!defs.is_empty(), "{name}");
            codes.extend(defs.into_iter().map(|d| d.code));
        }
        let n = codes.len();
        codes.sort();
        codes.dedup();
        assert_eq!(codes.len(), n, "codes are unique across sets");
    }

    #[test]
    fn every_problem_of_a_definition_is_named() {
        let json = r#"{"code": "bad code", "version": 0, "names": {"en": "x"},
            "kind": "cohort", "source": "attendance",
            "where": [{"field": "colour", "in": ["red"]}, {"field": "mark", "in": ["present"], "not_in": ["absent"]}],
            "age_bands": [{"min": 10, "max": 5}], "disaggregations": ["sex", "sex"],
            "dhis2": {"data_element": "short"}}"#;
        let e = IndicatorDefinition::parse(json).unwrap_err();
        let codes: Vec<&str> = e.0.iter().map(|p| p.code).collect();
        for c in [
            "indicator-def-code",
            "indicator-def-version",
            "indicator-def-name",
            "indicator-def-field",
            "indicator-def-condition",
            "indicator-def-not-for-kind",
            "indicator-def-windows",
            "indicator-def-window-dimension",
            "indicator-def-dimension",
            "indicator-def-age-bands",
            "indicator-def-dhis2",
        ] {
            assert!(codes.contains(&c), "{c} missing from {codes:?}");
        }
        let e = IndicatorDefinition::parse(r#"{"code": "A", "extra": 1}"#).unwrap_err();
        assert_eq!(e.0[0].code, "indicator-def-syntax");
    }

    #[test]
    fn a_set_names_unknown_numerators() {
        let json = r#"[{"code": "R", "version": 1, "kind": "ratio",
            "names": {"tr": "r", "en": "r", "sr-Cyrl": "r", "sr-Latn": "r"},
            "numerator": "N", "denominator": "R"}]"#;
        let e = IndicatorDefinition::parse_set(json).unwrap_err();
        let codes: Vec<&str> = e.0.iter().map(|p| p.code).collect();
        assert_eq!(
            codes,
            ["indicator-def-unknown-indicator", "indicator-def-ratio"]
        );
    }

    #[test]
    fn periods_parse_and_split() {
        let q = Period::parse("2026-Q1").unwrap();
        assert_eq!(
            (q.start.as_str(), q.end.as_str()),
            ("2026-01-01", "2026-03-31")
        );
        assert_eq!(Period::parse("2024-02").unwrap().end, "2024-02-29");
        let s = Period::parse("2025/2026").unwrap();
        assert_eq!(
            (s.start.as_str(), s.end.as_str()),
            ("2025-09-01", "2026-08-31")
        );
        assert_eq!(s.dhis2().as_deref(), Some("2025Sep"));
        let r = Period::parse("2026-01-10..2026-03-05").unwrap();
        let months = r.split(Every::Month);
        assert_eq!(months.len(), 3);
        assert_eq!(months[0].start, "2026-01-10");
        assert_eq!(months[2].end, "2026-03-05");
        assert_eq!(r.dhis2(), None);
        assert_eq!(Period::year(2026).iso8601(), "2026-01-01/P1Y");
        assert_eq!(Period::quarter(2026, 2).iso8601(), "2026-04-01/P3M");
        assert_eq!(Period::quarter(2026, 2).dhis2().as_deref(), Some("2026Q2"));
        for bad in [
            "2026-13",
            "2026-Q5",
            "2026-02-30..2026-03-01",
            "x",
            "2026/2028",
            "2026-03-01..2026-01-01",
        ] {
            assert!(Period::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(Period::year(2026).split(Every::SchoolYear).len(), 2);
    }

    fn grid(cells: Vec<Vec<i64>>) -> Grid {
        let cols = cells.first().map_or(0, Vec::len);
        let row_totals: Vec<i64> = cells.iter().map(|r| r.iter().sum()).collect();
        let col_totals: Vec<i64> = (0..cols)
            .map(|c| cells.iter().map(|r| r[c]).sum())
            .collect();
        Grid {
            total: row_totals.iter().sum(),
            cells,
            row_totals,
            col_totals,
        }
    }

    /// The attack: any line with one hidden entry gives it away by
    /// subtraction; solve until nothing moves. Returns what was recovered.
    fn recover(g: &Grid, h: &Hidden) -> Vec<i64> {
        let mut known = h.clone();
        let mut out = Vec::new();
        loop {
            let mut moved = false;
            for line in g.lines() {
                let unknown: Vec<At> = line.iter().copied().filter(|a| known.get(*a)).collect();
                if unknown.len() == 1 {
                    out.push(g.value(unknown[0]));
                    match unknown[0] {
                        At::Cell(r, c) => known.cells[r][c] = false,
                        At::Row(r) => known.row_totals[r] = false,
                        At::Col(c) => known.col_totals[c] = false,
                        At::Total => known.total = false,
                    }
                    moved = true;
                }
            }
            if !moved {
                return out;
            }
        }
    }

    #[test]
    fn a_lone_small_cell_takes_a_partner() {
        let g = grid(vec![vec![3, 40], vec![20, 30]]);
        let h = suppress(&g, 5);
        assert!(h.cells[0][0]);
        assert!(recover(&g, &h).is_empty());
        // Its row and column each hide a second cell.
        assert!(h.cells[0][1] && h.cells[1][0] && h.cells[1][1]);
    }

    proptest::proptest! {
        #[test]
        fn no_hidden_cell_is_recovered_from_the_totals(
            cells in proptest::collection::vec(proptest::collection::vec(0i64..30, 1..5), 1..6)
        ) {
            let cols = cells[0].len();
            let cells: Vec<Vec<i64>> = cells.into_iter().map(|mut r| { r.resize(cols, 0); r }).collect();
            let g = grid(cells);
            let h = suppress(&g, 5);
            let recovered = recover(&g, &h);
            proptest::prop_assert!(recovered.is_empty(), "recovered {:?} from {:?}", recovered, g);
            for (r, row) in g.cells.iter().enumerate() {
                for (c, v) in row.iter().enumerate() {
                    if *v > 0 && *v < 5 {
                        proptest::prop_assert!(h.cells[r][c]);
                    }
                }
            }
        }
    }
}

// ---------------------------------------------------------------- targets

/// A baseline and a target for an indicator in an area and a period, as
/// entered. The target is absolute, or relative: close `gap_closed` of the
/// gap between the baseline and a reference value (the EU Roma framework's
/// "halve the gap": the general population's value, 0.5).
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct TargetDraft {
    /// An area code; empty: the whole installation.
    pub area: String,
    /// `2030`, `2026-Q2`, `2025/2026`, …
    pub period: String,
    pub baseline: Option<f64>,
    pub baseline_year: Option<i64>,
    pub target: Option<f64>,
    pub reference_value: Option<f64>,
    /// Between 0 (exclusive) and 1: 0.5 halves the gap.
    pub gap_closed: Option<f64>,
    pub note: String,
}

/// A checked target.
#[derive(Debug, Clone, PartialEq)]
pub struct Target {
    pub area: String,
    pub period: Period,
    pub baseline: Option<f64>,
    pub baseline_year: Option<i64>,
    pub target: Option<f64>,
    pub reference_value: Option<f64>,
    pub gap_closed: Option<f64>,
    pub note: Option<String>,
}

impl TargetDraft {
    pub fn validate(&self) -> Result<Target, crate::ValidationErrors> {
        let mut e = crate::ValidationErrors::new();
        let area = self.area.trim().to_ascii_uppercase();
        if area.len() > 40 || !area.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
            e.push("area", "err-area-code");
        }
        let period = e.take("period", Period::parse(&self.period));
        let finite = |v: Option<f64>| v.is_none_or(|x| x.is_finite() && x.abs() < 1e12);
        for (f, v) in [
            ("baseline", self.baseline),
            ("target", self.target),
            ("reference_value", self.reference_value),
            ("gap_closed", self.gap_closed),
        ] {
            if !finite(v) {
                e.push(f, "err-number");
            }
        }
        if self
            .baseline_year
            .is_some_and(|y| !(1990..=2100).contains(&y))
        {
            e.push("baseline_year", "err-year");
        }
        let relative = self.reference_value.is_some() || self.gap_closed.is_some();
        match (self.target.is_some(), relative) {
            (true, true) => e.push("target", "err-target-absolute-or-relative"),
            (false, false) => e.push("target", "err-required"),
            (false, true) => {
                if self.reference_value.is_none() {
                    e.push("reference_value", "err-required");
                }
                if !self.gap_closed.is_some_and(|g| g > 0.0 && g <= 1.0) {
                    e.push("gap_closed", "err-gap-closed");
                }
                if self.baseline.is_none() {
                    e.push("baseline", "err-required");
                }
            }
            (true, false) => {}
        }
        if self.note.chars().count() > 1000 {
            e.push("note", "err-too-long");
        }
        e.into_result()?;
        Ok(Target {
            area,
            period: period.unwrap_or_else(|| Period::year(2000)),
            baseline: self.baseline,
            baseline_year: self.baseline_year,
            target: self.target,
            reference_value: self.reference_value,
            gap_closed: self.gap_closed,
            note: Some(self.note.trim().to_owned()).filter(|n| !n.is_empty()),
        })
    }
}

/// The value a target asks for: the absolute target, or the baseline moved
/// `gap_closed` of the way to the reference value.
pub fn effective_target(
    target: Option<f64>,
    baseline: Option<f64>,
    reference: Option<f64>,
    gap_closed: Option<f64>,
) -> Option<f64> {
    target.or_else(|| Some(baseline? + (reference? - baseline?) * gap_closed?))
}

/// How far a value has come from the baseline to the target, in percent
/// (from zero when there is no baseline); none when the target is the start.
pub fn progress(value: f64, baseline: Option<f64>, target: f64) -> Option<f64> {
    let start = baseline.unwrap_or(0.0);
    let span = target - start;
    (span.abs() > f64::EPSILON).then(|| (value - start) * 100.0 / span)
}

#[cfg(test)]
mod target_tests {
    use super::*;

    #[test]
    fn halving_a_gap_is_a_target() {
        let d = TargetDraft {
            period: "2030".into(),
            baseline: Some(20.0),
            reference_value: Some(80.0),
            gap_closed: Some(0.5),
            ..Default::default()
        };
        let t = d.validate().unwrap();
        let goal = effective_target(t.target, t.baseline, t.reference_value, t.gap_closed);
        assert_eq!(goal, Some(50.0));
        assert_eq!(progress(35.0, t.baseline, 50.0), Some(50.0));
        let bad = TargetDraft {
            period: "20x".into(),
            target: Some(1.0),
            gap_closed: Some(2.0),
            ..Default::default()
        };
        let e = bad.validate().unwrap_err();
        let fields: Vec<&str> = e.0.iter().map(|f| f.field.as_str()).collect();
        assert!(
            fields.contains(&"period") && fields.contains(&"target"),
            "{fields:?}"
        );
    }
}

// ---------------------------------------------------------------- dashboards

/// One indicator on a dashboard, with the breakdown it is shown by.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct DashboardItem {
    pub indicator: String,
    /// One breakdown (`sex`, `age`, `area`, …) or none.
    pub by: String,
}

/// A dashboard as composed: the indicators an M&E officer chose for a
/// programme (or one of its result areas).
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct DashboardDraft {
    pub code: String,
    /// The title in the languages given (`tr`, `en`, `sr-Cyrl`, `sr-Latn`); one at least.
    pub titles: BTreeMap<String, String>,
    pub programme_code: String,
    pub result_area: String,
    pub items: Vec<DashboardItem>,
}

/// The most indicators a dashboard holds.
pub const MAX_DASHBOARD_ITEMS: usize = 24;

impl DashboardDraft {
    /// Checks the shape; that each indicator exists and allows its breakdown
    /// is the store's to check.
    pub fn validate(&self) -> Result<DashboardDraft, crate::ValidationErrors> {
        let mut e = crate::ValidationErrors::new();
        let code = self.code.trim().to_ascii_uppercase();
        if !valid_code(&code) {
            e.push("code", "err-code");
        }
        let titles: BTreeMap<String, String> = self
            .titles
            .iter()
            .map(|(k, v)| (k.clone(), v.trim().to_owned()))
            .filter(|(_, v)| !v.is_empty())
            .collect();
        if titles.is_empty() {
            e.push("titles", "err-required");
        }
        if titles
            .iter()
            .any(|(k, v)| !LANGUAGES.contains(&k.as_str()) || v.chars().count() > 200)
        {
            e.push("titles", "err-too-long");
        }
        if self.programme_code.len() > 40 || self.result_area.chars().count() > 100 {
            e.push("programme_code", "err-too-long");
        }
        if self.items.is_empty() || self.items.len() > MAX_DASHBOARD_ITEMS {
            e.push("items", "err-dashboard-items");
        }
        for (i, it) in self.items.iter().enumerate() {
            if !valid_code(it.indicator.trim()) {
                e.push(format!("items[{i}].indicator"), "err-code");
            }
            if !it.by.trim().is_empty() && Dimension::parse(&it.by).is_none() {
                e.push(format!("items[{i}].by"), "err-indicator-dimension");
            }
        }
        e.into_result()?;
        Ok(DashboardDraft {
            code,
            titles,
            programme_code: self.programme_code.trim().to_owned(),
            result_area: self.result_area.trim().to_owned(),
            items: self
                .items
                .iter()
                .map(|i| DashboardItem {
                    indicator: i.indicator.trim().to_owned(),
                    by: i.by.trim().to_owned(),
                })
                .collect(),
        })
    }
}
