//! Outcomes recorded per person with dates, so that they can be counted:
//! civil documents (birth registration, identity card, residence
//! registration, citizenship or statelessness determination) requested,
//! obtained or refused; school enrolment per school year; health coverage and
//! immunisation; programme participation as ESF+ reporting asks. Drafts check
//! into values the store can trust, with every problem named by field.

use crate::casework::{long_text, optional_int};
use crate::checked;
use crate::codes::{optional_date, Code};
use crate::error::ValidationErrors;
use crate::reference::closed_list;
use serde::Serialize;

closed_list!(
    /// The civil documents that make a person visible to the state.
    DocumentKind, "document-kind" {
        BirthRegistration = "birth_registration",
        IdentityCard = "identity_card",
        ResidenceRegistration = "residence_registration",
        Citizenship = "citizenship",
        StatelessnessDetermination = "statelessness_determination",
    }
);

closed_list!(
    /// Where a document's procedure stands.
    DocumentStatus, "document-status" {
        Requested = "requested",
        Obtained = "obtained",
        Refused = "refused",
    }
);

/// A document's procedure as entered: when it was requested, and when it
/// was obtained or refused (with the reason).
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct DocumentDraft {
    pub kind: String,
    pub requested_on: String,
    pub obtained_on: String,
    pub refused_on: String,
    pub refusal_reason: String,
    pub note: String,
}

impl DocumentKind {
    /// What obtaining the document says about the person's civil status,
    /// as (person field, value): a registered birth makes a legally
    /// invisible person visible; an identity card is held; citizenship
    /// confirmed ends the risk of statelessness, a determination of
    /// statelessness recognises it. A residence registration changes none.
    pub fn civil_status(self) -> &'static [(&'static str, &'static str)] {
        match self {
            Self::BirthRegistration => &[("birth_registered", "yes"), ("legally_invisible", "0")],
            Self::IdentityCard => &[("id_card", "held")],
            Self::Citizenship => &[("statelessness", "no")],
            Self::StatelessnessDetermination => &[("statelessness", "stateless")],
            Self::ResidenceRegistration => &[],
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Document {
    pub kind: DocumentKind,
    pub status: DocumentStatus,
    pub requested_on: Option<String>,
    pub obtained_on: Option<String>,
    pub refused_on: Option<String>,
    pub refusal_reason: Option<String>,
    pub note: Option<String>,
}

fn past(raw: &str, today: &str) -> Result<Option<String>, &'static str> {
    match optional_date(raw)? {
        Some(d) if d.as_str() > today => Err("err-date-in-future"),
        d => Ok(d),
    }
}

impl DocumentDraft {
    /// The status follows the dates: obtained when it has an obtained date,
    /// refused when refused (with a reason), requested otherwise (a request
    /// date is then needed). Obtained and refused exclude each other, and
    /// neither comes before the request.
    pub fn validate(&self, today: &str) -> Result<Document, ValidationErrors> {
        let mut e = ValidationErrors::new();
        let kind = e.take("kind", DocumentKind::parse(&self.kind));
        let requested_on = e.take("requested_on", past(&self.requested_on, today));
        let obtained_on = e.take("obtained_on", past(&self.obtained_on, today));
        let refused_on = e.take("refused_on", past(&self.refused_on, today));
        let refusal_reason = e.take("refusal_reason", long_text(&self.refusal_reason, 500));
        let note = e.take("note", long_text(&self.note, 1000));
        e.into_result()?;
        let (
            Some(kind),
            Some(requested_on),
            Some(obtained_on),
            Some(refused_on),
            Some(refusal_reason),
            Some(note),
        ) = (
            kind,
            requested_on,
            obtained_on,
            refused_on,
            refusal_reason,
            note,
        )
        else {
            return Err(ValidationErrors::single("document", "err-required"));
        };
        let mut e = ValidationErrors::new();
        if obtained_on.is_some() && refused_on.is_some() {
            e.push("refused_on", "err-document-obtained-and-refused");
        }
        for (field, d) in [("obtained_on", &obtained_on), ("refused_on", &refused_on)] {
            if let (Some(r), Some(d)) = (&requested_on, d) {
                if d < r {
                    e.push(field, "err-ends-before-start");
                }
            }
        }
        if refused_on.is_some() && refusal_reason.is_none() {
            e.push("refusal_reason", "err-required");
        }
        if obtained_on.is_none() && refused_on.is_none() && requested_on.is_none() {
            e.push("requested_on", "err-required");
        }
        e.into_result()?;
        let status = if obtained_on.is_some() {
            DocumentStatus::Obtained
        } else if refused_on.is_some() {
            DocumentStatus::Refused
        } else {
            DocumentStatus::Requested
        };
        Ok(Document {
            kind,
            status,
            requested_on,
            obtained_on,
            refused_on,
            refusal_reason,
            note,
        })
    }
}

/// A date that has happened, required.
fn past_required(raw: &str, today: &str) -> Result<String, &'static str> {
    past(raw, today)?.ok_or("err-required")
}

