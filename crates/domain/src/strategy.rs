//! Strategy monitoring (issue 20): a strategy's action plans, their actions
//! and indicators as a ministry writes them in its spreadsheet, and the
//! progress reports responsible institutions fill each reporting cycle.
//! Every value here is built valid or refused with every problem named.

use crate::activity::amount;
use crate::casework::long_text;
use crate::codes::Code;
use crate::error::ValidationErrors;
use crate::import::{header_field, once_each};
use crate::reference::closed_list;
use crate::search::fold;
use serde::Serialize;
use std::collections::BTreeMap;

closed_list!(
    /// Where an action stands, as its responsible institution reports it.
    ActionStatus, "action-status" {
        NotStarted = "not_started",
        OnTrack = "on_track",
        Delayed = "delayed",
        Completed = "completed",
        Cancelled = "cancelled",
    }
);

impl ActionStatus {
    /// The traffic light of a status: green, amber, red or grey.
    pub fn light(self) -> &'static str {
        match self {
            Self::OnTrack | Self::Completed => "green",
            Self::Delayed => "amber",
            Self::NotStarted => "red",
            Self::Cancelled => "grey",
        }
    }
}

closed_list!(
    /// Who gives an indicator's value.
    IndicatorMode, "indicator-mode" {
        // The responsible institution reports it; the indicator engine computes it (issue 21).
        Reported = "reported",
        Computed = "computed",
    }
);

closed_list!(
    /// How a reported value is broken down.
    Breakdown, "breakdown" {
        Total = "none",
        Sex = "sex",
        Province = "province",
        SexProvince = "sex_province",
    }
);

closed_list!(
    /// Where a progress report stands.
    ReportStatus, "report-status" {
        Draft = "draft",
        Submitted = "submitted",
        Returned = "returned",
        Approved = "approved",
        // An approved report a later correction replaced.
        Superseded = "superseded",
    }
);

/// The policy areas a plan's rows may name by code (or by their names in
/// Turkish, English or Serbian).
pub const POLICY_AREAS: &[(&str, &[&str])] = &[
    ("education", &["egitim", "obrazovanje", "education"]),
    ("employment", &["istihdam", "zaposljavanje", "employment"]),
    ("health", &["saglik", "zdravlje", "zdravstvo", "health"]),
    ("housing", &["barinma", "konut", "stanovanje", "housing"]),
    (
        "social_assistance",
        &[
            "sosyal yardim ve hizmetler",
            "sosyal hizmetler",
            "sosyal yardim",
            "socijalna zastita",
            "social assistance and services",
            "social assistance",
        ],
    ),
    (
        "cross_cutting",
        &[
            "yatay",
            "yatay alanlar",
            "horizontalne teme",
            "cross cutting",
            "cross-cutting",
        ],
    ),
];

/// A policy area's code from what a plan writes.
pub fn policy_area(raw: &str) -> Result<&'static str, &'static str> {
    let f = fold(raw);
    if f.is_empty() {
        return Err("err-required");
    }
    POLICY_AREAS
        .iter()
        .find(|(code, names)| fold(code) == f || *code == raw.trim() || names.contains(&f.as_str()))
        .map(|(code, _)| *code)
        .ok_or("err-policy-area")
}

/// An action or objective number: "2", "2.1", "2.1.3" (at most 6 parts of
/// at most 4 digits).
pub fn action_number(raw: &str) -> Result<String, &'static str> {
    let s = raw.trim().trim_end_matches('.');
    if s.is_empty() {
        return Err("err-required");
    }
    let parts: Vec<&str> = s.split('.').collect();
    if parts.len() > 6
        || parts
            .iter()
            .any(|p| p.is_empty() || p.len() > 4 || !p.bytes().all(|b| b.is_ascii_digit()))
    {
        return Err("err-action-number");
    }
    Ok(parts
        .iter()
        .map(|p| p.trim_start_matches('0'))
        .map(|p| if p.is_empty() { "0" } else { p })
        .collect::<Vec<_>>()
        .join("."))
}

/// A number's key for ordering: "2.1.10" after "2.1.9".
pub fn number_sort_key(number: &str) -> String {
    number
        .split('.')
        .map(|p| format!("{p:0>4}"))
        .collect::<Vec<_>>()
        .join(".")
}

/// A period as plans write it: a year (2026), a quarter (2026-Q2, 2026/2,
/// "2026 Q2") or a month (2026-05); normalised. Years 2000 to 2100.
pub fn period(raw: &str) -> Result<String, &'static str> {
    let s = raw.trim().to_ascii_uppercase().replace([' ', '/'], "-");
    if s.is_empty() {
        return Err("err-required");
    }
    let year_ok = |y: &str| {
        y.len() == 4 && y.bytes().all(|b| b.is_ascii_digit()) && ("2000"..="2100").contains(&y)
    };
    match s.split_once('-') {
        None if year_ok(&s) => Ok(s),
        Some((y, rest)) if year_ok(y) => {
            let q = rest.trim_start_matches('Q');
            if rest.starts_with('Q') || (rest.len() == 1 && rest != "0") {
                match q {
                    "1" | "2" | "3" | "4" => Ok(format!("{y}-Q{q}")),
                    _ => Err("err-period"),
                }
            } else {
                match rest.parse::<u32>() {
                    Ok(m @ 1..=12) if rest.len() == 2 => Ok(format!("{y}-{m:02}")),
                    _ => Err("err-period"),
                }
            }
        }
        _ => Err("err-period"),
    }
}

/// The first and last month of a period, as `YYYY-MM`.
pub fn period_months(p: &str) -> (String, String) {
    let y = p.get(..4).unwrap_or("2000");
    match p.get(5..) {
        None | Some("") => (format!("{y}-01"), format!("{y}-12")),
        Some(q) if q.starts_with('Q') => {
            let n: u32 = q[1..].parse().unwrap_or(1);
            (format!("{y}-{:02}", n * 3 - 2), format!("{y}-{:02}", n * 3))
        }
        Some(m) => (format!("{y}-{m}"), format!("{y}-{m}")),
    }
}

