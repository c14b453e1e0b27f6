//! The one place that decides what a user may do and which rows they may see.
//!
//! A [`Principal`] is the signed-in user with their role assignments. For an
//! [`Action`], [`Principal::grants`] returns the scopes of exactly those
//! assignments whose role permits the action. The storage layer renders those
//! grants into the `WHERE` clause of the query (see `kopru_store::scope`), so rows
//! outside the grants are never loaded. An empty grant list means "nothing".

use crate::{role::Role, scope::Scope};

/// Something a user asks to do. Reading and changing are separate actions so that
/// read-only roles (auditor, programme manager) get the first and not the second.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    /// Areas, programmes, units and institutions (the service directory).
    ViewDirectory,
    ManageProgrammes,
    ManageUnits,
    ManageInstitutions,
    ViewUsers,
    ManageUsers,
    ViewAudit,
    /// Publish form definitions (needs assessments, visits, closure).
    ManageForms,
    /// Households and people (the registry).
    ViewPersons,
    EditPersons,
    ExportPersons,
    ImportPersons,
    /// Run the duplicate finder over a scope (it reads every record there and
    /// replaces that scope's open review queue).
    RunDuplicateCheck,
    /// Cases: their assessments, plans, contacts, services, follow-ups and referrals.
    ViewCases,
    EditCases,
    /// A coordinator's hand on the unit's caseload: reassign cases and
    /// follow-ups, accept or decline cases transferred to the unit.
    ManageCaseload,
    /// Send a referral the person's consent does not cover, with a reason (audited).
    OverrideConsent,
    /// An institution's focal point answers the referrals sent to it.
    AnswerReferrals,
    /// Caseload and referral dashboards: counts, never names.
    ViewCaseStatistics,
    /// Special categories, each readable (and so writable) by the roles that need it.
    ReadEthnicity,
    ReadHealth,
    ReadJustice,
    /// Programme activities: trainings, courses, events, meetings, their
    /// sessions and head counts (participants' names follow `ViewPersons`).
    ViewActivities,
    /// Plan and run activities: sessions, enrolment, scores, status.
    ManageActivities,
    /// Mark attendance at a session.
    TakeAttendance,
    /// A host institution's focal point confirms its volunteers' monthly hours.
    ConfirmVolunteerHours,
    /// Strategies, action plans, actions, indicators, cycles and progress
    /// reports (a focal point: its institution's actions and those it shares).
    ViewStrategy,
    /// Import and revise action plans, open and close reporting cycles.
    ManageStrategy,
    /// Fill and submit the progress reports of the caller's institution.
    ReportProgress,
    /// Approve progress reports or return them with comments.
    ReviewProgress,
    /// Indicators, their values and dashboards, within the grant's scope
    /// (an institution's focal point: installation-wide, small cells hidden).
    ViewIndicators,
    /// Read indicator cells below the small-cell threshold: those who see
    /// the people behind them anyway, in their own scope.
    ViewSmallCells,
    /// Publish indicator definitions, set targets, compose dashboards.
    ManageIndicators,
}

impl Action {
    pub const ALL: [Action; 33] = [
        Action::ViewDirectory,
        Action::ManageProgrammes,
        Action::ManageUnits,
        Action::ManageInstitutions,
        Action::ViewUsers,
        Action::ManageUsers,
        Action::ViewAudit,
        Action::ManageForms,
        Action::ViewPersons,
        Action::EditPersons,
        Action::ExportPersons,
        Action::ImportPersons,
        Action::RunDuplicateCheck,
        Action::ViewCases,
        Action::EditCases,
        Action::ManageCaseload,
        Action::OverrideConsent,
        Action::AnswerReferrals,
        Action::ViewCaseStatistics,
        Action::ReadEthnicity,
        Action::ReadHealth,
        Action::ReadJustice,
        Action::ViewActivities,
        Action::ManageActivities,
        Action::TakeAttendance,
        Action::ConfirmVolunteerHours,
        Action::ViewStrategy,
        Action::ManageStrategy,
        Action::ReportProgress,
        Action::ReviewProgress,
        Action::ViewIndicators,
        Action::ViewSmallCells,
        Action::ManageIndicators,
    ];

    /// The action that reads (and, with `EditPersons`, writes) a special category.
    pub fn for_special(c: crate::person::SpecialCategory) -> Action {
        use crate::person::SpecialCategory::*;
        match c {
            Ethnicity => Action::ReadEthnicity,
            Health | Disability => Action::ReadHealth,
            CriminalRecord | ViolenceSurvivor => Action::ReadJustice,
        }
    }
}

