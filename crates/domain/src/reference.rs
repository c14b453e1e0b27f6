//! The organisation and the service directory: programmes, units and teams,
//! institutions and the services they offer.

use crate::codes::{self, AreaCode, Code, Label};
use crate::error::ValidationErrors;
use serde::Serialize;

macro_rules! closed_list {
    ($(#[$meta:meta])* $name:ident, $prefix:literal { $($variant:ident = $s:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $s),+ }
            }
            pub fn parse(raw: &str) -> Result<Self, &'static str> {
                let s = raw.trim();
                if s.is_empty() {
                    return Err("err-required");
                }
                Self::ALL.iter().copied().find(|v| v.as_str() == s).ok_or("err-choice")
            }
            /// The Fluent id of this value's name.
            pub fn message_id(self) -> String {
                format!("{}-{}", $prefix, self.as_str().replace('_', "-"))
            }
        }
    };
}
/// Also the shape of the case module's closed lists.
pub(crate) use closed_list;

closed_list!(
    /// The kinds of teams that do the work.
    UnitKind, "unit-kind" {
        CoordinationUnit = "coordination_unit",
        MunicipalUnit = "municipal_unit",
        MobileTeam = "mobile_team",
        CommunityActionGroup = "community_action_group",
        InstitutionalWorkingGroup = "institutional_working_group",
    }
);

closed_list!(
    /// The kinds of institutions in the service directory.
    InstitutionKind, "institution-kind" {
        School = "school",
        PreSchool = "pre_school",
        FamilyHealthCentre = "family_health_centre",
        Hospital = "hospital",
        EmploymentAgency = "employment_agency",
        SocialAssistanceFoundation = "social_assistance_foundation",
        SocialServiceCentre = "social_service_centre",
        Ngo = "ngo",
        LegalAid = "legal_aid",
        NeighbourhoodHead = "neighbourhood_head",
        Municipality = "municipality",
        CivilRegistry = "civil_registry",
        Employer = "employer",
        Ministry = "ministry",
    }
);

closed_list!(
    /// Services an institution offers; referrals point at one of these.
    ServiceKind, "service-kind" {
        SchoolEnrolment = "school_enrolment",
        PreSchoolEnrolment = "pre_school_enrolment",
        AfterSchoolSupport = "after_school_support",
        AdultEducation = "adult_education",
        FamilyDoctorRegistration = "family_doctor_registration",
        HealthCare = "health_care",
        HealthInsurance = "health_insurance",
        VocationalCourse = "vocational_course",
        JobPlacement = "job_placement",
        SocialAssistance = "social_assistance",
        SocialServices = "social_services",
        CivilDocuments = "civil_documents",
        LegalAid = "legal_aid",
        Housing = "housing",
        PsychosocialSupport = "psychosocial_support",
    }
);