/// Texts in the plan's languages (tr, en, sr): at least one, each at most `max`.
pub fn texts(
    tr: &str,
    en: &str,
    sr: &str,
    max: usize,
) -> Result<BTreeMap<String, String>, &'static str> {
    let mut out = BTreeMap::new();
    for (lang, raw) in [("tr", tr), ("en", en), ("sr", sr)] {
        if let Some(t) = long_text(raw, max)? {
            out.insert(lang.to_owned(), t);
        }
    }
    if out.is_empty() {
        return Err("err-required");
    }
    Ok(out)
}

/// A strategy's or an action plan's head: its code, titles and years.
#[derive(Debug, Clone)]
pub struct Head {
    pub code: Code,
    pub titles: BTreeMap<String, String>,
    pub starts_year: i64,
    pub ends_year: i64,
}

/// Checks a strategy's or a plan's head: every problem at once.
pub fn head(
    code: &str,
    title_tr: &str,
    title_en: &str,
    title_sr: &str,
    starts_year: i64,
    ends_year: i64,
) -> Result<Head, ValidationErrors> {
    let mut e = ValidationErrors::new();
    let code = e.take("code", Code::parse(code));
    let titles = e.take("title_tr", texts(title_tr, title_en, title_sr, 300));
    let starts_year = e.take("starts_year", year(&starts_year.to_string()));
    let ends_year = e.take("ends_year", year(&ends_year.to_string()));
    if let (Some(s), Some(t)) = (starts_year, ends_year) {
        if t < s {
            e.push("ends_year", "err-ends-before-start");
        }
    }
    crate::checked!(e; code, titles, starts_year, ends_year);
    Ok(Head {
        code,
        titles,
        starts_year,
        ends_year,
    })
}

/// An action as a plan's row or a form gives it.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct ActionDraft {
    pub number: String,
    pub text_tr: String,
    pub text_en: String,
    pub text_sr: String,
    /// The responsible institution's code in the directory.
    pub responsible: String,
    /// Cooperating institutions' codes, separated by commas or semicolons.
    pub partners: String,
    pub starts: String,
    pub ends: String,
    pub budget: String,
    pub currency: String,
    pub budget_source: String,
    pub status: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanAction {
    pub number: String,
    pub texts: BTreeMap<String, String>,
    pub responsible: Code,
    pub partners: Vec<Code>,
    pub starts: String,
    pub ends: String,
    pub budget_minor: Option<i64>,
    pub currency: Option<String>,
    pub budget_source: Option<String>,
    pub status: ActionStatus,
}

fn codes_list(raw: &str) -> Result<Vec<Code>, &'static str> {
    let mut out: Vec<Code> = Vec::new();
    for part in raw
        .split([',', ';', '\n'])
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        let c = Code::parse(part)?;
        if !out.contains(&c) {
            out.push(c);
        }
        if out.len() > 30 {
            return Err("err-too-many");
        }
    }
    Ok(out)
}

impl ActionDraft {
    pub fn validate(&self) -> Result<PlanAction, ValidationErrors> {
        let mut e = ValidationErrors::new();
        let number = e.take("number", action_number(&self.number));
        let texts = e.take(
            "text_tr",
            texts(&self.text_tr, &self.text_en, &self.text_sr, 2000),
        );
        let responsible = e.take("responsible", Code::parse(&self.responsible));
        let partners = e.take("partners", codes_list(&self.partners));
        let starts = e.take("starts", period(&self.starts));
        let ends = e.take("ends", period(&self.ends));
        if let (Some(s), Some(t)) = (&starts, &ends) {
            if period_months(t).1 < period_months(s).0 {
                e.push("ends", "err-ends-before-start");
            }
        }
        let budget_minor = e.take("budget", amount(&self.budget));
        let currency = e.take(
            "currency",
            match self.currency.trim().to_ascii_uppercase().as_str() {
                "" => Ok(None),
                c @ ("TRY" | "EUR" | "RSD" | "USD") => Ok(Some(c.to_owned())),
                _ => Err("err-choice"),
            },
        );
        let budget_source = e.take("budget_source", long_text(&self.budget_source, 200));
        let status = e.take(
            "status",
            if self.status.trim().is_empty() {
                Ok(ActionStatus::NotStarted)
            } else {
                ActionStatus::parse(&self.status)
            },
        );
        if let (Some(r), Some(p)) = (&responsible, &partners) {
            if p.contains(r) {
                e.push("partners", "err-partner-is-responsible");
            }
        }
        crate::checked!(e; number, texts, responsible, partners, starts, ends, budget_minor, currency, budget_source, status);
        Ok(PlanAction {
            number,
            texts,
            responsible,
            partners,
            starts,
            ends,
            budget_minor,
            currency,
            budget_source,
            status,
        })
    }
}

/// An indicator as a plan's row or a form gives it.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct IndicatorDraft {
    pub code: String,
    pub definition_tr: String,
    pub definition_en: String,
    pub definition_sr: String,
    pub unit: String,
    pub baseline_value: String,
    pub baseline_year: String,
    /// "2026: 40; 2027: 60"
    pub targets: String,
    pub verification: String,
    pub mode: String,
    pub engine_code: String,
    pub breakdown: String,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Indicator {
    pub code: String,
    pub definitions: BTreeMap<String, String>,
    pub unit: String,
    pub baseline_value: Option<String>,
    pub baseline_year: Option<i64>,
    pub targets: BTreeMap<String, String>,
    pub verification: Option<String>,
    pub mode: IndicatorMode,
    pub engine_code: Option<String>,
    pub breakdown: Breakdown,
}

