//! Employment outcomes: a job seeker's profile, placements with employers
//! and the retention checks at 3, 6 and 12 months after a placement starts.

use crate::casework::{long_text, optional_int};
use crate::checked;
use crate::codes::{optional_date, Code};
use crate::error::ValidationErrors;
use crate::outcome::{DisadvantagedGroup, LabourStatus};
use crate::reference::closed_list;
use serde::Serialize;

/// The months after a placement's start at which retention is checked.
pub const RETENTION_MONTHS: [i64; 3] = [3, 6, 12];

closed_list!(
    /// The public employment agency a job seeker is registered with.
    EmploymentAgency, "employment-agency" {
        Iskur = "iskur",
        Nsz = "nsz",
        None = "none",
    }
);

closed_list!(
    /// When a job seeker can work.
    Availability, "availability" {
        FullTime = "full_time",
        PartTime = "part_time",
        Shifts = "shifts",
        Seasonal = "seasonal",
        NotNow = "not_now",
    }
);

closed_list!(
    /// Where a job seeker's search stands.
    SeekerStatus, "seeker-status" {
        Active = "active",
        Placed = "placed",
        Inactive = "inactive",
    }
);

closed_list!(
    ContractType, "contract-type" {
        Permanent = "permanent",
        FixedTerm = "fixed_term",
        Seasonal = "seasonal",
        Apprenticeship = "apprenticeship",
        SelfEmployment = "self_employment",
        Informal = "informal",
    }
);

closed_list!(
    /// A wage relative to the national minimum wage.
    WageBand, "wage-band" {
        BelowMinimum = "below_minimum",
        Minimum = "minimum",
        UpTo150 = "up_to_150",
        Above150 = "above_150",
    }
);

closed_list!(
    /// Registered with social security (SGK in Türkiye, CROSO in Serbia) or not.
    SocialSecurity, "social-security" {
        Registered = "registered",
        Informal = "informal",
    }
);

closed_list!(
    /// Why a placement ended.
    PlacementEnd, "placement-end" {
        ContractEnded = "contract_ended",
        Resigned = "resigned",
        Dismissed = "dismissed",
        BetterJob = "better_job",
        Health = "health",
        CareDuties = "care_duties",
        Other = "other",
    }
);

closed_list!(
    /// What a retention check found.
    StillWorking, "still-working" {
        SameEmployer = "same_employer",
        OtherEmployer = "other_employer",
        NotWorking = "not_working",
        Unreachable = "unreachable",
    }
);

closed_list!(
    /// Employers' size by employees (EU classes).
    EmployerSize, "employer-size" {
        Micro = "micro",
        Small = "small",
        Medium = "medium",
        Large = "large",
    }
);

/// A date that has happened.
fn past(raw: &str, today: &str) -> Result<Option<String>, &'static str> {
    match optional_date(raw)? {
        Some(d) if d.as_str() > today => Err("err-date-in-future"),
        d => Ok(d),
    }
}

fn optional<T>(
    raw: &str,
    parse: fn(&str) -> Result<T, &'static str>,
) -> Result<Option<T>, &'static str> {
    if raw.trim().is_empty() {
        Ok(None)
    } else {
        parse(raw).map(Some)
    }
}

/// Short labels, each once: occupations sought, languages.
fn labels(raw: &str, max_each: usize, max_count: usize) -> Result<Vec<String>, &'static str> {
    let mut out: Vec<String> = Vec::new();
    for part in raw.split([',', ';', '\n']) {
        let Some(t) = long_text(part, max_each)? else {
            continue;
        };
        if !out.iter().any(|o| o.to_lowercase() == t.to_lowercase()) {
            out.push(t);
        }
    }
    if out.len() > max_count {
        return Err("err-too-many");
    }
    Ok(out)
}

#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct JobSeekerDraft {
    pub agency: String,
    pub agency_number: String,
    pub registered_on: String,
    /// Comma-separated.
    pub occupations: String,
    pub skills: String,
    pub driving_licence: String,
    /// Comma-separated.
    pub languages: String,
    pub work_history: String,
    pub availability: String,
    pub labour_status: String,
    pub groups: Vec<String>,
    pub status: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct JobSeeker {
    pub agency: EmploymentAgency,
    pub agency_number: Option<String>,
    pub registered_on: Option<String>,
    pub occupations: Vec<String>,
    pub skills: Option<String>,
    pub driving_licence: Option<String>,
    pub languages: Vec<String>,
    pub work_history: Option<String>,
    pub availability: Availability,
    pub labour_status: LabourStatus,
    pub groups: Vec<DisadvantagedGroup>,
    pub status: SeekerStatus,
}

