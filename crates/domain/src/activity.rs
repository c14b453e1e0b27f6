//! Programme activities: trainings, courses, after-school activities, events
//! and community meetings, their sessions, participants and attendance, the
//! rule that says who completed one, transport support and volunteer
//! placements. Drafts (text, as forms and JSON give it) check into values the
//! store can trust, with every problem named by field.

use crate::casework::long_text;
use crate::codes::{optional_date, AreaCode, Code, Label};
use crate::error::ValidationErrors;
use crate::reference::closed_list;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

closed_list!(
    /// What kind of thing an activity is.
    ActivityKind, "activity-kind" {
        Training = "training",
        VocationalCourse = "vocational_course",
        AfterSchool = "after_school",
        AwarenessEvent = "awareness_event",
        HealthLiteracy = "health_literacy",
        ProfessionalTraining = "professional_training",
        CommunityMeeting = "community_meeting",
        FieldResearch = "field_research",
    }
);

closed_list!(
    /// Where an activity is in its life.
    ActivityStatus, "activity-status" {
        Planned = "planned",
        Running = "running",
        Completed = "completed",
        Cancelled = "cancelled",
    }
);

impl ActivityStatus {
    /// planned → running → completed, and cancelled from either of the first two.
    pub fn next(self) -> &'static [ActivityStatus] {
        use ActivityStatus::*;
        match self {
            Planned => &[Running, Cancelled],
            Running => &[Completed, Cancelled],
            Completed | Cancelled => &[],
        }
    }
    pub fn may_become(self, to: ActivityStatus) -> bool {
        self.next().contains(&to)
    }
    /// Finished activities are read-only: no new sessions, enrolments or marks.
    pub fn is_final(self) -> bool {
        matches!(self, ActivityStatus::Completed | ActivityStatus::Cancelled)
    }
}

closed_list!(
    /// A participant's attendance at one session.
    AttendanceMark, "attendance" {
        Present = "present",
        Absent = "absent",
        Excused = "excused",
    }
);

closed_list!(
    /// Who a participant is: a person of the registry, or a professional
    /// (a teacher, a nurse, a municipal official) who is not a beneficiary.
    ParticipantKind, "participant-kind" {
        Person = "person",
        Professional = "professional",
    }
);

closed_list!(
    /// How a person came onto an activity's list.
    EnrolledVia, "enrolled-via" {
        Search = "search",
        Household = "household",
        Case = "case",
        Filter = "filter",
        Import = "import",
    }
);

closed_list!(
    /// Age bands of the head counts taken at mass events.
    AgeBand, "age-band" {
        Under7 = "0_6",
        From7To17 = "7_17",
        From18To29 = "18_29",
        From30To54 = "30_54",
        From55 = "55_plus",
    }
);

closed_list!(
    /// The sexes a head count is taken by.
    CountedSex, "counted-sex" {
        Female = "female",
        Male = "male",
        Unknown = "unknown",
    }
);

/// The languages an activity's title may be written in: the four of the
/// interface and Romani.
pub const TITLE_LANGUAGES: [&str; 5] = ["tr", "en", "sr-Cyrl", "sr-Latn", "rom"];

/// An amount of money as typed (`1250`, `1250.5`, `1.250,50`): at most two
/// decimals, not negative, below a trillion; in hundredths.
pub fn amount(raw: &str) -> Result<Option<i64>, &'static str> {
    let s: String = raw.trim().chars().filter(|c| !c.is_whitespace()).collect();
    if s.is_empty() {
        return Ok(None);
    }
    // The last `,` or `.` followed by one or two digits is the decimal mark;
    // every other one groups thousands.
    let cut = s
        .rfind([',', '.'])
        .filter(|&i| (1..=2).contains(&(s.len() - i - 1)));
    let (whole, frac) = match cut {
        Some(i) => (&s[..i], &s[i + 1..]),
        None => (s.as_str(), ""),
    };
    let whole: String = whole.chars().filter(|c| *c != '.' && *c != ',').collect();
    if whole.is_empty() && frac.is_empty() {
        return Err("err-amount");
    }
    if !whole.bytes().all(|b| b.is_ascii_digit()) || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return Err("err-amount");
    }
    if whole.len() > 12 {
        return Err("err-amount");
    }
    let w: i64 = if whole.is_empty() {
        0
    } else {
        whole.parse().map_err(|_| "err-amount")?
    };
    let f: i64 = match frac.len() {
        0 => 0,
        1 => frac.parse::<i64>().map_err(|_| "err-amount")? * 10,
        _ => frac.parse().map_err(|_| "err-amount")?,
    };
    Ok(Some(w * 100 + f))
}

