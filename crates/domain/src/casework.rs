//! What a field worker enters about a case — the case itself, its goals,
//! contacts, services delivered, follow-ups, referrals and closure — as drafts
//! (text, as forms and JSON bodies give it) checked into values the store can
//! trust. Every draft reports every problem at once, by field.

use crate::case::{
    ClosureReason, ContactKind, DeliveredService, Domain, GoalStatus, Priority, ReferralStatus,
};
use crate::codes::{optional_date, Code};
use crate::error::ValidationErrors;
use crate::reference::{closed_list, InstitutionKind, ServiceKind};
use serde::Serialize;

/// Free text of at most `max` characters; line breaks allowed, other control
/// characters not; empty becomes `None`.
pub fn long_text(raw: &str, max: usize) -> Result<Option<String>, &'static str> {
    let s = raw.trim();
    if s.is_empty() {
        return Ok(None);
    }
    if s.chars().count() > max {
        return Err("err-too-long");
    }
    if s.chars()
        .any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t')
    {
        return Err("err-control-chars");
    }
    Ok(Some(s.to_owned()))
}

fn required_text(raw: &str, max: usize) -> Result<String, &'static str> {
    long_text(raw, max)?.ok_or("err-required")
}

/// A date that has happened (a visit, a service): not after `today`.
fn past_date(raw: &str, today: &str, default_today: bool) -> Result<String, &'static str> {
    match optional_date(raw)? {
        Some(d) if d.as_str() > today => Err("err-date-in-future"),
        Some(d) => Ok(d),
        None if default_today => Ok(today.to_owned()),
        None => Err("err-required"),
    }
}

closed_list!(
    /// What a referral shares with the receiving institution. The name is
    /// always shared (nobody can be served anonymously); the rest is chosen
    /// per referral, and the institution sees nothing else.
    SharedField, "shared-field" {
        Name = "name",
        BirthDate = "birth_date",
        Sex = "sex",
        NationalId = "national_id",
        Phone = "phone",
        Address = "address",
        Languages = "languages",
        Assessment = "assessment",
    }
);

/// Working days an institution of this kind has to answer a referral before
/// it is flagged overdue, unless the installation sets its own. Health
/// services answer fastest; offices that need documents take longer.
pub fn default_response_days(kind: InstitutionKind) -> i64 {
    use InstitutionKind::*;
    match kind {
        FamilyHealthCentre | Hospital => 3,
        School | PreSchool | SocialServiceCentre | Ngo | NeighbourhoodHead => 5,
        EmploymentAgency
        | Employer
        | SocialAssistanceFoundation
        | LegalAid
        | Municipality
        | CivilRegistry
        | Ministry => 10,
    }
}

/// The domain of need a directory service answers: which needs assessment
/// a referral for it may share.
pub fn domain_of(service: ServiceKind) -> Domain {
    use ServiceKind::*;
    match service {
        SchoolEnrolment | PreSchoolEnrolment | AfterSchoolSupport | AdultEducation => {
            Domain::Education
        }
        FamilyDoctorRegistration | HealthCare | HealthInsurance | PsychosocialSupport => {
            Domain::Health
        }
        VocationalCourse | JobPlacement => Domain::Employment,
        SocialAssistance | SocialServices => Domain::SocialAssistance,
        CivilDocuments => Domain::CivilDocuments,
        ServiceKind::LegalAid => Domain::Legal,
        Housing => Domain::Housing,
    }
}

/// The special category a form's answers belong to: the health needs
/// assessment holds health data, the legal one criminal-justice data. Such
/// answers are read and written only by the roles that read that category,
/// kept encrypted, and not extracted as plain typed values.
pub fn form_special_category(form_id: &str) -> Option<crate::person::SpecialCategory> {
    SPECIAL_FORMS
        .iter()
        .find(|(id, _)| *id == form_id)
        .map(|(_, c)| *c)
}

/// The forms whose answers are special-category data, with their category.
pub const SPECIAL_FORMS: [(&str, crate::person::SpecialCategory); 2] = [
    ("needs_health", crate::person::SpecialCategory::Health),
    (
        "needs_legal",
        crate::person::SpecialCategory::CriminalRecord,
    ),
];

/// Who a case is for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "id", rename_all = "snake_case")]
pub enum Subject {
    Person(String),
    Household(String),
}

#[derive(Debug, Clone, Default)]
pub struct CaseDraft {
    pub person_id: String,
    pub household_id: String,
    pub unit_code: String,
    pub programme_code: String,
    pub priority: String,
    pub domains: Vec<String>,
    pub summary: String,
    pub opened_on: String,
}

