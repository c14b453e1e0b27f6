//! Cases and referrals: the states they go through and which moves are
//! allowed. The store records every move with its time and actor; a move not
//! listed here is refused.

use crate::reference::closed_list;
use serde::Serialize;

closed_list!(
    /// Where a case stands: open → assessed → plan agreed → in service →
    /// closed, and reopened when needed.
    CaseStatus, "case-status" {
        Open = "open",
        Assessed = "assessed",
        PlanAgreed = "plan_agreed",
        InService = "in_service",
        Closed = "closed",
    }
);

impl CaseStatus {
    /// The statuses a case may move to from this one. A case moves forward
    /// one step at a time (an assessment before a plan, a plan before
    /// services), may be closed from any open status, and a closed case only
    /// reopens — to `open`, so that it is assessed again.
    pub fn next(self) -> &'static [CaseStatus] {
        use CaseStatus::*;
        match self {
            Open => &[Assessed, Closed],
            Assessed => &[PlanAgreed, Closed],
            PlanAgreed => &[InService, Closed],
            InService => &[Closed],
            Closed => &[Open],
        }
    }

    pub fn may_become(self, to: CaseStatus) -> bool {
        self.next().contains(&to)
    }

    /// A closed case is read-only until it is reopened.
    pub fn is_closed(self) -> bool {
        self == CaseStatus::Closed
    }
}

closed_list!(
    /// Where a referral stands, as the receiving institution answers it.
    ReferralStatus, "referral-status" {
        Sent = "sent",
        Received = "received",
        Accepted = "accepted",
        Declined = "declined",
        Delivered = "delivered",
        NotDelivered = "not_delivered",
        Closed = "closed",
    }
);

impl ReferralStatus {
    /// sent → received → accepted | declined; accepted → delivered | not
    /// delivered; any answer → closed. An institution that answers without
    /// first marking the referral received may accept or decline it at once.
    pub fn next(self) -> &'static [ReferralStatus] {
        use ReferralStatus::*;
        match self {
            Sent => &[Received, Accepted, Declined, Closed],
            Received => &[Accepted, Declined, Closed],
            Accepted => &[Delivered, NotDelivered, Closed],
            Declined | Delivered | NotDelivered => &[Closed],
            Closed => &[],
        }
    }

    pub fn may_become(self, to: ReferralStatus) -> bool {
        self.next().contains(&to)
    }

    /// Moves that must say why.
    pub fn needs_reason(self) -> bool {
        matches!(
            self,
            ReferralStatus::Declined | ReferralStatus::NotDelivered
        )
    }

    /// Whether the institution still owes an answer (for overdue flags).
    pub fn awaits_answer(self) -> bool {
        matches!(self, ReferralStatus::Sent | ReferralStatus::Received)
    }
}

closed_list!(
    /// The needs a case works on; each has a needs-assessment form.
    Domain, "case-domain" {
        Education = "education",
        Health = "health",
        Employment = "employment",
        Housing = "housing",
        SocialAssistance = "social_assistance",
        CivilDocuments = "civil_documents",
        Legal = "legal",
    }
);

closed_list!(
    Priority, "case-priority" {
        Low = "low",
        Normal = "normal",
        High = "high",
        Urgent = "urgent",
    }
);

closed_list!(
    /// How a mediator met the person.
    ContactKind, "contact-kind" {
        HomeVisit = "home_visit",
        OfficeVisit = "office_visit",
        PhoneCall = "phone_call",
        Accompaniment = "accompaniment",
    }
);

closed_list!(
    /// Services a unit gives itself (referrals are for others' services).
    DeliveredService, "delivered-service" {
        Counselling = "counselling",
        Accompaniment = "accompaniment",
        TransportSupport = "transport_support",
        InKindAid = "in_kind_aid",
        DocumentsHelp = "documents_help",
    }
);

closed_list!(
    GoalStatus, "goal-status" {
        Planned = "planned",
        InProgress = "in_progress",
        Achieved = "achieved",
        PartlyAchieved = "partly_achieved",
        NotAchieved = "not_achieved",
        Dropped = "dropped",
    }
);

impl GoalStatus {
    /// What a goal may end as when its case closes.
    pub fn is_outcome(self) -> bool {
        matches!(
            self,
            GoalStatus::Achieved
                | GoalStatus::PartlyAchieved
                | GoalStatus::NotAchieved
                | GoalStatus::Dropped
        )
    }
}

closed_list!(
    ClosureReason, "closure-reason" {
        GoalsMet = "goals_met",
        MovedAway = "moved_away",
        NoLongerEligible = "no_longer_eligible",
        Declined = "declined",
        LostContact = "lost_contact",
        Deceased = "deceased",
        TransferredOut = "transferred_out",
    }
);

/// Working days between two dates (`YYYY-MM-DD`), Monday to Friday, not
/// counting the first day: a referral sent on Friday and answered on Monday
/// took one working day. `None` for a malformed date.
pub fn working_days_between(from: &str, to: &str) -> Option<i64> {
    let (a, b) = (day_number(from)?, day_number(to)?);
    if b <= a {
        return Some(0);
    }
    let weekday = |d: i64| (d + 3).rem_euclid(7); // 0 = Monday (1970-01-01 was a Thursday)
    Some((a + 1..=b).filter(|d| weekday(*d) < 5).count() as i64)
}