/// Hundredths as `1250.50`.
pub fn format_amount(minor: i64) -> String {
    format!("{}.{:02}", minor / 100, (minor % 100).abs())
}

/// A time of day `HH:MM` (`9:30` and `09.30` too).
pub fn time_of_day(raw: &str) -> Result<Option<String>, &'static str> {
    let s = raw.trim().replace('.', ":");
    if s.is_empty() {
        return Ok(None);
    }
    let (h, m) = s.split_once(':').ok_or("err-time")?;
    let (Ok(h), Ok(m)) = (h.parse::<u32>(), m.parse::<u32>()) else {
        return Err("err-time");
    };
    if h > 23 || m > 59 || s.len() > 5 {
        return Err("err-time");
    }
    Ok(Some(format!("{h:02}:{m:02}")))
}

/// A whole number within `range`, blank as `None`.
fn bounded(raw: &str, range: std::ops::RangeInclusive<i64>) -> Result<Option<i64>, &'static str> {
    let s = raw.trim();
    if s.is_empty() {
        return Ok(None);
    }
    let n: i64 = s.parse().map_err(|_| "err-number")?;
    if !range.contains(&n) {
        return Err("err-number-range");
    }
    Ok(Some(n))
}

fn optional_code(raw: &str) -> Result<Option<Code>, &'static str> {
    if raw.trim().is_empty() {
        Ok(None)
    } else {
        Code::parse(raw).map(Some)
    }
}

/// Who completed an activity: a share of its sessions attended, every
/// module, a pass mark on the post-test — each optional, all that are set
/// must hold. No rule at all: attending once completes.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct CompletionRule {
    /// Percent of the activity's sessions attended (present), 1–100.
    pub min_share: Option<i64>,
    /// Every module of the activity attended at least once.
    pub all_modules: bool,
    /// The lowest post-test score that passes, 0–100.
    pub pass_mark: Option<i64>,
}

/// One participant's standing against the rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Completion {
    /// Sessions attended (present).
    pub attended: i64,
    /// The activity's sessions.
    pub sessions: i64,
    /// Percent attended, rounded down.
    pub share: i64,
    /// Modules not yet attended, when the rule asks for every module.
    pub modules_missing: Vec<String>,
    /// The post-test passes the pass mark (`None`: no pass mark or no score yet).
    pub passed: Option<bool>,
    pub complete: bool,
}

impl CompletionRule {
    /// `sessions` are (session id, module) of every session of the activity;
    /// `present` the ids of the sessions the participant attended.
    pub fn evaluate(
        &self,
        sessions: &[(String, Option<String>)],
        present: &BTreeSet<String>,
        post_score: Option<i64>,
    ) -> Completion {
        let total = sessions.len() as i64;
        let attended = sessions
            .iter()
            .filter(|(id, _)| present.contains(id))
            .count() as i64;
        let share = if total == 0 {
            0
        } else {
            attended * 100 / total
        };
        let mut modules: BTreeMap<&str, bool> = BTreeMap::new();
        for (id, m) in sessions {
            if let Some(m) = m.as_deref().filter(|m| !m.is_empty()) {
                *modules.entry(m).or_default() |= present.contains(id);
            }
        }
        let modules_missing: Vec<String> = if self.all_modules {
            modules
                .iter()
                .filter(|(_, done)| !**done)
                .map(|(m, _)| (*m).to_owned())
                .collect()
        } else {
            Vec::new()
        };
        let passed = self
            .pass_mark
            .and_then(|mark| post_score.map(|score| score >= mark));
        let share_ok = match self.min_share {
            Some(min) => total > 0 && share >= min,
            None => attended > 0,
        };
        let complete = share_ok
            && modules_missing.is_empty()
            && (self.pass_mark.is_none() || passed == Some(true));
        Completion {
            attended,
            sessions: total,
            share,
            modules_missing,
            passed,
            complete,
        }
    }
}

/// An activity as entered.
#[derive(Debug, Clone, Default)]
pub struct ActivityDraft {
    pub programme_code: String,
    pub result_area: String,
    /// The organising unit, or (one of the two) the organising institution.
    pub unit_code: String,
    pub institution_code: String,
    pub kind: String,
    /// (language tag, title); blank titles are dropped.
    pub titles: Vec<(String, String)>,
    pub area_code: String,
    pub venue: String,
    pub starts_on: String,
    pub ends_on: String,
    pub capacity: String,
    pub target_group: String,
    /// User ids of the facilitators.
    pub facilitators: Vec<String>,
    pub budget_line: String,
    pub cost: String,
    pub currency: String,
    pub min_share: String,
    pub all_modules: bool,
    pub pass_mark: String,
}

/// Who runs an activity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "code", rename_all = "snake_case")]
pub enum Organiser {
    Unit(Code),
    Institution(Code),
}