/// A number as a value or a target: digits with an optional decimal part
/// ("12", "12.5", "12,5"); kept as written with a point.
pub fn figure(raw: &str) -> Result<String, &'static str> {
    let s = raw.trim().trim_end_matches('%').trim().replace(',', ".");
    let ok = !s.is_empty()
        && s.len() <= 18
        && s.split('.').count() <= 2
        && s.chars().all(|c| c.is_ascii_digit() || c == '.')
        && !s.starts_with('.')
        && !s.ends_with('.');
    if ok {
        Ok(s)
    } else {
        Err("err-figure")
    }
}

fn year(raw: &str) -> Result<i64, &'static str> {
    match raw.trim().parse::<i64>() {
        Ok(y) if (2000..=2100).contains(&y) => Ok(y),
        _ => Err("err-year"),
    }
}

/// Targets as "2026: 40; 2027: 60" (or "2026=40, 2027=60").
pub fn targets(raw: &str) -> Result<BTreeMap<String, String>, &'static str> {
    let mut out = BTreeMap::new();
    for part in raw
        .split([';', '\n', '|'])
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        let (y, v) = part.split_once([':', '=']).ok_or("err-targets")?;
        let y = year(y).map_err(|_| "err-targets")?;
        let v = figure(v).map_err(|_| "err-targets")?;
        out.insert(y.to_string(), v);
        if out.len() > 40 {
            return Err("err-targets");
        }
    }
    Ok(out)
}

impl IndicatorDraft {
    pub fn validate(&self) -> Result<Indicator, ValidationErrors> {
        let mut e = ValidationErrors::new();
        let code = e.take("code", Code::parse(&self.code).map(|c| c.to_string()));
        let definitions = e.take(
            "definition_tr",
            texts(
                &self.definition_tr,
                &self.definition_en,
                &self.definition_sr,
                1000,
            ),
        );
        let unit = e.take(
            "unit",
            long_text(&self.unit, 60).and_then(|u| u.ok_or("err-required")),
        );
        let baseline_value = e.take(
            "baseline_value",
            if self.baseline_value.trim().is_empty() {
                Ok(None)
            } else {
                figure(&self.baseline_value).map(Some)
            },
        );
        let baseline_year = e.take(
            "baseline_year",
            if self.baseline_year.trim().is_empty() {
                Ok(None)
            } else {
                year(&self.baseline_year).map(Some)
            },
        );
        let targets = e.take("targets", targets(&self.targets));
        let verification = e.take("verification", long_text(&self.verification, 500));
        let mode = e.take(
            "mode",
            if self.mode.trim().is_empty() {
                Ok(IndicatorMode::Reported)
            } else {
                IndicatorMode::parse(&self.mode)
            },
        );
        let engine_code = e.take(
            "engine_code",
            match self.engine_code.trim() {
                "" => Ok(None),
                c => Code::parse(c).map(|c| Some(c.to_string())),
            },
        );
        let breakdown = e.take(
            "breakdown",
            if self.breakdown.trim().is_empty() {
                Ok(Breakdown::Total)
            } else {
                Breakdown::parse(&self.breakdown)
            },
        );
        crate::checked!(e; code, definitions, unit, baseline_value, baseline_year, targets, verification, mode, engine_code, breakdown);
        Ok(Indicator {
            code,
            definitions,
            unit,
            baseline_value,
            baseline_year,
            targets,
            verification,
            mode,
            engine_code,
            breakdown,
        })
    }
}

// ------------------------------------------------------- the plan's sheet

/// The columns of a plan's spreadsheet: one row per action (and its first
/// indicator); an action's further indicators on rows that repeat its number.
pub const PLAN_FIELDS: &[&str] = &[
    "policy_area",
    "objective_number",
    "objective_text",
    "number",
    "text_tr",
    "text_en",
    "text_sr",
    "responsible",
    "partners",
    "starts",
    "ends",
    "budget",
    "currency",
    "budget_source",
    "status",
    "indicator_code",
    "definition_tr",
    "definition_en",
    "definition_sr",
    "unit",
    "baseline_value",
    "baseline_year",
    "targets",
    "verification",
    "mode",
    "engine_code",
    "breakdown",
];

const PLAN_ALIASES: &[(&str, &[&str])] = &[
    (
        "policy_area",
        &["policy area", "politika alani", "alan", "oblast"],
    ),
    (
        "objective_number",
        &[
            "objective no",
            "objective number",
            "hedef no",
            "amac no",
            "cilj br",
            "broj cilja",
        ],
    ),
    ("objective_text", &["objective", "hedef", "amac", "cilj"]),
    (
        "number",
        &[
            "action no",
            "action number",
            "no",
            "eylem no",
            "mera br",
            "broj mere",
            "aktivnost br",
        ],
    ),
    ("text_tr", &["eylem", "action tr", "eylem turkce"]),
    ("text_en", &["action", "action en", "action english"]),
    ("text_sr", &["mera", "aktivnost", "action sr"]),
    (
        "responsible",
        &[
            "responsible",
            "responsible institution",
            "sorumlu kurum",
            "sorumlu",
            "nosilac",
            "odgovorna institucija",
        ],
    ),
    (
        "partners",
        &[
            "cooperating",
            "cooperating institutions",
            "partners",
            "isbirligi yapilacak kurumlar",
            "isbirligi",
            "partneri",
        ],
    ),
    ("starts", &["start", "starts", "baslangic", "pocetak"]),
    ("ends", &["end", "ends", "bitis", "kraj", "rok"]),
    ("budget", &["budget", "butce", "maliyet", "budzet", "iznos"]),
    ("currency", &["currency", "para birimi", "valuta"]),
    (
        "budget_source",
        &[
            "budget source",
            "source of funds",
            "finansman kaynagi",
            "kaynak",
            "izvor finansiranja",
        ],
    ),
    ("status", &["status", "durum"]),
    (
        "indicator_code",
        &["indicator code", "gosterge kodu", "sifra indikatora"],
    ),
    ("definition_tr", &["gosterge", "performans gostergesi"]),
    ("definition_en", &["indicator", "indicator en"]),
    ("definition_sr", &["indikator", "pokazatelj"]),
    ("unit", &["unit", "birim", "olcu birimi", "jedinica mere"]),
    (
        "baseline_value",
        &[
            "baseline",
            "baseline value",
            "baz deger",
            "baslangic degeri",
            "polazna vrednost",
        ],
    ),
    (
        "baseline_year",
        &["baseline year", "baz yili", "polazna godina"],
    ),
    (
        "targets",
        &["targets", "target", "hedef degerler", "ciljne vrednosti"],
    ),
    (
        "verification",
        &[
            "source of verification",
            "verification",
            "dogrulama kaynagi",
            "izvor provere",
        ],
    ),
    ("mode", &["mode", "reported or computed"]),
    ("engine_code", &["engine code", "computed indicator"]),
    (
        "breakdown",
        &["breakdown", "disaggregation", "kirilim", "razvrstavanje"],
    ),
];