impl JobSeekerDraft {
    /// A registration with an agency has its date.
    pub fn validate(&self, today: &str) -> Result<JobSeeker, ValidationErrors> {
        let mut e = ValidationErrors::new();
        let agency = e.take(
            "agency",
            optional(&self.agency, EmploymentAgency::parse)
                .map(|a| a.unwrap_or(EmploymentAgency::None)),
        );
        let agency_number = e.take("agency_number", long_text(&self.agency_number, 40));
        let registered_on = e.take("registered_on", past(&self.registered_on, today));
        if matches!(
            agency,
            Some(EmploymentAgency::Iskur | EmploymentAgency::Nsz)
        ) && matches!(registered_on, Some(None))
        {
            e.push("registered_on", "err-required");
        }
        let occupations = e.take("occupations", labels(&self.occupations, 80, 10));
        let skills = e.take("skills", long_text(&self.skills, 1000));
        let driving_licence = e.take("driving_licence", long_text(&self.driving_licence, 20));
        let languages = e.take("languages", labels(&self.languages, 40, 10));
        let work_history = e.take("work_history", long_text(&self.work_history, 2000));
        let availability = e.take("availability", Availability::parse(&self.availability));
        let labour_status = e.take("labour_status", LabourStatus::parse(&self.labour_status));
        let groups = e.take("groups", crate::outcome::group_codes(&self.groups));
        let status = e.take(
            "status",
            optional(&self.status, SeekerStatus::parse).map(|s| s.unwrap_or(SeekerStatus::Active)),
        );
        checked!(e; agency, agency_number, registered_on, occupations, skills, driving_licence, languages, work_history, availability, labour_status, groups, status);
        Ok(JobSeeker {
            agency,
            agency_number,
            registered_on,
            occupations,
            skills,
            driving_licence,
            languages,
            work_history,
            availability,
            labour_status,
            groups,
            status,
        })
    }
}

#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct PlacementDraft {
    pub employer_id: String,
    pub occupation: String,
    pub started_on: String,
    pub contract_type: String,
    pub hours_per_week: String,
    pub wage_band: String,
    pub social_security: String,
    /// A yes/no as forms give it (`on`, `true`, `yes`).
    pub subsidised: String,
    pub programme_code: String,
    pub activity_id: String,
    pub note: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placement {
    pub employer_id: String,
    pub occupation: String,
    pub started_on: String,
    pub contract_type: ContractType,
    pub hours_per_week: Option<i64>,
    pub wage_band: Option<WageBand>,
    pub social_security: SocialSecurity,
    pub subsidised: bool,
    pub programme_code: Option<Code>,
    pub activity_id: Option<String>,
    pub note: Option<String>,
}

impl PlacementDraft {
    pub fn validate(&self, today: &str) -> Result<Placement, ValidationErrors> {
        let mut e = ValidationErrors::new();
        let employer_id = Some(self.employer_id.trim().to_owned()).filter(|s| !s.is_empty());
        if employer_id.is_none() {
            e.push("employer_id", "err-required");
        }
        let occupation = e.take(
            "occupation",
            long_text(&self.occupation, 120).and_then(|o| o.ok_or("err-required")),
        );
        let started_on = e.take(
            "started_on",
            past(&self.started_on, today).and_then(|d| d.ok_or("err-required")),
        );
        let contract_type = e.take("contract_type", ContractType::parse(&self.contract_type));
        let hours_per_week = e.take("hours_per_week", optional_int(&self.hours_per_week, 1, 80));
        let wage_band = e.take("wage_band", optional(&self.wage_band, WageBand::parse));
        let social_security = e.take(
            "social_security",
            SocialSecurity::parse(&self.social_security),
        );
        let programme_code = e.take(
            "programme_code",
            optional(&self.programme_code, Code::parse),
        );
        let note = e.take("note", long_text(&self.note, 1000));
        checked!(e; employer_id, occupation, started_on, contract_type, hours_per_week, wage_band, social_security, programme_code, note);
        Ok(Placement {
            employer_id,
            occupation,
            started_on,
            contract_type,
            hours_per_week,
            wage_band,
            social_security,
            subsidised: crate::outcome::yes(&self.subsidised),
            programme_code,
            activity_id: Some(self.activity_id.trim().to_owned()).filter(|s| !s.is_empty()),
            note,
        })
    }
}