#[derive(Debug, Clone)]
pub struct NewActivity {
    pub programme_code: Code,
    pub result_area: Option<String>,
    pub organiser: Organiser,
    pub kind: ActivityKind,
    pub titles: BTreeMap<String, String>,
    pub area_code: AreaCode,
    pub venue: Option<String>,
    pub starts_on: String,
    pub ends_on: Option<String>,
    pub capacity: Option<i64>,
    pub target_group: Option<String>,
    pub facilitators: Vec<String>,
    pub budget_line: Option<String>,
    pub cost: Option<i64>,
    pub currency: Option<String>,
    pub rule: CompletionRule,
}

fn currency(raw: &str) -> Result<Option<String>, &'static str> {
    let s = raw.trim().to_ascii_uppercase();
    if s.is_empty() {
        return Ok(None);
    }
    if s.len() == 3 && s.bytes().all(|b| b.is_ascii_uppercase()) {
        Ok(Some(s))
    } else {
        Err("err-currency")
    }
}

impl ActivityDraft {
    pub fn validate(&self) -> Result<NewActivity, ValidationErrors> {
        let mut e = ValidationErrors::new();
        let programme_code = e.take("programme_code", Code::parse(&self.programme_code));
        let result_area = e.take(
            "result_area",
            crate::codes::optional_label(&self.result_area).map(|l| l.map(|l| l.to_string())),
        );
        let organiser = match (
            optional_code(&self.unit_code),
            optional_code(&self.institution_code),
        ) {
            (Ok(Some(u)), Ok(None)) => Some(Organiser::Unit(u)),
            (Ok(None), Ok(Some(i))) => Some(Organiser::Institution(i)),
            (Ok(None), Ok(None)) => {
                e.push("unit_code", "err-activity-organiser");
                None
            }
            (Ok(Some(_)), Ok(Some(_))) => {
                e.push("institution_code", "err-activity-organiser");
                None
            }
            (Err(c), _) => {
                e.push("unit_code", c);
                None
            }
            (_, Err(c)) => {
                e.push("institution_code", c);
                None
            }
        };
        let kind = e.take("kind", ActivityKind::parse(&self.kind));
        let mut titles = BTreeMap::new();
        for (lang, text) in &self.titles {
            if text.trim().is_empty() {
                continue;
            }
            let field = format!("title_{lang}");
            if !TITLE_LANGUAGES.contains(&lang.as_str()) {
                e.push("titles", "err-title-language");
                continue;
            }
            if let Some(l) = e.take(&field, Label::parse(text)) {
                titles.insert(lang.clone(), l.to_string());
            }
        }
        if titles.is_empty() && !e.0.iter().any(|f| f.field.starts_with("title")) {
            e.push("titles", "err-activity-title");
        }
        let area_code = e.take("area_code", AreaCode::parse(&self.area_code));
        let venue = e.take("venue", crate::codes::optional_text(&self.venue));
        let starts_on = e.take(
            "starts_on",
            optional_date(&self.starts_on).and_then(|d| d.ok_or("err-required")),
        );
        let ends_on = e.take("ends_on", optional_date(&self.ends_on));
        if let (Some(s), Some(Some(end))) = (&starts_on, &ends_on) {
            if end < s {
                e.push("ends_on", "err-ends-before-start");
            }
        }
        let capacity = e.take("capacity", bounded(&self.capacity, 1..=100_000));
        let target_group = e.take("target_group", long_text(&self.target_group, 500));
        let mut facilitators: Vec<String> = Vec::new();
        for f in self.facilitators.iter().map(|f| f.trim()) {
            if !f.is_empty() && !facilitators.iter().any(|x| x == f) {
                facilitators.push(f.to_owned());
            }
        }
        let budget_line = e.take(
            "budget_line",
            crate::codes::optional_label(&self.budget_line).map(|l| l.map(|l| l.to_string())),
        );
        let cost = e.take("cost", amount(&self.cost));
        let currency = e.take("currency", currency(&self.currency));
        if matches!(cost, Some(Some(_))) && matches!(currency, Some(None)) {
            e.push("currency", "err-required");
        }
        let min_share = e.take("min_share", bounded(&self.min_share, 1..=100));
        let pass_mark = e.take("pass_mark", bounded(&self.pass_mark, 0..=100));
        e.into_result()?;
        let (
            Some(programme_code),
            Some(result_area),
            Some(organiser),
            Some(kind),
            Some(area_code),
            Some(venue),
            Some(starts_on),
            Some(ends_on),
            Some(capacity),
            Some(target_group),
            Some(budget_line),
            Some(cost),
            Some(currency),
            Some(min_share),
            Some(pass_mark),
        ) = (
            programme_code,
            result_area,
            organiser,
            kind,
            area_code,
            venue,
            starts_on,
            ends_on,
            capacity,
            target_group,
            budget_line,
            cost,
            currency,
            min_share,
            pass_mark,
        )
        else {
            return Err(ValidationErrors::single("activity", "err-required"));
        };
        Ok(NewActivity {
            programme_code,
            result_area,
            organiser,
            kind,
            titles,
            area_code,
            venue,
            starts_on,
            ends_on,
            capacity,
            target_group,
            facilitators,
            budget_line,
            cost,
            currency,
            rule: CompletionRule {
                min_share,
                all_modules: self.all_modules,
                pass_mark,
            },
        })
    }
}