/// The role matrix. Kept as one `match` so that a reviewer reads every rule in one screen.
pub fn role_permits(role: Role, action: Action) -> bool {
    use Action::*;
    use Role::*;
    match action {
        ViewDirectory => true,
        ManageProgrammes => matches!(role, Administrator | ProgrammeManager),
        ManageUnits => matches!(role, Administrator | ProgrammeManager),
        ManageInstitutions => {
            matches!(
                role,
                Administrator | ProgrammeManager | MeOfficer | UnitCoordinator
            )
        }
        ViewUsers => matches!(role, Administrator | Auditor),
        ManageUsers => matches!(role, Administrator),
        ViewAudit => matches!(role, Administrator | Auditor),
        // What is asked of people is a programme's decision, not a unit's.
        ManageForms => matches!(role, Administrator | ProgrammeManager),
        // Programme managers and M&E officers read aggregates only; institutions see
        // people through referrals (issue 6), never the registry.
        ViewPersons => {
            role.is_field_worker() || matches!(role, Administrator | UnitCoordinator | Auditor)
        }
        EditPersons => role.is_field_worker() || matches!(role, Administrator | UnitCoordinator),
        ExportPersons | ImportPersons => matches!(role, Administrator | UnitCoordinator),
        RunDuplicateCheck => matches!(role, Administrator | UnitCoordinator),
        // Case narratives are read by those who do the work and those who audit
        // it; administrators run the system without reading them.
        ViewCases => role.is_field_worker() || matches!(role, UnitCoordinator | Auditor),
        EditCases => role.is_field_worker() || matches!(role, UnitCoordinator),
        ManageCaseload | OverrideConsent => matches!(role, UnitCoordinator),
        AnswerReferrals => matches!(role, InstitutionFocalPoint),
        ViewCaseStatistics => !matches!(role, InstitutionFocalPoint | Volunteer),
        // Special categories: only those who work with them; administrators and
        // auditors keep the system running without reading them.
        ReadEthnicity => matches!(
            role,
            UnitCoordinator | SocialMediator | HealthMediator | PedagogicalAssistant
        ),
        ReadHealth => matches!(role, UnitCoordinator | SocialMediator | HealthMediator),
        ReadJustice => matches!(role, UnitCoordinator | SocialMediator),
        // Everyone who works in a programme sees what it does; focal points
        // see the activities their institution runs or hosts.
        ViewActivities => true,
        // Coordinators and programme managers plan activities; field workers
        // run them (young volunteers help at sessions but do not plan them).
        ManageActivities => {
            matches!(
                role,
                ProgrammeManager
                    | UnitCoordinator
                    | SocialMediator
                    | HealthMediator
                    | PedagogicalAssistant
            )
        }
        TakeAttendance => role.is_field_worker() || matches!(role, UnitCoordinator),
        ConfirmVolunteerHours => matches!(role, InstitutionFocalPoint),
        // The strategy is monitored by M&E officers and programme managers and
        // fed by the responsible institutions; auditors read it.
        ViewStrategy => matches!(
            role,
            Administrator | ProgrammeManager | MeOfficer | Auditor | InstitutionFocalPoint
        ),
        ManageStrategy => matches!(role, Administrator | MeOfficer),
        ReportProgress => matches!(role, InstitutionFocalPoint),
        ReviewProgress => matches!(role, MeOfficer),
        // Indicators are for everyone who runs or watches a programme; young
        // volunteers help at sessions and read none.
        ViewIndicators => !matches!(role, Volunteer),
        // Aggregates reach programme managers, administrators, auditors and
        // institutions with small cells hidden; those who work with the people
        // (and M&E officers, in their own scope) read every cell.
        ViewSmallCells => role.is_field_worker() || matches!(role, UnitCoordinator | MeOfficer),
        ManageIndicators => matches!(role, Administrator | MeOfficer),
    }
}

/// One role in one scope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assignment {
    pub role: Role,
    pub scope: Scope,
}

impl Assignment {
    /// Does the scope suit the role? Field workers and coordinators work in a
    /// unit or an area, never "everywhere" (an empty scope once made a
    /// mediator installation-wide without a word); a focal point works for one
    /// institution; the other roles may be given any scope. A refusal is a
    /// Fluent message id for the `scope` field.
    pub fn check(&self) -> Result<(), &'static str> {
        let field = self.role.is_field_worker() || self.role == Role::UnitCoordinator;
        match (&self.scope, self.role) {
            (Scope::Institution(_), Role::InstitutionFocalPoint) => Ok(()),
            (_, Role::InstitutionFocalPoint) => Err("err-scope-institution-required"),
            (Scope::Institution(_), _) => Err("err-scope-institution-only"),
            (Scope::Installation, _) if field => Err("err-scope-required"),
            _ => Ok(()),
        }
    }
}

/// The user a request acts for.
#[derive(Debug, Clone)]
pub struct Principal {
    pub user_id: String,
    pub username: String,
    pub assignments: Vec<Assignment>,
}

impl Principal {
    /// The same user with only the role assignments that permit `action`: what
    /// they do under it (an export) reads with those assignments' rights alone,
    /// so a coordinator in one unit and a mediator in another exports the
    /// first unit's rows only, with that role's special-category rights.
    pub fn acting_as(&self, action: Action) -> Principal {
        Principal {
            user_id: self.user_id.clone(),
            username: self.username.clone(),
            assignments: self
                .assignments
                .iter()
                .filter(|a| role_permits(a.role, action))
                .cloned()
                .collect(),
        }
    }

