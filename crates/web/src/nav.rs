//! The navigation, shaped by what the signed-in person does.
//!
//! Every section is listed once here with the permission that shows it; the
//! user's work decides which few sit in the bar (a field worker's people,
//! cases and work; a focal point's referrals; an M&E officer's monitoring
//! pages) and the rest go into one menu, administration apart. On a phone the
//! bar stays one or two lines so the page's content starts on the first screen.

use crate::context::Ctx;
use kopru_domain::Action;

/// One link of the navigation.
pub struct NavLink {
    pub href: &'static str,
    pub label: String,
    pub current: bool,
}

/// The navigation of one page for one user.
#[derive(Default)]
pub struct Nav {
    /// In the bar, at most four.
    pub primary: Vec<NavLink>,
    /// In the menu: other work sections.
    pub more: Vec<NavLink>,
    /// In the menu under "Administration".
    pub admin: Vec<NavLink>,
    /// Whether the bar holds the people search box.
    pub search: bool,
}

#[derive(Clone, Copy, PartialEq)]
enum Section {
    MyWork,
    Persons,
    Cases,
    Referrals,
    Activities,
    Volunteers,
    Dashboard,
    Employment,
    ResponseTimes,
    Duplicates,
    Imports,
    EnrolmentLists,
    Strategy,
    ProgressReports,
    MonitoringVisits,
    Recommendations,
    LocalPlans,
    Indicators,
    Forms,
    Areas,
    Programmes,
    Units,
    Institutions,
    Users,
    Audit,
    Design,
}

use Section::*;

/// What the bar offers first, for each kind of work, in order.
const FIELD_WORK: [Section; 4] = [Persons, Cases, MyWork, Referrals];
const INSTITUTION: [Section; 3] = [Referrals, ProgressReports, Volunteers];
const MONITORING: [Section; 5] = [Dashboard, Strategy, Activities, Cases, Referrals];
const ADMINISTRATION: [Section; 4] = [Users, Units, Institutions, Audit];
const PRIMARY_MAX: usize = 4;

impl Section {
    const ALL: [Section; 26] = [
        MyWork,
        Persons,
        Cases,
        Referrals,
        Activities,
        Volunteers,
        Dashboard,
        Employment,
        ResponseTimes,
        Duplicates,
        Imports,
        EnrolmentLists,
        Strategy,
        ProgressReports,
        MonitoringVisits,
        Recommendations,
        LocalPlans,
        Indicators,
        Forms,
        Areas,
        Programmes,
        Units,
        Institutions,
        Users,
        Audit,
        Design,
    ];