/// A programme as entered in a form or a JSON body, before validation.
#[derive(Debug, Clone, Default)]
pub struct ProgrammeDraft {
    pub code: String,
    pub name: String,
    pub donor: String,
    pub starts_on: String,
    pub ends_on: String,
    /// One result area per line.
    pub result_areas: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Programme {
    pub code: Code,
    pub name: Label,
    pub donor: Option<String>,
    pub starts_on: Option<String>,
    pub ends_on: Option<String>,
    pub result_areas: Vec<String>,
}

impl ProgrammeDraft {
    pub fn validate(&self) -> Result<Programme, ValidationErrors> {
        let mut e = ValidationErrors::new();
        let code = e.take("code", Code::parse(&self.code));
        let name = e.take("name", Label::parse(&self.name));
        let donor = e.take("donor", codes::optional_text(&self.donor));
        let starts_on = e.take("starts_on", codes::optional_date(&self.starts_on));
        let ends_on = e.take("ends_on", codes::optional_date(&self.ends_on));
        if let (Some(Some(s)), Some(Some(t))) = (&starts_on, &ends_on) {
            if t < s {
                e.push("ends_on", "err-end-before-start");
            }
        }
        let mut result_areas = Vec::new();
        for ra in &self.result_areas {
            match codes::optional_text(ra) {
                Ok(Some(v)) => result_areas.push(v),
                Ok(None) => {}
                Err(c) => e.push("result_areas", c),
            }
        }
        e.clone().into_result()?;
        match (code, name, donor, starts_on, ends_on) {
            (Some(code), Some(name), Some(donor), Some(starts_on), Some(ends_on)) => {
                Ok(Programme {
                    code,
                    name,
                    donor,
                    starts_on,
                    ends_on,
                    result_areas,
                })
            }
            _ => Err(e),
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct UnitDraft {
    pub code: String,
    pub name: String,
    pub kind: String,
    pub area_code: String,
    /// A programme code, or empty.
    pub programme_code: String,
    /// The unit's postal address, phone and e-mail: its letterhead.
    pub address: String,
    pub phone: String,
    pub email: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Unit {
    pub code: Code,
    pub name: Label,
    pub kind: UnitKind,
    pub area_code: AreaCode,
    pub programme_code: Option<Code>,
    pub address: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
}

impl UnitDraft {
    pub fn validate(&self) -> Result<Unit, ValidationErrors> {
        let mut e = ValidationErrors::new();
        let code = e.take("code", Code::parse(&self.code));
        let name = e.take("name", Label::parse(&self.name));
        let kind = e.take("kind", UnitKind::parse(&self.kind));
        let area_code = e.take("area_code", AreaCode::parse(&self.area_code));
        let programme_code = if self.programme_code.trim().is_empty() {
            Some(None)
        } else {
            e.take(
                "programme_code",
                Code::parse(&self.programme_code).map(Some),
            )
        };
        let address = e.take("address", codes::optional_text(&self.address));
        let phone = e.take("phone", codes::optional_phone(&self.phone));
        let email = e.take("email", codes::optional_email(&self.email));
        match (
            code,
            name,
            kind,
            area_code,
            programme_code,
            address,
            phone,
            email,
        ) {
            (
                Some(code),
                Some(name),
                Some(kind),
                Some(area_code),
                Some(programme_code),
                Some(address),
                Some(phone),
                Some(email),
            ) if e.is_empty() => Ok(Unit {
                code,
                name,
                kind,
                area_code,
                programme_code,
                address,
                phone,
                email,
            }),
            _ => Err(e),
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct InstitutionDraft {
    pub code: String,
    pub name: String,
    pub kind: String,
    pub area_code: String,
    pub address: String,
    pub phone: String,
    pub email: String,
    pub contact_person: String,
    pub services: Vec<String>,
    /// An employer's sector of activity and size.
    pub sector: String,
    pub size: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Institution {
    pub code: Code,
    pub name: Label,
    pub kind: InstitutionKind,
    pub area_code: AreaCode,
    pub address: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub contact_person: Option<String>,
    pub services: Vec<ServiceKind>,
    pub sector: Option<String>,
    pub size: Option<crate::employment::EmployerSize>,
}

impl InstitutionDraft {
    pub fn validate(&self) -> Result<Institution, ValidationErrors> {
        let mut e = ValidationErrors::new();
        let code = e.take("code", Code::parse(&self.code));
        let name = e.take("name", Label::parse(&self.name));
        let kind = e.take("kind", InstitutionKind::parse(&self.kind));
        let area_code = e.take("area_code", AreaCode::parse(&self.area_code));
        let address = e.take("address", codes::optional_text(&self.address));
        let phone = e.take("phone", codes::optional_phone(&self.phone));
        let email = e.take("email", codes::optional_email(&self.email));
        let contact_person = e.take("contact_person", codes::optional_text(&self.contact_person));
        let sector = e.take(
            "sector",
            codes::optional_label(&self.sector).map(|l| l.map(|l| l.to_string())),
        );
        let size = e.take(
            "size",
            if self.size.trim().is_empty() {
                Ok(None)
            } else {
                crate::employment::EmployerSize::parse(&self.size).map(Some)
            },
        );
        let mut services = Vec::new();
        for s in &self.services {
            if s.trim().is_empty() {
                continue;
            }
            match ServiceKind::parse(s) {
                Ok(k) if !services.contains(&k) => services.push(k),
                Ok(_) => {}
                Err(c) => e.push("services", c),
            }
        }
        match (
            code,
            name,
            kind,
            area_code,
            address,
            phone,
            email,
            contact_person,
        ) {
            (
                Some(code),
                Some(name),
                Some(kind),
                Some(area_code),
                Some(address),
                Some(phone),
                Some(email),
                Some(contact_person),
            ) if e.is_empty() => Ok(Institution {
                code,
                name,
                kind,
                area_code,
                address,
                phone,
                email,
                contact_person,
                services,
                sector: sector.flatten(),
                size: size.flatten(),
            }),
            _ => Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unit_draft_collects_every_problem() {
        let d = UnitDraft {
            code: "x".into(),
            name: "".into(),
            kind: "castle".into(),
            area_code: "TR-06".into(),
            programme_code: "".into(),
            ..Default::default()
        };
        let e = d.validate().unwrap_err();
        let fields: Vec<_> = e.0.iter().map(|f| (f.field.as_str(), f.code)).collect();
        assert_eq!(
            fields,
            vec![
                ("code", "err-code-length"),
                ("name", "err-required"),
                ("kind", "err-choice")
            ]
        );
    }

    #[test]
    fn programme_dates_in_order() {
        let d = ProgrammeDraft {
            code: "SIROMA".into(),
            name: "SİROMA".into(),
            starts_on: "2017-01-01".into(),
            ends_on: "2015-01-01".into(),
            ..Default::default()
        };
        assert_eq!(d.validate().unwrap_err().0[0].code, "err-end-before-start");
    }

    #[test]
    fn institution_services_deduplicated() {
        let d = InstitutionDraft {
            code: "ISKUR-06".into(),
            name: "İŞKUR Ankara".into(),
            kind: "employment_agency".into(),
            area_code: "TR-06".into(),
            services: vec!["job_placement".into(), "job_placement".into(), "".into()],
            ..Default::default()
        };
        assert_eq!(
            d.validate().unwrap().services,
            vec![ServiceKind::JobPlacement]
        );
    }
}