/// A yes/no as forms and JSON give it (`on`, `true`, `1`, `yes`, `evet`, `да`, `da`).
pub fn yes(raw: &str) -> bool {
    matches!(
        raw.trim().to_lowercase().as_str(),
        "on" | "true" | "1" | "yes" | "evet" | "да" | "da"
    )
}

/// Codes of a closed list, each once, in the order given; blanks skipped.
fn codes_of<T: Copy + PartialEq>(
    raw: &[String],
    parse: fn(&str) -> Result<T, &'static str>,
) -> Result<Vec<T>, &'static str> {
    let mut out = Vec::new();
    for r in raw.iter().flat_map(|r| r.split(',')) {
        if r.trim().is_empty() {
            continue;
        }
        let v = parse(r)?;
        if !out.contains(&v) {
            out.push(v);
        }
    }
    Ok(out)
}

/// Disadvantaged groups as forms and JSON give them.
pub fn group_codes(raw: &[String]) -> Result<Vec<DisadvantagedGroup>, &'static str> {
    codes_of(raw, DisadvantagedGroup::parse)
}

// ---------------------------------------------------------------- education

closed_list!(
    /// The level of education a child is enrolled in.
    SchoolLevel, "school-level" {
        PreSchool = "pre_school",
        Primary = "primary",
        LowerSecondary = "lower_secondary",
        UpperSecondary = "upper_secondary",
    }
);

closed_list!(
    /// Where a child's schooling stands in a school year.
    EnrolmentStatus, "enrolment-status" {
        Enrolled = "enrolled",
        AttendingRegularly = "attending_regularly",
        IrregularAttendance = "irregular_attendance",
        DroppedOut = "dropped_out",
        Completed = "completed",
        NotEnrolled = "not_enrolled",
    }
);

impl EnrolmentStatus {
    /// The child is on a school's roll.
    pub fn on_roll(self) -> bool {
        matches!(
            self,
            Self::Enrolled | Self::AttendingRegularly | Self::IrregularAttendance
        )
    }
}

closed_list!(
    /// Why a child of school age is not enrolled (or dropped out).
    NotEnrolledReason, "not-enrolled-reason" {
        NoDocuments = "no_documents",
        DistanceOrTransport = "distance_or_transport",
        Cost = "cost",
        WorkOrCare = "work_or_care",
        EarlyMarriage = "early_marriage",
        DisabilityAccess = "disability_access",
        RefusedBySchool = "refused_by_school",
        FamilyDecision = "family_decision",
        Seasonal = "seasonal_migration",
        Other = "other",
    }
);

closed_list!(
    /// Support a child received in the school year.
    SchoolSupport, "school-support" {
        AfterSchool = "after_school",
        PedagogicalAssistant = "pedagogical_assistant",
        SchoolMaterials = "school_materials",
    }
);

/// A school year `2026-2027`: two consecutive years.
pub fn school_year(raw: &str) -> Result<String, &'static str> {
    let s = raw.trim();
    if s.is_empty() {
        return Err("err-required");
    }
    let (a, b) = s.split_once(['-', '/']).ok_or("err-school-year")?;
    let (Ok(a), Ok(b)) = (a.trim().parse::<i32>(), b.trim().parse::<i32>()) else {
        return Err("err-school-year");
    };
    if !(1990..=2200).contains(&a) || b != a + 1 {
        return Err("err-school-year");
    }
    Ok(format!("{a}-{b}"))
}