#[derive(Debug, Clone)]
pub struct NewCase {
    pub subject: Subject,
    pub unit_code: Code,
    pub programme_code: Option<Code>,
    pub priority: Priority,
    pub domains: Vec<Domain>,
    pub summary: Option<String>,
    pub opened_on: String,
}

/// Domains from a list of names: at least one, no repeats, in the list's order.
fn domains(raw: &[String]) -> Result<Vec<Domain>, &'static str> {
    let mut out = Vec::new();
    for r in raw.iter().filter(|r| !r.trim().is_empty()) {
        let d = Domain::parse(r)?;
        if !out.contains(&d) {
            out.push(d);
        }
    }
    if out.is_empty() {
        return Err("err-required");
    }
    Ok(out)
}

impl CaseDraft {
    pub fn validate(&self, today: &str) -> Result<NewCase, ValidationErrors> {
        let mut e = ValidationErrors::new();
        let subject = match (self.person_id.trim(), self.household_id.trim()) {
            ("", "") => {
                e.push("person_id", "err-case-subject");
                None
            }
            (p, "") => Some(Subject::Person(p.to_owned())),
            ("", h) => Some(Subject::Household(h.to_owned())),
            _ => {
                e.push("household_id", "err-case-subject");
                None
            }
        };
        let unit_code = e.take("unit_code", Code::parse(&self.unit_code));
        let programme_code = if self.programme_code.trim().is_empty() {
            Some(None)
        } else {
            e.take(
                "programme_code",
                Code::parse(&self.programme_code).map(Some),
            )
        };
        let priority = if self.priority.trim().is_empty() {
            Some(Priority::Normal)
        } else {
            e.take("priority", Priority::parse(&self.priority))
        };
        let domains = e.take("domains", domains(&self.domains));
        let summary = e.take("summary", long_text(&self.summary, 2000));
        let opened_on = e.take("opened_on", past_date(&self.opened_on, today, true));
        e.into_result()?;
        match (
            subject,
            unit_code,
            programme_code,
            priority,
            domains,
            summary,
            opened_on,
        ) {
            (
                Some(subject),
                Some(unit_code),
                Some(programme_code),
                Some(priority),
                Some(domains),
                Some(summary),
                Some(opened_on),
            ) => Ok(NewCase {
                subject,
                unit_code,
                programme_code,
                priority,
                domains,
                summary,
                opened_on,
            }),
            _ => Err(ValidationErrors::single("case", "err-required")),
        }
    }
}

/// A change to a case's priority, domains or summary.
#[derive(Debug, Clone, Default)]
pub struct CaseUpdateDraft {
    pub priority: String,
    pub domains: Vec<String>,
    pub summary: String,
}

#[derive(Debug, Clone)]
pub struct CaseUpdate {
    pub priority: Priority,
    pub domains: Vec<Domain>,
    pub summary: Option<String>,
}