/// A session as entered.
#[derive(Debug, Clone, Default)]
pub struct SessionDraft {
    pub held_on: String,
    pub starts_at: String,
    pub ends_at: String,
    pub module: String,
    pub topic: String,
    /// A user id; blank: the activity's facilitators.
    pub facilitator_id: String,
    pub venue: String,
}

#[derive(Debug, Clone)]
pub struct NewSession {
    pub held_on: String,
    pub starts_at: Option<String>,
    pub ends_at: Option<String>,
    pub module: Option<String>,
    pub topic: Option<String>,
    pub facilitator_id: Option<String>,
    pub venue: Option<String>,
}

impl SessionDraft {
    pub fn validate(&self) -> Result<NewSession, ValidationErrors> {
        let mut e = ValidationErrors::new();
        let held_on = e.take(
            "held_on",
            optional_date(&self.held_on).and_then(|d| d.ok_or("err-required")),
        );
        let starts_at = e.take("starts_at", time_of_day(&self.starts_at));
        let ends_at = e.take("ends_at", time_of_day(&self.ends_at));
        if let (Some(Some(s)), Some(Some(end))) = (&starts_at, &ends_at) {
            if end <= s {
                e.push("ends_at", "err-ends-before-start");
            }
        }
        let label = |raw: &str| crate::codes::optional_label(raw).map(|l| l.map(|l| l.to_string()));
        let module = e.take("module", label(&self.module));
        let topic = e.take("topic", label(&self.topic));
        let venue = e.take("venue", crate::codes::optional_text(&self.venue));
        e.into_result()?;
        let (Some(held_on), Some(starts_at), Some(ends_at), Some(module), Some(topic), Some(venue)) =
            (held_on, starts_at, ends_at, module, topic, venue)
        else {
            return Err(ValidationErrors::single("session", "err-required"));
        };
        let facilitator_id = Some(self.facilitator_id.trim().to_owned()).filter(|s| !s.is_empty());
        Ok(NewSession {
            held_on,
            starts_at,
            ends_at,
            module,
            topic,
            facilitator_id,
            venue,
        })
    }
}

/// A professional on an activity's list, as entered.
#[derive(Debug, Clone, Default)]
pub struct ProfessionalDraft {
    pub name: String,
    pub institution_code: String,
    pub position: String,
    pub sex: String,
}

#[derive(Debug, Clone)]
pub struct Professional {
    pub name: String,
    pub institution_code: Option<Code>,
    pub position: Option<String>,
    pub sex: crate::person::Sex,
}

impl ProfessionalDraft {
    pub fn validate(&self) -> Result<Professional, ValidationErrors> {
        let mut e = ValidationErrors::new();
        let name = e.take("name", Label::parse(&self.name));
        let institution_code = e.take("institution_code", optional_code(&self.institution_code));
        let position = e.take(
            "position",
            crate::codes::optional_label(&self.position).map(|l| l.map(|l| l.to_string())),
        );
        let sex = e.take("sex", crate::person::Sex::parse(&self.sex));
        e.into_result()?;
        let (Some(name), Some(institution_code), Some(position), Some(sex)) =
            (name, institution_code, position, sex)
        else {
            return Err(ValidationErrors::single("participant", "err-required"));
        };
        Ok(Professional {
            name: name.to_string(),
            institution_code,
            position,
            sex,
        })
    }
}

/// A test score, 0–100, blank as `None`.
pub fn score(raw: &str) -> Result<Option<i64>, &'static str> {
    bounded(raw, 0..=100)
}

/// A head count, 0–100,000.
pub fn head_count(raw: &str) -> Result<i64, &'static str> {
    Ok(bounded(raw, 0..=100_000)?.unwrap_or(0))
}

closed_list!(
    /// How a participant travelled, for transport support.
    TransportMode, "transport-mode" {
        PublicTransport = "public_transport",
        Minibus = "minibus",
        Taxi = "taxi",
        OwnVehicle = "own_vehicle",
        TravelCard = "travel_card",
        Other = "other",
    }
);