    fn href(self) -> &'static str {
        match self {
            MyWork => "/my-work",
            Persons => "/persons",
            Cases => "/cases",
            Referrals => "/referrals",
            Activities => "/activities",
            Volunteers => "/volunteers",
            Dashboard => "/dashboard",
            Employment => "/employment",
            ResponseTimes => "/response-times",
            Duplicates => "/duplicates",
            Imports => "/imports",
            EnrolmentLists => "/enrolment-lists",
            Strategy => "/strategy",
            ProgressReports => "/progress-reports",
            MonitoringVisits => "/monitoring-visits",
            Recommendations => "/recommendations",
            LocalPlans => "/local-action-plans",
            Indicators => "/indicators",
            Forms => "/forms",
            Areas => "/areas",
            Programmes => "/programmes",
            Units => "/units",
            Institutions => "/institutions",
            Users => "/users",
            Audit => "/audit",
            Design => "/design",
        }
    }

    /// Other paths that belong to the section.
    fn also(self) -> &'static [&'static str] {
        match self {
            Persons => &["/households"],
            Duplicates => &["/merges"],
            Employment => &["/outcome-checks"],
            Strategy => &["/action-plans"],
            LocalPlans => &["/local-groups"],
            _ => &[],
        }
    }

    fn is_admin(self) -> bool {
        matches!(
            self,
            Forms
                | Areas
                | Programmes
                | Units
                | Institutions
                | Users
                | Audit
                | ResponseTimes
                | Design
        )
    }

    fn label(self, ctx: &Ctx) -> String {
        let id = match self {
            MyWork => "nav-my-work",
            Persons => "nav-persons",
            Cases => "nav-cases",
            Referrals if ctx.allows(Action::AnswerReferrals) => "referral-inbox",
            Referrals => "nav-referrals",
            Activities => "nav-activities",
            Volunteers => "nav-volunteers",
            Dashboard => "nav-dashboard",
            Employment => "nav-employment",
            ResponseTimes => "response-times",
            Duplicates => "nav-duplicates",
            Imports => "nav-imports",
            EnrolmentLists => "nav-enrolment-lists",
            Strategy => "nav-strategy",
            ProgressReports => "nav-progress-reports",
            MonitoringVisits => "nav-monitoring-visits",
            Recommendations => "nav-recommendations",
            LocalPlans => "nav-local-plans",
            Indicators => "nav-indicators",
            Forms => "nav-forms",
            Areas => "nav-areas",
            Programmes => "nav-programmes",
            Units => "nav-units",
            Institutions => "nav-institutions",
            Users => "nav-users",
            Audit => "nav-audit",
            Design => "design-title",
        };
        ctx.t(id)
    }

    fn shown(self, ctx: &Ctx) -> bool {
        match self {
            MyWork => ctx.allows(Action::EditCases),
            Persons | Duplicates => ctx.allows(Action::ViewPersons),
            Cases => ctx.allows(Action::ViewCases),
            Referrals => ctx.allows(Action::ViewCases) || ctx.allows(Action::AnswerReferrals),
            Activities | LocalPlans => ctx.allows(Action::ViewActivities),
            Indicators => ctx.allows(Action::ViewIndicators),
            Volunteers => {
                ctx.allows(Action::ManageActivities) || ctx.allows(Action::ConfirmVolunteerHours)
            }
            Dashboard | Employment => ctx.allows(Action::ViewCaseStatistics),
            Imports => ctx.allows(Action::ImportPersons),
            EnrolmentLists => ctx.allows(Action::EditPersons),
            Strategy | MonitoringVisits | Recommendations => ctx.allows(Action::ViewStrategy),
            ProgressReports => {
                ctx.allows(Action::ReportProgress) || ctx.allows(Action::ReviewProgress)
            }
            Users => ctx.allows(Action::ViewUsers),
            Audit => ctx.allows(Action::ViewAudit),
            Design => ctx.allows(Action::ManageUsers),
            ResponseTimes => {
                ctx.allows(Action::ViewCaseStatistics) || ctx.allows(Action::ManageInstitutions)
            }
            Forms | Areas | Programmes | Units | Institutions => ctx.user.is_some(),
        }
    }

    fn current(self, path: &str) -> bool {
        let under = |p: &str| path == p || path.starts_with(&format!("{p}/"));
        under(self.href()) || self.also().iter().any(|p| under(p))
    }
}

impl Ctx {
    /// Whether the signed-in user may do `action` anywhere.
    pub fn allows(&self, action: Action) -> bool {
        self.user.as_ref().is_some_and(|u| u.principal.may(action))
    }

    /// The navigation for this page.
    pub fn nav(&self) -> Nav {
        if self.user.is_none() {
            return Nav::default();
        }
        let first: &[Section] = if self.allows(Action::EditCases) {
            &FIELD_WORK
        } else if self.allows(Action::AnswerReferrals) {
            &INSTITUTION
        } else if self.allows(Action::ManageUsers) {
            &ADMINISTRATION
        } else if self.allows(Action::ViewCaseStatistics) {
            &MONITORING
        } else {
            &[]
        };
        let link = |s: Section| NavLink {
            href: s.href(),
            label: s.label(self),
            current: s.current(&self.path),
        };
        let mut nav = Nav {
            search: self.allows(Action::ViewPersons) && self.allows(Action::EditCases),
            ..Nav::default()
        };
        let mut placed: Vec<Section> = Vec::new();
        for &s in first {
            if nav.primary.len() < PRIMARY_MAX && s.shown(self) {
                nav.primary.push(link(s));
                placed.push(s);
            }
        }
        for s in Section::ALL {
            if placed.contains(&s) || !s.shown(self) {
                continue;
            }
            if s.is_admin() {
                nav.admin.push(link(s));
            } else {
                nav.more.push(link(s));
            }
        }
        nav
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_section_is_current_on_its_own_pages_only() {
        assert!(Persons.current("/persons"));
        assert!(Persons.current("/persons/abc/edit"));
        assert!(Persons.current("/households/abc"));
        assert!(!Persons.current("/personsx"));
        assert!(Referrals.current("/referrals/abc"));
        assert!(!Referrals.current("/response-times"));
        assert!(ResponseTimes.current("/response-times"));
    }
}