/// The school year a date falls in: from 1 September.
pub fn school_year_of(date: &str) -> String {
    let y: i32 = date.get(..4).and_then(|y| y.parse().ok()).unwrap_or(2000);
    let autumn = date.get(5..7).is_some_and(|m| m >= "09");
    if autumn {
        format!("{y}-{}", y + 1)
    } else {
        format!("{}-{y}", y - 1)
    }
}

/// A child's schooling in a school year as entered. `status_on` dates the
/// status (today when blank): a change of status is a dated event.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct EnrolmentDraft {
    pub school_year: String,
    pub level: String,
    /// The school's id in the directory (blank when not enrolled).
    pub school_id: String,
    pub grade: String,
    pub status: String,
    pub status_on: String,
    pub reason: String,
    pub absent_days_term1: String,
    pub absent_days_term2: String,
    pub supports: Vec<String>,
    pub note: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Enrolment {
    pub school_year: String,
    pub level: SchoolLevel,
    pub school_id: Option<String>,
    pub grade: Option<i64>,
    pub status: EnrolmentStatus,
    pub status_on: String,
    pub reason: Option<NotEnrolledReason>,
    pub absent_days_term1: Option<i64>,
    pub absent_days_term2: Option<i64>,
    pub supports: Vec<SchoolSupport>,
    pub note: Option<String>,
}

impl EnrolmentDraft {
    /// Every problem at once. A child on a school's roll has a school; one
    /// not enrolled or dropped out has a reason.
    pub fn validate(&self, today: &str) -> Result<Enrolment, ValidationErrors> {
        let mut e = ValidationErrors::new();
        let school_year = e.take("school_year", school_year(&self.school_year));
        let level = e.take("level", SchoolLevel::parse(&self.level));
        let grade = e.take("grade", optional_int(&self.grade, 0, 13));
        let status = e.take("status", EnrolmentStatus::parse(&self.status));
        let status_on = e.take(
            "status_on",
            past(&self.status_on, today).map(|d| d.unwrap_or_else(|| today.to_owned())),
        );
        let reason = e.take(
            "reason",
            if self.reason.trim().is_empty() {
                Ok(None)
            } else {
                NotEnrolledReason::parse(&self.reason).map(Some)
            },
        );
        let absent_days_term1 = e.take(
            "absent_days_term1",
            optional_int(&self.absent_days_term1, 0, 200),
        );
        let absent_days_term2 = e.take(
            "absent_days_term2",
            optional_int(&self.absent_days_term2, 0, 200),
        );
        let supports = e.take("supports", codes_of(&self.supports, SchoolSupport::parse));
        let note = e.take("note", long_text(&self.note, 1000));
        let school_id = Some(self.school_id.trim().to_owned()).filter(|s| !s.is_empty());
        if let Some(st) = status {
            if st.on_roll() && school_id.is_none() {
                e.push("school_id", "err-required");
            }
            if matches!(
                st,
                EnrolmentStatus::NotEnrolled | EnrolmentStatus::DroppedOut
            ) && matches!(reason, Some(None))
            {
                e.push("reason", "err-required");
            }
        }
        checked!(e; school_year, level, grade, status, status_on, reason, absent_days_term1, absent_days_term2, supports, note);
        Ok(Enrolment {
            school_year,
            level,
            school_id,
            grade,
            status,
            status_on,
            reason,
            absent_days_term1,
            absent_days_term2,
            supports,
            note,
        })
    }
}

// ---------------------------------------------------------------- health

closed_list!(
    /// What a health-coverage record is: an insurance, or registration with
    /// a family doctor or health centre.
    CoverageKind, "coverage-kind" {
        Insurance = "insurance",
        FamilyDoctor = "family_doctor",
    }
);

closed_list!(
    /// The insurance schemes: Türkiye's general health insurance (GSS),
    /// Serbia's health insurance card (RFZO), private, other.
    InsuranceScheme, "insurance-scheme" {
        GeneralHealthInsurance = "general_health_insurance",
        HealthInsuranceCard = "health_insurance_card",
        Private = "private",
        Other = "other",
    }
);

closed_list!(
    /// A child's immunisation status (special category: it reveals health).
    ImmunisationStatus, "immunisation-status" {
        UpToDate = "up_to_date",
        NotUpToDate = "not_up_to_date",
        Unknown = "unknown",
    }
);