/// The end of a placement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlacementEnding {
    pub ended_on: String,
    pub reason: PlacementEnd,
}

pub fn placement_ending(
    ended_on: &str,
    reason: &str,
    today: &str,
) -> Result<PlacementEnding, ValidationErrors> {
    let mut e = ValidationErrors::new();
    let ended_on = e.take(
        "ended_on",
        past(ended_on, today).and_then(|d| d.ok_or("err-required")),
    );
    let reason = e.take("end_reason", PlacementEnd::parse(reason));
    checked!(e; ended_on, reason);
    Ok(PlacementEnding { ended_on, reason })
}

/// The answer to a retention check (or a six-month follow-up): whether the
/// person works, insured or not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckAnswer {
    pub answered_on: String,
    pub still_working: StillWorking,
    /// Registered with social security in that work (only when working).
    pub insured: Option<bool>,
    pub note: Option<String>,
}

pub fn check_answer(
    answered_on: &str,
    still_working: &str,
    insured: &str,
    note: &str,
    today: &str,
) -> Result<CheckAnswer, ValidationErrors> {
    let mut e = ValidationErrors::new();
    let answered_on = e.take(
        "answered_on",
        past(answered_on, today).map(|d| d.unwrap_or_else(|| today.to_owned())),
    );
    let still_working = e.take("still_working", StillWorking::parse(still_working));
    let note = e.take("note", long_text(note, 1000));
    let working = matches!(
        still_working,
        Some(StillWorking::SameEmployer | StillWorking::OtherEmployer)
    );
    let insured = match insured.trim() {
        "" if working => {
            e.push("insured", "err-required");
            None
        }
        "" => Some(None),
        raw => Some(working.then(|| crate::outcome::yes(raw))),
    };
    checked!(e; answered_on, still_working, insured, note);
    Ok(CheckAnswer {
        answered_on,
        still_working,
        insured,
        note,
    })
}

/// The answer to a six-month follow-up after leaving a programme.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SixMonthAnswer {
    pub answered_on: String,
    pub labour_status: LabourStatus,
    /// ESF+ "improved labour-market situation" (a better job, more hours, a permanent contract).
    pub improved: bool,
    pub note: Option<String>,
}

pub fn six_month_answer(
    answered_on: &str,
    labour_status: &str,
    improved: bool,
    note: &str,
    today: &str,
) -> Result<SixMonthAnswer, ValidationErrors> {
    let mut e = ValidationErrors::new();
    let answered_on = e.take(
        "answered_on",
        past(answered_on, today).map(|d| d.unwrap_or_else(|| today.to_owned())),
    );
    let labour_status = e.take("labour_status", LabourStatus::parse(labour_status));
    let note = e.take("note", long_text(note, 1000));
    checked!(e; answered_on, labour_status, note);
    Ok(SixMonthAnswer {
        answered_on,
        labour_status,
        improved,
        note,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_job_seeker_registered_with_an_agency_has_the_date() {
        let d = JobSeekerDraft {
            agency: "iskur".into(),
            occupations: "cook, Cook, waiter".into(),
            availability: "full_time".into(),
            labour_status: "unemployed".into(),
            ..Default::default()
        };
        let e = d.validate("2026-12-03").unwrap_err();
        assert_eq!(e.0[0].field, "registered_on");
        let mut d = d;
        d.registered_on = "2026-10-01".into();
        let v = d.validate("2026-12-03").unwrap();
        assert_eq!(v.occupations, vec!["cook", "waiter"]);
        assert_eq!(v.status, SeekerStatus::Active);
    }

    #[test]
    fn a_placement_names_every_missing_field() {
        let e = PlacementDraft {
            hours_per_week: "100".into(),
            ..Default::default()
        }
        .validate("2026-12-03")
        .unwrap_err();
        let f: Vec<_> = e.0.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(
            f,
            vec![
                "employer_id",
                "occupation",
                "started_on",
                "contract_type",
                "hours_per_week",
                "social_security"
            ]
        );
    }

    #[test]
    fn a_retention_answer_asks_insurance_only_of_who_works() {
        let t = "2026-12-03";
        assert_eq!(
            check_answer("", "same_employer", "", "", t).unwrap_err().0[0].field,
            "insured"
        );
        let a = check_answer("", "not_working", "", "", t).unwrap();
        assert_eq!((a.insured, a.answered_on.as_str()), (None, t));
        let a = check_answer("2026-12-01", "other_employer", "yes", "", t).unwrap();
        assert_eq!(a.insured, Some(true));
    }
}