/// A month `YYYY-MM`.
pub fn month(raw: &str) -> Result<Option<String>, &'static str> {
    let s = raw.trim();
    if s.is_empty() {
        return Ok(None);
    }
    match optional_date(&format!("{s}-01")) {
        Ok(Some(_)) if s.len() == 7 => Ok(Some(s.to_owned())),
        _ => Err("err-month"),
    }
}

/// Transport support as entered: for one session, or for a month.
#[derive(Debug, Clone, Default)]
pub struct TransportDraft {
    pub participant_id: String,
    pub session_id: String,
    pub month: String,
    pub mode: String,
    pub amount: String,
    pub currency: String,
    pub paid_on: String,
    pub paid_by: String,
}

/// What transport support is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TransportPeriod {
    Session(String),
    Month(String),
}

#[derive(Debug, Clone)]
pub struct NewTransport {
    pub participant_id: String,
    pub period: TransportPeriod,
    pub mode: TransportMode,
    pub amount: i64,
    pub currency: String,
    pub paid_on: Option<String>,
    pub paid_by: Option<String>,
}

impl TransportDraft {
    pub fn validate(&self, today: &str) -> Result<NewTransport, ValidationErrors> {
        let mut e = ValidationErrors::new();
        let participant_id = self.participant_id.trim().to_owned();
        if participant_id.is_empty() {
            e.push("participant_id", "err-required");
        }
        let month = e.take("month", month(&self.month));
        let period = match (self.session_id.trim(), month) {
            ("", Some(Some(m))) => Some(TransportPeriod::Month(m)),
            ("", Some(None)) => {
                e.push("session_id", "err-transport-period");
                None
            }
            (s, Some(None)) => Some(TransportPeriod::Session(s.to_owned())),
            (_, Some(Some(_))) => {
                e.push("month", "err-transport-period");
                None
            }
            (_, None) => None,
        };
        let mode = e.take("mode", TransportMode::parse(&self.mode));
        let amount = e.take(
            "amount",
            amount(&self.amount).and_then(|a| match a {
                Some(0) | None => Err("err-required"),
                Some(a) => Ok(a),
            }),
        );
        let currency = e.take(
            "currency",
            currency(&self.currency).and_then(|c| c.ok_or("err-required")),
        );
        let paid_on = e.take(
            "paid_on",
            optional_date(&self.paid_on).and_then(|d| match d {
                Some(d) if d.as_str() > today => Err("err-date-in-future"),
                d => Ok(d),
            }),
        );
        let paid_by = e.take(
            "paid_by",
            crate::codes::optional_label(&self.paid_by).map(|l| l.map(|l| l.to_string())),
        );
        e.into_result()?;
        let (Some(period), Some(mode), Some(amount), Some(currency), Some(paid_on), Some(paid_by)) =
            (period, mode, amount, currency, paid_on, paid_by)
        else {
            return Err(ValidationErrors::single("transport", "err-required"));
        };
        Ok(NewTransport {
            participant_id,
            period,
            mode,
            amount,
            currency,
            paid_on,
            paid_by,
        })
    }
}

/// A volunteer placement as entered.
#[derive(Debug, Clone, Default)]
pub struct PlacementDraft {
    pub person_id: String,
    /// The training the volunteer took part in (optional).
    pub activity_id: String,
    pub institution_code: String,
    pub unit_code: String,
    pub role: String,
    pub supervisor: String,
    pub starts_on: String,
    pub ends_on: String,
    pub hours_per_week: String,
}

#[derive(Debug, Clone)]
pub struct NewPlacement {
    pub person_id: String,
    pub activity_id: Option<String>,
    pub institution_code: Code,
    pub unit_code: Code,
    pub role: String,
    pub supervisor: Option<String>,
    pub starts_on: String,
    pub ends_on: Option<String>,
    pub hours_per_week: Option<i64>,
}