/// Days since 1970-01-01 of a `YYYY-MM-DD` date (Howard Hinnant's algorithm).
pub fn day_number(date: &str) -> Option<i64> {
    let d = crate::codes::optional_date(date).ok()??;
    let (y, m, day): (i64, i64, i64) = (
        d[..4].parse().ok()?,
        d[5..7].parse().ok()?,
        d[8..10].parse().ok()?,
    );
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    Some(era * 146_097 + doe - 719_468)
}

/// The date `days` days after day 0 (1970-01-01), as `YYYY-MM-DD`: the
/// inverse of [`day_number`].
pub fn date_of(days: i64) -> String {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

/// The same day `n` months after `from` (the month's last day when it is
/// shorter: 31 January + 1 month is 28 or 29 February). `None` for a
/// malformed date.
pub fn add_months(from: &str, n: i64) -> Option<String> {
    let d = crate::codes::optional_date(from).ok()??;
    let (y, m, day): (i64, i64, i64) = (
        d[..4].parse().ok()?,
        d[5..7].parse().ok()?,
        d[8..10].parse().ok()?,
    );
    let months = y * 12 + (m - 1) + n;
    let (y, m) = (months.div_euclid(12), months.rem_euclid(12) + 1);
    let next = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
    let last = day_number(&format!("{:04}-{:02}-01", next.0, next.1))?
        - day_number(&format!("{y:04}-{m:02}-01"))?;
    Some(format!("{y:04}-{m:02}-{:02}", day.min(last)))
}

/// The date `n` working days (Monday to Friday) after `from`: when an answer
/// to a referral sent on `from` is due. `None` for a malformed date.
pub fn add_working_days(from: &str, n: i64) -> Option<String> {
    let mut d = day_number(from)?;
    let mut left = n.max(0);
    while left > 0 {
        d += 1;
        if (d + 3).rem_euclid(7) < 5 {
            left -= 1;
        }
    }
    Some(date_of(d))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_are_added_to_the_same_day_or_the_months_last() {
        assert_eq!(add_months("2026-01-31", 1).as_deref(), Some("2026-02-28"));
        assert_eq!(add_months("2028-01-31", 1).as_deref(), Some("2028-02-29"));
        assert_eq!(add_months("2026-11-15", 3).as_deref(), Some("2027-02-15"));
        assert_eq!(add_months("2026-06-30", 12).as_deref(), Some("2027-06-30"));
        assert_eq!(add_months("2026-12-03", 6).as_deref(), Some("2027-06-03"));
        assert_eq!(add_months("nope", 3), None);
    }

    #[test]
    fn a_case_moves_forward_one_step_closes_from_anywhere_and_reopens_to_open() {
        use CaseStatus::*;
        assert!(Open.may_become(Assessed));
        assert!(!Open.may_become(InService), "no services before a plan");
        assert!(!Assessed.may_become(Open));
        for s in [Open, Assessed, PlanAgreed, InService] {
            assert!(s.may_become(Closed));
        }
        assert_eq!(Closed.next(), &[Open]);
        assert!(Closed.is_closed() && !InService.is_closed());
        assert_eq!(CaseStatus::parse("plan_agreed"), Ok(PlanAgreed));
        assert_eq!(CaseStatus::parse("done"), Err("err-choice"));
        assert_eq!(PlanAgreed.message_id(), "case-status-plan-agreed");
    }

    #[test]
    fn a_referral_is_answered_before_it_is_delivered_and_ends_closed() {
        use ReferralStatus::*;
        assert!(Sent.may_become(Received) && Sent.may_become(Accepted));
        assert!(
            !Sent.may_become(Delivered),
            "nothing is delivered before it is accepted"
        );
        assert!(!Declined.may_become(Accepted));
        assert!(Accepted.may_become(NotDelivered));
        assert!(Closed.next().is_empty());
        assert!(Declined.needs_reason() && NotDelivered.needs_reason() && !Accepted.needs_reason());
        assert!(Sent.awaits_answer() && Received.awaits_answer() && !Accepted.awaits_answer());
    }

    #[test]
    fn working_days_skip_weekends() {
        // 2026-11-20 is a Friday.
        assert_eq!(working_days_between("2026-11-20", "2026-11-23"), Some(1));
        assert_eq!(working_days_between("2026-11-20", "2026-11-27"), Some(5));
        assert_eq!(working_days_between("2026-11-23", "2026-11-23"), Some(0));
        assert_eq!(working_days_between("2026-11-23", "2026-11-20"), Some(0));
        assert_eq!(working_days_between("2026-02-30", "2026-11-20"), None);
        assert_eq!(day_number("1970-01-01"), Some(0));
        assert_eq!(day_number("2000-03-01"), Some(11_017));
    }

    #[test]
    fn dates_round_trip_and_working_days_skip_weekends() {
        for d in [
            "1970-01-01",
            "2000-02-29",
            "2026-11-24",
            "2100-03-01",
            "1970-12-31",
        ] {
            assert_eq!(date_of(day_number(d).unwrap()), d);
        }
        // Friday + 1 working day is Monday; Tuesday + 5 is the next Tuesday.
        assert_eq!(
            add_working_days("2026-11-20", 1).as_deref(),
            Some("2026-11-23")
        );
        assert_eq!(
            add_working_days("2026-11-24", 5).as_deref(),
            Some("2026-12-01")
        );
        assert_eq!(
            add_working_days("2026-11-24", 0).as_deref(),
            Some("2026-11-24")
        );
        let due = add_working_days("2026-11-20", 7).unwrap();
        assert_eq!(working_days_between("2026-11-20", &due), Some(7));
    }
}