/// Column index → field, guessed from the header row; each field once.
pub fn guess_plan_mapping(headers: &[String]) -> Vec<Option<&'static str>> {
    once_each(
        headers
            .iter()
            .map(|h| header_field(h, PLAN_FIELDS, PLAN_ALIASES)),
    )
}

/// One row of a plan's sheet, checked.
#[derive(Debug, Clone)]
pub struct PlanLine {
    pub policy_area: &'static str,
    pub objective_number: String,
    pub objective_texts: Option<BTreeMap<String, String>>,
    pub action: PlanAction,
    pub indicator: Option<Indicator>,
}

/// Reads one row against a mapping: every problem of the row at once.
/// An objective number that is not a prefix of the action's is refused.
pub fn plan_line(cells: &[String], mapping: &[Option<&str>]) -> Result<PlanLine, ValidationErrors> {
    let get = |f: &str| -> String {
        mapping
            .iter()
            .position(|m| *m == Some(f))
            .and_then(|i| cells.get(i))
            .map(|c| c.trim().to_owned())
            .unwrap_or_default()
    };
    let mut e = ValidationErrors::new();
    let area = e.take("policy_area", policy_area(&get("policy_area")));
    let objective_number = e.take("objective_number", action_number(&get("objective_number")));
    let objective_texts = e.take(
        "objective_text",
        match get("objective_text").as_str() {
            "" => Ok(None),
            t => long_text(t, 2000).map(|t| t.map(|t| BTreeMap::from([("tr".to_owned(), t)]))),
        },
    );
    let action = ActionDraft {
        number: get("number"),
        text_tr: get("text_tr"),
        text_en: get("text_en"),
        text_sr: get("text_sr"),
        responsible: get("responsible"),
        partners: get("partners"),
        starts: crate::import::excel_date(&get("starts")),
        ends: crate::import::excel_date(&get("ends")),
        budget: get("budget"),
        currency: get("currency"),
        budget_source: get("budget_source"),
        status: get("status"),
    }
    .validate();
    let action = match action {
        Ok(a) => Some(a),
        Err(x) => {
            e.0.extend(x.0);
            None
        }
    };
    let has_indicator = [
        "indicator_code",
        "definition_tr",
        "definition_en",
        "definition_sr",
        "unit",
        "targets",
    ]
    .iter()
    .any(|f| !get(f).is_empty());
    let indicator = if has_indicator {
        let d = IndicatorDraft {
            // Without a code column, the action's: "I-1-1-2" (a second
            // indicator of the action then needs a code of its own).
            code: match get("indicator_code") {
                c if c.is_empty() => format!(
                    "I-{}",
                    action_number(&get("number"))
                        .unwrap_or_default()
                        .replace('.', "-")
                ),
                c => c,
            },
            definition_tr: get("definition_tr"),
            definition_en: get("definition_en"),
            definition_sr: get("definition_sr"),
            unit: get("unit"),
            baseline_value: get("baseline_value"),
            baseline_year: get("baseline_year"),
            targets: get("targets"),
            verification: get("verification"),
            mode: get("mode"),
            engine_code: get("engine_code"),
            breakdown: get("breakdown"),
        };
        match d.validate() {
            Ok(i) => Some(Some(i)),
            Err(x) => {
                e.0.extend(x.0.into_iter().map(|mut f| {
                    if f.field == "code" {
                        f.field = "indicator_code".into();
                    }
                    f
                }));
                None
            }
        }
    } else {
        Some(None)
    };
    if let (Some(o), Some(a)) = (&objective_number, &action) {
        if !a.number.starts_with(&format!("{o}.")) {
            e.push("number", "err-action-outside-objective");
        }
    }
    crate::checked!(e; area, objective_number, objective_texts, action, indicator);
    Ok(PlanLine {
        policy_area: area,
        objective_number,
        objective_texts,
        action,
        indicator,
    })
}

// ------------------------------------------------------- progress reports

/// A progress report as a focal point fills it.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct ReportDraft {
    pub action_status: String,
    pub done_text: String,
    pub spending: String,
    pub obstacles: String,
    /// Values of the action's reported indicators: (indicator code, sex or
    /// "", province or "", value).
    pub values: Vec<ReportValueDraft>,
}

#[derive(Debug, Clone, Default, serde::Deserialize, serde::Serialize)]
#[serde(default)]
pub struct ReportValueDraft {
    pub indicator: String,
    /// female, male, or blank for a total
    pub sex: String,
    /// A province's area code (TR-06), or blank
    pub province: String,
    pub value: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    pub action_status: ActionStatus,
    pub done_text: Option<String>,
    pub spending_minor: Option<i64>,
    pub obstacles: Option<String>,
    pub values: Vec<(String, String, String, String)>,
}