#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct CoverageDraft {
    pub kind: String,
    /// For an insurance.
    pub scheme: String,
    /// For a family doctor: the health centre's id in the directory.
    pub institution_id: String,
    pub doctor: String,
    pub started_on: String,
    pub ended_on: String,
    pub note: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Coverage {
    pub kind: CoverageKind,
    pub scheme: Option<InsuranceScheme>,
    pub institution_id: Option<String>,
    pub doctor: Option<String>,
    pub started_on: String,
    pub ended_on: Option<String>,
    pub note: Option<String>,
}

impl CoverageDraft {
    /// An insurance names its scheme; a family doctor its health centre.
    pub fn validate(&self, today: &str) -> Result<Coverage, ValidationErrors> {
        let mut e = ValidationErrors::new();
        let kind = e.take("kind", CoverageKind::parse(&self.kind));
        let scheme = e.take(
            "scheme",
            match kind {
                Some(CoverageKind::Insurance) => InsuranceScheme::parse(&self.scheme).map(Some),
                _ => Ok(None),
            },
        );
        let institution_id = Some(self.institution_id.trim().to_owned()).filter(|s| !s.is_empty());
        if kind == Some(CoverageKind::FamilyDoctor) && institution_id.is_none() {
            e.push("institution_id", "err-required");
        }
        let doctor = e.take("doctor", long_text(&self.doctor, 120));
        let started_on = e.take("started_on", past_required(&self.started_on, today));
        // An end may be ahead: an insurance paid until the end of the year.
        let ended_on = e.take("ended_on", optional_date(&self.ended_on));
        if let (Some(s), Some(Some(end))) = (&started_on, &ended_on) {
            if end < s {
                e.push("ended_on", "err-ends-before-start");
            }
        }
        let note = e.take("note", long_text(&self.note, 1000));
        checked!(e; kind, scheme, doctor, started_on, ended_on, note);
        Ok(Coverage {
            kind,
            scheme,
            institution_id: if kind == CoverageKind::FamilyDoctor {
                institution_id
            } else {
                None
            },
            doctor,
            started_on,
            ended_on,
            note,
        })
    }
}

/// An immunisation status as assessed on a day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Immunisation {
    pub status: String,
    pub assessed_on: String,
    pub note: Option<String>,
}

pub fn immunisation(
    status: &str,
    assessed_on: &str,
    note: &str,
    today: &str,
) -> Result<Immunisation, ValidationErrors> {
    let mut e = ValidationErrors::new();
    let status = e.take("status", ImmunisationStatus::parse(status));
    let assessed_on = e.take(
        "assessed_on",
        past(assessed_on, today).map(|d| d.unwrap_or_else(|| today.to_owned())),
    );
    let note = e.take("note", long_text(note, 500));
    checked!(e; status, assessed_on, note);
    Ok(Immunisation {
        status: status.as_str().to_owned(),
        assessed_on,
        note,
    })
}

// ---------------------------------------------------------------- participation

closed_list!(
    /// Labour status as ESF+ asks it at entry and six months after leaving.
    LabourStatus, "labour-status" {
        Employed = "employed",
        SelfEmployed = "self_employed",
        Unemployed = "unemployed",
        LongTermUnemployed = "long_term_unemployed",
        Inactive = "inactive",
        InEducation = "in_education",
    }
);

impl LabourStatus {
    pub fn working(self) -> bool {
        matches!(self, Self::Employed | Self::SelfEmployed)
    }
}

closed_list!(
    /// Highest education completed (ISCED 2011 levels).
    IscedLevel, "isced" {
        Isced0 = "isced_0",
        Isced1 = "isced_1",
        Isced2 = "isced_2",
        Isced3 = "isced_3",
        Isced4 = "isced_4",
        Isced5 = "isced_5",
        Isced6 = "isced_6",
        Isced7 = "isced_7",
        Isced8 = "isced_8",
    }
);

closed_list!(
    /// Disadvantaged groups that are not special-category data. Disability,
    /// minority (Roma) background, a criminal record and surviving violence
    /// are special categories: they are read from the person's encrypted
    /// values with the category's right, never copied here.
    DisadvantagedGroup, "disadvantaged-group" {
        HousingExclusion = "housing_exclusion",
        SlumDweller = "slum_dweller",
        Rural = "rural",
        SingleParent = "single_parent",
        ForeignBackground = "foreign_background",
        ThirdCountryNational = "third_country_national",
    }
);