impl PlacementDraft {
    pub fn validate(&self) -> Result<NewPlacement, ValidationErrors> {
        let mut e = ValidationErrors::new();
        let person_id = self.person_id.trim().to_owned();
        if person_id.is_empty() {
            e.push("person_id", "err-required");
        }
        let institution_code = e.take("institution_code", Code::parse(&self.institution_code));
        let unit_code = e.take("unit_code", Code::parse(&self.unit_code));
        let role = e.take("role", Label::parse(&self.role).map(|l| l.to_string()));
        let supervisor = e.take(
            "supervisor",
            crate::codes::optional_label(&self.supervisor).map(|l| l.map(|l| l.to_string())),
        );
        let starts_on = e.take(
            "starts_on",
            optional_date(&self.starts_on).and_then(|d| d.ok_or("err-required")),
        );
        let ends_on = e.take("ends_on", optional_date(&self.ends_on));
        if let (Some(s), Some(Some(end))) = (&starts_on, &ends_on) {
            if end < s {
                e.push("ends_on", "err-ends-before-start");
            }
        }
        let hours_per_week = e.take("hours_per_week", bounded(&self.hours_per_week, 1..=60));
        e.into_result()?;
        let (
            Some(institution_code),
            Some(unit_code),
            Some(role),
            Some(supervisor),
            Some(starts_on),
            Some(ends_on),
            Some(hours_per_week),
        ) = (
            institution_code,
            unit_code,
            role,
            supervisor,
            starts_on,
            ends_on,
            hours_per_week,
        )
        else {
            return Err(ValidationErrors::single("placement", "err-required"));
        };
        Ok(NewPlacement {
            person_id,
            activity_id: Some(self.activity_id.trim().to_owned()).filter(|a| !a.is_empty()),
            institution_code,
            unit_code,
            role,
            supervisor,
            starts_on,
            ends_on,
            hours_per_week,
        })
    }
}

/// Hours given in a month: 0–300.
pub fn volunteer_hours(raw: &str) -> Result<i64, &'static str> {
    bounded(raw, 0..=300)?.ok_or("err-required")
}

/// A mark as people write it on a sign-in sheet, in any of the languages:
/// `present`, `x`, `✓`, `1`, `var`, `да`…; `absent`, `0`, `yok`, `не`…;
/// `excused`, `izinli`, `оправдано`…
pub fn sheet_mark(raw: &str) -> Option<AttendanceMark> {
    let s = crate::search::fold(raw);
    let s = s.trim();
    let t = raw.trim();
    match s {
        "present" | "p" | "x" | "1" | "var" | "geldi" | "evet" | "e" | "da" | "prisutan"
        | "prisutna" | "yes" | "y" => Some(AttendanceMark::Present),
        "absent" | "a" | "0" | "yok" | "gelmedi" | "hayir" | "h" | "ne" | "odsutan" | "odsutna"
        | "no" | "n" => Some(AttendanceMark::Absent),
        "excused" | "izinli" | "mazeretli" | "raporlu" | "opravdano" | "opravdan" => {
            Some(AttendanceMark::Excused)
        }
        _ if t == "✓" || t == "✔" || t == "+" => Some(AttendanceMark::Present),
        _ if t == "-" || t == "–" => Some(AttendanceMark::Absent),
        _ => None,
    }
}

/// What a sign-in sheet's rows say: the marks to save (row number,
/// participant id, mark) and every row refused with its reason.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SheetReading {
    pub marks: Vec<(usize, String, AttendanceMark)>,
    pub rejected: Vec<(usize, &'static str)>,
}

fn column(headers: &[String], names: &[&str]) -> Option<usize> {
    headers.iter().position(|h| {
        let h = crate::search::fold(h);
        names.iter().any(|n| h.trim() == *n)
    })
}