impl ReportDraft {
    /// A draft may be saved incomplete; `submitting` asks for the status and
    /// what was done. Values are checked against the indicators' breakdowns
    /// (`breakdowns`: indicator code → breakdown).
    pub fn validate(
        &self,
        submitting: bool,
        breakdowns: &BTreeMap<String, Breakdown>,
    ) -> Result<Report, ValidationErrors> {
        let mut e = ValidationErrors::new();
        let action_status = e.take(
            "action_status",
            match (self.action_status.trim(), submitting) {
                ("", false) => Ok(ActionStatus::NotStarted),
                (s, _) => ActionStatus::parse(s),
            },
        );
        let done_text = e.take("done_text", long_text(&self.done_text, 5000));
        if submitting && matches!(done_text, Some(None)) {
            e.push("done_text", "err-required");
        }
        let spending_minor = e.take("spending", amount(&self.spending));
        let obstacles = e.take("obstacles", long_text(&self.obstacles, 5000));
        let mut values = Vec::new();
        for (i, v) in self.values.iter().enumerate().take(2000) {
            let field = format!("values.{i}");
            let Some(b) = breakdowns.get(v.indicator.trim()) else {
                e.push(field, "err-indicator-unknown");
                continue;
            };
            let sex = v.sex.trim();
            let province = v.province.trim().to_ascii_uppercase();
            let wants_sex = matches!(b, Breakdown::Sex | Breakdown::SexProvince);
            let wants_province = matches!(b, Breakdown::Province | Breakdown::SexProvince);
            let sex_ok = match sex {
                "" => true,
                "female" | "male" => wants_sex,
                _ => false,
            };
            let province_ok = province.is_empty()
                || (wants_province
                    && province.len() <= 12
                    && province.starts_with(|c: char| c.is_ascii_uppercase())
                    && province
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '-'));
            if !sex_ok {
                e.push(field.clone(), "err-value-sex");
                continue;
            }
            if !province_ok {
                e.push(field.clone(), "err-value-province");
                continue;
            }
            match figure(&v.value) {
                Ok(x) => values.push((v.indicator.trim().to_owned(), sex.to_owned(), province, x)),
                Err(c) if v.value.trim().is_empty() => {
                    let _ = c;
                }
                Err(c) => e.push(field, c),
            }
        }
        if self.values.len() > 2000 {
            e.push("values", "err-too-many");
        }
        let mut seen = std::collections::BTreeSet::new();
        for v in &values {
            if !seen.insert((v.0.clone(), v.1.clone(), v.2.clone())) {
                e.push("values", "err-value-twice");
                break;
            }
        }
        crate::checked!(e; action_status, done_text, spending_minor, obstacles);
        Ok(Report {
            action_status,
            done_text,
            spending_minor,
            obstacles,
            values,
        })
    }
}

/// Comments of a return: field → comment; at least one, each at most 1,000
/// characters, on the fields a report has.
pub fn review_comments(
    raw: &BTreeMap<String, String>,
) -> Result<BTreeMap<String, String>, ValidationErrors> {
    const FIELDS: &[&str] = &[
        "action_status",
        "done_text",
        "spending",
        "obstacles",
        "values",
        "evidence",
    ];
    let mut e = ValidationErrors::new();
    let mut out = BTreeMap::new();
    for (field, text) in raw {
        if !FIELDS.contains(&field.as_str()) {
            e.push(
                format!("comments.{}", field.chars().take(40).collect::<String>()),
                "err-choice",
            );
            continue;
        }
        match long_text(text, 1000) {
            Ok(Some(t)) => {
                out.insert(field.clone(), t);
            }
            Ok(None) => {}
            Err(c) => e.push(format!("comments.{field}"), c),
        }
    }
    if out.is_empty() && e.is_empty() {
        e.push("comments", "err-return-comment");
    }
    e.into_result()?;
    Ok(out)
}

/// The narrative sections of an annual monitoring report, in the order the
/// report prints them; each policy area has one more, `area.<code>`.
pub const ANNUAL_SECTIONS: &[&str] = &["summary", "context", "conclusions", "recommendations"];

/// The languages an annual report is written in: Turkish and English, and
/// Serbian (either script) for a Serbian plan.
pub fn annual_language(raw: &str, serbian_plan: bool) -> Result<&'static str, &'static str> {
    match raw.trim() {
        "tr" if !serbian_plan => Ok("tr"),
        "en" => Ok("en"),
        "sr-Cyrl" | "sr" if serbian_plan => Ok("sr-Cyrl"),
        "sr-Latn" if serbian_plan => Ok("sr-Latn"),
        _ => Err("err-choice"),
    }
}

/// An annual report's narrative as written: known sections only, each at
/// most 20,000 characters; empty sections are dropped.
pub fn annual_narrative(
    raw: &BTreeMap<String, String>,
) -> Result<BTreeMap<String, String>, ValidationErrors> {
    let mut e = ValidationErrors::new();
    let mut out = BTreeMap::new();
    for (key, text) in raw {
        let known = ANNUAL_SECTIONS.contains(&key.as_str())
            || key
                .strip_prefix("area.")
                .is_some_and(|a| POLICY_AREAS.iter().any(|(code, _)| *code == a));
        if !known {
            e.push(
                format!("sections.{}", key.chars().take(40).collect::<String>()),
                "err-choice",
            );
            continue;
        }
        match long_text(text, 20_000) {
            Ok(Some(t)) => {
                out.insert(key.clone(), t);
            }
            Ok(None) => {}
            Err(c) => e.push(format!("sections.{key}"), c),
        }
    }
    e.into_result()?;
    Ok(out)
}