closed_list!(
    /// ESF+ immediate results on leaving (several may apply).
    LeavingResult, "leaving-result" {
        JobSearching = "job_searching",
        InEducationOrTraining = "in_education_or_training",
        GainedQualification = "gained_qualification",
        InEmployment = "in_employment",
    }
);

/// Entry into a programme as entered.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct EntryDraft {
    pub programme_code: String,
    pub entered_on: String,
    pub labour_status: String,
    pub education: String,
    pub groups: Vec<String>,
    /// What opened it: a case or an activity of the person (ids), or nothing.
    pub case_id: String,
    pub activity_id: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub programme_code: Code,
    pub entered_on: String,
    pub labour_status: LabourStatus,
    pub education: IscedLevel,
    pub groups: Vec<DisadvantagedGroup>,
    pub case_id: Option<String>,
    pub activity_id: Option<String>,
}

impl EntryDraft {
    pub fn validate(&self, today: &str) -> Result<Entry, ValidationErrors> {
        let mut e = ValidationErrors::new();
        let programme_code = e.take("programme_code", Code::parse(&self.programme_code));
        let entered_on = e.take("entered_on", past_required(&self.entered_on, today));
        let labour_status = e.take("labour_status", LabourStatus::parse(&self.labour_status));
        let education = e.take("education", IscedLevel::parse(&self.education));
        let groups = e.take("groups", group_codes(&self.groups));
        checked!(e; programme_code, entered_on, labour_status, education, groups);
        let id = |s: &str| Some(s.trim().to_owned()).filter(|s| !s.is_empty());
        Ok(Entry {
            programme_code,
            entered_on,
            labour_status,
            education,
            groups,
            case_id: id(&self.case_id),
            activity_id: id(&self.activity_id),
        })
    }
}

/// Leaving a programme: the date and the immediate results.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exit {
    pub left_on: String,
    pub results: Vec<LeavingResult>,
}

pub fn exit(left_on: &str, results: &[String], today: &str) -> Result<Exit, ValidationErrors> {
    let mut e = ValidationErrors::new();
    let left_on = e.take("left_on", past_required(left_on, today));
    let results = e.take("results", codes_of(results, LeavingResult::parse));
    checked!(e; left_on, results);
    Ok(Exit { left_on, results })
}

#[cfg(test)]
mod outcome_tests {
    use super::*;

    #[test]
    fn school_years_are_two_consecutive_years() {
        assert_eq!(school_year("2026-2027"), Ok("2026-2027".into()));
        assert_eq!(school_year("2026/2027"), Ok("2026-2027".into()));
        assert_eq!(school_year("2026-2028"), Err("err-school-year"));
        assert_eq!(school_year("x"), Err("err-school-year"));
        assert_eq!(school_year_of("2026-09-01"), "2026-2027");
        assert_eq!(school_year_of("2026-08-31"), "2025-2026");
    }

    #[test]
    fn an_enrolment_on_the_roll_has_a_school_and_one_off_it_a_reason() {
        let today = "2026-12-03";
        let mut d = EnrolmentDraft {
            school_year: "2026-2027".into(),
            level: "primary".into(),
            status: "enrolled".into(),
            ..Default::default()
        };
        let fields = |d: &EnrolmentDraft| -> Vec<String> {
            d.validate(today)
                .err()
                .map(|e| e.0.into_iter().map(|f| f.field).collect())
                .unwrap_or_default()
        };
        assert_eq!(fields(&d), vec!["school_id"]);
        d.status = "not_enrolled".into();
        assert_eq!(fields(&d), vec!["reason"]);
        d.reason = "no_documents".into();
        d.supports = vec![
            "after_school,school_materials".into(),
            "after_school".into(),
        ];
        let v = d.validate(today).unwrap();
        assert_eq!(v.status_on, today);
        assert_eq!(
            v.supports,
            vec![SchoolSupport::AfterSchool, SchoolSupport::SchoolMaterials]
        );
        d.absent_days_term1 = "-1".into();
        d.grade = "x".into();
        assert_eq!(fields(&d), vec!["grade", "absent_days_term1"]);
    }