impl CaseUpdateDraft {
    pub fn validate(&self) -> Result<CaseUpdate, ValidationErrors> {
        let mut e = ValidationErrors::new();
        let priority = e.take("priority", Priority::parse(&self.priority));
        let domains = e.take("domains", domains(&self.domains));
        let summary = e.take("summary", long_text(&self.summary, 2000));
        e.into_result()?;
        match (priority, domains, summary) {
            (Some(priority), Some(domains), Some(summary)) => Ok(CaseUpdate {
                priority,
                domains,
                summary,
            }),
            _ => Err(ValidationErrors::single("case", "err-required")),
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct GoalDraft {
    pub domain: String,
    pub description: String,
    pub target_date: String,
    pub status: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Goal {
    pub domain: Domain,
    pub description: String,
    pub target_date: Option<String>,
    pub status: GoalStatus,
}

impl GoalDraft {
    pub fn validate(&self) -> Result<Goal, ValidationErrors> {
        let mut e = ValidationErrors::new();
        let domain = e.take("domain", Domain::parse(&self.domain));
        let description = e.take("description", required_text(&self.description, 500));
        let target_date = e.take("target_date", optional_date(&self.target_date));
        let status = if self.status.trim().is_empty() {
            Some(GoalStatus::Planned)
        } else {
            e.take("status", GoalStatus::parse(&self.status))
        };
        e.into_result()?;
        match (domain, description, target_date, status) {
            (Some(domain), Some(description), Some(target_date), Some(status)) => Ok(Goal {
                domain,
                description,
                target_date,
                status,
            }),
            _ => Err(ValidationErrors::single("goal", "err-required")),
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct ContactDraft {
    pub kind: String,
    pub date: String,
    pub duration_minutes: String,
    pub participants: String,
    pub narrative: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Contact {
    pub kind: ContactKind,
    pub date: String,
    pub duration_minutes: Option<i64>,
    pub participants: Option<String>,
    pub narrative: Option<String>,
}

pub(crate) fn optional_int(raw: &str, lo: i64, hi: i64) -> Result<Option<i64>, &'static str> {
    let s = raw.trim();
    if s.is_empty() {
        return Ok(None);
    }
    let n: i64 = s.parse().map_err(|_| "err-number")?;
    if !(lo..=hi).contains(&n) {
        return Err("err-out-of-range");
    }
    Ok(Some(n))
}

impl ContactDraft {
    pub fn validate(&self, today: &str) -> Result<Contact, ValidationErrors> {
        let mut e = ValidationErrors::new();
        let kind = e.take("kind", ContactKind::parse(&self.kind));
        let date = e.take("date", past_date(&self.date, today, true));
        let duration = e.take(
            "duration_minutes",
            optional_int(&self.duration_minutes, 1, 24 * 60),
        );
        let participants = e.take("participants", long_text(&self.participants, 500));
        let narrative = e.take("narrative", long_text(&self.narrative, 10_000));
        e.into_result()?;
        match (kind, date, duration, participants, narrative) {
            (
                Some(kind),
                Some(date),
                Some(duration_minutes),
                Some(participants),
                Some(narrative),
            ) => Ok(Contact {
                kind,
                date,
                duration_minutes,
                participants,
                narrative,
            }),
            _ => Err(ValidationErrors::single("contact", "err-required")),
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct ServiceDraft {
    pub kind: String,
    pub date: String,
    pub quantity: String,
    pub note: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Service {
    pub kind: DeliveredService,
    pub date: String,
    pub quantity: f64,
    pub note: Option<String>,
}

impl ServiceDraft {
    pub fn validate(&self, today: &str) -> Result<Service, ValidationErrors> {
        let mut e = ValidationErrors::new();
        let kind = e.take("kind", DeliveredService::parse(&self.kind));
        let date = e.take("date", past_date(&self.date, today, true));
        let quantity = e.take("quantity", {
            let s = self.quantity.trim().replace(',', ".");
            if s.is_empty() {
                Ok(1.0)
            } else {
                match s.parse::<f64>() {
                    Ok(q) if q > 0.0 && q <= 100_000.0 => Ok(q),
                    Ok(_) => Err("err-out-of-range"),
                    Err(_) => Err("err-number"),
                }
            }
        });
        let note = e.take("note", long_text(&self.note, 2000));
        e.into_result()?;
        match (kind, date, quantity, note) {
            (Some(kind), Some(date), Some(quantity), Some(note)) => Ok(Service {
                kind,
                date,
                quantity,
                note,
            }),
            _ => Err(ValidationErrors::single("service", "err-required")),
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct FollowUpDraft {
    pub title: String,
    pub due_on: String,
    /// A user's id; empty means the one who creates it.
    pub assignee_id: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct FollowUp {
    pub title: String,
    pub due_on: String,
    pub assignee_id: Option<String>,
}

impl FollowUpDraft {
    pub fn validate(&self) -> Result<FollowUp, ValidationErrors> {
        let mut e = ValidationErrors::new();
        let title = e.take("title", required_text(&self.title, 300));
        let due_on = e.take(
            "due_on",
            optional_date(&self.due_on).and_then(|d| d.ok_or("err-required")),
        );
        e.into_result()?;
        let assignee_id = Some(self.assignee_id.trim().to_owned()).filter(|s| !s.is_empty());
        match (title, due_on) {
            (Some(title), Some(due_on)) => Ok(FollowUp {
                title,
                due_on,
                assignee_id,
            }),
            _ => Err(ValidationErrors::single("follow_up", "err-required")),
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct ReferralDraft {
    pub institution_code: String,
    pub service: String,
    pub reason: String,
    pub urgency: String,
    pub shared: Vec<String>,
    /// Sending without the person's consent to share: why (coordinators only).
    pub override_reason: String,
    /// For a household's case: the member referred.
    pub person_id: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Referral {
    pub institution_code: Code,
    pub service: ServiceKind,
    pub reason: String,
    pub urgency: Priority,
    pub shared: Vec<SharedField>,
    pub override_reason: Option<String>,
    pub person_id: Option<String>,
}

impl ReferralDraft {
    pub fn validate(&self) -> Result<Referral, ValidationErrors> {
        let mut e = ValidationErrors::new();
        let institution_code = e.take("institution_code", Code::parse(&self.institution_code));
        let service = e.take("service", ServiceKind::parse(&self.service));
        let reason = e.take("reason", required_text(&self.reason, 2000));
        let urgency = if self.urgency.trim().is_empty() {
            Some(Priority::Normal)
        } else {
            e.take("urgency", Priority::parse(&self.urgency))
        };
        let mut shared = vec![SharedField::Name];
        for s in self.shared.iter().filter(|s| !s.trim().is_empty()) {
            if let Some(f) = e.take("shared", SharedField::parse(s)) {
                if !shared.contains(&f) {
                    shared.push(f);
                }
            }
        }
        let override_reason = e.take("override_reason", long_text(&self.override_reason, 1000));
        e.into_result()?;
        match (institution_code, service, reason, urgency, override_reason) {
            (
                Some(institution_code),
                Some(service),
                Some(reason),
                Some(urgency),
                Some(override_reason),
            ) => Ok(Referral {
                institution_code,
                service,
                reason,
                urgency,
                shared,
                override_reason,
                person_id: Some(self.person_id.trim().to_owned()).filter(|p| !p.is_empty()),
            }),
            _ => Err(ValidationErrors::single("referral", "err-required")),
        }
    }
}

/// A move of a referral: the institution's answer, or the field worker
/// recording it for an institution that does not use Köprü.
#[derive(Debug, Clone, Default)]
pub struct ReferralMoveDraft {
    pub status: String,
    pub reason: String,
    pub note: String,
    /// When the service was given (for `delivered`).
    pub service_on: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct ReferralMove {
    pub status: ReferralStatus,
    pub reason: Option<String>,
    pub note: Option<String>,
    pub service_on: Option<String>,
}

impl ReferralMoveDraft {
    /// Checks the move itself; whether it is allowed from the referral's
    /// current status is the state machine's ([`ReferralStatus::may_become`]).
    pub fn validate(&self, today: &str) -> Result<ReferralMove, ValidationErrors> {
        let mut e = ValidationErrors::new();
        let status = e.take("status", ReferralStatus::parse(&self.status));
        let reason = e.take("reason", long_text(&self.reason, 1000));
        let note = e.take("note", long_text(&self.note, 2000));
        let delivered = status == Some(ReferralStatus::Delivered);
        let service_on = if delivered {
            e.take(
                "service_on",
                past_date(&self.service_on, today, true).map(Some),
            )
        } else {
            e.take("service_on", optional_date(&self.service_on))
        };
        if let (Some(s), Some(None)) = (status, &reason) {
            if s.needs_reason() {
                e.push("reason", "err-reason-required");
            }
        }
        e.into_result()?;
        match (status, reason, note, service_on) {
            (Some(status), Some(reason), Some(note), Some(service_on)) => Ok(ReferralMove {
                status,
                reason,
                note,
                service_on,
            }),
            _ => Err(ValidationErrors::single("status", "err-required")),
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct ClosureDraft {
    pub reason: String,
    pub note: String,
    /// Goal id → outcome status.
    pub outcomes: Vec<(String, String)>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Closure {
    pub reason: ClosureReason,
    pub note: Option<String>,
    pub outcomes: Vec<(String, GoalStatus)>,
}

impl ClosureDraft {
    /// `open_goals`: the case's goals that have no outcome yet; each must be
    /// given one (achieved, partly, not achieved, dropped).
    pub fn validate(&self, open_goals: &[String]) -> Result<Closure, ValidationErrors> {
        let mut e = ValidationErrors::new();
        let reason = e.take("reason", ClosureReason::parse(&self.reason));
        let note = e.take("note", long_text(&self.note, 2000));
        let mut outcomes = Vec::new();
        for goal in open_goals {
            let field = format!("outcome.{goal}");
            let given = self
                .outcomes
                .iter()
                .find(|(g, _)| g == goal)
                .map(|(_, s)| s.as_str())
                .unwrap_or("");
            match GoalStatus::parse(given) {
                Ok(s) if s.is_outcome() => outcomes.push((goal.clone(), s)),
                Ok(_) => e.push(field, "err-goal-outcome"),
                Err(code) => e.push(field, code),
            }
        }
        e.into_result()?;
        match (reason, note) {
            (Some(reason), Some(note)) => Ok(Closure {
                reason,
                note,
                outcomes,
            }),
            _ => Err(ValidationErrors::single("reason", "err-required")),
        }
    }
}

pub use crate::attachment::{attachment_name, attachment_type, ATTACHMENT_MAX_BYTES};

#[cfg(test)]
mod tests {
    use super::*;

    const TODAY: &str = "2026-11-24";

    fn codes(e: &ValidationErrors) -> Vec<(String, &'static str)> {
        e.0.iter().map(|f| (f.field.clone(), f.code)).collect()
    }

    #[test]
    fn a_case_is_for_a_person_or_a_household_with_at_least_one_domain() {
        let ok = CaseDraft {
            person_id: "p1".into(),
            unit_code: "SHKB-ANK-01".into(),
            domains: vec!["education".into(), "health".into(), "education".into()],
            ..Default::default()
        }
        .validate(TODAY)
        .unwrap();
        assert_eq!(ok.subject, Subject::Person("p1".into()));
        assert_eq!(ok.domains, vec![Domain::Education, Domain::Health]);
        assert_eq!(ok.priority, Priority::Normal);
        assert_eq!(ok.opened_on, TODAY);

        let e = CaseDraft {
            person_id: "p1".into(),
            household_id: "h1".into(),
            unit_code: "".into(),
            domains: vec!["schooling".into()],
            opened_on: "2027-01-01".into(),
            ..Default::default()
        }
        .validate(TODAY)
        .unwrap_err();
        let c = codes(&e);
        assert!(c.contains(&("household_id".into(), "err-case-subject")));
        assert!(c.contains(&("unit_code".into(), "err-required")));
        assert!(c.contains(&("domains".into(), "err-choice")));
        assert!(c.contains(&("opened_on".into(), "err-date-in-future")));
    }

    #[test]
    fn contacts_and_services_happened_already_and_have_sane_sizes() {
        let e = ContactDraft {
            kind: "home_visit".into(),
            date: "2026-12-01".into(),
            duration_minutes: "0".into(),
            ..Default::default()
        }
        .validate(TODAY)
        .unwrap_err();
        let c = codes(&e);
        assert!(c.contains(&("date".into(), "err-date-in-future")));
        assert!(c.contains(&("duration_minutes".into(), "err-out-of-range")));
        let s = ServiceDraft {
            kind: "in_kind_aid".into(),
            quantity: "2,5".into(),
            ..Default::default()
        }
        .validate(TODAY)
        .unwrap();
        assert_eq!(s.quantity, 2.5);
        assert_eq!(s.date, TODAY);
    }

    #[test]
    fn a_referral_always_shares_the_name_and_refusals_need_a_reason() {
        let r = ReferralDraft {
            institution_code: "SCH-ANK-ALTINDAG".into(),
            service: "school_enrolment".into(),
            reason: "Not enrolled".into(),
            shared: vec!["birth_date".into()],
            ..Default::default()
        }
        .validate()
        .unwrap();
        assert_eq!(r.shared, vec![SharedField::Name, SharedField::BirthDate]);
        let e = ReferralMoveDraft {
            status: "declined".into(),
            ..Default::default()
        }
        .validate(TODAY)
        .unwrap_err();
        assert_eq!(codes(&e), vec![("reason".into(), "err-reason-required")]);
        let m = ReferralMoveDraft {
            status: "delivered".into(),
            ..Default::default()
        }
        .validate(TODAY)
        .unwrap();
        assert_eq!(m.service_on.as_deref(), Some(TODAY));
    }

    #[test]
    fn closing_gives_every_open_goal_an_outcome() {
        let goals = vec!["g1".to_owned(), "g2".to_owned()];
        let e = ClosureDraft {
            reason: "goals_met".into(),
            outcomes: vec![
                ("g1".into(), "achieved".into()),
                ("g2".into(), "planned".into()),
            ],
            ..Default::default()
        }
        .validate(&goals)
        .unwrap_err();
        assert_eq!(codes(&e), vec![("outcome.g2".into(), "err-goal-outcome")]);
    }

    #[test]
    fn response_times_differ_by_kind() {
        assert_eq!(default_response_days(InstitutionKind::School), 5);
        assert_eq!(default_response_days(InstitutionKind::Hospital), 3);
        assert_eq!(default_response_days(InstitutionKind::CivilRegistry), 10);
    }
}