/// Reads a sign-in sheet (a table already read from CSV or XLSX) against the
/// session's list `participants` (id, name). A row names its participant by
/// id (the column of the sheet Köprü gives out) or by the name exactly as on
/// the list; its mark is the mark column's, or — a printed sheet signed by
/// hand — present when the signature cell holds anything. Blank rows are
/// skipped; a participant twice is refused the second time.
pub fn read_sign_in(
    headers: &[String],
    rows: &[(usize, Vec<String>)],
    participants: &[(String, String)],
) -> Result<SheetReading, &'static str> {
    let id_col = column(headers, &["participant id", "participant_id", "id"]);
    let name_col = column(
        headers,
        &[
            "name",
            "ad",
            "ad soyad",
            "adi soyadi",
            "ime",
            "ime i prezime",
            "ime prezime",
        ],
    );
    let mark_col = column(
        headers,
        &[
            "mark",
            "attendance",
            "durum",
            "yoklama",
            "katilim",
            "prisustvo",
            "prisutan",
        ],
    );
    let sign_col = column(headers, &["signature", "imza", "potpis"]);
    if id_col.is_none() && name_col.is_none() {
        return Err("err-sheet-no-participant-column");
    }
    if mark_col.is_none() && sign_col.is_none() {
        return Err("err-sheet-no-mark-column");
    }
    let by_name: Vec<(String, &str)> = participants
        .iter()
        .map(|(id, n)| (crate::search::fold(n), id.as_str()))
        .collect();
    let mut out = SheetReading::default();
    let mut seen: BTreeSet<String> = BTreeSet::new();
    let cell = |r: &Vec<String>, c: Option<usize>| {
        c.and_then(|c| r.get(c))
            .map(|s| s.trim().to_owned())
            .unwrap_or_default()
    };
    for (n, r) in rows {
        let id = cell(r, id_col);
        let name = cell(r, name_col);
        if id.is_empty() && name.is_empty() {
            continue;
        }
        let who: Result<String, &'static str> = if !id.is_empty() {
            participants
                .iter()
                .find(|(p, _)| *p == id)
                .map(|(p, _)| p.clone())
                .ok_or("err-sheet-participant-unknown")
        } else {
            let folded = crate::search::fold(&name);
            let hits: Vec<&str> = by_name
                .iter()
                .filter(|(n, _)| *n == folded)
                .map(|(_, id)| *id)
                .collect();
            match hits.as_slice() {
                [one] => Ok((*one).to_owned()),
                [] => Err("err-sheet-participant-unknown"),
                _ => Err("err-sheet-participant-ambiguous"),
            }
        };
        let who = match who {
            Ok(w) => w,
            Err(reason) => {
                out.rejected.push((*n, reason));
                continue;
            }
        };
        let mark = match mark_col {
            Some(_) => {
                let raw = cell(r, mark_col);
                if raw.is_empty() {
                    match sign_col {
                        Some(_) if !cell(r, sign_col).is_empty() => Some(AttendanceMark::Present),
                        _ => Some(AttendanceMark::Absent),
                    }
                } else {
                    sheet_mark(&raw)
                }
            }
            None => Some(if cell(r, sign_col).is_empty() {
                AttendanceMark::Absent
            } else {
                AttendanceMark::Present
            }),
        };
        let Some(mark) = mark else {
            out.rejected.push((*n, "err-sheet-mark"));
            continue;
        };
        if !seen.insert(who.clone()) {
            out.rejected.push((*n, "err-sheet-duplicate"));
            continue;
        }
        out.marks.push((*n, who, mark));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(ids: &[&str]) -> BTreeSet<String> {
        ids.iter().map(|s| (*s).to_owned()).collect()
    }

    fn sessions() -> Vec<(String, Option<String>)> {
        vec![
            ("s1".into(), Some("A".into())),
            ("s2".into(), Some("A".into())),
            ("s3".into(), Some("B".into())),
            ("s4".into(), None),
        ]
    }

    #[test]
    fn the_share_rule_counts_present_sessions_against_all() {
        let rule = CompletionRule {
            min_share: Some(75),
            ..Default::default()
        };
        let c = rule.evaluate(&sessions(), &set(&["s1", "s2", "s3"]), None);
        assert_eq!((c.attended, c.sessions, c.share), (3, 4, 75));
        assert!(c.complete);
        let c = rule.evaluate(&sessions(), &set(&["s1", "s2"]), None);
        assert!(!c.complete);
    }

    #[test]
    fn every_module_must_be_attended_once() {
        let rule = CompletionRule {
            all_modules: true,
            ..Default::default()
        };
        let c = rule.evaluate(&sessions(), &set(&["s1", "s2", "s4"]), None);
        assert_eq!(c.modules_missing, vec!["B".to_owned()]);
        assert!(!c.complete);
        let c = rule.evaluate(&sessions(), &set(&["s2", "s3"]), None);
        assert!(c.complete);
    }

    #[test]
    fn a_pass_mark_needs_a_score_that_reaches_it() {
        let rule = CompletionRule {
            pass_mark: Some(60),
            ..Default::default()
        };
        let all = set(&["s1", "s2", "s3", "s4"]);
        assert!(!rule.evaluate(&sessions(), &all, None).complete);
        assert!(!rule.evaluate(&sessions(), &all, Some(59)).complete);
        assert!(rule.evaluate(&sessions(), &all, Some(60)).complete);
    }

    #[test]
    fn without_a_rule_attending_once_completes() {
        let rule = CompletionRule::default();
        assert!(!rule.evaluate(&sessions(), &set(&[]), None).complete);
        assert!(rule.evaluate(&sessions(), &set(&["s4"]), None).complete);
        assert!(!rule.evaluate(&[], &set(&[]), None).complete);
    }

    #[test]
    fn amounts_read_as_people_type_them() {
        assert_eq!(amount("1250"), Ok(Some(125_000)));
        assert_eq!(amount("1250.5"), Ok(Some(125_050)));
        assert_eq!(amount("1.250,50"), Ok(Some(125_050)));
        assert_eq!(amount("1,250.50"), Ok(Some(125_050)));
        assert_eq!(amount(" "), Ok(None));
        assert_eq!(amount("-5"), Err("err-amount"));
        assert_eq!(amount("12a"), Err("err-amount"));
        assert_eq!(amount("9999999999999"), Err("err-amount"));
        assert_eq!(format_amount(125_050), "1250.50");
    }

    #[test]
    fn times_of_day() {
        assert_eq!(time_of_day("9:30"), Ok(Some("09:30".into())));
        assert_eq!(time_of_day("14.05"), Ok(Some("14:05".into())));
        assert_eq!(time_of_day("24:00"), Err("err-time"));
        assert_eq!(time_of_day(""), Ok(None));
    }

    #[test]
    fn an_activity_names_every_problem_at_once() {
        let d = ActivityDraft {
            unit_code: "SHKB-ANK".into(),
            institution_code: "SCH-1".into(),
            kind: "party".into(),
            starts_on: "2026-02-30".into(),
            min_share: "140".into(),
            ..Default::default()
        };
        let e = d.validate().err().map(|e| e.0).unwrap_or_default();
        let fields: Vec<&str> = e.iter().map(|f| f.field.as_str()).collect();
        for f in [
            "programme_code",
            "institution_code",
            "kind",
            "titles",
            "area_code",
            "starts_on",
            "min_share",
        ] {
            assert!(fields.contains(&f), "{f} missing from {fields:?}");
        }
    }

    #[test]
    fn transport_is_for_a_session_or_a_month() {
        let base = TransportDraft {
            participant_id: "p".into(),
            mode: "minibus".into(),
            amount: "150".into(),
            currency: "TRY".into(),
            ..Default::default()
        };
        let t = TransportDraft {
            month: "2026-11".into(),
            ..base.clone()
        }
        .validate("2026-12-01")
        .unwrap();
        assert_eq!(t.period, TransportPeriod::Month("2026-11".into()));
        assert_eq!(t.amount, 15_000);
        let e = base.validate("2026-12-01").err().unwrap();
        assert_eq!(e.0[0].code, "err-transport-period");
        let e = TransportDraft {
            session_id: "s".into(),
            month: "2026-13".into(),
            paid_on: "2027-01-01".into(),
            amount: "0".into(),
            ..base
        }
        .validate("2026-12-01")
        .err()
        .unwrap();
        let fields: Vec<&str> = e.0.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(fields, vec!["month", "amount", "paid_on"]);
    }

    #[test]
    fn a_sign_in_sheet_is_read_by_id_or_name_and_every_bad_row_named() {
        let participants = vec![
            ("p1".to_owned(), "Elif Kaya".to_owned()),
            ("p2".to_owned(), "Zehra Kaya".to_owned()),
            ("p3".to_owned(), "Ali Demir".to_owned()),
            ("p4".to_owned(), "Ali Demir".to_owned()),
        ];
        let headers = vec!["Ad Soyad".to_owned(), "Yoklama".to_owned()];
        let rows = vec![
            (2, vec!["ELİF KAYA".to_owned(), "var".to_owned()]),
            (3, vec!["Zehra Kaya".to_owned(), "izinli".to_owned()]),
            (4, vec!["Ali Demir".to_owned(), "x".to_owned()]),
            (5, vec!["Nobody".to_owned(), "x".to_owned()]),
            (6, vec!["Elif Kaya".to_owned(), "yok".to_owned()]),
            (7, vec![String::new(), String::new()]),
        ];
        let r = read_sign_in(&headers, &rows, &participants).unwrap();
        assert_eq!(
            r.marks,
            vec![
                (2, "p1".to_owned(), AttendanceMark::Present),
                (3, "p2".to_owned(), AttendanceMark::Excused),
            ]
        );
        assert_eq!(
            r.rejected,
            vec![
                (4, "err-sheet-participant-ambiguous"),
                (5, "err-sheet-participant-unknown"),
                (6, "err-sheet-duplicate"),
            ]
        );
        // Köprü's own sheet: ids, and a signature column on paper.
        let headers = vec![
            "participant_id".to_owned(),
            "name".to_owned(),
            "signature".to_owned(),
        ];
        let rows = vec![
            (
                2,
                vec!["p3".to_owned(), "Ali Demir".to_owned(), "A.D.".to_owned()],
            ),
            (
                3,
                vec!["p4".to_owned(), "Ali Demir".to_owned(), String::new()],
            ),
        ];
        let r = read_sign_in(&headers, &rows, &participants).unwrap();
        assert_eq!(
            r.marks,
            vec![
                (2, "p3".to_owned(), AttendanceMark::Present),
                (3, "p4".to_owned(), AttendanceMark::Absent),
            ]
        );
        assert_eq!(
            read_sign_in(&["x".to_owned()], &[], &participants),
            Err("err-sheet-no-participant-column")
        );
    }

    #[test]
    fn statuses_move_forward_only() {
        use ActivityStatus::*;
        assert!(Planned.may_become(Running));
        assert!(Running.may_become(Completed));
        assert!(Planned.may_become(Cancelled));
        assert!(!Completed.may_become(Running));
        assert!(!Planned.may_become(Completed));
    }
}
