//! The roles of the people who use Köprü (see docs/domain.md, "The people who use it").

use serde::Serialize;
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Administrator,
    ProgrammeManager,
    MeOfficer,
    UnitCoordinator,
    /// Field workers: the four kinds below share the field-work permissions.
    SocialMediator,
    HealthMediator,
    PedagogicalAssistant,
    Volunteer,
    InstitutionFocalPoint,
    Auditor,
}

impl Role {
    pub const ALL: [Role; 10] = [
        Role::Administrator,
        Role::ProgrammeManager,
        Role::MeOfficer,
        Role::UnitCoordinator,
        Role::SocialMediator,
        Role::HealthMediator,
        Role::PedagogicalAssistant,
        Role::Volunteer,
        Role::InstitutionFocalPoint,
        Role::Auditor,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Administrator => "administrator",
            Role::ProgrammeManager => "programme_manager",
            Role::MeOfficer => "me_officer",
            Role::UnitCoordinator => "unit_coordinator",
            Role::SocialMediator => "social_mediator",
            Role::HealthMediator => "health_mediator",
            Role::PedagogicalAssistant => "pedagogical_assistant",
            Role::Volunteer => "volunteer",
            Role::InstitutionFocalPoint => "institution_focal_point",
            Role::Auditor => "auditor",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, &'static str> {
        let s = raw.trim().to_ascii_lowercase().replace(['-', ' '], "_");
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or("err-role")
    }

    pub fn is_field_worker(self) -> bool {
        matches!(
            self,
            Role::SocialMediator
                | Role::HealthMediator
                | Role::PedagogicalAssistant
                | Role::Volunteer
        )
    }

    /// The Fluent id of the role's name.
    pub fn message_id(self) -> String {
        format!("role-{}", self.as_str().replace('_', "-"))
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        for r in Role::ALL {
            assert_eq!(Role::parse(r.as_str()), Ok(r));
        }
        assert_eq!(Role::parse("Unit-Coordinator"), Ok(Role::UnitCoordinator));
        assert_eq!(Role::parse("king"), Err("err-role"));
    }
}