    #[test]
    fn coverage_names_its_scheme_or_its_centre() {
        let today = "2026-12-03";
        let mut d = CoverageDraft {
            kind: "insurance".into(),
            started_on: "2026-01-01".into(),
            ended_on: "2025-01-01".into(),
            ..Default::default()
        };
        let e = d.validate(today).unwrap_err();
        let f: Vec<_> = e.0.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(f, vec!["scheme", "ended_on"]);
        d.kind = "family_doctor".into();
        d.ended_on.clear();
        let e = d.validate(today).unwrap_err();
        assert_eq!(e.0[0].field, "institution_id");
        d.institution_id = "abc".into();
        assert!(d.validate(today).is_ok());
    }

    #[test]
    fn entry_and_exit_check_every_field() {
        let today = "2026-12-03";
        let d = EntryDraft {
            programme_code: "ISKEP".into(),
            entered_on: "2027-01-01".into(),
            labour_status: "retired".into(),
            education: "isced_3".into(),
            groups: vec!["slum_dweller".into(), "roma".into()],
            ..Default::default()
        };
        let e = d.validate(today).unwrap_err();
        let f: Vec<_> = e.0.iter().map(|f| (f.field.as_str(), f.code)).collect();
        assert_eq!(
            f,
            vec![
                ("entered_on", "err-date-in-future"),
                ("labour_status", "err-choice"),
                ("groups", "err-choice")
            ]
        );
        let x = exit("2026-11-30", &["in_employment".into()], today).unwrap();
        assert_eq!(x.results, vec![LeavingResult::InEmployment]);
        assert!(exit("", &[], today).is_err());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draft(requested: &str, obtained: &str, refused: &str, reason: &str) -> DocumentDraft {
        DocumentDraft {
            kind: "identity_card".into(),
            requested_on: requested.into(),
            obtained_on: obtained.into(),
            refused_on: refused.into(),
            refusal_reason: reason.into(),
            note: String::new(),
        }
    }

    #[test]
    fn the_status_follows_the_dates() {
        let today = "2026-12-03";
        let d = draft("2026-03-01", "", "", "").validate(today).unwrap();
        assert_eq!(d.status, DocumentStatus::Requested);
        let d = draft("2026-03-01", "2026-05-02", "", "")
            .validate(today)
            .unwrap();
        assert_eq!(d.status, DocumentStatus::Obtained);
        let d = draft("", "2026-05-02", "", "").validate(today).unwrap();
        assert_eq!(d.status, DocumentStatus::Obtained);
        let d = draft("2026-03-01", "", "2026-04-01", "no birth record")
            .validate(today)
            .unwrap();
        assert_eq!(d.status, DocumentStatus::Refused);
    }

    #[test]
    fn every_problem_is_named() {
        let today = "2026-12-03";
        let codes = |d: DocumentDraft| -> Vec<(String, &'static str)> {
            d.validate(today)
                .err()
                .map(|e| e.0.into_iter().map(|f| (f.field, f.code)).collect())
                .unwrap_or_default()
        };
        assert_eq!(
            codes(draft("", "", "", "")),
            vec![("requested_on".into(), "err-required")]
        );
        assert_eq!(
            codes(draft("2026-03-01", "2026-02-01", "2026-02-02", "")),
            vec![
                ("refused_on".into(), "err-document-obtained-and-refused"),
                ("obtained_on".into(), "err-ends-before-start"),
                ("refused_on".into(), "err-ends-before-start"),
                ("refusal_reason".into(), "err-required"),
            ]
        );
        assert_eq!(
            codes(draft("2027-01-01", "", "", "")),
            vec![("requested_on".into(), "err-date-in-future")]
        );
        let mut d = draft("2026-01-01", "", "", "");
        d.kind = "passport".into();
        assert_eq!(codes(d), vec![("kind".into(), "err-choice")]);
    }
}

/// The ESF+ age bands (below 18, 18–29, 30–54, 55 and above) of an age.
pub fn esf_age_band(age: Option<i64>) -> &'static str {
    match age {
        None => "unknown",
        Some(a) if a < 18 => "under_18",
        Some(a) if a < 30 => "18_29",
        Some(a) if a < 55 => "30_54",
        Some(_) => "55_plus",
    }
}

/// Age on a day of someone whose birth date may be unknown.
pub fn age_on_or_none(birth: Option<&str>, on: &str) -> Option<i64> {
    birth.and_then(|b| crate::person::age_on(b, on))
}