    /// Scopes in which the user may perform `action`; empty when they may not at all.
    pub fn grants(&self, action: Action) -> Vec<Scope> {
        let mut out: Vec<Scope> = Vec::new();
        for a in &self.assignments {
            if role_permits(a.role, action) && !out.contains(&a.scope) {
                out.push(a.scope.clone());
            }
        }
        // An installation-wide grant covers every other one: keep the query simple.
        if out.contains(&Scope::Installation) {
            return vec![Scope::Installation];
        }
        out
    }

    pub fn may(&self, action: Action) -> bool {
        self.assignments
            .iter()
            .any(|a| role_permits(a.role, action))
    }

    pub fn has_role(&self, role: Role) -> bool {
        self.assignments.iter().any(|a| a.role == role)
    }

    /// Whether this user may hand out `scope` to someone else: only within a scope
    /// in which they themselves manage users. Area containment beyond equality is
    /// answered by the store, which knows the area tree; this is the part that
    /// needs no data.
    pub fn may_grant_trivially(&self, scope: &Scope) -> bool {
        self.grants(Action::ManageUsers)
            .iter()
            .any(|g| *g == Scope::Installation || g == scope)
    }
}

#[cfg(test)]
mod assignment_tests {
    use super::*;
    use crate::codes::{AreaCode, Code};

    #[test]
    fn field_roles_need_a_unit_or_an_area() {
        let unit = Scope::Unit(Code::parse("SHKB-ANK-01").unwrap());
        let area = Scope::Area(AreaCode::parse("TR-06").unwrap());
        let inst = Scope::Institution(Code::parse("SCH-1").unwrap());
        let check = |role, scope: &Scope| {
            Assignment {
                role,
                scope: scope.clone(),
            }
            .check()
        };
        for role in [Role::SocialMediator, Role::Volunteer, Role::UnitCoordinator] {
            assert_eq!(check(role, &Scope::Installation), Err("err-scope-required"));
            assert_eq!(check(role, &inst), Err("err-scope-institution-only"));
            assert!(check(role, &unit).is_ok() && check(role, &area).is_ok());
        }
        assert!(check(Role::Administrator, &Scope::Installation).is_ok());
        assert!(check(Role::Auditor, &Scope::Installation).is_ok());
        assert_eq!(
            check(Role::InstitutionFocalPoint, &unit),
            Err("err-scope-institution-required")
        );
        assert!(check(Role::InstitutionFocalPoint, &inst).is_ok());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codes::{AreaCode, Code};

    fn p(assignments: Vec<(Role, Scope)>) -> Principal {
        Principal {
            user_id: "u".into(),
            username: "u".into(),
            assignments: assignments
                .into_iter()
                .map(|(role, scope)| Assignment { role, scope })
                .collect(),
        }
    }

    #[test]
    fn auditor_reads_but_never_writes() {
        let a = p(vec![(Role::Auditor, Scope::Installation)]);
        assert!(a.may(Action::ViewAudit));
        assert!(a.may(Action::ViewUsers));
        for act in [
            Action::ManageProgrammes,
            Action::ManageUnits,
            Action::ManageInstitutions,
            Action::ManageUsers,
        ] {
            assert!(!a.may(act), "{act:?}");
            assert!(a.grants(act).is_empty());
        }
    }

    #[test]
    fn grants_come_only_from_assignments_that_permit_the_action() {
        let area = Scope::Area(AreaCode::parse("TR-06").unwrap());
        let unit = Scope::Unit(Code::parse("SHKB-ANK").unwrap());
        let u = p(vec![
            (Role::Auditor, area.clone()),
            (Role::SocialMediator, unit.clone()),
        ]);
        assert_eq!(u.grants(Action::ViewAudit), vec![area.clone()]);
        assert_eq!(u.grants(Action::ViewDirectory), vec![area, unit]);
        assert!(u.grants(Action::ManageInstitutions).is_empty());
    }

    #[test]
    fn installation_grant_absorbs_others() {
        let u = p(vec![
            (
                Role::Administrator,
                Scope::Country(AreaCode::parse("TR").unwrap()),
            ),
            (Role::Administrator, Scope::Installation),
        ]);
        assert_eq!(u.grants(Action::ManageUsers), vec![Scope::Installation]);
    }

    #[test]
    fn special_categories_stay_with_those_who_need_them() {
        for r in [
            Role::Administrator,
            Role::Auditor,
            Role::ProgrammeManager,
            Role::MeOfficer,
            Role::InstitutionFocalPoint,
            Role::Volunteer,
        ] {
            for a in [
                Action::ReadEthnicity,
                Action::ReadHealth,
                Action::ReadJustice,
            ] {
                assert!(!role_permits(r, a), "{r:?} {a:?}");
            }
        }
        assert!(role_permits(Role::HealthMediator, Action::ReadHealth));
        assert!(!role_permits(Role::HealthMediator, Action::ReadJustice));
        assert!(!role_permits(Role::ProgrammeManager, Action::ViewPersons));
        assert!(
            role_permits(Role::Auditor, Action::ViewPersons)
                && !role_permits(Role::Auditor, Action::EditPersons)
        );
    }

    #[test]
    fn every_role_can_read_the_directory() {
        for r in Role::ALL {
            assert!(role_permits(r, Action::ViewDirectory));
        }
    }
}