closed_list!(
    /// Where a monitoring visit's recommendation stands.
    RecommendationStatus, "recommendation-status" {
        Open = "open",
        InProgress = "in_progress",
        Implemented = "implemented",
        Dropped = "dropped",
    }
);

impl RecommendationStatus {
    /// Implemented and dropped recommendations are closed.
    pub fn is_closed(self) -> bool {
        matches!(self, Self::Implemented | Self::Dropped)
    }
}

fn required_label(raw: &str) -> Result<String, &'static str> {
    crate::codes::optional_label(raw).and_then(|l| l.map(|l| l.to_string()).ok_or("err-required"))
}

fn required_date(raw: &str) -> Result<String, &'static str> {
    crate::codes::optional_date(raw).and_then(|d| d.ok_or("err-required"))
}

/// A monitoring visit as planned (a province, its days, the team).
#[derive(Debug, Clone, Default, serde::Deserialize, serde::Serialize, utoipa::ToSchema)]
#[serde(default)]
pub struct VisitDraft {
    /// The province's area code (TR-35).
    pub province: String,
    pub title: String,
    pub starts_on: String,
    pub ends_on: String,
    /// The team's members, one per line or separated by commas.
    pub team: String,
    pub purpose: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Visit {
    pub province: String,
    pub title: String,
    pub starts_on: String,
    pub ends_on: String,
    pub team: Vec<String>,
    pub purpose: Option<String>,
}

impl VisitDraft {
    /// A visit lasts at most a month and has a team of one to twenty.
    pub fn validate(&self) -> Result<Visit, ValidationErrors> {
        let mut e = ValidationErrors::new();
        let province = self.province.trim().to_owned();
        if province.is_empty() || province.len() > 40 {
            e.push("province", "err-required");
        }
        let title = e.take("title", required_label(&self.title));
        let starts_on = e.take("starts_on", required_date(&self.starts_on));
        let ends_on = e.take("ends_on", required_date(&self.ends_on));
        if let (Some(a), Some(b)) = (&starts_on, &ends_on) {
            if b < a {
                e.push("ends_on", "err-ends-before-start");
            } else if matches!((crate::case::day_number(a), crate::case::day_number(b)), (Some(x), Some(y)) if y - x > 31)
            {
                e.push("ends_on", "err-visit-too-long");
            }
        }
        let team: Vec<String> = self
            .team
            .split(['\n', ','])
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(str::to_owned)
            .collect();
        if team.is_empty() {
            e.push("team", "err-required");
        } else if team.len() > 20 || team.iter().any(|t| t.chars().count() > 100) {
            e.push("team", "err-too-long");
        } else if team.iter().any(|t| t.chars().any(char::is_control)) {
            e.push("team", "err-control-chars");
        }
        let purpose = e.take("purpose", long_text(&self.purpose, 5000));
        e.into_result()?;
        let (Some(title), Some(starts_on), Some(ends_on), Some(purpose)) =
            (title, starts_on, ends_on, purpose)
        else {
            return Err(ValidationErrors::single("visit", "err-required"));
        };
        Ok(Visit {
            province,
            title,
            starts_on,
            ends_on,
            team,
            purpose,
        })
    }
}

/// A meeting on a visit's agenda: an institution of the directory (a
/// directorate, a muhtarlık, an NGO), its participants and the notes.
#[derive(Debug, Clone, Default, serde::Deserialize, serde::Serialize, utoipa::ToSchema)]
#[serde(default)]
pub struct MeetingDraft {
    pub held_on: String,
    /// The institution's code in the directory.
    pub institution: String,
    /// Who took part (names and roles), free text.
    pub participants: String,
    pub notes: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Meeting {
    pub held_on: String,
    pub institution: String,
    pub participants: Option<String>,
    pub notes: Option<String>,
}

impl MeetingDraft {
    /// `days`: the visit's first and last day; the meeting falls between.
    pub fn validate(&self, days: (&str, &str)) -> Result<Meeting, ValidationErrors> {
        let mut e = ValidationErrors::new();
        let held_on = e.take("held_on", required_date(&self.held_on));
        if let Some(d) = &held_on {
            if d.as_str() < days.0 || d.as_str() > days.1 {
                e.push("held_on", "err-meeting-outside-visit");
            }
        }
        let institution = self.institution.trim().to_owned();
        if institution.is_empty() || institution.len() > 40 {
            e.push("institution", "err-required");
        }
        let participants = e.take("participants", long_text(&self.participants, 2000));
        let notes = e.take("notes", long_text(&self.notes, 10_000));
        e.into_result()?;
        let (Some(held_on), Some(participants), Some(notes)) = (held_on, participants, notes)
        else {
            return Err(ValidationErrors::single("meeting", "err-required"));
        };
        Ok(Meeting {
            held_on,
            institution,
            participants,
            notes,
        })
    }
}

/// A finding of a visit, linked to a policy area or an action of a plan.
#[derive(Debug, Clone, Default, serde::Deserialize, serde::Serialize, utoipa::ToSchema)]
#[serde(default)]
pub struct FindingDraft {
    /// The meeting it came from (optional).
    pub meeting_id: String,
    pub text: String,
    /// education, employment, health, housing, social_assistance, cross_cutting
    pub policy_area: String,
    /// An action of a plan (its id); its policy area is the finding's.
    pub action_id: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub meeting_id: Option<String>,
    pub text: String,
    pub policy_area: Option<&'static str>,
    pub action_id: Option<String>,
}

fn optional_id(raw: &str) -> Option<String> {
    Some(raw.trim().to_owned()).filter(|s| !s.is_empty() && s.len() <= 64)
}

impl FindingDraft {
    pub fn validate(&self) -> Result<Finding, ValidationErrors> {
        let mut e = ValidationErrors::new();
        let text = e.take(
            "text",
            long_text(&self.text, 5000).and_then(|t| t.ok_or("err-required")),
        );
        let policy_area = match self.policy_area.trim() {
            "" => None,
            raw => e.take("policy_area", policy_area(raw)),
        };
        let action_id = optional_id(&self.action_id);
        if policy_area.is_none() && action_id.is_none() && self.policy_area.trim().is_empty() {
            e.push("policy_area", "err-finding-link");
        }
        e.into_result()?;
        let Some(text) = text else {
            return Err(ValidationErrors::single("text", "err-required"));
        };
        Ok(Finding {
            meeting_id: optional_id(&self.meeting_id),
            text,
            policy_area,
            action_id,
        })
    }
}

/// A recommendation: what an institution should do, by when.
#[derive(Debug, Clone, Default, serde::Deserialize, serde::Serialize, utoipa::ToSchema)]
#[serde(default)]
pub struct RecommendationDraft {
    /// The finding it answers (optional).
    pub finding_id: String,
    pub text: String,
    /// The responsible institution's code.
    pub responsible: String,
    pub due_on: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recommendation {
    pub finding_id: Option<String>,
    pub text: String,
    pub responsible: String,
    pub due_on: String,
}

impl RecommendationDraft {
    pub fn validate(&self) -> Result<Recommendation, ValidationErrors> {
        let mut e = ValidationErrors::new();
        let text = e.take(
            "text",
            long_text(&self.text, 5000).and_then(|t| t.ok_or("err-required")),
        );
        let responsible = self.responsible.trim().to_owned();
        if responsible.is_empty() || responsible.len() > 40 {
            e.push("responsible", "err-required");
        }
        let due_on = e.take("due_on", required_date(&self.due_on));
        e.into_result()?;
        let (Some(text), Some(due_on)) = (text, due_on) else {
            return Err(ValidationErrors::single("recommendation", "err-required"));
        };
        Ok(Recommendation {
            finding_id: optional_id(&self.finding_id),
            text,
            responsible,
            due_on,
        })
    }
}

/// A follow-up of a recommendation by its owner: where it stands and what was done.
#[derive(Debug, Clone, Default, serde::Deserialize, serde::Serialize, utoipa::ToSchema)]
#[serde(default)]
pub struct FollowUpDraft {
    /// open, in_progress, implemented, dropped
    pub status: String,
    pub note: String,
    /// The recommendation's version as read.
    pub version: i64,
}

impl FollowUpDraft {
    pub fn validate(&self) -> Result<(RecommendationStatus, String), ValidationErrors> {
        let mut e = ValidationErrors::new();
        let status = e.take("status", RecommendationStatus::parse(self.status.trim()));
        let note = e.take(
            "note",
            long_text(&self.note, 5000).and_then(|t| t.ok_or("err-required")),
        );
        e.into_result()?;
        match (status, note) {
            (Some(s), Some(n)) => Ok((s, n)),
            _ => Err(ValidationErrors::single("note", "err-required")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_visit_its_meetings_findings_and_recommendations_are_checked() {
        let v = VisitDraft {
            province: "TR-35".into(),
            title: "1. İzleme Ziyareti".into(),
            starts_on: "2022-02-23".into(),
            ends_on: "2022-02-25".into(),
            team: "Ayşe Kaya\nMehmet Demir, Zeynep Ak".into(),
            purpose: String::new(),
        }
        .validate()
        .unwrap();
        assert_eq!(v.team.len(), 3);
        let bad = VisitDraft {
            ends_on: "2022-04-25".into(),
            team: " ".into(),
            ..Default::default()
        };
        let e = bad.validate().unwrap_err();
        let fields: Vec<&str> = e.0.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(fields, ["province", "title", "starts_on", "team"]);
        let m = MeetingDraft {
            held_on: "2022-02-26".into(),
            institution: "MUH-EGE".into(),
            ..Default::default()
        };
        assert_eq!(
            m.validate(("2022-02-23", "2022-02-25")).unwrap_err().0[0].code,
            "err-meeting-outside-visit"
        );
        let f = FindingDraft {
            text: "Okul servisi yok".into(),
            ..Default::default()
        };
        assert_eq!(f.validate().unwrap_err().0[0].code, "err-finding-link");
        let f = FindingDraft {
            text: "Okul servisi yok".into(),
            policy_area: "Eğitim".into(),
            ..Default::default()
        };
        assert_eq!(f.validate().unwrap().policy_area, Some("education"));
        let r = FollowUpDraft {
            status: "implemented".into(),
            note: "Servis başladı".into(),
            version: 1,
        };
        assert!(r.validate().unwrap().0.is_closed());
        assert!(FollowUpDraft::default().validate().is_err());
    }

    #[test]
    fn an_annual_narrative_keeps_known_sections_only() {
        let mut raw = BTreeMap::new();
        raw.insert("summary".to_owned(), "  Özet  ".to_owned());
        raw.insert("area.education".to_owned(), "Eğitim".to_owned());
        raw.insert("context".to_owned(), "   ".to_owned());
        let ok = annual_narrative(&raw).unwrap();
        assert_eq!(ok.get("summary").map(String::as_str), Some("Özet"));
        assert_eq!(ok.len(), 2, "the blank section is dropped");
        raw.insert("area.space".to_owned(), "x".to_owned());
        raw.insert("conclusions".to_owned(), "y".repeat(20_001));
        let e = annual_narrative(&raw).unwrap_err();
        let fields: Vec<&str> = e.0.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(fields, ["sections.area.space", "sections.conclusions"]);
        assert_eq!(annual_language("sr", true), Ok("sr-Cyrl"));
        assert!(annual_language("sr", false).is_err());
        assert!(annual_language("tr", true).is_err());
    }

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| (*x).to_owned()).collect()
    }

    #[test]
    fn numbers_periods_and_targets() {
        assert_eq!(action_number("2.1.03").unwrap(), "2.1.3");
        assert_eq!(action_number("2.1.").unwrap(), "2.1");
        assert!(action_number("2..1").is_err());
        assert!(action_number("A.1").is_err());
        assert!(number_sort_key("2.1.10") > number_sort_key("2.1.9"));
        assert_eq!(period("2026").unwrap(), "2026");
        assert_eq!(period("2026 q2").unwrap(), "2026-Q2");
        assert_eq!(period("2026/3").unwrap(), "2026-Q3");
        assert_eq!(period("2026-05").unwrap(), "2026-05");
        assert!(period("2026-13").is_err());
        assert!(period("1999").is_err());
        assert_eq!(
            period_months("2026-Q2"),
            ("2026-04".into(), "2026-06".into())
        );
        let t = targets("2026: 40; 2027=60,5").unwrap();
        assert_eq!(t.get("2027").map(String::as_str), Some("60.5"));
        assert!(targets("2026 40").is_err());
        assert_eq!(policy_area("Eğitim").unwrap(), "education");
        assert_eq!(
            policy_area("Sosyal Yardım ve Hizmetler").unwrap(),
            "social_assistance"
        );
        assert!(policy_area("Sport").is_err());
    }

    #[test]
    fn a_ministrys_row_is_an_action_and_its_indicator() {
        let headers = s(&[
            "Politika Alanı",
            "Hedef No",
            "Hedef",
            "Eylem No",
            "Eylem",
            "Action",
            "Sorumlu Kurum",
            "İşbirliği Yapılacak Kurumlar",
            "Başlangıç",
            "Bitiş",
            "Bütçe",
            "Gösterge",
            "Birim",
            "Baz Değer",
            "Baz Yılı",
            "Hedef Değerler",
        ]);
        let m = guess_plan_mapping(&headers);
        assert!(m.iter().all(Option::is_some), "{m:?}");
        let row = s(&[
            "Eğitim",
            "1.1",
            "Okul öncesi eğitime erişim",
            "1.1.2",
            "Okul öncesi kayıt kampanyası",
            "Pre-school enrolment campaign",
            "MIN-MEB",
            "MIN-ASHB; ISKUR-GM",
            "2026-Q1",
            "2027",
            "1.250.000,00",
            "Okul öncesine kayıtlı çocuk",
            "çocuk",
            "1200",
            "2025",
            "2026: 1500; 2027: 1800",
        ]);
        let l = plan_line(&row, &m).unwrap();
        assert_eq!(l.policy_area, "education");
        assert_eq!(l.action.number, "1.1.2");
        assert_eq!(l.action.partners.len(), 2);
        assert_eq!(l.action.budget_minor, Some(125_000_000));
        let i = l.indicator.unwrap();
        assert_eq!(i.targets.len(), 2);
        assert_eq!(i.mode, IndicatorMode::Reported);
        // Every problem of a row at once.
        let bad = s(&[
            "Spor", "1.1", "", "2.3", "", "", "", "MIN-MEB", "2027", "2026", "çok", "x", "", "",
            "", "",
        ]);
        let e = plan_line(&bad, &m).unwrap_err();
        // An action numbered outside its objective.
        let mut outside = row.clone();
        outside[3] = "2.1.2".into();
        let x = plan_line(&outside, &m).unwrap_err();
        assert_eq!(x.0[0].code, "err-action-outside-objective");
        let fields: Vec<&str> = e.0.iter().map(|f| f.field.as_str()).collect();
        for f in [
            "policy_area",
            "text_tr",
            "responsible",
            "ends",
            "budget",
            "unit",
        ] {
            assert!(fields.contains(&f), "{f}: {fields:?}");
        }
    }

    #[test]
    fn reports_check_values_against_breakdowns() {
        let b = BTreeMap::from([
            ("IND-1".to_owned(), Breakdown::Sex),
            ("IND-2".to_owned(), Breakdown::Total),
        ]);
        let d = ReportDraft {
            action_status: "on_track".into(),
            done_text: "Kampanya 12 ilde yapıldı".into(),
            values: vec![
                ReportValueDraft {
                    indicator: "IND-1".into(),
                    sex: "female".into(),
                    value: "40".into(),
                    ..Default::default()
                },
                ReportValueDraft {
                    indicator: "IND-1".into(),
                    sex: "male".into(),
                    value: "35".into(),
                    ..Default::default()
                },
                ReportValueDraft {
                    indicator: "IND-2".into(),
                    value: "75".into(),
                    ..Default::default()
                },
            ],
            ..Default::default()
        };
        assert_eq!(d.validate(true, &b).unwrap().values.len(), 3);
        let bad = ReportDraft {
            values: vec![
                ReportValueDraft {
                    indicator: "IND-2".into(),
                    sex: "female".into(),
                    value: "4".into(),
                    ..Default::default()
                },
                ReportValueDraft {
                    indicator: "IND-9".into(),
                    value: "4".into(),
                    ..Default::default()
                },
                ReportValueDraft {
                    indicator: "IND-1".into(),
                    value: "many".into(),
                    ..Default::default()
                },
            ],
            ..Default::default()
        };
        let e = bad.validate(true, &b).unwrap_err();
        let codes: Vec<&str> = e.0.iter().map(|f| f.code).collect();
        assert_eq!(
            codes,
            vec![
                "err-required",
                "err-required",
                "err-value-sex",
                "err-indicator-unknown",
                "err-figure"
            ]
        );
        // A draft may be saved with nothing yet.
        assert!(ReportDraft::default().validate(false, &b).is_ok());
        assert!(review_comments(&BTreeMap::new()).is_err());
        assert!(
            review_comments(&BTreeMap::from([("done_text".into(), "Say where".into())])).is_ok()
        );
    }
}
